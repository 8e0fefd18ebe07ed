//! Invitations through the real router: the admin's side, the invitee's side, the 72-hour
//! single-use link, and the e-mail sent through a real (local) SMTP server.

use crate::common;

use app::error::{AppError, Field};
use app::rules::invitation::{InvitationStatus, BROKEN_LINK_MESSAGE};
use app::rules::secret::SecretHash;
use app::sessions::CurrentUser;
use app::users::invitations::{Delivery, InvitationView, InvitationWelcome, IssuedInvitation};
use app::users::Role;
use axum::body::Body;
use chrono::Duration;
use common::smtp::start_smtp_server;
use common::{session_cookie, Answer, TestApp, PUBLIC_URL};
use http::{header, Request, StatusCode};
use std::sync::Arc;

const NEW_PASSWORD: &str = "a long new password";

struct Admin {
    app: TestApp,
    cookie: String,
}

impl Admin {
    async fn new(app: TestApp) -> Self {
        app.add_user("root", Role::Admin).await;
        let cookie = app.sign_in("root").await;
        Self { app, cookie }
    }

    /// Moves time on; the admin signs in again, as their session lasts only 3 hours.
    async fn advance(&mut self, by: Duration) {
        self.app.clock.advance(by);
        self.cookie = self.app.sign_in("root").await;
    }

    async fn invite_answer(&self, email: &str, name: &str, role: &str) -> Answer {
        self.app
            .call(
                "invitations/create",
                &[("email", email), ("display_name", name), ("role", role)],
                Some(&self.cookie),
            )
            .await
    }

    async fn invite(&self, email: &str, name: &str) -> IssuedInvitation {
        let answer = self.invite_answer(email, name, "user").await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        answer.json()
    }

    async fn resend(&self, id: i64) -> Answer {
        self.app
            .call(
                "invitations/resend",
                &[("id", &id.to_string())],
                Some(&self.cookie),
            )
            .await
    }

    async fn revoke(&self, id: i64) -> Answer {
        self.app
            .call(
                "invitations/revoke",
                &[("id", &id.to_string())],
                Some(&self.cookie),
            )
            .await
    }

    async fn list(&self) -> Vec<InvitationView> {
        let answer = self
            .app
            .call("invitations/list", &[], Some(&self.cookie))
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        answer.json()
    }
}

fn secret_of(issued: &IssuedInvitation) -> String {
    let prefix = format!("{PUBLIC_URL}/invite/");
    issued
        .link
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{} does not start with {prefix}", issued.link))
        .to_owned()
}

async fn open(app: &TestApp, secret: &str) -> Answer {
    app.call("invitations/open", &[("secret", secret)], None)
        .await
}

async fn accept(
    app: &TestApp,
    secret: &str,
    username: &str,
    password: &str,
    again: &str,
) -> Answer {
    app.call(
        "invitations/accept",
        &[
            ("secret", secret),
            ("username", username),
            ("password", password),
            ("password_confirmation", again),
        ],
        None,
    )
    .await
}

fn assert_broken(answer: &Answer) {
    assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}", answer.body);
    let error: AppError = answer.json();
    assert_eq!(error, AppError::InvitationBroken);
    assert_eq!(error.to_string(), BROKEN_LINK_MESSAGE);
}

fn assert_field_error(answer: &Answer, field: Field, message: &str) {
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.body
    );
    assert_eq!(
        answer.json::<AppError>(),
        AppError::Invalid {
            field,
            message: message.into()
        }
    );
}

#[tokio::test]
async fn the_invitee_chooses_a_username_and_password_and_is_signed_in() {
    let admin = Admin::new(TestApp::new().await).await;
    let issued = admin.invite("  Ada@Example.COM ", " Ada Lovelace ").await;
    assert_eq!(issued.delivery, Delivery::NotConfigured);
    assert_eq!(issued.invitation.email, "Ada@example.com");
    assert_eq!(issued.invitation.display_name, "Ada Lovelace");
    assert_eq!(issued.invitation.status, InvitationStatus::Pending);
    assert_eq!(issued.invitation.invited_by, "Root Example");
    assert_eq!(
        issued.invitation.expires_at,
        admin.app.now() + Duration::hours(72)
    );
    let secret = secret_of(&issued);
    assert_eq!(secret.len(), 43);

    // Only the link's hash is kept.
    let stored: Vec<u8> = sqlx::query_scalar("SELECT secret_hash FROM invitations")
        .fetch_one(&admin.app.db)
        .await
        .unwrap();
    assert_eq!(stored, SecretHash::of(&secret).as_bytes().to_vec());

    // The page opens without a session and greets the invitee.
    let page = admin.app.get(&format!("/invite/{secret}"), None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Welcome to Tessera, Ada Lovelace"),
        "{}",
        page.body
    );
    let welcome: InvitationWelcome = open(&admin.app, &secret).await.json();
    assert_eq!(welcome.email, "Ada@example.com");
    assert_eq!(welcome.role, Role::User);

    let answer = accept(&admin.app, &secret, " Ada ", NEW_PASSWORD, NEW_PASSWORD).await;
    let cookie = session_cookie(&answer);
    let me: CurrentUser = admin.app.call("whoami", &[], Some(&cookie)).await.json();
    assert_eq!(
        me,
        CurrentUser {
            username: "ada".into(),
            display_name: "Ada Lovelace".into(),
            role: Role::User
        }
    );
    // The chosen password signs in from now on.
    let again = admin
        .app
        .call(
            "login",
            &[("username", "ada"), ("password", NEW_PASSWORD)],
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);

    let listed = admin.list().await;
    assert_eq!(listed[0].status, InvitationStatus::Accepted);
    assert_eq!(listed[0].accepted_username.as_deref(), Some("ada"));
}

