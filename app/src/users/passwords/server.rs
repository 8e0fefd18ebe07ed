use super::{IssuedReset, PasswordChanged, ResetDelivery, ResetWelcome};
use crate::audit::Actor;
use crate::error::{AppError, Field};
use crate::rules::invitation::{invitation_expiry, INVITATION_HOURS};
use crate::rules::secret::{random_base62, SecretHash};
use crate::rules::throttle;
use crate::services::{client_ip, require_admin, services, signed_in, Services};
use crate::sessions::{
    admitted_client, ask_for_code, landing_page, record_failure, start_session, throttled,
    CODE_PAGE,
};
use crate::store::{NewPasswordReset, PasswordResetRecord};
use crate::ui::format_utc;
use crate::users::invitations::mail::OutgoingMail;
use crate::users::password::{hash_password_in_turn, verify_password};
use crate::users::strength::check_new_password;
use rand::TryRngCore;

const LINK_SECRET_LEN: usize = 43; // about 256 bits of base62

pub async fn change(
    current: String,
    new: String,
    confirmation: String,
) -> Result<PasswordChanged, AppError> {
    let services = services()?;
    let me = signed_in()?;
    let username = me.user.username.clone();
    let address = client_ip();
    let now = services.clock.now();
    // Guessing the current password here is throttled as at sign-in, on the same counts.
    let subjects = throttle::subjects(&username, address);
    if let Some(wait) = throttled(&services, &subjects, now).await? {
        tracing::warn!(
            target: "tessera::audit", event = "password_change", %username, ?address,
            outcome = "refused", reason = "too many failures"
        );
        return Err(wait);
    }
    let credentials = services
        .store
        .find_credentials(&username)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    if !verify_password(current.clone(), Some(credentials.password_hash)).await {
        record_failure(&services, &subjects, now).await?;
        tracing::warn!(
            target: "tessera::audit", event = "password_change", %username, ?address,
            outcome = "refused", reason = "wrong current password"
        );
        return Err(AppError::invalid(
            Field::CurrentPassword,
            "That is not your current password.",
        ));
    }
    if new == current {
        return Err(AppError::invalid(
            Field::Password,
            "The new password must differ from the current one.",
        ));
    }
    check_new_password(&new, &confirmation, &[&username, &me.user.display_name])?;
    let password_hash = hashed(new).await?;
    let ended = services
        .store
        .change_password(
            me.user.id,
            password_hash,
            me.session_id,
            &Actor::signed_in()?.audit(now),
        )
        .await?;
    services
        .store
        .clear_sign_in_failures(&throttle::user_subject(&username))
        .await?;
    tracing::info!(
        target: "tessera::audit", event = "password_change", %username, ?address,
        outcome = "changed", other_sessions_ended = ended
    );
    Ok(PasswordChanged {
        other_sessions_ended: ended,
    })
}

pub async fn create_reset_link(user_id: i64) -> Result<IssuedReset, AppError> {
    let services = services()?;
    let admin = require_admin()?;
    let now = services.clock.now();
    let secret = random_base62(&mut rand::rngs::OsRng.unwrap_err(), LINK_SECRET_LEN);
    let record = services
        .store
        .insert_password_reset(NewPasswordReset {
            user_id,
            secret_hash: SecretHash::of(&secret),
            created_by: admin.user.id,
            created_at: now,
            // The same 72 hours as an invitation link.
            expires_at: invitation_expiry(now),
        })
        .await?
        .ok_or(AppError::NotFound)?;
    let link = format!(
        "{}/reset/{secret}",
        services.public_url.trim_end_matches('/')
    );
    let delivery = deliver(&services, &record, &link).await;
    tracing::info!(
        target: "tessera::audit", event = "password_reset_link", admin = %admin.user.username,
        username = %record.user.username, delivery = ?delivery
    );
    Ok(IssuedReset {
        link,
        expires_at: record.expires_at,
        delivery,
    })
}

