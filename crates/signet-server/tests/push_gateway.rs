//! The push gateway: a server's wake-up goes server → gateway → APNs stand-in; a server the
//! gateway does not trust, a replayed request and an old one are refused (401); each server
//! is rate-limited.

mod push_stand_ins;

use std::sync::Arc;
use std::time::Duration;

use push_stand_ins::{ApnsStandIn, assert_apns_payload, assert_private};
use signet_protocol::clock::{Clock as _, ManualClock};
use signet_server::ConnectionLimits;
use signet_server::push::apns::{Apns, ApnsConfig};
use signet_server::push::gateway::{
    self, GatewayClient, GatewayClientConfig, GatewayConfig, GatewayRequest, Platform,
    RunningGateway, TrustedServers,
};
use signet_server::push::provider::ExtraRoots;
use signet_server::push::wake::{Channel as _, Sent, WakeUp};
use zeroize::Zeroizing;

const TOKEN: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";
const SECRET: &str = "a-secret-of-at-least-thirty-two-characters";

struct Setup {
    apns: ApnsStandIn,
    gateway: RunningGateway,
    clock: ManualClock,
}

async fn setup(requests_per_second: u32) -> Setup {
    let apns = ApnsStandIn::start().await;
    let clock = ManualClock::starting_now();
    let channel = Apns::new(ApnsConfig {
        key_pem: Zeroizing::new(apns.key_pem.clone()),
        key_id: apns.state.key_id.clone(),
        team_id: apns.state.team_id.clone(),
        topic: apns.state.topic.clone(),
        url: url::Url::parse(&apns.url).expect("url"),
        extra_roots: apns.tls.roots(),
        clock: Arc::new(clock.clone()),
    })
    .expect("APNs channel");
    let mut servers = TrustedServers::default();
    servers
        .add("home-server", SECRET.as_bytes())
        .expect("trusted");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let gateway = gateway::spawn_gateway(
        listener,
        GatewayConfig {
            servers,
            apns: Some(Arc::new(channel)),
            fcm: None,
            requests_per_second,
            clock: Arc::new(clock.clone()),
            connection_limits: ConnectionLimits::default(),
        },
    )
    .expect("gateway");
    Setup {
        apns,
        gateway,
        clock,
    }
}

fn client(setup: &Setup, server_id: &str, secret: &str) -> GatewayClient {
    GatewayClient::new(GatewayClientConfig {
        url: url::Url::parse(&setup.gateway.url).expect("url"),
        server_id: server_id.to_owned(),
        secret: Zeroizing::new(secret.to_owned()),
        extra_roots: ExtraRoots::default(),
        clock: Arc::new(setup.clock.clone()),
    })
    .expect("client")
}

fn wake(clock: &ManualClock, challenge_id: &str) -> WakeUp {
    WakeUp {
        challenge_id: challenge_id.to_owned(),
        user_authenticator_id: "auth-1".to_owned(),
        expires_at: clock.now_ms() / 1000 + 120,
    }
}

/// A signed request as a server sends it, for tests that replay or age it.
fn signed(clock: &ManualClock, nonce: &str, timestamp: i64) -> (Vec<u8>, String) {
    let body = serde_json::to_vec(&GatewayRequest {
        nonce: nonce.to_owned(),
        platform: Platform::Ios,
        token: TOKEN.to_owned(),
        challenge_id: "challenge-r".to_owned(),
        user_authenticator_id: "auth-1".to_owned(),
        expires_at: clock.now_ms() / 1000 + 120,
    })
    .expect("json");
    let signature = gateway::signature(SECRET.as_bytes(), timestamp, &body);
    (body, signature)
}

async fn post(
    setup: &Setup,
    server_id: &str,
    timestamp: i64,
    body: Vec<u8>,
    signature: &str,
) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}{}", setup.gateway.url, gateway::WAKE_UP_PATH))
        .header(gateway::SERVER_HEADER, server_id)
        .header(gateway::TIMESTAMP_HEADER, timestamp.to_string())
        .header(gateway::SIGNATURE_HEADER, signature)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("answer")
}

