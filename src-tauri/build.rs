//! Build script of the app: tauri-build reads `tauri.conf.json` and the capability files.

fn main() {
    let attributes =
        tauri_build::Attributes::new().capabilities_path_pattern("src-tauri/capabilities/**/*");
    tauri_build::try_build(attributes).expect("tauri-build failed; see the message above");
}