#[tokio::test]
async fn admins_can_invite_admins() {
    let admin = Admin::new(TestApp::new().await).await;
    let answer = admin
        .invite_answer("grace@example.com", "Grace Hopper", "admin")
        .await;
    let issued: IssuedInvitation = answer.json();
    let secret = secret_of(&issued);
    let cookie =
        session_cookie(&accept(&admin.app, &secret, "grace", NEW_PASSWORD, NEW_PASSWORD).await);
    let me: CurrentUser = admin.app.call("whoami", &[], Some(&cookie)).await.json();
    assert_eq!(me.role, Role::Admin);
}

#[tokio::test]
async fn a_link_works_for_72_hours_and_not_a_second_longer() {
    let mut admin = Admin::new(TestApp::new().await).await;
    let secret = secret_of(&admin.invite("ada@example.com", "Ada").await);

    admin
        .advance(Duration::hours(72) - Duration::seconds(1))
        .await;
    assert_eq!(open(&admin.app, &secret).await.status, StatusCode::OK);

    admin.advance(Duration::seconds(1)).await;
    assert_broken(&open(&admin.app, &secret).await);
    assert_broken(&accept(&admin.app, &secret, "ada", NEW_PASSWORD, NEW_PASSWORD).await);
    let page = admin.app.get(&format!("/invite/{secret}"), None).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains(BROKEN_LINK_MESSAGE), "{}", page.body);
    assert_eq!(admin.list().await[0].status, InvitationStatus::Expired);
}

#[tokio::test]
async fn a_link_works_once() {
    let admin = Admin::new(TestApp::new().await).await;
    let secret = secret_of(&admin.invite("ada@example.com", "Ada").await);
    session_cookie(&accept(&admin.app, &secret, "ada", NEW_PASSWORD, NEW_PASSWORD).await);

    assert_broken(&open(&admin.app, &secret).await);
    assert_broken(&accept(&admin.app, &secret, "ada2", NEW_PASSWORD, NEW_PASSWORD).await);
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE username LIKE 'ada%'")
        .fetch_one(&admin.app.db)
        .await
        .unwrap();
    assert_eq!(users, 1);
}

#[tokio::test]
async fn unknown_links_get_the_same_answer() {
    let admin = Admin::new(TestApp::new().await).await;
    assert_broken(&open(&admin.app, "not-a-real-secret").await);
    assert_broken(&accept(&admin.app, "", "ada", NEW_PASSWORD, NEW_PASSWORD).await);
}

