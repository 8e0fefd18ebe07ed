//! The personal access token format.
//!
//! `tsr1` + 38 random base62 characters + 6 base62 characters of CRC32 over the first 42.
//! The checksum lets us refuse a mistyped or invented string without a database query, and
//! the fixed prefix lets secret scanners find leaked tokens with one regular expression:
//! `\btsr1[0-9A-Za-z]{44}\b`.

use super::secret::{random_base62, SecretHash};
use rand::{CryptoRng, Rng};
use std::fmt;

pub const TOKEN_LEN: usize = 48;
pub const PREFIX: &str = "tsr1";
const RANDOM_LEN: usize = 38;
const BODY_LEN: usize = PREFIX.len() + RANDOM_LEN;
const CHECKSUM_LEN: usize = TOKEN_LEN - BODY_LEN;
const HINT_LEN: usize = 4;
const BASE62_DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Why a string is not a Tessera token. Checked in this order, cheapest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenFormatError {
    #[error("a token is exactly 48 characters long")]
    Length,
    #[error("a token contains only the letters A-Z, a-z and the digits 0-9")]
    Alphabet,
    #[error("a token starts with tsr1")]
    Prefix,
    #[error("the token's checksum does not match")]
    Checksum,
}

/// A token secret in plain text. It exists only between generation and the one response
/// that shows it, and between a request header and its hash. `Debug` never prints it.
/// Always 48 ASCII letters and digits; held inline, since every token check makes one.
#[derive(PartialEq, Eq)]
pub struct PlainToken([u8; TOKEN_LEN]);

impl PlainToken {
    pub fn generate<R: Rng + CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut token = [0; TOKEN_LEN];
        let (body, check) = token.split_at_mut(BODY_LEN);
        body[..PREFIX.len()].copy_from_slice(PREFIX.as_bytes());
        body[PREFIX.len()..].copy_from_slice(random_base62(rng, RANDOM_LEN).as_bytes());
        check.copy_from_slice(&checksum(body));
        Self(token)
    }

    pub fn parse(candidate: &str) -> Result<Self, TokenFormatError> {
        Self::from_bytes(candidate.as_bytes())
    }

    /// As `parse`, for text not yet known to be UTF-8 (a header value): the alphabet check
    /// covers every byte, so no separate text validation is needed.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TokenFormatError> {
        if bytes.len() != TOKEN_LEN {
            return Err(TokenFormatError::Length);
        }
        // Every byte is checked, with no early exit, so the compiler checks 16 at a time:
        // 77 instructions instead of 458 (callgrind), on every request with a token.
        if !bytes
            .iter()
            .fold(true, |all, byte| all & byte.is_ascii_alphanumeric())
        {
            return Err(TokenFormatError::Alphabet);
        }
        if !bytes.starts_with(PREFIX.as_bytes()) {
            return Err(TokenFormatError::Prefix);
        }
        let (body, check) = bytes.split_at(BODY_LEN);
        if checksum(body) != check {
            return Err(TokenFormatError::Checksum);
        }
        let mut token = [0; TOKEN_LEN];
        token.copy_from_slice(bytes);
        Ok(Self(token))
    }

    pub fn hash(&self) -> SecretHash {
        SecretHash::of(self.0)
    }

    /// The last four characters: enough to tell tokens apart, too few to guess the rest.
    pub fn hint(&self) -> String {
        self.as_str()[TOKEN_LEN - HINT_LEN..].to_owned()
    }

    /// Hands the secret over for the single response that shows it to its owner.
    pub fn into_secret(self) -> String {
        self.as_str().to_owned()
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("a token is ASCII letters and digits")
    }
}

impl fmt::Debug for PlainToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PlainToken(<redacted>)")
    }
}

