//! Delivery of wake-ups when a challenge is created (docs/protocol.md 8.6): for each addressed
//! authenticator, nothing (it holds a long-poll open), the webhook (8.5), or the channel its
//! push token needs; the outcome becomes its `deliveryResults` entry.
//!
//! Each wake-up is sent by a task of its own, which retries (429, 5xx, refused or dropped
//! connections) with backoff and the provider's `Retry-After` until the challenge expires or
//! is answered. The challenge-push answer waits for each task's first final outcome at most
//! [`DeliveryConfig::deadline`]: a provider that hangs delays nobody else, and never fails
//! the challenge.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use signet_protocol::clock::Clock;
use signet_protocol::{
    DeliveryErrorCode, DeliveryResult, PUSH_CREATED, PushCreatedData, PushToken, PushTokenKind,
    WebhookEvent,
};
use tokio::sync::{oneshot, watch};

use super::wake::{Channel, Sent, WakeUp};
use super::webhook::Webhook;
use crate::api::iso;
use crate::store::{Authenticator, Challenge, Store, new_id};

/// The first wait after a failed attempt; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(200);

/// The longest wait between attempts (unless the provider's `Retry-After` says more).
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// The longest one attempt may take before it counts as failed (and is retried).
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// The `version` of the `push.created` events sent.
const EVENT_VERSION: u32 = 1;

/// The channels the server sends wake-ups on itself, one per kind of push token. `None`: not
/// configured (a token of that kind gets `CHANNEL_NOT_CONFIGURED`).
#[derive(Clone, Default)]
pub struct Channels {
    /// APNs, for `ios` device tokens.
    pub apns: Option<Arc<dyn Channel>>,
    /// FCM, for `android` registration tokens.
    pub fcm: Option<Arc<dyn Channel>>,
    /// Web Push, for `webpush:` subscriptions.
    pub web_push: Option<Arc<dyn Channel>>,
}

impl Channels {
    /// The channel for tokens of `kind`, if configured.
    #[must_use]
    pub fn for_kind(&self, kind: PushTokenKind) -> Option<&Arc<dyn Channel>> {
        match kind {
            PushTokenKind::Apns => self.apns.as_ref(),
            PushTokenKind::Fcm => self.fcm.as_ref(),
            PushTokenKind::WebPush => self.web_push.as_ref(),
        }
    }
}

impl fmt::Debug for Channels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Channels")
            .field("apns", &self.apns.is_some())
            .field("fcm", &self.fcm.is_some())
            .field("web_push", &self.web_push.is_some())
            .finish()
    }
}

/// How wake-ups are delivered.
#[derive(Debug, Clone)]
pub struct DeliveryConfig {
    /// The channels the server sends on itself.
    pub channels: Channels,
    /// The tenant's webhook (8.5): when set, every wake-up goes there instead.
    pub webhook: Option<Arc<Webhook>>,
    /// The longest the challenge-push answer waits for delivery outcomes.
    pub deadline: Duration,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            channels: Channels::default(),
            webhook: None,
            deadline: Duration::from_secs(2),
        }
    }
}

/// The delivery of a running server.
#[derive(Clone)]
pub(crate) struct Delivery {
    config: DeliveryConfig,
    store: Store,
    clock: Arc<dyn Clock>,
    shutting_down: watch::Receiver<bool>,
    /// The `source` of webhook events (the server's base URL).
    source: String,
}

impl fmt::Debug for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Delivery")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// The final outcome of a wake-up's attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Accepted,
    TokenInvalid,
    Failed,
}

/// What one wake-up is sent on.
enum Attempt {
    /// A provider channel, with the token as stored.
    Channel {
        channel: Arc<dyn Channel>,
        kind: PushTokenKind,
        token: String,
        wake: WakeUp,
    },
    /// The webhook, with its event.
    Webhook {
        webhook: Arc<Webhook>,
        event: Box<WebhookEvent>,
    },
}

impl Attempt {
    /// The `errorCode` when it is not accepted.
    fn failed_code(&self) -> DeliveryErrorCode {
        match self {
            Self::Channel { .. } => DeliveryErrorCode::DeliveryFailed,
            Self::Webhook { .. } => DeliveryErrorCode::WebhookFailed,
        }
    }

    /// The channel's name, for the log.
    fn name(&self) -> &'static str {
        match self {
            Self::Channel { kind, .. } => match kind {
                PushTokenKind::Apns => "apns",
                PushTokenKind::Fcm => "fcm",
                PushTokenKind::WebPush => "web push",
            },
            Self::Webhook { .. } => "webhook",
        }
    }

    /// One try.
    async fn once(&self, now_ms: i64) -> Sent {
        match self {
            Self::Channel {
                channel,
                token,
                wake,
                ..
            } => channel.send(token, wake).await,
            Self::Webhook { webhook, event } => webhook.send(event, now_ms.div_euclid(1000)).await,
        }
    }
}

