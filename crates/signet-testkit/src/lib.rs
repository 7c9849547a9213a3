//! Dev-only helpers for Signet's tests and benchmarks (never shipped):
//!
//! - [`Rp`]: the relying party over the server's HTTP API: its backend with the tenant's
//!   secret key (track, get action, validate, list authenticators; docs/protocol.md
//!   section 5) and its page with the track token (start and verify a push challenge,
//!   section 4).
//! - [`Device`]: a raw protocol device with its own P-256 key, built on `signet-protocol`
//!   only (no `signet-core`): enroll with an `add:authenticators` token (3.1), the nonce
//!   (3.4a), the signed fetch (3.4b), the answer (3.5). It sends exactly what a test asks, so
//!   server tests can also send what a real device never would.
//! - [`Api`] and [`Answer`]: one HTTP client for a server's API and its answers as they are
//!   (status and JSON body), for tests that check refusals.
//! - [`CapturedLogs`]: a tracing writer that keeps everything logged, for tests that check
//!   what the logs hold.
//!
//! Calls return `Result`s (the benchmark harness counts failures); tests `expect` them.
//! [`Answer::ok`] and [`Answer::error`] assert, for tests.

mod device;
mod error;
mod http;
mod logs;
mod rp;

pub use device::Device;
pub use error::Error;
pub use http::{Answer, Api, secret_basic};
pub use logs::CapturedLogs;
pub use rp::{Rp, SignIn};
