//! The `signet-server` binary itself: a log that cannot be written, the secret key on
//! standard output, the modes of the database files.

mod common;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use common::{Device, secret_basic};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, Command};

/// The binary on `db`, on a free loopback port, until dropped.
struct Binary {
    _child: Child,
    base: String,
    /// Everything it printed on standard output up to "Press Ctrl-C".
    printed: String,
}

impl Binary {
    async fn start(db: &Path, args: &[&str], stderr: Stdio) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_signet-server"))
            .args(["--db", &db.display().to_string()])
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(args)
            .env("RUST_LOG", "debug")
            .env_remove("SIGNET_SECRET_KEY")
            .stdout(Stdio::piped())
            .stderr(stderr)
            .kill_on_drop(true)
            .spawn()
            .expect("the binary starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let mut printed = String::new();
        tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(line) = lines.next_line().await.expect("stdout line") {
                printed.push_str(&line);
                printed.push('\n');
                if line.starts_with("Press Ctrl-C") {
                    return;
                }
            }
            panic!("the server stopped before it was ready: {printed}");
        })
        .await
        .expect("the server starts");
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Self {
            _child: child,
            base: format!("http://127.0.0.1:{port}/v1"),
            printed,
        }
    }

    /// The value printed after `label:`.
    fn printed(&self, label: &str) -> String {
        self.printed
            .lines()
            .find_map(|line| line.trim().strip_prefix(&format!("{label}:")))
            .unwrap_or_default()
            .trim()
            .to_owned()
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        auth: &str,
        body: Option<Value>,
    ) -> Value {
        let http = reqwest::Client::new();
        let mut request = http
            .request(method, format!("{}{path}", self.base))
            .header("Authorization", auth);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("answered");
        assert_eq!(response.status(), 200, "{path}");
        response.json().await.expect("JSON")
    }

    /// Enrolls a device, signs in with it and checks the relying party sees the approval.
    async fn sign_in(&self, tenant_id: &str, secret: &str) {
        use reqwest::Method;
        let secret = secret_basic(secret);
        let device = Device::new(tenant_id);
        let enroll = self
            .call(
                Method::POST,
                "/users/ada/actions/enroll",
                &secret,
                Some(json!({"scope": "add:authenticators"})),
            )
            .await;
        let token = enroll["token"].as_str().expect("token");
        self.call(
            Method::POST,
            "/client/user-authenticators/push",
            &format!("Bearer {token}"),
            Some(json!({"publicKey": device.pk(), "devicePlatform": "linux"})),
        )
        .await;
        let tracked = self
            .call(
                Method::POST,
                "/users/ada/actions/signIn",
                &secret,
                Some(json!({})),
            )
            .await;
        let bearer = format!("Bearer {}", tracked["token"].as_str().expect("token"));
        let started = self
            .call(
                Method::POST,
                "/client/challenge/push",
                &bearer,
                Some(json!({"action": "signIn"})),
            )
            .await;
        let challenge_id = started["challengeId"].as_str().expect("id");
        let query = device.public_key.to_query();
        let nonce = self
            .call(
                Method::POST,
                &format!("/client/user-authenticators/push/challenge/sign?publicKey={query}"),
                &device.basic(),
                None,
            )
            .await;
        let http = reqwest::Client::new();
        let fetched: Value = http
            .get(format!(
                "{}/client/user-authenticators/push/challenge?publicKey={query}",
                self.base
            ))
            .header("Authorization", device.basic())
            .header(
                "X-Authsignal-Signature",
                device.sign(nonce["message"].as_str().expect("message")),
            )
            .send()
            .await
            .expect("answered")
            .json()
            .await
            .expect("JSON");
        assert_eq!(fetched["challengeId"], challenge_id);
        self.call(
            Method::POST,
            "/client/user-authenticators/push/challenge",
            &device.basic(),
            Some(json!({
                "challengeId": challenge_id,
                "publicKey": device.pk(),
                "approved": true,
                "signature": device.sign(challenge_id),
            })),
        )
        .await;
        let verified = self
            .call(
                Method::POST,
                "/client/verify/push",
                &bearer,
                Some(json!({"challengeId": challenge_id})),
            )
            .await;
        assert_eq!(verified["isVerified"], true);
    }
}

