//! Tenants: their rows, and the in-memory cache every request authenticates through.

use std::collections::HashMap;
use std::sync::{PoisonError, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use sqlx::Connection as _;
use sqlx::query::Query;

use super::backend::KeyLock as _;
use super::{Store, sqlite, with_conn};
use crate::Error;
use crate::config::{TenantSettings, duration_ms};
use crate::fanout::{Change, Outbox, tenant_key};
use crate::notify::TopicKey;
use crate::secrets::SecretKeyHash;

/// A tenant by its id.
const TENANT_BY_ID: &str = "SELECT * FROM tenants WHERE id = $1";
/// The oldest tenant.
const FIRST_TENANT: &str = "SELECT * FROM tenants ORDER BY created_at, id LIMIT 1";

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

#[derive(sqlx::FromRow)]
struct TenantRow {
    id: String,
    secret_key_sha256: Vec<u8>,
    number_matching: bool,
    challenge_lifetime_ms: i64,
    credential_lease_ms: Option<i64>,
}

impl TenantRow {
    /// The row as SQLite returns it (`SELECT *`).
    fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            secret_key_sha256: row.get("secret_key_sha256")?,
            number_matching: row.get("number_matching")?,
            challenge_lifetime_ms: row.get("challenge_lifetime_ms")?,
            credential_lease_ms: row.get("credential_lease_ms")?,
        })
    }

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

/// Creates a tenant, or updates its secret key hash and settings when it exists (its
/// `created_at` stays).
const UPSERT: &str = "INSERT INTO tenants (id, secret_key_sha256, number_matching,
         challenge_lifetime_ms, credential_lease_ms, created_at)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (id) DO UPDATE SET secret_key_sha256 = excluded.secret_key_sha256,
         number_matching = excluded.number_matching,
         challenge_lifetime_ms = excluded.challenge_lifetime_ms,
         credential_lease_ms = excluded.credential_lease_ms";

/// [`UPSERT`] of `tenant` on SQLite.
/// What `bootstrap_tenant` stores: the `existing` tenant with `candidate`'s settings (and its
/// secret key hash when `replace_secret`), or `candidate` itself when there is none; and
/// whether it is new.
fn bootstrapped(
    existing: Option<Tenant>,
    candidate: &Tenant,
    replace_secret: bool,
) -> (Tenant, bool) {
    match existing {
        Some(stored) => {
            let tenant = Tenant {
                secret_key_hash: if replace_secret {
                    candidate.secret_key_hash
                } else {
                    stored.secret_key_hash
                },
                settings: candidate.settings,
                id: stored.id,
            };
            (tenant, false)
        }
        None => (candidate.clone(), true),
    }
}

fn upsert_sqlite(conn: &rusqlite::Connection, tenant: &Tenant, now: i64) -> Result<(), Error> {
    sqlite::execute(
        conn,
        UPSERT,
        &[
            &tenant.id,
            &tenant.secret_key_hash.as_bytes().as_slice(),
            &tenant.settings.number_matching,
            &duration_ms(tenant.settings.challenge_lifetime),
            &tenant.settings.credential_lease.map(duration_ms),
            &now,
        ],
    )?;
    Ok(())
}

/// The statement that creates `tenant`, or updates its secret key hash and settings when it
/// exists (its `created_at` stays), for either database.
fn upsert<'q, DB>(
    tenant: &'q Tenant,
    now: i64,
) -> Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>
where
    DB: sqlx::Database,
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    &'q [u8]: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    bool: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    sqlx::query(UPSERT)
        .bind(tenant.id.as_str())
        .bind(tenant.secret_key_hash.as_bytes().as_slice())
        .bind(tenant.settings.number_matching)
        .bind(duration_ms(tenant.settings.challenge_lifetime))
        .bind(tenant.settings.credential_lease.map(duration_ms))
        .bind(now)
}

/// Tenants read through a [`Store`], by id and by the hash of their secret key.
///
/// A tenant changed through this server is dropped here at once; on PostgreSQL one changed
/// through another server is dropped when that server's notification arrives (`fanout`),
/// and the whole cache when the subscription to them is made again.
#[derive(Debug, Default)]
pub(super) struct TenantCache {
    by_id: HashMap<String, Tenant>,
    id_by_secret: HashMap<SecretKeyHash, String>,
    /// Counts the drops: a tenant read from the database is cached only if nothing was
    /// dropped since the read began (else it may be a copy from before the change).
    generation: u64,
    /// Where changes go to reach the other servers (PostgreSQL only).
    outbox: Option<Outbox>,
}

