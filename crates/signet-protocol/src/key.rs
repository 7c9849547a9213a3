//! Public keys: `PK` (SPKI base64) and `Q(PK)` (its query form), docs/protocol.md section 2.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use p256::ecdsa::signature::Verifier as _;
use p256::elliptic_curve::sec1::ToEncodedPoint as _;
use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::signature::Signature;
use crate::{Error, b64};

/// The DER header of a P-256 `SubjectPublicKeyInfo` with an uncompressed point: SEQUENCE {
/// SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING (66 bytes, 0 unused bits) }.
const SPKI_PREFIX: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];
/// Length of the SPKI DER: the header and a 65-byte uncompressed SEC1 point.
const SPKI_LEN: usize = SPKI_PREFIX.len() + 65;

/// A device's P-256 public key, the `publicKey` of the protocol.
///
/// Serializes as the SPKI base64 text (`PK`). `Debug` and `Display` show that text too.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(p256::PublicKey);

impl PublicKey {
    /// Wraps a p256 key.
    pub fn from_p256(key: p256::PublicKey) -> Self {
        Self(key)
    }

    /// The p256 key inside.
    pub fn as_p256(&self) -> &p256::PublicKey {
        &self.0
    }

    /// Decodes `PK`: base64 (standard alphabet, padding optional) of the 91-byte
    /// `SubjectPublicKeyInfo` DER with an uncompressed point on P-256.
    pub fn from_spki_base64(text: &str) -> Result<Self, Error> {
        let der =
            b64::decode_standard(text.trim()).ok_or(Error::InvalidBase64 { what: "public key" })?;
        Self::from_spki_der(&der)
    }

    /// Decodes the 91-byte `SubjectPublicKeyInfo` DER of a P-256 key with an uncompressed point.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, Error> {
        // 1. Exactly the canonical header and length, so one key has one text.
        if der.len() != SPKI_LEN || der[..SPKI_PREFIX.len()] != SPKI_PREFIX {
            return Err(Error::InvalidPublicKey);
        }
        // 2. The point must be uncompressed and on the curve.
        let point = &der[SPKI_PREFIX.len()..];
        if point[0] != 0x04 {
            return Err(Error::InvalidPublicKey);
        }
        p256::PublicKey::from_sec1_bytes(point)
            .map(Self)
            .map_err(|_| Error::InvalidPublicKey)
    }

    /// The 91-byte `SubjectPublicKeyInfo` DER.
    pub fn to_spki_der(&self) -> Vec<u8> {
        let mut der = Vec::with_capacity(SPKI_LEN);
        der.extend_from_slice(&SPKI_PREFIX);
        der.extend_from_slice(self.0.to_encoded_point(false).as_bytes());
        der
    }

    /// `PK`: the SPKI DER in standard base64 with padding (124 characters, `MFkwEwYH...`).
    pub fn to_spki_base64(&self) -> String {
        b64::encode(self.to_spki_der())
    }

    /// Decodes `Q(PK)` as a server receives it: the value after `publicKey=`, raw or already
    /// percent-decoded. Accepts the standard and url-safe alphabets, with or without padding,
    /// and percent-encoded characters (`%3D`). (Base64 of base64 text never contains `+`, `/`,
    /// `-` or `_`: the forms differ only in their padding.)
    pub fn from_query(value: &str) -> Result<Self, Error> {
        const WHAT: &str = "public key query value";
        // 1. Undo percent-encoding (harmless when already done: base64 has no `%`).
        let decoded = percent_decode_str(value)
            .decode_utf8()
            .map_err(|_| Error::InvalidBase64 { what: WHAT })?;
        // 2. The outer base64, either alphabet, padding optional, gives the text of `PK`.
        let inner = b64::decode_any(decoded.trim()).ok_or(Error::InvalidBase64 { what: WHAT })?;
        let pk_text = std::str::from_utf8(&inner).map_err(|_| Error::InvalidPublicKey)?;
        // 3. The text of `PK` as usual.
        Self::from_spki_base64(pk_text)
    }

    /// `Q(PK)` as Signet's device sends it: standard base64 with padding of the `PK` text,
    /// percent-encoded, ready to put after `publicKey=`.
    pub fn to_query(&self) -> String {
        let outer = b64::encode(self.to_spki_base64());
        utf8_percent_encode(&outer, NON_ALPHANUMERIC).to_string()
    }

    /// Checks an ECDSA P-256 SHA-256 signature over the UTF-8 bytes of `message`.
    pub fn verify(&self, message: &str, signature: &Signature) -> Result<(), Error> {
        self.verify_bytes(message.as_bytes(), signature)
    }

    /// Checks an ECDSA P-256 SHA-256 signature over exact message bytes.
    pub fn verify_bytes(&self, message: &[u8], signature: &Signature) -> Result<(), Error> {
        let key = p256::ecdsa::VerifyingKey::from(&self.0);
        key.verify(message, signature.as_p256())
            .map_err(|_| Error::SignatureMismatch)
    }
}

impl From<p256::PublicKey> for PublicKey {
    fn from(key: p256::PublicKey) -> Self {
        Self(key)
    }
}

impl From<&p256::ecdsa::VerifyingKey> for PublicKey {
    fn from(key: &p256::ecdsa::VerifyingKey) -> Self {
        Self(p256::PublicKey::from(key))
    }
}

impl Hash for PublicKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.to_encoded_point(false).as_bytes().hash(state);
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PublicKey")
            .field(&self.to_spki_base64())
            .finish()
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_spki_base64())
    }
}

impl FromStr for PublicKey {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Error> {
        Self::from_spki_base64(text)
    }
}

impl Serialize for PublicKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_spki_base64())
    }
}

impl<'de> Deserialize<'de> for PublicKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::from_spki_base64(&text).map_err(serde::de::Error::custom)
    }
}
