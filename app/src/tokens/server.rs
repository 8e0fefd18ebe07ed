use super::{CreatedToken, TokenView};
use crate::error::{AppError, Field};
use crate::rules::expiry::{ExpirationLength, ExpiryError, TokenStatus};
use crate::rules::label::validate_label;
use crate::rules::token::PlainToken;
use crate::services::{services, signed_in};
use crate::store::{NewToken, TokenRecord};
use crate::users::Role;
use chrono::{DateTime, Utc};
use rand::TryRngCore;

impl TokenView {
    pub fn from_record(record: &TokenRecord, now: DateTime<Utc>) -> Self {
        Self {
            id: record.id,
            label: record.label.clone(),
            hint: record.hint.clone(),
            created_at: record.created_at,
            expires_at: record.expires_at,
            last_used_at: record.last_used_at,
            last_used_ip: record.last_used_ip.clone(),
            status: record.status_at(now),
            expired_at: record.expired_at,
            expired_by: record.expired_by.clone(),
        }
    }
}

pub async fn list() -> Result<Vec<TokenView>, AppError> {
    let me = signed_in()?;
    let services = services()?;
    let now = services.clock.now();
    let records = services.store.tokens_of(me.user.id).await?;
    Ok(records
        .iter()
        .map(|record| TokenView::from_record(record, now))
        .collect())
}

pub async fn create(
    label: String,
    length: String,
    custom_expiry: String,
    utc_offset_minutes: i32,
) -> Result<CreatedToken, AppError> {
    let me = signed_in()?;
    let services = services()?;
    let now = services.clock.now();

    let label = validate_label(&label).map_err(|e| AppError::invalid(Field::Label, e))?;
    let length = ExpirationLength::from_form(&length, &custom_expiry, utc_offset_minutes, now)
        .map_err(|e| {
            let field = match e {
                ExpiryError::UnknownLength => Field::Expiration,
                _ => Field::CustomExpiry,
            };
            AppError::invalid(field, e)
        })?;

    let plain = PlainToken::generate(&mut rand::rngs::OsRng.unwrap_err());
    let record = services
        .store
        .insert_token(NewToken {
            user_id: me.user.id,
            label,
            secret_hash: plain.hash(),
            hint: plain.hint(),
            created_at: now,
            expires_at: length.expires_at(now),
        })
        .await?;
    tracing::info!(token_id = record.id, user = %me.user.username, "token created");
    Ok(CreatedToken {
        token: TokenView::from_record(&record, now),
        secret: plain.into_secret(),
    })
}

pub async fn expire(id: i64) -> Result<TokenView, AppError> {
    let me = signed_in()?;
    let services = services()?;
    let now = services.clock.now();

    // Admins may expire anyone's token (from the report); for everyone else, someone
    // else's token is answered exactly like a missing one.
    let token = services
        .store
        .find_token(id)
        .await?
        .filter(|token| token.user_id == me.user.id || me.user.role == Role::Admin)
        .ok_or(AppError::NotFound)?;
    let already_expired = || AppError::Conflict("This token has already expired.".into());
    if token.status_at(now) != TokenStatus::Active {
        return Err(already_expired());
    }
    if !services.store.expire_token(id, me.user.id, now).await? {
        return Err(already_expired());
    }
    tracing::info!(token_id = id, user = %me.user.username, "token expired manually");
    let token = services
        .store
        .find_token(id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(TokenView::from_record(&token, now))
}
