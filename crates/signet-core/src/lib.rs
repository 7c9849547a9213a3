//! Signet's device core. No dependency on Tauri: everything the app does is testable here.
//!
//! - [`keys`]: the [`DeviceKeyStore`] trait over the platform keystore
//!   ([`KeyringKeyStore`]) and an in-memory store for tests ([`MemoryKeyStore`]).
//! - [`accounts`]: enrolled accounts, persisted atomically ([`AccountStore`]).
//! - [`client`]: one function per device call of the protocol ([`Client`]).
//! - [`engine`]: enrollment, pending challenges, long-poll with fallback, answers
//!   ([`Engine`]).
//! - [`enrollment`]: what can be told about a link before using it, and why a server
//!   refused it.
//! - [`history`]: how past challenges ended; [`settings`]: what the user can change.
//!
//! # How a shell uses it
//!
//! ```no_run
//! # async fn shell(data_dir: std::path::PathBuf, link_text: &str) -> Result<(), signet_core::Error> {
//! use std::sync::Arc;
//! use signet_core::{Answer, Engine, EngineConfig, EnrollOptions, EnrollmentLink, Event, KeyringKeyStore};
//!
//! // 1. At start: the platform keystore, the app's data folder, the biometric hook.
//! let keys = Arc::new(KeyringKeyStore::platform()?);
//! let config = EngineConfig::new(data_dir, keys); // set `verifier` to the biometric hook
//! let engine = Arc::new(Engine::open(config)?);
//!
//! // 2. A background task: events to forward to the UI.
//! let (sender, mut events) = tokio::sync::mpsc::channel(32);
//! tokio::spawn(Arc::clone(&engine).run(sender));
//!
//! // 3. Commands: enroll, answer, remove, list.
//! let link = EnrollmentLink::parse(link_text)?;
//! let account = engine.enroll(&link, EnrollOptions::default()).await?;
//! if let Some(Event::ChallengeReceived { challenge }) = events.recv().await {
//!     engine.answer(&challenge.id, Answer::approve()).await?;
//! }
//! engine.remove(&account.id).await?;
//! # Ok(()) }
//! ```

pub mod accounts;
pub mod client;
pub mod engine;
pub mod enrollment;
mod error;
mod files;
pub mod history;
pub mod keys;
pub mod settings;

pub use accounts::{Account, AccountId, AccountStore, PushToken};
pub use client::{Client, ClientOptions};
pub use engine::{
    Answer, Challenge, Decision, Delivery, Engine, EngineConfig, EnrollOptions, Event, Removal,
    Renewal, Resolution, UserVerifier, WakeUp, WatchOptions, Watcher,
};
pub use error::{Error, LinkProblem};
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
