//! The whole protocol flow over real HTTP on loopback, against a real SQLite database.

mod common;

use std::time::Duration;

use common::{Device, Harness};
use reqwest::Method;
use serde_json::json;
use signet_protocol::time_window_message;
use signet_server::{Config, RateLimits, TenantSeed, TenantSettings};

#[tokio::test]
async fn a_device_enrolls_and_approves_a_sign_in_that_the_backend_validates_once() {
    let h = Harness::start().await;
    // 1. RP backend: track with add:authenticators; the device enrolls with the token.
    let device = h.enrolled_device("alice").await;
    let credential = h
        .call(
            Method::GET,
            &format!(
                "/client/user-authenticators/push?publicKey={}",
                device.public_key.to_query()
            ),
            Some(&device.basic()),
            None,
        )
        .await
        .ok();
    assert_eq!(credential["userAuthenticatorId"], device.authenticator_id);
    assert_eq!(credential["userId"], "alice");
    assert!(credential["verifiedAt"].is_string());
    // 2. RP backend: track signIn; the user is enrolled now.
    let tracked = h
        .track(
            "alice",
            "signIn",
            json!({"ipAddress": "203.0.113.9", "userAgent": "Firefox", "custom": {"k": 1}}),
        )
        .await;
    assert_eq!(tracked["state"], "CHALLENGE_REQUIRED");
    assert_eq!(tracked["isEnrolled"], true);
    assert_eq!(tracked["enrolledVerificationMethods"], json!(["PUSH"]));
    let token = tracked["token"].as_str().unwrap();
    let key = tracked["idempotencyKey"].as_str().unwrap();
    // 3. Initiator: challenge/push goes to the device (no push token, no channel: it learns
    //    of it by fetching).
    let started = h
        .start_challenge(token, json!({"action": "signIn"}))
        .await
        .ok();
    let challenge_id = started["challengeId"].as_str().unwrap();
    assert_eq!(
        started["deliveryResults"],
        json!([{"userAuthenticatorId": device.authenticator_id, "errorCode": "NO_PUSH_TOKEN"}])
    );
    assert!(started.get("verificationCode").is_none());
    // 4. Device: nonce, signed fetch, the challenge with its context.
    let pending = device.fetch(&h.api, None).await.ok();
    assert_eq!(pending["challengeId"], challenge_id);
    assert_eq!(pending["userAuthenticatorId"], device.authenticator_id);
    assert_eq!(pending["userId"], "alice");
    assert_eq!(pending["actionCode"], "signIn");
    assert_eq!(pending["idempotencyKey"], key);
    assert_eq!(pending["ipAddress"], "203.0.113.9");
    assert_eq!(pending["userAgent"], "Firefox");
    assert_eq!(pending["custom"], json!({"k": 1}));
    assert!(pending["expiresAt"].as_i64().unwrap() > 0);
    // 5. Before the answer the initiator sees it pending.
    let waiting = h.verify(token, challenge_id).await.ok();
    assert_eq!(waiting["isConsumed"], false);
    assert_eq!(waiting["isVerified"], false);
    // 6. Device approves.
    let answered = device
        .answer(&h.api, challenge_id, true, json!({}))
        .await
        .ok();
    assert_eq!(answered["isVerified"], true);
    // 7. Initiator: consumed and verified, with an access token.
    let verified = h.verify(token, challenge_id).await.ok();
    assert_eq!(verified["isConsumed"], true);
    assert_eq!(verified["isVerified"], true);
    let access_token = verified["accessToken"].as_str().unwrap();
    // 8. RP backend: the action succeeded; validate is valid once.
    let action = h.action("alice", key).await;
    assert_eq!(action["state"], "CHALLENGE_SUCCEEDED");
    assert_eq!(action["verificationMethod"], "PUSH");
    let first = h.validate(access_token).await.ok();
    assert_eq!(first["isValid"], true);
    assert_eq!(first["state"], "CHALLENGE_SUCCEEDED");
    assert_eq!(first["userId"], "alice");
    assert_eq!(first["actionCode"], "signIn");
    assert_eq!(first["idempotencyKey"], key);
    let second = h.validate(access_token).await.ok();
    assert_eq!(second["isValid"], false);
    let with_track_token = h.validate(token).await.ok();
    assert_eq!(with_track_token["isValid"], false);
    // 9. Nothing pending any more.
    let after = device.fetch(&h.api, None).await.ok();
    assert!(after["challengeId"].is_null());
}