impl TenantCache {
    fn insert(&mut self, tenant: &Tenant) {
        self.id_by_secret
            .insert(tenant.secret_key_hash, tenant.id.clone());
        self.by_id.insert(tenant.id.clone(), tenant.clone());
    }

    fn forget(&mut self, id: &str) {
        self.generation = self.generation.wrapping_add(1);
        self.by_id.remove(id);
        self.id_by_secret.retain(|_, tenant_id| tenant_id != id);
    }

    fn by_secret(&self, hash: &SecretKeyHash) -> Option<&Tenant> {
        self.id_by_secret
            .get(hash)
            .and_then(|id| self.by_id.get(id))
    }
}

impl Store {
    fn cached_tenants(&self) -> RwLockReadGuard<'_, TenantCache> {
        self.tenants.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn cached_tenants_mut(&self) -> RwLockWriteGuard<'_, TenantCache> {
        self.tenants.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// The cache's generation, read before a tenant is read from the database.
    fn cache_generation(&self) -> u64 {
        self.cached_tenants().generation
    }

    /// Caches `tenant`, read from the database since `generation`, unless a tenant was
    /// dropped meanwhile.
    fn cache_tenant(&self, tenant: Option<&Tenant>, generation: u64) {
        if let Some(tenant) = tenant {
            let mut cache = self.cached_tenants_mut();
            if cache.generation == generation {
                cache.insert(tenant);
            }
        }
    }

    /// Drops the tenant `id` from the cache, and (on PostgreSQL) from the other servers'
    /// caches. Call it after the change is committed.
    fn forget_tenant(&self, id: &str) {
        let mut cache = self.cached_tenants_mut();
        cache.forget(id);
        if let Some(outbox) = &cache.outbox {
            outbox.send(Change::tenant(id));
        }
    }

    /// Tells the other servers, through `outbox`, of every tenant this store changes.
    pub(crate) fn publish_tenant_changes(&self, outbox: Outbox) {
        self.cached_tenants_mut().outbox = Some(outbox);
    }

    /// Drops the tenant whose key (`fanout::tenant_key`) is `key`: another server changed it.
    pub(crate) fn forget_tenant_by_key(&self, key: TopicKey) {
        let mut cache = self.cached_tenants_mut();
        let ids: Vec<String> = cache
            .by_id
            .keys()
            .filter(|id| tenant_key(id) == key)
            .cloned()
            .collect();
        // Also bumps the generation when the tenant is not cached: a read in flight may be
        // about to cache the copy from before the change.
        cache.generation = cache.generation.wrapping_add(1);
        for id in ids {
            cache.forget(&id);
        }
    }

    /// Drops every cached tenant (changes from other servers may have been missed).
    pub(crate) fn forget_all_tenants(&self) {
        let mut cache = self.cached_tenants_mut();
        cache.generation = cache.generation.wrapping_add(1);
        cache.by_id.clear();
        cache.id_by_secret.clear();
    }

    /// The tenant with this id.
    pub async fn tenant(&self, id: &str) -> Result<Option<Tenant>, Error> {
        let generation = {
            let cache = self.cached_tenants();
            if let Some(tenant) = cache.by_id.get(id) {
                return Ok(Some(tenant.clone()));
            }
            cache.generation
        };
        let row = with_conn!(
            self,
            |conn| {
                Ok(sqlx::query_as::<_, TenantRow>(TENANT_BY_ID)
                    .bind(id)
                    .fetch_optional(&mut *conn)
                    .await?)
            },
            |conn| sqlite::optional(conn, TENANT_BY_ID, &[&id], TenantRow::from_sqlite)
        )?;
        let tenant = row.map(TenantRow::into_tenant).transpose()?;
        self.cache_tenant(tenant.as_ref(), generation);
        Ok(tenant)
    }

