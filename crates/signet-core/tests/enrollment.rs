//! Enrollment links that cannot be used, each with its own error, against the real server:
//! a link used before, an expired one (by the token's `exp` on this device, and by the
//! server's clock), one made by another server, one to an unreachable or plain-http server;
//! and the same user enrolled again, found before the token is used and replaced.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::World;
use signet_core::{EnrollOptions, Error, LinkProblem, MemoryKeyStore};
use signet_protocol::clock::{Clock as _, ManualClock};

fn link_problem(result: Result<signet_core::Account, Error>) -> LinkProblem {
    match result {
        Err(Error::EnrollmentLink { problem }) => problem,
        other => panic!("expected a link problem, got {other:?}"),
    }
}

#[tokio::test]
async fn a_link_used_before_is_refused_as_already_used_and_leaves_no_key_or_account() {
    let world = World::start().await;
    let link = world.rp.enrollment_link("ada").await.unwrap();
    let first = tempfile::tempdir().unwrap();
    let engine = world.engine(first.path(), Arc::new(MemoryKeyStore::new()));
    engine
        .enroll(&link, EnrollOptions::default())
        .await
        .unwrap();

    let second = tempfile::tempdir().unwrap();
    let keys = Arc::new(MemoryKeyStore::new());
    let other = world.engine(second.path(), Arc::clone(&keys));
    let problem = link_problem(other.enroll(&link, EnrollOptions::default()).await);

    assert_eq!(problem, LinkProblem::AlreadyUsed);
    assert!(keys.is_empty(), "the new key was deleted");
    assert!(other.accounts().is_empty());
    assert_eq!(
        world
            .rp
            .authenticators("ada")
            .await
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_link_the_servers_clock_finds_expired_is_refused_as_expired() {
    let world = World::start().await;
    let link = world.rp.enrollment_link("ada").await.unwrap();
    // Only the server's clock moves: this device (its own clock, still at the start) thinks
    // the token is valid and sends it.
    let device_clock = ManualClock::at_ms(world.clock.now_ms());
    world.advance(Duration::from_secs(11 * 60));
    let dir = tempfile::tempdir().unwrap();
    let keys = Arc::new(MemoryKeyStore::new());
    let engine = world.engine_with(dir.path(), Arc::clone(&keys), |config| {
        config.clock = Arc::new(device_clock);
    });
    assert!(engine.check_link(&link).unwrap().is_none());

    let problem = link_problem(engine.enroll(&link, EnrollOptions::default()).await);

    assert_eq!(problem, LinkProblem::Expired);
    assert!(keys.is_empty());
    assert!(engine.accounts().is_empty());
}

#[tokio::test]
async fn checking_a_link_whose_exp_has_passed_says_expired_without_using_the_token() {
    let world = World::start().await;
    let link = world.rp.enrollment_link("ada").await.unwrap();
    let late = tempfile::tempdir().unwrap();
    let keys = Arc::new(MemoryKeyStore::new());
    // Only this device's clock moves past the token's `exp` (and the leeway).
    let device_clock = ManualClock::at_ms(world.clock.now_ms());
    device_clock.advance(Duration::from_secs(11 * 60));
    let engine = world.engine_with(late.path(), Arc::clone(&keys), |config| {
        config.clock = Arc::new(device_clock);
    });

    assert!(matches!(
        engine.check_link(&link),
        Err(Error::EnrollmentLink {
            problem: LinkProblem::Expired
        })
    ));
    let problem = link_problem(engine.enroll(&link, EnrollOptions::default()).await);
    assert_eq!(problem, LinkProblem::Expired);
    assert!(keys.is_empty(), "no key was even created");

    // The token was never sent: a device with the server's time still enrolls with it.
    let on_time = tempfile::tempdir().unwrap();
    let fresh = world.engine(on_time.path(), Arc::new(MemoryKeyStore::new()));
    fresh.enroll(&link, EnrollOptions::default()).await.unwrap();
}

#[tokio::test]
async fn a_link_made_by_another_server_is_refused_as_not_for_this_server() {
    let world = World::start().await;
    let elsewhere = World::start().await;
    let mut link = elsewhere.rp.enrollment_link("ada").await.unwrap();
    link.base_url = world.server.base_url.parse().unwrap();
    link.tenant_id.clone_from(&world.server.tenant_id);
    let dir = tempfile::tempdir().unwrap();
    let keys = Arc::new(MemoryKeyStore::new());
    let engine = world.engine(dir.path(), Arc::clone(&keys));

    let problem = link_problem(engine.enroll(&link, EnrollOptions::default()).await);

    assert_eq!(problem, LinkProblem::NotForThisServer);
    assert!(keys.is_empty());
}

#[tokio::test]
async fn an_unreachable_server_and_a_plain_http_server_keep_their_own_errors() {
    let world = World::start().await;
    let dir = tempfile::tempdir().unwrap();
    let keys = Arc::new(MemoryKeyStore::new());
    let engine = world.engine(dir.path(), Arc::clone(&keys));

    let mut unreachable = world.rp.enrollment_link("ada").await.unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    unreachable.base_url = format!("http://{addr}/v1").parse().unwrap();
    let error = engine
        .enroll(&unreachable, EnrollOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Network { .. }), "{error:?}");

    let mut plain = world.rp.enrollment_link("ada").await.unwrap();
    plain.base_url = "http://auth.example.com/v1".parse().unwrap();
    assert!(matches!(
        engine.check_link(&plain),
        Err(Error::InsecureUrl { .. })
    ));
    assert!(keys.is_empty());
}

#[tokio::test]
async fn the_same_user_enrolled_again_is_found_before_the_token_is_used_and_replaced() {
    let world = World::start().await;
    let dir = tempfile::tempdir().unwrap();
    let keys = Arc::new(MemoryKeyStore::new());
    let engine = world.engine(dir.path(), Arc::clone(&keys));
    let first = world.enroll(&engine, "ada").await;

    let again = world.rp.enrollment_link("ada").await.unwrap();
    let found = engine.check_link(&again).unwrap().expect("ada is found");
    assert_eq!(found.id, first.id);
    let someone_else = world.rp.enrollment_link("bob").await.unwrap();
    assert!(engine.check_link(&someone_else).unwrap().is_none());

    let replaced = engine
        .replace(&first.id, &again, EnrollOptions::default())
        .await
        .unwrap();

    let accounts = engine.accounts();
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0].id, replaced.id);
    assert_ne!(replaced.id, first.id);
    assert_eq!(keys.len(), 1, "the old key was deleted");
    let on_server = world.rp.authenticators("ada").await.unwrap();
    let on_server = on_server.as_array().unwrap();
    assert_eq!(on_server.len(), 1, "{on_server:?}");
    assert_eq!(
        on_server[0]["userAuthenticatorId"],
        replaced.authenticator_id.as_str()
    );
}
