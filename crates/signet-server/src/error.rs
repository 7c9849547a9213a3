//! The crate's error type, and its HTTP form (docs/protocol.md section 7).
//!
//! Besides the protocol's ten codes, a storage failure that passes is 503
//! `storage_unavailable` with `Retry-After`, and a server fault is 500 `internal_error`
//! (docs/protocol.md section 7 lists both). Both keep the section-7 shape.

use axum::Json;
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use signet_protocol::{ErrorBody, ErrorCode};

/// The `error` (and `errorCode`) of a storage failure that passes (503).
const STORAGE_UNAVAILABLE: &str = "storage_unavailable";

/// The `Retry-After` of a 503, in seconds.
const RETRY_AFTER_SECONDS: &str = "1";

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
        /// When the limit has a known end (the "it wasn't me" cool-down): how long until it
        /// ends. Sent as `retryAfterSeconds` in the body and as `Retry-After`.
        retry_after: Option<std::time::Duration>,
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
    /// SQLite failed (the store's SQLite connections run on rusqlite).
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The database schema could not be brought up to date.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A file or socket operation failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// A wake-up channel's setting (APNs, FCM, push gateway) is missing or wrong; found at
    /// start. The problem never quotes a key or a secret.
    #[error("--{setting}: {problem}")]
    PushConfig {
        /// The flag at fault, without its dashes.
        setting: &'static str,
        /// What is wrong with it, for people.
        problem: String,
    },
    /// The server's token key could not be read, made or parsed (at start only). The
    /// description names the file, never the key.
    #[error("{reason}")]
    TokenKey {
        /// What was wrong, for people.
        reason: String,
    },
}

impl Error {
    /// A malformed-input error with this description.
    pub(crate) fn invalid_request(description: impl Into<String>) -> Self {
        Self::InvalidRequest {
            description: description.into(),
        }
    }

    /// A wake-up channel's setting error.
    pub(crate) fn push_config(setting: &'static str, problem: impl Into<String>) -> Self {
        Self::PushConfig {
            setting,
            problem: problem.into(),
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
            Self::Database(_) | Self::Sqlite(_) if self.is_storage_unavailable() => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::Database(_)
            | Self::Sqlite(_)
            | Self::Migrate(_)
            | Self::Io(_)
            | Self::PushConfig { .. }
            | Self::TokenKey { .. } => StatusCode::INTERNAL_SERVER_ERROR,
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
            Self::Database(_)
            | Self::Sqlite(_)
            | Self::Migrate(_)
            | Self::Io(_)
            | Self::PushConfig { .. }
            | Self::TokenKey { .. } => {
                return None;
            }
        })
    }

    /// Whether this is a storage failure that passes (disk full, read-only or failing, the
    /// database busy or locked, no connection free, the PostgreSQL server unreachable): the
    /// request can be retried as is.
    pub fn is_storage_unavailable(&self) -> bool {
        // SQLite's primary result codes: BUSY, LOCKED, NOMEM, READONLY, IOERR, FULL, CANTOPEN.
        const TRANSIENT: [i64; 7] = [5, 6, 7, 8, 10, 13, 14];
        match self {
            Self::Database(
                sqlx::Error::Io(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::WorkerCrashed,
            ) => true,
            Self::Database(sqlx::Error::Database(error)) => {
                if let Some(postgres) = error.try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
                {
                    return postgres_is_transient(postgres.code());
                }
                error
                    .code()
                    .and_then(|code| code.parse::<i64>().ok())
                    .is_some_and(|extended| TRANSIENT.contains(&(extended & 0xff)))
            }
            Self::Sqlite(rusqlite::Error::SqliteFailure(error, _)) => {
                TRANSIENT.contains(&i64::from(error.extended_code & 0xff))
            }
            _ => false,
        }
    }

    /// The section-7 body of this error.
    pub fn body(&self) -> ErrorBody {
        match self.code() {
            Some(code) => ErrorBody::new(code, self.to_string()),
            // Not one of the protocol's codes (it has none for storage): a client that does
            // not know it goes by the status, 503, and retries.
            None if self.is_storage_unavailable() => ErrorBody {
                error: STORAGE_UNAVAILABLE.to_owned(),
                error_code: Some(STORAGE_UNAVAILABLE.to_owned()),
                error_description: Some(
                    "the server cannot store data right now; retry in a moment".to_owned(),
                ),
            },
            None => ErrorBody {
                error: "internal_error".to_owned(),
                error_code: Some("internal_error".to_owned()),
                error_description: Some("the server failed; try again later".to_owned()),
            },
        }
    }
}

/// Whether a PostgreSQL error (by its SQLSTATE) passes: the connection was lost or refused
/// (class 08), the server is short of resources (53: disk full, too many connections) or
/// shutting down or starting (57P01 to 57P03), or the transaction lost a race it can retry
/// (40001 serialization failure, 40P01 deadlock).
fn postgres_is_transient(sqlstate: &str) -> bool {
    sqlstate.starts_with("08")
        || sqlstate.starts_with("53")
        || matches!(sqlstate, "57P01" | "57P02" | "57P03" | "40001" | "40P01")
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        } else {
            tracing::debug!(code = ?self.code(), "request refused");
        }
        if let Self::RateLimited {
            retry_after: Some(retry_after),
            ..
        } = &self
        {
            // Whole seconds, rounded up: a client that waits this long is let through.
            let seconds = retry_after.as_millis().div_ceil(1000).max(1);
            let mut body = serde_json::to_value(self.body()).unwrap_or_default();
            body["retryAfterSeconds"] =
                serde_json::Value::from(u64::try_from(seconds).unwrap_or(u64::MAX));
            let mut response = (status, Json(body)).into_response();
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(RETRY_AFTER, value);
            }
            return response;
        }
        let mut response = (status, Json(self.body())).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER_SECONDS));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_storage_failure_that_passes_is_a_503_with_retry_after_and_a_section_7_body() {
        let response = Error::Database(sqlx::Error::PoolTimedOut).into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            response.headers().get(RETRY_AFTER),
            Some(&HeaderValue::from_static("1"))
        );
        let body = Error::Database(sqlx::Error::PoolTimedOut).body();
        assert_eq!(body.error, "storage_unavailable");
        assert_eq!(body.error_code.as_deref(), Some("storage_unavailable"));
    }

    #[test]
    fn postgres_errors_that_pass_are_told_from_bugs_by_their_sqlstate() {
        for sqlstate in [
            "08006", "08001", "53100", "53300", "57P01", "57P03", "40001", "40P01",
        ] {
            assert!(postgres_is_transient(sqlstate), "{sqlstate}");
        }
        for sqlstate in ["23505", "42P01", "22P02", "57014"] {
            assert!(!postgres_is_transient(sqlstate), "{sqlstate}");
        }
    }

    #[test]
    fn a_database_fault_that_is_a_bug_stays_a_500_without_retry_after() {
        let response = Error::Database(sqlx::Error::RowNotFound).into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(response.headers().get(RETRY_AFTER).is_none());
    }
}
