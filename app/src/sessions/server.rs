use super::device::describe;
use super::{Deactivated, SessionView};
use crate::audit::Actor;
use crate::error::AppError;
use crate::rules::secret::{random_base62, SecretHash};
use crate::rules::session::{
    retention_cutoff, session_expiry, SessionEnd, SessionStatus, SESSION_HOURS,
};
use crate::rules::throttle;
use crate::rules::two_factor::{SecondFactor, CHALLENGE_MINUTES};
use crate::rules::username::normalize_username;
use crate::services::{client_ip, services, signed_in, Services};
use crate::store::{NewSession, NewSignInChallenge, SessionId, SessionUser, UserSummary};
use crate::users::password::verify_password;
use crate::users::Role;
use cookie::{Cookie, SameSite};
use http::header::{HeaderName, COOKIE, SET_COOKIE, USER_AGENT};
use http::{HeaderMap, HeaderValue};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use rand::TryRngCore;

pub const SESSION_COOKIE: &str = "tessera_session";
/// Its name over https. Browsers take a `__Host-` cookie only from a secure page, for the
/// whole site and no other host: no plain-http page or subdomain can set or replace it.
pub const SECURE_SESSION_COOKIE: &str = "__Host-tessera_session";

fn session_cookie_name(services: &Services) -> &'static str {
    if services.secure_cookies {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}
const CHALLENGE_COOKIE: &str = "tessera_sign_in";
const SECURE_CHALLENGE_COOKIE: &str = "__Host-tessera_sign_in";
/// Where someone whose password was right enters their code.
pub const CODE_PAGE: &str = "/login/code";
/// Where someone the company requires two-factor of sets it up before anything else.
pub const TWO_FACTOR_SET_UP_PAGE: &str = "/two-factor";
const SESSION_SECRET_LEN: usize = 43; // about 256 bits of base62
/// The brands a Chromium-based browser names (RFC 8942 client hints).
const SEC_CH_UA: HeaderName = HeaderName::from_static("sec-ch-ua");

pub async fn login(username: String, password: String) -> Result<(), AppError> {
    // Only a name that could be a username is logged: a password typed into the wrong
    // field must not end up in the logs.
    let username = normalize_username(&username).unwrap_or_default();
    let address = client_ip();
    match sign_in(&username, password).await {
        Ok(next) => {
            let outcome = match next {
                AfterPassword::AskForCode => "code_required",
                AfterPassword::SignedIn { .. } => "signed_in",
            };
            tracing::info!(
                target: "tessera::audit", event = "sign_in", %username, ?address, outcome
            );
            count_sign_in(outcome);
            leptos_axum::redirect(next.page());
            Ok(())
        }
        Err((error, reason)) => {
            tracing::warn!(
                target: "tessera::audit", event = "sign_in", %username, ?address,
                outcome = "refused", reason
            );
            count_sign_in("refused");
            if !matches!(error, AppError::Internal | AppError::Unreachable) {
                audit_failed_sign_in(&username, reason).await?;
            }
            Err(error)
        }
    }
}

/// Counts a sign-in for the metrics, by how it ended.
pub(crate) fn count_sign_in(outcome: &'static str) {
    metrics::counter!("tessera_sign_ins_total", "outcome" => outcome).increment(1);
}

/// Writes a failed sign-in into the audit trail, under the name that was tried.
pub(crate) async fn audit_failed_sign_in(username: &str, reason: &str) -> Result<(), AppError> {
    let services = services()?;
    let audit = Actor::visitor(services.clock.now());
    services
        .store
        .record_failed_sign_in(username, reason, &audit)
        .await?;
    Ok(())
}

/// Where someone goes once their password was right.
enum AfterPassword {
    /// Two-factor is on: the code page, with a challenge cookie.
    AskForCode,
    /// Signed in; to the two-factor set-up first if the company requires it of them.
    SignedIn {
        must_set_up_two_factor: bool,
        role: Role,
    },
}