#[tokio::test]
async fn a_server_whose_log_cannot_be_written_still_answers_whole_sign_ins() {
    let dir = tempfile::tempdir().expect("dir");
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let server = Binary::start(
        &dir.path().join("signet.db"),
        &["--tenant-id", "t", "--secret-key", "sk_binary_log_test"],
        Stdio::from(full),
    )
    .await;
    // Every request logs (debug): each log line fails with ENOSPC.
    for _ in 0..3 {
        server.sign_in("t", "sk_binary_log_test").await;
    }
}

#[tokio::test]
async fn the_secret_key_is_printed_in_full_only_by_the_start_that_creates_it() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("signet.db");
    let first = Binary::start(&db, &[], Stdio::null()).await;
    let key = first.printed("secret key");
    assert!(
        key.starts_with("sk_") && key.len() > 20,
        "{}",
        first.printed
    );
    drop(first);
    let second = Binary::start(&db, &[], Stdio::null()).await;
    assert!(!second.printed.contains(&key), "{}", second.printed);
    assert!(
        second
            .printed("secret key")
            .starts_with("(stored only as a hash"),
        "{}",
        second.printed
    );
    // The stored key still works.
    second.sign_in(&second.printed("tenant id"), &key).await;
}

#[tokio::test]
async fn a_secret_key_from_a_file_is_used_and_not_printed() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("key");
    std::fs::write(&file, "sk_from_a_file_0123456789\n").expect("key file");
    let server = Binary::start(
        &dir.path().join("signet.db"),
        &[
            "--tenant-id",
            "t",
            "--secret-key-file",
            &file.display().to_string(),
        ],
        Stdio::null(),
    )
    .await;
    assert!(
        !server.printed.contains("sk_from_a_file_0123456789"),
        "{}",
        server.printed
    );
    server.sign_in("t", "sk_from_a_file_0123456789").await;
}

#[cfg(unix)]
#[tokio::test]
async fn the_database_folder_and_files_are_owner_only() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().expect("dir");
    let folder = dir.path().join("data");
    let db = folder.join("signet.db");
    let server = signet_server::spawn(signet_server::Config {
        db: Some(db.clone().into()),
        ..signet_server::Config::default()
    })
    .await
    .expect("server starts");
    let mode = |path: &Path| {
        std::fs::metadata(path)
            .expect("exists")
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(&folder), 0o700);
    assert_eq!(mode(&db), 0o600);
    let wal = folder.join("signet.db-wal");
    assert_eq!(mode(&wal), 0o600);
    assert_eq!(mode(&folder.join("signet.db.token-key")), 0o600);
    server.shutdown().await.expect("shuts down");
}

