//! Expiry reminders: the tokens that may need one, and the claims that make each go out
//! once, whichever instance sends it.

use super::rows::{DisuseNoticeRow, NoticeRow};
use super::statement::Statement;
use super::{from_db, to_db, Backend, SqlStore};
use app::rules::expiry_notice::NoticeKind;
use app::store::{
    DisuseNoticeCandidate, NoticeCandidate, NoticeStore, SentNotice, StoreResult, TokenId, UserId,
};
use chrono::{DateTime, Utc};

#[async_trait::async_trait]
impl<DB: Backend> NoticeStore for SqlStore<DB> {
    async fn notice_candidates(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<NoticeCandidate>> {
        let rows: Vec<NoticeRow> = Statement::new(
            "SELECT t.id AS token_id, t.label, t.hint, t.created_at, t.expires_at,
                    u.display_name AS owner_name, u.email AS owner_email,
                    COALESCE((SELECT string_agg(n.kind, ' ') FROM token_notices n
                              WHERE n.token_id = t.id), '') AS sent
             FROM access_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.expired_at IS NULL AND t.expires_at > $1 AND t.expires_at <= $2
               AND u.login_active AND u.is_current AND u.expiry_emails AND u.email <> ''
             ORDER BY t.expires_at, t.id",
        )
        .bind(to_db(from))
        .bind(to_db(to))
        .fetch_all(DB::on_pool(&self.pool))
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn disuse_notice_candidates(
        &self,
        since: DateTime<Utc>,
    ) -> StoreResult<Vec<DisuseNoticeCandidate>> {
        let rows: Vec<DisuseNoticeRow> = Statement::new(
            "SELECT t.id AS token_id, t.label, t.hint, t.last_used_at,
                    t.expired_unused_days AS unused_days,
                    u.display_name AS owner_name, u.email AS owner_email
             FROM access_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.expired_unused_days IS NOT NULL AND t.expired_at > $1
               AND NOT EXISTS (SELECT 1 FROM token_notices n
                               WHERE n.token_id = t.id AND n.kind = $2)
               AND u.login_active AND u.is_current AND u.expiry_emails AND u.email <> ''
             ORDER BY u.id, t.id",
        )
        .bind(to_db(since))
        .bind(NoticeKind::ExpiredUnused.as_str().to_owned())
        .fetch_all(DB::on_pool(&self.pool))
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn claim_notice(
        &self,
        token_id: TokenId,
        kind: NoticeKind,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let claimed = Statement::<DB>::new(
            "INSERT INTO token_notices (token_id, kind, sent_at) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
        )
        .bind(token_id)
        .bind(kind.as_str().to_owned())
        .bind(to_db(at))
        .execute(DB::on_pool(&self.pool))
        .await?;
        Ok(claimed == 1)
    }

    async fn release_notice(&self, token_id: TokenId, kind: NoticeKind) -> StoreResult<()> {
        Statement::<DB>::new("DELETE FROM token_notices WHERE token_id = $1 AND kind = $2")
            .bind(token_id)
            .bind(kind.as_str().to_owned())
            .execute(DB::on_pool(&self.pool))
            .await?;
        Ok(())
    }

    async fn notices_of(&self, tokens: &[TokenId]) -> StoreResult<Vec<SentNotice>> {
        // Within both backends' limits on bound values, however many tokens a page shows.
        const TOKENS_PER_STATEMENT: usize = 1000;
        let mut found = Vec::new();
        for chunk in tokens.chunks(TOKENS_PER_STATEMENT) {
            let mut select = Statement::<DB>::new(
                "SELECT token_id, kind, sent_at FROM token_notices WHERE token_id IN ",
            );
            select.push_list(chunk.iter().copied());
            select.push(" ORDER BY token_id, sent_at");
            let rows: Vec<(i64, String, i64)> = select.fetch_all(DB::on_pool(&self.pool)).await?;
            found.extend(rows.into_iter().filter_map(|(token_id, kind, at)| {
                Some(SentNotice {
                    token_id,
                    kind: NoticeKind::parse(&kind)?,
                    at: from_db(at),
                })
            }));
        }
        Ok(found)
    }

    async fn expiry_emails_on(&self, user_id: UserId) -> StoreResult<bool> {
        let on: i64 = Statement::new("SELECT COUNT(*) FROM users WHERE id = $1 AND expiry_emails")
            .bind(user_id)
            .fetch_value(DB::on_pool(&self.pool))
            .await?;
        Ok(on == 1)
    }

    async fn set_expiry_emails(&self, user_id: UserId, on: bool) -> StoreResult<()> {
        Statement::<DB>::new("UPDATE users SET expiry_emails = $1 WHERE id = $2")
            .bind(on)
            .bind(user_id)
            .execute(DB::on_pool(&self.pool))
            .await?;
        Ok(())
    }
}