/// Where a user goes once signed in: admins to their overview, everyone else to their
/// profile.
pub fn landing_page(role: Role) -> &'static str {
    match role {
        Role::Admin => "/admin",
        Role::User => "/profile",
    }
}

impl AfterPassword {
    fn page(&self) -> &'static str {
        match self {
            Self::AskForCode => CODE_PAGE,
            Self::SignedIn {
                must_set_up_two_factor: true,
                ..
            } => TWO_FACTOR_SET_UP_PAGE,
            Self::SignedIn { role, .. } => landing_page(*role),
        }
    }
}

/// Signs `username` in, or says why not: the error the caller is shown, and the reason the
/// audit log keeps.
async fn sign_in(
    username: &str,
    password: String,
) -> Result<AfterPassword, (AppError, &'static str)> {
    let server_error = |error: AppError| (error, "server error");
    let services = services().map_err(server_error)?;
    // The network is checked before the password, so that nobody outside it can learn
    // whether a password is right.
    let ip = admitted_client(&services)
        .await
        .map_err(|error| match error {
            AppError::NetworkNotAllowed => (error, "address outside the company allowlist"),
            other => server_error(other),
        })?;
    let now = services.clock.now();
    let subjects = throttle::subjects(username, ip);
    if let Some(wait) = throttled(&services, &subjects, now)
        .await
        .map_err(server_error)?
    {
        return Err((wait, "too many failures"));
    }
    let credentials = services
        .store
        .find_credentials(username)
        .await
        .map_err(|e| server_error(e.into()))?;
    let stored_hash = credentials.as_ref().map(|c| c.password_hash.clone());
    // Verified whether or not the user exists: against a throwaway hash when not, so the
    // answer takes the same time either way.
    let verified = verify_password(password, stored_hash).await;
    let credentials = match credentials {
        Some(c) if verified => c,
        other => {
            let reason = match other {
                Some(_) => "wrong password",
                None => "unknown username",
            };
            record_failure(&services, &subjects, now)
                .await
                .map_err(server_error)?;
            return Err((AppError::InvalidCredentials, reason));
        }
    };
    if !credentials.login_active || !credentials.current {
        return Err((AppError::AccountDisabled, "account disabled"));
    }
    let user = credentials.user;
    let two_factor = services
        .store
        .two_factor_of(user.id)
        .await
        .map_err(|e| server_error(e.into()))?;
    if two_factor.is_some_and(|t| t.confirmed_at.is_some()) {
        // The name's failures are cleared only once the code is right too.
        ask_for_code(&services, &user).await.map_err(server_error)?;
        return Ok(AfterPassword::AskForCode);
    }
    // The right password clears the name's count; the address's waits out its failures.
    services
        .store
        .clear_sign_in_failures(&throttle::user_subject(username))
        .await
        .map_err(|e| server_error(e.into()))?;
    start_session(&services, &user, ip, None)
        .await
        .map_err(server_error)?;
    let policy = services
        .policy
        .get(services.store.as_ref())
        .await
        .map_err(|e| server_error(e.into()))?;
    Ok(AfterPassword::SignedIn {
        must_set_up_two_factor: policy.requires_two_factor(user.role),
        role: user.role,
    })
}

/// Keeps a challenge for `user` and gives the browser its cookie: the code page finds who
/// is signing in through it.
pub(crate) async fn ask_for_code(services: &Services, user: &UserSummary) -> Result<(), AppError> {
    let now = services.clock.now();
    let secret = random_base62(&mut rand::rngs::OsRng.unwrap_err(), SESSION_SECRET_LEN);
    services
        .store
        .insert_sign_in_challenge(NewSignInChallenge {
            secret_hash: SecretHash::of(&secret),
            user_id: user.id,
            created_at: now,
            expires_at: now + chrono::Duration::minutes(CHALLENGE_MINUTES),
        })
        .await?;
    set_cookie(challenge_cookie(services, secret));
    Ok(())
}

