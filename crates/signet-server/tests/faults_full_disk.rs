//! A full disk: while the database's file system has no space left, writes are refused with
//! 503 `storage_unavailable` (or taken, where SQLite still has room in its WAL), reads keep
//! working; once space returns, the refused writes succeed on retry, every write the server
//! acknowledged is in the database file, and the file is intact.
//!
//! The full disk is a real one: a 4 MiB tmpfs mounted for the test and filled up with a file.
//! Mounting needs root or `CAP_SYS_ADMIN`, so the test is ignored in a plain `cargo test`;
//! scripts/test runs it with `--ignored` as root (CI does), and it fails, rather than passing
//! unchecked, where it cannot mount.

mod common;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Answer, Harness};
use reqwest::Method;
use serde_json::json;

/// A small tmpfs mounted on a temporary folder, unmounted when dropped.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    /// Mounts a 4 MiB tmpfs; `None` when this machine does not let the test mount.
    fn mount() -> Option<Self> {
        let dir = tempfile::tempdir().ok()?;
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=4m", "signet-full-disk-test"])
            .arg(dir.path())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        mounted.then_some(Self { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        // Lazy, so a test that failed with files still open does not leave the mount behind.
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Fills the file system of `folder` with one file, until not one more byte fits.
fn fill(folder: &Path) -> PathBuf {
    let filler = folder.join("filler");
    let mut file = std::fs::File::create(&filler).expect("filler file");
    for chunk in [64 * 1024, 4096, 512, 1] {
        let bytes = vec![0u8; chunk];
        while file
            .write_all(&bytes)
            .and_then(|()| file.sync_all())
            .is_ok()
        {}
    }
    filler
}

/// `track signIn` for `user` with about 3 KiB of custom data.
async fn track(h: &Harness, user: &str) -> Answer {
    h.call(
        Method::POST,
        &format!("/users/{user}/actions/signIn"),
        Some(&h.secret_auth()),
        Some(json!({ "custom": { "note": "x".repeat(3000) } })),
    )
    .await
}

/// Asserts the 503 of a storage failure: section-7 body, `Retry-After` is not checked here
/// (the unit tests of `error.rs` do).
#[track_caller]
fn assert_storage_unavailable(answer: &Answer) {
    answer.error(503, "storage_unavailable");
}

#[tokio::test]
#[ignore = "mounts a 4 MiB tmpfs: needs root or CAP_SYS_ADMIN; scripts/test runs it as root"]
async fn a_full_disk_refuses_writes_with_a_503_and_loses_no_acknowledged_write_once_space_returns()
{
    let disk =
        SmallDisk::mount().expect("cannot mount a small tmpfs here (needs root or CAP_SYS_ADMIN)");
    let db = disk.path().join("signet.db");
    let h = Harness::start_with(|config| config.db = Some(db.clone().into())).await;
    let device = h.enrolled_device("ada").await;
    let (token, key) = h.sign_in("ada", json!({})).await;
    let challenge_id = h.challenge(&token).await;
    // 1. The disk fills up. Sign-ins are tracked until one is refused; each is either taken
    //    (200) or refused with the 503 that says to retry, never anything else.
    let filler = fill(disk.path());
    let mut acknowledged = Vec::new();
    let mut refused = false;
    for _ in 0..300 {
        let answer = track(&h, "bob").await;
        if answer.status.is_success() {
            let key = answer.body["idempotencyKey"].as_str().expect("key");
            acknowledged.push(key.to_owned());
        } else {
            assert_storage_unavailable(&answer);
            refused = true;
            break;
        }
    }
    assert!(
        refused,
        "300 sign-ins of 3 KiB were all taken on a full 4 MiB disk"
    );
    // The device's answer: taken or refused the same way.
    let first = device.answer(&h.api, &challenge_id, true, json!({})).await;
    if !first.status.is_success() {
        assert_storage_unavailable(&first);
    }
    // 2. Reads keep working.
    assert!(h.action("ada", &key).await["state"].is_string());
    // 3. Space returns: the refused writes succeed on retry.
    std::fs::remove_file(&filler).expect("filler removed");
    let retried = track(&h, "bob").await.ok();
    acknowledged.push(retried["idempotencyKey"].as_str().expect("key").to_owned());
    let told = device.answer(&h.api, &challenge_id, true, json!({})).await;
    if first.status.is_success() {
        told.error(409, "challenge_already_answered");
    } else {
        assert_eq!(told.ok()["isVerified"], true);
    }
    // 4. The server, the relying party and the file on disk agree on every acknowledged write.
    assert_eq!(
        h.verify(&token, &challenge_id).await.ok()["isConsumed"],
        true
    );
    assert_eq!(h.action("ada", &key).await["state"], "CHALLENGE_SUCCEEDED");
    for key in &acknowledged {
        // `ok()` asserts the 200: the server finds every sign-in it acknowledged.
        h.call(
            Method::GET,
            &format!("/users/bob/actions/signIn/{key}"),
            Some(&h.secret_auth()),
            None,
        )
        .await
        .ok();
    }
    let Harness { server, .. } = h;
    server.shutdown().await.expect("clean shutdown");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}?mode=ro", db.display()))
        .await
        .expect("open");
    let (stored,): (i64,) = sqlx::query_as("SELECT count(*) FROM actions WHERE user_id = 'bob'")
        .fetch_one(&pool)
        .await
        .expect("query");
    assert_eq!(
        usize::try_from(stored).ok(),
        Some(acknowledged.len()),
        "the database holds other sign-ins than those acknowledged"
    );
    let (answered,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM challenges WHERE id = ? AND answered_at IS NOT NULL")
            .bind(&challenge_id)
            .fetch_one(&pool)
            .await
            .expect("query");
    assert_eq!(answered, 1);
    let (check,): (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await
        .expect("check");
    assert_eq!(check, "ok");
    pool.close().await;
    drop(disk);
}
