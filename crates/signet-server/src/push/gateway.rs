//! The push gateway (Matrix Sygnal's pattern): a server that holds APNs and FCM credentials
//! (those of the official app build) and sends wake-ups for other Signet servers it trusts,
//! so a self-hosted server can wake devices running an app whose push keys it does not hold.
//!
//! Both halves live here: the gateway (`signet-server --gateway`, [`spawn_gateway`]) and
//! the client a server uses with `--push-gateway URL` ([`GatewayClient`], one [`Channel`] per
//! platform).
//!
//! # The request
//!
//! `POST {gateway}/v1/wake-up` with the JSON [`GatewayRequest`] (the token, the two ids, the
//! expiry and a fresh random nonce: nothing about the sign-in) and three headers:
//!
//! - `x-signet-server`: the calling server's id, as the gateway's servers file names it;
//! - `x-signet-timestamp`: Unix seconds;
//! - `x-signet-signature`: `v1=` and the lowercase hex HMAC-SHA256, keyed with the secret
//!   the gateway and that server share, of `{timestamp}.{body}`.
//!
//! The gateway refuses (401) an unknown server, a wrong signature, a timestamp more than five
//! minutes off, and a nonce it has seen in that window (a replay); it allows each server a
//! number of requests a second (429 with `Retry-After` beyond). It stores nothing: the nonces
//! of the last ten minutes stay in memory only. Its 200 answer is the provider's outcome,
//! [`GatewayAnswer`]: `accepted`, `token_invalid`, `retry` (with `retryAfterSeconds` when the
//! provider gave one) or `failed`.
//!
//! Why shared secrets rather than an allow-list of server public keys: the signature is the
//! same HMAC scheme webhooks use (docs/protocol.md 8.5), cheap on every wake-up, and a secret
//! the gateway holds lets nobody do more than the gateway itself can (send wake-ups), so a
//! public-key scheme would protect nothing more. Each server has its own secret, so one can
//! be revoked, and is rate-limited, on its own.

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use clap::builder::FalseyValueParser;
use hmac::{Hmac, Mac};
use rand::RngCore as _;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use signet_protocol::clock::Clock;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use url::Url;
use zeroize::Zeroizing;

use crate::Error;
use crate::connections::{self, ConnectionLimits};
use crate::push::provider::{self, ExtraRoots};
use crate::push::wake::{Channel, Sent, WakeUp};
use crate::throttle::KeyedThrottle;

/// The gateway's one route.
pub const WAKE_UP_PATH: &str = "/v1/wake-up";

/// The header naming the calling server.
pub const SERVER_HEADER: &str = "x-signet-server";

/// The header with the request's Unix time (seconds).
pub const TIMESTAMP_HEADER: &str = "x-signet-timestamp";

/// The header with the request's signature.
pub const SIGNATURE_HEADER: &str = "x-signet-signature";

/// How far a request's timestamp may be from the gateway's clock, in seconds.
pub const MAX_SKEW_SECONDS: i64 = 300;

/// The largest request body the gateway reads.
const BODY_LIMIT: usize = 4096;

/// The longest a wake-up may still live when it reaches the gateway.
const MAX_LIFETIME_SECONDS: i64 = 3600;

/// The shortest shared secret accepted, in bytes.
const MIN_SECRET_LEN: usize = 32;

/// Most nonces remembered before expired ones are dropped.
const PRUNE_ABOVE: usize = 4096;

/// Which provider a wake-up goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// APNs.
    Ios,
    /// FCM.
    Android,
}

/// One wake-up, as a server sends it to the gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GatewayRequest {
    /// Random, fresh for every request (hex of 16 bytes): the gateway refuses one it has seen.
    pub nonce: String,
    /// The provider to send through.
    pub platform: Platform,
    /// The device's push token.
    pub token: String,
    /// The challenge (the collapse key).
    pub challenge_id: String,
    /// The authenticator woken.
    pub user_authenticator_id: String,
    /// When the challenge expires (Unix seconds).
    pub expires_at: i64,
}

/// What the provider said, as the gateway answers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The provider accepted the wake-up.
    Accepted,
    /// The provider says the token is gone.
    TokenInvalid,
    /// Worth another attempt.
    Retry,
    /// Refused for good.
    Failed,
}

