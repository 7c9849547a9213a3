//! The floor: one window with an empty page. Its page calls `first_screen` once loaded, and
//! the app prints "first screen shown" as Signet does, so `signet-bench --app` times both the
//! same way.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::sync::{Once, OnceLock};
use std::time::Instant;

static STARTED: OnceLock<Instant> = OnceLock::new();
static SHOWN: Once = Once::new();

/// Prints "first screen shown" with the time since start, once.
#[tauri::command]
fn first_screen() {
    SHOWN.call_once(|| {
        let elapsed_ms = STARTED.get().map(|started| started.elapsed().as_millis());
        println!("first screen shown elapsed_ms={elapsed_ms:?}");
    });
}

fn main() {
    let _ = STARTED.set(Instant::now());
    let app = tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![first_screen])
        .build(tauri::generate_context!());
    match app {
        Ok(app) => app.run(|_, _| {}),
        Err(error) => {
            eprintln!("signet-floor: cannot start: {error}");
            std::process::exit(1);
        }
    }
}
