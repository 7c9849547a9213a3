//! The store's own suite, run on whichever database `temporary_database` gives: SQLite when
//! run plainly, PostgreSQL when `SIGNET_TEST_POSTGRES_URL` is set (scripts/test runs it both
//! ways; an unreachable PostgreSQL fails every test, it never falls back to SQLite).
//!
//! The rules that must hold across many servers (single-use nonces, one answer per
//! challenge, validate-once, the per-user and per-key limits, one key per enrollment token)
//! are tested with concurrent calls. On PostgreSQL the calls are split between two stores,
//! each with its own connections to the one database, as two servers would be; an SQLite file
//! belongs to one server, so there both halves use its one store.

#![allow(missing_docs)]

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Barrier;

use signet_protocol::{ActionState, DeclineReason};
use signet_server::store::{
    Action, Answer, Authenticator, NewAction, NewAuthenticator, NewNonce, NoncePurpose, Tenant,
};
use signet_server::{Database, Error, RateLimits, SecretKeyHash, Store, TenantSettings};

const NOW: i64 = 1_800_000_000_000;

/// A store on a database of its own (and the folder an SQLite file lives in).
struct Setup {
    database: Database,
    store: Store,
    _folder: tempfile::TempDir,
}

impl Setup {
    async fn new() -> Self {
        let (database, folder) = signet_server::temporary_database()
            .await
            .expect("a temporary database (is SIGNET_TEST_POSTGRES_URL reachable?)");
        let store = Store::connect(&database).await.expect("the store opens");
        Self {
            database,
            store,
            _folder: folder,
        }
    }

    /// A second store on the same database, as a second server would hold (PostgreSQL); the
    /// same store on SQLite.
    async fn second(&self) -> Store {
        match &self.database {
            Database::Postgres(_) => Store::connect(&self.database)
                .await
                .expect("a second store"),
            Database::Sqlite(_) => self.store.clone(),
        }
    }

    async fn tenant(&self, settings: TenantSettings) -> Tenant {
        let tenant = Tenant {
            id: uuid(),
            secret_key_hash: SecretKeyHash::of(&format!("sk_{}", uuid())),
            settings,
        };
        self.store.put_tenant(&tenant, NOW).await.expect("tenant");
        tenant
    }

    async fn enroll(&self, tenant: &Tenant, user: &str) -> Authenticator {
        self.store
            .add_authenticator(tenant, new_authenticator(user, &uuid(), &uuid()), NOW)
            .await
            .expect("enrolled")
    }

    async fn action(&self, tenant: &Tenant, user: &str) -> Action {
        self.store
            .track(&tenant.id, new_action(user), NOW)
            .await
            .expect("tracked")
    }
}

fn uuid() -> String {
    format!("{:032x}", rand_u128())
}

fn rand_u128() -> u128 {
    use std::hash::{BuildHasher as _, RandomState};
    let a = RandomState::new().hash_one(1_u8);
    let b = RandomState::new().hash_one(2_u8);
    (u128::from(a) << 64) | u128::from(b)
}

fn new_authenticator(user: &str, key: &str, token: &str) -> NewAuthenticator {
    NewAuthenticator {
        user_id: user.to_owned(),
        public_key: key.to_owned(),
        device_name: None,
        device_platform: None,
        push_token: None,
        token_id: token.to_owned(),
        token_expires_at: NOW + 600_000,
        scoped: true,
    }
}

fn new_action(user: &str) -> NewAction {
    NewAction {
        idempotency_key: uuid(),
        user_id: user.to_owned(),
        action_code: "signIn".to_owned(),
        ip_address: None,
        user_agent: None,
        device_id: None,
        custom: None,
        number_matching: false,
        open_cap: None,
    }
}

fn nonce<'a>(authenticator: &'a Authenticator, message: &'a str, address: &'a str) -> NewNonce<'a> {
    NewNonce {
        authenticator_id: &authenticator.id,
        purpose: NoncePurpose::Challenge,
        message,
        update_id: None,
        client_address: address,
        expires_at: NOW + 60_000,
        now: NOW,
    }
}

