//! `/api/v1/tokens`: a token's owner manages their tokens from scripts.

use super::caller::Caller;
use super::extract::ValidToken;
use super::object::Object;
use super::openapi::AuthErrors;
use super::scopes::{TokensRead, TokensWrite};
use super::{ApiError, ErrorBody, Scoped};
use crate::state::AppState;
use app::rules::expiry::{ExpirationLength, ExpiryError};
use app::rules::lists::MAX_ENTRIES;
use app::rules::permission::missing_from;
use app::rules::rotation::Grace;
use app::store::TokenRecord;
use app::tokens::expire_for;
use app::tokens::issue::{issue_token, TokenRequest};
use app::tokens::rotate::rotate_for;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};
use utoipa::ToSchema;

/// A token as the API shows it: never its secret.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiToken {
    pub id: i64,
    pub label: String,
    /// Empty when none was given.
    pub description: String,
    /// The last four characters of the secret.
    pub hint: String,
    pub permissions: Vec<String>,
    pub ip_whitelist: Vec<String>,
    pub domain_whitelist: Vec<String>,
    pub created_at: DateTime<Utc>,
    /// `null`: never expires.
    pub expires_at: Option<DateTime<Utc>>,
    /// `active`, `deactivated`, `expired`, `expired_manually`, `expired_unused` (by the
    /// unused-token policy) or `reported_leaked`.
    pub status: String,
    pub expired_at: Option<DateTime<Utc>>,
    /// Display name of whoever expired it by hand.
    pub expired_by: Option<String>,
    /// When `expired_unused`: the days unused the policy allowed.
    pub expired_unused_days: Option<u32>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub last_used_ip: Option<String>,
    /// The token this one replaced, when it was made by rotation.
    pub replaces: Option<i64>,
    /// While `deactivated`: when it works again by itself.
    pub deactivated_until: Option<DateTime<Utc>>,
}

impl ApiToken {
    pub(super) fn new(record: TokenRecord, now: DateTime<Utc>) -> Self {
        use app::rules::expiry::TokenStatus::*;
        let status = match record.status_at(now) {
            Active => "active",
            Deactivated => "deactivated",
            Expired => "expired",
            ExpiredManually => "expired_manually",
            ExpiredUnused => "expired_unused",
            ReportedLeaked => "reported_leaked",
        };
        Self {
            id: record.id,
            status: status.to_owned(),
            label: record.label,
            description: record.description,
            hint: record.hint,
            permissions: record.restrictions.permissions,
            ip_whitelist: record.restrictions.ip_whitelist,
            domain_whitelist: record.restrictions.domain_whitelist,
            created_at: record.created_at,
            expires_at: record.expires_at,
            expired_at: record.expired_at,
            expired_by: record.expired_by,
            expired_unused_days: record.expired_unused_days,
            last_used_at: record.last_used_at,
            last_used_ip: record.last_used_ip,
            replaces: record.replaces,
            deactivated_until: record.deactivated_until.filter(|until| *until > now),
        }
    }
}

/// At most one of `expires_at`, `expires_in_days` and `never_expires` (the `oneOf`); none
/// gives 30 days (or the company's maximum lifetime, or the calling token's expiry, when
/// sooner). The new token may expire no later than the calling token, and `expires_at`
/// must be in the future.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTokenRequest {
    #[schema(schema_with = super::openapi::label)]
    pub label: String,
    /// Optional, up to 500 characters.
    #[serde(default)]
    #[schema(schema_with = super::openapi::description)]
    pub description: String,
    /// At least one; each must be held by the token making the request.
    #[schema(schema_with = super::openapi::permissions)]
    pub permissions: Vec<String>,
    /// In the future.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "whole_number")]
    #[schema(minimum = 1, maximum = 3650)]
    pub expires_in_days: Option<u32>,
    #[serde(default)]
    pub never_expires: bool,
    /// Addresses or CIDR ranges, one per item, inside the calling token's; empty keeps the
    /// calling token's whitelist (which, empty itself, allows any address).
    #[serde(default)]
    #[schema(schema_with = super::openapi::ip_whitelist)]
    pub ip_whitelist: Vec<String>,
    /// Host names or `*.` wildcards, one per item, inside the calling token's; empty keeps
    /// the calling token's (which, empty itself, allows any web page).
    #[serde(default)]
    #[schema(schema_with = super::openapi::domain_whitelist)]
    pub domain_whitelist: Vec<String>,
}

/// JSON has one kind of number, and JSON Schema's `integer` is any number without a
/// fraction: `30.0` days is 30 days.
fn whole_number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u32>, D::Error> {
    let Some(number) = Option::<serde_json::Number>::deserialize(deserializer)? else {
        return Ok(None);
    };
    let whole = number.as_u64().or_else(|| {
        number
            .as_f64()
            .filter(|n| n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(n))
            .map(|n| n as u64)
    });
    whole
        .and_then(|n| u32::try_from(n).ok())
        .map(Some)
        .ok_or_else(|| serde::de::Error::custom(format!("expected a whole number, not {number}")))
}

