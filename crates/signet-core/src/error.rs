//! The crate's error type.

use std::path::PathBuf;

use signet_protocol::ErrorCode;

use crate::accounts::AccountId;
use crate::keys::KeyAlias;

/// Everything that can go wrong in the device core.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No key is stored under this alias (never created, or deleted).
    #[error("no key named `{alias}` in the keystore")]
    KeyNotFound {
        /// The key's alias.
        alias: KeyAlias,
    },
    /// A key already exists under this alias; keys are never overwritten.
    #[error("a key named `{alias}` already exists in the keystore")]
    KeyExists {
        /// The key's alias.
        alias: KeyAlias,
    },
    /// The keystore holds something under this alias that is not a Signet P-256 key.
    #[error("the keystore entry `{alias}` is not a Signet key")]
    KeyCorrupt {
        /// The key's alias.
        alias: KeyAlias,
    },
    /// The platform keystore failed or refused access (locked, absent, denied).
    #[error("the platform keystore failed: {source}")]
    Keystore {
        /// What the keystore said.
        #[source]
        source: keyring_core::Error,
    },
    /// A failure injected into a [`MemoryKeyStore`](crate::keys::MemoryKeyStore) by a test
    /// (only with the `testable` feature).
    #[cfg(feature = "testable")]
    #[error("injected keystore failure")]
    InjectedFailure,
    /// The accounts file could not be parsed; it was moved aside, keys are untouched.
    #[error(
        "the accounts file {} is damaged and was moved to {}; no key was deleted ({reason})",
        path.display(), kept_at.display()
    )]
    AccountsCorrupt {
        /// Where the file was.
        path: PathBuf,
        /// Where the damaged file is kept now.
        kept_at: PathBuf,
        /// What the parser said.
        reason: String,
    },
    /// The accounts file was written by a newer version of Signet; it is left as it is.
    #[error("the accounts file {} has format version {found}, newer than this app reads (1); update the app", path.display())]
    AccountsVersion {
        /// The file.
        path: PathBuf,
        /// The version found in it.
        found: u64,
    },
    /// The accounts file or its folder could not be read or written.
    #[error("cannot read or write {}: {source}", path.display())]
    AccountsIo {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A data file other than the accounts file (history, settings) could not be read or
    /// written.
    #[error("cannot read or write {}: {source}", path.display())]
    DataIo {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// Settings out of range; nothing was saved.
    #[error("invalid settings: {reason}")]
    InvalidSettings {
        /// What is out of range.
        reason: &'static str,
    },
    /// No enrolled account has this id.
    #[error("no account `{id}`")]
    UnknownAccount {
        /// The id asked for.
        id: AccountId,
    },
    /// The server URL is plain `http` and not a loopback address, or not http(s) at all.
    #[error("refusing {url}: the server must use https (plain http only on loopback)")]
    InsecureUrl {
        /// The URL refused.
        url: String,
    },
    /// The enrollment link cannot be used: found before sending anything (its token's `exp`
    /// has passed) or from the server's answer to 3.1 (see [`LinkProblem`]).
    #[error("{problem}")]
    EnrollmentLink {
        /// What is wrong with the link.
        problem: LinkProblem,
    },
    /// The enrollment token has characters that cannot go into an HTTP header.
    #[error("the enrollment token is not valid (it has characters a token cannot have)")]
    InvalidToken,
    /// The server answered with an error (docs/protocol.md section 7).
    #[error("the server refused ({status}{}): {}", code.map(|c| format!(", {c}")).unwrap_or_default(), description.as_deref().unwrap_or(error))]
    Server {
        /// The HTTP status.
        status: u16,
        /// The protocol's `errorCode`, when it is one the protocol names.
        code: Option<ErrorCode>,
        /// The body's `error` (or the status text when the body was not a protocol error).
        error: String,
        /// The body's `errorDescription`.
        description: Option<String>,
    },
    /// The server could not be reached, or the connection broke.
    #[error("cannot reach the server: {source}")]
    Network {
        /// What the HTTP client said.
        #[source]
        source: reqwest::Error,
    },
    /// The server did not answer in time.
    #[error("the server did not answer in time")]
    Timeout,
    /// The server's answer was larger than the limit.
    #[error("the server's answer is larger than {limit} bytes")]
    ResponseTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The server's answer is not what the protocol says it is.
    #[error("the server's answer to {call} is not valid: {reason}")]
    InvalidResponse {
        /// Which call.
        call: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// Decoding protocol data failed (link, key, signature).
    #[error(transparent)]
    Protocol(#[from] signet_protocol::Error),
    /// No pending challenge has this id (answered, expired, or never seen).
    #[error("no pending challenge `{id}`")]
    UnknownChallenge {
        /// The id asked for.
        id: String,
    },
    /// The challenge expired before it was answered.
    #[error("challenge `{id}` has expired")]
    ChallengeExpired {
        /// The challenge's id.
        id: String,
    },
    /// The challenge asks for the number shown on the sign-in page, and none was given.
    #[error("this sign-in asks for the number shown on the sign-in page")]
    VerificationCodeRequired,
    /// The user did not pass the user-verification step (biometric cancelled or failed).
    #[error("user verification failed or was cancelled")]
    UserVerificationFailed,
    /// The account asks for a biometric, and this device cannot do one.
    #[error("this account asks for a biometric check, which this device cannot do")]
    UserVerificationUnavailable,
    /// The platform gave a push token that is empty or longer than the protocol allows.
    #[error("the push token is empty or longer than 1024 bytes")]
    InvalidPushToken,
    /// A wake-up's data is not `{challengeId, userAuthenticatorId}` (docs/protocol.md 8.6).
    #[error("the wake-up is not valid: {reason}")]
    InvalidWakeUp {
        /// What is wrong with it.
        reason: String,
    },
    /// A wake-up names an authenticator that no account on this device has.
    #[error("the wake-up is for an authenticator this device does not hold")]
    WakeUpForUnknownAuthenticator,
    /// A background task of the core stopped unexpectedly.
    #[error("a background task stopped unexpectedly")]
    TaskFailed,
}

/// Why an enrollment link cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LinkProblem {
    /// The link's token was already used to enroll another key (the server answers 3.1
    /// with `invalid_scope`: a token enrolls one key, and a token without
    /// `add:authenticators` cannot add a second device either).
    #[error("this enrollment link was already used; ask for a new one")]
    AlreadyUsed,
    /// The link's token has expired (its `exp` has passed, or the server says
    /// `expired_token`).
    #[error("this enrollment link has expired; ask for a new one")]
    Expired,
    /// The server in the link does not know the link's token (`unauthorized`, or no push
    /// API at that address): the link was made by another server, or altered.
    #[error("the server in this enrollment link does not recognise it")]
    NotForThisServer,
}

impl Error {
    /// Whether trying again later may succeed: the server unreachable, slow, overloaded or
    /// rate-limiting. Used by the watch loop's backoff.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Network { .. } | Self::Timeout => true,
            Self::Server { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }

    /// Whether the server no longer knows this device's credential (`invalid_credential`:
    /// removed on the server, or its lease ended): the account needs to be enrolled again.
    pub fn is_credential_lost(&self) -> bool {
        self.error_code() == Some(ErrorCode::InvalidCredential)
    }

    /// The protocol's `errorCode` of a server error.
    pub fn error_code(&self) -> Option<ErrorCode> {
        match self {
            Self::Server { code, .. } => *code,
            _ => None,
        }
    }
}
