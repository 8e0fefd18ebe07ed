//! Failed sign-ins, counted where every instance sees them.

use super::rows::SignInFailuresRow;
use super::statement::Statement;
use super::{to_db, Backend, SqlStore};
use app::store::{SignInFailures, StoreResult, ThrottleStore};
use chrono::{DateTime, Utc};

#[async_trait::async_trait]
impl<DB: Backend> ThrottleStore for SqlStore<DB> {
    async fn sign_in_failures(&self, subjects: &[String]) -> StoreResult<Vec<SignInFailures>> {
        let mut select = Statement::<DB>::new(
            "SELECT subject, failures, last_failure_at FROM sign_in_failures WHERE subject IN ",
        );
        select.push_list(subjects.iter().cloned());
        let rows: Vec<SignInFailuresRow> = select.fetch_all(DB::on_pool(&self.pool)).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn record_sign_in_failure(
        &self,
        subjects: &[String],
        at: DateTime<Utc>,
        forgotten_before: DateTime<Utc>,
    ) -> StoreResult<()> {
        // One statement per subject, each atomic: concurrent failures on any instance all
        // count.
        for subject in subjects {
            Statement::new(
                "INSERT INTO sign_in_failures (subject, failures, last_failure_at)
                 VALUES ($1, 1, $2)
                 ON CONFLICT (subject) DO UPDATE SET
                     failures = CASE WHEN sign_in_failures.last_failure_at < $3 THEN 1
                                     ELSE sign_in_failures.failures + 1 END,
                     last_failure_at = $2",
            )
            .bind(subject.clone())
            .bind(to_db(at))
            .bind(to_db(forgotten_before))
            .execute(DB::on_pool(&self.pool))
            .await?;
        }
        Ok(())
    }

    async fn clear_sign_in_failures(&self, subject: &str) -> StoreResult<()> {
        Statement::new("DELETE FROM sign_in_failures WHERE subject = $1")
            .bind(subject.to_owned())
            .execute(DB::on_pool(&self.pool))
            .await?;
        Ok(())
    }

    async fn purge_sign_in_failures(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        Statement::new("DELETE FROM sign_in_failures WHERE last_failure_at < $1")
            .bind(to_db(before))
            .execute(DB::on_pool(&self.pool))
            .await
    }
}
