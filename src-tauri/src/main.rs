//! The desktop entry point of Signet; mobile builds enter through `signet_lib::run`.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    signet_lib::run();
}
