//! The relying-party demo: the page at `/demo/` and the backend routes it needs.
//!
//! The demo is a relying party like any other: its backend holds the tenant's secret key and
//! calls the server API of protocol.md section 5 over HTTP (`track`, `validate`), and its page
//! runs the initiator side of section 4 with Authsignal's browser SDK. Nothing here reaches
//! into the server's storage, so the same routes would work against Authsignal's hosted API.
//!
//! [`router`] holds these routes under `/demo`; merge it into the server's router:
//!
//! | route | body | answer |
//! |---|---|---|
//! | `GET /` | | the built page (`index.html` of [`DemoConfig::dist_dir`]), or a page saying how to build it |
//! | `GET /assets/...` | | the page's scripts and styles |
//! | `GET /api/config` | | `{tenantId, baseUrl, issuer, challengeLifetimeSeconds}` |
//! | `POST /api/enroll` | `{userId}` | `{userId, link, expiresAt}`: a fresh link of section 8.1 |
//! | `POST /api/sign-in` | `{userId, numberMatching?}` | `{action, isEnrolled, token?, idempotencyKey}` |
//! | `POST /api/payment` | `{userId, amount, merchant, numberMatching?}` | as sign-in |
//! | `POST /api/validate` | `{token, userId?, action?}` | the server's `validate` answer |
//!
//! Every refusal has the error shape of section 7 and words a person can read; bad input is a
//! 4xx, a push server that cannot be reached or refuses the secret key is a 502, never a 500.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::json;
use signet_protocol::{
    EnrollmentLink, ErrorBody, ErrorCode, TrackAttributes, TrackResponse, ValidateRequest,
    ValidateResponse,
};
use tower_http::services::ServeDir;
use url::Url;

/// The action tracked to enroll a device (with scope `add:authenticators`).
pub const ENROLL_ACTION: &str = "addAuthenticator";
/// The action tracked by "Sign in".
pub const SIGN_IN_ACTION: &str = "signIn";
/// The action tracked by "Approve a payment".
pub const PAYMENT_ACTION: &str = "approvePayment";

/// Where the built page is by default: `demo/dist` beside this crate's `Cargo.toml`.
pub const DEFAULT_DIST_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/demo/dist");

/// The track token's lifetime (protocol.md section 6).
const TRACK_TOKEN_LIFETIME: Duration = Duration::from_secs(600);
/// How long one call to the push server may take.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest request body the demo routes read.
const BODY_LIMIT: usize = 16 * 1024;
/// The longest user id, amount, merchant and token the routes accept.
const MAX_USER_ID: usize = 128;
const MAX_AMOUNT: usize = 32;
const MAX_MERCHANT: usize = 64;
const MAX_TOKEN: usize = 4096;

/// A path segment: everything but RFC 3986 unreserved characters is percent-encoded.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// What the demo needs to know: where the push server is, as whom to call it, and where the
/// built page is.
#[derive(Clone)]
pub struct DemoConfig {
    /// The server API's base URL as the demo backend reaches it, ending in `/v1`
    /// (e.g. `http://127.0.0.1:4000/v1`).
    pub api_url: Url,
    /// The base URL a device uses, put into enrollment links (e.g. `http://10.0.2.2:4000/v1`
    /// for an Android emulator). The page's SDK uses this URL's path on the page's own origin.
    pub public_url: Url,
    /// The tenant id (goes to the page and into links).
    pub tenant_id: String,
    /// The tenant's secret key (stays in the backend; redacted in `Debug`).
    pub secret_key: String,
    /// The service name the phone shows for accounts enrolled here.
    pub issuer: String,
    /// How long the server keeps a push challenge open (the page's countdown).
    pub challenge_lifetime: Duration,
    /// The folder with the built page (`npm run build` in `demo/`).
    pub dist_dir: PathBuf,
}

impl DemoConfig {
    /// A configuration for a server reached at `base_url` (ending in `/v1`) by both the demo
    /// backend and devices, with the page in [`DEFAULT_DIST_DIR`], issuer "Signet demo" and
    /// 2-minute challenges.
    pub fn new(base_url: Url, tenant_id: impl Into<String>, secret_key: impl Into<String>) -> Self {
        Self {
            api_url: base_url.clone(),
            public_url: base_url,
            tenant_id: tenant_id.into(),
            secret_key: secret_key.into(),
            issuer: "Signet demo".to_owned(),
            challenge_lifetime: Duration::from_secs(120),
            dist_dir: PathBuf::from(DEFAULT_DIST_DIR),
        }
    }
}