/// A whitelist as the API takes it: one entry per item, at most `MAX_ENTRIES` of them, joined
/// as the form's text (where commas and white space separate entries).
fn whitelist(items: &[String], field: &'static str) -> Result<String, ApiError> {
    if items.len() > MAX_ENTRIES {
        return Err(ApiError::Invalid {
            field,
            message: format!("At most {MAX_ENTRIES} entries, not {}.", items.len()),
        });
    }
    let several =
        |item: &&String| item.is_empty() || item.contains(|c: char| c == ',' || c.is_whitespace());
    if let Some(item) = items.iter().find(several) {
        return Err(ApiError::Invalid {
            field,
            message: format!("Give one entry per item, without commas or white space: “{item}”."),
        });
    }
    Ok(items.join(" "))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CreatedTokenResponse {
    pub token: ApiToken,
    /// The token itself. Shown this once: Tessera keeps only its hash.
    pub secret: String,
}

/// The caller's tokens, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/tokens",
    tag = "tokens",
    security(("bearer" = ["tokens:read"])),
    responses((status = 200, description = "The caller's tokens", body = [ApiToken]), AuthErrors)
)]
pub async fn list_tokens(
    State(state): State<AppState>,
    Scoped(ValidToken { found, .. }, ..): Scoped<TokensRead>,
) -> Result<Json<Vec<ApiToken>>, ApiError> {
    let now = state.services.clock.now();
    let records = state
        .services
        .store
        .tokens_of(found.owner.id)
        .await
        .map_err(app::error::AppError::from)?;
    Ok(Json(
        records.into_iter().map(|r| ApiToken::new(r, now)).collect(),
    ))
}

/// Creates a token for the caller. It keeps the calling token's limits: it holds no
/// permission that token lacks, expires no later, and its whitelists lie within that
/// token's (left empty, they are that token's).
#[utoipa::path(
    post,
    path = "/api/v1/tokens",
    tag = "tokens",
    security(("bearer" = ["tokens:write"])),
    request_body = CreateTokenRequest,
    responses(
        (status = 201, description = "Created; the secret is in this answer only", body = CreatedTokenResponse),
        (status = 422, description = "A field broke a rule (`validation_failed`, with `field`)", body = ErrorBody),
        AuthErrors
    )
)]
pub async fn create_token(
    State(state): State<AppState>,
    Scoped(ValidToken { found, .. }, ..): Scoped<TokensWrite>,
    caller: Caller,
    body: Result<Json<Object<CreateTokenRequest>>, JsonRejection>,
) -> Result<(StatusCode, Json<CreatedTokenResponse>), ApiError> {
    let Json(Object(body)) =
        body.map_err(|rejection| ApiError::UnreadableBody(rejection.body_text()))?;
    let missing = missing_from(&body.permissions, &found.token.restrictions.permissions);
    if !missing.is_empty() {
        return Err(ApiError::InsufficientScope(missing.join(" ")));
    }
    let now = state.services.clock.now();
    let policy = state
        .services
        .policy
        .get(state.services.store.as_ref())
        .await
        .map_err(app::error::AppError::from)?;
    let mut length = requested_length(&body, now, policy.lifetime.max_days)?;
    let asked_for_expiry =
        body.expires_at.is_some() || body.expires_in_days.is_some() || body.never_expires;
    // Unasked, the default stops where the calling token does.
    if let (false, Some(limit)) = (asked_for_expiry, found.token.expires_at) {
        if length.expires_at(now).is_none_or(|at| at > limit) {
            length = ExpirationLength::Custom(limit);
        }
    }
    let request = TokenRequest {
        ip_whitelist: whitelist(&body.ip_whitelist, "ip_whitelist")?,
        domain_whitelist: whitelist(&body.domain_whitelist, "domain_whitelist")?,
        label: body.label,
        description: body.description,
        length,
        permissions: body.permissions,
        made_with: Some(found.token.clone()),
    };
    let (record, plain) =
        issue_token(&state.services, &caller.acting_with(&found), request).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedTokenResponse {
            token: ApiToken::new(record, now),
            secret: plain.into_secret(),
        }),
    ))
}

fn requested_length(
    body: &CreateTokenRequest,
    now: DateTime<Utc>,
    max_days: Option<u32>,
) -> Result<ExpirationLength, ApiError> {
    let asked = asked_length(
        body.expires_at,
        body.expires_in_days,
        body.never_expires,
        now,
    )?;
    Ok(asked.unwrap_or(match max_days {
        Some(max) if max < 30 => ExpirationLength::Custom(now + Duration::days(i64::from(max))),
        _ => ExpirationLength::Days30,
    }))
}