/// An entry of `deliveryResults`, known now or when a task reports.
enum Pending {
    Known(Option<DeliveryErrorCode>),
    Waiting(oneshot::Receiver<Outcome>, DeliveryErrorCode),
}

impl Delivery {
    /// The delivery of a server whose API is at `source`.
    pub(crate) fn new(
        config: DeliveryConfig,
        store: Store,
        clock: Arc<dyn Clock>,
        shutting_down: watch::Receiver<bool>,
        source: String,
    ) -> Self {
        Self {
            config,
            store,
            clock,
            shutting_down,
            source,
        }
    }

    /// Sends `challenge`'s wake-ups to `targets` (`listening[i]`: target `i` held a long-poll
    /// open when the challenge was created) and returns their `deliveryResults`, waiting at
    /// most the deadline. Sending goes on in the background after that.
    pub(crate) async fn deliver(
        &self,
        challenge: &Challenge,
        targets: &[Authenticator],
        listening: &[bool],
    ) -> Vec<DeliveryResult> {
        let deadline = tokio::time::Instant::now() + self.config.deadline;
        let pending: Vec<Pending> = targets
            .iter()
            .zip(listening.iter().copied().chain(std::iter::repeat(false)))
            .map(|(target, listening)| self.start(challenge, target, listening))
            .collect();
        let mut results = Vec::with_capacity(pending.len());
        for (target, pending) in targets.iter().zip(pending) {
            let code = match pending {
                Pending::Known(code) => code,
                Pending::Waiting(outcome, failed) => {
                    match tokio::time::timeout_at(deadline, outcome).await {
                        Ok(Ok(Outcome::Accepted)) => None,
                        Ok(Ok(Outcome::TokenInvalid)) => Some(DeliveryErrorCode::TokenInvalid),
                        // Refused, given up, or still trying at the deadline.
                        Ok(Ok(Outcome::Failed) | Err(_)) | Err(_) => Some(failed),
                    }
                }
            };
            results.push(DeliveryResult {
                user_authenticator_id: target.id.clone(),
                error_code: code.map(|code| code.as_str().to_owned()),
            });
        }
        results
    }

    /// Decides how `target` is reached and starts the sending task when there is one.
    fn start(&self, challenge: &Challenge, target: &Authenticator, listening: bool) -> Pending {
        // 1. An open long-poll gets the challenge now.
        if listening {
            return Pending::Known(None);
        }
        // 2. The webhook, when set, gets every wake-up (token or not).
        let attempt = if let Some(webhook) = &self.config.webhook {
            Attempt::Webhook {
                webhook: Arc::clone(webhook),
                event: Box::new(self.event(challenge, target)),
            }
        } else {
            // 3. Otherwise the channel the token needs.
            let Some(text) = &target.push_token else {
                return Pending::Known(Some(DeliveryErrorCode::NoPushToken));
            };
            let platform = target
                .device_platform
                .as_deref()
                .and_then(|p| serde_json::from_value(serde_json::Value::String(p.to_owned())).ok());
            let kind = match PushToken::parse(text, platform) {
                Ok(token) => token.kind(),
                Err(error) => {
                    // Stored before tokens were checked on the way in.
                    tracing::warn!(
                        authenticator = %target.id, %error,
                        "stored push token is in no accepted form; no wake-up sent"
                    );
                    return Pending::Known(Some(DeliveryErrorCode::DeliveryFailed));
                }
            };
            let Some(channel) = self.config.channels.for_kind(kind) else {
                return Pending::Known(Some(DeliveryErrorCode::ChannelNotConfigured));
            };
            Attempt::Channel {
                channel: Arc::clone(channel),
                kind,
                token: text.clone(),
                wake: WakeUp {
                    challenge_id: challenge.id.clone(),
                    user_authenticator_id: target.id.clone(),
                    expires_at: challenge.expires_at.div_euclid(1000),
                },
            }
        };
        let failed = attempt.failed_code();
        let (tell, outcome) = oneshot::channel();
        tokio::spawn(
            self.clone()
                .attempts(attempt, challenge.clone(), target.id.clone(), tell),
        );
        Pending::Waiting(outcome, failed)
    }

