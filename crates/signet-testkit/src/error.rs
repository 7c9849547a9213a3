//! The crate's error type.

use serde_json::Value;

/// Why a call to the server did not give what was asked for.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request could not be sent, or its answer not read.
    #[error("call {call}: {source}")]
    Http {
        /// Which call.
        call: &'static str,
        /// The HTTP client's error.
        #[source]
        source: reqwest::Error,
    },
    /// The server refused the call.
    #[error("call {call} refused with HTTP {status}: {body}")]
    Refused {
        /// Which call.
        call: &'static str,
        /// The HTTP status.
        status: u16,
        /// The answer's JSON body (`null` when it was not JSON).
        body: Value,
    },
    /// The server accepted the call, but its answer is not the protocol's.
    #[error("call {call}: the answer is not the protocol's: {source}")]
    Decode {
        /// Which call.
        call: &'static str,
        /// What the JSON decoder said.
        #[source]
        source: serde_json::Error,
    },
    /// Something the caller waits for did not turn out as it should.
    #[error("unexpected: {what}")]
    Unexpected {
        /// What.
        what: &'static str,
    },
}
