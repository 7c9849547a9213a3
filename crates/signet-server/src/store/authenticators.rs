//! Authenticators: enrolled device keys (3.1), their updates (3.6b) and removal.

use sqlx::Connection as _;

use super::backend::KeyLock as _;
use super::enrollment_tokens::{ClaimToken as _, claim_enrollment_token_sqlite};
use super::rules::check_reenrollment;
use super::{Store, Tenant, new_id, sqlite, with_conn};
use crate::Error;
use crate::config::duration_ms;

/// A tenant's authenticator by its public key.
const AUTHENTICATOR_BY_KEY: &str =
    "SELECT * FROM authenticators WHERE tenant_id = $1 AND public_key = $2";
/// An authenticator enrolled again: its device details and lease.
const REFRESH_AUTHENTICATOR: &str =
    "UPDATE authenticators SET device_name = COALESCE($1, device_name),
                     device_platform = COALESCE($2, device_platform),
                     push_token = COALESCE($3, push_token) WHERE id = $4";
/// A new authenticator.
const INSERT_AUTHENTICATOR: &str = "INSERT INTO authenticators (id, tenant_id, user_id, public_key,
                         device_name, device_platform, push_token, created_at, verified_at,
                         expires_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9)";
/// An authenticator by its id.
const AUTHENTICATOR_BY_ID: &str = "SELECT * FROM authenticators WHERE id = $1";
/// An authenticator's push token and lease (update credential, 3.6b).
const UPDATE_CREDENTIAL: &str = "UPDATE authenticators SET push_token = COALESCE($1, push_token),
                 expires_at = COALESCE($2, expires_at), last_verified_at = $3 WHERE id = $4";

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
    /// The row as SQLite returns it (`SELECT *`).
    fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            tenant_id: row.get("tenant_id")?,
            user_id: row.get("user_id")?,
            public_key: row.get("public_key")?,
            device_name: row.get("device_name")?,
            device_platform: row.get("device_platform")?,
            push_token: row.get("push_token")?,
            created_at: row.get("created_at")?,
            verified_at: row.get("verified_at")?,
            last_verified_at: row.get("last_verified_at")?,
            expires_at: row.get("expires_at")?,
        })
    }

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

impl Store {
    /// Enrolls a key (3.1). Enrolling the same key for the same user again returns the stored
    /// authenticator (updating its name and push token). A token enrolls one key only: the
    /// same token with another key is [`Error::EnrollmentTokenUsed`].
    pub async fn add_authenticator(
        &self,
        tenant: &Tenant,
        new: NewAuthenticator,
        now: i64,
    ) -> Result<Authenticator, Error> {
        with_conn!(
            self,
            |conn| {
                let mut tx = conn.begin().await?;
                // 0. One enrollment at a time per token, key and user (always in this order).
                tx.lock_key(&format!("token/{}/{}", tenant.id, new.token_id))
                    .await?;
                tx.lock_key(&format!("key/{}/{}", tenant.id, new.public_key))
                    .await?;
                tx.lock_key(&format!("user/{}/{}", tenant.id, new.user_id))
                    .await?;
                // 1. The token: one key per token, and the scope rule.
                tx.claim_enrollment_token(&tenant.id, &new, now).await?;
                // 2. The key itself: a new one, or the same one again for the same user.
                let existing = sqlx::query_as::<_, Authenticator>(AUTHENTICATOR_BY_KEY)
                    .bind(&tenant.id)
                    .bind(&new.public_key)
                    .fetch_optional(&mut *tx)
                    .await?;
                let id = if let Some(found) = existing {
                    check_reenrollment(&found.user_id, found.is_expired(now), &new.user_id)?;
                    sqlx::query(REFRESH_AUTHENTICATOR)
                        .bind(&new.device_name)
                        .bind(&new.device_platform)
                        .bind(&new.push_token)
                        .bind(&found.id)
                        .execute(&mut *tx)
                        .await?;
                    found.id
                } else {
                    let id = new_id();
                    let expires_at = tenant
                        .settings
                        .credential_lease
                        .map(|lease| now.saturating_add(duration_ms(lease)));
                    sqlx::query(INSERT_AUTHENTICATOR)
                        .bind(&id)
                        .bind(&tenant.id)
                        .bind(&new.user_id)
                        .bind(&new.public_key)
                        .bind(&new.device_name)
                        .bind(&new.device_platform)
                        .bind(&new.push_token)
                        .bind(now)
                        .bind(expires_at)
                        .execute(&mut *tx)
                        .await?;
                    id
                };
                let stored = sqlx::query_as::<_, Authenticator>(AUTHENTICATOR_BY_ID)
                    .bind(&id)
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(stored)
            },
            |conn| add_authenticator_sqlite(conn, tenant, &new, now)
        )
    }

    /// The authenticator of this key in this tenant.
    pub async fn authenticator_by_key(
        &self,
        tenant_id: &str,
        public_key: &str,
    ) -> Result<Option<Authenticator>, Error> {
        with_conn!(
            self,
            |conn| {
                Ok(sqlx::query_as::<_, Authenticator>(AUTHENTICATOR_BY_KEY)
                    .bind(tenant_id)
                    .bind(public_key)
                    .fetch_optional(&mut *conn)
                    .await?)
            },
            |conn| {
                sqlite::optional(
                    conn,
                    AUTHENTICATOR_BY_KEY,
                    &[&tenant_id, &public_key],
                    Authenticator::from_sqlite,
                )
            }
        )
    }

