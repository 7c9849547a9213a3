//! Shared test helpers: the real `signet-server` on loopback (its library API), a relying
//! party that drives it through its HTTP API (sections 4 and 5), and engines on memory keys.

#![allow(dead_code, missing_docs)]

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use signet_core::engine::{UserVerifier, VerificationFailed};
use signet_core::{
    Account, Engine, EngineConfig, EnrollOptions, EnrollmentLink, FixedClock, MemoryKeyStore,
    WatchOptions,
};
use signet_server::{Config, ManualClock, RunningServer, TenantSeed};

/// A server, its clock, and the engine's clock moved together.
pub struct World {
    pub server: RunningServer,
    pub server_clock: ManualClock,
    pub device_clock: FixedClock,
    pub rp: Rp,
}

impl World {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(change: impl FnOnce(&mut Config)) -> Self {
        let server_clock = ManualClock::starting_now();
        let mut config = Config::default();
        change(&mut config);
        config.clock = Arc::new(server_clock.clone());
        let server = signet_server::spawn(config).await.expect("server starts");
        let rp = Rp::new(&server.base_url, &server.tenant_id, &server.secret_key);
        let device_clock = FixedClock::at(
            u64::try_from(signet_server::Clock::now_ms(&server_clock) / 1000).expect("time"),
        );
        Self {
            server,
            server_clock,
            device_clock,
            rp,
        }
    }

    /// Moves both clocks.
    pub fn advance(&self, by: Duration) {
        self.server_clock.advance(by);
        self.device_clock.advance(by);
    }

    /// An engine on memory keys in `dir`, with this world's clock.
    pub fn engine(&self, dir: &Path, keys: Arc<MemoryKeyStore>) -> Arc<Engine> {
        self.engine_with(dir, keys, |_| {})
    }

    pub fn engine_with(
        &self,
        dir: &Path,
        keys: Arc<MemoryKeyStore>,
        change: impl FnOnce(&mut EngineConfig),
    ) -> Arc<Engine> {
        let mut config = EngineConfig::new(dir, keys);
        config.clock = Arc::new(self.device_clock.clone());
        config.device_name = Some("test device".to_owned());
        config.watch = WatchOptions {
            long_poll_wait: Duration::from_secs(20),
            ..WatchOptions::default()
        };
        change(&mut config);
        Arc::new(Engine::open(config).expect("engine opens"))
    }

    /// Enrolls `engine` for `user_id` through this world's relying party.
    pub async fn enroll(&self, engine: &Engine, user_id: &str) -> Account {
        engine
            .enroll(
                &self.rp.enrollment_link(user_id).await,
                EnrollOptions::default(),
            )
            .await
            .expect("enrolls")
    }

    /// A new engine on memory keys in `dir`, enrolled for `user_id`.
    pub async fn enrolled(&self, dir: &Path, user_id: &str) -> (Arc<Engine>, Account) {
        let engine = self.engine(dir, Arc::new(MemoryKeyStore::new()));
        let account = self.enroll(&engine, user_id).await;
        (engine, account)
    }
}

/// Starts a server on a given address with a given database and tenant (for restarts).
pub async fn spawn_at(
    addr: std::net::SocketAddr,
    db: &Path,
    tenant_id: &str,
    secret_key: &str,
    clock: &ManualClock,
) -> RunningServer {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .expect("bind again");
    signet_server::spawn_on(
        listener,
        Config {
            db: Some(db.to_path_buf()),
            tenant: TenantSeed {
                id: Some(tenant_id.to_owned()),
                secret_key: Some(secret_key.to_owned()),
            },
            clock: Arc::new(clock.clone()),
            ..Config::default()
        },
    )
    .await
    .expect("server starts again")
}

/// A sign-in started by the relying party.
#[derive(Debug, Clone)]
pub struct SignIn {
    pub user_id: String,
    pub token: String,
    pub idempotency_key: String,
    pub challenge_id: String,
    pub verification_code: Option<String>,
}

/// The relying party: its backend (secret key) and its page (track token).
#[derive(Debug, Clone)]
pub struct Rp {
    pub http: reqwest::Client,
    pub base: String,
    pub tenant_id: String,
    secret: String,
}

