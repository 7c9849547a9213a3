//! Nonces: single-use messages a device signs to fetch challenges (3.4a) or update its
//! credential (3.6a). Using one deletes it, so it works once.

use sqlx::Connection as _;

use super::backend::KeyLock as _;
use super::rules::check_nonce_caps;
use super::sqlite;
use super::{Store, with_conn};
use crate::Error;
use crate::config::RateLimits;

/// Drops an authenticator's expired nonces.
const DELETE_EXPIRED_NONCES: &str =
    "DELETE FROM nonces WHERE authenticator_id = $1 AND expires_at <= $2";
/// An authenticator's live nonces of one purpose: from one address, and from all.
const LIVE_NONCES: &str = "SELECT COUNT(*) FILTER (WHERE client_address = $1), COUNT(*) FROM nonces
                 WHERE authenticator_id = $2 AND purpose = $3";
/// A new nonce.
const INSERT_NONCE: &str =
    "INSERT INTO nonces (message, authenticator_id, purpose, update_id, expires_at,
                     client_address)
                 VALUES ($1, $2, $3, $4, $5, $6)";

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

impl Store {
    /// Stores a single-use nonce for an authenticator, issued to `nonce.client_address`, and
    /// drops its expired ones. Refused with `rate_limited` (nothing stored) when that address
    /// already holds `limits.max_live_nonces_per_address` live nonces of this purpose for the
    /// authenticator, or all addresses together `limits.max_live_nonces_per_key`: older nonces
    /// are never evicted, so the device's own stay usable.
    pub async fn add_nonce(&self, nonce: &NewNonce<'_>, limits: &RateLimits) -> Result<(), Error> {
        with_conn!(
            self,
            |conn| {
                let mut tx = conn.begin().await?;
                // The count and the insert cannot race another add_nonce for this key: SQLite has
                // one writer, PostgreSQL serializes on the key.
                tx.lock_key(&format!("nonces/{}", nonce.authenticator_id))
                    .await?;
                sqlx::query(DELETE_EXPIRED_NONCES)
                    .bind(nonce.authenticator_id)
                    .bind(nonce.now)
                    .execute(&mut *tx)
                    .await?;
                let (from_address, in_all): (i64, i64) = sqlx::query_as(LIVE_NONCES)
                    .bind(nonce.client_address)
                    .bind(nonce.authenticator_id)
                    .bind(nonce.purpose.as_str())
                    .fetch_one(&mut *tx)
                    .await?;
                check_nonce_caps(from_address, in_all, limits)?;
                sqlx::query(INSERT_NONCE)
                    .bind(nonce.message)
                    .bind(nonce.authenticator_id)
                    .bind(nonce.purpose.as_str())
                    .bind(nonce.update_id)
                    .bind(nonce.expires_at)
                    .bind(nonce.client_address)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            },
            |conn| {
                let tx = conn.transaction()?;
                sqlite::execute(
                    &tx,
                    DELETE_EXPIRED_NONCES,
                    &[&nonce.authenticator_id, &nonce.now],
                )?;
                let (from_address, in_all): (i64, i64) = sqlite::one(
                    &tx,
                    LIVE_NONCES,
                    &[
                        &nonce.client_address,
                        &nonce.authenticator_id,
                        &nonce.purpose.as_str(),
                    ],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )?;
                check_nonce_caps(from_address, in_all, limits)?;
                sqlite::execute(
                    &tx,
                    INSERT_NONCE,
                    &[
                        &nonce.message,
                        &nonce.authenticator_id,
                        &nonce.purpose.as_str(),
                        &nonce.update_id,
                        &nonce.expires_at,
                        &nonce.client_address,
                    ],
                )?;
                tx.commit()?;
                Ok(())
            }
        )
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
        const SQL: &str = "SELECT message FROM nonces WHERE authenticator_id = $1 AND purpose = $2
                 AND client_address = $3 AND expires_at > $4 ORDER BY expires_at DESC LIMIT $5";
        with_conn!(
            self,
            |conn| {
                Ok(sqlx::query_scalar(SQL)
                    .bind(authenticator_id)
                    .bind(purpose.as_str())
                    .bind(client_address)
                    .bind(now)
                    .bind(i64::from(limit))
                    .fetch_all(&mut *conn)
                    .await?)
            },
            |conn| {
                sqlite::all(
                    conn,
                    SQL,
                    &[
                        &authenticator_id,
                        &purpose.as_str(),
                        &client_address,
                        &now,
                        &i64::from(limit),
                    ],
                    |row| row.get(0),
                )
            }
        )
    }

    /// The unexpired update nonce (3.6a) with this id: `(authenticator id, message)`.
    pub async fn update_nonce(
        &self,
        update_id: &str,
        now: i64,
    ) -> Result<Option<(String, String)>, Error> {
        const SQL: &str = "SELECT authenticator_id, message FROM nonces WHERE update_id = $1
                 AND purpose = 'update' AND expires_at > $2";
        with_conn!(
            self,
            |conn| {
                Ok(sqlx::query_as(SQL)
                    .bind(update_id)
                    .bind(now)
                    .fetch_optional(&mut *conn)
                    .await?)
            },
            |conn| {
                sqlite::optional(conn, SQL, &[&update_id, &now], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })
            }
        )
    }

    /// Uses up a nonce. `false`: it was used already (or expired) in the meantime. One
    /// delete, so of concurrent uses exactly one sees `true`.
    pub async fn consume_nonce(&self, message: &str, now: i64) -> Result<bool, Error> {
        const SQL: &str = "DELETE FROM nonces WHERE message = $1 AND expires_at > $2";
        let deleted = with_conn!(
            self,
            |conn| {
                Ok(sqlx::query(SQL)
                    .bind(message)
                    .bind(now)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected())
            },
            |conn| sqlite::execute(conn, SQL, &[&message, &now])
        )?;
        Ok(deleted == 1)
    }
}
