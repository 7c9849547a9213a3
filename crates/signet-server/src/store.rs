//! Storage: every read and write of the server goes through [`Store`], so another backend
//! (PostgreSQL) can replace SQLite without touching the handlers. Each state change is one
//! transaction. All times are Unix milliseconds from the server's clock.
//!
//! SQLite runs in WAL mode with two sets of connections: one for writes (so write
//! transactions never race each other into `SQLITE_BUSY`) and a few for reads. Tenants are cached in
//! memory (every request authenticates with one); they change only through
//! [`Store::put_tenant`], which drops the cached copy.

use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr as _;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use serde_json::Value;
use signet_protocol::{ActionState, DeclineReason};
use sqlx::Connection as _;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use tokio::sync::{Mutex, MutexGuard};

use crate::Error;
use crate::config::{RateLimits, TenantSettings, duration_ms};
use crate::secrets::SecretKeyHash;
use crate::token::SCOPE_ADD_AUTHENTICATORS;

/// A tenant: one relying party, with the hash of its secret key and its settings. The
/// store never holds the secret key itself nor the key of the tenant's tokens (see
/// `secrets`).
#[derive(Clone)]
pub struct Tenant {
    /// The tenant id (device Basic auth, enrollment links).
    pub id: String,
    /// The hash of the secret key (RP backend Basic auth).
    pub secret_key_hash: SecretKeyHash,
    /// The tenant's settings.
    pub settings: TenantSettings,
}

impl std::fmt::Debug for Tenant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tenant")
            .field("id", &self.id)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// An enrolled device key.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Authenticator {
    /// `userAuthenticatorId`.
    pub id: String,
    /// The tenant.
    pub tenant_id: String,
    /// The user.
    pub user_id: String,
    /// `PK`, the SPKI base64 text (canonical form).
    pub public_key: String,
    /// The device's name.
    pub device_name: Option<String>,
    /// The device's platform.
    pub device_platform: Option<String>,
    /// The APNs/FCM token.
    pub push_token: Option<String>,
    /// When it was created.
    pub created_at: i64,
    /// When it was enrolled.
    pub verified_at: i64,
    /// When it last answered or updated.
    pub last_verified_at: Option<i64>,
    /// When its lease ends.
    pub expires_at: Option<i64>,
}

impl Authenticator {
    /// Whether its lease has ended at `now`.
    pub fn is_expired(&self, now: i64) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }
}

/// The attributes of a new device key (3.1).
#[derive(Debug, Clone)]
pub struct NewAuthenticator {
    /// The user.
    pub user_id: String,
    /// `PK`, canonical.
    pub public_key: String,
    /// The device's name.
    pub device_name: Option<String>,
    /// The device's platform.
    pub device_platform: Option<String>,
    /// The APNs/FCM token.
    pub push_token: Option<String>,
    /// The `jti` of the track token that enrolls it: a token enrolls one key only.
    pub token_id: String,
    /// When that token expires (its record can be dropped then).
    pub token_expires_at: i64,
    /// Whether the token has the `add:authenticators` scope; without it, only a user with no
    /// live authenticator can enroll (protocol 3.1).
    pub scoped: bool,
}

/// An action: one `track` call and what became of it.
#[derive(Debug, Clone)]
pub struct Action {
    /// The tenant.
    pub tenant_id: String,
    /// Its idempotency key.
    pub idempotency_key: String,
    /// The user.
    pub user_id: String,
    /// E.g. `signIn`.
    pub action_code: String,
    /// The state.
    pub state: ActionState,
    /// When it was created.
    pub created_at: i64,
    /// When the state last changed.
    pub state_updated_at: i64,
    /// The initiator's IP address.
    pub ip_address: Option<String>,
    /// The initiator's user agent.
    pub user_agent: Option<String>,
    /// The initiator's device id.
    pub device_id: Option<String>,
    /// The RP's custom data.
    pub custom: Option<Value>,
    /// Whether its challenges use number matching.
    pub number_matching: bool,
    /// `PUSH` once a device answered.
    pub verification_method: Option<String>,
    /// E.g. `{"declineReason": "notMe"}`.
    pub output: Option<Value>,
    /// When `validate` succeeded for it, if it did.
    pub validated_at: Option<i64>,
}

/// The attributes of a new action (`track`).
#[derive(Debug, Clone)]
pub struct NewAction {
    /// Its idempotency key.
    pub idempotency_key: String,
    /// The user.
    pub user_id: String,
    /// E.g. `signIn`.
    pub action_code: String,
    /// The initiator's IP address.
    pub ip_address: Option<String>,
    /// The initiator's user agent.
    pub user_agent: Option<String>,
    /// The initiator's device id.
    pub device_id: Option<String>,
    /// The RP's custom data.
    pub custom: Option<Value>,
    /// Whether its challenges use number matching.
    pub number_matching: bool,
    /// Most open actions (waiting for a challenge, created after `since`) the tenant may
    /// have; `None`: no cap. A new action beyond it is refused with `rate_limited`.
    pub open_cap: Option<OpenActionsCap>,
}

/// The cap on a tenant's open actions.
#[derive(Debug, Clone, Copy)]
pub struct OpenActionsCap {
    /// Most open actions.
    pub max: u32,
    /// Actions created before this (Unix ms) no longer count (their tokens have expired).
    pub since: i64,
}

/// How many rows one purge removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// Expired nonces.
    pub nonces: u64,
    /// Challenges expired for longer than the grace period.
    pub challenges: u64,
    /// Actions older than the retention.
    pub actions: u64,
    /// Records of expired enrollment tokens.
    pub enrollment_tokens: u64,
}

/// Most rows one purge statement deletes: the writer is held for one short batch at a time.
pub const PURGE_BATCH: u32 = 1000;

#[derive(sqlx::FromRow)]
struct ActionRow {
    tenant_id: String,
    idempotency_key: String,
    user_id: String,
    action_code: String,
    state: String,
    created_at: i64,
    state_updated_at: i64,
    ip_address: Option<String>,
    user_agent: Option<String>,
    device_id: Option<String>,
    custom: Option<String>,
    number_matching: bool,
    verification_method: Option<String>,
    output: Option<String>,
    validated_at: Option<i64>,
}

