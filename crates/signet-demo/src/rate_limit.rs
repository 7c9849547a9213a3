//! A fixed-window limit on the demo's `/api` requests per client address.
//!
//! The demo hands out enrollment links and starts push prompts for any user id, so a script
//! could walk through user ids (who is enrolled?) or flood a user's device with prompts. The
//! limit slows both to a person's pace. It counts per IP address of the TCP peer (never a
//! header such as `X-Forwarded-For`, which the client writes); behind a proxy every client
//! shares the proxy's count.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::Demo;
use crate::refusal::Refusal;

/// How many addresses the limiter remembers at most; beyond that, new addresses are refused
/// until old windows end (memory stays bounded whatever the callers do).
const MAX_ADDRESSES: usize = 10_000;

/// At most `requests` requests to `/demo/api` per client address in each `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per window.
    pub requests: u32,
    /// The window's length.
    pub window: Duration,
}

impl Default for RateLimit {
    /// 60 requests a minute: a person trying the demo, and the page watching for an
    /// enrollment every few seconds, stay well below it.
    fn default() -> Self {
        Self {
            requests: 60,
            window: Duration::from_secs(60),
        }
    }
}

/// One address's current window.
#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    count: u32,
}

/// The counts of every address seen in the current windows.
#[derive(Debug, Clone)]
pub(crate) struct RateLimiter {
    limit: RateLimit,
    windows: Arc<Mutex<HashMap<IpAddr, Window>>>,
}

impl RateLimiter {
    /// A limiter that remembers nothing yet.
    pub(crate) fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            windows: Arc::default(),
        }
    }

    /// Counts one request from `address` at `now`: `Ok` when it is within the limit, else
    /// how long until the address's window ends.
    pub(crate) fn check(&self, address: IpAddr, now: Instant) -> Result<(), Duration> {
        let window_length = self.limit.window;
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        if windows.len() >= MAX_ADDRESSES && !windows.contains_key(&address) {
            windows.retain(|_, window| now.duration_since(window.started) < window_length);
            if windows.len() >= MAX_ADDRESSES {
                return Err(window_length);
            }
        }
        let window = windows.entry(address).or_insert(Window {
            started: now,
            count: 0,
        });
        if now.duration_since(window.started) >= window_length {
            *window = Window {
                started: now,
                count: 0,
            };
        }
        if window.count >= self.limit.requests {
            return Err(window_length.saturating_sub(now.duration_since(window.started)));
        }
        window.count += 1;
        Ok(())
    }
}

/// The middleware: a 429 in the demo's error shape, with `Retry-After`, past the limit.
pub(crate) async fn limit(State(demo): State<Arc<Demo>>, request: Request, next: Next) -> Response {
    // Without a peer address (a router called in process), every request shares one count.
    let address = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| {
            info.0.ip().to_canonical()
        });
    match demo.limiter.check(address, Instant::now()) {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            let limit = demo.limiter.limit;
            tracing::debug!("demo request over the limit of its address");
            Refusal::too_many(
                limit.requests,
                limit.window.as_secs(),
                wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
            )
            .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(requests: u32) -> RateLimiter {
        RateLimiter::new(RateLimit {
            requests,
            window: Duration::from_secs(60),
        })
    }

    #[test]
    fn an_address_over_its_limit_waits_for_the_end_of_its_window() {
        let limiter = limiter(3);
        let start = Instant::now();
        let alice = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
        for _ in 0..3 {
            assert_eq!(limiter.check(alice, start), Ok(()));
        }
        let later = start + Duration::from_secs(20);
        assert_eq!(limiter.check(alice, later), Err(Duration::from_secs(40)));
        assert_eq!(
            limiter.check(alice, start + Duration::from_secs(60)),
            Ok(())
        );
    }

    #[test]
    fn each_address_has_its_own_count() {
        let limiter = limiter(1);
        let now = Instant::now();
        let alice = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
        let bob = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2));
        assert_eq!(limiter.check(alice, now), Ok(()));
        assert!(limiter.check(alice, now).is_err());
        assert_eq!(limiter.check(bob, now), Ok(()));
    }

    #[test]
    fn the_limiter_remembers_a_bounded_number_of_addresses() {
        let limiter = limiter(1);
        let now = Instant::now();
        for n in 0..MAX_ADDRESSES {
            let address = IpAddr::V6(std::net::Ipv6Addr::from(u128::try_from(n).unwrap_or(0)));
            assert_eq!(limiter.check(address, now), Ok(()));
        }
        let newcomer = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 9));
        assert!(limiter.check(newcomer, now).is_err());
        // Once the old windows have ended, they make room.
        assert_eq!(
            limiter.check(newcomer, now + Duration::from_secs(61)),
            Ok(())
        );
        assert!(
            limiter
                .windows
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .len()
                <= MAX_ADDRESSES
        );
    }
}
