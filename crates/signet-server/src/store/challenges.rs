//! Push challenges: creating them under the push-fatigue limits, finding them, and recording
//! the one answer each gets (3.4b, 3.5).

use signet_protocol::DeclineReason;
use sqlx::Connection as _;

use super::backend::KeyLock as _;
use super::rules::{ChallengeCounts, check_answerable, check_challenge_limits, outcome};
use super::{Action, Authenticator, Store, Tenant, new_id, sqlite, with_conn};
use crate::Error;
use crate::config::{RateLimits, duration_ms};

/// A tenant's challenge by its id.
const CHALLENGE_BY_ID: &str = "SELECT * FROM challenges WHERE tenant_id = $1 AND id = $2";
/// A challenge's answer, once.
const RECORD_ANSWER: &str =
    "UPDATE challenges SET answered_at = $1, answered_by = $2, approved = $3,
                 decline_reason = $4 WHERE id = $5 AND answered_at IS NULL RETURNING *";
/// The action's state after its challenge's answer.
const SETTLE_ACTION: &str = "UPDATE actions SET state = $1, state_updated_at = $2,
                 verification_method = 'PUSH', output = COALESCE($3, output)
                 WHERE tenant_id = $4 AND idempotency_key = $5";
/// The answering authenticator's last verification.
const MARK_VERIFIED: &str = "UPDATE authenticators SET last_verified_at = $1 WHERE id = $2";

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
    /// The row as SQLite returns it (`SELECT *` or `RETURNING *`).
    fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get("id")?,
            tenant_id: row.get("tenant_id")?,
            user_id: row.get("user_id")?,
            idempotency_key: row.get("idempotency_key")?,
            action_code: row.get("action_code")?,
            authenticator_id: row.get("authenticator_id")?,
            verification_code: row.get("verification_code")?,
            created_at: row.get("created_at")?,
            expires_at: row.get("expires_at")?,
            answered_at: row.get("answered_at")?,
            answered_by: row.get("answered_by")?,
            approved: row.get("approved")?,
            decline_reason: row.get("decline_reason")?,
        })
    }

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

/// The push-fatigue counts of one user (`ChallengeCounts`): open challenges (`$1` now), at
/// most `$5` of them; challenges created since `$2`, at most `$6`; and the last "it wasn't
/// me" answer, of tenant `$3`'s user `$4`. The counts stop at the limits they are compared
/// with, and each part reads an index that holds only what it needs (the user's unanswered
/// challenges, the user's recent ones, the user's "it wasn't me" answers), so creating a
/// challenge does not read the user's whole history.
const CHALLENGE_COUNTS: &str = "SELECT
    (SELECT COUNT(*) FROM (SELECT 1 FROM challenges WHERE tenant_id = $3 AND user_id = $4
        AND answered_at IS NULL AND expires_at > $1 LIMIT $5) AS open),
    (SELECT COUNT(*) FROM (SELECT 1 FROM challenges WHERE tenant_id = $3 AND user_id = $4
        AND created_at > $2 LIMIT $6) AS recent),
    (SELECT MAX(answered_at) FROM challenges WHERE tenant_id = $3 AND user_id = $4
        AND decline_reason = 'notMe')";

