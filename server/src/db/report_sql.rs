//! The SQL of the System Users report, built once for every backend with `Statement`
//! (which writes each backend's placeholders). Aliases: `u` users, `t` access_tokens.
//!
//! A user is in the report when no token condition applies, or when one of their tokens
//! meets the conditions; a search also matches users by username. The Access Tokens
//! subtable of a user shows their tokens that meet the conditions.

use super::statement::Statement;
use super::Backend;
use app::report::{Preset, ReportQuery, SortColumn, StatusFilter};
use chrono::{Duration, NaiveTime};

pub(crate) const DAY: i64 = 86_400;

pub(crate) const USER_COLUMNS: &str =
    "u.id, u.username, u.display_name, u.email, u.role, u.login_active, u.is_current";

/// ` AND` token `alias` works at `now`: not ended, and not deactivated.
pub(crate) fn push_active<DB: Backend>(b: &mut Statement<DB>, alias: &str, now: i64) {
    push_not_ended(b, alias, now);
    b.push(format!(
        " AND ({alias}.deactivated_until IS NULL OR {alias}.deactivated_until <= "
    ));
    b.push_bind(now);
    b.push(")");
}

/// ` AND` token `alias` has neither expired nor been expired by hand at `now`.
fn push_not_ended<DB: Backend>(b: &mut Statement<DB>, alias: &str, now: i64) {
    b.push(format!(
        " AND {alias}.expired_at IS NULL AND ({alias}.expires_at IS NULL OR {alias}.expires_at > "
    ));
    b.push_bind(now);
    b.push(")");
}

/// The number of a user's active tokens, as a correlated subquery.
pub(crate) fn push_active_count<DB: Backend>(b: &mut Statement<DB>, now: i64) {
    b.push("(SELECT COUNT(*) FROM access_tokens a WHERE a.user_id = u.id");
    push_active(b, "a", now);
    b.push(")");
}

fn has_token_conditions(q: &ReportQuery) -> bool {
    q.preset != Preset::AllUsers
        || q.status.is_some()
        || q.expires_from.is_some()
        || q.expires_to.is_some()
}

fn search_pattern(q: &ReportQuery) -> Option<String> {
    let search = q.search.trim().to_lowercase();
    if search.is_empty() {
        return None;
    }
    let escaped = search
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    Some(format!("%{escaped}%"))
}

fn push_like<DB: Backend>(b: &mut Statement<DB>, column: &str, pattern: &str) {
    b.push(format!("LOWER({column}) LIKE "));
    b.push_bind(pattern.to_owned());
    b.push(" ESCAPE '\\'");
}

/// ` AND (` any of `columns` contains the pattern `)`.
fn push_any_like<DB: Backend>(b: &mut Statement<DB>, columns: &[&str], pattern: &str) {
    b.push(" AND (");
    for (index, column) in columns.iter().enumerate() {
        if index > 0 {
            b.push(" OR ");
        }
        push_like(b, column, pattern);
    }
    b.push(")");
}

/// The preset's and the filters' conditions on token `t` (of user `u`), not the search.
fn push_token_conditions<DB: Backend>(b: &mut Statement<DB>, q: &ReportQuery, now: i64) {
    let push_time_expired = |b: &mut Statement<DB>| {
        b.push(" AND t.expired_at IS NULL AND t.expires_at <= ");
        b.push_bind(now);
    };
    match q.preset {
        Preset::AllUsers => {}
        Preset::ActiveTokens => push_active(b, "t", now),
        Preset::ExpiringWithin7Days => {
            push_active(b, "t", now);
            b.push(" AND t.expires_at <= ");
            b.push_bind(now + 7 * DAY);
        }
        Preset::ExpiringWithin30Days => {
            push_active(b, "t", now);
            b.push(" AND t.expires_at <= ");
            b.push_bind(now + 30 * DAY);
        }
        Preset::NeverExpiring => {
            push_active(b, "t", now);
            b.push(" AND t.expires_at IS NULL");
        }
        Preset::NeverUsed => {
            push_active(b, "t", now);
            b.push(" AND t.last_used_at IS NULL");
        }
        Preset::UnusedFor90Days => {
            push_active(b, "t", now);
            b.push(" AND COALESCE(t.last_used_at, t.created_at) <= ");
            b.push_bind(now - 90 * DAY);
        }
        Preset::Deactivated => {
            push_not_ended(b, "t", now);
            b.push(" AND t.deactivated_until > ");
            b.push_bind(now);
        }
        Preset::Expired => {
            b.push(" AND (t.expired_at IS NOT NULL OR t.expires_at <= ");
            b.push_bind(now);
            b.push(")");
        }
        Preset::ActiveTokensOfInactiveUsers => {
            push_active(b, "t", now);
            b.push(" AND (NOT u.login_active OR NOT u.is_current)");
        }
    }
    match q.status {
        None => {}
        Some(StatusFilter::Active) => push_active(b, "t", now),
        Some(StatusFilter::Expired) => push_time_expired(b),
        Some(StatusFilter::ExpiredManually) => {
            b.push(
                " AND t.expired_at IS NOT NULL AND t.expired_unused_days IS NULL \
                 AND NOT t.expired_leaked",
            );
        }
        Some(StatusFilter::ExpiredUnused) => {
            b.push(" AND t.expired_unused_days IS NOT NULL");
        }
        Some(StatusFilter::ReportedLeaked) => {
            b.push(" AND t.expired_leaked");
        }
    }
    let midnight = |date: chrono::NaiveDate| date.and_time(NaiveTime::MIN).and_utc();
    if let Some(from) = q.expires_from {
        b.push(" AND t.expires_at >= ");
        b.push_bind(midnight(from).timestamp());
    }
    if let Some(to) = q.expires_to {
        b.push(" AND t.expires_at < ");
        b.push_bind((midnight(to) + Duration::days(1)).timestamp());
    }
}

