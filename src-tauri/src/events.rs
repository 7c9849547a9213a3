//! The events the shell emits to the UI: each name with the type of its payload. Names are
//! kebab-case and part of the UI contract: `ui/src/lib/bindings.ts` is generated from this
//! list (see `contract.rs`), and `ui/src/lib/api.ts` listens through it.

use std::marker::PhantomData;

use serde::Serialize;
use signet_core::AccountId;
use signet_core::history::Outcome;
use tauri::{Emitter, Runtime};
use ts_rs::TS;

use crate::view::{ChallengeView, Connection};

/// An event the UI listens for, with the type of its payload.
pub struct UiEvent<P> {
    /// The event's name.
    pub name: &'static str,
    payload: PhantomData<fn(P)>,
}

impl<P: Serialize + Clone> UiEvent<P> {
    const fn new(name: &'static str) -> Self {
        Self {
            name,
            payload: PhantomData,
        }
    }

    /// Sends this event with `payload` to every window; a failure is logged only (the UI
    /// reads the state again when it next shows it).
    pub fn emit<R: Runtime>(&self, app: &impl Emitter<R>, payload: P) {
        if let Err(error) = app.emit(self.name, payload) {
            tracing::warn!(%error, event = self.name, "cannot emit to the UI");
        }
    }
}

/// Declares the events once: the typed constants, and the list the contract is generated from.
macro_rules! ui_events {
    ($( $(#[$doc:meta])* $constant:ident = $name:literal: $payload:ty; )*) => {
        $( $(#[$doc])* pub const $constant: UiEvent<$payload> = UiEvent::new($name); )*

        /// Every event's name and the TypeScript type of its payload, in contract order.
        #[cfg(test)]
        pub fn contract(config: &ts_rs::Config) -> Vec<(&'static str, String)> {
            vec![$( ($name, <$payload as TS>::name(config)) ),*]
        }
    };
}

ui_events! {
    /// A new challenge is pending.
    CHALLENGE_RECEIVED = "challenge-received": ChallengeView;
    /// A challenge left the pending set (answered here or elsewhere, expired, refused).
    CHALLENGE_RESOLVED = "challenge-resolved": ChallengeResolved;
    /// An account's connection to its server changed.
    CONNECTION_CHANGED = "connection-changed": ConnectionChanged;
    /// The list of accounts changed; payload: `null`.
    ACCOUNTS_CHANGED = "accounts-changed": ();
    /// The user tapped a notification.
    OPEN_CHALLENGE = "open-challenge": OpenChallenge;
    /// A `signet://enroll` deep link arrived.
    ENROLL_LINK = "enroll-link": EnrollLink;
}

/// How and when a challenge left the pending set.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ChallengeResolved {
    /// The challenge.
    pub challenge_id: String,
    /// Its account.
    pub account_id: AccountId,
    /// How it ended.
    pub outcome: Outcome,
    /// When (Unix ms).
    pub at: u64,
}

/// An account's new connection state.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionChanged {
    /// The account.
    pub account_id: AccountId,
    /// Its connection now.
    pub connection: Connection,
}

/// Which challenge's sheet to open.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OpenChallenge {
    /// The challenge.
    pub challenge_id: String,
}

/// An enrollment link that opened the app.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EnrollLink {
    /// The whole `signet://enroll?...` link.
    pub link: String,
}
