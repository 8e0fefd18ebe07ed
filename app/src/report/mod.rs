//! The System Users report: users, their Access Tokens, example reports, CSV export, and
//! user administration. Admins only.

pub mod bulk;
pub mod csv_cell;
pub mod lookup;
mod page;
pub mod query;
#[cfg(feature = "ssr")]
mod server;
mod user_editor;

pub use page::{report_href, SystemUsersPage};
pub use query::{Preset, ReportQuery, SortColumn, StatusFilter};

use crate::error::AppError;
use crate::tokens::TokenView;
use crate::users::Role;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One user row of the report with its Access Tokens subtable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportUserView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub role: Role,
    pub login_active: bool,
    pub current: bool,
    pub active_tokens: i64,
    pub tokens: Vec<TokenView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportView {
    pub query: ReportQuery,
    pub users: Vec<ReportUserView>,
    /// Users in the whole report, over all pages.
    pub total: u64,
    /// Active tokens the report shows, over all pages: what bulk expiry may take.
    pub matching_active: u64,
    /// The admin looking at it, who may not demote or deactivate themselves.
    pub viewer_id: i64,
}

impl ReportView {
    pub fn pages(&self) -> u32 {
        let per = u64::from(self.query.per_page.max(1));
        (self.total.div_ceil(per)).max(1) as u32
    }
}

/// Reads a query string (`preset=…&q=…`, no leading `?`) into a report query.
pub fn parse_query_string(query: &str) -> ReportQuery {
    let pairs: Vec<(String, String)> =
        form_urlencoded::parse(query.trim_start_matches('?').as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
    ReportQuery::from_params(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

/// `query` is the report's URL query string, so a bookmark, the page and the CSV export
/// all describe a report the same way.
#[server(prefix = "/rpc", endpoint = "report/users")]
pub async fn system_users_report(query: String) -> Result<ReportView, AppError> {
    crate::services::reply(server::report(parse_query_string(&query)).await)
}

/// What changing a user did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserUpdated {
    pub expired_tokens: u64,
}

#[server(prefix = "/rpc", endpoint = "users/update")]
pub async fn update_user(
    user_id: i64,
    role: Role,
    login_active: bool,
    current: bool,
    expire_active_tokens: bool,
) -> Result<UserUpdated, AppError> {
    crate::services::reply(
        server::update_user(user_id, role, login_active, current, expire_active_tokens).await,
    )
}
