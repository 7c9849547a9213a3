//! Signatures: ECDSA P-256 over SHA-256 of the message bytes, ASN.1 DER, standard base64.

use std::fmt;

use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{DerSignature, SigningKey};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{Error, b64};

/// An ECDSA P-256 signature in ASN.1 DER form (`SEQUENCE { r, s }`).
///
/// Serializes as standard base64 with padding.
#[derive(Clone)]
pub struct Signature(DerSignature);

impl PartialEq for Signature {
    fn eq(&self, other: &Self) -> bool {
        self.as_der() == other.as_der()
    }
}

impl Eq for Signature {}

impl Signature {
    /// Decodes base64 (standard alphabet, padding optional) of a DER signature. Raw `r||s`
    /// is refused.
    pub fn from_base64(text: &str) -> Result<Self, Error> {
        let der =
            b64::decode_standard(text.trim()).ok_or(Error::InvalidBase64 { what: "signature" })?;
        Self::from_der(&der)
    }

    /// Parses DER bytes; `r` and `s` must be in range.
    pub fn from_der(bytes: &[u8]) -> Result<Self, Error> {
        DerSignature::from_bytes(bytes)
            .map(Self)
            .map_err(|_| Error::InvalidSignature)
    }

    /// Standard base64 with padding of the DER bytes.
    pub fn to_base64(&self) -> String {
        b64::encode(self.0.as_bytes())
    }

    /// The DER bytes.
    pub fn as_der(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// The p256 DER signature inside.
    pub fn as_p256(&self) -> &DerSignature {
        &self.0
    }
}

impl From<DerSignature> for Signature {
    fn from(signature: DerSignature) -> Self {
        Self(signature)
    }
}

impl From<p256::ecdsa::Signature> for Signature {
    fn from(signature: p256::ecdsa::Signature) -> Self {
        Self(signature.to_der())
    }
}

/// Signs the UTF-8 bytes of `message` (ECDSA P-256, SHA-256), for key stores.
pub fn sign(key: &SigningKey, message: &str) -> Signature {
    sign_bytes(key, message.as_bytes())
}

/// Signs exact message bytes (ECDSA P-256, SHA-256), for key stores.
pub fn sign_bytes(key: &SigningKey, message: &[u8]) -> Signature {
    let signature: p256::ecdsa::Signature = key.sign(message);
    Signature(signature.to_der())
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Signature").field(&self.to_base64()).finish()
    }
}

impl Serialize for Signature {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_base64())
    }
}

impl<'de> Deserialize<'de> for Signature {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::from_base64(&text).map_err(serde::de::Error::custom)
    }
}
