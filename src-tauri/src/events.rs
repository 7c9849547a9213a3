//! The events the shell emits to the UI: each name with the type of its payload. Names are
//! kebab-case and part of the UI contract: `ui/src/lib/bindings.ts` is generated from this
//! list (see `contract.rs`), and `ui/src/lib/api.ts` listens through it.
//!
//! They travel over one channel the UI opens with the `watch_events` command, not as Tauri's
//! own events: each `listen` of those runs a script in the page from the app's process, which
//! starts a JavaScript engine in the app's process too (≈ 3 MiB for as long as it runs;
//! docs/benchmarks.md, part 6).

use std::marker::PhantomData;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use signet_core::AccountId;
use signet_core::history::Outcome;
use tauri::ipc::{Channel, JavaScriptChannelId};
use tauri::{Manager, Runtime};
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

    /// Sends this event with `payload` to the UI, if it watches; a failure is logged only (the
    /// UI reads the state again when it next shows it).
    pub fn emit<R: Runtime>(&self, app: &impl Manager<R>, payload: P) {
        let Some(watcher) = app.try_state::<EventChannel>() else {
            return;
        };
        match serde_json::to_value(payload) {
            Ok(payload) => watcher.send(EventMessage {
                event: self.name,
                payload,
            }),
            Err(error) => tracing::warn!(%error, event = self.name, "cannot emit to the UI"),
        }
    }
}

/// One event as it travels to the UI: `{ "event": name, "payload": … }`.
#[derive(Debug, Clone, Serialize)]
pub struct EventMessage {
    event: &'static str,
    payload: serde_json::Value,
}

/// The channel the page opened with `watch_events` (the last one: a page that reloads opens a
/// new one, and the old one's page is gone).
#[derive(Default)]
pub struct EventChannel(Mutex<Option<Channel<EventMessage>>>);

impl EventChannel {
    /// From now on, events go to `channel`.
    pub fn watch(&self, channel: Channel<EventMessage>) {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(channel);
    }

    fn send(&self, message: EventMessage) {
        let guard = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(channel) = guard.as_ref()
            && let Err(error) = channel.send(message)
        {
            tracing::warn!(%error, "cannot send an event to the UI");
        }
    }
}

/// The `channel` argument of `watch_events`: a `Channel` the page made (in TypeScript, a
/// `Channel<EventMessage>` of `@tauri-apps/api/core`).
#[derive(Deserialize, TS)]
#[serde(transparent)]
#[ts(type = "Channel<EventMessage>")]
pub struct EventStream(JavaScriptChannelId);

impl EventStream {
    /// The channel, for sending to `webview`'s page.
    pub fn on<R: Runtime>(&self, webview: tauri::Webview<R>) -> Channel<EventMessage> {
        self.0.channel_on(webview)
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
