//! Input from the page: JSON bodies, user ids and other texts, the browser's `User-Agent`.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;
use signet_protocol::ErrorCode;

use crate::BODY_LIMIT;
use crate::refusal::Refusal;

/// The longest user id the routes accept.
const MAX_USER_ID: usize = 128;

/// Reads a JSON body, or says in words what is wrong with it.
pub(crate) fn parse_body<T: DeserializeOwned>(
    body: Result<Bytes, BytesRejection>,
) -> Result<T, Refusal> {
    let bytes = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Refusal::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::InvalidRequest,
                format!("The request body is larger than {BODY_LIMIT} bytes."),
            )
        } else {
            Refusal::invalid("The request body could not be read.")
        }
    })?;
    if bytes.is_empty() {
        return Err(Refusal::invalid(
            "The request has no body; send a JSON object.",
        ));
    }
    serde_json::from_slice(&bytes).map_err(|error| {
        let problem = match error.classify() {
            serde_json::error::Category::Data => format!("it has the wrong fields: {error}"),
            _ => "it is not valid JSON".to_owned(),
        };
        Refusal::invalid(format!("The request body was not understood: {problem}."))
    })
}

/// A user id: trimmed, 1 to 128 characters, no control characters.
pub(crate) fn check_user_id(text: &str) -> Result<String, Refusal> {
    check_text(text, "a user id", MAX_USER_ID)
}

/// A trimmed text of 1 to `max` characters without control characters; `what` names it.
pub(crate) fn check_text(text: &str, what: &str, max: usize) -> Result<String, Refusal> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Refusal::invalid(format!("Enter {what}.")));
    }
    if text.chars().count() > max {
        return Err(Refusal::invalid(format!(
            "Enter {what} of at most {max} characters."
        )));
    }
    if text.chars().any(char::is_control) {
        return Err(Refusal::invalid(format!(
            "Enter {what} without control characters (such as line breaks or tabs)."
        )));
    }
    Ok(text.to_owned())
}

/// The browser's `User-Agent`, passed on so the phone can show it.
pub(crate) fn user_agent(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::USER_AGENT)
        .and_then(|value| value.to_str().ok())
        .map(|value| value.chars().take(512).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_id_is_trimmed_and_bounded() {
        assert_eq!(check_user_id("  alice  ").ok().as_deref(), Some("alice"));
        assert!(check_user_id("   ").is_err());
        assert!(check_user_id(&"a".repeat(129)).is_err());
        assert!(check_user_id("a\nb").is_err());
        assert!(check_user_id(&"é".repeat(128)).is_ok());
    }
}