#[tokio::test]
async fn a_wake_up_goes_from_the_server_through_the_gateway_to_apns_with_its_outcome_back() {
    let setup = setup(50).await;
    let apns = client(&setup, "home-server", SECRET).apns();
    let wake = wake(&setup.clock, "challenge-g");
    assert_eq!(apns.send(TOKEN, &wake).await, Sent::Accepted);
    assert_eq!(setup.apns.refusals(), Vec::<String>::new());
    let received = setup.apns.received();
    let [request] = &received[..] else {
        panic!("one request: {received:?}");
    };
    assert_eq!(request.token, TOKEN);
    assert_eq!(request.headers["apns-collapse-id"], "challenge-g");
    assert_apns_payload(&request.payload, "challenge-g", "auth-1");
    assert_private(
        &request.payload,
        &request.payload,
        &["alice", "signIn", "203.0.113.7", "Mozilla", "home-server"],
    );
    // APNs's outcomes come back as they were.
    assert_eq!(
        apns.send(&format!("0410{TOKEN}"), &wake).await,
        Sent::TokenInvalid
    );
    let Sent::Retry { after, .. } = apns.send(&format!("0429{TOKEN}"), &wake).await else {
        panic!("a retry");
    };
    assert_eq!(after, Some(Duration::from_secs(7)));
    // No FCM credentials at this gateway: Android wake-ups fail, and say why.
    let Sent::Failed { reason } = client(&setup, "home-server", SECRET)
        .fcm()
        .send("fcm-token", &wake)
        .await
    else {
        panic!("a failure");
    };
    assert!(reason.contains("no channel for Android"), "{reason}");
}

#[tokio::test]
async fn a_server_the_gateway_does_not_trust_is_refused_and_nothing_is_sent() {
    let setup = setup(50).await;
    let wake = wake(&setup.clock, "challenge-u");
    for (id, secret) in [
        ("stranger", SECRET),
        ("home-server", "another-secret-of-thirty-two-characters!"),
    ] {
        let Sent::Failed { reason } = client(&setup, id, secret).apns().send(TOKEN, &wake).await
        else {
            panic!("a failure");
        };
        assert!(reason.contains("401"), "{reason}");
    }
    let (body, signature) = signed(&setup.clock, "n-1", setup.clock.now_ms() / 1000);
    let answer = post(
        &setup,
        "stranger",
        setup.clock.now_ms() / 1000,
        body,
        &signature,
    )
    .await;
    assert_eq!(answer.status(), 401);
    let body: serde_json::Value = answer.json().await.expect("json");
    assert_eq!(body["error"], "unauthorized");
    assert!(setup.apns.received().is_empty());
}

#[tokio::test]
async fn a_replayed_or_old_request_is_refused() {
    let setup = setup(50).await;
    let now = setup.clock.now_ms() / 1000;
    let (body, signature) = signed(&setup.clock, "nonce-once", now);
    let first = post(&setup, "home-server", now, body.clone(), &signature).await;
    assert_eq!(first.status(), 200);
    let replay = post(&setup, "home-server", now, body, &signature).await;
    assert_eq!(replay.status(), 401);
    let text = replay.text().await.expect("text");
    assert!(text.contains("replay"), "{text}");
    // Six minutes old, correctly signed, never seen: too old.
    let old = now - 6 * 60;
    let (body, signature) = signed(&setup.clock, "nonce-old", old);
    let answer = post(&setup, "home-server", old, body, &signature).await;
    assert_eq!(answer.status(), 401);
    let text = answer.text().await.expect("text");
    assert!(text.contains("timestamp"), "{text}");
    assert_eq!(setup.apns.received().len(), 1);
}

#[tokio::test]
async fn a_server_past_its_rate_is_told_to_retry_later() {
    let setup = setup(1).await;
    let apns = client(&setup, "home-server", SECRET).apns();
    let wake = wake(&setup.clock, "challenge-rate");
    let mut outcomes = Vec::new();
    for _ in 0..4 {
        outcomes.push(apns.send(TOKEN, &wake).await);
    }
    assert_eq!(outcomes[..2], [Sent::Accepted, Sent::Accepted]);
    assert!(
        outcomes[2..]
            .iter()
            .any(|sent| matches!(sent, Sent::Retry { after: Some(after), reason } if *after == Duration::from_secs(1) && reason.contains("429"))),
        "{outcomes:?}"
    );
}

