//! The APNs channel against a stand-in that checks what Apple checks: HTTP/2 over TLS, the
//! provider token's ES256 signature with the team's key, its kid, iss and iat, and the
//! headers an alert needs.

mod push_stand_ins;

use std::sync::Arc;
use std::time::Duration;

use push_stand_ins::{ApnsStandIn, assert_apns_payload, assert_private};
use signet_protocol::clock::{Clock as _, ManualClock};
use signet_server::push::apns::{Apns, ApnsArgs, ApnsConfig};
use signet_server::push::provider::ExtraRoots;
use signet_server::push::wake::{Channel as _, Sent, WakeUp};
use zeroize::Zeroizing;

const TOKEN: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";

fn config(stand_in: &ApnsStandIn, clock: &ManualClock) -> ApnsConfig {
    ApnsConfig {
        key_pem: Zeroizing::new(stand_in.key_pem.clone()),
        key_id: stand_in.state.key_id.clone(),
        team_id: stand_in.state.team_id.clone(),
        topic: stand_in.state.topic.clone(),
        url: url::Url::parse(&stand_in.url).expect("url"),
        extra_roots: stand_in.tls.roots(),
        clock: Arc::new(clock.clone()),
    }
}

fn wake(clock: &ManualClock, challenge_id: &str) -> WakeUp {
    WakeUp {
        challenge_id: challenge_id.to_owned(),
        user_authenticator_id: "auth-1".to_owned(),
        expires_at: clock.now_ms() / 1000 + 120,
    }
}

#[tokio::test]
async fn a_wake_up_reaches_apns_signed_by_the_team_key_with_the_headers_apple_requires() {
    let stand_in = ApnsStandIn::start().await;
    let clock = ManualClock::starting_now();
    let apns = Apns::new(config(&stand_in, &clock)).expect("channel");
    let wake = wake(&clock, "challenge-1");
    assert_eq!(apns.send(TOKEN, &wake).await, Sent::Accepted);
    assert_eq!(stand_in.refusals(), Vec::<String>::new());
    let [request] = &stand_in.received()[..] else {
        panic!("one request: {:?}", stand_in.received());
    };
    assert_eq!(request.token, TOKEN);
    assert_eq!(request.headers["apns-collapse-id"], "challenge-1");
    assert_eq!(
        request.headers["apns-expiration"],
        wake.expires_at.to_string().as_str()
    );
    assert_apns_payload(&request.payload, "challenge-1", "auth-1");
    assert_private(
        &request.payload,
        &request.payload,
        &["alice", "signIn", "203.0.113.7", "Mozilla"],
    );
}

#[tokio::test]
async fn apns_410_and_bad_device_token_say_the_token_is_invalid() {
    let stand_in = ApnsStandIn::start().await;
    let clock = ManualClock::starting_now();
    let apns = Apns::new(config(&stand_in, &clock)).expect("channel");
    let wake = wake(&clock, "challenge-2");
    assert_eq!(
        apns.send(&format!("0410{TOKEN}"), &wake).await,
        Sent::TokenInvalid
    );
    assert_eq!(
        apns.send(&format!("0400{TOKEN}"), &wake).await,
        Sent::TokenInvalid
    );
    assert_eq!(stand_in.received().len(), 2);
    // A token that is not hex never leaves the server: APNs would refuse it.
    assert_eq!(apns.send("not/hex", &wake).await, Sent::TokenInvalid);
    assert_eq!(stand_in.received().len(), 2);
}

#[tokio::test]
async fn apns_429_is_a_retry_after_what_apple_said_and_503_a_retry() {
    let stand_in = ApnsStandIn::start().await;
    let clock = ManualClock::starting_now();
    let apns = Apns::new(config(&stand_in, &clock)).expect("channel");
    let wake = wake(&clock, "challenge-3");
    let Sent::Retry { after, reason } = apns.send(&format!("0429{TOKEN}"), &wake).await else {
        panic!("a retry");
    };
    assert_eq!(after, Some(Duration::from_secs(7)));
    assert!(reason.contains("429"), "{reason}");
    assert!(!reason.contains(TOKEN), "{reason}");
    assert!(matches!(
        apns.send(&format!("0503{TOKEN}"), &wake).await,
        Sent::Retry { after: None, .. }
    ));
}

#[tokio::test]
async fn the_provider_token_is_reused_for_fifty_minutes_then_renewed_on_one_connection() {
    let stand_in = ApnsStandIn::start().await;
    // Start 55 minutes in the past, so the renewed token is still in Apple's hour.
    let clock = ManualClock::at_ms(ManualClock::starting_now().now_ms() - 55 * 60 * 1000);
    let apns = Apns::new(config(&stand_in, &clock)).expect("channel");
    assert_eq!(apns.send(TOKEN, &wake(&clock, "c-a")).await, Sent::Accepted);
    clock.advance(Duration::from_secs(10 * 60));
    assert_eq!(apns.send(TOKEN, &wake(&clock, "c-b")).await, Sent::Accepted);
    clock.advance(Duration::from_secs(41 * 60));
    assert_eq!(apns.send(TOKEN, &wake(&clock, "c-c")).await, Sent::Accepted);
    let iats: Vec<i64> = stand_in
        .received()
        .iter()
        .map(|request| request.iat)
        .collect();
    assert_eq!(iats[0], iats[1], "reused at 10 minutes");
    assert_eq!(iats[2] - iats[0], 51 * 60, "renewed at 51 minutes");
    assert_eq!(
        stand_in
            .state
            .connections
            .load(std::sync::atomic::Ordering::SeqCst),
        1,
        "one HTTP/2 connection for every request"
    );
}

