//! The Web Push channel (RFC 8030): the wake-up encrypted for the subscription (RFC 8291,
//! `aes128gcm` of RFC 8188) and the server identified by a VAPID JWT (RFC 8292).
//!
//! Built on `RustCrypto` primitives the workspace already trusts (`p256` for ECDH and ES256,
//! `hkdf`, `aes-gcm`, `sha2`) rather than a Web Push crate: `ece` is MPL-2.0 and links
//! OpenSSL, and `web-push` brings its own HTTP client; the two RFCs are a few dozen lines.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use aes_gcm::aead::{Aead as _, KeyInit as _};
use aes_gcm::{Aes128Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hkdf::Hkdf;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use p256::elliptic_curve::sec1::ToEncodedPoint as _;
use p256::pkcs8::DecodePrivateKey as _;
use p256::{PublicKey, SecretKey};
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CONTENT_ENCODING, CONTENT_TYPE, RETRY_AFTER};
use sha2::{Digest as _, Sha256};
use signet_protocol::clock::Clock;
use signet_protocol::{PushToken, WebPushSubscription};

use super::wake::{BODY, Channel, Sent, TITLE, WakeUp};
use super::webhook::error_kind;
use crate::Error;

/// How long one POST to a push service may take, connection included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A VAPID JWT's lifetime (RFC 8292 allows at most 24 hours).
const JWT_LIFETIME_SECONDS: i64 = 12 * 3600;

/// A cached JWT is renewed this long before it expires.
const JWT_RENEW_BEFORE_SECONDS: i64 = 3600;

/// The record size written in the `aes128gcm` header (one record holds the whole payload).
const RECORD_SIZE: u32 = 4096;

/// The Web Push channel: the VAPID key and subject, and one pooled HTTP client.
pub struct WebPush {
    key: SigningKey,
    /// `k=` of the `Authorization` header: the uncompressed public key, base64url.
    public_key: String,
    subject: String,
    client: reqwest::Client,
    clock: Arc<dyn Clock>,
    /// Signed JWTs per audience (push service origin), with their `exp`.
    jwts: Mutex<HashMap<String, (String, i64)>>,
}

impl fmt::Debug for WebPush {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebPush")
            .field("public_key", &self.public_key)
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}

impl WebPush {
    /// A channel signing with the P-256 `key`, identified by `subject` (`mailto:` or
    /// `https:`), timing JWTs and lifetimes with `clock`.
    ///
    /// # Errors
    ///
    /// [`Error::DeliveryConfig`] for a subject that is neither `mailto:` nor `https:`.
    pub fn new(key: &SecretKey, subject: &str, clock: Arc<dyn Clock>) -> Result<Self, Error> {
        if !(subject.starts_with("mailto:") || subject.starts_with("https://")) {
            return Err(Error::DeliveryConfig {
                reason: "the VAPID subject must be a mailto: or https:// URI",
            });
        }
        let public_key =
            URL_SAFE_NO_PAD.encode(key.public_key().to_encoded_point(false).as_bytes());
        Ok(Self {
            key: SigningKey::from(key),
            public_key,
            subject: subject.to_owned(),
            client: super::http_client(REQUEST_TIMEOUT)?,
            clock,
            jwts: Mutex::new(HashMap::new()),
        })
    }

    /// The VAPID public key (base64url of the uncompressed point): what a device passes as
    /// `applicationServerKey` when it subscribes.
    #[must_use]
    pub fn public_key(&self) -> &str {
        &self.public_key
    }

    /// The `Authorization` value for a push service at `audience` (its origin).
    fn authorization(&self, audience: &str, now: i64) -> String {
        let mut jwts = self.jwts.lock().unwrap_or_else(PoisonError::into_inner);
        let fresh = jwts
            .get(audience)
            .filter(|(_, exp)| *exp - JWT_RENEW_BEFORE_SECONDS > now)
            .map(|(jwt, _)| jwt.clone());
        let jwt = fresh.unwrap_or_else(|| {
            let exp = now + JWT_LIFETIME_SECONDS;
            let jwt = self.jwt(audience, exp);
            if jwts.len() > 1024 {
                jwts.clear();
            }
            jwts.insert(audience.to_owned(), (jwt.clone(), exp));
            jwt
        });
        format!("vapid t={jwt}, k={}", self.public_key)
    }

