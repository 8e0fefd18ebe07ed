//! The Tessera server: persistence, bearer validation, the router and the CLI's commands.

pub mod address_limiter;
pub mod audit_csv;
pub mod backup;
pub mod bearer;
pub mod bootstrap;
pub mod changes;
pub mod cli;
pub mod client_ip;
pub mod content_policy;
mod csv_chunks;
pub mod db;
pub mod demo;
#[cfg(test)]
mod fixtures;
pub mod headers;
pub mod housekeeping;
pub mod leaks;
pub mod mail;
pub mod metrics;
pub mod readiness;
pub mod report_csv;
pub mod request_log;
pub mod router;
pub mod session_layer;
pub mod state;
pub mod token_cli;
pub mod token_page;

pub use router::build_router;
pub use state::AppState;