/// The gateway's answer to an accepted request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GatewayAnswer {
    /// The provider's outcome.
    pub outcome: Outcome,
    /// With `retry`: the provider's `Retry-After`, in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_seconds: Option<u64>,
    /// With `retry` and `failed`: what went wrong, for the log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl GatewayAnswer {
    fn of(sent: Sent) -> Self {
        match sent {
            Sent::Accepted => Self::plain(Outcome::Accepted, None),
            Sent::TokenInvalid => Self::plain(Outcome::TokenInvalid, None),
            Sent::Retry { after, reason } => Self {
                outcome: Outcome::Retry,
                retry_after_seconds: after.map(|after| after.as_secs()),
                reason: Some(reason),
            },
            Sent::Failed { reason } => Self::plain(Outcome::Failed, Some(reason)),
        }
    }

    fn plain(outcome: Outcome, reason: Option<String>) -> Self {
        Self {
            outcome,
            retry_after_seconds: None,
            reason,
        }
    }

    /// The outcome as one attempt's result on the calling server.
    fn sent(self) -> Sent {
        let reason = || {
            let said = self
                .reason
                .as_deref()
                .filter(|reason| {
                    reason.len() <= 200 && reason.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
                })
                .unwrap_or("no reason given");
            format!("push gateway: {said}")
        };
        match self.outcome {
            Outcome::Accepted => Sent::Accepted,
            Outcome::TokenInvalid => Sent::TokenInvalid,
            Outcome::Retry => Sent::Retry {
                after: self.retry_after_seconds.map(Duration::from_secs),
                reason: reason(),
            },
            Outcome::Failed => Sent::Failed { reason: reason() },
        }
    }
}

/// `v1=` and the hex HMAC-SHA256 of `{timestamp}.{body}` under `secret`.
pub fn signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    format!(
        "v1={}",
        hex(&mac(secret, timestamp, body).finalize().into_bytes())
    )
}

fn mac(secret: &[u8], timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut text, byte| {
            let _ = write!(text, "{byte:02x}");
            text
        })
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(text.get(at..at + 2)?, 16).ok())
        .collect()
}

/// The command-line flags of both halves (each also a `SIGNET_*` variable).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct GatewayArgs {
    /// Run as a push gateway: no database and no API, only `POST /v1/wake-up` for the
    /// servers in --gateway-servers-file, sent with this process's APNs and FCM channels.
    #[arg(long, env = "SIGNET_GATEWAY", value_parser = FalseyValueParser::new())]
    pub gateway: bool,
    /// The servers a gateway trusts: one `server-id secret` per line (`#` starts a comment);
    /// each secret at least 32 characters.
    #[arg(long, env = "SIGNET_GATEWAY_SERVERS_FILE", requires = "gateway")]
    pub gateway_servers_file: Option<PathBuf>,
    /// Requests a second a gateway takes from each server (bursts of twice that).
    #[arg(long, env = "SIGNET_GATEWAY_REQUESTS_PER_SECOND", default_value_t = 50)]
    pub gateway_requests_per_second: u32,
    /// Forward APNs and FCM wake-ups to this push gateway instead of sending them.
    #[arg(long, env = "SIGNET_PUSH_GATEWAY", conflicts_with = "gateway")]
    pub push_gateway: Option<String>,
    /// This server's id at the push gateway.
    #[arg(long, env = "SIGNET_PUSH_GATEWAY_ID", requires = "push_gateway")]
    pub push_gateway_id: Option<String>,
    /// The file holding the secret this server shares with the push gateway.
    #[arg(
        long,
        env = "SIGNET_PUSH_GATEWAY_SECRET_FILE",
        requires = "push_gateway"
    )]
    pub push_gateway_secret_file: Option<PathBuf>,
}

