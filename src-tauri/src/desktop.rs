//! Desktop specifics: one instance only, the tray icon, closing the window into the tray,
//! starting at login; deep links are registered with the OS at start (Linux and Windows need
//! it at run time; macOS reads the bundle); no QR scanner; notifications need no permission.

mod instance;
mod tray;
mod window;

use tauri::{App, AppHandle, Manager, Runtime};
use tauri_plugin_autostart::ManagerExt;
use tauri_plugin_deep_link::DeepLinkExt;

use crate::error::{CommandError, CommandResult, ErrorCode};

/// The argument a start at login passes: the app starts in the tray, without its window.
const IN_TRAY_ARGUMENT: &str = "--in-tray";

/// What differs on desktop platforms.
pub struct Platform;

impl Platform {
    /// No camera QR scanner on desktop: people paste the link.
    pub const HAS_QR_SCANNER: bool = false;
    /// A tray icon keeps the app reachable with its window closed, and it can start at login.
    pub const HAS_TRAY: bool = true;

    /// Adds the desktop-only plugins: one instance only (first, so a second launch goes no
    /// further), starting at login; and what closing the window does.
    pub fn plugins<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
        builder
            .plugin(instance::plugin())
            .plugin(
                tauri_plugin_autostart::Builder::new()
                    .arg(IN_TRAY_ARGUMENT)
                    .build(),
            )
            .on_window_event(window::on_event)
    }

    /// Registers the `signet://` scheme with the OS where that is done at run time, and puts
    /// the icon in the tray. Started at login, the window stays hidden.
    pub fn setup<R: Runtime>(app: &App<R>) {
        // On Linux registering runs `update-desktop-database` and `xdg-mime` (tens to hundreds
        // of milliseconds): on a thread of its own, so the first screen does not wait for it.
        #[cfg(any(target_os = "linux", windows))]
        {
            let handle = app.handle().clone();
            std::thread::spawn(move || {
                if let Err(error) = handle.deep_link().register_all() {
                    tracing::warn!(%error, "cannot register signet:// links with the system");
                }
            });
        }
        if let Err(error) = tray::create(app.handle()) {
            tracing::warn!(%error, "cannot put Signet's icon in the tray");
        }
        if std::env::args().any(|argument| argument == IN_TRAY_ARGUMENT)
            && let Some(window) = app.get_webview_window(window::MAIN)
        {
            let _ = window.hide();
        }
    }

    /// Shows the window above the others (after a notification tap, a second launch, the
    /// tray's Open).
    pub fn bring_to_front<R: Runtime>(window: &tauri::WebviewWindow<R>) {
        window::bring_to_front(window);
    }

    /// macOS: a click on the Dock icon while the window is closed into the tray shows it.
    pub fn on_run_event<R: Runtime>(app: &AppHandle<R>, event: &tauri::RunEvent) {
        #[cfg(target_os = "macos")]
        if let tauri::RunEvent::Reopen { .. } = event
            && let Some(window) = app.get_webview_window(window::MAIN)
        {
            window::bring_to_front(&window);
        }
        #[cfg(not(target_os = "macos"))]
        let _ = (app, event);
    }

    /// The number of pending requests changed: the tray shows it.
    pub fn pending_changed<R: Runtime>(app: &AppHandle<R>, pending: usize) {
        tray::show_pending(app, pending);
    }

    /// Whether the user paused notifications from the tray.
    pub fn notifications_paused<R: Runtime>(app: &AppHandle<R>) -> bool {
        tray::notifications_paused(app)
    }

    /// Whether the app starts when the user logs in (asked of the system each time).
    pub fn starts_at_login<R: Runtime>(app: &AppHandle<R>) -> CommandResult<bool> {
        app.autolaunch()
            .is_enabled()
            .map_err(|error| start_at_login_error(&error))
    }

    /// Makes the app start, in the tray, when the user logs in, or stop doing so.
    pub fn set_start_at_login<R: Runtime>(
        app: &AppHandle<R>,
        enabled: bool,
    ) -> CommandResult<bool> {
        let autolaunch = app.autolaunch();
        let changed = if enabled {
            autolaunch.enable()
        } else {
            autolaunch.disable()
        };
        changed.map_err(|error| start_at_login_error(&error))?;
        Self::starts_at_login(app)
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

fn start_at_login_error(error: &tauri_plugin_autostart::Error) -> CommandError {
    CommandError::new(ErrorCode::StartAtLogin, error.to_string())
}