impl DemoConfig {
    /// The demo of a server listening on `addr` whose devices use `public_base_url` (ends in
    /// `/v1`; when it is not a URL, the listener's own address is used). The backend calls the
    /// server on loopback when it listens on all interfaces.
    pub fn for_listener(
        addr: SocketAddr,
        public_base_url: &str,
        tenant_id: impl Into<String>,
        secret_key: impl Into<String>,
    ) -> Self {
        let api_url = listener_url(addr, "/v1");
        let public_url = Url::parse(public_base_url).unwrap_or_else(|_| api_url.clone());
        Self {
            public_url,
            ..Self::new(api_url, tenant_id, secret_key)
        }
    }
}

/// The demo page's address on a server listening on `addr`, for people to open
/// (loopback when it listens on all interfaces).
pub fn page_url(addr: SocketAddr) -> Url {
    listener_url(addr, "/demo/")
}

/// `http://<addr><path>`, with an unspecified address (`0.0.0.0`, `::`) replaced by loopback.
fn listener_url(addr: SocketAddr, path: &str) -> Url {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    let text = format!("http://{}{path}", SocketAddr::new(ip, addr.port()));
    Url::parse(&text).expect("a socket address and an absolute path make a valid http URL")
}

impl fmt::Debug for DemoConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DemoConfig")
            .field("api_url", &self.api_url.as_str())
            .field("public_url", &self.public_url.as_str())
            .field("tenant_id", &self.tenant_id)
            .field("secret_key", &"<redacted>")
            .field("issuer", &self.issuer)
            .field("challenge_lifetime", &self.challenge_lifetime)
            .field("dist_dir", &self.dist_dir)
            .finish()
    }
}

/// The demo's shared state: its configuration, one HTTP client for the push server, and the
/// static files of the built page.
struct Demo {
    config: DemoConfig,
    http: reqwest::Client,
    assets: ServeDir,
}

/// The demo's routes, all under `/demo` (the page at both `/demo` and `/demo/`), to be merged
/// into the server's router with `Router::merge`.
pub fn router(config: DemoConfig) -> Router {
    let http = reqwest::Client::builder()
        .timeout(UPSTREAM_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_default();
    // No index pages for folders: the page has its own routes, and `ServeDir`'s redirect to
    // `<folder>/` would drop the `/demo` prefix (it sees the path inside the nest).
    let assets = ServeDir::new(&config.dist_dir).append_index_html_on_directories(false);
    let demo = Arc::new(Demo {
        config,
        http,
        assets,
    });
    let api = Router::new()
        .route("/config", get(config_route))
        .route("/enroll", post(enroll_route))
        .route("/sign-in", post(sign_in_route))
        .route("/payment", post(payment_route))
        .route("/validate", post(validate_route))
        .fallback(|| async { Refusal::not_found() })
        .method_not_allowed_fallback(|| async { Refusal::method_not_allowed() })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(Arc::clone(&demo));
    let demo_routes = Router::new()
        .route("/", get(page_route))
        .route("/index.html", get(page_route))
        .nest("/api", api)
        .fallback(asset_route)
        .method_not_allowed_fallback(|| async { Refusal::method_not_allowed() })
        .with_state(Arc::clone(&demo));
    // `nest` matches `/demo` but not `/demo/`, the address people are given.
    Router::new()
        .route("/demo/", get(page_route))
        .method_not_allowed_fallback(|| async { Refusal::method_not_allowed() })
        .with_state(demo)
        .nest("/demo", demo_routes)
}

// --- The page -----------------------------------------------------------------------------

/// `GET /`: the built page, read on each request so a rebuild needs no restart.
async fn page_route(State(demo): State<Arc<Demo>>) -> Response {
    let index = demo.config.dist_dir.join("index.html");
    match tokio::fs::read_to_string(&index).await {
        Ok(html) => ([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response(),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Html(not_built_page(&demo.config.dist_dir)),
        )
            .into_response(),
    }
}

/// Any other path: a file of the built page (`assets/...`), or the demo's own 404.
///
/// `ServeDir` turns file-system errors other than "not found" into a bare 500 and an error log
/// line (for example ENAMETOOLONG for a path segment over 255 bytes), which anyone could
/// request over and over. Here every path that names no servable file is a section-7 404 and
/// logs nothing above debug; a method other than GET or HEAD is a 405 when the file exists.
async fn asset_route(State(demo): State<Arc<Demo>>, request: Request) -> Response {
    let mut assets = demo.assets.clone();
    if request.method() == Method::GET || request.method() == Method::HEAD {
        return match assets.try_call(request).await {
            Ok(response) if is_servable(response.status()) => response.map(Body::new),
            Ok(_) => Refusal::not_found().into_response(),
            Err(error) => {
                // The kind only: the path is the caller's text.
                tracing::debug!(kind = ?error.kind(), "demo file not served");
                Refusal::not_found().into_response()
            }
        };
    }
    // Another method: 405 for a file that is there, 404 for one that is not.
    let mut probe = Request::new(Body::empty());
    *probe.method_mut() = Method::HEAD;
    probe.uri_mut().clone_from(request.uri());
    match assets.try_call(probe).await {
        Ok(response) if is_servable(response.status()) => {
            let mut refusal = Refusal::method_not_allowed().into_response();
            refusal
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            refusal
        }
        Ok(_) | Err(_) => Refusal::not_found().into_response(),
    }
}

/// Whether a `ServeDir` status is an answer about a file that is there: a success, a
/// redirect or "not modified", or a refused precondition or range of an existing file.
fn is_servable(status: StatusCode) -> bool {
    status.is_success()
        || status.is_redirection()
        || status == StatusCode::PRECONDITION_FAILED
        || status == StatusCode::RANGE_NOT_SATISFIABLE
}

/// The page shown when the demo has not been built: what to run.
fn not_built_page(dist_dir: &Path) -> String {
    let dist = escape_html(&dist_dir.display().to_string());
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"color-scheme\" content=\"light dark\">\
         <title>Signet demo: not built yet</title></head>\
         <body style=\"font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; \
         padding: 0 1rem; line-height: 1.5\">\
         <h1>The demo page is not built yet</h1>\
         <p>signet-server looked for it in <code>{dist}</code> and found no <code>index.html</code>.</p>\
         <p>Build it (Node.js 20 or newer), then reload this page:</p>\
         <pre>cd crates/signet-server/demo\nnpm ci\nnpm run build</pre>\
         <p>Or start the server with <code>--demo-dir</code> pointing at a folder that holds a built page.</p>\
         </body></html>\n"
    )
}

/// Escapes text for HTML.
fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

// --- The backend routes -------------------------------------------------------------------

/// Answer of `GET /api/config`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ConfigReply {
    tenant_id: String,
    base_url: String,
    issuer: String,
    challenge_lifetime_seconds: u64,
}

