//! Shared test helpers: the real `signet-server` on loopback (its library API), the test
//! kit's relying party that drives it through its HTTP API (sections 4 and 5), and engines
//! on memory keys.

#![allow(dead_code, missing_docs)]

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use signet_core::engine::{UserVerifier, VerificationFailed};
use signet_core::{Account, Engine, EngineConfig, EnrollOptions, MemoryKeyStore, WatchOptions};
use signet_protocol::clock::ManualClock;
use signet_server::{Config, RunningServer, TenantSeed};
use signet_testkit::Rp;

/// A server and its relying party; the server and the engines share one clock.
pub struct World {
    pub server: RunningServer,
    pub clock: ManualClock,
    pub rp: Rp,
}

impl World {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(change: impl FnOnce(&mut Config)) -> Self {
        let clock = ManualClock::starting_now();
        let mut config = Config::default();
        change(&mut config);
        config.clock = Arc::new(clock.clone());
        let server = signet_server::spawn(config).await.expect("server starts");
        let rp = Rp::new(&server.base_url, &server.tenant_id, &server.secret_key).expect("client");
        Self { server, clock, rp }
    }

    /// Moves the clock (of the server and the engines).
    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
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
        config.clock = Arc::new(self.clock.clone());
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
                &self
                    .rp
                    .enrollment_link(user_id)
                    .await
                    .expect("an enrollment link"),
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
            db: Some(db.into()),
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
