//! The core's user-verification hook, implemented with tauri-plugin-biometric: Face ID,
//! Touch ID or fingerprint (with the device passcode as fallback) on iOS, Android and macOS;
//! "not available" where the plugin has none (Linux, Windows).

use std::fmt;

use signet_core::UserVerifier;
use signet_core::engine::VerificationFailed;
use tauri::{AppHandle, Runtime};
use tauri_plugin_biometric::{AuthOptions, BiometricExt};

/// Asks the platform's biometric prompt before a key signs an approval.
pub struct BiometricVerifier<R: Runtime> {
    app: AppHandle<R>,
}

impl<R: Runtime> BiometricVerifier<R> {
    /// The verifier of `app`.
    pub fn new(app: AppHandle<R>) -> Self {
        Self { app }
    }

    /// Whether a biometric can be asked for, and if not, the platform's reason in words.
    pub fn status(&self) -> (bool, Option<String>) {
        match self.app.biometric().status() {
            Ok(status) if status.is_available => (true, None),
            Ok(status) => (
                false,
                Some(status.error.unwrap_or_else(|| {
                    "This device has no fingerprint or face sensor the app can use.".to_owned()
                })),
            ),
            Err(error) => (false, Some(error.to_string())),
        }
    }
}

impl<R: Runtime> fmt::Debug for BiometricVerifier<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BiometricVerifier")
    }
}

impl<R: Runtime> UserVerifier for BiometricVerifier<R> {
    fn is_available(&self) -> bool {
        self.status().0
    }

    fn verify(&self, reason: &str) -> Result<(), VerificationFailed> {
        let options = AuthOptions {
            allow_device_credential: true,
            title: Some("Signet".to_owned()),
            subtitle: Some(reason.to_owned()),
            ..AuthOptions::default()
        };
        self.app
            .biometric()
            .authenticate(reason.to_owned(), options)
            .map_err(|error| {
                tracing::info!(%error, "user verification did not pass");
                VerificationFailed
            })
    }
}
