//! The main window on desktop: closing it keeps the app running in the tray (when the setting
//! says so, and the first time the user is told), and bringing it back.

use tauri::{Manager, Runtime, Window, WindowEvent};
use tauri_plugin_notification::NotificationExt;

use crate::state::AppState;

/// The main window's label (`tauri.conf.json`).
pub const MAIN: &str = "main";

/// The notification id of the first-close notice (challenge notifications count up from 1).
const TRAY_NOTICE_ID: i32 = 0;

/// The file in the data folder that says the first-close notice was shown.
const TRAY_NOTICE_SHOWN: &str = "tray-notice-shown";

/// What the notice says, the first time the window is closed into the tray.
pub const TRAY_NOTICE_TITLE: &str = "Signet is still running in the tray";
/// The notice's body.
pub const TRAY_NOTICE_BODY: &str = "It keeps watching for sign-in requests and tells you when one arrives. \
     To quit, choose Quit in its tray menu.";

/// Closing the main window hides it instead, while "keep running in the tray" is on; otherwise
/// the window closes and, being the last one, the app quits.
pub fn on_event<R: Runtime>(window: &Window<R>, event: &WindowEvent) {
    let WindowEvent::CloseRequested { api, .. } = event else {
        return;
    };
    if window.label() != MAIN {
        return;
    }
    let app = window.app_handle();
    let Some(state) = app.try_state::<AppState>() else {
        return;
    };
    if !state.settings().keep_in_tray {
        return;
    }
    api.prevent_close();
    if let Err(error) = window.hide() {
        tracing::warn!(%error, "cannot hide the window");
    }
    tell_once_about_the_tray(app);
}

/// Shows the notice that the app runs on in the tray, once per data folder.
fn tell_once_about_the_tray<R: Runtime>(app: &tauri::AppHandle<R>) {
    let Ok(folder) = app.path().app_data_dir() else {
        return;
    };
    let marker = folder.join(TRAY_NOTICE_SHOWN);
    if marker.exists() {
        return;
    }
    if let Err(error) = std::fs::write(&marker, b"") {
        tracing::warn!(%error, "cannot remember that the tray notice was shown");
    }
    let shown = app
        .notification()
        .builder()
        .id(TRAY_NOTICE_ID)
        .title(TRAY_NOTICE_TITLE)
        .body(TRAY_NOTICE_BODY)
        .show();
    if let Err(error) = shown {
        tracing::warn!(%error, "cannot tell that Signet runs on in the tray");
    }
}

/// Shows the window above the others.
pub fn bring_to_front<R: Runtime>(window: &tauri::WebviewWindow<R>) {
    let _ = window.unminimize();
    let _ = window.show();
    let _ = window.set_focus();
}
