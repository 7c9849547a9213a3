//! Time, injectable: the device core and the server ask a [`Clock`] for "now", so tests can
//! stop and move it.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// The source of "now" for every timestamp, expiry and lifetime.
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// Now, in milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;

    /// Now, in whole seconds since the Unix epoch (0 before 1970).
    fn now_seconds(&self) -> u64 {
        u64::try_from(self.now_ms().div_euclid(1000)).unwrap_or(0)
    }
}

/// The system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| {
                i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
            })
    }
}

#[cfg(feature = "testable")]
pub use manual::ManualClock;

#[cfg(feature = "testable")]
mod manual {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::time::Duration;

    use super::{Clock, SystemClock};

    /// A clock that stands still until a test moves it; clones share the same time. Only
    /// with the `testable` feature.
    #[derive(Debug, Clone)]
    pub struct ManualClock {
        now_ms: Arc<AtomicI64>,
    }

    impl ManualClock {
        /// A clock showing the system's time now, and standing still from then on.
        pub fn starting_now() -> Self {
            Self::at_ms(SystemClock.now_ms())
        }

        /// A clock showing `now_ms` (Unix milliseconds).
        pub fn at_ms(now_ms: i64) -> Self {
            Self {
                now_ms: Arc::new(AtomicI64::new(now_ms)),
            }
        }

        /// Moves the clock forward (saturating).
        pub fn advance(&self, by: Duration) {
            let by = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
            // A closure that always returns `Some` never fails.
            let _ = self
                .now_ms
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |now| {
                    Some(now.saturating_add(by))
                });
        }
    }

    impl Clock for ManualClock {
        fn now_ms(&self) -> i64 {
            self.now_ms.load(Ordering::SeqCst)
        }
    }
}

#[cfg(all(test, feature = "testable"))]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_advanced_and_its_clones_move_with_it() {
        let clock = ManualClock::at_ms(1_700_000_000_500);
        let clone = clock.clone();
        assert_eq!(clock.now_ms(), 1_700_000_000_500);
        assert_eq!(clock.now_seconds(), 1_700_000_000);
        clock.advance(Duration::from_millis(600));
        assert_eq!(clone.now_ms(), 1_700_000_001_100);
        assert_eq!(clone.now_seconds(), 1_700_000_001);
    }

    #[test]
    fn a_time_before_1970_is_second_zero() {
        assert_eq!(ManualClock::at_ms(-1).now_seconds(), 0);
    }
}