impl Store {
    /// Expires the user's open (unanswered, unexpired) challenges now; returns how many.
    pub async fn expire_open_challenges(
        &self,
        tenant_id: &str,
        user_id: &str,
        now: i64,
    ) -> Result<u64, Error> {
        const SQL: &str =
            "UPDATE challenges SET expires_at = $1 WHERE tenant_id = $2 AND user_id = $3
                 AND answered_at IS NULL AND expires_at > $1";
        with_conn!(
            self,
            |conn| {
                Ok(sqlx::query(SQL)
                    .bind(now)
                    .bind(tenant_id)
                    .bind(user_id)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected())
            },
            |conn| sqlite::execute(conn, SQL, &[&now, &tenant_id, &user_id])
        )
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
        const INSERT_CHALLENGE: &str =
            "INSERT INTO challenges (id, tenant_id, user_id, idempotency_key, action_code,
                     authenticator_id, verification_code, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                 RETURNING *";
        with_conn!(
            self,
            |conn| {
                let mut tx = conn.begin().await?;
                // 0. One challenge creation at a time per user, on every server.
                tx.lock_key(&format!("user/{}/{}", tenant.id, action.user_id))
                    .await?;
                // 1. Push-fatigue limits, read in the same transaction as the insert (one query).
                let (open, recent, last_not_me): (i64, i64, Option<i64>) =
                    sqlx::query_as(CHALLENGE_COUNTS)
                        .bind(now)
                        .bind(now.saturating_sub(duration_ms(limits.window)))
                        .bind(&tenant.id)
                        .bind(&action.user_id)
                        .bind(i64::from(limits.max_open_challenges))
                        .bind(i64::from(limits.max_recent_challenges))
                        .fetch_one(&mut *tx)
                        .await?;
                let counts = ChallengeCounts {
                    open,
                    recent,
                    last_not_me,
                };
                check_challenge_limits(counts, limits, now)?;
                // 2. The challenge itself.
                let expires_at =
                    now.saturating_add(duration_ms(tenant.settings.challenge_lifetime));
                let challenge = sqlx::query_as::<_, Challenge>(INSERT_CHALLENGE)
                    .bind(new_id())
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
                Ok(challenge)
            },
            |conn| {
                let tx = conn.transaction()?;
                // 1. Push-fatigue limits, read in the same transaction as the insert (one query).
                let counts = sqlite::one(
                    &tx,
                    CHALLENGE_COUNTS,
                    &[
                        &now,
                        &now.saturating_sub(duration_ms(limits.window)),
                        &tenant.id,
                        &action.user_id,
                        &i64::from(limits.max_open_challenges),
                        &i64::from(limits.max_recent_challenges),
                    ],
                    |row| {
                        Ok(ChallengeCounts {
                            open: row.get(0)?,
                            recent: row.get(1)?,
                            last_not_me: row.get(2)?,
                        })
                    },
                )?;
                check_challenge_limits(counts, limits, now)?;
                // 2. The challenge itself.
                let expires_at =
                    now.saturating_add(duration_ms(tenant.settings.challenge_lifetime));
                let challenge = sqlite::one(
                    &tx,
                    INSERT_CHALLENGE,
                    &[
                        &new_id(),
                        &tenant.id,
                        &action.user_id,
                        &action.idempotency_key,
                        &action.action_code,
                        &authenticator_id,
                        &verification_code,
                        &now,
                        &expires_at,
                    ],
                    Challenge::from_sqlite,
                )?;
                tx.commit()?;
                Ok(challenge)
            }
        )
    }

    /// The challenge with this id in this tenant.
    pub async fn challenge(
        &self,
        tenant_id: &str,
        challenge_id: &str,
    ) -> Result<Option<Challenge>, Error> {
        with_conn!(
            self,
            |conn| {
                Ok(sqlx::query_as::<_, Challenge>(CHALLENGE_BY_ID)
                    .bind(tenant_id)
                    .bind(challenge_id)
                    .fetch_optional(&mut *conn)
                    .await?)
            },
            |conn| {
                sqlite::optional(
                    conn,
                    CHALLENGE_BY_ID,
                    &[&tenant_id, &challenge_id],
                    Challenge::from_sqlite,
                )
            }
        )
    }

    /// The oldest unanswered, unexpired challenge `authenticator` may answer.
    pub async fn pending_challenge(
        &self,
        authenticator: &Authenticator,
        now: i64,
    ) -> Result<Option<Challenge>, Error> {
        const SQL: &str = "SELECT * FROM challenges WHERE tenant_id = $1 AND user_id = $2
                 AND (authenticator_id IS NULL OR authenticator_id = $3)
                 AND answered_at IS NULL AND expires_at > $4
                 ORDER BY created_at, id LIMIT 1";
        with_conn!(
            self,
            |conn| {
                Ok(sqlx::query_as::<_, Challenge>(SQL)
                    .bind(&authenticator.tenant_id)
                    .bind(&authenticator.user_id)
                    .bind(&authenticator.id)
                    .bind(now)
                    .fetch_optional(&mut *conn)
                    .await?)
            },
            |conn| {
                sqlite::optional(
                    conn,
                    SQL,
                    &[
                        &authenticator.tenant_id,
                        &authenticator.user_id,
                        &authenticator.id,
                        &now,
                    ],
                    Challenge::from_sqlite,
                )
            }
        )
    }

