//! The audit trail: who did what, when and from where. The store writes each event in the
//! transaction of the change it describes; this module says who is acting, and shows the
//! trail to admins on the Audit Log page.

#[cfg(feature = "ssr")]
mod actor;
mod cursor;
#[cfg(feature = "ssr")]
pub mod notes;
mod page;
pub mod query;
#[cfg(feature = "ssr")]
mod server;

#[cfg(feature = "ssr")]
pub use actor::{Actor, Via};
pub use cursor::AuditCursor;
pub use page::AuditLogPage;
pub use query::AuditQuery;

use crate::error::AppError;
use crate::tokens::history::TokenEvent;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Where the Audit Log is.
pub const AUDIT_PATH: &str = "/admin/audit";

/// The Audit Log with these filters.
pub fn audit_href(query: &AuditQuery) -> String {
    format!("{AUDIT_PATH}{}", query.to_query_string())
}

/// One event as the Audit Log lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEventView {
    pub id: i64,
    /// When, who, what, from where, and what else, in words.
    pub event: TokenEvent,
    /// What it is about: "Token …k3Zq “deploy”".
    pub subject: String,
    pub token_id: Option<i64>,
    /// The username of whose the subject is.
    pub owner: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub query: AuditQuery,
    pub events: Vec<AuditEventView>,
    /// Events the filters match in all.
    pub total: u64,
}

/// `query` is the Audit Log's URL query string, so a link and the page describe a view the
/// same way.
#[server(prefix = "/rpc", endpoint = "audit/events")]
pub async fn audit_events(query: String) -> Result<AuditPage, AppError> {
    crate::services::reply(server::events(AuditQuery::from_query_string(&query)).await)
}