impl ActionRow {
    fn into_action(self) -> Action {
        Action {
            state: parse_state(&self.state),
            custom: self.custom.and_then(|c| serde_json::from_str(&c).ok()),
            output: self.output.and_then(|c| serde_json::from_str(&c).ok()),
            tenant_id: self.tenant_id,
            idempotency_key: self.idempotency_key,
            user_id: self.user_id,
            action_code: self.action_code,
            created_at: self.created_at,
            state_updated_at: self.state_updated_at,
            ip_address: self.ip_address,
            user_agent: self.user_agent,
            device_id: self.device_id,
            number_matching: self.number_matching,
            verification_method: self.verification_method,
            validated_at: self.validated_at,
        }
    }
}

/// The stored text of an action state back to the state.
fn parse_state(text: &str) -> ActionState {
    const ALL: [ActionState; 8] = [
        ActionState::Allow,
        ActionState::Block,
        ActionState::ChallengeRequired,
        ActionState::ChallengeSucceeded,
        ActionState::ChallengeFailed,
        ActionState::ReviewRequired,
        ActionState::ReviewSucceeded,
        ActionState::ReviewFailed,
    ];
    ALL.into_iter()
        .find(|state| state.as_str() == text)
        .unwrap_or(ActionState::ChallengeRequired)
}

/// A push challenge.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Challenge {
    /// `challengeId`.
    pub id: String,
    /// The tenant.
    pub tenant_id: String,
    /// The user.
    pub user_id: String,
    /// The action's idempotency key.
    pub idempotency_key: String,
    /// The action's code.
    pub action_code: String,
    /// Only this authenticator may answer; `None`: any of the user's.
    pub authenticator_id: Option<String>,
    /// The number-matching code, if the action uses it.
    pub verification_code: Option<String>,
    /// When it was created.
    pub created_at: i64,
    /// When it can no longer be answered.
    pub expires_at: i64,
    /// When it was answered.
    pub answered_at: Option<i64>,
    /// The authenticator that answered.
    pub answered_by: Option<String>,
    /// Whether the answer approved it (and the code matched).
    pub approved: Option<bool>,
    /// `notMe` or `mistake`.
    pub decline_reason: Option<String>,
}

impl Challenge {
    /// Whether `authenticator` may see and answer it.
    pub fn is_for(&self, authenticator: &Authenticator) -> bool {
        self.tenant_id == authenticator.tenant_id
            && self.user_id == authenticator.user_id
            && self
                .authenticator_id
                .as_ref()
                .is_none_or(|id| *id == authenticator.id)
    }
}

/// A device's answer to a challenge (3.5), already checked for its signature.
#[derive(Debug, Clone)]
pub struct Answer<'a> {
    /// The challenge.
    pub challenge_id: &'a str,
    /// The authenticator that signed.
    pub authenticator: &'a Authenticator,
    /// Approve or deny.
    pub approved: bool,
    /// The code the user typed.
    pub verification_code: Option<&'a str>,
    /// Why the user denied.
    pub decline_reason: Option<DeclineReason>,
}

/// A nonce to store (3.4a, 3.6a).
#[derive(Debug, Clone, Copy)]
pub struct NewNonce<'a> {
    /// The authenticator it is for.
    pub authenticator_id: &'a str,
    /// Why it is issued.
    pub purpose: NoncePurpose,
    /// The message the device signs.
    pub message: &'a str,
    /// The `challengeId` of a 3.6a nonce.
    pub update_id: Option<&'a str>,
    /// The network address it is issued to (empty when unknown).
    pub client_address: &'a str,
    /// When it expires.
    pub expires_at: i64,
    /// Now.
    pub now: i64,
}

/// Why a nonce was issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoncePurpose {
    /// 3.4a: to fetch challenges.
    Challenge,
    /// 3.6a: to update the credential.
    Update,
}

impl NoncePurpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::Challenge => "challenge",
            Self::Update => "update",
        }
    }
}

/// The storage of one server.
#[derive(Debug, Clone)]
pub struct Store {
    writer: Arc<Connections>,
    reader: Arc<Connections>,
    tenants: Arc<RwLock<TenantCache>>,
}

/// A fixed number of SQLite connections, each lent to one caller at a time.
///
/// Used instead of sqlx's pool, which pings a connection when it lends it and again when it
/// takes it back: each ping is a round trip to the connection's worker thread (two thread
/// wake-ups), as costly as a query. A slot is empty until first used, and again after its
/// connection was closed (see [`Lease::settle`]); the next lease opens a fresh one.
#[derive(Debug)]
struct Connections {
    options: SqliteConnectOptions,
    slots: Vec<Mutex<Option<SqliteConnection>>>,
    next: AtomicUsize,
    closed: AtomicBool,
}

/// A connection lent by [`Connections`]: give it back with [`Lease::settle`]. A lease
/// dropped any other way (an early return, a cancelled request) closes its connection.
struct Lease<'a> {
    slot: MutexGuard<'a, Option<SqliteConnection>>,
    conn: SqliteConnection,
}

impl Connections {
    fn new(options: SqliteConnectOptions, count: usize) -> Self {
        Self {
            options,
            slots: (0..count.max(1)).map(|_| Mutex::new(None)).collect(),
            next: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
        }
    }

    /// A free connection (or the next one to be free), opened if its slot is empty.
    async fn acquire(&self) -> Result<Lease<'_>, Error> {
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let count = self.slots.len();
        let free = (0..count).find_map(|i| self.slots[(start + i) % count].try_lock().ok());
        let mut slot = match free {
            Some(slot) => slot,
            None => self.slots[start % count].lock().await,
        };
        if self.closed.load(Ordering::Acquire) {
            return Err(Error::Database(sqlx::Error::PoolClosed));
        }
        let conn = match slot.take() {
            Some(conn) => conn,
            None => SqliteConnection::connect_with(&self.options).await?,
        };
        Ok(Lease { slot, conn })
    }

    /// Closes every connection; later leases fail.
    async fn close(&self) {
        self.closed.store(true, Ordering::Release);
        for slot in &self.slots {
            if let Some(conn) = slot.lock().await.take() {
                let _ = conn.close().await;
            }
        }
    }
}

