//! Bad input gets the error shape of docs/protocol.md section 7 with the right status, never a 500,
//! and changes nothing.

mod common;

use base64::Engine as _;
use common::{Answer, Device, Harness, secret_basic};
use reqwest::Method;
use serde_json::{Value, json};
use signet_protocol::tenant_basic_header;
use signet_server::TenantSettings;

const ANSWER_PATH: &str = "/client/user-authenticators/push/challenge";

/// A user with a device and a pending challenge: `(device, token, key, challenge id)`.
async fn pending(h: &Harness, user: &str) -> (Device, String, String, String) {
    let device = h.enrolled_device(user).await;
    let (token, key) = h.sign_in(user, json!({})).await;
    let challenge_id = h.challenge(&token).await;
    (device, token, key, challenge_id)
}

/// The challenge is still pending and the action untouched.
async fn assert_unchanged(h: &Harness, user: &str, token: &str, key: &str, challenge_id: &str) {
    let verified = h.verify(token, challenge_id).await.ok();
    assert_eq!(verified["isConsumed"], false);
    assert_eq!(h.action(user, key).await["state"], "CHALLENGE_REQUIRED");
}

fn answer_body(device: &Device, challenge_id: &str) -> Value {
    json!({
        "challengeId": challenge_id,
        "publicKey": device.pk(),
        "approved": true,
        "signature": device.sign(challenge_id),
    })
}

#[tokio::test]
async fn malformed_json_and_wrong_types_are_invalid_requests_that_change_nothing() {
    let h = Harness::start().await;
    let (device, token, key, challenge_id) = pending(&h, "alice").await;
    let basic = device.basic();
    let bodies: Vec<Vec<u8>> = vec![
        b"{".to_vec(),
        b"not json".to_vec(),
        b"[]".to_vec(),
        b"null".to_vec(),
        b"".to_vec(),
        vec![0xff, 0xfe, 0x00],
        serde_json::to_vec(&json!({"challengeId": challenge_id})).unwrap(),
        {
            let mut body = answer_body(&device, &challenge_id);
            body["approved"] = json!("yes");
            serde_json::to_vec(&body).unwrap()
        },
        {
            let mut body = answer_body(&device, &challenge_id);
            body["challengeId"] = json!(42);
            serde_json::to_vec(&body).unwrap()
        },
        {
            let mut body = answer_body(&device, &challenge_id);
            body["declineReason"] = json!("bored");
            body["approved"] = json!(false);
            serde_json::to_vec(&body).unwrap()
        },
    ];
    for body in bodies {
        let answer = h
            .api
            .call_raw(Method::POST, ANSWER_PATH, Some(&basic), body.clone())
            .await
            .unwrap();
        answer.error(400, "invalid_request");
        // The description never echoes what was sent.
        let description = answer.body["errorDescription"].as_str().unwrap();
        assert!(!description.contains("yes") && !description.contains("bored"));
    }
    assert_unchanged(&h, "alice", &token, &key, &challenge_id).await;
}

#[tokio::test]
async fn a_body_over_64_kib_is_refused_with_413_and_changes_nothing() {
    let h = Harness::start().await;
    let (device, token, key, challenge_id) = pending(&h, "bob").await;
    let mut body = answer_body(&device, &challenge_id);
    body["padding"] = json!("x".repeat(signet_server::BODY_LIMIT));
    h.api
        .call_raw(
            Method::POST,
            ANSWER_PATH,
            Some(&device.basic()),
            serde_json::to_vec(&body).unwrap(),
        )
        .await
        .unwrap()
        .error(413, "invalid_request");
    // A track body too.
    h.api
        .call_raw(
            Method::POST,
            "/users/bob/actions/signIn",
            Some(&h.secret_auth()),
            serde_json::to_vec(&json!({"custom": "x".repeat(70_000)})).unwrap(),
        )
        .await
        .unwrap()
        .error(413, "invalid_request");
    assert_unchanged(&h, "bob", &token, &key, &challenge_id).await;
}