#[tokio::test]
async fn a_denied_challenge_fails_the_action_and_does_not_validate() {
    let h = Harness::start().await;
    let device = h.enrolled_device("bob").await;
    let (token, key) = h.sign_in("bob", json!({})).await;
    let challenge_id = h.challenge(&token).await;
    let answered = device
        .answer(
            &h.api,
            &challenge_id,
            false,
            json!({"declineReason": "mistake"}),
        )
        .await
        .ok();
    assert_eq!(answered["isVerified"], true);
    let verified = h.verify(&token, &challenge_id).await.ok();
    assert_eq!(verified["isConsumed"], true);
    assert_eq!(verified["isVerified"], false);
    assert!(verified.get("accessToken").is_none());
    let action = h.action("bob", &key).await;
    assert_eq!(action["state"], "CHALLENGE_FAILED");
    assert_eq!(action["output"], json!({"declineReason": "mistake"}));
    assert_eq!(h.validate(&token).await.ok()["isValid"], false);
}

#[tokio::test]
async fn an_expired_challenge_cannot_be_answered_and_verifies_as_consumed() {
    let h = Harness::start_with(|config| {
        config.tenant_settings.challenge_lifetime = Duration::from_secs(30);
    })
    .await;
    let device = h.enrolled_device("carol").await;
    let (token, key) = h.sign_in("carol", json!({})).await;
    let challenge_id = h.challenge(&token).await;
    h.clock.advance(Duration::from_secs(31));
    // 1. The device no longer sees it, and cannot answer it.
    assert!(device.fetch(&h.api, None).await.ok()["challengeId"].is_null());
    device
        .answer(&h.api, &challenge_id, true, json!({}))
        .await
        .error(410, "challenge_expired");
    // 2. The initiator sees it consumed, not verified; the action is unchanged.
    let verified = h.verify(&token, &challenge_id).await.ok();
    assert_eq!(verified["isConsumed"], true);
    assert_eq!(verified["isVerified"], false);
    assert_eq!(h.action("carol", &key).await["state"], "CHALLENGE_REQUIRED");
}

#[tokio::test]
async fn number_matching_with_the_right_code_succeeds() {
    let h = Harness::start_with(|config| config.tenant_settings.number_matching = true).await;
    let device = h.enrolled_device("dan").await;
    let (token, key) = h.sign_in("dan", json!({})).await;
    let started = h
        .start_challenge(&token, json!({"action": "signIn"}))
        .await
        .ok();
    let code = started["verificationCode"].as_str().unwrap();
    assert_eq!(code.len(), 2);
    assert!(code.bytes().all(|b| b.is_ascii_digit()));
    let challenge_id = started["challengeId"].as_str().unwrap();
    let pending = device.fetch(&h.api, None).await.ok();
    assert_eq!(pending["verificationCodeRequired"], true);
    let answered = device
        .answer(
            &h.api,
            challenge_id,
            true,
            json!({"verificationCode": code}),
        )
        .await
        .ok();
    assert_eq!(answered["isVerified"], true);
    assert_eq!(h.action("dan", &key).await["state"], "CHALLENGE_SUCCEEDED");
}

