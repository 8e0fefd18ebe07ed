//! Deactivating a token for a while, and reactivating it. The profile, the report and the
//! API all come through here.

use super::server::token_for;
use crate::audit::Actor;
use crate::error::{AppError, Field};
use crate::rules::deactivation::check_until;
use crate::rules::expiry::TokenStatus;
use crate::services::Services;
use crate::store::{TokenId, TokenRecord};
use chrono::{DateTime, Utc};

fn ended() -> AppError {
    AppError::Conflict("This token has expired; it cannot be deactivated or reactivated.".into())
}

/// Refuses token `id` until `until`. A deactivated token may be given another time.
pub async fn deactivate_for(
    services: &Services,
    actor: &Actor,
    id: TokenId,
    until: DateTime<Utc>,
    anyones: bool,
) -> Result<TokenRecord, AppError> {
    let now = services.clock.now();
    let token = token_for(services, &actor.user, id, anyones).await?;
    if token.status_at(now).has_ended() {
        return Err(ended());
    }
    check_until(now, until, token.expires_at)
        .map_err(|e| AppError::invalid(Field::DeactivatedUntil, e))?;
    if !services
        .store
        .deactivate_token(id, until, &actor.audit(now))
        .await?
    {
        return Err(ended());
    }
    tracing::info!(token_id = id, user = %actor.user.username, %until, "token deactivated");
    token_for(services, &actor.user, id, anyones).await
}

/// Lets token `id` work again before its deactivation runs out.
pub async fn reactivate_for(
    services: &Services,
    actor: &Actor,
    id: TokenId,
    anyones: bool,
) -> Result<TokenRecord, AppError> {
    let now = services.clock.now();
    let token = token_for(services, &actor.user, id, anyones).await?;
    match token.status_at(now) {
        TokenStatus::Deactivated => {}
        TokenStatus::Active => {
            return Err(AppError::Conflict("This token is not deactivated.".into()))
        }
        TokenStatus::Expired
        | TokenStatus::ExpiredManually
        | TokenStatus::ExpiredUnused
        | TokenStatus::ReportedLeaked => return Err(ended()),
    }
    if !services
        .store
        .reactivate_token(id, &actor.audit(now))
        .await?
    {
        return Err(AppError::Conflict(
            "This token is no longer deactivated.".into(),
        ));
    }
    tracing::info!(token_id = id, user = %actor.user.username, "token reactivated");
    token_for(services, &actor.user, id, anyones).await
}