#[tokio::test]
async fn a_request_with_a_malformed_body_is_refused_after_its_signature_is_checked() {
    let setup = setup(50).await;
    let now = setup.clock.now_ms() / 1000;
    let body = br#"{"nonce": "x", "platform": "windows"}"#.to_vec();
    let signature = gateway::signature(SECRET.as_bytes(), now, &body);
    let answer = post(&setup, "home-server", now, body, &signature).await;
    assert_eq!(answer.status(), 400);
    let big = vec![b' '; 10_000];
    let signature = gateway::signature(SECRET.as_bytes(), now, &big);
    let answer = post(&setup, "home-server", now, big, &signature).await;
    assert_eq!(answer.status(), 413);
    assert!(setup.apns.received().is_empty());
}

/// A running `signet-server` binary, its standard output up to "Press Ctrl-C", and the
/// folder of its database.
type Running = (tokio::process::Child, String, tempfile::TempDir);

/// The `signet-server` binary with `args`, on a free loopback port and a database in a
/// temporary folder; or its exit status and standard error when it stops before it is ready.
async fn binary(args: &[&str]) -> Result<Running, (i32, String)> {
    use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, BufReader};
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let dir = tempfile::tempdir().expect("dir");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_signet-server"))
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args(["--db", &dir.path().join("db").display().to_string()])
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut printed = String::new();
    let ready = tokio::time::timeout(Duration::from_secs(30), async {
        while let Ok(Some(line)) = lines.next_line().await {
            printed.push_str(&line);
            printed.push('\n');
            if line.starts_with("Press Ctrl-C") {
                return true;
            }
        }
        false
    })
    .await
    .expect("the binary starts or stops in time");
    if ready {
        return Ok((child, printed, dir));
    }
    let status = child.wait().await.expect("exit status");
    let mut stderr = String::new();
    let _ = child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .await;
    Err((status.code().unwrap_or(-1), stderr))
}

#[tokio::test]
async fn the_gateway_binary_takes_its_credentials_from_files_and_forwards_to_apns() {
    let apns = ApnsStandIn::start().await;
    let dir = tempfile::tempdir().expect("dir");
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        path.display().to_string()
    };
    let key = write("AuthKey.p8", &format!("\n{}\n\n", apns.key_pem));
    let servers = write(
        "servers",
        &format!("# trusted servers\nhome-server {SECRET}\n"),
    );
    let ca = write("ca.pem", &apns.tls.ca_pem);
    let (_child, printed, _dir) = binary(&[
        "--gateway",
        "--gateway-servers-file",
        &servers,
        "--apns-key-file",
        &key,
        "--apns-key-id",
        &apns.state.key_id,
        "--apns-team-id",
        &apns.state.team_id,
        "--apns-topic",
        &apns.state.topic,
        "--apns-url",
        &apns.url,
        "--push-ca-file",
        &ca,
    ])
    .await
    .expect("the gateway runs");
    let endpoint = printed
        .lines()
        .find_map(|line| line.trim().strip_prefix("wake-ups:"))
        .expect("the wake-up URL printed")
        .trim();
    let base = endpoint
        .strip_suffix(gateway::WAKE_UP_PATH)
        .expect("the path");
    let clock = ManualClock::starting_now();
    let client = GatewayClient::new(GatewayClientConfig {
        url: url::Url::parse(base).expect("url"),
        server_id: "home-server".to_owned(),
        secret: Zeroizing::new(SECRET.to_owned()),
        extra_roots: ExtraRoots::default(),
        clock: Arc::new(clock.clone()),
    })
    .expect("client");
    assert_eq!(
        client
            .apns()
            .send(TOKEN, &wake(&clock, "challenge-b"))
            .await,
        Sent::Accepted
    );
    assert_eq!(apns.received().len(), 1);
    assert!(!printed.contains(SECRET));
}

#[tokio::test]
async fn a_server_given_both_a_gateway_and_apns_credentials_refuses_to_start() {
    let dir = tempfile::tempdir().expect("dir");
    let secret = dir.path().join("secret");
    std::fs::write(&secret, SECRET).expect("write");
    let key = dir.path().join("AuthKey.p8");
    std::fs::write(&key, "key").expect("write");
    let (code, stderr) = binary(&[
        "--push-gateway",
        "https://gateway.example",
        "--push-gateway-id",
        "home-server",
        "--push-gateway-secret-file",
        &secret.display().to_string(),
        "--apns-key-file",
        &key.display().to_string(),
        "--apns-key-id",
        "K",
        "--apns-team-id",
        "T",
        "--apns-topic",
        "org.signet.app",
    ])
    .await
    .expect_err("refused");
    assert_ne!(code, 0);
    assert!(stderr.contains("push-gateway"), "{stderr}");
    assert!(!stderr.contains(SECRET), "{stderr}");
}

