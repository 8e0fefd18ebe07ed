use super::{AllowlistRow, DisuseSaved, PermissionView, SecurityView};
use crate::audit::Actor;
use crate::error::{AppError, Field};
use crate::rules::audit::retention_from_form;
use crate::rules::disuse::{unused_days_words, DisusePolicy};
use crate::rules::expiry::LifetimePolicy;
use crate::rules::lists::{at_most_max, distinct};
use crate::rules::network::{allowlist_admits, AllowlistEntry};
use crate::rules::permission::{validate_description, validate_name, Permission};
use crate::rules::two_factor::TwoFactorRequirement;
use crate::services::{client_ip, require_admin, services, Services};
use crate::store::StoreError;
use crate::tokens::disuse::{apply_disuse_policy, send_disuse_notices};

pub async fn settings() -> Result<SecurityView, AppError> {
    require_admin()?;
    let services = services()?;
    let policy = services.policy.get(services.store.as_ref()).await?;
    Ok(SecurityView {
        max_token_days: policy.lifetime.max_days,
        allowlist: policy.allowlist.clone(),
        your_address: client_ip().map(|ip| ip.to_string()),
        two_factor: policy.two_factor,
        unused_days: policy.disuse.days,
        audit_retention_days: services.store.audit_retention_days().await?,
    })
}

pub async fn save_audit_retention(days: String) -> Result<SecurityView, AppError> {
    let me = Actor::admin()?;
    let services = services()?;
    let days =
        retention_from_form(&days).map_err(|e| AppError::invalid(Field::RetentionDays, e))?;
    services
        .store
        .save_audit_retention(days, &me.audit(services.clock.now()))
        .await?;
    tracing::info!(
        target: "tessera::audit", event = "audit_retention", admin = %me.user.username, days
    );
    settings().await
}

pub async fn save_disuse_policy(
    days: String,
    confirm_expiring: bool,
) -> Result<DisuseSaved, AppError> {
    let me = Actor::admin()?;
    let services = services()?;
    let policy =
        DisusePolicy::from_form(&days).map_err(|e| AppError::invalid(Field::UnusedDays, e))?;
    let now = services.clock.now();
    if let (Some(days), Some(cutoff), false) = (policy.days, policy.cutoff(now), confirm_expiring) {
        let tokens = services.store.count_unused_tokens(cutoff, now).await?;
        if tokens > 0 {
            return Err(AppError::WouldExpireUnused {
                tokens,
                message: would_expire_message(tokens, days, services.mailer.is_some()),
            });
        }
    }
    services
        .store
        .save_disuse_policy(policy, &me.audit(now))
        .await?;
    tracing::info!(
        target: "tessera::audit", event = "unused_token_policy", admin = %me.user.username,
        days = ?policy.days
    );
    let expired = apply_disuse_policy(services.store.as_ref(), now).await?;
    if expired > 0 {
        tell_owners_soon(&services);
    }
    Ok(DisuseSaved {
        unused_days: policy.days,
        expired,
    })
}

fn would_expire_message(tokens: u64, days: u32, mails: bool) -> String {
    let (count, verb, them, owners) = match tokens {
        1 => ("1 active token".to_owned(), "has", "it", "its owner"),
        n => (format!("{n} active tokens"), "have", "them", "their owners"),
    };
    let told = if mails {
        format!(" and e-mails {owners}")
    } else {
        String::new()
    };
    format!(
        "{count} {verb} not been used for {}. Saving expires {them} at once{told}: anything \
         that still relies on {them} stops working.",
        unused_days_words(days)
    )
}

/// Mails the owners of the tokens just expired without holding up the answer; the periodic
/// job would tell them too, within ten minutes.
fn tell_owners_soon(services: &Services) {
    let Some(mailer) = services.mailer.clone() else {
        return;
    };
    let (store, public_url, now) = (
        services.store.clone(),
        services.public_url.clone(),
        services.clock.now(),
    );
    tokio::spawn(async move {
        let told = send_disuse_notices(store.as_ref(), mailer.as_ref(), &public_url, now);
        if let Err(error) = told.await {
            tracing::error!(%error, "telling owners of unused tokens failed");
        }
    });
}

pub async fn save_two_factor_requirement(rule: String) -> Result<SecurityView, AppError> {
    let me = Actor::admin()?;
    let services = services()?;
    let rule = TwoFactorRequirement::parse(&rule).ok_or_else(|| {
        AppError::invalid(Field::TwoFactor, "Choose who must use two-factor sign-in.")
    })?;
    services
        .store
        .save_two_factor_requirement(rule, &me.audit(services.clock.now()))
        .await?;
    tracing::info!(
        target: "tessera::audit", event = "two_factor_requirement", admin = %me.user.username,
        required_for = rule.as_str()
    );
    settings().await
}

