//! Answering a challenge is atomic: of many concurrent answers exactly one wins.

mod common;

use common::Harness;
use serde_json::json;
use tokio::task::JoinSet;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_one_of_100_concurrent_answers_to_one_challenge_wins() {
    let h = std::sync::Arc::new(Harness::start().await);
    let device = h.enrolled_device("alice").await;
    let (token, key) = h.sign_in("alice", json!({})).await;
    let challenge_id = h.challenge(&token).await;
    // 1. 100 answers at once, half approving, half denying.
    let mut answers = JoinSet::new();
    for i in 0..100 {
        let (h, device, challenge_id) = (h.clone(), device.clone(), challenge_id.clone());
        answers.spawn(async move {
            device
                .answer(&h.api, &challenge_id, i % 2 == 0, json!({}))
                .await
        });
    }
    let mut winners = Vec::new();
    let mut refused = 0;
    while let Some(answer) = answers.join_next().await {
        let answer = answer.unwrap();
        if answer.status == reqwest::StatusCode::OK {
            winners.push(answer.body);
        } else {
            answer.error(409, "challenge_already_answered");
            refused += 1;
        }
    }
    // 2. One winner; the action's state is the winner's.
    assert_eq!(winners.len(), 1, "winners: {winners:?}");
    assert_eq!(refused, 99);
    let verified = h.verify(&token, &challenge_id).await.ok();
    let state = h.action("alice", &key).await["state"].clone();
    if verified["isVerified"] == true {
        assert_eq!(state, "CHALLENGE_SUCCEEDED");
    } else {
        assert_eq!(state, "CHALLENGE_FAILED");
    }
}
