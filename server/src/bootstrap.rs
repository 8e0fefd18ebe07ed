//! The first admin of an empty database.

use app::rules::password::validate_password;
use app::rules::secret::random_base62;
use app::rules::username::normalize_username;
use app::store::{NewUser, UserStore};
use app::users::password::hash_password;
use app::users::strength::too_easy_to_guess;
use app::users::Role;
use rand::TryRngCore;

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error("TESSERA_ADMIN_USERNAME: {0}")]
    Username(app::rules::username::UsernameError),
    #[error("TESSERA_ADMIN_PASSWORD: {0}")]
    Password(app::rules::password::PasswordError),
    #[error("TESSERA_ADMIN_PASSWORD: {0}")]
    EasyToGuess(String),
    #[error("could not hash the admin password: {0}")]
    Hash(String),
    #[error(transparent)]
    Store(#[from] app::store::StoreError),
}

pub struct CreatedAdmin {
    pub username: String,
    /// Set when the password was generated, so it can be shown once.
    pub generated_password: Option<String>,
}

/// Creates an admin when there are no users at all; `None` when there already are some.
pub async fn ensure_admin(
    store: &dyn UserStore,
    username: Option<String>,
    password: Option<String>,
) -> Result<Option<CreatedAdmin>, BootstrapError> {
    if store.count_users().await? > 0 {
        return Ok(None);
    }
    let username = normalize_username(username.as_deref().unwrap_or("admin"))
        .map_err(BootstrapError::Username)?;
    let (password, generated) = match password {
        Some(given) => {
            validate_password(&given).map_err(BootstrapError::Password)?;
            if let Some(reason) = too_easy_to_guess(&given, &[&username]) {
                return Err(BootstrapError::EasyToGuess(reason));
            }
            (given, false)
        }
        None => (random_base62(&mut rand::rngs::OsRng.unwrap_err(), 20), true),
    };
    let password_hash =
        hash_password(&password).map_err(|e| BootstrapError::Hash(e.to_string()))?;
    store
        .insert_user(NewUser {
            username: username.clone(),
            display_name: "Administrator".into(),
            email: String::new(),
            role: Role::Admin,
            password_hash,
        })
        .await?;
    Ok(Some(CreatedAdmin {
        username,
        generated_password: generated.then_some(password),
    }))
}
