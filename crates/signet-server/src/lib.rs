//! Signet's push server: the Authsignal-compatible device, initiator and server APIs of
//! `docs/protocol.md` (sections 3, 4, 5 and the extensions 8.2 to 8.4) over SQLite (embedded,
//! the default) or PostgreSQL (several servers on one database).
//!
//! # Starting a server in a test
//!
//! With the `test-util` feature, `spawn` starts a server on `127.0.0.1:0` with a fresh
//! temporary database and a new tenant, and returns a [`RunningServer`] with everything a
//! client needs:
//!
//! ```no_run
//! # async fn demo() -> Result<(), signet_server::Error> {
//! use signet_protocol::clock::ManualClock; // the `testable` feature of signet-protocol
//! use signet_server::{Config, TenantSettings};
//! use std::sync::Arc;
//!
//! let clock = ManualClock::starting_now();
//! let server = signet_server::spawn(Config {
//!     tenant_settings: TenantSettings { number_matching: true, ..TenantSettings::default() },
//!     long_poll: false,              // a "plain" server: `wait=` is ignored
//!     clock: Arc::new(clock.clone()), // move time with `clock.advance(..)`
//!     ..Config::default()
//! })
//! .await?;
//! println!("{} {} {}", server.base_url, server.tenant_id, server.secret_key);
//! server.shutdown().await?;
//! # Ok(()) }
//! ```
//!
//! [`spawn_on`] does the same on a listener of your own (without `test-util`, `Config::db`
//! must name the database file: the `signet-server` binary always does). [`spawn_with_routes`] also serves
//! routes of your own beside `/v1` on the same port, built from what the server knows once it
//! has started ([`ServerInfo`]): the `signet-server` binary serves the relying-party demo
//! (crate `signet-demo`) this way with `--demo`. With the `test-util` feature,
//! `RunningServer::router` hands out the router it serves, for `tower::ServiceExt::oneshot`
//! (the `server_router` fuzz target), and `RunningServer::{create_tenant, store}` let tests
//! add a tenant and look behind the API.
//!
//! # Layout
//!
//! - `app`: the router; `api::{device, initiator, server}`: the handlers of sections 3, 4, 5;
//!   `health`: `/healthz` and `/readyz`.
//! - [`store`]: all storage behind one type, [`Store`], on SQLite (WAL) or PostgreSQL
//!   ([`Database`]; migrations in `migrations/sqlite` and `migrations/postgres`); one
//!   transaction per state change.
//! - `notify`: wake-ups for long-poll; `fanout`: on PostgreSQL, wake-ups and tenant changes
//!   sent to and received from the other servers of the database (LISTEN/NOTIFY).
//! - `token`: HS256 track and access tokens.
//! - [`push`]: wake-ups on challenge creation (webhook, Web Push, and the channels APNs, FCM
//!   and a push gateway plug in as [`push::wake::Channel`]s).
//! - `token`: HS256 track and access tokens; `secrets`: the secret key hashes and the token key.
//! - [`verifier`]: the check of every device signature (ring).

mod api;
mod app;
mod config;
mod connections;
mod error;
mod extract;
mod fanout;
mod health;
pub mod log_sink;
mod notify;
pub mod push;
mod retention;
mod secrets;
pub mod store;
mod throttle;
mod token;
pub mod verifier;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::{Config, RateLimits, TenantSeed, TenantSettings};
pub use connections::{ConnectionCounts, ConnectionLimits};
pub use error::Error;
pub use extract::BODY_LIMIT;
pub use secrets::{SecretKeyHash, TokenKey};
pub use store::{Database, Store};

use crate::app::AppState;
use crate::notify::Notifier;
use crate::store::Tenant;

/// A server running in this process. Dropping it stops the server too (without waiting).
#[derive(Debug)]
pub struct RunningServer {
    /// The base URL of the API, ending in `/v1`, e.g. `http://127.0.0.1:41234/v1`.
    pub base_url: String,
    /// The address the server listens on.
    pub addr: SocketAddr,
    /// The tenant id (device Basic auth).
    pub tenant_id: String,
    /// The tenant's secret key (RP backend Basic auth), when this start created it or was
    /// given it; empty otherwise (the database keeps only its hash).
    pub secret_key: String,
    /// Whether this start created the tenant (first start on this database).
    pub tenant_created: bool,
    /// The SQLite database file (empty on PostgreSQL).
    pub db_path: PathBuf,
    /// The database.
    pub database: Database,
    store: Store,
    notifier: Arc<Notifier>,
    requests: Arc<AtomicU64>,
    #[cfg(feature = "test-util")]
    clock: Arc<dyn signet_protocol::clock::Clock>,
    gate: Arc<connections::Gate>,
    stop: Option<watch::Sender<bool>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
    #[cfg(feature = "test-util")]
    _temp_dir: Option<tempfile::TempDir>,
    #[cfg(feature = "test-util")]
    router: axum::Router,
}

