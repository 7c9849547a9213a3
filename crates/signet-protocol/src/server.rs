//! The server API, docs/protocol.md section 5 (secret-key Basic auth).

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::redact::Redacted;

/// The state of an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum ActionState {
    /// `ALLOW`.
    Allow,
    /// `BLOCK`.
    Block,
    /// `CHALLENGE_REQUIRED`: what `track` gives.
    ChallengeRequired,
    /// `CHALLENGE_SUCCEEDED`: approved; the only state `validate` accepts.
    ChallengeSucceeded,
    /// `CHALLENGE_FAILED`: denied or wrong number.
    ChallengeFailed,
    /// `REVIEW_REQUIRED`.
    ReviewRequired,
    /// `REVIEW_SUCCEEDED`.
    ReviewSucceeded,
    /// `REVIEW_FAILED`.
    ReviewFailed,
}

impl ActionState {
    /// The wire text, e.g. `"CHALLENGE_SUCCEEDED"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "ALLOW",
            Self::Block => "BLOCK",
            Self::ChallengeRequired => "CHALLENGE_REQUIRED",
            Self::ChallengeSucceeded => "CHALLENGE_SUCCEEDED",
            Self::ChallengeFailed => "CHALLENGE_FAILED",
            Self::ReviewRequired => "REVIEW_REQUIRED",
            Self::ReviewSucceeded => "REVIEW_SUCCEEDED",
            Self::ReviewFailed => "REVIEW_FAILED",
        }
    }
}

impl fmt::Display for ActionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Body of `track` (`POST /users/{userId}/actions/{action}`): the attributes object itself.
/// The fields the server reads; any others are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrackAttributes {
    /// Reuse an existing action instead of creating one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// The user's IP address, shown on the device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    /// The user's browser, shown on the device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// The initiator's device id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// Token scope, e.g. `add:authenticators`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Custom data, e.g. `{"numberMatching": true}` (8.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom: Option<Value>,
    /// Where a hosted flow returns to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
    /// Signet extension: `true` expires the user's open (unanswered) push challenges, so
    /// that pushes someone else triggered cannot keep this sign-in's challenge out with the
    /// open-challenges limit (the newest sign-in wins). Authsignal ignores it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersede_open_challenges: Option<bool>,
}

/// Response of `track`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrackResponse {
    /// The action's idempotency key.
    pub idempotency_key: String,
    /// The action's state.
    pub state: ActionState,
    /// The track token (a JWT; redacted in `Debug`).
    pub token: String,
    /// Whether the user has a push authenticator.
    pub is_enrolled: bool,
    /// A hosted-flow URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// E.g. `["PUSH"]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrolled_verification_methods: Option<Vec<String>>,
}

impl fmt::Debug for TrackResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrackResponse")
            .field("idempotency_key", &self.idempotency_key)
            .field("state", &self.state)
            .field("token", &Redacted)
            .field("is_enrolled", &self.is_enrolled)
            .field("url", &self.url)
            .field(
                "enrolled_verification_methods",
                &self.enrolled_verification_methods,
            )
            .finish()
    }
}

/// Response of `GET /users/{userId}/actions/{action}/{idempotencyKey}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionResponse {
    /// The action's state.
    pub state: ActionState,
    /// When the state last changed (ISO-8601).
    pub state_updated_at: String,
    /// When the action was created (ISO-8601).
    pub created_at: String,
    /// E.g. `PUSH`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_method: Option<String>,
    /// Extra results, e.g. `{"declineReason": "notMe"}` (8.4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Value>,
}

/// Body of `PATCH /users/{userId}/actions/{action}/{idempotencyKey}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateActionRequest {
    /// The new state.
    pub state: ActionState,
}

/// Response of update action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateActionResponse {
    /// The state now.
    pub state: ActionState,
}

/// Body of `POST /validate`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidateRequest {
    /// The track or access token (redacted in `Debug`).
    pub token: String,
    /// The action it must be for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// The user it must be for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

impl fmt::Debug for ValidateRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ValidateRequest")
            .field("token", &Redacted)
            .field("action", &self.action)
            .field("user_id", &self.user_id)
            .finish()
    }
}

/// Response of `POST /validate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidateResponse {
    /// Whether the token proves a successful challenge (at most once).
    pub is_valid: bool,
    /// The action's state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<ActionState>,
    /// When the state last changed (ISO-8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_updated_at: Option<String>,
    /// The user's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action_code: Option<String>,
    /// The action's idempotency key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// E.g. `PUSH`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_method: Option<String>,
}

/// Response of `GET /users/{userId}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserResponse {
    /// Whether the user has a push authenticator.
    pub is_enrolled: bool,
    /// E.g. `["PUSH"]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrolled_verification_methods: Option<Vec<String>>,
}

/// One entry of `GET /users/{userId}/authenticators` (the response is a JSON array of these).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticatorSummary {
    /// The authenticator's id.
    pub user_authenticator_id: String,
    /// Always `PUSH` here.
    pub verification_method: String,
    /// When it was created (ISO-8601).
    pub created_at: String,
    /// When it was enrolled (ISO-8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_at: Option<String>,
    /// When it last answered (ISO-8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_verified_at: Option<String>,
}

/// The `verificationMethod` of push authenticators.
pub const VERIFICATION_METHOD_PUSH: &str = "PUSH";
