//! [`MemoryKeyStore`]: real P-256 keys held in memory; with the `testable` feature, failures
//! can be injected.

use std::collections::HashMap;
use std::fmt;
#[cfg(feature = "testable")]
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use p256::ecdsa::SigningKey;
use signet_protocol::{PublicKey, Signature, sign_bytes};

use super::{DeviceKeyStore, KeyAlias, KeyStoreDescription};
use crate::Error;

/// Real P-256 keys in memory (zeroized when dropped), gone when the process ends. For tests
/// and throwaway runs. With the `testable` feature, `fail_next_call` makes the next call fail.
///
/// `Debug` shows the aliases only.
#[derive(Default)]
pub struct MemoryKeyStore {
    keys: Mutex<HashMap<KeyAlias, SigningKey>>,
    #[cfg(feature = "testable")]
    fail_next: AtomicBool,
}

impl MemoryKeyStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes the next call (any method but `describe`) fail with [`Error::InjectedFailure`]
    /// and change nothing; the calls after it work again. Only with the `testable` feature.
    #[cfg(feature = "testable")]
    pub fn fail_next_call(&self) {
        self.fail_next.store(true, Ordering::SeqCst);
    }

    /// How many keys the store holds.
    pub fn len(&self) -> usize {
        self.keys().len()
    }

    /// Whether the store holds no key.
    pub fn is_empty(&self) -> bool {
        self.keys().is_empty()
    }

    /// Fails once if a failure was injected (never without the `testable` feature).
    #[cfg_attr(
        not(feature = "testable"),
        allow(clippy::unnecessary_wraps, clippy::unused_self)
    )]
    fn check_injected(&self) -> Result<(), Error> {
        #[cfg(feature = "testable")]
        if self.fail_next.swap(false, Ordering::SeqCst) {
            return Err(Error::InjectedFailure);
        }
        Ok(())
    }

    fn keys(&self) -> MutexGuard<'_, HashMap<KeyAlias, SigningKey>> {
        self.keys.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for MemoryKeyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys = self.keys();
        let mut aliases: Vec<&KeyAlias> = keys.keys().collect();
        aliases.sort();
        f.debug_struct("MemoryKeyStore")
            .field("aliases", &aliases)
            .finish_non_exhaustive()
    }
}

impl DeviceKeyStore for MemoryKeyStore {
    fn create(&self, alias: &KeyAlias) -> Result<PublicKey, Error> {
        self.check_injected()?;
        let mut keys = self.keys();
        if keys.contains_key(alias) {
            return Err(Error::KeyExists {
                alias: alias.clone(),
            });
        }
        let key = SigningKey::random(&mut rand::rngs::OsRng);
        let public = PublicKey::from(key.verifying_key());
        keys.insert(alias.clone(), key);
        Ok(public)
    }

    fn public_key(&self, alias: &KeyAlias) -> Result<PublicKey, Error> {
        self.check_injected()?;
        self.keys()
            .get(alias)
            .map(|key| PublicKey::from(key.verifying_key()))
            .ok_or_else(|| Error::KeyNotFound {
                alias: alias.clone(),
            })
    }

    fn sign(&self, alias: &KeyAlias, message: &[u8]) -> Result<Signature, Error> {
        self.check_injected()?;
        self.keys()
            .get(alias)
            .map(|key| sign_bytes(key, message))
            .ok_or_else(|| Error::KeyNotFound {
                alias: alias.clone(),
            })
    }

    fn delete(&self, alias: &KeyAlias) -> Result<(), Error> {
        self.check_injected()?;
        self.keys().remove(alias);
        Ok(())
    }

    fn describe(&self) -> KeyStoreDescription {
        KeyStoreDescription {
            backend: "memory".to_owned(),
            hardware_backed: false,
            user_presence: false,
            persistent: false,
        }
    }
}