    /// Records a device's answer, atomically: of concurrent answers to one challenge exactly
    /// one is recorded (a conditional update claims it); the others get
    /// `challenge_already_answered`. Returns the answered challenge (its `approved` tells
    /// whether the action succeeded).
    pub async fn answer_challenge(
        &self,
        answer: &Answer<'_>,
        now: i64,
    ) -> Result<Challenge, Error> {
        with_conn!(
            self,
            |conn| {
                let mut tx = conn.begin().await?;
                // 1. The challenge must exist, be addressed to this authenticator, be open and live.
                let challenge = sqlx::query_as::<_, Challenge>(CHALLENGE_BY_ID)
                    .bind(&answer.authenticator.tenant_id)
                    .bind(answer.challenge_id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .filter(|c| c.is_for(answer.authenticator))
                    .ok_or(Error::ChallengeNotFound)?;
                check_answerable(challenge.answered_at, challenge.expires_at, now)?;
                // 2. Number matching (8.3) and the decline reason (8.4).
                let outcome = outcome(
                    challenge.verification_code.as_deref(),
                    answer.approved,
                    answer.verification_code,
                    answer.decline_reason,
                );
                // 3. Claim the challenge; the WHERE clause makes the first answer the only one.
                let answered = sqlx::query_as::<_, Challenge>(RECORD_ANSWER)
                    .bind(now)
                    .bind(&answer.authenticator.id)
                    .bind(outcome.succeeded)
                    .bind(outcome.decline_reason)
                    .bind(&challenge.id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or(Error::ChallengeAlreadyAnswered)?;
                // 4. The action's state (and decline reason, 8.4), and the authenticator's use.
                sqlx::query(SETTLE_ACTION)
                    .bind(outcome.state.as_str())
                    .bind(now)
                    .bind(outcome.output())
                    .bind(&challenge.tenant_id)
                    .bind(&challenge.idempotency_key)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(MARK_VERIFIED)
                    .bind(now)
                    .bind(&answer.authenticator.id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(answered)
            },
            |conn| answer_challenge_sqlite(conn, answer, now)
        )
    }
}

/// [`Store::answer_challenge`]'s transaction on SQLite.
fn answer_challenge_sqlite(
    conn: &mut rusqlite::Connection,
    answer: &Answer<'_>,
    now: i64,
) -> Result<Challenge, Error> {
    let tx = conn.transaction()?;
    // 1. The challenge must exist, be addressed to this authenticator, be open and live.
    let challenge = sqlite::optional(
        &tx,
        CHALLENGE_BY_ID,
        &[&answer.authenticator.tenant_id, &answer.challenge_id],
        Challenge::from_sqlite,
    )?
    .filter(|c| c.is_for(answer.authenticator))
    .ok_or(Error::ChallengeNotFound)?;
    check_answerable(challenge.answered_at, challenge.expires_at, now)?;
    // 2. Number matching (8.3) and the decline reason (8.4).
    let outcome = outcome(
        challenge.verification_code.as_deref(),
        answer.approved,
        answer.verification_code,
        answer.decline_reason,
    );
    // 3. Claim the challenge; the WHERE clause makes the first answer the only one.
    let answered = sqlite::optional(
        &tx,
        RECORD_ANSWER,
        &[
            &now,
            &answer.authenticator.id,
            &outcome.succeeded,
            &outcome.decline_reason,
            &challenge.id,
        ],
        Challenge::from_sqlite,
    )?
    .ok_or(Error::ChallengeAlreadyAnswered)?;
    // 4. The action's state (and decline reason, 8.4), and the authenticator's use.
    sqlite::execute(
        &tx,
        SETTLE_ACTION,
        &[
            &outcome.state.as_str(),
            &now,
            &outcome.output(),
            &challenge.tenant_id,
            &challenge.idempotency_key,
        ],
    )?;
    sqlite::execute(&tx, MARK_VERIFIED, &[&now, &answer.authenticator.id])?;
    tx.commit()?;
    Ok(answered)
}