impl GatewayArgs {
    /// The client's configuration: `None` without `--push-gateway`.
    pub fn client_config(
        &self,
        extra_roots: &ExtraRoots,
        clock: Arc<dyn Clock>,
    ) -> Result<Option<GatewayClientConfig>, Error> {
        let Some(url) = &self.push_gateway else {
            return Ok(None);
        };
        let server_id = self
            .push_gateway_id
            .clone()
            .filter(|id| valid_server_id(id))
            .ok_or_else(|| {
                Error::push_config(
                    "push-gateway-id",
                    "missing or not an id (1 to 64 letters, digits, '.', '_', '-')",
                )
            })?;
        let file = self.push_gateway_secret_file.as_deref().ok_or_else(|| {
            Error::push_config(
                "push-gateway-secret-file",
                "missing (needed with --push-gateway)",
            )
        })?;
        Ok(Some(GatewayClientConfig {
            url: provider::provider_url("push-gateway", url)?,
            server_id,
            secret: provider::read_secret_file("push-gateway-secret-file", file)?,
            extra_roots: extra_roots.clone(),
            clock,
        }))
    }

    /// The servers a gateway trusts, from --gateway-servers-file.
    pub fn trusted_servers(&self) -> Result<TrustedServers, Error> {
        let file = self.gateway_servers_file.as_deref().ok_or_else(|| {
            Error::push_config("gateway-servers-file", "missing (a gateway needs it)")
        })?;
        TrustedServers::from_file(file)
    }
}

/// Whether `id` can name a server: 1 to 64 ASCII letters, digits, `.`, `_`, `-`.
fn valid_server_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The servers a gateway trusts and the secret of each. Secrets are redacted in `Debug`.
#[derive(Clone, Default)]
pub struct TrustedServers(HashMap<String, Arc<Zeroizing<Vec<u8>>>>);

impl fmt::Debug for TrustedServers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

impl TrustedServers {
    /// Trusts `server_id` with `secret` (at least 32 bytes).
    pub fn add(&mut self, server_id: &str, secret: &[u8]) -> Result<(), Error> {
        if !valid_server_id(server_id) {
            return Err(Error::push_config(
                "gateway-servers-file",
                "a server id is 1 to 64 letters, digits, '.', '_', '-'",
            ));
        }
        if secret.len() < MIN_SECRET_LEN {
            return Err(Error::push_config(
                "gateway-servers-file",
                format!("the secret of {server_id} is shorter than {MIN_SECRET_LEN} characters"),
            ));
        }
        self.0.insert(
            server_id.to_owned(),
            Arc::new(Zeroizing::new(secret.to_vec())),
        );
        Ok(())
    }

    /// The servers of a file: `server-id secret` per line, `#` comments, blank lines.
    pub fn from_file(path: &Path) -> Result<Self, Error> {
        let text = provider::read_secret_file("gateway-servers-file", path)?;
        let mut servers = Self::default();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut words = line.split_whitespace();
            let (Some(id), Some(secret), None) = (words.next(), words.next(), words.next()) else {
                return Err(Error::push_config(
                    "gateway-servers-file",
                    format!("line {} is not `server-id secret`", number + 1),
                ));
            };
            servers.add(id, secret.as_bytes())?;
        }
        if servers.0.is_empty() {
            return Err(Error::push_config(
                "gateway-servers-file",
                "it names no server",
            ));
        }
        Ok(servers)
    }

    fn secret(&self, server_id: &str) -> Option<&Arc<Zeroizing<Vec<u8>>>> {
        self.0.get(server_id)
    }
}

/// What a gateway needs.
#[derive(Clone)]
pub struct GatewayConfig {
    /// The servers it trusts.
    pub servers: TrustedServers,
    /// Its APNs channel (`None`: iOS wake-ups get `failed`).
    pub apns: Option<Arc<dyn Channel>>,
    /// Its FCM channel (`None`: Android wake-ups get `failed`).
    pub fcm: Option<Arc<dyn Channel>>,
    /// Requests a second from each server, bursts of twice that.
    pub requests_per_second: u32,
    /// The clock timestamps are checked against.
    pub clock: Arc<dyn Clock>,
    /// Connection caps and timeouts, as the server's.
    pub connection_limits: ConnectionLimits,
}

impl fmt::Debug for GatewayConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GatewayConfig")
            .field("servers", &self.servers)
            .field("apns", &self.apns.is_some())
            .field("fcm", &self.fcm.is_some())
            .field("requests_per_second", &self.requests_per_second)
            .finish_non_exhaustive()
    }
}

