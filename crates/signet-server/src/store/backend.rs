//! Which database a [`Store`](super::Store) runs on, how it is opened, and the little that
//! differs between SQLite and PostgreSQL once the SQL is written for both (numbered
//! placeholders, `COUNT(*) FILTER`, `ON CONFLICT`, `RETURNING`).
//!
//! Every store method runs in a [`with_conn!`] call with two bodies: one on a PostgreSQL
//! connection (sqlx) and one on an SQLite connection (rusqlite, see `connections`), both
//! with the same SQL text wherever the two databases read it alike (the one store test
//! suite runs against both and catches drift). What must hold across many servers on one PostgreSQL database (single-use
//! nonces, one answer per challenge, validate-once, the per-user limits) is decided by the
//! database: a conditional update or delete that only one transaction can win, or a count
//! and an insert made in one transaction that first takes [`KeyLock::lock_key`]'s lock.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::PgConnection;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use super::connections::{Connections, private_files};
use crate::Error;

/// Where a server keeps its data: an SQLite file (the embedded default) or a PostgreSQL
/// database (for several servers on one database). Parsed from `--db`: a value starting
/// with `postgres://` or `postgresql://` is a PostgreSQL URL, anything else a file path.
#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    /// The SQLite database file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL (`postgres://user:password@host:port/database?...`).
    Postgres(String),
}

impl Database {
    /// The SQLite file, if this is one.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            Self::Sqlite(path) => Some(path),
            Self::Postgres(_) => None,
        }
    }
}

impl FromStr for Database {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(
            if text.starts_with("postgres://") || text.starts_with("postgresql://") {
                Self::Postgres(text.to_owned())
            } else {
                Self::Sqlite(PathBuf::from(text))
            },
        )
    }
}

impl From<PathBuf> for Database {
    fn from(path: PathBuf) -> Self {
        Self::Sqlite(path)
    }
}

impl From<&Path> for Database {
    fn from(path: &Path) -> Self {
        Self::Sqlite(path.to_path_buf())
    }
}

/// The file path, or the URL without its password (never print a password).
impl fmt::Display for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "{}", path.display()),
            Self::Postgres(url) => match url::Url::parse(url) {
                Ok(mut parsed) => {
                    if parsed.password().is_some() {
                        let _ = parsed.set_password(Some("<redacted>"));
                    }
                    write!(f, "{parsed}")
                }
                Err(_) => f.write_str("postgres://<unparsable URL>"),
            },
        }
    }
}

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Database({self})")
    }
}

/// The open database of a store.
#[derive(Debug, Clone)]
pub(crate) enum Backend {
    /// SQLite: one connection, lent to one store call at a time.
    Sqlite(Arc<Connections>),
    /// PostgreSQL: one pool; the database orders concurrent writes.
    Postgres(PgPool),
}

/// Most connections one server holds to PostgreSQL.
const POSTGRES_CONNECTIONS: u32 = 16;

/// How long a request waits for a PostgreSQL connection before it gets 503
/// `storage_unavailable`.
const POSTGRES_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

impl Backend {
    /// Opens the database (creating an SQLite file and its folder if needed) and brings its
    /// schema up to date. Servers started at once on one PostgreSQL database migrate one
    /// after the other (sqlx's migrator holds an advisory lock).
    pub(crate) async fn open(database: &Database) -> Result<Self, Error> {
        match database {
            Database::Sqlite(path) => open_sqlite(path).await,
            Database::Postgres(url) => {
                let options = PgConnectOptions::from_str(url)?;
                let pool = PgPoolOptions::new()
                    .max_connections(POSTGRES_CONNECTIONS)
                    .acquire_timeout(POSTGRES_ACQUIRE_TIMEOUT)
                    // A ping per lease costs a round trip; a broken connection is closed
                    // instead when a statement on it fails (see `with_conn!`).
                    .test_before_acquire(false)
                    .connect_with(options)
                    .await?;
                sqlx::migrate!("./migrations/postgres").run(&pool).await?;
                Ok(Self::Postgres(pool))
            }
        }
    }

    /// Closes the connections; later uses fail.
    pub(crate) async fn close(&self) {
        match self {
            Self::Sqlite(connection) => connection.close().await,
            Self::Postgres(pool) => pool.close().await,
        }
    }

    /// Whether the database answers a trivial query now.
    pub(crate) async fn ping(&self) -> Result<(), Error> {
        match self {
            Self::Sqlite(connection) => {
                let lease = connection.acquire().await?;
                let result = lease
                    .conn
                    .prepare_cached("SELECT 1")
                    .and_then(|mut statement| statement.query_row([], |_| Ok(())))
                    .map_err(Error::from);
                lease.settle(result)
            }
            Self::Postgres(pool) => {
                sqlx::query("SELECT 1").execute(pool).await?;
                Ok(())
            }
        }
    }
}

