use super::{ReportQuery, ReportUserView, ReportView, UserUpdated};
use crate::error::AppError;
use crate::services::{require_admin, services};
use crate::store::UserChange;
use crate::tokens::{name_rotations, with_recent_use, TokenView};
use crate::users::Role;
use std::collections::HashMap;

pub async fn report(query: ReportQuery) -> Result<ReportView, AppError> {
    let me = require_admin()?;
    let services = services()?;
    let now = services.clock.now();
    let (users, total) = services.store.report_users(&query, now).await?;
    let ids: Vec<i64> = users.iter().map(|user| user.id).collect();
    let records = services.store.report_tokens(&ids, &query, now).await?;
    let owners: Vec<i64> = records.iter().map(|record| record.user_id).collect();
    let views = records
        .iter()
        .map(|record| TokenView::from_record(record, now))
        .collect();
    let mut views = with_recent_use(&services, views, now).await?;
    name_rotations(&mut views);
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
    let me = require_admin()?;
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
    if !services.store.update_user(user_id, change).await? {
        return Err(AppError::NotFound);
    }
    let expired_tokens = if expire_active_tokens {
        services
            .store
            .expire_active_tokens_of(user_id, me.user.id, now)
            .await?
    } else {
        0
    };
    tracing::info!(admin = %me.user.username, user_id, ?change, expired_tokens, "user changed");
    Ok(UserUpdated { expired_tokens })
}