/// The user whose password was right in this browser a moment ago, and the challenge's hash.
pub(crate) async fn pending_sign_in(
    services: &Services,
) -> Result<(UserSummary, SecretHash), AppError> {
    let headers = use_context::<http::request::Parts>()
        .map(|parts| parts.headers)
        .unwrap_or_default();
    let secret =
        cookie_value(&headers, challenge_cookie_name(services)).ok_or(AppError::SignInExpired)?;
    let hash = SecretHash::of(&secret);
    let user = services
        .store
        .find_sign_in_challenge(&hash, services.clock.now())
        .await?
        .ok_or(AppError::SignInExpired)?;
    Ok((user, hash))
}

/// Ends a challenge once its code was right, and takes its cookie back.
pub(crate) async fn end_challenge(services: &Services, hash: &SecretHash) -> Result<(), AppError> {
    services.store.end_sign_in_challenge(hash).await?;
    let mut removal = challenge_cookie(services, String::new());
    removal.make_removal();
    set_cookie(removal);
    Ok(())
}

/// One more failure against each of `subjects`, on every instance's count.
pub(crate) async fn record_failure(
    services: &Services,
    subjects: &[String],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), AppError> {
    let forgotten_before = now - throttle::FORGET_AFTER;
    services
        .store
        .record_sign_in_failure(subjects, now, forgotten_before)
        .await?;
    Ok(())
}

/// The refusal for someone who must still wait after failing too often, by name or by
/// address, on any instance.
pub(crate) async fn throttled(
    services: &Services,
    subjects: &[String],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<AppError>, AppError> {
    let counts = services.store.sign_in_failures(subjects).await?;
    let longest = counts
        .iter()
        .filter_map(|count| throttle::still_waiting(count.failures, count.last_failure_at, now))
        .max();
    Ok(longest.map(|wait| AppError::TooManyAttempts {
        words: throttle::in_words(wait),
        seconds: wait.num_seconds().max(1) as u64,
    }))
}

/// The client's address, if the company allowlist lets it sign in: the rule for signing in
/// and for accepting an invitation alike.
pub(crate) async fn admitted_client(
    services: &Services,
) -> Result<Option<std::net::IpAddr>, AppError> {
    let ip = client_ip();
    let policy = services.policy.get(services.store.as_ref()).await?;
    if !policy.admits(ip) {
        return Err(AppError::NetworkNotAllowed);
    }
    Ok(ip)
}

/// Opens a session for `user` and hands its cookie to the browser: what signing in,
/// accepting an invitation and resetting a password all end with.
pub(crate) async fn start_session(
    services: &Services,
    user: &UserSummary,
    ip: Option<std::net::IpAddr>,
    second_factor: Option<SecondFactor>,
) -> Result<(), AppError> {
    let now = services.clock.now();
    let secret = random_base62(&mut rand::rngs::OsRng.unwrap_err(), SESSION_SECRET_LEN);
    let header = |name| {
        use_context::<http::request::Parts>().and_then(|parts| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        })
    };
    let user_agent = header(USER_AGENT);
    let device = describe(user_agent.as_deref(), header(SEC_CH_UA).as_deref());
    services
        .store
        .insert_session(NewSession {
            user_id: user.id,
            secret_hash: SecretHash::of(&secret),
            created_at: now,
            expires_at: session_expiry(now),
            ip: ip.map(|ip| ip.to_string()),
            user_agent,
            device: Some(device),
            second_factor,
        })
        .await?;
    set_cookie(session_cookie(services, secret));
    Ok(())
}

pub async fn logout() -> Result<(), AppError> {
    let services = services()?;
    // Signing out without a session is not an error: the cookie is cleared either way.
    if let Ok(session) = signed_in() {
        services
            .store
            .end_session(
                session.user.id,
                session.session_id,
                SessionEnd::SignedOut,
                &Actor::signed_in()?.audit(services.clock.now()),
            )
            .await?;
        tracing::info!(user = %session.user.username, "signed out");
    }
    clear_cookie(&services);
    leptos_axum::redirect("/login");
    Ok(())
}

