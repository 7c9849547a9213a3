//! `EnrollmentLink::parse` on arbitrary text: never a panic; a link that parses prints back to
//! a link that parses equal, and its `Debug` never shows the token.
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
            if link.token.len() >= 8 {
                assert!(!format!("{link:?}").contains(&link.token));
            }
        }
    }
});
