//! Tenants and keys are walled off from each other: tenant A's tokens, credentials and secret
//! key do nothing at tenant B, and one key's nonces never serve another key or another call.
//! (`bad_input.rs` covers a wrong tenant on 3.5 and another tenant's secret on get action and
//! validate; `flow.rs` a nonce used twice or too late.)

mod common;

use std::sync::Arc;

use common::{Answer, Device, Harness, secret_basic};
use reqwest::Method;
use serde_json::{Value, json};
use signet_server::{TenantCredentials, TenantSettings};
use signet_testkit::Rp;
use tokio::task::JoinSet;

/// A valid `keys.p256dh` (the P-256 generator point, uncompressed, base64url).
const ATTACKER_P256DH: &str =
    "BGsX0fLhLEJH-Lzm5WOkQPJ3A32BLeszoPShOUXYmMKWT-NC4v4af5uO5-tKfA-eFivOM1drMV7Oy7ZAaDe_UfU";

/// A second tenant on the same server, and its relying party.
struct Other {
    creds: TenantCredentials,
    rp: Rp,
}

impl Other {
    async fn new(h: &Harness) -> Self {
        let creds = h
            .server
            .create_tenant(TenantSettings::default())
            .await
            .expect("tenant");
        let rp = Rp::on(h.api.clone(), &creds.tenant_id, &creds.secret_key);
        Self { creds, rp }
    }

    fn auth(&self) -> String {
        secret_basic(&self.creds.secret_key)
    }

    async fn track(&self, user: &str, action: &str, body: Value) -> Value {
        self.rp
            .track_answer(user, action, &body)
            .await
            .expect("request is answered")
            .ok()
    }

    /// A device enrolled at this tenant for `user`.
    async fn enrolled_device(&self, user: &str) -> Device {
        Device::enrolled(&self.rp, user).await
    }
}

/// 3.2 get credential of `device` under the Basic header of `tenant_id`.
async fn credential_at(h: &Harness, device: &Device, tenant_id: &str) -> Answer {
    h.call(
        Method::GET,
        &format!(
            "/client/user-authenticators/push?publicKey={}",
            device.public_key.to_query()
        ),
        Some(&signet_protocol::tenant_basic_header(tenant_id)),
        None,
    )
    .await
}

/// 3.4a nonce of `device` under the Basic header of `tenant_id`.
async fn nonce_at(h: &Harness, device: &Device, tenant_id: &str) -> Answer {
    h.call(
        Method::POST,
        &format!(
            "/client/user-authenticators/push/challenge/sign?publicKey={}",
            device.public_key.to_query()
        ),
        Some(&signet_protocol::tenant_basic_header(tenant_id)),
        None,
    )
    .await
}

