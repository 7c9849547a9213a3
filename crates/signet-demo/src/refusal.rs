//! Refusals: an HTTP status and the error body of `docs/protocol.md` section 7, with words
//! for people.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use signet_protocol::{ErrorBody, ErrorCode};

use crate::push_server::Call;

/// A refusal: an HTTP status and the error body of section 7, with words for people.
#[derive(Debug)]
pub(crate) struct Refusal {
    pub(crate) status: StatusCode,
    pub(crate) body: ErrorBody,
    /// Seconds for the `Retry-After` header of a 429.
    retry_after: Option<u64>,
}

impl Refusal {
    /// A refusal with one of the protocol's codes.
    pub(crate) fn new(status: StatusCode, code: ErrorCode, description: impl Into<String>) -> Self {
        Self {
            status,
            body: ErrorBody::new(code, description),
            retry_after: None,
        }
    }

    /// Bad input: 400 `invalid_request`.
    pub(crate) fn invalid(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidRequest,
            description,
        )
    }

    /// The push server could not be reached or answered nonsense: 502 `push_server_unavailable`.
    pub(crate) fn upstream(description: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_GATEWAY,
            body: ErrorBody {
                error: "push_server_unavailable".to_owned(),
                error_code: Some("push_server_unavailable".to_owned()),
                error_description: Some(description.into()),
            },
            retry_after: None,
        }
    }

    /// Too many requests from one client address: 429 `rate_limited`, with `Retry-After`.
    pub(crate) fn too_many(limit: u32, window_seconds: u64, retry_after: u64) -> Self {
        let retry_after = retry_after.max(1);
        Self {
            retry_after: Some(retry_after),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorCode::RateLimited,
                format!(
                    "Too many requests to the demo from your address (at most {limit} in \
                     {window_seconds} seconds). Try again in {retry_after} seconds."
                ),
            )
        }
    }

    /// An unknown demo route: 404.
    pub(crate) fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorCode::InvalidRequest,
            "The demo has no such route.",
        )
    }

    /// A known route with the wrong method: 405.
    pub(crate) fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::InvalidRequest,
            "This demo route does not take that method.",
        )
    }

    /// The push server refused a call: its own words for the user's mistakes (4xx), a 502 with
    /// words for the demo's (a refused secret key) and for the server's failures (5xx).
    pub(crate) fn from_upstream(status: StatusCode, body: Option<ErrorBody>, what: Call) -> Self {
        let described = body
            .as_ref()
            .and_then(|body| body.error_description.clone());
        match (status, body) {
            (StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN, _) if what == Call::Validate => {
                Self::invalid(format!(
                    "The push server did not accept the token for validate ({}).",
                    described.as_deref().unwrap_or("no reason given")
                ))
            }
            (StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN, _) => Self::upstream(format!(
                "The push server refused the demo's secret key for {what}; \
                 the demo is set up with another tenant's key."
            )),
            (status, Some(body)) if status.is_client_error() => Self {
                status,
                body: ErrorBody {
                    error_description: Some(described.unwrap_or_else(|| {
                        format!("The push server refused {what} ({}).", body.error)
                    })),
                    ..body
                },
                retry_after: None,
            },
            (status, _) => Self::upstream(format!(
                "The push server failed to answer {what} (HTTP {}).",
                status.as_u16()
            )),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_secret_key_is_the_demos_fault_not_the_users() {
        let refusal = Refusal::from_upstream(
            StatusCode::UNAUTHORIZED,
            Some(ErrorBody::new(ErrorCode::Unauthorized, "bad key")),
            Call::Track,
        );
        assert_eq!(refusal.status, StatusCode::BAD_GATEWAY);
    }

    #[test]
    fn a_rate_limit_keeps_the_servers_status_and_words() {
        let refusal = Refusal::from_upstream(
            StatusCode::TOO_MANY_REQUESTS,
            Some(ErrorBody::new(
                ErrorCode::RateLimited,
                "Too many challenges.",
            )),
            Call::Track,
        );
        assert_eq!(refusal.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            refusal.body.error_description.as_deref(),
            Some("Too many challenges.")
        );
    }
}
