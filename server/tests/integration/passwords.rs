//! Changing a password, admins' reset links, and the refusal of easily guessed passwords,
//! through the real router.

use crate::common;

use app::error::AppError;
use app::rules::session::SessionStatus;
use app::sessions::SessionView;
use app::users::invitations::mail::{MailError, Mailer, OutgoingMail};
use app::users::passwords::{IssuedReset, PasswordChanged, ResetDelivery, ResetWelcome};
use app::users::Role;
use chrono::Duration;
use common::{session_cookie, TestApp, PASSWORD};
use http::{header, StatusCode};
use std::sync::{Arc, Mutex};

const NEW_PASSWORD: &str = "gravel orchid tundra";

async fn change(app: &TestApp, cookie: &str, current: &str, new: &str) -> common::Answer {
    app.call(
        "password/change",
        &[
            ("current_password", current),
            ("new_password", new),
            ("new_password_confirmation", new),
        ],
        Some(cookie),
    )
    .await
}

async fn statuses(app: &TestApp, cookie: &str) -> Vec<SessionStatus> {
    let answer = app.call("sessions/recent", &[], Some(cookie)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let mut sessions: Vec<SessionView> = answer.json();
    sessions.sort_by_key(|session| session.id);
    sessions.into_iter().map(|session| session.status).collect()
}

#[tokio::test]
async fn a_change_signs_out_every_other_session_and_keeps_this_one() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    let laptop = app.sign_in("alice").await;
    let phone = app.sign_in("alice").await;
    let here = app.sign_in("alice").await;

    let answer = change(&app, &here, PASSWORD, NEW_PASSWORD).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(
        answer.json::<PasswordChanged>(),
        PasswordChanged {
            other_sessions_ended: 2
        }
    );
    for ended in [&laptop, &phone] {
        assert_eq!(
            app.get("/profile", Some(ended)).await.status,
            StatusCode::SEE_OTHER
        );
    }
    assert_eq!(
        app.get("/profile", Some(&here)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        statuses(&app, &here).await,
        [
            SessionStatus::PasswordChanged,
            SessionStatus::PasswordChanged,
            SessionStatus::Active
        ]
    );
    // Only the new password signs in now.
    let old = app.sign_in_answer("alice", PASSWORD).await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    let new = app.sign_in_answer("alice", NEW_PASSWORD).await;
    assert_eq!(new.status, StatusCode::OK, "{}", new.body);
}

#[tokio::test]
async fn a_wrong_current_password_is_refused_and_throttled_like_a_sign_in() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    let cookie = app.sign_in("alice").await;
    for attempt in 1..=5 {
        let wrong = change(&app, &cookie, "not my password", NEW_PASSWORD).await;
        assert_eq!(
            wrong.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "attempt {attempt}"
        );
        assert_eq!(
            wrong
                .json::<AppError>()
                .message_for(app::error::Field::CurrentPassword)
                .as_deref(),
            Some("That is not your current password.")
        );
    }
    let throttled = change(&app, &cookie, PASSWORD, NEW_PASSWORD).await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(throttled.header(header::RETRY_AFTER), Some("30"));
    // The same count holds sign-in back: guessing here is no way around it.
    let sign_in = app.sign_in_answer("alice", PASSWORD).await;
    assert_eq!(sign_in.status, StatusCode::TOO_MANY_REQUESTS);

    app.clock.advance(Duration::seconds(31));
    let answer = change(&app, &cookie, PASSWORD, NEW_PASSWORD).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
}

#[tokio::test]
async fn common_and_personal_passwords_are_refused_with_the_reason() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    let cookie = app.sign_in("alice").await;
    for (weak, reason) in [
        ("password1", "common password"),
        ("qwertyuiop", "top-100 common password"),
        ("alicealice", "too easy to guess"),
    ] {
        let answer = change(&app, &cookie, PASSWORD, weak).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{weak}");
        let message = answer
            .json::<AppError>()
            .message_for(app::error::Field::Password)
            .unwrap_or_default();
        assert!(
            message.starts_with("This password is too easy to guess."),
            "{message}"
        );
        assert!(message.contains(reason), "{weak}: {message}");
    }
    let same = change(&app, &cookie, PASSWORD, PASSWORD).await;
    assert_eq!(same.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Nothing was changed by the refusals.
    let sign_in = app.sign_in_answer("alice", PASSWORD).await;
    assert_eq!(sign_in.status, StatusCode::OK);
}