    /// RFC 8292 section 2: an ES256 JWT `{aud, exp, sub}`.
    fn jwt(&self, audience: &str, exp: i64) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = serde_json::json!({"aud": audience, "exp": exp, "sub": self.subject});
        let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
        let signing_input = format!("{header}.{claims}");
        let signature: Signature = self.key.sign(signing_input.as_bytes());
        format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature.to_bytes())
        )
    }

    /// One POST of `wake` to `subscription`.
    async fn push(&self, subscription: &WebPushSubscription, wake: &WakeUp) -> Sent {
        let now = self.clock.now_ms().div_euclid(1000);
        let ttl = wake.ttl(now);
        if ttl.is_zero() {
            return Sent::Failed {
                reason: "the challenge has expired".to_owned(),
            };
        }
        let Ok(body) = encrypt(subscription, &payload(wake)) else {
            return Sent::Failed {
                reason: "the subscription's key does not allow encryption".to_owned(),
            };
        };
        let audience = subscription.endpoint.origin().ascii_serialization();
        let sent = self
            .client
            .post(subscription.endpoint.clone())
            .header(AUTHORIZATION, self.authorization(&audience, now))
            .header(CONTENT_ENCODING, "aes128gcm")
            .header(CONTENT_TYPE, "application/octet-stream")
            .header("TTL", ttl.as_secs().to_string())
            .header("Urgency", "high")
            .header("Topic", topic(&wake.challenge_id))
            .body(body)
            .send()
            .await;
        match sent {
            Ok(response) => outcome(response.status(), response.headers().get(RETRY_AFTER)),
            Err(error) => Sent::Retry {
                after: None,
                reason: format!(
                    "the push service could not be reached: {}",
                    error_kind(&error)
                ),
            },
        }
    }
}

impl Channel for WebPush {
    fn send<'a>(
        &'a self,
        token: &'a str,
        wake: &'a WakeUp,
    ) -> Pin<Box<dyn Future<Output = Sent> + Send + 'a>> {
        Box::pin(async move {
            match PushToken::parse(token, None) {
                Ok(PushToken::WebPush(subscription)) => self.push(&subscription, wake).await,
                _ => Sent::Failed {
                    reason: "not a Web Push subscription".to_owned(),
                },
            }
        })
    }
}

/// Reads a VAPID key: a PEM P-256 private key, PKCS#8 (`BEGIN PRIVATE KEY`) or SEC1
/// (`BEGIN EC PRIVATE KEY`).
///
/// # Errors
///
/// [`Error::DeliveryConfig`] when the file cannot be read or holds no such key (the message
/// never quotes the file).
pub fn read_vapid_key(path: &Path) -> Result<SecretKey, Error> {
    let text = zeroize::Zeroizing::new(std::fs::read_to_string(path).map_err(|_| {
        Error::DeliveryConfig {
            reason: "the VAPID key file cannot be read",
        }
    })?);
    let text = text.trim();
    SecretKey::from_pkcs8_pem(text)
        .or_else(|_| SecretKey::from_sec1_pem(text))
        .map_err(|_| Error::DeliveryConfig {
            reason: "the VAPID key file holds no PEM P-256 private key (PKCS#8 or SEC1)",
        })
}

/// The plaintext of a wake-up: the two ids and the generic visible text, nothing else.
fn payload(wake: &WakeUp) -> Vec<u8> {
    let mut data = wake.data();
    data["title"] = TITLE.into();
    data["body"] = BODY.into();
    data.to_string().into_bytes()
}

/// The `Topic` (collapse key) of a challenge: 32 base64url letters of its id's SHA-256, so a
/// newer wake-up for the same challenge replaces an undelivered one (RFC 8030 5.4).
#[must_use]
pub fn topic(challenge_id: &str) -> String {
    let digest = Sha256::digest(challenge_id.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..24])
}

/// Why a payload could not be encrypted.
#[derive(Debug)]
pub struct EncryptError;

