//! FCM, Firebase Cloud Messaging's HTTP v1 API: wake-ups for Android devices.
//!
//! The server signs in as the Firebase project's service account (OAuth 2.0 for server to
//! server applications: an RS256 JWT assertion sent to the account's `token_uri`, grant type
//! `jwt-bearer`, scope `firebase.messaging`), keeps the access token until five minutes
//! before it expires, and posts each message to `/v1/projects/{project_id}/messages:send`.

use std::fmt;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use serde::{Deserialize, Serialize};
use serde_json::json;
use signet_protocol::clock::Clock;
use url::Url;
use zeroize::Zeroizing;

use crate::Error;
use crate::push::provider::{self, ExtraRoots};
use crate::push::wake::{BODY, Channel, Sent, TITLE, WakeUp};

/// FCM's base URL.
pub const FCM_URL: &str = "https://fcm.googleapis.com";

/// The OAuth 2.0 scope that lets an access token send messages.
pub const SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";

/// Google's token endpoint, for a service account file that names none.
const GOOGLE_TOKEN_URI: &str = "https://oauth2.googleapis.com/token";

/// The grant type of a JWT assertion (RFC 7523).
const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// The lifetime asked for in the assertion (Google's maximum).
const ASSERTION_SECONDS: i64 = 3600;

/// An access token is renewed this long before it expires.
const RENEW_BEFORE_MS: i64 = 5 * 60 * 1000;

/// The command-line flags of the FCM channel (each also a `SIGNET_*` variable).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct FcmArgs {
    /// The Firebase project's service account key file (JSON, from the Firebase console:
    /// Project settings, Service accounts, Generate new private key); with it the server sends
    /// wake-ups to Android devices itself.
    #[arg(long, env = "SIGNET_FCM_SERVICE_ACCOUNT")]
    pub fcm_service_account: Option<PathBuf>,
    /// Another FCM address (a relay, or a test's stand-in); `https://` except on loopback.
    #[arg(long, env = "SIGNET_FCM_URL")]
    pub fcm_url: Option<String>,
}

impl FcmArgs {
    /// The channel's configuration: `None` without a service account file.
    pub fn config(
        &self,
        extra_roots: &ExtraRoots,
        clock: Arc<dyn Clock>,
    ) -> Result<Option<FcmConfig>, Error> {
        let Some(file) = &self.fcm_service_account else {
            return Ok(None);
        };
        Ok(Some(FcmConfig {
            service_account: provider::read_secret_file("fcm-service-account", file)?,
            url: provider::provider_url("fcm-url", self.fcm_url.as_deref().unwrap_or(FCM_URL))?,
            extra_roots: extra_roots.clone(),
            clock,
        }))
    }
}

/// What the FCM channel needs. The service account is redacted in `Debug`.
#[derive(Clone)]
pub struct FcmConfig {
    /// The service account key file's JSON (`project_id`, `client_email`, `private_key`,
    /// `token_uri`).
    pub service_account: Zeroizing<String>,
    /// FCM's base URL: [`FCM_URL`] or a relay's.
    pub url: Url,
    /// Certificates trusted besides the system's (a relay's CA, a test's stand-in).
    pub extra_roots: ExtraRoots,
    /// The clock of the assertion's `iat`/`exp` and of the access token's expiry.
    pub clock: Arc<dyn Clock>,
}

impl fmt::Debug for FcmConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FcmConfig")
            .field("url", &self.url.as_str())
            .finish_non_exhaustive()
    }
}

/// The fields of a service account key file this channel reads.
#[derive(Deserialize)]
struct ServiceAccountFile {
    project_id: String,
    client_email: String,
    private_key: String,
    #[serde(default)]
    private_key_id: Option<String>,
    #[serde(default)]
    token_uri: Option<String>,
}

/// The FCM channel: one HTTP client, the service account's key, a cached access token.
pub struct Fcm {
    client: reqwest::Client,
    send_url: String,
    token_uri: Url,
    client_email: String,
    key_id: Option<String>,
    key: EncodingKey,
    clock: Arc<dyn Clock>,
    access: tokio::sync::Mutex<Option<AccessToken>>,
}

impl fmt::Debug for Fcm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fcm")
            .field("send_url", &self.send_url)
            .field("client_email", &self.client_email)
            .finish_non_exhaustive()
    }
}

/// An access token and when it expires (Unix milliseconds).
struct AccessToken {
    token: Arc<Zeroizing<String>>,
    expires_at_ms: i64,
}

/// The token endpoint's answer.
#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    expires_in: i64,
}

