//! The harness's one error type.

/// Why a benchmark run failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The in-process server failed to start or stop.
    #[error("server: {0}")]
    Server(#[from] signet_server::Error),
    /// A device call (signet-core) failed.
    #[error("device: {0}")]
    Core(#[from] signet_core::Error),
    /// A relying-party call failed or was refused.
    #[error("relying party: {0}")]
    Rp(#[from] signet_testkit::Error),
    /// An HTTP client of the harness's own (outside the test kit) failed.
    #[error("http ({call}): {source}")]
    Http {
        /// Which call.
        call: &'static str,
        /// The HTTP client's error.
        #[source]
        source: reqwest::Error,
    },
    /// Local I/O (temporary folders, the child process).
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    /// Something the run waits for did not happen in time.
    #[error("timed out waiting for {what}")]
    TimedOut {
        /// What.
        what: &'static str,
    },
    /// The server child process did not behave as expected.
    #[error("server process: {what}")]
    Child {
        /// What went wrong.
        what: &'static str,
    },
    /// A sign-in ended in a state it should not have.
    #[error("unexpected outcome: {what}")]
    Unexpected {
        /// What.
        what: &'static str,
    },
}