#[tokio::test]
async fn bad_base64_and_keys_not_on_the_curve_are_invalid_requests() {
    let h = Harness::start().await;
    let (device, token, key, challenge_id) = pending(&h, "carol").await;
    // A valid SPKI header with a point that is not on P-256.
    let mut der = device.public_key.to_spki_der();
    let last = der.len() - 1;
    der[last] ^= 0x01;
    let off_curve = base64::engine::general_purpose::STANDARD.encode(&der);
    let truncated = &device.pk()[..100];
    for public_key in ["***not base64***", off_curve.as_str(), truncated, ""] {
        let mut body = answer_body(&device, &challenge_id);
        body["publicKey"] = json!(public_key);
        h.call(Method::POST, ANSWER_PATH, Some(&device.basic()), Some(body))
            .await
            .error(400, "invalid_request");
    }
    // Bad base64 of the signature.
    let mut body = answer_body(&device, &challenge_id);
    body["signature"] = json!("%%%");
    h.call(Method::POST, ANSWER_PATH, Some(&device.basic()), Some(body))
        .await
        .error(400, "invalid_request");
    // Query forms: garbage, and a key not on the curve.
    let off_curve_query = base64::engine::general_purpose::STANDARD.encode(&off_curve);
    for query in ["%%%", "bm90IGEga2V5", off_curve_query.as_str()] {
        h.call(
            Method::POST,
            &format!("/client/user-authenticators/push/challenge/sign?publicKey={query}"),
            Some(&device.basic()),
            None,
        )
        .await
        .error(400, "invalid_request");
    }
    // No publicKey at all.
    h.call(
        Method::GET,
        "/client/user-authenticators/push/challenge",
        Some(&device.basic()),
        None,
    )
    .await
    .error(400, "invalid_request");
    assert_unchanged(&h, "carol", &token, &key, &challenge_id).await;
}

#[tokio::test]
async fn a_signature_over_another_message_or_by_another_key_is_invalid_and_changes_nothing() {
    let h = Harness::start().await;
    let (device, token, key, challenge_id) = pending(&h, "dan").await;
    let other = Device::new(&h.server.tenant_id);
    let signatures = [
        device.sign("another message"),
        device.sign(&format!("{challenge_id} ")),
        other.sign(&challenge_id),
        // Raw r||s (64 bytes) instead of DER.
        base64::engine::general_purpose::STANDARD.encode([7_u8; 64]),
    ];
    for signature in signatures {
        let mut body = answer_body(&device, &challenge_id);
        body["signature"] = json!(signature);
        h.call(Method::POST, ANSWER_PATH, Some(&device.basic()), Some(body))
            .await
            .error(401, "invalid_signature");
    }
    // A fetch signed over something else than the nonce.
    device.nonce(&h.api).await;
    device
        .fetch_signed(&h.api, &device.sign("not the nonce"), None)
        .await
        .error(401, "invalid_signature");
    assert_unchanged(&h, "dan", &token, &key, &challenge_id).await;
}

