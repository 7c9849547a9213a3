//! Signet's relying-party demo: a sign-in page and the backend routes it needs, served under
//! `/demo`.
//!
//! The demo is a relying party like any other: its backend holds the tenant's secret key and
//! calls the push server's API of `docs/protocol.md` section 5 over HTTP (`track` with scope
//! `add:authenticators` for enrollment links, `track` for sign-ins and payments, `validate`,
//! list authenticators), and its page runs the initiator side of section 4 with Authsignal's
//! browser SDK. Nothing here reaches into the server's storage, so the same routes work
//! against Authsignal's hosted API.
//!
//! [`router`] holds these routes under `/demo`; merge it into the router of the server that
//! serves the page (the `signet-server` binary does with `--demo`):
//!
//! | route | body | answer |
//! |---|---|---|
//! | `GET /` | | the built page (`index.html` of [`DemoConfig::dist_dir`]), or a page saying how to build it |
//! | `GET /assets/...` | | the page's scripts and styles |
//! | `GET /api/config` | | `{tenantId, baseUrl, issuer, challengeLifetimeSeconds}` |
//! | `POST /api/enroll` | `{userId}` | `{userId, link, expiresAt, devices}`: a fresh link of section 8.1 |
//! | `POST /api/devices` | `{userId}` | `{userId, devices}`: how many devices the user has enrolled |
//! | `POST /api/sign-in` | `{userId, numberMatching?}` | `{action, isEnrolled, token?, idempotencyKey}` |
//! | `POST /api/payment` | `{userId, amount, merchant, numberMatching?}` | as sign-in |
//! | `POST /api/validate` | `{token, userId?, action?}` | the server's `validate` answer |
//!
//! # Anyone who reaches the demo can enroll a device for any user
//!
//! That is what a demo without accounts is: `POST /api/enroll` hands out an
//! `add:authenticators` link for whatever user id it is sent. Serve it only where nobody else
//! can reach it (the `signet-server` binary serves it only when asked, and only on a loopback
//! listener unless told otherwise), never with the secret key of a tenant that has real users.
//! The `/api` routes are limited per client address ([`RateLimit`]); the page says in a
//! banner that it is a demo.
//!
//! Every refusal has the error shape of section 7 and words a person can read; bad input is a
//! 4xx, a push server that cannot be reached or refuses the secret key is a 502, never a 500.

mod input;
mod page;
mod push_server;
mod rate_limit;
mod refusal;
mod routes;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{get, post};
use tower_http::services::ServeDir;
use url::Url;

pub use rate_limit::RateLimit;

use crate::rate_limit::RateLimiter;
use crate::refusal::Refusal;

/// The action tracked to enroll a device (with scope `add:authenticators`).
pub const ENROLL_ACTION: &str = "addAuthenticator";
/// The action tracked by "Sign in".
pub const SIGN_IN_ACTION: &str = "signIn";
/// The action tracked by "Approve a payment".
pub const PAYMENT_ACTION: &str = "approvePayment";

/// Where the built page is by default: `page/dist` beside this crate's `Cargo.toml`.
pub const DEFAULT_DIST_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/page/dist");

/// How long one call to the push server may take.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest request body the demo routes read.
const BODY_LIMIT: usize = 16 * 1024;

/// What the demo needs to know: where the push server is, as whom to call it, and where the
/// built page is.
#[derive(Clone)]
pub struct DemoConfig {
    /// The server API's base URL as the demo backend reaches it, ending in `/v1`
    /// (e.g. `http://127.0.0.1:4000/v1`).
    pub api_base_url: Url,
    /// The base URL a device uses, put into enrollment links (e.g. `http://10.0.2.2:4000/v1`
    /// for an Android emulator). The page's SDK uses this URL's path on the page's own origin.
    pub public_base_url: Url,
    /// The tenant id (goes to the page and into links).
    pub tenant_id: String,
    /// The tenant's secret key (stays in the backend; redacted in `Debug`).
    pub secret_key: String,
    /// The service name the device shows for accounts enrolled here.
    pub issuer: String,
    /// How long the server keeps a push challenge open (the page's countdown).
    pub challenge_lifetime: Duration,
    /// The folder with the built page (`npm run build` in `page/`).
    pub dist_dir: PathBuf,
    /// How many `/api` requests one client address may make.
    pub rate_limit: RateLimit,
}

