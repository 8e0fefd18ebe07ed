use super::mail::invitation_mail;
use super::{Delivery, InvitationView, InvitationWelcome, IssuedInvitation};
use crate::audit::Actor;
use crate::error::{AppError, Field};
use crate::rules::invitation::{
    invitation_expiry, normalize_display_name, normalize_email, InvitationStatus,
};
use crate::rules::secret::{random_base62, SecretHash};
use crate::rules::throttle;
use crate::rules::username::normalize_username;
use crate::services::{client_ip, require_admin, services, Services};
use crate::sessions::{admitted_client, landing_page, record_failure, start_session, throttled};
use crate::store::{AcceptRefusal, EmailOwner, InvitationRecord, Invitee, NewInvitation};
use crate::users::password::hash_password_in_turn;
use crate::users::strength::check_new_password;
use crate::users::Role;
use chrono::{DateTime, Utc};
use rand::TryRngCore;

const LINK_SECRET_LEN: usize = 43; // about 256 bits of base62

pub async fn list() -> Result<Vec<InvitationView>, AppError> {
    let services = services()?;
    require_admin()?;
    let now = services.clock.now();
    Ok(services
        .store
        .invitations()
        .await?
        .into_iter()
        .map(|record| view(record, now))
        .collect())
}

pub async fn invite(
    email: String,
    display_name: String,
    role: String,
) -> Result<IssuedInvitation, AppError> {
    let services = services()?;
    let admin = require_admin()?;
    let email = normalize_email(&email).map_err(|e| AppError::invalid(Field::Email, e))?;
    let display_name = normalize_display_name(&display_name)
        .map_err(|e| AppError::invalid(Field::DisplayName, e))?;
    let role = Role::parse(&role)
        .ok_or_else(|| AppError::invalid(Field::Role, "Choose a role: User or Admin."))?;
    let now = services.clock.now();
    match services.store.email_owner(&email, now).await? {
        Some(EmailOwner::User) => {
            return Err(AppError::invalid(
                Field::Email,
                format!("A user with the e-mail {email} already exists."),
            ))
        }
        Some(EmailOwner::PendingInvitation(_)) => {
            return Err(AppError::invalid(
                Field::Email,
                format!(
                    "{email} already has a pending invitation. Resend it from the list instead."
                ),
            ))
        }
        None => {}
    }
    let secret = new_secret();
    let record = services
        .store
        .insert_invitation(
            NewInvitation {
                email,
                display_name,
                role,
                secret_hash: SecretHash::of(&secret),
                invited_by: admin.user.id,
                sent_at: now,
                expires_at: invitation_expiry(now),
            },
            &Actor::admin()?.audit(now),
        )
        .await?;
    tracing::info!(admin = %admin.user.username, invitation = record.id, "invitation created");
    Ok(issue(&services, record, &secret, now).await)
}

