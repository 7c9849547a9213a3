//! Lenient base64 decoding shared by the codecs: either alphabet, padding optional.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Standard alphabet, padding optional on decode, always written on encode.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Decodes `text` written in the standard or the url-safe alphabet, padded or not.
pub(crate) fn decode_any(text: &str) -> Option<Vec<u8>> {
    // url-safe letters map one to one onto the standard ones.
    let normalized: String = text
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            other => other,
        })
        .collect();
    LENIENT.decode(normalized).ok()
}

/// Decodes standard-alphabet base64, padded or not.
pub(crate) fn decode_standard(text: &str) -> Option<Vec<u8>> {
    LENIENT.decode(text).ok()
}

/// Encodes with the standard alphabet and padding.
pub(crate) fn encode(bytes: impl AsRef<[u8]>) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
