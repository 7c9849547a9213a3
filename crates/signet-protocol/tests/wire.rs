//! Wire types: JSON as Authsignal's SDKs send and receive it -> struct -> the same JSON;
//! optional fields absent or null; unknown fields ignored.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use signet_protocol::{
    ActionResponse, ActionState, AddCredentialRequest, AnswerChallengeRequest,
    AnswerChallengeResponse, AuthenticatorSummary, CredentialResponse, DeclineReason,
    DevicePlatform, ErrorBody, ErrorCode, NonceResponse, PendingChallengeResponse, PublicKeyQuery,
    RemoveCredentialRequest, RemoveCredentialResponse, StartPushChallengeRequest,
    StartPushChallengeResponse, TrackAttributes, TrackResponse, UpdateActionRequest,
    UpdateActionResponse, UpdateCredentialRequest, UpdateCredentialResponse, UpdateNonceResponse,
    UserResponse, ValidateRequest, ValidateResponse, VerifyPushRequest, VerifyPushResponse,
    WebhookEvent,
};

const PK: &str = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEaxfR8uEsQkf4vOblY6RA8ncDfYEt6zOg9KE5RdiYwpZP40Li/hp/m47n60p8D54WK84zV2sxXs7LtkBoN79R9Q==";
const SIG: &str = "MEUCIE7jPO7Oh0ZhmGPKwM3d1ynZWVmeEEwqPypSFxFUZGIbAiEA+fgCBfRFO18P3b99RKe3vPpVI8ZZtnx2T3qaVeTNdy4=";

/// Reads `sample` as `T` and writes it back: the JSON must be the same.
fn round_trip<T: Serialize + DeserializeOwned>(sample: &Value) -> T {
    let parsed: T = serde_json::from_value(sample.clone()).expect("the sample parses");
    assert_eq!(
        &serde_json::to_value(&parsed).expect("it serializes"),
        sample
    );
    parsed
}

/// Adds an unknown field to a JSON object.
fn with_unknown_field(sample: &Value) -> Value {
    let mut sample = sample.clone();
    sample
        .as_object_mut()
        .expect("an object")
        .insert("someFutureField".into(), json!({"nested": [1, 2]}));
    sample
}

/// Round-trips `full`, then checks that an unknown field is ignored.
fn check<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(full: &Value) -> T {
    let parsed: T = round_trip(full);
    let with_extra: T =
        serde_json::from_value(with_unknown_field(full)).expect("unknown fields are ignored");
    assert_eq!(with_extra, parsed);
    parsed
}

#[test]
fn add_credential_request_round_trips_as_the_ios_sdk_sends_it() {
    let request: AddCredentialRequest = check(&json!({
        "publicKey": PK,
        "deviceName": "Alice's iPhone",
        "devicePlatform": "ios",
        "pushToken": "apns-token"
    }));
    assert_eq!(
        request.device_platform.as_deref(),
        Some(DevicePlatform::Ios.as_str())
    );
    let minimal: AddCredentialRequest = check(&json!({"publicKey": PK}));
    assert_eq!(minimal.push_token, None);
}

#[test]
fn credential_response_round_trips_with_and_without_optional_times() {
    check::<CredentialResponse>(&json!({
        "userAuthenticatorId": "c5c3b1f0-0000-4000-8000-000000000001",
        "userId": "alice",
        "verifiedAt": "2026-11-28T10:00:00.000Z",
        "lastVerifiedAt": "2026-11-28T10:05:00.000Z",
        "expiresAt": "2027-11-28T10:00:00.000Z"
    }));
    let minimal: CredentialResponse =
        check(&json!({"userAuthenticatorId": "a", "userId": "alice"}));
    assert_eq!(minimal.verified_at, None);
}

#[test]
fn optional_fields_read_the_same_absent_or_null_and_are_omitted_when_none() {
    let absent: CredentialResponse =
        serde_json::from_value(json!({"userAuthenticatorId": "a", "userId": "u"})).unwrap();
    let null: CredentialResponse = serde_json::from_value(json!({
        "userAuthenticatorId": "a", "userId": "u",
        "verifiedAt": null, "lastVerifiedAt": null, "expiresAt": null
    }))
    .unwrap();
    assert_eq!(absent, null);
    assert_eq!(
        serde_json::to_value(&null).unwrap(),
        json!({"userAuthenticatorId": "a", "userId": "u"})
    );
}