#[tokio::test]
async fn apns_that_refuses_connections_is_a_retry() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let stand_in = ApnsStandIn::start().await;
    let clock = ManualClock::starting_now();
    let mut config = config(&stand_in, &clock);
    config.url = url::Url::parse(&format!("https://127.0.0.1:{port}")).expect("url");
    let apns = Apns::new(config).expect("channel");
    assert!(matches!(
        apns.send(TOKEN, &wake(&clock, "c")).await,
        Sent::Retry { after: None, .. }
    ));
}

#[tokio::test]
async fn a_key_signed_by_another_team_key_is_refused_by_apns_as_a_failure() {
    let stand_in = ApnsStandIn::start().await;
    let other = ApnsStandIn::start().await;
    let clock = ManualClock::starting_now();
    let mut config = config(&stand_in, &clock);
    config.key_pem = Zeroizing::new(other.key_pem.clone());
    let apns = Apns::new(config).expect("channel");
    let Sent::Failed { reason } = apns.send(TOKEN, &wake(&clock, "c")).await else {
        panic!("a failure");
    };
    assert!(reason.contains("403 InvalidProviderToken"), "{reason}");
    assert_eq!(stand_in.received().len(), 0);
}

#[test]
fn a_key_file_that_is_not_a_p8_key_is_refused_at_start_without_quoting_it() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("AuthKey.p8");
    std::fs::write(&file, "  not-a-key-secret-words \n").expect("write");
    let args = ApnsArgs {
        apns_key_file: Some(file),
        apns_key_id: Some("KEY".into()),
        apns_team_id: Some("TEAM".into()),
        apns_topic: Some("org.signet.app".into()),
        ..ApnsArgs::default()
    };
    let clock: Arc<dyn signet_protocol::clock::Clock> = Arc::new(ManualClock::starting_now());
    let config = args
        .config(&ExtraRoots::default(), clock)
        .expect("readable")
        .expect("configured");
    let error = Apns::new(config).expect_err("refused").to_string();
    assert!(error.contains("apns-key-file"), "{error}");
    assert!(!error.contains("secret-words"), "{error}");
}

#[test]
fn an_apns_url_that_is_plain_http_off_loopback_is_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("AuthKey.p8");
    std::fs::write(&file, "key").expect("write");
    let args = ApnsArgs {
        apns_key_file: Some(file),
        apns_key_id: Some("KEY".into()),
        apns_team_id: Some("TEAM".into()),
        apns_topic: Some("org.signet.app".into()),
        apns_url: Some("http://apns.example.com".into()),
        ..ApnsArgs::default()
    };
    let clock: Arc<dyn signet_protocol::clock::Clock> = Arc::new(ManualClock::starting_now());
    let error = args
        .config(&ExtraRoots::default(), clock)
        .expect_err("refused")
        .to_string();
    assert!(error.contains("https"), "{error}");
}

#[tokio::test]
async fn a_provider_token_apple_calls_expired_is_dropped_and_the_next_attempt_signs_a_new_one() {
    let stand_in = ApnsStandIn::start().await;
    // 75 minutes slow: the first token is older than Apple's hour by Apple's clock.
    let clock = ManualClock::at_ms(ManualClock::starting_now().now_ms() - 75 * 60 * 1000);
    let apns = Apns::new(config(&stand_in, &clock)).expect("channel");
    let Sent::Retry {
        after: None,
        reason,
    } = apns.send(TOKEN, &wake(&clock, "c-1")).await
    else {
        panic!("a retry");
    };
    assert!(reason.contains("ExpiredProviderToken"), "{reason}");
    // 20 minutes on, the old token would still be reused had it been kept.
    clock.advance(Duration::from_secs(20 * 60));
    assert_eq!(apns.send(TOKEN, &wake(&clock, "c-2")).await, Sent::Accepted);
}

#[test]
fn the_channel_and_its_config_never_show_the_key_in_debug() {
    let signing = p256::SecretKey::random(&mut rand::rngs::OsRng);
    let pem = p256::pkcs8::EncodePrivateKey::to_pkcs8_pem(&signing, p256::pkcs8::LineEnding::LF)
        .expect("pem")
        .to_string();
    let config = ApnsConfig {
        key_pem: Zeroizing::new(pem.clone()),
        key_id: "KEY".into(),
        team_id: "TEAM".into(),
        topic: "org.signet.app".into(),
        url: url::Url::parse("https://api.push.apple.com").expect("url"),
        extra_roots: ExtraRoots::default(),
        clock: Arc::new(ManualClock::starting_now()),
    };
    let body: String = pem.lines().nth(1).expect("a base64 line").to_owned();
    let shown = format!(
        "{config:?} {:?}",
        Apns::new(config.clone()).expect("channel")
    );
    assert!(!shown.contains(&body), "{shown}");
    assert!(shown.contains("TEAM"), "{shown}");
}
