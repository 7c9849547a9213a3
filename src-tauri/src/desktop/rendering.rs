//! How the UI is drawn on Linux: WebKitGTK without accelerated compositing.
//!
//! In compositing mode WebKitGTK's web process keeps GL surfaces and layer buffers for the
//! page, whatever the page is: about 65 MiB of an idle app's memory under a software GL, which
//! is more than all of Signet's own code and UI cost (docs/benchmarks.md, part 6). The UI has no
//! 3D transforms, video or WebGL, and animates two small things (the sheet sliding in, a
//! switch's knob): drawn without compositing they look the same.

use tauri::{App, Manager, Runtime};
use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt as _, WebViewExt as _};

use super::window::MAIN;

/// Turns accelerated compositing off in the main window's web view.
pub fn without_compositing<R: Runtime>(app: &App<R>) {
    let Some(window) = app.get_webview_window(MAIN) else {
        return;
    };
    let set = window.with_webview(|webview| {
        if let Some(settings) = webview.inner().settings() {
            settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
        }
    });
    if let Err(error) = set {
        tracing::warn!(%error, "cannot turn off WebKit's accelerated compositing");
    }
}