/// RFC 8291 section 3 with a fresh sender key and salt: the whole `aes128gcm` body (RFC 8188
/// header, then one record).
///
/// # Errors
///
/// [`EncryptError`] when the subscription's key is not a usable P-256 point.
pub fn encrypt(
    subscription: &WebPushSubscription,
    plaintext: &[u8],
) -> Result<Vec<u8>, EncryptError> {
    let sender = SecretKey::random(&mut rand::rngs::OsRng);
    let mut salt = [0_u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut salt);
    encrypt_with(subscription, plaintext, &sender, salt)
}

/// [`encrypt`] with a given sender key and salt (the RFC's test vector uses fixed ones).
fn encrypt_with(
    subscription: &WebPushSubscription,
    plaintext: &[u8],
    sender: &SecretKey,
    salt: [u8; 16],
) -> Result<Vec<u8>, EncryptError> {
    let receiver = PublicKey::from_sec1_bytes(&subscription.p256dh).map_err(|_| EncryptError)?;
    let sender_public = sender.public_key().to_encoded_point(false);
    // 1. ecdh_secret = ECDH(as_private, ua_public).
    let shared = p256::ecdh::diffie_hellman(sender.to_nonzero_scalar(), receiver.as_affine());
    // 2. IKM = HKDF(salt = auth_secret, ikm = ecdh_secret,
    //    info = "WebPush: info" || 0x00 || ua_public || as_public, L = 32).
    let mut key_info = Vec::with_capacity(14 + 65 + 65);
    key_info.extend_from_slice(b"WebPush: info\0");
    key_info.extend_from_slice(&subscription.p256dh);
    key_info.extend_from_slice(sender_public.as_bytes());
    let mut ikm = zeroize::Zeroizing::new([0_u8; 32]);
    Hkdf::<Sha256>::new(Some(&subscription.auth), shared.raw_secret_bytes())
        .expand(&key_info, ikm.as_mut())
        .map_err(|_| EncryptError)?;
    // 3. CEK and NONCE from HKDF(salt, IKM) (RFC 8188 section 2.2 and 2.3).
    let content = Hkdf::<Sha256>::new(Some(&salt), ikm.as_ref());
    let mut cek = zeroize::Zeroizing::new([0_u8; 16]);
    let mut nonce = [0_u8; 12];
    content
        .expand(b"Content-Encoding: aes128gcm\0", cek.as_mut())
        .map_err(|_| EncryptError)?;
    content
        .expand(b"Content-Encoding: nonce\0", &mut nonce)
        .map_err(|_| EncryptError)?;
    // 4. One record: plaintext || 0x02 (the last record's delimiter), AES-128-GCM.
    let mut record = Vec::with_capacity(plaintext.len() + 1);
    record.extend_from_slice(plaintext);
    record.push(2);
    let cipher = Aes128Gcm::new_from_slice(cek.as_ref()).map_err(|_| EncryptError)?;
    let sealed = cipher
        .encrypt(Nonce::from_slice(&nonce), record.as_slice())
        .map_err(|_| EncryptError)?;
    // 5. Header: salt || rs || idlen || keyid (= as_public).
    let mut body = Vec::with_capacity(16 + 4 + 1 + 65 + sealed.len());
    body.extend_from_slice(&salt);
    body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    body.push(65);
    body.extend_from_slice(sender_public.as_bytes());
    body.extend_from_slice(&sealed);
    Ok(body)
}

