//! The FCM channel against a stand-in that checks what Google checks: the service account's
//! RS256 assertion at the token endpoint (with the account's public key, iss, scope, aud,
//! iat, exp), then each message's bearer token, registration token, priority and ttl.

mod push_stand_ins;

use std::sync::Arc;
use std::time::Duration;

use push_stand_ins::{FcmStandIn, assert_private};
use serde_json::json;
use signet_protocol::clock::{Clock as _, ManualClock};
use signet_server::push::fcm::{Fcm, FcmArgs, FcmConfig};
use signet_server::push::provider::ExtraRoots;
use signet_server::push::wake::{BODY, Channel as _, Sent, TITLE, WakeUp};
use zeroize::Zeroizing;

fn config(stand_in: &FcmStandIn, clock: &ManualClock) -> FcmConfig {
    FcmConfig {
        service_account: Zeroizing::new(stand_in.service_account.clone()),
        url: url::Url::parse(&stand_in.url).expect("url"),
        extra_roots: ExtraRoots::default(),
        clock: Arc::new(clock.clone()),
    }
}

fn wake(clock: &ManualClock, challenge_id: &str) -> WakeUp {
    WakeUp {
        challenge_id: challenge_id.to_owned(),
        user_authenticator_id: "auth-1".to_owned(),
        expires_at: clock.now_ms() / 1000 + 90,
    }
}

#[tokio::test]
async fn a_wake_up_reaches_fcm_with_an_access_token_from_the_service_account_assertion() {
    let stand_in = FcmStandIn::start().await;
    let clock = ManualClock::starting_now();
    let fcm = Fcm::new(config(&stand_in, &clock)).expect("channel");
    assert_eq!(
        fcm.send("registration-token-1", &wake(&clock, "challenge-1"))
            .await,
        Sent::Accepted
    );
    assert_eq!(stand_in.refusals(), Vec::<String>::new());
    let [message] = &stand_in.received()[..] else {
        panic!("one message: {:?}", stand_in.received());
    };
    assert_eq!(
        message,
        &json!({"message": {
            "token": "registration-token-1",
            "data": {"challengeId": "challenge-1", "userAuthenticatorId": "auth-1"},
            "notification": {"title": TITLE, "body": BODY},
            "android": {"priority": "HIGH", "ttl": "90s", "collapse_key": "challenge-1"},
        }})
    );
    assert_private(
        message,
        &message["message"]["data"],
        &["alice", "signIn", "203.0.113.7", "Mozilla"],
    );
}

#[tokio::test]
async fn the_access_token_is_kept_until_five_minutes_before_it_expires() {
    let stand_in = FcmStandIn::start().await;
    // Start 56 minutes in the past, so both assertions are valid by Google's clock.
    let clock = ManualClock::at_ms(ManualClock::starting_now().now_ms() - 56 * 60 * 1000);
    let fcm = Fcm::new(config(&stand_in, &clock)).expect("channel");
    assert_eq!(fcm.send("t1", &wake(&clock, "c1")).await, Sent::Accepted);
    clock.advance(Duration::from_secs(50 * 60));
    assert_eq!(fcm.send("t1", &wake(&clock, "c2")).await, Sent::Accepted);
    assert_eq!(stand_in.token_requests(), 1, "reused at 50 minutes");
    clock.advance(Duration::from_secs(5 * 60));
    assert_eq!(fcm.send("t1", &wake(&clock, "c3")).await, Sent::Accepted);
    assert_eq!(stand_in.token_requests(), 2, "renewed at 55 minutes");
    assert_eq!(stand_in.refusals(), Vec::<String>::new());
}

