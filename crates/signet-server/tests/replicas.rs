//! Several servers on one PostgreSQL database (README "More than one server"): a sign-in
//! crosses them freely, a long-poll on one is woken by what happens on another (also after
//! its subscription was cut), the one-answer rule holds across them, killing one loses no
//! approved sign-in, and a tenant changed through one is dropped from the others' caches.
//! Needs a PostgreSQL server in `SIGNET_TEST_POSTGRES_URL` (scripts/test runs these with
//! scripts/with-postgres).

#![allow(missing_docs)]

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::replica::{InProcess, Replica, SECRET_KEY, shared_database};
use common::{Device, secret_basic};
use reqwest::{Method, StatusCode};
use serde_json::json;
use signet_testkit::{Api, Rp};
use sqlx::Connection as _;

/// The approval of `device`'s pending challenge through `api`: fetched signed, then approved.
async fn approve_pending(device: &Device, api: &Api, challenge_id: &str) {
    let fetched = device.fetch(api, None).await.ok();
    assert_eq!(fetched["challengeId"], challenge_id, "{fetched}");
    device.answer(api, challenge_id, true, json!({})).await.ok();
}

#[tokio::test]
#[ignore = "needs a PostgreSQL server in SIGNET_TEST_POSTGRES_URL; scripts/test runs it with one"]
async fn a_sign_in_enrolled_on_a_started_on_b_approved_on_a_is_validated_once_through_b() {
    let db = shared_database().await;
    let a = Replica::start(&db, SECRET_KEY).await;
    let b = Replica::start(&db, SECRET_KEY).await;
    let device = Device::enrolled(&a.rp, "ada").await;
    let sign_in = b.rp.sign_in("ada").await.expect("challenge on B");
    approve_pending(&device, &a.api, &sign_in.challenge_id).await;
    b.rp.finish(&sign_in, 5)
        .await
        .expect("verified and validated through B");
    // Validated once: a second validate, through either server, is not valid.
    for rp in [&a.rp, &b.rp] {
        let again = rp.validate(&sign_in.token).await.expect("validate");
        assert!(!again.is_valid, "an action validated twice");
    }
}

#[tokio::test]
#[ignore = "needs a PostgreSQL server in SIGNET_TEST_POSTGRES_URL; scripts/test runs it with one"]
async fn a_long_poll_on_one_server_is_woken_by_a_challenge_and_an_answer_made_on_another() {
    let db = shared_database().await;
    let a = InProcess::start(&db).await;
    let b = InProcess::start(&db).await;
    let device = Device::enrolled(&a.rp, "ada").await;
    // The device long-polls A; the challenge is made through B. A re-reads only when told
    // (its periodic re-read is minutes away), so the answer with the challenge, well before
    // the 30 s wait ends, is B's notification at work.
    let nonce = device.nonce(&a.api).await;
    let poll = {
        let (device, api) = (device.clone(), a.api.clone());
        tokio::spawn(async move {
            device
                .fetch_signed(&api, &device.sign(&nonce), Some(30))
                .await
        })
    };
    a.until_parked(1).await;
    let tracked =
        b.rp.track("ada", "signIn", &json!({}))
            .await
            .expect("track");
    let started =
        b.rp.start_challenge(&tracked.token)
            .await
            .expect("challenge");
    let fetched = poll.await.expect("poll task").ok();
    assert_eq!(
        fetched["challengeId"],
        started.challenge_id.as_str(),
        "{fetched}"
    );
    // The relying party long-polls verify on B; the device answers on A.
    let verify = {
        let (rp, token, id) = (
            b.rp.clone(),
            tracked.token.clone(),
            started.challenge_id.clone(),
        );
        tokio::spawn(async move { rp.verify_answer(&token, &id, Some(30)).await })
    };
    b.until_parked(1).await;
    device
        .answer(&a.api, &started.challenge_id, true, json!({}))
        .await
        .ok();
    let verified = verify.await.expect("verify task").expect("answered").ok();
    assert_eq!(verified["isVerified"], true, "{verified}");
}

