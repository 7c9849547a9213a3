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
use std::time::Duration;

use reqwest::header::HeaderValue;
use url::Url;

use crate::Error;

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

/// The HTTP client of one channel: connections pooled and reused (HTTP/2 where the provider
/// offers it), no redirects (a provider that redirects is refused, not followed), `timeout`
/// per request.
///
/// # Errors
///
/// [`Error::DeliveryConfig`] if the TLS backend cannot be set up.
pub fn http_client(timeout: Duration) -> Result<reqwest::Client, Error> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(Duration::from_secs(90))
        .tcp_nodelay(true)
        .build()
        .map_err(|_| Error::DeliveryConfig {
            reason: "the HTTP client for a push channel cannot be built",
        })
}

/// A `Retry-After` header in seconds (the HTTP-date form is not used by push providers and is
/// ignored: the delivery's own backoff applies then).
#[must_use]
pub fn retry_after(value: Option<&HeaderValue>) -> Option<Duration> {
    let seconds: u64 = value?.to_str().ok()?.trim().parse().ok()?;
    Some(Duration::from_secs(seconds))
}
