//! The handlers of docs/protocol.md sections 3 (device), 4 (initiator) and 5 (server), and the
//! helpers they share.

pub(crate) mod device;
pub(crate) mod initiator;
pub(crate) mod server;

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;
use signet_protocol::{PublicKey, Signature};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::sync::watch;

use crate::Error;
use crate::app::AppState;
use crate::store::{Authenticator, Tenant};
use crate::verifier;

/// ISO-8601 text of Unix milliseconds.
pub(crate) fn iso(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|at| at.format(&Rfc3339).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_owned())
}

/// `n` random bytes from the operating system.
pub(crate) fn random_bytes(n: usize) -> Vec<u8> {
    let mut bytes = vec![0_u8; n];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}

/// `n` random bytes as unpadded base64url.
pub(crate) fn random_text(n: usize) -> String {
    URL_SAFE_NO_PAD.encode(random_bytes(n))
}

/// Decodes `PK` from a body field.
pub(crate) fn public_key_from_body(text: &str) -> Result<PublicKey, Error> {
    PublicKey::from_spki_base64(text).map_err(|error| Error::invalid_request(error.to_string()))
}

/// Decodes `Q(PK)` from a query value.
pub(crate) fn public_key_from_query(text: &str) -> Result<PublicKey, Error> {
    PublicKey::from_query(text).map_err(|error| Error::invalid_request(error.to_string()))
}

/// Decodes a signature: bad base64 is malformed input, a non-DER one is a bad signature.
pub(crate) fn signature(text: &str) -> Result<Signature, Error> {
    Signature::from_base64(text).map_err(|error| match error {
        signet_protocol::Error::InvalidBase64 { .. } => {
            Error::invalid_request("the signature is not valid base64")
        }
        _ => Error::InvalidSignature {
            reason: "the signature is not an ASN.1 DER ECDSA P-256 signature",
        },
    })
}

/// Checks `signature` by `key` over `message`.
pub(crate) fn check_signature(
    key: &PublicKey,
    message: &str,
    signature: &Signature,
) -> Result<(), Error> {
    verifier::verify(key, message.as_bytes(), signature).map_err(|_| Error::InvalidSignature {
        reason: "the signature does not match this key and message",
    })
}

/// The tenant's live authenticator of `key`: unknown or expired is `invalid_credential`.
pub(crate) async fn live_authenticator(
    state: &AppState,
    tenant: &Tenant,
    key: &PublicKey,
) -> Result<Authenticator, Error> {
    state
        .store
        .authenticator_by_key(&tenant.id, &key.to_spki_base64())
        .await?
        .filter(|found| !found.is_expired(state.now()))
        .ok_or(Error::InvalidCredential)
}

/// How long a long-poll may hold (8.2): `None` when the server does not long-poll or the
/// client did not ask.
pub(crate) fn wait_for(state: &AppState, wait: Option<u32>) -> Option<Duration> {
    let seconds = wait?.min(signet_protocol::MAX_WAIT_SECONDS);
    (state.long_poll && seconds > 0).then(|| Duration::from_secs(u64::from(seconds)))
}

/// What ended one wait of a long-poll.
pub(crate) enum Woken {
    /// The topic changed (or may have): read the state again.
    Changed,
    /// The time ran out: answer with what there is (or read again).
    TimedOut,
    /// The server is shutting down: answer with what there is.
    ShuttingDown,
}

/// Waits for a change of `topic`, the `deadline`, or shutdown.
pub(crate) async fn wait_once(
    state: &AppState,
    topic: &mut watch::Receiver<u64>,
    deadline: tokio::time::Instant,
) -> Woken {
    let mut shutting_down = state.shutting_down.clone();
    if *shutting_down.borrow() {
        return Woken::ShuttingDown;
    }
    tokio::select! {
        changed = topic.changed() => {
            if changed.is_ok() { Woken::Changed } else { Woken::ShuttingDown }
        }
        () = tokio::time::sleep_until(deadline) => Woken::TimedOut,
        _ = shutting_down.changed() => Woken::ShuttingDown,
    }
}
