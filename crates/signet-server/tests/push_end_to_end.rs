//! Wake-ups from challenge creation to the provider: a sign-in started through the initiator
//! API reaches the APNs stand-in (directly, or through a push gateway) and the FCM stand-in,
//! `deliveryResults` says so, and an APNs 410 makes the server forget the token. The
//! stand-ins check what Apple and Google check (see `push_stand_ins`).

mod common;
mod push_stand_ins;

use std::sync::Arc;

use common::{Device, Harness};
use push_stand_ins::{ApnsStandIn, FcmStandIn, assert_apns_payload, assert_private};
use serde_json::json;
use signet_protocol::clock::{Clock, SystemClock};
use signet_server::ConnectionLimits;
use signet_server::push::apns::{Apns, ApnsConfig};
use signet_server::push::fcm::{Fcm, FcmConfig};
use signet_server::push::gateway::{
    self, GatewayClient, GatewayClientConfig, GatewayConfig, TrustedServers,
};
use signet_server::push::provider::ExtraRoots;
use signet_server::push::wake::Channel;
use zeroize::Zeroizing;

const APNS_TOKEN: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";
const FCM_TOKEN: &str = "fcm-registration-token-0123456789:abcdefghijklmnop";
const SECRET: &str = "a-secret-of-at-least-thirty-two-characters";

fn apns(stand_in: &ApnsStandIn) -> Apns {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    Apns::new(ApnsConfig {
        key_pem: Zeroizing::new(stand_in.key_pem.clone()),
        key_id: stand_in.state.key_id.clone(),
        team_id: stand_in.state.team_id.clone(),
        topic: stand_in.state.topic.clone(),
        url: url::Url::parse(&stand_in.url).expect("url"),
        extra_roots: stand_in.tls.roots(),
        clock,
    })
    .expect("APNs channel")
}

/// A server whose APNs and FCM channels are `apns` and `fcm`.
async fn server(apns: Option<Arc<dyn Channel>>, fcm: Option<Arc<dyn Channel>>) -> Harness {
    Harness::start_with(|config| {
        config.delivery.channels.apns = apns;
        config.delivery.channels.fcm = fcm;
    })
    .await
}

const LOGIN_DETAILS: [&str; 4] = ["signIn", "203.0.113.77", "LeakyBrowser", "97.31"];

/// The device fetches the challenge and approves it; the initiator sees it verified.
async fn approve(h: &Harness, device: &Device, token: &str, challenge_id: &str) {
    let fetched = device.fetch(&h.api, None).await.ok();
    assert_eq!(fetched["challengeId"], challenge_id);
    device
        .answer(&h.api, challenge_id, true, json!({}))
        .await
        .ok();
    assert_eq!(h.verify(token, challenge_id).await.ok()["isVerified"], true);
}

#[tokio::test]
async fn a_challenge_created_through_the_initiator_api_wakes_the_iphone_through_apns() {
    let stand_in = ApnsStandIn::start().await;
    let h = server(Some(Arc::new(apns(&stand_in))), None).await;
    let device = h.enrolled_with("ava", "ios", Some(APNS_TOKEN)).await;
    let (track, started) = h.sign_in_with_login_details("ava").await;
    let challenge_id = started["challengeId"].as_str().expect("id").to_owned();
    assert_eq!(
        started["deliveryResults"],
        json!([{"userAuthenticatorId": device.authenticator_id}]),
    );
    assert_eq!(stand_in.refusals(), Vec::<String>::new());
    let [request] = &stand_in.received()[..] else {
        panic!("one wake-up: {:?}", stand_in.received());
    };
    assert_eq!(request.token, APNS_TOKEN);
    assert_eq!(request.headers["apns-collapse-id"], challenge_id.as_str());
    assert_apns_payload(&request.payload, &challenge_id, &device.authenticator_id);
    let mut forbidden = LOGIN_DETAILS.to_vec();
    forbidden.push("ava");
    assert_private(&request.payload, &request.payload, &forbidden);
    approve(&h, &device, &track, &challenge_id).await;
}

