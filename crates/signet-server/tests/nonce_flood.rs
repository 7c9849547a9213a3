//! A flood of challenge nonces (3.4a) cannot blind a device: nonces are never evicted, each
//! address has its own cap of unused nonces per key, and one address cannot ask for them
//! faster than the limit (docs/security.md, "nonce flood").

mod common;

use common::{Device, Harness};
use serde_json::{Value, json};

/// A client whose connections come from `source` (an address of the loopback network).
fn client_from(source: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(Some(source.parse().expect("address")))
        .build()
        .expect("client")
}

/// 3.4a for `device` from `client`: the status and body.
async fn ask_nonce(h: &Harness, client: &reqwest::Client, device: &Device) -> (u16, Value) {
    let response = client
        .post(h.url(&format!(
            "/client/user-authenticators/push/challenge/sign?publicKey={}",
            device.public_key.to_query()
        )))
        .header("Authorization", device.basic())
        .send()
        .await
        .expect("answered");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_flood_of_nonces_from_another_address_leaves_the_devices_nonce_usable() {
    let h = Harness::start().await;
    let device = h.enrolled_device("alice").await;
    let (token, _) = h
        .sign_in("alice", json!({"custom": {"amount": "12.00"}}))
        .await;
    let challenge_id = h.challenge(&token).await;
    // 1. The device gets its nonce (from 127.0.0.1).
    let nonce = device.nonce(&h.api).await;
    // 2. An attacker who knows the tenant id and the public key asks for 200 more.
    let attacker = client_from("127.0.0.2");
    for _ in 0..200 {
        let (status, body) = ask_nonce(&h, &attacker, &device).await;
        assert!(status == 200 || status == 429, "{status} {body}");
    }
    // 3. The device's signed fetch still works, with `custom`.
    let fetched = device
        .fetch_signed(&h.api, &device.sign(&nonce), None)
        .await
        .ok();
    assert_eq!(fetched["challengeId"], challenge_id.as_str());
    assert_eq!(fetched["custom"]["amount"], "12.00");
}

#[tokio::test]
async fn an_address_at_its_cap_of_unused_nonces_gets_429_and_its_old_nonces_stay_usable() {
    let h = Harness::start().await;
    let device = h.enrolled_device("alice").await;
    let first = device.nonce(&h.api).await;
    for _ in 1..8 {
        device.nonce(&h.api).await;
    }
    // The ninth unused nonce of this key from this address is refused ...
    let (status, body) = ask_nonce(&h, h.http(), &device).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["errorCode"], "rate_limited");
    // ... and the oldest is still good (not evicted by newer ones).
    device
        .fetch_signed(&h.api, &device.sign(&first), None)
        .await
        .ok();
    // Using one makes room for a new one.
    assert_eq!(ask_nonce(&h, h.http(), &device).await.0, 200);
}

#[tokio::test]
async fn a_nonce_signed_at_another_address_than_it_was_issued_to_is_refused() {
    let h = Harness::start().await;
    let device = h.enrolled_device("alice").await;
    let (_, body) = ask_nonce(&h, &client_from("127.0.0.2"), &device).await;
    let nonce = body["message"].as_str().expect("message").to_owned();
    // Fetched from 127.0.0.1: the nonce is not one of this address's.
    device
        .fetch_signed(&h.api, &device.sign(&nonce), None)
        .await
        .error(401, "invalid_signature");
}

#[tokio::test]
async fn nonces_asked_for_faster_than_the_limit_from_one_address_get_429() {
    let h = Harness::start_with(|config| {
        config.rate_limits.nonces_per_address_per_second = 5;
    })
    .await;
    let devices = [
        h.enrolled_device("alice").await,
        h.enrolled_device("bob").await,
        h.enrolled_device("carol").await,
    ];
    let attacker = client_from("127.0.0.2");
    let mut refused = 0;
    for i in 0..30 {
        let (status, body) = ask_nonce(&h, &attacker, &devices[i % 3]).await;
        if status == 429 {
            assert_eq!(body["errorCode"], "rate_limited");
            refused += 1;
        }
    }
    // A burst of 10, then about 5 a second: most of 30 quick requests are refused.
    assert!(refused >= 10, "{refused} of 30 refused");
    // Another address is not affected.
    assert_eq!(ask_nonce(&h, h.http(), &devices[0]).await.0, 200);
}