/// The gateway's state behind its route.
struct Gateway {
    servers: TrustedServers,
    apns: Option<Arc<dyn Channel>>,
    fcm: Option<Arc<dyn Channel>>,
    clock: Arc<dyn Clock>,
    throttle: KeyedThrottle<String>,
    /// `(server, nonce)` seen, with the Unix second after which it can be forgotten.
    nonces: Mutex<HashMap<(String, String), i64>>,
}

/// A gateway running in this process; dropping it stops it too (without waiting).
#[derive(Debug)]
pub struct RunningGateway {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// Its base URL, `http://<addr>` (what `--push-gateway` takes).
    pub url: String,
    stop: Option<watch::Sender<bool>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl RunningGateway {
    /// Stops accepting and waits for requests in flight.
    pub async fn shutdown(mut self) -> Result<(), Error> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
        if let Some(task) = self.task.take() {
            match task.await {
                Ok(result) => result?,
                Err(join) => return Err(Error::Io(std::io::Error::other(join))),
            }
        }
        Ok(())
    }
}

impl Drop for RunningGateway {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
    }
}

/// Starts a gateway on `listener`, in a background task (of the current Tokio runtime).
pub fn spawn_gateway(
    listener: TcpListener,
    config: GatewayConfig,
) -> Result<RunningGateway, Error> {
    let addr = listener.local_addr()?;
    let gateway = Arc::new(Gateway {
        servers: config.servers,
        apns: config.apns,
        fcm: config.fcm,
        clock: config.clock,
        throttle: KeyedThrottle::new(config.requests_per_second),
        nonces: Mutex::new(HashMap::new()),
    });
    let router = axum::Router::new()
        .route(WAKE_UP_PATH, post(wake_up))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(gateway);
    let (stop, stopping) = watch::channel(false);
    let gate = Arc::new(connections::Gate::new(config.connection_limits));
    let task = tokio::spawn(connections::serve(listener, router, gate, stopping));
    tracing::info!(%addr, "push gateway listening");
    Ok(RunningGateway {
        addr,
        url: format!("http://{addr}"),
        stop: Some(stop),
        task: Some(task),
    })
}

/// `POST /v1/wake-up`.
async fn wake_up(
    State(gateway): State<Arc<Gateway>>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Json<GatewayAnswer>, Error> {
    let body = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Error::PayloadTooLarge { limit: BODY_LIMIT }
        } else {
            Error::invalid_request("the body cannot be read")
        }
    })?;
    // 1. Who is asking, and is it signed by them, now, for the first time?
    let server_id = gateway.authenticate(&headers, &body)?;
    if !gateway.throttle.allow(server_id.clone()) {
        return Err(Error::RateLimited {
            reason: "this server sends more wake-ups than the gateway allows it",
            retry_after: Some(Duration::from_secs(1)),
        });
    }
    let request: GatewayRequest = serde_json::from_slice(&body)
        .map_err(|_| Error::invalid_request("the body is not a wake-up request"))?;
    let now = gateway.clock.now_ms().div_euclid(1000);
    let wake = checked(&request, now)?;
    gateway.first_use(&server_id, &request.nonce, now)?;
    // 2. Send it on the provider's channel, and say what the provider said.
    let channel = match request.platform {
        Platform::Ios => gateway.apns.as_ref(),
        Platform::Android => gateway.fcm.as_ref(),
    };
    let sent = match channel {
        Some(channel) => channel.send(&request.token, &wake).await,
        None => Sent::Failed {
            reason: format!(
                "the gateway has no channel for {:?} devices",
                request.platform
            ),
        },
    };
    tracing::info!(server = %server_id, outcome = ?sent, "push gateway: wake-up");
    Ok(Json(GatewayAnswer::of(sent)))
}

/// The wake-up a request asks for, if its fields are sane.
fn checked(request: &GatewayRequest, now: i64) -> Result<WakeUp, Error> {
    let short = |text: &str, limit: usize| !text.is_empty() && text.len() <= limit;
    if !short(&request.nonce, 64)
        || !short(&request.token, 4096)
        || !short(&request.challenge_id, 128)
        || !short(&request.user_authenticator_id, 128)
    {
        return Err(Error::invalid_request(
            "nonce, token, challengeId and userAuthenticatorId must be non-empty and short",
        ));
    }
    if request.expires_at <= now || request.expires_at > now + MAX_LIFETIME_SECONDS {
        return Err(Error::invalid_request(
            "expiresAt must be in the future, and at most an hour away",
        ));
    }
    Ok(WakeUp {
        challenge_id: request.challenge_id.clone(),
        user_authenticator_id: request.user_authenticator_id.clone(),
        expires_at: request.expires_at,
    })
}

