//! iOS and Android specifics: the QR scanner plugin for enrollment codes, the notification
//! permission asked once at start, and wake-ups by APNs or FCM (`push.rs`). Deep links are declared in the app's
//! manifest (tauri.conf.json `plugins.deep-link.mobile`).

use tauri::{App, Runtime};
use tauri_plugin_notification::{NotificationExt, PermissionState};

/// What differs on mobile platforms.
pub struct Platform;

impl Platform {
    /// The camera QR scanner (tauri-plugin-barcode-scanner) reads enrollment codes.
    pub const HAS_QR_SCANNER: bool = true;

    /// Adds the mobile-only plugins: the QR scanner, wake-ups.
    pub fn plugins<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
        builder
            .plugin(tauri_plugin_barcode_scanner::init())
            .plugin(tauri_plugin_signet_push::init())
    }

    /// Asks once for permission to notify (the system remembers the answer).
    pub fn setup<R: Runtime>(app: &App<R>) {
        let notifications = app.notification();
        if matches!(
            notifications.permission_state(),
            Ok(PermissionState::Prompt | PermissionState::PromptWithRationale)
        ) {
            if let Err(error) = notifications.request_permission() {
                tracing::warn!(%error, "cannot ask for notification permission");
            }
        }
        crate::push::start(app.handle());
    }

    /// Nothing to do: tapping a notification already brings the app forward.
    pub fn bring_to_front<R: Runtime>(_window: &tauri::WebviewWindow<R>) {}

    /// The phone's name is not readable by apps without extra entitlements; the platform
    /// name is sent instead.
    pub fn device_name() -> Option<String> {
        None
    }
}