#[tokio::test]
async fn forged_expired_and_wrong_scope_tokens_are_refused() {
    let h = Harness::start().await;
    let (device, token, key, challenge_id) = pending(&h, "erin").await;
    let start = |bearer: String| {
        let h = &h;
        async move {
            h.call(
                Method::POST,
                "/client/challenge/push",
                Some(&bearer),
                Some(json!({"action": "signIn"})),
            )
            .await
        }
    };
    // 1. Forged: a changed payload, a changed signature, not a JWT, no token.
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(&parts[1])
        .unwrap();
    let payload = String::from_utf8(payload)
        .unwrap()
        .replace("\"sub\":\"erin\"", "\"sub\":\"mallory\"");
    parts[1] = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(payload);
    let forged_payload = parts.join(".");
    let mut forged_signature = token.clone();
    forged_signature.pop();
    forged_signature.push(if token.ends_with('A') { 'B' } else { 'A' });
    for bearer in [
        format!("Bearer {forged_payload}"),
        format!("Bearer {forged_signature}"),
        "Bearer not-a-jwt".to_owned(),
        "Bearer ".to_owned(),
        "Basic Zm9vOg==".to_owned(),
    ] {
        start(bearer).await.error(401, "unauthorized");
    }
    // 2. Wrong scope: an access token is not a track token; a plain track token cannot enroll
    //    a second device.
    device
        .answer(&h.api, &challenge_id, true, json!({}))
        .await
        .ok();
    let access = h.verify(&token, &challenge_id).await.ok()["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    start(format!("Bearer {access}"))
        .await
        .error(403, "invalid_scope");
    let (plain, _) = h.sign_in("erin", json!({})).await;
    Device::new(&h.server.tenant_id)
        .add(&h.api, &plain)
        .await
        .error(403, "invalid_scope");
    // 3. Expired.
    h.clock.advance(std::time::Duration::from_secs(11 * 60));
    start(format!("Bearer {plain}"))
        .await
        .error(401, "expired_token");
    h.call(
        Method::POST,
        "/validate",
        Some(&h.secret_auth()),
        Some(json!({"token": access})),
    )
    .await
    .error(401, "expired_token");
    // Nothing of that changed the action.
    assert_eq!(h.action("erin", &key).await["state"], "CHALLENGE_SUCCEEDED");
}

#[tokio::test]
async fn an_unknown_credential_is_invalid_credential() {
    let h = Harness::start().await;
    let (_, token, key, challenge_id) = pending(&h, "fay").await;
    let unknown = Device::new(&h.server.tenant_id);
    h.call(
        Method::GET,
        &format!(
            "/client/user-authenticators/push?publicKey={}",
            unknown.public_key.to_query()
        ),
        Some(&unknown.basic()),
        None,
    )
    .await
    .error(401, "invalid_credential");
    h.call(
        Method::POST,
        ANSWER_PATH,
        Some(&unknown.basic()),
        Some(answer_body(&unknown, &challenge_id)),
    )
    .await
    .error(401, "invalid_credential");
    assert_unchanged(&h, "fay", &token, &key, &challenge_id).await;
}

#[tokio::test]
async fn a_wrong_tenant_is_refused_and_changes_nothing() {
    let h = Harness::start().await;
    let (device, token, key, challenge_id) = pending(&h, "gus").await;
    let other = h
        .server
        .create_tenant(TenantSettings::default())
        .await
        .unwrap();
    // 1. Device calls: an unknown tenant is unauthorized; another tenant does not know the key.
    let answer = |basic: String| {
        let (h, body) = (&h, answer_body(&device, &challenge_id));
        async move {
            h.call(Method::POST, ANSWER_PATH, Some(&basic), Some(body))
                .await
        }
    };
    answer(tenant_basic_header("no-such-tenant"))
        .await
        .error(401, "unauthorized");
    answer("Basic !!!".to_owned())
        .await
        .error(401, "unauthorized");
    answer(tenant_basic_header(&other.tenant_id))
        .await
        .error(401, "invalid_credential");
    // 2. Server calls: a wrong secret key; another tenant's key cannot validate our token,
    //    nor read our actions.
    let action_path = format!("/users/gus/actions/signIn/{key}");
    h.call(
        Method::GET,
        &action_path,
        Some(&secret_basic("wrong")),
        None,
    )
    .await
    .error(401, "unauthorized");
    h.call(Method::GET, &action_path, None, None)
        .await
        .error(401, "unauthorized");
    h.call(
        Method::GET,
        &action_path,
        Some(&secret_basic(&other.secret_key)),
        None,
    )
    .await
    .error(404, "invalid_request");
    h.call(
        Method::POST,
        "/validate",
        Some(&secret_basic(&other.secret_key)),
        Some(json!({"token": token})),
    )
    .await
    .error(401, "unauthorized");
    // 3. The tenant id is not the secret key.
    h.call(
        Method::POST,
        "/users/gus/actions/signIn",
        Some(&secret_basic(&h.server.tenant_id)),
        Some(json!({})),
    )
    .await
    .error(401, "unauthorized");
    assert_unchanged(&h, "gus", &token, &key, &challenge_id).await;
}

#[tokio::test]
async fn unknown_routes_and_methods_get_the_error_shape() {
    let h = Harness::start().await;
    let not_found: Answer = h.call(Method::GET, "/no/such/route", None, None).await;
    not_found.error(404, "invalid_request");
    h.call(Method::PUT, "/validate", None, None)
        .await
        .error(405, "invalid_request");
    h.call(
        Method::GET,
        "/users/a/actions/signIn/not-there",
        Some(&h.secret_auth()),
        None,
    )
    .await
    .error(404, "invalid_request");
}

#[tokio::test]
async fn a_bad_update_action_state_is_an_invalid_request() {
    let h = Harness::start().await;
    let (_, key) = h.sign_in("hal", json!({})).await;
    h.call(
        Method::PATCH,
        &format!("/users/hal/actions/signIn/{key}"),
        Some(&h.secret_auth()),
        Some(json!({"state": "APPROVED_BY_MAGIC"})),
    )
    .await
    .error(400, "invalid_request");
    assert_eq!(h.action("hal", &key).await["state"], "CHALLENGE_REQUIRED");
}

#[tokio::test]
async fn a_push_token_in_no_form_of_8_6_is_an_invalid_request_and_enrolls_nothing() {
    let h = Harness::start().await;
    let sub = |json: Value| {
        format!(
            "webpush:{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json.to_string())
        )
    };
    let point =
        "BGsX0fLhLEJH-Lzm5WOkQPJ3A32BLeszoPShOUXYmMKWT-NC4v4af5uO5-tKfA-eFivOM1drMV7Oy7ZAaDe_UfU";
    let auth = "AAAAAAAAAAAAAAAAAAAAAA";
    let cases = [
        ("ios", "not-hex".to_owned(), "APNs device token"),
        ("android", "short".to_owned(), "FCM registration token"),
        ("linux", "a1".repeat(32), "must be a Web Push subscription"),
        ("linux", "webpush:%%%".to_owned(), "base64url"),
        (
            "linux",
            sub(
                json!({"endpoint": "http://push.example.net/p", "keys": {"p256dh": point, "auth": auth}}),
            ),
            "https://",
        ),
        (
            "android",
            sub(
                json!({"endpoint": "https://push.example.net/p", "keys": {"p256dh": "BAAA", "auth": auth}}),
            ),
            "p256dh",
        ),
        (
            "linux",
            sub(
                json!({"endpoint": "https://push.example.net/p", "keys": {"p256dh": point, "auth": "AAAA"}}),
            ),
            "auth",
        ),
    ];
    for (platform, push_token, says) in cases {
        let device = Device::new(&h.server.tenant_id);
        let token = h.enroll_token("zoe").await;
        let refused = h
            .call(
                Method::POST,
                "/client/user-authenticators/push",
                Some(&format!("Bearer {token}")),
                Some(json!({
                    "publicKey": device.pk(),
                    "devicePlatform": platform,
                    "pushToken": push_token,
                })),
            )
            .await;
        refused.error(400, "invalid_request");
        let description = refused.body["errorDescription"]
            .as_str()
            .unwrap_or_default();
        assert!(description.contains(says), "{platform}: {description}");
        assert!(
            !description.contains(&push_token),
            "the error repeats the token"
        );
    }
    let user = h
        .call(Method::GET, "/users/zoe", Some(&h.secret_auth()), None)
        .await
        .ok();
    assert_eq!(user["isEnrolled"], false);
}

#[tokio::test]
async fn a_credential_update_with_a_malformed_push_token_is_refused_and_keeps_the_old_one() {
    let h = Harness::start().await;
    let device = h.enrolled_device("una").await;
    let nonce = h
        .call(
            Method::POST,
            &format!(
                "/client/user-authenticators/push/sign?publicKey={}",
                device.public_key.to_query()
            ),
            Some(&device.basic()),
            None,
        )
        .await
        .ok();
    let message = nonce["message"].as_str().unwrap_or_default().to_owned();
    // An APNs-looking token on a linux device: not one of its forms.
    let refused = h
        .call(
            Method::PATCH,
            "/client/user-authenticators/push",
            Some(&device.basic()),
            Some(json!({
                "challengeId": nonce["challengeId"],
                "publicKey": device.pk(),
                "signature": device.sign(&message),
                "pushToken": "a1".repeat(32),
            })),
        )
        .await;
    refused.error(400, "invalid_request");
    let stored = h
        .server
        .store()
        .authenticators_of_user(&h.server.tenant_id, "una")
        .await
        .expect("read");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].push_token, None);
}
