//! The mobile keystore (`keyring` 4 has none there): `android-native-keyring-store` on
//! Android, `apple-native-keyring-store`'s protected data store on iOS. The only place that
//! chooses a mobile store.

use std::sync::Arc;

use keyring_core::CredentialStore;

/// The platform keystore of this mobile OS.
pub(crate) struct Platform;

impl Platform {
    /// A human name of the store.
    #[cfg(target_os = "android")]
    pub(crate) const NAME: &'static str = "Android Keystore";
    /// A human name of the store.
    #[cfg(target_os = "ios")]
    pub(crate) const NAME: &'static str = "iOS protected data";

    /// Opens the store (Android: shared preferences encrypted by an Android Keystore key; the
    /// app must have initialised `ndk-context`, as Tauri does).
    #[cfg(target_os = "android")]
    pub(crate) fn open() -> keyring_core::Result<Arc<CredentialStore>> {
        let store: Arc<CredentialStore> = android_native_keyring_store::Store::new()?;
        Ok(store)
    }

    /// Opens the store (iOS: the data-protection keychain, not synchronised to iCloud).
    #[cfg(target_os = "ios")]
    pub(crate) fn open() -> keyring_core::Result<Arc<CredentialStore>> {
        let store: Arc<CredentialStore> = apple_native_keyring_store::protected::Store::new()?;
        Ok(store)
    }
}
