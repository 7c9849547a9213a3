//! APNs, Apple's push service: wake-ups for iOS devices over HTTP/2 with token-based
//! authentication (a provider JWT signed ES256 with the team's `.p8` key).
//!
//! Apple's rules this follows: one HTTP/2 connection kept open and reused; the provider token
//! carries `kid` (the key id), `iss` (the team id) and `iat`, and is reused for 50 minutes
//! (Apple refuses one older than an hour, and refuses new ones more often than every 20
//! minutes); each request names its topic (the app's bundle id), push type `alert`, priority
//! 10, an expiration (the challenge's expiry) and a collapse id (the challenge id).

use std::fmt;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};

use clap::builder::FalseyValueParser;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use serde::Serialize;
use signet_protocol::clock::Clock;
use url::Url;
use zeroize::Zeroizing;

use crate::Error;
use crate::push::provider::{self, ExtraRoots};
use crate::push::wake::{BODY, Channel, Sent, TITLE, WakeUp};

/// APNs for apps signed for the App Store, `TestFlight` and ad hoc builds.
pub const PRODUCTION_URL: &str = "https://api.push.apple.com";

/// APNs for development builds (`--apns-sandbox`).
pub const SANDBOX_URL: &str = "https://api.sandbox.push.apple.com";

/// How long a provider token is reused: under Apple's hour, over its 20 minutes.
const TOKEN_LIFETIME_SECONDS: i64 = 50 * 60;

/// Apple's limit on `apns-collapse-id`, in bytes.
const COLLAPSE_ID_LIMIT: usize = 64;

/// The longest device token accepted (Apple's are 64 hex digits today and may grow).
const DEVICE_TOKEN_LIMIT: usize = 400;

/// The command-line flags of the APNs channel (each also a `SIGNET_*` variable).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ApnsArgs {
    /// The APNs auth key file (`AuthKey_<KEYID>.p8`, a PKCS#8 PEM, from the Apple Developer
    /// console); with it the server sends wake-ups to iOS devices itself.
    #[arg(long, env = "SIGNET_APNS_KEY_FILE")]
    pub apns_key_file: Option<PathBuf>,
    /// The auth key's Key ID (10 characters, shown beside the key in the console).
    #[arg(long, env = "SIGNET_APNS_KEY_ID")]
    pub apns_key_id: Option<String>,
    /// The Team ID of the Apple developer account that holds the key.
    #[arg(long, env = "SIGNET_APNS_TEAM_ID")]
    pub apns_team_id: Option<String>,
    /// The app's bundle id, e.g. `org.signet.app`.
    #[arg(long, env = "SIGNET_APNS_TOPIC")]
    pub apns_topic: Option<String>,
    /// Send through Apple's sandbox (development builds of the app).
    #[arg(long, env = "SIGNET_APNS_SANDBOX", value_parser = FalseyValueParser::new())]
    pub apns_sandbox: bool,
    /// Another APNs address (a relay, or a test's stand-in); `https://` except on loopback.
    #[arg(long, env = "SIGNET_APNS_URL", conflicts_with = "apns_sandbox")]
    pub apns_url: Option<String>,
}

impl ApnsArgs {
    /// The channel's configuration: `None` when no key file is given, an error when the key
    /// file is given without the id, team or topic (or they are given without it), or cannot
    /// be read.
    pub fn config(
        &self,
        extra_roots: &ExtraRoots,
        clock: Arc<dyn Clock>,
    ) -> Result<Option<ApnsConfig>, Error> {
        let Some(key_file) = &self.apns_key_file else {
            if self.apns_key_id.is_some()
                || self.apns_team_id.is_some()
                || self.apns_topic.is_some()
            {
                return Err(Error::push_config(
                    "apns-key-file",
                    "missing: --apns-key-id, --apns-team-id and --apns-topic need the key file",
                ));
            }
            return Ok(None);
        };
        let required = |value: &Option<String>, setting: &'static str| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|value| !value.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| Error::push_config(setting, "missing (needed with --apns-key-file)"))
        };
        let url = match (&self.apns_url, self.apns_sandbox) {
            (Some(url), _) => provider::provider_url("apns-url", url)?,
            (None, true) => provider::provider_url("apns-url", SANDBOX_URL)?,
            (None, false) => provider::provider_url("apns-url", PRODUCTION_URL)?,
        };
        Ok(Some(ApnsConfig {
            key_pem: provider::read_secret_file("apns-key-file", key_file)?,
            key_id: required(&self.apns_key_id, "apns-key-id")?,
            team_id: required(&self.apns_team_id, "apns-team-id")?,
            topic: required(&self.apns_topic, "apns-topic")?,
            url,
            extra_roots: extra_roots.clone(),
            clock,
        }))
    }
}

