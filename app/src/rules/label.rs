//! Token labels: what a person calls a token so they recognise it later.

use serde::{Deserialize, Serialize};

pub const MAX_LABEL_CHARS: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum LabelError {
    #[error("Enter a label.")]
    Empty,
    #[error("The label can be at most 100 characters long (this one has {0}).")]
    TooLong(usize),
    #[error("The label cannot contain line breaks or other control characters.")]
    ControlCharacter,
}

/// Returns the label as it will be stored: trimmed of surrounding white space.
pub fn validate_label(raw: &str) -> Result<String, LabelError> {
    let label = raw.trim();
    let chars = label.chars().count();
    if chars == 0 {
        return Err(LabelError::Empty);
    }
    if chars > MAX_LABEL_CHARS {
        return Err(LabelError::TooLong(chars));
    }
    if label.chars().any(char::is_control) {
        return Err(LabelError::ControlCharacter);
    }
    Ok(label.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_accepts_ordinary_labels() {
        assert_eq!(validate_label("  CI deploy  "), Ok("CI deploy".to_owned()));
        assert_eq!(validate_label("x"), Ok("x".to_owned()));
        assert_eq!(
            validate_label("InCert sync – Zürich"),
            Ok("InCert sync – Zürich".to_owned())
        );
    }

    #[test]
    fn empty_or_blank_is_refused() {
        assert_eq!(validate_label(""), Err(LabelError::Empty));
        assert_eq!(validate_label(" \t "), Err(LabelError::Empty));
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        assert!(validate_label(&"é".repeat(100)).is_ok());
        assert_eq!(
            validate_label(&"é".repeat(101)),
            Err(LabelError::TooLong(101))
        );
        assert!(validate_label(&"a".repeat(100)).is_ok());
        assert_eq!(
            validate_label(&"a".repeat(101)),
            Err(LabelError::TooLong(101))
        );
        // Surrounding blanks do not count against the limit.
        assert!(validate_label(&format!("  {}  ", "a".repeat(100))).is_ok());
    }

    #[test]
    fn control_characters_are_refused() {
        assert_eq!(
            validate_label("two\nlines"),
            Err(LabelError::ControlCharacter)
        );
        assert_eq!(
            validate_label("bell\u{7}"),
            Err(LabelError::ControlCharacter)
        );
    }
}