impl Gateway {
    /// The calling server's id, when the headers carry a fresh, valid signature of `body`.
    fn authenticate(&self, headers: &HeaderMap, body: &[u8]) -> Result<String, Error> {
        const REFUSED: Error = Error::Unauthorized {
            reason: "unknown server or wrong signature",
        };
        let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
        let server_id = header(SERVER_HEADER).ok_or(REFUSED)?;
        let secret = self.servers.secret(server_id).ok_or(REFUSED)?;
        let timestamp: i64 = header(TIMESTAMP_HEADER)
            .and_then(|text| text.parse().ok())
            .ok_or(REFUSED)?;
        let now = self.clock.now_ms().div_euclid(1000);
        if (now - timestamp).abs() > MAX_SKEW_SECONDS {
            return Err(Error::Unauthorized {
                reason: "the request's timestamp is too far from the gateway's clock",
            });
        }
        let given = header(SIGNATURE_HEADER)
            .and_then(|text| text.strip_prefix("v1="))
            .and_then(unhex)
            .ok_or(REFUSED)?;
        mac(secret, timestamp, body)
            .verify_slice(&given)
            .map_err(|_| REFUSED)?;
        Ok(server_id.to_owned())
    }

    /// Records `nonce` of `server_id`; refuses one seen within the timestamp window.
    fn first_use(&self, server_id: &str, nonce: &str, now: i64) -> Result<(), Error> {
        let mut nonces = self.nonces.lock().unwrap_or_else(PoisonError::into_inner);
        if nonces.len() > PRUNE_ABOVE {
            nonces.retain(|_, forget_at| *forget_at > now);
        }
        let key = (server_id.to_owned(), nonce.to_owned());
        if nonces.get(&key).is_some_and(|forget_at| *forget_at > now) {
            return Err(Error::Unauthorized {
                reason: "this request was sent before (a replay)",
            });
        }
        nonces.insert(key, now + 2 * MAX_SKEW_SECONDS);
        Ok(())
    }
}

/// What a server needs to forward its wake-ups to a gateway. The secret is redacted in
/// `Debug`.
#[derive(Clone)]
pub struct GatewayClientConfig {
    /// The gateway's base URL (`https://`, or `http://` on loopback).
    pub url: Url,
    /// This server's id at the gateway.
    pub server_id: String,
    /// The secret it shares with the gateway.
    pub secret: Zeroizing<String>,
    /// Certificates trusted besides the system's.
    pub extra_roots: ExtraRoots,
    /// The clock of the requests' timestamps.
    pub clock: Arc<dyn Clock>,
}

impl fmt::Debug for GatewayClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GatewayClientConfig")
            .field("url", &self.url.as_str())
            .field("server_id", &self.server_id)
            .finish_non_exhaustive()
    }
}

/// A server's client of a push gateway: [`GatewayClient::apns`] and [`GatewayClient::fcm`]
/// are the channels that stand for APNs and FCM.
#[derive(Clone)]
pub struct GatewayClient(Arc<ClientInner>);

struct ClientInner {
    client: reqwest::Client,
    endpoint: String,
    server_id: String,
    secret: Zeroizing<String>,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for GatewayClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GatewayClient")
            .field("endpoint", &self.0.endpoint)
            .field("server_id", &self.0.server_id)
            .finish_non_exhaustive()
    }
}

impl GatewayClient {
    /// A client of the gateway `config` names.
    pub fn new(config: GatewayClientConfig) -> Result<Self, Error> {
        Ok(Self(Arc::new(ClientInner {
            client: provider::client(&config.extra_roots, false)?,
            endpoint: provider::endpoint(&config.url, WAKE_UP_PATH),
            server_id: config.server_id,
            secret: config.secret,
            clock: config.clock,
        })))
    }

