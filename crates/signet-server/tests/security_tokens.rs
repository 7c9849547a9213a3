//! Hostile use of track and access tokens on every endpoint that takes one: forged, expired,
//! of the wrong kind or scope, of another action, or used twice to enroll.
//! (`bad_input.rs` already covers forged and expired tokens at `challenge/push`.)

mod common;

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{Answer, Device, Harness};
use reqwest::Method;
use serde_json::{Value, json};

/// The claims of a token, decoded (not checked).
fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("JSON")
}

/// `token` with its claims changed by `change`, its signature kept.
fn with_claims(token: &str, change: impl FnOnce(&mut Value)) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut body = claims(token);
    change(&mut body);
    parts[1] = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&body).expect("JSON"));
    parts.join(".")
}

/// Forgeries of `token`: other claims under the old signature, `alg: none`, an HMAC under an
/// empty key, the signature dropped, truncated or doubled.
fn forgeries(token: &str) -> Vec<String> {
    let (signing_input, _) = token.rsplit_once('.').expect("a JWT");
    let (_, payload) = signing_input.split_once('.').expect("a JWT");
    let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let far_future = with_claims(token, |c| {
        c["exp"] = json!(i64::MAX / 1000);
        c["exp_ms"] = json!(i64::MAX);
    });
    vec![
        with_claims(token, |c| c["sub"] = json!("mallory")),
        with_claims(token, |c| c["scope"] = json!("add:authenticators")),
        with_claims(token, |c| c["kind"] = json!("access")),
        far_future,
        format!("{none_header}.{payload}."),
        format!("{none_header}.{payload}"),
        format!("{signing_input}."),
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode([0u8; 32])),
        signing_input.to_owned(),
        format!("{token}.{}", token.rsplit('.').next().unwrap_or_default()),
        token[..token.len() - 4].to_owned(),
        format!("{token}AAAA"),
    ]
}

/// The four calls that take a token, each with `token`, for one user's pending challenge.
async fn every_token_call(
    h: &Harness,
    token: &str,
    challenge_id: &str,
    new_device: &Device,
) -> Vec<(&'static str, Answer)> {
    let bearer = format!("Bearer {token}");
    vec![
        ("3.1 add credential", new_device.add(&h.api, token).await),
        (
            "4 challenge/push",
            h.call(
                Method::POST,
                "/client/challenge/push",
                Some(&bearer),
                Some(json!({"action": "signIn"})),
            )
            .await,
        ),
        ("4 verify/push", h.verify(token, challenge_id).await),
        ("5 validate", h.validate(token).await),
    ]
}

/// The user's authenticators, as the RP backend lists them.
async fn authenticator_count(h: &Harness, user: &str) -> usize {
    h.call(
        Method::GET,
        &format!("/users/{user}/authenticators"),
        Some(&h.secret_auth()),
        None,
    )
    .await
    .ok()
    .as_array()
    .map_or(0, Vec::len)
}

#[tokio::test]
async fn forged_tokens_are_refused_on_every_endpoint_that_takes_a_token() {
    let h = Harness::start().await;
    let device = h.enrolled_device("olga").await;
    let (token, key) = h.sign_in("olga", json!({})).await;
    let challenge_id = h.challenge(&token).await;
    device
        .answer(&h.api, &challenge_id, true, json!({}))
        .await
        .ok();
    let stranger = Device::new(&h.server.tenant_id);
    for forged in forgeries(&token) {
        for (call, answer) in every_token_call(&h, &forged, &challenge_id, &stranger).await {
            assert_eq!(answer.status.as_u16(), 401, "{call} took a forged token");
            assert_eq!(
                answer.body["error"], "unauthorized",
                "{call}: {}",
                answer.body
            );
        }
    }
    // Nothing was enrolled or validated by any of them: the real token still validates once.
    assert_eq!(authenticator_count(&h, "olga").await, 1);
    assert_eq!(authenticator_count(&h, "mallory").await, 0);
    assert_eq!(h.validate(&token).await.ok()["isValid"], true);
    assert_eq!(h.action("olga", &key).await["state"], "CHALLENGE_SUCCEEDED");
}

