//! Who an API call acts as, for the audit trail: the token's owner, through that token, from
//! the client's address and user agent; or, without a token, only where it came from.

use app::audit::{Actor, Via};
use app::services::ClientIp;
use app::store::{Audit, BearerToken};
use axum::extract::FromRequestParts;
use chrono::{DateTime, Utc};
use http::request::Parts;
use std::convert::Infallible;
use std::net::IpAddr;

/// Where an API call comes from.
pub struct Caller {
    pub address: Option<IpAddr>,
    ip: Option<String>,
    user_agent: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        let address = parts.extensions.get::<ClientIp>().and_then(|c| c.0);
        Ok(Self {
            address,
            ip: address.map(|ip| ip.to_string()),
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

    /// What Tessera did at `at` on the word of a caller without a token.
    pub fn unauthenticated(self, at: DateTime<Utc>) -> Audit {
        Audit::by_system(at).from_client(self.ip, self.user_agent)
    }
}