#[tokio::test]
async fn a_webhook_secret_from_a_file_is_trimmed_and_signs_the_push_created_events() {
    use base64::Engine as _;
    use hmac::Mac as _;
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("webhook-secret");
    std::fs::write(&file, "  hook-secret-0123\n").expect("secret file");
    std::fs::write(dir.path().join("key"), "sk_webhook_test_0123456789\n").expect("key file");
    // A receiver that keeps what it gets.
    let (sender, mut received) = tokio::sync::mpsc::unbounded_channel::<(String, Vec<u8>)>();
    let hook_routes = axum::Router::new().route(
        "/hook",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| async move {
                let signature = headers
                    .get("x-signature-v2")
                    .and_then(|value| value.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                let _ = sender.send((signature, body.to_vec()));
                axum::http::StatusCode::NO_CONTENT
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("bind");
    let hook = format!("http://{}/hook", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, hook_routes).await });
    let server = Binary::start(
        &dir.path().join("signet.db"),
        &[
            "--tenant-id",
            "t",
            "--secret-key-file",
            &dir.path().join("key").display().to_string(),
            "--webhook-url",
            &hook,
            "--webhook-secret-file",
            &file.display().to_string(),
        ],
        Stdio::null(),
    )
    .await;
    server.sign_in("t", "sk_webhook_test_0123456789").await;
    let (signature, body) = tokio::time::timeout(Duration::from_secs(30), received.recv())
        .await
        .expect("the webhook got an event")
        .expect("an event");
    let (t, v2) = signature
        .strip_prefix("t=")
        .and_then(|rest| rest.split_once(",v2="))
        .expect("t=..,v2=..");
    let mut mac =
        <hmac::Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(b"hook-secret-0123").expect("key");
    mac.update(format!("{t}.").as_bytes());
    mac.update(&body);
    assert_eq!(
        v2,
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(mac.finalize().into_bytes())
    );
    let event: Value = serde_json::from_slice(&body).expect("JSON");
    assert_eq!(event["type"], "push.created");
}

#[tokio::test]
async fn a_delivery_set_up_wrong_stops_the_binary_with_a_clear_error_that_quotes_no_secret() {
    let dir = tempfile::tempdir().expect("dir");
    let garbage = dir.path().join("vapid.pem");
    std::fs::write(&garbage, "not-a-key-but-a-secret-looking-text").expect("file");
    let db = dir.path().join("signet.db").display().to_string();
    let cases: [(&[&str], Option<&str>, &str); 4] = [
        (
            &["--webhook-url", "http://hooks.example.net/h"],
            Some("a-secret-value"),
            "https://",
        ),
        (
            &["--webhook-url", "http://127.0.0.1:9/h"],
            None,
            "needs a secret",
        ),
        (
            &[
                "--vapid-key-file",
                &garbage.display().to_string(),
                "--vapid-subject",
                "mailto:ops@example.net",
            ],
            None,
            "no PEM P-256 private key",
        ),
        (
            &["--vapid-key-file", &garbage.display().to_string()],
            None,
            "--vapid-subject",
        ),
    ];
    for (args, secret, says) in cases {
        let mut command = Command::new(env!("CARGO_BIN_EXE_signet-server"));
        command
            .args(["--db", &db, "--listen", "127.0.0.1:0"])
            .args(args)
            .env_remove("SIGNET_WEBHOOK_SECRET")
            .kill_on_drop(true);
        if let Some(secret) = secret {
            command.env("SIGNET_WEBHOOK_SECRET", secret);
        }
        let output = tokio::time::timeout(Duration::from_secs(30), command.output())
            .await
            .expect("the binary stops")
            .expect("the binary runs");
        assert!(!output.status.success(), "{args:?} started");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(!stderr.contains("a-secret-value"), "{stderr}");
        assert!(!stderr.contains("secret-looking-text"), "{stderr}");
    }
}

#[tokio::test]
async fn a_token_key_that_is_not_64_hex_digits_stops_the_start_with_a_clear_error() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("signet.db");
    let output = Command::new(env!("CARGO_BIN_EXE_signet-server"))
        .args(["--db", &db.display().to_string(), "--listen", "127.0.0.1:0"])
        .env("SIGNET_TOKEN_KEY", "not-a-key")
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .output()
        .await
        .expect("the binary runs");
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("SIGNET_TOKEN_KEY"), "{said}");
    assert!(said.contains("not 64 hex digits"), "{said}");
    assert!(!said.contains("not-a-key"), "{said}");
    assert!(!db.exists(), "it stopped before it touched anything");
}

#[tokio::test]
async fn the_recheck_interval_is_taken_from_one_second_to_an_hour_and_refused_outside() {
    for value in ["0", "3601", "soon"] {
        let output = Command::new(env!("CARGO_BIN_EXE_signet-server"))
            .args(["--recheck-seconds", value])
            .env_remove("SIGNET_RECHECK_SECONDS")
            .output()
            .await
            .expect("the binary runs");
        assert!(
            !output.status.success(),
            "--recheck-seconds {value} was taken"
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("--recheck-seconds") && stderr.contains(value),
            "{value}: {stderr}"
        );
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Binary::start(
        &dir.path().join("signet.db"),
        &["--recheck-seconds", "1"],
        Stdio::null(),
    )
    .await;
    let health = reqwest::get(format!("{}/healthz", server.base.trim_end_matches("/v1")))
        .await
        .expect("the server answers");
    assert!(health.status().is_success(), "{}", health.status());
}