#[tokio::test]
async fn expired_tokens_are_refused_on_every_endpoint_that_takes_a_token() {
    let h = Harness::start().await;
    let device = h.enrolled_device("pia").await;
    let enroll = h.enroll_token("pia").await;
    let (token, key) = h.sign_in("pia", json!({})).await;
    let challenge_id = h.challenge(&token).await;
    device
        .answer(&h.api, &challenge_id, true, json!({}))
        .await
        .ok();
    let access = h.verify(&token, &challenge_id).await.ok()["accessToken"]
        .as_str()
        .expect("access token")
        .to_owned();
    // 1. Ten minutes and a millisecond later, every token is dead.
    h.clock.advance(Duration::from_millis(10 * 60 * 1000 + 1));
    let stranger = Device::new(&h.server.tenant_id);
    for (call, answer) in every_token_call(&h, &token, &challenge_id, &stranger).await {
        assert_eq!(answer.status.as_u16(), 401, "{call}: {}", answer.body);
        assert_eq!(
            answer.body["error"], "expired_token",
            "{call}: {}",
            answer.body
        );
    }
    stranger
        .add(&h.api, &enroll)
        .await
        .error(401, "expired_token");
    h.validate(&access).await.error(401, "expired_token");
    // 2. No second device, and the action never validated.
    assert_eq!(authenticator_count(&h, "pia").await, 1);
    let action = h.action("pia", &key).await;
    assert_eq!(action["state"], "CHALLENGE_SUCCEEDED");
}

#[tokio::test]
async fn an_access_token_cannot_enroll_start_or_poll_a_challenge() {
    let h = Harness::start().await;
    let device = h.enrolled_device("quinn").await;
    let (token, _) = h.sign_in("quinn", json!({})).await;
    let challenge_id = h.challenge(&token).await;
    device
        .answer(&h.api, &challenge_id, true, json!({}))
        .await
        .ok();
    let access = h.verify(&token, &challenge_id).await.ok()["accessToken"]
        .as_str()
        .expect("access token")
        .to_owned();
    Device::new(&h.server.tenant_id)
        .add(&h.api, &access)
        .await
        .error(403, "invalid_scope");
    h.start_challenge(&access, json!({"action": "signIn"}))
        .await
        .error(403, "invalid_scope");
    h.verify(&access, &challenge_id)
        .await
        .error(403, "invalid_scope");
    assert_eq!(authenticator_count(&h, "quinn").await, 1);
}

