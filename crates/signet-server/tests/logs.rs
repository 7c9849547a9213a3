//! The server's logs never contain tokens, keys or signatures.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::Harness;
use serde_json::json;

/// Collects everything the tracing subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_whole_flow_and_its_errors_log_no_token_key_or_signature() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_env_filter("trace")
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();
    let h = Harness::start().await;
    // 1. A whole flow, then refusals that carry the same secrets.
    let device = h.enrolled_device("alice").await;
    let (token, _) = h.sign_in("alice", json!({})).await;
    let challenge_id = h.challenge(&token).await;
    let pending = device.fetch(&h, None).await.ok();
    assert_eq!(pending["challengeId"], challenge_id.as_str());
    device.answer(&h, &challenge_id, true, json!({})).await.ok();
    let access = h.verify(&token, &challenge_id).await.ok()["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    h.validate(&access).await.ok();
    device
        .answer(&h, &challenge_id, true, json!({}))
        .await
        .error(409, "challenge_already_answered");
    h.start_challenge(&format!("{token}x"), json!({"action": "signIn"}))
        .await
        .error(401, "unauthorized");
    // 2. None of the secrets appear in the logs (which are not empty).
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
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
