//! The delivery webhook of docs/protocol.md section 8.5 (extension).

use serde::{Deserialize, Serialize};

use crate::redact::redacted_option;

/// The `type` of the event sent when a push challenge is created.
pub const PUSH_CREATED: &str = "push.created";

/// The header that carries the webhook's signature: `t=<unix>,v2=<base64 HMAC-SHA256>`.
pub const WEBHOOK_SIGNATURE_HEADER: &str = "x-signature-v2";

/// The body a server sends (HTTP POST) to the tenant's webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookEvent {
    /// Format version of the event.
    pub version: u32,
    /// Unique id of the event.
    pub id: String,
    /// Who sent it, e.g. the server's base URL.
    pub source: String,
    /// When it happened (ISO-8601).
    pub time: String,
    /// The tenant.
    pub tenant_id: String,
    /// The event type, [`PUSH_CREATED`].
    #[serde(rename = "type")]
    pub event_type: String,
    /// The challenge created.
    pub data: PushCreatedData,
}

/// The `data` of a `push.created` event. It carries no login details beyond these ids.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushCreatedData {
    /// The challenge.
    pub challenge_id: String,
    /// The user.
    pub user_id: String,
    /// The action's idempotency key.
    pub idempotency_key: String,
    /// The action.
    pub action_code: String,
    /// The initiator's user agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// The initiator's IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    /// The authenticator to wake (8.6; one event per addressed authenticator).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_authenticator_id: Option<String>,
    /// Its `devicePlatform` (8.6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_platform: Option<String>,
    /// Its `pushToken` (8.6), for the receiver to send the wake-up itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push_token: Option<String>,
}

// The push token is a device's credential: never in logs.
impl std::fmt::Debug for PushCreatedData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushCreatedData")
            .field("challenge_id", &self.challenge_id)
            .field("user_id", &self.user_id)
            .field("idempotency_key", &self.idempotency_key)
            .field("action_code", &self.action_code)
            .field("user_agent", &self.user_agent)
            .field("ip_address", &self.ip_address)
            .field("user_authenticator_id", &self.user_authenticator_id)
            .field("device_platform", &self.device_platform)
            .field("push_token", &redacted_option(self.push_token.as_ref()))
            .finish()
    }
}
