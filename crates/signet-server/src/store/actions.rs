//! Actions: one `track` call each (5.1), their state, and validate-once (5.3).

use serde_json::Value;
use signet_protocol::ActionState;
use sqlx::Connection as _;

use super::backend::KeyLock as _;
use super::rules::{check_open_actions, check_same_action};
use super::sqlite;
use super::{Store, with_conn};
use crate::Error;

/// A tenant's open actions, counted up to the cap.
const OPEN_ACTIONS: &str = "SELECT COUNT(*) FROM (SELECT 1 FROM actions WHERE tenant_id = $1
                     AND state = $2 AND created_at > $3 LIMIT $4) AS open";
/// Whether a tenant already has an action with this idempotency key.
const ACTION_EXISTS: &str = "SELECT 1 FROM actions WHERE tenant_id = $1 AND idempotency_key = $2";
/// A new action.
const INSERT_ACTION: &str =
    "INSERT INTO actions (tenant_id, idempotency_key, user_id, action_code, state,
                     created_at, state_updated_at, ip_address, user_agent, device_id, custom,
                     number_matching)
                 VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9, $10, $11)
                 ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
                 RETURNING *";
/// A tenant's action by its idempotency key.
const ACTION_BY_KEY: &str = "SELECT * FROM actions WHERE tenant_id = $1 AND idempotency_key = $2";

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
    /// The row as SQLite returns it (`SELECT *` or `RETURNING *`).
    fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            tenant_id: row.get("tenant_id")?,
            idempotency_key: row.get("idempotency_key")?,
            user_id: row.get("user_id")?,
            action_code: row.get("action_code")?,
            state: row.get("state")?,
            created_at: row.get("created_at")?,
            state_updated_at: row.get("state_updated_at")?,
            ip_address: row.get("ip_address")?,
            user_agent: row.get("user_agent")?,
            device_id: row.get("device_id")?,
            custom: row.get("custom")?,
            number_matching: row.get("number_matching")?,
            verification_method: row.get("verification_method")?,
            output: row.get("output")?,
            validated_at: row.get("validated_at")?,
        })
    }

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

impl Store {
    /// Creates an action in state `CHALLENGE_REQUIRED`, or returns the one with the same
    /// idempotency key (which must be for the same user and action code).
    pub async fn track(&self, tenant_id: &str, new: NewAction, now: i64) -> Result<Action, Error> {
        let custom = new.custom.as_ref().map(Value::to_string);
        let row = with_conn!(
            self,
            |conn| {
                // In a transaction even though it is one statement: sqlx stops reading at the
                // RETURNING row, so the error of an autocommit that fails after it (a read-only
                // disk) would be lost, and the write acknowledged but never stored.
                let mut tx = conn.begin().await?;
                // 0. The tenant's cap on open actions (a retry of an existing key passes).
                if let Some(cap) = new.open_cap {
                    tx.lock_key(&format!("actions/{tenant_id}")).await?;
                    let open: i64 = sqlx::query_scalar(OPEN_ACTIONS)
                        .bind(tenant_id)
                        .bind(ActionState::ChallengeRequired.as_str())
                        .bind(cap.since)
                        .bind(i64::from(cap.max))
                        .fetch_one(&mut *tx)
                        .await?;
                    if check_open_actions(open, cap.max).is_err() {
                        let exists: Option<i32> = sqlx::query_scalar(ACTION_EXISTS)
                            .bind(tenant_id)
                            .bind(&new.idempotency_key)
                            .fetch_optional(&mut *tx)
                            .await?;
                        if exists.is_none() {
                            check_open_actions(open, cap.max)?;
                        }
                    }
                }
                // 1. A new action, unless one with this idempotency key exists.
                let inserted = sqlx::query_as::<_, ActionRow>(INSERT_ACTION)
                    .bind(tenant_id)
                    .bind(&new.idempotency_key)
                    .bind(&new.user_id)
                    .bind(&new.action_code)
                    .bind(ActionState::ChallengeRequired.as_str())
                    .bind(now)
                    .bind(&new.ip_address)
                    .bind(&new.user_agent)
                    .bind(&new.device_id)
                    .bind(custom)
                    .bind(new.number_matching)
                    .fetch_optional(&mut *tx)
                    .await?;
                // 2. Or the existing one.
                let row = match inserted {
                    Some(row) => row,
                    None => {
                        sqlx::query_as::<_, ActionRow>(ACTION_BY_KEY)
                            .bind(tenant_id)
                            .bind(&new.idempotency_key)
                            .fetch_one(&mut *tx)
                            .await?
                    }
                };
                tx.commit().await?;
                Ok(row)
            },
            |conn| track_sqlite(conn, tenant_id, &new, custom.as_deref(), now)
        )?;
        // 3. An existing one must be for the same user and action code.
        check_same_action(
            (&row.user_id, &row.action_code),
            (&new.user_id, &new.action_code),
        )?;
        Ok(row.into_action())
    }

