//! What can be told about an enrollment link before its token is used, and what a server's
//! refusal of it (3.1) means, so that each failure gets its own words.
//!
//! The track token is opaque to the protocol (docs/protocol.md 2), but both Signet and
//! Authsignal issue JWTs: the device reads the payload's `exp` and `sub` **without verifying
//! the signature**, only to warn early (an expired link, an account already enrolled). Nothing
//! here trusts the claims for anything else; a token that is not a JWT is sent as it is, and
//! the server decides.

use base64::Engine as _;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use serde_json::Value;
use signet_protocol::{EnrollmentLink, ErrorCode};

use crate::accounts::Account;
use crate::{Error, LinkProblem};

/// How long after its `exp` a token is still sent to the server (seconds): the device's clock
/// may be behind the server's, and the server has the last word on expiry.
pub const EXPIRY_LEEWAY_SECONDS: u64 = 60;

/// The claims of a link's token that the device reads, unverified.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenClaims {
    /// The payload's `exp` (Unix seconds), when it has an integer one.
    pub expires_at: Option<u64>,
    /// The payload's `sub` (the server's user id), when it has one.
    pub subject: Option<String>,
}

impl TokenClaims {
    /// Reads the payload (the second of three dot-separated base64url parts) of a JWT without
    /// checking its signature. Anything that is not such a token gives empty claims.
    pub fn peek(token: &str) -> Self {
        let mut parts = token.split('.');
        let (Some(_), Some(payload), Some(_), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Self::default();
        };
        let Some(bytes) = URL_SAFE_NO_PAD
            .decode(payload)
            .ok()
            .or_else(|| URL_SAFE.decode(payload).ok())
        else {
            return Self::default();
        };
        let Ok(Value::Object(claims)) = serde_json::from_slice::<Value>(&bytes) else {
            return Self::default();
        };
        Self {
            expires_at: claims.get("exp").and_then(Value::as_u64),
            subject: claims.get("sub").and_then(Value::as_str).map(str::to_owned),
        }
    }

    /// Whether the token has expired at `now` (Unix seconds), leeway included. A token
    /// without `exp` is left to the server.
    pub fn expired_at(&self, now: u64) -> bool {
        self.expires_at
            .is_some_and(|exp| now >= exp.saturating_add(EXPIRY_LEEWAY_SECONDS))
    }
}

/// Whether `account` is the link's user on the link's server and tenant: the same base URL
/// and tenant, and the same user id (the token's `sub`) or, when the token names none, the
/// same user label.
pub fn same_user(account: &Account, link: &EnrollmentLink, claims: &TokenClaims) -> bool {
    let same_server = account.base_url.as_str().trim_end_matches('/')
        == link.base_url.as_str().trim_end_matches('/')
        && account.tenant_id == link.tenant_id;
    let same_user = match (&claims.subject, &link.user) {
        (Some(subject), _) => &account.user_id == subject,
        (None, Some(label)) => account.user_label.as_ref() == Some(label),
        (None, None) => false,
    };
    same_server && same_user
}

/// The error of a refused 3.1 add credential, in the link's terms: a used, expired or
/// foreign link gets [`Error::EnrollmentLink`]; anything else (network, server fault) is
/// left as it is.
pub(crate) fn refusal(error: Error) -> Error {
    let problem = match &error {
        Error::Server {
            code: Some(ErrorCode::InvalidScope),
            ..
        } => LinkProblem::AlreadyUsed,
        Error::Server {
            code: Some(ErrorCode::ExpiredToken),
            ..
        } => LinkProblem::Expired,
        Error::Server {
            code: Some(ErrorCode::Unauthorized),
            ..
        }
        | Error::Server {
            status: 404 | 405,
            code: None | Some(ErrorCode::InvalidRequest),
            ..
        } => LinkProblem::NotForThisServer,
        _ => return error,
    };
    Error::EnrollmentLink { problem }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: &str) -> String {
        format!(
            "{}.{}.c2ln",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256"}"#),
            URL_SAFE_NO_PAD.encode(payload)
        )
    }

    #[test]
    fn a_jwt_payload_gives_its_expiry_and_subject() {
        let claims = TokenClaims::peek(&jwt(r#"{"sub":"ada","exp":1800000600,"scope":"x"}"#));
        assert_eq!(claims.expires_at, Some(1_800_000_600));
        assert_eq!(claims.subject.as_deref(), Some("ada"));
        assert!(!claims.expired_at(1_800_000_600));
        assert!(claims.expired_at(1_800_000_600 + EXPIRY_LEEWAY_SECONDS));
    }

    #[test]
    fn an_opaque_or_damaged_token_gives_no_claims_and_never_counts_as_expired() {
        for token in [
            "opaque",
            "a.b",
            "a.%%%.c",
            "a.b.c.d",
            &jwt("not json"),
            &jwt("[1,2]"),
            &jwt(r#"{"exp":"soon","sub":7}"#),
        ] {
            let claims = TokenClaims::peek(token);
            assert_eq!(claims, TokenClaims::default(), "{token}");
            assert!(!claims.expired_at(u64::MAX), "{token}");
        }
    }

    #[test]
    fn only_refusals_about_the_link_become_link_problems() {
        let server = |status, code| Error::Server {
            status,
            code,
            error: "e".into(),
            description: None,
        };
        let problem = |error| match refusal(error) {
            Error::EnrollmentLink { problem } => Some(problem),
            _ => None,
        };
        assert_eq!(
            problem(server(403, Some(ErrorCode::InvalidScope))),
            Some(LinkProblem::AlreadyUsed)
        );
        assert_eq!(
            problem(server(401, Some(ErrorCode::ExpiredToken))),
            Some(LinkProblem::Expired)
        );
        assert_eq!(
            problem(server(401, Some(ErrorCode::Unauthorized))),
            Some(LinkProblem::NotForThisServer)
        );
        assert_eq!(
            problem(server(404, None)),
            Some(LinkProblem::NotForThisServer)
        );
        assert_eq!(problem(server(503, None)), None);
        assert_eq!(problem(Error::Timeout), None);
    }
}
