//! Property tests of the wire types (sections 3, 4, 5, 7): JSON round trips with any texts,
//! `null` read as absent, and arbitrary JSON never panics a decoder.

use proptest::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use signet_protocol::{
    ActionState, AddCredentialRequest, AnswerChallengeRequest, AnswerChallengeResponse,
    CredentialResponse, DeclineReason, ErrorBody, ErrorCode, PendingChallengeResponse,
    StartPushChallengeRequest, StartPushChallengeResponse, TrackResponse, UpdateCredentialRequest,
    ValidateRequest, ValidateResponse, VerifyPushResponse,
};

fn text() -> impl Strategy<Value = String> {
    any::<String>()
}

fn maybe() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(any::<String>())
}

fn state() -> impl Strategy<Value = ActionState> {
    prop_oneof![
        Just(ActionState::Allow),
        Just(ActionState::Block),
        Just(ActionState::ChallengeRequired),
        Just(ActionState::ChallengeSucceeded),
        Just(ActionState::ChallengeFailed),
        Just(ActionState::ReviewRequired),
        Just(ActionState::ReviewSucceeded),
        Just(ActionState::ReviewFailed),
    ]
}

/// Small JSON values of any shape.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,16}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    ".{0,8}",
                    Just("challengeId".to_owned()),
                    Just("publicKey".to_owned()),
                    Just("approved".to_owned()),
                    Just("signature".to_owned()),
                    Just("isVerified".to_owned()),
                    Just("userAuthenticatorId".to_owned()),
                    Just("state".to_owned()),
                    Just("error".to_owned()),
                    Just("token".to_owned()),
                ],
                inner,
                0..6
            )
            .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// Serializes, checks camelCase and absent `None`s, and reads back equal.
fn round_trip<T>(value: &T) -> Result<(), TestCaseError>
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let json = serde_json::to_value(value).expect("serializes");
    if let Value::Object(map) = &json {
        for (name, field) in map {
            prop_assert!(!name.contains('_'), "snake_case field {}", name);
            prop_assert!(!field.is_null(), "None written as null: {}", name);
        }
    }
    let bytes = serde_json::to_vec(value).expect("serializes");
    prop_assert_eq!(
        &serde_json::from_slice::<T>(&bytes).expect("reads back"),
        value
    );
    Ok(())
}

/// Decodes `bytes` as every wire type; only errors, never a panic.
fn decode_all(bytes: &[u8]) {
    let _ = serde_json::from_slice::<AddCredentialRequest>(bytes);
    let _ = serde_json::from_slice::<AnswerChallengeRequest>(bytes);
    let _ = serde_json::from_slice::<AnswerChallengeResponse>(bytes);
    let _ = serde_json::from_slice::<CredentialResponse>(bytes);
    let _ = serde_json::from_slice::<PendingChallengeResponse>(bytes);
    let _ = serde_json::from_slice::<StartPushChallengeRequest>(bytes);
    let _ = serde_json::from_slice::<StartPushChallengeResponse>(bytes);
    let _ = serde_json::from_slice::<TrackResponse>(bytes);
    let _ = serde_json::from_slice::<UpdateCredentialRequest>(bytes);
    let _ = serde_json::from_slice::<ValidateRequest>(bytes);
    let _ = serde_json::from_slice::<ValidateResponse>(bytes);
    let _ = serde_json::from_slice::<VerifyPushResponse>(bytes);
    if let Ok(body) = serde_json::from_slice::<ErrorBody>(bytes) {
        let _ = body.code();
    }
}