impl Lease<'_> {
    /// Gives the connection back when `result` (of the work done on it) succeeded. After any
    /// error (of a statement, of the commit, or a refusal that ended a transaction early)
    /// the connection is closed instead: after a failed commit SQLite may keep its
    /// transaction open, and every later `begin` on it would become a savepoint whose
    /// `commit` only releases the savepoint, so later writes would be acknowledged and never
    /// committed. Closing it rolls back whatever it still holds; the
    /// next lease of the slot opens a fresh one.
    fn settle<T, E: Into<Error>>(self, result: Result<T, E>) -> Result<T, Error> {
        let Lease { mut slot, conn } = self;
        if result.is_ok() {
            *slot = Some(conn);
        }
        result.map_err(Into::into)
    }
}

/// Tenants read through a [`Store`], by id and by the hash of their secret key.
#[derive(Debug, Default)]
struct TenantCache {
    by_id: HashMap<String, Tenant>,
    id_by_secret: HashMap<SecretKeyHash, String>,
}

impl TenantCache {
    fn insert(&mut self, tenant: &Tenant) {
        self.id_by_secret
            .insert(tenant.secret_key_hash, tenant.id.clone());
        self.by_id.insert(tenant.id.clone(), tenant.clone());
    }

    fn forget(&mut self, id: &str) {
        self.by_id.remove(id);
        self.id_by_secret.retain(|_, tenant_id| tenant_id != id);
    }
}

impl Store {
    /// Opens (creating it and its folder if needed) the SQLite database at `path` and brings
    /// its schema up to date.
    pub async fn open(path: &Path) -> Result<Self, Error> {
        private_files(path)?;
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        // The migrations run on a pool of their own, closed at once (sqlx's migrator takes a
        // pool or a connection; a borrowed connection makes the start future not `Send`).
        let migrations = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        let mut migrated = sqlx::migrate!("./migrations")
            .run(&migrations)
            .await
            .map_err(Error::from);
        if migrated.is_ok() {
            migrated = hash_plain_secret_keys(&migrations).await;
        }
        migrations.close().await;
        migrated?;
        Ok(Self {
            writer: Arc::new(Connections::new(options.clone(), 1)),
            reader: Arc::new(Connections::new(options, 4)),
            tenants: Arc::default(),
        })
    }

    fn cached_tenants(&self) -> std::sync::RwLockReadGuard<'_, TenantCache> {
        self.tenants.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn cache_tenant(&self, tenant: &Tenant) {
        self.tenants
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(tenant);
    }

