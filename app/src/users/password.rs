//! Password hashing with argon2id (the crate's defaults: the OWASP-recommended parameters).

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Checks `password` against `stored`; with no stored hash (an unknown user) it checks a
/// throwaway hash instead, so both failures take the same time and cannot be told apart.
pub async fn verify_password(password: String, stored: Option<String>) -> bool {
    let work = move || {
        let known = stored.is_some();
        if !known {
            UNKNOWN_USER_CHECKS.fetch_add(1, Ordering::Relaxed);
        }
        let stored = stored.unwrap_or_else(|| dummy_hash().to_owned());
        let Ok(parsed) = PasswordHash::new(&stored) else {
            tracing::error!("stored password hash is not in PHC format");
            return false;
        };
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
            && known
    };
    // Hashing is CPU-bound for tens of milliseconds: keep it off the async workers.
    tokio::task::spawn_blocking(work).await.unwrap_or(false)
}

static UNKNOWN_USER_CHECKS: AtomicU64 = AtomicU64::new(0);

/// How many passwords this process has checked against the throwaway hash, for names that
/// belong to nobody: what shows that an unknown name costs a full check.
pub fn unknown_user_checks() -> u64 {
    UNKNOWN_USER_CHECKS.load(Ordering::Relaxed)
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_password("no user has this password").expect("argon2 works"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn verifies_the_right_password_only() {
        let stored = hash_password("correct horse").unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify_password("correct horse".into(), Some(stored.clone())).await);
        assert!(!verify_password("wrong horse".into(), Some(stored)).await);
    }

    #[tokio::test]
    async fn unknown_user_never_verifies() {
        let before = unknown_user_checks();
        assert!(!verify_password("no user has this password".into(), None).await);
        assert!(
            unknown_user_checks() > before,
            "the throwaway hash was not checked"
        );
    }
}