#[tokio::test]
async fn the_same_user_id_at_two_tenants_is_two_users_whose_challenges_never_cross() {
    let h = Harness::start().await;
    let b = Other::new(&h).await;
    let at_a = h.enrolled_device("gus").await;
    let at_b = b.enrolled_device("gus").await;
    // 1. Each device is known at its own tenant only.
    credential_at(&h, &at_a, &h.server.tenant_id).await.ok();
    credential_at(&h, &at_a, &b.creds.tenant_id)
        .await
        .error(401, "invalid_credential");
    credential_at(&h, &at_b, &h.server.tenant_id)
        .await
        .error(401, "invalid_credential");
    nonce_at(&h, &at_a, &b.creds.tenant_id)
        .await
        .error(401, "invalid_credential");
    // 2. Tenant B's sign-in of "gus" reaches B's device only.
    let tracked = b.track("gus", "signIn", json!({})).await;
    let b_token = tracked["token"].as_str().expect("token").to_owned();
    let b_challenge = h.challenge(&b_token).await;
    assert!(at_a.fetch(&h.api, None).await.ok()["challengeId"].is_null());
    assert_eq!(
        at_b.fetch(&h.api, None).await.ok()["challengeId"],
        b_challenge.as_str()
    );
    // 3. A's device cannot answer it, under either tenant's header.
    at_a.answer(&h.api, &b_challenge, true, json!({}))
        .await
        .error(404, "challenge_not_found");
    let mut moved_device = at_a.clone();
    moved_device.tenant_id.clone_from(&b.creds.tenant_id);
    moved_device
        .answer(&h.api, &b_challenge, true, json!({}))
        .await
        .error(401, "invalid_credential");
    assert_eq!(
        h.verify(&b_token, &b_challenge).await.ok()["isConsumed"],
        false
    );
    // 4. A's backend cannot validate B's token; B's backend cannot validate A's.
    at_b.answer(&h.api, &b_challenge, true, json!({}))
        .await
        .ok();
    h.validate(&b_token).await.error(401, "unauthorized");
    let (a_token, _) = h.sign_in("gus", json!({})).await;
    h.call(
        Method::POST,
        "/validate",
        Some(&b.auth()),
        Some(json!({"token": a_token})),
    )
    .await
    .error(401, "unauthorized");
    // B's own backend still validates its own approved sign-in.
    let valid = h
        .call(
            Method::POST,
            "/validate",
            Some(&b.auth()),
            Some(json!({"token": b_token})),
        )
        .await
        .ok();
    assert_eq!(valid["isValid"], true);
}

#[tokio::test]
async fn another_tenants_secret_key_cannot_list_or_delete_our_authenticators() {
    let h = Harness::start().await;
    let b = Other::new(&h).await;
    let ours = h.enrolled_device("hugo").await;
    // 1. B sees no user "hugo" and none of our authenticators.
    let user = h
        .call(Method::GET, "/users/hugo", Some(&b.auth()), None)
        .await
        .ok();
    assert_eq!(user["isEnrolled"], false);
    let listed = h
        .call(
            Method::GET,
            "/users/hugo/authenticators",
            Some(&b.auth()),
            None,
        )
        .await
        .ok();
    assert_eq!(listed, json!([]));
    // 2. B cannot delete ours, even knowing its id.
    let deleted = h
        .call(
            Method::DELETE,
            &format!("/users/hugo/authenticators/{}", ours.authenticator_id),
            Some(&b.auth()),
            None,
        )
        .await;
    assert_ne!(deleted.status.as_u16(), 200, "{deleted:?}");
    assert!(deleted.body["error"].is_string(), "{deleted:?}");
    credential_at(&h, &ours, &h.server.tenant_id).await.ok();
    // 3. B's track of "hugo" cannot start a challenge to our device.
    let tracked = b.track("hugo", "signIn", json!({})).await;
    let token = tracked["token"].as_str().expect("token");
    assert_eq!(tracked["isEnrolled"], false);
    h.start_challenge(token, json!({"action": "signIn"}))
        .await
        .error(400, "invalid_request");
    h.start_challenge(
        token,
        json!({"action": "signIn", "userAuthenticatorId": ours.authenticator_id}),
    )
    .await
    .error(400, "invalid_request");
    assert!(ours.fetch(&h.api, None).await.ok()["challengeId"].is_null());
}

#[tokio::test]
async fn a_token_moved_to_another_tenant_by_editing_its_claims_is_forged() {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let h = Harness::start().await;
    let b = Other::new(&h).await;
    h.enrolled_device("ivan").await;
    let tracked = b
        .track("ivan", "enroll", json!({"scope": "add:authenticators"}))
        .await;
    let token = tracked["token"].as_str().expect("token");
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).expect("base64")).expect("JSON");
    assert_eq!(claims["tid"], b.creds.tenant_id.as_str());
    claims["tid"] = json!(h.server.tenant_id);
    parts[1] = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).expect("JSON"));
    let moved = parts.join(".");
    let attacker = Device::new(&h.server.tenant_id);
    attacker
        .add(&h.api, &moved)
        .await
        .error(401, "unauthorized");
    h.start_challenge(&moved, json!({"action": "signIn"}))
        .await
        .error(401, "unauthorized");
}

