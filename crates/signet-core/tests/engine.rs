//! The engine against the real `signet-server` on loopback: enrollment, approve, deny,
//! number matching, expiry, long-poll, fallback to polling, server down then up, removal,
//! re-enrollment, keep-alive, user verification.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{ScriptedVerifier, World, spawn_at};
use serde_json::json;
use signet_core::engine::{Delivery, Event, Resolution, Step};
use signet_core::history::Outcome;
use signet_core::{
    AccountStore, Answer, DeclineReason, DeviceKeyStore, EnrollOptions, Error, MemoryKeyStore,
    Watcher,
};
use signet_protocol::ErrorCode;
use signet_protocol::clock::Clock as _;
use signet_server::TenantSettings;

/// The resolutions announced so far, without waiting.
fn resolved(receiver: &mut tokio::sync::broadcast::Receiver<Resolution>) -> Vec<(String, Outcome)> {
    std::iter::from_fn(|| receiver.try_recv().ok())
        .map(|resolution| (resolution.challenge_id, resolution.outcome))
        .collect()
}

fn received(step: &Step) -> Vec<String> {
    step.events
        .iter()
        .filter_map(|event| match event {
            Event::ChallengeReceived { challenge } => Some(challenge.id.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn enrolling_from_a_link_saves_an_account_the_server_knows() {
    let world = World::start().await;
    let dir = tempfile::tempdir().unwrap();
    let keys = Arc::new(MemoryKeyStore::new());
    let engine = world.engine(dir.path(), keys.clone());

    let link = world.rp.enrollment_link("ada").await.unwrap();
    let account = engine
        .enroll(&link, EnrollOptions::default())
        .await
        .unwrap();

    assert_eq!(account.user_id, "ada");
    assert_eq!(account.user_label.as_deref(), Some("ada@example.com"));
    assert_eq!(
        keys.public_key(&account.key_alias).unwrap(),
        account.public_key
    );
    let listed = world.rp.authenticators("ada").await.unwrap();
    assert_eq!(
        listed[0]["userAuthenticatorId"],
        account.authenticator_id.as_str()
    );
    let reloaded = AccountStore::in_folder(dir.path()).load().unwrap();
    assert_eq!(reloaded, vec![account]);
}

#[tokio::test]
async fn an_approved_sign_in_succeeds_on_the_server_and_is_prompted_once() {
    let world = World::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (engine, account) = world.enrolled(dir.path(), "ada").await;
    let sign_in = world.rp.sign_in("ada").await.unwrap();

    let mut watcher = Watcher::new(account.id.clone());
    let first = watcher.step(&engine).await;
    assert_eq!(received(&first), vec![sign_in.challenge_id.clone()]);
    let again = watcher.step(&engine).await;
    assert!(received(&again).is_empty(), "prompted twice: {again:?}");
    assert_eq!(again.next_delay, engine.watch_options().poll_interval);

    assert!(
        engine
            .answer(&sign_in.challenge_id, Answer::approve())
            .await
            .unwrap()
    );
    assert!(engine.pending().is_empty());
    let verified = world.rp.verify(&sign_in, None).await.unwrap();
    assert!(verified.is_verified);
    assert_eq!(
        world.rp.action(&sign_in).await.unwrap()["state"],
        "CHALLENGE_SUCCEEDED"
    );
    assert!(engine.account(&account.id).unwrap().last_used_at.is_some());
    let history = engine.history();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].challenge_id, sign_in.challenge_id);
    assert_eq!(history[0].outcome, Outcome::Approved);
}

#[tokio::test]
async fn a_denied_sign_in_fails_and_records_it_was_not_me() {
    let world = World::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (engine, account) = world.enrolled(dir.path(), "ada").await;
    let sign_in = world.rp.sign_in("ada").await.unwrap();
    let challenge = engine.check_now(&account.id).await.unwrap().unwrap();
    assert_eq!(challenge.id, sign_in.challenge_id);

    let taken = engine
        .answer(&challenge.id, Answer::deny(Some(DeclineReason::NotMe)))
        .await
        .unwrap();
    assert!(taken, "the server took the denial as given");
    let action = world.rp.action(&sign_in).await.unwrap();
    assert_eq!(action["state"], "CHALLENGE_FAILED");
    assert_eq!(action["output"]["declineReason"], "notMe");
    assert_eq!(engine.history()[0].outcome, Outcome::NotMe);
    let paused_until = engine
        .paused_until(&account.id)
        .expect("the server said it pauses");
    assert_eq!(paused_until, world.clock.now_seconds() + 300);
    world.advance(Duration::from_secs(300));
    assert_eq!(engine.paused_until(&account.id), None, "the pause ends");
    let again = engine.answer(&challenge.id, Answer::approve()).await;
    assert!(
        matches!(again, Err(Error::UnknownChallenge { .. })),
        "{again:?}"
    );
}

#[tokio::test]
async fn number_matching_asks_for_the_code_and_accepts_the_right_one() {
    let world = World::start_with(|config| {
        config.tenant_settings = TenantSettings {
            number_matching: true,
            ..TenantSettings::default()
        };
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let (engine, account) = world.enrolled(dir.path(), "ada").await;
    let sign_in = world.rp.sign_in("ada").await.unwrap();
    let code = sign_in
        .verification_code
        .clone()
        .expect("a code for the page");
    let challenge = engine.check_now(&account.id).await.unwrap().unwrap();
    assert!(challenge.verification_code_required);

    let missing = engine.answer(&challenge.id, Answer::approve()).await;
    assert!(
        matches!(missing, Err(Error::VerificationCodeRequired)),
        "{missing:?}"
    );
    assert_eq!(
        engine.pending().len(),
        1,
        "still pending after a missing code"
    );
    assert!(
        engine
            .answer(&challenge.id, Answer::approve_with_code(code))
            .await
            .unwrap()
    );
    assert_eq!(
        world.rp.action(&sign_in).await.unwrap()["state"],
        "CHALLENGE_SUCCEEDED"
    );
}

#[tokio::test]
async fn a_wrong_number_fails_the_sign_in() {
    let world = World::start_with(|config| {
        config.tenant_settings.number_matching = true;
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let (engine, account) = world.enrolled(dir.path(), "ada").await;
    let sign_in = world.rp.sign_in("ada").await.unwrap();
    let code = sign_in.verification_code.clone().unwrap();
    let wrong = if code == "00" { "01" } else { "00" };
    let challenge = engine.check_now(&account.id).await.unwrap().unwrap();
    let mut resolutions = engine.resolutions();

    let verified = engine
        .answer(&challenge.id, Answer::approve_with_code(wrong))
        .await
        .unwrap_or(true);
    assert!(!verified);
    assert_eq!(
        world.rp.action(&sign_in).await.unwrap()["state"],
        "CHALLENGE_FAILED"
    );
    assert_eq!(
        resolved(&mut resolutions),
        vec![(challenge.id.clone(), Outcome::WrongNumber)]
    );
    assert!(
        engine.pending().is_empty(),
        "one attempt: the request is closed"
    );
    assert_eq!(engine.history()[0].outcome, Outcome::WrongNumber);
}

#[tokio::test]
async fn an_expired_challenge_is_dropped_reported_once_and_cannot_be_answered() {
    let world = World::start_with(|config| config.long_poll = false).await;
    let dir = tempfile::tempdir().unwrap();
    let (engine, account) = world.enrolled(dir.path(), "ada").await;
    let sign_in = world.rp.sign_in("ada").await.unwrap();
    let mut watcher = Watcher::new(account.id.clone());
    assert_eq!(
        received(&watcher.step(&engine).await),
        vec![sign_in.challenge_id.clone()]
    );

    let mut resolutions = engine.resolutions();
    world.advance(Duration::from_secs(121));
    let step = watcher.step(&engine).await;
    assert_eq!(
        resolved(&mut resolutions),
        vec![(sign_in.challenge_id.clone(), Outcome::Expired)],
        "{step:?}"
    );
    assert!(received(&step).is_empty());
    assert!(engine.pending().is_empty());
    assert!(watcher.step(&engine).await.events.is_empty());
    assert!(resolved(&mut resolutions).is_empty(), "reported once");
    assert_eq!(engine.history().len(), 1, "expiry recorded once");
    assert_eq!(engine.history()[0].outcome, Outcome::Expired);
    let answer = engine
        .answer(&sign_in.challenge_id, Answer::approve())
        .await;
    assert!(
        matches!(answer, Err(Error::UnknownChallenge { .. })),
        "{answer:?}"
    );
    assert_eq!(
        world.rp.action(&sign_in).await.unwrap()["state"],
        "CHALLENGE_REQUIRED"
    );
}

#[tokio::test]
async fn long_poll_delivers_a_challenge_started_while_the_device_waits() {
    let world = World::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (engine, account) = world.enrolled(dir.path(), "ada").await;

    let mut watcher = Watcher::new(account.id.clone());
    let connected = watcher.step(&engine).await;
    assert!(received(&connected).is_empty());
    let waiting = {
        let engine = Arc::clone(&engine);
        tokio::spawn(async move {
            let step = watcher.step(&engine).await;
            (step, watcher.delivery())
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let sign_in = world.rp.sign_in("ada").await.unwrap();
    let (step, delivery) = waiting.await.unwrap();

    assert_eq!(received(&step), vec![sign_in.challenge_id]);
    assert_eq!(delivery, Delivery::LongPoll);
    assert_eq!(step.next_delay, Duration::ZERO);
}

#[tokio::test]
async fn an_idle_long_poll_costs_one_request_and_a_new_challenge_is_fetched_signed_with_its_custom_data()
 {
    let world = World::start().await;
    let dir = tempfile::tempdir().unwrap();
    let engine = world.engine_with(dir.path(), Arc::new(MemoryKeyStore::new()), |config| {
        config.watch.long_poll_wait = Duration::from_secs(1);
    });
    let account = world.enroll(&engine, "ada").await;
    let mut watcher = Watcher::new(account.id.clone());

    // 1. Nothing pending: the whole wait is one unsigned 3.4b.
    let before = world.server.requests_received();
    let idle = watcher.step(&engine).await;
    assert!(received(&idle).is_empty());
    assert_eq!(watcher.delivery(), Delivery::LongPoll);
    assert_eq!(world.server.requests_received() - before, 1);

    // 2. A new challenge: the unsigned 3.4b, then 3.4a and a signed 3.4b, which alone
    //    returns the relying party's `custom` data.
    let sign_in = world
        .rp
        .sign_in_with("ada", &json!({"custom": {"item": "order 42"}}))
        .await
        .unwrap();
    let before = world.server.requests_received();
    let step = watcher.step(&engine).await;
    assert_eq!(received(&step), vec![sign_in.challenge_id.clone()]);
    assert_eq!(world.server.requests_received() - before, 3);
    let challenge = engine.pending().pop().unwrap();
    assert_eq!(challenge.custom, Some(json!({"item": "order 42"})));

    // 3. The same challenge again: one request, no second prompt.
    let before = world.server.requests_received();
    let again = watcher.step(&engine).await;
    assert!(received(&again).is_empty());
    assert_eq!(world.server.requests_received() - before, 1);
}

#[tokio::test]
async fn a_device_refused_every_nonce_tries_the_signed_fetch_three_times_then_shows_the_challenge_without_custom_data()
 {
    // A server that refuses every 3.4a with 429, as it does while a flood of nonces for this
    // key holds the key's cap.
    let world =
        World::start_with(|config| config.rate_limits.max_live_nonces_per_address = 0).await;
    let dir = tempfile::tempdir().unwrap();
    let engine = world.engine_with(dir.path(), Arc::new(MemoryKeyStore::new()), |config| {
        config.watch.long_poll_wait = Duration::from_secs(1);
    });
    let account = world.enroll(&engine, "ada").await;
    let mut watcher = Watcher::new(account.id.clone());
    let sign_in = world
        .rp
        .sign_in_with("ada", &json!({"custom": {"item": "order 42"}}))
        .await
        .unwrap();
    let before = world.server.requests_received();
    let step = watcher.step(&engine).await;
    // The unsigned 3.4b, then three refused 3.4a; the challenge is shown all the same.
    assert_eq!(received(&step), vec![sign_in.challenge_id.clone()]);
    assert_eq!(world.server.requests_received() - before, 4);
    let challenge = engine.pending().pop().unwrap();
    assert_eq!(challenge.custom, None);
    // And it can be answered.
    assert!(
        engine
            .answer(&challenge.id, Answer::approve())
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn a_server_that_does_not_hold_requests_makes_the_device_poll_every_interval() {
    let world = World::start_with(|config| config.long_poll = false).await;
    let dir = tempfile::tempdir().unwrap();
    let (engine, account) = world.enrolled(dir.path(), "ada").await;
    let mut watcher = Watcher::new(account.id.clone());

    // The first request asks without `wait` (to know the connection at once); the second
    // one's immediate answer despite `wait` shows the server does not hold requests.
    let connected = watcher.step(&engine).await;
    assert_eq!(watcher.delivery(), Delivery::LongPoll, "{connected:?}");
    let first = watcher.step(&engine).await;
    assert_eq!(watcher.delivery(), Delivery::Polling);
    assert!(
        first.events.iter().any(|event| matches!(
            event,
            Event::DeliveryChanged {
                delivery: Delivery::Polling,
                ..
            }
        )),
        "{first:?}"
    );
    assert_eq!(first.next_delay, Duration::from_secs(3));

    let sign_in = world.rp.sign_in("ada").await.unwrap();
    let second = watcher.step(&engine).await;
    assert_eq!(received(&second), vec![sign_in.challenge_id.clone()]);
    assert_eq!(second.next_delay, Duration::from_secs(3));
    assert!(
        watcher.step(&engine).await.events.is_empty(),
        "no second prompt"
    );
    assert!(
        engine
            .answer(&sign_in.challenge_id, Answer::approve())
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn the_device_backs_off_while_the_server_is_down_and_recovers_when_it_returns() {
    let db_dir = tempfile::tempdir().unwrap();
    let db = db_dir.path().join("signet.db");
    let world = World::start_with(|config| config.db = Some(db.clone().into())).await;
    let (addr, tenant, secret) = (
        world.server.addr,
        world.server.tenant_id.clone(),
        world.server.secret_key.clone(),
    );
    let dir = tempfile::tempdir().unwrap();
    let (engine, account) = world.enrolled(dir.path(), "ada").await;
    let World {
        server, clock, rp, ..
    } = world;
    server.shutdown().await.unwrap();

    let mut watcher = Watcher::new(account.id.clone());
    let down = watcher.step(&engine).await;
    let lost = down
        .events
        .iter()
        .filter(|event| matches!(event, Event::ConnectionLost { .. }))
        .count();
    assert_eq!(lost, 1, "{down:?}");
    assert!(down.next_delay <= engine.watch_options().backoff_initial);
    let still_down = watcher.step(&engine).await;
    assert!(still_down.events.is_empty(), "said once: {still_down:?}");
    assert!(still_down.next_delay >= engine.watch_options().backoff_initial);
    assert!(still_down.next_delay <= engine.watch_options().backoff_initial * 2);
    assert!(watcher.is_disconnected());

    let _server = spawn_at(addr, &db, &tenant, &secret, &clock).await;
    let sign_in = rp.sign_in("ada").await.unwrap();
    let up = watcher.step(&engine).await;
    assert!(
        matches!(up.events.first(), Some(Event::ConnectionRestored { .. })),
        "{up:?}"
    );
    assert_eq!(received(&up), vec![sign_in.challenge_id.clone()]);
    assert!(!watcher.is_disconnected());
    assert!(
        engine
            .answer(&sign_in.challenge_id, Answer::approve())
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn removing_an_account_removes_the_server_credential_and_the_local_key() {
    let world = World::start().await;
    let dir = tempfile::tempdir().unwrap();
    let keys = Arc::new(MemoryKeyStore::new());
    let engine = world.engine(dir.path(), keys.clone());
    let account = engine
        .enroll(
            &world.rp.enrollment_link("ada").await.unwrap(),
            EnrollOptions::default(),
        )
        .await
        .unwrap();

    let removal = engine.remove(&account.id).await.unwrap();
    assert!(removal.server_error.is_none(), "{:?}", removal.server_error);
    assert!(keys.is_empty());
    assert!(engine.accounts().is_empty());
    assert!(
        AccountStore::in_folder(dir.path())
            .load()
            .unwrap()
            .is_empty()
    );
    assert_eq!(world.rp.authenticators("ada").await.unwrap(), json!([]));
}

#[tokio::test]
async fn removal_deletes_the_local_key_even_when_the_server_is_down() {
    let world = World::start().await;
    let dir = tempfile::tempdir().unwrap();
    let keys = Arc::new(MemoryKeyStore::new());
    let engine = world.engine(dir.path(), keys.clone());
    let account = engine
        .enroll(
            &world.rp.enrollment_link("ada").await.unwrap(),
            EnrollOptions::default(),
        )
        .await
        .unwrap();
    world.server.shutdown().await.unwrap();

    let removal = engine.remove(&account.id).await.unwrap();
    assert!(removal.server_error.is_some());
    assert!(keys.is_empty());
    assert!(engine.accounts().is_empty());
}

#[tokio::test]
async fn re_enrolling_the_same_key_keeps_the_same_authenticator() {
    let world = World::start().await;
    let dir = tempfile::tempdir().unwrap();
    let keys = Arc::new(MemoryKeyStore::new());
    let engine = world.engine(dir.path(), keys.clone());
    let account = engine
        .enroll(
            &world.rp.enrollment_link("ada").await.unwrap(),
            EnrollOptions::default(),
        )
        .await
        .unwrap();

    let again = engine
        .reenroll(&account.id, &world.rp.enrollment_link("ada").await.unwrap())
        .await
        .unwrap();
    assert_eq!(again.authenticator_id, account.authenticator_id);
    assert_eq!(again.public_key, account.public_key);
    assert_eq!(keys.len(), 1);
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
async fn keep_alive_renews_the_credential() {
    let world = World::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (engine, account) = world.enrolled(dir.path(), "ada").await;
    let renewed = engine.keep_alive(&account.id).await.unwrap();
    assert_eq!(renewed.user_authenticator_id, account.authenticator_id);
}

#[tokio::test]
async fn approving_waits_for_user_verification_when_the_account_requires_it() {
    let world = World::start().await;
    let dir = tempfile::tempdir().unwrap();
    let verifier = Arc::new(ScriptedVerifier::default());
    let engine = world.engine_with(dir.path(), Arc::new(MemoryKeyStore::new()), |config| {
        config.verifier = verifier.clone();
    });
    let account = engine
        .enroll(
            &world.rp.enrollment_link("ada").await.unwrap(),
            EnrollOptions {
                require_biometric: true,
            },
        )
        .await
        .unwrap();
    let sign_in = world.rp.sign_in("ada").await.unwrap();
    engine.check_now(&account.id).await.unwrap().unwrap();

    let refused = engine
        .answer(&sign_in.challenge_id, Answer::approve())
        .await;
    assert!(
        matches!(refused, Err(Error::UserVerificationFailed)),
        "{refused:?}"
    );
    assert_eq!(
        world.rp.action(&sign_in).await.unwrap()["state"],
        "CHALLENGE_REQUIRED"
    );
    *verifier.pass.lock().unwrap() = true;
    assert!(
        engine
            .answer(&sign_in.challenge_id, Answer::approve())
            .await
            .unwrap()
    );
    assert_eq!(*verifier.calls.lock().unwrap(), 2);
}

#[tokio::test]
async fn an_account_cannot_require_verification_on_a_device_without_it() {
    let world = World::start().await;
    let dir = tempfile::tempdir().unwrap();
    let keys = Arc::new(MemoryKeyStore::new());
    let engine = world.engine(dir.path(), keys.clone());
    let link = world.rp.enrollment_link("ada").await.unwrap();
    let result = engine
        .enroll(
            &link,
            EnrollOptions {
                require_biometric: true,
            },
        )
        .await;
    assert!(
        matches!(result, Err(Error::UserVerificationUnavailable)),
        "{result:?}"
    );
    assert!(keys.is_empty());
}

#[tokio::test]
async fn a_refused_enrollment_token_leaves_no_key_and_no_account() {
    let world = World::start().await;
    let dir = tempfile::tempdir().unwrap();
    let keys = Arc::new(MemoryKeyStore::new());
    let engine = world.engine(dir.path(), keys.clone());
    let mut link = world.rp.enrollment_link("ada").await.unwrap();
    link.token = "not-a-token".to_owned();

    let error = engine
        .enroll(&link, EnrollOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::EnrollmentLink {
                problem: signet_core::LinkProblem::NotForThisServer
            }
        ),
        "{error:?}"
    );
    assert!(keys.is_empty());
    assert!(engine.accounts().is_empty());
}

#[tokio::test]
async fn a_keystore_failure_during_enrollment_leaves_no_account() {
    let world = World::start().await;
    let dir = tempfile::tempdir().unwrap();
    let keys = Arc::new(MemoryKeyStore::new());
    let engine = world.engine(dir.path(), keys.clone());
    keys.fail_next_call();
    let result = engine
        .enroll(
            &world.rp.enrollment_link("ada").await.unwrap(),
            EnrollOptions::default(),
        )
        .await;
    assert!(matches!(result, Err(Error::InjectedFailure)), "{result:?}");
    assert!(engine.accounts().is_empty());
}

#[tokio::test]
async fn a_plain_http_link_to_another_host_is_refused_before_any_key_is_made() {
    let world = World::start().await;
    let dir = tempfile::tempdir().unwrap();
    let keys = Arc::new(MemoryKeyStore::new());
    let engine = world.engine(dir.path(), keys.clone());
    let mut link = world.rp.enrollment_link("ada").await.unwrap();
    link.base_url = "http://push.example.com/v1".parse().unwrap();
    let result = engine.enroll(&link, EnrollOptions::default()).await;
    assert!(
        matches!(result, Err(Error::InsecureUrl { .. })),
        "{result:?}"
    );
    assert!(keys.is_empty());
}

#[tokio::test]
async fn the_run_loop_sends_challenges_of_accounts_enrolled_while_it_runs() {
    let world = World::start().await;
    let dir = tempfile::tempdir().unwrap();
    let engine = world.engine(dir.path(), Arc::new(MemoryKeyStore::new()));
    let (sender, mut events) = tokio::sync::mpsc::channel(16);
    let running = tokio::spawn(Arc::clone(&engine).run(sender));

    engine
        .enroll(
            &world.rp.enrollment_link("ada").await.unwrap(),
            EnrollOptions::default(),
        )
        .await
        .unwrap();
    let sign_in = world.rp.sign_in("ada").await.unwrap();
    let event = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            if let Some(Event::ChallengeReceived { challenge }) = events.recv().await {
                break challenge;
            }
        }
    })
    .await
    .expect("a challenge event");
    assert_eq!(event.id, sign_in.challenge_id);
    drop(events);
    running.abort();
}

#[tokio::test]
async fn a_new_account_is_connected_after_its_first_step_without_waiting_for_a_long_poll() {
    let world = World::start().await;
    let dir = tempfile::tempdir().unwrap();
    let (engine, account) = world.enrolled(dir.path(), "ada").await;
    let mut watcher = Watcher::new(account.id.clone());

    // The world's long-poll wait is 20 s: a first step that waited would time out here.
    let first = tokio::time::timeout(Duration::from_secs(10), watcher.step(&engine))
        .await
        .expect("the first step does not hold");
    assert!(
        matches!(first.events.as_slice(), [Event::ConnectionRestored { .. }]),
        "{first:?}"
    );
    assert_eq!(watcher.delivery(), Delivery::LongPoll);
    assert_eq!(
        first.next_delay,
        Duration::ZERO,
        "the long-poll follows at once"
    );
}

#[tokio::test]
async fn a_challenge_answered_on_another_device_of_the_user_is_resolved_as_answered_elsewhere() {
    let world = World::start().await;
    let (phone_dir, laptop_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (phone, phone_account) = world.enrolled(phone_dir.path(), "ada").await;
    let (laptop, laptop_account) = world.enrolled(laptop_dir.path(), "ada").await;
    let sign_in = world.rp.sign_in("ada").await.unwrap();
    let mut phone_watcher = Watcher::new(phone_account.id.clone());
    let mut laptop_watcher = Watcher::new(laptop_account.id.clone());
    assert_eq!(
        received(&phone_watcher.step(&phone).await),
        vec![sign_in.challenge_id.clone()]
    );
    assert_eq!(
        received(&laptop_watcher.step(&laptop).await),
        vec![sign_in.challenge_id.clone()]
    );
    let mut on_phone = phone.resolutions();
    let mut on_laptop = laptop.resolutions();

    assert!(
        phone
            .answer(&sign_in.challenge_id, Answer::approve())
            .await
            .unwrap()
    );
    // While a challenge waits for the user, the device asks without holding (the world's
    // long-poll wait is 20 s: a held request would time out here).
    tokio::time::timeout(Duration::from_secs(10), laptop_watcher.step(&laptop))
        .await
        .expect("a device with a challenge on screen does not long-poll");

    assert_eq!(
        resolved(&mut on_phone),
        vec![(sign_in.challenge_id.clone(), Outcome::Approved)],
        "this device's own answer is not taken for another device's"
    );
    assert_eq!(
        resolved(&mut on_laptop),
        vec![(sign_in.challenge_id.clone(), Outcome::AnsweredElsewhere)]
    );
    assert!(laptop.pending().is_empty());
    assert_eq!(laptop.history()[0].outcome, Outcome::AnsweredElsewhere);
    let sign_in_2 = world.rp.sign_in("ada").await.unwrap();
    assert_eq!(
        received(&laptop_watcher.step(&laptop).await),
        vec![sign_in_2.challenge_id.clone()]
    );
    assert_eq!(
        received(&phone_watcher.step(&phone).await),
        vec![sign_in_2.challenge_id.clone()]
    );
    assert!(resolved(&mut on_laptop).is_empty(), "reported once");
    assert!(resolved(&mut on_phone).is_empty(), "reported once");
    let late = laptop
        .answer(&sign_in.challenge_id, Answer::deny(None))
        .await;
    assert!(
        matches!(late, Err(Error::UnknownChallenge { .. })),
        "{late:?}"
    );
}

#[tokio::test]
async fn answering_a_challenge_another_device_answered_first_resolves_it_as_answered_elsewhere() {
    let world = World::start_with(|config| config.long_poll = false).await;
    let (phone_dir, laptop_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (phone, phone_account) = world.enrolled(phone_dir.path(), "ada").await;
    let (laptop, laptop_account) = world.enrolled(laptop_dir.path(), "ada").await;
    let sign_in = world.rp.sign_in("ada").await.unwrap();
    phone.check_now(&phone_account.id).await.unwrap().unwrap();
    laptop.check_now(&laptop_account.id).await.unwrap().unwrap();
    let mut on_laptop = laptop.resolutions();

    phone
        .answer(&sign_in.challenge_id, Answer::deny(None))
        .await
        .unwrap();
    let refused = laptop
        .answer(&sign_in.challenge_id, Answer::approve())
        .await;

    assert!(
        matches!(&refused, Err(error) if error.error_code() == Some(ErrorCode::ChallengeAlreadyAnswered)),
        "{refused:?}"
    );
    assert_eq!(
        resolved(&mut on_laptop),
        vec![(sign_in.challenge_id.clone(), Outcome::AnsweredElsewhere)]
    );
    assert!(laptop.pending().is_empty());
    assert_eq!(
        world.rp.action(&sign_in).await.unwrap()["state"],
        "CHALLENGE_FAILED"
    );
}
