//! Running the store's SQL on an SQLite connection (rusqlite). The statements are the
//! PostgreSQL ones, numbered placeholders included: `$1` is, to SQLite, a parameter named
//! `$1`, and [`bind`] gives each parameter the argument its number names (as sqlx does), so
//! one `$1` may appear several times. Every statement is prepared once per connection
//! (`prepare_cached`).

use rusqlite::types::ToSql;
use rusqlite::{Connection, Row, Statement};

use crate::Error;

/// Binds `args` to `statement`'s parameters: `$n` gets `args[n - 1]`.
fn bind(statement: &mut Statement<'_>, args: &[&dyn ToSql]) -> Result<(), Error> {
    for index in 1..=statement.parameter_count() {
        let number = statement
            .parameter_name(index)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|number| number.parse::<usize>().ok())
            .and_then(|number| number.checked_sub(1));
        let arg = number
            .and_then(|number| args.get(number))
            .ok_or(Error::Sqlite(rusqlite::Error::InvalidParameterCount(
                index,
                args.len(),
            )))?;
        statement.raw_bind_parameter(index, arg)?;
    }
    Ok(())
}

/// Runs a statement that returns no rows; returns how many rows it changed.
pub(super) fn execute(conn: &Connection, sql: &str, args: &[&dyn ToSql]) -> Result<u64, Error> {
    let mut statement = conn.prepare_cached(sql)?;
    bind(&mut statement, args)?;
    let changed = statement.raw_execute()?;
    Ok(u64::try_from(changed).unwrap_or(u64::MAX))
}

/// The first row a statement returns, read by `read`, if it returns any. Only that row is
/// read: a write with `RETURNING` must run inside a transaction, whose commit reports the
/// error an autocommit after the first row would not.
pub(super) fn optional<T>(
    conn: &Connection,
    sql: &str,
    args: &[&dyn ToSql],
    read: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Option<T>, Error> {
    let mut statement = conn.prepare_cached(sql)?;
    bind(&mut statement, args)?;
    let mut rows = statement.raw_query();
    Ok(match rows.next()? {
        Some(row) => Some(read(row)?),
        None => None,
    })
}

/// The first row a statement returns, read by `read`; a statement that returns none fails.
pub(super) fn one<T>(
    conn: &Connection,
    sql: &str,
    args: &[&dyn ToSql],
    read: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<T, Error> {
    optional(conn, sql, args, read)?.ok_or(Error::Sqlite(rusqlite::Error::QueryReturnedNoRows))
}

/// Every row a statement returns, each read by `read`.
pub(super) fn all<T>(
    conn: &Connection,
    sql: &str,
    args: &[&dyn ToSql],
    mut read: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, Error> {
    let mut statement = conn.prepare_cached(sql)?;
    bind(&mut statement, args)?;
    let mut rows = statement.raw_query();
    let mut read_rows = Vec::new();
    while let Some(row) = rows.next()? {
        read_rows.push(read(row)?);
    }
    Ok(read_rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_numbered_placeholder_gets_the_argument_its_number_names_wherever_it_appears() {
        let conn = Connection::open_in_memory().expect("opens");
        let row = one(&conn, "SELECT $2, $1, $2 + $1", &[&1_i64, &10_i64], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, i64>(2)?,
            ))
        })
        .expect("runs");
        assert_eq!(row, (10, 1, 11));
    }

    #[test]
    fn a_placeholder_without_an_argument_is_an_error_not_a_null() {
        let conn = Connection::open_in_memory().expect("opens");
        let result = one(&conn, "SELECT $1, $2", &[&1_i64], |row| {
            row.get::<_, Option<i64>>(1)
        });
        assert!(result.is_err());
    }
}
