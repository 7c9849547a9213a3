//! The purge task: deletes expired nonces and enrollment-token records, challenges an hour
//! after they expired, and actions (with their challenges) older than the retention, every
//! `purge_interval` (more often for a retention shorter than four of them), in batches of at most `store::PURGE_BATCH` rows, off the request path.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use signet_protocol::clock::Clock;

use crate::config::duration_ms;
use crate::store::Store;

/// How long an expired challenge is kept, so that late answers and verifies still get
/// `challenge_expired` rather than "not found".
pub(crate) const CHALLENGE_GRACE: Duration = Duration::from_secs(3600);

/// Purges every `interval` (or every quarter of a shorter `retention`, so that a retention of
/// seconds holds) until `stop` turns `true`.
pub(crate) async fn purge_task(
    store: Store,
    clock: Arc<dyn Clock>,
    retention: Duration,
    interval: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let every = interval.min(retention / 4).max(Duration::from_millis(10));
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.wait_for(|stop| *stop) => return,
        }
        let now = clock.now_ms();
        let challenges_before = now.saturating_sub(duration_ms(CHALLENGE_GRACE));
        let actions_before = now.saturating_sub(duration_ms(retention));
        match store.purge(now, challenges_before, actions_before).await {
            Ok(purged) if purged != crate::store::Purged::default() => {
                tracing::debug!(?purged, "expired rows purged");
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "purging expired rows failed"),
        }
    }
}
