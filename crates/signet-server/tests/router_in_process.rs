//! `RunningServer::router` (feature `test-util`): the router driven in process with
//! `oneshot` is the one the socket serves, with the same store and any extra routes.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::get;
use common::Harness;
use reqwest::Method;
use serde_json::Value;
use signet_server::Config;
use tower::ServiceExt as _;

/// One request through the router in process: status and JSON body (`Null` when not JSON).
async fn oneshot(h: &Harness, method: &str, path: &str, auth: Option<&str>) -> (StatusCode, Value) {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json");
    if let Some(auth) = auth {
        request = request.header("authorization", auth);
    }
    let request = request.body(Body::from("{}")).expect("a valid request");
    let Ok(response) = h.server.router().oneshot(request).await;
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("a body");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn an_action_tracked_in_process_is_seen_over_the_socket() {
    let h = Harness::start().await;
    let secret = h.secret_auth();
    let (status, tracked) =
        oneshot(&h, "POST", "/v1/users/alice/actions/signIn", Some(&secret)).await;
    assert_eq!(status, StatusCode::OK, "body: {tracked}");
    let key = tracked["idempotencyKey"]
        .as_str()
        .expect("an idempotency key");
    let seen = h
        .call(
            Method::GET,
            &format!("/users/alice/actions/signIn/{key}"),
            Some(&secret),
            None,
        )
        .await
        .ok();
    assert_eq!(seen["state"], "CHALLENGE_REQUIRED", "body: {seen}");
}

#[tokio::test]
async fn the_router_in_process_holds_the_extra_routes_and_answers_refusals_with_the_section_7_body()
{
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("a loopback port");
    let server = signet_server::spawn_with_routes(listener, Config::default(), |info| {
        let tenant = info.tenant_id.clone();
        axum::Router::new().route("/extra", get(move || async move { tenant }))
    })
    .await
    .expect("server starts");
    let Ok(response) = server
        .router()
        .oneshot(Request::get("/extra").body(Body::empty()).expect("request"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(response.into_body(), 1024)
        .await
        .expect("a body");
    assert_eq!(bytes, server.tenant_id.as_bytes());
    let h = Harness::start().await;
    let (status, body) = oneshot(&h, "GET", "/v1/no/such/route", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "invalid_request", "body: {body}");
    let (status, body) = oneshot(
        &h,
        "POST",
        "/v1/client/user-authenticators/push",
        Some("Bearer not-a-token"),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "unauthorized", "body: {body}");
}
