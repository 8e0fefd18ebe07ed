use super::deactivate::{deactivate_for, reactivate_for};
use super::history::with_history;
use super::issue::{issue_token, TokenRequest};
use super::rotate::rotate_for;
use super::{CreatedToken, TokenFormOptions, TokenToExpire, TokenView, USE_DAYS};
use crate::audit::Actor;
use crate::error::{AppError, Field};
use crate::rules::calendar::{daily_series, day_start, first_of_last, DAY};
use crate::rules::deactivation::parse_until;
use crate::rules::expiry::{expires_soon, ExpirationLength, ExpiryError};
use crate::rules::permission::{grantable_by, split_scopes};
use crate::rules::rotation::Grace;
use crate::services::{services, signed_in, Services};
use crate::store::{TokenId, TokenRecord, UserSummary};
use crate::users::Role;
use chrono::{DateTime, Utc};

impl TokenView {
    pub fn from_record(record: &TokenRecord, now: DateTime<Utc>) -> Self {
        let status = record.status_at(now);
        Self {
            id: record.id,
            label: record.label.clone(),
            description: record.description.clone(),
            hint: record.hint.clone(),
            created_at: record.created_at,
            expires_at: record.expires_at,
            last_used_at: record.last_used_at,
            last_used_ip: record.last_used_ip.clone(),
            status,
            expires_soon: !status.has_ended() && expires_soon(now, record.expires_at),
            expired_at: record.expired_at,
            expired_by: record.expired_by.clone(),
            expired_unused_days: record.expired_unused_days,
            permissions: record.restrictions.permissions.clone(),
            ip_whitelist: record.restrictions.ip_whitelist.clone(),
            domain_whitelist: record.restrictions.domain_whitelist.clone(),
            replaces: record.replaces,
            deactivated_until: record.deactivated_until,
            deactivated_by: record.deactivated_by.clone(),
            replaces_hint: None,
            replaced_by_hint: None,
            recent_addresses: Vec::new(),
            told: Vec::new(),
            daily_uses: Vec::new(),
            history: Vec::new(),
        }
    }
}

/// Fills in each token's recent use: its successful checks on each of the last `USE_DAYS`
/// days, for its sparkline, and the last addresses it was used from.
pub async fn with_recent_use(
    services: &Services,
    mut tokens: Vec<TokenView>,
    now: DateTime<Utc>,
) -> Result<Vec<TokenView>, AppError> {
    let first_day = first_of_last(day_start(now), DAY, USE_DAYS);
    let ids: Vec<TokenId> = tokens.iter().map(|token| token.id).collect();
    let checks = services.store.daily_checks_of(&ids, first_day).await?;
    let addresses = services.store.recent_addresses_of(&ids).await?;
    for token in &mut tokens {
        let uses = checks
            .iter()
            .filter(|checked| checked.token_id == token.id)
            .map(|checked| (checked.day, checked.succeeded));
        token.daily_uses = daily_series(first_day, USE_DAYS, uses);
        token.recent_addresses = addresses
            .iter()
            .filter(|address| address.token_id == token.id)
            .map(|address| (address.ip.clone(), address.at))
            .collect();
    }
    Ok(tokens)
}

pub async fn options() -> Result<TokenFormOptions, AppError> {
    let me = signed_in()?;
    let services = services()?;
    let now = services.clock.now();
    let policy = services.policy.get(services.store.as_ref()).await?;
    Ok(TokenFormOptions {
        permissions: grantable_by(&policy.permissions, me.user.role),
        lengths: policy
            .lifetime
            .choices(now)
            .into_iter()
            .map(|(value, words)| (value.to_owned(), words.to_owned()))
            .collect(),
        default_length: policy.lifetime.default_choice(now).to_owned(),
        max_token_days: policy.lifetime.max_days,
    })
}

pub async fn list() -> Result<Vec<TokenView>, AppError> {
    let me = signed_in()?;
    let services = services()?;
    let now = services.clock.now();
    let tokens = services
        .store
        .tokens_of(me.user.id)
        .await?
        .iter()
        .map(|record| TokenView::from_record(record, now))
        .collect::<Vec<_>>();
    let mut tokens = with_recent_use(&services, tokens, now).await?;
    super::name_rotations(&mut tokens);
    with_history(&services, &mut tokens).await?;
    Ok(tokens)
}

pub async fn create(form: super::CreateToken) -> Result<CreatedToken, AppError> {
    let me = Actor::signed_in()?;
    let services = services()?;
    let now = services.clock.now();
    let length = length_from_form(
        &form.length,
        &form.custom_expiry,
        form.utc_offset_minutes,
        now,
    )?;
    let request = TokenRequest {
        label: form.label,
        description: form.description,
        length,
        permissions: split_scopes(&form.permissions),
        ip_whitelist: form.ip_whitelist,
        domain_whitelist: form.domain_whitelist,
        made_with: None,
    };
    let (record, plain) = issue_token(&services, &me, request).await?;
    Ok(CreatedToken {
        token: TokenView::from_record(&record, now),
        secret: plain.into_secret(),
    })
}