#[test]
fn a_missing_required_field_is_an_error() {
    assert!(serde_json::from_value::<CredentialResponse>(json!({"userId": "u"})).is_err());
    assert!(
        serde_json::from_value::<AnswerChallengeRequest>(json!({
            "challengeId": "c", "publicKey": PK, "signature": SIG
        }))
        .is_err()
    );
}

#[test]
fn remove_credential_round_trips() {
    check::<RemoveCredentialRequest>(&json!({"publicKey": PK, "signature": SIG}));
    check::<RemoveCredentialResponse>(&json!({"removedAuthenticatorId": "a"}));
}

#[test]
fn nonce_responses_round_trip() {
    check::<NonceResponse>(&json!({"message": "nonce-ZmFrZS1ub25jZQ"}));
    check::<UpdateNonceResponse>(&json!({"challengeId": "c", "message": "m"}));
}

#[test]
fn a_pending_challenge_round_trips_with_every_field() {
    let challenge: PendingChallengeResponse = check(&json!({
        "userAuthenticatorId": "a",
        "challengeId": "4f1c9a3e-7b7e-4a55-9d8e-2f3b6c1d0a99",
        "userId": "alice",
        "actionCode": "signIn",
        "idempotencyKey": "k",
        "deviceId": "d",
        "userAgent": "Mozilla/5.0",
        "ipAddress": "203.0.113.7",
        "expiresAt": 1_795_878_120,
        "custom": {"amount": 12},
        "user": {"custom": {"plan": "pro"}},
        "verificationCodeRequired": true
    }));
    assert_eq!(challenge.expires_at, Some(1_795_878_120));
    assert_eq!(challenge.user.unwrap().custom, Some(json!({"plan": "pro"})));
}

#[test]
fn no_pending_challenge_reads_with_challenge_id_absent_or_null() {
    let absent: PendingChallengeResponse = check(&json!({"userAuthenticatorId": "a"}));
    let null: PendingChallengeResponse =
        serde_json::from_value(json!({"userAuthenticatorId": "a", "challengeId": null})).unwrap();
    assert_eq!(absent.challenge_id, None);
    assert_eq!(absent, null);
}

#[test]
fn answer_challenge_round_trips_with_decline_reason_and_code() {
    let deny: AnswerChallengeRequest = check(&json!({
        "challengeId": "c",
        "publicKey": PK,
        "approved": false,
        "signature": SIG,
        "verificationCode": "42",
        "declineReason": "notMe"
    }));
    assert_eq!(deny.decline_reason, Some(DeclineReason::NotMe));
    let approve: AnswerChallengeRequest = check(&json!({
        "challengeId": "c", "publicKey": PK, "approved": true, "signature": SIG
    }));
    assert!(approve.approved);
    check::<AnswerChallengeResponse>(&json!({"isVerified": true}));
}

#[test]
fn decline_reasons_and_platforms_use_their_wire_names() {
    assert_eq!(
        serde_json::to_value(DeclineReason::Mistake).unwrap(),
        json!("mistake")
    );
    for platform in [
        DevicePlatform::Ios,
        DevicePlatform::Android,
        DevicePlatform::Linux,
        DevicePlatform::Macos,
        DevicePlatform::Windows,
    ] {
        assert_eq!(
            serde_json::to_value(platform).unwrap(),
            json!(platform.as_str())
        );
    }
    assert!(serde_json::from_value::<DeclineReason>(json!("NOT_ME")).is_err());
}

#[test]
fn update_credential_round_trips() {
    check::<UpdateCredentialRequest>(&json!({
        "challengeId": "c", "publicKey": PK, "signature": SIG,
        "pushToken": "fcm-token", "resetExpiry": true
    }));
    check::<UpdateCredentialResponse>(&json!({
        "userAuthenticatorId": "a", "userId": "u",
        "lastVerifiedAt": "2026-11-28T10:05:00.000Z",
        "pushToken": "fcm-token", "expiresAt": "2027-01-01T00:00:00.000Z"
    }));
}

