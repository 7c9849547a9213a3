//! Push fatigue: a storm of challenges against one user is cut off by the per-user limits,
//! also when it arrives all at once, and never spills over to other users.
//! (`flow.rs` covers the open-challenge limit one by one and the "it wasn't me" cool-down.)

mod common;

use std::sync::Arc;

use common::Harness;
use serde_json::json;
use signet_server::RateLimits;
use tokio::task::JoinSet;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forty_sign_ins_started_at_once_open_no_more_challenges_than_the_limit() {
    let h = Arc::new(Harness::start().await);
    let device = h.enrolled_device("storm").await;
    let limit = RateLimits::default().max_open_challenges;
    // 1. Forty different sign-ins (forty tokens) of one user, started at the same time.
    let mut tokens = Vec::new();
    for _ in 0..40 {
        tokens.push(h.sign_in("storm", json!({})).await.0);
    }
    let mut starts = JoinSet::new();
    for token in tokens {
        let h = Arc::clone(&h);
        starts.spawn(async move { h.start_challenge(&token, json!({"action": "signIn"})).await });
    }
    let mut opened = 0;
    while let Some(answer) = starts.join_next().await {
        let answer = answer.expect("task");
        if answer.status.as_u16() == 200 {
            opened += 1;
        } else {
            answer.error(429, "rate_limited");
        }
    }
    assert_eq!(opened, limit);
    // 2. The device sees them one at a time, oldest first; no more than the limit exist.
    let mut seen = std::collections::HashSet::new();
    loop {
        let pending = device.fetch(&h.api, None).await.ok();
        let Some(id) = pending["challengeId"].as_str() else {
            break;
        };
        assert!(seen.insert(id.to_owned()), "the same challenge came back");
        device
            .answer(&h.api, id, false, json!({"declineReason": "mistake"}))
            .await
            .ok();
    }
    assert_eq!(seen.len(), usize::try_from(limit).expect("small"));
}

#[tokio::test]
async fn answered_challenges_still_count_towards_the_limit_per_window() {
    let h = Harness::start().await;
    let device = h.enrolled_device("pat").await;
    let limits = RateLimits::default();
    // 1. Each challenge is denied at once, so few are open; the window's count still grows.
    for _ in 0..limits.max_recent_challenges {
        let (token, _) = h.sign_in("pat", json!({})).await;
        let id = h.challenge(&token).await;
        device
            .answer(&h.api, &id, false, json!({"declineReason": "mistake"}))
            .await
            .ok();
    }
    let (token, _) = h.sign_in("pat", json!({})).await;
    h.start_challenge(&token, json!({"action": "signIn"}))
        .await
        .error(429, "rate_limited");
    // 2. Another user of the tenant is not affected by pat's storm.
    h.enrolled_device("quiet").await;
    let (other, _) = h.sign_in("quiet", json!({})).await;
    h.challenge(&other).await;
    // 3. Once the window has passed, pat's sign-ins work again.
    h.clock.advance(limits.window);
    let (fresh, _) = h.sign_in("pat", json!({})).await;
    h.challenge(&fresh).await;
}

#[tokio::test]
async fn after_it_wasnt_me_a_storm_gets_nothing_through_until_the_cool_down_ends() {
    let h = Harness::start().await;
    let device = h.enrolled_device("rex").await;
    let (token, _) = h.sign_in("rex", json!({})).await;
    let id = h.challenge(&token).await;
    device
        .answer(&h.api, &id, false, json!({"declineReason": "notMe"}))
        .await
        .ok();
    // 1. Every new sign-in is refused during the cool-down, and nothing reaches the device.
    for _ in 0..10 {
        let (again, _) = h.sign_in("rex", json!({})).await;
        h.start_challenge(&again, json!({"action": "signIn"}))
            .await
            .error(429, "rate_limited");
    }
    assert!(device.fetch(&h.api, None).await.ok()["challengeId"].is_null());
    // 2. The refused attempts did not extend the cool-down (nor use up the window).
    h.clock.advance(RateLimits::default().not_me_cooldown);
    let (after, _) = h.sign_in("rex", json!({})).await;
    let next = h.challenge(&after).await;
    assert_eq!(
        device.fetch(&h.api, None).await.ok()["challengeId"],
        next.as_str()
    );
}

#[tokio::test]
async fn five_pushes_by_someone_else_lock_the_user_out_without_the_supersede_flag() {
    let h = Harness::start().await;
    let device = h.enrolled_device("victim").await;
    // 1. An attacker who knows the user id makes the relying party push five times.
    for _ in 0..RateLimits::default().max_open_challenges {
        let (token, _) = h.sign_in("victim", json!({})).await;
        h.challenge(&token).await;
    }
    // 2. The victim's own sign-in is refused: the fatigue limit works as a lockout.
    let (token, _) = h.sign_in("victim", json!({})).await;
    h.start_challenge(&token, json!({"action": "signIn"}))
        .await
        .error(429, "rate_limited");
    drop(device);
}

#[tokio::test]
async fn a_sign_in_tracked_with_supersede_open_challenges_expires_the_older_ones_and_gets_through()
{
    let h = Harness::start().await;
    let device = h.enrolled_device("victim").await;
    let mut older = Vec::new();
    for _ in 0..RateLimits::default().max_open_challenges {
        let (token, _) = h.sign_in("victim", json!({})).await;
        older.push((token.clone(), h.challenge(&token).await));
    }
    // 1. The relying party's backend tracks the real sign-in with the extension.
    let (token, _) = h
        .sign_in("victim", json!({"supersedeOpenChallenges": true}))
        .await;
    let challenge_id = h.challenge(&token).await;
    // 2. The device sees only the newest challenge; the older ones are expired.
    let pending = device.fetch(&h.api, None).await.ok();
    assert_eq!(pending["challengeId"], challenge_id.as_str());
    let (old_token, old_id) = &older[0];
    device
        .answer(&h.api, old_id, true, json!({}))
        .await
        .error(410, "challenge_expired");
    assert_eq!(h.verify(old_token, old_id).await.ok()["isVerified"], false);
    // 3. The newest is answered as usual.
    device
        .answer(&h.api, &challenge_id, true, json!({}))
        .await
        .ok();
    assert_eq!(
        h.verify(&token, &challenge_id).await.ok()["isVerified"],
        true
    );
}

#[tokio::test]
async fn supersede_open_challenges_leaves_other_users_challenges_open() {
    let h = Harness::start().await;
    let other = h.enrolled_device("other").await;
    h.enrolled_device("victim").await;
    let (token, _) = h.sign_in("other", json!({})).await;
    let other_challenge = h.challenge(&token).await;
    h.sign_in("victim", json!({"supersedeOpenChallenges": true}))
        .await;
    let pending = other.fetch(&h.api, None).await.ok();
    assert_eq!(pending["challengeId"], other_challenge.as_str());
}