pub async fn save_max_lifetime(days: String) -> Result<SecurityView, AppError> {
    let me = Actor::admin()?;
    let services = services()?;
    let lifetime =
        LifetimePolicy::from_form(&days).map_err(|e| AppError::invalid(Field::MaxLifetime, e))?;
    services
        .store
        .save_max_lifetime(lifetime, &me.audit(services.clock.now()))
        .await?;
    tracing::info!(admin = %me.user.username, max_days = ?lifetime.max_days, "maximum token lifetime saved");
    settings().await
}

pub async fn save_allowlist(
    rows: Vec<AllowlistRow>,
    confirm_lockout: bool,
) -> Result<SecurityView, AppError> {
    let me = Actor::admin()?;
    let services = services()?;
    let mut parsed: Vec<AllowlistEntry> = Vec::with_capacity(rows.len());
    for (index, row) in rows.iter().enumerate() {
        let entry = AllowlistEntry::parse(&row.address, row.bits).map_err(|e| {
            AppError::invalid(Field::Allowlist, format!("Entry {}: {e}", index + 1))
        })?;
        parsed.push(entry);
    }
    let entries = at_most_max(distinct(parsed, |entry| (entry.address, entry.bits)))
        .map_err(|e| AppError::invalid(Field::Allowlist, e))?;
    let mine = client_ip();
    if !confirm_lockout && !allowlist_admits(&entries, mine) {
        let address = mine.map_or_else(|| "(unknown)".to_owned(), |ip| ip.to_string());
        return Err(AppError::LockoutRisk(address));
    }
    services
        .store
        .save_allowlist(&entries, &me.audit(services.clock.now()))
        .await?;
    tracing::info!(admin = %me.user.username, entries = entries.len(), "company IP allowlist saved");
    settings().await
}

pub async fn list_permissions() -> Result<Vec<PermissionView>, AppError> {
    require_admin()?;
    let services = services()?;
    let now = services.clock.now();
    let mut views = Vec::new();
    for permission in services.store.permissions().await? {
        let active_tokens = services
            .store
            .count_active_tokens_with(&permission.name, now)
            .await?;
        views.push(PermissionView {
            permission,
            active_tokens,
        });
    }
    Ok(views)
}

pub async fn add_permission(
    name: String,
    description: String,
    admin_only: bool,
) -> Result<Permission, AppError> {
    let me = Actor::admin()?;
    let services = services()?;
    let name = validate_name(&name).map_err(|e| AppError::invalid(Field::PermissionName, e))?;
    let description = validate_description(&description)
        .map_err(|e| AppError::invalid(Field::PermissionDescription, e))?;
    let permission = Permission {
        name,
        description,
        admin_only,
        builtin: false,
    };
    match services
        .store
        .insert_permission(permission.clone(), &me.audit(services.clock.now()))
        .await
    {
        Ok(()) => {}
        Err(StoreError::Duplicate(_)) => {
            return Err(AppError::invalid(
                Field::PermissionName,
                format!("There is already a permission named “{}”.", permission.name),
            ))
        }
        Err(other) => return Err(other.into()),
    }
    tracing::info!(admin = %me.user.username, permission = %permission.name, "permission added");
    Ok(permission)
}

/// Every token that held the permission loses it.
pub async fn remove_permission(name: String) -> Result<(), AppError> {
    let me = Actor::admin()?;
    let services = services()?;
    let known = services.store.permissions().await?;
    match known.iter().find(|p| p.name == name) {
        None => return Err(AppError::NotFound),
        Some(p) if p.builtin => {
            return Err(AppError::Conflict(
                "Tessera's own permissions cannot be removed.".into(),
            ))
        }
        Some(_) => {}
    }
    if !services
        .store
        .delete_permission(&name, &me.audit(services.clock.now()))
        .await?
    {
        return Err(AppError::NotFound);
    }
    tracing::info!(admin = %me.user.username, permission = %name, "permission removed");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::would_expire_message;

    #[test]
    fn the_question_counts_the_tokens_and_says_who_is_told() {
        assert_eq!(
            would_expire_message(1, 90, true),
            "1 active token has not been used for 90 days. Saving expires it at once and \
             e-mails its owner: anything that still relies on it stops working."
        );
        assert_eq!(
            would_expire_message(12, 1, false),
            "12 active tokens have not been used for 1 day. Saving expires them at once: \
             anything that still relies on them stops working."
        );
    }
}
