//! The track flood: the release `signet-server` binary, with the retention it is given, under
//! a steady flood of section 5 track calls (the secret-key backend call that writes an
//! action) for a bounded time, sampling the size of its database file and WAL every
//! [`SAMPLE_EVERY`]. Shows whether retention keeps the database flat (docs/security.md has a
//! run).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::Error;
use crate::attack::{SECRET, Server};

/// How often the database is measured.
pub const SAMPLE_EVERY: Duration = Duration::from_secs(30);
/// Track calls in flight at most (a slower server gets fewer calls, not a queue).
const IN_FLIGHT: usize = 64;

/// One measurement of the database.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// Time since the flood started.
    pub at: Duration,
    /// The database file's size in bytes.
    pub db_bytes: u64,
    /// The WAL file's size in bytes.
    pub wal_bytes: u64,
    /// Rows in the `actions` table.
    pub actions: i64,
    /// Track calls answered 200 so far.
    pub tracked: u64,
    /// Track calls refused with 429 so far (the tenant's cap on open actions).
    pub refused: u64,
    /// Track calls that failed otherwise so far.
    pub failed: u64,
}

impl Sample {
    /// The sample as one line.
    pub fn line(&self) -> String {
        format!(
            "{:>5} s  db {:>7.2} MiB + wal {:>6.2} MiB = {:>7.2} MiB  actions {:>7}  tracked {:>8}  refused {:>8}  failed {}",
            self.at.as_secs(),
            mib(self.db_bytes),
            mib(self.wal_bytes),
            mib(self.db_bytes + self.wal_bytes),
            self.actions,
            self.tracked,
            self.refused,
            self.failed,
        )
    }
}

#[allow(clippy::cast_precision_loss)] // file sizes far below 2^52 bytes
fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// The size of `path` in bytes (0 when it does not exist).
fn size(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |meta| meta.len())
}

/// Rows in the `actions` table of `db` (read-only; -1 when it cannot be read).
async fn action_rows(db: &Path) -> i64 {
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(db)
        .read_only(true);
    let Ok(mut conn) = sqlx::ConnectOptions::connect(&options).await else {
        return -1;
    };
    sqlx::query_scalar("SELECT COUNT(*) FROM actions")
        .fetch_one(&mut conn)
        .await
        .unwrap_or(-1)
}

/// Counters of the flood.
#[derive(Default)]
struct Counts {
    tracked: AtomicU64,
    refused: AtomicU64,
    failed: AtomicU64,
}

/// Floods the server binary at `binary` (started with `server_args`, e.g.
/// `--retention-seconds 60`) with `per_second` track calls a second for `duration`, printing
/// each sample as it is taken; returns the samples (the first at 0 s, the last at the end).
pub async fn run(
    binary: &Path,
    server_args: &[&str],
    per_second: u32,
    duration: Duration,
) -> Result<Vec<Sample>, Error> {
    let server = Server::start(binary, server_args).await?;
    let db = server.db();
    let wal = db.with_file_name("signet.db-wal");
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|source| Error::Http {
            call: "client",
            source,
        })?;
    let auth = signet_testkit::secret_basic(SECRET);
    let base = server.base();
    let counts = Arc::new(Counts::default());
    let started = Instant::now();
    let end = started + duration;
    let sample = |at: Duration, counts: &Counts| {
        let (db, wal) = (db.clone(), wal.clone());
        let (tracked, refused, failed) = (
            counts.tracked.load(Ordering::Relaxed),
            counts.refused.load(Ordering::Relaxed),
            counts.failed.load(Ordering::Relaxed),
        );
        async move {
            let sample = Sample {
                at,
                db_bytes: size(&db),
                wal_bytes: size(&wal),
                actions: action_rows(&db).await,
                tracked,
                refused,
                failed,
            };
            println!("{}", sample.line());
            sample
        }
    };
    let mut samples = vec![sample(Duration::ZERO, &counts).await];
    let mut next_sample = started + SAMPLE_EVERY;
    let mut tick = tokio::time::interval(Duration::from_secs(1) / per_second.max(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut requests = tokio::task::JoinSet::new();
    let mut n = 0_u64;
    while Instant::now() < end {
        tick.tick().await;
        if Instant::now() >= next_sample {
            samples.push(sample(started.elapsed(), &counts).await);
            next_sample += SAMPLE_EVERY;
        }
        while requests.try_join_next().is_some() {}
        if requests.len() >= IN_FLIGHT {
            continue;
        }
        n += 1;
        let request = client
            .post(format!("{base}/users/flood-{}/actions/signIn", n % 1000))
            .header("Authorization", &auth)
            .json(&serde_json::json!({}));
        let counts = Arc::clone(&counts);
        requests.spawn(async move {
            let counter = match request.send().await.map(|r| r.status().as_u16()) {
                Ok(200) => &counts.tracked,
                Ok(429) => &counts.refused,
                _ => &counts.failed,
            };
            counter.fetch_add(1, Ordering::Relaxed);
        });
    }
    while requests.join_next().await.is_some() {}
    samples.push(sample(started.elapsed(), &counts).await);
    Ok(samples)
}
