//! Wake-ups and tenant changes across the servers of one PostgreSQL database.
//!
//! Every server LISTENs, on a connection of its own, on a channel of its schema (`signet_` and
//! 16 letters of a hash of the schema's name, so deployments in different schemas of one
//! database do not hear each other). Whoever wakes a topic (`notify::Notifier::notify`, after
//! the commit) or changes a tenant hands the change to its [`Outbox`]; a task sends what
//! gathered there with `pg_notify`, many changes to a payload and many payloads to a
//! statement. The other servers wake the topic's local waiters, or drop the tenant from their
//! cache.
//!
//! Notifications are fire and forget: one sent while a server's subscription is down never
//! reaches it. So on every (re)subscription a server wakes all its waiters once (they re-read
//! the database) and drops its whole tenant cache, and it retries a lost subscription at once
//! and then every second at most. As a safety net against a subscription that is down
//! unnoticed, every `Config::recheck_interval` ([`RECHECK`] by default) it wakes all its
//! waiters to re-read anyway.
//!
//! A payload is `<origin> <change> <change> ...`: the sending server's random origin (a
//! server skips its own), then `w<key>` (wake this topic) or `t<key>` (tenant changed), each
//! key 16 bytes in base64url. Keys are hashes (`notify::TopicKey`), so a payload holds no
//! user id nor tenant id. Anything else on the channel is ignored.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sqlx::postgres::{PgListener, PgPoolOptions};
use tokio::sync::{mpsc, watch};

use crate::notify::{Notifier, TopicKey};
use crate::store::Store;

/// How often every waiter is woken to re-read, whatever the subscription says (the
/// default of `Config::recheck_interval`).
pub(crate) const RECHECK: Duration = Duration::from_secs(5);

/// The first wait before a lost subscription is tried again, and the longest.
const RETRY_FIRST: Duration = Duration::from_millis(50);
const RETRY_MAX: Duration = Duration::from_secs(1);

/// Changes in one payload: 200 × 24 bytes stays well under PostgreSQL's 8,000-byte limit.
const CHANGES_PER_PAYLOAD: usize = 200;

/// A change the other servers must hear of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Change {
    /// Wake the waiters of this topic.
    Wake(TopicKey),
    /// The tenant with this key (`TopicKey::of(&["tenant", id])`) changed: drop it.
    Tenant(TopicKey),
}

impl Change {
    /// The change of the tenant with this id.
    pub(crate) fn tenant(id: &str) -> Self {
        Self::Tenant(tenant_key(id))
    }
}

/// The key of the tenant with this id, as [`Change::Tenant`] carries it.
pub(crate) fn tenant_key(id: &str) -> TopicKey {
    TopicKey::of(&["tenant", id])
}

/// Where a server's changes wait to be sent to the other servers.
#[derive(Debug, Clone)]
pub(crate) struct Outbox(mpsc::UnboundedSender<Change>);

impl Outbox {
    /// Queues `change` for the other servers (dropped once the server stops).
    pub(crate) fn send(&self, change: Change) {
        let _ = self.0.send(change);
    }
}

/// What [`start`] needs: the outbox and its other end.
pub(crate) fn outbox() -> (Outbox, mpsc::UnboundedReceiver<Change>) {
    let (sender, receiver) = mpsc::unbounded_channel();
    (Outbox(sender), receiver)
}

/// Starts the tasks of one server on the PostgreSQL database at `url`: sending what
/// `inbox` receives, listening to the other servers, and the re-read every `recheck`. They
/// end when `stop` turns true.
pub(crate) async fn start(
    url: &str,
    inbox: mpsc::UnboundedReceiver<Change>,
    notifier: Arc<Notifier>,
    store: Store,
    recheck: Duration,
    stop: &watch::Receiver<bool>,
) -> Result<(), crate::Error> {
    let origin = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 9]>());
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(2))
        .connect_lazy(url)?;
    let schema: String = sqlx::query_scalar("SELECT current_schema()")
        .fetch_one(&pool)
        .await?;
    let channel = channel(&schema);
    tokio::spawn(send(
        pool,
        channel.clone(),
        inbox,
        origin.clone(),
        stop.clone(),
    ));
    tokio::spawn(listen(
        url.to_owned(),
        channel,
        origin,
        Arc::clone(&notifier),
        store,
        stop.clone(),
    ));
    tokio::spawn(recheck_every(recheck, notifier, stop.clone()));
    Ok(())
}

