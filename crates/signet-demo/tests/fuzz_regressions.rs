//! Inputs the `server_router` fuzz target found in the demo's static files, replayed against
//! a real push server serving the demo (loopback, real SQLite), and the files around them.

mod common;

use common::{Demo, built_page};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use signet_testkit::CapturedLogs;

/// `method url`: status and JSON body (`Null` when not JSON).
async fn request(h: &Demo, method: Method, path: &str) -> (StatusCode, Value) {
    let answer = h.request(method, path).await;
    (answer.status, answer.body)
}

/// A server whose demo serves a built page from a temporary folder holding
/// `assets/app.js`. (The file system refuses an over-long name only below a folder that
/// exists, so the page must be there for these tests to mean anything.)
async fn start_with_built_page() -> (Demo, tempfile::TempDir) {
    let dist = built_page();
    let dir = dist.path().to_owned();
    let h = Demo::start_with(signet_server::Config::default(), |config| {
        config.dist_dir = dir;
    })
    .await;
    (h, dist)
}

/// Asserts the demo's own 404: section-7 body, `invalid_request`.
#[track_caller]
fn assert_demo_not_found(status: StatusCode, body: &Value) {
    assert_eq!(status, StatusCode::NOT_FOUND, "body: {body}");
    assert_eq!(body["error"], "invalid_request", "body: {body}");
    assert!(body["errorDescription"].is_string(), "body: {body}");
}

#[tokio::test]
async fn a_demo_path_with_a_name_too_long_for_the_disk_is_not_found_and_logs_no_error() {
    // The test's runtime has one thread, so the server's tasks log to this subscriber.
    let captured = CapturedLogs::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(captured.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let (h, _dist) = start_with_built_page().await;
    // The fuzzer's input was a track token as the file name (300-odd characters).
    let name = "a".repeat(300);
    for method in [Method::GET, Method::HEAD] {
        let (status, body) = request(&h, method.clone(), &format!("/demo/{name}")).await;
        if method == Method::GET {
            assert_demo_not_found(status, &body);
        } else {
            assert_eq!(status, StatusCode::NOT_FOUND);
        }
    }
    let (status, body) = request(&h, Method::GET, &format!("/demo/assets/{name}/x.js")).await;
    assert_demo_not_found(status, &body);
    // The file system's refusal went by at debug level (so the capture works), and nothing
    // at error or warning level, nor the caller's path, was logged.
    let logs = captured.text();
    assert!(logs.contains("demo file not served"), "logs: {logs}");
    assert!(!logs.contains("ERROR"), "logs: {logs}");
    assert!(!logs.contains("WARN"), "logs: {logs}");
    assert!(!logs.contains(&name), "the logs contain the requested path");
}

#[tokio::test]
async fn a_demo_path_with_a_name_of_255_bytes_is_not_found() {
    let (h, _dist) = start_with_built_page().await;
    let name = "a".repeat(255);
    let (status, body) = request(&h, Method::GET, &format!("/demo/{name}")).await;
    assert_demo_not_found(status, &body);
}

#[tokio::test]
async fn unknown_demo_files_are_the_demos_own_404_for_every_method() {
    let (h, _dist) = start_with_built_page().await;
    for method in [Method::GET, Method::POST, Method::PUT, Method::DELETE] {
        for path in [
            "/demo/no-such-file.js",
            "/demo/assets/no-such-file.js",
            "/demo/..%2F..%2Fetc%2Fpasswd",
            "/demo/%00",
        ] {
            let (status, body) = request(&h, method.clone(), path).await;
            assert_demo_not_found(status, &body);
        }
    }
}

#[tokio::test]
async fn a_file_of_the_built_page_is_served_and_other_methods_on_it_are_refused() {
    let (h, _dist) = start_with_built_page().await;
    let url = format!("http://{}/demo/assets/app.js", h.server.addr);
    let answer = h.http.get(&url).send().await.expect("answered");
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(answer.text().await.expect("text"), "console.log('demo');");
    let (status, body) = request(&h, Method::POST, "/demo/assets/app.js").await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "body: {body}");
    assert_eq!(body["error"], "invalid_request", "body: {body}");
}

#[tokio::test]
async fn another_method_on_the_demo_page_is_the_demos_own_405() {
    // The fuzzer's input (in process): `OPTIONS /demo/?publicKey=...` answered an empty 405.
    let (h, _dist) = start_with_built_page().await;
    for path in ["/demo/", "/demo", "/demo/index.html"] {
        for method in [Method::OPTIONS, Method::POST, Method::DELETE] {
            let (status, body) = request(&h, method.clone(), path).await;
            assert_eq!(
                status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}: {body}"
            );
            assert_eq!(body["error"], "invalid_request", "{method} {path}: {body}");
        }
    }
}

#[tokio::test]
async fn a_folder_of_the_built_page_is_not_found_rather_than_a_redirect_out_of_the_demo() {
    // ServeDir redirected `/demo/assets` to `/assets/`: the path inside the nest, outside
    // the demo.
    let (h, _dist) = start_with_built_page().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    for path in ["/demo/assets", "/demo//assets", "/demo/assets/"] {
        let answer = http
            .get(format!("http://{}{path}", h.server.addr))
            .send()
            .await
            .expect("answered");
        let status = answer.status();
        assert!(
            answer.headers().get("location").is_none(),
            "{path}: {status}"
        );
        let body: Value = answer.json().await.unwrap_or(Value::Null);
        assert_demo_not_found(status, &body);
    }
}
