//! Who an API call acts as, for the audit trail: the token's owner, through that token, from
//! the client's address and user agent.

use app::audit::{Actor, Via};
use app::services::ClientIp;
use app::store::BearerToken;
use axum::extract::FromRequestParts;
use http::request::Parts;
use std::convert::Infallible;

/// Where an API call comes from.
pub struct Caller {
    ip: Option<String>,
    user_agent: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Self {
            ip: parts
                .extensions
                .get::<ClientIp>()
                .and_then(|c| c.0)
                .map(|ip| ip.to_string()),
            user_agent: parts
                .headers
                .get(http::header::USER_AGENT)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned),
        })
    }
}

impl Caller {
    /// The actor of a call made with `found`.
    pub fn acting_with(self, found: &BearerToken) -> Actor {
        Actor {
            user: found.owner.clone(),
            via: Via::Token(found.token.id),
            client_ip: self.ip,
            user_agent: self.user_agent,
        }
    }
}
