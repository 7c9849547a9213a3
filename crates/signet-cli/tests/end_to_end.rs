//! `signet-cli` end to end against the real `signet-server` on loopback: enroll with a link
//! made through the server API, approve a sign-in started through the server API, and the
//! server reports `CHALLENGE_SUCCEEDED`.

// Test helpers panic on anything unexpected, like the tests themselves.
#![allow(clippy::unwrap_used)]

use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use signet_server::{Config, RunningServer};
use signet_testkit::Rp;
use tokio::io::{AsyncBufReadExt as _, BufReader, Lines};
use tokio::process::{ChildStdout, Command};

const CLI: &str = env!("CARGO_BIN_EXE_signet-cli");

/// The test kit's relying party of `server`'s tenant.
fn rp(server: &RunningServer) -> Rp {
    Rp::new(&server.base_url, &server.tenant_id, &server.secret_key).unwrap()
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
    let rp = rp(&server);
    let link = rp.enrollment_link("ada").await.unwrap().to_string();

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

    let sign_in = rp.sign_in("ada").await.unwrap();
    let received = next_of_type(&mut lines, "challengeReceived").await;
    assert_eq!(received["challenge"]["id"], sign_in.challenge_id.as_str());
    let approved = next_of_type(&mut lines, "approved").await;
    assert_eq!(approved["challengeId"], sign_in.challenge_id.as_str());
    assert_eq!(approved["isVerified"], true);

    let status = child.wait().await.unwrap();
    assert!(status.success(), "{status}");
    assert_eq!(
        rp.action(&sign_in).await.unwrap()["state"],
        "CHALLENGE_SUCCEEDED"
    );
}

#[tokio::test]
async fn auto_deny_fails_the_sign_in() {
    let server = signet_server::spawn(Config::default()).await.unwrap();
    let rp = rp(&server);
    let link = rp.enrollment_link("bob").await.unwrap().to_string();
    let mut child = Command::new(CLI)
        .args(["--memory-keys", "watch", "--enroll", &link])
        .args(["--auto-deny", "--exit-after", "1"])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    next_of_type(&mut lines, "account").await;
    let sign_in = rp.sign_in("bob").await.unwrap();
    next_of_type(&mut lines, "denied").await;
    assert!(child.wait().await.unwrap().success());
    assert_eq!(
        rp.action(&sign_in).await.unwrap()["state"],
        "CHALLENGE_FAILED"
    );
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
    let rp = rp(&server);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap().to_owned();
    let cli = |args: &[&str]| {
        let mut command = Command::new(CLI);
        command
            .args(["--data-dir", &data, "--keyring-service", "signet-cli-test"])
            .args(args);
        command
    };

    let output = cli(&[
        "enroll",
        &rp.enrollment_link("cy").await.unwrap().to_string(),
    ])
    .output()
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let account: Value = serde_json::from_slice(&output.stdout).unwrap();

    let sign_in = rp.sign_in("cy").await.unwrap();
    let output = cli(&["approve", &sign_in.challenge_id])
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        rp.action(&sign_in).await.unwrap()["state"],
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