/// `GET /api/config`: what the page needs to start the SDK. The SDK calls the push server on
/// the page's own origin, at the path of the public base URL.
async fn config_route(State(demo): State<Arc<Demo>>) -> Json<ConfigReply> {
    let config = &demo.config;
    Json(ConfigReply {
        tenant_id: config.tenant_id.clone(),
        base_url: config.public_url.path().trim_end_matches('/').to_owned(),
        issuer: config.issuer.clone(),
        challenge_lifetime_seconds: config.challenge_lifetime.as_secs(),
    })
}

/// Body of `POST /api/enroll`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct EnrollBody {
    user_id: String,
}

/// Answer of `POST /api/enroll`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EnrollReply {
    user_id: String,
    link: String,
    expires_at: u64,
}

/// `POST /api/enroll`: a fresh `add:authenticators` token, as the link of section 8.1.
async fn enroll_route(
    State(demo): State<Arc<Demo>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<EnrollReply>, Refusal> {
    let body: EnrollBody = parse_body(body)?;
    let user_id = check_user_id(&body.user_id)?;
    // 1. Track with scope add:authenticators: the token lets a device enroll for this user.
    let attributes = TrackAttributes {
        scope: Some("add:authenticators".to_owned()),
        user_agent: user_agent(&headers),
        ..TrackAttributes::default()
    };
    let tracked = demo.track(&user_id, ENROLL_ACTION, &attributes).await?;
    // 2. The link carries the base URL as the device sees it, the tenant and the token.
    let link = EnrollmentLink {
        base_url: demo.config.public_url.clone(),
        tenant_id: demo.config.tenant_id.clone(),
        token: tracked.token,
        user: Some(user_id.clone()),
        issuer: Some(demo.config.issuer.clone()),
    };
    Ok(Json(EnrollReply {
        user_id,
        link: link.to_string(),
        expires_at: unix_now().saturating_add(TRACK_TOKEN_LIFETIME.as_secs()),
    }))
}

/// Body of `POST /api/sign-in`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SignInBody {
    user_id: String,
    #[serde(default)]
    number_matching: bool,
}

