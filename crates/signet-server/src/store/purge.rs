//! Retention: deleting expired and old rows in small batches.

use super::backend::row_id;
use super::{Store, sqlite, with_conn};
use crate::Error;

/// How many rows one purge removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// Expired nonces.
    pub nonces: u64,
    /// Challenges expired for longer than the grace period.
    pub challenges: u64,
    /// Actions older than the retention.
    pub actions: u64,
    /// Records of expired enrollment tokens.
    pub enrollment_tokens: u64,
}

/// Most rows one purge statement deletes: the writer is held for one short batch at a time.
pub const PURGE_BATCH: u32 = 1000;

/// The purge statements, in order: each deletes at most `$2` rows older than `$1`. `rowid`
/// is the row's physical id (`ctid` on PostgreSQL).
const STATEMENTS: [&str; 5] = [
    "DELETE FROM nonces WHERE rowid IN
     (SELECT rowid FROM nonces WHERE expires_at <= $1 LIMIT $2)",
    "DELETE FROM enrollment_tokens WHERE rowid IN
     (SELECT rowid FROM enrollment_tokens WHERE expires_at <= $1 LIMIT $2)",
    "DELETE FROM challenges WHERE rowid IN
     (SELECT rowid FROM challenges WHERE expires_at <= $1 LIMIT $2)",
    "DELETE FROM challenges WHERE rowid IN
     (SELECT c.rowid FROM actions a JOIN challenges c
      ON c.tenant_id = a.tenant_id AND c.idempotency_key = a.idempotency_key
      WHERE a.created_at <= $1 LIMIT $2)",
    "DELETE FROM actions WHERE rowid IN
     (SELECT rowid FROM actions WHERE created_at <= $1 LIMIT $2)",
];

impl Store {
    /// Deletes, in batches of at most [`PURGE_BATCH`] rows per statement (each its own short
    /// write), expired nonces and enrollment-token records, challenges that expired before
    /// `challenges_before`, and actions created before `actions_before` with their
    /// challenges.
    pub async fn purge(
        &self,
        now: i64,
        challenges_before: i64,
        actions_before: i64,
    ) -> Result<Purged, Error> {
        let bounds = [now, now, challenges_before, actions_before, actions_before];
        let mut counts = [0_u64; 5];
        for ((statement, bound), count) in STATEMENTS.iter().zip(bounds).zip(&mut counts) {
            loop {
                let deleted = with_conn!(
                    self,
                    |conn| {
                        let statement = statement.replace("rowid", row_id(&*conn));
                        Ok(sqlx::query(&statement)
                            .bind(bound)
                            .bind(i64::from(PURGE_BATCH))
                            .execute(&mut *conn)
                            .await?
                            .rows_affected())
                    },
                    |conn| sqlite::execute(conn, statement, &[&bound, &i64::from(PURGE_BATCH)])
                )?;
                *count += deleted;
                if deleted < u64::from(PURGE_BATCH) {
                    break;
                }
                // Let requests waiting for the writer go first.
                tokio::task::yield_now().await;
            }
        }
        Ok(Purged {
            nonces: counts[0],
            enrollment_tokens: counts[1],
            challenges: counts[2] + counts[3],
            actions: counts[4],
        })
    }
}
