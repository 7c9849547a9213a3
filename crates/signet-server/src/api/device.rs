//! Section 3: the device API. Every call but 3.1 uses tenant Basic auth; the device proves
//! itself with signatures by its key.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use signet_protocol::{
    AddCredentialRequest, AnswerChallengeRequest, AnswerChallengeResponse, CredentialResponse,
    DeclineReason, DevicePlatform, NonceResponse, PendingChallengeResponse, PublicKeyQuery,
    PushToken, RemoveCredentialRequest, RemoveCredentialResponse, UpdateCredentialRequest,
    UpdateCredentialResponse, UpdateNonceResponse, time_window_messages_around,
};
use tokio::sync::watch;

use super::{
    Woken, check_signature, iso, live_authenticator, public_key_from_body, public_key_from_query,
    random_text, signature, wait_for, wait_once,
};
use crate::Error;
use crate::app::AppState;
use crate::config::duration_ms;
use crate::extract::{ApiJson, ApiQuery, BearerToken, ClientAddress, TenantAuth};
use crate::notify::{Listening, Topic};
use crate::store::{Answer, Authenticator, NewAuthenticator, NewNonce, NoncePurpose, new_id};
use crate::token::{SCOPE_ADD_AUTHENTICATORS, TokenKind};
use crate::verifier;

/// A nonce's lifetime (protocol section 6): 5 minutes.
const NONCE_LIFETIME_MS: i64 = 5 * 60 * 1000;

/// The header carrying the signature over the nonce (3.4b).
const SIGNATURE_HEADER: &str = "x-authsignal-signature";

/// Longest accepted device name or push token.
const MAX_TEXT: usize = 1024;

/// Refuses a nonce (3.4a, 3.6a) to an address that asks for them faster than the limit.
fn throttle_nonces(state: &AppState, client: ClientAddress) -> Result<(), Error> {
    match client.0 {
        Some(address) if !state.nonce_throttle.allow(address) => Err(Error::RateLimited {
            reason: "too many nonces asked for from this address; slow down",
            retry_after: None,
        }),
        _ => Ok(()),
    }
}

fn credential_response(authenticator: &Authenticator) -> CredentialResponse {
    CredentialResponse {
        user_authenticator_id: authenticator.id.clone(),
        user_id: authenticator.user_id.clone(),
        verified_at: Some(iso(authenticator.verified_at)),
        last_verified_at: authenticator.last_verified_at.map(iso),
        expires_at: authenticator.expires_at.map(iso),
    }
}

/// The guard that marks `authenticator` as listening (for a signed long-poll), and its
/// subscription to new challenges.
fn long_poll(
    state: &AppState,
    authenticator: &Authenticator,
    signed: bool,
) -> (Option<Listening>, watch::Receiver<u64>) {
    let listening = signed.then(|| state.notifier.listen(&authenticator.id));
    let topic = state.notifier.subscribe(&Topic::User(
        authenticator.tenant_id.clone(),
        authenticator.user_id.clone(),
    ));
    (listening, topic)
}

/// `devicePlatform` from its wire text.
fn platform_from_text(text: &str) -> Result<DevicePlatform, Error> {
    serde_json::from_value::<DevicePlatform>(serde_json::Value::String(text.to_owned())).map_err(
        |_| {
            Error::invalid_request("`devicePlatform` must be ios, android, linux, macos or windows")
        },
    )
}

/// Refuses a `pushToken` that is not one of the forms of docs/protocol.md 8.6 for `platform`.
fn check_push_token(token: Option<&str>, platform: Option<DevicePlatform>) -> Result<(), Error> {
    match token {
        Some(text) => PushToken::parse(text, platform)
            .map(|_| ())
            .map_err(|error| Error::invalid_request(error.to_string())),
        None => Ok(()),
    }
}

fn bounded(field: &str, value: Option<&String>) -> Result<(), Error> {
    match value {
        Some(text) if text.len() > MAX_TEXT => Err(Error::invalid_request(format!(
            "`{field}` is longer than {MAX_TEXT} bytes"
        ))),
        _ => Ok(()),
    }
}

