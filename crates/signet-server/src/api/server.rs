//! Section 5: the server API (secret-key Basic auth), for the RP backend.

use axum::Json;
use axum::extract::State;
use serde_json::Value;
use signet_protocol::{
    ActionResponse, ActionState, AuthenticatorSummary, TrackAttributes, TrackResponse,
    UpdateActionRequest, UpdateActionResponse, UserResponse, VERIFICATION_METHOD_PUSH,
    ValidateRequest, ValidateResponse,
};

use super::iso;
use crate::Error;
use crate::app::AppState;
use crate::extract::{ApiJson, ApiJsonOrDefault, ApiPath, SecretAuth};
use crate::store::{Action, NewAction, OpenActionsCap, new_id};
use crate::token::{self, Claims, TRACK_TOKEN_LIFETIME_MS, TokenKind};

/// Longest accepted user id, action code or idempotency key.
const MAX_ID: usize = 256;

fn check_id(what: &str, value: &str) -> Result<(), Error> {
    if value.is_empty() || value.len() > MAX_ID {
        return Err(Error::invalid_request(format!(
            "`{what}` must have 1 to {MAX_ID} bytes"
        )));
    }
    Ok(())
}

fn methods(enrolled: bool) -> Vec<String> {
    if enrolled {
        vec![VERIFICATION_METHOD_PUSH.to_owned()]
    } else {
        Vec::new()
    }
}