#[tokio::test]
#[ignore = "needs a PostgreSQL server in SIGNET_TEST_POSTGRES_URL; scripts/test runs it with one"]
async fn a_cut_subscription_is_made_again_and_wakes_cross_server_long_polls_through_the_new_one() {
    // Every connection of these servers carries this test's application name, so the test
    // cuts its own servers' LISTEN connections and no other test's.
    let name = format!("replicas-{}", std::process::id());
    let db = format!("{}&application_name={name}", shared_database().await);
    let a = InProcess::start(&db).await;
    let b = InProcess::start(&db).await;
    let device = Device::enrolled(&a.rp, "ada").await;
    let mut admin = sqlx::PgConnection::connect(&db).await.expect("admin");
    let listeners = "SELECT pid FROM pg_stat_activity
                      WHERE application_name = $1 AND query LIKE 'LISTEN %'";
    let old: Vec<i32> = sqlx::query_scalar(listeners)
        .bind(&name)
        .fetch_all(&mut admin)
        .await
        .expect("listeners");
    assert_eq!(old.len(), 2, "each server holds one LISTEN connection");
    for pid in &old {
        sqlx::query("SELECT pg_terminate_backend($1)")
            .bind(pid)
            .execute(&mut admin)
            .await
            .expect("terminated");
    }
    // Each server subscribes again on a new connection (and wakes its waiters to re-read).
    tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let now: Vec<i32> = sqlx::query_scalar(listeners)
                .bind(&name)
                .fetch_all(&mut admin)
                .await
                .expect("listeners");
            if now.iter().filter(|pid| !old.contains(pid)).count() == 2 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("both servers listen again");
    // A long-poll parked on A now is woken by a challenge made on B: through the new
    // subscription (A's periodic re-read is minutes away).
    let nonce = device.nonce(&a.api).await;
    let poll = {
        let (device, api) = (device.clone(), a.api.clone());
        tokio::spawn(async move {
            device
                .fetch_signed(&api, &device.sign(&nonce), Some(30))
                .await
        })
    };
    a.until_parked(1).await;
    let started = b.rp.sign_in("ada").await.expect("challenge on B");
    let fetched = poll.await.expect("poll task").ok();
    assert_eq!(
        fetched["challengeId"],
        started.challenge_id.as_str(),
        "{fetched}"
    );
}

#[tokio::test]
#[ignore = "needs a PostgreSQL server in SIGNET_TEST_POSTGRES_URL; scripts/test runs it with one"]
async fn a_hundred_concurrent_answers_split_across_two_servers_have_exactly_one_winner() {
    let db = shared_database().await;
    let a = Replica::start(&db, SECRET_KEY).await;
    let b = Replica::start(&db, SECRET_KEY).await;
    let device = Device::enrolled(&a.rp, "ada").await;
    let sign_in = a.rp.sign_in("ada").await.expect("challenge");
    let mut answers = tokio::task::JoinSet::new();
    for i in 0..100 {
        let api = if i % 2 == 0 {
            a.api.clone()
        } else {
            b.api.clone()
        };
        let (device, id) = (device.clone(), sign_in.challenge_id.clone());
        answers.spawn(async move { device.answer(&api, &id, i % 3 != 0, json!({})).await });
    }
    let mut won = 0;
    while let Some(answer) = answers.join_next().await {
        let answer = answer.expect("answer task");
        if answer.status == StatusCode::OK {
            won += 1;
        } else {
            answer.error(409, "challenge_already_answered");
        }
    }
    assert_eq!(won, 1, "exactly one answer wins");
    let verified = b.rp.verify(&sign_in, None).await.expect("verify");
    assert!(verified.is_consumed);
}

