//! The crate's error type.

use std::fmt;

/// Everything that can go wrong when decoding or checking protocol data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A value that must be base64 is not (wrong letters, bad padding, non-zero trailing bits).
    #[error("{what} is not valid base64")]
    InvalidBase64 {
        /// Which value was malformed, e.g. `"public key"`.
        what: &'static str,
    },
    /// The bytes are not a P-256 public key in `SubjectPublicKeyInfo` form (truncated, other
    /// curve, compressed point, or a point not on the curve).
    #[error("not a P-256 public key in `SubjectPublicKeyInfo` DER form")]
    InvalidPublicKey,
    /// The bytes are not an ASN.1 DER ECDSA P-256 signature (raw r||s is refused).
    #[error("not an ASN.1 DER ECDSA P-256 signature")]
    InvalidSignature,
    /// The signature is well formed but was not made by this key over this message.
    #[error("the signature does not match this key and message")]
    SignatureMismatch,
    /// The Authorization header is not `Basic <base64 of user[:password]>` with a user.
    #[error("not a Basic authorization header with a user")]
    InvalidBasicAuth,
    /// The text is not a well-formed `signet://enroll` link.
    #[error("not a Signet enrollment link: {reason}")]
    InvalidLink {
        /// What is wrong with it.
        reason: LinkError,
    },
    /// The enrollment link has a version other than 1.
    #[error(
        "enrollment link version {version:?} is not supported (this app reads v=1); update the app"
    )]
    UnsupportedLinkVersion {
        /// The version found in the link.
        version: String,
    },
    /// The enrollment link lacks a required field, or has it empty.
    #[error("enrollment link has no `{field}`")]
    MissingLinkField {
        /// The query parameter's name.
        field: &'static str,
    },
}

/// Why a text is not a well-formed enrollment link.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LinkError {
    /// The text does not parse as a URL.
    NotAUrl,
    /// The URL's scheme is not `signet`.
    NotSignetScheme,
    /// The URL is `signet:` but not `signet://enroll`.
    NotEnroll,
    /// A field appears more than once.
    DuplicateField {
        /// The query parameter's name.
        field: &'static str,
    },
    /// The `url` field does not parse as a URL.
    InvalidBaseUrl,
    /// The `url` field's scheme is not `http` or `https`.
    BaseUrlNotHttp,
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotAUrl => f.write_str("it is not a URL"),
            Self::NotSignetScheme => f.write_str("it does not start with signet://"),
            Self::NotEnroll => f.write_str("it is not a signet://enroll link"),
            Self::DuplicateField { field } => write!(f, "`{field}` appears more than once"),
            Self::InvalidBaseUrl => f.write_str("its `url` is not a URL"),
            Self::BaseUrlNotHttp => f.write_str("its `url` is not an http or https address"),
        }
    }
}
