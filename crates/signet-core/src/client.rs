//! The HTTP client of the device API: one function per call of docs/protocol.md section 3.
//!
//! Rules kept by every call: HTTPS (plain http only to a loopback address), connect and
//! request timeouts, a limit on the size of answers, redirects followed only within the same
//! origin, and server errors typed with their `errorCode` ([`Error::Server`]).

use std::net::IpAddr;
use std::time::Duration;

use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use reqwest::{Method, StatusCode, redirect};
use serde::de::DeserializeOwned;
use signet_protocol::{
    AddCredentialRequest, AnswerChallengeRequest, AnswerChallengeResponse, CredentialResponse,
    ErrorBody, ErrorCode, NonceResponse, PendingChallengeResponse, PublicKey,
    RemoveCredentialRequest, RemoveCredentialResponse, Signature, UpdateCredentialRequest,
    UpdateCredentialResponse, UpdateNonceResponse, tenant_basic_header,
};
use url::Url;

use crate::Error;

/// The header that carries the signature over the nonce in 3.4b.
pub const SIGNATURE_HEADER: &str = "X-Authsignal-Signature";

/// Limits and timeouts of a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Longest time to open a connection.
    pub connect_timeout: Duration,
    /// Longest time for a whole request (a long-poll gets its `wait` on top).
    pub request_timeout: Duration,
    /// Largest answer read, in bytes.
    pub max_response_bytes: usize,
    /// Most redirects followed (within the same origin).
    pub max_redirects: usize,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_response_bytes: 256 * 1024,
            max_redirects: 5,
        }
    }
}

/// A client of one server and tenant. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    tenant_header: HeaderValue,
    options: ClientOptions,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

/// Whether `url` may be used: https anywhere, http only to a loopback address.
pub fn check_url(url: &Url) -> Result<(), Error> {
    let secure = match url.scheme() {
        "https" => true,
        "http" => match url.host() {
            Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
            Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
            None => false,
        },
        _ => false,
    };
    if secure && url.host().is_some() {
        Ok(())
    } else {
        Err(Error::InsecureUrl {
            url: url.as_str().to_owned(),
        })
    }
}

/// Whether a redirect from a request to `first` may go to `next`: only within the same
/// origin (scheme, host and port), so credentials never reach another host and https is
/// never downgraded.
pub fn redirect_allowed(first: &Url, next: &Url) -> bool {
    first.origin() == next.origin()
}

impl Client {
    /// A client of the server at `base_url` (ending in `/v1`) for `tenant_id`.
    pub fn new(base_url: &Url, tenant_id: &str) -> Result<Self, Error> {
        Self::with_options(base_url, tenant_id, ClientOptions::default())
    }

