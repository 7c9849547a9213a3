//! Retention: expired nonces and challenges, and actions older than the retention, are
//! purged by the background task; recent rows are kept; a tenant's open actions are capped
//! (docs/security.md, "unbounded growth").

mod common;

use std::time::Duration;

use common::Harness;
use serde_json::json;

/// Rows in `table` of the server's database.
async fn rows(h: &Harness, table: &str) -> i64 {
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&h.server.db_path)
        .read_only(true);
    let mut db = sqlx::ConnectOptions::connect(&options)
        .await
        .expect("opens");
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&mut db)
        .await
        .expect("counts")
}

/// Waits (bounded) until `table` has `n` rows.
async fn until_rows(h: &Harness, table: &str, n: i64) {
    for _ in 0..400 {
        if rows(h, table).await == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{table} still has {} rows, not {n}", rows(h, table).await);
}

async fn purging_harness() -> Harness {
    Harness::start_with(|config| {
        config.retention = Duration::from_secs(7 * 24 * 3600);
        config.purge_interval = Duration::from_millis(50);
    })
    .await
}

#[tokio::test]
async fn expired_nonces_and_challenges_and_actions_past_the_retention_are_purged() {
    let h = purging_harness().await;
    let device = h.enrolled_device("alice").await;
    let (token, _) = h.sign_in("alice", json!({})).await;
    h.challenge(&token).await;
    device.nonce(&h.api).await;
    assert_eq!(rows(&h, "nonces").await, 1);
    assert_eq!(rows(&h, "challenges").await, 1);
    assert_eq!(rows(&h, "actions").await, 2); // enroll and signIn
    // Eight days later (the retention is seven).
    h.clock.advance(Duration::from_secs(8 * 24 * 3600));
    until_rows(&h, "nonces", 0).await;
    until_rows(&h, "challenges", 0).await;
    until_rows(&h, "actions", 0).await;
    // The device itself is kept.
    assert_eq!(rows(&h, "authenticators").await, 1);
}

#[tokio::test]
async fn actions_within_the_retention_are_kept_while_expired_nonces_and_challenges_go() {
    let h = purging_harness().await;
    let device = h.enrolled_device("alice").await;
    let (token, key) = h.sign_in("alice", json!({})).await;
    h.challenge(&token).await;
    device.nonce(&h.api).await;
    // Two days later: the nonce (5 minutes) and the challenge (2 minutes, plus an hour of
    // grace) have expired; the actions are within the retention.
    h.clock.advance(Duration::from_secs(2 * 24 * 3600));
    until_rows(&h, "nonces", 0).await;
    until_rows(&h, "challenges", 0).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(rows(&h, "actions").await, 2);
    assert_eq!(h.action("alice", &key).await["state"], "CHALLENGE_REQUIRED");
}

#[tokio::test]
async fn a_challenge_expired_less_than_an_hour_ago_is_kept() {
    let h = purging_harness().await;
    h.enrolled_device("alice").await;
    let (token, _) = h.sign_in("alice", json!({})).await;
    h.challenge(&token).await;
    h.clock.advance(Duration::from_secs(30 * 60));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(rows(&h, "challenges").await, 1);
}

#[tokio::test]
async fn a_tenant_at_its_cap_of_open_actions_gets_429_until_they_finish_or_expire() {
    let h = Harness::start_with(|config| config.rate_limits.max_open_actions = 3).await;
    let auth = h.secret_auth();
    let track = |key: &'static str| {
        h.call(
            reqwest::Method::POST,
            "/users/alice/actions/signIn",
            Some(&auth),
            Some(json!({ "idempotencyKey": key })),
        )
    };
    for key in ["k1", "k2", "k3"] {
        track(key).await.ok();
    }
    // A fourth open action is refused with a clear error ...
    let refused = track("k4").await;
    refused.error(429, "rate_limited");
    assert!(
        refused.body["errorDescription"]
            .as_str()
            .is_some_and(|text| text.contains("open actions")),
        "{}",
        refused.body
    );
    // ... a retry of an existing one is not ...
    track("k1").await.ok();
    // ... and once the open ones are older than a track token, new ones are taken again.
    h.clock.advance(Duration::from_secs(11 * 60));
    track("k4").await.ok();
}
