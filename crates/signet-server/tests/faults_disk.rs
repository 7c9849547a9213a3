//! A database that cannot be written: the server refuses to start with a clear message, or,
//! when it loses write access while running, refuses writes with a section-7 body (never a
//! stack trace or a path), keeps serving reads, and recovers without corruption.
//!
//! Taking write access away from a file that is already open needs the immutable flag
//! (`chattr +i`, root or `CAP_LINUX_IMMUTABLE`, on a file system that has it), so these tests
//! are ignored in a plain `cargo test`; scripts/test runs them with `--ignored` as root (CI
//! does), and each fails, rather than passing unchecked, where it cannot take write access.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::Harness;
use reqwest::Method;
use serde_json::json;

/// Write access taken away from some paths until dropped.
struct Locked {
    paths: Vec<PathBuf>,
    immutable: bool,
}

impl Locked {
    /// Makes `paths` read-only: permissions first, then the immutable flag where permissions
    /// do not bind (root). `None` when this machine cannot do either.
    fn lock(paths: &[PathBuf]) -> Option<Self> {
        let mut locked = Self {
            paths: paths.to_vec(),
            immutable: false,
        };
        for path in paths {
            set_writable(path, false);
        }
        if paths.iter().all(|p| !writable(p)) {
            return Some(locked);
        }
        let ok = Command::new("chattr")
            .arg("+i")
            .args(paths)
            .status()
            .is_ok_and(|status| status.success());
        locked.immutable = ok;
        (ok && paths.iter().all(|p| !writable(p))).then_some(locked)
    }
}

impl Drop for Locked {
    fn drop(&mut self) {
        if self.immutable {
            let _ = Command::new("chattr").arg("-i").args(&self.paths).status();
        }
        for path in &self.paths {
            set_writable(path, true);
        }
    }
}

fn set_writable(path: &Path, writable: bool) {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = match (path.is_dir(), writable) {
        (true, true) => 0o755,
        (true, false) => 0o555,
        (false, true) => 0o644,
        (false, false) => 0o444,
    };
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
}

/// Whether this process can write `path` (a file: append; a folder: create a file in it).
fn writable(path: &Path) -> bool {
    if path.is_dir() {
        let probe = path.join(".write-probe");
        let ok = std::fs::write(&probe, b"x").is_ok();
        let _ = std::fs::remove_file(probe);
        ok
    } else {
        std::fs::OpenOptions::new().append(true).open(path).is_ok()
    }
}

#[tokio::test]
#[ignore = "takes write access from files (chmod, and chattr +i as root); scripts/test runs it as root"]
async fn a_database_folder_that_cannot_be_written_stops_the_start_with_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let folder = dir.path().join("data");
    std::fs::create_dir(&folder).expect("mkdir");
    let db = folder.join("signet.db");
    let _locked = Locked::lock(std::slice::from_ref(&folder))
        .expect("cannot make a folder read-only here (run as root, with chattr)");
    // 1. The library says why.
    let error = signet_server::spawn(signet_server::Config {
        db: Some(db.clone().into()),
        ..signet_server::Config::default()
    })
    .await
    .expect_err("a database in a read-only folder");
    let message = error.to_string();
    assert!(
        message.contains("database") || message.contains("open"),
        "{message}"
    );
    // 2. The binary exits non-zero and names the database in words.
    let output = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::process::Command::new(env!("CARGO_BIN_EXE_signet-server"))
            .args(["--db", &db.display().to_string(), "--listen", "127.0.0.1:0"])
            .output(),
    )
    .await
    .expect("the binary gives up")
    .expect("the binary runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot start with database") && stderr.contains("signet.db"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!db.exists());
}

/// A server on a database in its own folder, with a device and a pending challenge.
struct Running {
    _dir: tempfile::TempDir,
    db: PathBuf,
    h: Harness,
    device: common::Device,
    token: String,
    key: String,
    challenge_id: String,
}

impl Running {
    async fn start() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("signet.db");
        let h = Harness::start_with(|config| config.db = Some(db.clone().into())).await;
        let device = h.enrolled_device("ada").await;
        let (token, key) = h.sign_in("ada", json!({})).await;
        let challenge_id = h.challenge(&token).await;
        Self {
            _dir: dir,
            db,
            h,
            device,
            token,
            key,
            challenge_id,
        }
    }

    /// Takes write access from the database, its WAL and its folder (`None`: cannot here).
    fn lock(&self) -> Option<Locked> {
        let folder = self.db.parent().expect("folder").to_path_buf();
        let wal = folder.join("signet.db-wal");
        let mut paths = vec![self.db.clone(), folder];
        if wal.exists() {
            paths.push(wal);
        }
        Locked::lock(&paths)
    }
}

