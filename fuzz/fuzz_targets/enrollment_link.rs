//! `EnrollmentLink::parse` on arbitrary text: never a panic; a link that parses prints back to
//! a link that parses equal, and its `Debug` never shows the token.
//!
//! Crash found (harness, not code): a token that is also part of the base URL shows in
//! `Debug` through the URL; kept in `signet-protocol/tests/proptest_codecs.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signet_protocol::EnrollmentLink;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for candidate in [text.to_owned(), format!("signet://enroll?{text}")] {
        if let Ok(link) = EnrollmentLink::parse(&candidate) {
            let printed = link.to_string();
            assert_eq!(EnrollmentLink::parse(&printed).as_ref(), Ok(&link), "{printed}");
            // `Debug` hides the token (unless the same text is also in a field it shows).
            let shown = [
                link.base_url.as_str(),
                link.tenant_id.as_str(),
                link.user.as_deref().unwrap_or(""),
                link.issuer.as_deref().unwrap_or(""),
            ];
            if link.token.len() >= 8 && !shown.iter().any(|field| field.contains(&link.token)) {
                assert!(!format!("{link:?}").contains(&link.token));
            }
        }
    }
});
