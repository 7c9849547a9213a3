//! Challenges as the engine keeps them: parsed from the wire once, then trusted.

use std::collections::{HashMap, HashSet, VecDeque};

use serde::Serialize;
use signet_protocol::{DeclineReason, PendingChallengeResponse};

use crate::accounts::AccountId;

/// How long a challenge without `expiresAt` is kept (the protocol's default lifetime).
pub const DEFAULT_CHALLENGE_LIFETIME_SECS: u64 = 120;

/// A pending push challenge for one account: what the approval sheet shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Challenge {
    /// The server's `challengeId`.
    pub id: String,
    /// The account it is for.
    pub account_id: AccountId,
    /// The action, e.g. `signIn`.
    pub action_code: Option<String>,
    /// The initiator's user agent, when the server told.
    pub user_agent: Option<String>,
    /// The initiator's IP address, when the server told.
    pub ip_address: Option<String>,
    /// The relying party's custom data, when the server told.
    pub custom: Option<serde_json::Value>,
    /// Whether the user must type the number shown on the sign-in page (8.3).
    pub verification_code_required: bool,
    /// When the device first saw it (Unix seconds, the engine's clock).
    pub received_at: u64,
    /// When it can no longer be answered (Unix seconds).
    pub expires_at: u64,
}

impl Challenge {
    /// Parses 3.4b's answer: `None` when no challenge is pending (`challengeId` absent, null
    /// or empty).
    pub fn from_wire(
        account_id: &AccountId,
        wire: PendingChallengeResponse,
        now: u64,
    ) -> Option<Self> {
        let id = wire.challenge_id.filter(|id| !id.is_empty())?;
        let expires_at = wire
            .expires_at
            .and_then(|at| u64::try_from(at).ok())
            .unwrap_or(now + DEFAULT_CHALLENGE_LIFETIME_SECS);
        Some(Self {
            id,
            account_id: account_id.clone(),
            action_code: wire.action_code,
            user_agent: wire.user_agent,
            ip_address: wire.ip_address,
            custom: wire.custom,
            verification_code_required: wire.verification_code_required.unwrap_or(false),
            received_at: now,
            expires_at,
        })
    }

    /// Whether it has expired at `now`.
    pub fn is_expired(&self, now: u64) -> bool {
        now >= self.expires_at
    }

    /// Seconds left to answer at `now`.
    pub fn seconds_left(&self, now: u64) -> u64 {
        self.expires_at.saturating_sub(now)
    }
}

/// What the user decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Approve the sign-in.
    Approve,
    /// Deny it, optionally saying why ("it wasn't me" counts towards push fatigue).
    Deny {
        /// The reason sent as `declineReason`.
        reason: Option<DeclineReason>,
    },
}

/// An answer to a challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// Approve or deny.
    pub decision: Decision,
    /// The number the user typed, when the challenge asks for one.
    pub verification_code: Option<String>,
}

impl Answer {
    /// Approve, without a number.
    pub fn approve() -> Self {
        Self {
            decision: Decision::Approve,
            verification_code: None,
        }
    }

    /// Approve with the number shown on the sign-in page.
    pub fn approve_with_code(code: impl Into<String>) -> Self {
        Self {
            decision: Decision::Approve,
            verification_code: Some(code.into()),
        }
    }

    /// Deny, optionally with a reason.
    pub fn deny(reason: Option<DeclineReason>) -> Self {
        Self {
            decision: Decision::Deny { reason },
            verification_code: None,
        }
    }
}

/// How many answered challenge ids are remembered, so a server that still returns one is not
/// prompted again.
const ANSWERED_MEMORY: usize = 256;

/// The challenges waiting for the user, and the ids recently answered.
#[derive(Debug, Default)]
pub(crate) struct PendingSet {
    pending: HashMap<String, Challenge>,
    answered: VecDeque<String>,
    /// Challenges whose answer from this device is on its way to the server: their absence
    /// from the server's answer is that answer, not another device's.
    answering: HashSet<String>,
}

impl PendingSet {
    /// Adds a challenge unless it is known (pending or answered) or expired; true when added.
    pub(crate) fn offer(&mut self, challenge: &Challenge, now: u64) -> bool {
        if challenge.is_expired(now)
            || self.pending.contains_key(&challenge.id)
            || self.answered.contains(&challenge.id)
        {
            return false;
        }
        self.pending.insert(challenge.id.clone(), challenge.clone());
        true
    }

    /// Whether this id is pending or was answered.
    pub(crate) fn knows(&self, id: &str) -> bool {
        self.pending.contains_key(id) || self.answered.iter().any(|known| known == id)
    }

    /// Removes and returns the challenges expired at `now`.
    pub(crate) fn prune(&mut self, now: u64) -> Vec<Challenge> {
        let expired: Vec<String> = self
            .pending
            .values()
            .filter(|challenge| challenge.is_expired(now))
            .map(|challenge| challenge.id.clone())
            .collect();
        expired
            .iter()
            .filter_map(|id| self.pending.remove(id))
            .collect()
    }

    /// The pending challenge with this id.
    pub(crate) fn get(&self, id: &str) -> Option<&Challenge> {
        self.pending.get(id)
    }

    /// Marks a challenge done (answered, refused by the server, or expired): removed and
    /// remembered so it is never shown again.
    pub(crate) fn finish(&mut self, id: &str) {
        self.pending.remove(id);
        self.answering.remove(id);
        if !self.answered.iter().any(|known| known == id) {
            if self.answered.len() == ANSWERED_MEMORY {
                self.answered.pop_front();
            }
            self.answered.push_back(id.to_owned());
        }
    }

    /// Notes that this device's answer to `id` is being sent (true), or is no longer (false).
    pub(crate) fn set_answering(&mut self, id: &str, answering: bool) {
        if answering {
            self.answering.insert(id.to_owned());
        } else {
            self.answering.remove(id);
        }
    }

    /// Removes and returns the challenges of `account` that left the server's pending set
    /// without an answer from here: the server, asked for the account's pending challenge,
    /// answered `current` (none, or another one), so every other challenge of the account that
    /// is unexpired at `now` and not being answered here was answered elsewhere or cancelled.
    /// (The server returns the oldest pending challenge, and this device learns of a challenge
    /// only while it is the oldest: a different id means the known one is gone.)
    pub(crate) fn take_gone(
        &mut self,
        account: &AccountId,
        current: Option<&str>,
        now: u64,
    ) -> Vec<Challenge> {
        let gone: Vec<String> = self
            .pending
            .values()
            .filter(|challenge| {
                &challenge.account_id == account
                    && Some(challenge.id.as_str()) != current
                    && !challenge.is_expired(now)
                    && !self.answering.contains(&challenge.id)
            })
            .map(|challenge| challenge.id.clone())
            .collect();
        gone.iter()
            .filter_map(|id| {
                let challenge = self.pending.get(id).cloned();
                self.finish(id);
                challenge
            })
            .collect()
    }

    /// Whether a challenge of `account` is waiting for the user.
    pub(crate) fn has_account(&self, account: &AccountId) -> bool {
        self.pending
            .values()
            .any(|challenge| &challenge.account_id == account)
    }

    /// Drops every challenge of an account.
    pub(crate) fn forget_account(&mut self, account: &AccountId) {
        self.pending
            .retain(|_, challenge| &challenge.account_id != account);
    }

    /// The pending challenges, oldest first.
    pub(crate) fn list(&self) -> Vec<Challenge> {
        let mut list: Vec<Challenge> = self.pending.values().cloned().collect();
        list.sort_by(|a, b| (a.received_at, &a.id).cmp(&(b.received_at, &b.id)));
        list
    }
}
