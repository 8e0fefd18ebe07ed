use super::credentials::bearer_token;
use super::ApiError;
use crate::state::AppState;
use app::rules::expiry::TokenStatus;
use app::store::BearerToken;
use axum::extract::{ConnectInfo, FromRequestParts};
use http::request::Parts;
use std::net::SocketAddr;

/// A request authenticated by a valid personal access token. Using it as a handler argument
/// is what protects a route.
pub struct Bearer(pub BearerToken);

impl FromRequestParts<AppState> for Bearer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let plain = bearer_token(&parts.headers, parts.uri.query())?;
        let found = state
            .services
            .store
            .find_bearer(&plain.hash())
            .await
            .map_err(|error| {
                tracing::error!(%error, "bearer lookup failed");
                ApiError::Internal
            })?;
        let Some(found) = found else {
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
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string());
        state.usage.touch(&found.token, now, ip).await;
        Ok(Bearer(found))
    }
}
