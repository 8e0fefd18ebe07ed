//! Tokens whose secrets someone reported leaked: expired in one transaction, each with its
//! event, whichever instance the report reaches.

use super::audit::{record, NewEvent};
use super::rows::LeakedTokenRow;
use super::statement::Statement;
use super::{to_db, Backend};
use app::rules::audit::AuditAction;
use app::rules::secret::SecretHash;
use app::store::{Audit, LeakExpiry, LeakReport, StoreResult};
use serde_json::json;

/// Expires those of the tokens with `hashes` that have not ended, within the caller's
/// transaction; `hashes` is small (a report names at most a hundred).
pub(super) async fn expire_leaked<DB: Backend>(
    db: &mut DB::Connection,
    hashes: &[SecretHash],
    report: &LeakReport,
    audit: &Audit,
) -> StoreResult<LeakExpiry> {
    if hashes.is_empty() {
        return Ok(LeakExpiry::default());
    }
    let bytes = || hashes.iter().map(|hash| hash.as_bytes().to_vec());
    let mut known =
        Statement::<DB>::new("SELECT secret_hash FROM access_tokens WHERE secret_hash IN ");
    known.push_list(bytes());
    let known: Vec<(Vec<u8>,)> = known.fetch_all(DB::on_connection(&mut *db)).await?;

    let mut update =
        Statement::<DB>::new("UPDATE access_tokens SET expired_leaked = TRUE, expired_at = ");
    update.push_bind(to_db(audit.at));
    update.push(" WHERE expired_at IS NULL AND (expires_at IS NULL OR expires_at > ");
    update.push_bind(to_db(audit.at));
    update.push(") AND secret_hash IN ");
    update.push_list(bytes());
    update.push(" RETURNING id, user_id");
    let expired: Vec<(i64, i64)> = update.fetch_all(DB::on_connection(&mut *db)).await?;

    let detail = json!({
        "by": "leak report",
        "url": report.url,
        "source": report.source,
        "reporter": report.reporter,
    });
    let events = expired
        .iter()
        .map(|&(id, owner)| NewEvent::token(AuditAction::TokenExpired, id, owner, detail.clone()))
        .collect();
    record::<DB>(db, audit, events).await?;

    let mut tokens = Vec::new();
    if !expired.is_empty() {
        let mut select = Statement::<DB>::new(
            "SELECT t.id AS token_id, t.label, t.hint, u.display_name AS owner_name,
                    u.email AS owner_email
             FROM access_tokens t JOIN users u ON u.id = t.user_id WHERE t.id IN ",
        );
        select.push_list(expired.iter().map(|&(id, _)| id));
        select.push(" ORDER BY t.id");
        let rows: Vec<LeakedTokenRow> = select.fetch_all(DB::on_connection(&mut *db)).await?;
        tokens = rows.into_iter().map(Into::into).collect();
    }
    Ok(LeakExpiry {
        expired: tokens,
        known: known
            .into_iter()
            .filter_map(|(bytes,)| SecretHash::from_bytes(&bytes))
            .collect(),
    })
}