    /// The tenant with this secret key: found by the key's hash (the hash of a random key
    /// tells a timing observer nothing about the key), then the hashes compared in constant
    /// time.
    pub async fn tenant_by_secret(&self, secret_key: &str) -> Result<Option<Tenant>, Error> {
        let hash = SecretKeyHash::of(secret_key);
        let generation = self.cache_generation();
        let cached = self.cached_tenants().by_secret(&hash).cloned();
        let tenant = if let Some(tenant) = cached {
            Some(tenant)
        } else {
            const SQL: &str = "SELECT * FROM tenants WHERE secret_key_sha256 = $1";
            let row = with_conn!(
                self,
                |conn| {
                    Ok(sqlx::query_as::<_, TenantRow>(SQL)
                        .bind(hash.as_bytes().as_slice())
                        .fetch_optional(&mut *conn)
                        .await?)
                },
                |conn| {
                    sqlite::optional(
                        conn,
                        SQL,
                        &[&hash.as_bytes().as_slice()],
                        TenantRow::from_sqlite,
                    )
                }
            )?;
            let tenant = row.map(TenantRow::into_tenant).transpose()?;
            self.cache_tenant(tenant.as_ref(), generation);
            tenant
        };
        Ok(tenant.filter(|tenant| tenant.secret_key_hash.matches(&hash)))
    }

    /// The oldest tenant, if any.
    pub async fn first_tenant(&self) -> Result<Option<Tenant>, Error> {
        let row = with_conn!(
            self,
            |conn| {
                Ok(sqlx::query_as::<_, TenantRow>(FIRST_TENANT)
                    .fetch_optional(&mut *conn)
                    .await?)
            },
            |conn| sqlite::optional(conn, FIRST_TENANT, &[], TenantRow::from_sqlite)
        )?;
        row.map(TenantRow::into_tenant).transpose()
    }

    /// The tenant a server starts with, in one transaction that servers starting at once on
    /// one database take in turn: the tenant `id` (or, without one, the oldest tenant) with
    /// `candidate`'s settings (and its secret key hash when `replace_secret`), or, when there
    /// is none, `candidate` itself, created. Returns the stored tenant and whether this call
    /// created it.
    pub async fn bootstrap_tenant(
        &self,
        id: Option<&str>,
        candidate: &Tenant,
        replace_secret: bool,
        now: i64,
    ) -> Result<(Tenant, bool), Error> {
        let result = with_conn!(
            self,
            |conn| {
                let mut tx = conn.begin().await?;
                tx.lock_key("tenants/bootstrap").await?;
                let existing = match id {
                    Some(id) => {
                        sqlx::query_as::<_, TenantRow>(TENANT_BY_ID)
                            .bind(id)
                            .fetch_optional(&mut *tx)
                            .await?
                    }
                    None => {
                        sqlx::query_as::<_, TenantRow>(FIRST_TENANT)
                            .fetch_optional(&mut *tx)
                            .await?
                    }
                };
                let existing = existing.map(TenantRow::into_tenant).transpose()?;
                let (tenant, created) = bootstrapped(existing, candidate, replace_secret);
                upsert(&tenant, now).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok((tenant, created))
            },
            |conn| {
                let tx = conn.transaction()?;
                let existing = match id {
                    Some(id) => {
                        sqlite::optional(&tx, TENANT_BY_ID, &[&id], TenantRow::from_sqlite)?
                    }
                    None => sqlite::optional(&tx, FIRST_TENANT, &[], TenantRow::from_sqlite)?,
                };
                let existing = existing.map(TenantRow::into_tenant).transpose()?;
                let (tenant, created) = bootstrapped(existing, candidate, replace_secret);
                upsert_sqlite(&tx, &tenant, now)?;
                tx.commit()?;
                Ok((tenant, created))
            }
        );
        if let Ok((tenant, _)) = &result {
            self.forget_tenant(&tenant.id);
        }
        result
    }

    /// Creates the tenant, or updates its secret key (hash) and settings when it exists.
    pub async fn put_tenant(&self, tenant: &Tenant, now: i64) -> Result<(), Error> {
        let result = with_conn!(
            self,
            |conn| {
                upsert(tenant, now).execute(&mut *conn).await?;
                Ok(())
            },
            |conn| upsert_sqlite(conn, tenant, now)
        );
        // The stored row is what counts: the next read loads it again.
        self.forget_tenant(&tenant.id);
        result
    }
}

/// The second half of migration 0005 (SQLite has no SHA-256 of its own): replaces every
/// secret key still stored in plain text (a `TEXT` value, from a database made before it)
/// by its hash (a 32-byte `BLOB`), in one transaction. When it replaced any, `VACUUM` then
/// rewrites the file and the checkpoint empties the WAL, so no copy of a plain key is left
/// in free pages. It runs at every open, before the store serves, so a crash in between
/// only delays it to the next start.
pub(super) async fn hash_plain_secret_keys(db: &sqlx::SqlitePool) -> Result<(), Error> {
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
        sqlx::query("UPDATE tenants SET secret_key_sha256 = $1 WHERE id = $2")
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
