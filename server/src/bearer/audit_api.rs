//! `GET /api/v1/audit`: the audit trail for admins' scripts, filtered like the Audit Log page
//! and walked with a cursor, newest first.

use super::openapi::{one_of_words, AuthErrors};
use super::scopes::AuditRead;
use super::{ApiError, Scoped};
use crate::state::AppState;
use app::audit::{AuditCursor, AuditQuery};
use app::rules::audit::{AuditAction, SubjectKind};
use app::store::AuditRecord;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{IntoParams, ToSchema};

const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 500;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// A username: events that user made, or about their things.
    user: Option<String>,
    /// One action, such as `token.expired`; empty for any.
    #[param(schema_with = action_schema)]
    action: Option<String>,
    /// One kind of subject: `token`, `user`, `session`, `invitation` or `setting`; empty for
    /// any.
    #[param(schema_with = subject_schema)]
    subject: Option<String>,
    /// Events about this token, or the rotation that made it.
    token: Option<i64>,
    /// The start of the client address: `10.1.` finds `10.1.2.3`.
    address: Option<String>,
    /// The first day (UTC), inclusive.
    from: Option<NaiveDate>,
    /// The last day (UTC), inclusive.
    to: Option<NaiveDate>,
    /// `next_cursor` of the page before, for the events after it; empty for the first page.
    #[param(schema_with = cursor_schema)]
    cursor: Option<String>,
    /// Events per page, 1 to 500 (100 when not given).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
}

// Empty filters are no filters, as on the Audit Log page's form.

fn action_schema() -> Schema {
    let actions = AuditAction::ALL.map(AuditAction::as_str);
    one_of_words(
        std::iter::once("").chain(actions),
        "One action, such as `token.expired`; empty for any.",
    )
}

fn subject_schema() -> Schema {
    let kinds = SubjectKind::ALL.map(SubjectKind::as_str);
    one_of_words(
        std::iter::once("").chain(kinds),
        "One kind of subject; empty for any.",
    )
}

/// A cursor is opaque to callers, but the document says what the server reads
/// (`AuditCursor::decode`): seconds and an id.
pub(super) const CURSOR_PATTERN: &str = "^(?:[0-9]{1,12}\\.[0-9]{1,18})?$";

fn cursor_schema() -> Schema {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(CURSOR_PATTERN))
        .description(Some(
            "`next_cursor` of the page before, for the events after it; empty for the first page.",
        ))
        .build()
        .into()
}

/// One page of events, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEvents {
    pub events: Vec<ApiAuditEvent>,
    /// Pass it as `cursor` for the next page; `null` on the last one.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiAuditEvent {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// `token.created`, `token.rotated`, `token.expired`, `token.deactivated`, ….
    pub action: String,
    /// `user` (in the browser), `token` (through the API) or `system` (Tessera itself).
    pub actor_kind: String,
    pub actor_username: Option<String>,
    pub actor_name: Option<String>,
    /// The hint of the token an API call came with.
    pub actor_token_hint: Option<String>,
    /// `token`.
    pub subject_kind: String,
    pub subject_id: Option<i64>,
    pub subject_label: Option<String>,
    /// The username of whose the subject is.
    pub subject_owner: Option<String>,
    /// Another thing the event concerns: the token a rotation made.
    pub related_id: Option<i64>,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    /// What else the event says, by action: permissions granted, expiries, who expired it.
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

impl From<AuditRecord> for ApiAuditEvent {
    fn from(record: AuditRecord) -> Self {
        Self {
            id: record.id,
            at: record.at,
            action: record.action.as_str().to_owned(),
            actor_kind: record.actor.as_str().to_owned(),
            actor_username: record.actor_username,
            actor_name: record.actor_name,
            actor_token_hint: record.actor_token_hint,
            subject_kind: record.subject.as_str().to_owned(),
            subject_id: record.subject_id,
            subject_label: record.subject_label,
            subject_owner: record.subject_owner,
            related_id: record.related_id,
            client_ip: record.client_ip,
            user_agent: record.user_agent,
            detail: record.detail,
        }
    }
}

/// The audit trail, newest first, filtered like the Audit Log page. Follow `next_cursor`
/// for older events; a cursor stays valid however many events are added meanwhile.
#[utoipa::path(
    get,
    path = "/api/v1/audit",
    tag = "audit",
    security(("bearer" = ["audit:read"])),
    params(AuditParams),
    responses(
        (status = 200, description = "One page of events", body = AuditEvents),
        (status = 422, description = "An unknown action, a bad cursor or a limit out of range", body = super::ErrorBody),
        AuthErrors
    )
)]
pub async fn audit_events(
    State(state): State<AppState>,
    _caller: Scoped<AuditRead>,
    params: Result<Query<AuditParams>, QueryRejection>,
) -> Result<Json<AuditEvents>, ApiError> {
    let Query(params) =
        params.map_err(|rejection| ApiError::UnreadableBody(rejection.body_text()))?;
    let invalid = |field: &'static str, message: &str| ApiError::Invalid {
        field,
        message: message.to_owned(),
    };
    let action = match params.action.as_deref().filter(|a| !a.is_empty()) {
        Some(text) => Some(AuditAction::parse(text).ok_or_else(|| {
            invalid(
                "action",
                "No such action; see the list in the documentation.",
            )
        })?),
        None => None,
    };
    let subject = match params.subject.as_deref().filter(|s| !s.is_empty()) {
        Some(text) => Some(SubjectKind::parse(text).ok_or_else(|| {
            invalid(
                "subject",
                "Name token, user, session, invitation or setting.",
            )
        })?),
        None => None,
    };
    let cursor =
        match params.cursor.as_deref().filter(|c| !c.is_empty()) {
            Some(text) => Some(AuditCursor::decode(text).ok_or_else(|| {
                invalid("cursor", "Pass a next_cursor exactly as a page gave it.")
            })?),
            None => None,
        };
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(invalid("limit", "Ask for 1 to 500 events a page."));
    }
    let query = AuditQuery {
        user: params.user.unwrap_or_default().trim().to_owned(),
        action,
        subject,
        token: params.token,
        address: params.address.unwrap_or_default().trim().to_owned(),
        from: params.from,
        to: params.to,
        page: 1,
    };
    let events = state
        .services
        .store
        .audit_events_before(&query, cursor, limit)
        .await
        .map_err(|error| {
            tracing::error!(%error, "audit events read failed");
            ApiError::Internal
        })?;
    let next_cursor = (events.len() == limit as usize)
        .then(|| {
            events.last().map(|last| {
                AuditCursor {
                    at: last.at,
                    id: last.id,
                }
                .encode()
            })
        })
        .flatten();
    Ok(Json(AuditEvents {
        events: events.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}
