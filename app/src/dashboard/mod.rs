//! The admins' overview of the token estate: how many tokens are in each group that needs
//! attention, each linking to the report that lists them; how the estate changes week by
//! week; and how token checks went day by day. Admins land here after signing in.

mod chart;
mod page;
#[cfg(feature = "ssr")]
mod server;

pub use page::DashboardPage;

use crate::error::AppError;
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// How many weeks the activity chart covers, the current one last.
pub const CHART_WEEKS: u32 = 52;
/// How many days the checks chart covers, today last.
pub const CHART_DAYS: u32 = 30;

/// Tokens in each of the overview's groups. All but `active` count active tokens only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EstateCounts {
    pub active: u64,
    pub expiring_within_7_days: u64,
    pub expiring_within_30_days: u64,
    pub never_expiring: u64,
    pub never_used: u64,
    /// Not used, or never used and created, 90 days ago or longer.
    pub unused_for_90_days: u64,
    /// Still active although their owner may no longer sign in or has left.
    pub of_inactive_users: u64,
}

/// One week of the activity chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekActivity {
    /// Monday midnight UTC.
    pub starts: DateTime<Utc>,
    pub created: u64,
    /// Expired by hand or by time during the week.
    pub expired: u64,
}

/// Token checks on one UTC day, over every token and the secrets that named none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayChecks {
    /// Midnight UTC.
    pub day: DateTime<Utc>,
    pub succeeded: u64,
    pub refused: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    pub counts: EstateCounts,
    /// `CHART_WEEKS` weeks, oldest first, weeks without activity included.
    pub weeks: Vec<WeekActivity>,
    /// `CHART_DAYS` days, oldest first, days without checks included. Counts reach the
    /// database once a minute, so the last minute's checks are not in yet.
    pub days: Vec<DayChecks>,
}

#[server(prefix = "/rpc", endpoint = "overview")]
pub async fn token_overview() -> Result<Overview, AppError> {
    crate::services::reply(server::overview().await)
}
