//! The server's logs never contain tokens, keys or signatures.

mod common;

use common::Harness;
use serde_json::json;
use signet_testkit::CapturedLogs;

#[tokio::test]
async fn a_whole_flow_and_its_errors_log_no_token_key_or_signature() {
    let captured = CapturedLogs::everything();
    let h = Harness::start().await;
    // 1. A whole flow, then refusals that carry the same secrets.
    let device = h.enrolled_device("alice").await;
    let (token, _) = h.sign_in("alice", json!({})).await;
    let challenge_id = h.challenge(&token).await;
    let pending = device.fetch(&h.api, None).await.ok();
    assert_eq!(pending["challengeId"], challenge_id.as_str());
    device
        .answer(&h.api, &challenge_id, true, json!({}))
        .await
        .ok();
    let access = h.verify(&token, &challenge_id).await.ok()["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    h.validate(&access).await.ok();
    device
        .answer(&h.api, &challenge_id, true, json!({}))
        .await
        .error(409, "challenge_already_answered");
    h.start_challenge(&format!("{token}x"), json!({"action": "signIn"}))
        .await
        .error(401, "unauthorized");
    // 2. None of the secrets appear in the logs (which are not empty).
    let logs = captured.text();
    assert!(logs.contains("request"), "nothing was logged");
    let signature = device.sign(&challenge_id);
    let secrets = [
        token.as_str(),
        access.as_str(),
        h.server.secret_key.as_str(),
        &device.pk()[40..80],
        &device.public_key.to_query()[40..80],
        &signature[..20],
    ];
    for secret in secrets {
        assert!(!logs.contains(secret), "the logs contain a secret");
    }
    // The token's signature part alone does not appear either.
    let (_, token_signature) = token.rsplit_once('.').unwrap();
    assert!(!logs.contains(token_signature));
}
