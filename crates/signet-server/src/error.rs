//! The crate's error type, and its HTTP form (protocol.md section 7).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use signet_protocol::{ErrorBody, ErrorCode};

/// Everything that can go wrong in the server. Each variant maps to one HTTP status and one
/// section-7 error body; descriptions never contain a key, a token or a signature.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Missing or wrong credentials (Basic or Bearer), or an unknown tenant.
    #[error("{reason}")]
    Unauthorized {
        /// What was wrong, for people.
        reason: &'static str,
    },
    /// The track token has expired.
    #[error("the token has expired")]
    ExpiredToken,
    /// The token lacks the scope this call needs.
    #[error("the token does not allow this call ({needed})")]
    InvalidScope {
        /// The scope or token kind needed.
        needed: &'static str,
    },
    /// The track token already enrolled another key (a token enrolls one key only).
    #[error("this enrollment link was already used to enroll another device; ask for a new one")]
    EnrollmentTokenUsed,
    /// Unknown, removed or expired device key.
    #[error("no such credential, or it has expired")]
    InvalidCredential,
    /// The signature does not verify, or there is nothing it could sign.
    #[error("{reason}")]
    InvalidSignature {
        /// What was wrong, for people.
        reason: &'static str,
    },
    /// No such challenge for this caller.
    #[error("no such challenge")]
    ChallengeNotFound,
    /// The challenge can no longer be answered.
    #[error("the challenge has expired")]
    ChallengeExpired,
    /// The challenge was answered already.
    #[error("the challenge has already been answered")]
    ChallengeAlreadyAnswered,
    /// Malformed input: bad JSON, wrong types, bad base64, a key not on the curve, ...
    #[error("{description}")]
    InvalidRequest {
        /// What was wrong, for people; built from our own words and field names only.
        description: String,
    },
    /// The body is larger than the server accepts.
    #[error("the request body is too large (limit {limit} bytes)")]
    PayloadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// A per-user limit refused the request.
    #[error("{reason}")]
    RateLimited {
        /// Which limit, for people.
        reason: &'static str,
    },
    /// No such route or resource.
    #[error("{what} not found")]
    NotFound {
        /// What was looked for.
        what: &'static str,
    },
    /// The route exists, with another method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The database schema could not be brought up to date.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A file or socket operation failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    /// A malformed-input error with this description.
    pub(crate) fn invalid_request(description: impl Into<String>) -> Self {
        Self::InvalidRequest {
            description: description.into(),
        }
    }

    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthorized { .. }
            | Self::ExpiredToken
            | Self::InvalidCredential
            | Self::InvalidSignature { .. } => StatusCode::UNAUTHORIZED,
            Self::InvalidScope { .. } | Self::EnrollmentTokenUsed => StatusCode::FORBIDDEN,
            Self::ChallengeNotFound | Self::NotFound { .. } => StatusCode::NOT_FOUND,
            Self::ChallengeExpired => StatusCode::GONE,
            Self::ChallengeAlreadyAnswered => StatusCode::CONFLICT,
            Self::InvalidRequest { .. } => StatusCode::BAD_REQUEST,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Database(_) | Self::Migrate(_) | Self::Io(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The protocol's code for this error; `None` for server faults.
    pub fn code(&self) -> Option<ErrorCode> {
        Some(match self {
            Self::Unauthorized { .. } => ErrorCode::Unauthorized,
            Self::ExpiredToken => ErrorCode::ExpiredToken,
            Self::InvalidScope { .. } | Self::EnrollmentTokenUsed => ErrorCode::InvalidScope,
            Self::InvalidCredential => ErrorCode::InvalidCredential,
            Self::InvalidSignature { .. } => ErrorCode::InvalidSignature,
            Self::ChallengeNotFound => ErrorCode::ChallengeNotFound,
            Self::ChallengeExpired => ErrorCode::ChallengeExpired,
            Self::ChallengeAlreadyAnswered => ErrorCode::ChallengeAlreadyAnswered,
            Self::InvalidRequest { .. }
            | Self::PayloadTooLarge { .. }
            | Self::NotFound { .. }
            | Self::MethodNotAllowed => ErrorCode::InvalidRequest,
            Self::RateLimited { .. } => ErrorCode::RateLimited,
            Self::Database(_) | Self::Migrate(_) | Self::Io(_) => return None,
        })
    }

    /// The section-7 body of this error.
    pub fn body(&self) -> ErrorBody {
        match self.code() {
            Some(code) => ErrorBody::new(code, self.to_string()),
            None => ErrorBody {
                error: "internal_error".to_owned(),
                error_code: Some("internal_error".to_owned()),
                error_description: Some("the server failed; try again later".to_owned()),
            },
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        } else {
            tracing::debug!(code = ?self.code(), "request refused");
        }
        (status, Json(self.body())).into_response()
    }
}