fn answer<'a>(
    challenge_id: &'a str,
    authenticator: &'a Authenticator,
    approved: bool,
) -> Answer<'a> {
    Answer {
        challenge_id,
        authenticator,
        approved,
        verification_code: None,
        decline_reason: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_nonce_is_used_once_even_when_two_servers_race_to_use_it() {
    let setup = Setup::new().await;
    let second = setup.second().await;
    let tenant = setup.tenant(TenantSettings::default()).await;
    let device = setup.enroll(&tenant, "ada").await;
    setup
        .store
        .add_nonce(
            &nonce(&device, "the-nonce", "1.2.3.4"),
            &RateLimits::default(),
        )
        .await
        .expect("stored");
    let mut attempts = Vec::new();
    for i in 0..16 {
        let store = if i % 2 == 0 {
            setup.store.clone()
        } else {
            second.clone()
        };
        attempts.push(tokio::spawn(async move {
            store.consume_nonce("the-nonce", NOW).await
        }));
    }
    let mut used = 0;
    for task in attempts {
        used += usize::from(task.await.expect("task").expect("no storage error"));
    }
    assert_eq!(used, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn exactly_one_of_concurrent_answers_from_two_servers_is_recorded() {
    let setup = Setup::new().await;
    let second = setup.second().await;
    let tenant = setup.tenant(TenantSettings::default()).await;
    let device = setup.enroll(&tenant, "ada").await;
    let action = setup.action(&tenant, "ada").await;
    let challenge = setup
        .store
        .create_challenge(&tenant, &action, None, None, &RateLimits::default(), NOW)
        .await
        .expect("challenge");
    let mut answers = Vec::new();
    for i in 0..20 {
        let store = if i % 2 == 0 {
            setup.store.clone()
        } else {
            second.clone()
        };
        let (id, device) = (challenge.id.clone(), device.clone());
        answers.push(tokio::spawn(async move {
            store
                .answer_challenge(&answer(&id, &device, i % 3 != 0), NOW + 1)
                .await
        }));
    }
    let (mut won, mut refused) = (0, 0);
    for task in answers {
        match task.await.expect("task") {
            Ok(_) => won += 1,
            Err(Error::ChallengeAlreadyAnswered) => refused += 1,
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((won, refused), (1, 19));
    let stored = setup
        .store
        .challenge(&tenant.id, &challenge.id)
        .await
        .expect("read");
    assert!(stored.expect("challenge").answered_at.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_approved_action_validates_once_even_under_concurrent_validations() {
    let setup = Setup::new().await;
    let second = setup.second().await;
    let tenant = setup.tenant(TenantSettings::default()).await;
    let device = setup.enroll(&tenant, "ada").await;
    let action = setup.action(&tenant, "ada").await;
    let challenge = setup
        .store
        .create_challenge(&tenant, &action, None, None, &RateLimits::default(), NOW)
        .await
        .expect("challenge");
    let answered = setup
        .store
        .answer_challenge(&answer(&challenge.id, &device, true), NOW + 1)
        .await
        .expect("answered");
    assert_eq!(answered.approved, Some(true));
    let mut validations = Vec::new();
    for i in 0..16 {
        let store = if i % 2 == 0 {
            setup.store.clone()
        } else {
            second.clone()
        };
        let (tenant_id, key) = (tenant.id.clone(), action.idempotency_key.clone());
        validations.push(tokio::spawn(async move {
            store.validate_once(&tenant_id, &key, NOW + 2).await
        }));
    }
    let mut validated = 0;
    for task in validations {
        validated += usize::from(task.await.expect("task").expect("no storage error"));
    }
    assert_eq!(validated, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_nonce_requests_never_exceed_the_per_address_cap() {
    let setup = Setup::new().await;
    let second = setup.second().await;
    let tenant = setup.tenant(TenantSettings::default()).await;
    let device = setup.enroll(&tenant, "ada").await;
    let limits = RateLimits::default();
    let mut requests = Vec::new();
    for i in 0..24 {
        let store = if i % 2 == 0 {
            setup.store.clone()
        } else {
            second.clone()
        };
        let device = device.clone();
        requests.push(tokio::spawn(async move {
            let message = format!("nonce-{i}");
            store
                .add_nonce(&nonce(&device, &message, "5.6.7.8"), &limits)
                .await
        }));
    }
    let (mut stored, mut refused) = (0, 0);
    for task in requests {
        match task.await.expect("task") {
            Ok(()) => stored += 1,
            Err(Error::RateLimited { .. }) => refused += 1,
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    let cap = limits.max_live_nonces_per_address;
    assert_eq!((stored, refused), (cap, 24 - cap));
    let live = setup
        .store
        .live_nonces(&device.id, NoncePurpose::Challenge, "5.6.7.8", 100, NOW)
        .await
        .expect("read");
    assert_eq!(live.len(), usize::try_from(cap).expect("small"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_challenges_for_one_user_never_exceed_the_open_limit() {
    let setup = Setup::new().await;
    let second = setup.second().await;
    let tenant = setup.tenant(TenantSettings::default()).await;
    setup.enroll(&tenant, "ada").await;
    let limits = RateLimits::default();
    let mut actions = Vec::new();
    for _ in 0..20 {
        actions.push(setup.action(&tenant, "ada").await);
    }
    let start = Arc::new(Barrier::new(20));
    let mut creations = Vec::new();
    for (i, action) in actions.into_iter().enumerate() {
        let store = if i % 2 == 0 {
            setup.store.clone()
        } else {
            second.clone()
        };
        let (tenant, start) = (tenant.clone(), Arc::clone(&start));
        creations.push(tokio::spawn(async move {
            start.wait().await;
            store
                .create_challenge(&tenant, &action, None, None, &limits, NOW)
                .await
        }));
    }
    let (mut created, mut refused) = (0, 0);
    for task in creations {
        match task.await.expect("task") {
            Ok(_) => created += 1,
            Err(Error::RateLimited { .. }) => refused += 1,
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    let max = limits.max_open_challenges;
    assert_eq!((created, refused), (max, 20 - max));
}

#[tokio::test]
async fn a_not_me_decline_refuses_new_challenges_until_the_cool_down_ends() {
    let setup = Setup::new().await;
    let tenant = setup.tenant(TenantSettings::default()).await;
    let device = setup.enroll(&tenant, "ada").await;
    let limits = RateLimits::default();
    let action = setup.action(&tenant, "ada").await;
    let challenge = setup
        .store
        .create_challenge(&tenant, &action, None, None, &limits, NOW)
        .await
        .expect("challenge");
    let mut not_me = answer(&challenge.id, &device, false);
    not_me.decline_reason = Some(DeclineReason::NotMe);
    setup
        .store
        .answer_challenge(&not_me, NOW + 1)
        .await
        .expect("declined");
    let stored = setup
        .store
        .action(&tenant.id, &action.idempotency_key)
        .await
        .expect("read");
    let stored = stored.expect("action");
    assert_eq!(stored.state, ActionState::ChallengeFailed);
    assert_eq!(
        stored.output,
        Some(serde_json::json!({ "declineReason": "notMe" }))
    );
    let next = setup.action(&tenant, "ada").await;
    let cooldown = i64::try_from(limits.not_me_cooldown.as_millis()).expect("small");
    match setup
        .store
        .create_challenge(&tenant, &next, None, None, &limits, NOW + 2)
        .await
    {
        Err(Error::RateLimited {
            retry_after: Some(left),
            ..
        }) => assert_eq!(
            left,
            Duration::from_millis(u64::try_from(cooldown - 1).expect("positive"))
        ),
        other => panic!("expected the cool-down, got {other:?}"),
    }
    setup
        .store
        .create_challenge(&tenant, &next, None, None, &limits, NOW + 1 + cooldown)
        .await
        .expect("allowed again once the cool-down is over");
}

#[tokio::test]
async fn a_wrong_number_fails_the_challenge_and_the_action() {
    let setup = Setup::new().await;
    let tenant = setup.tenant(TenantSettings::default()).await;
    let device = setup.enroll(&tenant, "ada").await;
    let action = setup.action(&tenant, "ada").await;
    let challenge = setup
        .store
        .create_challenge(
            &tenant,
            &action,
            None,
            Some("42"),
            &RateLimits::default(),
            NOW,
        )
        .await
        .expect("challenge");
    let mut wrong = answer(&challenge.id, &device, true);
    wrong.verification_code = Some("24");
    let answered = setup
        .store
        .answer_challenge(&wrong, NOW + 1)
        .await
        .expect("answered");
    assert_eq!(answered.approved, Some(false));
    let stored = setup
        .store
        .action(&tenant.id, &action.idempotency_key)
        .await
        .expect("read");
    assert_eq!(stored.expect("action").state, ActionState::ChallengeFailed);
    assert!(
        !setup
            .store
            .validate_once(&tenant.id, &action.idempotency_key, NOW + 2)
            .await
            .expect("validate")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_track_token_enrolls_one_key_even_when_two_servers_race_to_use_it() {
    let setup = Setup::new().await;
    let second = setup.second().await;
    let tenant = setup.tenant(TenantSettings::default()).await;
    let token = uuid();
    let start = Arc::new(Barrier::new(8));
    let mut enrollments = Vec::new();
    for i in 0..8 {
        let store = if i % 2 == 0 {
            setup.store.clone()
        } else {
            second.clone()
        };
        let (tenant, new) = (
            tenant.clone(),
            new_authenticator("ada", &format!("key-{i}"), &token),
        );
        let start = Arc::clone(&start);
        enrollments.push(tokio::spawn(async move {
            start.wait().await;
            store.add_authenticator(&tenant, new, NOW).await
        }));
    }
    let (mut enrolled, mut refused) = (0, 0);
    for task in enrollments {
        match task.await.expect("task") {
            Ok(_) => enrolled += 1,
            Err(Error::EnrollmentTokenUsed) => refused += 1,
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((enrolled, refused), (1, 7));
    let keys = setup
        .store
        .authenticators_of_user(&tenant.id, "ada")
        .await
        .expect("read");
    assert_eq!(keys.len(), 1);
}

#[tokio::test]
async fn a_track_retry_returns_the_action_and_another_user_is_refused() {
    let setup = Setup::new().await;
    let tenant = setup.tenant(TenantSettings::default()).await;
    let new = new_action("ada");
    let first = setup
        .store
        .track(&tenant.id, new.clone(), NOW)
        .await
        .expect("tracked");
    let again = setup
        .store
        .track(&tenant.id, new.clone(), NOW + 5)
        .await
        .expect("again");
    assert_eq!(again.created_at, first.created_at);
    let other = NewAction {
        user_id: "bob".to_owned(),
        ..new
    };
    assert!(matches!(
        setup.store.track(&tenant.id, other, NOW).await,
        Err(Error::InvalidRequest { .. })
    ));
}

#[tokio::test]
async fn a_tenant_is_found_by_its_secret_key_and_by_no_other() {
    let setup = Setup::new().await;
    let tenant = Tenant {
        id: uuid(),
        secret_key_hash: SecretKeyHash::of("sk_the_right_one"),
        settings: TenantSettings {
            number_matching: true,
            ..TenantSettings::default()
        },
    };
    setup.store.put_tenant(&tenant, NOW).await.expect("stored");
    let found = setup
        .store
        .tenant_by_secret("sk_the_right_one")
        .await
        .expect("read");
    let found = found.expect("found");
    assert_eq!(found.id, tenant.id);
    assert!(found.settings.number_matching);
    assert!(
        setup
            .store
            .tenant_by_secret("sk_another")
            .await
            .expect("read")
            .is_none()
    );
    // A fresh store (nothing cached) reads the same from the database.
    let fresh = Store::connect(&setup.database).await.expect("opens");
    assert!(
        fresh
            .tenant_by_secret("sk_the_right_one")
            .await
            .expect("read")
            .is_some()
    );
}

#[tokio::test]
async fn purge_removes_expired_nonces_and_old_actions_with_their_challenges() {
    let setup = Setup::new().await;
    let tenant = setup.tenant(TenantSettings::default()).await;
    let device = setup.enroll(&tenant, "ada").await;
    let action = setup.action(&tenant, "ada").await;
    setup
        .store
        .create_challenge(&tenant, &action, None, None, &RateLimits::default(), NOW)
        .await
        .expect("challenge");
    setup
        .store
        .add_nonce(&nonce(&device, "old-nonce", ""), &RateLimits::default())
        .await
        .expect("nonce");
    let later = NOW + 3_600_000;
    let purged = setup
        .store
        .purge(later, later, later)
        .await
        .expect("purged");
    assert_eq!(
        (purged.nonces, purged.actions, purged.challenges),
        (1, 1, 1)
    );
    assert!(
        setup
            .store
            .action(&tenant.id, &action.idempotency_key)
            .await
            .expect("read")
            .is_none()
    );
    let again = setup
        .store
        .purge(later, later, later)
        .await
        .expect("purged");
    assert_eq!(again, signet_server::store::Purged::default());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn servers_starting_at_once_create_the_tenant_once_and_agree_on_it() {
    // With a tenant id (`--tenant-id`), and without (the first tenant), on a new database each.
    for id in [Some("the-tenant".to_owned()), None] {
        let setup = Setup::new().await;
        let second = setup.second().await;
        let start = Arc::new(Barrier::new(8));
        let mut starts = Vec::new();
        for i in 0..8 {
            let store = if i % 2 == 0 {
                setup.store.clone()
            } else {
                second.clone()
            };
            let candidate = Tenant {
                id: id.clone().unwrap_or_else(uuid),
                secret_key_hash: SecretKeyHash::of(&format!("sk_{i}")),
                settings: TenantSettings::default(),
            };
            let (id, start) = (id.clone(), Arc::clone(&start));
            starts.push(tokio::spawn(async move {
                start.wait().await;
                store
                    .bootstrap_tenant(id.as_deref(), &candidate, false, NOW)
                    .await
            }));
        }
        let mut results = Vec::new();
        for task in starts {
            results.push(task.await.expect("task").expect("started"));
        }
        assert_eq!(results.iter().filter(|(_, created)| *created).count(), 1);
        let (first, _) = &results[0];
        for (tenant, _) in &results {
            assert_eq!(tenant.id, first.id);
            assert_eq!(tenant.secret_key_hash, first.secret_key_hash);
        }
    }
}