/// Credentials of a tenant.
#[derive(Clone)]
pub struct TenantCredentials {
    /// The tenant id.
    pub tenant_id: String,
    /// The secret key.
    pub secret_key: String,
}

impl std::fmt::Debug for TenantCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TenantCredentials")
            .field("tenant_id", &self.tenant_id)
            .finish_non_exhaustive()
    }
}

impl RunningServer {
    /// Creates another tenant with these settings (e.g. to test number matching or a wrong
    /// tenant) and returns its credentials. Only with the `test-util` feature.
    #[cfg(feature = "test-util")]
    pub async fn create_tenant(
        &self,
        settings: TenantSettings,
    ) -> Result<TenantCredentials, Error> {
        let (tenant, secret_key) = new_tenant(store::new_id(), None, settings);
        self.store.put_tenant(&tenant, self.clock.now_ms()).await?;
        Ok(TenantCredentials {
            tenant_id: tenant.id,
            secret_key,
        })
    }

    /// How many requests are in a long-poll (8.2) right now. Lets a test wait, without
    /// timing guesses, until its long-poll is parked before it creates the event.
    pub fn long_polls_waiting(&self) -> usize {
        self.notifier.waiting()
    }

    /// How many API requests (under `/v1`) the server has received since it started: what
    /// devices and relying parties cost it.
    pub fn requests_received(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// How many connections the server holds, and has refused, evicted and timed out.
    pub fn connection_counts(&self) -> ConnectionCounts {
        self.gate.counts()
    }

    /// The server's storage, for tests that look behind the API. Only with the `test-util`
    /// feature.
    #[cfg(feature = "test-util")]
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The router this server serves on its socket (the API under `/v1` and any routes given
    /// to [`spawn_with_routes`]), to drive in process with `tower::ServiceExt::oneshot`
    /// without a connection per request. Requests sent this way and over
    /// [`RunningServer::addr`] see the same data. Only with the `test-util` feature (fuzz
    /// targets, tests).
    #[cfg(feature = "test-util")]
    pub fn router(&self) -> axum::Router {
        self.router.clone()
    }

    /// Stops accepting, releases long-polls, waits for requests in flight, closes the
    /// database.
    pub async fn shutdown(mut self) -> Result<(), Error> {
        self.stop_now();
        if let Some(task) = self.task.take() {
            match task.await {
                Ok(result) => result?,
                Err(join) => return Err(Error::Io(std::io::Error::other(join))),
            }
        }
        self.store.close().await;
        Ok(())
    }

    /// Signals the server to stop, without waiting.
    fn stop_now(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        self.stop_now();
    }
}

/// Starts a server on `127.0.0.1:0` (a free loopback port). See the crate docs. Only with the
/// `test-util` feature (tests, benchmarks, fuzz targets).
#[cfg(feature = "test-util")]
pub async fn spawn(config: Config) -> Result<RunningServer, Error> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    spawn_on(listener, config).await
}

/// Starts a server on `listener` with `config`, in a background task.
pub async fn spawn_on(listener: TcpListener, config: Config) -> Result<RunningServer, Error> {
    spawn_with_routes(listener, config, |_| axum::Router::new()).await
}

/// What a started server knows that routes served beside it may need (see
/// [`spawn_with_routes`]). The secret key is redacted in `Debug`.
#[derive(Clone)]
pub struct ServerInfo {
    /// The address the server listens on.
    pub addr: SocketAddr,
    /// The public base URL of the API (ends in `/v1`).
    pub base_url: String,
    /// The tenant id.
    pub tenant_id: String,
    /// The tenant's secret key, when this start created it or was given it; empty otherwise
    /// (the database keeps only its hash).
    pub secret_key: String,
    /// The tenant's settings.
    pub tenant_settings: TenantSettings,
}

impl std::fmt::Debug for ServerInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerInfo")
            .field("addr", &self.addr)
            .field("base_url", &self.base_url)
            .field("tenant_id", &self.tenant_id)
            .field("tenant_settings", &self.tenant_settings)
            .finish_non_exhaustive()
    }
}

/// A temporary database's folder (test-util), removed when the server is dropped.
#[cfg(feature = "test-util")]
type TempFolder = Option<tempfile::TempDir>;
/// Without test-util there are no temporary databases.
#[cfg(not(feature = "test-util"))]
type TempFolder = ();