/// Conditions (each " AND …") on a token `t` of user `u` shown in the report.
pub(crate) fn push_subtable_conditions<DB: Backend>(
    b: &mut Statement<DB>,
    q: &ReportQuery,
    now: i64,
) {
    push_token_conditions(b, q, now);
    if let Some(pattern) = search_pattern(q) {
        push_any_like(
            b,
            &["u.username", "t.label", "t.description", "t.hint"],
            &pattern,
        );
    }
}

fn push_token_exists<DB: Backend>(
    b: &mut Statement<DB>,
    q: &ReportQuery,
    now: i64,
    search: Option<&str>,
) {
    b.push("EXISTS (SELECT 1 FROM access_tokens t WHERE t.user_id = u.id");
    push_token_conditions(b, q, now);
    if let Some(pattern) = search {
        push_any_like(b, &["t.label", "t.description", "t.hint"], pattern);
    }
    b.push(")");
}

/// ` WHERE …` selecting the report's users.
pub(crate) fn push_user_selection<DB: Backend>(b: &mut Statement<DB>, q: &ReportQuery, now: i64) {
    b.push(" WHERE TRUE");
    let token_conditions = has_token_conditions(q);
    match search_pattern(q) {
        None if token_conditions => {
            b.push(" AND ");
            push_token_exists(b, q, now, None);
        }
        None => {}
        Some(pattern) => {
            b.push(" AND ((");
            push_like(b, "u.username", &pattern);
            if token_conditions {
                b.push(" AND ");
                push_token_exists(b, q, now, None);
            }
            b.push(") OR ");
            push_token_exists(b, q, now, Some(&pattern));
            b.push(")");
        }
    }
}

fn direction(q: &ReportQuery) -> &'static str {
    if q.descending {
        " DESC"
    } else {
        " ASC"
    }
}

/// The value a token column sorts by, for token `t`.
fn push_token_sort_value<DB: Backend>(b: &mut Statement<DB>, column: SortColumn, now: i64) {
    match column {
        SortColumn::Label => {
            b.push("LOWER(t.label)");
        }
        SortColumn::Hint => {
            b.push("t.hint");
        }
        SortColumn::Created => {
            b.push("t.created_at");
        }
        SortColumn::Expires => {
            b.push("t.expires_at");
        }
        SortColumn::LastUsed => {
            b.push("t.last_used_at");
        }
        SortColumn::LastUsedIp => {
            b.push("t.last_used_ip");
        }
        // Active, deactivated, expired, expired manually.
        _ => {
            b.push("CASE WHEN t.expired_at IS NOT NULL THEN 3 WHEN t.expires_at <= ");
            b.push_bind(now);
            b.push(" THEN 2 WHEN t.deactivated_until > ");
            b.push_bind(now);
            b.push(" THEN 1 ELSE 0 END");
        }
    }
}

/// ` ORDER BY …` for users. A token column orders users by their shown tokens' lowest value
/// (highest when descending), so the first rows hold the first tokens.
pub(crate) fn push_user_order<DB: Backend>(b: &mut Statement<DB>, q: &ReportQuery, now: i64) {
    b.push(" ORDER BY ");
    match q.sort {
        SortColumn::Username => {
            b.push("LOWER(u.username)");
        }
        SortColumn::DisplayName => {
            b.push("LOWER(u.display_name)");
        }
        SortColumn::Email => {
            b.push("LOWER(u.email)");
        }
        SortColumn::Role => {
            b.push("u.role");
        }
        SortColumn::LoginActive => {
            b.push("u.login_active");
        }
        SortColumn::Current => {
            b.push("u.is_current");
        }
        SortColumn::ActiveTokens => push_active_count(b, now),
        column => {
            b.push(if q.descending {
                "(SELECT MAX("
            } else {
                "(SELECT MIN("
            });
            push_token_sort_value(b, column, now);
            b.push(") FROM access_tokens t WHERE t.user_id = u.id");
            push_subtable_conditions(b, q, now);
            b.push(")");
        }
    }
    b.push(direction(q));
    b.push(" NULLS LAST, u.id ASC");
}

/// The order of tokens within a user (`, …` continues an ORDER BY).
pub(crate) fn push_token_order<DB: Backend>(b: &mut Statement<DB>, q: &ReportQuery, now: i64) {
    if q.sort.is_token_column() {
        push_token_sort_value(b, q.sort, now);
        b.push(direction(q));
        b.push(" NULLS LAST, t.id DESC");
    } else {
        b.push("t.created_at DESC, t.id DESC");
    }
}
