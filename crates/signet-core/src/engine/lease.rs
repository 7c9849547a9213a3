//! Keeping every account reachable: its credential's lease renewed on a schedule
//! (docs/protocol.md 3.6b `resetExpiry`, 6), the platform's push token given to every server
//! when it changes (3.6b `pushToken`, 8.6), and wake-ups turned into a signed fetch of the
//! account's pending challenge (3.4a, 3.4b).

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::sync::mpsc;

use super::watch::{Event, Fetched};
use super::{Challenge, Engine, lock};
use crate::Error;
use crate::accounts::{AccountId, PushToken};

/// The shortest pause between two rounds of renewals, whatever the leases say.
const MIN_RENEWAL: Duration = Duration::from_secs(10);

/// The pause before trying again after a renewal failed on the way (network, overload).
const RETRY_RENEWAL: Duration = Duration::from_secs(60);

/// What renewing one account's lease gave.
#[derive(Debug)]
pub struct Renewal {
    /// The account.
    pub account_id: AccountId,
    /// When its lease ends now (Unix seconds; `None` when the server sets no lease), or
    /// why it could not be renewed.
    pub result: Result<Option<u64>, Error>,
}

/// What a wake-up says (docs/protocol.md 8.6): which challenge, for which authenticator. It
/// carries nothing else; the challenge itself is fetched, signed, from the server.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WakeUp {
    /// The challenge that woke the device.
    pub challenge_id: String,
    /// The authenticator it is addressed to (an account's `authenticator_id`).
    pub user_authenticator_id: String,
}

impl WakeUp {
    /// Reads a wake-up's data as the platform hands it over (a JSON object, which may carry
    /// the platform's own keys beside ours). Anything else is [`Error::InvalidWakeUp`].
    pub fn from_json(data: &str) -> Result<Self, Error> {
        let wake_up: Self = serde_json::from_str(data).map_err(|error| Error::InvalidWakeUp {
            reason: error.to_string(),
        })?;
        if wake_up.challenge_id.is_empty() || wake_up.user_authenticator_id.is_empty() {
            return Err(Error::InvalidWakeUp {
                reason: "an empty id".to_owned(),
            });
        }
        Ok(wake_up)
    }
}

/// How long to wait before the next round of renewals: half of the shortest lease left (so a
/// missed round still leaves time for another), a minute after a failure on the way, and at
/// most `every`; never less than ten seconds.
pub fn next_renewal(renewals: &[Renewal], now: u64, every: Duration) -> Duration {
    renewals
        .iter()
        .filter_map(|renewal| match &renewal.result {
            Ok(Some(expires_at)) => Some(Duration::from_secs(expires_at.saturating_sub(now) / 2)),
            Err(error) if error.is_transient() => Some(RETRY_RENEWAL),
            // No lease; or a credential the server refuses, not retried on this schedule.
            Ok(None) | Err(_) => None,
        })
        .fold(every, Duration::min)
        .max(MIN_RENEWAL)
}

/// Unix seconds of a 3.6b `expiresAt` (RFC 3339); `None` when absent or unreadable.
fn unix_seconds(text: Option<&str>) -> Option<u64> {
    let at = OffsetDateTime::parse(text?, &Rfc3339).ok()?;
    u64::try_from(at.unix_timestamp()).ok()
}

impl Engine {
    /// The push token the platform gave last.
    pub fn current_push_token(&self) -> Option<PushToken> {
        lock(&self.push_token).clone()
    }

    /// The platform gave a push token (at start, or a new one): every account whose server
    /// has not been told this token gets it through update credential (3.6a, 3.6b with
    /// `pushToken` and `resetExpiry`). Returns what each account's update gave; an account
    /// that fails keeps its old token recorded and is tried again at the next renewal.
    pub async fn set_push_token(&self, token: PushToken) -> Vec<Renewal> {
        *lock(&self.push_token) = Some(token.clone());
        let mut renewals = Vec::new();
        for account in self.accounts() {
            if account.push_token.as_ref() != Some(&token) {
                renewals.push(self.renewal(account.id).await);
            }
        }
        renewals
    }

    /// Renews every account's lease (and tells its server the push token when it has not
    /// been told it). One [`Renewal`] per account.
    pub async fn renew_leases(&self) -> Vec<Renewal> {
        let mut renewals = Vec::new();
        for account in self.accounts() {
            renewals.push(self.renewal(account.id).await);
        }
        renewals
    }

