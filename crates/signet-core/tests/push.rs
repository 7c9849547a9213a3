//! Wake-ups and leases against the real server: the push token reaches every account's server
//! at enrollment (3.1) and through update credential when it changes (3.6b), the lease is
//! renewed before it ends, a wake-up fetches its challenge, and a credential gone on the server
//! makes the account "needs to be enrolled again".

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::World;
use signet_core::engine::next_renewal;
use signet_core::{Account, Engine, Error, Event, MemoryKeyStore, PushToken, WakeUp, Watcher};
use signet_protocol::clock::Clock as _;

const LEASE: Duration = Duration::from_secs(600);

/// The push token the server holds for `account`'s credential.
async fn stored_token(world: &World, account: &Account) -> Option<String> {
    world
        .server
        .store()
        .authenticator_by_key(
            &world.server.tenant_id,
            &account.public_key.to_spki_base64(),
        )
        .await
        .expect("the store answers")
        .expect("the credential exists")
        .push_token
}

/// A Web Push subscription token (docs/protocol.md 8.6) whose endpoint ends in `name`: the
/// form a desktop device's server accepts (APNs and FCM tokens need `ios` and `android`).
fn token_text(name: &str) -> String {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let point = p256::SecretKey::from_slice(&[7; 32])
        .expect("a valid scalar")
        .public_key()
        .to_sec1_bytes()
        .into_vec();
    let json = serde_json::json!({
        "endpoint": format!("https://push.example/{name}"),
        "keys": {"p256dh": URL_SAFE_NO_PAD.encode(point), "auth": URL_SAFE_NO_PAD.encode([9u8; 16])},
    });
    format!("webpush:{}", URL_SAFE_NO_PAD.encode(json.to_string()))
}

fn token(name: &str) -> PushToken {
    PushToken::new(&token_text(name)).expect("a valid token")
}

async fn leased_world() -> World {
    World::start_with(|config| config.tenant_settings.credential_lease = Some(LEASE)).await
}

#[tokio::test]
async fn the_push_token_reaches_the_server_at_enrollment_with_the_platform() {
    let world = World::start().await;
    let dir = tempfile::tempdir().unwrap();
    let engine = world.engine(dir.path(), Arc::new(MemoryKeyStore::new()));
    assert!(engine.set_push_token(token("web-push-1")).await.is_empty());

    let account = world.enroll(&engine, "ada").await;

    assert_eq!(
        stored_token(&world, &account).await.as_deref(),
        Some(token_text("web-push-1").as_str())
    );
    assert_eq!(account.push_token, Some(token("web-push-1")));
    let credential = world
        .server
        .store()
        .authenticator_by_key(
            &world.server.tenant_id,
            &account.public_key.to_spki_base64(),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        credential.device_platform.as_deref(),
        Some(signet_core::engine::this_platform().as_str())
    );
}

#[tokio::test]
async fn a_new_push_token_replaces_the_old_one_on_every_account_s_server() {
    let world = World::start().await;
    let other = World::start().await;
    let dir = tempfile::tempdir().unwrap();
    let engine = world.engine(dir.path(), Arc::new(MemoryKeyStore::new()));
    engine.set_push_token(token("token-1")).await;
    let here = world.enroll(&engine, "ada").await;
    let there = engine
        .enroll(
            &other.rp.enrollment_link("ada").await.unwrap(),
            signet_core::EnrollOptions::default(),
        )
        .await
        .unwrap();

    let renewals = engine.set_push_token(token("token-2")).await;

    assert_eq!(renewals.len(), 2);
    assert!(
        renewals.iter().all(|renewal| renewal.result.is_ok()),
        "{renewals:?}"
    );
    assert_eq!(
        stored_token(&world, &here).await.as_deref(),
        Some(token_text("token-2").as_str())
    );
    assert_eq!(
        stored_token(&other, &there).await.as_deref(),
        Some(token_text("token-2").as_str())
    );
    // Recorded: the same token again sends nothing, and survives a restart.
    assert!(engine.set_push_token(token("token-2")).await.is_empty());
    drop(engine);
    let reopened = world.engine(dir.path(), Arc::new(MemoryKeyStore::new()));
    assert!(
        reopened
            .accounts()
            .iter()
            .all(|account| account.push_token == Some(token("token-2")))
    );
}

#[tokio::test]
async fn a_token_the_server_did_not_take_is_sent_again_at_the_next_renewal() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    let world = World::start_with(|config| config.db = Some(db.clone().into())).await;
    let (engine, account) = world.enrolled(dir.path(), "ada").await;
    let addr = world.server.addr;
    let tenant_id = world.server.tenant_id.clone();
    let secret_key = world.server.secret_key.clone();
    let clock = world.clock.clone();
    world.server.shutdown().await.unwrap();

    let failed = engine.set_push_token(token("token-while-down")).await;
    assert!(
        matches!(failed[0].result, Err(ref error) if error.is_transient()),
        "{failed:?}"
    );
    assert_eq!(engine.account(&account.id).unwrap().push_token, None);

    let server = common::spawn_at(addr, &db, &tenant_id, &secret_key, &clock).await;
    let renewals = engine.renew_leases().await;
    assert!(renewals[0].result.is_ok(), "{renewals:?}");
    let stored = server
        .store()
        .authenticator_by_key(&tenant_id, &account.public_key.to_spki_base64())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.push_token.as_deref(),
        Some(token_text("token-while-down").as_str())
    );
}