#[tokio::test]
#[ignore = "needs a PostgreSQL server in SIGNET_TEST_POSTGRES_URL; scripts/test runs it with one"]
async fn killing_one_server_under_load_loses_and_doubles_no_sign_in_the_clients_saw_approved() {
    use common::replica::{Outcome, sign_in};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    const WORKERS: usize = 6;
    let db = shared_database().await;
    let a = Replica::for_load(&db).await;
    let mut b = Replica::for_load(&db).await;
    let (a_rp, a_api, b_rp, b_api) = (a.rp.clone(), a.api.clone(), b.rp.clone(), b.api.clone());
    let b_gone = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let approved_count = Arc::new(AtomicUsize::new(0));
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..WORKERS {
        let user = format!("user-{worker}");
        let device = Device::enrolled(&a.rp, &user).await;
        let (a_rp, a_api, b_rp, b_api) = (a_rp.clone(), a_api.clone(), b_rp.clone(), b_api.clone());
        let (b_gone, stop, approved_count) = (
            Arc::clone(&b_gone),
            Arc::clone(&stop),
            Arc::clone(&approved_count),
        );
        workers.spawn(async move {
            let mut approved = Vec::new();
            let mut unanswered = 0;
            let mut round = worker;
            while !stop.load(Ordering::Relaxed) {
                round += 1;
                // Each sign-in crosses the servers (relying party on one, device on the
                // other) until B is gone; then everything goes to A.
                let (front, back) = if b_gone.load(Ordering::Relaxed) {
                    (&a_rp, &a_api)
                } else if round % 2 == 0 {
                    (&a_rp, &b_api)
                } else {
                    (&b_rp, &a_api)
                };
                match sign_in(front, back, &device, &user).await {
                    Outcome::Approved(sign_in) => {
                        approved.push(sign_in);
                        approved_count.fetch_add(1, Ordering::Relaxed);
                    }
                    Outcome::Unanswered(_) => unanswered += 1,
                    Outcome::Refused(answer) => {
                        // A refusal can only be B's sign-in half-done (e.g. verify of a
                        // challenge A never saw answered): never a server error.
                        assert!(
                            answer.status.is_client_error()
                                || answer.status == StatusCode::SERVICE_UNAVAILABLE,
                            "{} {}",
                            answer.status,
                            answer.body
                        );
                    }
                }
            }
            (approved, unanswered)
        });
    }
    let until = |count: usize| {
        let approved_count = Arc::clone(&approved_count);
        async move {
            tokio::time::timeout(Duration::from_secs(60), async {
                while approved_count.load(Ordering::Relaxed) < count {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            })
            .await
            .expect("sign-ins keep succeeding");
        }
    };
    until(30).await;
    b.kill().await;
    b_gone.store(true, Ordering::Relaxed);
    let at_kill = approved_count.load(Ordering::Relaxed);
    until(at_kill + 30).await;
    stop.store(true, Ordering::Relaxed);
    let mut approved = Vec::new();
    while let Some(done) = workers.join_next().await {
        let (mut theirs, _unanswered) = done.expect("worker");
        approved.append(&mut theirs);
    }
    // Every sign-in a client saw approved is approved once: its action validates, exactly
    // once, and no challenge was counted twice.
    let challenges: HashSet<&str> = approved.iter().map(|s| s.challenge_id.as_str()).collect();
    assert_eq!(
        challenges.len(),
        approved.len(),
        "a challenge approved twice"
    );
    for sign_in in &approved {
        let action = a.rp.action(sign_in).await.expect("action");
        assert_eq!(action["state"], "CHALLENGE_SUCCEEDED", "{action}");
        assert!(
            a.rp.validate(&sign_in.token)
                .await
                .expect("validate")
                .is_valid
        );
        assert!(
            !a.rp
                .validate(&sign_in.token)
                .await
                .expect("validate")
                .is_valid
        );
    }
}

#[tokio::test]
#[ignore = "needs a PostgreSQL server in SIGNET_TEST_POSTGRES_URL; scripts/test runs it with one"]
async fn a_tenant_secret_key_replaced_through_one_server_is_dropped_from_the_others_caches() {
    let db = shared_database().await;
    let a = Replica::start(&db, SECRET_KEY).await;
    let b = Replica::start(&db, SECRET_KEY).await;
    // Both have the tenant cached, found by the old key.
    for rp in [&a.rp, &b.rp] {
        rp.authenticators("ada").await.expect("the old key works");
    }
    // A third server starts with a new key for the tenant: the stored hash is replaced.
    let new_key = "sk_replicated_tenant_rotated_key_for_tests";
    let c = Replica::start(&db, new_key).await;
    c.rp.authenticators("ada")
        .await
        .expect("the new key works on C");
    // A and B drop their cached copy: the old key stops working there, the new one works.
    for (server, api) in [("A", &a.api), ("B", &b.api)] {
        let old_key = secret_basic(SECRET_KEY);
        tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                let status = api
                    .call(
                        Method::GET,
                        "/users/ada/authenticators",
                        Some(&old_key),
                        None,
                    )
                    .await
                    .expect("answered")
                    .status;
                if status == StatusCode::UNAUTHORIZED {
                    return;
                }
                assert_eq!(status, StatusCode::OK);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await
        .unwrap_or_else(|_| panic!("{server} still accepts the replaced key"));
        let new = Rp::on(api.clone(), common::replica::TENANT_ID, new_key);
        new.authenticators("ada").await.expect("the new key works");
    }
}
