//! `signet-server migrate`: an SQLite deployment copied into PostgreSQL is served from there.
//! The copy needs a PostgreSQL server: the test that makes one runs when
//! `SIGNET_TEST_POSTGRES_URL` is set (scripts/test runs it with `--ignored` on a throwaway
//! PostgreSQL).

#![allow(missing_docs)]

mod common;

use common::Harness;
use reqwest::StatusCode;
use serde_json::json;
use signet_server::store::copy_sqlite_to_postgres;
use signet_server::{Database, TenantSeed, TokenKey};

#[tokio::test]
#[ignore = "needs a PostgreSQL server in SIGNET_TEST_POSTGRES_URL; scripts/test runs it with one"]
async fn a_sign_in_started_on_sqlite_is_finished_by_a_server_on_postgres_after_migrate() {
    let folder = tempfile::tempdir().expect("folder");
    let sqlite = folder.path().join("signet.db");
    let token_key = TokenKey::generate();
    // 1. On SQLite: a device enrolls, a sign-in is approved, not yet validated.
    let before = Harness::start_with(|config| {
        config.db = Some(sqlite.clone().into());
        config.token_key = Some(token_key.clone());
    })
    .await;
    let device = before.enrolled_device("ada").await;
    let (token, _) = before.sign_in("ada", json!({})).await;
    let challenge_id = before.challenge(&token).await;
    let answered = device
        .answer(&before.api, &challenge_id, true, json!({}))
        .await;
    assert_eq!(answered.status, StatusCode::OK, "{}", answered.body);
    let (tenant_id, secret_key) = (
        before.server.tenant_id.clone(),
        before.server.secret_key.clone(),
    );
    before.server.shutdown().await.expect("stopped");
    // 2. The copy.
    let (postgres, _folder) = signet_server::temporary_database()
        .await
        .expect("a PostgreSQL schema");
    let Database::Postgres(url) = &postgres else {
        panic!("this test needs SIGNET_TEST_POSTGRES_URL");
    };
    let copied = copy_sqlite_to_postgres(&sqlite, url).await.expect("copied");
    // One tenant, one key, two actions (the enrollment's track and the sign-in), one
    // challenge, one enrollment token.
    let rows: Vec<u64> = copied.0.iter().map(|(_, rows)| *rows).collect();
    assert_eq!(rows, [1, 1, 2, 1, 0, 1], "{copied}");
    // 3. On PostgreSQL, with the same token key: the sign-in verifies and validates once,
    //    and the device is known.
    let after = Harness::start_with(|config| {
        config.db = Some(postgres.clone());
        config.token_key = Some(token_key.clone());
        config.tenant = TenantSeed {
            id: Some(tenant_id.clone()),
            secret_key: Some(secret_key.clone()),
        };
    })
    .await;
    assert!(!after.server.tenant_created);
    let verified = after.verify(&token, &challenge_id).await;
    assert_eq!(verified.status, StatusCode::OK, "{}", verified.body);
    assert_eq!(verified.body["isVerified"], true, "{}", verified.body);
    let validated = after.validate(&token).await;
    assert_eq!(validated.status, StatusCode::OK, "{}", validated.body);
    assert_eq!(validated.body["isValid"], true, "{}", validated.body);
    assert_eq!(after.validate(&token).await.body["isValid"], false);
    assert_eq!(device.fetch(&after.api, None).await.status, StatusCode::OK);
    // 4. A second copy into the same database is refused and changes nothing.
    assert!(copy_sqlite_to_postgres(&sqlite, url).await.is_err());
}

#[tokio::test]
async fn migrating_from_a_file_that_does_not_exist_is_refused_before_connecting() {
    let folder = tempfile::tempdir().expect("folder");
    let missing = folder.path().join("nothing-here.db");
    let error = copy_sqlite_to_postgres(&missing, "postgres://nobody@127.0.0.1:1/none")
        .await
        .expect_err("refused");
    assert!(error.to_string().contains("no SQLite database"), "{error}");
    assert!(!missing.exists(), "migrate must not create the source file");
}
