//! Password hashing with argon2id (the crate's defaults: the OWASP-recommended parameters).

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, OnceLock};
use tokio::sync::Semaphore;

/// Passwords hashed or checked at once: one per core. Each takes 19 MiB and tens of
/// milliseconds of a core; more at once would only hold their memory while they wait for a
/// core, and tokio's blocking pool would start a thread for each. The rest wait their turn.
static HASHING: LazyLock<Semaphore> = LazyLock::new(|| {
    Semaphore::new(std::thread::available_parallelism().map_or(1, |cores| cores.get()))
});

/// Runs `work` (a hash or a check) on a blocking thread once a core is free for it.
async fn when_a_core_is_free<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let _turn = HASHING.acquire().await.ok()?;
    tokio::task::spawn_blocking(work).await.ok()
}

/// `hash_password` for request handlers: off the async workers, one per core at a time.
pub async fn hash_password_in_turn(password: String) -> Option<String> {
    when_a_core_is_free(move || hash_password(&password).ok())
        .await
        .flatten()
}

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
    when_a_core_is_free(work).await.unwrap_or(false)
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn no_more_hashes_run_at_once_than_there_are_cores() {
        use std::sync::atomic::AtomicUsize;
        use std::sync::Arc;
        let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
        let (running, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let work = (0..cores * 4).map(|_| {
            let (running, most) = (running.clone(), most.clone());
            when_a_core_is_free(move || {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(20));
                running.fetch_sub(1, Ordering::SeqCst);
            })
        });
        futures::future::join_all(work).await;
        assert!(
            most.load(Ordering::SeqCst) <= cores,
            "{most:?} at once on {cores} cores"
        );
    }
}
