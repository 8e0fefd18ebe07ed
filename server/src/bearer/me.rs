use super::openapi::AuthErrors;
use super::scopes::ProfileRead;
use super::{ApiError, Scoped};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use http::header::CONTENT_TYPE;
use http::HeaderValue;
use serde::{Serialize, Serializer};
use utoipa::ToSchema;

// Borrowed from the cached token: answering copies nothing but into the response body.
#[derive(Serialize, ToSchema)]
pub struct MeResponse<'a> {
    user: MeUser<'a>,
    token: MeToken<'a>,
}

#[derive(Serialize, ToSchema)]
struct MeUser<'a> {
    username: &'a str,
    display_name: &'a str,
}

#[derive(Serialize, ToSchema)]
struct MeToken<'a> {
    label: &'a str,
    hint: &'a str,
    #[serde(serialize_with = "rfc3339")]
    created: DateTime<Utc>,
    #[serde(serialize_with = "optional_rfc3339")]
    expires: Option<DateTime<Utc>>,
    permissions: &'a [String],
}

/// Who the presented token speaks for.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "profile",
    security(("bearer" = ["profile:read"])),
    responses((status = 200, description = "The token's owner and the token", body = MeResponse), AuthErrors)
)]
pub async fn me(Scoped(found, ..): Scoped<ProfileRead>) -> Response {
    let answer = MeResponse {
        user: MeUser {
            username: &found.owner.username,
            display_name: &found.owner.display_name,
        },
        token: MeToken {
            label: &found.token.label,
            hint: &found.token.hint,
            created: found.token.created_at,
            expires: found.token.expires_at,
            permissions: &found.token.restrictions.permissions,
        },
    };
    // Sized for a typical answer at once, where growing from axum's `Json` default would
    // copy it about twice.
    let mut body = Vec::with_capacity(384);
    match serde_json::to_writer(&mut body, &answer) {
        Ok(()) => (
            [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
            body,
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "could not write /me");
            ApiError::Internal.into_response()
        }
    }
}

// The same text as chrono's own `Serialize`, which writes a character at a time through the
// JSON escaper: formatting into one string first costs a fraction of that on a hot route.
fn rfc3339<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&at.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

fn optional_rfc3339<S: Serializer>(
    at: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => rfc3339(at, serializer),
        None => serializer.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn timestamps_read_as_chrono_writes_them() {
        let whole = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
        let fraction = whole + chrono::Duration::milliseconds(250);
        for at in [whole, fraction] {
            let ours = rfc3339(&at, serde_json::value::Serializer).unwrap();
            assert_eq!(ours, serde_json::to_value(at).unwrap());
        }
        let none = optional_rfc3339(&None, serde_json::value::Serializer).unwrap();
        assert_eq!(none, serde_json::Value::Null);
    }
}
