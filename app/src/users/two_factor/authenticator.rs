//! The TOTP arithmetic, from totp-rs: secrets, the app's QR code, and checking a code.

use crate::rules::two_factor::{acceptable_steps, step_at, CODE_DIGITS, STEP_SECONDS};
use chrono::{DateTime, Utc};
use qrcode::render::svg;
use qrcode::QrCode;
use rand::{RngCore, TryRngCore};
use totp_rs::{Algorithm, Secret, TOTP};

/// The name authenticator apps list the account under.
const ISSUER: &str = "Tessera";
/// 160 bits, the HMAC-SHA1 key length RFC 4226 recommends.
const SECRET_BYTES: usize = 20;

/// A new secret, in base32.
pub fn new_secret() -> String {
    let mut bytes = [0u8; SECRET_BYTES];
    rand::rngs::OsRng.unwrap_err().fill_bytes(&mut bytes);
    Secret::Raw(bytes.to_vec()).to_encoded().to_string()
}

fn totp(secret: &str, username: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret.to_owned()).to_bytes().ok()?;
    TOTP::new(
        Algorithm::SHA1,
        CODE_DIGITS,
        0,
        STEP_SECONDS as u64,
        bytes,
        Some(ISSUER.to_owned()),
        username.to_owned(),
    )
    .ok()
}

/// The `otpauth://` address of the account, as an SVG QR code in a `data:` URL.
pub fn qr_code(secret: &str, username: &str) -> Option<String> {
    let url = totp(secret, username)?.get_url();
    let svg = QrCode::new(url.as_bytes())
        .ok()?
        .render::<svg::Color>()
        .min_dimensions(200, 200)
        .build();
    Some(format!(
        "data:image/svg+xml;base64,{}",
        base64_encode(svg.as_bytes())
    ))
}

/// The secret in groups of four, easier to type into an app by hand.
pub fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|chunk| std::str::from_utf8(chunk).unwrap_or_default())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The time step whose code `code` is, among those still acceptable at `now`.
pub fn matching_step(
    secret: &str,
    code: &str,
    now: DateTime<Utc>,
    last_used: Option<i64>,
) -> Option<i64> {
    let totp = totp(secret, "")?;
    acceptable_steps(step_at(now.timestamp()), last_used).find(|step| {
        let expected = totp.generate((step * STEP_SECONDS) as u64);
        constant_time_eq(expected.as_bytes(), code.as_bytes())
    })
}

/// The code of the step `now` falls in: what an authenticator app shows. For tests.
pub fn code_at(secret: &str, now: DateTime<Utc>) -> String {
    let step = step_at(now.timestamp());
    totp(secret, "")
        .map(|totp| totp.generate((step * STEP_SECONDS) as u64))
        .unwrap_or_default()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// RFC 6238's SHA-1 test secret, "12345678901234567890", in base32.
    const RFC_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    #[test]
    fn codes_match_the_rfc_test_vectors() {
        // RFC 6238 appendix B gives eight digits; six are their last six.
        for (unix, eight) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (2_000_000_000, "69279037"),
        ] {
            let at = Utc.timestamp_opt(unix, 0).unwrap();
            assert_eq!(code_at(RFC_SECRET, at), eight[2..], "{unix}");
        }
    }

    #[test]
    fn a_code_matches_its_step_once() {
        let now = Utc.timestamp_opt(1_111_111_109, 0).unwrap();
        let step = step_at(now.timestamp());
        let code = code_at(RFC_SECRET, now);
        assert_eq!(matching_step(RFC_SECRET, &code, now, None), Some(step));
        // Thirty seconds later it is still taken, as the step before.
        let later = now + chrono::Duration::seconds(30);
        assert_eq!(matching_step(RFC_SECRET, &code, later, None), Some(step));
        // Not once that step was used, and not two steps on.
        assert_eq!(matching_step(RFC_SECRET, &code, now, Some(step)), None);
        let too_late = now + chrono::Duration::seconds(61);
        assert_eq!(matching_step(RFC_SECRET, &code, too_late, None), None);
        assert_eq!(matching_step(RFC_SECRET, "000000", now, None), None);
    }

    #[test]
    fn new_secrets_are_160_bits_and_differ() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert_eq!(
            Secret::Encoded(a.clone()).to_bytes().unwrap().len(),
            SECRET_BYTES
        );
        assert_eq!(grouped("ABCDEFGHIJ"), "ABCD EFGH IJ");
    }

    #[test]
    fn the_qr_code_is_an_svg_data_url() {
        let qr = qr_code(RFC_SECRET, "alice").unwrap();
        assert!(qr.starts_with("data:image/svg+xml;base64,"));
    }
}