    /// The channel that forwards iOS (APNs) wake-ups.
    pub fn apns(&self) -> GatewayChannel {
        GatewayChannel {
            client: self.clone(),
            platform: Platform::Ios,
        }
    }

    /// The channel that forwards Android (FCM) wake-ups.
    pub fn fcm(&self) -> GatewayChannel {
        GatewayChannel {
            client: self.clone(),
            platform: Platform::Android,
        }
    }
}

/// One platform's wake-ups, forwarded to a push gateway.
#[derive(Debug, Clone)]
pub struct GatewayChannel {
    client: GatewayClient,
    platform: Platform,
}

impl GatewayChannel {
    async fn attempt(&self, token: &str, wake: &WakeUp) -> Sent {
        let inner = &self.client.0;
        let mut nonce = [0_u8; 16];
        rand::thread_rng().fill_bytes(&mut nonce);
        let request = GatewayRequest {
            nonce: hex(&nonce),
            platform: self.platform,
            token: token.to_owned(),
            challenge_id: wake.challenge_id.clone(),
            user_authenticator_id: wake.user_authenticator_id.clone(),
            expires_at: wake.expires_at,
        };
        let Ok(body) = serde_json::to_vec(&request) else {
            return Sent::Failed {
                reason: "push gateway: cannot write the request".to_owned(),
            };
        };
        let timestamp = inner.clock.now_ms().div_euclid(1000);
        let response = match inner
            .client
            .post(&inner.endpoint)
            .header(SERVER_HEADER, &inner.server_id)
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(
                SIGNATURE_HEADER,
                signature(inner.secret.as_bytes(), timestamp, &body),
            )
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
        {
            Ok(response) => response,
            Err(error) => return provider::unreachable("push gateway", &error),
        };
        let status = response.status();
        if status == StatusCode::OK {
            return match provider::answer_body(response)
                .await
                .and_then(|body| serde_json::from_slice::<GatewayAnswer>(&body).ok())
            {
                Some(answer) => answer.sent(),
                None => Sent::Failed {
                    reason: "push gateway: its answer is not a gateway answer".to_owned(),
                },
            };
        }
        let reason = format!("push gateway answered {}", status.as_u16());
        if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
            Sent::Retry {
                after: provider::retry_after(response.headers()),
                reason,
            }
        } else {
            Sent::Failed { reason }
        }
    }
}

impl Channel for GatewayChannel {
    fn send<'a>(
        &'a self,
        token: &'a str,
        wake: &'a WakeUp,
    ) -> Pin<Box<dyn std::future::Future<Output = Sent> + Send + 'a>> {
        Box::pin(self.attempt(token, wake))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_is_v1_and_the_hex_hmac_of_timestamp_dot_body() {
        let signed = signature(b"key", 1_700_000_000, b"{}");
        let hex_part = signed.strip_prefix("v1=").expect("v1=");
        assert_eq!(hex_part.len(), 64);
        assert!(
            mac(b"key", 1_700_000_000, b"{}")
                .verify_slice(&unhex(hex_part).expect("hex"))
                .is_ok()
        );
        assert_ne!(signed, signature(b"key", 1_700_000_001, b"{}"));
    }

    #[test]
    fn a_servers_file_refuses_short_secrets_and_bad_lines() {
        let mut servers = TrustedServers::default();
        assert!(servers.add("home", b"short").is_err());
        assert!(servers.add("bad id", &[b'x'; 32]).is_err());
        assert!(servers.add("home", &[b'x'; 32]).is_ok());
        assert_eq!(format!("{servers:?}"), r#"{"home"}"#);
    }

    #[test]
    fn an_answer_goes_back_into_the_same_outcome() {
        for sent in [
            Sent::Accepted,
            Sent::TokenInvalid,
            Sent::Retry {
                after: Some(Duration::from_secs(3)),
                reason: "APNs answered 429".into(),
            },
            Sent::Failed {
                reason: "APNs answered 403".into(),
            },
        ] {
            let back = GatewayAnswer::of(sent.clone()).sent();
            match (&sent, &back) {
                (Sent::Retry { after, .. }, Sent::Retry { after: back, .. }) => {
                    assert_eq!(after, back);
                }
                _ => assert_eq!(std::mem::discriminant(&sent), std::mem::discriminant(&back)),
            }
        }
    }
}
