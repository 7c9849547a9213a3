//! The `pushToken` of 3.1 and 3.6b (docs/protocol.md 8.6): an APNs device token, an FCM
//! registration token, or a Web Push subscription (`webpush:` + base64url of its JSON).
//! [`PushToken::parse`] checks the form on the way in, so a server never stores a token it
//! could not send to.

use std::fmt;
use std::net::IpAddr;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use url::Url;

use crate::DevicePlatform;

/// The prefix of a Web Push subscription token.
pub const WEB_PUSH_PREFIX: &str = "webpush:";

/// Shortest and longest APNs device token, in hex digits (today 64; Apple says the length
/// may change, so a range).
const APNS_HEX_DIGITS: std::ops::RangeInclusive<usize> = 32..=200;

/// Shortest and longest FCM registration token, in characters (today about 150 to 170).
const FCM_CHARS: std::ops::RangeInclusive<usize> = 32..=1024;

/// Why a `pushToken` is refused. Its text never holds the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PushTokenError {
    /// A token that is not a Web Push subscription on a platform without APNs or FCM.
    #[error(
        "`pushToken` on this `devicePlatform` must be a Web Push subscription (`webpush:` + \
         base64url of its JSON); APNs tokens need `ios`, FCM tokens `android`"
    )]
    NeedsPlatform,
    /// Not an APNs device token (even-length hex of 32 to 200 digits).
    #[error("`pushToken` is not an APNs device token (hex digits, 32 to 200 of them)")]
    NotApns,
    /// Not an FCM registration token.
    #[error(
        "`pushToken` is not an FCM registration token (32 to 1024 letters, digits, `-`, `_`, `:`)"
    )]
    NotFcm,
    /// After `webpush:`, not base64url of a JSON subscription.
    #[error(
        "`pushToken` after `webpush:` is not base64url (no padding) of a JSON object \
         {{\"endpoint\", \"keys\": {{\"p256dh\", \"auth\"}}}}"
    )]
    NotSubscription,
    /// The subscription's endpoint is not an `https://` URL (or `http://` on loopback).
    #[error("the Web Push `endpoint` must be an https:// URL (http:// only on a loopback address)")]
    InsecureEndpoint,
    /// `keys.p256dh` is not an uncompressed P-256 point in base64url.
    #[error("the Web Push `keys.p256dh` is not an uncompressed P-256 public key in base64url")]
    BadP256dh,
    /// `keys.auth` is not 16 bytes in base64url.
    #[error("the Web Push `keys.auth` is not 16 bytes in base64url")]
    BadAuth,
}

/// A checked push token.
#[derive(Clone, PartialEq, Eq)]
pub enum PushToken {
    /// An APNs device token (hex), `devicePlatform: "ios"`.
    Apns(String),
    /// An FCM registration token, `devicePlatform: "android"`.
    Fcm(String),
    /// A Web Push subscription (RFC 8030), on any platform.
    WebPush(WebPushSubscription),
}

/// A Web Push subscription: where to POST, and the keys to encrypt for (RFC 8291).
#[derive(Clone, PartialEq, Eq)]
pub struct WebPushSubscription {
    /// The push service's endpoint for this subscription.
    pub endpoint: Url,
    /// The user agent's ECDH public key, an uncompressed P-256 point (65 bytes).
    pub p256dh: [u8; 65],
    /// The authentication secret (16 bytes).
    pub auth: [u8; 16],
}

/// The JSON inside a `webpush:` token.
#[derive(Deserialize)]
struct SubscriptionJson {
    endpoint: String,
    keys: KeysJson,
}

/// Its `keys`.
#[derive(Deserialize)]
struct KeysJson {
    p256dh: String,
    auth: String,
}

