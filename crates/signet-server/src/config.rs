//! How a server is set up: database, tenant, lifetimes, limits, clock.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Everything a server needs to start. `Config::default()` is a server with a temporary
/// database, a new random tenant and the protocol's default lifetimes: what a test wants.
#[derive(Debug, Clone)]
pub struct Config {
    /// The SQLite file. `None`: a fresh file in a temporary folder, deleted at shutdown (with
    /// the `test-util` feature; without it, `None` is refused at start).
    pub db: Option<PathBuf>,
    /// The tenant created (or updated) at start.
    pub tenant: TenantSeed,
    /// Settings of that tenant.
    pub tenant_settings: TenantSettings,
    /// Whether `wait=` (protocol 8.2) holds requests. `false` makes the server a plain one
    /// that answers at once, so clients can test their fallback to interval polling.
    pub long_poll: bool,
    /// Per-user limits on challenges.
    pub rate_limits: RateLimits,
    /// The base URL printed and returned (ends in `/v1`). `None`: `http://<bound address>/v1`.
    pub public_base_url: Option<String>,
    /// The clock used for every lifetime. Tests pass a [`ManualClock`].
    pub clock: Arc<dyn Clock>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            db: None,
            tenant: TenantSeed::default(),
            tenant_settings: TenantSettings::default(),
            long_poll: true,
            rate_limits: RateLimits::default(),
            public_base_url: None,
            clock: Arc::new(SystemClock),
        }
    }
}

/// Which tenant to create or use at start.
#[derive(Clone, Default)]
pub struct TenantSeed {
    /// The tenant id. `None`: the first tenant in the database, or a new random one.
    pub id: Option<String>,
    /// The secret key. `None`: the stored one, or a new random one.
    pub secret_key: Option<String>,
}

impl fmt::Debug for TenantSeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TenantSeed")
            .field("id", &self.id)
            .field(
                "secret_key",
                &self.secret_key.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// Per-tenant settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenantSettings {
    /// Number matching (8.3) for every action of the tenant.
    pub number_matching: bool,
    /// How long a push challenge can be answered (protocol: 2 minutes).
    pub challenge_lifetime: Duration,
    /// A credential's lease; `None` (the default) means credentials do not expire.
    pub credential_lease: Option<Duration>,
}

impl Default for TenantSettings {
    fn default() -> Self {
        Self {
            number_matching: false,
            challenge_lifetime: Duration::from_secs(120),
            credential_lease: None,
        }
    }
}

/// Per-user limits on push challenges (push-fatigue protection). A challenge refused by a
/// limit gets `rate_limited` (HTTP 429).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// Most challenges open (unanswered, unexpired) at once for one user.
    pub max_open_challenges: u32,
    /// Most challenges created for one user within `window`.
    pub max_recent_challenges: u32,
    /// The window of `max_recent_challenges`.
    pub window: Duration,
    /// After an "it wasn't me" decline, no new challenge for the user for this long.
    pub not_me_cooldown: Duration,
}

impl RateLimits {
    /// No limits at all (benchmarks).
    pub fn unlimited() -> Self {
        Self {
            max_open_challenges: u32::MAX,
            max_recent_challenges: u32::MAX,
            window: Duration::from_secs(600),
            not_me_cooldown: Duration::ZERO,
        }
    }
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            max_open_challenges: 5,
            max_recent_challenges: 20,
            window: Duration::from_secs(600),
            not_me_cooldown: Duration::from_secs(300),
        }
    }
}

/// The source of "now" for every lifetime the server enforces.
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// Now, as milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;
}

/// The system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }
}

/// A clock that tests move by hand; clones share the same time.
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

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        self.now_ms.fetch_add(duration_ms(by), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.now_ms.load(Ordering::SeqCst)
    }
}

/// A duration in whole milliseconds, saturating.
pub(crate) fn duration_ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}