/// CRC32 of `body` as six base62 digits, most significant first (62^6 > 2^32).
fn checksum(body: &[u8]) -> [u8; CHECKSUM_LEN] {
    let mut value = crc32fast::hash(body);
    let mut digits = [b'0'; CHECKSUM_LEN];
    for slot in digits.iter_mut().rev() {
        *slot = BASE62_DIGITS[(value % 62) as usize];
        value /= 62;
    }
    digits
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{rngs::StdRng, SeedableRng};
    use std::collections::HashSet;

    fn sample() -> PlainToken {
        PlainToken::generate(&mut StdRng::seed_from_u64(42))
    }

    #[test]
    fn generated_tokens_have_the_documented_shape() {
        let mut rng = StdRng::seed_from_u64(1);
        for _ in 0..1_000 {
            let token = PlainToken::generate(&mut rng).into_secret();
            assert_eq!(token.len(), TOKEN_LEN);
            assert!(token.starts_with("tsr1"));
            assert!(token.bytes().all(|b| b.is_ascii_alphanumeric()), "{token}");
            assert!(PlainToken::parse(&token).is_ok(), "{token}");
        }
    }

    #[test]
    fn generated_tokens_are_unique_over_many_draws() {
        let mut rng = rand::TryRngCore::unwrap_err(rand::rngs::OsRng);
        let drawn: HashSet<String> = (0..50_000)
            .map(|_| PlainToken::generate(&mut rng).into_secret())
            .collect();
        assert_eq!(drawn.len(), 50_000);
    }

    #[test]
    fn random_part_uses_the_whole_alphabet() {
        let mut rng = StdRng::seed_from_u64(3);
        let mut seen = HashSet::new();
        for _ in 0..200 {
            seen.extend(PlainToken::generate(&mut rng).into_secret()[4..42].bytes());
        }
        assert_eq!(seen.len(), 62);
    }

    #[test]
    fn every_single_character_change_is_rejected() {
        let token = sample().into_secret();
        for position in 0..TOKEN_LEN {
            for replacement in BASE62_DIGITS.iter().copied() {
                let mut bytes = token.clone().into_bytes();
                if bytes[position] == replacement {
                    continue;
                }
                bytes[position] = replacement;
                let changed = String::from_utf8(bytes).unwrap();
                let err = PlainToken::parse(&changed).expect_err(&changed);
                let expected = if position < PREFIX.len() {
                    TokenFormatError::Prefix
                } else {
                    TokenFormatError::Checksum
                };
                assert_eq!(err, expected, "position {position}: {changed}");
            }
        }
    }

    #[test]
    fn wrong_length_is_rejected() {
        let token = sample().into_secret();
        assert_eq!(PlainToken::parse(""), Err(TokenFormatError::Length));
        assert_eq!(
            PlainToken::parse(&token[..47]),
            Err(TokenFormatError::Length)
        );
        assert_eq!(
            PlainToken::parse(&format!("{token}a")),
            Err(TokenFormatError::Length)
        );
    }

    #[test]
    fn characters_outside_base62_are_rejected() {
        let token = sample().into_secret();
        for bad in ['-', '_', '=', ' ', '/', '+'] {
            let mut changed = token[..47].to_owned();
            changed.push(bad);
            assert_eq!(PlainToken::parse(&changed), Err(TokenFormatError::Alphabet));
        }
        // A multi-byte character that keeps the byte length at 48.
        let with_umlaut = format!("{}ä", &token[..46]);
        assert_eq!(
            PlainToken::parse(&with_umlaut),
            Err(TokenFormatError::Alphabet)
        );
    }

    #[test]
    fn checksum_is_fixed_width_and_left_padded() {
        assert_eq!(&checksum(b""), b"000000"); // CRC32 of nothing is 0
        let max = checksum(b"arbitrary");
        assert!(max.iter().all(u8::is_ascii_alphanumeric));
    }

    #[test]
    fn hint_is_the_last_four_characters() {
        let token = sample();
        let hint = token.hint();
        assert_eq!(hint.len(), 4);
        assert!(token.into_secret().ends_with(&hint));
    }

    #[test]
    fn hash_is_sha256_of_the_secret() {
        let token = sample();
        let expected = SecretHash::of(sample().into_secret());
        assert_eq!(token.hash(), expected);
    }

    #[test]
    fn debug_never_prints_the_secret() {
        let token = sample();
        let printed = format!("{token:?}");
        assert!(!printed.contains("tsr1"), "{printed}");
    }
}

