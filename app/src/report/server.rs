use super::bulk::{BulkExpired, BulkSelection};
use super::{parse_query_string, ReportQuery, ReportUserView, ReportView, UserUpdated};
use crate::audit::Actor;
use crate::error::{AppError, Field};
use crate::services::{require_admin, services};
use crate::store::{MatchingExpiry, UserChange};
use crate::tokens::{name_rotations, with_recent_use, TokenView};
use crate::ui::{counted, grouped_digits};
use crate::users::Role;
use std::collections::HashMap;

pub async fn report(query: ReportQuery) -> Result<ReportView, AppError> {
    let me = require_admin()?;
    let services = services()?;
    let now = services.clock.now();
    let (users, total) = services.store.report_users(&query, now).await?;
    let matching_active = services
        .store
        .count_active_report_tokens(&query, now)
        .await?;
    let ids: Vec<i64> = users.iter().map(|user| user.id).collect();
    let records = services.store.report_tokens(&ids, &query, now).await?;
    let owners: Vec<i64> = records.iter().map(|record| record.user_id).collect();
    let views = records
        .iter()
        .map(|record| TokenView::from_record(record, now))
        .collect();
    let mut views = with_recent_use(&services, views, now).await?;
    name_rotations(&mut views);
    let token_ids: Vec<i64> = views.iter().map(|view| view.id).collect();
    let told = services.store.notices_of(&token_ids).await?;
    for view in &mut views {
        view.told = told
            .iter()
            .filter(|notice| notice.token_id == view.id)
            .map(|notice| (notice.kind, notice.at))
            .collect();
    }
    let mut tokens: HashMap<i64, Vec<TokenView>> = HashMap::new();
    for (owner, view) in owners.into_iter().zip(views) {
        tokens.entry(owner).or_default().push(view);
    }
    let users = users
        .into_iter()
        .map(|user| ReportUserView {
            tokens: tokens.remove(&user.id).unwrap_or_default(),
            id: user.id,
            username: user.username,
            display_name: user.display_name,
            email: user.email,
            role: user.role,
            login_active: user.login_active,
            current: user.current,
            active_tokens: user.active_tokens,
        })
        .collect();
    Ok(ReportView {
        query,
        users,
        total,
        matching_active,
        viewer_id: me.user.id,
    })
}

pub async fn update_user(
    user_id: i64,
    role: Role,
    login_active: bool,
    current: bool,
    expire_active_tokens: bool,
) -> Result<UserUpdated, AppError> {
    let me = Actor::admin()?;
    if user_id == me.user.id && (role != Role::Admin || !login_active || !current) {
        return Err(AppError::Conflict(
            "You cannot remove your own admin role or deactivate yourself.".into(),
        ));
    }
    let services = services()?;
    let now = services.clock.now();
    let change = UserChange {
        role,
        login_active,
        current,
    };
    if !services
        .store
        .update_user(user_id, change, &me.audit(now))
        .await?
    {
        return Err(AppError::NotFound);
    }
    let expired_tokens = if expire_active_tokens {
        services
            .store
            .expire_active_tokens_of(user_id, &me.audit(now))
            .await?
    } else {
        0
    };
    tracing::info!(admin = %me.user.username, user_id, ?change, expired_tokens, "user changed");
    Ok(UserUpdated { expired_tokens })
}

pub async fn expire_selected(selection: BulkSelection) -> Result<BulkExpired, AppError> {
    let me = Actor::admin()?;
    let services = services()?;
    let now = services.clock.now();
    let nothing_chosen = || AppError::invalid(Field::Selection, "Select at least one token.");
    let (chosen, expired) = match selection {
        BulkSelection::Tokens(mut ids) => {
            ids.sort_unstable();
            ids.dedup();
            if ids.is_empty() {
                return Err(nothing_chosen());
            }
            let expired = services.store.expire_tokens(&ids, &me.audit(now)).await?;
            (ids.len() as u64, expired)
        }
        BulkSelection::Matching { query, count } => {
            if count == 0 {
                return Err(nothing_chosen());
            }
            let query = parse_query_string(&query);
            match services
                .store
                .expire_report_tokens(&query, count, &me.audit(now))
                .await?
            {
                MatchingExpiry::Expired(expired) => (count, expired),
                MatchingExpiry::CountChanged(matching) => {
                    return Err(AppError::Conflict(format!(
                        "Nothing was expired: {} match this filter now, not {}. \
                         Close this, look at the report again and confirm the new count.",
                        counted(matching, "active token"),
                        grouped_digits(count),
                    )))
                }
            }
        }
    };
    let already_ended = chosen.saturating_sub(expired);
    tracing::info!(admin = %me.user.username, expired, already_ended, "tokens expired in bulk");
    Ok(BulkExpired {
        expired,
        already_ended,
    })
}
