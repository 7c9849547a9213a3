//! Moving an SQLite deployment to PostgreSQL (`signet-server migrate --from PATH --to
//! postgres://...`): every row of every table, copied in one PostgreSQL transaction into a
//! database that holds no tenant yet.

use std::path::Path;

use sqlx::{Connection as _, Row as _};

use super::backend::{Backend, Database, sqlite_options};
use crate::Error;

/// The tables, parents before children (the order the foreign keys need).
const TABLES: [&str; 6] = [
    "tenants",
    "authenticators",
    "actions",
    "challenges",
    "nonces",
    "enrollment_tokens",
];

/// How many rows of each table were copied, in the order of [`TABLES`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied(pub Vec<(&'static str, u64)>);

impl std::fmt::Display for Copied {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|(table, rows)| format!("{table} {rows}"))
            .collect();
        f.write_str(&parts.join(", "))
    }
}

fn refused(reason: String) -> Error {
    Error::Io(std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        reason,
    ))
}

/// Copies the SQLite database at `from` (brought up to date first) into the PostgreSQL
/// database at `to` (its schema made first). Refused, changing nothing, when `from` does not
/// exist or `to` already holds a tenant. The columns copied are those of the PostgreSQL
/// schema, read from SQLite by the same names, so both schemas must be at the same version
/// (each is migrated to the latest first). All or nothing: one transaction.
pub async fn copy_sqlite_to_postgres(from: &Path, to: &str) -> Result<Copied, Error> {
    if !from.is_file() {
        return Err(refused(format!(
            "there is no SQLite database at {}",
            from.display()
        )));
    }
    // Opening the store brings the file's schema up to date; the rows are then read with a
    // connection of their own.
    Backend::open(&Database::Sqlite(from.to_path_buf()))
        .await?
        .close()
        .await;
    let mut source = sqlx::SqliteConnection::connect_with(&sqlite_options(from)?).await?;
    let target = Backend::open(&Database::Postgres(to.to_owned())).await?;
    let result = copy(&mut source, &target).await;
    let _ = source.close().await;
    target.close().await;
    result
}

async fn copy(source: &mut sqlx::SqliteConnection, target: &Backend) -> Result<Copied, Error> {
    let Backend::Postgres(pool) = target else {
        return Err(refused(
            "migrate copies from SQLite to PostgreSQL".to_owned(),
        ));
    };
    let mut pg = pool.acquire().await?;
    async {
        let mut tx = pg.begin().await?;
        let tenants: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tenants")
            .fetch_one(&mut *tx)
            .await?;
        if tenants > 0 {
            return Err(refused(
                "the PostgreSQL database already holds tenants; migrate copies into an empty one"
                    .to_owned(),
            ));
        }
        let mut copied = Vec::new();
        for table in TABLES {
            let columns: Vec<(String, String)> = sqlx::query_as(
                "SELECT column_name::text, data_type::text FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name = $1
                 ORDER BY ordinal_position",
            )
            .bind(table)
            .fetch_all(&mut *tx)
            .await?;
            let names: Vec<&str> = columns.iter().map(|(name, _)| name.as_str()).collect();
            let placeholders: Vec<String> = (1..=names.len()).map(|i| format!("${i}")).collect();
            let insert = format!(
                "INSERT INTO {table} ({}) VALUES ({})",
                names.join(", "),
                placeholders.join(", ")
            );
            let rows = sqlx::query(&format!("SELECT {} FROM {table}", names.join(", ")))
                .fetch_all(&mut *source)
                .await?;
            for row in &rows {
                let mut query = sqlx::query(&insert);
                for (i, (name, kind)) in columns.iter().enumerate() {
                    query = match kind.as_str() {
                        "bigint" => query.bind(row.try_get::<Option<i64>, _>(i)?),
                        "boolean" => query.bind(row.try_get::<Option<bool>, _>(i)?),
                        "text" => query.bind(row.try_get::<Option<String>, _>(i)?),
                        "bytea" => query.bind(row.try_get::<Option<Vec<u8>>, _>(i)?),
                        other => {
                            return Err(refused(format!(
                                "migrate does not know the column type {other} of {table}.{name}"
                            )));
                        }
                    };
                }
                query.execute(&mut *tx).await?;
            }
            copied.push((table, u64::try_from(rows.len()).unwrap_or(u64::MAX)));
        }
        tx.commit().await?;
        Ok(Copied(copied))
    }
    .await
}
