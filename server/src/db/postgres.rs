//! PostgreSQL: for any number of instances on one database, or for teams that run one.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

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

super::sql_store::sql_store!(
    PgStore,
    sqlx::Postgres,
    Some(crate::changes::postgres::NOTIFY)
);