#[derive(Serialize)]
struct Assertion<'a> {
    iss: &'a str,
    scope: &'static str,
    aud: &'a str,
    iat: i64,
    exp: i64,
}

impl Fcm {
    /// The channel for `config`; an error when the service account file is not one (JSON
    /// with `project_id`, `client_email` and an RSA `private_key`).
    pub fn new(config: FcmConfig) -> Result<Self, Error> {
        let bad = |problem: &str| Error::push_config("fcm-service-account", problem.to_owned());
        let file: ServiceAccountFile = serde_json::from_str(&config.service_account).map_err(|_| {
            bad("not a service account key file (JSON with project_id, client_email, private_key)")
        })?;
        let private_key = Zeroizing::new(file.private_key);
        let key = EncodingKey::from_rsa_pem(private_key.as_bytes())
            .map_err(|_| bad("its private_key is not an RSA PEM private key"))?;
        let project_ok = !file.project_id.is_empty()
            && file
                .project_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !project_ok {
            return Err(bad("its project_id is not a Firebase project id"));
        }
        let token_uri = provider::provider_url(
            "fcm-service-account",
            file.token_uri.as_deref().unwrap_or(GOOGLE_TOKEN_URI),
        )?;
        let fcm = Self {
            client: provider::client(&config.extra_roots, false)?,
            send_url: provider::endpoint(
                &config.url,
                &format!("/v1/projects/{}/messages:send", file.project_id),
            ),
            token_uri,
            client_email: file.client_email,
            key_id: file.private_key_id,
            key,
            clock: config.clock,
            access: tokio::sync::Mutex::new(None),
        };
        fcm.assertion()
            .map_err(|()| bad("cannot sign with its private_key"))?;
        Ok(fcm)
    }

    /// A signed JWT assertion of the service account (RS256).
    fn assertion(&self) -> Result<Zeroizing<String>, ()> {
        let now = self.clock.now_ms().div_euclid(1000);
        let mut header = Header::new(Algorithm::RS256);
        header.kid.clone_from(&self.key_id);
        let claims = Assertion {
            iss: &self.client_email,
            scope: SCOPE,
            aud: self.token_uri.as_str(),
            iat: now,
            exp: now + ASSERTION_SECONDS,
        };
        jsonwebtoken::encode(&header, &claims, &self.key)
            .map(Zeroizing::new)
            .map_err(|_| ())
    }

    /// The access token to send with: the cached one until five minutes before it expires,
    /// else a new one from the token endpoint. `Err` is what this attempt gives back.
    async fn access_token(&self) -> Result<Arc<Zeroizing<String>>, Sent> {
        let mut access = self.access.lock().await;
        let now = self.clock.now_ms();
        if let Some(token) = access.as_ref()
            && now < token.expires_at_ms - RENEW_BEFORE_MS
        {
            return Ok(Arc::clone(&token.token));
        }
        let assertion = self.assertion().map_err(|()| Sent::Failed {
            reason: "FCM: cannot sign the service account's assertion".to_owned(),
        })?;
        // The assertion is base64url and dots: nothing in it needs form encoding.
        let form = Zeroizing::new(format!(
            "grant_type={}&assertion={}",
            form_encode(JWT_BEARER),
            assertion.as_str()
        ));
        let response = self
            .client
            .post(self.token_uri.as_str())
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form.as_bytes().to_vec())
            .send()
            .await
            .map_err(|error| provider::unreachable("FCM token endpoint", &error))?;
        let status = response.status();
        if !status.is_success() {
            let reason = format!("FCM token endpoint answered {}", status.as_u16());
            return Err(
                if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
                    Sent::Retry {
                        after: provider::retry_after(response.headers()),
                        reason,
                    }
                } else {
                    Sent::Failed { reason }
                },
            );
        }
        let answer = provider::answer_body(response)
            .await
            .and_then(|body| serde_json::from_slice::<TokenAnswer>(&body).ok())
            .filter(|answer| !answer.access_token.is_empty() && answer.expires_in > 0)
            .ok_or_else(|| Sent::Failed {
                reason: "FCM token endpoint: no access token in its answer".to_owned(),
            })?;
        let token = Arc::new(Zeroizing::new(answer.access_token));
        *access = Some(AccessToken {
            token: Arc::clone(&token),
            expires_at_ms: now.saturating_add(answer.expires_in.saturating_mul(1000)),
        });
        Ok(token)
    }

    /// Drops the cached access token (FCM refused it): the next attempt gets a new one.
    async fn forget_access_token(&self) {
        *self.access.lock().await = None;
    }

    /// One attempt (see [`Channel::send`]).
    async fn attempt(&self, token: &str, wake: &WakeUp) -> Sent {
        if token.is_empty() {
            return Sent::TokenInvalid;
        }
        let access = match self.access_token().await {
            Ok(access) => access,
            Err(sent) => return sent,
        };
        let now = self.clock.now_ms().div_euclid(1000);
        let response = match self
            .client
            .post(&self.send_url)
            .bearer_auth(access.as_str())
            .json(&message(token, wake, now))
            .send()
            .await
        {
            Ok(response) => response,
            Err(error) => return provider::unreachable("FCM", &error),
        };
        let status = response.status();
        if status.is_success() {
            return Sent::Accepted;
        }
        let after = provider::retry_after(response.headers());
        let error = provider::answer_body(response)
            .await
            .and_then(|body| serde_json::from_slice::<FcmErrorBody>(&body).ok())
            .map(|body| body.error);
        let code = error.as_ref().and_then(FcmError::error_code);
        let word = code
            .or_else(|| error.as_ref().map(|error| error.status.as_str()))
            .and_then(provider::reason_word)
            .unwrap_or("");
        let reason = format!("FCM answered {} {word}", status.as_u16())
            .trim_end()
            .to_owned();
        match (status.as_u16(), code) {
            (_, Some("UNREGISTERED")) | (404, _) => Sent::TokenInvalid,
            (401, _) => {
                self.forget_access_token().await;
                Sent::Retry {
                    after: None,
                    reason,
                }
            }
            (429 | 500..=599, _) => Sent::Retry { after, reason },
            _ => Sent::Failed { reason },
        }
    }
}

