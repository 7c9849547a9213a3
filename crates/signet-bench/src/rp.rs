//! A relying party over the server's HTTP API: its backend (secret-key Basic auth, protocol
//! section 5) and its page (the track token, section 4).

use std::time::Duration;

use reqwest::RequestBuilder;
use serde::Serialize;
use serde::de::DeserializeOwned;
use signet_core::EnrollmentLink;
use signet_protocol::{
    StartPushChallengeRequest, StartPushChallengeResponse, TrackAttributes, TrackResponse,
    ValidateRequest, ValidateResponse, VerifyPushRequest, VerifyPushResponse,
};

use crate::Error;

/// The relying party of one tenant.
#[derive(Clone)]
pub struct Rp {
    http: reqwest::Client,
    base: String,
    tenant_id: String,
    backend_auth: String,
}

impl std::fmt::Debug for Rp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rp")
            .field("base", &self.base)
            .field("tenant_id", &self.tenant_id)
            .finish_non_exhaustive()
    }
}

/// A sign-in started by the relying party (section 1, steps 1 and 2).
#[derive(Debug, Clone)]
pub struct SignIn {
    /// The track token (the page's Bearer token).
    pub token: String,
    /// The push challenge.
    pub challenge_id: String,
}

impl Rp {
    /// A relying party of the server at `base` (ending in `/v1`).
    pub fn new(base: &str, tenant_id: &str, secret_key: &str) -> Result<Self, Error> {
        use base64::Engine as _;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(90))
            .build()
            .map_err(|source| Error::Http {
                call: "client",
                source,
            })?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            tenant_id: tenant_id.to_owned(),
            backend_auth: format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{secret_key}:"))
            ),
        })
    }

    async fn send<T: DeserializeOwned>(
        call: &'static str,
        request: RequestBuilder,
    ) -> Result<T, Error> {
        let response = request
            .send()
            .await
            .map_err(|source| Error::Http { call, source })?;
        let status = response.status();
        if !status.is_success() {
            return Err(Error::Refused {
                call,
                status: status.as_u16(),
            });
        }
        response
            .json()
            .await
            .map_err(|source| Error::Http { call, source })
    }

    fn backend_post(&self, path: &str, body: &impl Serialize) -> RequestBuilder {
        self.http
            .post(format!("{}{path}", self.base))
            .header("Authorization", &self.backend_auth)
            .json(body)
    }

    /// Section 5 track.
    pub async fn track(
        &self,
        user_id: &str,
        action: &str,
        attributes: &TrackAttributes,
    ) -> Result<TrackResponse, Error> {
        Self::send(
            "track",
            self.backend_post(&format!("/users/{user_id}/actions/{action}"), attributes),
        )
        .await
    }

    /// The track token of an enrollment (`add:authenticators`) for `user_id`.
    pub async fn enrollment_token(&self, user_id: &str) -> Result<String, Error> {
        let attributes = TrackAttributes {
            scope: Some("add:authenticators".to_owned()),
            ..TrackAttributes::default()
        };
        Ok(self.track(user_id, "enroll", &attributes).await?.token)
    }

    /// An enrollment link (protocol 8.1) for `user_id`.
    pub async fn enrollment_link(&self, user_id: &str) -> Result<EnrollmentLink, Error> {
        let token = self.enrollment_token(user_id).await?;
        Ok(EnrollmentLink {
            base_url: self.base.parse().map_err(|_| Error::Unexpected {
                what: "the server's base URL does not parse",
            })?,
            tenant_id: self.tenant_id.clone(),
            token,
            user: Some(format!("{user_id}@example.com")),
            issuer: Some("Bench".to_owned()),
        })
    }

    /// Section 4 start a push challenge with the page's token.
    pub async fn start_challenge(&self, token: &str) -> Result<StartPushChallengeResponse, Error> {
        let body = StartPushChallengeRequest {
            action: "signIn".to_owned(),
            user_authenticator_id: None,
        };
        Self::send(
            "challenge/push",
            self.http
                .post(format!("{}/client/challenge/push", self.base))
                .bearer_auth(token)
                .json(&body),
        )
        .await
    }

    /// Track a sign-in, then start its push challenge (section 1, steps 1 and 2).
    pub async fn sign_in(&self, user_id: &str) -> Result<SignIn, Error> {
        let tracked = self
            .track(user_id, "signIn", &TrackAttributes::default())
            .await?;
        let started = self.start_challenge(&tracked.token).await?;
        Ok(SignIn {
            token: tracked.token,
            challenge_id: started.challenge_id,
        })
    }

    /// Section 4 verify; with `wait` (8.2) the server holds it until the challenge is
    /// consumed.
    pub async fn verify(
        &self,
        sign_in: &SignIn,
        wait: Option<u32>,
    ) -> Result<VerifyPushResponse, Error> {
        let body = VerifyPushRequest {
            challenge_id: sign_in.challenge_id.clone(),
        };
        let query = wait.map_or_else(String::new, |wait| format!("?wait={wait}"));
        Self::send(
            "verify/push",
            self.http
                .post(format!("{}/client/verify/push{query}", self.base))
                .bearer_auth(&sign_in.token)
                .json(&body),
        )
        .await
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

    /// Section 5 validate (section 1 step 5).
    pub async fn validate(&self, token: &str) -> Result<ValidateResponse, Error> {
        let body = ValidateRequest {
            token: token.to_owned(),
            action: None,
            user_id: None,
        };
        Self::send("validate", self.backend_post("/validate", &body)).await
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
}
