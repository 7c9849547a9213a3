//! Tenants: their rows, and the in-memory cache every request authenticates through.

use std::collections::HashMap;
use std::sync::{PoisonError, RwLockReadGuard};
use std::time::Duration;

use super::{Store, with_conn};
use crate::Error;
use crate::config::{TenantSettings, duration_ms};

/// A tenant: one relying party, with its secret key and settings.
#[derive(Clone)]
pub struct Tenant {
    /// The tenant id (device Basic auth, enrollment links).
    pub id: String,
    /// The secret key (RP backend Basic auth).
    pub secret_key: String,
    /// The HMAC key of the tenant's tokens.
    pub token_secret: Vec<u8>,
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
    secret_key: String,
    token_secret: Vec<u8>,
    number_matching: bool,
    challenge_lifetime_ms: i64,
    credential_lease_ms: Option<i64>,
}

impl TenantRow {
    fn into_tenant(self) -> Tenant {
        let ms = |value: i64| Duration::from_millis(u64::try_from(value).unwrap_or(0));
        Tenant {
            id: self.id,
            secret_key: self.secret_key,
            token_secret: self.token_secret,
            settings: TenantSettings {
                number_matching: self.number_matching,
                challenge_lifetime: ms(self.challenge_lifetime_ms),
                credential_lease: self.credential_lease_ms.map(ms),
            },
        }
    }
}

/// Tenants read through a [`Store`], by id and by secret key.
#[derive(Debug, Default)]
pub(super) struct TenantCache {
    by_id: HashMap<String, Tenant>,
    id_by_secret: HashMap<String, String>,
}

impl TenantCache {
    fn insert(&mut self, tenant: &Tenant) {
        self.id_by_secret
            .insert(tenant.secret_key.clone(), tenant.id.clone());
        self.by_id.insert(tenant.id.clone(), tenant.clone());
    }

    fn forget(&mut self, id: &str) {
        self.by_id.remove(id);
        self.id_by_secret.retain(|_, tenant_id| tenant_id != id);
    }

    fn by_secret(&self, secret_key: &str) -> Option<&Tenant> {
        self.id_by_secret
            .get(secret_key)
            .and_then(|id| self.by_id.get(id))
    }
}

impl Store {
    fn cached_tenants(&self) -> RwLockReadGuard<'_, TenantCache> {
        self.tenants.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn cache_tenant(&self, tenant: Option<&Tenant>) {
        if let Some(tenant) = tenant {
            self.tenants
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(tenant);
        }
    }

    /// The tenant with this id.
    pub async fn tenant(&self, id: &str) -> Result<Option<Tenant>, Error> {
        if let Some(tenant) = self.cached_tenants().by_id.get(id) {
            return Ok(Some(tenant.clone()));
        }
        let row = with_conn!(self, reader, |conn| {
            Ok(
                sqlx::query_as::<_, TenantRow>("SELECT * FROM tenants WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *conn)
                    .await?,
            )
        })?;
        let tenant = row.map(TenantRow::into_tenant);
        self.cache_tenant(tenant.as_ref());
        Ok(tenant)
    }

    /// The tenant with this secret key.
    pub async fn tenant_by_secret(&self, secret_key: &str) -> Result<Option<Tenant>, Error> {
        if let Some(tenant) = self.cached_tenants().by_secret(secret_key) {
            return Ok(Some(tenant.clone()));
        }
        let row = with_conn!(self, reader, |conn| {
            Ok(
                sqlx::query_as::<_, TenantRow>("SELECT * FROM tenants WHERE secret_key = $1")
                    .bind(secret_key)
                    .fetch_optional(&mut *conn)
                    .await?,
            )
        })?;
        let tenant = row.map(TenantRow::into_tenant);
        self.cache_tenant(tenant.as_ref());
        Ok(tenant)
    }

    /// The oldest tenant, if any.
    pub async fn first_tenant(&self) -> Result<Option<Tenant>, Error> {
        let row = with_conn!(self, writer, |conn| {
            Ok(sqlx::query_as::<_, TenantRow>(
                "SELECT * FROM tenants ORDER BY created_at, id LIMIT 1",
            )
            .fetch_optional(&mut *conn)
            .await?)
        })?;
        Ok(row.map(TenantRow::into_tenant))
    }

    /// Creates the tenant, or updates its secret key and settings when it exists.
    pub async fn put_tenant(&self, tenant: &Tenant, now: i64) -> Result<(), Error> {
        let result = with_conn!(self, writer, |conn| {
            sqlx::query(
                "INSERT INTO tenants (id, secret_key, token_secret, number_matching,
                     challenge_lifetime_ms, credential_lease_ms, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (id) DO UPDATE SET secret_key = excluded.secret_key,
                     number_matching = excluded.number_matching,
                     challenge_lifetime_ms = excluded.challenge_lifetime_ms,
                     credential_lease_ms = excluded.credential_lease_ms",
            )
            .bind(&tenant.id)
            .bind(&tenant.secret_key)
            .bind(&tenant.token_secret)
            .bind(tenant.settings.number_matching)
            .bind(duration_ms(tenant.settings.challenge_lifetime))
            .bind(tenant.settings.credential_lease.map(duration_ms))
            .bind(now)
            .execute(&mut *conn)
            .await?;
            Ok(())
        });
        // The stored row is what counts (an update keeps the stored token secret): the next
        // read loads it again.
        self.tenants
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .forget(&tenant.id);
        result
    }
}
