//! The error every command returns: `{code, message}` with a stable camelCase `code` the UI
//! maps to its own words, and an English `message` as a fallback. Messages come from the
//! core's errors, which never carry keys, tokens or signatures.

use serde::Serialize;
use signet_core::{Error, LinkProblem};
use signet_protocol::{Error as ProtocolError, ErrorCode as WireCode};
use ts_rs::TS;

/// The stable error codes of the UI contract (generated into `ui/src/lib/bindings.ts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum ErrorCode {
    /// The enrollment link cannot be read.
    InvalidLink,
    /// The enrollment link is of a version this app does not know.
    UnsupportedLinkVersion,
    /// The server is plain http and not on this machine.
    InsecureServer,
    /// The server cannot be reached.
    Network,
    /// The enrollment link was already used to add a device.
    LinkAlreadyUsed,
    /// The enrollment link has expired (found on this device or by the server).
    LinkExpired,
    /// The server in the enrollment link does not recognise it.
    LinkNotForThisServer,
    /// The server refused for a reason without a code of its own here.
    Server,
    /// The server does not accept this device or token.
    Unauthorized,
    /// The enrollment token has expired.
    ExpiredToken,
    /// No such account.
    AccountNotFound,
    /// No such pending challenge.
    ChallengeNotFound,
    /// The challenge expired.
    ChallengeExpired,
    /// The challenge was already answered.
    ChallengeAlreadyAnswered,
    /// The challenge needs the number from the sign-in page.
    VerificationCodeRequired,
    /// The biometric prompt was cancelled or failed.
    BiometricCancelled,
    /// This device has no biometric the app can use.
    BiometricUnavailable,
    /// The platform keystore failed.
    Keystore,
    /// The app's files could not be read or written.
    Storage,
    /// Settings out of range.
    InvalidSettings,
    /// The system refused to start the app at login, or to stop doing so.
    StartAtLogin,
    /// Anything else.
    Internal,
}

#[cfg(test)]
impl ErrorCode {
    /// Every code, in declaration order (the UI's list; its type check fails when one is
    /// missing here).
    pub const ALL: [Self; 22] = [
        Self::InvalidLink,
        Self::UnsupportedLinkVersion,
        Self::InsecureServer,
        Self::Network,
        Self::LinkAlreadyUsed,
        Self::LinkExpired,
        Self::LinkNotForThisServer,
        Self::Server,
        Self::Unauthorized,
        Self::ExpiredToken,
        Self::AccountNotFound,
        Self::ChallengeNotFound,
        Self::ChallengeExpired,
        Self::ChallengeAlreadyAnswered,
        Self::VerificationCodeRequired,
        Self::BiometricCancelled,
        Self::BiometricUnavailable,
        Self::Keystore,
        Self::Storage,
        Self::InvalidSettings,
        Self::StartAtLogin,
        Self::Internal,
    ];
}

/// A command's error, as the UI receives it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct CommandError {
    /// What kind of error, for the UI's words.
    pub code: ErrorCode,
    /// An English description, for when the UI has no words of its own.
    pub message: String,
}

impl CommandError {
    /// An error with a code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl From<Error> for CommandError {
    fn from(error: Error) -> Self {
        let code = match &error {
            Error::Protocol(ProtocolError::UnsupportedLinkVersion { .. }) => {
                ErrorCode::UnsupportedLinkVersion
            }
            Error::Protocol(_) | Error::InvalidToken => ErrorCode::InvalidLink,
            Error::InsecureUrl { .. } => ErrorCode::InsecureServer,
            Error::EnrollmentLink { problem } => match problem {
                LinkProblem::AlreadyUsed => ErrorCode::LinkAlreadyUsed,
                LinkProblem::Expired => ErrorCode::LinkExpired,
                _ => ErrorCode::LinkNotForThisServer,
            },
            Error::Network { .. } | Error::Timeout => ErrorCode::Network,
            Error::Server { code, .. } => match code {
                Some(WireCode::Unauthorized | WireCode::InvalidScope) => ErrorCode::Unauthorized,
                Some(WireCode::ExpiredToken) => ErrorCode::ExpiredToken,
                Some(WireCode::ChallengeNotFound) => ErrorCode::ChallengeNotFound,
                Some(WireCode::ChallengeExpired) => ErrorCode::ChallengeExpired,
                Some(WireCode::ChallengeAlreadyAnswered) => ErrorCode::ChallengeAlreadyAnswered,
                _ => ErrorCode::Server,
            },
            Error::UnknownAccount { .. } => ErrorCode::AccountNotFound,
            Error::UnknownChallenge { .. } => ErrorCode::ChallengeNotFound,
            Error::ChallengeExpired { .. } => ErrorCode::ChallengeExpired,
            Error::VerificationCodeRequired => ErrorCode::VerificationCodeRequired,
            Error::UserVerificationFailed => ErrorCode::BiometricCancelled,
            Error::UserVerificationUnavailable => ErrorCode::BiometricUnavailable,
            Error::KeyNotFound { .. }
            | Error::KeyExists { .. }
            | Error::KeyCorrupt { .. }
            | Error::Keystore { .. } => ErrorCode::Keystore,
            Error::AccountsCorrupt { .. }
            | Error::AccountsVersion { .. }
            | Error::AccountsIo { .. } => ErrorCode::Storage,
            Error::InvalidSettings { .. } => ErrorCode::InvalidSettings,
            _ => ErrorCode::Internal,
        };
        Self::new(code, error.to_string())
    }
}

/// What every command returns.
pub type CommandResult<T> = Result<T, CommandError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unsupported_link_version_keeps_its_own_code() {
        let error = Error::from(ProtocolError::UnsupportedLinkVersion {
            version: "2".into(),
        });
        assert_eq!(
            CommandError::from(error).code,
            ErrorCode::UnsupportedLinkVersion
        );
    }

    #[test]
    fn each_enrollment_link_problem_has_its_own_code() {
        for (problem, code, wire) in [
            (
                LinkProblem::AlreadyUsed,
                ErrorCode::LinkAlreadyUsed,
                "linkAlreadyUsed",
            ),
            (LinkProblem::Expired, ErrorCode::LinkExpired, "linkExpired"),
            (
                LinkProblem::NotForThisServer,
                ErrorCode::LinkNotForThisServer,
                "linkNotForThisServer",
            ),
        ] {
            let mapped = CommandError::from(Error::EnrollmentLink { problem });
            assert_eq!(mapped.code, code);
            assert_eq!(serde_json::to_value(&mapped).unwrap()["code"], wire);
        }
    }

    #[test]
    fn a_server_refusal_with_a_protocol_code_maps_to_that_code() {
        let error = Error::Server {
            status: 400,
            code: Some(WireCode::ChallengeAlreadyAnswered),
            error: "challenge_already_answered".into(),
            description: None,
        };
        let mapped = CommandError::from(error);
        assert_eq!(mapped.code, ErrorCode::ChallengeAlreadyAnswered);
        let json = serde_json::to_value(&mapped).unwrap();
        assert_eq!(json["code"], "challengeAlreadyAnswered");
    }
}