    /// One account's keep-alive, as a [`Renewal`].
    async fn renewal(&self, account_id: AccountId) -> Renewal {
        let result = self
            .keep_alive(&account_id)
            .await
            .map(|response| unix_seconds(response.expires_at.as_deref()));
        if let Err(error) = &result {
            tracing::warn!(%error, "the credential's lease was not renewed");
        }
        Renewal { account_id, result }
    }

    /// A wake-up arrived: fetches the pending challenge of the account it names (signed, as
    /// the watch loop does). Returns the challenge when it is new to this device (show it);
    /// `None` when it was already shown or is no longer pending.
    pub async fn wake(&self, wake_up: &WakeUp) -> Result<Option<Challenge>, Error> {
        let account = self
            .accounts()
            .into_iter()
            .find(|account| account.authenticator_id == wake_up.user_authenticator_id)
            .ok_or(Error::WakeUpForUnknownAuthenticator)?;
        match self.fetch(&account, None).await? {
            Fetched::New(challenge) => Ok(Some(challenge)),
            Fetched::Known | Fetched::Nothing => Ok(None),
        }
    }
}

/// Renews every lease now, then on the schedule of [`next_renewal`], and at once after an
/// enrollment (a new credential's lease is learnt that way); an account whose credential is gone on the server is reported as
/// [`Event::NeedsEnrollment`]. Ends when nobody listens to `events`.
pub(crate) async fn lease_loop(engine: Arc<Engine>, events: mpsc::Sender<Event>) {
    loop {
        let renewals = engine.renew_leases().await;
        for renewal in &renewals {
            if let Err(error) = &renewal.result
                && error.is_credential_lost()
            {
                let event = Event::NeedsEnrollment {
                    account_id: renewal.account_id.clone(),
                };
                if events.send(event).await.is_err() {
                    return;
                }
            }
        }
        let every = engine.watch_options().lease_renewal;
        let delay = next_renewal(&renewals, engine.clock.now_seconds(), every);
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            () = engine.leases_due.notified() => {}
            () = events.closed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn renewal(result: Result<Option<u64>, Error>) -> Renewal {
        Renewal {
            account_id: AccountId::new("a"),
            result,
        }
    }

    #[test]
    fn the_next_renewal_comes_at_half_of_the_shortest_lease_left() {
        let every = Duration::from_secs(86_400);
        let renewals = [
            renewal(Ok(Some(1_000 + 600))),
            renewal(Ok(Some(1_000 + 120))),
            renewal(Ok(None)),
        ];
        assert_eq!(
            next_renewal(&renewals, 1_000, every),
            Duration::from_secs(60)
        );
        assert_eq!(next_renewal(&[renewal(Ok(None))], 1_000, every), every);
        assert_eq!(next_renewal(&[], 1_000, every), every);
    }

    #[test]
    fn a_failure_on_the_way_is_retried_within_a_minute_and_never_in_a_tight_loop() {
        let every = Duration::from_secs(86_400);
        assert_eq!(
            next_renewal(&[renewal(Err(Error::Timeout))], 0, every),
            RETRY_RENEWAL
        );
        assert_eq!(next_renewal(&[renewal(Ok(Some(5)))], 4, every), MIN_RENEWAL);
        assert_eq!(
            next_renewal(&[renewal(Err(Error::InvalidPushToken))], 0, every),
            every
        );
    }

    #[test]
    fn a_lease_end_is_read_from_rfc_3339() {
        assert_eq!(
            unix_seconds(Some("2026-01-01T00:00:00Z")),
            Some(1_767_225_600)
        );
        assert_eq!(
            unix_seconds(Some("2026-01-01T00:00:00.250Z")),
            Some(1_767_225_600)
        );
        assert_eq!(unix_seconds(Some("tomorrow")), None);
        assert_eq!(unix_seconds(None), None);
    }

    #[test]
    fn a_wake_up_is_read_from_its_json_and_anything_else_is_refused() {
        let wake_up =
            WakeUp::from_json(r#"{"challengeId":"c1","userAuthenticatorId":"u1","aps":{}}"#)
                .expect("valid");
        assert_eq!(wake_up.challenge_id, "c1");
        assert_eq!(wake_up.user_authenticator_id, "u1");
        for bad in [
            "",
            "[]",
            r#"{"challengeId":"c1"}"#,
            r#"{"challengeId":1,"userAuthenticatorId":"u1"}"#,
            r#"{"challengeId":"","userAuthenticatorId":"u1"}"#,
        ] {
            assert!(
                matches!(WakeUp::from_json(bad), Err(Error::InvalidWakeUp { .. })),
                "{bad}"
            );
        }
    }
}
