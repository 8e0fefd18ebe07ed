//! What events about users, sessions, invitations and company security add in words: the
//! token events' own words are in `tokens::history`.

use crate::rules::audit::AuditAction;
use serde_json::Value;

/// The note of an event that is not about a token; `None` for token events.
pub fn note(action: AuditAction, detail: &Value) -> Option<String> {
    let text = |key: &str| detail[key].as_str().map(str::to_owned);
    match action {
        AuditAction::UserRoleChanged => text("to").map(|role| format!("to {role}")),
        AuditAction::UserLoginActiveChanged | AuditAction::UserCurrentChanged => detail["to"]
            .as_bool()
            .map(|on| if on { "to Yes" } else { "to No" }.to_owned()),
        AuditAction::PasswordReset => Some("with a reset link".to_owned()),
        AuditAction::SignInSucceeded => match detail["second_factor"].as_str() {
            Some("authenticator") => Some("with an authenticator code".to_owned()),
            Some("recovery_code") => Some("with a recovery code".to_owned()),
            _ => None,
        },
        AuditAction::SignInFailed => {
            let who = text("username").map(|name| format!("as {name}"));
            let why = text("reason");
            match (who, why) {
                (Some(who), Some(why)) => Some(format!("{who}: {why}")),
                (who, why) => who.or(why),
            }
        }
        AuditAction::InvitationSent
        | AuditAction::InvitationResent
        | AuditAction::InvitationRevoked
        | AuditAction::InvitationAccepted => text("email").map(|email| match text("role") {
            Some(role) => format!("for {email} as {role}"),
            None => format!("for {email}"),
        }),
        AuditAction::SecuritySaved => {
            let setting = text("setting")?;
            Some(format!("{setting}: {}", value_words(&detail["value"])))
        }
        AuditAction::PasswordChanged
        | AuditAction::TwoFactorOn
        | AuditAction::TwoFactorOff
        | AuditAction::SessionDeactivated => None,
        AuditAction::TokenCreated
        | AuditAction::TokenRotated
        | AuditAction::TokenExpired
        | AuditAction::TokenDeactivated
        | AuditAction::TokenReactivated => None,
    }
}

/// A setting's new value in words: "none" for nothing, lists joined by commas.
fn value_words(value: &Value) -> String {
    match value {
        Value::Null => "none".to_owned(),
        Value::String(text) => text.clone(),
        Value::Array(items) if items.is_empty() => "empty".to_owned(),
        Value::Array(items) => items.iter().map(value_words).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_kind_of_event_says_what_changed() {
        let cases = [
            (
                AuditAction::UserRoleChanged,
                json!({"from": "User", "to": "Admin"}),
                Some("to Admin"),
            ),
            (
                AuditAction::UserLoginActiveChanged,
                json!({"from": true, "to": false}),
                Some("to No"),
            ),
            (
                AuditAction::UserCurrentChanged,
                json!({"from": false, "to": true}),
                Some("to Yes"),
            ),
            (AuditAction::PasswordChanged, json!({}), None),
            (
                AuditAction::PasswordReset,
                json!({}),
                Some("with a reset link"),
            ),
            (
                AuditAction::SignInSucceeded,
                json!({"second_factor": null}),
                None,
            ),
            (
                AuditAction::SignInSucceeded,
                json!({"second_factor": "recovery_code"}),
                Some("with a recovery code"),
            ),
            (
                AuditAction::SignInSucceeded,
                json!({"second_factor": "authenticator"}),
                Some("with an authenticator code"),
            ),
            (
                AuditAction::SignInFailed,
                json!({"username": "mallory", "reason": "unknown username"}),
                Some("as mallory: unknown username"),
            ),
            (
                AuditAction::InvitationSent,
                json!({"email": "bo@example.com", "role": "Admin"}),
                Some("for bo@example.com as Admin"),
            ),
            (
                AuditAction::InvitationRevoked,
                json!({"email": "bo@example.com"}),
                Some("for bo@example.com"),
            ),
            (
                AuditAction::SecuritySaved,
                json!({"setting": "allowlist", "value": ["10.0.0.0/8", "192.0.2.7/32"]}),
                Some("allowlist: 10.0.0.0/8, 192.0.2.7/32"),
            ),
            (
                AuditAction::SecuritySaved,
                json!({"setting": "allowlist", "value": []}),
                Some("allowlist: empty"),
            ),
            (
                AuditAction::SecuritySaved,
                json!({"setting": "maximum token lifetime (days)", "value": null}),
                Some("maximum token lifetime (days): none"),
            ),
            (
                AuditAction::SecuritySaved,
                json!({"setting": "audit retention (days)", "value": 30}),
                Some("audit retention (days): 30"),
            ),
            (AuditAction::TokenCreated, json!({}), None),
        ];
        for (action, detail, expected) in cases {
            assert_eq!(note(action, &detail).as_deref(), expected, "{action:?}");
        }
    }
}