#[tokio::test]
async fn number_matching_with_a_wrong_or_missing_code_fails_the_challenge() {
    let h = Harness::start().await;
    let device = h.enrolled_device("erin").await;
    for wrong in [json!({"verificationCode": "wrong"}), json!({})] {
        // Number matching asked for by the track call (custom.numberMatching).
        let (token, key) = h
            .sign_in("erin", json!({"custom": {"numberMatching": true}}))
            .await;
        let started = h
            .start_challenge(&token, json!({"action": "signIn"}))
            .await
            .ok();
        let challenge_id = started["challengeId"].as_str().unwrap();
        assert!(started["verificationCode"].is_string());
        let answered = device.answer(&h.api, challenge_id, true, wrong).await.ok();
        assert_eq!(answered["isVerified"], false);
        let verified = h.verify(&token, challenge_id).await.ok();
        assert_eq!(verified["isConsumed"], true);
        assert_eq!(verified["isVerified"], false);
        assert_eq!(h.action("erin", &key).await["state"], "CHALLENGE_FAILED");
    }
}

#[tokio::test]
async fn a_not_me_decline_is_recorded_and_starts_a_cool_down() {
    let h = Harness::start().await;
    let device = h.enrolled_device("frank").await;
    let (token, key) = h.sign_in("frank", json!({})).await;
    let challenge_id = h.challenge(&token).await;
    let answered = device
        .answer(
            &h.api,
            &challenge_id,
            false,
            json!({"declineReason": "notMe"}),
        )
        .await
        .ok();
    assert_eq!(
        answered["coolDownSeconds"],
        RateLimits::default().not_me_cooldown.as_secs(),
        "the device is told how long sign-ins are paused"
    );
    let action = h.action("frank", &key).await;
    assert_eq!(action["state"], "CHALLENGE_FAILED");
    assert_eq!(action["output"], json!({"declineReason": "notMe"}));
    // 1. During the cool-down no new challenge reaches the user, and the relying party is
    //    told how long it lasts (in the body and in `Retry-After`).
    h.clock.advance(std::time::Duration::from_secs(60));
    let (again, _) = h.sign_in("frank", json!({})).await;
    let refused = h.start_challenge(&again, json!({"action": "signIn"})).await;
    refused.error(429, "rate_limited");
    let left = RateLimits::default().not_me_cooldown.as_secs() - 60;
    assert_eq!(refused.body["retryAfterSeconds"], left, "{}", refused.body);
    assert_eq!(refused.retry_after, Some(left.to_string()));
    h.clock.advance(std::time::Duration::from_secs(left - 1));
    let last_second = h.start_challenge(&again, json!({"action": "signIn"})).await;
    assert_eq!(
        last_second.body["retryAfterSeconds"], 1,
        "{}",
        last_second.body
    );
    h.clock.advance(std::time::Duration::from_secs(1));
    // 2. After it, challenges flow again.
    h.start_challenge(&again, json!({"action": "signIn"}))
        .await
        .ok();
}

#[tokio::test]
async fn too_many_open_challenges_for_one_user_are_rate_limited() {
    let h = Harness::start_with(|config| {
        config.rate_limits.max_open_challenges = 2;
    })
    .await;
    h.enrolled_device("gina").await;
    let (token, _) = h.sign_in("gina", json!({})).await;
    h.challenge(&token).await;
    h.challenge(&token).await;
    let refused = h.start_challenge(&token, json!({"action": "signIn"})).await;
    refused.error(429, "rate_limited");
    assert!(
        refused.body.get("retryAfterSeconds").is_none() && refused.retry_after.is_none(),
        "only the cool-down has a known end: {}",
        refused.body
    );
}

#[tokio::test]
async fn a_replayed_answer_is_refused_and_changes_nothing() {
    let h = Harness::start().await;
    let device = h.enrolled_device("hank").await;
    let (token, key) = h.sign_in("hank", json!({})).await;
    let challenge_id = h.challenge(&token).await;
    device
        .answer(&h.api, &challenge_id, true, json!({}))
        .await
        .ok();
    let state_before = h.action("hank", &key).await;
    // The same answer again, and a contrary one: both refused.
    device
        .answer(&h.api, &challenge_id, true, json!({}))
        .await
        .error(409, "challenge_already_answered");
    device
        .answer(
            &h.api,
            &challenge_id,
            false,
            json!({"declineReason": "notMe"}),
        )
        .await
        .error(409, "challenge_already_answered");
    let state_after = h.action("hank", &key).await;
    assert_eq!(state_before, state_after);
    assert_eq!(state_after["state"], "CHALLENGE_SUCCEEDED");
}

