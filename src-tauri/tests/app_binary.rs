//! The app binary that `cargo test` builds (its `CARGO_BIN_EXE_signet`) is the one the app's
//! end-to-end tests drive under Xvfb. With the `custom-protocol` feature (scripts/test turns it
//! on) it must carry the UI that `npm run build` last wrote to ui/dist, not a stale one.

use std::path::Path;

/// The `assets/…` files ui/dist/index.html loads (their names carry a content hash).
fn assets_of_built_ui(root: &Path) -> Vec<String> {
    let index = std::fs::read_to_string(root.join("ui/dist/index.html"))
        .expect("ui/dist/index.html (run `npm run build` in ui/ first)");
    index
        .split('"')
        .filter(|part| part.starts_with("/assets/") || part.starts_with("./assets/"))
        .map(|part| part.trim_start_matches('.').to_owned())
        .collect()
}

#[test]
#[cfg_attr(
    not(feature = "custom-protocol"),
    ignore = "only a custom-protocol build embeds the UI (scripts/test builds one)"
)]
fn the_app_binary_carries_the_ui_last_built_into_ui_dist() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let assets = assets_of_built_ui(root);
    assert!(!assets.is_empty(), "ui/dist/index.html loads no assets");
    let binary = std::fs::read(env!("CARGO_BIN_EXE_signet")).expect("the app binary");
    for asset in assets {
        assert!(
            binary
                .windows(asset.len())
                .any(|window| window == asset.as_bytes()),
            "the app binary does not carry {asset}: it was built from another ui/dist"
        );
    }
}
