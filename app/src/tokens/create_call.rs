//! Create Token's server function, in a module of its own: it takes one argument per field
//! of the form, as the browser posts them, more than clippy likes anywhere else.
#![allow(clippy::too_many_arguments)]

use super::CreatedToken;
use crate::error::AppError;
use leptos::prelude::*;

/// `length` is a value of [`crate::rules::expiry::LENGTH_CHOICES`]; `custom_expiry` is the
/// browser's local `YYYY-MM-DDTHH:MM` and `utc_offset_minutes` that moment's offset.
/// `permissions` are separated by spaces, the whitelists by commas, spaces or lines.
#[server(prefix = "/rpc", endpoint = "tokens/create")]
pub async fn create_token(
    label: String,
    #[server(default)] description: String,
    length: String,
    custom_expiry: String,
    utc_offset_minutes: i32,
    permissions: String,
    #[server(default)] ip_whitelist: String,
    #[server(default)] domain_whitelist: String,
) -> Result<CreatedToken, AppError> {
    crate::services::reply(
        super::server::create(CreateToken {
            label,
            description,
            length,
            custom_expiry,
            utc_offset_minutes,
            permissions,
            ip_whitelist,
            domain_whitelist,
        })
        .await,
    )
}
