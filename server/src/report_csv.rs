//! `GET /admin/users.csv` (and `/api/v1/reports/users.csv` for tokens): the System Users
//! report as CSV, every row, streamed from the database so memory stays flat however large
//! the report is.

use crate::csv_chunks::{CsvChunks, CHUNK_BYTES};
use crate::session_layer::AdminSession;
use crate::state::AppState;
use app::report::parse_query_string;
use app::store::ExportRow;
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use futures::StreamExt;
use http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};

const HEADER: [&str; 17] = [
    "Username",
    "Display name",
    "E-mail",
    "Role",
    "Login Active",
    "Current",
    "Active tokens",
    "Label",
    "Hint",
    "Created (UTC)",
    "Expires (UTC)",
    "Permissions",
    "Last used (UTC)",
    "Last used IP",
    "Last IPs",
    "Status",
    "Expired by",
];

pub async fn export_csv(
    State(state): State<AppState>,
    _admin: AdminSession,
    RawQuery(query): RawQuery,
) -> Response {
    csv_response(&state, &query.unwrap_or_default())
}

/// The report `query` (a URL query string) as a streamed CSV download.
pub fn csv_response(state: &AppState, query: &str) -> Response {
    let query = parse_query_string(query);
    let filename = format!("system-users-{}.csv", query.preset.slug());
    let now = state.services.clock.now();
    let store = state.services.store.clone();

    let lines = async_stream::stream! {
        // Rows go out in chunks of about 64 KiB: one chunk per row costs more than the row.
        let mut csv = CsvChunks::default();
        csv.write(HEADER.iter().map(|cell| cell.to_string()));
        let mut rows = store.export_rows(query, now);
        while let Some(row) = rows.next().await {
            match row {
                Ok(row) => {
                    csv.write(cells(&row, now));
                    if csv.len() >= CHUNK_BYTES {
                        yield Ok::<_, std::io::Error>(csv.take());
                    }
                }
                Err(error) => {
                    // The status line is gone already; cutting the body short tells the client.
                    tracing::error!(%error, "CSV export failed part way");
                    yield Err(std::io::Error::other("export failed"));
                    return;
                }
            }
        }
        yield Ok(csv.take());
    };
    (
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        Body::from_stream(lines),
    )
        .into_response()
}

fn cells(row: &ExportRow, now: DateTime<Utc>) -> Vec<String> {
    let yes_no = |value: bool| if value { "Yes" } else { "No" }.to_owned();
    let time = |at: Option<DateTime<Utc>>| {
        at.map(|at| at.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default()
    };
    let user = &row.user;
    let mut cells = vec![
        user.username.clone(),
        user.display_name.clone(),
        user.email.clone(),
        user.role.words().to_owned(),
        yes_no(user.login_active),
        yes_no(user.current),
        user.active_tokens.to_string(),
    ];
    match &row.token {
        Some(token) => cells.extend([
            token.label.clone(),
            token.hint.clone(),
            time(Some(token.created_at)),
            token
                .expires_at
                .map_or_else(|| "Never".to_owned(), |at| time(Some(at))),
            token.restrictions.permissions.join(" "),
            time(token.last_used_at),
            token.last_used_ip.clone().unwrap_or_default(),
            row.recent_ips.join(" "),
            token.status_at(now).words().to_owned(),
            token.expired_by.clone().unwrap_or_default(),
        ]),
        None => cells.extend(std::iter::repeat_n(String::new(), 10)),
    }
    cells
}
