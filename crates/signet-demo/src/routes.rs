//! The backend routes under `/demo/api`: the page's configuration, enrollment links, the
//! user's devices, sign-in, payment and validation, each a call to the push server's API.
//! Sections named here are those of `docs/protocol.md`.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::HeaderMap;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::json;
use signet_protocol::{
    EnrollmentLink, TrackAttributes, TrackResponse, ValidateRequest, ValidateResponse,
};

use crate::input::{check_text, check_user_id, parse_body, user_agent};
use crate::push_server::Call;
use crate::refusal::Refusal;
use crate::{Demo, ENROLL_ACTION, PAYMENT_ACTION, SIGN_IN_ACTION};

/// The track token's lifetime (`docs/protocol.md` section 6).
const TRACK_TOKEN_LIFETIME: Duration = Duration::from_secs(600);
/// The longest amount, merchant and token the routes accept.
const MAX_AMOUNT: usize = 32;
const MAX_MERCHANT: usize = 64;
const MAX_TOKEN: usize = 4096;

/// Answer of `GET /api/config`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ConfigReply {
    tenant_id: String,
    base_url: String,
    issuer: String,
    challenge_lifetime_seconds: u64,
}

/// `GET /api/config`: what the page needs to start the SDK. The SDK calls the push server on
/// the page's own origin, at the path of the public base URL.
pub(crate) async fn config(State(demo): State<Arc<Demo>>) -> Json<ConfigReply> {
    let config = &demo.config;
    Json(ConfigReply {
        tenant_id: config.tenant_id.clone(),
        base_url: config
            .public_base_url
            .path()
            .trim_end_matches('/')
            .to_owned(),
        issuer: config.issuer.clone(),
        challenge_lifetime_seconds: config.challenge_lifetime.as_secs(),
    })
}

/// Body of `POST /api/enroll`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EnrollBody {
    user_id: String,
}

/// Answer of `POST /api/enroll`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EnrollReply {
    user_id: String,
    link: String,
    expires_at: u64,
    /// How many devices the user had when the link was made (the page watches for more).
    devices: usize,
}

/// `POST /api/enroll`: a fresh `add:authenticators` token, as the link of section 8.1.
pub(crate) async fn enroll(
    State(demo): State<Arc<Demo>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<EnrollReply>, Refusal> {
    let body: EnrollBody = parse_body(body)?;
    let user_id = check_user_id(&body.user_id)?;
    // 1. Track with scope add:authenticators: the token lets a device enroll for this user.
    let attributes = TrackAttributes {
        scope: Some("add:authenticators".to_owned()),
        user_agent: user_agent(&headers),
        ..TrackAttributes::default()
    };
    let tracked = demo.track(&user_id, ENROLL_ACTION, &attributes).await?;
    let devices = demo.device_count(&user_id).await?;
    // 2. The link carries the base URL as the device sees it, the tenant and the token.
    let link = EnrollmentLink {
        base_url: demo.config.public_base_url.clone(),
        tenant_id: demo.config.tenant_id.clone(),
        token: tracked.token,
        user: Some(user_id.clone()),
        issuer: Some(demo.config.issuer.clone()),
    };
    Ok(Json(EnrollReply {
        user_id,
        link: link.to_string(),
        expires_at: unix_now().saturating_add(TRACK_TOKEN_LIFETIME.as_secs()),
        devices,
    }))
}

/// Body of `POST /api/devices`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DevicesBody {
    user_id: String,
}

/// Answer of `POST /api/devices`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DevicesReply {
    user_id: String,
    devices: usize,
}

/// `POST /api/devices`: how many devices the user has enrolled (list authenticators of
/// section 5), so the page can tell when its enrollment link was used.
pub(crate) async fn devices(
    State(demo): State<Arc<Demo>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<DevicesReply>, Refusal> {
    let body: DevicesBody = parse_body(body)?;
    let user_id = check_user_id(&body.user_id)?;
    let devices = demo.device_count(&user_id).await?;
    Ok(Json(DevicesReply { user_id, devices }))
}

/// Body of `POST /api/sign-in`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SignInBody {
    user_id: String,
    #[serde(default)]
    number_matching: bool,
}

