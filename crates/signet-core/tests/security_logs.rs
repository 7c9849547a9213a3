//! Secret hygiene: a whole run through the device core and the real server, logged at TRACE
//! level (every crate: core, server, HTTP client, TLS, SQLite), never writes a token, a secret
//! key, a device key or a signature; nor do the core's errors.

mod common;

use std::sync::Arc;

use common::World;
use signet_core::{Answer, Client, DeviceKeyStore, EnrollOptions, Error, KeyAlias, MemoryKeyStore};
use signet_testkit::CapturedLogs;

/// The parts of `secret` that must not appear: the whole and a 24-character middle slice (so
/// a re-wrapped or truncated copy is caught too).
fn needles(secret: &str) -> Vec<String> {
    let mut found = vec![secret.to_owned()];
    if secret.len() > 40 {
        found.push(secret[secret.len() / 2 - 12..secret.len() / 2 + 12].to_owned());
    }
    found
}

#[tokio::test]
async fn a_whole_run_through_the_core_logs_no_token_key_or_signature_at_trace_level() {
    let captured = CapturedLogs::everything();
    let world = World::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = Arc::new(MemoryKeyStore::new());
    let engine = world.engine(dir.path(), keys.clone());
    // 1. Enroll from a link, sign in, fetch, approve, poll, validate.
    let link = world.rp.enrollment_link("ada").await.unwrap();
    let account = engine
        .enroll(&link, EnrollOptions::default())
        .await
        .expect("enrolls");
    let sign_in = world.rp.sign_in("ada").await.unwrap();
    let challenge = engine
        .check_now(&account.id)
        .await
        .expect("fetches")
        .expect("a challenge");
    assert!(
        engine
            .answer(&challenge.id, Answer::approve())
            .await
            .expect("answers")
    );
    let verified = world.rp.verify(&sign_in, None).await.unwrap();
    let access = verified.access_token.expect("access token");
    let validated = world.rp.validate(&access).await.expect("validates");
    assert!(validated.is_valid);
    // 2. Refusals that carry the same secrets: a replayed enrollment link, an answer again.
    let second = engine.enroll(&link, EnrollOptions::default()).await;
    let _ = second;
    let again = engine.answer(&challenge.id, Answer::approve()).await;
    assert!(again.is_err());
    // 3. Removal (signed time window).
    let signature = keys
        .sign(&account.key_alias, challenge.id.as_bytes())
        .expect("the key is still there")
        .to_base64();
    engine.remove(&account.id).await.expect("removes");
    // 4. None of the secrets is in the logs, which are not empty.
    let logs = captured.text();
    assert!(
        logs.contains("device call answered"),
        "the core logged nothing"
    );
    assert!(logs.contains("request"), "the server logged nothing");
    let secrets = [
        ("enrollment token", link.token.clone()),
        ("sign-in token", sign_in.token.clone()),
        ("access token", access),
        ("secret key", world.server.secret_key.clone()),
        ("device key", account.public_key.to_spki_base64()),
        ("device key in a query", account.public_key.to_query()),
        ("signature", signature),
    ];
    for (what, secret) in &secrets {
        for needle in needles(secret) {
            assert!(!logs.contains(&needle), "the logs contain the {what}");
        }
    }
    // The token's signature part alone does not appear either.
    let (_, tag) = sign_in.token.rsplit_once('.').expect("a JWT");
    assert!(!logs.contains(tag), "the logs contain a token's signature");
}

#[tokio::test]
async fn network_errors_of_calls_that_name_the_key_do_not_show_the_key() {
    // A port with nobody listening: every call fails in the network layer.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let client =
        Client::new(&format!("http://{addr}/v1").parse().expect("url"), "t").expect("client");
    let keys = MemoryKeyStore::new();
    let alias = KeyAlias::generate();
    let key = keys.create(&alias).expect("key");
    let signature = keys.sign(&alias, b"nonce").expect("signs");
    let errors: Vec<Error> = vec![
        client.credential(&key).await.expect_err("down"),
        client.challenge_nonce(&key).await.expect_err("down"),
        client
            .pending_challenge(&key, Some(&signature), None)
            .await
            .expect_err("down"),
        client.update_nonce(&key).await.expect_err("down"),
    ];
    // The shell shows and logs these errors: neither form may carry the key.
    for error in errors {
        let shown = format!("{error} / {error:?}");
        for needle in needles(&key.to_query())
            .into_iter()
            .chain(needles(&key.to_spki_base64()))
        {
            assert!(!shown.contains(&needle), "an error shows the key: {shown}");
        }
    }
}