    /// A client with explicit limits.
    pub fn with_options(
        base_url: &Url,
        tenant_id: &str,
        options: ClientOptions,
    ) -> Result<Self, Error> {
        check_url(base_url)?;
        let tenant_header = HeaderValue::from_str(&tenant_basic_header(tenant_id))
            .map_err(|_| Error::Protocol(signet_protocol::Error::InvalidBasicAuth))?;
        install_crypto_provider();
        let max_redirects = options.max_redirects;
        let policy = redirect::Policy::custom(move |attempt| {
            // Follow only within the first URL's origin (scheme, host and port), so a token
            // or signature is never sent to another host, and never downgraded to http.
            let same_origin = attempt
                .previous()
                .first()
                .is_some_and(|first| redirect_allowed(first, attempt.url()));
            if attempt.previous().len() > max_redirects {
                attempt.error("too many redirects")
            } else if same_origin {
                attempt.follow()
            } else {
                attempt.error("redirect to another origin refused")
            }
        });
        let http = reqwest::Client::builder()
            .connect_timeout(options.connect_timeout)
            .timeout(options.request_timeout)
            .redirect(policy)
            .user_agent(concat!("signet-core/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|source| Error::Network { source })?;
        Ok(Self {
            http,
            base: base_url.as_str().trim_end_matches('/').to_owned(),
            tenant_header,
            options,
        })
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// 3.1 add credential: enrolls `request.publicKey` with the track token (Bearer).
    pub async fn add_credential(
        &self,
        token: &str,
        request: &AddCredentialRequest,
    ) -> Result<CredentialResponse, Error> {
        let bearer =
            HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| Error::InvalidToken)?;
        let path = "/client/user-authenticators/push";
        let http = self.request_as(Method::POST, path, bearer).json(request);
        self.send("add credential", http).await
    }

    /// 3.2 get credential.
    pub async fn credential(&self, key: &PublicKey) -> Result<CredentialResponse, Error> {
        let path = format!(
            "/client/user-authenticators/push?publicKey={}",
            key.to_query()
        );
        self.send("get credential", self.request(Method::GET, &path))
            .await
    }

    /// 3.3 remove credential (signed time window).
    pub async fn remove_credential(
        &self,
        request: &RemoveCredentialRequest,
    ) -> Result<RemoveCredentialResponse, Error> {
        let path = "/client/user-authenticators/push/remove";
        let http = self.request(Method::POST, path).json(request);
        self.send("remove credential", http).await
    }

    /// 3.4a challenge nonce.
    pub async fn challenge_nonce(&self, key: &PublicKey) -> Result<NonceResponse, Error> {
        let path = format!(
            "/client/user-authenticators/push/challenge/sign?publicKey={}",
            key.to_query()
        );
        self.send("challenge nonce", self.request(Method::POST, &path))
            .await
    }

    /// 3.4b get challenge: signed over a nonce of 3.4a, the answer includes `custom`;
    /// unsigned, it does not (and needs no nonce). With `wait`, the long-poll of 8.2 (capped
    /// at 60 s).
    pub async fn pending_challenge(
        &self,
        key: &PublicKey,
        nonce_signature: Option<&Signature>,
        wait: Option<Duration>,
    ) -> Result<PendingChallengeResponse, Error> {
        let wait = wait.map(|wait| {
            wait.min(Duration::from_secs(u64::from(
                signet_protocol::MAX_WAIT_SECONDS,
            )))
        });
        let query_wait = wait.map_or_else(String::new, |wait| format!("&wait={}", wait.as_secs()));
        let path = format!(
            "/client/user-authenticators/push/challenge?publicKey={}{query_wait}",
            key.to_query()
        );
        let mut http = self.request(Method::GET, &path);
        if let Some(signature) = nonce_signature {
            let value = HeaderValue::from_str(&signature.to_base64())
                .map_err(|_| Error::Protocol(signet_protocol::Error::InvalidSignature))?;
            http = http.header(SIGNATURE_HEADER, value);
        }
        if let Some(wait) = wait {
            http = http.timeout(self.options.request_timeout + wait);
        }
        self.send("get challenge", http).await
    }

    /// 3.5 answer challenge (approve or deny, signed over the `challengeId`).
    pub async fn answer_challenge(
        &self,
        request: &AnswerChallengeRequest,
    ) -> Result<AnswerChallengeResponse, Error> {
        let path = "/client/user-authenticators/push/challenge";
        let http = self.request(Method::POST, path).json(request);
        self.send("answer challenge", http).await
    }

    /// 3.6a update nonce.
    pub async fn update_nonce(&self, key: &PublicKey) -> Result<UpdateNonceResponse, Error> {
        let path = format!(
            "/client/user-authenticators/push/sign?publicKey={}",
            key.to_query()
        );
        self.send("update nonce", self.request(Method::POST, &path))
            .await
    }

    /// 3.6b update credential (push token, `resetExpiry`).
    pub async fn update_credential(
        &self,
        request: &UpdateCredentialRequest,
    ) -> Result<UpdateCredentialResponse, Error> {
        let path = "/client/user-authenticators/push";
        let http = self.request(Method::PATCH, path).json(request);
        self.send("update credential", http).await
    }

    /// A request to `path` with the tenant's Basic auth.
    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.request_as(method, path, self.tenant_header.clone())
    }

    /// A request to `path` with its `Authorization` header.
    fn request_as(
        &self,
        method: Method,
        path: &str,
        authorization: HeaderValue,
    ) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .header(ACCEPT, "application/json")
            .header(AUTHORIZATION, authorization)
    }

    /// Sends one call and reads its bounded JSON answer; a non-200 is a typed error.
    async fn send<T: DeserializeOwned>(
        &self,
        call: &'static str,
        request: reqwest::RequestBuilder,
    ) -> Result<T, Error> {
        let response = request.send().await.map_err(map_reqwest)?;
        let status = response.status();
        tracing::debug!(call, status = status.as_u16(), "device call answered");
        let bytes = read_limited(response, self.options.max_response_bytes).await?;
        if status != StatusCode::OK {
            return Err(server_error(status, &bytes));
        }
        serde_json::from_slice(&bytes).map_err(|error| Error::InvalidResponse {
            call,
            reason: error.to_string(),
        })
    }
}

/// Reads a body, refusing more than `limit` bytes.
async fn read_limited(mut response: reqwest::Response, limit: usize) -> Result<Vec<u8>, Error> {
    if response
        .content_length()
        .is_some_and(|length| length > limit as u64)
    {
        return Err(Error::ResponseTooLarge { limit });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(map_reqwest)? {
        if body.len() + chunk.len() > limit {
            return Err(Error::ResponseTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The typed error of a non-200 answer (docs/protocol.md section 7).
fn server_error(status: StatusCode, bytes: &[u8]) -> Error {
    match serde_json::from_slice::<ErrorBody>(bytes) {
        Ok(body) => Error::Server {
            status: status.as_u16(),
            code: body.code(),
            error: body.error,
            description: body.error_description,
        },
        Err(_) => Error::Server {
            status: status.as_u16(),
            code: (status == StatusCode::TOO_MANY_REQUESTS).then_some(ErrorCode::RateLimited),
            error: status.canonical_reason().unwrap_or("error").to_owned(),
            description: None,
        },
    }
}

/// Maps the HTTP client's errors: timeouts apart, the rest is the network.
/// A transport error, without its URL: the URLs of 3.2, 3.4 and 3.6a carry the device's
/// public key, which stays out of errors and logs.
fn map_reqwest(source: reqwest::Error) -> Error {
    if source.is_timeout() {
        Error::Timeout
    } else {
        Error::Network {
            source: source.without_url(),
        }
    }
}

/// Outside Apple targets reqwest is built without a rustls provider: `ring` is installed as the
/// process default, unless the program installed another first (a process that also links
/// the server may have aws-lc in the same rustls).
#[cfg(not(target_vendor = "apple"))]
fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
    });
}

/// Apple targets use Security.framework (native-tls): nothing to install.
#[cfg(target_vendor = "apple")]
fn install_crypto_provider() {}
