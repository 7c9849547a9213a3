//! Every wire type of docs/protocol.md sections 3, 4, 5, 7 and 8 read from arbitrary bytes with
//! `serde_json::from_slice`: never a panic; what is read writes back and reads back equal.
//!
//! Crash found: without serde_json's `float_roundtrip` a number such as `1.715e32` in
//! `custom` reads back one ULP off after a write (`1.7149999999999998e32`). Harmless (display
//! data), kept as a regression test in `signet-protocol/tests/proptest_wire.rs`; this
//! target turns `float_roundtrip` on (fuzz build only) to keep looking past it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use serde::de::DeserializeOwned;
use signet_protocol::*;

/// Reads `bytes` as `T`; if that works, the value must survive a round trip.
fn check<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(bytes: &[u8]) {
    if let Ok(value) = serde_json::from_slice::<T>(bytes) {
        let again = serde_json::to_vec(&value).expect("a read value serializes");
        let back: T = serde_json::from_slice(&again).expect("what was written reads back");
        assert_eq!(back, value);
    }
}

fuzz_target!(|data: &[u8]| {
    // The first byte picks the type (so the corpus specialises), the rest is the JSON.
    let Some((&which, json)) = data.split_first() else {
        return;
    };
    match which % 24 {
        0 => check::<AddCredentialRequest>(json),
        1 => check::<CredentialResponse>(json),
        2 => check::<RemoveCredentialRequest>(json),
        3 => check::<RemoveCredentialResponse>(json),
        4 => check::<NonceResponse>(json),
        5 => check::<PendingChallengeResponse>(json),
        6 => check::<AnswerChallengeRequest>(json),
        7 => check::<AnswerChallengeResponse>(json),
        8 => check::<UpdateNonceResponse>(json),
        9 => check::<UpdateCredentialRequest>(json),
        10 => check::<UpdateCredentialResponse>(json),
        11 => check::<PublicKeyQuery>(json),
        12 => check::<StartPushChallengeRequest>(json),
        13 => check::<StartPushChallengeResponse>(json),
        14 => check::<VerifyPushRequest>(json),
        15 => check::<VerifyPushResponse>(json),
        16 => check::<TrackAttributes>(json),
        17 => check::<TrackResponse>(json),
        18 => check::<ActionResponse>(json),
        19 => check::<ValidateRequest>(json),
        20 => check::<ValidateResponse>(json),
        21 => check::<Vec<AuthenticatorSummary>>(json),
        22 => {
            check::<ErrorBody>(json);
            if let Ok(body) = serde_json::from_slice::<ErrorBody>(json) {
                let _ = body.code();
            }
        }
        _ => check::<WebhookEvent>(json),
    }
});
