//! Property tests: every codec of section 2 and 8.1 round-trips, and decoding arbitrary text or
//! bytes never panics (it returns an error instead).

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use p256::ecdsa::SigningKey;
use proptest::prelude::*;
use signet_protocol::{
    EnrollmentLink, Error, PublicKey, Signature, WINDOW_SECONDS, parse_basic_user, sign_bytes,
    tenant_basic_header, time_window_message, time_window_messages_around,
};

/// A P-256 signing key from 32 random bytes (retrying the rare values that are no scalar).
fn signing_key() -> impl Strategy<Value = SigningKey> {
    any::<[u8; 32]>().prop_filter_map("not a valid scalar", |bytes| {
        SigningKey::from_slice(&bytes).ok()
    })
}

/// Text that often looks like base64 (and sometimes like a percent-encoded query value), so
/// the decoders get past their first checks.
fn base64ish() -> impl Strategy<Value = String> {
    "[A-Za-z0-9+/=_%-]{0,200}"
}

/// The four base64 engines a client may use.
fn engines() -> [base64::engine::GeneralPurpose; 4] {
    [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
}

/// An http(s) base URL ending in `/v1`.
fn base_url() -> impl Strategy<Value = url::Url> {
    (
        prop_oneof![Just("https"), Just("http")],
        // No hyphens: labels such as `ab--c` are not valid IDNA hosts.
        "[a-z][a-z0-9]{0,12}(\\.[a-z]{2,6}){0,2}",
        proptest::option::of(1u16..),
        "(/[A-Za-z0-9._~-]{1,8}){0,2}",
    )
        .prop_map(|(scheme, host, port, path)| {
            let port = port.map(|port| format!(":{port}")).unwrap_or_default();
            format!("{scheme}://{host}{port}{path}/v1")
                .parse()
                .expect("generated URLs parse")
        })
}

/// Any non-empty text (every Unicode scalar, controls included).
fn non_empty() -> impl Strategy<Value = String> {
    any::<String>().prop_filter("empty", |text| !text.is_empty())
}

proptest! {
    // ---- public keys: PK and Q(PK) ----

    #[test]
    fn a_public_key_round_trips_through_its_spki_base64_der_and_json(key in signing_key()) {
        let public = PublicKey::from(key.verifying_key());
        let text = public.to_spki_base64();
        prop_assert_eq!(text.len(), 124);
        prop_assert!(text.starts_with("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE"));
        prop_assert_eq!(PublicKey::from_spki_base64(&text), Ok(public));
        prop_assert_eq!(PublicKey::from_spki_base64(text.trim_end_matches('=')), Ok(public));
        prop_assert_eq!(PublicKey::from_spki_der(&public.to_spki_der()), Ok(public));
        let json = serde_json::to_string(&public).expect("serializes");
        prop_assert_eq!(serde_json::from_str::<PublicKey>(&json).expect("deserializes"), public);
    }

    #[test]
    fn a_public_keys_query_form_is_read_in_every_alphabet_padding_and_escaping(
        key in signing_key(),
    ) {
        let public = PublicKey::from(key.verifying_key());
        prop_assert_eq!(PublicKey::from_query(&public.to_query()), Ok(public));
        for engine in engines() {
            let outer = engine.encode(public.to_spki_base64());
            prop_assert_eq!(PublicKey::from_query(&outer), Ok(public));
            let escaped = outer.replace('=', "%3D");
            prop_assert_eq!(PublicKey::from_query(&escaped), Ok(public));
            let lower = outer.replace('=', "%3d");
            prop_assert_eq!(PublicKey::from_query(&lower), Ok(public));
        }
    }

    #[test]
    fn one_changed_letter_of_a_public_key_never_reads_as_the_same_key(
        key in signing_key(),
        at in 0usize..124,
        letter in "[A-Za-z0-9+/]",
    ) {
        let public = PublicKey::from(key.verifying_key());
        let text = public.to_spki_base64();
        let mut changed: Vec<char> = text.chars().collect();
        let new = letter.chars().next().expect("one letter");
        prop_assume!(changed[at] != new);
        changed[at] = new;
        let changed: String = changed.into_iter().collect();
        prop_assert_ne!(PublicKey::from_spki_base64(&changed), Ok(public));
    }

    // ---- signatures ----

    #[test]
    fn a_signature_round_trips_through_base64_der_and_json_and_verifies(
        key in signing_key(),
        message in proptest::collection::vec(any::<u8>(), 0..256),
    ) {
        let public = PublicKey::from(key.verifying_key());
        let signature = sign_bytes(&key, &message);
        let text = signature.to_base64();
        prop_assert_eq!(STANDARD.decode(&text).expect("standard base64"), signature.as_der());
        let back = Signature::from_base64(&text).expect("decodes");
        prop_assert_eq!(&back, &signature);
        prop_assert_eq!(Signature::from_base64(text.trim_end_matches('=')), Ok(signature.clone()));
        prop_assert_eq!(Signature::from_der(signature.as_der()), Ok(signature.clone()));
        let json = serde_json::to_string(&signature).expect("serializes");
        prop_assert_eq!(&serde_json::from_str::<Signature>(&json).expect("deserializes"), &signature);
        prop_assert_eq!(public.verify_bytes(&message, &back), Ok(()));
    }

    #[test]
    fn a_signature_does_not_verify_another_message_or_under_another_key(
        key in signing_key(),
        other_key in signing_key(),
        message in ".{0,64}",
        other_message in ".{0,64}",
    ) {
        let signature = signet_protocol::sign(&key, &message);
        if other_message != message {
            prop_assert_eq!(
                PublicKey::from(key.verifying_key()).verify(&other_message, &signature),
                Err(Error::SignatureMismatch)
            );
        }
        if other_key != key {
            prop_assert_eq!(
                PublicKey::from(other_key.verifying_key()).verify(&message, &signature),
                Err(Error::SignatureMismatch)
            );
        }
    }

    // ---- the time-window message ----

    #[test]
    fn the_window_message_is_the_window_number_with_a_dot_zero(seconds in any::<u64>()) {
        let message = time_window_message(seconds);
        let number = message.strip_suffix(".0").expect("ends in .0");
        prop_assert_eq!(number.parse::<u64>(), Ok(seconds / WINDOW_SECONDS));
        prop_assert_eq!(message.parse::<f64>().ok().map(f64::trunc), message.parse::<f64>().ok());
        let around = time_window_messages_around(seconds);
        prop_assert_eq!(&around[1], &message);
        let numbers: Vec<u64> = around
            .iter()
            .map(|m| m.strip_suffix(".0").and_then(|n| n.parse().ok()).expect("a window"))
            .collect();
        prop_assert!(numbers[0] <= numbers[1] && numbers[1] <= numbers[2]);
        prop_assert!(numbers[2] - numbers[0] <= 2);
    }

    // ---- Basic headers ----

    #[test]
    fn a_tenant_basic_header_gives_back_its_tenant(tenant in "[^:]{1,64}") {
        prop_assert_eq!(parse_basic_user(&tenant_basic_header(&tenant)), Ok(tenant.clone()));
    }

    #[test]
    fn a_basic_header_is_read_in_every_alphabet_padding_and_form(
        user in "[^:]{1,64}",
        password in proptest::option::of(".{0,32}"),
        scheme in prop_oneof![Just("Basic"), Just("basic"), Just("BASIC")],
    ) {
        let plain = match &password {
            Some(password) => format!("{user}:{password}"),
            None => user.clone(),
        };
        for engine in engines() {
            let header = format!("{scheme} {}", engine.encode(&plain));
            prop_assert_eq!(parse_basic_user(&header), Ok(user.clone()), "{}", header);
        }
    }

    // ---- the enrollment link ----

    #[test]
    fn an_enrollment_link_round_trips_through_its_text(
        base_url in base_url(),
        tenant_id in non_empty(),
        token in non_empty(),
        user in proptest::option::of(non_empty()),
        issuer in proptest::option::of(non_empty()),
    ) {
        let link = EnrollmentLink { base_url, tenant_id, token, user, issuer };
        let text = link.to_string();
        prop_assert!(text.is_ascii(), "{}", text);
        prop_assert_eq!(EnrollmentLink::parse(&text), Ok(link.clone()));
        // The token never shows in `Debug`.
        prop_assume!(link.token.len() > 8);
        let debug = format!("{link:?}");
        prop_assert!(!debug.contains(&link.token));
    }

    // ---- decoding arbitrary input never panics ----

    #[test]
    fn decoding_arbitrary_text_never_panics(text in any::<String>()) {
        let _ = PublicKey::from_spki_base64(&text);
        let _ = PublicKey::from_query(&text);
        let _ = Signature::from_base64(&text);
        let _ = parse_basic_user(&text);
        let _ = parse_basic_user(&format!("Basic {text}"));
        let _ = EnrollmentLink::parse(&text);
        let _ = EnrollmentLink::parse(&format!("signet://enroll?{text}"));
    }

    #[test]
    fn decoding_base64_like_text_never_panics(text in base64ish()) {
        let _ = PublicKey::from_spki_base64(&text);
        let _ = PublicKey::from_query(&text);
        let _ = Signature::from_base64(&text);
        let _ = parse_basic_user(&format!("Basic {text}"));
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..160)) {
        let _ = PublicKey::from_spki_der(&bytes);
        let _ = Signature::from_der(&bytes);
        let _ = PublicKey::from_spki_base64(&STANDARD.encode(&bytes));
        let _ = Signature::from_base64(&STANDARD.encode(&bytes));
        let _ = PublicKey::from_query(&URL_SAFE_NO_PAD.encode(&bytes));
    }

    #[test]
    fn an_spki_with_the_right_header_and_any_point_never_panics(
        point in proptest::collection::vec(any::<u8>(), 65),
    ) {
        let mut der = STANDARD
            .decode("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE")
            .expect("the header is base64");
        der.extend_from_slice(&point);
        if let Ok(key) = PublicKey::from_spki_der(&der) {
            // Whatever is accepted is a canonical key.
            prop_assert_eq!(key.to_spki_der(), der);
        }
    }

    #[test]
    fn link_like_text_never_panics_and_what_parses_prints_back_the_same(
        query in "(v=1|url=[a-z%0-9:/.]{0,24}|tenant=[^&]{0,8}|token=[^&]{0,8}|user=[^&]{0,8}|issuer=[^&]{0,8}|[a-z]{1,4}=[^&]{0,4})(&(v=[0-9]|url=https?%3A%2F%2F[a-z.]{1,12}%2Fv1|tenant=[^&]{0,8}|token=[^&]{0,8}|user=[^&]{0,8}|issuer=[^&]{0,8})){0,6}",
    ) {
        if let Ok(link) = EnrollmentLink::parse(&format!("signet://enroll?{query}")) {
            prop_assert_eq!(EnrollmentLink::parse(&link.to_string()), Ok(link));
        }
    }
}

/// Regression input from the `enrollment_link` fuzz target: a token that is also part of the
/// base URL. The link round-trips; `Debug` shows the URL (so that text) but not the token field.
#[test]
fn the_fuzzers_link_whose_token_is_inside_its_url_round_trips_and_redacts_the_token_field() {
    let text = include_str!(
        "../../../fuzz/regressions/enrollment_link/crash-a4779537cf4501bd14308e1394f12d3f32412089"
    );
    let link = EnrollmentLink::parse(&format!("signet://enroll?{text}")).expect("parses");
    assert!(link.base_url.as_str().contains(&link.token));
    assert_eq!(EnrollmentLink::parse(&link.to_string()), Ok(link.clone()));
    let debug = format!("{link:?}");
    assert!(debug.contains("token: \"<redacted>\""), "{debug}");
}
