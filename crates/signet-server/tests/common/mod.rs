//! Shared test helpers: a real server on loopback (the library API), an HTTP client, and
//! devices that sign with real P-256 keys, as the app would.

#![allow(dead_code, missing_docs)]

use std::sync::Arc;

use base64::Engine as _;
use p256::ecdsa::SigningKey;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use signet_protocol::{PublicKey, sign, tenant_basic_header};
use signet_server::{Config, ManualClock, RunningServer};

/// A running server, its manual clock and a client.
pub struct Harness {
    pub server: RunningServer,
    pub clock: ManualClock,
    pub http: reqwest::Client,
}

/// An HTTP answer: status and JSON body (`Value::Null` when not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
    /// The `Retry-After` header, when there is one.
    pub retry_after: Option<String>,
}

impl Answer {
    /// Asserts a 200 and returns the body.
    #[track_caller]
    pub fn ok(self) -> Value {
        assert_eq!(self.status, StatusCode::OK, "body: {}", self.body);
        self.body
    }

    /// Asserts a section-7 error with this status and code.
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
}

impl Harness {
    /// A server with the default config and a manual clock.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// A server whose config `change` adjusts (the clock is set afterwards).
    pub async fn start_with(change: impl FnOnce(&mut Config)) -> Self {
        let clock = ManualClock::starting_now();
        let mut config = Config::default();
        change(&mut config);
        config.clock = Arc::new(clock.clone());
        let server = signet_server::spawn(config).await.expect("server starts");
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(120))
            .build()
            .expect("client");
        Self {
            server,
            clock,
            http,
        }
    }

    /// The server's (manual) time, Unix milliseconds.
    pub fn clock_ms(&self) -> i64 {
        signet_server::Clock::now_ms(&self.clock)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url)
    }

    /// `Basic base64("<secret>:")`.
    pub fn secret_auth(&self) -> String {
        secret_basic(&self.server.secret_key)
    }

    /// Any request; `auth` is the whole Authorization value.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        auth: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut request = self.http.request(method, self.url(path));
        if let Some(auth) = auth {
            request = request.header("Authorization", auth);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request is answered");
        answer(response).await
    }

    /// A raw body with a content type of JSON.
    pub async fn call_raw(
        &self,
        method: Method,
        path: &str,
        auth: Option<&str>,
        body: impl Into<reqwest::Body>,
    ) -> Answer {
        let mut request = self
            .http
            .request(method, self.url(path))
            .header("Content-Type", "application/json")
            .body(body);
        if let Some(auth) = auth {
            request = request.header("Authorization", auth);
        }
        answer(request.send().await.expect("request is answered")).await
    }

    /// `track` for a user and action with these attributes.
    pub async fn track(&self, user: &str, action: &str, attributes: Value) -> Value {
        self.call(
            Method::POST,
            &format!("/users/{user}/actions/{action}"),
            Some(&self.secret_auth()),
            Some(attributes),
        )
        .await
        .ok()
    }

    /// A token that may enroll a device for `user`.
    pub async fn enroll_token(&self, user: &str) -> String {
        let tracked = self
            .track(user, "enroll", json!({ "scope": "add:authenticators" }))
            .await;
        tracked["token"].as_str().expect("token").to_owned()
    }

    /// A new device enrolled for `user`.
    pub async fn enrolled_device(&self, user: &str) -> Device {
        let device = Device::new(&self.server.tenant_id);
        let token = self.enroll_token(user).await;
        let enrolled = device.add(self, &token).await.ok();
        Device {
            authenticator_id: enrolled["userAuthenticatorId"]
                .as_str()
                .expect("id")
                .to_owned(),
            ..device
        }
    }

    /// `track signIn` for `user`: `(token, idempotencyKey)`.
    pub async fn sign_in(&self, user: &str, attributes: Value) -> (String, String) {
        let tracked = self.track(user, "signIn", attributes).await;
        (
            tracked["token"].as_str().expect("token").to_owned(),
            tracked["idempotencyKey"].as_str().expect("key").to_owned(),
        )
    }

    /// `POST /client/challenge/push` with a track token.
    pub async fn start_challenge(&self, token: &str, body: Value) -> Answer {
        self.call(
            Method::POST,
            "/client/challenge/push",
            Some(&format!("Bearer {token}")),
            Some(body),
        )
        .await
    }

    /// A challenge id from `POST /client/challenge/push`.
    pub async fn challenge(&self, token: &str) -> String {
        let started = self
            .start_challenge(token, json!({ "action": "signIn" }))
            .await
            .ok();
        started["challengeId"].as_str().expect("id").to_owned()
    }

    /// `POST /client/verify/push`.
    pub async fn verify(&self, token: &str, challenge_id: &str) -> Answer {
        self.call(
            Method::POST,
            "/client/verify/push",
            Some(&format!("Bearer {token}")),
            Some(json!({ "challengeId": challenge_id })),
        )
        .await
    }

    /// `GET /users/{user}/actions/signIn/{key}`.
    pub async fn action(&self, user: &str, key: &str) -> Value {
        self.call(
            Method::GET,
            &format!("/users/{user}/actions/signIn/{key}"),
            Some(&self.secret_auth()),
            None,
        )
        .await
        .ok()
    }

    /// `POST /validate`.
    pub async fn validate(&self, token: &str) -> Answer {
        self.call(
            Method::POST,
            "/validate",
            Some(&self.secret_auth()),
            Some(json!({ "token": token })),
        )
        .await
    }
}