#[tokio::test]
async fn a_change_needs_a_session() {
    let app = TestApp::new().await;
    let answer = app
        .call(
            "password/change",
            &[
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
                ("new_password_confirmation", NEW_PASSWORD),
            ],
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
}

async fn reset_link(app: &TestApp, cookie: &str, user_id: i64) -> common::Answer {
    app.call(
        "password/reset-link",
        &[("user_id", &user_id.to_string())],
        Some(cookie),
    )
    .await
}

fn secret_of(issued: &IssuedReset) -> String {
    issued.link.rsplit('/').next().unwrap().to_owned()
}

async fn use_link(app: &TestApp, secret: &str, password: &str) -> common::Answer {
    app.call(
        "password/reset",
        &[
            ("secret", secret),
            ("password", password),
            ("password_confirmation", password),
        ],
        None,
    )
    .await
}

#[tokio::test]
async fn a_reset_link_sets_a_new_password_once_and_signs_out_everywhere() {
    let app = TestApp::new().await;
    app.add_user("admin", Role::Admin).await;
    let alice = app.add_user("alice", Role::User).await;
    let admin = app.sign_in("admin").await;
    let alice_elsewhere = app.sign_in("alice").await;

    let answer = reset_link(&app, &admin, alice).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let issued: IssuedReset = answer.json();
    assert!(issued
        .link
        .starts_with(&format!("{}/reset/", common::PUBLIC_URL)));
    assert_eq!(issued.delivery, ResetDelivery::NoMailServer);
    assert_eq!(issued.expires_at, app.now() + Duration::hours(72));
    let secret = secret_of(&issued);

    let opened = app
        .call("password/reset-open", &[("secret", &secret)], None)
        .await;
    assert_eq!(opened.json::<ResetWelcome>().username, "alice");
    let page = app.get(&format!("/reset/{secret}"), None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Choose a new password, Alice Example"),
        "{}",
        page.body
    );

    let weak = use_link(&app, &secret, "password1").await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    let done = use_link(&app, &secret, NEW_PASSWORD).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.json::<String>(), "/profile");
    let signed_in = session_cookie(&done);
    assert_eq!(
        app.get("/profile", Some(&signed_in)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/profile", Some(&alice_elsewhere)).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.sign_in_answer("alice", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );

    // Used up: the link and its page say it is broken.
    let again = use_link(&app, &secret, "another fine passphrase").await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert_eq!(again.json::<AppError>(), AppError::ResetLinkBroken);
    let page = app.get(&format!("/reset/{secret}"), None).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("This password reset link is broken"));
}

#[tokio::test]
async fn a_reset_link_lasts_72_hours_and_a_new_one_breaks_the_old() {
    let app = TestApp::new().await;
    app.add_user("admin", Role::Admin).await;
    let alice = app.add_user("alice", Role::User).await;
    let admin = app.sign_in("admin").await;

    let first: IssuedReset = reset_link(&app, &admin, alice).await.json();
    let second: IssuedReset = reset_link(&app, &admin, alice).await.json();
    let replaced = use_link(&app, &secret_of(&first), NEW_PASSWORD).await;
    assert_eq!(replaced.status, StatusCode::NOT_FOUND);

    app.clock.advance(Duration::hours(72));
    let admin = app.sign_in("admin").await;
    let expired = use_link(&app, &secret_of(&second), NEW_PASSWORD).await;
    assert_eq!(expired.status, StatusCode::NOT_FOUND);

    let third: IssuedReset = reset_link(&app, &admin, alice).await.json();
    app.clock.advance(Duration::hours(71));
    let in_time = use_link(&app, &secret_of(&third), NEW_PASSWORD).await;
    assert_eq!(in_time.status, StatusCode::OK, "{}", in_time.body);
}

#[tokio::test]
async fn only_admins_make_reset_links_and_only_for_users_that_exist() {
    let app = TestApp::new().await;
    let admin_id = app.add_user("admin", Role::Admin).await;
    app.add_user("alice", Role::User).await;
    let alice = app.sign_in("alice").await;
    let admin = app.sign_in("admin").await;
    assert_eq!(
        reset_link(&app, &alice, admin_id).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        reset_link(&app, &admin, 9_999).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn guessing_reset_links_is_throttled_by_address() {
    let app = TestApp::new().await;
    for _ in 0..5 {
        let broken = use_link(&app, "no-such-link", NEW_PASSWORD).await;
        assert_eq!(broken.status, StatusCode::NOT_FOUND);
    }
    let throttled = use_link(&app, "no-such-link", NEW_PASSWORD).await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
}

#[derive(Default)]
struct KeptMail(Mutex<Vec<OutgoingMail>>);

#[async_trait::async_trait]
impl Mailer for KeptMail {
    async fn send(&self, mail: OutgoingMail) -> Result<(), MailError> {
        self.0.lock().unwrap().push(mail);
        Ok(())
    }
}

#[tokio::test]
async fn with_a_mail_server_the_link_is_mailed_to_the_user() {
    let mail = Arc::new(KeptMail::default());
    let app = TestApp::with_mailer(mail.clone()).await;
    app.add_user("admin", Role::Admin).await;
    let alice = app.add_user("alice", Role::User).await;
    let admin = app.sign_in("admin").await;

    let issued: IssuedReset = reset_link(&app, &admin, alice).await.json();
    assert_eq!(
        issued.delivery,
        ResetDelivery::Sent {
            to: "alice@example.com".into()
        }
    );
    let sent = mail.0.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to_address, "alice@example.com");
    assert!(sent[0].body.contains(&issued.link));
    assert!(sent[0].body.contains("alice"));
}

#[tokio::test]
async fn an_invitation_refuses_a_common_password() {
    let app = TestApp::new().await;
    app.add_user("admin", Role::Admin).await;
    let admin = app.sign_in("admin").await;
    let issued: app::users::invitations::IssuedInvitation = app
        .call(
            "invitations/create",
            &[
                ("email", "ada@example.com"),
                ("display_name", "Ada Lovelace"),
                ("role", "user"),
            ],
            Some(&admin),
        )
        .await
        .json();
    let secret = issued.link.rsplit('/').next().unwrap();
    let answer = app
        .call(
            "invitations/accept",
            &[
                ("secret", secret),
                ("username", "ada"),
                ("password", "iloveyou1"),
                ("password_confirmation", "iloveyou1"),
            ],
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    let message = answer.json::<AppError>().to_string();
    assert!(
        message.starts_with("This password is too easy to guess."),
        "{message}"
    );
}
