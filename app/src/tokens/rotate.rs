//! Rotating a token: a successor with the same label, permissions and whitelists, and the
//! old token ended at once or after a grace period. The profile, the report and the API all
//! rotate through here.

use super::server::token_for;
use crate::audit::Actor;
use crate::error::{AppError, Field};
use crate::rules::expiry::{ExpirationLength, TokenStatus};
use crate::rules::rotation::{length_choice_of, Grace};
use crate::rules::token::PlainToken;
use crate::services::Services;
use crate::store::{NewToken, OldTokenEnd, TokenId, TokenRecord};
use rand::TryRngCore;

/// Rotates token `id` on behalf of `actor`; without a `length` the successor gets the old
/// token's (see `length_choice_of`). Unless `anyones`, someone else's token is answered
/// exactly like a missing one. The plain successor is returned once, here.
pub async fn rotate_for(
    services: &Services,
    actor: &Actor,
    id: TokenId,
    length: Option<ExpirationLength>,
    grace: Grace,
    anyones: bool,
) -> Result<(TokenRecord, PlainToken), AppError> {
    let now = services.clock.now();
    let old = token_for(services, &actor.user, id, anyones).await?;
    let not_active = || AppError::Conflict("Only an active token can be rotated.".into());
    if old.status_at(now) != TokenStatus::Active {
        return Err(not_active());
    }
    let length = match length {
        Some(length) => length,
        None => ExpirationLength::from_form(
            length_choice_of(old.created_at, old.expires_at),
            "",
            0,
            now,
        )
        .map_err(|_| AppError::Internal)?,
    };
    let policy = services.policy.get(services.store.as_ref()).await?;
    policy
        .lifetime
        .check(length, now)
        .map_err(|e| AppError::invalid(Field::Expiration, e))?;

    let plain = PlainToken::generate(&mut rand::rngs::OsRng.unwrap_err());
    let successor = NewToken {
        user_id: old.user_id,
        label: old.label.clone(),
        description: old.description.clone(),
        secret_hash: plain.hash(),
        hint: plain.hint(),
        created_at: now,
        expires_at: length.expires_at(now),
        restrictions: old.restrictions.clone(),
    };
    let end = match grace.old_token_stops(now, old.expires_at) {
        None => OldTokenEnd::Now,
        Some(at) => OldTokenEnd::At(at),
    };
    let rotated = services
        .store
        .rotate_token(old.id, end, successor, &actor.audit(now))
        .await?
        .ok_or_else(not_active)?;
    tracing::info!(
        token_id = rotated.id, replaces = old.id, user = %actor.user.username,
        grace = grace.as_str(), "token rotated"
    );
    Ok((rotated, plain))
}