    /// The user's authenticators, oldest first, expired ones included.
    pub async fn authenticators_of_user(
        &self,
        tenant_id: &str,
        user_id: &str,
    ) -> Result<Vec<Authenticator>, Error> {
        const SQL: &str = "SELECT * FROM authenticators WHERE tenant_id = $1 AND user_id = $2
                 ORDER BY created_at, id";
        with_conn!(
            self,
            |conn| {
                Ok(sqlx::query_as::<_, Authenticator>(SQL)
                    .bind(tenant_id)
                    .bind(user_id)
                    .fetch_all(&mut *conn)
                    .await?)
            },
            |conn| {
                sqlite::all(
                    conn,
                    SQL,
                    &[&tenant_id, &user_id],
                    Authenticator::from_sqlite,
                )
            }
        )
    }

    /// Whether the user has an unexpired authenticator at `now`.
    pub async fn is_enrolled(
        &self,
        tenant_id: &str,
        user_id: &str,
        now: i64,
    ) -> Result<bool, Error> {
        const SQL: &str =
            "SELECT COUNT(*) FROM authenticators WHERE tenant_id = $1 AND user_id = $2
                 AND (expires_at IS NULL OR expires_at > $3)";
        let count: i64 = with_conn!(
            self,
            |conn| {
                Ok(sqlx::query_scalar(SQL)
                    .bind(tenant_id)
                    .bind(user_id)
                    .bind(now)
                    .fetch_one(&mut *conn)
                    .await?)
            },
            |conn| sqlite::one(conn, SQL, &[&tenant_id, &user_id, &now], |row| row.get(0))
        )?;
        Ok(count > 0)
    }

    /// Removes an authenticator of this tenant (and user, when given). `false`: none such.
    pub async fn delete_authenticator(
        &self,
        tenant_id: &str,
        user_id: Option<&str>,
        authenticator_id: &str,
    ) -> Result<bool, Error> {
        const SQL: &str = "DELETE FROM authenticators WHERE tenant_id = $1 AND id = $2
                 AND ($3 IS NULL OR user_id = $3)";
        let deleted = with_conn!(
            self,
            |conn| {
                Ok(sqlx::query(SQL)
                    .bind(tenant_id)
                    .bind(authenticator_id)
                    .bind(user_id)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected())
            },
            |conn| sqlite::execute(conn, SQL, &[&tenant_id, &authenticator_id, &user_id])
        )?;
        Ok(deleted == 1)
    }

    /// Forgets an authenticator's push token after its provider said it is gone
    /// (docs/protocol.md 8.6), unless the device has registered another one meanwhile.
    /// Returns whether it was forgotten.
    pub async fn forget_push_token(
        &self,
        authenticator_id: &str,
        push_token: &str,
    ) -> Result<bool, Error> {
        const SQL: &str =
            "UPDATE authenticators SET push_token = NULL WHERE id = $1 AND push_token = $2";
        let forgotten = with_conn!(
            self,
            |conn| {
                Ok(sqlx::query(SQL)
                    .bind(authenticator_id)
                    .bind(push_token)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected())
            },
            |conn| sqlite::execute(conn, SQL, &[&authenticator_id, &push_token])
        )?;
        Ok(forgotten == 1)
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
        with_conn!(
            self,
            |conn| {
                let mut tx = conn.begin().await?;
                sqlx::query(UPDATE_CREDENTIAL)
                    .bind(push_token)
                    .bind(renew_until)
                    .bind(now)
                    .bind(authenticator_id)
                    .execute(&mut *tx)
                    .await?;
                let stored = sqlx::query_as::<_, Authenticator>(AUTHENTICATOR_BY_ID)
                    .bind(authenticator_id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(Error::InvalidCredential)?;
                tx.commit().await?;
                Ok(stored)
            },
            |conn| {
                let tx = conn.transaction()?;
                sqlite::execute(
                    &tx,
                    UPDATE_CREDENTIAL,
                    &[&push_token, &renew_until, &now, &authenticator_id],
                )?;
                let stored = sqlite::optional(
                    &tx,
                    AUTHENTICATOR_BY_ID,
                    &[&authenticator_id],
                    Authenticator::from_sqlite,
                )?
                .ok_or(Error::InvalidCredential)?;
                tx.commit()?;
                Ok(stored)
            }
        )
    }
}

/// [`Store::add_authenticator`]'s transaction on SQLite.
fn add_authenticator_sqlite(
    conn: &mut rusqlite::Connection,
    tenant: &Tenant,
    new: &NewAuthenticator,
    now: i64,
) -> Result<Authenticator, Error> {
    let tx = conn.transaction()?;
    // 1. The token: one key per token, and the scope rule.
    claim_enrollment_token_sqlite(&tx, &tenant.id, new, now)?;
    // 2. The key itself: a new one, or the same one again for the same user.
    let existing = sqlite::optional(
        &tx,
        AUTHENTICATOR_BY_KEY,
        &[&tenant.id, &new.public_key],
        Authenticator::from_sqlite,
    )?;
    let id = if let Some(found) = existing {
        check_reenrollment(&found.user_id, found.is_expired(now), &new.user_id)?;
        sqlite::execute(
            &tx,
            REFRESH_AUTHENTICATOR,
            &[
                &new.device_name,
                &new.device_platform,
                &new.push_token,
                &found.id,
            ],
        )?;
        found.id
    } else {
        let id = new_id();
        let expires_at = tenant
            .settings
            .credential_lease
            .map(|lease| now.saturating_add(duration_ms(lease)));
        sqlite::execute(
            &tx,
            INSERT_AUTHENTICATOR,
            &[
                &id,
                &tenant.id,
                &new.user_id,
                &new.public_key,
                &new.device_name,
                &new.device_platform,
                &new.push_token,
                &now,
                &expires_at,
            ],
        )?;
        id
    };
    let stored = sqlite::one(&tx, AUTHENTICATOR_BY_ID, &[&id], Authenticator::from_sqlite)?;
    tx.commit()?;
    Ok(stored)
}
