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

pub const MAX_DESCRIPTION_CHARS: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum DescriptionError {
    #[error("The description can be at most 500 characters long (this one has {0}).")]
    TooLong(usize),
}

/// An optional description, as it will be stored: trimmed, and empty when left out. Line
/// breaks are allowed; it is shown as typed.
pub fn validate_description(raw: &str) -> Result<String, DescriptionError> {
    let description = raw.trim();
    let chars = description.chars().count();
    if chars > MAX_DESCRIPTION_CHARS {
        return Err(DescriptionError::TooLong(chars));
    }
    Ok(description.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_description_is_optional_and_trimmed() {
        assert_eq!(validate_description(""), Ok(String::new()));
        assert_eq!(validate_description("  \n "), Ok(String::new()));
        assert_eq!(
            validate_description(" Deploys the site.\nOwned by ops. "),
            Ok("Deploys the site.\nOwned by ops.".to_owned())
        );
    }

    #[test]
    fn a_description_holds_at_most_500_characters() {
        assert!(validate_description(&"é".repeat(500)).is_ok());
        assert_eq!(
            validate_description(&"é".repeat(501)),
            Err(DescriptionError::TooLong(501))
        );
    }

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