/// What the APNs channel needs. The key is redacted in `Debug`.
#[derive(Clone)]
pub struct ApnsConfig {
    /// The `.p8` auth key: a PKCS#8 PEM P-256 private key.
    pub key_pem: Zeroizing<String>,
    /// The key's Key ID (the provider token's `kid`).
    pub key_id: String,
    /// The Team ID (the provider token's `iss`).
    pub team_id: String,
    /// The app's bundle id (`apns-topic`).
    pub topic: String,
    /// APNs's base URL: [`PRODUCTION_URL`], [`SANDBOX_URL`], or a relay's.
    pub url: Url,
    /// Certificates trusted besides the system's (a relay's CA, a test's stand-in).
    pub extra_roots: ExtraRoots,
    /// The clock of the provider token's `iat` and renewal.
    pub clock: Arc<dyn Clock>,
}

impl fmt::Debug for ApnsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApnsConfig")
            .field("key_id", &self.key_id)
            .field("team_id", &self.team_id)
            .field("topic", &self.topic)
            .field("url", &self.url.as_str())
            .finish_non_exhaustive()
    }
}

/// The APNs channel: one HTTP/2 client and one cached provider token.
pub struct Apns {
    client: reqwest::Client,
    url: Url,
    topic: String,
    tokens: ProviderTokens,
}

impl fmt::Debug for Apns {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Apns")
            .field("url", &self.url.as_str())
            .field("topic", &self.topic)
            .finish_non_exhaustive()
    }
}

impl Apns {
    /// The channel for `config`; an error when the key is not a PKCS#8 P-256 key (checked by
    /// signing a first provider token).
    pub fn new(config: ApnsConfig) -> Result<Self, Error> {
        let key = EncodingKey::from_ec_pem(config.key_pem.as_bytes()).map_err(|_| {
            Error::push_config(
                "apns-key-file",
                "not a PKCS#8 PEM private key (an APNs .p8 file)",
            )
        })?;
        let tokens = ProviderTokens {
            key,
            key_id: config.key_id,
            team_id: config.team_id,
            clock: config.clock,
            cached: Mutex::new(None),
        };
        tokens.current().map_err(|()| {
            Error::push_config(
                "apns-key-file",
                "cannot sign with it (an APNs key is P-256)",
            )
        })?;
        Ok(Self {
            client: provider::client(&config.extra_roots, true)?,
            url: config.url,
            topic: config.topic,
            tokens,
        })
    }

    /// One attempt (see [`Channel::send`]).
    async fn attempt(&self, token: &str, wake: &WakeUp) -> Sent {
        // 1. A device token is hex; anything else would never be delivered.
        if token.is_empty()
            || token.len() > DEVICE_TOKEN_LIMIT
            || !token.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Sent::TokenInvalid;
        }
        let Ok(bearer) = self.tokens.current() else {
            return Sent::Failed {
                reason: "APNs: cannot sign the provider token".to_owned(),
            };
        };
        // 2. The request: path, token auth, and the headers Apple requires for an alert.
        let mut request = self
            .client
            .post(provider::endpoint(&self.url, &format!("/3/device/{token}")))
            .header(AUTHORIZATION, authorization(&bearer))
            .header("apns-topic", &self.topic)
            .header("apns-push-type", "alert")
            .header("apns-priority", "10")
            .header("apns-expiration", wake.expires_at.max(0).to_string())
            .json(&Payload::of(wake));
        if wake.challenge_id.len() <= COLLAPSE_ID_LIMIT {
            request = request.header("apns-collapse-id", &wake.challenge_id);
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) => return provider::unreachable("APNs", &error),
        };
        // 3. Apple's answer.
        let status = response.status();
        if status == StatusCode::OK {
            return Sent::Accepted;
        }
        let after = provider::retry_after(response.headers());
        let reason = provider::answer_body(response)
            .await
            .and_then(|body| serde_json::from_slice::<ApnsError>(&body).ok())
            .and_then(|error| provider::reason_word(&error.reason).map(str::to_owned));
        let said = format!(
            "APNs answered {} {}",
            status.as_u16(),
            reason.as_deref().unwrap_or("")
        )
        .trim_end()
        .to_owned();
        match (status.as_u16(), reason.as_deref()) {
            (410, _) | (400, Some("BadDeviceToken")) => Sent::TokenInvalid,
            (403, Some("ExpiredProviderToken")) => {
                self.tokens.forget();
                Sent::Retry {
                    after: None,
                    reason: said,
                }
            }
            (429 | 500..=599, _) => Sent::Retry {
                after,
                reason: said,
            },
            _ => Sent::Failed { reason: said },
        }
    }
}

