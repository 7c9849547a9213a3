//! Rate limits: a token bucket per client address (or per any other key, e.g. a server a
//! push gateway trusts), in memory.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

/// Above this many addresses, buckets that have refilled completely are dropped.
const PRUNE_ABOVE: usize = 16_384;

/// A token bucket per address: `per_second` tokens a second, up to twice that saved up.
pub(crate) type AddressThrottle = KeyedThrottle<IpAddr>;

/// A token bucket per key: `per_second` tokens a second, up to twice that saved up.
#[derive(Debug)]
pub(crate) struct KeyedThrottle<K> {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<K, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl<K: Hash + Eq> KeyedThrottle<K> {
    /// `per_second` requests a second per key, with bursts of twice that.
    pub(crate) fn new(per_second: u32) -> Self {
        let per_second = f64::from(per_second.max(1));
        Self {
            per_second,
            burst: per_second * 2.0,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for `address` (the key); `false` when its bucket is empty.
    pub(crate) fn allow(&self, address: K) -> bool {
        let now = Instant::now();
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() > PRUNE_ABOVE {
            let (per_second, burst) = (self.per_second, self.burst);
            buckets.retain(|_, bucket| {
                bucket.tokens + now.duration_since(bucket.at).as_secs_f64() * per_second < burst
            });
        }
        let bucket = buckets.entry(address).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        let refilled = now.duration_since(bucket.at).as_secs_f64() * self.per_second;
        bucket.tokens = (bucket.tokens + refilled).min(self.burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::AddressThrottle;

    #[test]
    fn an_address_gets_its_burst_then_is_refused_while_another_is_not() {
        let throttle = AddressThrottle::new(5);
        let one = "192.0.2.1".parse().expect("address");
        let other = "192.0.2.2".parse().expect("address");
        let allowed = (0..100).filter(|_| throttle.allow(one)).count();
        assert!((10..=11).contains(&allowed), "{allowed}");
        assert!(throttle.allow(other));
    }
}
