//! Build script of the floor app: tauri-build reads its `tauri.conf.json` and capabilities.

fn main() {
    tauri_build::build();
}
