//! Two-factor sign-in rules: who must use it, which time steps a code may come from, and the
//! shape of recovery codes.

use serde::{Deserialize, Serialize};

/// TOTP codes change every 30 seconds (RFC 6238's default, which every authenticator app uses).
pub const STEP_SECONDS: i64 = 30;
/// Codes have six digits.
pub const CODE_DIGITS: usize = 6;
/// How many recovery codes a user gets at a time.
pub const RECOVERY_CODES: usize = 10;
/// How long someone who typed the right password has to enter their code.
pub const CHALLENGE_MINUTES: i64 = 5;

/// Who must sign in with a second factor, as the company's security settings say.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum TwoFactorRequirement {
    #[default]
    Nobody,
    Admins,
    Everyone,
}

impl TwoFactorRequirement {
    pub const ALL: [Self; 3] = [Self::Nobody, Self::Admins, Self::Everyone];

    pub fn applies_to_admin(self, is_admin: bool) -> bool {
        match self {
            Self::Nobody => false,
            Self::Admins => is_admin,
            Self::Everyone => true,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Nobody => "nobody",
            Self::Admins => "admins",
            Self::Everyone => "everyone",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|rule| rule.as_str() == text)
    }

    pub fn words(self) -> &'static str {
        match self {
            Self::Nobody => "Nobody",
            Self::Admins => "Admins",
            Self::Everyone => "Everyone",
        }
    }
}

/// How a sign-in's second factor was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SecondFactor {
    Authenticator,
    RecoveryCode,
}

impl SecondFactor {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Authenticator => "authenticator",
            Self::RecoveryCode => "recovery_code",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Authenticator, Self::RecoveryCode]
            .into_iter()
            .find(|factor| factor.as_str() == text)
    }

    pub fn words(self) -> &'static str {
        match self {
            Self::Authenticator => "Authenticator app",
            Self::RecoveryCode => "Recovery code",
        }
    }
}

/// The time step a Unix time falls in.
pub fn step_at(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

/// The steps whose code is accepted at `current`, oldest first: one either side, for a
/// phone clock that is a little off, but never a step at or before `last_used`, so that a
/// code seen over someone's shoulder cannot be used again.
pub fn acceptable_steps(current: i64, last_used: Option<i64>) -> impl Iterator<Item = i64> {
    (current - 1..=current + 1).filter(move |step| last_used.is_none_or(|used| *step > used))
}

/// A code as typed, with the spaces and dashes people copy along, if it has the shape of a
/// six-digit code.
pub fn normalize_code(typed: &str) -> Option<String> {
    let digits: String = typed.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    (digits.len() == CODE_DIGITS && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// Recovery codes are ten characters from an alphabet with no look-alikes (no 0/o, 1/l/i),
/// shown as two groups of five: `k7mfq-x3rvd`.
pub const RECOVERY_ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";
const RECOVERY_LEN: usize = 10;

/// A recovery code from `RECOVERY_LEN` random indexes into the alphabet.
pub fn recovery_code(mut random: impl FnMut() -> u8) -> String {
    let chars: String = (0..RECOVERY_LEN)
        .map(|_| {
            // Rejection sampling keeps every character equally likely.
            let limit = 256 - 256 % RECOVERY_ALPHABET.len();
            loop {
                let byte = usize::from(random());
                if byte < limit {
                    break RECOVERY_ALPHABET[byte % RECOVERY_ALPHABET.len()] as char;
                }
            }
        })
        .collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

/// A recovery code as typed, in the form it was issued, if it could be one: case, spaces
/// and the dash do not matter.
pub fn normalize_recovery_code(typed: &str) -> Option<String> {
    let chars: String = typed
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let valid =
        chars.len() == RECOVERY_LEN && chars.bytes().all(|b| RECOVERY_ALPHABET.contains(&b));
    valid.then(|| format!("{}-{}", &chars[..5], &chars[5..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn who_must_use_a_second_factor() {
        use TwoFactorRequirement::*;
        assert!(!Nobody.applies_to_admin(true));
        assert!(Admins.applies_to_admin(true));
        assert!(!Admins.applies_to_admin(false));
        assert!(Everyone.applies_to_admin(false));
        for rule in TwoFactorRequirement::ALL {
            assert_eq!(TwoFactorRequirement::parse(rule.as_str()), Some(rule));
        }
        assert_eq!(TwoFactorRequirement::parse("all"), None);
        assert_eq!(TwoFactorRequirement::default(), Nobody);
    }

    #[test]
    fn factors_round_trip() {
        for factor in [SecondFactor::Authenticator, SecondFactor::RecoveryCode] {
            assert_eq!(SecondFactor::parse(factor.as_str()), Some(factor));
        }
        assert_eq!(SecondFactor::parse("sms"), None);
    }

    #[test]
    fn steps_are_thirty_seconds() {
        assert_eq!(step_at(0), 0);
        assert_eq!(step_at(29), 0);
        assert_eq!(step_at(30), 1);
        assert_eq!(step_at(59), 1);
        assert_eq!(step_at(-1), -1);
    }

    #[test]
    fn a_step_either_side_and_never_a_used_one() {
        let steps = |current, used| acceptable_steps(current, used).collect::<Vec<_>>();
        assert_eq!(steps(100, None), [99, 100, 101]);
        assert_eq!(steps(100, Some(98)), [99, 100, 101]);
        assert_eq!(steps(100, Some(99)), [100, 101]);
        assert_eq!(steps(100, Some(100)), [101]);
        assert_eq!(steps(100, Some(101)), Vec::<i64>::new());
    }

    #[test]
    fn codes_are_six_digits_however_typed() {
        assert_eq!(normalize_code("123456").as_deref(), Some("123456"));
        assert_eq!(normalize_code(" 123 456 ").as_deref(), Some("123456"));
        assert_eq!(normalize_code("123-456").as_deref(), Some("123456"));
        for bad in ["", "12345", "1234567", "12345a", "١٢٣٤٥٦", "k7mfq-x3rvd"] {
            assert_eq!(normalize_code(bad), None, "{bad}");
        }
    }

    #[test]
    fn recovery_codes_read_back_however_typed() {
        let mut bytes = (0u8..=255).cycle();
        let code = recovery_code(|| bytes.next().unwrap());
        assert_eq!(code.len(), 11);
        assert_eq!(code.as_bytes()[5], b'-');
        assert_eq!(
            normalize_recovery_code(&code).as_deref(),
            Some(code.as_str())
        );
        let shouted = code.to_uppercase().replace('-', " ");
        assert_eq!(
            normalize_recovery_code(&shouted).as_deref(),
            Some(code.as_str())
        );
        for bad in ["", "k7mfq", "k7mfq-x3rvd1", "k7mfq-x3rv0", "123456"] {
            assert_eq!(normalize_recovery_code(bad), None, "{bad}");
        }
    }

    #[test]
    fn recovery_codes_use_every_character_evenly() {
        // Bytes past the last whole run of the alphabet are skipped, not folded back in.
        let limit = 256 - 256 % RECOVERY_ALPHABET.len();
        let mut bytes = [limit as u8, 0].into_iter().cycle();
        let code = recovery_code(|| bytes.next().unwrap());
        assert_eq!(code, "22222-22222");
    }
}
