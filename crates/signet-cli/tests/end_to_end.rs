//! `signet-cli` end to end against the real `signet-server` on loopback: enroll with a link
//! made through the server API, approve a sign-in started through the server API, and the
//! server reports `CHALLENGE_SUCCEEDED`.

// Test helpers panic on anything unexpected, like the tests themselves.
#![allow(clippy::unwrap_used)]

use std::process::Stdio;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use signet_core::EnrollmentLink;
use signet_server::{Config, RunningServer};
use tokio::io::{AsyncBufReadExt as _, BufReader, Lines};
use tokio::process::{ChildStdout, Command};

const CLI: &str = env!("CARGO_BIN_EXE_signet-cli");

/// The relying party's backend and page, through the server's HTTP API.
struct Rp {
    http: reqwest::Client,
    base: String,
    tenant_id: String,
    secret: String,
}

impl Rp {
    fn new(server: &RunningServer) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: server.base_url.clone(),
            tenant_id: server.tenant_id.clone(),
            secret: server.secret_key.clone(),
        }
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Value {
        let response = request.send().await.expect("server answers");
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{status}: {body}");
        body
    }

    fn backend(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        request.header(
            "Authorization",
            format!("Basic {}", STANDARD.encode(format!("{}:", self.secret))),
        )
    }

    async fn track(&self, user: &str, action: &str, attributes: Value) -> Value {
        let url = format!("{}/users/{user}/actions/{action}", self.base);
        self.send(self.backend(self.http.post(url)).json(&attributes))
            .await
    }

    async fn enrollment_link(&self, user: &str) -> String {
        let tracked = self
            .track(user, "enroll", json!({"scope": "add:authenticators"}))
            .await;
        EnrollmentLink {
            base_url: self.base.parse().unwrap(),
            tenant_id: self.tenant_id.clone(),
            token: tracked["token"].as_str().unwrap().to_owned(),
            user: Some(format!("{user}@example.com")),
            issuer: Some("Example".to_owned()),
        }
        .to_string()
    }

    /// Track + start push; returns (idempotency key, challenge id).
    async fn sign_in(&self, user: &str) -> (String, String) {
        let tracked = self.track(user, "signIn", json!({})).await;
        let started = self
            .send(
                self.http
                    .post(format!("{}/client/challenge/push", self.base))
                    .bearer_auth(tracked["token"].as_str().unwrap())
                    .json(&json!({"action": "signIn"})),
            )
            .await;
        (
            tracked["idempotencyKey"].as_str().unwrap().to_owned(),
            started["challengeId"].as_str().unwrap().to_owned(),
        )
    }

    async fn state(&self, user: &str, idempotency_key: &str) -> Value {
        let url = format!(
            "{}/users/{user}/actions/signIn/{idempotency_key}",
            self.base
        );
        self.send(self.backend(self.http.get(url))).await["state"].clone()
    }
}

/// The next stdout line of the CLI whose `type` is `kind`.
async fn next_of_type(lines: &mut Lines<BufReader<ChildStdout>>, kind: &str) -> Value {
    tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let line = lines
                .next_line()
                .await
                .expect("read")
                .unwrap_or_else(|| panic!("the CLI ended before printing a {kind} line"));
            let value: Value = serde_json::from_str(&line).expect("stdout lines are JSON");
            if value["type"] == kind {
                return value;
            }
        }
    })
    .await
    .unwrap_or_else(|_| panic!("no {kind} line"))
}

#[tokio::test]
async fn the_cli_enrolls_and_approves_a_sign_in_the_server_then_reports_succeeded() {
    let server = signet_server::spawn(Config::default()).await.unwrap();
    let rp = Rp::new(&server);
    let link = rp.enrollment_link("ada").await;

    let mut child = Command::new(CLI)
        .args(["--memory-keys", "watch", "--enroll", &link])
        .args(["--auto-approve", "--exit-after", "1"])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let account = next_of_type(&mut lines, "account").await;
    assert_eq!(account["userId"], "ada");

    let (idempotency_key, challenge_id) = rp.sign_in("ada").await;
    let received = next_of_type(&mut lines, "challengeReceived").await;
    assert_eq!(received["challenge"]["id"], challenge_id.as_str());
    let approved = next_of_type(&mut lines, "approved").await;
    assert_eq!(approved["challengeId"], challenge_id.as_str());
    assert_eq!(approved["isVerified"], true);

    let status = child.wait().await.unwrap();
    assert!(status.success(), "{status}");
    assert_eq!(
        rp.state("ada", &idempotency_key).await,
        "CHALLENGE_SUCCEEDED"
    );
}

#[tokio::test]
async fn auto_deny_fails_the_sign_in() {
    let server = signet_server::spawn(Config::default()).await.unwrap();
    let rp = Rp::new(&server);
    let link = rp.enrollment_link("bob").await;
    let mut child = Command::new(CLI)
        .args(["--memory-keys", "watch", "--enroll", &link])
        .args(["--auto-deny", "--exit-after", "1"])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    next_of_type(&mut lines, "account").await;
    let (idempotency_key, _) = rp.sign_in("bob").await;
    next_of_type(&mut lines, "denied").await;
    assert!(child.wait().await.unwrap().success());
    assert_eq!(rp.state("bob", &idempotency_key).await, "CHALLENGE_FAILED");
}

#[tokio::test]
async fn errors_are_explained_with_a_non_zero_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();

    let output = Command::new(CLI)
        .args(["--memory-keys", "--data-dir", data, "approve", "abc"])
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no account is enrolled"), "{stderr}");

    let output = Command::new(CLI)
        .args(["--memory-keys", "watch", "--enroll"])
        .arg("signet://enroll?v=2&url=https%3A%2F%2Fx.example%2Fv1&tenant=t&token=k")
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("version"), "{stderr}");

    let output = Command::new(CLI).args(["approve"]).output().await.unwrap();
    assert_eq!(output.status.code(), Some(2), "usage errors exit 2");
}

#[tokio::test]
#[ignore = "needs a Secret Service; scripts/test runs it"]
async fn separate_runs_enroll_and_approve_with_the_platform_keystore() {
    let server = signet_server::spawn(Config::default()).await.unwrap();
    let rp = Rp::new(&server);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap().to_owned();
    let cli = |args: &[&str]| {
        let mut command = Command::new(CLI);
        command
            .args(["--data-dir", &data, "--keyring-service", "signet-cli-test"])
            .args(args);
        command
    };

    let output = cli(&["enroll", &rp.enrollment_link("cy").await])
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let account: Value = serde_json::from_slice(&output.stdout).unwrap();

    let (idempotency_key, challenge_id) = rp.sign_in("cy").await;
    let output = cli(&["approve", &challenge_id]).output().await.unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        rp.state("cy", &idempotency_key).await,
        "CHALLENGE_SUCCEEDED"
    );

    let output = cli(&["remove", account["id"].as_str().unwrap()])
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
