//! Desktop specifics: deep links are registered with the OS at start (Linux and Windows
//! need it at run time; macOS reads the bundle), no QR scanner, notifications need no
//! permission.

use tauri::{App, Runtime};
use tauri_plugin_deep_link::DeepLinkExt;

/// What differs on desktop platforms.
pub struct Platform;

impl Platform {
    /// No camera QR scanner on desktop: people paste the link.
    pub const HAS_QR_SCANNER: bool = false;

    /// Adds the desktop-only plugins (none).
    pub fn plugins<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
        builder
    }

    /// Registers the `signet://` scheme with the OS, where that is done at run time.
    pub fn setup<R: Runtime>(app: &App<R>) {
        #[cfg(any(target_os = "linux", windows))]
        if let Err(error) = app.deep_link().register_all() {
            tracing::warn!(%error, "cannot register signet:// links with the system");
        }
        #[cfg(target_os = "macos")]
        let _ = app;
    }

    /// Shows the window above the others (after a notification tap).
    pub fn bring_to_front<R: Runtime>(window: &tauri::WebviewWindow<R>) {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }

    /// This computer's name, sent as `deviceName` at enrollment.
    pub fn device_name() -> Option<String> {
        std::env::var("HOSTNAME")
            .ok()
            .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
            .map(|name| name.trim().to_owned())
            .filter(|name| !name.is_empty())
            .or_else(|| std::env::var("COMPUTERNAME").ok())
    }
}
