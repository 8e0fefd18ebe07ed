//! The admins' overview: the token estate counted in a handful of aggregate queries. The
//! groups match the report's presets of the same names (`report_sql`), so a tile's count is
//! the number of tokens its report lists.

use super::report_sql::DAY;
use super::rows::EstateRow;
use super::statement::Statement;
use super::{from_db, to_db, Backend, SqlStore};
use app::dashboard::{DayChecks, EstateCounts};
use app::store::{EstateStore, StoreResult, WeekCount};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

const WEEK: i64 = 7 * DAY;

/// Kinds of row in the weekly activity query.
const CREATED: i64 = 0;
const EXPIRED: i64 = 1;

#[async_trait::async_trait]
impl<DB: Backend> EstateStore for SqlStore<DB> {
    async fn estate_counts(&self, now: DateTime<Utc>) -> StoreResult<EstateCounts> {
        let now = to_db(now);
        let row: EstateRow = Statement::new(
            "SELECT COUNT(*) AS active,
               COUNT(CASE WHEN t.expires_at <= $1 THEN 1 END) AS expiring_within_7_days,
               COUNT(CASE WHEN t.expires_at <= $2 THEN 1 END) AS expiring_within_30_days,
               COUNT(CASE WHEN t.expires_at IS NULL THEN 1 END) AS never_expiring,
               COUNT(CASE WHEN t.last_used_at IS NULL THEN 1 END) AS never_used,
               COUNT(CASE WHEN COALESCE(t.last_used_at, t.created_at) <= $3 THEN 1 END)
                 AS unused_for_90_days,
               COUNT(CASE WHEN NOT u.login_active OR NOT u.is_current THEN 1 END)
                 AS of_inactive_users
             FROM access_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.expired_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $4)
               AND (t.deactivated_until IS NULL OR t.deactivated_until <= $4)",
        )
        .bind(now + 7 * DAY)
        .bind(now + 30 * DAY)
        .bind(now - 90 * DAY)
        .bind(now)
        .fetch_optional(DB::on_pool(&self.pool))
        .await?
        .unwrap_or_default();
        Ok(row.into())
    }

    async fn weekly_activity(
        &self,
        since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<WeekCount>> {
        // A token ends when it is expired by hand or when its time runs out, whichever came
        // first; expiring by hand is only possible before the time runs out.
        let rows: Vec<(i64, i64, i64)> = Statement::new(format!(
            "SELECT CAST({CREATED} AS BIGINT) AS kind, (created_at - $1) / {WEEK} AS week,
                    COUNT(*) AS tokens
             FROM access_tokens WHERE created_at >= $1 AND created_at <= $2 GROUP BY 2
             UNION ALL
             SELECT CAST({EXPIRED} AS BIGINT), (COALESCE(expired_at, expires_at) - $1) / {WEEK},
                    COUNT(*)
             FROM access_tokens
             WHERE COALESCE(expired_at, expires_at) >= $1
               AND COALESCE(expired_at, expires_at) <= $2
             GROUP BY 2"
        ))
        .bind(to_db(since))
        .bind(to_db(now))
        .fetch_all(DB::on_pool(&self.pool))
        .await?;
        let mut weeks: BTreeMap<i64, WeekCount> = BTreeMap::new();
        for (kind, week, tokens) in rows {
            let count = weeks.entry(week).or_insert(WeekCount {
                week,
                created: 0,
                expired: 0,
            });
            if kind == CREATED {
                count.created = tokens as u64;
            } else {
                count.expired = tokens as u64;
            }
        }
        Ok(weeks.into_values().collect())
    }

    async fn daily_checks(&self, since: DateTime<Utc>) -> StoreResult<Vec<DayChecks>> {
        // PostgreSQL sums BIGINTs into NUMERIC.
        let rows: Vec<(i64, i64, i64)> = Statement::new(
            "SELECT day, CAST(SUM(succeeded) AS BIGINT), CAST(SUM(refused) AS BIGINT)
             FROM token_checks WHERE day >= $1 GROUP BY day ORDER BY day",
        )
        .bind(to_db(since))
        .fetch_all(DB::on_pool(&self.pool))
        .await?;
        Ok(rows
            .into_iter()
            .map(|(day, succeeded, refused)| DayChecks {
                day: from_db(day),
                succeeded: succeeded.max(0) as u64,
                refused: refused.max(0) as u64,
            })
            .collect())
    }
}