async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let bytes = response.bytes().await.expect("body");
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer {
        status,
        body,
        retry_after,
    }
}

/// `Basic base64("<secret>:")`.
pub fn secret_basic(secret: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{secret}:"))
    )
}

/// A device: one P-256 key, as the app holds it.
#[derive(Clone)]
pub struct Device {
    pub key: SigningKey,
    pub public_key: PublicKey,
    pub tenant_id: String,
    pub authenticator_id: String,
}

impl Device {
    pub fn new(tenant_id: &str) -> Self {
        let key = SigningKey::random(&mut rand::rngs::OsRng);
        let public_key = PublicKey::from(key.verifying_key());
        Self {
            key,
            public_key,
            tenant_id: tenant_id.to_owned(),
            authenticator_id: String::new(),
        }
    }

    pub fn pk(&self) -> String {
        self.public_key.to_spki_base64()
    }

    pub fn basic(&self) -> String {
        tenant_basic_header(&self.tenant_id)
    }

    pub fn sign(&self, message: &str) -> String {
        sign(&self.key, message).to_base64()
    }

    /// 3.1 with `token`.
    pub async fn add(&self, h: &Harness, token: &str) -> Answer {
        h.call(
            Method::POST,
            "/client/user-authenticators/push",
            Some(&format!("Bearer {token}")),
            Some(json!({
                "publicKey": self.pk(),
                "deviceName": "Test phone",
                "devicePlatform": "linux",
            })),
        )
        .await
    }

    /// 3.4a.
    pub async fn nonce(&self, h: &Harness) -> String {
        let answer = h
            .call(
                Method::POST,
                &format!(
                    "/client/user-authenticators/push/challenge/sign?publicKey={}",
                    self.public_key.to_query()
                ),
                Some(&self.basic()),
                None,
            )
            .await
            .ok();
        answer["message"].as_str().expect("message").to_owned()
    }

    /// 3.4b signed with a fresh nonce, optionally long-polling.
    pub async fn fetch(&self, h: &Harness, wait: Option<u32>) -> Answer {
        let nonce = self.nonce(h).await;
        self.fetch_signed(h, &self.sign(&nonce), wait).await
    }

    /// 3.4b with this signature header.
    pub async fn fetch_signed(&self, h: &Harness, signature: &str, wait: Option<u32>) -> Answer {
        let wait = wait.map(|wait| format!("&wait={wait}")).unwrap_or_default();
        let url = format!(
            "/client/user-authenticators/push/challenge?publicKey={}{wait}",
            self.public_key.to_query()
        );
        let response = h
            .http
            .get(h.url(&url))
            .header("Authorization", self.basic())
            .header("X-Authsignal-Signature", signature)
            .send()
            .await
            .expect("request is answered");
        answer(response).await
    }

    /// 3.5 with any extra fields merged into the body.
    pub async fn answer(
        &self,
        h: &Harness,
        challenge_id: &str,
        approved: bool,
        extra: Value,
    ) -> Answer {
        let mut body = json!({
            "challengeId": challenge_id,
            "publicKey": self.pk(),
            "approved": approved,
            "signature": self.sign(challenge_id),
            "verificationCode": null,
        });
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        h.call(
            Method::POST,
            "/client/user-authenticators/push/challenge",
            Some(&self.basic()),
            Some(body),
        )
        .await
    }
}
