//! `tessera demo seed`: realistic users and tokens for demos and measurement.

use app::rules::expiry::{ExpirationLength, TokenStatus};
use app::rules::permission::PROFILE_READ;
use app::rules::secret::random_base62;
use app::rules::token::PlainToken;
use app::store::{NewUser, SeedSignIn, SeedToken, SeedUser, StoreError, UserStore};
use app::users::password::hash_password;
use app::users::Role;
use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const FIRST: [&str; 16] = [
    "Ada", "Ben", "Chloe", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi",
    "Luca", "Maya", "Noor", "Oskar", "Priya",
];
const LAST: [&str; 12] = [
    "Andersen", "Bauer", "Costa", "Dubois", "Eriksen", "Fischer", "García", "Hughes", "Ivanova",
    "Jensen", "Kowalski", "Lind",
];
const LABELS: [&str; 12] = [
    "CI deploy",
    "Grafana",
    "backup script",
    "InCert sync",
    "laptop CLI",
    "Terraform",
    "data export",
    "monitoring",
    "release bot",
    "PowerBoard",
    "Zapier",
    "load test",
];
const USERS_PER_BATCH: usize = 500;

pub struct Seeded {
    pub users: usize,
    pub tokens: usize,
    /// Audit events of their past: tokens created and expired, sign-ins.
    pub events: usize,
    /// The seeded tokens `/api/v1/me` accepts (active, holding profile:read), for load
    /// tests that need many distinct valid tokens.
    pub profile_readers: Vec<PlainToken>,
}

/// Adds `users` users holding `tokens` tokens between them, with mixed roles, activity,
/// statuses, expiry dates and last-used times, and their past in the audit trail: each
/// token's creation and expiry, and `sign_ins` sign-ins per user over the last 30 days
/// (one in ten failed). The same `seed` gives the same data.
pub async fn seed(
    store: &dyn UserStore,
    users: usize,
    tokens: usize,
    sign_ins: usize,
    seed: u64,
    now: DateTime<Utc>,
) -> Result<Seeded, StoreError> {
    let mut rng = StdRng::seed_from_u64(seed);
    // Demo users share one password hash: hashing 10,000 passwords would take minutes.
    let password_hash = hash_password(&random_base62(&mut rng, 24))
        .map_err(|e| StoreError::Backend(e.to_string().into()))?;
    let prefix = format!("demo{}", random_base62(&mut rng, 4).to_lowercase());

    // Every user gets tokens / users, and the remainder goes to the first ones.
    let per_user =
        |index: usize| tokens / users.max(1) + usize::from(index < tokens % users.max(1));
    let mut batch = Vec::with_capacity(USERS_PER_BATCH);
    let mut profile_readers = Vec::new();
    let mut events = 0;
    for index in 0..users {
        let first = FIRST[rng.random_range(0..FIRST.len())];
        let last = LAST[rng.random_range(0..LAST.len())];
        let username = format!(
            "{prefix}-{}.{}{index}",
            first.to_lowercase(),
            last.to_lowercase().replace('í', "i")
        );
        let user_tokens = (0..per_user(index))
            .map(|_| {
                let (token, plain) = demo_token(&mut rng, now);
                let works = TokenStatus::at(now, token.expires_at, token.expired_at)
                    == TokenStatus::Active
                    && token.permissions.iter().any(|name| name == PROFILE_READ);
                if works {
                    profile_readers.push(plain);
                }
                token
            })
            .collect::<Vec<SeedToken>>();
        let user_sign_ins: Vec<SeedSignIn> = (0..sign_ins)
            .map(|_| SeedSignIn {
                at: now - Duration::seconds(rng.random_range(0..30 * 86_400)),
                ip: format!(
                    "10.{}.{}.{}",
                    rng.random_range(0..255),
                    rng.random_range(0..255),
                    rng.random_range(1..255)
                ),
                succeeded: rng.random_bool(0.9),
            })
            .collect();
        // Each token made; expired by hand, or by time if it ran out first.
        events += user_tokens.len()
            + user_tokens
                .iter()
                .filter(|t| t.expired_at.is_some() || t.expires_at.is_some_and(|at| at <= now))
                .count()
            + user_sign_ins.len();
        batch.push(SeedUser {
            user: NewUser {
                email: format!("{username}@example.com"),
                display_name: format!("{first} {last}"),
                username,
                role: if rng.random_bool(0.03) {
                    Role::Admin
                } else {
                    Role::User
                },
                password_hash: password_hash.clone(),
            },
            login_active: rng.random_bool(0.93),
            current: rng.random_bool(0.96),
            tokens: user_tokens,
            sign_ins: user_sign_ins,
        });
        if batch.len() == USERS_PER_BATCH {
            store.seed(std::mem::take(&mut batch), now).await?;
        }
    }
    store.seed(batch, now).await?;
    Ok(Seeded {
        users,
        tokens: (0..users).map(per_user).sum(),
        events,
        profile_readers,
    })
}

fn demo_token(rng: &mut StdRng, now: DateTime<Utc>) -> (SeedToken, PlainToken) {
    let plain = PlainToken::generate(rng);
    let created_at = now - Duration::seconds(rng.random_range(0..500 * 86_400));
    let length = match rng.random_range(0..10) {
        0 => ExpirationLength::Days7,
        1..=4 => ExpirationLength::Days30,
        5 => ExpirationLength::Days60,
        6 => ExpirationLength::Days90,
        7 | 8 => ExpirationLength::OneYear,
        _ => ExpirationLength::Never,
    };
    let expires_at = length.expires_at(created_at);
    let lifetime_end = expires_at.map_or(now, |at| at.min(now));
    let span = (lifetime_end - created_at).num_seconds().max(1);
    let expired_at = rng
        .random_bool(0.12)
        .then(|| created_at + Duration::seconds(rng.random_range(0..span)));
    let last_used_at = rng
        .random_bool(0.7)
        .then(|| created_at + Duration::seconds(rng.random_range(0..span)));
    let token = SeedToken {
        label: LABELS[rng.random_range(0..LABELS.len())].to_owned(),
        hint: plain.hint(),
        secret_hash: plain.hash(),
        created_at,
        expires_at,
        expired_at,
        last_used_ip: last_used_at.map(|_| {
            format!(
                "10.{}.{}.{}",
                rng.random_range(0..255),
                rng.random_range(0..255),
                rng.random_range(1..255)
            )
        }),
        last_used_at,
        permissions: DEMO_PERMISSIONS[rng.random_range(0..DEMO_PERMISSIONS.len())]
            .iter()
            .map(|name| name.to_string())
            .collect(),
    };
    (token, plain)
}

/// Sets of Tessera's own permissions that ordinary users hold, as people tend to pick them.
const DEMO_PERMISSIONS: [&[&str]; 4] = [
    &["profile:read"],
    &["profile:read", "tokens:read"],
    &["tokens:read", "tokens:write"],
    &["profile:read", "tokens:read", "tokens:write"],
];