/// 3.1 `POST /client/user-authenticators/push`: enrolls a key for the token's user.
pub(crate) async fn add_credential(
    State(state): State<AppState>,
    token: BearerToken,
    ApiJson(body): ApiJson<AddCredentialRequest>,
) -> Result<Json<CredentialResponse>, Error> {
    // 1. A track token, with `add:authenticators` unless the user has no authenticator yet.
    if token.claims.kind != TokenKind::Track {
        return Err(Error::InvalidScope {
            needed: "a track token",
        });
    }
    //    (The scope rule is checked by the store, in the enrollment's transaction, so that a
    //    retry of the same token and key stays idempotent once the user is enrolled.)
    let now = state.now();
    // 2. A P-256 key, a known platform, bounded texts.
    let key = public_key_from_body(&body.public_key)?;
    let platform = body
        .device_platform
        .as_deref()
        .map(platform_from_text)
        .transpose()?;
    bounded("deviceName", body.device_name.as_ref())?;
    bounded("pushToken", body.push_token.as_ref())?;
    //    The push token in one of the forms of 8.6, for this platform.
    check_push_token(body.push_token.as_deref(), platform)?;
    // 3. Store it (idempotent for the same key and user; one key per token).
    let authenticator = state
        .store
        .add_authenticator(
            &token.tenant,
            NewAuthenticator {
                user_id: token.claims.sub.clone(),
                public_key: key.to_spki_base64(),
                device_name: body.device_name,
                device_platform: body.device_platform,
                push_token: body.push_token,
                token_id: token.claims.jti.clone(),
                token_expires_at: token.claims.exp_ms,
                scoped: token.claims.has_scope(SCOPE_ADD_AUTHENTICATORS),
            },
            now,
        )
        .await?;
    Ok(Json(credential_response(&authenticator)))
}

/// 3.2 `GET /client/user-authenticators/push?publicKey=Q(PK)`.
pub(crate) async fn credential(
    State(state): State<AppState>,
    TenantAuth(tenant): TenantAuth,
    ApiQuery(query): ApiQuery<PublicKeyQuery>,
) -> Result<Json<CredentialResponse>, Error> {
    let key = public_key_from_query(&query.public_key)?;
    let authenticator = live_authenticator(&state, &tenant, &key).await?;
    Ok(Json(credential_response(&authenticator)))
}

/// 3.3 `POST /client/user-authenticators/push/remove`: signed over the time window.
pub(crate) async fn remove_credential(
    State(state): State<AppState>,
    TenantAuth(tenant): TenantAuth,
    ApiJson(body): ApiJson<RemoveCredentialRequest>,
) -> Result<Json<RemoveCredentialResponse>, Error> {
    let key = public_key_from_body(&body.public_key)?;
    let signature = signature(&body.signature)?;
    let authenticator = state
        .store
        .authenticator_by_key(&tenant.id, &key.to_spki_base64())
        .await?
        .ok_or(Error::InvalidCredential)?;
    // 1. The signature must be over the previous, current or next window.
    let now_seconds = u64::try_from(state.now() / 1000).unwrap_or(0);
    let signed = time_window_messages_around(now_seconds)
        .iter()
        .any(|message| verifier::verify(&key, message.as_bytes(), &signature).is_ok());
    if !signed {
        return Err(Error::InvalidSignature {
            reason: "the signature is not over the current time window",
        });
    }
    // 2. Remove it.
    state
        .store
        .delete_authenticator(&tenant.id, None, &authenticator.id)
        .await?;
    Ok(Json(RemoveCredentialResponse {
        removed_authenticator_id: Some(authenticator.id),
    }))
}

/// 3.4a `POST .../push/challenge/sign?publicKey=Q(PK)`: a single-use nonce.
pub(crate) async fn challenge_nonce(
    State(state): State<AppState>,
    client: ClientAddress,
    TenantAuth(tenant): TenantAuth,
    ApiQuery(query): ApiQuery<PublicKeyQuery>,
) -> Result<Json<NonceResponse>, Error> {
    throttle_nonces(&state, client)?;
    let key = public_key_from_query(&query.public_key)?;
    let authenticator = live_authenticator(&state, &tenant, &key).await?;
    let now = state.now();
    let message = random_text(32);
    state
        .store
        .add_nonce(
            &NewNonce {
                authenticator_id: &authenticator.id,
                purpose: NoncePurpose::Challenge,
                message: &message,
                update_id: None,
                client_address: &client.as_text(),
                expires_at: now.saturating_add(NONCE_LIFETIME_MS),
                now,
            },
            &state.rate_limits,
        )
        .await?;
    Ok(Json(NonceResponse { message }))
}

