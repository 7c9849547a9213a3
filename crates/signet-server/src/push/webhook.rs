//! The delivery webhook (docs/protocol.md 8.5): a signed `push.created` POST per addressed
//! authenticator, for a receiver that sends the wake-up itself.

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use hmac::{Hmac, Mac as _};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use sha2::Sha256;
use signet_protocol::{WEBHOOK_SIGNATURE_HEADER, WebhookEvent};
use url::Url;
use zeroize::Zeroizing;

use super::wake::Sent;
use crate::Error;

/// How long one POST may take, connection included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The tenant's webhook: where to POST and the secret to sign with.
pub struct Webhook {
    url: Url,
    secret: Zeroizing<Vec<u8>>,
    client: reqwest::Client,
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("url", &self.url.as_str())
            .finish_non_exhaustive()
    }
}

impl Webhook {
    /// A webhook at `url` (`https://`, or `http://` on loopback) signing with `secret`.
    ///
    /// # Errors
    ///
    /// [`Error::DeliveryConfig`] for an insecure URL, an empty secret, or an HTTP client that
    /// cannot be built.
    pub fn new(url: Url, secret: Zeroizing<Vec<u8>>) -> Result<Self, Error> {
        if !super::is_secure_url(&url) {
            return Err(Error::DeliveryConfig {
                reason: "the webhook URL must be https:// (http:// only on a loopback address)",
            });
        }
        if secret.is_empty() {
            return Err(Error::DeliveryConfig {
                reason: "the webhook secret is empty",
            });
        }
        Ok(Self {
            url,
            secret,
            client: super::http_client(REQUEST_TIMEOUT)?,
        })
    }

    /// The `x-signature-v2` value of `body` sent at `t` (Unix seconds): `t=<t>,v2=<base64
    /// HMAC-SHA256(secret, "<t>.<body>") without trailing '='>`.
    #[must_use]
    pub fn signature(&self, t: i64, body: &[u8]) -> String {
        sign(&self.secret, t, body)
    }

    /// One POST of `event` at `t` (Unix seconds).
    pub async fn send(&self, event: &WebhookEvent, t: i64) -> Sent {
        let body = match serde_json::to_vec(event) {
            Ok(body) => body,
            Err(error) => {
                return Sent::Failed {
                    reason: format!("the event does not serialise: {error}"),
                };
            }
        };
        let signature = self.signature(t, &body);
        let sent = self
            .client
            .post(self.url.clone())
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .header(WEBHOOK_SIGNATURE_HEADER, signature)
            .body(body)
            .send()
            .await;
        match sent {
            Ok(response) => outcome(response.status(), response.headers().get(RETRY_AFTER)),
            Err(error) => Sent::Retry {
                after: None,
                reason: format!("the webhook could not be reached: {}", error_kind(&error)),
            },
        }
    }
}

/// The signature of 8.5 under `secret`.
pub(crate) fn sign(secret: &[u8], t: i64, body: &[u8]) -> String {
    // Any key length is accepted by HMAC; `new_from_slice` cannot fail for it.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!(
        "t={t},v2={}",
        STANDARD_NO_PAD.encode(mac.finalize().into_bytes())
    )
}

/// What a webhook's answer means: 2xx accepted, 429 and 5xx worth a retry, else refused.
fn outcome(status: StatusCode, retry_after: Option<&HeaderValue>) -> Sent {
    if status.is_success() {
        Sent::Accepted
    } else if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        Sent::Retry {
            after: super::retry_after(retry_after),
            reason: format!("the webhook answered {status}"),
        }
    } else {
        Sent::Failed {
            reason: format!("the webhook answered {status}"),
        }
    }
}

/// A short, secret-free description of a transport error.
pub(crate) fn error_kind(error: &reqwest::Error) -> &'static str {
    if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "connection failed"
    } else if error.is_request() {
        "request failed"
    } else {
        "transport error"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_time_dot_body_in_base64_without_padding() {
        // HMAC-SHA256("secret", "1700000000.{}"), computed independently with openssl:
        // printf '1700000000.{}' | openssl dgst -sha256 -hmac secret -binary | base64
        let signature = sign(b"secret", 1_700_000_000, b"{}");
        assert_eq!(
            signature,
            format!("t=1700000000,v2={}", EXPECTED.trim_end_matches('='))
        );
    }

    const EXPECTED: &str = "uFabeHmf+ePL/w/C1jozorV/MoKr0Hw3rl6OfXml8WM=";

    #[test]
    fn a_webhook_url_must_be_https_except_on_loopback() {
        let secret = || Zeroizing::new(b"s".to_vec());
        assert!(Webhook::new("http://hooks.example.net/".parse().expect("url"), secret()).is_err());
        assert!(Webhook::new("http://127.0.0.1:9/".parse().expect("url"), secret()).is_ok());
        assert!(Webhook::new("https://hooks.example.net/".parse().expect("url"), secret()).is_ok());
        assert!(
            Webhook::new(
                "https://hooks.example.net/".parse().expect("url"),
                Zeroizing::new(Vec::new())
            )
            .is_err()
        );
    }

    #[test]
    fn answers_map_to_accepted_retry_or_failed() {
        assert_eq!(outcome(StatusCode::NO_CONTENT, None), Sent::Accepted);
        let after = HeaderValue::from_static("3");
        assert!(matches!(
            outcome(StatusCode::TOO_MANY_REQUESTS, Some(&after)),
            Sent::Retry { after: Some(d), .. } if d == Duration::from_secs(3)
        ));
        assert!(matches!(
            outcome(StatusCode::BAD_GATEWAY, None),
            Sent::Retry { after: None, .. }
        ));
        assert!(matches!(
            outcome(StatusCode::FORBIDDEN, None),
            Sent::Failed { .. }
        ));
    }
}
