//! Usernames are stored in lower case so that sign-in ignores case on every database.

pub const MAX_USERNAME_CHARS: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UsernameError {
    #[error("Enter a username.")]
    Empty,
    #[error("A username can be at most 64 characters long.")]
    TooLong,
    #[error("A username may contain only letters, digits, '.', '_' and '-', and starts with a letter or digit.")]
    Characters,
}

/// Returns the username as stored: trimmed and in lower case.
pub fn normalize_username(raw: &str) -> Result<String, UsernameError> {
    let name = raw.trim().to_ascii_lowercase();
    if name.is_empty() {
        return Err(UsernameError::Empty);
    }
    if name.chars().count() > MAX_USERNAME_CHARS {
        return Err(UsernameError::TooLong);
    }
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c);
    let starts_well = name.starts_with(|c: char| c.is_ascii_alphanumeric());
    if !starts_well || !name.chars().all(allowed) {
        return Err(UsernameError::Characters);
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_case_and_blanks() {
        assert_eq!(
            normalize_username("  Alice.Smith "),
            Ok("alice.smith".into())
        );
        assert_eq!(normalize_username("a"), Ok("a".into()));
        assert_eq!(normalize_username("ops-bot_2"), Ok("ops-bot_2".into()));
    }

    #[test]
    fn refuses_bad_names() {
        assert_eq!(normalize_username(""), Err(UsernameError::Empty));
        assert_eq!(
            normalize_username(&"a".repeat(65)),
            Err(UsernameError::TooLong)
        );
        assert!(normalize_username(&"a".repeat(64)).is_ok());
        for bad in ["-lead", ".dot", "with space", "ümlaut", "a/b", "semi;colon"] {
            assert_eq!(
                normalize_username(bad),
                Err(UsernameError::Characters),
                "{bad}"
            );
        }
    }
}
