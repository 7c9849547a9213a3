//! The router: every route of the protocol under `/v1`, and the layers around them (body
//! limit, CORS, panic guard, request log, section-7 fallbacks).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use signet_protocol::clock::Clock;
use tokio::sync::watch;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::CorsLayer;

use crate::Error;
use crate::api::{device, initiator, server};
use crate::config::RateLimits;
use crate::extract::BODY_LIMIT;
use crate::notify::Notifier;
use crate::push::delivery::Delivery;
use crate::secrets::TokenKey;
use crate::store::Store;
use crate::throttle::AddressThrottle;

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The storage.
    pub(crate) store: Store,
    /// Long-poll wake-ups.
    pub(crate) notifier: Arc<Notifier>,
    /// Whether `wait=` holds requests.
    pub(crate) long_poll: bool,
    /// Per-user challenge limits.
    pub(crate) rate_limits: RateLimits,
    /// The clock.
    pub(crate) clock: Arc<dyn Clock>,
    /// Turns `true` when the server shuts down, releasing long-polls.
    pub(crate) shutting_down: watch::Receiver<bool>,
    /// API requests received since the start.
    pub(crate) requests: Arc<AtomicU64>,
    /// Nonces (3.4a, 3.6a) per client address.
    pub(crate) nonce_throttle: Arc<AddressThrottle>,
    /// The key the tenants' token keys derive from (never in the database).
    pub(crate) token_key: Arc<TokenKey>,
    /// Wake-ups on challenge creation (8.6).
    pub(crate) delivery: Delivery,
}

impl AppState {
    /// Now, Unix milliseconds.
    pub(crate) fn now(&self) -> i64 {
        self.clock.now_ms()
    }
}

/// The whole HTTP application.
pub(crate) fn router(state: AppState) -> Router {
    let push = "/client/user-authenticators/push";
    let api = Router::new()
        // Section 3: the device API.
        .route(
            push,
            post(device::add_credential)
                .get(device::credential)
                .patch(device::update_credential),
        )
        .route(&format!("{push}/remove"), post(device::remove_credential))
        .route(
            &format!("{push}/challenge/sign"),
            post(device::challenge_nonce),
        )
        .route(
            &format!("{push}/challenge"),
            get(device::pending_challenge).post(device::answer_challenge),
        )
        .route(&format!("{push}/sign"), post(device::update_nonce))
        // authsignal-android sends 3.6a here (authsignal-ios and docs/protocol.md: `/push/sign`).
        .route(&format!("{push}/update/sign"), post(device::update_nonce))
        // Section 4: the initiator API.
        .route("/client/challenge/push", post(initiator::start_challenge))
        .route("/client/verify/push", post(initiator::verify))
        // Section 5: the server API.
        .route("/users/{user_id}", get(server::user))
        .route(
            "/users/{user_id}/authenticators",
            get(server::authenticators),
        )
        .route(
            "/users/{user_id}/authenticators/{authenticator_id}",
            delete(server::delete_authenticator),
        )
        .route("/users/{user_id}/actions/{action}", post(server::track))
        .route(
            "/users/{user_id}/actions/{action}/{idempotency_key}",
            get(server::action).patch(server::update_action),
        )
        .route("/validate", post(server::validate))
        .route_layer(middleware::from_fn_with_state(state.clone(), log_request))
        .method_not_allowed_fallback(|| async { Error::MethodNotAllowed });

    Router::new()
        .nest("/v1", api)
        .fallback(|| async { Error::NotFound { what: "route" } })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(CorsLayer::permissive())
        .layer(CatchPanicLayer::custom(|_| {
            Error::Io(std::io::Error::other("a handler panicked")).into_response()
        }))
        .with_state(state)
}

/// Counts API requests and logs method, route pattern (never the query or path values: they
/// hold keys and user ids), status and duration.
async fn log_request(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "<unmatched>".to_owned(), |path| path.as_str().to_owned());
    let started = Instant::now();
    state.requests.fetch_add(1, Ordering::Relaxed);
    let response = next.run(request).await;
    tracing::info!(
        %method,
        %route,
        status = response.status().as_u16(),
        elapsed_ms = started.elapsed().as_millis(),
        "request"
    );
    response
}