/// Token `id`, if the signed-in user may expire it: their own, or anyone's for an admin.
/// Someone else's token is answered exactly like a missing one.
pub async fn to_expire(id: i64) -> Result<TokenToExpire, AppError> {
    let me = signed_in()?;
    let services = services()?;
    let anyones = me.user.role == Role::Admin;
    let token = token_for(&services, &me.user, id, anyones).await?;
    Ok(TokenToExpire {
        token: TokenView::from_record(&token, services.clock.now()),
        mine: token.user_id == me.user.id,
    })
}

/// The Expiration Length a form chose, with its mistake told beside the right field.
fn length_from_form(
    value: &str,
    custom_local: &str,
    utc_offset_minutes: i32,
    now: DateTime<Utc>,
) -> Result<ExpirationLength, AppError> {
    ExpirationLength::from_form(value, custom_local, utc_offset_minutes, now).map_err(|e| {
        let field = match e {
            ExpiryError::UnknownLength => Field::Expiration,
            _ => Field::CustomExpiry,
        };
        AppError::invalid(field, e)
    })
}

pub async fn rotate(
    id: i64,
    length: &str,
    custom_expiry: &str,
    utc_offset_minutes: i32,
    grace: &str,
) -> Result<CreatedToken, AppError> {
    let me = Actor::signed_in()?;
    let services = services()?;
    let now = services.clock.now();
    let length = length_from_form(length, custom_expiry, utc_offset_minutes, now)?;
    let grace = Grace::parse(grace).ok_or_else(|| {
        AppError::invalid(Field::Grace, "Choose how long the old token keeps working.")
    })?;
    // Admins may rotate anyone's token, from the report.
    let anyones = me.user.role == Role::Admin;
    let (record, plain) = rotate_for(&services, &me, id, Some(length), grace, anyones).await?;
    Ok(CreatedToken {
        token: TokenView::from_record(&record, now),
        secret: plain.into_secret(),
    })
}

pub async fn deactivate(
    id: i64,
    until: &str,
    utc_offset_minutes: i32,
) -> Result<TokenView, AppError> {
    let me = Actor::signed_in()?;
    let services = services()?;
    let until = parse_until(until, utc_offset_minutes)
        .map_err(|e| AppError::invalid(Field::DeactivatedUntil, e))?;
    let anyones = me.user.role == Role::Admin;
    let token = deactivate_for(&services, &me, id, until, anyones).await?;
    Ok(TokenView::from_record(&token, services.clock.now()))
}

pub async fn reactivate(id: i64) -> Result<TokenView, AppError> {
    let me = Actor::signed_in()?;
    let services = services()?;
    let anyones = me.user.role == Role::Admin;
    let token = reactivate_for(&services, &me, id, anyones).await?;
    Ok(TokenView::from_record(&token, services.clock.now()))
}

pub async fn expire(id: i64) -> Result<TokenView, AppError> {
    let me = Actor::signed_in()?;
    let services = services()?;
    // Admins may expire anyone's token, from the report.
    let anyones = me.user.role == Role::Admin;
    let token = expire_for(&services, &me, id, anyones).await?;
    Ok(TokenView::from_record(&token, services.clock.now()))
}

/// Token `id`, if `actor` may change it: their own, or anyone's when `anyones`. Someone
/// else's token is answered exactly like a missing one.
pub(crate) async fn token_for(
    services: &Services,
    actor: &UserSummary,
    id: TokenId,
    anyones: bool,
) -> Result<TokenRecord, AppError> {
    services
        .store
        .find_token(id)
        .await?
        .filter(|token| token.user_id == actor.id || anyones)
        .ok_or(AppError::NotFound)
}

/// Expires token `id` on behalf of `actor`. Unless `anyones`, someone else's token is
/// answered exactly like a missing one.
pub async fn expire_for(
    services: &Services,
    actor: &Actor,
    id: TokenId,
    anyones: bool,
) -> Result<TokenRecord, AppError> {
    let now = services.clock.now();
    let token = token_for(services, &actor.user, id, anyones).await?;
    let already_expired = || AppError::Conflict("This token has already expired.".into());
    if token.status_at(now).has_ended() {
        return Err(already_expired());
    }
    if !services.store.expire_token(id, &actor.audit(now)).await? {
        return Err(already_expired());
    }
    tracing::info!(token_id = id, user = %actor.user.username, "token expired manually");
    services
        .store
        .find_token(id)
        .await?
        .ok_or(AppError::NotFound)
}