/// `POST /users/{userId}/actions/{action}` (track): an action and its track token.
pub(crate) async fn track(
    State(state): State<AppState>,
    SecretAuth(tenant): SecretAuth,
    ApiPath((user_id, action_code)): ApiPath<(String, String)>,
    ApiJsonOrDefault(attributes): ApiJsonOrDefault<TrackAttributes>,
) -> Result<Json<TrackResponse>, Error> {
    check_id("userId", &user_id)?;
    check_id("action", &action_code)?;
    let idempotency_key = attributes.idempotency_key.clone().unwrap_or_else(new_id);
    check_id("idempotencyKey", &idempotency_key)?;
    let now = state.now();
    // 1. Number matching when the tenant or the call (custom.numberMatching) asks for it.
    let number_matching = tenant.settings.number_matching
        || attributes
            .custom
            .as_ref()
            .and_then(|custom| custom.get("numberMatching"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
    // 2. The action (or the existing one with this idempotency key).
    let action = state
        .store
        .track(
            &tenant.id,
            NewAction {
                idempotency_key,
                user_id,
                action_code,
                ip_address: attributes.ip_address,
                user_agent: attributes.user_agent,
                device_id: attributes.device_id,
                custom: attributes.custom,
                number_matching,
                open_cap: (state.rate_limits.max_open_actions != u32::MAX).then(|| {
                    OpenActionsCap {
                        max: state.rate_limits.max_open_actions,
                        since: now.saturating_sub(TRACK_TOKEN_LIFETIME_MS),
                    }
                }),
            },
            now,
        )
        .await?;
    // 2b. The Signet extension: the user's open challenges give way to this sign-in's.
    if attributes.supersede_open_challenges == Some(true) {
        state
            .store
            .expire_open_challenges(&tenant.id, &action.user_id, now)
            .await?;
    }
    // 3. Its token: 10 minutes, with the requested scope.
    let exp_ms = now.saturating_add(TRACK_TOKEN_LIFETIME_MS);
    let claims = Claims {
        tid: tenant.id.clone(),
        sub: action.user_id.clone(),
        act: action.action_code.clone(),
        idk: action.idempotency_key.clone(),
        scope: attributes.scope.unwrap_or_default(),
        kind: TokenKind::Track,
        iat: now.div_euclid(1000),
        exp: exp_ms.div_euclid(1000),
        exp_ms,
        jti: new_id(),
    };
    let token = token::issue(&claims, &state.token_key)?;
    let enrolled = state
        .store
        .is_enrolled(&tenant.id, &action.user_id, now)
        .await?;
    Ok(Json(TrackResponse {
        idempotency_key: action.idempotency_key,
        state: action.state,
        token,
        is_enrolled: enrolled,
        url: None,
        enrolled_verification_methods: Some(methods(enrolled)),
    }))
}

/// The action at this path, if it belongs to this user and action code.
async fn path_action(
    state: &AppState,
    tenant_id: &str,
    user_id: &str,
    action_code: &str,
    idempotency_key: &str,
) -> Result<Action, Error> {
    state
        .store
        .action(tenant_id, idempotency_key)
        .await?
        .filter(|action| action.user_id == user_id && action.action_code == action_code)
        .ok_or(Error::NotFound { what: "action" })
}

/// `GET /users/{userId}/actions/{action}/{idempotencyKey}`.
pub(crate) async fn action(
    State(state): State<AppState>,
    SecretAuth(tenant): SecretAuth,
    ApiPath((user_id, action_code, key)): ApiPath<(String, String, String)>,
) -> Result<Json<ActionResponse>, Error> {
    let action = path_action(&state, &tenant.id, &user_id, &action_code, &key).await?;
    Ok(Json(ActionResponse {
        state: action.state,
        state_updated_at: iso(action.state_updated_at),
        created_at: iso(action.created_at),
        verification_method: action.verification_method,
        output: action.output,
    }))
}

/// `PATCH /users/{userId}/actions/{action}/{idempotencyKey}`: overrides the state.
pub(crate) async fn update_action(
    State(state): State<AppState>,
    SecretAuth(tenant): SecretAuth,
    ApiPath((user_id, action_code, key)): ApiPath<(String, String, String)>,
    ApiJson(body): ApiJson<UpdateActionRequest>,
) -> Result<Json<UpdateActionResponse>, Error> {
    path_action(&state, &tenant.id, &user_id, &action_code, &key).await?;
    state
        .store
        .set_action_state(&tenant.id, &key, body.state, state.now())
        .await?;
    Ok(Json(UpdateActionResponse { state: body.state }))
}

/// `POST /validate`: `isValid` once, for a token of an action in `CHALLENGE_SUCCEEDED`.
pub(crate) async fn validate(
    State(state): State<AppState>,
    SecretAuth(tenant): SecretAuth,
    ApiJson(body): ApiJson<ValidateRequest>,
) -> Result<Json<ValidateResponse>, Error> {
    // 1. A token of this tenant, signed and unexpired.
    let (issuer, claims) = state.check_token(&body.token).await?;
    if issuer.id != tenant.id {
        return Err(Error::Unauthorized {
            reason: "the token was issued to another tenant",
        });
    }
    let action = state
        .store
        .action(&tenant.id, &claims.idk)
        .await?
        .ok_or(Error::Unauthorized {
            reason: "the token's action does not exist",
        })?;
    // 2. It must be for the user and action asked about, if asked.
    let matches = body.user_id.as_ref().is_none_or(|u| *u == action.user_id)
        && body
            .action
            .as_ref()
            .is_none_or(|a| *a == action.action_code);
    // 3. Valid at most once: the first call marks the action validated.
    let is_valid = matches
        && action.state == ActionState::ChallengeSucceeded
        && state
            .store
            .validate_once(&tenant.id, &action.idempotency_key, state.now())
            .await?;
    Ok(Json(ValidateResponse {
        is_valid,
        state: Some(action.state),
        state_updated_at: Some(iso(action.state_updated_at)),
        user_id: Some(action.user_id),
        action_code: Some(action.action_code),
        idempotency_key: Some(action.idempotency_key),
        verification_method: action.verification_method,
    }))
}

/// `GET /users/{userId}`.
pub(crate) async fn user(
    State(state): State<AppState>,
    SecretAuth(tenant): SecretAuth,
    ApiPath(user_id): ApiPath<String>,
) -> Result<Json<UserResponse>, Error> {
    let enrolled = state
        .store
        .is_enrolled(&tenant.id, &user_id, state.now())
        .await?;
    Ok(Json(UserResponse {
        is_enrolled: enrolled,
        enrolled_verification_methods: Some(methods(enrolled)),
    }))
}

/// `GET /users/{userId}/authenticators`.
pub(crate) async fn authenticators(
    State(state): State<AppState>,
    SecretAuth(tenant): SecretAuth,
    ApiPath(user_id): ApiPath<String>,
) -> Result<Json<Vec<AuthenticatorSummary>>, Error> {
    let now = state.now();
    let list = state
        .store
        .authenticators_of_user(&tenant.id, &user_id)
        .await?
        .into_iter()
        .filter(|authenticator| !authenticator.is_expired(now))
        .map(|authenticator| AuthenticatorSummary {
            user_authenticator_id: authenticator.id,
            verification_method: VERIFICATION_METHOD_PUSH.to_owned(),
            created_at: iso(authenticator.created_at),
            verified_at: Some(iso(authenticator.verified_at)),
            last_verified_at: authenticator.last_verified_at.map(iso),
        })
        .collect();
    Ok(Json(list))
}

/// `DELETE /users/{userId}/authenticators/{userAuthenticatorId}`.
pub(crate) async fn delete_authenticator(
    State(state): State<AppState>,
    SecretAuth(tenant): SecretAuth,
    ApiPath((user_id, authenticator_id)): ApiPath<(String, String)>,
) -> Result<Json<Value>, Error> {
    if !state
        .store
        .delete_authenticator(&tenant.id, Some(&user_id), &authenticator_id)
        .await?
    {
        return Err(Error::NotFound {
            what: "authenticator",
        });
    }
    Ok(Json(
        serde_json::json!({ "removedAuthenticatorId": authenticator_id }),
    ))
}
