//! Refuses passwords that are easy to guess: common ones, keyboard walks, dates, repeats,
//! and ones built from the person's own name, as zxcvbn's word lists and patterns judge them.

use crate::error::{AppError, Field};
use crate::rules::invitation::check_confirmation;
use crate::rules::password::validate_password;
use zxcvbn::{zxcvbn, Score};

/// The checks every newly chosen password passes, wherever it is chosen: its length, its
/// confirmation, and how hard it is to guess.
pub fn check_new_password(
    password: &str,
    confirmation: &str,
    personal: &[&str],
) -> Result<(), AppError> {
    validate_password(password).map_err(|e| AppError::invalid(Field::Password, e))?;
    if let Some(reason) = too_easy_to_guess(password, personal) {
        return Err(AppError::invalid(Field::Password, reason));
    }
    check_confirmation(password, confirmation)
        .map_err(|e| AppError::invalid(Field::PasswordConfirmation, e))
}

/// Why `password` is too easy to guess, in words for the person choosing it, or `None`.
/// `personal` holds what an attacker would try first for this person: their username,
/// display name and e-mail address.
pub fn too_easy_to_guess(password: &str, personal: &[&str]) -> Option<String> {
    // "Alice Example" and "alice.example@corp.example" are tried word by word too.
    let words: Vec<&str> = personal
        .iter()
        .flat_map(|text| std::iter::once(*text).chain(text.split(|c: char| !c.is_alphanumeric())))
        .filter(|word| word.chars().count() >= 3)
        .collect();
    let estimate = zxcvbn(password, &words);
    // Three is about 10^10 guesses: out of reach of an online attack, and of a slow
    // offline one against argon2id for a good while.
    if estimate.score() >= Score::Three {
        return None;
    }
    let feedback = estimate.feedback();
    let warning = feedback.and_then(|f| f.warning()).map(|w| w.to_string());
    let suggestion = feedback
        .and_then(|f| f.suggestions().first())
        .map(|s| s.to_string());
    let mut message = String::from("This password is too easy to guess.");
    for part in [warning, suggestion].into_iter().flatten() {
        message.push(' ');
        message.push_str(&part);
    }
    Some(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_passwords_are_refused_with_the_reason() {
        let refusal = too_easy_to_guess("password1", &[]).unwrap();
        assert!(
            refusal.starts_with("This password is too easy to guess."),
            "{refusal}"
        );
        assert!(refusal.contains("common"), "{refusal}");
        for common in [
            "12345678",
            "qwertyuiop",
            "iloveyou",
            "Passw0rd!",
            "aaaaaaaaaa",
        ] {
            assert!(too_easy_to_guess(common, &[]).is_some(), "{common}");
        }
    }

    #[test]
    fn the_persons_own_name_does_not_make_a_password() {
        assert!(too_easy_to_guess("alicealice", &[]).is_some());
        assert!(too_easy_to_guess("AliceExample", &["alice", "Alice Example"]).is_some());
        assert!(too_easy_to_guess("examplealice", &["alice.example@corp.example"]).is_some());
    }

    #[test]
    fn long_unrelated_words_pass() {
        for strong in [
            "correct horse battery",
            "gravel-orchid-tundra-42",
            "Tq8#vLm2pZx!",
        ] {
            assert_eq!(too_easy_to_guess(strong, &["alice"]), None, "{strong}");
        }
    }
}
