//! `PublicKey::from_query` (the `publicKey=` value, `Q(PK)`) on arbitrary text: never a panic;
//! a key that is read has one query form and one SPKI text, which read back to it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signet_protocol::PublicKey;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(key) = PublicKey::from_query(text) {
        assert_eq!(PublicKey::from_query(&key.to_query()), Ok(key));
        assert_eq!(PublicKey::from_spki_base64(&key.to_spki_base64()), Ok(key));
    }
});
