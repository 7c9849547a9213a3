//! One HTTP client for a server's API ([`Api`]) and its answers as they are ([`Answer`]).

use std::time::Duration;

use base64::Engine as _;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::Error;

/// The API of one server: its base URL (ending in `/v1`) and an HTTP client.
#[derive(Debug, Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
}

/// An HTTP answer: its status and JSON body (`Value::Null` when the body is not JSON).
#[derive(Debug)]
pub struct Answer {
    /// The HTTP status.
    pub status: StatusCode,
    /// The body as JSON, or `null`.
    pub body: Value,
    /// The `Retry-After` header, when there is one.
    pub retry_after: Option<String>,
}

impl Api {
    /// The API at `base` (e.g. `http://127.0.0.1:41234/v1`); every request times out after
    /// `timeout`.
    pub fn new(base: &str, timeout: Duration) -> Result<Self, Error> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|source| Error::Http {
                call: "client",
                source,
            })?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
        })
    }

    /// The base URL, without a trailing slash.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The HTTP client, for requests the helpers here do not make.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The URL of `path` (which starts with `/`) under the base URL.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A request to `path` under the base URL.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, self.url(path))
    }

    /// Sends `request` and reads its answer, whatever its status.
    pub async fn send(&self, call: &'static str, request: RequestBuilder) -> Result<Answer, Error> {
        let response = request
            .send()
            .await
            .map_err(|source| Error::Http { call, source })?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let bytes = response
            .bytes()
            .await
            .map_err(|source| Error::Http { call, source })?;
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Ok(Answer {
            status,
            body,
            retry_after,
        })
    }

    /// Any request to `path`: `auth` is the whole `Authorization` value, `body` is sent as
    /// JSON.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        auth: Option<&str>,
        body: Option<&Value>,
    ) -> Result<Answer, Error> {
        let mut request = self.request(method, path);
        if let Some(auth) = auth {
            request = request.header("Authorization", auth);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        self.send("call", request).await
    }

    /// A request with a raw body sent as `application/json`, whatever it holds.
    pub async fn call_raw(
        &self,
        method: Method,
        path: &str,
        auth: Option<&str>,
        body: impl Into<reqwest::Body>,
    ) -> Result<Answer, Error> {
        let mut request = self
            .request(method, path)
            .header("Content-Type", "application/json")
            .body(body);
        if let Some(auth) = auth {
            request = request.header("Authorization", auth);
        }
        self.send("call", request).await
    }
}

impl Answer {
    /// Asserts a 200 and returns the body (for tests).
    #[track_caller]
    pub fn ok(self) -> Value {
        assert_eq!(self.status, StatusCode::OK, "body: {}", self.body);
        self.body
    }

    /// Asserts a section-7 error with this status and code (for tests).
    #[track_caller]
    pub fn error(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
        assert_eq!(self.body["error"], code, "body: {}", self.body);
        assert_eq!(self.body["errorCode"], code, "body: {}", self.body);
        assert!(
            self.body["errorDescription"].is_string(),
            "body: {}",
            self.body
        );
    }

    /// The body as `T` when the status is a success; otherwise [`Error::Refused`].
    pub fn success<T: DeserializeOwned>(self, call: &'static str) -> Result<T, Error> {
        if !self.status.is_success() {
            return Err(Error::Refused {
                call,
                status: self.status.as_u16(),
                body: self.body,
            });
        }
        serde_json::from_value(self.body).map_err(|source| Error::Decode { call, source })
    }
}

/// `Basic base64("<secret>:")`: a relying-party backend's `Authorization` value.
pub fn secret_basic(secret: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{secret}:"))
    )
}
