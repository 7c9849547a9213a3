//! Tauri commands: each one is a single call into the core, nothing more.

/// The app's version, as built (the workspace version in `Cargo.toml`).
#[tauri::command]
pub fn app_version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}
