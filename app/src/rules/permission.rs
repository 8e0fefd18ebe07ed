//! Permissions (OAuth-style scopes): what a token may do, who may grant what, and whether a
//! token holds what an endpoint needs.

use crate::users::Role;
use serde::{Deserialize, Serialize};

pub const PROFILE_READ: &str = "profile:read";
pub const TOKENS_READ: &str = "tokens:read";
pub const TOKENS_WRITE: &str = "tokens:write";
pub const REPORTS_READ: &str = "reports:read";
/// Lets a resource server ask Tessera about other tokens (RFC 7662).
pub const TOKENS_INTROSPECT: &str = "tokens:introspect";
pub const AUDIT_READ: &str = "audit:read";

/// A permission of the catalogue admins manage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Permission {
    pub name: String,
    pub description: String,
    /// Only admins may hold it, so only admins may grant it to a token.
    pub admin_only: bool,
    /// Tessera's own permissions cannot be removed.
    pub builtin: bool,
}

impl Permission {
    pub fn may_be_held_by(&self, role: Role) -> bool {
        !self.admin_only || role == Role::Admin
    }
}

pub const MAX_NAME_CHARS: usize = 64;
pub const MAX_DESCRIPTION_CHARS: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum PermissionError {
    #[error("Choose at least one permission.")]
    NoneChosen,
    #[error("“{0}” is not a permission. Ask an admin to add it first.")]
    Unknown(String),
    #[error("Only admins may grant “{0}”.")]
    NotForRole(String),
    #[error(
        "“{0}” is not a valid permission name: use 2 to 64 lowercase letters, digits and . _ - :, starting with a letter."
    )]
    InvalidName(String),
    #[error("Describe what the permission allows, in up to 200 characters.")]
    InvalidDescription,
}

/// Names are scope tokens (RFC 6749 §3.3) kept to a readable subset: `service:action`.
pub fn validate_name(raw: &str) -> Result<String, PermissionError> {
    let name = raw.trim();
    let valid = (2..=MAX_NAME_CHARS).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-:".contains(&b));
    if valid {
        Ok(name.to_owned())
    } else {
        Err(PermissionError::InvalidName(name.to_owned()))
    }
}

pub fn validate_description(raw: &str) -> Result<String, PermissionError> {
    let description = raw.trim();
    let chars = description.chars().count();
    if chars == 0 || chars > MAX_DESCRIPTION_CHARS || description.chars().any(char::is_control) {
        return Err(PermissionError::InvalidDescription);
    }
    Ok(description.to_owned())
}

/// The permissions someone with `role` may grant: the catalogue as they see it.
pub fn grantable_by(catalogue: &[Permission], role: Role) -> Vec<Permission> {
    catalogue
        .iter()
        .filter(|p| p.may_be_held_by(role))
        .cloned()
        .collect()
}

/// Checks a requested set of permissions for a new token and returns it sorted and without
/// duplicates. Every name must be in the catalogue and allowed for the creator's role.
pub fn check_grant(
    requested: &[String],
    catalogue: &[Permission],
    role: Role,
) -> Result<Vec<String>, PermissionError> {
    let mut granted: Vec<String> = Vec::new();
    for name in requested {
        let name = name.trim();
        let permission = catalogue
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| PermissionError::Unknown(name.to_owned()))?;
        if !permission.may_be_held_by(role) {
            return Err(PermissionError::NotForRole(name.to_owned()));
        }
        granted.push(permission.name.clone());
    }
    if granted.is_empty() {
        return Err(PermissionError::NoneChosen);
    }
    granted.sort();
    granted.dedup();
    Ok(granted)
}

/// Whether a token holding `held`, owned by someone with `role`, may do what needs `needed`
/// now. A permission removed from the catalogue, or one the owner's role no longer allows
/// (an admin made a user), is not honoured even though the token still lists it.
pub fn grants(held: &[String], needed: &str, role: Role, catalogue: &[Permission]) -> bool {
    held.iter().any(|name| name == needed) && grants_one(needed, role, catalogue)
}

/// The held permissions a token may use now: those still in the catalogue that its owner's
/// role may hold (an admin-only one stops counting when its owner stops being an admin).
pub fn usable<'a>(
    held: &'a [String],
    role: Role,
    catalogue: &'a [Permission],
) -> impl Iterator<Item = &'a str> + 'a {
    held.iter()
        .map(String::as_str)
        .filter(move |name| grants_one(name, role, catalogue))
}

fn grants_one(name: &str, role: Role, catalogue: &[Permission]) -> bool {
    catalogue
        .iter()
        .any(|p| p.name == name && p.may_be_held_by(role))
}

/// The permissions in `requested` that `held` lacks: a token cannot create a token that may
/// do more than it may itself.
pub fn missing_from<'a>(requested: &'a [String], held: &[String]) -> Vec<&'a str> {
    requested
        .iter()
        .filter(|name| !held.contains(name))
        .map(String::as_str)
        .collect()
}

/// Stored as one space-separated string, the way OAuth writes a scope.
pub fn join_scopes(names: &[String]) -> String {
    names.join(" ")
}

