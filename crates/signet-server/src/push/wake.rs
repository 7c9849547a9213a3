//! What a wake-up says, and what one attempt to send it on a channel gives back
//! (docs/protocol.md 8.6). Every channel (APNs, FCM, Web Push, a push gateway) takes a
//! [`WakeUp`] and a push token and makes one attempt; retries, deadlines and the mapping to
//! `deliveryResults` are the delivery's job, not the channel's.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// The visible title of every wake-up: generic, so a lock screen shows no login details.
pub const TITLE: &str = "Sign-in request";

/// The visible body of every wake-up.
pub const BODY: &str = "Open Signet to approve or deny it.";

/// One wake-up for one authenticator. It carries ids only: the device fetches the challenge's
/// details, signed, from the server (no user id, action, IP, user agent or custom data here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WakeUp {
    /// The challenge; also the collapse key on every channel.
    pub challenge_id: String,
    /// The authenticator woken.
    pub user_authenticator_id: String,
    /// When the challenge expires (Unix seconds): the wake-up's lifetime ends then.
    pub expires_at: i64,
}

impl WakeUp {
    /// The data every channel carries: `{"challengeId", "userAuthenticatorId"}`.
    #[must_use]
    pub fn data(&self) -> serde_json::Value {
        serde_json::json!({
            "challengeId": self.challenge_id,
            "userAuthenticatorId": self.user_authenticator_id,
        })
    }

    /// What is left of the wake-up's lifetime at `now` (Unix seconds); zero once expired.
    #[must_use]
    pub fn ttl(&self, now: i64) -> Duration {
        Duration::from_secs(u64::try_from(self.expires_at.saturating_sub(now)).unwrap_or(0))
    }
}

/// The result of one attempt to send a wake-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// The provider (or gateway, or webhook) accepted it.
    Accepted,
    /// The provider says the token is gone (APNs 410, FCM `UNREGISTERED`/`NOT_FOUND`, Web Push
    /// 404/410): the server forgets the token.
    TokenInvalid,
    /// Worth another attempt (429, 5xx, a refused or dropped connection), after `after` if the
    /// provider said (`Retry-After`), else after the delivery's own backoff.
    Retry {
        /// The provider's `Retry-After`, if it gave one.
        after: Option<Duration>,
        /// What went wrong, for the log (never a token or a key).
        reason: String,
    },
    /// Refused for good (a 4xx other than the above, a bad credential): no retry.
    Failed {
        /// What went wrong, for the log (never a token or a key).
        reason: String,
    },
}

/// A channel that sends wake-ups: APNs, FCM, Web Push, or a push gateway that sends them on
/// its own credentials. One call is one attempt; the delivery retries.
pub trait Channel: Send + Sync {
    /// Sends `wake` to the device that registered `token` (the token as the device gave it).
    fn send<'a>(
        &'a self,
        token: &'a str,
        wake: &'a WakeUp,
    ) -> Pin<Box<dyn Future<Output = Sent> + Send + 'a>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_holds_the_two_ids_and_nothing_else() {
        let wake = WakeUp {
            challenge_id: "c1".into(),
            user_authenticator_id: "a1".into(),
            expires_at: 100,
        };
        assert_eq!(
            wake.data(),
            serde_json::json!({"challengeId": "c1", "userAuthenticatorId": "a1"})
        );
    }

    #[test]
    fn the_lifetime_is_what_is_left_of_the_challenge_and_never_negative() {
        let wake = WakeUp {
            challenge_id: "c1".into(),
            user_authenticator_id: "a1".into(),
            expires_at: 100,
        };
        assert_eq!(wake.ttl(40), Duration::from_secs(60));
        assert_eq!(wake.ttl(200), Duration::ZERO);
    }
}
