//! The device API, docs/protocol.md section 3 (tenant Basic auth; 3.1 Bearer track token).

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::redact::redacted_option;

/// The platform of an enrolled device, `devicePlatform` in 3.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum DevicePlatform {
    /// `ios`.
    Ios,
    /// `android`.
    Android,
    /// `linux` (Signet).
    Linux,
    /// `macos` (Signet).
    Macos,
    /// `windows` (Signet).
    Windows,
}

impl DevicePlatform {
    /// The wire text, e.g. `"ios"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ios => "ios",
            Self::Android => "android",
            Self::Linux => "linux",
            Self::Macos => "macos",
            Self::Windows => "windows",
        }
    }
}

/// Why a user denied a challenge, `declineReason` of 3.5 (extension 8.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum DeclineReason {
    /// `notMe`: the user did not start this sign-in; counts towards push fatigue.
    NotMe,
    /// `mistake`: the user started it but declined anyway.
    Mistake,
}

/// 3.1 body: `POST /client/user-authenticators/push`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddCredentialRequest {
    /// `PK`, the SPKI base64 of the device key.
    pub public_key: String,
    /// A name for the device, shown to the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_name: Option<String>,
    /// `ios`, `android`, `linux`, `macos` or `windows` (see [`DevicePlatform`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_platform: Option<String>,
    /// The APNs/FCM push token, if any (redacted in `Debug`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push_token: Option<String>,
}

impl fmt::Debug for AddCredentialRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AddCredentialRequest")
            .field("public_key", &self.public_key)
            .field("device_name", &self.device_name)
            .field("device_platform", &self.device_platform)
            .field("push_token", &redacted_option(self.push_token.as_ref()))
            .finish()
    }
}

/// 3.1 and 3.2 response: the credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialResponse {
    /// The authenticator's id.
    pub user_authenticator_id: String,
    /// The user's id.
    pub user_id: String,
    /// When it was enrolled (ISO-8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_at: Option<String>,
    /// When it last answered (ISO-8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_verified_at: Option<String>,
    /// When its lease ends (ISO-8601), if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

/// 3.3 body: `POST /client/user-authenticators/push/remove`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RemoveCredentialRequest {
    /// `PK`.
    pub public_key: String,
    /// Signature over the time-window message.
    pub signature: String,
}

/// 3.3 response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RemoveCredentialResponse {
    /// The id of the authenticator removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed_authenticator_id: Option<String>,
}

/// 3.4a response: `POST .../push/challenge/sign?publicKey=Q(PK)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NonceResponse {
    /// The single-use nonce to sign for 3.4b.
    pub message: String,
}

/// The `user` object of a pending challenge.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserCustom {
    /// The user's custom data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom: Option<Value>,
}

/// 3.4b response: `GET .../push/challenge?publicKey=Q(PK)` with `X-Authsignal-Signature`.
/// No pending challenge: `challenge_id` is `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingChallengeResponse {
    /// The authenticator asked.
    pub user_authenticator_id: String,
    /// The pending challenge, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub challenge_id: Option<String>,
    /// The user's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The action, e.g. `signIn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_code: Option<String>,
    /// The action's idempotency key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// The initiator's device id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// The initiator's user agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// The initiator's IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    /// When the challenge expires, Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// The action's custom data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom: Option<Value>,
    /// The user's custom data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserCustom>,
    /// Number matching (8.3): the device must ask for the code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_code_required: Option<bool>,
}

/// 3.5 body: `POST .../push/challenge`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnswerChallengeRequest {
    /// The challenge answered.
    pub challenge_id: String,
    /// `PK`.
    pub public_key: String,
    /// Approve (`true`) or deny (`false`).
    pub approved: bool,
    /// Signature over the `challengeId`.
    pub signature: String,
    /// The number-matching code the user typed (8.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_code: Option<String>,
    /// Why the user denied (8.4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decline_reason: Option<DeclineReason>,
}

/// 3.5 response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnswerChallengeResponse {
    /// Whether the answer was accepted.
    pub is_verified: bool,
    /// Extension (8.4): after a `notMe` decline, how long the server refuses new challenges
    /// for this user (its push-fatigue cool-down), in seconds. Absent elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cool_down_seconds: Option<u64>,
}

/// 3.6a response: `POST .../push/sign?publicKey=Q(PK)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateNonceResponse {
    /// Id to send back in 3.6b.
    pub challenge_id: String,
    /// The message to sign for 3.6b.
    pub message: String,
}

/// 3.6b body: `PATCH /client/user-authenticators/push`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateCredentialRequest {
    /// From 3.6a.
    pub challenge_id: String,
    /// `PK`.
    pub public_key: String,
    /// Signature over the 3.6a `message`.
    pub signature: String,
    /// A new push token; absent keeps the stored one (redacted in `Debug`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push_token: Option<String>,
    /// `true` renews the credential's lease.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset_expiry: Option<bool>,
}

impl fmt::Debug for UpdateCredentialRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UpdateCredentialRequest")
            .field("challenge_id", &self.challenge_id)
            .field("public_key", &self.public_key)
            .field("signature", &self.signature)
            .field("push_token", &redacted_option(self.push_token.as_ref()))
            .field("reset_expiry", &self.reset_expiry)
            .finish()
    }
}

/// 3.6b response.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateCredentialResponse {
    /// The authenticator's id.
    pub user_authenticator_id: String,
    /// The user's id.
    pub user_id: String,
    /// When it last answered (ISO-8601).
    pub last_verified_at: String,
    /// The stored push token (redacted in `Debug`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub push_token: Option<String>,
    /// When its lease ends (ISO-8601), if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

impl fmt::Debug for UpdateCredentialResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UpdateCredentialResponse")
            .field("user_authenticator_id", &self.user_authenticator_id)
            .field("user_id", &self.user_id)
            .field("last_verified_at", &self.last_verified_at)
            .field("push_token", &redacted_option(self.push_token.as_ref()))
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Query of the device calls that name a key: `?publicKey=Q(PK)&wait=<seconds>`.
/// `public_key` holds the query value; decode it with [`crate::PublicKey::from_query`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicKeyQuery {
    /// `Q(PK)`.
    pub public_key: String,
    /// Long-poll (8.2): seconds to hold the request, at most 60.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait: Option<u32>,
}

/// Most seconds a long-poll may wait (8.2).
pub const MAX_WAIT_SECONDS: u32 = 60;
