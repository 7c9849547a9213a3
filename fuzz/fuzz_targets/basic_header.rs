//! `parse_basic_user` on arbitrary header values: never a panic; a user that is read comes
//! back from the header Signet writes for it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signet_protocol::{parse_basic_user, tenant_basic_header};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for candidate in [text.to_owned(), format!("Basic {text}")] {
        if let Ok(user) = parse_basic_user(&candidate) {
            assert!(!user.is_empty() && !user.contains(':'));
            assert_eq!(parse_basic_user(&tenant_basic_header(&user)), Ok(user));
        }
    }
});