#[tokio::test]
async fn a_gateway_without_servers_or_credentials_refuses_to_start() {
    let (_, stderr) = binary(&["--gateway"]).await.expect_err("refused");
    assert!(stderr.contains("gateway-servers-file"), "{stderr}");
    let dir = tempfile::tempdir().expect("dir");
    let servers = dir.path().join("servers");
    std::fs::write(&servers, format!("home {SECRET}\n")).expect("write");
    let (_, stderr) = binary(&[
        "--gateway",
        "--gateway-servers-file",
        &servers.display().to_string(),
    ])
    .await
    .expect_err("refused");
    assert!(stderr.contains("credentials"), "{stderr}");
}

#[tokio::test]
async fn a_server_binary_with_push_gateway_flags_wakes_the_iphone_of_a_sign_in() {
    use signet_testkit::{Device, secret_basic};
    let setup = setup(50).await;
    let dir = tempfile::tempdir().expect("dir");
    let secret_file = dir.path().join("gateway-secret");
    std::fs::write(&secret_file, format!("  {SECRET}\n")).expect("write");
    let (_child, printed, _dir) = binary(&[
        "--tenant-id",
        "t",
        "--secret-key-file",
        &{
            let path = dir.path().join("secret-key");
            std::fs::write(&path, "sk_push_gateway_binary").expect("write");
            path.display().to_string()
        },
        "--push-gateway",
        &setup.gateway.url,
        "--push-gateway-id",
        "home-server",
        "--push-gateway-secret-file",
        &secret_file.display().to_string(),
    ])
    .await
    .expect("the server runs");
    assert!(!printed.contains(SECRET));
    let base = printed
        .lines()
        .find_map(|line| line.trim().strip_prefix("base URL:"))
        .expect("the base URL printed")
        .trim()
        .to_owned();
    let http = reqwest::Client::new();
    let call = |path: &str, auth: String, body: serde_json::Value| {
        let request = http
            .post(format!("{base}{path}"))
            .header("Authorization", auth)
            .json(&body);
        async move {
            let response = request.send().await.expect("answered");
            assert_eq!(response.status(), 200);
            response.json::<serde_json::Value>().await.expect("JSON")
        }
    };
    let secret = secret_basic("sk_push_gateway_binary");
    let device = Device::new("t");
    let enroll = call(
        "/users/ava/actions/enroll",
        secret.clone(),
        serde_json::json!({"scope": "add:authenticators"}),
    )
    .await;
    let token = enroll["token"].as_str().expect("token");
    let enrolled = call(
        "/client/user-authenticators/push",
        format!("Bearer {token}"),
        serde_json::json!({"publicKey": device.pk(), "devicePlatform": "ios", "pushToken": TOKEN}),
    )
    .await;
    let tracked = call(
        "/users/ava/actions/signIn",
        secret,
        serde_json::json!({"ipAddress": "203.0.113.77", "userAgent": "LeakyBrowser/1.0"}),
    )
    .await;
    let started = call(
        "/client/challenge/push",
        format!("Bearer {}", tracked["token"].as_str().expect("token")),
        serde_json::json!({"action": "signIn"}),
    )
    .await;
    assert_eq!(
        started["deliveryResults"],
        serde_json::json!([{"userAuthenticatorId": enrolled["userAuthenticatorId"]}])
    );
    let challenge_id = started["challengeId"].as_str().expect("id");
    let received = setup.apns.received();
    let [request] = &received[..] else {
        panic!("one wake-up: {received:?}");
    };
    assert_apns_payload(
        &request.payload,
        challenge_id,
        enrolled["userAuthenticatorId"].as_str().expect("id"),
    );
    assert_private(
        &request.payload,
        &request.payload,
        &["ava", "signIn", "203.0.113.77", "LeakyBrowser"],
    );
}
