//! PostgreSQL: for any number of instances on one database, or for teams that run one.

use super::backend::Backend;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgQueryResult};
use sqlx::{Database, Executor, PgConnection, PgPool, Pool, Postgres};

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/postgres");

/// Connects to an existing database and applies the migrations.
pub async fn connect(options: PgConnectOptions) -> Result<PgPool, sqlx::Error> {
    let pool = PgPoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await?;
    MIGRATOR.run(&pool).await?;
    Ok(pool)
}

impl Backend for Postgres {
    const NOTIFY: Option<&'static str> = Some(crate::changes::postgres::NOTIFY);

    fn on_pool(pool: &Pool<Self>) -> impl Executor<'_, Database = Self> {
        pool
    }

    fn on_connection(connection: &mut PgConnection) -> impl Executor<'_, Database = Self> {
        connection
    }

    fn rows_affected(done: &PgQueryResult) -> u64 {
        done.rows_affected()
    }

    fn shorten<'q>(arguments: <Self as Database>::Arguments<'static>) -> Self::Arguments<'q> {
        arguments
    }
}