#[tokio::test]
#[ignore = "takes write access from files (chmod, and chattr +i as root); scripts/test runs it as root"]
async fn losing_write_access_while_running_refuses_writes_in_words_and_keeps_serving_reads() {
    let r = Running::start().await;
    let locked = r
        .lock()
        .expect("cannot take write access from an open file here (needs chattr +i as root)");
    // 1. Writes are refused with the section-7 body and nothing of the server's insides.
    let refusals = [
        r.h.call(
            Method::POST,
            "/users/ada/actions/signIn",
            Some(&r.h.secret_auth()),
            Some(json!({})),
        )
        .await,
        r.device
            .answer(&r.h.api, &r.challenge_id, true, json!({}))
            .await,
    ];
    for refused in &refusals {
        assert!(refused.status.is_server_error(), "{refused:?}");
        assert!(refused.body["error"].is_string(), "{refused:?}");
        let description = refused.body["errorDescription"]
            .as_str()
            .unwrap_or_default();
        for inside in [
            "sqlite",
            "SQLITE",
            "signet.db",
            "/tmp",
            "panicked",
            "readonly",
        ] {
            assert!(!description.contains(inside), "{description}");
        }
    }
    // 2. Reads still work, and show nothing of the refused answer.
    assert_eq!(
        r.h.action("ada", &r.key).await["state"],
        "CHALLENGE_REQUIRED"
    );
    assert_eq!(
        r.h.verify(&r.token, &r.challenge_id).await.ok()["isConsumed"],
        false
    );
    drop(locked);
}

#[tokio::test]
#[ignore = "takes write access from files (chmod, and chattr +i as root); scripts/test runs it as root"]
async fn once_write_access_returns_every_acknowledged_answer_is_durable() {
    let r = Running::start().await;
    let locked = r
        .lock()
        .expect("cannot take write access from an open file here (needs chattr +i as root)");
    // A sign-in and an answer are refused meanwhile.
    let tracked =
        r.h.call(
            Method::POST,
            "/users/ada/actions/signIn",
            Some(&r.h.secret_auth()),
            Some(json!({})),
        )
        .await;
    assert!(tracked.status.is_server_error(), "{tracked:?}");
    let refused = r
        .device
        .answer(&r.h.api, &r.challenge_id, true, json!({}))
        .await;
    assert!(refused.status.is_server_error(), "{refused:?}");
    // 1. The disk is back; the device retries and is told the answer was taken.
    drop(locked);
    let told = r
        .device
        .answer(&r.h.api, &r.challenge_id, true, json!({}))
        .await
        .ok();
    assert_eq!(told["isVerified"], true);
    // 2. The server, the relying party and the file on disk all agree.
    let verified = r.h.verify(&r.token, &r.challenge_id).await.ok();
    assert_eq!(
        verified["isConsumed"], true,
        "an acknowledged answer is not visible"
    );
    assert_eq!(
        r.h.action("ada", &r.key).await["state"],
        "CHALLENGE_SUCCEEDED"
    );
    assert_eq!(r.h.validate(&r.token).await.ok()["isValid"], true);
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}?mode=ro", r.db.display()))
        .await
        .expect("open");
    let (answered,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM challenges WHERE id = ? AND answered_at IS NOT NULL")
            .bind(&r.challenge_id)
            .fetch_one(&pool)
            .await
            .expect("query");
    assert_eq!(
        answered, 1,
        "the acknowledged answer is not in the database file"
    );
    let (check,): (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await
        .expect("check");
    assert_eq!(check, "ok");
}

#[tokio::test]
#[ignore = "takes write access from files (chmod, and chattr +i as root); scripts/test runs it as root"]
async fn an_unwritable_database_is_a_503_that_says_to_retry() {
    let r = Running::start().await;
    let _locked = r
        .lock()
        .expect("cannot take write access from an open file here (needs chattr +i as root)");
    let refused =
        r.h.call(
            Method::POST,
            "/users/ada/actions/signIn",
            Some(&r.h.secret_auth()),
            Some(json!({})),
        )
        .await;
    assert_eq!(refused.status.as_u16(), 503, "{refused:?}");
    assert_eq!(refused.body["error"], "storage_unavailable", "{refused:?}");
    let description = refused.body["errorDescription"]
        .as_str()
        .unwrap_or_default();
    assert!(description.contains("retry"), "{description}");
}
