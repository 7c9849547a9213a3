//! Health endpoints for load balancers and orchestrators, outside `/v1`: `/healthz` (the
//! process is up and serving: always 200) and `/readyz` (the database answers: 200, else
//! 503, and 503 while the server shuts down, so a balancer stops sending it requests).

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::app::AppState;

/// How long `/readyz` waits for the database before it says 503.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// `GET /healthz`: 200 `{"status": "ok"}` whenever the process answers at all.
pub(crate) async fn live() -> Response {
    (StatusCode::OK, Json(json!({ "status": "ok" }))).into_response()
}

/// `GET /readyz`: 200 `{"status": "ready"}` when the database answers a trivial query within
/// [`READY_TIMEOUT`]; 503 `{"status": "unavailable", "reason": ...}` otherwise, and while
/// the server shuts down.
pub(crate) async fn ready(State(state): State<AppState>) -> Response {
    let unavailable = |reason: &str| {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable", "reason": reason })),
        )
            .into_response()
    };
    if *state.shutting_down.borrow() {
        return unavailable("the server is shutting down");
    }
    match tokio::time::timeout(READY_TIMEOUT, state.store.ping()).await {
        Ok(Ok(())) => (StatusCode::OK, Json(json!({ "status": "ready" }))).into_response(),
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness check: the database does not answer");
            unavailable("the database does not answer")
        }
        Err(_) => unavailable("the database did not answer in time"),
    }
}