/// What a push service's answer means (RFC 8030 section 5, 6; RFC 8292 section 4).
fn outcome(status: StatusCode, retry_after: Option<&reqwest::header::HeaderValue>) -> Sent {
    if status.is_success() {
        Sent::Accepted
    } else if status == StatusCode::NOT_FOUND || status == StatusCode::GONE {
        Sent::TokenInvalid
    } else if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        Sent::Retry {
            after: super::retry_after(retry_after),
            reason: format!("the push service answered {status}"),
        }
    } else {
        Sent::Failed {
            reason: format!("the push service answered {status}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(text: &str) -> Vec<u8> {
        URL_SAFE_NO_PAD.decode(text).expect("base64url")
    }

    /// RFC 8291 Appendix A: the example's keys, salt and plaintext give the example's body.
    #[test]
    fn encryption_matches_the_example_of_rfc_8291_appendix_a() {
        let subscription = WebPushSubscription {
            endpoint: "https://push.example.net/push/JzLQ3raZJfFBR0aqvOMsLrt54w4rJUsV"
                .parse()
                .expect("url"),
            p256dh: b64(UA_PUBLIC).try_into().expect("65 bytes"),
            auth: b64(AUTH_SECRET).try_into().expect("16 bytes"),
        };
        let sender = SecretKey::from_slice(&b64(AS_PRIVATE)).expect("a scalar");
        let salt: [u8; 16] = b64(SALT).try_into().expect("16 bytes");
        let body = encrypt_with(&subscription, PLAINTEXT, &sender, salt).expect("encrypts");
        assert_eq!(URL_SAFE_NO_PAD.encode(body), BODY_EXPECTED);
    }

    const PLAINTEXT: &[u8] = b"When I grow up, I want to be a watermelon";
    const AS_PRIVATE: &str = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
    const UA_PUBLIC: &str =
        "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    const AUTH_SECRET: &str = "BTBZMqHH6r4Tts7J_aSIgg";
    const SALT: &str = "DGv6ra1nlYgDCS1FRnbzlw";
    const BODY_EXPECTED: &str = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN";

    #[test]
    fn the_topic_is_32_base64url_letters_and_the_same_for_the_same_challenge() {
        let topic = topic("a-challenge");
        assert_eq!(topic.len(), 32);
        assert!(
            topic
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(topic, super::topic("a-challenge"));
        assert_ne!(topic, super::topic("another"));
    }

    #[test]
    fn answers_map_to_accepted_gone_retry_or_failed() {
        assert_eq!(outcome(StatusCode::CREATED, None), Sent::Accepted);
        assert_eq!(outcome(StatusCode::GONE, None), Sent::TokenInvalid);
        assert_eq!(outcome(StatusCode::NOT_FOUND, None), Sent::TokenInvalid);
        assert!(matches!(
            outcome(StatusCode::SERVICE_UNAVAILABLE, None),
            Sent::Retry { .. }
        ));
        assert!(matches!(
            outcome(StatusCode::PAYLOAD_TOO_LARGE, None),
            Sent::Failed { .. }
        ));
    }

    #[test]
    fn a_subject_must_be_mailto_or_https() {
        let key = SecretKey::random(&mut rand::rngs::OsRng);
        let clock: Arc<dyn Clock> = Arc::new(signet_protocol::SystemClock);
        assert!(WebPush::new(&key, "admin@example.net", Arc::clone(&clock)).is_err());
        assert!(WebPush::new(&key, "mailto:admin@example.net", clock).is_ok());
    }

    #[test]
    fn a_vapid_key_is_read_from_pkcs8_or_sec1_pem_and_garbage_is_refused() {
        use p256::pkcs8::EncodePrivateKey as _;
        let dir = tempfile::tempdir().expect("dir");
        let key = SecretKey::random(&mut rand::rngs::OsRng);
        let pkcs8 = dir.path().join("pkcs8.pem");
        let sec1 = dir.path().join("sec1.pem");
        let garbage = dir.path().join("garbage.pem");
        std::fs::write(
            &pkcs8,
            key.to_pkcs8_pem(p256::pkcs8::LineEnding::LF)
                .expect("pem")
                .as_bytes(),
        )
        .expect("write");
        std::fs::write(
            &sec1,
            format!(
                "\n{}\n",
                *key.to_sec1_pem(p256::pkcs8::LineEnding::LF).expect("pem")
            ),
        )
        .expect("write");
        std::fs::write(
            &garbage,
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        )
        .expect("write");
        assert_eq!(read_vapid_key(&pkcs8).expect("PKCS#8"), key);
        assert_eq!(read_vapid_key(&sec1).expect("SEC1"), key);
        assert!(read_vapid_key(&garbage).is_err());
        assert!(read_vapid_key(&dir.path().join("missing.pem")).is_err());
    }
}