/// The channel of the servers whose tables are in `schema`.
fn channel(schema: &str) -> String {
    let key = TopicKey::of(&["channel", schema]);
    format!("signet_{}", URL_SAFE_NO_PAD.encode(&key.0[..12]))
}

/// Sends what gathered in `inbox`, in one statement, as soon as the previous one is done.
async fn send(
    pool: sqlx::PgPool,
    channel: String,
    mut inbox: mpsc::UnboundedReceiver<Change>,
    origin: String,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let first = tokio::select! {
            change = inbox.recv() => change,
            _ = stop.wait_for(|stop| *stop) => None,
        };
        let Some(first) = first else { break };
        let mut changes = HashSet::from([first]);
        while let Ok(change) = inbox.try_recv() {
            changes.insert(change);
        }
        let changes: Vec<Change> = changes.into_iter().collect();
        let payloads = payloads(&origin, &changes);
        let sent = sqlx::query("SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload")
            .bind(&channel)
            .bind(&payloads)
            .execute(&pool)
            .await;
        if let Err(error) = sent {
            // The other servers re-read when they subscribe again, and every recheck.
            tracing::warn!(%error, changes = changes.len(), "could not tell the other servers");
        }
    }
    pool.close().await;
}

/// Listens to the other servers, subscribing again whenever the connection is lost.
async fn listen(
    url: String,
    channel: String,
    origin: String,
    notifier: Arc<Notifier>,
    store: Store,
    mut stop: watch::Receiver<bool>,
) {
    let mut retry = RETRY_FIRST;
    loop {
        let subscribed = tokio::select! {
            subscribed = subscribe(&url, &channel) => subscribed,
            _ = stop.wait_for(|stop| *stop) => return,
        };
        let mut listener = match subscribed {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!(%error, retry_ms = retry.as_millis(), "cannot listen to the other servers");
                tokio::select! {
                    () = tokio::time::sleep(retry) => {}
                    _ = stop.wait_for(|stop| *stop) => return,
                }
                retry = (retry * 2).min(RETRY_MAX);
                continue;
            }
        };
        retry = RETRY_FIRST;
        // Whatever was sent while no subscription was held is lost: re-read everything.
        store.forget_all_tenants();
        notifier.wake_all();
        tracing::info!("listening to the other servers");
        loop {
            let received = tokio::select! {
                received = listener.try_recv() => received,
                _ = stop.wait_for(|stop| *stop) => return,
            };
            match received {
                Ok(Some(notification)) => {
                    apply(notification.payload(), &origin, &notifier, &store);
                }
                Ok(None) => {
                    tracing::warn!("lost the connection that listens to the other servers");
                    break;
                }
                Err(error) => {
                    tracing::warn!(%error, "lost the connection that listens to the other servers");
                    break;
                }
            }
        }
    }
}

/// A listener on `channel` on a connection of its own. It does not reconnect by itself:
/// [`listen`] does, so that it knows when to re-read.
async fn subscribe(url: &str, channel: &str) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect(url).await?;
    listener.eager_reconnect(false);
    listener.listen(channel).await?;
    Ok(listener)
}

/// Wakes every waiter every `every`.
async fn recheck_every(every: Duration, notifier: Arc<Notifier>, mut stop: watch::Receiver<bool>) {
    let every = every.max(Duration::from_millis(10));
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => notifier.wake_all(),
            _ = stop.wait_for(|stop| *stop) => return,
        }
    }
}

