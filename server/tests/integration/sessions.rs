//! Sign-in, sign-out and the three-hour session, through the real router.

use crate::common;

use app::error::AppError;
use app::users::Role;
use chrono::Duration;
use common::{TestApp, PASSWORD};
use http::{header, StatusCode};

#[tokio::test]
async fn signing_in_sets_a_hardened_session_cookie_and_goes_to_the_profile() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;

    let answer = app.sign_in_answer("alice", PASSWORD).await;
    assert_eq!(answer.status, StatusCode::OK);
    let cookie = answer.header(header::SET_COOKIE).unwrap();
    assert!(cookie.starts_with("tessera_session="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=10800"] {
        assert!(
            cookie.contains(attribute),
            "{attribute} missing from {cookie}"
        );
    }
    assert!(
        !cookie.contains("Secure"),
        "plain http must not set Secure: {cookie}"
    );
    assert_eq!(answer.header(header::LOCATION), Some("/profile"));
}

#[tokio::test]
async fn cookie_is_secure_when_served_over_https() {
    let app = TestApp::with_options(true).await;
    app.add_user("alice", Role::User).await;
    let answer = app.sign_in_answer("alice", PASSWORD).await;
    let cookie = answer.header(header::SET_COOKIE).unwrap();
    assert!(cookie.contains("Secure"), "{cookie}");
    assert!(cookie.starts_with("__Host-tessera_session="), "{cookie}");
    // The prefix's rules: for the whole site, and no Domain.
    assert!(
        cookie.contains("Path=/") && !cookie.contains("Domain"),
        "{cookie}"
    );
    // The session works under its new name, and the plain name means nothing here.
    let named = cookie.split(';').next().unwrap();
    assert_eq!(
        app.get("/profile", Some(named)).await.status,
        StatusCode::OK
    );
    let plain = named.replace("__Host-", "");
    assert_eq!(
        app.get("/profile", Some(&plain)).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn username_is_not_case_sensitive() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    assert_eq!(
        app.sign_in_answer("  Alice ", PASSWORD).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn unknown_user_and_wrong_password_get_the_same_answer() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;

    let wrong_password = app.sign_in_answer("alice", "not the password").await;
    let checks_before = app::users::password::unknown_user_checks();
    let unknown_user = app.sign_in_answer("mallory", PASSWORD).await;
    // The unknown name cost a full password check, against the throwaway hash.
    assert!(app::users::password::unknown_user_checks() > checks_before);
    for answer in [&wrong_password, &unknown_user] {
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
        assert_eq!(answer.json::<AppError>(), AppError::InvalidCredentials);
        assert_eq!(answer.header(header::SET_COOKIE), None);
    }
    assert_eq!(wrong_password.body, unknown_user.body);
    assert_eq!(
        AppError::InvalidCredentials.to_string(),
        "Invalid username or password."
    );
}

#[tokio::test]
async fn users_not_login_active_or_not_current_cannot_sign_in() {
    let app = TestApp::new().await;
    app.add_user("bob", Role::User).await;
    app.add_user("carol", Role::User).await;
    sqlx::query("UPDATE users SET login_active = FALSE WHERE username = 'bob'")
        .execute(&app.db)
        .await
        .unwrap();
    sqlx::query("UPDATE users SET is_current = FALSE WHERE username = 'carol'")
        .execute(&app.db)
        .await
        .unwrap();

    for name in ["bob", "carol"] {
        let answer = app.sign_in_answer(name, PASSWORD).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{name}");
        assert_eq!(answer.json::<AppError>(), AppError::AccountDisabled);
        // Only the right password learns that the account is disabled.
        let guess = app.sign_in_answer(name, "not the password").await;
        assert_eq!(guess.status, StatusCode::UNAUTHORIZED, "{name}");
        assert_eq!(guess.json::<AppError>(), AppError::InvalidCredentials);
    }
}

#[tokio::test]
async fn deactivating_a_user_ends_their_open_sessions() {
    let app = TestApp::new().await;
    app.add_user("bob", Role::User).await;
    let cookie = app.sign_in("bob").await;
    assert_eq!(
        app.get("/profile", Some(&cookie)).await.status,
        StatusCode::OK
    );

    sqlx::query("UPDATE users SET login_active = FALSE WHERE username = 'bob'")
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(
        app.get("/profile", Some(&cookie))
            .await
            .header(header::LOCATION),
        Some("/login")
    );
}

/// Which other pages need a session: `routes.rs`.
#[tokio::test]
async fn the_login_page_needs_no_session() {
    let app = TestApp::new().await;
    let login = app.get("/login", None).await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(login.body.contains("Sign in"));
}

#[tokio::test]
async fn server_functions_refuse_callers_without_a_session() {
    let app = TestApp::new().await;
    let answer = app.call("tokens/list", &[], None).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.json::<AppError>(), AppError::Unauthenticated);
    let forged = app
        .call("tokens/list", &[], Some("tessera_session=forged"))
        .await;
    assert_eq!(forged.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn signed_in_people_are_sent_from_login_to_their_profile() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    let cookie = app.sign_in("alice").await;

    let login = app.get("/login", Some(&cookie)).await;
    assert_eq!(login.header(header::LOCATION), Some("/profile"));
    let profile = app.get("/profile", Some(&cookie)).await;
    assert_eq!(profile.status, StatusCode::OK);
    assert!(profile.body.contains("Manage Personal Access Tokens"));
    assert!(profile.body.contains("Alice Example"));
}

#[tokio::test]
async fn session_expires_three_hours_after_sign_in() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    let cookie = app.sign_in("alice").await;

    app.clock.advance(Duration::hours(3) - Duration::seconds(1));
    assert_eq!(
        app.get("/profile", Some(&cookie)).await.status,
        StatusCode::OK
    );

    app.clock.advance(Duration::seconds(1));
    let answer = app.get("/profile", Some(&cookie)).await;
    assert_eq!(answer.header(header::LOCATION), Some("/login"));
}

#[tokio::test]
async fn signing_out_ends_the_session_on_the_server() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    let cookie = app.sign_in("alice").await;

    let answer = app.call("logout", &[], Some(&cookie)).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer
        .header(header::SET_COOKIE)
        .unwrap()
        .contains("Max-Age=0"));
    assert_eq!(answer.header(header::LOCATION), Some("/login"));

    // Replaying the old cookie does not bring the session back.
    assert_eq!(
        app.get("/profile", Some(&cookie))
            .await
            .header(header::LOCATION),
        Some("/login")
    );
}

