use super::credentials::bearer_token;
use super::scopes::Scope;
use super::token::CachedToken;
use super::usage::{CheckOutcome, UsageRecorder};
use super::ApiError;
use crate::metrics::{self, CheckRoute, Verdict};
use crate::state::AppState;
use app::rules::access::{check_use, Refusal, RequestOrigin};
use app::rules::expiry::TokenStatus;
use app::security::Policy;
use app::services::ClientIp;
use app::store::{StoreError, TokenId};
use axum::extract::{FromRequestParts, MatchedPath};
use chrono::{DateTime, Utc};
use http::header::ORIGIN;
use http::request::Parts;
use std::marker::PhantomData;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

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
    check: Check,
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
        let (outcome, verdict) = if missing.is_empty() {
            (CheckOutcome::Succeeded, Verdict::Valid)
        } else {
            (CheckOutcome::Refused, Verdict::Scope)
        };
        self.usage
            .count_check(Some(self.found.id()), self.checked_at, outcome);
        self.check.finish(verdict);
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

/// One check under way, for the metrics: which API it is for, and since when.
#[derive(Clone, Copy)]
struct Check {
    route: CheckRoute,
    started: Instant,
}

impl Check {
    fn start(parts: &Parts) -> Self {
        let route = parts
            .extensions
            .get::<MatchedPath>()
            .map_or(CheckRoute::Other, |path| CheckRoute::of(path.as_str()));
        Self {
            route,
            started: Instant::now(),
        }
    }

    fn finish(self, verdict: Verdict) {
        metrics::record_check(self.route, verdict, self.started);
    }
}

/// Why a check let a request no further: the error to answer, the verdict it is counted
/// under, and the token the secret named when it named one, whose refused checks are counted.
struct Unverified {
    error: ApiError,
    verdict: Verdict,
    token: Option<TokenId>,
}

impl Unverified {
    fn new(error: ApiError, verdict: Verdict) -> Self {
        Self {
            error,
            verdict,
            token: None,
        }
    }

    fn of_token(verdict: Verdict, token: TokenId) -> Self {
        Self {
            error: ApiError::InvalidToken,
            verdict,
            token: Some(token),
        }
    }
}

/// Checks the request's bearer token. An address that keeps presenting invalid ones is
/// blocked for a while; see `verify_from_memory` for what it may still do.
pub async fn authenticate(parts: &Parts, state: &AppState) -> Result<ValidToken, ApiError> {
    let check = Check::start(parts);
    let ip = parts.extensions.get::<ClientIp>().and_then(|c| c.0);
    let now = state.services.clock.now();
    let verified = match state.failures.blocked(ip) {
        Some(wait) => verify_from_memory(parts, state, ip, now, wait).await,
        None => verify(parts, state, ip, now).await,
    };
    let Unverified {
        error,
        verdict,
        token,
    } = match verified {
        Ok(admitted) => return Ok(admitted.into_valid(state, now, check)),
        Err(unverified) => unverified,
    };
    check.finish(verdict);
    match error {
        ApiError::InvalidToken => {
            state.usage.count_check(token, now, CheckOutcome::Refused);
            match state.failures.spend(ip) {
                Some(wait) => {
                    tracing::warn!(
                        ?ip,
                        ?wait,
                        "too many failed token checks; blocking the address"
                    );
                    Err(ApiError::TooManyFailures(wait))
                }
                None => Err(ApiError::InvalidToken),
            }
        }
        ApiError::TooManyFailures(_) => {
            state.usage.count_check(token, now, CheckOutcome::Refused);
            Err(error)
        }
        other => Err(other),
    }
}

/// A token found active and usable from where the request came.
struct Admitted {
    found: Arc<CachedToken>,
    policy: Arc<Policy>,
}

impl Admitted {
    fn into_valid(self, state: &AppState, now: DateTime<Utc>, check: Check) -> ValidToken {
        ValidToken {
            found: self.found,
            policy: self.policy,
            checked_at: now,
            check,
            usage: state.usage.clone(),
        }
    }
}

fn unreadable(error: ApiError) -> Unverified {
    let verdict = match error {
        ApiError::MissingCredentials => Verdict::Missing,
        ApiError::InvalidToken => Verdict::BadChecksum,
        _ => Verdict::Malformed,
    };
    Unverified::new(error, verdict)
}

async fn verify(
    parts: &Parts,
    state: &AppState,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<Admitted, Unverified> {
    let hash = bearer_token(&parts.headers, parts.uri.query())
        .map_err(unreadable)?
        .hash();
    let found = state
        .tokens
        .find(&hash, state.bearer_store.as_ref())
        .await
        .map_err(internal)?;
    let Some(found) = found else {
        tracing::debug!("unknown bearer token");
        return Err(Unverified::new(ApiError::InvalidToken, Verdict::Unknown));
    };
    admit(found, parts, state, ip, now).await
}

/// An address that is blocked, shared perhaps by a whole office behind one NAT, still gets
/// answers for the tokens this instance already knows as valid. Anything else waits out the
/// block, without a database query: a stranger's guesses cost nothing.
async fn verify_from_memory(
    parts: &Parts,
    state: &AppState,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
    wait: Duration,
) -> Result<Admitted, Unverified> {
    let blocked = || Unverified::new(ApiError::TooManyFailures(wait), Verdict::Blocked);
    let hash = bearer_token(&parts.headers, parts.uri.query())
        .map_err(|_| blocked())?
        .hash();
    let found = state.tokens.remembered(&hash).ok_or_else(blocked)?;
    admit(found, parts, state, ip, now)
        .await
        .map_err(|refused| Unverified {
            error: ApiError::TooManyFailures(wait),
            ..refused
        })
}

/// Whether `found` may be used now, from where the request came.
async fn admit(
    found: Arc<CachedToken>,
    parts: &Parts,
    state: &AppState,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
) -> Result<Admitted, Unverified> {
    let status = found.status_at(now);
    if status != TokenStatus::Active {
        tracing::info!(
            token_id = found.id(),
            ?status,
            "refused a token that is not active"
        );
        let verdict = match status {
            TokenStatus::Deactivated => Verdict::Deactivated,
            _ => Verdict::Expired,
        };
        return Err(Unverified::of_token(verdict, found.id()));
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
        let verdict = match reason {
            Refusal::OutsideCompanyAllowlist => Verdict::Allowlist,
            Refusal::IpNotWhitelisted | Refusal::OriginNotWhitelisted => Verdict::Whitelist,
        };
        return Err(Unverified::of_token(verdict, found.id()));
    }

    state.usage.touch(&found, now, ip);
    Ok(Admitted { found, policy })
}

fn internal(error: StoreError) -> Unverified {
    tracing::error!(%error, "bearer lookup failed");
    Unverified::new(ApiError::Internal, Verdict::Error)
}
