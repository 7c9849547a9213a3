//! The bench devices' P-256 keys on `ring`: the load generator signs twice per sign-in, and
//! `ring` signs about 2.5 times faster than the `p256` crate the app uses (the app keeps
//! `p256`; the signatures are the same kind, ECDSA P-256 with SHA-256, DER-encoded, and the
//! server checks them as it checks the app's).

use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair as _};
use signet_protocol::{PublicKey, Signature};

use crate::Error;

/// A device key held in memory.
#[derive(Debug)]
pub struct BenchKey {
    pair: EcdsaKeyPair,
    rng: SystemRandom,
}

impl BenchKey {
    /// A new random key.
    pub fn generate() -> Result<Self, Error> {
        let rng = SystemRandom::new();
        let pkcs8 =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).map_err(|_| {
                Error::Unexpected {
                    what: "ring could not make a P-256 key",
                }
            })?;
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng)
            .map_err(|_| Error::Unexpected {
                what: "ring could not read the P-256 key it made",
            })?;
        Ok(Self { pair, rng })
    }

    /// The public key, as the protocol carries it.
    pub fn public_key(&self) -> Result<PublicKey, Error> {
        let point =
            p256::PublicKey::from_sec1_bytes(self.pair.public_key().as_ref()).map_err(|_| {
                Error::Unexpected {
                    what: "ring's public key is not a P-256 point",
                }
            })?;
        Ok(PublicKey::from_p256(point))
    }

    /// ECDSA P-256 with SHA-256 over `message`, DER-encoded.
    pub fn sign(&self, message: &[u8]) -> Result<Signature, Error> {
        let signature = self
            .pair
            .sign(&self.rng, message)
            .map_err(|_| Error::Unexpected {
                what: "ring could not sign",
            })?;
        Signature::from_der(signature.as_ref()).map_err(|_| Error::Unexpected {
            what: "ring's signature is not DER",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ring_signature_verifies_with_the_protocols_p256_check() {
        let key = BenchKey::generate().expect("a key");
        let signature = key.sign(b"a challenge id").expect("signs");
        key.public_key()
            .expect("a public key")
            .verify("a challenge id", &signature)
            .expect("verifies");
        assert!(
            key.public_key()
                .expect("a public key")
                .verify("another message", &signature)
                .is_err()
        );
    }
}
