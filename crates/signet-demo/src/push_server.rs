//! Calls to the push server's API (`docs/protocol.md` section 5) with the tenant's secret key.

use std::fmt;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;
use signet_protocol::{ErrorBody, TrackAttributes, TrackResponse};
use url::Url;

use crate::Demo;
use crate::refusal::Refusal;

/// A path segment: everything but RFC 3986 unreserved characters is percent-encoded.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Which server API call the demo backend makes (for its words and its refusals).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Call {
    /// `track`: refused credentials mean the demo has the wrong secret key.
    Track,
    /// `validate`: refused credentials may mean the page's token is not a token.
    Validate,
    /// list authenticators: refused credentials mean the demo has the wrong secret key.
    Authenticators,
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Track => "track",
            Self::Validate => "validate",
            Self::Authenticators => "list authenticators",
        })
    }
}

impl Demo {
    /// `track`: `POST /users/{userId}/actions/{action}`.
    pub(crate) async fn track(
        &self,
        user_id: &str,
        action: &str,
        attributes: &TrackAttributes,
    ) -> Result<TrackResponse, Refusal> {
        let path = format!(
            "users/{}/actions/{}",
            utf8_percent_encode(user_id, SEGMENT),
            utf8_percent_encode(action, SEGMENT)
        );
        self.call(Method::POST, &path, Call::Track, Some(attributes))
            .await
    }

    /// list authenticators: `GET /users/{userId}/authenticators`; how many the user has.
    pub(crate) async fn device_count(&self, user_id: &str) -> Result<usize, Refusal> {
        let path = format!(
            "users/{}/authenticators",
            utf8_percent_encode(user_id, SEGMENT)
        );
        let listed: Vec<serde_json::Value> = self
            .call(Method::GET, &path, Call::Authenticators, None::<&()>)
            .await?;
        Ok(listed.len())
    }

    /// Sends `body` (if any) to the server API with secret-key Basic auth and reads the
    /// answer.
    pub(crate) async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        what: Call,
        body: Option<&B>,
    ) -> Result<T, Refusal> {
        let api = &self.config.api_base_url;
        let base = api.as_str().trim_end_matches('/');
        let mut request = self
            .http
            .request(method, format!("{base}/{path}"))
            .basic_auth(&self.config.secret_key, Some(""));
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|error| {
            let reason = if error.is_timeout() {
                "it did not answer in time"
            } else if error.is_connect() {
                "the connection was refused; is it running?"
            } else {
                "the request failed"
            };
            Refusal::upstream(format!(
                "The demo backend could not reach the push server at {} for {what}: {reason}",
                origin(api)
            ))
        })?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(|_| {
            Refusal::upstream(format!(
                "The push server's answer to {what} broke off before it was complete."
            ))
        })?;
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|_| {
                Refusal::upstream(format!(
                    "The push server answered {what} with something that is not the protocol's answer."
                ))
            });
        }
        let body: Option<ErrorBody> = serde_json::from_slice(&bytes).ok();
        Err(Refusal::from_upstream(status, body, what))
    }
}

/// `scheme://host:port` of a URL, for messages (never its path or query).
fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}