    /// Closes the connections.
    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }

    // ----- tenants -----

    /// The tenant with this id.
    pub async fn tenant(&self, id: &str) -> Result<Option<Tenant>, Error> {
        if let Some(tenant) = self.cached_tenants().by_id.get(id) {
            return Ok(Some(tenant.clone()));
        }
        let mut db = self.reader.acquire().await?;
        let row = sqlx::query_as::<_, TenantRow>("SELECT * FROM tenants WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut db.conn)
            .await;
        let row = db.settle(row)?;
        let tenant = row.map(TenantRow::into_tenant).transpose()?;
        if let Some(tenant) = &tenant {
            self.cache_tenant(tenant);
        }
        Ok(tenant)
    }

    /// The tenant with this secret key: found by the key's hash (the hash of a random key
    /// tells a timing observer nothing about the key), then the hashes compared in constant
    /// time.
    pub async fn tenant_by_secret(&self, secret_key: &str) -> Result<Option<Tenant>, Error> {
        let hash = SecretKeyHash::of(secret_key);
        let cached = {
            let cache = self.cached_tenants();
            cache
                .id_by_secret
                .get(&hash)
                .and_then(|id| cache.by_id.get(id))
                .cloned()
        };
        let tenant = if let Some(tenant) = cached {
            Some(tenant)
        } else {
            let mut db = self.reader.acquire().await?;
            let row =
                sqlx::query_as::<_, TenantRow>("SELECT * FROM tenants WHERE secret_key_sha256 = ?")
                    .bind(hash.as_bytes().as_slice())
                    .fetch_optional(&mut db.conn)
                    .await;
            let row = db.settle(row)?;
            let tenant = row.map(TenantRow::into_tenant).transpose()?;
            if let Some(tenant) = &tenant {
                self.cache_tenant(tenant);
            }
            tenant
        };
        Ok(tenant.filter(|tenant| tenant.secret_key_hash.matches(&hash)))
    }

    /// The oldest tenant, if any.
    pub async fn first_tenant(&self) -> Result<Option<Tenant>, Error> {
        let mut db = self.writer.acquire().await?;
        let row =
            sqlx::query_as::<_, TenantRow>("SELECT * FROM tenants ORDER BY created_at, id LIMIT 1")
                .fetch_optional(&mut db.conn)
                .await;
        let row = db.settle(row)?;
        row.map(TenantRow::into_tenant).transpose()
    }

    /// Creates the tenant, or updates its secret key (hash) and settings when it exists.
    pub async fn put_tenant(&self, tenant: &Tenant, now: i64) -> Result<(), Error> {
        let mut db = self.writer.acquire().await?;
        let result = sqlx::query(
            "INSERT INTO tenants (id, secret_key_sha256, number_matching,
                 challenge_lifetime_ms, credential_lease_ms, created_at)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET secret_key_sha256 = excluded.secret_key_sha256,
                 number_matching = excluded.number_matching,
                 challenge_lifetime_ms = excluded.challenge_lifetime_ms,
                 credential_lease_ms = excluded.credential_lease_ms",
        )
        .bind(&tenant.id)
        .bind(tenant.secret_key_hash.as_bytes().as_slice())
        .bind(tenant.settings.number_matching)
        .bind(duration_ms(tenant.settings.challenge_lifetime))
        .bind(tenant.settings.credential_lease.map(duration_ms))
        .bind(now)
        .execute(&mut db.conn)
        .await;
        // The stored row is what counts: the next read loads it again.
        self.tenants
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .forget(&tenant.id);
        db.settle(result)?;
        Ok(())
    }

    // ----- authenticators -----

    /// Enrolls a key (3.1). Enrolling the same key for the same user again returns the stored
    /// authenticator (updating its name and push token). A token enrolls one key only: the
    /// same token with another key is [`Error::EnrollmentTokenUsed`].
    pub async fn add_authenticator(
        &self,
        tenant: &Tenant,
        new: NewAuthenticator,
        now: i64,
    ) -> Result<Authenticator, Error> {
        let mut db = self.writer.acquire().await?;
        let result = async {
            let mut tx = db.conn.begin().await?;
            // 1. The token: one key per token, and the scope rule.
            claim_enrollment_token(&mut tx, &tenant.id, &new, now).await?;
            // 2. The key itself.
            let existing = sqlx::query_as::<_, Authenticator>(
                "SELECT * FROM authenticators WHERE tenant_id = ? AND public_key = ?",
            )
            .bind(&tenant.id)
            .bind(&new.public_key)
            .fetch_optional(&mut *tx)
            .await?;
            let expires_at = tenant
                .settings
                .credential_lease
                .map(|lease| now.saturating_add(duration_ms(lease)));
            let id = match existing {
                Some(found) if found.user_id != new.user_id => {
                    return Err(Error::invalid_request(
                        "this key is enrolled for another user",
                    ));
                }
                Some(found) if found.is_expired(now) => return Err(Error::InvalidCredential),
                Some(found) => {
                    sqlx::query(
                        "UPDATE authenticators SET device_name = COALESCE(?, device_name),
                         device_platform = COALESCE(?, device_platform),
                         push_token = COALESCE(?, push_token) WHERE id = ?",
                    )
                    .bind(&new.device_name)
                    .bind(&new.device_platform)
                    .bind(&new.push_token)
                    .bind(&found.id)
                    .execute(&mut *tx)
                    .await?;
                    found.id
                }
                None => {
                    let id = new_id();
                    sqlx::query(
                    "INSERT INTO authenticators (id, tenant_id, user_id, public_key, device_name,
                         device_platform, push_token, created_at, verified_at, expires_at)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(&id)
                .bind(&tenant.id)
                .bind(&new.user_id)
                .bind(&new.public_key)
                .bind(&new.device_name)
                .bind(&new.device_platform)
                .bind(&new.push_token)
                .bind(now)
                .bind(now)
                .bind(expires_at)
                .execute(&mut *tx)
                .await?;
                    id
                }
            };
            let stored =
                sqlx::query_as::<_, Authenticator>("SELECT * FROM authenticators WHERE id = ?")
                    .bind(&id)
                    .fetch_one(&mut *tx)
                    .await?;
            tx.commit().await?;
            Ok::<_, Error>(stored)
        }
        .await;
        db.settle(result)
    }

    /// The authenticator of this key in this tenant.
    pub async fn authenticator_by_key(
        &self,
        tenant_id: &str,
        public_key: &str,
    ) -> Result<Option<Authenticator>, Error> {
        let mut db = self.reader.acquire().await?;
        let result = sqlx::query_as::<_, Authenticator>(
            "SELECT * FROM authenticators WHERE tenant_id = ? AND public_key = ?",
        )
        .bind(tenant_id)
        .bind(public_key)
        .fetch_optional(&mut db.conn)
        .await;
        db.settle(result)
    }

    /// The user's authenticators, oldest first, expired ones included.
    pub async fn authenticators_of_user(
        &self,
        tenant_id: &str,
        user_id: &str,
    ) -> Result<Vec<Authenticator>, Error> {
        let mut db = self.reader.acquire().await?;
        let result = sqlx::query_as::<_, Authenticator>(
            "SELECT * FROM authenticators WHERE tenant_id = ? AND user_id = ?
             ORDER BY created_at, id",
        )
        .bind(tenant_id)
        .bind(user_id)
        .fetch_all(&mut db.conn)
        .await;
        db.settle(result)
    }

    /// Whether the user has an unexpired authenticator at `now`.
    pub async fn is_enrolled(
        &self,
        tenant_id: &str,
        user_id: &str,
        now: i64,
    ) -> Result<bool, Error> {
        let mut db = self.reader.acquire().await?;
        let count: Result<i64, _> = sqlx::query_scalar(
            "SELECT COUNT(*) FROM authenticators WHERE tenant_id = ? AND user_id = ?
             AND (expires_at IS NULL OR expires_at > ?)",
        )
        .bind(tenant_id)
        .bind(user_id)
        .bind(now)
        .fetch_one(&mut db.conn)
        .await;
        let count = db.settle(count)?;
        Ok(count > 0)
    }

    /// Removes an authenticator of this tenant (and user, when given). `false`: none such.
    pub async fn delete_authenticator(
        &self,
        tenant_id: &str,
        user_id: Option<&str>,
        authenticator_id: &str,
    ) -> Result<bool, Error> {
        let mut db = self.writer.acquire().await?;
        let result = sqlx::query(
            "DELETE FROM authenticators WHERE tenant_id = ? AND id = ?
             AND (? IS NULL OR user_id = ?)",
        )
        .bind(tenant_id)
        .bind(authenticator_id)
        .bind(user_id)
        .bind(user_id)
        .execute(&mut db.conn)
        .await;
        let result = db.settle(result)?;
        Ok(result.rows_affected() == 1)
    }

    /// Forgets an authenticator's push token after its provider said it is gone
    /// (docs/protocol.md 8.6), unless the device has registered another one meanwhile.
    /// Returns whether it was forgotten.
    pub async fn forget_push_token(
        &self,
        authenticator_id: &str,
        push_token: &str,
    ) -> Result<bool, Error> {
        let mut db = self.writer.acquire().await?;
        let result = sqlx::query(
            "UPDATE authenticators SET push_token = NULL WHERE id = ? AND push_token = ?",
        )
        .bind(authenticator_id)
        .bind(push_token)
        .execute(&mut db.conn)
        .await;
        let result = db.settle(result)?;
        Ok(result.rows_affected() == 1)
    }

    /// 3.6b: records a verified update; a new push token replaces the stored one, and
    /// `renew_until` sets a new lease end.
    pub async fn update_authenticator(
        &self,
        authenticator_id: &str,
        push_token: Option<&str>,
        renew_until: Option<i64>,
        now: i64,
    ) -> Result<Authenticator, Error> {
        let mut db = self.writer.acquire().await?;
        let result = async {
            let mut tx = db.conn.begin().await?;
            sqlx::query(
                "UPDATE authenticators SET push_token = COALESCE(?, push_token),
                 expires_at = COALESCE(?, expires_at), last_verified_at = ? WHERE id = ?",
            )
            .bind(push_token)
            .bind(renew_until)
            .bind(now)
            .bind(authenticator_id)
            .execute(&mut *tx)
            .await?;
            let stored =
                sqlx::query_as::<_, Authenticator>("SELECT * FROM authenticators WHERE id = ?")
                    .bind(authenticator_id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(Error::InvalidCredential)?;
            tx.commit().await?;
            Ok::<_, Error>(stored)
        }
        .await;
        db.settle(result)
    }

    // ----- retention -----

    /// Deletes, in batches of at most [`PURGE_BATCH`] rows per statement (each its own short
    /// write), expired nonces and enrollment-token records, challenges that expired before
    /// `challenges_before`, and actions created before `actions_before` with their
    /// challenges.
    pub async fn purge(
        &self,
        now: i64,
        challenges_before: i64,
        actions_before: i64,
    ) -> Result<Purged, Error> {
        let statements = [
            "DELETE FROM nonces WHERE rowid IN
             (SELECT rowid FROM nonces WHERE expires_at <= ? LIMIT ?)",
            "DELETE FROM enrollment_tokens WHERE rowid IN
             (SELECT rowid FROM enrollment_tokens WHERE expires_at <= ? LIMIT ?)",
            "DELETE FROM challenges WHERE rowid IN
             (SELECT rowid FROM challenges WHERE expires_at <= ? LIMIT ?)",
            "DELETE FROM challenges WHERE rowid IN
             (SELECT c.rowid FROM actions a JOIN challenges c
              ON c.tenant_id = a.tenant_id AND c.idempotency_key = a.idempotency_key
              WHERE a.created_at <= ? LIMIT ?)",
            "DELETE FROM actions WHERE rowid IN
             (SELECT rowid FROM actions WHERE created_at <= ? LIMIT ?)",
        ];
        let bounds = [now, now, challenges_before, actions_before, actions_before];
        let mut counts = [0_u64; 5];
        for ((statement, bound), count) in statements.iter().zip(bounds).zip(&mut counts) {
            loop {
                let mut db = self.writer.acquire().await?;
                let result = sqlx::query(statement)
                    .bind(bound)
                    .bind(PURGE_BATCH)
                    .execute(&mut db.conn)
                    .await;
                let deleted = db.settle(result)?.rows_affected();
                *count += deleted;
                if deleted < u64::from(PURGE_BATCH) {
                    break;
                }
                // Let requests waiting for the writer go first.
                tokio::task::yield_now().await;
            }
        }
        Ok(Purged {
            nonces: counts[0],
            enrollment_tokens: counts[1],
            challenges: counts[2] + counts[3],
            actions: counts[4],
        })
    }

    // ----- nonces -----

    /// Stores a single-use nonce for an authenticator, issued to `nonce.client_address`, and
    /// drops its expired ones. Refused with `rate_limited` (nothing stored) when that address
    /// already holds `limits.max_live_nonces_per_address` live nonces of this purpose for the
    /// authenticator, or all addresses together `limits.max_live_nonces_per_key`: older nonces
    /// are never evicted, so the device's own stay usable.
    pub async fn add_nonce(&self, nonce: &NewNonce<'_>, limits: &RateLimits) -> Result<(), Error> {
        let mut db = self.writer.acquire().await?;
        // One writer connection: the count and the insert cannot race another add_nonce.
        let result = async {
            sqlx::query("DELETE FROM nonces WHERE authenticator_id = ? AND expires_at <= ?")
                .bind(nonce.authenticator_id)
                .bind(nonce.now)
                .execute(&mut db.conn)
                .await?;
            let (from_address, in_all): (i64, i64) = sqlx::query_as(
                "SELECT COALESCE(SUM(client_address = ?), 0), COUNT(*) FROM nonces
                 WHERE authenticator_id = ? AND purpose = ?",
            )
            .bind(nonce.client_address)
            .bind(nonce.authenticator_id)
            .bind(nonce.purpose.as_str())
            .fetch_one(&mut db.conn)
            .await?;
            if from_address >= i64::from(limits.max_live_nonces_per_address) {
                return Err(Error::RateLimited {
                    reason: "too many unused nonces for this key from this address; use one or wait for them to expire",
                    retry_after: None,
                });
            }
            if in_all >= i64::from(limits.max_live_nonces_per_key) {
                return Err(Error::RateLimited {
                    reason: "too many unused nonces for this key; use one or wait for them to expire",
                    retry_after: None,
                });
            }
            sqlx::query(
                "INSERT INTO nonces (message, authenticator_id, purpose, update_id, expires_at, client_address)
             VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(nonce.message)
            .bind(nonce.authenticator_id)
            .bind(nonce.purpose.as_str())
            .bind(nonce.update_id)
            .bind(nonce.expires_at)
            .bind(nonce.client_address)
            .execute(&mut db.conn)
            .await?;
            Ok::<_, Error>(())
        }
        .await;
        db.settle(result)
    }

    /// The unexpired nonces of an authenticator for a purpose issued to `client_address`,
    /// newest first (at most `limit`).
    pub async fn live_nonces(
        &self,
        authenticator_id: &str,
        purpose: NoncePurpose,
        client_address: &str,
        limit: u32,
        now: i64,
    ) -> Result<Vec<String>, Error> {
        let mut db = self.reader.acquire().await?;
        let result = sqlx::query_scalar(
            "SELECT message FROM nonces WHERE authenticator_id = ? AND purpose = ?
             AND client_address = ? AND expires_at > ? ORDER BY expires_at DESC LIMIT ?",
        )
        .bind(authenticator_id)
        .bind(purpose.as_str())
        .bind(client_address)
        .bind(now)
        .bind(limit)
        .fetch_all(&mut db.conn)
        .await;
        db.settle(result)
    }

    /// The unexpired update nonce (3.6a) with this id: `(authenticator id, message)`.
    pub async fn update_nonce(
        &self,
        update_id: &str,
        now: i64,
    ) -> Result<Option<(String, String)>, Error> {
        let mut db = self.reader.acquire().await?;
        let result = sqlx::query_as(
            "SELECT authenticator_id, message FROM nonces WHERE update_id = ?
             AND purpose = 'update' AND expires_at > ?",
        )
        .bind(update_id)
        .bind(now)
        .fetch_optional(&mut db.conn)
        .await;
        db.settle(result)
    }

    /// Uses up a nonce. `false`: it was used already (or expired) in the meantime.
    pub async fn consume_nonce(&self, message: &str, now: i64) -> Result<bool, Error> {
        let mut db = self.writer.acquire().await?;
        let result = sqlx::query("DELETE FROM nonces WHERE message = ? AND expires_at > ?")
            .bind(message)
            .bind(now)
            .execute(&mut db.conn)
            .await;
        let result = db.settle(result)?;
        Ok(result.rows_affected() == 1)
    }

    // ----- actions -----

    /// Creates an action in state `CHALLENGE_REQUIRED`, or returns the one with the same
    /// idempotency key (which must be for the same user and action code).
    pub async fn track(&self, tenant_id: &str, new: NewAction, now: i64) -> Result<Action, Error> {
        let custom = new.custom.as_ref().map(Value::to_string);
        let mut db = self.writer.acquire().await?;
        let result = async {
            // In a transaction even though it is one statement: sqlx stops reading at the
            // RETURNING row, so the error of an autocommit that fails after it (a read-only
            // disk) would be lost, and the write acknowledged but never stored.
            let mut tx = db.conn.begin().await?;
            // 0. The tenant's cap on open actions (a retry of an existing key passes).
            if let Some(cap) = new.open_cap {
                let open: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM (SELECT 1 FROM actions WHERE tenant_id = ? AND state = ?
                     AND created_at > ? LIMIT ?)",
                )
                .bind(tenant_id)
                .bind(ActionState::ChallengeRequired.as_str())
                .bind(cap.since)
                .bind(cap.max)
                .fetch_one(&mut *tx)
                .await?;
                if open >= i64::from(cap.max) {
                    let exists: Option<i64> = sqlx::query_scalar(
                        "SELECT 1 FROM actions WHERE tenant_id = ? AND idempotency_key = ?",
                    )
                    .bind(tenant_id)
                    .bind(&new.idempotency_key)
                    .fetch_optional(&mut *tx)
                    .await?;
                    if exists.is_none() {
                        return Err(Error::RateLimited {
                            reason: "too many open actions for this tenant; finish or let some expire first",
                            retry_after: None,
                        });
                    }
                }
            }
            // 1. A new action, unless one with this idempotency key exists.
            let inserted = sqlx::query_as::<_, ActionRow>(
                "INSERT INTO actions (tenant_id, idempotency_key, user_id, action_code, state,
                 created_at, state_updated_at, ip_address, user_agent, device_id, custom,
                 number_matching)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
             RETURNING *",
            )
            .bind(tenant_id)
            .bind(&new.idempotency_key)
            .bind(&new.user_id)
            .bind(&new.action_code)
            .bind(ActionState::ChallengeRequired.as_str())
            .bind(now)
            .bind(now)
            .bind(&new.ip_address)
            .bind(&new.user_agent)
            .bind(&new.device_id)
            .bind(custom)
            .bind(new.number_matching)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(row) = inserted {
                tx.commit().await?;
                return Ok(row.into_action());
            }
            // 2. The existing one, which must be for the same user and action code.
            let row = sqlx::query_as::<_, ActionRow>(
                "SELECT * FROM actions WHERE tenant_id = ? AND idempotency_key = ?",
            )
            .bind(tenant_id)
            .bind(&new.idempotency_key)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            if row.user_id != new.user_id || row.action_code != new.action_code {
                return Err(Error::invalid_request(
                    "this idempotencyKey belongs to another user or action",
                ));
            }
            Ok::<_, Error>(row.into_action())
        }
        .await;
        db.settle(result)
    }

    /// The action with this idempotency key.
    pub async fn action(
        &self,
        tenant_id: &str,
        idempotency_key: &str,
    ) -> Result<Option<Action>, Error> {
        let mut db = self.reader.acquire().await?;
        let row = sqlx::query_as::<_, ActionRow>(
            "SELECT * FROM actions WHERE tenant_id = ? AND idempotency_key = ?",
        )
        .bind(tenant_id)
        .bind(idempotency_key)
        .fetch_optional(&mut db.conn)
        .await;
        let row = db.settle(row)?;
        Ok(row.map(ActionRow::into_action))
    }

    /// Overrides an action's state (`updateAction`). `false`: no such action.
    pub async fn set_action_state(
        &self,
        tenant_id: &str,
        idempotency_key: &str,
        state: ActionState,
        now: i64,
    ) -> Result<bool, Error> {
        let mut db = self.writer.acquire().await?;
        let result = sqlx::query(
            "UPDATE actions SET state = ?, state_updated_at = ?
             WHERE tenant_id = ? AND idempotency_key = ?",
        )
        .bind(state.as_str())
        .bind(now)
        .bind(tenant_id)
        .bind(idempotency_key)
        .execute(&mut db.conn)
        .await;
        let result = db.settle(result)?;
        Ok(result.rows_affected() == 1)
    }

    /// Marks a succeeded action validated. `true` only the first time, and only in
    /// `CHALLENGE_SUCCEEDED`.
    pub async fn validate_once(
        &self,
        tenant_id: &str,
        idempotency_key: &str,
        now: i64,
    ) -> Result<bool, Error> {
        let mut db = self.writer.acquire().await?;
        let result = sqlx::query(
            "UPDATE actions SET validated_at = ? WHERE tenant_id = ? AND idempotency_key = ?
             AND state = ? AND validated_at IS NULL",
        )
        .bind(now)
        .bind(tenant_id)
        .bind(idempotency_key)
        .bind(ActionState::ChallengeSucceeded.as_str())
        .execute(&mut db.conn)
        .await;
        let result = db.settle(result)?;
        Ok(result.rows_affected() == 1)
    }

    // ----- challenges -----

    /// Expires the user's open (unanswered, unexpired) challenges now; returns how many.
    pub async fn expire_open_challenges(
        &self,
        tenant_id: &str,
        user_id: &str,
        now: i64,
    ) -> Result<u64, Error> {
        let mut db = self.writer.acquire().await?;
        let result = sqlx::query(
            "UPDATE challenges SET expires_at = ? WHERE tenant_id = ? AND user_id = ?
             AND answered_at IS NULL AND expires_at > ?",
        )
        .bind(now)
        .bind(tenant_id)
        .bind(user_id)
        .bind(now)
        .execute(&mut db.conn)
        .await;
        Ok(db.settle(result)?.rows_affected())
    }

    /// Creates a push challenge for an action, unless a per-user limit refuses it.
    pub async fn create_challenge(
        &self,
        tenant: &Tenant,
        action: &Action,
        authenticator_id: Option<&str>,
        verification_code: Option<&str>,
        limits: &RateLimits,
        now: i64,
    ) -> Result<Challenge, Error> {
        let mut db = self.writer.acquire().await?;
        let result = async {
            let mut tx = db.conn.begin().await?;
            // 1. Push-fatigue limits, read in the same transaction as the insert (one query).
            let (open, recent, last_not_me): (i64, i64, Option<i64>) = sqlx::query_as(
                "SELECT COALESCE(SUM(answered_at IS NULL AND expires_at > ?), 0),
                    COALESCE(SUM(created_at > ?), 0),
                    MAX(CASE WHEN decline_reason = 'notMe' THEN answered_at END)
             FROM challenges WHERE tenant_id = ? AND user_id = ?",
            )
            .bind(now)
            .bind(now.saturating_sub(duration_ms(limits.window)))
            .bind(&tenant.id)
            .bind(&action.user_id)
            .fetch_one(&mut *tx)
            .await?;
            if open >= i64::from(limits.max_open_challenges) {
                return Err(Error::RateLimited {
                    reason: "too many open challenges for this user",
                    retry_after: None,
                });
            }
            if recent >= i64::from(limits.max_recent_challenges) {
                return Err(Error::RateLimited {
                    reason: "too many recent challenges for this user",
                    retry_after: None,
                });
            }
            if let Some(at) = last_not_me
                && at > now.saturating_sub(duration_ms(limits.not_me_cooldown))
            {
                let ends = at.saturating_add(duration_ms(limits.not_me_cooldown));
                let left_ms = u64::try_from(ends.saturating_sub(now)).unwrap_or(0);
                return Err(Error::RateLimited {
                    reason: "a recent sign-in was declined as \"it wasn't me\"; try again later",
                    retry_after: Some(std::time::Duration::from_millis(left_ms)),
                });
            }
            // 2. The challenge itself.
            let id = new_id();
            let expires_at = now.saturating_add(duration_ms(tenant.settings.challenge_lifetime));
            let challenge = sqlx::query_as::<_, Challenge>(
                "INSERT INTO challenges (id, tenant_id, user_id, idempotency_key, action_code,
                 authenticator_id, verification_code, created_at, expires_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
             RETURNING *",
            )
            .bind(&id)
            .bind(&tenant.id)
            .bind(&action.user_id)
            .bind(&action.idempotency_key)
            .bind(&action.action_code)
            .bind(authenticator_id)
            .bind(verification_code)
            .bind(now)
            .bind(expires_at)
            .fetch_one(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok::<_, Error>(challenge)
        }
        .await;
        db.settle(result)
    }

    /// The challenge with this id in this tenant.
    pub async fn challenge(
        &self,
        tenant_id: &str,
        challenge_id: &str,
    ) -> Result<Option<Challenge>, Error> {
        let mut db = self.reader.acquire().await?;
        let result = sqlx::query_as::<_, Challenge>(
            "SELECT * FROM challenges WHERE tenant_id = ? AND id = ?",
        )
        .bind(tenant_id)
        .bind(challenge_id)
        .fetch_optional(&mut db.conn)
        .await;
        db.settle(result)
    }

    /// The oldest unanswered, unexpired challenge `authenticator` may answer.
    pub async fn pending_challenge(
        &self,
        authenticator: &Authenticator,
        now: i64,
    ) -> Result<Option<Challenge>, Error> {
        let mut db = self.reader.acquire().await?;
        let result = sqlx::query_as::<_, Challenge>(
            "SELECT * FROM challenges WHERE tenant_id = ? AND user_id = ?
             AND (authenticator_id IS NULL OR authenticator_id = ?)
             AND answered_at IS NULL AND expires_at > ?
             ORDER BY created_at, id LIMIT 1",
        )
        .bind(&authenticator.tenant_id)
        .bind(&authenticator.user_id)
        .bind(&authenticator.id)
        .bind(now)
        .fetch_optional(&mut db.conn)
        .await;
        db.settle(result)
    }

    /// Records a device's answer, atomically: of concurrent answers to one challenge exactly
    /// one is recorded; the others get `challenge_already_answered`. Returns the answered
    /// challenge (its `approved` tells whether the action succeeded).
    pub async fn answer_challenge(
        &self,
        answer: &Answer<'_>,
        now: i64,
    ) -> Result<Challenge, Error> {
        let mut db = self.writer.acquire().await?;
        let result = async {
            let mut tx = db.conn.begin().await?;
            // 1. The challenge must exist, be addressed to this authenticator, be open and live.
            let challenge = sqlx::query_as::<_, Challenge>(
                "SELECT * FROM challenges WHERE tenant_id = ? AND id = ?",
            )
            .bind(&answer.authenticator.tenant_id)
            .bind(answer.challenge_id)
            .fetch_optional(&mut *tx)
            .await?
            .filter(|c| c.is_for(answer.authenticator))
            .ok_or(Error::ChallengeNotFound)?;
            if challenge.answered_at.is_some() {
                return Err(Error::ChallengeAlreadyAnswered);
            }
            if challenge.expires_at <= now {
                return Err(Error::ChallengeExpired);
            }
            // 2. Number matching (8.3): approving needs the right code; a wrong or missing one
            //    fails the challenge.
            let code_ok = match &challenge.verification_code {
                None => true,
                Some(expected) => {
                    answer.verification_code.map(str::trim) == Some(expected.as_str())
                }
            };
            let succeeded = answer.approved && code_ok;
            let decline_reason = if answer.approved {
                None
            } else {
                answer.decline_reason.map(|reason| match reason {
                    DeclineReason::NotMe => "notMe",
                    _ => "mistake",
                })
            };
            // 3. Claim the challenge; the WHERE clause makes the first answer the only one.
            let answered = sqlx::query_as::<_, Challenge>(
                "UPDATE challenges SET answered_at = ?, answered_by = ?, approved = ?,
                 decline_reason = ? WHERE id = ? AND answered_at IS NULL RETURNING *",
            )
            .bind(now)
            .bind(&answer.authenticator.id)
            .bind(succeeded)
            .bind(decline_reason)
            .bind(&challenge.id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(Error::ChallengeAlreadyAnswered)?;
            // 4. The action's state (and decline reason, 8.4), and the authenticator's use.
            let state = if succeeded {
                ActionState::ChallengeSucceeded
            } else {
                ActionState::ChallengeFailed
            };
            let output = decline_reason
                .map(|reason| serde_json::json!({ "declineReason": reason }).to_string());
            sqlx::query(
                "UPDATE actions SET state = ?, state_updated_at = ?, verification_method = 'PUSH',
                 output = COALESCE(?, output) WHERE tenant_id = ? AND idempotency_key = ?",
            )
            .bind(state.as_str())
            .bind(now)
            .bind(output)
            .bind(&challenge.tenant_id)
            .bind(&challenge.idempotency_key)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE authenticators SET last_verified_at = ? WHERE id = ?")
                .bind(now)
                .bind(&answer.authenticator.id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok::<_, Error>(answered)
        }
        .await;
        db.settle(result)
    }
}

/// Records which key the track token `new.token_id` enrolls, in the enrollment's transaction:
/// the first 3.1 with a token records its key, a retry with the same key goes on
/// (idempotent), another key is [`Error::EnrollmentTokenUsed`]. A first use of a token without
/// `add:authenticators` is [`Error::InvalidScope`] once the user has a live authenticator.
async fn claim_enrollment_token(
    conn: &mut SqliteConnection,
    tenant_id: &str,
    new: &NewAuthenticator,
    now: i64,
) -> Result<(), Error> {
    // 1. The token's key: the first 3.1 with a token records it, a retry with the same
    //    key goes on (idempotent), another key is refused.
    sqlx::query("DELETE FROM enrollment_tokens WHERE expires_at <= ?")
        .bind(now)
        .execute(&mut *conn)
        .await?;
    let enrolled_key: Option<String> = sqlx::query_scalar(
        "SELECT public_key FROM enrollment_tokens WHERE tenant_id = ? AND jti = ?",
    )
    .bind(tenant_id)
    .bind(&new.token_id)
    .fetch_optional(&mut *conn)
    .await?;
    match enrolled_key {
        Some(key) if key != new.public_key => return Err(Error::EnrollmentTokenUsed),
        Some(_) => {}
        None => {
            // 2. A first use of a token without the scope: only while the user has no live
            //    authenticator (read in this transaction, so two such tokens cannot both
            //    pass).
            if !new.scoped {
                let live: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM authenticators WHERE tenant_id = ? AND user_id = ?
                     AND (expires_at IS NULL OR expires_at > ?)",
                )
                .bind(tenant_id)
                .bind(&new.user_id)
                .bind(now)
                .fetch_one(&mut *conn)
                .await?;
                if live > 0 {
                    return Err(Error::InvalidScope {
                        needed: SCOPE_ADD_AUTHENTICATORS,
                    });
                }
            }
            sqlx::query(
                "INSERT INTO enrollment_tokens (tenant_id, jti, public_key, expires_at)
                 VALUES (?, ?, ?, ?)",
            )
            .bind(tenant_id)
            .bind(&new.token_id)
            .bind(&new.public_key)
            .bind(new.token_expires_at)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct TenantRow {
    id: String,
    secret_key_sha256: Vec<u8>,
    number_matching: bool,
    challenge_lifetime_ms: i64,
    credential_lease_ms: Option<i64>,
}

impl TenantRow {
    fn into_tenant(self) -> Result<Tenant, Error> {
        let ms = |value: i64| Duration::from_millis(u64::try_from(value).unwrap_or(0));
        let secret_key_hash =
            SecretKeyHash::from_slice(&self.secret_key_sha256).ok_or_else(|| {
                Error::Database(sqlx::Error::Protocol(
                    "a tenant's secret key hash is not 32 bytes".to_owned(),
                ))
            })?;
        Ok(Tenant {
            id: self.id,
            secret_key_hash,
            settings: TenantSettings {
                number_matching: self.number_matching,
                challenge_lifetime: ms(self.challenge_lifetime_ms),
                credential_lease: self.credential_lease_ms.map(ms),
            },
        })
    }
}

/// The second half of migration 0005 (SQLite has no SHA-256 of its own): replaces every
/// secret key still stored in plain text (a `TEXT` value, from a database made before it)
/// by its hash (a 32-byte `BLOB`), in one transaction. When it replaced any, `VACUUM` then
/// rewrites the file and the checkpoint empties the WAL, so no copy of a plain key is left
/// in free pages. It runs at every open, before the store serves, so a crash in between
/// only delays it to the next start.
async fn hash_plain_secret_keys(db: &sqlx::SqlitePool) -> Result<(), Error> {
    let plain: Vec<(String, String)> = sqlx::query_as(
        "SELECT id, secret_key_sha256 FROM tenants WHERE typeof(secret_key_sha256) = 'text'",
    )
    .fetch_all(db)
    .await?;
    if plain.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    for (id, secret_key) in plain {
        let secret_key = zeroize::Zeroizing::new(secret_key);
        sqlx::query("UPDATE tenants SET secret_key_sha256 = ? WHERE id = ?")
            .bind(SecretKeyHash::of(&secret_key).as_bytes().as_slice())
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    sqlx::query("VACUUM").execute(db).await?;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(db)
        .await?;
    Ok(())
}

/// A new random id (UUID v4 text).
pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Creates the database's folder (owner only, 0700, when it creates it) and the database file
/// (owner only, 0600); an existing database file, WAL and shared-memory file are made owner
/// only too. SQLite gives its WAL and shared-memory files the database file's mode.
fn private_files(path: &Path) -> Result<(), Error> {
    owner_only(path).map_err(|error| {
        Error::Io(std::io::Error::new(
            error.kind(),
            format!("cannot open the database file {}: {error}", path.display()),
        ))
    })
}

fn owner_only(path: &Path) -> std::io::Result<()> {
    if let Some(parent) = path.parent()
        && !parent.as_os_str().is_empty()
        && !parent.exists()
    {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(parent)?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)?;
        for suffix in ["", "-wal", "-shm"] {
            let mut file = path.as_os_str().to_owned();
            file.push(suffix);
            let file = std::path::PathBuf::from(file);
            if file.exists() {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))?;
            }
        }
    }
    Ok(())
}
