//! The SQLite connection of a [`Store`](super::Store), and the database file's permissions.
//!
//! One rusqlite connection serves every store call, reads and writes, one call at a time:
//! write transactions never race each other into `SQLITE_BUSY`, and its page cache stays
//! current (it made every change), where a second connection drops its cache whenever the
//! file changed since its last read and reads those pages again (with every read on the one
//! connection a sign-in costs the server 15–22% less CPU than with four reader connections
//! beside it: docs/benchmarks.md). A store call runs its statements on the thread of the
//! request that made it, holding the connection for the whole call (there is no `.await`
//! between its statements): no hand-off to another thread and back per statement, as sqlx's
//! SQLite driver makes (its worker thread per connection cost more than half of a sign-in's
//! CPU). A request waiting for the connection waits asynchronously. Under WAL with
//! `synchronous = NORMAL` a commit writes to the WAL without flushing it, so a call holds the
//! connection for tens of microseconds; the flush comes with a checkpoint (every 1,000
//! pages), and the request whose commit starts one waits for it on its own thread.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use tokio::sync::{Mutex, MutexGuard};

use crate::Error;

/// How long a statement waits for a lock held by another connection (or process) before it
/// fails with `SQLITE_BUSY` (503 `storage_unavailable`).
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Prepared statements each connection keeps (`prepare_cached`): every statement of the store
/// fits, so each is compiled once per connection.
const STATEMENT_CACHE: usize = 64;

/// A fixed number of SQLite connections (the store opens one), each lent to one caller at a
/// time. A slot is empty until first used, and again after its connection was closed (see
/// [`Lease::settle`]); the next lease opens a fresh one.
#[derive(Debug)]
pub(crate) struct Connections {
    path: PathBuf,
    slots: Vec<Mutex<Option<Connection>>>,
    next: AtomicUsize,
    closed: AtomicBool,
}

/// A connection lent by [`Connections`]: give it back with [`Lease::settle`]. A lease
/// dropped any other way (an early return, a cancelled request) closes its connection.
pub(crate) struct Lease<'a> {
    slot: MutexGuard<'a, Option<Connection>>,
    /// The connection lent.
    pub(crate) conn: Connection,
}

impl Connections {
    /// `count` connection slots (at least one) to the database at `path`, each opened when
    /// first used.
    pub(super) fn new(path: &Path, count: usize) -> Self {
        Self {
            path: path.to_path_buf(),
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
            None => open(&self.path)?,
        };
        Ok(Lease { slot, conn })
    }

    /// Closes every connection; later leases fail.
    pub(super) async fn close(&self) {
        self.closed.store(true, Ordering::Release);
        for slot in &self.slots {
            drop(slot.lock().await.take());
        }
    }
}

/// Opens a connection to the (existing, migrated) database at `path`: WAL (a property of the
/// file, set by the migrations' connection and kept), `synchronous = NORMAL` (a commit
/// survives a crash of the process; a power loss may lose the last ones, never corrupt the
/// file), foreign keys on.
fn open(path: &Path) -> Result<Connection, Error> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
    )?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

impl Lease<'_> {
    /// Gives the connection back, unless a transaction is still open on it or `result` is a
    /// storage failure: then it is closed, which rolls back whatever it still holds, and the
    /// next lease of the slot opens a fresh one. A transaction left by an error (a refusal
    /// ends one early) is rolled back when its rusqlite `Transaction` is dropped, a failed
    /// commit included; should that rollback fail too, the connection is not lent again, so
    /// a later `BEGIN` can never run inside a transaction that will not commit (and a write
    /// be acknowledged that was never committed).
    pub(crate) fn settle<T>(self, result: Result<T, Error>) -> Result<T, Error> {
        let Lease { mut slot, conn } = self;
        let failed = result
            .as_ref()
            .is_err_and(crate::Error::is_storage_unavailable);
        if conn.is_autocommit() && !failed {
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