impl PushToken {
    /// Checks `text` as the push token of a device on `platform` (`None`: not given). A
    /// `webpush:` token is accepted on every platform; otherwise `ios` wants an APNs token and
    /// `android` an FCM one.
    ///
    /// # Errors
    ///
    /// [`PushTokenError`] says which rule the text breaks.
    pub fn parse(text: &str, platform: Option<DevicePlatform>) -> Result<Self, PushTokenError> {
        if let Some(rest) = text.strip_prefix(WEB_PUSH_PREFIX) {
            return WebPushSubscription::parse(rest).map(Self::WebPush);
        }
        match platform {
            Some(DevicePlatform::Ios) => {
                let ok = APNS_HEX_DIGITS.contains(&text.len())
                    && text.len().is_multiple_of(2)
                    && text.bytes().all(|b| b.is_ascii_hexdigit());
                if ok {
                    Ok(Self::Apns(text.to_owned()))
                } else {
                    Err(PushTokenError::NotApns)
                }
            }
            Some(DevicePlatform::Android) => {
                let ok = FCM_CHARS.contains(&text.len())
                    && text
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':'));
                if ok {
                    Ok(Self::Fcm(text.to_owned()))
                } else {
                    Err(PushTokenError::NotFcm)
                }
            }
            _ => Err(PushTokenError::NeedsPlatform),
        }
    }

    /// Which channel sends to it.
    #[must_use]
    pub fn kind(&self) -> PushTokenKind {
        match self {
            Self::Apns(_) => PushTokenKind::Apns,
            Self::Fcm(_) => PushTokenKind::Fcm,
            Self::WebPush(_) => PushTokenKind::WebPush,
        }
    }
}

/// The three kinds of push token, one per channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PushTokenKind {
    /// Apple Push Notification service.
    Apns,
    /// Firebase Cloud Messaging.
    Fcm,
    /// Web Push (RFC 8030).
    WebPush,
}

impl WebPushSubscription {
    /// Parses what follows `webpush:`.
    fn parse(encoded: &str) -> Result<Self, PushTokenError> {
        let json = URL_SAFE_NO_PAD
            .decode(encoded)
            .map_err(|_| PushTokenError::NotSubscription)?;
        let parsed: SubscriptionJson =
            serde_json::from_slice(&json).map_err(|_| PushTokenError::NotSubscription)?;
        let endpoint =
            Url::parse(&parsed.endpoint).map_err(|_| PushTokenError::InsecureEndpoint)?;
        if !is_secure_endpoint(&endpoint) {
            return Err(PushTokenError::InsecureEndpoint);
        }
        let p256dh: [u8; 65] = decode_key(&parsed.keys.p256dh)
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or(PushTokenError::BadP256dh)?;
        // An uncompressed point (0x04 || x || y) on the curve.
        if p256dh[0] != 4 || p256::PublicKey::from_sec1_bytes(&p256dh).is_err() {
            return Err(PushTokenError::BadP256dh);
        }
        let auth: [u8; 16] = decode_key(&parsed.keys.auth)
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or(PushTokenError::BadAuth)?;
        Ok(Self {
            endpoint,
            p256dh,
            auth,
        })
    }

    /// The token text of this subscription (`webpush:` + base64url of its JSON).
    #[must_use]
    pub fn to_token(&self) -> String {
        let json = serde_json::json!({
            "endpoint": self.endpoint.as_str(),
            "keys": {
                "p256dh": URL_SAFE_NO_PAD.encode(self.p256dh),
                "auth": URL_SAFE_NO_PAD.encode(self.auth),
            },
        });
        format!(
            "{WEB_PUSH_PREFIX}{}",
            URL_SAFE_NO_PAD.encode(json.to_string())
        )
    }
}

/// A key of a subscription: base64url, padded or not (browsers differ).
fn decode_key(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).ok()
}

/// `https://`, or `http://` to a loopback address (tests, a local distributor).
fn is_secure_endpoint(endpoint: &Url) -> bool {
    match endpoint.scheme() {
        "https" => endpoint.host().is_some(),
        "http" => match endpoint.host() {
            Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
            Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
            Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
            None => false,
        },
        _ => false,
    }
}

// Tokens are credentials of a device: never in logs.
impl fmt::Debug for PushToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PushToken::{:?}(<redacted>)", self.kind())
    }
}

