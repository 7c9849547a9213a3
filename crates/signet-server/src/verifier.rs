//! The server's check of device signatures (ECDSA P-256 over SHA-256, ASN.1 DER; docs/protocol.md
//! section 2): every signed device request goes through [`verify`].
//!
//! It uses `ring`, not the `p256` crate that parses keys and signatures (signet-protocol) and
//! that the app signs with: `ring`'s assembly P-256 checks a signature about 4.5 times
//! faster (52 µs against 234 µs of CPU each, docs/benchmarks.md), and a complete sign-in
//! checks two. Keys and signatures reach it already parsed and validated by signet-protocol
//! (a point on the curve, a strict DER signature with `r` and `s` in range), so it sees only
//! well-formed input; whatever `ring` still refuses is a mismatch.

use p256::elliptic_curve::sec1::ToEncodedPoint as _;
use ring::signature::{ECDSA_P256_SHA256_ASN1, UnparsedPublicKey};
use signet_protocol::{PublicKey, Signature};

/// The signature does not verify: by another key, over another message, or malformed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mismatch;

/// Checks that `signature` is `key`'s ECDSA P-256 SHA-256 signature over `message`.
pub fn verify(key: &PublicKey, message: &[u8], signature: &Signature) -> Result<(), Mismatch> {
    let point = key.as_p256().to_encoded_point(false);
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, point.as_bytes())
        .verify(message, signature.as_der())
        .map_err(|_| Mismatch)
}

#[cfg(test)]
mod tests {
    use p256::ecdsa::SigningKey;
    use serde::Deserialize;

    use super::*;

    const VECTORS: &str = include_str!("../../../docs/vectors/encodings.json");

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Vectors {
        keys: Vec<KeyVector>,
        invalid: Invalid,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct KeyVector {
        public_key: String,
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
    struct Invalid {
        signature_of_other_message: String,
    }

    fn vectors() -> Vectors {
        serde_json::from_str(VECTORS).expect("docs/vectors/encodings.json")
    }

    /// What the `p256` crate (the app's, and the server's before) says of the same input.
    fn p256_says(key: &PublicKey, message: &[u8], signature: &Signature) -> bool {
        key.verify_bytes(message, signature).is_ok()
    }

    #[test]
    fn every_vector_signature_verifies_and_not_over_another_message_or_key() {
        let vectors = vectors();
        let other_key = PublicKey::from_spki_base64(&vectors.keys[1].public_key).unwrap();
        let mut checked = 0;
        for vector in &vectors.keys {
            let key = PublicKey::from_spki_base64(&vector.public_key).unwrap();
            for signed in &vector.signatures {
                let signature = Signature::from_base64(&signed.signature_der_base64).unwrap();
                let message = signed.message.as_bytes();
                assert_eq!(
                    verify(&key, message, &signature),
                    Ok(()),
                    "{}",
                    signed.message
                );
                assert_eq!(verify(&key, b"another message", &signature), Err(Mismatch));
                if key != other_key {
                    assert_eq!(verify(&other_key, message, &signature), Err(Mismatch));
                }
                checked += 1;
            }
        }
        assert!(checked >= 4, "{checked}");
        // The vectors' own "signature of another message" (over the first key's messages).
        let key = PublicKey::from_spki_base64(&vectors.keys[0].public_key).unwrap();
        let signature =
            Signature::from_base64(&vectors.invalid.signature_of_other_message).unwrap();
        let first = vectors.keys[0].signatures[0].message.as_bytes();
        assert_eq!(verify(&key, first, &signature), Err(Mismatch));
    }

    #[test]
    fn a_signature_made_by_signet_protocol_verifies_and_a_changed_message_does_not() {
        let key = SigningKey::from_slice(&[7_u8; 32]).unwrap();
        let public = PublicKey::from(key.verifying_key());
        for message in [
            "",
            "0b7e3f4a-6a55-4b5e-9d3e-2f1c9a8d7e61",
            "h\u{e9}llo \u{2713}",
        ] {
            let signature = signet_protocol::sign(&key, message);
            assert_eq!(verify(&public, message.as_bytes(), &signature), Ok(()));
            let mut changed = message.as_bytes().to_vec();
            changed.push(b'.');
            assert_eq!(verify(&public, &changed, &signature), Err(Mismatch));
        }
    }

    #[test]
    fn the_high_s_twin_of_a_signature_is_judged_as_p256_judges_it() {
        let key = SigningKey::from_slice(&[9_u8; 32]).unwrap();
        let public = PublicKey::from(key.verifying_key());
        let message = "2993113.0";
        let signature = signet_protocol::sign(&key, message);
        let parsed = p256::ecdsa::Signature::from_der(signature.as_der()).unwrap();
        let (r, s) = parsed.split_scalars();
        let twin = p256::ecdsa::Signature::from_scalars(r, -*s).unwrap();
        let twin = Signature::from(twin);
        assert_ne!(twin, signature);
        let ours = verify(&public, message.as_bytes(), &twin).is_ok();
        assert_eq!(ours, p256_says(&public, message.as_bytes(), &twin));
    }

    #[test]
    fn every_one_byte_change_of_a_signature_is_judged_as_p256_judges_it_without_panic() {
        let vectors = vectors();
        let vector = &vectors.keys[0];
        let key = PublicKey::from_spki_base64(&vector.public_key).unwrap();
        let signed = &vector.signatures[0];
        let der = Signature::from_base64(&signed.signature_der_base64)
            .unwrap()
            .as_der()
            .to_vec();
        let message = signed.message.as_bytes();
        let (mut parsed, mut refused_by_the_parser) = (0, 0);
        for index in 0..der.len() {
            for flip in [0x01_u8, 0x80, 0xff] {
                let mut changed = der.clone();
                changed[index] ^= flip;
                // Malformed DER never reaches the verifier: signet-protocol refuses it first.
                let Ok(signature) = Signature::from_der(&changed) else {
                    refused_by_the_parser += 1;
                    continue;
                };
                parsed += 1;
                assert_eq!(
                    verify(&key, message, &signature).is_ok(),
                    p256_says(&key, message, &signature),
                    "byte {index} ^ {flip:#x}"
                );
                assert_eq!(verify(&key, message, &signature), Err(Mismatch));
            }
        }
        assert!(
            parsed > 50 && refused_by_the_parser > 10,
            "{parsed} {refused_by_the_parser}"
        );
    }

    #[test]
    fn malformed_keys_and_signatures_of_the_vectors_are_refused_before_the_verifier() {
        let invalid: serde_json::Value = serde_json::from_str(VECTORS).unwrap();
        let invalid = &invalid["invalid"];
        for name in ["publicKeyNotOnCurve", "publicKeyTruncated"] {
            let text = invalid[name].as_str().unwrap();
            assert!(PublicKey::from_spki_base64(text).is_err(), "{name}");
        }
        let raw = invalid["signatureRawRS"].as_str().unwrap();
        assert!(Signature::from_base64(raw).is_err());
    }
}
