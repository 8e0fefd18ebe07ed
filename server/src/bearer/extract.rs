use super::credentials::bearer_token;
use super::scopes::Scope;
use super::ApiError;
use crate::state::AppState;
use app::rules::access::{check_use, RequestOrigin};
use app::rules::expiry::TokenStatus;
use app::rules::permission::grants;
use app::security::Policy;
use app::services::ClientIp;
use app::store::BearerToken;
use axum::extract::FromRequestParts;
use http::header::ORIGIN;
use http::request::Parts;
use std::marker::PhantomData;
use std::sync::Arc;

/// A request authenticated by a valid personal access token, used from where it may be,
/// that holds the permission `S`. Using it as a handler argument is what protects a route,
/// and says which permission it needs: no API route is open to every valid token.
pub struct Scoped<S: Scope>(pub BearerToken, pub PhantomData<S>);

impl<S: Scope> FromRequestParts<AppState> for Scoped<S> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let (found, policy) = authenticate(parts, state).await?;
        let held = &found.token.restrictions.permissions;
        if !grants(held, S::NAME, found.owner.role, &policy.permissions) {
            tracing::info!(
                token_id = found.token.id,
                needed = S::NAME,
                "refused: permission missing"
            );
            return Err(ApiError::InsufficientScope(S::NAME.to_owned()));
        }
        Ok(Scoped(found, PhantomData))
    }
}

async fn authenticate(
    parts: &Parts,
    state: &AppState,
) -> Result<(BearerToken, Arc<Policy>), ApiError> {
    let plain = bearer_token(&parts.headers, parts.uri.query())?;
    let store = state.services.store.as_ref();
    let internal = |error| {
        tracing::error!(%error, "bearer lookup failed");
        ApiError::Internal
    };
    let Some(found) = store.find_bearer(&plain.hash()).await.map_err(internal)? else {
        tracing::debug!("unknown bearer token");
        return Err(ApiError::InvalidToken);
    };
    let now = state.services.clock.now();
    let status = found.token.status_at(now);
    if status != TokenStatus::Active {
        tracing::info!(
            token_id = found.token.id,
            ?status,
            "refused a token that is not active"
        );
        return Err(ApiError::InvalidToken);
    }

    let policy = state.services.policy.get(store).await.map_err(internal)?;
    let ip = parts.extensions.get::<ClientIp>().and_then(|c| c.0);
    let from = RequestOrigin {
        ip,
        origin: parts.headers.get(ORIGIN).and_then(|v| v.to_str().ok()),
    };
    let restrictions = &found.token.restrictions;
    if let Err(reason) = check_use(
        &policy.allowlist,
        &restrictions.ip_whitelist,
        &restrictions.domain_whitelist,
        from,
    ) {
        tracing::warn!(token_id = found.token.id, ?reason, ?ip, origin = ?from.origin, "refused a token used from where it may not be");
        return Err(ApiError::InvalidToken);
    }

    state
        .usage
        .touch(&found.token, now, ip.map(|ip| ip.to_string()))
        .await;
    Ok((found, policy))
}
