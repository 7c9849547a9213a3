//! Signet's device core. No dependency on Tauri: everything the app does is testable here.
//!
//! - [`keys`]: the [`DeviceKeyStore`] trait over the platform keystore
//!   ([`KeyringKeyStore`]) and an in-memory store for tests ([`MemoryKeyStore`]).
//! - [`accounts`]: enrolled accounts, persisted atomically ([`AccountStore`]).
//! - [`client`]: one function per device call of the protocol ([`Client`]).
//! - [`engine`]: enrollment, pending challenges, long-poll with fallback, answers
//!   ([`Engine`]).

pub mod accounts;
pub mod client;
pub mod clock;
pub mod engine;
mod error;
pub mod keys;

pub use accounts::{Account, AccountId, AccountStore};
pub use client::{Client, ClientOptions};
pub use clock::{Clock, FixedClock, SystemClock};
pub use engine::{
    Answer, Challenge, Decision, Delivery, Engine, EngineConfig, EnrollOptions, Event, Removal,
    UserVerifier, WatchOptions, Watcher,
};
pub use error::Error;
pub use keys::{DeviceKeyStore, KeyAlias, KeyStoreDescription, KeyringKeyStore, MemoryKeyStore};
pub use signet_protocol::{DeclineReason, EnrollmentLink};

/// `N` random bytes from the OS as lowercase hex.
pub(crate) fn random_hex<const N: usize>() -> String {
    use rand::RngCore as _;
    use std::fmt::Write as _;
    let mut bytes = [0_u8; N];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
        .iter()
        .fold(String::with_capacity(N * 2), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        })
}