/// Body of `POST /api/payment`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PaymentBody {
    user_id: String,
    amount: String,
    merchant: String,
    #[serde(default)]
    number_matching: bool,
}

/// Answer of `POST /api/sign-in` and `POST /api/payment`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TrackReply {
    action: &'static str,
    is_enrolled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<String>,
    idempotency_key: String,
}

impl TrackReply {
    /// The reply for a tracked action; the token only goes to the page when it can be used.
    fn new(action: &'static str, tracked: TrackResponse) -> Self {
        Self {
            action,
            is_enrolled: tracked.is_enrolled,
            token: tracked.is_enrolled.then_some(tracked.token),
            idempotency_key: tracked.idempotency_key,
        }
    }
}

/// `POST /api/sign-in`: tracks `signIn` (section 1 step 1), with number matching if asked (8.3).
async fn sign_in_route(
    State(demo): State<Arc<Demo>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<TrackReply>, Refusal> {
    let body: SignInBody = parse_body(body)?;
    let user_id = check_user_id(&body.user_id)?;
    let attributes = TrackAttributes {
        user_agent: user_agent(&headers),
        custom: body
            .number_matching
            .then(|| json!({ "numberMatching": true })),
        ..TrackAttributes::default()
    };
    let tracked = demo.track(&user_id, SIGN_IN_ACTION, &attributes).await?;
    Ok(Json(TrackReply::new(SIGN_IN_ACTION, tracked)))
}

/// `POST /api/payment`: tracks `approvePayment` with the amount and merchant in `custom`, which
/// the device shows.
async fn payment_route(
    State(demo): State<Arc<Demo>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<TrackReply>, Refusal> {
    let body: PaymentBody = parse_body(body)?;
    let user_id = check_user_id(&body.user_id)?;
    let amount = check_text(&body.amount, "an amount for the payment", MAX_AMOUNT)?;
    let merchant = check_text(&body.merchant, "a merchant for the payment", MAX_MERCHANT)?;
    let mut custom = json!({ "amount": amount, "merchant": merchant });
    if body.number_matching {
        custom["numberMatching"] = json!(true);
    }
    let attributes = TrackAttributes {
        user_agent: user_agent(&headers),
        custom: Some(custom),
        ..TrackAttributes::default()
    };
    let tracked = demo.track(&user_id, PAYMENT_ACTION, &attributes).await?;
    Ok(Json(TrackReply::new(PAYMENT_ACTION, tracked)))
}

/// Body of `POST /api/validate`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ValidateBody {
    token: String,
    #[serde(default)]
    user_id: Option<String>,
    #[serde(default)]
    action: Option<String>,
}

/// `POST /api/validate`: the server's `validate` (section 1 step 5) for the page's token.
async fn validate_route(
    State(demo): State<Arc<Demo>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ValidateResponse>, Refusal> {
    let body: ValidateBody = parse_body(body)?;
    let token = body.token.trim();
    if token.is_empty() || token.len() > MAX_TOKEN || token.chars().any(char::is_control) {
        return Err(Refusal::invalid(
            "The token to validate is missing or is not a token.",
        ));
    }
    let user_id = body.user_id.as_deref().map(check_user_id).transpose()?;
    let action = match body.action.as_deref() {
        None => None,
        Some(action @ (SIGN_IN_ACTION | PAYMENT_ACTION | ENROLL_ACTION)) => Some(action.to_owned()),
        Some(_) => {
            return Err(Refusal::invalid(format!(
                "The action must be {SIGN_IN_ACTION}, {PAYMENT_ACTION} or {ENROLL_ACTION}."
            )));
        }
    };
    let request = ValidateRequest {
        token: token.to_owned(),
        action,
        user_id,
    };
    let validated = demo.call("validate", Call::Validate, &request).await?;
    Ok(Json(validated))
}

// --- Calls to the push server -------------------------------------------------------------

impl Demo {
    /// `track` (section 5): `POST /users/{userId}/actions/{action}`.
    async fn track(
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
        self.call(&path, Call::Track, attributes).await
    }

    /// POSTs `body` to the server API with secret-key Basic auth and reads the answer.
    async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        what: Call,
        body: &B,
    ) -> Result<T, Refusal> {
        let api = &self.config.api_url;
        let base = api.as_str().trim_end_matches('/');
        let response = self
            .http
            .post(format!("{base}/{path}"))
            .basic_auth(&self.config.secret_key, Some(""))
            .json(body)
            .send()
            .await
            .map_err(|error| {
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

/// Which server API call the demo backend makes (for its words and its refusals).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Call {
    /// `track`: refused credentials mean the demo has the wrong secret key.
    Track,
    /// `validate`: refused credentials may mean the page's token is not a token.
    Validate,
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Track => "track",
            Self::Validate => "validate",
        })
    }
}

/// `scheme://host:port` of a URL, for messages (never its path or query).
fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// The browser's `User-Agent`, passed on so the phone can show it.
fn user_agent(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::USER_AGENT)
        .and_then(|value| value.to_str().ok())
        .map(|value| value.chars().take(512).collect())
}