#[tokio::test]
async fn an_answer_by_another_authenticator_is_refused_and_changes_nothing() {
    let h = Harness::start().await;
    let phone = h.enrolled_device("ivy").await;
    let laptop = h.enrolled_device("ivy").await;
    let stranger = h.enrolled_device("jack").await;
    let (token, key) = h.sign_in("ivy", json!({})).await;
    // A challenge addressed to the phone only.
    let started = h
        .start_challenge(
            &token,
            json!({"action": "signIn", "userAuthenticatorId": phone.authenticator_id}),
        )
        .await
        .ok();
    let challenge_id = started["challengeId"].as_str().unwrap();
    assert!(laptop.fetch(&h.api, None).await.ok()["challengeId"].is_null());
    assert!(stranger.fetch(&h.api, None).await.ok()["challengeId"].is_null());
    laptop
        .answer(&h.api, challenge_id, true, json!({}))
        .await
        .error(404, "challenge_not_found");
    stranger
        .answer(&h.api, challenge_id, true, json!({}))
        .await
        .error(404, "challenge_not_found");
    assert_eq!(h.action("ivy", &key).await["state"], "CHALLENGE_REQUIRED");
    assert_eq!(
        h.verify(&token, challenge_id).await.ok()["isConsumed"],
        false
    );
    // The phone still can.
    phone
        .answer(&h.api, challenge_id, true, json!({}))
        .await
        .ok();
}

#[tokio::test]
async fn a_nonce_signs_one_fetch_only() {
    let h = Harness::start().await;
    let device = h.enrolled_device("kim").await;
    let nonce = device.nonce(&h.api).await;
    let signature = device.sign(&nonce);
    device.fetch_signed(&h.api, &signature, None).await.ok();
    device
        .fetch_signed(&h.api, &signature, None)
        .await
        .error(401, "invalid_signature");
    // A nonce older than 5 minutes is gone.
    let old = device.nonce(&h.api).await;
    h.clock.advance(Duration::from_secs(301));
    device
        .fetch_signed(&h.api, &device.sign(&old), None)
        .await
        .error(401, "invalid_signature");
}

#[tokio::test]
async fn an_unsigned_fetch_gets_the_challenge_without_custom_data() {
    let h = Harness::start().await;
    let device = h.enrolled_device("lena").await;
    let (token, _) = h.sign_in("lena", json!({"custom": {"secret": "x"}})).await;
    let challenge_id = h.challenge(&token).await;
    let response = h
        .http()
        .get(h.url(&format!(
            "/client/user-authenticators/push/challenge?publicKey={}",
            device.public_key.to_query()
        )))
        .header("Authorization", device.basic())
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["challengeId"], challenge_id);
    assert!(body.get("custom").is_none());
}

#[tokio::test]
async fn enrolling_needs_the_add_authenticators_scope_once_the_user_has_one() {
    let h = Harness::start().await;
    // 1. A first device may enroll with a plain token.
    let (plain, _) = h.sign_in("max", json!({})).await;
    let first = Device::new(&h.server.tenant_id);
    first.add(&h.api, &plain).await.ok();
    // 2. A second one needs the scope.
    let second = Device::new(&h.server.tenant_id);
    second.add(&h.api, &plain).await.error(403, "invalid_scope");
    let scoped = h.enroll_token("max").await;
    second.add(&h.api, &scoped).await.ok();
}

#[tokio::test]
async fn enrolling_the_same_key_again_is_idempotent() {
    let h = Harness::start().await;
    let device = h.enrolled_device("nina").await;
    let token = h.enroll_token("nina").await;
    let again = device.add(&h.api, &token).await.ok();
    assert_eq!(again["userAuthenticatorId"], device.authenticator_id);
    let list = h
        .call(
            Method::GET,
            "/users/nina/authenticators",
            Some(&h.secret_auth()),
            None,
        )
        .await
        .ok();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["verificationMethod"], "PUSH");
}

