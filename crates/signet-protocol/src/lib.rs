//! Wire types and encodings of Signet's push protocol (`shared/protocol.md`), shared by the
//! device core and the server. No I/O.
//!
//! Will hold: the request and response types of protocol sections 3, 4, 5 and 8, named as the
//! protocol names them, and the codecs of section 2 (public keys, signatures, time windows,
//! tenant Basic headers, enrollment links).
