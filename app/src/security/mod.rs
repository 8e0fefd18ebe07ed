//! Company security, for admins: the IP allowlist, the maximum token lifetime, two-factor
//! sign-in, the unused-token policy, how long audit events are kept, and the permission
//! catalogue. The policy they make is
//! enforced at sign-in and on every token use.

mod allowlist_editor;
mod disuse_form;
mod page;
mod permissions_page;
#[cfg(feature = "ssr")]
pub mod policy;
mod retention_form;
#[cfg(feature = "ssr")]
mod server;

pub use page::SecurityPage;
pub use permissions_page::PermissionsPage;
#[cfg(feature = "ssr")]
pub use policy::{Policy, PolicyCache};

use crate::error::AppError;
use crate::rules::network::AllowlistEntry;
use crate::rules::permission::Permission;
use crate::rules::two_factor::TwoFactorRequirement;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityView {
    pub max_token_days: Option<u32>,
    pub allowlist: Vec<AllowlistEntry>,
    /// The admin's own address as Tessera sees it, so they can tell whether a list keeps
    /// them in.
    pub your_address: Option<String>,
    pub two_factor: TwoFactorRequirement,
    /// Days a token may go unused before it is expired; `None`: never.
    pub unused_days: Option<u32>,
    /// Days audit events are kept.
    pub audit_retention_days: u32,
}

/// What saving the unused-token policy did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisuseSaved {
    pub unused_days: Option<u32>,
    /// Tokens expired at once because they had gone unused that long already.
    pub expired: u64,
}

/// One row of the allowlist form, as typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllowlistRow {
    pub address: String,
    pub bits: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionView {
    pub permission: Permission,
    /// Active tokens that hold it: they lose it if it is removed.
    pub active_tokens: u64,
}

#[server(prefix = "/rpc", endpoint = "security/settings")]
pub async fn security_settings() -> Result<SecurityView, AppError> {
    crate::services::reply(server::settings().await)
}

/// `max_token_days` as typed: blank for no maximum.
#[server(prefix = "/rpc", endpoint = "security/lifetime")]
pub async fn save_max_lifetime(max_token_days: String) -> Result<SecurityView, AppError> {
    crate::services::reply(server::save_max_lifetime(max_token_days).await)
}

/// Saves the whole list at once. A list that leaves out the admin's own address is refused
/// with [`AppError::LockoutRisk`] unless `confirm_lockout` says they saw that and agreed.
#[server(prefix = "/rpc", endpoint = "security/allowlist", input = Json)]
pub async fn save_allowlist(
    entries: Vec<AllowlistRow>,
    confirm_lockout: bool,
) -> Result<SecurityView, AppError> {
    crate::services::reply(server::save_allowlist(entries, confirm_lockout).await)
}

/// The same, as a browser posts the editor's form itself (before the page hydrates, or
/// without JavaScript): rows whose address was left blank, or cleared, add nothing.
#[server(prefix = "/rpc", endpoint = "security/allowlist-form")]
pub async fn save_allowlist_form(
    #[server(default)] entries: Vec<AllowlistRow>,
    #[server(default)] confirm_lockout: bool,
) -> Result<SecurityView, AppError> {
    let typed = entries
        .into_iter()
        .filter(|row| !row.address.trim().is_empty())
        .collect();
    crate::services::reply(server::save_allowlist(typed, confirm_lockout).await)
}

/// `rule` is `nobody`, `admins` or `everyone`.
#[server(prefix = "/rpc", endpoint = "security/two-factor")]
pub async fn save_two_factor_requirement(rule: String) -> Result<SecurityView, AppError> {
    crate::services::reply(server::save_two_factor_requirement(rule).await)
}

/// `unused_days` as typed: blank turns the policy off. A policy that would expire tokens at
/// once is refused with [`AppError::WouldExpireUnused`] unless `confirm_expiring` says the
/// admin saw how many and agreed; then they are expired before the answer.
#[server(prefix = "/rpc", endpoint = "security/unused-tokens")]
pub async fn save_disuse_policy(
    unused_days: String,
    #[server(default)] confirm_expiring: bool,
) -> Result<DisuseSaved, AppError> {
    crate::services::reply(server::save_disuse_policy(unused_days, confirm_expiring).await)
}

/// `days` as typed: how long audit events are kept.
#[server(prefix = "/rpc", endpoint = "security/audit-retention")]
pub async fn save_audit_retention(days: String) -> Result<SecurityView, AppError> {
    crate::services::reply(server::save_audit_retention(days).await)
}

#[server(prefix = "/rpc", endpoint = "permissions/list")]
pub async fn list_permissions() -> Result<Vec<PermissionView>, AppError> {
    crate::services::reply(server::list_permissions().await)
}

#[server(prefix = "/rpc", endpoint = "permissions/add")]
pub async fn add_permission(
    name: String,
    description: String,
    admin_only: bool,
) -> Result<Permission, AppError> {
    crate::services::reply(server::add_permission(name, description, admin_only).await)
}

#[server(prefix = "/rpc", endpoint = "permissions/remove")]
pub async fn remove_permission(name: String) -> Result<(), AppError> {
    crate::services::reply(server::remove_permission(name).await)
}