pub fn split_scopes(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalogue() -> Vec<Permission> {
        let p = |name: &str, admin_only| Permission {
            name: name.into(),
            description: "d".into(),
            admin_only,
            builtin: false,
        };
        vec![
            p(PROFILE_READ, false),
            p(TOKENS_READ, false),
            p(TOKENS_WRITE, false),
            p(REPORTS_READ, true),
            p("billing:read", false),
        ]
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn names_are_scope_tokens() {
        for good in [
            "tokens:read",
            "billing.invoices:write",
            "ci_deploy",
            "a1",
            "x-y",
        ] {
            assert_eq!(validate_name(good), Ok(good.to_owned()));
        }
        assert_eq!(validate_name("  ab  "), Ok("ab".to_owned()));
        for bad in [
            "",
            "a",
            "Tokens:read",
            "1abc",
            ":read",
            "has space",
            "ünï",
            "a\"b",
            &"a".repeat(65),
        ] {
            assert!(
                matches!(validate_name(bad), Err(PermissionError::InvalidName(_))),
                "{bad}"
            );
        }
        assert!(validate_name(&"a".repeat(64)).is_ok());
    }

    #[test]
    fn descriptions_are_required_and_short() {
        assert_eq!(
            validate_description(" Read invoices "),
            Ok("Read invoices".to_owned())
        );
        assert!(validate_description("  ").is_err());
        assert!(validate_description(&"x".repeat(201)).is_err());
        assert!(validate_description("a\nb").is_err());
    }

    #[test]
    fn users_cannot_grant_admin_only_permissions() {
        let c = catalogue();
        assert_eq!(
            check_grant(&names(&[REPORTS_READ]), &c, Role::User),
            Err(PermissionError::NotForRole(REPORTS_READ.into()))
        );
        assert_eq!(
            check_grant(&names(&[REPORTS_READ]), &c, Role::Admin),
            Ok(names(&[REPORTS_READ]))
        );
        let visible: Vec<_> = grantable_by(&c, Role::User)
            .into_iter()
            .map(|p| p.name)
            .collect();
        assert!(!visible.contains(&REPORTS_READ.to_owned()));
        assert_eq!(grantable_by(&c, Role::Admin).len(), c.len());
    }

    #[test]
    fn grants_are_known_non_empty_sorted_and_unique() {
        let c = catalogue();
        assert_eq!(
            check_grant(&[], &c, Role::User),
            Err(PermissionError::NoneChosen)
        );
        assert_eq!(
            check_grant(&names(&["nope:x"]), &c, Role::Admin),
            Err(PermissionError::Unknown("nope:x".into()))
        );
        assert_eq!(
            check_grant(
                &names(&[TOKENS_WRITE, PROFILE_READ, TOKENS_WRITE]),
                &c,
                Role::User
            ),
            Ok(names(&[PROFILE_READ, TOKENS_WRITE]))
        );
    }

    #[test]
    fn usable_permissions_drop_removed_and_role_forbidden_ones() {
        let held = names(&[PROFILE_READ, REPORTS_READ, "gone:read", "billing:read"]);
        let catalogue = catalogue();
        let usable = |role| usable(&held, role, &catalogue).collect::<Vec<_>>();
        assert_eq!(
            usable(Role::Admin),
            [PROFILE_READ, REPORTS_READ, "billing:read"]
        );
        assert_eq!(usable(Role::User), [PROFILE_READ, "billing:read"]);
        // The same answer as asking for each permission in turn.
        for role in [Role::Admin, Role::User] {
            let one_by_one: Vec<&str> = held
                .iter()
                .map(String::as_str)
                .filter(|name| grants(&held, name, role, &catalogue))
                .collect();
            assert_eq!(usable(role), one_by_one);
        }
    }

    #[test]
    fn a_token_grants_only_what_it_holds_and_its_owner_may_hold() {
        let c = catalogue();
        let held = names(&[PROFILE_READ, REPORTS_READ]);
        assert!(grants(&held, PROFILE_READ, Role::User, &c));
        assert!(!grants(&held, TOKENS_READ, Role::User, &c));
        assert!(grants(&held, REPORTS_READ, Role::Admin, &c));
        // The owner was an admin when the token was made, and is not any more.
        assert!(!grants(&held, REPORTS_READ, Role::User, &c));
        // Removed from the catalogue.
        assert!(!grants(&names(&["gone:x"]), "gone:x", Role::Admin, &c));
    }

    #[test]
    fn missing_permissions_of_a_requested_set() {
        let held = names(&[TOKENS_WRITE, PROFILE_READ]);
        let requested = names(&[PROFILE_READ, TOKENS_READ, REPORTS_READ]);
        assert_eq!(
            missing_from(&requested, &held),
            vec![TOKENS_READ, REPORTS_READ]
        );
        assert!(missing_from(&names(&[PROFILE_READ]), &held).is_empty());
    }

    #[test]
    fn scopes_round_trip_through_text() {
        let list = names(&[PROFILE_READ, TOKENS_READ]);
        assert_eq!(join_scopes(&list), "profile:read tokens:read");
        assert_eq!(split_scopes(&join_scopes(&list)), list);
        assert!(split_scopes("").is_empty());
    }
}
