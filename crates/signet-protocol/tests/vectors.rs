//! Checks every encoding against the protocol's test vectors (docs/protocol.md sections 2
//! and 9). The vectors live in `docs/vectors/encodings.json`, the one copy every
//! implementation reads; a missing or unreadable file fails every test here.

use p256::ecdsa::SigningKey;
use serde::Deserialize;
use signet_protocol::{
    Error, PublicKey, Signature, parse_basic_user, sign, tenant_basic_header, time_window_message,
    time_window_messages_around,
};

/// The vectors, in the repository's `docs/vectors/`.
const VECTORS_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../docs/vectors/encodings.json"
);

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Vectors {
    keys: Vec<KeyVector>,
    tenant_basic_auth: BasicVector,
    time_window_messages: Vec<WindowVector>,
    invalid: InvalidVector,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct KeyVector {
    private_scalar_hex: String,
    public_key_raw_uncompressed_hex: String,
    public_key: String,
    public_key_query_ios: String,
    public_key_query_android: String,
    signatures: Vec<SignatureVector>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SignatureVector {
    message: String,
    signature_der_base64: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BasicVector {
    tenant_id: String,
    ios: String,
    android: String,
    browser: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WindowVector {
    unix_seconds: u64,
    message: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InvalidVector {
    public_key_not_on_curve: String,
    public_key_truncated: String,
    signature_raw_r_s: String,
    signature_of_other_message: String,
}

fn vectors() -> Vectors {
    let text = std::fs::read_to_string(VECTORS_PATH).unwrap_or_else(|error| {
        panic!("the test vectors must be at {VECTORS_PATH}: {error}");
    });
    serde_json::from_str(&text).expect("the vectors parse")
}

fn hex(text: &str) -> Vec<u8> {
    assert_eq!(text.len() % 2, 0, "even number of hex digits");
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex digits"))
        .collect()
}

fn signing_key(key: &KeyVector) -> SigningKey {
    SigningKey::from_slice(&hex(&key.private_scalar_hex)).expect("a valid scalar")
}

#[test]
fn the_vectors_hold_keys_signatures_windows_and_basic_forms() {
    let vectors = vectors();
    assert_eq!(vectors.keys.len(), 3);
    assert!(vectors.keys.iter().all(|key| key.signatures.len() == 4));
    assert_eq!(vectors.time_window_messages.len(), 5);
}

#[test]
fn every_public_key_decodes_and_encodes_back_to_the_same_text() {
    for key in vectors().keys {
        let decoded = PublicKey::from_spki_base64(&key.public_key).unwrap();
        assert_eq!(decoded.to_spki_base64(), key.public_key);
        assert_eq!(key.public_key.len(), 124);
        assert!(
            key.public_key
                .starts_with("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE")
        );
        let raw = hex(&key.public_key_raw_uncompressed_hex);
        let from_raw = PublicKey::from_p256(p256::PublicKey::from_sec1_bytes(&raw).unwrap());
        assert_eq!(decoded, from_raw);
    }
}

#[test]
fn the_public_key_derived_from_each_private_scalar_is_the_vectors_public_key() {
    for key in vectors().keys {
        let derived = PublicKey::from(signing_key(&key).verifying_key());
        assert_eq!(derived.to_spki_base64(), key.public_key);
    }
}

#[test]
fn both_query_forms_decode_to_the_key() {
    for key in vectors().keys {
        let expected = PublicKey::from_spki_base64(&key.public_key).unwrap();
        assert_eq!(
            PublicKey::from_query(&key.public_key_query_ios).unwrap(),
            expected
        );
        assert_eq!(
            PublicKey::from_query(&key.public_key_query_android).unwrap(),
            expected
        );
        let percent_encoded = key.public_key_query_android.replace('=', "%3D");
        assert_eq!(PublicKey::from_query(&percent_encoded).unwrap(), expected);
        let lower_case_percent = key.public_key_query_android.replace('=', "%3d");
        assert_eq!(
            PublicKey::from_query(&lower_case_percent).unwrap(),
            expected
        );
    }
}

#[test]
fn our_query_form_is_percent_encoded_padded_standard_base64_that_decodes_to_the_key() {
    for key in vectors().keys {
        let decoded = PublicKey::from_spki_base64(&key.public_key).unwrap();
        let query = decoded.to_query();
        // The Android form is standard base64 with padding: ours is that, percent-encoded.
        assert_eq!(query, key.public_key_query_android.replace('=', "%3D"));
        assert!(!query.contains(['=', '+', '/']));
        assert_eq!(PublicKey::from_query(&query).unwrap(), decoded);
    }
}

#[test]
fn every_given_signature_verifies_with_its_key() {
    for key in vectors().keys {
        let public = PublicKey::from_spki_base64(&key.public_key).unwrap();
        for vector in &key.signatures {
            let signature = Signature::from_base64(&vector.signature_der_base64).unwrap();
            assert_eq!(signature.to_base64(), vector.signature_der_base64);
            assert_eq!(
                public.verify(&vector.message, &signature),
                Ok(()),
                "{}",
                vector.message
            );
        }
    }
}

#[test]
fn a_given_signature_fails_for_another_message_and_another_key() {
    let keys = vectors().keys;
    for (index, key) in keys.iter().enumerate() {
        let other_key =
            PublicKey::from_spki_base64(&keys[(index + 1) % keys.len()].public_key).unwrap();
        let public = PublicKey::from_spki_base64(&key.public_key).unwrap();
        for (position, vector) in key.signatures.iter().enumerate() {
            let signature = Signature::from_base64(&vector.signature_der_base64).unwrap();
            let other_message = &key.signatures[(position + 1) % key.signatures.len()].message;
            assert_eq!(
                public.verify(other_message, &signature),
                Err(Error::SignatureMismatch)
            );
            assert_eq!(
                other_key.verify(&vector.message, &signature),
                Err(Error::SignatureMismatch)
            );
        }
    }
}

#[test]
fn our_signature_with_each_private_scalar_verifies_over_each_message() {
    for key in vectors().keys {
        let signer = signing_key(&key);
        let public = PublicKey::from_spki_base64(&key.public_key).unwrap();
        for vector in &key.signatures {
            let ours = sign(&signer, &vector.message);
            // ECDSA is randomized: check that it verifies and re-parses, never compare bytes.
            assert_eq!(ours.as_der()[0], 0x30, "a DER SEQUENCE");
            let reparsed = Signature::from_base64(&ours.to_base64()).unwrap();
            assert_eq!(public.verify(&vector.message, &reparsed), Ok(()));
            assert_eq!(
                public.verify("another message", &reparsed),
                Err(Error::SignatureMismatch)
            );
        }
    }
}

#[test]
fn signatures_cover_the_exact_utf8_bytes_of_the_message() {
    let key = &vectors().keys[0];
    let public = PublicKey::from_spki_base64(&key.public_key).unwrap();
    let vector = key
        .signatures
        .iter()
        .find(|vector| vector.message == "héllo ✓")
        .unwrap();
    let signature = Signature::from_base64(&vector.signature_der_base64).unwrap();
    assert_eq!(
        public.verify_bytes("héllo ✓".as_bytes(), &signature),
        Ok(())
    );
    // The same letters in decomposed form (e + combining acute) are other bytes.
    assert_eq!(
        public.verify("he\u{301}llo ✓", &signature),
        Err(Error::SignatureMismatch)
    );
}

#[test]
fn the_three_basic_forms_parse_to_the_tenant_id() {
    let basic = vectors().tenant_basic_auth;
    for form in [&basic.ios, &basic.android, &basic.browser] {
        assert_eq!(parse_basic_user(form).unwrap(), basic.tenant_id, "{form}");
    }
}

#[test]
fn our_tenant_basic_header_is_the_android_form() {
    let basic = vectors().tenant_basic_auth;
    let ours = tenant_basic_header(&basic.tenant_id);
    assert_eq!(ours, basic.android);
    assert_eq!(parse_basic_user(&ours).unwrap(), basic.tenant_id);
}

#[test]
fn every_window_message_is_computed_from_its_unix_seconds() {
    for window in vectors().time_window_messages {
        assert_eq!(time_window_message(window.unix_seconds), window.message);
        let [_, current, _] = time_window_messages_around(window.unix_seconds);
        assert_eq!(current, window.message);
    }
}

#[test]
fn the_key_vectors_window_signature_verifies_against_the_window_of_its_time() {
    let vectors = vectors();
    let public = PublicKey::from_spki_base64(&vectors.keys[0].public_key).unwrap();
    let vector = &vectors.keys[0].signatures[1];
    assert_eq!(vector.message, "2993113.0");
    let signature = Signature::from_base64(&vector.signature_der_base64).unwrap();
    let unix_seconds = 2_993_113 * 600 + 599;
    assert_eq!(
        public.verify(&time_window_message(unix_seconds), &signature),
        Ok(())
    );
    // The next window's server still accepts it as "previous".
    let [previous, _, _] = time_window_messages_around(unix_seconds + 600);
    assert_eq!(public.verify(&previous, &signature), Ok(()));
}

#[test]
fn a_public_key_not_on_the_curve_is_refused() {
    let invalid = vectors().invalid;
    assert_eq!(
        PublicKey::from_spki_base64(&invalid.public_key_not_on_curve),
        Err(Error::InvalidPublicKey)
    );
}

#[test]
fn a_truncated_public_key_is_refused() {
    let invalid = vectors().invalid;
    assert_eq!(
        PublicKey::from_spki_base64(&invalid.public_key_truncated),
        Err(Error::InvalidPublicKey)
    );
}

#[test]
fn invalid_public_keys_are_refused_in_query_form_too() {
    let invalid = vectors().invalid;
    for pk in [
        &invalid.public_key_not_on_curve,
        &invalid.public_key_truncated,
    ] {
        let query = base64_standard(pk);
        assert_eq!(PublicKey::from_query(&query), Err(Error::InvalidPublicKey));
    }
}

#[test]
fn a_raw_r_s_signature_is_refused() {
    let invalid = vectors().invalid;
    assert_eq!(
        Signature::from_base64(&invalid.signature_raw_r_s),
        Err(Error::InvalidSignature)
    );
}

#[test]
fn a_signature_of_another_message_fails_verification_for_the_challenge_id() {
    let vectors = vectors();
    let key = &vectors.keys[0];
    let public = PublicKey::from_spki_base64(&key.public_key).unwrap();
    let signature = Signature::from_base64(&vectors.invalid.signature_of_other_message).unwrap();
    // It is key 1's signature over the window message "2993113.0"...
    assert_eq!(public.verify("2993113.0", &signature), Ok(()));
    // ...so it must not pass for the challengeId.
    assert_eq!(
        public.verify("4f1c9a3e-7b7e-4a55-9d8e-2f3b6c1d0a99", &signature),
        Err(Error::SignatureMismatch)
    );
}

fn base64_standard(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}