#[tokio::test]
async fn resend_gives_a_new_72_hour_link_and_kills_the_old_one() {
    let mut admin = Admin::new(TestApp::new().await).await;
    let first = admin.invite("ada@example.com", "Ada").await;
    let old_secret = secret_of(&first);

    admin.advance(Duration::hours(80)).await;
    assert_eq!(admin.list().await[0].status, InvitationStatus::Expired);
    let answer = admin.resend(first.invitation.id).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let resent: IssuedInvitation = answer.json();
    let new_secret = secret_of(&resent);
    assert_ne!(new_secret, old_secret);
    assert_eq!(resent.invitation.status, InvitationStatus::Pending);
    assert_eq!(resent.invitation.sent_at, admin.app.now());
    assert_eq!(
        resent.invitation.expires_at,
        admin.app.now() + Duration::hours(72)
    );

    assert_broken(&open(&admin.app, &old_secret).await);
    assert_broken(&accept(&admin.app, &old_secret, "ada", NEW_PASSWORD, NEW_PASSWORD).await);
    session_cookie(&accept(&admin.app, &new_secret, "ada", NEW_PASSWORD, NEW_PASSWORD).await);

    // Nothing is left to resend once accepted.
    let answer = admin.resend(first.invitation.id).await;
    assert_eq!(answer.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn revoking_stops_the_link_and_resend_can_bring_it_back() {
    let admin = Admin::new(TestApp::new().await).await;
    let issued = admin.invite("ada@example.com", "Ada").await;
    let id = issued.invitation.id;

    let answer = admin.revoke(id).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(
        answer.json::<InvitationView>().status,
        InvitationStatus::Revoked
    );
    assert_broken(&open(&admin.app, &secret_of(&issued)).await);
    assert_eq!(admin.revoke(id).await.status, StatusCode::CONFLICT);
    assert_eq!(admin.revoke(424_242).await.status, StatusCode::NOT_FOUND);

    let resent: IssuedInvitation = admin.resend(id).await.json();
    assert_eq!(
        open(&admin.app, &secret_of(&resent)).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_email_that_already_has_an_account_or_invitation_is_refused() {
    let mut admin = Admin::new(TestApp::new().await).await;
    admin.app.add_user("alice", Role::User).await; // alice@example.com

    let answer = admin
        .invite_answer("ALICE@example.com", "Alice Again", "user")
        .await;
    assert_field_error(
        &answer,
        Field::Email,
        "A user with the e-mail ALICE@example.com already exists.",
    );

    admin.invite("ada@example.com", "Ada").await;
    let answer = admin
        .invite_answer("ada@EXAMPLE.com", "Ada Twice", "user")
        .await;
    assert_field_error(
        &answer,
        Field::Email,
        "ada@example.com already has a pending invitation. Resend it from the list instead.",
    );

    // Once that invitation has expired, a new one may be sent.
    admin.advance(Duration::hours(72)).await;
    admin.invite("ada@example.com", "Ada").await;
    assert_eq!(admin.list().await.len(), 2);
}

#[tokio::test]
async fn a_taken_username_is_refused_and_the_link_still_works() {
    let admin = Admin::new(TestApp::new().await).await;
    admin.app.add_user("alice", Role::User).await;
    let secret = secret_of(&admin.invite("ada@example.com", "Ada").await);

    let answer = accept(&admin.app, &secret, "Alice", NEW_PASSWORD, NEW_PASSWORD).await;
    assert_field_error(
        &answer,
        Field::Username,
        "The username alice is taken. Choose another.",
    );
    assert_eq!(open(&admin.app, &secret).await.status, StatusCode::OK);
    session_cookie(&accept(&admin.app, &secret, "ada", NEW_PASSWORD, NEW_PASSWORD).await);
}

#[tokio::test]
async fn an_email_taken_since_the_invitation_is_refused() {
    let admin = Admin::new(TestApp::new().await).await;
    let secret = secret_of(&admin.invite("carol@example.com", "Carol").await);
    admin.app.add_user("carol", Role::User).await; // added by hand meanwhile, same e-mail

    let answer = accept(&admin.app, &secret, "carol2", NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(answer.status, StatusCode::CONFLICT, "{}", answer.body);
    assert_eq!(
        open(&admin.app, &secret).await.status,
        StatusCode::OK,
        "nothing was used up"
    );
}

#[tokio::test]
async fn passwords_follow_the_usual_rules_and_must_match() {
    let admin = Admin::new(TestApp::new().await).await;
    let secret = secret_of(&admin.invite("ada@example.com", "Ada").await);

    let short = accept(&admin.app, &secret, "ada", "short", "short").await;
    assert_field_error(
        &short,
        Field::Password,
        "The password must be at least 8 characters long.",
    );
    let differ = accept(&admin.app, &secret, "ada", NEW_PASSWORD, "another password").await;
    assert_field_error(
        &differ,
        Field::PasswordConfirmation,
        "The passwords do not match.",
    );
    let bad_name = accept(&admin.app, &secret, "-ada", NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(bad_name.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(open(&admin.app, &secret).await.status, StatusCode::OK);
}

#[tokio::test]
async fn invitations_need_a_valid_email_name_and_role() {
    let admin = Admin::new(TestApp::new().await).await;
    assert_field_error(
        &admin.invite_answer("ada", "Ada", "user").await,
        Field::Email,
        "Enter a valid e-mail address, like name@example.com.",
    );
    assert_field_error(
        &admin.invite_answer("ada@example.com", "  ", "user").await,
        Field::DisplayName,
        "Enter the person's display name.",
    );
    assert_field_error(
        &admin.invite_answer("ada@example.com", "Ada", "root").await,
        Field::Role,
        "Choose a role: User or Admin.",
    );
    assert!(admin.list().await.is_empty());
}

#[tokio::test]
async fn only_admins_manage_invitations() {
    let admin = Admin::new(TestApp::new().await).await;
    let id = admin
        .invite("ada@example.com", "Ada")
        .await
        .invitation
        .id
        .to_string();
    admin.app.add_user("bob", Role::User).await;
    let bob = admin.app.sign_in("bob").await;
    let calls: [(&str, Vec<(&str, &str)>); 4] = [
        ("invitations/list", vec![]),
        (
            "invitations/create",
            vec![
                ("email", "x@example.com"),
                ("display_name", "X"),
                ("role", "admin"),
            ],
        ),
        ("invitations/resend", vec![("id", &id)]),
        ("invitations/revoke", vec![("id", &id)]),
    ];
    for (endpoint, form) in calls {
        let answer = admin.app.call(endpoint, &form, Some(&bob)).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{endpoint}");
        assert_eq!(
            admin.app.call(endpoint, &form, None).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        admin.app.get("/admin/invitations", Some(&bob)).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn accepting_from_outside_the_company_allowlist_is_refused_without_using_the_link() {
    let admin = Admin::new(TestApp::new().await).await;
    let secret = secret_of(&admin.invite("ada@example.com", "Ada").await);
    let answer = admin
        .app
        .call_json(
            "security/allowlist",
            serde_json::json!({
                "entries": [{ "address": "192.0.2.0", "bits": 24 }],
                "confirm_lockout": true
            }),
            &admin.cookie,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);

    let refused = accept(&admin.app, &secret, "ada", NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.json::<AppError>(), AppError::NetworkNotAllowed);
    assert_eq!(open(&admin.app, &secret).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_link_is_mailed_when_smtp_is_configured() {
    let (url, messages) = start_smtp_server();
    let mailer = tessera::mail::SmtpMailer::new(&url, "Tessera <tessera@example.com>").unwrap();
    let admin = Admin::new(TestApp::with_mailer(Arc::new(mailer)).await).await;

    let issued = admin.invite("ada@example.com", "Ada Lovelace").await;
    assert_eq!(issued.delivery, Delivery::Sent);
    let resent: IssuedInvitation = admin.resend(issued.invitation.id).await.json();
    assert_eq!(resent.delivery, Delivery::Sent);

    let received = messages.lock().unwrap().clone();
    assert_eq!(received.len(), 2);
    for (mail, link) in received.iter().zip([&issued.link, &resent.link]) {
        assert!(
            mail.contains("From: Tessera <tessera@example.com>"),
            "{mail}"
        );
        assert!(
            mail.contains("To: \"Ada Lovelace\" <ada@example.com>"),
            "{mail}"
        );
        assert!(
            mail.contains("Subject: You are invited to Tessera"),
            "{mail}"
        );
        assert!(
            mail.contains("Root Example invited you to Tessera as a user."),
            "{mail}"
        );
        assert!(mail.contains(link.as_str()), "{link} missing from {mail}");
    }
}

#[tokio::test]
async fn an_unreachable_mail_server_is_reported_and_the_invitation_still_works() {
    // A port nobody listens on: bound, then released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mailer =
        tessera::mail::SmtpMailer::new(&format!("smtp://127.0.0.1:{port}"), "tessera@example.com")
            .unwrap();
    let admin = Admin::new(TestApp::with_mailer(Arc::new(mailer)).await).await;

    let issued = admin.invite("ada@example.com", "Ada").await;
    assert_eq!(issued.delivery, Delivery::Failed);
    assert_eq!(
        open(&admin.app, &secret_of(&issued)).await.status,
        StatusCode::OK
    );
    assert_eq!(admin.list().await.len(), 1);
}

#[tokio::test]
async fn a_browser_posting_the_form_itself_goes_on_to_the_profile_signed_in() {
    let admin = Admin::new(TestApp::new().await).await;
    let secret = secret_of(&admin.invite("ada@example.com", "Ada Lovelace").await);
    let page = format!("http://localhost/invite/{secret}");
    let post = |username: &'static str| {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("secret", secret.as_str()),
                ("username", username),
                ("password", NEW_PASSWORD),
                ("password_confirmation", NEW_PASSWORD),
            ])
            .finish();
        Request::post("/rpc/invitations/accept")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html,*/*;q=0.8")
            .header(header::REFERER, &page)
            .body(Body::from(body))
            .unwrap()
    };

    // A taken username comes back to the form with its error; the link still works.
    let refused = admin.app.send(post("root")).await;
    assert!(refused.status.is_redirection(), "{}", refused.status);
    let back = refused.header(header::LOCATION).unwrap();
    assert!(back.starts_with(&page) && back.contains("__err="), "{back}");

    let accepted = admin.app.send(post("ada")).await;
    assert!(accepted.status.is_redirection(), "{}", accepted.status);
    assert_eq!(accepted.header(header::LOCATION), Some("/profile"));
    let cookie = accepted
        .header(header::SET_COOKIE)
        .unwrap()
        .split(';')
        .next()
        .unwrap();
    let profile = admin.app.get("/profile", Some(cookie)).await;
    assert_eq!(profile.status, StatusCode::OK);
    assert!(profile.body.contains("Ada Lovelace"), "{}", profile.body);
}