#[tokio::test]
async fn a_credential_is_removed_with_a_signature_over_the_time_window() {
    let h = Harness::start().await;
    let device = h.enrolled_device("omar").await;
    let now_seconds = u64::try_from(h.clock_ms() / 1000).unwrap();
    let basic = device.basic();
    let remove = |signature: String| {
        h.call(
            Method::POST,
            "/client/user-authenticators/push/remove",
            Some(&basic),
            Some(json!({"publicKey": device.pk(), "signature": signature})),
        )
    };
    // 1. A window far away is refused.
    remove(device.sign(&time_window_message(now_seconds - 3600)))
        .await
        .error(401, "invalid_signature");
    // 2. The current one removes it.
    let removed = remove(device.sign(&time_window_message(now_seconds)))
        .await
        .ok();
    assert_eq!(removed["removedAuthenticatorId"], device.authenticator_id);
    device
        .fetch_signed(&h.api, "AAAA", None)
        .await
        .error(401, "invalid_credential");
    let user = h
        .call(Method::GET, "/users/omar", Some(&h.secret_auth()), None)
        .await
        .ok();
    assert_eq!(user["isEnrolled"], false);
}

#[tokio::test]
async fn a_credential_update_sets_the_push_token_and_renews_the_lease() {
    let h = Harness::start_with(|config| {
        config.tenant_settings.credential_lease = Some(Duration::from_secs(3600));
    })
    .await;
    let device = h.enrolled_device("pia").await;
    h.clock.advance(Duration::from_secs(1800));
    let push_token = web_push_token("https://push.example.net/s/pia");
    let (h, device, push_token) = (&h, &device, &push_token);
    // authsignal-ios asks for the nonce at `/push/sign`, authsignal-android at
    // `/push/update/sign`: both work.
    let update = |nonce_path: &'static str| async move {
        let nonce = h
            .call(
                Method::POST,
                &format!(
                    "/client/user-authenticators/{nonce_path}?publicKey={}",
                    device.public_key.to_query()
                ),
                Some(&device.basic()),
                None,
            )
            .await
            .ok();
        let message = nonce["message"].as_str().unwrap().to_owned();
        h.call(
            Method::PATCH,
            "/client/user-authenticators/push",
            Some(&device.basic()),
            Some(json!({
                "challengeId": nonce["challengeId"],
                "publicKey": device.pk(),
                "signature": device.sign(&message),
                "pushToken": push_token,
                "resetExpiry": true,
            })),
        )
        .await
    };
    update("push/update/sign").await.ok();
    let updated = update("push/sign").await.ok();
    assert_eq!(updated["userAuthenticatorId"], device.authenticator_id);
    assert_eq!(updated["pushToken"], push_token.as_str());
    assert!(updated["lastVerifiedAt"].is_string());
    // 1. Renewed at 30 minutes: still alive at 80 minutes.
    h.clock.advance(Duration::from_secs(3000));
    device.fetch(&h.api, None).await.ok();
    // 2. Lapsed: it cannot be revived (not even a nonce for the update is given).
    h.clock.advance(Duration::from_secs(3600));
    h.call(
        Method::POST,
        &format!(
            "/client/user-authenticators/push/sign?publicKey={}",
            device.public_key.to_query()
        ),
        Some(&device.basic()),
        None,
    )
    .await
    .error(401, "invalid_credential");
}

#[tokio::test]
async fn an_expired_track_token_is_refused() {
    let h = Harness::start().await;
    h.enrolled_device("quinn").await;
    let (token, _) = h.sign_in("quinn", json!({})).await;
    h.clock.advance(Duration::from_secs(601));
    h.start_challenge(&token, json!({"action": "signIn"}))
        .await
        .error(401, "expired_token");
}

