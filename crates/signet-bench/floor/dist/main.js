// The first screen is up: tell the app, as Signet's UI does when its first screen mounts.
window.__TAURI_INTERNALS__.invoke("first_screen");