#[test]
fn the_public_key_query_reads_wait_for_long_poll() {
    let query: PublicKeyQuery =
        serde_json::from_value(json!({"publicKey": "TUZr", "wait": 30})).unwrap();
    assert_eq!(query.wait, Some(30));
}

#[test]
fn initiator_calls_round_trip_as_the_browser_sdk_uses_them() {
    check::<StartPushChallengeRequest>(&json!({"action": "signIn"}));
    check::<StartPushChallengeRequest>(&json!({"action": "signIn", "userAuthenticatorId": "a"}));
    let started: StartPushChallengeResponse = check(&json!({
        "challengeId": "c",
        "deliveryResults": [{"userAuthenticatorId": "a"}, {"userAuthenticatorId": "b", "errorCode": "unregistered"}],
        "verificationCode": "07"
    }));
    assert_eq!(
        started.delivery_results.unwrap()[1].error_code.as_deref(),
        Some("unregistered")
    );
    check::<VerifyPushRequest>(&json!({"challengeId": "c"}));
    check::<VerifyPushResponse>(&json!({"isVerified": false, "isConsumed": false}));
    check::<VerifyPushResponse>(
        &json!({"isVerified": true, "isConsumed": true, "accessToken": "jwt"}),
    );
}

#[test]
fn track_round_trips_as_the_node_sdk_uses_it() {
    let attributes: TrackAttributes = serde_json::from_value(json!({
        "scope": "add:authenticators",
        "ipAddress": "203.0.113.7",
        "userAgent": "Mozilla/5.0",
        "deviceId": "d",
        "idempotencyKey": "k",
        "redirectUrl": "https://example.com/back",
        "custom": {"numberMatching": true},
        "email": "alice@example.com",
        "locale": "en"
    }))
    .unwrap();
    assert_eq!(attributes.scope.as_deref(), Some("add:authenticators"));
    assert_eq!(attributes.custom, Some(json!({"numberMatching": true})));
    let empty: TrackAttributes = check(&json!({}));
    assert_eq!(empty, TrackAttributes::default());
    let track: TrackResponse = check(&json!({
        "idempotencyKey": "k",
        "state": "CHALLENGE_REQUIRED",
        "token": "eyJhbGciOiJIUzI1NiJ9.e30.sig",
        "isEnrolled": false,
        "url": "https://example.com/hosted",
        "enrolledVerificationMethods": ["PUSH"]
    }));
    assert_eq!(track.state, ActionState::ChallengeRequired);
}

#[test]
fn action_calls_round_trip() {
    check::<ActionResponse>(&json!({
        "state": "CHALLENGE_FAILED",
        "stateUpdatedAt": "2026-11-28T10:05:00.000Z",
        "createdAt": "2026-11-28T10:00:00.000Z",
        "verificationMethod": "PUSH",
        "output": {"declineReason": "notMe"}
    }));
    check::<UpdateActionRequest>(&json!({"state": "REVIEW_SUCCEEDED"}));
    check::<UpdateActionResponse>(&json!({"state": "ALLOW"}));
}

#[test]
fn validate_round_trips() {
    check::<ValidateRequest>(&json!({"token": "jwt", "action": "signIn", "userId": "alice"}));
    check::<ValidateRequest>(&json!({"token": "jwt"}));
    let valid: ValidateResponse = check(&json!({
        "isValid": true,
        "state": "CHALLENGE_SUCCEEDED",
        "stateUpdatedAt": "2026-11-28T10:05:00.000Z",
        "userId": "alice",
        "actionCode": "signIn",
        "idempotencyKey": "k",
        "verificationMethod": "PUSH"
    }));
    assert_eq!(valid.state, Some(ActionState::ChallengeSucceeded));
    check::<ValidateResponse>(&json!({"isValid": false}));
}

#[test]
fn users_and_authenticators_round_trip() {
    check::<UserResponse>(&json!({"isEnrolled": true, "enrolledVerificationMethods": ["PUSH"]}));
    let list: Vec<AuthenticatorSummary> = round_trip(&json!([{
        "userAuthenticatorId": "a",
        "verificationMethod": "PUSH",
        "createdAt": "2026-11-28T10:00:00.000Z",
        "verifiedAt": "2026-11-28T10:00:00.000Z",
        "lastVerifiedAt": "2026-11-28T10:05:00.000Z"
    }]));
    assert_eq!(list.len(), 1);
}

