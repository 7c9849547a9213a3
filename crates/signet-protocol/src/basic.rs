//! `Authorization: Basic` headers: tenant Basic (device calls) and secret-key Basic (RP backend).

use crate::{Error, b64};

/// `Basic base64("<tenantId>:")`, standard alphabet with padding, as Signet's device sends it.
pub fn tenant_basic_header(tenant_id: &str) -> String {
    format!("Basic {}", b64::encode(format!("{tenant_id}:")))
}

/// Reads the user part of a Basic header value: the tenant id of a device call, or the secret
/// key of an RP backend call.
///
/// Accepts `Basic X` (scheme in any case) where `X` is standard or url-safe base64, padded or
/// not, of `user:`, `user:password` or `user` (the browser SDK's form without the colon).
pub fn parse_basic_user(header_value: &str) -> Result<String, Error> {
    // 1. The scheme, then the credentials after whitespace.
    let (scheme, rest) = header_value
        .trim()
        .split_once(char::is_whitespace)
        .ok_or(Error::InvalidBasicAuth)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(Error::InvalidBasicAuth);
    }
    // 2. Base64, either alphabet, padding optional, of UTF-8 text.
    let bytes = b64::decode_any(rest.trim()).ok_or(Error::InvalidBasicAuth)?;
    let text = String::from_utf8(bytes).map_err(|_| Error::InvalidBasicAuth)?;
    // 3. The user is everything before the first colon, or all of it without one.
    let user = text.split_once(':').map_or(text.as_str(), |(user, _)| user);
    if user.is_empty() {
        return Err(Error::InvalidBasicAuth);
    }
    Ok(user.to_owned())
}