impl fmt::Debug for WebPushSubscription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebPushSubscription")
            .field("endpoint", &"<redacted>")
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A valid uncompressed P-256 point: the generator's public key for scalar 1.
    fn point() -> String {
        let secret = p256::SecretKey::from_slice(&[1_u8; 32]).expect("a valid scalar");
        let public = secret.public_key();
        URL_SAFE_NO_PAD.encode(p256::EncodedPoint::from(public).as_bytes())
    }

    fn web_push(json: &serde_json::Value) -> String {
        format!("webpush:{}", URL_SAFE_NO_PAD.encode(json.to_string()))
    }

    fn subscription(endpoint: &str, p256dh: &str, auth: &str) -> String {
        web_push(&serde_json::json!({
            "endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}
        }))
    }

    fn auth() -> String {
        URL_SAFE_NO_PAD.encode([7_u8; 16])
    }

    #[test]
    fn an_apns_token_is_hex_on_ios() {
        let token = "a1".repeat(32);
        assert_eq!(
            PushToken::parse(&token, Some(DevicePlatform::Ios)),
            Ok(PushToken::Apns(token.clone()))
        );
        for bad in [
            "zz".repeat(32),
            "a".repeat(63),
            "ab".repeat(8),
            "ab".repeat(101),
        ] {
            assert_eq!(
                PushToken::parse(&bad, Some(DevicePlatform::Ios)),
                Err(PushTokenError::NotApns)
            );
        }
    }

    #[test]
    fn an_fcm_token_is_letters_digits_and_a_few_signs_on_android() {
        let token = format!("dXk3:APA91b{}", "Ab-_9".repeat(30));
        assert_eq!(
            PushToken::parse(&token, Some(DevicePlatform::Android)),
            Ok(PushToken::Fcm(token.clone()))
        );
        for bad in ["short".to_owned(), format!("{} with space", "a".repeat(40))] {
            assert_eq!(
                PushToken::parse(&bad, Some(DevicePlatform::Android)),
                Err(PushTokenError::NotFcm)
            );
        }
    }

    #[test]
    fn a_token_that_is_not_web_push_needs_ios_or_android() {
        let token = "a1".repeat(32);
        for platform in [None, Some(DevicePlatform::Linux)] {
            assert_eq!(
                PushToken::parse(&token, platform),
                Err(PushTokenError::NeedsPlatform)
            );
        }
    }

    #[test]
    fn a_web_push_subscription_is_accepted_on_every_platform_and_round_trips() {
        let token = subscription("https://push.example.net/s/abc", &point(), &auth());
        for platform in [
            None,
            Some(DevicePlatform::Android),
            Some(DevicePlatform::Linux),
        ] {
            let Ok(PushToken::WebPush(parsed)) = PushToken::parse(&token, platform) else {
                panic!("a valid subscription was refused");
            };
            assert_eq!(parsed.endpoint.as_str(), "https://push.example.net/s/abc");
            assert_eq!(parsed.auth, [7_u8; 16]);
            assert_eq!(
                PushToken::parse(&parsed.to_token(), None),
                Ok(PushToken::WebPush(parsed))
            );
        }
    }

    #[test]
    fn plain_http_is_accepted_only_on_loopback() {
        for endpoint in [
            "http://127.0.0.1:9/p",
            "http://[::1]:9/p",
            "http://localhost/p",
        ] {
            assert!(PushToken::parse(&subscription(endpoint, &point(), &auth()), None).is_ok());
        }
        for endpoint in [
            "http://push.example.net/p",
            "http://10.0.0.1/p",
            "ftp://x/p",
            "nope",
        ] {
            assert_eq!(
                PushToken::parse(&subscription(endpoint, &point(), &auth()), None),
                Err(PushTokenError::InsecureEndpoint)
            );
        }
    }

    #[test]
    fn a_malformed_subscription_is_refused_with_the_rule_it_breaks() {
        let endpoint = "https://push.example.net/p";
        assert_eq!(
            PushToken::parse("webpush:not base64!", None),
            Err(PushTokenError::NotSubscription)
        );
        assert_eq!(
            PushToken::parse(&web_push(&serde_json::json!({"endpoint": endpoint})), None),
            Err(PushTokenError::NotSubscription)
        );
        let off_curve = URL_SAFE_NO_PAD.encode([4_u8; 65]);
        let compressed = URL_SAFE_NO_PAD.encode([2_u8; 33]);
        for p256dh in [off_curve, compressed, "!!".to_owned()] {
            assert_eq!(
                PushToken::parse(&subscription(endpoint, &p256dh, &auth()), None),
                Err(PushTokenError::BadP256dh)
            );
        }
        let short = URL_SAFE_NO_PAD.encode([1_u8; 15]);
        assert_eq!(
            PushToken::parse(&subscription(endpoint, &point(), &short), None),
            Err(PushTokenError::BadAuth)
        );
    }

    #[test]
    fn debug_never_shows_the_token() {
        let token =
            PushToken::parse(&"a1".repeat(32), Some(DevicePlatform::Ios)).expect("a valid token");
        assert!(!format!("{token:?}").contains("a1a1"));
    }
}