/// 3.4b `GET .../push/challenge?publicKey=Q(PK)[&wait=s]`: the oldest pending challenge.
/// Signed with a nonce (header `X-Authsignal-Signature`) it includes `custom`; with `wait`
/// (8.2) it holds until a challenge is pending or the wait ends.
pub(crate) async fn pending_challenge(
    State(state): State<AppState>,
    client: ClientAddress,
    TenantAuth(tenant): TenantAuth,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<PublicKeyQuery>,
) -> Result<Json<PendingChallengeResponse>, Error> {
    // Only the signature header is kept: the request's header values share hyper's read
    // buffer (8 KiB or more), which would otherwise stay allocated for the whole long-poll.
    let signature_header = headers
        .get(SIGNATURE_HEADER)
        .map(|value| value.to_str().map(str::to_owned));
    drop(headers);
    let key = public_key_from_query(&query.public_key)?;
    let authenticator = live_authenticator(&state, &tenant, &key).await?;
    // 1. A signed request uses up one live nonce of this authenticator.
    let signed = match signature_header {
        None => false,
        Some(text) => {
            let text = text.map_err(|_| {
                Error::invalid_request("the X-Authsignal-Signature header is malformed")
            })?;
            let signature = signature(&text)?;
            let now = state.now();
            let nonces = state
                .store
                .live_nonces(
                    &authenticator.id,
                    NoncePurpose::Challenge,
                    &client.as_text(),
                    state.rate_limits.max_live_nonces_per_address.min(64),
                    now,
                )
                .await?;
            let nonce = nonces
                .iter()
                .find(|nonce| verifier::verify(&key, nonce.as_bytes(), &signature).is_ok())
                .ok_or(Error::InvalidSignature {
                    reason: "the signature is not over a live nonce this key was issued at this address",
                })?;
            if !state.store.consume_nonce(nonce, now).await? {
                return Err(Error::InvalidSignature {
                    reason: "the nonce has been used already",
                });
            }
            true
        }
    };
    // 2. Subscribe before reading, so a challenge created meanwhile wakes us (8.2); a signed
    //    long-poll also says the device listens (no wake-up needed meanwhile, 8.6): an
    //    unsigned one could be anyone who knows the public key.
    let wait = wait_for(&state, query.wait);
    let deadline = tokio::time::Instant::now() + wait.unwrap_or_default();
    let (_listening, mut topic) = wait
        .map(|_| long_poll(&state, &authenticator, signed))
        .unzip();
    loop {
        if let Some(challenge) = state
            .store
            .pending_challenge(&authenticator, state.now())
            .await?
        {
            let action = state
                .store
                .action(&challenge.tenant_id, &challenge.idempotency_key)
                .await?;
            let action = action.as_ref();
            return Ok(Json(PendingChallengeResponse {
                user_authenticator_id: authenticator.id,
                challenge_id: Some(challenge.id),
                user_id: Some(challenge.user_id),
                action_code: Some(challenge.action_code),
                idempotency_key: Some(challenge.idempotency_key),
                device_id: action.and_then(|a| a.device_id.clone()),
                user_agent: action.and_then(|a| a.user_agent.clone()),
                ip_address: action.and_then(|a| a.ip_address.clone()),
                expires_at: Some(challenge.expires_at.div_euclid(1000)),
                custom: if signed {
                    action.and_then(|a| a.custom.clone())
                } else {
                    None
                },
                user: None,
                verification_code_required: challenge.verification_code.as_ref().map(|_| true),
            }));
        }
        let Some(topic) = topic.as_mut() else {
            break;
        };
        match wait_once(&state, topic, deadline).await {
            Woken::Changed => {}
            Woken::TimedOut | Woken::ShuttingDown => break,
        }
    }
    Ok(Json(PendingChallengeResponse {
        user_authenticator_id: authenticator.id,
        challenge_id: None,
        user_id: None,
        action_code: None,
        idempotency_key: None,
        device_id: None,
        user_agent: None,
        ip_address: None,
        expires_at: None,
        custom: None,
        user: None,
        verification_code_required: None,
    }))
}