#[tokio::test]
async fn a_sign_in_token_of_an_enrolled_user_cannot_enroll_another_key() {
    let h = Harness::start().await;
    h.enrolled_device("rosa").await;
    // 1. The page's sign-in token (no scope) and a token with another scope.
    let (sign_in, _) = h.sign_in("rosa", json!({})).await;
    let other_scope = h
        .track("rosa", "enroll", json!({"scope": "read:authenticators"}))
        .await["token"]
        .as_str()
        .expect("token")
        .to_owned();
    // A scope list that only contains the words of the right one.
    let lookalike = h
        .track(
            "rosa",
            "enroll",
            json!({"scope": "add:authenticatorsx xadd:authenticators add"}),
        )
        .await["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let attacker = Device::new(&h.server.tenant_id);
    for token in [&sign_in, &other_scope, &lookalike] {
        attacker
            .add(&h.api, token)
            .await
            .error(403, "invalid_scope");
    }
    assert_eq!(authenticator_count(&h, "rosa").await, 1);
}

#[tokio::test]
async fn an_enrollment_token_for_one_user_enrolls_only_that_user() {
    let h = Harness::start().await;
    h.enrolled_device("sam").await;
    h.enrolled_device("tess").await;
    let sams_token = h.enroll_token("sam").await;
    let device = Device::new(&h.server.tenant_id);
    let enrolled = device.add(&h.api, &sams_token).await.ok();
    assert_eq!(enrolled["userId"], "sam");
    assert_eq!(authenticator_count(&h, "tess").await, 1);
    assert_eq!(authenticator_count(&h, "sam").await, 2);
}

#[tokio::test]
async fn an_enrollment_token_enrolls_one_key_only_and_a_retry_of_the_same_key_is_idempotent() {
    let h = Harness::start().await;
    h.enrolled_device("uma").await;
    let token = h.enroll_token("uma").await;
    // 1. The user's new phone enrolls; a retry of the same request (lost answer) is fine.
    let phone = Device::new(&h.server.tenant_id);
    let first = phone.add(&h.api, &token).await.ok();
    let retry = phone.add(&h.api, &token).await.ok();
    assert_eq!(first["userAuthenticatorId"], retry["userAuthenticatorId"]);
    // 2. Someone who photographed the QR code cannot enroll a second key with it.
    let attacker = Device::new(&h.server.tenant_id);
    let refused = attacker.add(&h.api, &token).await;
    assert!(
        matches!(refused.status.as_u16(), 401 | 403 | 409),
        "a used enrollment token enrolled a second key: {refused:?}"
    );
    assert!(refused.body["error"].is_string());
    assert_eq!(authenticator_count(&h, "uma").await, 2);
}

#[tokio::test]
async fn a_token_cannot_read_or_validate_another_actions_challenge() {
    let h = Harness::start().await;
    let alice = h.enrolled_device("alice").await;
    h.enrolled_device("mallory").await;
    let (alices_token, alices_key) = h.sign_in("alice", json!({})).await;
    let alices_challenge = h.challenge(&alices_token).await;
    // 1. Mallory's own, legitimate token for her own sign-in.
    let (mallorys_token, _) = h.sign_in("mallory", json!({})).await;
    alice
        .answer(&h.api, &alices_challenge, true, json!({}))
        .await
        .ok();
    // 2. It cannot poll Alice's approved challenge for an access token.
    h.verify(&mallorys_token, &alices_challenge)
        .await
        .error(404, "challenge_not_found");
    // 3. Alice's other sign-in of the same user is another action too.
    let (second_token, _) = h.sign_in("alice", json!({})).await;
    h.verify(&second_token, &alices_challenge)
        .await
        .error(404, "challenge_not_found");
    // 4. Mallory's token does not validate (her action has no approved challenge), and
    //    validate with a user or action that is not the token's is never valid.
    assert_eq!(h.validate(&mallorys_token).await.ok()["isValid"], false);
    for (user, action) in [("mallory", "signIn"), ("alice", "approvePayment")] {
        let answer = h
            .call(
                Method::POST,
                "/validate",
                Some(&h.secret_auth()),
                Some(json!({"token": alices_token, "userId": user, "action": action})),
            )
            .await
            .ok();
        assert_eq!(answer["isValid"], false, "{user} {action}");
    }
    // The mismatched checks used nothing up: Alice's token still validates, once.
    assert_eq!(h.validate(&alices_token).await.ok()["isValid"], true);
    assert_eq!(h.validate(&alices_token).await.ok()["isValid"], false);
    assert_eq!(
        h.action("alice", &alices_key).await["state"],
        "CHALLENGE_SUCCEEDED"
    );
}

#[tokio::test]
async fn the_track_and_access_token_of_one_action_validate_once_between_them() {
    let h = Harness::start().await;
    let device = h.enrolled_device("vic").await;
    let (token, _) = h.sign_in("vic", json!({})).await;
    let challenge_id = h.challenge(&token).await;
    device
        .answer(&h.api, &challenge_id, true, json!({}))
        .await
        .ok();
    let access = h.verify(&token, &challenge_id).await.ok()["accessToken"]
        .as_str()
        .expect("access token")
        .to_owned();
    // Polling again mints another access token; all of them share one validation.
    let again = h.verify(&token, &challenge_id).await.ok()["accessToken"]
        .as_str()
        .expect("access token")
        .to_owned();
    let validations = [
        h.validate(&access).await.ok(),
        h.validate(&again).await.ok(),
        h.validate(&token).await.ok(),
    ];
    let valid = validations.iter().filter(|v| v["isValid"] == true).count();
    assert_eq!(valid, 1, "{validations:?}");
}

#[tokio::test]
async fn a_first_enrollment_token_without_scope_also_enrolls_one_key_only_and_a_retry_is_idempotent()
 {
    let h = Harness::start().await;
    // 1. A user with no authenticator enrolls with the page's token (no scope, protocol 3.1),
    //    and the retry of the same request (lost answer) is fine although she is enrolled now.
    let (token, _) = h.sign_in("vera", json!({})).await;
    let phone = Device::new(&h.server.tenant_id);
    let first = phone.add(&h.api, &token).await.ok();
    let retry = phone.add(&h.api, &token).await.ok();
    assert_eq!(first["userAuthenticatorId"], retry["userAuthenticatorId"]);
    // 2. Another key with the same token is refused, in words.
    let attacker = Device::new(&h.server.tenant_id);
    let refused = attacker.add(&h.api, &token).await;
    assert_eq!(refused.status.as_u16(), 403, "{refused:?}");
    assert_eq!(refused.body["error"], "invalid_scope");
    let description = refused.body["errorDescription"]
        .as_str()
        .unwrap_or_default();
    assert!(description.contains("already used"), "{description}");
    assert_eq!(authenticator_count(&h, "vera").await, 1);
}
