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

/// The binary started on `db` with `args` on a free loopback port: the child and its base URL.
async fn binary(db: &std::path::Path, args: &[&str]) -> (tokio::process::Child, String) {
    use tokio::io::AsyncBufReadExt as _;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_signet-server"))
        .args(["--db", &db.display().to_string()])
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(["--tenant-id", "retention-tenant"])
        .args(args)
        .env("SIGNET_SECRET_KEY", "sk_retention_test_key")
        .env_remove("SIGNET_RETENTION_DAYS")
        .env_remove("SIGNET_RETENTION_SECONDS")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts");
    let mut lines = tokio::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
    tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(line) = lines.next_line().await.expect("stdout line") {
            if line.starts_with("Press Ctrl-C") {
                return;
            }
        }
        panic!("the server stopped before it was ready");
    })
    .await
    .expect("the server starts");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, format!("http://127.0.0.1:{port}/v1"))
}

/// Rows in the `actions` table of the database file `db`.
async fn action_rows(db: &std::path::Path) -> i64 {
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(db)
        .read_only(true);
    let mut conn = sqlx::ConnectOptions::connect(&options)
        .await
        .expect("opens");
    sqlx::query_scalar("SELECT COUNT(*) FROM actions")
        .fetch_one(&mut conn)
        .await
        .expect("counts")
}

#[tokio::test]
async fn the_binary_with_a_retention_of_seconds_purges_actions_older_than_that() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let db = dir.path().join("signet.db");
    let (_child, base) = binary(&db, &["--retention-seconds", "2"]).await;
    let tracked = reqwest::Client::new()
        .post(format!("{base}/users/alice/actions/signIn"))
        .header(
            "Authorization",
            common::secret_basic("sk_retention_test_key"),
        )
        .json(&json!({}))
        .send()
        .await
        .expect("track answers");
    assert_eq!(tracked.status(), 200);
    assert_eq!(action_rows(&db).await, 1);
    // Two seconds of retention, purged every half second: gone within a few seconds.
    for _ in 0..100 {
        if action_rows(&db).await == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the action is still there after 10 s");
}

#[tokio::test]
async fn the_binary_refuses_a_retention_in_both_days_and_seconds() {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_signet-server"))
        .args(["--retention-days", "1", "--retention-seconds", "60"])
        .env_remove("SIGNET_RETENTION_DAYS")
        .env_remove("SIGNET_RETENTION_SECONDS")
        .output()
        .await
        .expect("the binary runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--retention-seconds") && stderr.contains("cannot be used with"),
        "{stderr}"
    );
}

#[tokio::test]
async fn the_binary_refuses_a_retention_of_zero() {
    for flag in ["--retention-seconds", "--retention-days"] {
        let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_signet-server"))
            .args([flag, "0"])
            .env_remove("SIGNET_RETENTION_DAYS")
            .env_remove("SIGNET_RETENTION_SECONDS")
            .output()
            .await
            .expect("the binary runs");
        assert!(!output.status.success(), "{flag} 0 was taken");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains(flag) && stderr.contains("0 is not in 1.."),
            "{flag}: {stderr}"
        );
    }
}
