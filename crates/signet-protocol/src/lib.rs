//! Wire types and encodings of Signet's push protocol (`docs/protocol.md`), shared by the
//! device core and the server. No I/O.
//!
//! - Codecs of section 2: [`PublicKey`] (SPKI base64 and its query form), [`Signature`]
//!   (DER, [`sign`] and [`PublicKey::verify`]), the time-window message
//!   ([`time_window_message`]), tenant Basic headers ([`tenant_basic_header`],
//!   [`parse_basic_user`]) and the enrollment link of section 8.1 ([`EnrollmentLink`]).
//! - Request and response types of sections 3 ([`device`]), 4 ([`initiator`]), 5 ([`server`]),
//!   7 ([`errors`]) and 8 ([`webhook`]), named as the protocol names them. Every type uses
//!   camelCase field names, accepts an optional field absent or `null`, omits it when `None`,
//!   and ignores unknown fields.
//! - [`push_token`]: the forms of a `pushToken` (8.6), checked by [`PushToken::parse`].
//! - [`clock`]: the one [`Clock`] both sides ask for "now" ([`SystemClock`]; with the
//!   `testable` feature, `ManualClock` for tests).

mod b64;
pub mod basic;
pub mod clock;
pub mod device;
pub mod error;
pub mod errors;
pub mod initiator;
pub mod key;
pub mod link;
pub mod push_token;
mod redact;
pub mod server;
pub mod signature;
pub mod webhook;
pub mod window;

pub use basic::{parse_basic_user, tenant_basic_header};
pub use clock::{Clock, SystemClock};
pub use device::*;
pub use error::{Error, LinkError};
pub use errors::{ErrorBody, ErrorCode};
pub use initiator::*;
pub use key::PublicKey;
pub use link::EnrollmentLink;
pub use push_token::{PushToken, PushTokenError, PushTokenKind, WebPushSubscription};
pub use server::*;
pub use signature::{Signature, sign, sign_bytes};
pub use webhook::*;
pub use window::{WINDOW_SECONDS, time_window_message, time_window_messages_around};
