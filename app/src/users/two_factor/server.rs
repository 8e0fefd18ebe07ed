use super::authenticator::{grouped, matching_step, new_secret, qr_code};
use super::{RecoveryCodes, TwoFactorSetUp, TwoFactorStatus};
use crate::audit::Actor;
use crate::error::{AppError, Field};
use crate::rules::secret::SecretHash;
use crate::rules::throttle;
use crate::rules::two_factor::{
    normalize_code, normalize_recovery_code, recovery_code, SecondFactor, RECOVERY_CODES,
};
use crate::services::{client_ip, services, signed_in, Services};
use crate::sessions::{
    audit_failed_sign_in, count_sign_in, end_challenge, landing_page, pending_sign_in,
    record_failure, start_session, throttled,
};
use crate::store::SessionUser;
use crate::users::password::verify_password;
use rand::{RngCore, TryRngCore};

const WRONG_CODE: &str =
    "That code is not right. Check that your phone's clock is correct, or use a recovery code.";

pub async fn status() -> Result<TwoFactorStatus, AppError> {
    let services = services()?;
    let me = signed_in()?;
    let record = services.store.two_factor_of(me.user.id).await?;
    let policy = services.policy.get(services.store.as_ref()).await?;
    let on = record.as_ref().filter(|r| r.confirmed_at.is_some());
    Ok(TwoFactorStatus {
        on_since: on.and_then(|r| r.confirmed_at),
        recovery_codes_left: on.map_or(0, |r| r.recovery_codes_left),
        required: policy.requires_two_factor(me.user.role),
    })
}

pub async fn begin() -> Result<TwoFactorSetUp, AppError> {
    let services = services()?;
    let me = signed_in()?;
    let secret = new_secret();
    let begun = services
        .store
        .begin_two_factor(me.user.id, secret.clone(), services.clock.now())
        .await?;
    if !begun {
        return Err(AppError::Conflict(
            "Two-factor authentication is already on.".into(),
        ));
    }
    let qr_code = qr_code(&secret, &me.user.username).ok_or_else(|| {
        tracing::error!("could not draw the authenticator QR code");
        AppError::Internal
    })?;
    Ok(TwoFactorSetUp {
        secret: grouped(&secret),
        qr_code,
    })
}

pub async fn confirm(code: String) -> Result<RecoveryCodes, AppError> {
    let services = services()?;
    let me = signed_in()?;
    let now = services.clock.now();
    let record = services
        .store
        .two_factor_of(me.user.id)
        .await?
        .filter(|r| r.confirmed_at.is_none())
        .ok_or_else(|| AppError::Conflict("Start the set-up again.".into()))?;
    let step = normalize_code(&code)
        .and_then(|code| matching_step(&record.secret, &code, now, None))
        .ok_or_else(|| AppError::invalid(Field::Code, WRONG_CODE))?;
    let (codes, hashes) = fresh_recovery_codes();
    if !services
        .store
        .confirm_two_factor(me.user.id, step, hashes, &Actor::signed_in()?.audit(now))
        .await?
    {
        return Err(AppError::Conflict("Start the set-up again.".into()));
    }
    audit(&me, "two_factor_on");
    Ok(codes)
}

pub async fn new_recovery_codes(password: String) -> Result<RecoveryCodes, AppError> {
    let (services, me) = with_password(password, "two_factor_recovery_codes").await?;
    let on = services
        .store
        .two_factor_of(me.user.id)
        .await?
        .is_some_and(|r| r.confirmed_at.is_some());
    if !on {
        return Err(AppError::Conflict(
            "Two-factor authentication is off.".into(),
        ));
    }
    let (codes, hashes) = fresh_recovery_codes();
    services
        .store
        .replace_recovery_codes(me.user.id, hashes)
        .await?;
    audit(&me, "two_factor_recovery_codes");
    Ok(codes)
}

pub async fn disable(password: String) -> Result<(), AppError> {
    let (services, me) = with_password(password, "two_factor_off").await?;
    let policy = services.policy.get(services.store.as_ref()).await?;
    if policy.requires_two_factor(me.user.role) {
        return Err(AppError::Conflict(
            "Your organisation requires two-factor authentication, so it cannot be turned off."
                .into(),
        ));
    }
    let actor = Actor::signed_in()?;
    if !services
        .store
        .disable_two_factor(me.user.id, &actor.audit(services.clock.now()))
        .await?
    {
        return Err(AppError::Conflict(
            "Two-factor authentication is already off.".into(),
        ));
    }
    audit(&me, "two_factor_off");
    Ok(())
}

