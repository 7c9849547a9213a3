//! Long-poll delivery (protocol 8.2): woken by the in-process notifier.

mod common;

use common::Harness;
use serde_json::json;

/// Waits until `n` requests are parked in a long-poll (bounded: a broken server fails the
/// test instead of hanging it).
async fn until_parked(h: &Harness, n: usize) {
    for _ in 0..2000 {
        if h.server.long_polls_waiting() >= n {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    panic!("the long-poll never parked");
}

#[tokio::test]
async fn a_parked_challenge_fetch_returns_with_the_challenge_created_meanwhile() {
    let h = Harness::start().await;
    let device = h.enrolled_device("alice").await;
    let (token, _) = h.sign_in("alice", json!({})).await;
    let nonce = device.nonce(&h.api).await;
    let signature = device.sign(&nonce);
    // 1. The device parks a 60-second long-poll with nothing pending.
    let (fetched, challenge_id) =
        tokio::join!(device.fetch_signed(&h.api, &signature, Some(60)), async {
            until_parked(&h, 1).await;
            // 2. The initiator starts a challenge while it waits.
            h.challenge(&token).await
        });
    // 3. The long-poll answers with that challenge (not with "nothing", as at its deadline).
    assert_eq!(fetched.ok()["challengeId"], challenge_id.as_str());
}

#[tokio::test]
async fn a_parked_verify_returns_consumed_when_the_device_answers() {
    let h = Harness::start().await;
    let device = h.enrolled_device("bob").await;
    let (token, _) = h.sign_in("bob", json!({})).await;
    let challenge_id = h.challenge(&token).await;
    let bearer = format!("Bearer {token}");
    let (verified, _) = tokio::join!(
        h.call(
            reqwest::Method::POST,
            "/client/verify/push",
            Some(&bearer),
            Some(json!({"challengeId": challenge_id, "wait": 60})),
        ),
        async {
            until_parked(&h, 1).await;
            device
                .answer(&h.api, &challenge_id, true, json!({}))
                .await
                .ok()
        }
    );
    let verified = verified.ok();
    assert_eq!(verified["isConsumed"], true);
    assert_eq!(verified["isVerified"], true);
    assert!(verified["accessToken"].is_string());
}

#[tokio::test]
async fn a_server_without_long_poll_answers_at_once_despite_wait() {
    let h = Harness::start_with(|config| config.long_poll = false).await;
    let device = h.enrolled_device("carol").await;
    // With nothing pending, `wait=60` still gives an immediate "no challenge": the client
    // falls back to interval polling.
    let fetched = device.fetch(&h.api, Some(60)).await.ok();
    assert!(fetched["challengeId"].is_null());
    assert_eq!(h.server.long_polls_waiting(), 0);
}

#[tokio::test]
async fn shutting_down_releases_parked_long_polls() {
    let h = Harness::start().await;
    let device = h.enrolled_device("dan").await;
    let nonce = device.nonce(&h.api).await;
    let signature = device.sign(&nonce);
    let request = h
        .http()
        .get(h.url(&format!(
            "/client/user-authenticators/push/challenge?publicKey={}&wait=60",
            device.public_key.to_query()
        )))
        .header("Authorization", device.basic())
        .header("X-Authsignal-Signature", signature)
        .send();
    let parked = tokio::spawn(request);
    until_parked(&h, 1).await;
    h.server.shutdown().await.unwrap();
    let response = parked.await.unwrap().unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body["challengeId"].is_null());
}