/// Seconds since the Unix epoch.
fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

// --- Input ---------------------------------------------------------------------------------

/// Reads a JSON body, or says in words what is wrong with it.
fn parse_body<T: DeserializeOwned>(body: Result<Bytes, BytesRejection>) -> Result<T, Refusal> {
    let bytes = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Refusal::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::InvalidRequest,
                format!("The request body is larger than {BODY_LIMIT} bytes."),
            )
        } else {
            Refusal::invalid("The request body could not be read.")
        }
    })?;
    if bytes.is_empty() {
        return Err(Refusal::invalid(
            "The request has no body; send a JSON object.",
        ));
    }
    serde_json::from_slice(&bytes).map_err(|error| {
        let problem = match error.classify() {
            serde_json::error::Category::Data => format!("it has the wrong fields: {error}"),
            _ => "it is not valid JSON".to_owned(),
        };
        Refusal::invalid(format!("The request body was not understood: {problem}."))
    })
}

/// A user id: trimmed, 1 to 128 characters, no control characters.
fn check_user_id(text: &str) -> Result<String, Refusal> {
    check_text(text, "a user id", MAX_USER_ID)
}

/// A trimmed text of 1 to `max` characters without control characters; `what` names it.
fn check_text(text: &str, what: &str, max: usize) -> Result<String, Refusal> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Refusal::invalid(format!("Enter {what}.")));
    }
    if text.chars().count() > max {
        return Err(Refusal::invalid(format!(
            "Enter {what} of at most {max} characters."
        )));
    }
    if text.chars().any(char::is_control) {
        return Err(Refusal::invalid(format!(
            "Enter {what} without control characters (such as line breaks or tabs)."
        )));
    }
    Ok(text.to_owned())
}

// --- Refusals ------------------------------------------------------------------------------

/// A refusal: an HTTP status and the error body of section 7, with words for people.
#[derive(Debug)]
struct Refusal {
    status: StatusCode,
    body: ErrorBody,
}

impl Refusal {
    /// A refusal with one of the protocol's codes.
    fn new(status: StatusCode, code: ErrorCode, description: impl Into<String>) -> Self {
        Self {
            status,
            body: ErrorBody::new(code, description),
        }
    }

    /// Bad input: 400 `invalid_request`.
    fn invalid(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidRequest,
            description,
        )
    }

    /// The push server could not be reached or answered nonsense: 502 `push_server_unavailable`.
    fn upstream(description: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_GATEWAY,
            body: ErrorBody {
                error: "push_server_unavailable".to_owned(),
                error_code: Some("push_server_unavailable".to_owned()),
                error_description: Some(description.into()),
            },
        }
    }

    /// An unknown demo route: 404.
    fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorCode::InvalidRequest,
            "The demo has no such route.",
        )
    }

    /// A known route with the wrong method: 405.
    fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::InvalidRequest,
            "This demo route does not take that method.",
        )
    }

    /// The push server refused a call: its own words for the user's mistakes (4xx), a 502 with
    /// words for the demo's (a refused secret key) and for the server's failures (5xx).
    fn from_upstream(status: StatusCode, body: Option<ErrorBody>, what: Call) -> Self {
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
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_id_is_trimmed_and_bounded() {
        assert_eq!(check_user_id("  alice  ").ok().as_deref(), Some("alice"));
        assert!(check_user_id("   ").is_err());
        assert!(check_user_id(&"a".repeat(129)).is_err());
        assert!(check_user_id("a\nb").is_err());
        assert!(check_user_id(&"é".repeat(128)).is_ok());
    }

    #[test]
    fn the_not_built_page_escapes_the_folder_name() {
        let page = not_built_page(Path::new("/tmp/<dist>"));
        assert!(page.contains("/tmp/&lt;dist&gt;"));
        assert!(page.contains("npm run build"));
    }

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
