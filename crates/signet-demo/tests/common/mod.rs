//! Shared test helpers: a real push server on loopback (real SQLite) serving the demo's
//! routes beside its API on the same port, as `signet-server --demo` does, and a client.

#![allow(dead_code, missing_docs)]

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;
use signet_demo::DemoConfig;
use signet_server::{Config, RunningServer};
use url::Url;

/// A server with the demo, and a client.
pub struct Demo {
    pub server: RunningServer,
    pub http: reqwest::Client,
}

/// An answer: status, headers and JSON body (`Value::Null` when not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Answer {
    /// Asserts a section-7 refusal with this status and code, with words for people.
    #[track_caller]
    pub fn refused(&self, status: u16, code: &str) -> &str {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text);
        assert_eq!(self.body["error"], code, "body: {}", self.text);
        assert_eq!(self.body["errorCode"], code, "body: {}", self.text);
        let words = self.body["errorDescription"].as_str().unwrap_or_default();
        assert!(words.len() > 10, "no words: {}", self.text);
        words
    }
}

/// The demo's configuration for a started server, as the binary makes it.
pub fn demo_config(info: &signet_server::ServerInfo) -> DemoConfig {
    let api = Url::parse(&info.base_url).expect("the server's base URL");
    DemoConfig {
        challenge_lifetime: info.tenant_settings.challenge_lifetime,
        ..DemoConfig::new(api, &info.tenant_id, &info.secret_key)
    }
}

impl Demo {
    pub async fn start() -> Self {
        Self::start_with(Config::default(), |_| {}).await
    }

    /// A server with `config` whose demo configuration `change` adjusts.
    pub async fn start_with(config: Config, change: impl FnOnce(&mut DemoConfig)) -> Self {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("a loopback port");
        let server = signet_server::spawn_with_routes(listener, config, |info| {
            let mut demo = demo_config(info);
            change(&mut demo);
            signet_demo::router(demo)
        })
        .await
        .expect("server starts");
        Self {
            server,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.server.addr)
    }

    pub async fn request(&self, method: reqwest::Method, path: &str) -> Answer {
        answer(
            self.http
                .request(method, self.url(path))
                .send()
                .await
                .expect("the server answers"),
        )
        .await
    }

    pub async fn post_raw(&self, path: &str, body: impl Into<reqwest::Body>) -> Answer {
        let response = self
            .http
            .post(self.url(path))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("the server answers");
        answer(response).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Answer {
        self.post_raw(path, body.to_string()).await
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.request(reqwest::Method::GET, path).await
    }
}

pub async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.expect("a body");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        body,
        text,
    }
}

/// A folder holding a built page: `index.html` and `assets/app.js`.
pub fn built_page() -> tempfile::TempDir {
    let dist = tempfile::tempdir().expect("temp dir");
    let assets = dist.path().join("assets");
    std::fs::create_dir(&assets).expect("assets dir");
    std::fs::write(assets.join("app.js"), "console.log('demo');").expect("file");
    std::fs::write(dist.path().join("index.html"), "<!doctype html>").expect("file");
    dist
}
