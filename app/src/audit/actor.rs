use crate::error::AppError;
use crate::services::{client_ip, require_admin, signed_in};
use crate::store::{Audit, TokenId, UserSummary};
use chrono::{DateTime, Utc};
use leptos::prelude::use_context;

/// The request's User-Agent.
fn user_agent() -> Option<String> {
    use_context::<http::request::Parts>().and_then(|parts| {
        parts
            .headers
            .get(http::header::USER_AGENT)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    })
}

/// How a change came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// A signed-in session in the browser.
    Browser,
    /// An API call with this personal access token.
    Token(TokenId),
    /// `tessera` on the server's command line.
    CommandLine,
}

/// Who is acting in a request: the user (or the owner of the token that calls), how they came
/// in, and from where. Every change is recorded under it.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: UserSummary,
    pub via: Via,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
}

impl Actor {
    /// The signed-in user of the request being served, in the browser.
    pub fn signed_in() -> Result<Self, AppError> {
        Ok(Self::in_browser(signed_in()?.user))
    }

    /// The signed-in user, if they are an admin.
    pub fn admin() -> Result<Self, AppError> {
        Ok(Self::in_browser(require_admin()?.user))
    }

    fn in_browser(user: UserSummary) -> Self {
        Self {
            user,
            via: Via::Browser,
            client_ip: client_ip().map(|ip| ip.to_string()),
            user_agent: user_agent(),
        }
    }

    /// What the audit trail records of someone not signed in, such as a sign-in that failed,
    /// at `at`: only where they came from.
    pub fn visitor(at: DateTime<Utc>) -> Audit {
        Audit::by_visitor(at).from_client(client_ip().map(|ip| ip.to_string()), user_agent())
    }

    /// What the audit trail records of a change this actor makes at `at`.
    pub fn audit(&self, at: DateTime<Utc>) -> Audit {
        let audit = match self.via {
            Via::Browser => Audit::by_user(self.user.id, at),
            Via::Token(token) => Audit::by_user(self.user.id, at).with_token(token),
            // The operator at the console, not the user the command names.
            Via::CommandLine => Audit::by_system(at),
        };
        audit.from_client(self.client_ip.clone(), self.user_agent.clone())
    }
}