#[tokio::test]
async fn a_nonce_of_one_key_cannot_sign_a_fetch_of_another_key() {
    let h = Harness::start().await;
    let phone = h.enrolled_device("jo").await;
    let thief = h.enrolled_device("jo").await;
    let phones_nonce = phone.nonce(&h.api).await;
    // 1. The other key signs the phone's nonce for its own fetch: refused.
    thief
        .fetch_signed(&h.api, &thief.sign(&phones_nonce), None)
        .await
        .error(401, "invalid_signature");
    // 2. The phone's own signature, replayed under the other key: refused.
    thief
        .fetch_signed(&h.api, &phone.sign(&phones_nonce), None)
        .await
        .error(401, "invalid_signature");
    // 3. The phone's nonce was not used up by those attempts... or, if it was, the phone
    //    simply asks again; either way the phone's next honest fetch works.
    phone.fetch(&h.api, None).await.ok();
}

#[tokio::test]
async fn a_fetch_nonce_cannot_authorize_a_credential_update_and_an_update_nonce_works_once() {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let h = Harness::start().await;
    let device = h.enrolled_device("kai").await;
    let patch = |challenge_id: Value, message: String| {
        let (h, device) = (&h, &device);
        async move {
            h.call(
                Method::PATCH,
                "/client/user-authenticators/push",
                Some(&device.basic()),
                Some(json!({
                    "challengeId": challenge_id,
                    "publicKey": device.pk(),
                    "signature": device.sign(&message),
                    "pushToken": format!("webpush:{}", URL_SAFE_NO_PAD.encode(
                        json!({"endpoint": "https://attacker.example/p",
                               "keys": {"p256dh": ATTACKER_P256DH, "auth": "AAAAAAAAAAAAAAAAAAAAAA"}})
                            .to_string())),
                })),
            )
            .await
        }
    };
    let ask_update_nonce = || {
        let (h, device) = (&h, &device);
        async move {
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
            .ok()
        }
    };
    // 1. A 3.4a fetch nonce, signed, offered as the 3.6b message: refused.
    let fetch_nonce = device.nonce(&h.api).await;
    let update = ask_update_nonce().await;
    patch(update["challengeId"].clone(), fetch_nonce)
        .await
        .error(401, "invalid_signature");
    // 2. A 3.6a nonce works once; replayed, it is gone.
    let update = ask_update_nonce().await;
    let message = update["message"].as_str().expect("message").to_owned();
    patch(update["challengeId"].clone(), message.clone())
        .await
        .ok();
    let replay = patch(update["challengeId"].clone(), message).await;
    replay.error(404, "challenge_not_found");
    // 3. A 3.6a message cannot sign a 3.4b fetch either.
    let update = ask_update_nonce().await;
    let message = update["message"].as_str().expect("message").to_owned();
    device
        .fetch_signed(&h.api, &device.sign(&message), None)
        .await
        .error(401, "invalid_signature");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_signed_nonce_sent_twenty_times_at_once_serves_exactly_one_fetch() {
    let h = Arc::new(Harness::start().await);
    let device = h.enrolled_device("lou").await;
    let nonce = device.nonce(&h.api).await;
    let signature = device.sign(&nonce);
    let mut fetches = JoinSet::new();
    for _ in 0..20 {
        let (h, device, signature) = (Arc::clone(&h), device.clone(), signature.clone());
        fetches.spawn(async move { device.fetch_signed(&h.api, &signature, None).await });
    }
    let mut served = 0;
    while let Some(answer) = fetches.join_next().await {
        let answer = answer.expect("task");
        if answer.status.as_u16() == 200 {
            served += 1;
        } else {
            answer.error(401, "invalid_signature");
        }
    }
    assert_eq!(served, 1);
}
