//! SQLite, embedded: the default store.

use super::backend::Backend;
use sqlx::sqlite::{
    SqliteArguments, SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteQueryResult,
    SqliteSynchronous,
};
use sqlx::{Executor, Pool, Sqlite, SqliteConnection, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/sqlite");

/// Opens (creating if absent) the database at `url` in WAL mode and applies the migrations.
pub async fn connect(url: &str) -> Result<SqlitePool, sqlx::Error> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    if let Some(parent) = options.get_filename().parent() {
        if !parent.as_os_str().is_empty() {
            std::fs::create_dir_all(parent).map_err(sqlx::Error::Io)?;
        }
    }
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await?;
    MIGRATOR.run(&pool).await?;
    Ok(pool)
}

impl Backend for Sqlite {
    // Changes travel in process (`ChangeFeed::in_process`): nothing to send in a transaction.
    const NOTIFY: Option<&'static str> = None;

    fn on_pool(pool: &Pool<Self>) -> impl Executor<'_, Database = Self> {
        pool
    }

    fn on_connection(connection: &mut SqliteConnection) -> impl Executor<'_, Database = Self> {
        connection
    }

    fn rows_affected(done: &SqliteQueryResult) -> u64 {
        done.rows_affected()
    }

    fn shorten<'q>(arguments: SqliteArguments<'static>) -> SqliteArguments<'q> {
        arguments
    }
}
