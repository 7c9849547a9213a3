//! Enrollment tokens: a track token enrolls one key only. Each 3.1 records the token's `jti`
//! with the key it enrolled, in the enrollment's transaction.

use sqlx::PgConnection;

use super::rules::{TokenClaim, check_enrollment_scope, claim_token};
use super::{NewAuthenticator, sqlite};
use crate::Error;

/// Drops expired enrollment tokens.
const DELETE_EXPIRED_TOKENS: &str = "DELETE FROM enrollment_tokens WHERE expires_at <= $1";
/// The public key an enrollment token was used for, if it was.
const TOKEN_USE: &str =
    "SELECT public_key FROM enrollment_tokens WHERE tenant_id = $1 AND jti = $2";
/// A user's authenticators whose lease has not run out.
const LIVE_AUTHENTICATORS: &str =
    "SELECT COUNT(*) FROM authenticators WHERE tenant_id = $1 AND user_id = $2
     AND (expires_at IS NULL OR expires_at > $3)";
/// An enrollment token's use.
const INSERT_TOKEN_USE: &str =
    "INSERT INTO enrollment_tokens (tenant_id, jti, public_key, expires_at)
 VALUES ($1, $2, $3, $4)";

/// Claims a track token for a key, on a PostgreSQL connection.
pub(super) trait ClaimToken {
    /// Records which key the track token `new.token_id` enrolls, in the enrollment's
    /// transaction: the first 3.1 with a token records its key, a retry with the same key goes
    /// on (idempotent), another key is [`Error::EnrollmentTokenUsed`]. A first use of a token
    /// without `add:authenticators` is [`Error::InvalidScope`] once the user has a live
    /// authenticator. The caller serializes on the token and the user first.
    fn claim_enrollment_token(
        &mut self,
        tenant_id: &str,
        new: &NewAuthenticator,
        now: i64,
    ) -> impl Future<Output = Result<(), Error>> + Send;
}

impl ClaimToken for PgConnection {
    async fn claim_enrollment_token(
        &mut self,
        tenant_id: &str,
        new: &NewAuthenticator,
        now: i64,
    ) -> Result<(), Error> {
        // 1. The token's key: the first 3.1 with a token records it, a retry with the same
        //    key goes on (idempotent), another key is refused.
        sqlx::query(DELETE_EXPIRED_TOKENS)
            .bind(now)
            .execute(&mut *self)
            .await?;
        let enrolled_key: Option<String> = sqlx::query_scalar(TOKEN_USE)
            .bind(tenant_id)
            .bind(&new.token_id)
            .fetch_optional(&mut *self)
            .await?;
        if claim_token(enrolled_key.as_deref(), &new.public_key)? == TokenClaim::Retry {
            return Ok(());
        }
        // 2. A first use of a token without the scope: only while the user has no live
        //    authenticator (read in this transaction, so two such tokens cannot both pass).
        if !new.scoped {
            let live: i64 = sqlx::query_scalar(LIVE_AUTHENTICATORS)
                .bind(tenant_id)
                .bind(&new.user_id)
                .bind(now)
                .fetch_one(&mut *self)
                .await?;
            check_enrollment_scope(new.scoped, live)?;
        }
        sqlx::query(INSERT_TOKEN_USE)
            .bind(tenant_id)
            .bind(&new.token_id)
            .bind(&new.public_key)
            .bind(new.token_expires_at)
            .execute(&mut *self)
            .await?;
        Ok(())
    }
}

/// [`ClaimToken::claim_enrollment_token`] on SQLite, in the enrollment's transaction (the one
/// writer connection runs it alone).
pub(super) fn claim_enrollment_token_sqlite(
    conn: &rusqlite::Connection,
    tenant_id: &str,
    new: &NewAuthenticator,
    now: i64,
) -> Result<(), Error> {
    // 1. The token's key: the first 3.1 with a token records it, a retry with the same key
    //    goes on (idempotent), another key is refused.
    sqlite::execute(conn, DELETE_EXPIRED_TOKENS, &[&now])?;
    let enrolled_key: Option<String> =
        sqlite::optional(conn, TOKEN_USE, &[&tenant_id, &new.token_id], |row| {
            row.get(0)
        })?;
    if claim_token(enrolled_key.as_deref(), &new.public_key)? == TokenClaim::Retry {
        return Ok(());
    }
    // 2. A first use of a token without the scope: only while the user has no live
    //    authenticator (read in this transaction, so two such tokens cannot both pass).
    if !new.scoped {
        let live: i64 = sqlite::one(
            conn,
            LIVE_AUTHENTICATORS,
            &[&tenant_id, &new.user_id, &now],
            |row| row.get(0),
        )?;
        check_enrollment_scope(new.scoped, live)?;
    }
    sqlite::execute(
        conn,
        INSERT_TOKEN_USE,
        &[
            &tenant_id,
            &new.token_id,
            &new.public_key,
            &new.token_expires_at,
        ],
    )?;
    Ok(())
}