#[tokio::test]
async fn renewing_keeps_the_credential_alive_past_the_server_s_lease() {
    let world = leased_world().await;
    let dir = tempfile::tempdir().unwrap();
    let (engine, account) = world.enrolled(dir.path(), "ada").await;

    // Renewed on the schedule the engine computes from the lease it is told.
    let mut elapsed = Duration::ZERO;
    while elapsed < LEASE * 3 {
        let renewals = engine.renew_leases().await;
        assert!(renewals[0].result.is_ok(), "{renewals:?}");
        let next = next_renewal(
            &renewals,
            world.clock.now_seconds(),
            Duration::from_secs(86_400),
        );
        assert!(next < LEASE, "{next:?}");
        world.advance(next);
        elapsed += next;
    }

    let sign_in = world.rp.sign_in("ada").await.unwrap();
    let challenge = engine.check_now(&account.id).await.unwrap();
    assert_eq!(challenge.map(|c| c.id), Some(sign_in.challenge_id));
}

#[tokio::test]
async fn without_renewal_the_lease_ends_and_the_account_needs_enrolling_again() {
    let world = leased_world().await;
    let dir = tempfile::tempdir().unwrap();
    let (engine, account) = world.enrolled(dir.path(), "ada").await;
    world.advance(LEASE + Duration::from_secs(1));

    let step = Watcher::new(account.id.clone()).step(&engine).await;
    assert!(
        step.events.contains(&Event::NeedsEnrollment {
            account_id: account.id.clone()
        }),
        "{:?}",
        step.events
    );
    let renewals = engine.renew_leases().await;
    assert!(
        matches!(renewals[0].result, Err(ref error) if error.is_credential_lost()),
        "{renewals:?}"
    );
}

#[tokio::test]
async fn a_credential_removed_on_the_server_makes_the_account_need_enrolling_again() {
    let world = World::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (engine, account) = world.enrolled(dir.path(), "ada").await;
    let removed = world
        .server
        .store()
        .delete_authenticator(&world.server.tenant_id, None, &account.authenticator_id)
        .await
        .unwrap();
    assert!(removed);

    let events = watch_one_step(&engine, &account).await;
    assert_eq!(
        events,
        vec![Event::NeedsEnrollment {
            account_id: account.id.clone()
        }]
    );
    // Enrolling the same key again with a new link brings it back.
    let link = world.rp.enrollment_link("ada").await.unwrap();
    engine.reenroll(&account.id, &link).await.unwrap();
    let events = watch_one_step(&engine, &account).await;
    assert_eq!(
        events,
        vec![Event::ConnectionRestored {
            account_id: account.id.clone()
        }]
    );
}

async fn watch_one_step(engine: &Engine, account: &Account) -> Vec<Event> {
    Watcher::new(account.id.clone()).step(engine).await.events
}

#[tokio::test]
async fn a_wake_up_fetches_its_challenge_once_with_the_relying_party_s_details() {
    let world = World::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (engine, account) = world.enrolled(dir.path(), "ada").await;
    let sign_in = world.rp.sign_in("ada").await.unwrap();
    let wake_up = WakeUp::from_json(&format!(
        r#"{{"challengeId":"{}","userAuthenticatorId":"{}"}}"#,
        sign_in.challenge_id, account.authenticator_id
    ))
    .unwrap();

    let challenge = engine
        .wake(&wake_up)
        .await
        .unwrap()
        .expect("a new challenge");
    assert_eq!(challenge.id, sign_in.challenge_id);
    assert_eq!(challenge.account_id, account.id);
    assert_eq!(engine.pending().len(), 1);
    // A second wake-up for the same challenge (a repeated delivery) shows nothing new.
    assert!(engine.wake(&wake_up).await.unwrap().is_none());
}

#[tokio::test]
async fn a_wake_up_for_an_authenticator_this_device_does_not_hold_changes_nothing() {
    let world = World::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (engine, _account) = world.enrolled(dir.path(), "ada").await;
    let wake_up = WakeUp {
        challenge_id: "c".to_owned(),
        user_authenticator_id: "someone-else".to_owned(),
    };
    assert!(matches!(
        engine.wake(&wake_up).await,
        Err(Error::WakeUpForUnknownAuthenticator)
    ));
    assert!(engine.pending().is_empty());
}

#[test]
fn an_empty_or_oversized_push_token_is_refused() {
    assert!(matches!(PushToken::new("  "), Err(Error::InvalidPushToken)));
    assert!(matches!(
        PushToken::new(&"a".repeat(PushToken::MAX_BYTES + 1)),
        Err(Error::InvalidPushToken)
    ));
    assert_eq!(
        format!(
            "{:?}",
            PushToken::new("secret-address").expect("a valid token")
        ),
        "PushToken(14 bytes)"
    );
}
