//! The relying party: its backend (the tenant's secret key, docs/protocol.md section 5) and
//! its page (the track token, section 4), over the server's HTTP API.

use std::time::Duration;

use reqwest::Method;
use serde::Serialize;
use serde_json::{Value, json};
use signet_protocol::{
    EnrollmentLink, StartPushChallengeRequest, StartPushChallengeResponse, TrackResponse,
    ValidateRequest, ValidateResponse, VerifyPushRequest, VerifyPushResponse,
};

use crate::Error;
use crate::http::{Answer, Api, secret_basic};

/// The relying party of one tenant. `Debug` leaves the secret key out.
#[derive(Clone)]
pub struct Rp {
    api: Api,
    tenant_id: String,
    backend_auth: String,
}

impl std::fmt::Debug for Rp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rp")
            .field("base", &self.api.base())
            .field("tenant_id", &self.tenant_id)
            .finish_non_exhaustive()
    }
}

/// A sign-in started by the relying party (section 1, steps 1 and 2).
#[derive(Debug, Clone)]
pub struct SignIn {
    /// The user signing in.
    pub user_id: String,
    /// The track token (the page's Bearer token).
    pub token: String,
    /// The action's idempotency key (for get action).
    pub idempotency_key: String,
    /// The push challenge.
    pub challenge_id: String,
    /// The number to match, when the tenant asks for number matching.
    pub verification_code: Option<String>,
}

impl Rp {
    /// The relying party of tenant `tenant_id` at the server whose API is at `base` (ending
    /// in `/v1`); requests time out after 90 seconds.
    pub fn new(base: &str, tenant_id: &str, secret_key: &str) -> Result<Self, Error> {
        Ok(Self::on(
            Api::new(base, Duration::from_secs(90))?,
            tenant_id,
            secret_key,
        ))
    }

    /// The relying party of tenant `tenant_id` over `api`.
    pub fn on(api: Api, tenant_id: &str, secret_key: &str) -> Self {
        Self {
            api,
            tenant_id: tenant_id.to_owned(),
            backend_auth: secret_basic(secret_key),
        }
    }

    /// The server's API.
    pub fn api(&self) -> &Api {
        &self.api
    }

    /// The tenant.
    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    /// The backend's `Authorization` value.
    pub fn backend_auth(&self) -> &str {
        &self.backend_auth
    }

    /// A request from the backend (secret-key Basic auth) with a JSON body.
    async fn backend(
        &self,
        call: &'static str,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Answer, Error> {
        let mut request = self
            .api
            .request(method, path)
            .header("Authorization", &self.backend_auth);
        if let Some(body) = body {
            request = request.json(body);
        }
        self.api.send(call, request).await
    }

    /// Section 5 track, the answer as it is.
    pub async fn track_answer(
        &self,
        user_id: &str,
        action: &str,
        attributes: &impl Serialize,
    ) -> Result<Answer, Error> {
        let body = serde_json::to_value(attributes).map_err(|source| Error::Decode {
            call: "track",
            source,
        })?;
        self.backend(
            "track",
            Method::POST,
            &format!("/users/{user_id}/actions/{action}"),
            Some(&body),
        )
        .await
    }

    /// Section 5 track.
    pub async fn track(
        &self,
        user_id: &str,
        action: &str,
        attributes: &impl Serialize,
    ) -> Result<TrackResponse, Error> {
        self.track_answer(user_id, action, attributes)
            .await?
            .success("track")
    }

    /// The track token of an enrollment (`add:authenticators`) for `user_id`.
    pub async fn enrollment_token(&self, user_id: &str) -> Result<String, Error> {
        let attributes = json!({"scope": "add:authenticators"});
        Ok(self.track(user_id, "enroll", &attributes).await?.token)
    }

    /// An enrollment link (8.1) for `user_id`, as `<user_id>@example.com` at issuer
    /// `Example`.
    pub async fn enrollment_link(&self, user_id: &str) -> Result<EnrollmentLink, Error> {
        let token = self.enrollment_token(user_id).await?;
        Ok(EnrollmentLink {
            base_url: self.api.base().parse().map_err(|_| Error::Unexpected {
                what: "the server's base URL does not parse",
            })?,
            tenant_id: self.tenant_id.clone(),
            token,
            user: Some(format!("{user_id}@example.com")),
            issuer: Some("Example".to_owned()),
        })
    }

    /// Section 4 start a push challenge with the page's `token` and this body, the answer as
    /// it is.
    pub async fn start_challenge_answer(&self, token: &str, body: &Value) -> Result<Answer, Error> {
        let request = self
            .api
            .request(Method::POST, "/client/challenge/push")
            .bearer_auth(token)
            .json(body);
        self.api.send("challenge/push", request).await
    }