    /// The action with this idempotency key.
    pub async fn action(
        &self,
        tenant_id: &str,
        idempotency_key: &str,
    ) -> Result<Option<Action>, Error> {
        let row = with_conn!(
            self,
            |conn| {
                Ok(sqlx::query_as::<_, ActionRow>(ACTION_BY_KEY)
                    .bind(tenant_id)
                    .bind(idempotency_key)
                    .fetch_optional(&mut *conn)
                    .await?)
            },
            |conn| {
                sqlite::optional(
                    conn,
                    ACTION_BY_KEY,
                    &[&tenant_id, &idempotency_key],
                    ActionRow::from_sqlite,
                )
            }
        )?;
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
        const SQL: &str = "UPDATE actions SET state = $1, state_updated_at = $2
                 WHERE tenant_id = $3 AND idempotency_key = $4";
        let updated = with_conn!(
            self,
            |conn| {
                Ok(sqlx::query(SQL)
                    .bind(state.as_str())
                    .bind(now)
                    .bind(tenant_id)
                    .bind(idempotency_key)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected())
            },
            |conn| {
                sqlite::execute(
                    conn,
                    SQL,
                    &[&state.as_str(), &now, &tenant_id, &idempotency_key],
                )
            }
        )?;
        Ok(updated == 1)
    }

    /// Marks a succeeded action validated. `true` only the first time, and only in
    /// `CHALLENGE_SUCCEEDED`: one conditional update, so of concurrent validations exactly
    /// one sees `true`.
    pub async fn validate_once(
        &self,
        tenant_id: &str,
        idempotency_key: &str,
        now: i64,
    ) -> Result<bool, Error> {
        const SQL: &str = "UPDATE actions SET validated_at = $1 WHERE tenant_id = $2
                 AND idempotency_key = $3 AND state = $4 AND validated_at IS NULL";
        let updated = with_conn!(
            self,
            |conn| {
                Ok(sqlx::query(SQL)
                    .bind(now)
                    .bind(tenant_id)
                    .bind(idempotency_key)
                    .bind(ActionState::ChallengeSucceeded.as_str())
                    .execute(&mut *conn)
                    .await?
                    .rows_affected())
            },
            |conn| {
                sqlite::execute(
                    conn,
                    SQL,
                    &[
                        &now,
                        &tenant_id,
                        &idempotency_key,
                        &ActionState::ChallengeSucceeded.as_str(),
                    ],
                )
            }
        )?;
        Ok(updated == 1)
    }
}

/// [`Store::track`]'s transaction on SQLite.
fn track_sqlite(
    conn: &mut rusqlite::Connection,
    tenant_id: &str,
    new: &NewAction,
    custom: Option<&str>,
    now: i64,
) -> Result<ActionRow, Error> {
    // In a transaction, as every write with `RETURNING` (see `sqlite::optional`).
    let tx = conn.transaction()?;
    // 0. The tenant's cap on open actions (a retry of an existing key passes).
    if let Some(cap) = new.open_cap {
        let open: i64 = sqlite::one(
            &tx,
            OPEN_ACTIONS,
            &[
                &tenant_id,
                &ActionState::ChallengeRequired.as_str(),
                &cap.since,
                &i64::from(cap.max),
            ],
            |row| row.get(0),
        )?;
        if check_open_actions(open, cap.max).is_err() {
            let exists = sqlite::optional(
                &tx,
                ACTION_EXISTS,
                &[&tenant_id, &new.idempotency_key],
                |_| Ok(()),
            )?;
            if exists.is_none() {
                check_open_actions(open, cap.max)?;
            }
        }
    }
    // 1. A new action, unless one with this idempotency key exists.
    let inserted = sqlite::optional(
        &tx,
        INSERT_ACTION,
        &[
            &tenant_id,
            &new.idempotency_key,
            &new.user_id,
            &new.action_code,
            &ActionState::ChallengeRequired.as_str(),
            &now,
            &new.ip_address,
            &new.user_agent,
            &new.device_id,
            &custom,
            &new.number_matching,
        ],
        ActionRow::from_sqlite,
    )?;
    // 2. Or the existing one.
    let row = match inserted {
        Some(row) => row,
        None => sqlite::one(
            &tx,
            ACTION_BY_KEY,
            &[&tenant_id, &new.idempotency_key],
            ActionRow::from_sqlite,
        )?,
    };
    tx.commit()?;
    Ok(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_state_reads_back_as_itself() {
        for state in [
            ActionState::Allow,
            ActionState::Block,
            ActionState::ChallengeRequired,
            ActionState::ChallengeSucceeded,
            ActionState::ChallengeFailed,
            ActionState::ReviewRequired,
            ActionState::ReviewSucceeded,
            ActionState::ReviewFailed,
        ] {
            assert_eq!(parse_state(state.as_str()), state);
        }
    }
}
