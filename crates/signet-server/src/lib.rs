//! Signet's push server.
//!
//! Will hold: the Authsignal-compatible device, initiator and server APIs of the protocol over
//! SQLite (the embedded default), long-poll delivery, and the relying-party demo page.
