//! [`KeyringKeyStore`]: a P-256 key whose secret lives in a keyring-core credential store.

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use keyring_core::{CredentialStore, Entry};
use p256::ecdsa::SigningKey;
use signet_protocol::{PublicKey, Signature, sign_bytes};
use zeroize::Zeroizing;

use super::{DeviceKeyStore, KeyAlias, KeyStoreDescription, platform};
use crate::Error;

/// The keystore service name Signet's keys are filed under.
pub const DEFAULT_SERVICE: &str = "signet";

/// What a stored secret starts with: the format of the text after it (base64 of the 32-byte
/// P-256 secret scalar).
const SECRET_PREFIX: &str = "signet-p256-v1:";

/// Keys in a keyring-core credential store: by default the platform's (Secret Service on
/// Linux, Keychain on macOS, Credential Manager on Windows, the Android keystore-wrapped
/// store on Android, protected data on iOS).
///
/// Each key is one entry (service, alias) whose secret is the P-256 secret scalar. The scalar
/// is read only to sign, held in zeroizing memory, and never returned or logged.
pub struct KeyringKeyStore {
    store: Arc<CredentialStore>,
    service: String,
    backend: &'static str,
}

impl KeyringKeyStore {
    /// The platform keystore, with keys filed under [`DEFAULT_SERVICE`].
    pub fn platform() -> Result<Self, Error> {
        Self::platform_with_service(DEFAULT_SERVICE)
    }

    /// The platform keystore, with keys filed under `service` (tests use their own).
    pub fn platform_with_service(service: &str) -> Result<Self, Error> {
        let store = platform::Platform::open().map_err(|source| Error::Keystore { source })?;
        Ok(Self {
            store,
            service: service.to_owned(),
            backend: platform::Platform::NAME,
        })
    }

    /// Any keyring-core credential store, e.g. keyring-core's mock store.
    pub fn with_store(store: Arc<CredentialStore>, service: &str, backend: &'static str) -> Self {
        Self {
            store,
            service: service.to_owned(),
            backend,
        }
    }

    fn entry(&self, alias: &KeyAlias) -> Result<Entry, Error> {
        Entry::new_in_store(&self.store, &self.service, alias.as_str())
            .map_err(|source| Error::Keystore { source })
    }

    /// Reads the signing key under `alias`.
    fn signing_key(&self, alias: &KeyAlias) -> Result<SigningKey, Error> {
        let text = self
            .entry(alias)?
            .get_password()
            .map(Zeroizing::new)
            .map_err(|error| map_error(error, alias))?;
        decode_secret(&text).ok_or_else(|| Error::KeyCorrupt {
            alias: alias.clone(),
        })
    }
}

/// Decodes a stored secret text into a signing key.
fn decode_secret(text: &str) -> Option<SigningKey> {
    let encoded = text.strip_prefix(SECRET_PREFIX)?;
    let bytes = Zeroizing::new(STANDARD.decode(encoded).ok()?);
    SigningKey::from_slice(&bytes).ok()
}

/// Encodes a signing key's secret scalar as stored text.
fn encode_secret(key: &SigningKey) -> Zeroizing<String> {
    let bytes = Zeroizing::new(key.to_bytes());
    let encoded = Zeroizing::new(STANDARD.encode(bytes.as_slice()));
    Zeroizing::new(format!("{SECRET_PREFIX}{}", encoded.as_str()))
}

/// Maps a keyring error about `alias` to the crate's error.
fn map_error(error: keyring_core::Error, alias: &KeyAlias) -> Error {
    match error {
        keyring_core::Error::NoEntry => Error::KeyNotFound {
            alias: alias.clone(),
        },
        keyring_core::Error::BadEncoding(_) | keyring_core::Error::BadDataFormat(..) => {
            Error::KeyCorrupt {
                alias: alias.clone(),
            }
        }
        source => Error::Keystore { source },
    }
}

impl fmt::Debug for KeyringKeyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyringKeyStore")
            .field("backend", &self.backend)
            .field("service", &self.service)
            .finish_non_exhaustive()
    }
}

impl DeviceKeyStore for KeyringKeyStore {
    fn create(&self, alias: &KeyAlias) -> Result<PublicKey, Error> {
        let entry = self.entry(alias)?;
        // 1. Never overwrite: an existing entry (readable or not) keeps its alias.
        match entry.get_password().map(Zeroizing::new) {
            Err(keyring_core::Error::NoEntry) => {}
            Ok(_)
            | Err(keyring_core::Error::BadEncoding(_) | keyring_core::Error::BadDataFormat(..)) => {
                return Err(Error::KeyExists {
                    alias: alias.clone(),
                });
            }
            Err(source) => return Err(Error::Keystore { source }),
        }
        // 2. A fresh key; only its secret scalar goes to the store.
        let key = SigningKey::random(&mut rand::rngs::OsRng);
        entry
            .set_password(&encode_secret(&key))
            .map_err(|error| map_error(error, alias))?;
        Ok(PublicKey::from(key.verifying_key()))
    }

    fn public_key(&self, alias: &KeyAlias) -> Result<PublicKey, Error> {
        Ok(PublicKey::from(self.signing_key(alias)?.verifying_key()))
    }

    fn sign(&self, alias: &KeyAlias, message: &[u8]) -> Result<Signature, Error> {
        Ok(sign_bytes(&self.signing_key(alias)?, message))
    }

    fn delete(&self, alias: &KeyAlias) -> Result<(), Error> {
        match self.entry(alias)?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(error) => Err(map_error(error, alias)),
        }
    }

    fn describe(&self) -> KeyStoreDescription {
        KeyStoreDescription {
            backend: self.backend.to_owned(),
            // The scalar is decrypted into process memory to sign: software keys, kept by
            // the OS keystore (hardware-wrapped on Android and iOS).
            hardware_backed: false,
            user_presence: false,
            persistent: true,
        }
    }
}
