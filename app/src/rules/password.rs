//! Password rules, the same for the CLI, the bootstrap admin and (later) invitations.

pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_CHARS: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("The password must be at least 8 characters long.")]
    TooShort,
    #[error("The password can be at most 256 characters long.")]
    TooLong,
}

pub fn validate_password(password: &str) -> Result<(), PasswordError> {
    match password.chars().count() {
        n if n < MIN_PASSWORD_CHARS => Err(PasswordError::TooShort),
        n if n > MAX_PASSWORD_CHARS => Err(PasswordError::TooLong),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds() {
        assert_eq!(validate_password(""), Err(PasswordError::TooShort));
        assert_eq!(validate_password("1234567"), Err(PasswordError::TooShort));
        assert_eq!(validate_password("12345678"), Ok(()));
        assert_eq!(validate_password(&"x".repeat(256)), Ok(()));
        assert_eq!(
            validate_password(&"x".repeat(257)),
            Err(PasswordError::TooLong)
        );
    }
}
