//! Signet's device core. No dependency on Tauri: everything the app does is testable here.
//!
//! Will hold: `keys` (the `DeviceKeyStore` trait over the platform keystore, and an in-memory
//! store for tests), `accounts` (enrolled accounts, persisted atomically), `client` (one
//! function per device call of the protocol) and `engine` (pending challenges, long-poll with
//! fallback, answers).