impl DemoConfig {
    /// A configuration for a server reached at `api_base_url` (ending in `/v1`) by both the
    /// demo backend and devices, with the page in [`DEFAULT_DIST_DIR`], issuer "Signet demo",
    /// 2-minute challenges and the default [`RateLimit`].
    pub fn new(
        api_base_url: Url,
        tenant_id: impl Into<String>,
        secret_key: impl Into<String>,
    ) -> Self {
        Self {
            public_base_url: api_base_url.clone(),
            api_base_url,
            tenant_id: tenant_id.into(),
            secret_key: secret_key.into(),
            issuer: "Signet demo".to_owned(),
            challenge_lifetime: Duration::from_secs(120),
            dist_dir: PathBuf::from(DEFAULT_DIST_DIR),
            rate_limit: RateLimit::default(),
        }
    }
}

impl fmt::Debug for DemoConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DemoConfig")
            .field("api_base_url", &self.api_base_url.as_str())
            .field("public_base_url", &self.public_base_url.as_str())
            .field("tenant_id", &self.tenant_id)
            .field("secret_key", &"<redacted>")
            .field("issuer", &self.issuer)
            .field("challenge_lifetime", &self.challenge_lifetime)
            .field("dist_dir", &self.dist_dir)
            .field("rate_limit", &self.rate_limit)
            .finish()
    }
}

/// The demo's shared state: its configuration, one HTTP client for the push server, the
/// static files of the built page and the per-address request counts.
struct Demo {
    config: DemoConfig,
    http: reqwest::Client,
    assets: ServeDir,
    limiter: RateLimiter,
}

/// The demo's routes, all under `/demo` (the page at both `/demo` and `/demo/`), to be merged
/// into a server's router with `Router::merge`. The `/api` routes count requests per client
/// address from axum's `ConnectInfo<SocketAddr>` (serve with
/// `into_make_service_with_connect_info`); requests without it (in process) share one count.
pub fn router(config: DemoConfig) -> Router {
    let http = reqwest::Client::builder()
        .timeout(UPSTREAM_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_default();
    // No index pages for folders: the page has its own routes, and `ServeDir`'s redirect to
    // `<folder>/` would drop the `/demo` prefix (it sees the path inside the nest).
    let assets = ServeDir::new(&config.dist_dir).append_index_html_on_directories(false);
    let limiter = RateLimiter::new(config.rate_limit);
    let demo = Arc::new(Demo {
        config,
        http,
        assets,
        limiter,
    });
    let api = Router::new()
        .route("/config", get(routes::config))
        .route("/enroll", post(routes::enroll))
        .route("/devices", post(routes::devices))
        .route("/sign-in", post(routes::sign_in))
        .route("/payment", post(routes::payment))
        .route("/validate", post(routes::validate))
        .fallback(|| async { Refusal::not_found() })
        .method_not_allowed_fallback(|| async { Refusal::method_not_allowed() })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&demo),
            rate_limit::limit,
        ))
        .with_state(Arc::clone(&demo));
    let demo_routes = Router::new()
        .route("/", get(page::page))
        .route("/index.html", get(page::page))
        .nest("/api", api)
        .fallback(page::asset)
        .method_not_allowed_fallback(|| async { Refusal::method_not_allowed() })
        .with_state(Arc::clone(&demo));
    // `nest` matches `/demo` but not `/demo/`, the address people are given.
    Router::new()
        .route("/demo/", get(page::page))
        .method_not_allowed_fallback(|| async { Refusal::method_not_allowed() })
        .with_state(demo)
        .nest("/demo", demo_routes)
}
