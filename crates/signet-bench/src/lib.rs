//! Signet's benchmark harness: `signet-server` in-process (or as a child process for capacity)
//! on loopback with SQLite in a temporary folder, headless devices on `signet-core` with
//! memory keys, and relying parties, measuring the targets of docs/benchmarks.md.
//!
//! - The relying party (backend with the secret key, page with the track token) over the
//!   server's HTTP API (protocol sections 4 and 5) is `signet_testkit::Rp`.
//! - [`device`]: headless devices: [`device::EngineDevice`] is the app's engine and watch
//!   loop; [`device::KeyDevice`] is the bare client with a memory key (for capacity runs).
//! - [`child`]: the server in a child process, so its peak memory is its own.
//! - [`attack`]: the release server binary under `ulimit -n 1024`, attacked with half-open
//!   connections and a nonce flood while a device signs in (`signet-bench attack`).
//! - [`flood`]: the release server binary under a bounded flood of track calls, its database
//!   size sampled (`signet-bench flood`).
//! - [`scenarios`]: the measurements; [`app`]: the app's own figures (part 6);
//!   [`report`]: the table; [`stats`]: percentiles.
//! - [`wakeups`]: wake-up delivery to a Web Push receiver (`signet-bench wake-ups`).
//! - [`replicas`]: servers on one PostgreSQL database: sign-ins per second with one and two,
//!   and the cross-server wake-up latency (`signet-bench replicas`).
//!
//! The binary `signet-bench` runs every scenario: `--smoke` with tiny counts (CI), or in
//! full. `docs/benchmarks.md` has the figures and how to reproduce them.

pub mod app;
pub mod attack;
pub mod child;
pub mod device;
mod error;
pub mod flood;
pub mod replicas;
pub mod report;
pub mod scenarios;
pub mod signer;
pub mod stats;
pub mod wakeups;

pub use error::Error;