#[tokio::test]
async fn an_apns_410_forgets_the_token_and_the_next_challenge_says_no_push_token() {
    let stand_in = ApnsStandIn::start().await;
    let h = server(Some(Arc::new(apns(&stand_in))), None).await;
    let gone = format!("0410{}", &APNS_TOKEN[4..]);
    let device = h.enrolled_with("bea", "ios", Some(&gone)).await;
    let (track, started) = h.sign_in_with_login_details("bea").await;
    assert_eq!(started["deliveryResults"][0]["errorCode"], "TOKEN_INVALID");
    let challenge_id = started["challengeId"].as_str().expect("id").to_owned();
    approve(&h, &device, &track, &challenge_id).await;
    let (_, again) = h.sign_in_with_login_details("bea").await;
    assert_eq!(again["deliveryResults"][0]["errorCode"], "NO_PUSH_TOKEN");
    assert_eq!(stand_in.received().len(), 1, "a forgotten token was used");
}

#[tokio::test]
async fn a_challenge_wakes_the_android_phone_through_fcm() {
    let stand_in = FcmStandIn::start().await;
    let fcm = Fcm::new(FcmConfig {
        service_account: Zeroizing::new(stand_in.service_account.clone()),
        url: url::Url::parse(&stand_in.url).expect("url"),
        extra_roots: ExtraRoots::default(),
        clock: Arc::new(SystemClock),
    })
    .expect("FCM channel");
    let h = server(None, Some(Arc::new(fcm))).await;
    let device = h.enrolled_with("cyd", "android", Some(FCM_TOKEN)).await;
    let (_, started) = h.sign_in_with_login_details("cyd").await;
    let challenge_id = started["challengeId"].as_str().expect("id").to_owned();
    assert_eq!(
        started["deliveryResults"],
        json!([{"userAuthenticatorId": device.authenticator_id}]),
    );
    let [message] = &stand_in.received()[..] else {
        panic!("one message: {:?}", stand_in.received());
    };
    assert_eq!(message["message"]["token"], FCM_TOKEN);
    assert_eq!(
        message["message"]["data"]["challengeId"],
        challenge_id.as_str()
    );
    let mut forbidden = LOGIN_DETAILS.to_vec();
    forbidden.push("cyd");
    assert_private(message, &message["message"]["data"], &forbidden);
}

#[tokio::test]
async fn a_server_with_a_push_gateway_wakes_the_iphone_through_the_gateway_and_apns() {
    let stand_in = ApnsStandIn::start().await;
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
            apns: Some(Arc::new(apns(&stand_in))),
            fcm: None,
            requests_per_second: 50,
            clock: Arc::new(SystemClock),
            connection_limits: ConnectionLimits::default(),
        },
    )
    .expect("gateway");
    let client = GatewayClient::new(GatewayClientConfig {
        url: url::Url::parse(&gateway.url).expect("url"),
        server_id: "home-server".to_owned(),
        secret: Zeroizing::new(SECRET.to_owned()),
        extra_roots: ExtraRoots::default(),
        clock: Arc::new(SystemClock),
    })
    .expect("client");
    let h = server(Some(Arc::new(client.apns())), Some(Arc::new(client.fcm()))).await;
    let device = h.enrolled_with("dov", "ios", Some(APNS_TOKEN)).await;
    let (track, started) = h.sign_in_with_login_details("dov").await;
    let challenge_id = started["challengeId"].as_str().expect("id").to_owned();
    assert_eq!(
        started["deliveryResults"],
        json!([{"userAuthenticatorId": device.authenticator_id}]),
    );
    let [request] = &stand_in.received()[..] else {
        panic!("one wake-up: {:?}", stand_in.received());
    };
    assert_apns_payload(&request.payload, &challenge_id, &device.authenticator_id);
    let mut forbidden = LOGIN_DETAILS.to_vec();
    forbidden.push("dov");
    assert_private(&request.payload, &request.payload, &forbidden);
    approve(&h, &device, &track, &challenge_id).await;
}