pub async fn open_reset_link(secret: String) -> Result<ResetWelcome, AppError> {
    let services = services()?;
    let record = services
        .store
        .open_password_reset(&SecretHash::of(&secret), services.clock.now())
        .await?
        .ok_or(AppError::ResetLinkBroken)?;
    Ok(ResetWelcome {
        username: record.user.username,
        display_name: record.user.display_name,
        expires_at: record.expires_at,
    })
}

pub async fn reset(
    secret: String,
    password: String,
    confirmation: String,
) -> Result<String, AppError> {
    let services = services()?;
    let ip = admitted_client(&services).await?;
    // Guessing links is throttled like guessing passwords, by address.
    let now = services.clock.now();
    let subjects: Vec<String> = throttle::address_subject(ip).into_iter().collect();
    if let Some(wait) = throttled(&services, &subjects, now).await? {
        return Err(wait);
    }
    let hash = SecretHash::of(&secret);
    let Some(record) = services.store.open_password_reset(&hash, now).await? else {
        record_failure(&services, &subjects, now).await?;
        tracing::warn!(
            target: "tessera::audit", event = "password_reset", address = ?ip,
            outcome = "refused", reason = "broken link"
        );
        return Err(AppError::ResetLinkBroken);
    };
    let personal = [
        record.user.username.as_str(),
        record.user.display_name.as_str(),
        record.email.as_str(),
    ];
    check_new_password(&password, &confirmation, &personal)?;
    let password_hash = hashed(password).await?;
    let user = services
        .store
        .use_password_reset(&hash, password_hash, &Actor::visitor(now))
        .await?
        .ok_or(AppError::ResetLinkBroken)?;
    tracing::info!(
        target: "tessera::audit", event = "password_reset", username = %user.username,
        address = ?ip, outcome = "changed"
    );
    // The link replaces the password, not the second factor: with two-factor on, the code
    // is still asked for before a session opens.
    let two_factor_on = services
        .store
        .two_factor_of(user.id)
        .await?
        .is_some_and(|t| t.confirmed_at.is_some());
    let next = if two_factor_on {
        ask_for_code(&services, &user).await?;
        CODE_PAGE
    } else {
        start_session(&services, &user, ip, None).await?;
        landing_page(user.role)
    };
    // The pages follow this as they do after signing in; so does a browser that posted the
    // form itself.
    leptos_axum::redirect(next);
    Ok(next.to_owned())
}

async fn hashed(password: String) -> Result<String, AppError> {
    hash_password_in_turn(password).await.ok_or_else(|| {
        tracing::error!("password hashing failed");
        AppError::Internal
    })
}

/// Mails the link when a mail server is configured and the user has an address. A failed
/// delivery is reported to the admin, not raised: the link works and can be passed on.
async fn deliver(services: &Services, record: &PasswordResetRecord, link: &str) -> ResetDelivery {
    let Some(mailer) = &services.mailer else {
        return ResetDelivery::NoMailServer;
    };
    if record.email.is_empty() {
        return ResetDelivery::NoAddress;
    }
    match mailer.send(reset_mail(record, link)).await {
        Ok(()) => ResetDelivery::Sent {
            to: record.email.clone(),
        },
        Err(error) => {
            tracing::error!(%error, user = %record.user.username, "reset e-mail not sent");
            ResetDelivery::Failed
        }
    }
}

fn reset_mail(record: &PasswordResetRecord, link: &str) -> OutgoingMail {
    let body = format!(
        "Hello {name},\n\n\
         An administrator made a link for you to choose a new Tessera password for the \
         username {username}:\n\n{link}\n\n\
         The link works once and expires at {expires} ({INVITATION_HOURS} hours after it was \
         made). Setting a new password signs you out everywhere else.\n",
        name = record.user.display_name,
        username = record.user.username,
        expires = format_utc(record.expires_at),
    );
    OutgoingMail {
        to_name: record.user.display_name.clone(),
        to_address: record.email.clone(),
        subject: "Choose a new Tessera password".to_owned(),
        body,
    }
}
