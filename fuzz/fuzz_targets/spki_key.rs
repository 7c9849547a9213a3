//! `PublicKey::from_spki_der` on arbitrary bytes and `from_spki_base64` on arbitrary text:
//! never a panic; an accepted DER is exactly the canonical encoding of the key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signet_protocol::PublicKey;

fuzz_target!(|data: &[u8]| {
    if let Ok(key) = PublicKey::from_spki_der(data) {
        assert_eq!(key.to_spki_der(), data);
        assert_eq!(PublicKey::from_spki_base64(&key.to_spki_base64()), Ok(key));
    }
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(key) = PublicKey::from_spki_base64(text)
    {
        assert_eq!(PublicKey::from_spki_der(&key.to_spki_der()), Ok(key));
    }
});
