//! The events the shell emits to the UI. Names are kebab-case and part of the UI contract
//! (`ui/src/lib/api.ts` listens for exactly these).

/// A new challenge is pending; payload: the challenge.
pub const CHALLENGE_RECEIVED: &str = "challenge-received";
/// A challenge expired unanswered; payload: `{challengeId}`.
pub const CHALLENGE_EXPIRED: &str = "challenge-expired";
/// An account's connection to its server changed; payload: `{accountId, connection}`.
pub const CONNECTION_CHANGED: &str = "connection-changed";
/// The list of accounts changed; payload: `null`.
pub const ACCOUNTS_CHANGED: &str = "accounts-changed";
/// The user tapped a notification; payload: `{challengeId}`.
pub const OPEN_CHALLENGE: &str = "open-challenge";
/// A `signet://enroll` deep link arrived; payload: `{link}`.
pub const ENROLL_LINK: &str = "enroll-link";
