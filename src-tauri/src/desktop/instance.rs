//! One instance only: a second launch hands its arguments to the running app and exits. A
//! `signet://` link among them reaches the deep-link handler (the plugin's `deep-link`
//! feature), which opens Add account with it; the window comes forward either way.

use tauri::plugin::TauriPlugin;
use tauri::{AppHandle, Manager, Runtime};

/// The plugin that keeps Signet to one instance (register it before every other plugin).
pub fn plugin<R: Runtime>() -> TauriPlugin<R> {
    tauri_plugin_single_instance::init(|app: &AppHandle<R>, _arguments, _folder| {
        if let Some(window) = app.get_webview_window(super::window::MAIN) {
            super::window::bring_to_front(&window);
        }
    })
}
