//! `/healthz` and `/readyz`, on whichever database the test run uses (SQLite, or PostgreSQL
//! with `SIGNET_TEST_POSTGRES_URL`).

#![allow(missing_docs)]

mod common;

use common::Harness;
use reqwest::StatusCode;

async fn get(h: &Harness, path: &str) -> (StatusCode, serde_json::Value) {
    let url = format!("http://{}{path}", h.server.addr);
    let response = h.http().get(url).send().await.expect("response");
    let status = response.status();
    (status, response.json().await.expect("a JSON body"))
}

#[tokio::test]
async fn a_running_server_is_healthy_and_ready() {
    let h = Harness::start().await;
    let (status, body) = get(&h, "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
    let (status, body) = get(&h, "/readyz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ready");
}

#[tokio::test]
async fn without_its_database_a_server_is_healthy_but_not_ready() {
    let h = Harness::start().await;
    h.server.store().close().await;
    let (status, body) = get(&h, "/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["status"], "unavailable");
    let (status, _) = get(&h, "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    // The API says the same as readiness: storage unavailable, retry.
    let response = h
        .http()
        .get(h.url("/users/ada"))
        .header("authorization", h.secret_auth())
        .send()
        .await
        .expect("response");
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
}
