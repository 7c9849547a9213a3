//! Section 4: the initiator API (Bearer track token).

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use rand::Rng as _;
use serde::Deserialize;
use signet_protocol::{StartPushChallengeRequest, StartPushChallengeResponse, VerifyPushResponse};

use super::{Woken, wait_for, wait_once};
use crate::Error;
use crate::app::AppState;
use crate::extract::{ApiJson, ApiQuery, BearerToken};
use crate::notify::Topic;
use crate::secrets::TokenKey;
use crate::store::{Action, new_id};
use crate::token::{self, Claims, TRACK_TOKEN_LIFETIME_MS, TokenKind};

/// The track token's action, which must exist for the token's user.
async fn token_action(state: &AppState, token: &BearerToken) -> Result<Action, Error> {
    if token.claims.kind != TokenKind::Track {
        return Err(Error::InvalidScope {
            needed: "a track token",
        });
    }
    state
        .store
        .action(&token.tenant.id, &token.claims.idk)
        .await?
        .filter(|action| action.user_id == token.claims.sub)
        .ok_or(Error::Unauthorized {
            reason: "the token's action does not exist",
        })
}

/// `POST /client/challenge/push`: a push challenge to the user's authenticators (or one).
pub(crate) async fn start_challenge(
    State(state): State<AppState>,
    token: BearerToken,
    ApiJson(body): ApiJson<StartPushChallengeRequest>,
) -> Result<Json<StartPushChallengeResponse>, Error> {
    // 1. The token's action (the body's `action` names it too; the token decides).
    let action = token_action(&state, &token).await?;
    let now = state.now();
    // 2. The live authenticators it goes to.
    let targets: Vec<_> = state
        .store
        .authenticators_of_user(&token.tenant.id, &action.user_id)
        .await?
        .into_iter()
        .filter(|authenticator| !authenticator.is_expired(now))
        .filter(|authenticator| {
            body.user_authenticator_id
                .as_ref()
                .is_none_or(|id| *id == authenticator.id)
        })
        .collect();
    if targets.is_empty() {
        return Err(Error::invalid_request(
            if body.user_authenticator_id.is_some() {
                "the user has no such push authenticator"
            } else {
                "the user has no push authenticator"
            },
        ));
    }
    // 3. Number matching (8.3): two digits for the initiator to show.
    let code = action
        .number_matching
        .then(|| format!("{:02}", rand::thread_rng().gen_range(0..100)));
    // 4. Create it (refused by the per-user limits), then wake the devices' long-polls.
    let challenge = state
        .store
        .create_challenge(
            &token.tenant,
            &action,
            body.user_authenticator_id.as_deref(),
            code.as_deref(),
            &state.rate_limits,
            now,
        )
        .await?;
    //    Who holds a long-poll open is read before the wake: those get it without a push.
    let listening: Vec<bool> = targets
        .iter()
        .map(|authenticator| state.notifier.is_listening(&authenticator.id))
        .collect();
    state.notifier.notify(&Topic::User(
        challenge.tenant_id.clone(),
        challenge.user_id.clone(),
    ));
    // 5. Wake-ups for the others (8.6); a failed delivery never fails the challenge.
    let delivery_results = state
        .delivery
        .deliver(&challenge, &targets, &listening)
        .await;
    Ok(Json(StartPushChallengeResponse {
        challenge_id: challenge.id,
        delivery_results: Some(delivery_results),
        verification_code: code,
    }))
}

/// Body of `verify/push`. `wait` (8.2) may come in the body or the query string.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct VerifyBody {
    challenge_id: String,
    #[serde(default)]
    wait: Option<u32>,
}

/// The optional query of `verify/push`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct WaitQuery {
    #[serde(default)]
    wait: Option<u32>,
}

/// `POST /client/verify/push`: the challenge's result; with `wait` (8.2) it holds until the
/// challenge is consumed or the wait ends.
pub(crate) async fn verify(
    State(state): State<AppState>,
    token: BearerToken,
    ApiQuery(query): ApiQuery<WaitQuery>,
    ApiJson(body): ApiJson<VerifyBody>,
) -> Result<Json<VerifyPushResponse>, Error> {
    let action = token_action(&state, &token).await?;
    let wait = wait_for(&state, body.wait.or(query.wait));
    let deadline = tokio::time::Instant::now() + wait.unwrap_or_default();
    // 1. Subscribe before reading, so an answer given meanwhile wakes us.
    let mut topic = wait.map(|_| {
        state
            .notifier
            .subscribe(&Topic::Challenge(body.challenge_id.clone()))
    });
    loop {
        let now = state.now();
        // 2. Only a challenge of the token's own action.
        let challenge = state
            .store
            .challenge(&token.tenant.id, &body.challenge_id)
            .await?
            .filter(|challenge| challenge.idempotency_key == action.idempotency_key)
            .ok_or(Error::ChallengeNotFound)?;
        if challenge.answered_at.is_some() {
            let approved = challenge.approved == Some(true);
            let access_token = if approved {
                Some(access_token(&token, &state.token_key, now)?)
            } else {
                None
            };
            return Ok(Json(VerifyPushResponse {
                is_verified: approved,
                is_consumed: true,
                access_token,
            }));
        }
        if challenge.expires_at <= now {
            return Ok(Json(VerifyPushResponse {
                is_verified: false,
                is_consumed: true,
                access_token: None,
            }));
        }
        let Some(topic) = topic.as_mut() else {
            break;
        };
        // 3. Wake at the change, the deadline, or the challenge's expiry.
        let until_expiry = Duration::from_millis(
            u64::try_from(challenge.expires_at.saturating_sub(now)).unwrap_or(0),
        );
        let wake = tokio::time::Instant::now()
            .checked_add(until_expiry)
            .map_or(deadline, |at| deadline.min(at));
        match wait_once(&state, topic, wake).await {
            Woken::Changed => {}
            Woken::TimedOut if wake < deadline => {}
            Woken::TimedOut | Woken::ShuttingDown => break,
        }
    }
    Ok(Json(VerifyPushResponse {
        is_verified: false,
        is_consumed: false,
        access_token: None,
    }))
}

/// The token the RP backend validates after an approval.
fn access_token(token: &BearerToken, key: &TokenKey, now: i64) -> Result<String, Error> {
    let exp_ms = now.saturating_add(TRACK_TOKEN_LIFETIME_MS);
    let claims = Claims {
        tid: token.claims.tid.clone(),
        sub: token.claims.sub.clone(),
        act: token.claims.act.clone(),
        idk: token.claims.idk.clone(),
        scope: String::new(),
        kind: TokenKind::Access,
        iat: now.div_euclid(1000),
        exp: exp_ms.div_euclid(1000),
        exp_ms,
        jti: new_id(),
    };
    token::issue(&claims, key)
}
