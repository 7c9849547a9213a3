//! Edge cases of the section 2 codecs beyond the test vectors (docs/vectors/).

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use p256::ecdsa::SigningKey;
use p256::elliptic_curve::sec1::ToEncodedPoint as _;
use signet_protocol::{
    Error, PublicKey, Signature, parse_basic_user, sign, sign_bytes, tenant_basic_header,
    time_window_messages_around,
};

const KEY_1: &str = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEaxfR8uEsQkf4vOblY6RA8ncDfYEt6zOg9KE5RdiYwpZP40Li/hp/m47n60p8D54WK84zV2sxXs7LtkBoN79R9Q==";

fn key_1() -> PublicKey {
    PublicKey::from_spki_base64(KEY_1).expect("key 1 decodes")
}

fn scalar_one() -> SigningKey {
    let mut bytes = [0u8; 32];
    bytes[31] = 1;
    SigningKey::from_slice(&bytes).expect("1 is a valid scalar")
}

#[test]
fn a_public_key_that_is_not_base64_is_refused_as_base64() {
    assert_eq!(
        PublicKey::from_spki_base64("MFkw!!!"),
        Err(Error::InvalidBase64 { what: "public key" })
    );
}

#[test]
fn a_public_key_without_its_padding_is_read() {
    assert_eq!(
        PublicKey::from_spki_base64(KEY_1.trim_end_matches('=')).unwrap(),
        key_1()
    );
}

#[test]
fn a_compressed_point_spki_is_refused() {
    let point = key_1().as_p256().to_encoded_point(true);
    let mut der = STANDARD.decode(KEY_1).unwrap();
    der.truncate(23);
    der.extend_from_slice(&[0x22, 0x00]);
    der.extend_from_slice(point.as_bytes());
    assert_eq!(PublicKey::from_spki_der(&der), Err(Error::InvalidPublicKey));
}

#[test]
fn a_key_of_another_curve_is_refused() {
    let mut der = STANDARD.decode(KEY_1).unwrap();
    // prime256v1's last OID byte 0x07 changed: another named curve.
    der[20] = 0x08;
    assert_eq!(PublicKey::from_spki_der(&der), Err(Error::InvalidPublicKey));
}

#[test]
fn the_query_form_is_read_in_every_alphabet_and_padding() {
    for engine in [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD] {
        let query = engine.encode(KEY_1);
        assert_eq!(PublicKey::from_query(&query).unwrap(), key_1());
    }
}

#[test]
fn the_query_form_of_a_key_needs_no_escaping_but_its_padding() {
    // The outer base64 is of base64 text (ASCII letters, digits, `+`, `/`, `=`), which never
    // yields `+`, `/`, `-` or `_`: only the padding differs between alphabets and needs `%3D`.
    for n in 1u8..=64 {
        let mut bytes = [0u8; 32];
        bytes[31] = n;
        let key = PublicKey::from(SigningKey::from_slice(&bytes).unwrap().verifying_key());
        let query = key.to_query();
        assert!(
            query
                .trim_end_matches("%3D")
                .chars()
                .all(|c| c.is_ascii_alphanumeric())
        );
        assert_eq!(PublicKey::from_query(&query).unwrap(), key);
    }
}

#[test]
fn a_query_value_that_is_not_base64_is_refused_as_base64() {
    assert_eq!(
        PublicKey::from_query("not*base64"),
        Err(Error::InvalidBase64 {
            what: "public key query value"
        })
    );
}

#[test]
fn a_query_value_holding_the_pk_itself_instead_of_its_base64_is_refused() {
    assert!(PublicKey::from_query(KEY_1).is_err());
}

#[test]
fn a_public_key_serializes_as_its_spki_base64_string() {
    let json = serde_json::to_string(&key_1()).unwrap();
    assert_eq!(json, format!("\"{KEY_1}\""));
    let back: PublicKey = serde_json::from_str(&json).unwrap();
    assert_eq!(back, key_1());
    assert!(serde_json::from_str::<PublicKey>("\"MFkw\"").is_err());
}

#[test]
fn equal_keys_hash_equal() {
    let set: std::collections::HashSet<PublicKey> = [key_1(), key_1()].into_iter().collect();
    assert_eq!(set.len(), 1);
}

#[test]
fn a_high_s_signature_is_accepted_like_its_low_s_twin() {
    let signature: p256::ecdsa::Signature =
        p256::ecdsa::signature::Signer::sign(&scalar_one(), b"challenge");
    let low = signature.normalize_s().unwrap_or(signature);
    let (r, s) = low.split_scalars();
    let high = p256::ecdsa::Signature::from_scalars(r, -s).unwrap();
    for variant in [low, high] {
        assert_eq!(
            key_1().verify("challenge", &Signature::from(variant)),
            Ok(())
        );
    }
}

#[test]
fn a_signature_that_is_not_base64_is_refused_as_base64() {
    assert_eq!(
        Signature::from_base64("MEUC!"),
        Err(Error::InvalidBase64 { what: "signature" })
    );
}

#[test]
fn a_der_signature_with_trailing_bytes_is_refused() {
    let mut der = sign(&scalar_one(), "x").as_der().to_vec();
    der.push(0);
    assert_eq!(Signature::from_der(&der), Err(Error::InvalidSignature));
}

#[test]
fn a_signature_serializes_as_standard_base64() {
    let signature = sign_bytes(&scalar_one(), b"bytes");
    let json = serde_json::to_value(&signature).unwrap();
    assert_eq!(json, serde_json::Value::String(signature.to_base64()));
    let back: Signature = serde_json::from_value(json).unwrap();
    assert_eq!(back, signature);
    assert_eq!(key_1().verify_bytes(b"bytes", &back), Ok(()));
}

#[test]
fn basic_with_a_password_gives_the_user_part() {
    let header = format!("Basic {}", STANDARD.encode("sk_secret:ignored"));
    assert_eq!(parse_basic_user(&header).unwrap(), "sk_secret");
}

#[test]
fn the_basic_scheme_is_read_in_any_case() {
    let header = tenant_basic_header("tenant").replace("Basic", "bAsIc");
    assert_eq!(parse_basic_user(&header).unwrap(), "tenant");
}

#[test]
fn other_schemes_garbage_and_empty_users_are_refused() {
    for header in [
        "Bearer abc".to_owned(),
        "Basic".to_owned(),
        "Basic !!!".to_owned(),
        format!("Basic {}", STANDARD.encode(":password")),
        format!("Basic {}", STANDARD.encode("")),
        format!("Basic {}", STANDARD.encode([0xff, 0xfe, b':'])),
        String::new(),
    ] {
        assert_eq!(
            parse_basic_user(&header),
            Err(Error::InvalidBasicAuth),
            "{header:?}"
        );
    }
}

#[test]
fn the_windows_around_a_time_are_previous_current_and_next() {
    assert_eq!(
        time_window_messages_around(1_795_878_000),
        ["2993129.0", "2993130.0", "2993131.0"]
    );
    assert_eq!(time_window_messages_around(0), ["0.0", "0.0", "1.0"]);
}

#[test]
fn errors_read_as_sentences() {
    assert_eq!(
        Error::InvalidBase64 { what: "signature" }.to_string(),
        "signature is not valid base64"
    );
    assert_eq!(
        Error::MissingLinkField { field: "token" }.to_string(),
        "enrollment link has no `token`"
    );
}
