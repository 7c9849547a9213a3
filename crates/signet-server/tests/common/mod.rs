//! Shared test helpers: a real server on loopback (the library API) with a manual clock, and
//! the test kit's relying party, HTTP client and raw devices (real P-256 keys) around it.

#![allow(dead_code, missing_docs)]

pub mod replica;

use std::sync::Arc;

use reqwest::Method;
use serde_json::{Value, json};
use signet_protocol::clock::{Clock as _, ManualClock};
use signet_server::{Config, RunningServer};
pub use signet_testkit::{Answer, Device, secret_basic};
use signet_testkit::{Api, Rp};

/// A running server, its manual clock, a client of its API and its relying party.
pub struct Harness {
    pub server: RunningServer,
    pub clock: ManualClock,
    pub api: Api,
    pub rp: Rp,
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
        let api = Api::new(&server.base_url, std::time::Duration::from_secs(120)).expect("client");
        let rp = Rp::on(api.clone(), &server.tenant_id, &server.secret_key);
        Self {
            server,
            clock,
            api,
            rp,
        }
    }

    /// The server's (manual) time, Unix milliseconds.
    pub fn clock_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    pub fn url(&self, path: &str) -> String {
        self.api.url(path)
    }

    /// The HTTP client.
    pub fn http(&self) -> &reqwest::Client {
        self.api.http()
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
        self.api
            .call(method, path, auth, body.as_ref())
            .await
            .expect("request is answered")
    }

    /// `track` for a user and action with these attributes; asserts a 200.
    pub async fn track(&self, user: &str, action: &str, attributes: Value) -> Value {
        self.rp
            .track_answer(user, action, &attributes)
            .await
            .expect("request is answered")
            .ok()
    }

    /// A token that may enroll a device for `user`.
    pub async fn enroll_token(&self, user: &str) -> String {
        self.rp
            .enrollment_token(user)
            .await
            .expect("enrollment token")
    }

    /// A new device enrolled for `user`.
    pub async fn enrolled_device(&self, user: &str) -> Device {
        Device::enrolled(&self.rp, user).await
    }

    /// `track signIn` for `user`: `(token, idempotencyKey)`.
    pub async fn sign_in(&self, user: &str, attributes: Value) -> (String, String) {
        let tracked = self
            .rp
            .track(user, "signIn", &attributes)
            .await
            .expect("tracked");
        (tracked.token, tracked.idempotency_key)
    }

    /// `POST /client/challenge/push` with a track token.
    pub async fn start_challenge(&self, token: &str, body: Value) -> Answer {
        self.rp
            .start_challenge_answer(token, &body)
            .await
            .expect("request is answered")
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
        self.rp
            .verify_answer(token, challenge_id, None)
            .await
            .expect("request is answered")
    }

    /// `GET /users/{user}/actions/signIn/{key}`.
    pub async fn action(&self, user: &str, key: &str) -> Value {
        self.rp
            .action_answer(user, key)
            .await
            .expect("request is answered")
            .ok()
    }

    /// `POST /validate`.
    pub async fn validate(&self, token: &str) -> Answer {
        self.rp
            .validate_answer(token)
            .await
            .expect("request is answered")
    }

    /// A device of `user` enrolled on `platform`, with `push_token` if given
    /// (docs/protocol.md 3.1, 8.6).
    pub async fn enrolled_with(
        &self,
        user: &str,
        platform: &str,
        push_token: Option<&str>,
    ) -> Device {
        let device = Device::new(&self.server.tenant_id);
        let token = self.enroll_token(user).await;
        let mut body = json!({"publicKey": device.pk(), "devicePlatform": platform});
        if let Some(push_token) = push_token {
            body["pushToken"] = push_token.into();
        }
        let enrolled = self
            .call(
                Method::POST,
                "/client/user-authenticators/push",
                Some(&format!("Bearer {token}")),
                Some(body),
            )
            .await
            .ok();
        Device {
            authenticator_id: enrolled["userAuthenticatorId"]
                .as_str()
                .expect("id")
                .to_owned(),
            ..device
        }
    }

    /// A sign-in for `user` with an IP address, a user agent and custom data that a wake-up
    /// must not carry: `(track token, challenge-push answer)`.
    pub async fn sign_in_with_login_details(&self, user: &str) -> (String, Value) {
        let (token, _) = self
            .sign_in(
                user,
                json!({"ipAddress": "203.0.113.77", "userAgent": "LeakyBrowser/1.0",
                       "custom": {"amount": "97.31"}}),
            )
            .await;
        let started = self
            .start_challenge(&token, json!({"action": "signIn"}))
            .await
            .ok();
        (token, started)
    }
}