/// Body of `POST /api/payment`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PaymentBody {
    user_id: String,
    amount: String,
    merchant: String,
    #[serde(default)]
    number_matching: bool,
}

/// Answer of `POST /api/sign-in` and `POST /api/payment`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TrackReply {
    action: &'static str,
    is_enrolled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<String>,
    idempotency_key: String,
}

impl TrackReply {
    /// The reply for a tracked action; the token only goes to the page when it can be used.
    fn new(action: &'static str, tracked: TrackResponse) -> Self {
        Self {
            action,
            is_enrolled: tracked.is_enrolled,
            token: tracked.is_enrolled.then_some(tracked.token),
            idempotency_key: tracked.idempotency_key,
        }
    }
}

/// `POST /api/sign-in`: tracks `signIn` (section 1 step 1), with number matching if asked (8.3).
pub(crate) async fn sign_in(
    State(demo): State<Arc<Demo>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<TrackReply>, Refusal> {
    let body: SignInBody = parse_body(body)?;
    let user_id = check_user_id(&body.user_id)?;
    let attributes = TrackAttributes {
        user_agent: user_agent(&headers),
        custom: body
            .number_matching
            .then(|| json!({ "numberMatching": true })),
        ..TrackAttributes::default()
    };
    let tracked = demo.track(&user_id, SIGN_IN_ACTION, &attributes).await?;
    Ok(Json(TrackReply::new(SIGN_IN_ACTION, tracked)))
}

/// `POST /api/payment`: tracks `approvePayment` with the amount and merchant in `custom`, which
/// the device shows.
pub(crate) async fn payment(
    State(demo): State<Arc<Demo>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<TrackReply>, Refusal> {
    let body: PaymentBody = parse_body(body)?;
    let user_id = check_user_id(&body.user_id)?;
    let amount = check_text(&body.amount, "an amount for the payment", MAX_AMOUNT)?;
    let merchant = check_text(&body.merchant, "a merchant for the payment", MAX_MERCHANT)?;
    let mut custom = json!({ "amount": amount, "merchant": merchant });
    if body.number_matching {
        custom["numberMatching"] = json!(true);
    }
    let attributes = TrackAttributes {
        user_agent: user_agent(&headers),
        custom: Some(custom),
        ..TrackAttributes::default()
    };
    let tracked = demo.track(&user_id, PAYMENT_ACTION, &attributes).await?;
    Ok(Json(TrackReply::new(PAYMENT_ACTION, tracked)))
}

/// Body of `POST /api/validate`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ValidateBody {
    token: String,
    #[serde(default)]
    user_id: Option<String>,
    #[serde(default)]
    action: Option<String>,
}

/// `POST /api/validate`: the server's `validate` (section 1 step 5) for the page's token.
pub(crate) async fn validate(
    State(demo): State<Arc<Demo>>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ValidateResponse>, Refusal> {
    let body: ValidateBody = parse_body(body)?;
    let token = body.token.trim();
    if token.is_empty() || token.len() > MAX_TOKEN || token.chars().any(char::is_control) {
        return Err(Refusal::invalid(
            "The token to validate is missing or is not a token.",
        ));
    }
    let user_id = body.user_id.as_deref().map(check_user_id).transpose()?;
    let action = match body.action.as_deref() {
        None => None,
        Some(action @ (SIGN_IN_ACTION | PAYMENT_ACTION | ENROLL_ACTION)) => Some(action.to_owned()),
        Some(_) => {
            return Err(Refusal::invalid(format!(
                "The action must be {SIGN_IN_ACTION}, {PAYMENT_ACTION} or {ENROLL_ACTION}."
            )));
        }
    };
    let request = ValidateRequest {
        token: token.to_owned(),
        action,
        user_id,
    };
    let validated = demo
        .call(Method::POST, "validate", Call::Validate, Some(&request))
        .await?;
    Ok(Json(validated))
}

/// Seconds since the Unix epoch.
fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}
