//! Build script: tauri-plugin copies the Swift package and the Android library next to the
//! app's mobile projects. The plugin has no commands for the web view (the shell calls it from
//! Rust), so it declares none.
//!
//! Building the iOS app (on a Mac, through the Tauri CLI) also writes what APNs needs into the
//! generated Xcode project: the `aps-environment` entitlement (`development`, or the value of
//! `SIGNET_APS_ENVIRONMENT`, e.g. `production` for test flights and the App Store) and the
//! `remote-notification` background mode, so that a wake-up reaches the app in the background.

const COMMANDS: &[&str] = &[];

fn main() {
    tauri_plugin::Builder::new(COMMANDS)
        .android_path("android")
        .ios_path("ios")
        .try_build()
        .expect("tauri-plugin build failed; see the message above");
    #[cfg(target_os = "macos")]
    apple_project();
}

/// The entitlement and background mode, written into the app's iOS project (nothing happens
/// outside a Tauri CLI build for iOS).
#[cfg(target_os = "macos")]
fn apple_project() {
    println!("cargo:rerun-if-env-changed=SIGNET_APS_ENVIRONMENT");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("ios") {
        return;
    }
    let environment =
        std::env::var("SIGNET_APS_ENVIRONMENT").unwrap_or_else(|_| "development".to_owned());
    tauri_plugin::mobile::update_entitlements(|entitlements| {
        entitlements.insert("aps-environment".into(), environment.into());
    })
    .expect("cannot write the aps-environment entitlement");
    tauri_plugin::mobile::update_info_plist(|info| {
        let mut modes = info
            .get("UIBackgroundModes")
            .and_then(plist::Value::as_array)
            .cloned()
            .unwrap_or_default();
        let remote: plist::Value = "remote-notification".into();
        if !modes.contains(&remote) {
            modes.push(remote);
            info.insert("UIBackgroundModes".into(), modes.into());
        }
    })
    .expect("cannot write the remote-notification background mode");
}
