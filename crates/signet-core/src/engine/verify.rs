//! The user-verification hook: the shell implements it with the biometric plugin.

use std::fmt;

/// Asks the user to prove presence (Face ID, fingerprint, device PIN) before a key signs.
///
/// Calls may block (a system sheet is up); the engine runs them on a blocking thread.
pub trait UserVerifier: Send + Sync + fmt::Debug {
    /// Whether this device can verify the user at all. An account can require verification
    /// only where this is true.
    fn is_available(&self) -> bool;

    /// Asks the user, showing `reason`. `Ok(())` only when the user passed.
    fn verify(&self, reason: &str) -> Result<(), VerificationFailed>;
}

/// The user did not pass verification (cancelled, failed, locked out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerificationFailed;

/// No user verification on this device (the CLI, platforms without biometrics): accounts
/// that require it cannot approve.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoUserVerification;

impl UserVerifier for NoUserVerification {
    fn is_available(&self) -> bool {
        false
    }

    fn verify(&self, _reason: &str) -> Result<(), VerificationFailed> {
        Err(VerificationFailed)
    }
}
