//! Storage: every read and write of the server goes through [`Store`], so the handlers never
//! see which database holds their data. Each state change is one transaction. All times are
//! Unix milliseconds from the server's clock.
//!
//! One file per concern: `connections` (lending connections), `tenants` (and their cache),
//! `authenticators`, `enrollment_tokens` (a track token enrolls one key), `actions`,
//! `challenges`, `nonces`, `purge` (retention); `rules` holds the domain rules as pure
//! functions (number matching, decline reasons, limits, token claims), so they are tested
//! without a database.
//!
//! SQLite runs in WAL mode with two sets of connections: one for writes (so write
//! transactions never race each other into `SQLITE_BUSY`) and a few for reads. Tenants are
//! cached in memory (every request authenticates with one); they change only through
//! [`Store::put_tenant`], which drops the cached copy.

mod actions;
mod authenticators;
mod challenges;
mod connections;
mod enrollment_tokens;
mod nonces;
mod purge;
pub(crate) mod rules;
mod tenants;

use std::path::Path;
use std::str::FromStr as _;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

pub use actions::{Action, NewAction, OpenActionsCap};
pub use authenticators::{Authenticator, NewAuthenticator};
pub use challenges::{Answer, Challenge};
pub use nonces::{NewNonce, NoncePurpose};
pub use purge::{PURGE_BATCH, Purged};
pub use tenants::Tenant;

use crate::Error;
use connections::{Connections, private_files};
use tenants::TenantCache;

/// Runs `$body` (an expression of type `Result<T, Error>`, which may use `?` and `.await`)
/// with `$conn`, a `&mut` connection lent by `$store`'s `writer` or `reader`, and gives the
/// connection back as [`connections::Lease::settle`] says: the one acquire/settle of every
/// store method.
macro_rules! with_conn {
    ($store:expr, $side:ident, |$conn:ident| $body:expr) => {{
        let mut lease = $store.$side.acquire().await?;
        let $conn = &mut lease.conn;
        let result: Result<_, $crate::Error> = async { $body }.await;
        lease.settle(result)
    }};
}
pub(crate) use with_conn;

/// The storage of one server.
#[derive(Debug, Clone)]
pub struct Store {
    writer: Arc<Connections>,
    reader: Arc<Connections>,
    tenants: Arc<RwLock<TenantCache>>,
}

impl Store {
    /// Opens (creating it and its folder if needed) the SQLite database at `path` and brings
    /// its schema up to date.
    pub async fn open(path: &Path) -> Result<Self, Error> {
        private_files(path)?;
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        // The migrations run on a pool of their own, closed at once (sqlx's migrator takes a
        // pool or a connection; a borrowed connection makes the start future not `Send`).
        let migrations = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        let migrated = sqlx::migrate!("./migrations").run(&migrations).await;
        migrations.close().await;
        migrated?;
        Ok(Self {
            writer: Arc::new(Connections::new(options.clone(), 1)),
            reader: Arc::new(Connections::new(options, 4)),
            tenants: Arc::default(),
        })
    }

    /// Closes the connections.
    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }
}

/// A new random id (UUID v4 text).
pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
