//! Secrets at rest (docs/security.md 3.7): the database file holds no tenant secret key and
//! no token key, and nothing in it mints a token or opens the backend API; a database made
//! by the older schema (plain keys, per-tenant token secrets) is migrated in place.

mod common;

use std::path::{Path, PathBuf};
use std::str::FromStr as _;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{Harness, secret_basic};
use hmac::{Hmac, Mac as _};
use reqwest::{Method, StatusCode};
use serde_json::json;
use sha2::Sha256;
use signet_server::{Config, TokenKey};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{Row as _, SqlitePool};

/// `token` signed again with `key` (HMAC-SHA256 over its header and claims).
fn signed_with(token: &str, key: &[u8]) -> String {
    let (signing_input, _) = token.rsplit_once('.').expect("a JWT");
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    mac.update(signing_input.as_bytes());
    let tag = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{signing_input}.{tag}")
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    bytes
        .iter()
        .flat_map(|byte| [byte >> 4, byte & 0xf])
        .map(|digit| char::from(DIGITS[usize::from(digit)]))
        .collect()
}

/// The database file with its WAL and shared-memory files, as bytes.
fn database_bytes(db: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        if let Ok(bytes) = std::fs::read(PathBuf::from(name)) {
            all.extend(bytes);
        }
    }
    all
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty()
        && haystack
            .windows(needle.len())
            .any(|window| window == needle)
}

/// Every value of every column of every table of the database at `db`, as bytes.
async fn every_stored_value(db: &Path) -> Vec<Vec<u8>> {
    let options = SqliteConnectOptions::from_str("sqlite:")
        .expect("options")
        .filename(db)
        .read_only(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .expect("the database opens");
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
            .fetch_all(&pool)
            .await
            .expect("tables");
    let mut values = Vec::new();
    for table in tables {
        let columns: Vec<String> =
            sqlx::query_scalar(&format!("SELECT name FROM pragma_table_info('{table}')"))
                .fetch_all(&pool)
                .await
                .expect("columns");
        for column in columns {
            let rows = sqlx::query(&format!(
                "SELECT CAST(\"{column}\" AS BLOB) FROM \"{table}\""
            ))
            .fetch_all(&pool)
            .await
            .expect("values");
            values.extend(
                rows.iter()
                    .filter_map(|row| row.get::<Option<Vec<u8>>, _>(0)),
            );
        }
    }
    pool.close().await;
    values
}

/// Every key a thief could try from one stored value: the value itself as a tenant's token
/// key, and as the server's token key (raw, or as hex text) from which tenant keys derive.
fn token_keys_from(value: &[u8], tenant_id: &str) -> Vec<Vec<u8>> {
    let mut keys = vec![value.to_vec()];
    let as_server_key = match value.len() {
        32 => TokenKey::from_hex(&hex(value)).ok(),
        _ => std::str::from_utf8(value)
            .ok()
            .and_then(|text| TokenKey::from_hex(text).ok()),
    };
    if let Some(key) = as_server_key {
        keys.push(key.tenant_key(tenant_id).to_vec());
    }
    keys
}

/// A track token signed with each key the stored values give, then each value (as text and
/// as hex) as the secret key: the server refuses all of them (401).
async fn nothing_stored_opens_the_api(h: &Harness, db: &Path, token: &str, user: &str) {
    let values = every_stored_value(db).await;
    assert!(
        values.len() > 10,
        "the database holds data: {}",
        values.len()
    );
    for value in &values {
        for key in token_keys_from(value, &h.server.tenant_id) {
            let forged = signed_with(token, &key);
            let answer = h
                .start_challenge(&forged, json!({ "action": "signIn" }))
                .await;
            assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.body);
        }
        for secret in [String::from_utf8_lossy(value).into_owned(), hex(value)] {
            let answer = h
                .call(
                    Method::GET,
                    &format!("/users/{user}/authenticators"),
                    Some(&secret_basic(&secret)),
                    None,
                )
                .await;
            assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{}", answer.body);
        }
    }
}

#[tokio::test]
async fn the_database_file_holds_no_secret_key_nor_token_key_and_mints_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("signet.db");
    let h = Harness::start_with(|config| config.db = Some(db.clone().into())).await;
    // A whole sign-in, so every table has rows.
    let device = h.enrolled_device("ada").await;
    let (token, _) = h.sign_in("ada", json!({})).await;
    let challenge_id = h.challenge(&token).await;
    device.answer(&h.api, &challenge_id, true, json!({})).await;
    assert_eq!(h.verify(&token, &challenge_id).await.status, StatusCode::OK);
    // The token key is in its own file, owner-only, beside the database.
    let token_key = TokenKey::read(&TokenKey::default_path(&db)).expect("the token key file");
    let token_key_text = std::fs::read_to_string(TokenKey::default_path(&db)).expect("file");
    // 1. The control: a token signed again with the real key (from the key file) is taken,
    //    so the forgeries below fail for their key, not for their form.
    let resigned = signed_with(&token, &token_key.tenant_key(&h.server.tenant_id)[..]);
    let accepted = h
        .start_challenge(&resigned, json!({ "action": "signIn" }))
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    // 2. The file has neither key, in any form.
    let bytes = database_bytes(&db);
    let secret = h.server.secret_key.as_bytes();
    assert!(secret.len() > 20);
    assert!(
        !contains(&bytes, secret),
        "the secret key is in the database"
    );
    assert!(!contains(&bytes, token_key_text.trim().as_bytes()));
    assert!(!contains(
        &bytes,
        &token_key.tenant_key(&h.server.tenant_id)[..]
    ));
    // 3. Nothing stored signs a token or passes as the secret key.
    nothing_stored_opens_the_api(&h, &db, &token, "ada").await;
}

