//! Wake-ups (docs/protocol.md 8.6): telling a sleeping device that a challenge waits for it.
//!
//! - [`wake`]: what a wake-up says, and the [`wake::Channel`] every channel implements.
//! - [`delivery`]: who gets which wake-up when a challenge is created, retries, and the
//!   `deliveryResults` of the challenge-push answer.
//! - [`webhook`]: the `push.created` webhook (8.5).
//! - [`web_push`]: the Web Push channel (RFC 8291 encryption, RFC 8292 VAPID).

pub mod apns;
pub mod delivery;
pub mod fcm;
pub mod gateway;
pub mod platform;
pub mod provider;
pub mod wake;
pub mod web_push;
pub mod webhook;

use std::net::IpAddr;
use url::Url;

pub use delivery::{Channels, DeliveryConfig};
pub use web_push::WebPush;
pub use webhook::Webhook;

/// `https://`, or `http://` to a loopback address (tests, a relay on the same host).
#[must_use]
pub fn is_secure_url(url: &Url) -> bool {
    match url.scheme() {
        "https" => url.host().is_some(),
        "http" => match url.host() {
            Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
            Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
            Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
            None => false,
        },
        _ => false,
    }
}
