//! The SQLite connections of a [`Store`](super::Store): one for writes (so write transactions
//! never race each other into `SQLITE_BUSY`) and a few for reads, and the database file's
//! permissions.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use sqlx::Connection as _;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use tokio::sync::{Mutex, MutexGuard};

use crate::Error;

/// A fixed number of SQLite connections, each lent to one caller at a time.
///
/// Used instead of sqlx's pool, which pings a connection when it lends it and again when it
/// takes it back: each ping is a round trip to the connection's worker thread (two thread
/// wake-ups), as costly as a query. A slot is empty until first used, and again after its
/// connection was closed (see [`Lease::settle`]); the next lease opens a fresh one.
#[derive(Debug)]
pub(crate) struct Connections {
    options: SqliteConnectOptions,
    slots: Vec<Mutex<Option<SqliteConnection>>>,
    next: AtomicUsize,
    closed: AtomicBool,
}

/// A connection lent by [`Connections`]: give it back with [`Lease::settle`]. A lease
/// dropped any other way (an early return, a cancelled request) closes its connection.
pub(crate) struct Lease<'a> {
    slot: MutexGuard<'a, Option<SqliteConnection>>,
    /// The connection lent.
    pub(crate) conn: SqliteConnection,
}

impl Connections {
    /// `count` connection slots (at least one) opened with `options` when first used.
    pub(super) fn new(options: SqliteConnectOptions, count: usize) -> Self {
        Self {
            options,
            slots: (0..count.max(1)).map(|_| Mutex::new(None)).collect(),
            next: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
        }
    }

    /// A free connection (or the next one to be free), opened if its slot is empty.
    pub(crate) async fn acquire(&self) -> Result<Lease<'_>, Error> {
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let count = self.slots.len();
        let free = (0..count).find_map(|i| self.slots[(start + i) % count].try_lock().ok());
        let mut slot = match free {
            Some(slot) => slot,
            None => self.slots[start % count].lock().await,
        };
        if self.closed.load(Ordering::Acquire) {
            return Err(Error::Database(sqlx::Error::PoolClosed));
        }
        let conn = match slot.take() {
            Some(conn) => conn,
            None => SqliteConnection::connect_with(&self.options).await?,
        };
        Ok(Lease { slot, conn })
    }

    /// Closes every connection; later leases fail.
    pub(super) async fn close(&self) {
        self.closed.store(true, Ordering::Release);
        for slot in &self.slots {
            if let Some(conn) = slot.lock().await.take() {
                let _ = conn.close().await;
            }
        }
    }
}

impl Lease<'_> {
    /// Gives the connection back when `result` (of the work done on it) succeeded. After any
    /// error (of a statement, of the commit, or a refusal that ended a transaction early)
    /// the connection is closed instead: after a failed commit SQLite may keep its
    /// transaction open, and every later `begin` on it would become a savepoint whose
    /// `commit` only releases the savepoint, so later writes would be acknowledged and never
    /// committed. Closing it rolls back whatever it still holds; the
    /// next lease of the slot opens a fresh one.
    pub(crate) fn settle<T>(self, result: Result<T, Error>) -> Result<T, Error> {
        let Lease { mut slot, conn } = self;
        if result.is_ok() {
            *slot = Some(conn);
        }
        result
    }
}

/// Creates the database's folder (owner only, 0700, when it creates it) and the database file
/// (owner only, 0600); an existing database file, WAL and shared-memory file are made owner
/// only too. SQLite gives its WAL and shared-memory files the database file's mode.
pub(super) fn private_files(path: &Path) -> Result<(), Error> {
    owner_only(path).map_err(|error| {
        Error::Io(std::io::Error::new(
            error.kind(),
            format!("cannot open the database file {}: {error}", path.display()),
        ))
    })
}

fn owner_only(path: &Path) -> std::io::Result<()> {
    if let Some(parent) = path.parent()
        && !parent.as_os_str().is_empty()
        && !parent.exists()
    {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(parent)?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)?;
        for suffix in ["", "-wal", "-shm"] {
            let mut file = path.as_os_str().to_owned();
            file.push(suffix);
            let file = std::path::PathBuf::from(file);
            if file.exists() {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?;
            }
        }
    }
    Ok(())
}