/// The signed-in user's sign-ins of the last 30 days, newest first.
pub async fn recent() -> Result<Vec<SessionView>, AppError> {
    let services = services()?;
    let me = signed_in()?;
    let now = services.clock.now();
    let sessions = services
        .store
        .sessions_of(me.user.id, retention_cutoff(now))
        .await?;
    Ok(sessions
        .into_iter()
        .map(|record| SessionView {
            id: record.id,
            signed_in_at: record.created_at,
            ip: record.ip,
            device: record
                .device
                .unwrap_or_else(|| describe(record.user_agent.as_deref(), None)),
            expires_at: record.expires_at,
            status: SessionStatus::at(now, record.expires_at, record.ended),
            current: record.id == me.session_id,
            second_factor: record.second_factor,
        })
        .collect())
}

/// Ends one of the signed-in user's sessions; ending the current one signs them out.
pub async fn deactivate(id: SessionId) -> Result<Deactivated, AppError> {
    let services = services()?;
    let me = signed_in()?;
    let now = services.clock.now();
    let ended = services
        .store
        .end_session(
            me.user.id,
            id,
            SessionEnd::Deactivated,
            &Actor::signed_in()?.audit(now),
        )
        .await?;
    if !ended {
        // Someone else's session and one that does not exist look the same.
        let mine = services
            .store
            .sessions_of(me.user.id, retention_cutoff(now))
            .await?
            .into_iter()
            .any(|session| session.id == id);
        return Err(if mine {
            AppError::Conflict("This session has already ended.".into())
        } else {
            AppError::NotFound
        });
    }
    let signed_out = id == me.session_id;
    tracing::info!(user = %me.user.username, session = id, signed_out, "session deactivated");
    if signed_out {
        clear_cookie(&services);
    }
    Ok(Deactivated { signed_out })
}

fn clear_cookie(services: &Services) {
    let mut removal = session_cookie(services, String::new());
    removal.make_removal();
    set_cookie(removal);
}

/// The live session named by the request's cookie, if any. The server's middleware calls
/// this once per request and stores the answer in the request's extensions.
pub async fn resolve_session(
    services: &Services,
    headers: &HeaderMap,
) -> Result<Option<SessionUser>, AppError> {
    let Some(secret) = cookie_value(headers, session_cookie_name(services)) else {
        return Ok(None);
    };
    let hash = SecretHash::of(&secret);
    Ok(services
        .store
        .find_live_session(&hash, services.clock.now())
        .await?)
}

pub(crate) fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == name)
        .map(|cookie| cookie.value().to_owned())
}

/// The short-lived cookie of a sign-in that waits for its code, named like the session's.
fn challenge_cookie_name(services: &Services) -> &'static str {
    if services.secure_cookies {
        SECURE_CHALLENGE_COOKIE
    } else {
        CHALLENGE_COOKIE
    }
}

fn challenge_cookie(services: &Services, value: String) -> Cookie<'static> {
    Cookie::build((challenge_cookie_name(services), value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(services.secure_cookies)
        .max_age(cookie::time::Duration::minutes(CHALLENGE_MINUTES))
        .build()
}

fn session_cookie(services: &Services, value: String) -> Cookie<'static> {
    Cookie::build((session_cookie_name(services), value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(services.secure_cookies)
        .max_age(cookie::time::Duration::hours(SESSION_HOURS))
        .build()
}

fn set_cookie(cookie: Cookie<'static>) {
    if let (Some(response), Ok(value)) = (
        use_context::<ResponseOptions>(),
        HeaderValue::from_str(&cookie.to_string()),
    ) {
        response.append_header(SET_COOKIE, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_session_cookie_among_others() {
        let mut headers = HeaderMap::new();
        headers.append(
            COOKIE,
            HeaderValue::from_static("theme=dark; tessera_session=abc123"),
        );
        headers.append(COOKIE, HeaderValue::from_static("other=1"));
        assert_eq!(
            cookie_value(&headers, SESSION_COOKIE).as_deref(),
            Some("abc123")
        );
        assert_eq!(cookie_value(&HeaderMap::new(), SESSION_COOKIE), None);
    }
}