#[test]
fn every_action_state_uses_its_screaming_snake_case_name() {
    for state in [
        ActionState::Allow,
        ActionState::Block,
        ActionState::ChallengeRequired,
        ActionState::ChallengeSucceeded,
        ActionState::ChallengeFailed,
        ActionState::ReviewRequired,
        ActionState::ReviewSucceeded,
        ActionState::ReviewFailed,
    ] {
        assert_eq!(serde_json::to_value(state).unwrap(), json!(state.as_str()));
        assert_eq!(state.to_string(), state.as_str());
    }
    assert!(serde_json::from_value::<ActionState>(json!("challenge_required")).is_err());
}

#[test]
fn an_error_body_carries_its_code_in_error_and_error_code() {
    let body = ErrorBody::new(
        ErrorCode::InvalidSignature,
        "The signature does not verify.",
    );
    assert_eq!(
        serde_json::to_value(&body).unwrap(),
        json!({
            "error": "invalid_signature",
            "errorCode": "invalid_signature",
            "errorDescription": "The signature does not verify."
        })
    );
    assert_eq!(body.code(), Some(ErrorCode::InvalidSignature));
}

#[test]
fn an_unknown_error_code_survives_a_round_trip() {
    let body: ErrorBody = check(&json!({"error": "x", "errorCode": "brand_new_code"}));
    assert_eq!(body.code(), None);
    let bare: ErrorBody = check(&json!({"error": "expired_token"}));
    assert_eq!(bare.code(), Some(ErrorCode::ExpiredToken));
}

#[test]
fn every_error_code_parses_from_its_wire_text() {
    assert_eq!(ErrorCode::from_wire("Unauthorized"), None);
    for code in ErrorCode::ALL {
        assert_eq!(ErrorCode::from_wire(code.as_str()), Some(code));
        assert_eq!(serde_json::to_value(code).unwrap(), json!(code.as_str()));
    }
}

#[test]
fn the_push_created_webhook_round_trips() {
    let event: WebhookEvent = check(&json!({
        "version": 1,
        "id": "e",
        "source": "https://push.example.com",
        "time": "2026-11-28T10:00:00.000Z",
        "tenantId": "t",
        "type": "push.created",
        "data": {"challengeId": "c", "userId": "alice", "idempotencyKey": "k", "actionCode": "signIn"}
    }));
    assert_eq!(event.event_type, signet_protocol::PUSH_CREATED);
}

#[test]
fn debug_output_never_shows_tokens() {
    let secret = "SECRET-TOKEN-VALUE";
    let debugs = [
        format!(
            "{:?}",
            serde_json::from_value::<TrackResponse>(json!({
                "idempotencyKey": "k", "state": "ALLOW", "token": secret, "isEnrolled": true
            }))
            .unwrap()
        ),
        format!(
            "{:?}",
            serde_json::from_value::<ValidateRequest>(json!({"token": secret})).unwrap()
        ),
        format!(
            "{:?}",
            serde_json::from_value::<VerifyPushResponse>(json!({
                "isVerified": true, "isConsumed": true, "accessToken": secret
            }))
            .unwrap()
        ),
        format!(
            "{:?}",
            serde_json::from_value::<AddCredentialRequest>(json!({
                "publicKey": PK, "pushToken": secret
            }))
            .unwrap()
        ),
        format!(
            "{:?}",
            serde_json::from_value::<UpdateCredentialRequest>(json!({
                "challengeId": "c", "publicKey": PK, "signature": SIG, "pushToken": secret
            }))
            .unwrap()
        ),
        format!("{:?}", serde_json::from_value::<UpdateCredentialResponse>(json!({
            "userAuthenticatorId": "a", "userId": "u", "lastVerifiedAt": "t", "pushToken": secret
        })).unwrap()),
    ];
    for debug in debugs {
        assert!(!debug.contains(secret), "{debug}");
        assert!(debug.contains("<redacted>"), "{debug}");
    }
}