/// The database a server runs on (the given one, or with test-util a temporary one), opened
/// (its folder made, migrated), and the token key (made beside an SQLite file if missing).
async fn open_database(config: &Config) -> Result<(Database, TempFolder, Store, TokenKey), Error> {
    #[cfg(feature = "test-util")]
    {
        let (database, temp_dir) = if let Some(database) = &config.db {
            (database.clone(), None)
        } else {
            let (database, dir) = temporary_database().await?;
            (database, Some(dir))
        };
        let store = Store::connect(&database).await?;
        let token_key = token_key(
            config,
            &database,
            temp_dir.as_ref().map(tempfile::TempDir::path),
        )?;
        Ok((database, temp_dir, store, token_key))
    }
    #[cfg(not(feature = "test-util"))]
    {
        let database = config.db.clone().ok_or_else(|| {
            Error::Io(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "no database given (Config::db); a temporary one needs the test-util feature",
            ))
        })?;
        let store = Store::connect(&database).await?;
        let token_key = token_key(config, &database, None)?;
        Ok((database, (), store, token_key))
    }
}

/// Starts a server on `listener` with `config`, and serves the routes `extra` makes beside the
/// API on the same port. `extra` is called once the database and tenant are ready; its routes
/// must not overlap `/v1` nor set a fallback (the server's 404 answers every other path). They
/// get the client's address as axum's `ConnectInfo<SocketAddr>`.
pub async fn spawn_with_routes(
    listener: TcpListener,
    config: Config,
    extra: impl FnOnce(&ServerInfo) -> axum::Router,
) -> Result<RunningServer, Error> {
    // 1. The database and the token key.
    let (database, temp_dir, store, token_key) = open_database(&config).await?;
    #[cfg(not(feature = "test-util"))]
    let () = temp_dir;
    let (notifier, fanout) = notifier(&database, &store);
    // 2. The tenant.
    let now = config.clock.now_ms();
    let (tenant, secret_key, tenant_created) =
        bootstrap_tenant(&store, &config.tenant, config.tenant_settings, now).await?;
    // 3. Serve.
    let addr = listener.local_addr()?;
    let base_url = config
        .public_base_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}/v1"));
    let (stop, shutting_down) = watch::channel(false);
    if let Some((url, inbox)) = fanout {
        fanout::start(
            &url,
            inbox,
            Arc::clone(&notifier),
            store.clone(),
            config.recheck_interval,
            &shutting_down,
        )
        .await?;
    }
    let requests = Arc::new(AtomicU64::new(0));
    let state = AppState {
        store: store.clone(),
        notifier: Arc::clone(&notifier),
        long_poll: config.long_poll,
        rate_limits: config.rate_limits,
        clock: Arc::clone(&config.clock),
        shutting_down: shutting_down.clone(),
        requests: Arc::clone(&requests),
        nonce_throttle: Arc::new(throttle::AddressThrottle::new(
            config.rate_limits.nonces_per_address_per_second,
        )),
        delivery: push::delivery::Delivery::new(
            config.delivery.clone(),
            store.clone(),
            Arc::clone(&config.clock),
            shutting_down.clone(),
            base_url.clone(),
        ),
        token_key: Arc::new(token_key),
    };
    let info = ServerInfo {
        addr,
        base_url: base_url.clone(),
        tenant_id: tenant.id.clone(),
        secret_key: secret_key.clone(),
        tenant_settings: tenant.settings,
    };
    let router = app::router(state).merge(extra(&info));
    #[cfg(feature = "test-util")]
    let served = router.clone();
    // One router shared by every connection (a clone is a reference count): building it per
    // connection costs about 30 KB each, held while the connection is open.
    let gate = Arc::new(connections::Gate::new(config.connection_limits));
    let task = tokio::spawn(connections::serve(
        listener,
        router,
        Arc::clone(&gate),
        shutting_down,
    ));
    tokio::spawn(retention::purge_task(
        store.clone(),
        Arc::clone(&config.clock),
        config.retention,
        config.purge_interval,
        stop.subscribe(),
    ));
    tracing::info!(%addr, tenant_id = %tenant.id, "signet-server listening");
    Ok(RunningServer {
        base_url,
        addr,
        tenant_id: tenant.id,
        secret_key,
        tenant_created,
        db_path: database
            .sqlite_path()
            .map(Path::to_path_buf)
            .unwrap_or_default(),
        database,
        store,
        notifier,
        requests,
        #[cfg(feature = "test-util")]
        clock: config.clock,
        gate,
        stop: Some(stop),
        task: Some(task),
        #[cfg(feature = "test-util")]
        _temp_dir: temp_dir,
        #[cfg(feature = "test-util")]
        router: served,
    })
}

