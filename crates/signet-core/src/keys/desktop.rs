//! The desktop's keystore: the stores the `keyring` crate 4.x uses (its `v1` feature), one
//! per OS. The only place that chooses a desktop store.

use std::sync::Arc;

use keyring_core::CredentialStore;

/// The platform keystore of this desktop OS.
pub(crate) struct Platform;

impl Platform {
    /// A human name of the store.
    #[cfg(all(unix, not(target_vendor = "apple")))]
    pub(crate) const NAME: &'static str = "Secret Service";
    /// A human name of the store.
    #[cfg(target_os = "macos")]
    pub(crate) const NAME: &'static str = "macOS Keychain";
    /// A human name of the store.
    #[cfg(target_os = "windows")]
    pub(crate) const NAME: &'static str = "Windows Credential Manager";
    /// A human name of the store.
    #[cfg(not(any(unix, target_os = "windows")))]
    pub(crate) const NAME: &'static str = "none";

    /// Opens the store (Linux and other free Unixes: Secret Service over D-Bus, pure Rust).
    #[cfg(all(unix, not(target_vendor = "apple")))]
    pub(crate) fn open() -> keyring_core::Result<Arc<CredentialStore>> {
        let store: Arc<CredentialStore> = zbus_secret_service_keyring_store::Store::new()?;
        Ok(store)
    }

    /// Opens the store (macOS: the login keychain).
    #[cfg(target_os = "macos")]
    pub(crate) fn open() -> keyring_core::Result<Arc<CredentialStore>> {
        let store: Arc<CredentialStore> = apple_native_keyring_store::keychain::Store::new()?;
        Ok(store)
    }

    /// Opens the store (Windows: Credential Manager).
    #[cfg(target_os = "windows")]
    pub(crate) fn open() -> keyring_core::Result<Arc<CredentialStore>> {
        let store: Arc<CredentialStore> = windows_native_keyring_store::Store::new()?;
        Ok(store)
    }

    /// No keystore on this platform.
    #[cfg(not(any(unix, target_os = "windows")))]
    pub(crate) fn open() -> keyring_core::Result<Arc<CredentialStore>> {
        Err(keyring_core::Error::NotSupportedByStore(
            "no platform keystore on this OS".to_owned(),
        ))
    }
}