/// A database made by the schema before secrets at rest (migrations 0001 to 0004), with a
/// tenant whose secret key and token secret are stored in plain text.
async fn old_database(db: &Path, secret_key: &str, token_secret: &[u8]) {
    let old = tempfile::tempdir().expect("dir");
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    for entry in std::fs::read_dir(&here).expect("migrations") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        if name.as_str() < "0005" {
            std::fs::copy(&path, old.path().join(&name)).expect("copy");
        }
    }
    let migrator = sqlx::migrate::Migrator::new(old.path())
        .await
        .expect("the old migrations");
    assert_eq!(migrator.iter().count(), 4);
    let options = SqliteConnectOptions::from_str("sqlite:")
        .expect("options")
        .filename(db)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal);
    let pool: SqlitePool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .expect("a new database");
    migrator.run(&pool).await.expect("the old schema");
    sqlx::query(
        "INSERT INTO tenants (id, secret_key, token_secret, number_matching,
             challenge_lifetime_ms, credential_lease_ms, created_at)
         VALUES ('old-tenant', ?, ?, 0, 120000, NULL, 1)",
    )
    .bind(secret_key)
    .bind(token_secret)
    .execute(&pool)
    .await
    .expect("a tenant of the old schema");
    pool.close().await;
}

#[tokio::test]
async fn an_old_database_is_migrated_in_place_its_secret_key_still_works_and_leaves_no_trace() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("signet.db");
    let secret_key = "sk_old_plain_secret_key_0123456789abcdef";
    let token_secret = [0x5a_u8; 32];
    old_database(&db, secret_key, &token_secret).await;
    // The control: the old file holds both in plain.
    let before = database_bytes(&db);
    assert!(contains(&before, secret_key.as_bytes()));
    assert!(contains(&before, &token_secret));
    // Started on it: same tenant, not created, its key unknown to the server yet still valid.
    let h = Harness::start_with(|config| config.db = Some(db.clone().into())).await;
    assert_eq!(h.server.tenant_id, "old-tenant");
    assert!(!h.server.tenant_created);
    assert_eq!(h.server.secret_key, "");
    let rp = signet_testkit::Rp::on(h.api.clone(), "old-tenant", secret_key);
    let device = signet_testkit::Device::enrolled(&rp, "ada").await;
    let tracked = rp.track("ada", "signIn", &json!({})).await.expect("track");
    let challenge = rp
        .start_challenge_answer(&tracked.token, &json!({ "action": "signIn" }))
        .await
        .expect("answered")
        .ok();
    let challenge_id = challenge["challengeId"].as_str().expect("id");
    device.answer(&h.api, challenge_id, true, json!({})).await;
    // A token signed with the old per-tenant token secret no longer verifies.
    let old_signed = signed_with(&tracked.token, &token_secret);
    let refused = h
        .start_challenge(&old_signed, json!({ "action": "signIn" }))
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);
    // Neither the plain key nor the old token secret is left in the file.
    let after = database_bytes(&db);
    assert!(
        !contains(&after, secret_key.as_bytes()),
        "the plain key is left"
    );
    assert!(
        !contains(&after, &token_secret),
        "the old token secret is left"
    );
    nothing_stored_opens_the_api(&h, &db, &tracked.token, "ada").await;
    // A second start does nothing more, and the key still works.
    let Harness { server, .. } = h;
    server.shutdown().await.expect("shuts down");
    let again = Harness::start_with(|config| config.db = Some(db.clone().into())).await;
    let found = again.server.store().tenant_by_secret(secret_key).await;
    assert_eq!(
        found.expect("read").map(|tenant| tenant.id).as_deref(),
        Some("old-tenant")
    );
}

#[tokio::test]
async fn a_token_key_given_in_the_config_signs_the_tokens_and_no_file_is_made() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("signet.db");
    let key = TokenKey::from_hex(&"7e".repeat(32)).expect("key");
    let h = Harness::start_with(|config| {
        *config = Config {
            db: Some(db.clone().into()),
            token_key: Some(key.clone()),
            ..Config::default()
        };
    })
    .await;
    assert!(!TokenKey::default_path(&db).exists());
    let _device = h.enrolled_device("ada").await;
    let (token, _) = h.sign_in("ada", json!({})).await;
    let resigned = signed_with(&token, &key.tenant_key(&h.server.tenant_id)[..]);
    assert_eq!(resigned, token, "the token is signed with the given key");
}

#[tokio::test]
async fn a_missing_token_key_file_that_was_named_stops_the_start_with_a_clear_error() {
    let dir = tempfile::tempdir().expect("dir");
    let missing = dir.path().join("no-such-key");
    let error = signet_server::spawn(Config {
        db: Some(dir.path().join("signet.db").into()),
        token_key_file: Some(missing.clone()),
        ..Config::default()
    })
    .await
    .expect_err("no key, no start")
    .to_string();
    assert!(error.contains("cannot read the token key file"), "{error}");
    assert!(!missing.exists(), "a named file is never made");
}
