//! The System Users report: its pages, subtables and CSV export (SQL in `report_sql`).

use super::report_sql::*;
use super::rows::{ExportDbRow, ReportUserRow, TokenRow, TOKEN_COLUMNS};
use super::statement::Statement;
use super::tokens::expire_listed;
use super::{to_db, Backend, SqlStore};
use crate::changes::Change;
use app::report::ReportQuery;
use app::store::{
    Audit, ExportRow, ExportStream, MatchingExpiry, ReportStore, ReportUser, StoreResult, TokenId,
    TokenRecord, UserId,
};
use chrono::{DateTime, Utc};
use futures::StreamExt;

#[async_trait::async_trait]
impl<DB: Backend> ReportStore for SqlStore<DB> {
    async fn report_users(
        &self,
        query: &ReportQuery,
        now: DateTime<Utc>,
    ) -> StoreResult<(Vec<ReportUser>, u64)> {
        let now = to_db(now);

        let mut count = Statement::<DB>::new("SELECT COUNT(*) FROM users u");
        push_user_selection(&mut count, query, now);
        let total: i64 = count.fetch_value(DB::on_pool(&self.pool)).await?;

        let mut page = Statement::<DB>::new(format!("SELECT {USER_COLUMNS}, "));
        push_active_count(&mut page, now);
        page.push(" AS active_tokens FROM users u");
        push_user_selection(&mut page, query, now);
        push_user_order(&mut page, query, now);
        page.push(" LIMIT ");
        page.push_bind(i64::from(query.per_page));
        page.push(" OFFSET ");
        page.push_bind(i64::from(query.page.saturating_sub(1)) * i64::from(query.per_page));
        let rows: Vec<ReportUserRow> = page.fetch_all(DB::on_pool(&self.pool)).await?;
        Ok((rows.into_iter().map(Into::into).collect(), total as u64))
    }

    async fn report_tokens(
        &self,
        users: &[UserId],
        query: &ReportQuery,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<TokenRecord>> {
        if users.is_empty() {
            return Ok(Vec::new());
        }
        let now = to_db(now);
        let mut select = Statement::<DB>::new(format!(
            "SELECT {TOKEN_COLUMNS} FROM access_tokens t JOIN users u ON u.id = t.user_id
             LEFT JOIN users eb ON eb.id = t.expired_by WHERE t.user_id IN "
        ));
        select.push_list(users.iter().copied());
        push_subtable_conditions(&mut select, query, now);
        select.push(" ORDER BY ");
        push_token_order(&mut select, query, now);
        let rows: Vec<TokenRow> = select.fetch_all(DB::on_pool(&self.pool)).await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn count_active_report_tokens(
        &self,
        query: &ReportQuery,
        now: DateTime<Utc>,
    ) -> StoreResult<u64> {
        let count: i64 = active_report_tokens::<DB>("COUNT(*)", query, now)
            .fetch_value(DB::on_pool(&self.pool))
            .await?;
        Ok(count as u64)
    }

    async fn expire_report_tokens(
        &self,
        query: &ReportQuery,
        expected: u64,
        audit: &Audit,
    ) -> StoreResult<MatchingExpiry> {
        let select = active_report_tokens::<DB>("t.id", query, audit.at);
        let audit = audit.clone();
        self.write(
            |db| {
                Box::pin(async move {
                    let ids: Vec<(i64,)> = select.fetch_all(DB::on_connection(&mut *db)).await?;
                    if ids.len() as u64 != expected {
                        return Ok(MatchingExpiry::CountChanged(ids.len() as u64));
                    }
                    let ids: Vec<TokenId> = ids.into_iter().map(|(id,)| id).collect();
                    let expired = expire_listed::<DB>(db, &ids, &audit).await?;
                    Ok(MatchingExpiry::Expired(expired))
                })
            },
            |done: &MatchingExpiry| {
                matches!(done, MatchingExpiry::Expired(n) if *n > 0).then_some(Change::AllTokens)
            },
        )
        .await
    }

    fn export_rows(&self, query: ReportQuery, now: DateTime<Utc>) -> ExportStream<'_> {
        let now = to_db(now);
        let mut select = Statement::<DB>::new(format!("SELECT {USER_COLUMNS}, "));
        push_active_count(&mut select, now);
        select.push(format!(
            " AS active_tokens, {EXPORT_TOKEN_COLUMNS}
             FROM users u LEFT JOIN access_tokens t ON t.user_id = u.id"
        ));
        push_subtable_conditions(&mut select, &query, now);
        select.push(" LEFT JOIN users eb ON eb.id = t.expired_by");
        push_user_selection(&mut select, &query, now);
        push_user_order(&mut select, &query, now);
        select.push(", ");
        push_token_order(&mut select, &query, now);
        select
            .fetch::<ExportDbRow>(DB::on_pool(&self.pool))
            .map(|row| row.map(ExportRow::from))
            .boxed()
    }
}

/// `SELECT what` over the active tokens of every page of the report. A token meeting the
/// subtable's conditions always has its user in the report, so no user condition is needed.
fn active_report_tokens<DB: Backend>(
    what: &str,
    query: &ReportQuery,
    now: DateTime<Utc>,
) -> Statement<DB> {
    let now = to_db(now);
    let mut select = Statement::new(format!(
        "SELECT {what} FROM access_tokens t JOIN users u ON u.id = t.user_id WHERE TRUE"
    ));
    push_subtable_conditions(&mut select, query, now);
    push_active(&mut select, "t", now);
    select
}

/// A token's columns in an export line, named apart from the user's.
const EXPORT_TOKEN_COLUMNS: &str =
    "t.id AS token_id, t.label, t.description, t.hint, t.created_at, \
     t.expires_at, t.expired_at, eb.display_name AS expired_by, t.expired_unused_days, \
     t.expired_leaked, t.last_used_at, t.last_used_ip, t.deactivated_until, (SELECT string_agg(p.permission, ' ' ORDER BY p.position) \
     FROM token_permissions p WHERE p.token_id = t.id) AS permissions, t.ip_whitelist, \
     t.domain_whitelist, (SELECT string_agg(a.ip, ' ' ORDER BY a.last_used_at DESC, a.ip) \
     FROM token_addresses a WHERE a.token_id = t.id) AS recent_ips";