/// The length a body asked for with `expires_at`, `expires_in_days` or `never_expires`;
/// `None` when it gave none of them.
fn asked_length(
    expires_at: Option<DateTime<Utc>>,
    expires_in_days: Option<u32>,
    never_expires: bool,
    now: DateTime<Utc>,
) -> Result<Option<ExpirationLength>, ApiError> {
    let invalid = |message: String| ApiError::Invalid {
        field: "expires",
        message,
    };
    match (expires_at, expires_in_days, never_expires) {
        (None, None, false) => Ok(None),
        (Some(at), None, false) if at <= now => Err(invalid(ExpiryError::CustomInPast.to_string())),
        (Some(at), None, false) => Ok(Some(ExpirationLength::Custom(at))),
        (None, Some(days), false) if (1..=3650).contains(&days) => Ok(Some(
            ExpirationLength::Custom(now + Duration::days(i64::from(days))),
        )),
        (None, Some(_), false) => Err(invalid("expires_in_days must be from 1 to 3650.".into())),
        (None, None, true) => Ok(Some(ExpirationLength::Never)),
        _ => Err(invalid(
            "Give at most one of expires_at, expires_in_days and never_expires.".into(),
        )),
    }
}

/// At most one of `expires_at`, `expires_in_days` and `never_expires` for the new token (the
/// `oneOf`); none gives it the rotated token's length (30 days when that was not 7, 30, 60,
/// 90 or 365 days, and never for a token that never expired).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateTokenRequest {
    /// In the future.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "whole_number")]
    #[schema(minimum = 1, maximum = 3650)]
    pub expires_in_days: Option<u32>,
    #[serde(default)]
    pub never_expires: bool,
    /// How long the rotated token keeps working: `none` (the default), `1h`, `24h` or `7d`.
    #[serde(default)]
    #[schema(schema_with = grace)]
    pub grace: Option<String>,
}

fn grace() -> Schema {
    let words = Grace::ALL.map(|grace| serde_json::Value::from(grace.as_str()));
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .enum_values(Some(words.into_iter().chain([serde_json::Value::Null])))
        .description(Some(
            "How long the rotated token keeps working: `none` (the default), `1h`, `24h` or `7d`.",
        ))
        .build()
        .into()
}

/// Replaces one of the caller's tokens with a new one that keeps its label, permissions and
/// whitelists. The old token stops at once, or when the grace period ends.
#[utoipa::path(
    post,
    path = "/api/v1/tokens/{id}/rotate",
    tag = "tokens",
    security(("bearer" = ["tokens:write"])),
    params(("id" = i64, Path, description = "The token's id")),
    request_body = RotateTokenRequest,
    responses(
        (status = 201, description = "Rotated; the new secret is in this answer only", body = CreatedTokenResponse),
        (status = 404, description = "No such token of the caller's (`not_found`)", body = ErrorBody),
        (status = 409, description = "The token is no longer active (`conflict`)", body = ErrorBody),
        (status = 422, description = "A field broke a rule (`validation_failed`, with `field`)", body = ErrorBody),
        AuthErrors
    )
)]
pub async fn rotate_token(
    State(state): State<AppState>,
    Scoped(ValidToken { found, .. }, ..): Scoped<TokensWrite>,
    caller: Caller,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Json<Object<RotateTokenRequest>>, JsonRejection>,
) -> Result<(StatusCode, Json<CreatedTokenResponse>), ApiError> {
    let Path(id) = id.map_err(|_| ApiError::NotFound("No such token."))?;
    let Json(Object(body)) =
        body.map_err(|rejection| ApiError::UnreadableBody(rejection.body_text()))?;
    let now = state.services.clock.now();
    let grace = match body.grace.as_deref() {
        None => Grace::None,
        Some(word) => Grace::parse(word).ok_or_else(|| ApiError::Invalid {
            field: "grace",
            message: "grace must be none, 1h, 24h or 7d.".into(),
        })?,
    };
    let length = asked_length(
        body.expires_at,
        body.expires_in_days,
        body.never_expires,
        now,
    )?;
    let (record, plain) = rotate_for(
        &state.services,
        &caller.acting_with(&found),
        id,
        length,
        grace,
        false,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedTokenResponse {
            token: ApiToken::new(record, now),
            secret: plain.into_secret(),
        }),
    ))
}

/// Expires one of the caller's tokens at once. Someone else's token is not found.
#[utoipa::path(
    delete,
    path = "/api/v1/tokens/{id}",
    tag = "tokens",
    security(("bearer" = ["tokens:write"])),
    params(("id" = i64, Path, description = "The token's id")),
    responses(
        (status = 200, description = "Expired", body = ApiToken),
        (status = 404, description = "No such token of the caller's (`not_found`)", body = ErrorBody),
        (status = 409, description = "Already expired (`conflict`)", body = ErrorBody),
        AuthErrors
    )
)]
pub async fn expire_token(
    State(state): State<AppState>,
    Scoped(ValidToken { found, .. }, ..): Scoped<TokensWrite>,
    caller: Caller,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<ApiToken>, ApiError> {
    let Path(id) = id.map_err(|_| ApiError::NotFound("No such token."))?;
    let record = expire_for(&state.services, &caller.acting_with(&found), id, false).await?;
    Ok(Json(ApiToken::new(record, state.services.clock.now())))
}