#[tokio::test]
async fn only_the_session_hash_is_stored() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    let cookie = app.sign_in("alice").await;
    let secret = cookie.split_once('=').unwrap().1;

    let (stored, ip): (Vec<u8>, Option<String>) =
        sqlx::query_as("SELECT secret_hash, ip FROM sessions")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        stored,
        app::rules::secret::SecretHash::of(secret)
            .as_bytes()
            .to_vec()
    );
    assert_eq!(ip.as_deref(), Some("203.0.113.7"));
}

#[tokio::test]
async fn nothing_personal_may_be_cached_or_framed() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    let cookie = app.sign_in("alice").await;
    for answer in [
        app.get("/profile", Some(&cookie)).await,
        app.call(
            "tokens/create",
            &[
                ("label", "x"),
                ("length", "30"),
                ("custom_expiry", ""),
                ("utc_offset_minutes", "0"),
                ("permissions", "profile:read tokens:read"),
            ],
            Some(&cookie),
        )
        .await,
        app.get("/api/v1/me", None).await,
    ] {
        assert_eq!(answer.header(header::CACHE_CONTROL), Some("no-store"));
        assert_eq!(answer.header(header::X_FRAME_OPTIONS), Some("DENY"));
        assert_eq!(
            answer.header(header::X_CONTENT_TYPE_OPTIONS),
            Some("nosniff")
        );
    }
}
