//! How a server is set up: database, tenant, lifetimes, limits, clock.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use signet_protocol::clock::{Clock, SystemClock};

use crate::connections::ConnectionLimits;
use crate::push::DeliveryConfig;
use crate::secrets::TokenKey;
use crate::store::Database;

/// Everything a server needs to start. `Config::default()` is a server with a temporary
/// database, a new random tenant and the protocol's default lifetimes: what a test wants.
#[derive(Debug, Clone)]
pub struct Config {
    /// The database: an SQLite file or a PostgreSQL URL. `None`: a temporary one
    /// (`temporary_database`, with the `test-util` feature; without it, `None` is refused at
    /// start).
    pub db: Option<Database>,
    /// The tenant created (or updated) at start.
    pub tenant: TenantSeed,
    /// The token key itself (e.g. from `SIGNET_TOKEN_KEY`). `None`: read from
    /// `token_key_file`.
    pub token_key: Option<TokenKey>,
    /// The file holding the token key (64 hex digits), which must exist. `None` (and no
    /// `token_key`): `<db>.token-key`, made at the first start.
    pub token_key_file: Option<PathBuf>,
    /// Settings of that tenant.
    pub tenant_settings: TenantSettings,
    /// Whether `wait=` (protocol 8.2) holds requests. `false` makes the server a plain one
    /// that answers at once, so clients can test their fallback to interval polling.
    pub long_poll: bool,
    /// Per-user limits on challenges.
    pub rate_limits: RateLimits,
    /// The base URL printed and returned (ends in `/v1`). `None`: `http://<bound address>/v1`.
    pub public_base_url: Option<String>,
    /// The clock used for every lifetime. Tests pass a `signet_protocol::clock::ManualClock`
    /// (its `testable` feature).
    pub clock: Arc<dyn Clock>,
    /// Connection caps and the header, idle and body timeouts.
    pub connection_limits: ConnectionLimits,
    /// How long actions (and their challenges) are kept after they were created.
    pub retention: Duration,
    /// How often expired rows are purged (in the background, in small batches).
    pub purge_interval: Duration,
    /// On PostgreSQL, how often every long-poll re-reads the database whatever the other
    /// servers said (the safety net behind cross-server wake-ups).
    pub recheck_interval: Duration,
    /// How wake-ups are delivered (docs/protocol.md 8.6); by default none are sent.
    pub delivery: DeliveryConfig,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            db: None,
            tenant: TenantSeed::default(),
            token_key: None,
            token_key_file: None,
            tenant_settings: TenantSettings::default(),
            long_poll: true,
            rate_limits: RateLimits::default(),
            public_base_url: None,
            clock: Arc::new(SystemClock),
            connection_limits: ConnectionLimits::default(),
            retention: Duration::from_secs(30 * 24 * 3600),
            purge_interval: Duration::from_secs(60),
            recheck_interval: crate::fanout::RECHECK,
            delivery: DeliveryConfig::default(),
        }
    }
}

/// Which tenant to create or use at start.
#[derive(Clone, Default)]
pub struct TenantSeed {
    /// The tenant id. `None`: the first tenant in the database, or a new random one.
    pub id: Option<String>,
    /// The secret key. `None`: the stored one (only its hash is stored), or a new random one.
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

/// Per-user limits on push challenges (push-fatigue protection) and on nonces (a nonce
/// flood). A request refused by a limit gets `rate_limited` (HTTP 429).
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
    /// Most unused nonces (3.4a, and 3.6a apart) one address may hold for one key. Beyond
    /// it, new nonces are refused; issued ones are never evicted.
    pub max_live_nonces_per_address: u32,
    /// Most unused nonces of one purpose all addresses together may hold for one key.
    pub max_live_nonces_per_key: u32,
    /// Nonces (3.4a and 3.6a, all keys) one address may ask for per second, with bursts of
    /// twice that.
    pub nonces_per_address_per_second: u32,
    /// Most open actions (tracked in the last 10 minutes, still waiting for a challenge) per
    /// tenant; `u32::MAX`: no cap.
    pub max_open_actions: u32,
}

impl RateLimits {
    /// No limits at all (benchmarks).
    pub fn unlimited() -> Self {
        Self {
            max_open_challenges: u32::MAX,
            max_recent_challenges: u32::MAX,
            window: Duration::from_secs(600),
            not_me_cooldown: Duration::ZERO,
            max_live_nonces_per_address: u32::MAX,
            max_live_nonces_per_key: u32::MAX,
            nonces_per_address_per_second: u32::MAX,
            max_open_actions: u32::MAX,
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
            max_live_nonces_per_address: 8,
            max_live_nonces_per_key: 64,
            nonces_per_address_per_second: 20,
            max_open_actions: 10_000,
        }
    }
}

/// A duration in whole milliseconds, saturating.
pub(crate) fn duration_ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}
