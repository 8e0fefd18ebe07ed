use super::credentials::bearer_token;
use super::scopes::Scope;
use super::token::CachedToken;
use super::usage::{CheckOutcome, UsageRecorder};
use super::ApiError;
use crate::state::AppState;
use app::rules::access::{check_use, RequestOrigin};
use app::rules::expiry::TokenStatus;
use app::security::Policy;
use app::services::ClientIp;
use app::store::TokenId;
use axum::extract::FromRequestParts;
use chrono::{DateTime, Utc};
use http::header::ORIGIN;
use http::request::Parts;
use std::marker::PhantomData;
use std::net::IpAddr;
use std::sync::Arc;

/// A request authenticated by a valid personal access token, used from where it may be,
/// that holds the permission `S`. Using it as a handler argument is what protects a route,
/// and says which permission it needs: no API route is open to every valid token.
pub struct Scoped<S: Scope>(pub ValidToken, pub PhantomData<S>);

impl<S: Scope> FromRequestParts<AppState> for Scoped<S> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = authenticate(parts, state).await?;
        caller.demand(&[S::NAME])?;
        Ok(Scoped(caller, PhantomData))
    }
}

/// A valid token used from where it may be, before any permission is asked of it. Every
/// route that takes one calls `demand` once, which counts the check as passed or refused.
pub struct ValidToken {
    pub found: Arc<CachedToken>,
    /// The policy it was checked against.
    pub policy: Arc<Policy>,
    checked_at: DateTime<Utc>,
    usage: Arc<UsageRecorder>,
}

impl FromRequestParts<AppState> for ValidToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        authenticate(parts, state).await
    }
}

impl ValidToken {
    /// Refuses unless the token holds every one of `needed`.
    pub fn demand(&self, needed: &[&str]) -> Result<(), ApiError> {
        let missing = self.missing(needed);
        let outcome = if missing.is_empty() {
            CheckOutcome::Succeeded
        } else {
            CheckOutcome::Refused
        };
        self.usage
            .count_check(Some(self.found.id()), self.checked_at, outcome);
        if missing.is_empty() {
            return Ok(());
        }
        tracing::info!(
            token_id = self.found.id(),
            ?missing,
            "refused: permission missing"
        );
        Err(ApiError::InsufficientScope(missing.join(" ")))
    }

    fn missing<'a>(&self, needed: &[&'a str]) -> Vec<&'a str> {
        if needed.is_empty() {
            return Vec::new();
        }
        let view = self.found.view_under(&self.policy);
        needed
            .iter()
            .copied()
            .filter(|name| !view.grants(name))
            .collect()
    }
}

/// Why `verify` let a request no further: the error to answer, and the token the secret
/// named when it named one, whose refused checks are counted.
struct Unverified {
    error: ApiError,
    token: Option<TokenId>,
}

impl From<ApiError> for Unverified {
    fn from(error: ApiError) -> Self {
        Self { error, token: None }
    }
}

/// Checks the request's bearer token; an address that keeps failing is told to wait.
pub async fn authenticate(parts: &Parts, state: &AppState) -> Result<ValidToken, ApiError> {
    let ip = parts.extensions.get::<ClientIp>().and_then(|c| c.0);
    let now = state.services.clock.now();
    if let Some(wait) = state.failures.blocked(ip) {
        state.usage.count_check(None, now, CheckOutcome::Refused);
        return Err(ApiError::TooManyFailures(wait));
    }
    match verify(parts, state, ip, now).await {
        Ok(valid) => Ok(valid),
        Err(Unverified {
            error: ApiError::InvalidToken,
            token,
        }) => Err({
            state.usage.count_check(token, now, CheckOutcome::Refused);
            match state.failures.spend(ip) {
                Some(wait) => {
                    tracing::warn!(
                        ?ip,
                        ?wait,
                        "too many failed token checks; blocking the address"
                    );
                    ApiError::TooManyFailures(wait)
                }
                None => ApiError::InvalidToken,
            }
        }),
        Err(Unverified { error, .. }) => Err(error),
    }
}

async fn verify(
    parts: &Parts,
    state: &AppState,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<ValidToken, Unverified> {
    let hash = bearer_token(&parts.headers, parts.uri.query())?.hash();
    let internal = |error| {
        tracing::error!(%error, "bearer lookup failed");
        ApiError::Internal
    };
    let found = state
        .tokens
        .find(&hash, state.bearer_store.as_ref())
        .await
        .map_err(internal)?;
    let Some(found) = found else {
        tracing::debug!("unknown bearer token");
        return Err(ApiError::InvalidToken.into());
    };
    let refused = Unverified {
        error: ApiError::InvalidToken,
        token: Some(found.id()),
    };
    let status = found.status_at(now);
    if status != TokenStatus::Active {
        tracing::info!(
            token_id = found.id(),
            ?status,
            "refused a token that is not active"
        );
        return Err(refused);
    }

    let policy = state
        .services
        .policy
        .get(state.services.store.as_ref())
        .await
        .map_err(internal)?;
    let origin = parts.headers.get(ORIGIN).and_then(|v| v.to_str().ok());
    let from = RequestOrigin { ip, origin };
    if let Err(reason) = check_use(&policy.allowlist, found.whitelists(), from) {
        tracing::warn!(token_id = found.id(), ?reason, ?ip, origin = ?from.origin, "refused a token used from where it may not be");
        return Err(refused);
    }

    state.usage.touch(&found, now, ip);
    Ok(ValidToken {
        found,
        policy,
        checked_at: now,
        usage: state.usage.clone(),
    })
}