pub async fn sign_in_with_code(typed: String) -> Result<(), AppError> {
    let services = services()?;
    let (user, challenge) = pending_sign_in(&services).await?;
    let address = client_ip();
    let username = user.username.clone();
    let now = services.clock.now();
    // Codes are guessed no faster than passwords, on the same counts.
    let subjects = throttle::subjects(&username, address);
    if let Some(wait) = throttled(&services, &subjects, now).await? {
        tracing::warn!(
            target: "tessera::audit", event = "sign_in", %username, ?address,
            outcome = "refused", reason = "too many failures"
        );
        count_sign_in("refused");
        audit_failed_sign_in(&username, "too many failures").await?;
        return Err(wait);
    }
    let Some(factor) = second_factor(&services, user.id, &typed).await? else {
        record_failure(&services, &subjects, now).await?;
        tracing::warn!(
            target: "tessera::audit", event = "sign_in", %username, ?address,
            outcome = "refused", reason = "wrong code"
        );
        count_sign_in("refused");
        audit_failed_sign_in(&username, "wrong code").await?;
        return Err(AppError::invalid(Field::Code, WRONG_CODE));
    };
    services
        .store
        .clear_sign_in_failures(&throttle::user_subject(&username))
        .await?;
    end_challenge(&services, &challenge).await?;
    start_session(&services, &user, address, Some(factor)).await?;
    tracing::info!(
        target: "tessera::audit", event = "sign_in", %username, ?address,
        outcome = "signed_in", second_factor = factor.as_str()
    );
    count_sign_in("signed_in");
    leptos_axum::redirect(landing_page(user.role));
    Ok(())
}

/// Uses up `typed` if it is the user's current app code or one of their recovery codes.
async fn second_factor(
    services: &Services,
    user_id: i64,
    typed: &str,
) -> Result<Option<SecondFactor>, AppError> {
    let Some(record) = services
        .store
        .two_factor_of(user_id)
        .await?
        .filter(|r| r.confirmed_at.is_some())
    else {
        return Ok(None);
    };
    if let Some(code) = normalize_code(typed) {
        let now = services.clock.now();
        let Some(step) = matching_step(&record.secret, &code, now, record.last_used_step) else {
            return Ok(None);
        };
        // Another instance may have taken the same step a moment ago.
        let fresh = services.store.use_code_step(user_id, step).await?;
        return Ok(fresh.then_some(SecondFactor::Authenticator));
    }
    if let Some(code) = normalize_recovery_code(typed) {
        let used = services
            .store
            .use_recovery_code(user_id, &SecretHash::of(&code), services.clock.now())
            .await?;
        return Ok(used.then_some(SecondFactor::RecoveryCode));
    }
    Ok(None)
}

/// The signed-in user, once `password` proved it is them; a wrong one counts as a failed
/// sign-in.
async fn with_password(
    password: String,
    event: &'static str,
) -> Result<(Services, SessionUser), AppError> {
    let services = services()?;
    let me = signed_in()?;
    let address = client_ip();
    let now = services.clock.now();
    let subjects = throttle::subjects(&me.user.username, address);
    if let Some(wait) = throttled(&services, &subjects, now).await? {
        return Err(wait);
    }
    let stored = services
        .store
        .find_credentials(&me.user.username)
        .await?
        .map(|c| c.password_hash);
    if !verify_password(password, stored).await {
        record_failure(&services, &subjects, now).await?;
        tracing::warn!(
            target: "tessera::audit", event, username = %me.user.username, ?address,
            outcome = "refused", reason = "wrong password"
        );
        return Err(AppError::invalid(
            Field::Password,
            "That is not your password.",
        ));
    }
    Ok((services, me))
}

/// Ten new recovery codes, and their hashes to keep.
fn fresh_recovery_codes() -> (RecoveryCodes, Vec<SecretHash>) {
    let mut rng = rand::rngs::OsRng.unwrap_err();
    let codes: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| recovery_code(|| rng.next_u32() as u8))
        .collect();
    let hashes = codes.iter().map(SecretHash::of).collect();
    (RecoveryCodes(codes), hashes)
}

fn audit(me: &SessionUser, event: &'static str) {
    tracing::info!(
        target: "tessera::audit", event, username = %me.user.username, address = ?client_ip(),
        outcome = "done"
    );
}