proptest! {
    #[test]
    fn an_answer_request_round_trips(
        challenge_id in text(),
        public_key in text(),
        approved in any::<bool>(),
        signature in text(),
        verification_code in maybe(),
        decline_reason in proptest::option::of(prop_oneof![
            Just(DeclineReason::NotMe),
            Just(DeclineReason::Mistake)
        ]),
    ) {
        round_trip(&AnswerChallengeRequest {
            challenge_id,
            public_key,
            approved,
            signature,
            verification_code,
            decline_reason,
        })?;
    }

    #[test]
    fn an_add_credential_request_round_trips_and_hides_its_push_token(
        public_key in text(),
        device_name in maybe(),
        device_platform in maybe(),
        push_token in proptest::option::of("[a-z0-9]{12,40}"),
    ) {
        let request = AddCredentialRequest { public_key, device_name, device_platform, push_token };
        round_trip(&request)?;
        if let Some(token) = &request.push_token {
            let debug = format!("{request:?}");
            prop_assert!(!debug.contains(token.as_str()));
        }
    }

    #[test]
    fn a_pending_challenge_round_trips(
        user_authenticator_id in text(),
        challenge_id in maybe(),
        user_id in maybe(),
        action_code in maybe(),
        user_agent in maybe(),
        ip_address in maybe(),
        expires_at in proptest::option::of(any::<i64>()),
        verification_code_required in proptest::option::of(any::<bool>()),
    ) {
        round_trip(&PendingChallengeResponse {
            user_authenticator_id,
            challenge_id,
            user_id,
            action_code,
            idempotency_key: None,
            device_id: None,
            user_agent,
            ip_address,
            expires_at,
            custom: None,
            user: None,
            verification_code_required,
        })?;
    }

    #[test]
    fn track_and_verify_responses_round_trip_and_hide_their_tokens(
        idempotency_key in text(),
        state in state(),
        token in "[A-Za-z0-9._-]{16,64}",
        is_enrolled in any::<bool>(),
        is_verified in any::<bool>(),
        is_consumed in any::<bool>(),
    ) {
        let tracked = TrackResponse {
            idempotency_key,
            state,
            token: token.clone(),
            is_enrolled,
            url: None,
            enrolled_verification_methods: Some(vec!["PUSH".to_owned()]),
        };
        round_trip(&tracked)?;
        let debug = format!("{tracked:?}");
        prop_assert!(!debug.contains(&token));
        let verified = VerifyPushResponse {
            is_verified,
            is_consumed,
            access_token: Some(token.clone()),
        };
        round_trip(&verified)?;
        let debug = format!("{verified:?}");
        prop_assert!(!debug.contains(&token));
        let validate = ValidateRequest { token: token.clone(), action: None, user_id: None };
        round_trip(&validate)?;
        let debug = format!("{validate:?}");
        prop_assert!(!debug.contains(&token));
    }

    #[test]
    fn an_error_body_round_trips_and_knows_exactly_the_protocols_codes(
        error in text(),
        description in maybe(),
        index in 0usize..ErrorCode::ALL.len(),
    ) {
        let body = ErrorBody { error: error.clone(), error_code: None, error_description: description };
        round_trip(&body)?;
        prop_assert_eq!(body.code(), ErrorCode::from_wire(&error));
        let code = ErrorCode::ALL[index];
        prop_assert_eq!(ErrorBody::new(code, "why").code(), Some(code));
        prop_assert_eq!(ErrorCode::from_wire(code.as_str()), Some(code));
    }

    #[test]
    fn a_start_challenge_answer_round_trips(
        challenge_id in text(),
        ids in proptest::collection::vec((text(), maybe()), 0..4),
        verification_code in maybe(),
    ) {
        round_trip(&StartPushChallengeResponse {
            challenge_id,
            delivery_results: Some(
                ids.into_iter()
                    .map(|(user_authenticator_id, error_code)| signet_protocol::DeliveryResult {
                        user_authenticator_id,
                        error_code,
                    })
                    .collect(),
            ),
            verification_code,
        })?;
    }

    #[test]
    fn null_optional_fields_and_unknown_fields_read_as_absent(
        id in text(),
        extra_name in "[a-z]{1,12}",
        extra in json_value(),
    ) {
        // Lowercase names never collide with the camelCase fields.
        let mut body = json!({
            "userAuthenticatorId": id,
            "userId": "u",
            "verifiedAt": null,
            "lastVerifiedAt": null,
            "expiresAt": null,
        });
        body[extra_name.as_str()] = extra;
        let read: CredentialResponse = serde_json::from_value(body).expect("reads");
        prop_assert_eq!(read.user_authenticator_id, id);
        prop_assert_eq!(read.verified_at, None);
    }

    #[test]
    fn decoding_arbitrary_json_as_any_wire_type_never_panics(value in json_value()) {
        decode_all(&serde_json::to_vec(&value).expect("serializes"));
    }

    #[test]
    fn decoding_arbitrary_bytes_as_any_wire_type_never_panics(
        bytes in proptest::collection::vec(any::<u8>(), 0..256),
    ) {
        decode_all(&bytes);
    }
}

/// Whether two JSON values are equal, numbers within a relative 1e-15 (one ULP or so).
fn nearly_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => (x - y).abs() <= x.abs().max(y.abs()) * 1e-15,
            _ => x == y,
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| nearly_equal(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| nearly_equal(v, w)))
        }
        _ => a == b,
    }
}

/// Regression input from the `wire_json` fuzz target: `1.715e32` in `custom` reads back as
/// `1.7149999999999998e32` after a write (`serde_json` without `float_roundtrip`). Harmless for
/// display data; the rest of the challenge survives exactly.
#[test]
fn the_fuzzers_challenge_with_a_large_float_in_custom_round_trips_but_for_one_ulp() {
    let bytes = include_bytes!(
        "../../../fuzz/regressions/wire_json/crash-82eb5e1c7852924a2e123e095868549b5f034fe8"
    );
    let read: PendingChallengeResponse = serde_json::from_slice(&bytes[1..]).expect("reads");
    let written = serde_json::to_vec(&read).expect("writes");
    let back: PendingChallengeResponse = serde_json::from_slice(&written).expect("reads back");
    assert_eq!(back.user_authenticator_id, read.user_authenticator_id);
    assert_eq!(
        back.verification_code_required,
        read.verification_code_required
    );
    let (Some(before), Some(after)) = (&read.custom, &back.custom) else {
        panic!("custom data lost");
    };
    assert!(nearly_equal(before, after), "{before} != {after}");
}
