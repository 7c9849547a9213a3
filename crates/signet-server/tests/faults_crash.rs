//! Crash safety: the real `signet-server` binary is killed with SIGKILL in the middle of 200
//! concurrent sign-ins and answers, then restarted on the same database. Every challenge the
//! device was told was answered is answered, once, as told; none is lost or doubled; the
//! relying party's `verify` and `validate` agree with what the device was told.

use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use signet_testkit::{Api, Device, Error, Rp};
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::{Mutex, Notify, Semaphore};
use tokio::task::JoinSet;

const TENANT: &str = "crash-tenant";
const SECRET: &str = "sk_crash_test_secret";
const FLOWS: usize = 200;
/// The server is killed once this many answers were confirmed to the device.
const KILL_AFTER: usize = 60;

/// The `signet-server` binary on a database, on a free loopback port.
struct Binary {
    child: Child,
    base: String,
}

impl Binary {
    async fn start(db: &Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_signet-server"))
            .args(["--db", &db.display().to_string()])
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--tenant-id", TENANT, "--secret-key", SECRET])
            .args(["--max-open-challenges", "100000"])
            .args(["--max-recent-challenges", "100000"])
            .args(["--not-me-cooldown-seconds", "0"])
            // 16 flows at once from one address: more nonces a second than a phone asks for.
            .args(["--nonces-per-address-per-second", "100000"])
            .env("RUST_LOG", "error")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("the binary starts");
        // Ready once it printed its base URL.
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let mut base = None;
        while let Some(line) = lines.next_line().await.expect("stdout line") {
            if let Some(url) = line.trim().strip_prefix("base URL:") {
                base = Some(url.trim().to_owned());
                break;
            }
        }
        let base = base.expect("the server printed its base URL");
        // Keep draining stdout so the server never blocks on it.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Self { child, base }
    }

    /// SIGKILL: no shutdown, no flush, no goodbye.
    async fn kill_9(mut self) {
        self.child.start_kill().expect("kill");
        let status = self.child.wait().await.expect("wait");
        assert!(!status.success(), "the server exited cleanly: {status}");
    }
}

/// The test kit's relying party of the tenant at `base`; requests time out after 30 s.
fn relying_party(base: &str) -> Rp {
    Rp::on(
        Api::new(base, Duration::from_secs(30)).expect("client"),
        TENANT,
        SECRET,
    )
}

/// What one flow got to before the crash.
#[derive(Debug, Clone, Default)]
struct Flow {
    user: String,
    token: Option<String>,
    idempotency_key: Option<String>,
    challenge_id: Option<String>,
    approve: bool,
    /// `isVerified` the device was told, when its answer was confirmed.
    told: Option<bool>,
}

