//! Storage: every read and write of the server goes through [`Store`], so the handlers never
//! see which database holds their data. Each state change is one transaction. All times are
//! Unix milliseconds from the server's clock.
//!
//! One file per concern: `backend` (which database, the one acquire/settle helper),
//! `connections` (lending SQLite connections), `sqlite` (running a statement on one),
//! `copy` (an SQLite deployment into PostgreSQL), `tenants` (and their cache),
//! `authenticators`, `enrollment_tokens` (a track token enrolls one key), `actions`,
//! `challenges`, `nonces`, `purge` (retention); `rules` holds the domain rules as pure
//! functions (number matching, decline reasons, limits, token claims), so they are tested
//! without a database.
//!
//! Two databases, one interface ([`Database`], `backend`): SQLite (the embedded default) runs
//! in WAL mode with `synchronous = NORMAL` on one connection (rusqlite), lent to one store
//! method at a time, whose statements run on the calling request's thread (`connections`).
//! PostgreSQL (sqlx) lets several servers share one database, and every rule that must hold
//! across them is enforced by the database. Each store method holds the two bodies side by
//! side, with the same SQL wherever the databases read it alike; the one store test suite
//! runs against both. The schema is made and migrated by sqlx's migrator on both.
//! Tenants are cached in memory (every request authenticates with one); they change only through
//! [`Store::put_tenant`] and [`Store::bootstrap_tenant`], which drop the cached copy here and
//! (on PostgreSQL) on the other servers (`fanout`).

mod actions;
mod authenticators;
pub(crate) mod backend;
mod challenges;
mod connections;
mod copy;
mod enrollment_tokens;
mod nonces;
mod purge;
pub(crate) mod rules;
mod sqlite;
mod tenants;

use std::path::Path;
use std::sync::{Arc, RwLock};

pub use actions::{Action, NewAction, OpenActionsCap};
pub use authenticators::{Authenticator, NewAuthenticator};
pub use challenges::{Answer, Challenge};
pub use nonces::{NewNonce, NoncePurpose};
pub use purge::{PURGE_BATCH, Purged};
pub use tenants::Tenant;

pub use backend::Database;
pub use copy::{Copied, copy_sqlite_to_postgres};

use crate::Error;
use backend::{Backend, with_conn};
use tenants::TenantCache;

/// The storage of one server.
#[derive(Debug, Clone)]
pub struct Store {
    backend: Backend,
    tenants: Arc<RwLock<TenantCache>>,
}

impl Store {
    /// Opens (creating it and its folder if needed) the SQLite database at `path` and brings
    /// its schema up to date.
    pub async fn open(path: &Path) -> Result<Self, Error> {
        Self::connect(&Database::from(path)).await
    }

    /// Opens the database (an SQLite file, created with its folder if needed, or a
    /// PostgreSQL database) and brings its schema up to date.
    pub async fn connect(database: &Database) -> Result<Self, Error> {
        Ok(Self {
            backend: Backend::open(database).await?,
            tenants: Arc::default(),
        })
    }

    /// Whether the database answers now (`/readyz`).
    pub async fn ping(&self) -> Result<(), Error> {
        self.backend.ping().await
    }

    /// Closes the connections.
    pub async fn close(&self) {
        self.backend.close().await;
    }
}

/// A new random id (UUID v4 text).
pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