#[tokio::test]
async fn update_action_overrides_the_state() {
    let h = Harness::start().await;
    let (_, key) = h.sign_in("rita", json!({})).await;
    let path = format!("/users/rita/actions/signIn/{key}");
    let updated = h
        .call(
            Method::PATCH,
            &path,
            Some(&h.secret_auth()),
            Some(json!({"state": "REVIEW_REQUIRED"})),
        )
        .await
        .ok();
    assert_eq!(updated["state"], "REVIEW_REQUIRED");
    assert_eq!(h.action("rita", &key).await["state"], "REVIEW_REQUIRED");
    h.call(
        Method::PATCH,
        "/users/rita/actions/signIn/no-such-key",
        Some(&h.secret_auth()),
        Some(json!({"state": "ALLOW"})),
    )
    .await
    .error(404, "invalid_request");
}

#[tokio::test]
async fn track_with_the_same_idempotency_key_returns_the_same_action() {
    let h = Harness::start().await;
    let first = h
        .track("sam", "signIn", json!({"idempotencyKey": "k-1"}))
        .await;
    let second = h
        .track("sam", "signIn", json!({"idempotencyKey": "k-1"}))
        .await;
    assert_eq!(first["idempotencyKey"], "k-1");
    assert_eq!(second["idempotencyKey"], "k-1");
    h.call(
        Method::POST,
        "/users/other/actions/signIn",
        Some(&h.secret_auth()),
        Some(json!({"idempotencyKey": "k-1"})),
    )
    .await
    .error(400, "invalid_request");
}

#[tokio::test]
async fn an_authenticator_deleted_by_the_backend_can_no_longer_fetch() {
    let h = Harness::start().await;
    let device = h.enrolled_device("tom").await;
    h.call(
        Method::DELETE,
        &format!("/users/tom/authenticators/{}", device.authenticator_id),
        Some(&h.secret_auth()),
        None,
    )
    .await
    .ok();
    device
        .fetch_signed(&h.api, "AAAA", None)
        .await
        .error(401, "invalid_credential");
    h.call(
        Method::DELETE,
        &format!("/users/tom/authenticators/{}", device.authenticator_id),
        Some(&h.secret_auth()),
        None,
    )
    .await
    .error(404, "invalid_request");
}

#[tokio::test]
async fn the_tenant_is_kept_across_restarts_on_the_same_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nested").join("signet.db");
    let config = || Config {
        db: Some(db.clone()),
        ..Config::default()
    };
    let first = signet_server::spawn(config()).await.unwrap();
    assert!(first.tenant_created);
    let (id, secret) = (first.tenant_id.clone(), first.secret_key.clone());
    first.shutdown().await.unwrap();
    let second = signet_server::spawn(config()).await.unwrap();
    assert!(!second.tenant_created);
    assert_eq!(second.tenant_id, id);
    // The store keeps only the key's hash: this start cannot show it, and it still works.
    assert_eq!(second.secret_key, "");
    let found = second.store().tenant_by_secret(&secret).await.unwrap();
    assert_eq!(found.map(|tenant| tenant.id), Some(id));
    second.shutdown().await.unwrap();
    // Flags set the id and secret.
    let third = signet_server::spawn(Config {
        tenant: TenantSeed {
            id: Some("acme".to_owned()),
            secret_key: Some("s3cret".to_owned()),
        },
        tenant_settings: TenantSettings::default(),
        ..config()
    })
    .await
    .unwrap();
    assert_eq!(third.tenant_id, "acme");
    assert_eq!(third.secret_key, "s3cret");
    third.shutdown().await.unwrap();
}

/// A Web Push subscription token (docs/protocol.md 8.6) for `endpoint`, with a fresh key.
fn web_push_token(endpoint: &str) -> String {
    use p256::elliptic_curve::sec1::ToEncodedPoint as _;
    let key = p256::SecretKey::random(&mut rand::rngs::OsRng);
    signet_protocol::WebPushSubscription {
        endpoint: endpoint.parse().expect("a URL"),
        p256dh: key
            .public_key()
            .to_encoded_point(false)
            .as_bytes()
            .try_into()
            .expect("65 bytes"),
        auth: [9; 16],
    }
    .to_token()
}