impl Rp {
    pub fn new(base: &str, tenant_id: &str, secret: &str) -> Self {
        Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(90))
                .build()
                .expect("client"),
            base: base.trim_end_matches('/').to_owned(),
            tenant_id: tenant_id.to_owned(),
            secret: secret.to_owned(),
        }
    }

    fn backend_auth(&self) -> String {
        format!("Basic {}", STANDARD.encode(format!("{}:", self.secret)))
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Value {
        let response = request.send().await.expect("server answers");
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{status}: {body}");
        body
    }

    /// Section 5 track.
    pub async fn track(&self, user_id: &str, action: &str, attributes: Value) -> Value {
        let url = format!("{}/users/{user_id}/actions/{action}", self.base);
        self.send(
            self.http
                .post(url)
                .header("Authorization", self.backend_auth())
                .json(&attributes),
        )
        .await
    }

    /// An enrollment link for `user_id` (track with `add:authenticators`).
    pub async fn enrollment_link(&self, user_id: &str) -> EnrollmentLink {
        let tracked = self
            .track(user_id, "enroll", json!({"scope": "add:authenticators"}))
            .await;
        EnrollmentLink {
            base_url: self.base.parse().expect("url"),
            tenant_id: self.tenant_id.clone(),
            token: tracked["token"].as_str().expect("token").to_owned(),
            user: Some(format!("{user_id}@example.com")),
            issuer: Some("Example".to_owned()),
        }
    }

    /// Track a sign-in and start its push challenge (section 1, steps 1 and 2).
    pub async fn sign_in(&self, user_id: &str) -> SignIn {
        self.sign_in_with(user_id, json!({})).await
    }

    pub async fn sign_in_with(&self, user_id: &str, attributes: Value) -> SignIn {
        let tracked = self.track(user_id, "signIn", attributes).await;
        let token = tracked["token"].as_str().expect("token").to_owned();
        let started = self
            .send(
                self.http
                    .post(format!("{}/client/challenge/push", self.base))
                    .bearer_auth(&token)
                    .json(&json!({"action": "signIn"})),
            )
            .await;
        SignIn {
            user_id: user_id.to_owned(),
            idempotency_key: tracked["idempotencyKey"]
                .as_str()
                .expect("idempotencyKey")
                .to_owned(),
            challenge_id: started["challengeId"]
                .as_str()
                .expect("challengeId")
                .to_owned(),
            verification_code: started["verificationCode"].as_str().map(str::to_owned),
            token,
        }
    }

    /// Section 4 verify (no wait).
    pub async fn verify(&self, sign_in: &SignIn) -> Value {
        self.send(
            self.http
                .post(format!("{}/client/verify/push", self.base))
                .bearer_auth(&sign_in.token)
                .json(&json!({"challengeId": sign_in.challenge_id})),
        )
        .await
    }

    /// Section 5 get action.
    pub async fn action(&self, sign_in: &SignIn) -> Value {
        let url = format!(
            "{}/users/{}/actions/signIn/{}",
            self.base, sign_in.user_id, sign_in.idempotency_key
        );
        self.send(
            self.http
                .get(url)
                .header("Authorization", self.backend_auth()),
        )
        .await
    }

    /// Section 5 list authenticators.
    pub async fn authenticators(&self, user_id: &str) -> Value {
        let url = format!("{}/users/{user_id}/authenticators", self.base);
        self.send(
            self.http
                .get(url)
                .header("Authorization", self.backend_auth()),
        )
        .await
    }
}

/// The shell's user-verification hook as a test double: answers as told, counts calls.
#[derive(Debug, Default)]
pub struct ScriptedVerifier {
    pub pass: Mutex<bool>,
    pub calls: Mutex<u32>,
}

impl UserVerifier for ScriptedVerifier {
    fn is_available(&self) -> bool {
        true
    }

    fn verify(&self, _reason: &str) -> Result<(), VerificationFailed> {
        *self.calls.lock().expect("lock") += 1;
        if *self.pass.lock().expect("lock") {
            Ok(())
        } else {
            Err(VerificationFailed)
        }
    }
}