/// 3.5 `POST .../push/challenge`: approve or deny, signed over the `challengeId`.
///
/// `isVerified` is `true` when the answer was taken as given: an approval with the right
/// number (if any), or a denial. An approval with a wrong or missing number fails the
/// challenge and gives `false`.
pub(crate) async fn answer_challenge(
    State(state): State<AppState>,
    TenantAuth(tenant): TenantAuth,
    ApiJson(body): ApiJson<AnswerChallengeRequest>,
) -> Result<Json<AnswerChallengeResponse>, Error> {
    // 1. The key, then the signature over the challenge id.
    let key = public_key_from_body(&body.public_key)?;
    let signature = signature(&body.signature)?;
    let authenticator = live_authenticator(&state, &tenant, &key).await?;
    check_signature(&key, &body.challenge_id, &signature)?;
    // 2. Record it atomically (first answer wins), then wake the initiator's long-poll.
    let answered = state
        .store
        .answer_challenge(
            &Answer {
                challenge_id: &body.challenge_id,
                authenticator: &authenticator,
                approved: body.approved,
                verification_code: body.verification_code.as_deref(),
                decline_reason: body.decline_reason,
            },
            state.now(),
        )
        .await?;
    state
        .notifier
        .notify(&Topic::Challenge(answered.id.clone()));
    let taken_as_given = answered.approved == Some(body.approved);
    // 3. "It wasn't me" starts the user's cool-down (8.4): say how long it lasts.
    let cool_down = state.rate_limits.not_me_cooldown;
    let cool_down_seconds = (body.decline_reason == Some(DeclineReason::NotMe)
        && !body.approved
        && !cool_down.is_zero())
    .then_some(cool_down.as_secs());
    Ok(Json(AnswerChallengeResponse {
        is_verified: taken_as_given,
        cool_down_seconds,
    }))
}

/// 3.6a `POST .../push/sign?publicKey=Q(PK)`: a nonce for updating the credential.
pub(crate) async fn update_nonce(
    State(state): State<AppState>,
    client: ClientAddress,
    TenantAuth(tenant): TenantAuth,
    ApiQuery(query): ApiQuery<PublicKeyQuery>,
) -> Result<Json<UpdateNonceResponse>, Error> {
    throttle_nonces(&state, client)?;
    let key = public_key_from_query(&query.public_key)?;
    let authenticator = live_authenticator(&state, &tenant, &key).await?;
    let now = state.now();
    let challenge_id = new_id();
    let message = random_text(32);
    state
        .store
        .add_nonce(
            &NewNonce {
                authenticator_id: &authenticator.id,
                purpose: NoncePurpose::Update,
                message: &message,
                update_id: Some(&challenge_id),
                client_address: &client.as_text(),
                expires_at: now.saturating_add(NONCE_LIFETIME_MS),
                now,
            },
            &state.rate_limits,
        )
        .await?;
    Ok(Json(UpdateNonceResponse {
        challenge_id,
        message,
    }))
}

/// 3.6b `PATCH /client/user-authenticators/push`: new push token and/or lease renewal,
/// signed over the 3.6a message.
pub(crate) async fn update_credential(
    State(state): State<AppState>,
    TenantAuth(tenant): TenantAuth,
    ApiJson(body): ApiJson<UpdateCredentialRequest>,
) -> Result<Json<UpdateCredentialResponse>, Error> {
    // 1. A live credential (an expired one cannot be revived) and a well-formed signature.
    let key = public_key_from_body(&body.public_key)?;
    let signature = signature(&body.signature)?;
    bounded("pushToken", body.push_token.as_ref())?;
    let authenticator = live_authenticator(&state, &tenant, &key).await?;
    //    A new push token in one of the forms of 8.6, for the platform the device enrolled with.
    let platform = authenticator
        .device_platform
        .as_deref()
        .and_then(|text| platform_from_text(text).ok());
    check_push_token(body.push_token.as_deref(), platform)?;
    // 2. The 3.6a nonce of this authenticator, signed, used once.
    let now = state.now();
    let (owner, message) = state
        .store
        .update_nonce(&body.challenge_id, now)
        .await?
        .filter(|(owner, _)| *owner == authenticator.id)
        .ok_or(Error::ChallengeNotFound)?;
    debug_assert_eq!(owner, authenticator.id);
    check_signature(&key, &message, &signature)?;
    if !state.store.consume_nonce(&message, now).await? {
        return Err(Error::ChallengeAlreadyAnswered);
    }
    // 3. Apply.
    let renew_until = match (body.reset_expiry, tenant.settings.credential_lease) {
        (Some(true), Some(lease)) => Some(now.saturating_add(duration_ms(lease))),
        _ => None,
    };
    let updated = state
        .store
        .update_authenticator(
            &authenticator.id,
            body.push_token.as_deref(),
            renew_until,
            now,
        )
        .await?;
    Ok(Json(UpdateCredentialResponse {
        user_authenticator_id: updated.id,
        user_id: updated.user_id,
        last_verified_at: iso(updated.last_verified_at.unwrap_or(now)),
        push_token: updated.push_token,
        expires_at: updated.expires_at.map(iso),
    }))
}