pub async fn resend(id: i64) -> Result<IssuedInvitation, AppError> {
    let services = services()?;
    let admin = require_admin()?;
    let now = services.clock.now();
    let secret = new_secret();
    let renewed = services
        .store
        .resend_invitation(
            id,
            SecretHash::of(&secret),
            invitation_expiry(now),
            &Actor::admin()?.audit(now),
        )
        .await?;
    let record = services
        .store
        .find_invitation(id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !renewed {
        return Err(AppError::Conflict(
            "This invitation has been accepted; there is nothing to resend.".into(),
        ));
    }
    tracing::info!(admin = %admin.user.username, invitation = id, "invitation resent");
    Ok(issue(&services, record, &secret, now).await)
}

pub async fn revoke(id: i64) -> Result<InvitationView, AppError> {
    let services = services()?;
    let admin = require_admin()?;
    let now = services.clock.now();
    let revoked = services
        .store
        .revoke_invitation(id, &Actor::admin()?.audit(now))
        .await?;
    let record = services
        .store
        .find_invitation(id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !revoked {
        return Err(AppError::Conflict(format!(
            "This invitation is {} and can no longer be revoked.",
            view(record, now).status.words().to_lowercase()
        )));
    }
    tracing::info!(admin = %admin.user.username, invitation = id, "invitation revoked");
    Ok(view(record, now))
}

pub async fn open(secret: String) -> Result<InvitationWelcome, AppError> {
    let services = services()?;
    let record = services
        .store
        .open_invitation(&SecretHash::of(&secret), services.clock.now())
        .await?
        .ok_or(AppError::InvitationBroken)?;
    Ok(InvitationWelcome {
        email: record.email,
        display_name: record.display_name,
        role: record.role,
        expires_at: record.expires_at,
    })
}

pub async fn accept(
    secret: String,
    username: String,
    password: String,
    password_confirmation: String,
) -> Result<(), AppError> {
    let services = services()?;
    // The same network rule as signing in, checked before the link is used up.
    let ip = admitted_client(&services).await.inspect_err(|error| {
        if matches!(error, AppError::NetworkNotAllowed) {
            tracing::warn!(
                target: "tessera::audit", event = "accept_invitation", address = ?client_ip(),
                outcome = "refused", reason = "address outside the company allowlist"
            );
        }
    })?;
    // Guessing links is throttled like guessing passwords, by address.
    let now = services.clock.now();
    let subjects: Vec<String> = throttle::address_subject(ip).into_iter().collect();
    if let Some(wait) = throttled(&services, &subjects, now).await? {
        return Err(wait);
    }
    // A link that no longer works says so before anything is checked or hashed.
    let hash = SecretHash::of(&secret);
    let Some(invitation) = services.store.open_invitation(&hash, now).await? else {
        record_failure(&services, &subjects, now).await?;
        return Err(AppError::InvitationBroken);
    };
    let username =
        normalize_username(&username).map_err(|e| AppError::invalid(Field::Username, e))?;
    let personal = [
        username.as_str(),
        invitation.display_name.as_str(),
        invitation.email.as_str(),
    ];
    check_new_password(&password, &password_confirmation, &personal)?;
    let password_hash = hash_password_in_turn(password).await.ok_or_else(|| {
        tracing::error!("password hashing failed");
        AppError::Internal
    })?;
    let invitee = Invitee {
        username: username.clone(),
        password_hash,
    };
    let user = match services
        .store
        .accept_invitation(&hash, invitee, &Actor::visitor(services.clock.now()))
        .await?
    {
        Ok(user) => user,
        Err(AcceptRefusal::Broken) => return Err(AppError::InvitationBroken),
        Err(AcceptRefusal::UsernameTaken) => {
            return Err(AppError::invalid(
                Field::Username,
                format!("The username {username} is taken. Choose another."),
            ))
        }
        Err(AcceptRefusal::EmailTaken) => {
            return Err(AppError::Conflict(
                "An account with this e-mail address already exists. Please contact your system administrator."
                    .into(),
            ))
        }
    };
    tracing::info!(user = %user.username, "invitation accepted");
    start_session(&services, &user, ip, None).await?;
    // The pages follow this too, as they do after signing in.
    leptos_axum::redirect(landing_page(user.role));
    Ok(())
}

fn new_secret() -> String {
    random_base62(&mut rand::rngs::OsRng.unwrap_err(), LINK_SECRET_LEN)
}

/// Mails the link when a mail server is configured. A failed delivery is reported to the
/// admin, not raised: the invitation exists and its link can be passed on by hand.
async fn issue(
    services: &Services,
    record: InvitationRecord,
    secret: &str,
    now: DateTime<Utc>,
) -> IssuedInvitation {
    let link = format!(
        "{}/invite/{secret}",
        services.public_url.trim_end_matches('/')
    );
    let delivery = match &services.mailer {
        None => Delivery::NotConfigured,
        Some(mailer) => match mailer.send(invitation_mail(&record, &link)).await {
            Ok(()) => Delivery::Sent,
            Err(error) => {
                tracing::error!(%error, invitation = record.id, "invitation e-mail not sent");
                Delivery::Failed
            }
        },
    };
    IssuedInvitation {
        invitation: view(record, now),
        link,
        delivery,
    }
}

fn view(record: InvitationRecord, now: DateTime<Utc>) -> InvitationView {
    InvitationView {
        id: record.id,
        status: InvitationStatus::at(
            now,
            record.expires_at,
            record.accepted_at,
            record.revoked_at,
        ),
        email: record.email,
        display_name: record.display_name,
        role: record.role,
        invited_by: record.invited_by,
        sent_at: record.sent_at,
        expires_at: record.expires_at,
        accepted_at: record.accepted_at,
        accepted_username: record.accepted_username,
    }
}
