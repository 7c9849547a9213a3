//! iOS and Android specifics: the QR scanner plugin for enrollment codes, the notification
//! permission asked once at start, and wake-ups by APNs or FCM (`push.rs`). Deep links are declared in the app's
//! manifest (tauri.conf.json `plugins.deep-link.mobile`).

use tauri::{App, AppHandle, Runtime};
use tauri_plugin_notification::{NotificationExt, PermissionState};

use crate::error::{CommandError, CommandResult, ErrorCode};

/// What differs on mobile platforms.
pub struct Platform;

impl Platform {
    /// The camera QR scanner (tauri-plugin-barcode-scanner) reads enrollment codes.
    pub const HAS_QR_SCANNER: bool = true;
    /// No tray on phones, and the system decides what runs at login.
    pub const HAS_TRAY: bool = false;

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

    /// Nothing to do: the system brings the app forward.
    pub fn on_run_event<R: Runtime>(_app: &AppHandle<R>, _event: &tauri::RunEvent) {}

    /// No tray to show the count on.
    pub fn pending_changed<R: Runtime>(_app: &AppHandle<R>, _pending: usize) {}

    /// Notifications are paused from the tray only, which phones have not.
    pub fn notifications_paused<R: Runtime>(_app: &AppHandle<R>) -> bool {
        false
    }

    /// Phones start apps themselves: never at login.
    pub fn starts_at_login<R: Runtime>(_app: &AppHandle<R>) -> CommandResult<bool> {
        Ok(false)
    }

    /// Phones start apps themselves: refused.
    pub fn set_start_at_login<R: Runtime>(
        _app: &AppHandle<R>,
        _enabled: bool,
    ) -> CommandResult<bool> {
        Err(CommandError::new(
            ErrorCode::StartAtLogin,
            "this platform does not start apps at login",
        ))
    }

    /// The phone's name is not readable by apps without extra entitlements; the platform
    /// name is sent instead.
    pub fn device_name() -> Option<String> {
        None
    }
}
