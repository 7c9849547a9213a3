//! Inputs the `server_router` fuzz target found, replayed against a real server.

mod common;

use common::Harness;
use reqwest::Method;

#[tokio::test]
async fn a_demo_path_with_a_name_too_long_for_the_disk_is_the_demos_own_not_found() {
    let h = Harness::start().await;
    // The fuzzer's input was a track token as the file name (300-odd characters).
    let name = "a".repeat(300);
    let url = format!("http://{}/demo/{name}", h.server.addr);
    let answer = h
        .http
        .request(Method::GET, url)
        .send()
        .await
        .expect("answered");
    assert_eq!(answer.status().as_u16(), 404);
    let body: serde_json::Value = answer.json().await.expect("a JSON error body");
    assert_eq!(body["error"], "invalid_request", "{body}");
}

#[tokio::test]
async fn a_demo_path_with_a_name_of_255_bytes_is_not_found() {
    let h = Harness::start().await;
    let name = "a".repeat(255);
    let url = format!("http://{}/demo/{name}", h.server.addr);
    let answer = h
        .http
        .request(Method::GET, url)
        .send()
        .await
        .expect("answered");
    assert_eq!(answer.status().as_u16(), 404);
}