/// Whatever a request header or a form hands over: the format check refuses it with the
/// right reason, and a token it accepts is the same token when printed back.
#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// A valid token built from its parts, so shrinking keeps it valid.
    fn valid_token() -> impl Strategy<Value = String> {
        "[0-9A-Za-z]{38}".prop_map(|random| {
            let body = format!("{PREFIX}{random}");
            let check = checksum(body.as_bytes());
            format!("{body}{}", std::str::from_utf8(&check).unwrap())
        })
    }

    /// The checks in their documented order, written out plainly.
    fn expected_refusal(bytes: &[u8]) -> Option<TokenFormatError> {
        if bytes.len() != TOKEN_LEN {
            Some(TokenFormatError::Length)
        } else if !bytes.iter().all(u8::is_ascii_alphanumeric) {
            Some(TokenFormatError::Alphabet)
        } else if !bytes.starts_with(PREFIX.as_bytes()) {
            Some(TokenFormatError::Prefix)
        } else if checksum(&bytes[..BODY_LEN]) != bytes[BODY_LEN..] {
            Some(TokenFormatError::Checksum)
        } else {
            None
        }
    }

    fn other_alphanumeric(original: u8, pick: u8) -> u8 {
        let replacement = BASE62_DIGITS[usize::from(pick) % BASE62_DIGITS.len()];
        if replacement == original {
            BASE62_DIGITS[(usize::from(pick) + 1) % BASE62_DIGITS.len()]
        } else {
            replacement
        }
    }

    proptest! {
        #[test]
        fn any_text_is_refused_for_the_first_rule_it_breaks(text in any::<String>()) {
            let parsed = PlainToken::parse(&text);
            prop_assert_eq!(parsed.as_ref().err().copied(), expected_refusal(text.as_bytes()));
            if let Ok(token) = parsed {
                prop_assert_eq!(token.into_secret(), text);
            }
        }

        #[test]
        fn any_bytes_are_refused_for_the_first_rule_they_break(
            bytes in proptest::collection::vec(any::<u8>(), 0..64)
        ) {
            let parsed = PlainToken::from_bytes(&bytes);
            prop_assert_eq!(parsed.as_ref().err().copied(), expected_refusal(&bytes));
        }

        // Near-misses reach the later checks, which arbitrary text almost never does.
        #[test]
        fn near_tokens_are_refused_for_the_first_rule_they_break(
            token in valid_token(),
            position in 0..TOKEN_LEN,
            byte in any::<u8>(),
        ) {
            let mut bytes = token.into_bytes();
            bytes[position] = byte;
            prop_assert_eq!(
                PlainToken::from_bytes(&bytes).err(),
                expected_refusal(&bytes)
            );
        }

        #[test]
        fn a_valid_token_parses_back_to_itself(token in valid_token()) {
            let parsed = PlainToken::parse(&token).unwrap();
            prop_assert_eq!(parsed.hint(), &token[TOKEN_LEN - HINT_LEN..]);
            prop_assert_eq!(parsed.hash(), SecretHash::of(&token));
            prop_assert_eq!(parsed.into_secret(), token);
        }

        #[test]
        fn a_generated_token_parses_back_to_itself(seed in any::<u64>()) {
            use rand::{rngs::StdRng, SeedableRng};
            let secret = PlainToken::generate(&mut StdRng::seed_from_u64(seed)).into_secret();
            prop_assert_eq!(PlainToken::parse(&secret).map(PlainToken::into_secret), Ok(secret));
        }

        #[test]
        fn one_changed_character_is_refused(
            token in valid_token(),
            position in 0..TOKEN_LEN,
            pick in any::<u8>(),
        ) {
            let mut bytes = token.into_bytes();
            bytes[position] = other_alphanumeric(bytes[position], pick);
            let expected = if position < PREFIX.len() {
                TokenFormatError::Prefix
            } else {
                TokenFormatError::Checksum
            };
            prop_assert_eq!(PlainToken::from_bytes(&bytes).err(), Some(expected));
        }

        // CRC32 catches every error burst of up to 32 bits, so any change within four
        // neighbouring characters of the random part is caught, a swap of two included.
        #[test]
        fn changes_within_four_neighbouring_characters_are_refused(
            token in valid_token(),
            start in PREFIX.len()..BODY_LEN,
            picks in proptest::collection::vec(any::<u8>(), 1..=4),
        ) {
            let mut bytes = token.into_bytes();
            let end = (start + picks.len()).min(BODY_LEN);
            for (slot, pick) in bytes[start..end].iter_mut().zip(&picks) {
                *slot = other_alphanumeric(*slot, *pick);
            }
            prop_assert_eq!(
                PlainToken::from_bytes(&bytes).err(),
                Some(TokenFormatError::Checksum)
            );
        }

        #[test]
        fn a_token_with_anything_around_it_is_refused_for_its_length(
            token in valid_token(),
            before in "\\PC{0,3}",
            after in "\\PC{1,3}",
        ) {
            prop_assert_eq!(
                PlainToken::parse(&format!("{before}{token}{after}")).err(),
                Some(TokenFormatError::Length)
            );
        }
    }
}
