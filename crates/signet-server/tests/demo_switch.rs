//! The `signet-server` binary serves the relying-party demo only when asked (`--demo` or
//! `SIGNET_DEMO=1`), and only on a loopback listener unless `--demo-public` says otherwise:
//! the demo hands out enrollment links for any user, so it must never be open by accident.
//! Each test runs the real binary on a fresh database.

#![allow(missing_docs)]

use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, BufReader};
use tokio::process::{Child, Command};

/// The binary with a database in `dir` and these arguments; no `SIGNET_*` from outside.
fn server(dir: &tempfile::TempDir, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_signet-server"));
    command
        .arg("--db")
        .arg(dir.path().join("signet.db"))
        .args(args)
        .env_remove("SIGNET_DEMO")
        .env_remove("SIGNET_DEMO_PUBLIC")
        .env_remove("SIGNET_LISTEN")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

/// A started binary: its origin (`http://127.0.0.1:PORT`), what it printed, the process.
struct Started {
    origin: String,
    printed: String,
    child: Child,
}

/// Starts the binary and reads what it prints until the demo page line.
async fn start(mut command: Command) -> Started {
    let mut child = command.spawn().expect("the binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut printed = String::new();
    let read = async {
        while let Some(line) = lines.next_line().await.expect("stdout is text") {
            printed.push_str(&line);
            printed.push('\n');
            if line.trim_start().starts_with("demo page:") {
                return;
            }
        }
    };
    if tokio::time::timeout(Duration::from_secs(30), read)
        .await
        .is_err()
    {
        panic!("the server printed no demo page line in 30 s: {printed}");
    }
    let base = printed
        .lines()
        .find_map(|line| line.trim_start().strip_prefix("base URL:"))
        .expect("a base URL line")
        .trim()
        .trim_end_matches("/v1")
        .replace("0.0.0.0", "127.0.0.1");
    Started {
        origin: base,
        printed,
        child,
    }
}

/// Everything the process wrote to stderr until it exits (after SIGKILL if still running).
async fn stderr_of(mut child: Child) -> String {
    let _ = child.start_kill();
    let mut text = String::new();
    if let Some(mut stderr) = child.stderr.take() {
        stderr.read_to_string(&mut text).await.expect("stderr");
    }
    text
}

async fn get(url: &str) -> (u16, Value) {
    let answer = reqwest::get(url).await.expect("answered");
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or(Value::Null))
}

async fn enroll(origin: &str) -> (u16, Value) {
    let answer = reqwest::Client::new()
        .post(format!("{origin}/demo/api/enroll"))
        .json(&json!({ "userId": "victim" }))
        .send()
        .await
        .expect("answered");
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn without_the_demo_flag_the_demo_is_the_servers_plain_404() {
    let dir = tempfile::tempdir().expect("temp dir");
    let started = start(server(&dir, &["--listen", "127.0.0.1:0"])).await;
    assert!(
        started.printed.contains("demo page:  off"),
        "{}",
        started.printed
    );
    for path in ["/demo/", "/demo", "/demo/api/config"] {
        let (status, body) = get(&format!("{}{path}", started.origin)).await;
        assert_eq!(status, 404, "{path}: {body}");
        assert_eq!(
            body["errorDescription"], "route not found",
            "{path}: {body}"
        );
    }
    // No enrollment link for anyone.
    let (status, body) = enroll(&started.origin).await;
    assert_eq!(status, 404, "{body}");
    assert!(body.get("link").is_none(), "{body}");
}

#[tokio::test]
async fn the_demo_flag_or_its_variable_serves_the_demo_on_loopback() {
    let dir = tempfile::tempdir().expect("temp dir");
    let by_flag = start(server(&dir, &["--listen", "127.0.0.1:0", "--demo"])).await;
    let (status, body) = get(&format!("{}/demo/api/config", by_flag.origin)).await;
    assert_eq!(status, 200, "{body}");
    let page = format!("{}/demo/", by_flag.origin);
    assert!(by_flag.printed.contains(&page), "{}", by_flag.printed);
    drop(by_flag);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut command = server(&dir, &["--listen", "127.0.0.1:0"]);
    command.env("SIGNET_DEMO", "1");
    let by_variable = start(command).await;
    let (status, body) = enroll(&by_variable.origin).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn the_demo_on_a_listener_that_is_not_loopback_is_refused_at_start() {
    let dir = tempfile::tempdir().expect("temp dir");
    for listen in ["0.0.0.0:0", "[::]:0"] {
        let child = server(&dir, &["--listen", listen, "--demo"])
            .spawn()
            .expect("the binary starts");
        let output = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
            .await
            .expect("the binary exits at once")
            .expect("its output");
        assert!(!output.status.success(), "{listen}: it started");
        let said = String::from_utf8_lossy(&output.stderr);
        assert!(
            said.contains(&format!("refusing to serve the demo on {listen}")),
            "{said}"
        );
        assert!(said.contains("--demo-public"), "{said}");
        assert!(said.contains("can enroll a device for any user"), "{said}");
        // It stopped before it touched anything.
        assert!(!dir.path().join("signet.db").exists());
    }
}

#[tokio::test]
async fn a_public_demo_starts_with_a_loud_warning() {
    let dir = tempfile::tempdir().expect("temp dir");
    let started = start(server(
        &dir,
        &["--listen", "0.0.0.0:0", "--demo", "--demo-public"],
    ))
    .await;
    let (status, body) = get(&format!("{}/demo/api/config", started.origin)).await;
    assert_eq!(status, 200, "{body}");
    let said = stderr_of(started.child).await;
    assert!(said.contains("WARN"), "{said}");
    assert!(
        said.contains("anyone who can reach this port can enroll a device for any user"),
        "{said}"
    );
}

#[tokio::test]
async fn demo_public_without_the_demo_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = server(&dir, &["--listen", "127.0.0.1:0", "--demo-public"])
        .output()
        .await
        .expect("the binary runs");
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("--demo"), "{said}");
}

#[tokio::test]
async fn a_later_start_with_the_demo_needs_the_secret_key_which_the_database_keeps_only_hashed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let first = start(server(&dir, &["--listen", "127.0.0.1:0", "--demo"])).await;
    let key = first
        .printed
        .lines()
        .find_map(|line| line.trim_start().strip_prefix("secret key:"))
        .expect("a secret key line")
        .trim()
        .to_owned();
    assert!(key.starts_with("sk_"), "{}", first.printed);
    drop(first);
    // 1. Without the key: a clear refusal.
    let output = server(&dir, &["--listen", "127.0.0.1:0", "--demo"])
        .env_remove("SIGNET_SECRET_KEY")
        .output()
        .await
        .expect("the binary runs");
    assert!(!output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("the demo needs the tenant's secret key"),
        "{said}"
    );
    // 2. Given the key, the demo works again.
    let mut command = server(&dir, &["--listen", "127.0.0.1:0", "--demo"]);
    command.env("SIGNET_SECRET_KEY", &key);
    let again = start(command).await;
    let (status, body) = enroll(&again.origin).await;
    assert_eq!(status, 200, "{body}");
}
