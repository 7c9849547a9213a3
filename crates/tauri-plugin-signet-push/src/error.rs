//! The plugin's error type.

use serde::{Serialize, Serializer};

/// What can go wrong in the plugin.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The native side refused or failed a call (its message says why).
    #[cfg(mobile)]
    #[error(transparent)]
    PluginInvoke(#[from] tauri::plugin::mobile::PluginInvokeError),
    /// This platform has no remote notifications for the app (desktop).
    #[error("remote notifications are not available on this platform")]
    NotAvailable,
}

impl Serialize for Error {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

/// The plugin's result type.
pub type Result<T> = std::result::Result<T, Error>;