impl Channel for Fcm {
    fn send<'a>(
        &'a self,
        token: &'a str,
        wake: &'a WakeUp,
    ) -> Pin<Box<dyn std::future::Future<Output = Sent> + Send + 'a>> {
        Box::pin(self.attempt(token, wake))
    }
}

/// The FCM message of a wake-up at `now` (Unix seconds): the two ids as data, the generic
/// visible text, high priority, the challenge's remaining lifetime, collapsing on its id.
fn message(token: &str, wake: &WakeUp, now: i64) -> serde_json::Value {
    json!({
        "message": {
            "token": token,
            "data": wake.data(),
            "notification": {"title": TITLE, "body": BODY},
            "android": {
                "priority": "HIGH",
                "ttl": format!("{}s", wake.ttl(now).as_secs()),
                "collapse_key": wake.challenge_id,
            },
        }
    })
}

/// `application/x-www-form-urlencoded` of a value.
fn form_encode(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// An FCM error answer: `{"error": {"code", "message", "status", "details": [...]}}`.
#[derive(Deserialize)]
struct FcmErrorBody {
    error: FcmError,
}

#[derive(Deserialize)]
struct FcmError {
    #[serde(default)]
    status: String,
    #[serde(default)]
    details: Vec<FcmErrorDetail>,
}

#[derive(Deserialize)]
struct FcmErrorDetail {
    #[serde(rename = "errorCode", default)]
    error_code: Option<String>,
}

impl FcmError {
    /// The `FcmError` detail's `errorCode` (`UNREGISTERED`, `QUOTA_EXCEEDED`, ...).
    fn error_code(&self) -> Option<&str> {
        self.details
            .iter()
            .find_map(|detail| detail.error_code.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_holds_the_ids_the_generic_text_and_the_delivery_options_only() {
        let wake = WakeUp {
            challenge_id: "c1".into(),
            user_authenticator_id: "a1".into(),
            expires_at: 190,
        };
        assert_eq!(
            message("tok", &wake, 100),
            json!({"message": {
                "token": "tok",
                "data": {"challengeId": "c1", "userAuthenticatorId": "a1"},
                "notification": {"title": TITLE, "body": BODY},
                "android": {"priority": "HIGH", "ttl": "90s", "collapse_key": "c1"},
            }})
        );
    }

    #[test]
    fn a_file_that_is_not_a_service_account_is_refused_without_quoting_it() {
        let config = FcmConfig {
            service_account: Zeroizing::new(r#"{"private_key": "secret-words"}"#.to_owned()),
            url: Url::parse(FCM_URL).expect("url"),
            extra_roots: ExtraRoots::default(),
            clock: Arc::new(signet_protocol::clock::SystemClock),
        };
        let error = Fcm::new(config).expect_err("refused").to_string();
        assert!(!error.contains("secret-words"), "{error}");
    }
}