impl Channel for Apns {
    fn send<'a>(
        &'a self,
        token: &'a str,
        wake: &'a WakeUp,
    ) -> Pin<Box<dyn std::future::Future<Output = Sent> + Send + 'a>> {
        Box::pin(self.attempt(token, wake))
    }
}

/// `bearer <provider token>`, as Apple's documentation writes it, marked sensitive (kept out
/// of HTTP/2 header compression tables and debug output).
fn authorization(jwt: &str) -> HeaderValue {
    let mut value = HeaderValue::from_str(&format!("bearer {jwt}"))
        .unwrap_or_else(|_| HeaderValue::from_static("bearer"));
    value.set_sensitive(true);
    value
}

/// The notification: the generic visible text and the two ids, nothing else.
#[derive(Serialize)]
struct Payload<'a> {
    aps: Aps,
    #[serde(rename = "challengeId")]
    challenge_id: &'a str,
    #[serde(rename = "userAuthenticatorId")]
    user_authenticator_id: &'a str,
}

#[derive(Serialize)]
struct Aps {
    alert: Alert,
    sound: &'static str,
}

#[derive(Serialize)]
struct Alert {
    title: &'static str,
    body: &'static str,
}

impl<'a> Payload<'a> {
    fn of(wake: &'a WakeUp) -> Self {
        Self {
            aps: Aps {
                alert: Alert {
                    title: TITLE,
                    body: BODY,
                },
                sound: "default",
            },
            challenge_id: &wake.challenge_id,
            user_authenticator_id: &wake.user_authenticator_id,
        }
    }
}

/// The body of an APNs error answer.
#[derive(serde::Deserialize)]
struct ApnsError {
    reason: String,
}

/// The provider token, signed once and reused for [`TOKEN_LIFETIME_SECONDS`].
struct ProviderTokens {
    key: EncodingKey,
    key_id: String,
    team_id: String,
    clock: Arc<dyn Clock>,
    cached: Mutex<Option<ProviderToken>>,
}

#[derive(Clone)]
struct ProviderToken {
    jwt: Arc<Zeroizing<String>>,
    issued_at: i64,
}

#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    iat: i64,
}

impl ProviderTokens {
    /// The token to send now: the cached one while it is younger than 50 minutes, else a
    /// new one.
    fn current(&self) -> Result<Arc<Zeroizing<String>>, ()> {
        let now = self.clock.now_ms().div_euclid(1000);
        let mut cached = self.cached.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(token) = cached.as_ref() {
            let age = now - token.issued_at;
            if (0..TOKEN_LIFETIME_SECONDS).contains(&age) {
                return Ok(Arc::clone(&token.jwt));
            }
        }
        let mut header = Header::new(Algorithm::ES256);
        header.typ = None;
        header.kid = Some(self.key_id.clone());
        let claims = Claims {
            iss: &self.team_id,
            iat: now,
        };
        let jwt = Arc::new(Zeroizing::new(
            jsonwebtoken::encode(&header, &claims, &self.key).map_err(|_| ())?,
        ));
        *cached = Some(ProviderToken {
            jwt: Arc::clone(&jwt),
            issued_at: now,
        });
        Ok(jwt)
    }

    /// Drops the cached token (APNs said it expired): the next attempt signs a new one.
    fn forget(&self) {
        *self.cached.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_payload_holds_the_generic_text_and_the_two_ids_only() {
        let wake = WakeUp {
            challenge_id: "c1".into(),
            user_authenticator_id: "a1".into(),
            expires_at: 100,
        };
        let payload = serde_json::to_value(Payload::of(&wake)).expect("json");
        assert_eq!(
            payload,
            serde_json::json!({
                "aps": {"alert": {"title": TITLE, "body": BODY}, "sound": "default"},
                "challengeId": "c1",
                "userAuthenticatorId": "a1",
            })
        );
    }

    #[test]
    fn flags_without_a_key_file_are_refused_and_none_at_all_is_no_channel() {
        let clock: Arc<dyn Clock> = Arc::new(signet_protocol::clock::SystemClock);
        let none = ApnsArgs::default();
        assert!(matches!(
            none.config(&ExtraRoots::default(), Arc::clone(&clock)),
            Ok(None)
        ));
        let half = ApnsArgs {
            apns_team_id: Some("TEAM".into()),
            ..ApnsArgs::default()
        };
        assert!(half.config(&ExtraRoots::default(), clock).is_err());
    }
}
