//! `Signature::from_der` on arbitrary bytes and `from_base64` on arbitrary text: never a
//! panic; an accepted signature is its DER, prints back and verifies nothing by accident.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signet_protocol::{PublicKey, Signature};

/// The public key of the scalar 1 (the generator), a fixed key to verify against.
fn key() -> PublicKey {
    PublicKey::from_spki_base64(
        "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEaxfR8uEsQkf4vOblY6RA8ncDfYEt6zOg9KE5RdiYwpZP40Li/hp/m47n60p8D54WK84zV2sxXs7LtkBoN79R9Q==",
    )
    .expect("the fixed key decodes")
}

fuzz_target!(|data: &[u8]| {
    if let Ok(signature) = Signature::from_der(data) {
        assert_eq!(signature.as_der(), data);
        assert_eq!(Signature::from_base64(&signature.to_base64()), Ok(signature.clone()));
        // Verifying never panics, whatever the signature.
        let _ = key().verify("challenge", &signature);
    }
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(signature) = Signature::from_base64(text)
    {
        assert_eq!(Signature::from_der(signature.as_der()), Ok(signature.clone()));
        let _ = key().verify_bytes(data, &signature);
    }
});