/// The long-poll notifier. On PostgreSQL its wake-ups, and the store's tenant changes, also
/// go to the other servers of the database: then also returns what `fanout::start` needs.
fn notifier(
    database: &Database,
    store: &Store,
) -> (
    Arc<Notifier>,
    Option<(String, tokio::sync::mpsc::UnboundedReceiver<fanout::Change>)>,
) {
    match database {
        Database::Postgres(url) => {
            let (outbox, inbox) = fanout::outbox();
            store.publish_tenant_changes(outbox.clone());
            (
                Arc::new(Notifier::with_outbox(outbox)),
                Some((url.clone(), inbox)),
            )
        }
        Database::Sqlite(_) => (Arc::new(Notifier::default()), None),
    }
}

/// The environment variable that makes [`temporary_database`] a fresh schema on that
/// PostgreSQL server (a `postgres://` URL) instead of an SQLite file in a temporary folder.
#[cfg(feature = "test-util")]
pub const TEST_POSTGRES_URL: &str = "SIGNET_TEST_POSTGRES_URL";

/// A database of its own for one test: with [`TEST_POSTGRES_URL`] set, a new schema on that
/// PostgreSQL server (a server that cannot be reached is an error, never a quiet fallback to
/// SQLite); otherwise a fresh SQLite file in the returned temporary folder (a server started
/// on it keeps its token key there too). Every server started with `Config::db` `None` gets one. Only with the `test-util`
/// feature.
#[cfg(feature = "test-util")]
pub async fn temporary_database() -> Result<(Database, tempfile::TempDir), Error> {
    let dir = tempfile::Builder::new()
        .prefix("signet-server-")
        .tempdir()?;
    match std::env::var(TEST_POSTGRES_URL) {
        Ok(url) if !url.is_empty() => Ok((store::backend::temporary_schema(&url).await?, dir)),
        _ => {
            let path = dir.path().join("signet.db");
            Ok((Database::Sqlite(path), dir))
        }
    }
}

/// The token key: given, or from its file, or (made at the first start, owner-only) beside
/// an SQLite database or in a test's temporary folder. Servers sharing a PostgreSQL database
/// must share the key, so none is made for one.
fn token_key(
    config: &Config,
    database: &Database,
    temporary_folder: Option<&Path>,
) -> Result<TokenKey, Error> {
    match (&config.token_key, &config.token_key_file) {
        (Some(key), _) => Ok(key.clone()),
        (None, Some(file)) => TokenKey::read(file),
        (None, None) => match (database.sqlite_path(), temporary_folder) {
            (Some(path), _) => TokenKey::read_or_create(&TokenKey::default_path(path)),
            (None, Some(folder)) => TokenKey::read_or_create(&folder.join("signet.token-key")),
            (None, None) => Err(Error::Io(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "a PostgreSQL database needs the token key given (SIGNET_TOKEN_KEY or \
                 --token-key-file), the same for every server on it",
            ))),
        },
    }
}

/// A tenant value with the given secret key, or a fresh random one (32 random bytes), and
/// that key.
fn new_tenant(
    id: String,
    secret_key: Option<String>,
    settings: TenantSettings,
) -> (Tenant, String) {
    let secret_key = secret_key.unwrap_or_else(|| format!("sk_{}", api::random_text(32)));
    let tenant = Tenant {
        id,
        secret_key_hash: SecretKeyHash::of(&secret_key),
        settings,
    };
    (tenant, secret_key)
}

/// Creates or updates the configured tenant: the seed's id (or the first stored tenant, or a
/// new one), the seed's secret key (or the stored hash, or a new key), the given settings.
/// Returns the tenant, its secret key when this start made it or was given it (else empty:
/// the store has only its hash), and whether it was created. Servers started at once on one
/// database agree: the store decides in one transaction which of them creates it.
async fn bootstrap_tenant(
    store: &Store,
    seed: &TenantSeed,
    settings: TenantSettings,
    now: i64,
) -> Result<(Tenant, String, bool), Error> {
    let id = seed.id.clone().unwrap_or_else(store::new_id);
    let (candidate, new_secret_key) = new_tenant(id, seed.secret_key.clone(), settings);
    let (tenant, created) = store
        .bootstrap_tenant(
            seed.id.as_deref(),
            &candidate,
            seed.secret_key.is_some(),
            now,
        )
        .await?;
    let secret_key = if created {
        new_secret_key
    } else {
        seed.secret_key.clone().unwrap_or_default()
    };
    Ok((tenant, secret_key, created))
}
