//! `SqlStore`: the app's store on one sqlx pool, for any `Backend`. Each role's queries live
//! in a file of their own; this file holds what they share, and `write`, the one place where
//! a write announces the change it makes to every instance.

use super::backend::Backend;
use super::backend_error;
use super::statement::Statement;
use crate::changes::{Change, ChangeFeed};
use app::store::StoreResult;
use futures::future::BoxFuture;
use sqlx::Pool;
use std::sync::Arc;

pub(crate) struct SqlStore<DB: Backend> {
    pub(super) pool: Pool<DB>,
    changes: Arc<ChangeFeed>,
}

impl<DB: Backend> SqlStore<DB> {
    pub fn new(pool: Pool<DB>, changes: Arc<ChangeFeed>) -> Self {
        Self { pool, changes }
    }

    /// Runs `statements` in one transaction. When `change` finds that they changed what
    /// another request would be answered, the change is sent inside the same transaction
    /// (other instances hear it only if it commits), and `write` returns once every instance
    /// has applied it.
    pub(super) async fn write<T, F>(
        &self,
        statements: F,
        change: impl FnOnce(&T) -> Option<Change> + Send,
    ) -> StoreResult<T>
    where
        T: Send,
        F: for<'c> FnOnce(&'c mut DB::Connection) -> BoxFuture<'c, StoreResult<T>> + Send,
    {
        let mut tx = self.pool.begin().await.map_err(backend_error)?;
        let written = statements(&mut *tx).await?;
        let Some(change) = change(&written) else {
            tx.commit().await.map_err(backend_error)?;
            return Ok(written);
        };
        let outgoing = self.changes.prepare(change);
        if let Some(notify) = DB::NOTIFY {
            Statement::<DB>::new(notify)
                .bind(outgoing.text().to_owned())
                .execute(DB::on_connection(&mut tx))
                .await?;
        }
        tx.commit().await.map_err(backend_error)?;
        outgoing.delivered().await;
        Ok(written)
    }
}
