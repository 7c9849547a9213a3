//! The initiator API, docs/protocol.md section 4 (Bearer track token).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::redact::redacted_option;

/// Body of `POST /client/challenge/push`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartPushChallengeRequest {
    /// The action, e.g. `signIn`.
    pub action: String,
    /// Only this authenticator may answer; absent: all the user's push authenticators.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_authenticator_id: Option<String>,
}

/// Response of `POST /client/challenge/push`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartPushChallengeResponse {
    /// The new challenge.
    pub challenge_id: String,
    /// One entry per authenticator the challenge was sent to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_results: Option<Vec<DeliveryResult>>,
    /// Number matching (8.3): the 2 digits the initiator displays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_code: Option<String>,
}

/// One entry of `deliveryResults`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryResult {
    /// The authenticator.
    pub user_authenticator_id: String,
    /// Why delivery failed, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
}

/// The `errorCode` of a [`DeliveryResult`] (docs/protocol.md 8.6): why an authenticator's
/// wake-up was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DeliveryErrorCode {
    /// The authenticator has no push token, and no webhook is set.
    NoPushToken,
    /// The channel its token needs (APNs, FCM, Web Push) is not configured on the server.
    ChannelNotConfigured,
    /// The provider says the token is gone; the server forgot it.
    TokenInvalid,
    /// The provider refused it, or did not accept it before the answer's deadline.
    DeliveryFailed,
    /// The webhook refused it (non-2xx), or did not accept it before the answer's deadline.
    WebhookFailed,
}

impl DeliveryErrorCode {
    /// The wire text, e.g. `"NO_PUSH_TOKEN"`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoPushToken => "NO_PUSH_TOKEN",
            Self::ChannelNotConfigured => "CHANNEL_NOT_CONFIGURED",
            Self::TokenInvalid => "TOKEN_INVALID",
            Self::DeliveryFailed => "DELIVERY_FAILED",
            Self::WebhookFailed => "WEBHOOK_FAILED",
        }
    }
}

/// Body of `POST /client/verify/push`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyPushRequest {
    /// The challenge polled.
    pub challenge_id: String,
}

/// Response of `POST /client/verify/push`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyPushResponse {
    /// Approved.
    pub is_verified: bool,
    /// Answered or expired.
    pub is_consumed: bool,
    /// When approved: a token for the RP backend to validate (redacted in `Debug`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
}

impl fmt::Debug for VerifyPushResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyPushResponse")
            .field("is_verified", &self.is_verified)
            .field("is_consumed", &self.is_consumed)
            .field("access_token", &redacted_option(self.access_token.as_ref()))
            .finish()
    }
}
