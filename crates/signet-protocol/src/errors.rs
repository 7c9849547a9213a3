//! The error body of docs/protocol.md section 7.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The error codes the protocol uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// `unauthorized`: missing or wrong credentials.
    Unauthorized,
    /// `expired_token`: the track token has expired.
    ExpiredToken,
    /// `invalid_scope`: the token lacks the needed scope.
    InvalidScope,
    /// `invalid_credential`: unknown or expired device key.
    InvalidCredential,
    /// `invalid_signature`: the signature does not verify.
    InvalidSignature,
    /// `challenge_not_found`.
    ChallengeNotFound,
    /// `challenge_expired`.
    ChallengeExpired,
    /// `challenge_already_answered`.
    ChallengeAlreadyAnswered,
    /// `invalid_request`: malformed input.
    InvalidRequest,
    /// `rate_limited`.
    RateLimited,
}

impl ErrorCode {
    /// Every code, in the protocol's order.
    pub const ALL: [Self; 10] = [
        Self::Unauthorized,
        Self::ExpiredToken,
        Self::InvalidScope,
        Self::InvalidCredential,
        Self::InvalidSignature,
        Self::ChallengeNotFound,
        Self::ChallengeExpired,
        Self::ChallengeAlreadyAnswered,
        Self::InvalidRequest,
        Self::RateLimited,
    ];

    /// The code whose wire text is `text`, if it is one of the protocol's.
    pub fn from_wire(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|code| code.as_str() == text)
    }

    /// The wire text, e.g. `"invalid_signature"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unauthorized => "unauthorized",
            Self::ExpiredToken => "expired_token",
            Self::InvalidScope => "invalid_scope",
            Self::InvalidCredential => "invalid_credential",
            Self::InvalidSignature => "invalid_signature",
            Self::ChallengeNotFound => "challenge_not_found",
            Self::ChallengeExpired => "challenge_expired",
            Self::ChallengeAlreadyAnswered => "challenge_already_answered",
            Self::InvalidRequest => "invalid_request",
            Self::RateLimited => "rate_limited",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The body of every non-200 answer: `{error, errorCode?, errorDescription?}`.
///
/// `error_code` is kept as text so that codes this crate does not know survive a round trip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// Always present (Android needs it); Signet puts the code here too.
    pub error: String,
    /// The code, e.g. `invalid_signature`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// A sentence for people; never a key, a token or a stack trace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

impl ErrorBody {
    /// A body with `error` and `errorCode` set to `code` and the given description.
    pub fn new(code: ErrorCode, description: impl Into<String>) -> Self {
        Self {
            error: code.as_str().to_owned(),
            error_code: Some(code.as_str().to_owned()),
            error_description: Some(description.into()),
        }
    }

    /// The known code of this body: `errorCode`, or `error` when that is absent.
    pub fn code(&self) -> Option<ErrorCode> {
        ErrorCode::from_wire(self.error_code.as_deref().unwrap_or(&self.error))
    }
}
