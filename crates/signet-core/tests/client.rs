//! The device API client: URL rules, limits, and typed errors, against the real server.

mod common;

use std::sync::Arc;

use common::World;
use signet_core::client::{check_url, redirect_allowed};
use signet_core::{
    Client, ClientOptions, DeviceKeyStore, EnrollOptions, Error, KeyAlias, MemoryKeyStore,
};
use signet_protocol::ErrorCode;

#[test]
fn https_is_required_except_on_loopback() {
    for ok in [
        "https://api.authsignal.com/v1",
        "http://127.0.0.1:4000/v1",
        "http://127.8.9.10/v1",
        "http://localhost:4000/v1",
        "http://[::1]:4000/v1",
    ] {
        assert!(check_url(&ok.parse().unwrap()).is_ok(), "{ok}");
    }
    for refused in [
        "http://api.authsignal.com/v1",
        "http://192.168.1.2/v1",
        "http://localhost.example.com/v1",
        "ftp://127.0.0.1/v1",
        "file:///v1",
    ] {
        let result = check_url(&refused.parse().unwrap());
        assert!(
            matches!(result, Err(Error::InsecureUrl { .. })),
            "{refused}"
        );
    }
}

#[test]
fn redirects_stay_within_the_same_origin() {
    let first = "https://api.example.com/v1/client/user-authenticators/push"
        .parse()
        .unwrap();
    let allowed = "https://api.example.com/v2/elsewhere".parse().unwrap();
    assert!(redirect_allowed(&first, &allowed));
    for refused in [
        "https://evil.example.net/v1/client",
        "http://api.example.com/v1/client",
        "https://api.example.com:8443/v1/client",
    ] {
        assert!(
            !redirect_allowed(&first, &refused.parse().unwrap()),
            "{refused}"
        );
    }
}

#[tokio::test]
async fn an_unknown_key_gets_the_servers_invalid_credential_code() {
    let world = World::start().await;
    let keys = MemoryKeyStore::new();
    let key = keys.create(&KeyAlias::generate()).unwrap();
    let client = Client::new(
        &world.rp.api().base().parse().unwrap(),
        world.rp.tenant_id(),
    )
    .unwrap();

    let error = client.credential(&key).await.unwrap_err();
    assert_eq!(
        error.error_code(),
        Some(ErrorCode::InvalidCredential),
        "{error:?}"
    );
    assert!(!error.is_transient());
}

#[tokio::test]
async fn get_credential_finds_an_enrolled_key() {
    let world = World::start().await;
    let dir = tempfile::tempdir().unwrap();
    let engine = world.engine(dir.path(), Arc::new(MemoryKeyStore::new()));
    let account = engine
        .enroll(
            &world.rp.enrollment_link("ada").await.unwrap(),
            EnrollOptions::default(),
        )
        .await
        .unwrap();
    let client = Client::new(&account.base_url, &account.tenant_id).unwrap();
    let credential = client.credential(&account.public_key).await.unwrap();
    assert_eq!(credential.user_authenticator_id, account.authenticator_id);
}

#[tokio::test]
async fn an_answer_larger_than_the_limit_is_refused() {
    let world = World::start().await;
    let keys = MemoryKeyStore::new();
    let key = keys.create(&KeyAlias::generate()).unwrap();
    let client = Client::with_options(
        &world.rp.api().base().parse().unwrap(),
        world.rp.tenant_id(),
        ClientOptions {
            max_response_bytes: 8,
            ..ClientOptions::default()
        },
    )
    .unwrap();
    let result = client.challenge_nonce(&key).await;
    assert!(
        matches!(result, Err(Error::ResponseTooLarge { limit: 8 })),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_server_that_is_not_there_is_a_transient_network_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = Client::new(&format!("http://{addr}/v1").parse().unwrap(), "t").unwrap();
    let key = MemoryKeyStore::new().create(&KeyAlias::generate()).unwrap();
    let error = client.challenge_nonce(&key).await.unwrap_err();
    assert!(matches!(error, Error::Network { .. }), "{error:?}");
    assert!(error.is_transient());
}