    /// The `push.created` event (8.5) for `target`.
    fn event(&self, challenge: &Challenge, target: &Authenticator) -> WebhookEvent {
        WebhookEvent {
            version: EVENT_VERSION,
            id: new_id(),
            source: self.source.clone(),
            time: iso(self.clock.now_ms()),
            tenant_id: challenge.tenant_id.clone(),
            event_type: PUSH_CREATED.to_owned(),
            data: PushCreatedData {
                challenge_id: challenge.id.clone(),
                user_id: challenge.user_id.clone(),
                idempotency_key: challenge.idempotency_key.clone(),
                action_code: challenge.action_code.clone(),
                // 8.5 makes these two optional; a receiver that only sends a wake-up does
                // not need them, so they stay on the server.
                user_agent: None,
                ip_address: None,
                user_authenticator_id: Some(target.id.clone()),
                device_platform: target.device_platform.clone(),
                push_token: target.push_token.clone(),
            },
        }
    }

    /// Tries `attempt` until it is accepted, refused for good, the challenge expires or is
    /// answered, or the server shuts down; reports the first final outcome on `tell`.
    async fn attempts(
        self,
        attempt: Attempt,
        challenge: Challenge,
        authenticator_id: String,
        tell: oneshot::Sender<Outcome>,
    ) {
        let mut shutting_down = self.shutting_down.clone();
        let mut backoff = FIRST_BACKOFF;
        let mut tried = 0_u32;
        let outcome = loop {
            let now = self.clock.now_ms();
            let Some(left) = remaining(challenge.expires_at, now) else {
                break Outcome::Failed;
            };
            // Once answered (by a device that long-polled or opened the app), stop.
            if tried > 0 && self.is_answered(&challenge).await {
                break Outcome::Failed;
            }
            tried += 1;
            let sent = tokio::select! {
                sent = tokio::time::timeout(ATTEMPT_TIMEOUT.min(left), attempt.once(now)) => {
                    sent.unwrap_or_else(|_| Sent::Retry {
                        after: None,
                        reason: "no answer in time".to_owned(),
                    })
                }
                _ = shutting_down.wait_for(|stop| *stop) => break Outcome::Failed,
            };
            match sent {
                Sent::Accepted => {
                    tracing::debug!(authenticator = %authenticator_id, channel = attempt.name(), tried, "wake-up accepted");
                    break Outcome::Accepted;
                }
                Sent::TokenInvalid => {
                    self.forget_token(&attempt, &authenticator_id).await;
                    break Outcome::TokenInvalid;
                }
                Sent::Failed { reason } => {
                    tracing::warn!(authenticator = %authenticator_id, channel = attempt.name(), %reason, "wake-up refused");
                    break Outcome::Failed;
                }
                Sent::Retry { after, reason } => {
                    let wait = after.unwrap_or(backoff);
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    let left = remaining(challenge.expires_at, self.clock.now_ms());
                    if left.is_none_or(|left| wait >= left) {
                        tracing::warn!(authenticator = %authenticator_id, channel = attempt.name(), %reason, tried, "wake-up not delivered before the challenge expires");
                        break Outcome::Failed;
                    }
                    tracing::debug!(authenticator = %authenticator_id, channel = attempt.name(), %reason, ?wait, "wake-up will be retried");
                    tokio::select! {
                        () = tokio::time::sleep(wait) => {}
                        _ = shutting_down.wait_for(|stop| *stop) => break Outcome::Failed,
                    }
                }
            }
        };
        // The answer may have stopped waiting already: nobody to tell then.
        let _ = tell.send(outcome);
    }

    /// Whether the challenge was answered meanwhile (a failed read counts as not answered).
    async fn is_answered(&self, challenge: &Challenge) -> bool {
        matches!(
            self.store.challenge(&challenge.tenant_id, &challenge.id).await,
            Ok(Some(found)) if found.answered_at.is_some()
        )
    }

    /// Forgets the token a provider said is gone, and logs it (without the token).
    async fn forget_token(&self, attempt: &Attempt, authenticator_id: &str) {
        let Attempt::Channel { token, .. } = attempt else {
            return;
        };
        match self.store.forget_push_token(authenticator_id, token).await {
            Ok(forgotten) => tracing::info!(
                authenticator = %authenticator_id, channel = attempt.name(), forgotten,
                "the provider says the push token is gone; it is forgotten"
            ),
            Err(error) => tracing::warn!(
                authenticator = %authenticator_id, %error,
                "the provider says the push token is gone, but it could not be forgotten"
            ),
        }
    }
}

/// What is left of a challenge's lifetime at `now` (Unix ms); `None` once it has expired.
fn remaining(expires_at: i64, now: i64) -> Option<Duration> {
    let left = expires_at.checked_sub(now).filter(|left| *left > 0)?;
    Some(Duration::from_millis(u64::try_from(left).ok()?))
}
