//! Device keys: one P-256 key per enrolled account, behind the [`DeviceKeyStore`] trait.
//!
//! The private key never leaves a store's boundary through any API: a store creates a key and
//! hands back its public half, and signs exact message bytes. Two stores:
//! [`KeyringKeyStore`] (the platform keystore, through keyring-core) and [`MemoryKeyStore`]
//! (real keys in memory, for tests and throwaway runs; with the `testable` feature, failures
//! can be injected).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use signet_protocol::{PublicKey, Signature};

use crate::Error;

mod keyring;
mod memory;

#[cfg(not(any(target_os = "android", target_os = "ios")))]
#[path = "desktop.rs"]
mod platform;
#[cfg(any(target_os = "android", target_os = "ios"))]
#[path = "mobile.rs"]
mod platform;

pub use keyring::KeyringKeyStore;
pub use memory::MemoryKeyStore;

/// The name of one key in a store: ASCII letters, digits, `-`, `_` and `.`, 1 to 64 of them.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyAlias(String);

impl KeyAlias {
    /// Longest alias accepted.
    pub const MAX_LEN: usize = 64;

    /// A new random alias, `signet-` and 32 hex digits.
    pub fn generate() -> Self {
        Self(format!("signet-{}", crate::random_hex::<16>()))
    }

    /// Checks and wraps an alias.
    pub fn new(text: &str) -> Option<Self> {
        let valid = !text.is_empty()
            && text.len() <= Self::MAX_LEN
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        valid.then(|| Self(text.to_owned()))
    }

    /// The alias as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KeyAlias {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for KeyAlias {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyAlias({})", self.0)
    }
}

impl FromStr for KeyAlias {
    type Err = InvalidAlias;

    fn from_str(text: &str) -> Result<Self, InvalidAlias> {
        Self::new(text).ok_or(InvalidAlias)
    }
}

/// The text is not a valid [`KeyAlias`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidAlias;

impl fmt::Display for InvalidAlias {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key alias is 1 to 64 ASCII letters, digits, '-', '_' or '.'")
    }
}

impl std::error::Error for InvalidAlias {}

impl Serialize for KeyAlias {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for KeyAlias {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::new(&text).ok_or_else(|| serde::de::Error::custom(InvalidAlias))
    }
}

/// What a key store is and what it guarantees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyStoreDescription {
    /// A human name of the backend, e.g. "Secret Service" or "memory".
    pub backend: String,
    /// Whether signing happens inside hardware the private key never leaves.
    pub hardware_backed: bool,
    /// Whether the store itself asks the user (presence, biometric) before each signature.
    pub user_presence: bool,
    /// Whether keys outlive the process.
    pub persistent: bool,
}

/// A store of device keys: P-256, one per alias, private halves never handed out.
///
/// Calls may block (the platform keystore talks to a daemon or the OS); async callers run them
/// on a blocking thread.
pub trait DeviceKeyStore: Send + Sync + fmt::Debug {
    /// Creates a new key under `alias` and returns its public key. Fails with
    /// [`Error::KeyExists`] when the alias is taken: a key is never overwritten.
    fn create(&self, alias: &KeyAlias) -> Result<PublicKey, Error>;

    /// The public key of the key under `alias`.
    fn public_key(&self, alias: &KeyAlias) -> Result<PublicKey, Error>;

    /// Signs the exact bytes of `message` (ECDSA P-256 over SHA-256), returning a DER signature.
    fn sign(&self, alias: &KeyAlias, message: &[u8]) -> Result<Signature, Error>;

    /// Deletes the key under `alias`. Deleting a key that does not exist succeeds.
    fn delete(&self, alias: &KeyAlias) -> Result<(), Error>;

    /// What this store is.
    fn describe(&self) -> KeyStoreDescription;
}

impl<T: DeviceKeyStore + ?Sized> DeviceKeyStore for std::sync::Arc<T> {
    fn create(&self, alias: &KeyAlias) -> Result<PublicKey, Error> {
        (**self).create(alias)
    }

    fn public_key(&self, alias: &KeyAlias) -> Result<PublicKey, Error> {
        (**self).public_key(alias)
    }

    fn sign(&self, alias: &KeyAlias, message: &[u8]) -> Result<Signature, Error> {
        (**self).sign(alias, message)
    }

    fn delete(&self, alias: &KeyAlias) -> Result<(), Error> {
        (**self).delete(alias)
    }

    fn describe(&self) -> KeyStoreDescription {
        (**self).describe()
    }
}