/// The sqlx options of the SQLite file at `path` (the migrations, `migrate`'s copy): WAL,
/// `synchronous = NORMAL`, foreign keys on, as the store's own connections.
pub(super) fn sqlite_options(path: &Path) -> Result<SqliteConnectOptions, Error> {
    Ok(SqliteConnectOptions::from_str("sqlite:")?
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10)))
}

/// Creates the file if needed, brings its schema up to date with sqlx's migrator, and
/// returns the store's rusqlite connections to it (opened when first used).
async fn open_sqlite(path: &Path) -> Result<Backend, Error> {
    private_files(path)?;
    let options = sqlite_options(path)?;
    // The migrations run on a pool of their own, closed at once (sqlx's migrator takes a
    // pool or a connection; a borrowed connection makes the start future not `Send`).
    let migrations = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await?;
    let mut migrated = sqlx::migrate!("./migrations/sqlite")
        .run(&migrations)
        .await
        .map_err(Error::from);
    if migrated.is_ok() {
        migrated = super::tenants::hash_plain_secret_keys(&migrations).await;
    }
    migrations.close().await;
    migrated?;
    Ok(Backend::Sqlite(Arc::new(Connections::new(path, 1))))
}

/// `with_conn!(store, |conn| postgres_body, |conn| sqlite_body)` runs one of two
/// bodies (each an expression of type `Result<T, Error>` that may use `?`) with a
/// connection of `$store`'s database, and gives the connection back: the one
/// acquire/settle of every store method (SQLite: its one connection; PostgreSQL: one from
/// the pool).
///
/// `$body` runs on PostgreSQL, with `$conn` a `&mut sqlx::PgConnection`, and may `.await`: a
/// transaction left by an early return is rolled back by sqlx before the connection is used
/// again; a connection whose statement failed for want of the database is closed rather than
/// lent again. `$sqlite_body` runs on SQLite, with `$sqlite` a `&mut rusqlite::Connection`,
/// synchronously (no `.await`: see `connections`); see
/// [`Lease::settle`](super::connections::Lease::settle) for what happens after an error.
macro_rules! with_conn {
    ($store:expr, |$conn:ident| $body:expr, |$sqlite:ident| $sqlite_body:expr) => {{
        match &$store.backend {
            $crate::store::backend::Backend::Sqlite(connection) => {
                let mut lease = connection.acquire().await?;
                let $sqlite: &mut rusqlite::Connection = &mut lease.conn;
                #[allow(clippy::redundant_closure_call)]
                let result = (|| -> Result<_, $crate::Error> { $sqlite_body })();
                lease.settle(result)
            }
            $crate::store::backend::Backend::Postgres(pool) => {
                let mut pooled = pool.acquire().await?;
                let $conn: &mut sqlx::PgConnection = &mut pooled;
                let result: Result<_, $crate::Error> = async { $body }.await;
                if result
                    .as_ref()
                    .is_err_and($crate::Error::is_storage_unavailable)
                {
                    pooled.close_on_drop();
                }
                result
            }
        }
    }};
}
pub(crate) use with_conn;

/// What differs between the two databases inside a [`with_conn!`] body.
pub(crate) trait KeyLock {
    /// The name of a row's physical id, for batched deletes (`rowid`, `ctid`).
    const ROW_ID: &'static str;

    /// Makes the rest of the current transaction wait for, and then hold off, every other
    /// transaction that locks `key` (until it commits or rolls back): a count and the
    /// insert it allows cannot interleave with another server's. PostgreSQL takes a
    /// transaction-scoped advisory lock on the key's 64-bit hash. (SQLite needs none: its
    /// one connection already runs transactions one at a time.)
    fn lock_key(&mut self, key: &str) -> impl Future<Output = Result<(), Error>> + Send;
}

impl KeyLock for PgConnection {
    const ROW_ID: &'static str = "ctid";

    async fn lock_key(&mut self, key: &str) -> Result<(), Error> {
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(key)
            .execute(&mut *self)
            .await?;
        Ok(())
    }
}

/// The [`KeyLock::ROW_ID`] of `conn`'s database.
pub(crate) fn row_id<C: KeyLock>(_conn: &C) -> &'static str {
    C::ROW_ID
}

/// A new, empty schema on the PostgreSQL server at `url`, and the URL that makes it the
/// connections' `search_path`: a database of its own for one test. The test's cluster is
/// thrown away with it.
#[cfg(feature = "test-util")]
pub(crate) async fn temporary_schema(url: &str) -> Result<Database, Error> {
    use sqlx::Connection as _;
    let schema = format!("signet_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = PgConnection::connect(url).await?;
    // The name is ours (letters, digits, underscores): safe to put in the statement.
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    let mut with_schema = url::Url::parse(url).map_err(|error| {
        Error::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("the PostgreSQL URL does not parse: {error}"),
        ))
    })?;
    with_schema
        .query_pairs_mut()
        .append_pair("options", &format!("-c search_path={schema}"));
    Ok(Database::Postgres(with_schema.into()))
}
