//! The permission each API endpoint needs, as types, so a handler states it in its
//! signature and cannot forget it.

use app::rules::permission::{
    AUDIT_READ, PROFILE_READ, REPORTS_READ, TOKENS_INTROSPECT, TOKENS_READ, TOKENS_WRITE,
};

pub trait Scope: Send + Sync + 'static {
    const NAME: &'static str;
}

macro_rules! scopes {
    ($($(#[$doc:meta])* $marker:ident => $name:expr;)*) => {
        $( $(#[$doc])* pub struct $marker; impl Scope for $marker { const NAME: &'static str = $name; } )*
    };
}

scopes! {
    /// `profile:read`
    ProfileRead => PROFILE_READ;
    /// `tokens:read`
    TokensRead => TOKENS_READ;
    /// `tokens:write`
    TokensWrite => TOKENS_WRITE;
    /// `reports:read`
    ReportsRead => REPORTS_READ;
    /// `tokens:introspect`
    TokensIntrospect => TOKENS_INTROSPECT;
    /// `audit:read`
    AuditRead => AUDIT_READ;
}
