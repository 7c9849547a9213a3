// Typed wrappers around the app's Tauri commands. The only file that calls `invoke`:
// the UI never talks to a server, only to the Rust shell.
import { invoke } from "@tauri-apps/api/core";

/** The app's version, as built into the Rust binary. */
export function appVersion(): Promise<string> {
  return invoke<string>("app_version");
}