    /// Section 4 start a push challenge for `signIn` with the page's `token`.
    pub async fn start_challenge(&self, token: &str) -> Result<StartPushChallengeResponse, Error> {
        let body = StartPushChallengeRequest {
            action: "signIn".to_owned(),
            user_authenticator_id: None,
        };
        let body = serde_json::to_value(body).map_err(|source| Error::Decode {
            call: "challenge/push",
            source,
        })?;
        self.start_challenge_answer(token, &body)
            .await?
            .success("challenge/push")
    }

    /// Track a sign-in, then start its push challenge (section 1, steps 1 and 2).
    pub async fn sign_in(&self, user_id: &str) -> Result<SignIn, Error> {
        self.sign_in_with(user_id, &json!({})).await
    }

    /// [`Rp::sign_in`] with these track attributes.
    pub async fn sign_in_with(
        &self,
        user_id: &str,
        attributes: &impl Serialize,
    ) -> Result<SignIn, Error> {
        let tracked = self.track(user_id, "signIn", attributes).await?;
        let started = self.start_challenge(&tracked.token).await?;
        Ok(SignIn {
            user_id: user_id.to_owned(),
            token: tracked.token,
            idempotency_key: tracked.idempotency_key,
            challenge_id: started.challenge_id,
            verification_code: started.verification_code,
        })
    }

    /// Section 4 verify with the page's `token`, the answer as it is; with `wait` (8.2) the
    /// server holds it until the challenge is consumed.
    pub async fn verify_answer(
        &self,
        token: &str,
        challenge_id: &str,
        wait: Option<u32>,
    ) -> Result<Answer, Error> {
        let body = VerifyPushRequest {
            challenge_id: challenge_id.to_owned(),
        };
        let query = wait.map_or_else(String::new, |wait| format!("?wait={wait}"));
        let request = self
            .api
            .request(Method::POST, &format!("/client/verify/push{query}"))
            .bearer_auth(token)
            .json(&body);
        self.api.send("verify/push", request).await
    }

    /// Section 4 verify of `sign_in`; with `wait` (8.2) the server holds it until the
    /// challenge is consumed.
    pub async fn verify(
        &self,
        sign_in: &SignIn,
        wait: Option<u32>,
    ) -> Result<VerifyPushResponse, Error> {
        self.verify_answer(&sign_in.token, &sign_in.challenge_id, wait)
            .await?
            .success("verify/push")
    }

    /// Verify with `wait` until the challenge is consumed (section 1 step 4); true when
    /// verified.
    pub async fn verified(&self, sign_in: &SignIn, wait: u32) -> Result<bool, Error> {
        loop {
            let result = self.verify(sign_in, Some(wait)).await?;
            if result.is_consumed {
                return Ok(result.is_verified);
            }
        }
    }

    /// Section 5 validate of a `token` (section 1 step 5), the answer as it is.
    pub async fn validate_answer(&self, token: &str) -> Result<Answer, Error> {
        let body = ValidateRequest {
            token: token.to_owned(),
            action: None,
            user_id: None,
        };
        let body = serde_json::to_value(body).map_err(|source| Error::Decode {
            call: "validate",
            source,
        })?;
        self.backend("validate", Method::POST, "/validate", Some(&body))
            .await
    }

    /// Section 5 validate of a `token` (section 1 step 5).
    pub async fn validate(&self, token: &str) -> Result<ValidateResponse, Error> {
        self.validate_answer(token).await?.success("validate")
    }

    /// The whole sign-in after the device answered: verified, then validated once.
    pub async fn finish(&self, sign_in: &SignIn, wait: u32) -> Result<(), Error> {
        if !self.verified(sign_in, wait).await? {
            return Err(Error::Unexpected {
                what: "the sign-in was not verified",
            });
        }
        if !self.validate(&sign_in.token).await?.is_valid {
            return Err(Error::Unexpected {
                what: "the verified sign-in did not validate",
            });
        }
        Ok(())
    }

    /// Section 5 get action of `user_id`'s `signIn` with this idempotency key, the answer as
    /// it is.
    pub async fn action_answer(
        &self,
        user_id: &str,
        idempotency_key: &str,
    ) -> Result<Answer, Error> {
        self.backend(
            "action",
            Method::GET,
            &format!("/users/{user_id}/actions/signIn/{idempotency_key}"),
            None,
        )
        .await
    }

    /// Section 5 get action of `sign_in`, as JSON.
    pub async fn action(&self, sign_in: &SignIn) -> Result<Value, Error> {
        self.action_answer(&sign_in.user_id, &sign_in.idempotency_key)
            .await?
            .success("action")
    }

    /// Section 5 list the authenticators of `user_id`, as JSON.
    pub async fn authenticators(&self, user_id: &str) -> Result<Value, Error> {
        self.backend(
            "authenticators",
            Method::GET,
            &format!("/users/{user_id}/authenticators"),
            None,
        )
        .await?
        .success("authenticators")
    }
}
