//! A raw protocol device: one P-256 key of its own, and the device calls of
//! docs/protocol.md section 3 sent exactly as a test asks.

use reqwest::Method;
use serde_json::{Value, json};
use signet_protocol::{PublicKey, sign, tenant_basic_header};

use crate::Error;
use crate::http::{Answer, Api};
use crate::rp::Rp;

/// A device: one P-256 key, as the app holds it, at one tenant. Its calls return the answer
/// as it is; they panic when the server does not answer at all (for tests), their `try_`
/// forms return `Err` then (for tests that stop a server on purpose).
///
/// `Debug` shows the public key only.
#[derive(Clone)]
pub struct Device {
    /// The private key (tests sign with it what the device would not).
    pub key: p256::ecdsa::SigningKey,
    /// The public key.
    pub public_key: PublicKey,
    /// The tenant (the device's Basic auth).
    pub tenant_id: String,
    /// The id the server gave at enrollment; empty before.
    pub authenticator_id: String,
}

impl std::fmt::Debug for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Device")
            .field("public_key", &self.public_key)
            .field("tenant_id", &self.tenant_id)
            .field("authenticator_id", &self.authenticator_id)
            .finish_non_exhaustive()
    }
}

impl Device {
    /// A device with a fresh key at tenant `tenant_id`, not enrolled.
    pub fn new(tenant_id: &str) -> Self {
        let key = p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng);
        let public_key = PublicKey::from(key.verifying_key());
        Self {
            key,
            public_key,
            tenant_id: tenant_id.to_owned(),
            authenticator_id: String::new(),
        }
    }

    /// A new device enrolled for `user_id` at `rp`'s tenant (3.1 with an
    /// `add:authenticators` token); panics unless both calls succeed.
    pub async fn enrolled(rp: &Rp, user_id: &str) -> Self {
        let device = Self::new(rp.tenant_id());
        let token = rp
            .enrollment_token(user_id)
            .await
            .expect("the relying party tracks an enrollment");
        let enrolled = device.add(rp.api(), &token).await.ok();
        Self {
            authenticator_id: enrolled["userAuthenticatorId"]
                .as_str()
                .expect("userAuthenticatorId")
                .to_owned(),
            ..device
        }
    }

    /// The public key as SPKI base64 (the `publicKey` of request bodies).
    pub fn pk(&self) -> String {
        self.public_key.to_spki_base64()
    }

    /// The device's `Authorization` value (`Basic base64("<tenant>:")`).
    pub fn basic(&self) -> String {
        tenant_basic_header(&self.tenant_id)
    }

    /// `message` signed with the device's key, DER in base64.
    pub fn sign(&self, message: &str) -> String {
        sign(&self.key, message).to_base64()
    }

    /// 3.1 with `token`.
    pub async fn add(&self, api: &Api, token: &str) -> Answer {
        answered(self.try_add(api, token).await)
    }

    /// 3.1 with `token`; `Err` when the server does not answer.
    pub async fn try_add(&self, api: &Api, token: &str) -> Result<Answer, Error> {
        let body = json!({
            "publicKey": self.pk(),
            "deviceName": "Test phone",
            "devicePlatform": "linux",
        });
        api.call(
            Method::POST,
            "/client/user-authenticators/push",
            Some(&format!("Bearer {token}")),
            Some(&body),
        )
        .await
    }

    /// 3.4a: the nonce to sign; panics unless the server gives one.
    pub async fn nonce(&self, api: &Api) -> String {
        let answer = answered(self.try_nonce(api).await).ok();
        answer["message"].as_str().expect("message").to_owned()
    }

    /// 3.4a, the answer as it is; `Err` when the server does not answer.
    pub async fn try_nonce(&self, api: &Api) -> Result<Answer, Error> {
        let path = format!(
            "/client/user-authenticators/push/challenge/sign?publicKey={}",
            self.public_key.to_query()
        );
        api.call(Method::POST, &path, Some(&self.basic()), None)
            .await
    }

    /// 3.4b signed with a fresh nonce, optionally long-polling (8.2).
    pub async fn fetch(&self, api: &Api, wait: Option<u32>) -> Answer {
        let nonce = self.nonce(api).await;
        self.fetch_signed(api, &self.sign(&nonce), wait).await
    }

    /// 3.4b with this signature header.
    pub async fn fetch_signed(&self, api: &Api, signature: &str, wait: Option<u32>) -> Answer {
        answered(self.try_fetch_signed(api, signature, wait).await)
    }

    /// 3.4b with this signature header; `Err` when the server does not answer.
    pub async fn try_fetch_signed(
        &self,
        api: &Api,
        signature: &str,
        wait: Option<u32>,
    ) -> Result<Answer, Error> {
        let wait = wait.map(|wait| format!("&wait={wait}")).unwrap_or_default();
        let path = format!(
            "/client/user-authenticators/push/challenge?publicKey={}{wait}",
            self.public_key.to_query()
        );
        let request = api
            .request(Method::GET, &path)
            .header("Authorization", self.basic())
            .header("X-Authsignal-Signature", signature);
        api.send("challenge", request).await
    }

    /// 3.5 signed, with any `extra` fields merged into the body.
    pub async fn answer(
        &self,
        api: &Api,
        challenge_id: &str,
        approved: bool,
        extra: Value,
    ) -> Answer {
        answered(self.try_answer(api, challenge_id, approved, extra).await)
    }

    /// 3.5 signed, with any `extra` fields merged into the body; `Err` when the server does
    /// not answer.
    pub async fn try_answer(
        &self,
        api: &Api,
        challenge_id: &str,
        approved: bool,
        extra: Value,
    ) -> Result<Answer, Error> {
        let mut body = json!({
            "challengeId": challenge_id,
            "publicKey": self.pk(),
            "approved": approved,
            "signature": self.sign(challenge_id),
            "verificationCode": null,
        });
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        api.call(
            Method::POST,
            "/client/user-authenticators/push/challenge",
            Some(&self.basic()),
            Some(&body),
        )
        .await
    }
}

/// The answer; panics when there was none (the server is gone).
#[track_caller]
fn answered(answer: Result<Answer, Error>) -> Answer {
    answer.expect("the server answers")
}
