//! `tessera token add`: a token for a user from the shell, for provisioning a gateway's or a
//! script's token without a browser. The same rules as the profile form apply.

use app::audit::{Actor, Via};
use app::clock::SystemClock;
use app::error::AppError;
use app::rules::expiry::ExpirationLength;
use app::security::PolicyCache;
use app::services::Services;
use app::store::Store;
use app::tokens::issue::{issue_token, TokenRequest};
use std::error::Error;
use std::sync::Arc;

/// `tessera token add`'s arguments.
#[derive(clap::Args)]
pub struct TokenOrder {
    pub username: String,
    #[arg(long)]
    pub label: String,
    /// Days until it expires: 7, 30, 60, 90, 365, or never.
    #[arg(long, default_value = "30")]
    pub expires: String,
    /// A permission it holds; repeat for more.
    #[arg(long = "permission", required = true)]
    pub permissions: Vec<String>,
    /// Addresses or CIDR ranges it may be used from, separated by commas.
    #[arg(long, default_value = "")]
    pub ip_whitelist: String,
    /// Web origins whose pages may use it, separated by commas.
    #[arg(long, default_value = "")]
    pub domain_whitelist: String,
}

/// Creates the token and returns its secret, which is printed once and stored nowhere.
pub async fn add_token(store: Arc<dyn Store>, order: TokenOrder) -> Result<String, Box<dyn Error>> {
    let owner = store
        .find_credentials(&order.username)
        .await?
        .ok_or_else(|| format!("there is no user named '{}'", order.username))?
        .user;
    let clock = Arc::new(SystemClock);
    let length =
        ExpirationLength::from_form(&order.expires, "", 0, chrono::Utc::now()).map_err(|_| {
            format!(
                "--expires takes 7, 30, 60, 90, 365 or never, not '{}'",
                order.expires
            )
        })?;
    let services = Services {
        store,
        clock,
        secure_cookies: false,
        policy: Arc::new(PolicyCache::default()),
        public_url: String::new(),
        mailer: None,
    };
    let request = TokenRequest {
        label: order.label,
        description: String::new(),
        length,
        permissions: order.permissions,
        ip_whitelist: order.ip_whitelist,
        domain_whitelist: order.domain_whitelist,
        made_with: None,
    };
    let actor = Actor {
        user: owner,
        via: Via::CommandLine,
        client_ip: None,
        user_agent: None,
    };
    match issue_token(&services, &actor, request).await {
        Ok((_, plain)) => Ok(plain.into_secret()),
        Err(AppError::Invalid { message, .. }) => Err(message.into()),
        Err(other) => Err(other.to_string().into()),
    }
}