/// One sign-in, start to answer; stops quietly at the first failure (the crash).
async fn run_flow(rp: &Rp, device: &Device, flow: &Mutex<Flow>) -> Result<(), Error> {
    let (user, approve) = {
        let flow = flow.lock().await;
        (flow.user.clone(), flow.approve)
    };
    // 1. RP backend: track.
    let tracked = rp.track_answer(&user, "signIn", &json!({})).await?;
    if tracked.status != StatusCode::OK {
        return Ok(());
    }
    let token = tracked.body["token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    {
        let mut flow = flow.lock().await;
        flow.token = Some(token.clone());
        flow.idempotency_key = tracked.body["idempotencyKey"].as_str().map(str::to_owned);
    }
    // 2. Initiator: challenge/push.
    let started = rp
        .start_challenge_answer(&token, &json!({"action": "signIn"}))
        .await?;
    if started.status != StatusCode::OK {
        return Ok(());
    }
    let challenge_id = started.body["challengeId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    flow.lock().await.challenge_id = Some(challenge_id.clone());
    // 3. Device: nonce, signed fetch, answer.
    let nonce = device.try_nonce(rp.api()).await?;
    if nonce.status != StatusCode::OK {
        return Ok(());
    }
    let message = nonce.body["message"].as_str().unwrap_or_default();
    let pending = device
        .try_fetch_signed(rp.api(), &device.sign(message), None)
        .await?;
    if pending.body.is_null() {
        // Not JSON: the server went away while answering.
        return Ok(());
    }
    assert_eq!(
        pending.body["challengeId"],
        challenge_id.as_str(),
        "the device got another challenge"
    );
    let answered = device
        .try_answer(rp.api(), &challenge_id, approve, json!({}))
        .await?;
    if answered.status == StatusCode::OK {
        flow.lock().await.told = answered.body["isVerified"].as_bool();
    }
    Ok(())
}

/// 200 users, each with one enrolled device.
async fn enroll_all(rp: &Rp) -> Vec<Device> {
    let mut devices = Vec::new();
    for i in 0..FLOWS {
        devices.push(Device::enrolled(rp, &format!("user-{i}")).await);
    }
    devices
}

/// Runs one sign-in per device, 16 at a time (two in three approve), and kills the server
/// once `KILL_AFTER` answers were confirmed. Returns what each flow got to.
async fn load_then_kill(server: Binary, rp: &Rp, devices: &[Device]) -> Vec<Flow> {
    let flows: Vec<Arc<Mutex<Flow>>> = (0..FLOWS)
        .map(|i| {
            Arc::new(Mutex::new(Flow {
                user: format!("user-{i}"),
                approve: i % 3 != 0,
                ..Flow::default()
            }))
        })
        .collect();
    let confirmed = Arc::new(AtomicUsize::new(0));
    let enough = Arc::new(Notify::new());
    let permits = Arc::new(Semaphore::new(16));
    let mut load = JoinSet::new();
    for (flow, device) in flows.iter().zip(devices) {
        let (rp, flow, device) = (rp.clone(), Arc::clone(flow), device.clone());
        let (confirmed, enough, permits) = (
            Arc::clone(&confirmed),
            Arc::clone(&enough),
            Arc::clone(&permits),
        );
        load.spawn(async move {
            let _permit = permits.acquire_owned().await.expect("semaphore");
            let _ = run_flow(&rp, &device, &flow).await;
            if flow.lock().await.told.is_some()
                && confirmed.fetch_add(1, Ordering::SeqCst) + 1 == KILL_AFTER
            {
                enough.notify_one();
            }
        });
    }
    // Enough answers confirmed, or every flow over without enough (the caller's assertion
    // then says how many): never wait for ever.
    tokio::select! {
        () = enough.notified() => {}
        () = async { while load.join_next().await.is_some() {} } => {}
    }
    server.kill_9().await;
    while load.join_next().await.is_some() {}
    let mut all = Vec::new();
    for flow in &flows {
        all.push(flow.lock().await.clone());
    }
    all
}

/// After the restart: checks one flow against what its device was told; returns whether it
/// was answered only now.
async fn check_flow(rp: &Rp, flow: &Flow, device: &Device) -> bool {
    let (Some(token), Some(key), Some(challenge_id)) =
        (&flow.token, &flow.idempotency_key, &flow.challenge_id)
    else {
        return false;
    };
    let verify = || async {
        rp.verify_answer(token, challenge_id, None)
            .await
            .expect("answered")
            .ok()
    };
    let answer = |approved| device.answer(rp.api(), challenge_id, approved, json!({}));
    let mut late = false;
    let decided = if let Some(is_verified) = flow.told {
        // 1. Told answered: answered as told, and only once.
        assert!(is_verified, "a plain approve or deny is taken as given");
        let verified = verify().await;
        assert_eq!(verified["isConsumed"], true, "{}: answer lost", flow.user);
        assert_eq!(
            verified["isVerified"], flow.approve,
            "{}: answer changed",
            flow.user
        );
        let again = answer(!flow.approve).await;
        assert_eq!(
            (again.status.as_u16(), again.body["error"].as_str()),
            (409, Some("challenge_already_answered")),
            "{}",
            flow.user
        );
        flow.approve
    } else {
        // 2. Not confirmed: either it landed before the crash (then it is final), or the
        //    device may answer now, once.
        let before = verify().await;
        if before["isConsumed"] == true {
            before["isVerified"] == true
        } else {
            late = true;
            let status = answer(flow.approve).await.status;
            assert_eq!(status, StatusCode::OK, "{}", flow.user);
            let status = answer(flow.approve).await.status;
            assert_eq!(
                status,
                StatusCode::CONFLICT,
                "{}: answered twice",
                flow.user
            );
            flow.approve
        }
    };
    // 3. The RP backend agrees: the action's state, and validate (valid once if approved).
    let action = rp
        .action_answer(&flow.user, key)
        .await
        .expect("answered")
        .ok();
    let expected = if decided {
        "CHALLENGE_SUCCEEDED"
    } else {
        "CHALLENGE_FAILED"
    };
    assert_eq!(action["state"], expected, "{}", flow.user);
    let validated = rp.validate_answer(token).await.expect("answered").ok();
    assert_eq!(validated["isValid"], decided, "{}", flow.user);
    late
}

/// The database file passes SQLite's integrity check and no challenge is half answered.
async fn check_file(db: &Path) {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}?mode=ro", db.display()))
        .await
        .expect("open");
    let (check,): (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await
        .expect("check");
    assert_eq!(check, "ok");
    let (inconsistent,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM challenges WHERE (answered_at IS NULL) != (approved IS NULL)",
    )
    .fetch_one(&pool)
    .await
    .expect("query");
    assert_eq!(inconsistent, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_200_concurrent_sign_ins_loses_and_doubles_no_answer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("signet.db");
    // 1. The binary, 200 enrolled devices, then 200 sign-ins killed in the middle.
    let server = Binary::start(&db).await;
    let rp = relying_party(&server.base);
    let devices = enroll_all(&rp).await;
    let flows = load_then_kill(server, &rp, &devices).await;
    let told = flows.iter().filter(|f| f.told.is_some()).count();
    assert!(
        (KILL_AFTER..FLOWS).contains(&told),
        "{told} answers confirmed: not in the middle"
    );
    // 2. Restart on the same database; every flow agrees with what its device was told.
    let server = Binary::start(&db).await;
    let rp = relying_party(&server.base);
    let mut answered_late = 0;
    for (flow, device) in flows.iter().zip(&devices) {
        if check_flow(&rp, flow, device).await {
            answered_late += 1;
        }
    }
    eprintln!(
        "{told} answers confirmed before the kill, {answered_late} answered after the restart"
    );
    server.kill_9().await;
    // 3. The file is sound.
    check_file(&db).await;
}