/// Applies a payload from the channel: wakes topics, drops tenants. Skips this server's own
/// payloads (`origin`) and anything it cannot read.
fn apply(payload: &str, origin: &str, notifier: &Notifier, store: &Store) {
    let Some((from, changes)) = payload.split_once(' ') else {
        tracing::debug!("ignored a notification that is not ours");
        return;
    };
    if from == origin {
        return;
    }
    for change in changes.split(' ') {
        match parse(change) {
            Some(Change::Wake(key)) => notifier.wake(key),
            Some(Change::Tenant(key)) => store.forget_tenant_by_key(key),
            None => tracing::debug!("ignored a change that is not ours"),
        }
    }
}

/// The payloads that carry `changes` from `origin`.
fn payloads(origin: &str, changes: &[Change]) -> Vec<String> {
    changes
        .chunks(CHANGES_PER_PAYLOAD)
        .map(|chunk| {
            let mut payload = origin.to_owned();
            for change in chunk {
                let (kind, key) = match change {
                    Change::Wake(key) => ('w', key),
                    Change::Tenant(key) => ('t', key),
                };
                payload.push(' ');
                payload.push(kind);
                URL_SAFE_NO_PAD.encode_string(key.0, &mut payload);
            }
            payload
        })
        .collect()
}

/// One change of a payload, or `None` if it is not one.
fn parse(change: &str) -> Option<Change> {
    let kind = change.get(..1)?;
    let bytes = URL_SAFE_NO_PAD.decode(change.get(1..)?).ok()?;
    let key = TopicKey(<[u8; 16]>::try_from(bytes.as_slice()).ok()?);
    match kind {
        "w" => Some(Change::Wake(key)),
        "t" => Some(Change::Tenant(key)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notify::Topic;

    #[test]
    fn payloads_carry_every_change_under_the_size_limit_and_read_back() {
        let changes: Vec<Change> = (0..450)
            .map(|i| {
                if i % 3 == 0 {
                    Change::tenant(&format!("tenant-{i}"))
                } else {
                    Change::Wake(Topic::Challenge(format!("c{i}")).key())
                }
            })
            .collect();
        let payloads = payloads("origin", &changes);
        assert_eq!(payloads.len(), 3);
        let mut read = Vec::new();
        for payload in &payloads {
            assert!(payload.len() < 8000, "{} bytes", payload.len());
            let (origin, rest) = payload.split_once(' ').expect("origin");
            assert_eq!(origin, "origin");
            read.extend(
                rest.split(' ')
                    .map(|change| parse(change).expect("a change")),
            );
        }
        assert_eq!(read, changes);
    }

    #[test]
    fn a_payload_names_no_user_nor_tenant() {
        let change =
            Change::Wake(Topic::User("tenant-x".to_owned(), "ada@example.com".to_owned()).key());
        let payload = payloads("o", &[change, Change::tenant("tenant-x")]).concat();
        assert!(
            !payload.contains("ada") && !payload.contains("tenant-x"),
            "{payload}"
        );
    }

    #[test]
    fn each_schema_has_a_channel_of_its_own_within_the_length_limit() {
        let public = channel("public");
        assert_ne!(public, channel("signet_test_0123"));
        assert_eq!(public, channel("public"));
        assert!(public.len() < 63, "{public}");
    }

    #[test]
    fn changes_that_are_not_ours_are_refused() {
        let key = URL_SAFE_NO_PAD.encode([7u8; 16]);
        assert_eq!(
            parse(&format!("w{key}")),
            Some(Change::Wake(TopicKey([7; 16])))
        );
        for bad in [
            String::new(),
            "w".to_owned(),
            format!("x{key}"),
            format!("w{key}A"),
            format!("t{}", &key[1..]),
            "w!!!!".to_owned(),
            "é".to_owned(),
            format!("w{}", URL_SAFE_NO_PAD.encode([7u8; 17])),
        ] {
            assert_eq!(parse(&bad), None, "{bad:?}");
        }
    }
}