#[tokio::test]
async fn unregistered_is_an_invalid_token_quota_a_retry_and_invalid_argument_a_failure() {
    let stand_in = FcmStandIn::start().await;
    let clock = ManualClock::starting_now();
    let fcm = Fcm::new(config(&stand_in, &clock)).expect("channel");
    let wake = wake(&clock, "c");
    assert_eq!(fcm.send("unregistered-1", &wake).await, Sent::TokenInvalid);
    let Sent::Retry { after, reason } = fcm.send("quota-1", &wake).await else {
        panic!("a retry");
    };
    assert_eq!(after, Some(Duration::from_secs(5)));
    assert!(reason.contains("QUOTA_EXCEEDED"), "{reason}");
    let Sent::Failed { reason } = fcm.send("invalid-1", &wake).await else {
        panic!("a failure");
    };
    assert!(reason.contains("400 INVALID_ARGUMENT"), "{reason}");
    assert!(!reason.contains("invalid-1"), "{reason}");
    assert_eq!(stand_in.token_requests(), 1);
}

#[tokio::test]
async fn an_assertion_signed_with_another_key_gets_no_access_token_and_sends_nothing() {
    let stand_in = FcmStandIn::start().await;
    let other = FcmStandIn::start().await;
    let clock = ManualClock::starting_now();
    // The other account's key, with this stand-in's token endpoint and project.
    let mut account: serde_json::Value =
        serde_json::from_str(&other.service_account).expect("json");
    let mine: serde_json::Value = serde_json::from_str(&stand_in.service_account).expect("json");
    account["token_uri"] = mine["token_uri"].clone();
    let mut config = config(&stand_in, &clock);
    config.service_account = Zeroizing::new(account.to_string());
    let fcm = Fcm::new(config).expect("channel");
    let Sent::Failed { reason } = fcm.send("t1", &wake(&clock, "c")).await else {
        panic!("a failure");
    };
    assert!(reason.contains("token endpoint answered 400"), "{reason}");
    assert!(stand_in.received().is_empty());
    assert_eq!(
        stand_in.refusals(),
        vec!["invalid JWT Signature.".to_owned()]
    );
}

#[tokio::test]
async fn a_token_endpoint_that_refuses_connections_is_a_retry() {
    let stand_in = FcmStandIn::start().await;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let mut account: serde_json::Value =
        serde_json::from_str(&stand_in.service_account).expect("json");
    account["token_uri"] = json!(format!("http://127.0.0.1:{port}/token"));
    let clock = ManualClock::starting_now();
    let mut config = config(&stand_in, &clock);
    config.service_account = Zeroizing::new(account.to_string());
    let fcm = Fcm::new(config).expect("channel");
    assert!(matches!(
        fcm.send("t1", &wake(&clock, "c")).await,
        Sent::Retry { after: None, .. }
    ));
}

#[test]
fn a_service_account_file_that_is_not_one_is_refused_at_start_without_quoting_it() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("account.json");
    std::fs::write(
        &file,
        r#"{"project_id": "p", "client_email": "e", "private_key": "secret-words"}"#,
    )
    .expect("write");
    let args = FcmArgs {
        fcm_service_account: Some(file),
        fcm_url: None,
    };
    let clock: Arc<dyn signet_protocol::clock::Clock> = Arc::new(ManualClock::starting_now());
    let config = args
        .config(&ExtraRoots::default(), clock)
        .expect("readable")
        .expect("configured");
    let error = Fcm::new(config).expect_err("refused").to_string();
    assert!(error.contains("fcm-service-account"), "{error}");
    assert!(!error.contains("secret-words"), "{error}");
}

#[tokio::test]
async fn an_access_token_fcm_refuses_is_dropped_and_the_next_attempt_gets_a_new_one() {
    let stand_in = FcmStandIn::start().await;
    let clock = ManualClock::starting_now();
    let fcm = Fcm::new(config(&stand_in, &clock)).expect("channel");
    assert_eq!(fcm.send("t1", &wake(&clock, "c1")).await, Sent::Accepted);
    stand_in.revoke_access_tokens();
    let Sent::Retry {
        after: None,
        reason,
    } = fcm.send("t1", &wake(&clock, "c2")).await
    else {
        panic!("a retry");
    };
    assert!(reason.contains("401"), "{reason}");
    assert_eq!(fcm.send("t1", &wake(&clock, "c3")).await, Sent::Accepted);
    assert_eq!(stand_in.token_requests(), 2);
}
