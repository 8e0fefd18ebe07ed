//! The audit trail beyond tokens: sign-ins that succeed and fail, sessions deactivated,
//! admins' changes to users, passwords changed and reset, two-factor turned on and off,
//! invitations, and company security. Each action writes exactly one event, about the right
//! subject, by the right actor; a refused action writes none.

use crate::common;

use app::audit::AuditPage;
use app::rules::audit::{AuditAction, SubjectKind};
use app::sessions::SessionView;
use app::users::invitations::IssuedInvitation;
use app::users::passwords::IssuedReset;
use app::users::two_factor::authenticator::code_at;
use app::users::two_factor::TwoFactorSetUp;
use app::users::Role;
use common::{session_cookie, TestApp, PASSWORD, PUBLIC_URL};
use http::StatusCode;
use serde_json::Value;

const NEW_PASSWORD: &str = "gravel orchid tundra";

/// An event as stored: (subject kind, subject id, owner id, actor user id, detail).
type Event<Detail> = (String, Option<i64>, Option<i64>, Option<i64>, Detail);

/// A security form: its endpoint, what it posts, and the setting its event names.
type Save<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);

/// Every event of `action`, oldest first.
async fn events(app: &TestApp, action: AuditAction) -> Vec<Event<Value>> {
    let rows: Vec<Event<String>> = sqlx::query_as(
        "SELECT subject_kind, subject_id, subject_owner_id, actor_user_id, detail
         FROM audit_events WHERE action = $1 ORDER BY id",
    )
    .bind(action.as_str())
    .fetch_all(&app.db)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(kind, id, owner, actor, detail)| {
            (
                kind,
                id,
                owner,
                actor,
                serde_json::from_str(&detail).unwrap(),
            )
        })
        .collect()
}

async fn count(app: &TestApp, action: AuditAction) -> usize {
    events(app, action).await.len()
}

async fn ok(app: &TestApp, endpoint: &str, form: &[(&str, &str)], cookie: &str) -> String {
    let answer = app.call(endpoint, form, Some(cookie)).await;
    assert_eq!(answer.status, StatusCode::OK, "{endpoint}: {}", answer.body);
    answer.body
}

#[tokio::test]
async fn sign_ins_sessions_and_passwords_write_one_event_each() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;

    // Failed sign-ins: a wrong password names Alice; a name nobody has names no one.
    app.sign_in_answer("alice", "not the password").await;
    app.sign_in_answer("mallory", "a guess").await;
    let failed = events(&app, AuditAction::SignInFailed).await;
    assert_eq!(failed.len(), 2);
    assert_eq!(
        (&failed[0].0[..], failed[0].1, failed[0].3),
        ("user", Some(alice), None)
    );
    assert_eq!(failed[0].4["reason"], "wrong password");
    assert_eq!((failed[1].1, failed[1].2), (None, None));
    assert_eq!(failed[1].4["username"], "mallory");
    assert_eq!(failed[1].4["reason"], "unknown username");
    let passwords = format!("{:?}", failed);
    assert!(!passwords.contains("not the password") && !passwords.contains("a guess"));

    // Two sign-ins: two sessions, each an event about itself, by Alice.
    let first = app.sign_in("alice").await;
    let second = app.sign_in("alice").await;
    let signed_in = events(&app, AuditAction::SignInSucceeded).await;
    assert_eq!(signed_in.len(), 2);
    assert!(signed_in
        .iter()
        .all(|(kind, _, owner, actor, _)| kind == "session"
            && *owner == Some(alice)
            && *actor == Some(alice)));

    // Deactivating the other session is an event; signing out is not.
    let sessions: Vec<SessionView> = app.call("sessions/recent", &[], Some(&second)).await.json();
    let other = sessions.iter().find(|s| !s.current).unwrap().id.to_string();
    ok(&app, "sessions/deactivate", &[("id", &other)], &second).await;
    let deactivated = events(&app, AuditAction::SessionDeactivated).await;
    assert_eq!(deactivated.len(), 1);
    assert_eq!(deactivated[0].1.map(|id| id.to_string()), Some(other));
    let again = app
        .call(
            "sessions/deactivate",
            &[("id", &sessions[1].id.to_string())],
            Some(&second),
        )
        .await;
    assert_ne!(again.status, StatusCode::OK);
    app.call("logout", &[], Some(&second)).await;
    assert_eq!(count(&app, AuditAction::SessionDeactivated).await, 1);
    drop(first);

    // A password change, and a refused one.
    let cookie = app.sign_in("alice").await;
    let change = |current: &'static str| {
        let (app, cookie) = (&app, cookie.clone());
        async move {
            app.call(
                "password/change",
                &[
                    ("current_password", current),
                    ("new_password", NEW_PASSWORD),
                    ("new_password_confirmation", NEW_PASSWORD),
                ],
                Some(&cookie),
            )
            .await
        }
    };
    assert_eq!(
        change("wrong").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(count(&app, AuditAction::PasswordChanged).await, 0);
    assert_eq!(change(PASSWORD).await.status, StatusCode::OK);
    let changed = events(&app, AuditAction::PasswordChanged).await;
    assert_eq!(changed.len(), 1);
    assert_eq!((changed[0].1, changed[0].3), (Some(alice), Some(alice)));

    // An admin's reset link, used by Bruno: the reset is his own doing.
    app.add_user("ada", Role::Admin).await;
    let bruno = app.add_user("bruno", Role::User).await;
    let ada = app.sign_in("ada").await;
    let issued: IssuedReset = app
        .call(
            "password/reset-link",
            &[("user_id", &bruno.to_string())],
            Some(&ada),
        )
        .await
        .json();
    let secret = issued.link.rsplit('/').next().unwrap().to_owned();
    let used = app
        .call(
            "password/reset",
            &[
                ("secret", secret.as_str()),
                ("password", NEW_PASSWORD),
                ("password_confirmation", NEW_PASSWORD),
            ],
            None,
        )
        .await;
    assert_eq!(used.status, StatusCode::OK, "{}", used.body);
    let reset = events(&app, AuditAction::PasswordReset).await;
    assert_eq!(reset.len(), 1);
    assert_eq!((reset[0].1, reset[0].3), (Some(bruno), Some(bruno)));
}

#[tokio::test]
async fn two_factor_and_admins_changes_to_users_write_one_event_each() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    app.add_user("ada", Role::Admin).await;
    let cookie = app.sign_in("alice").await;

    let begun: TwoFactorSetUp = app
        .call("two-factor/begin", &[], Some(&cookie))
        .await
        .json();
    let secret = begun.secret.replace(' ', "");
    let wrong = app
        .call("two-factor/confirm", &[("code", "000000")], Some(&cookie))
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(count(&app, AuditAction::TwoFactorOn).await, 0);
    let code = code_at(&secret, app.now());
    ok(&app, "two-factor/confirm", &[("code", &code)], &cookie).await;
    assert_eq!(count(&app, AuditAction::TwoFactorOn).await, 1);
    ok(
        &app,
        "two-factor/disable",
        &[("password", PASSWORD)],
        &cookie,
    )
    .await;
    let off = events(&app, AuditAction::TwoFactorOff).await;
    assert_eq!(off.len(), 1);
    assert_eq!((off[0].1, off[0].3), (Some(alice), Some(alice)));

    // Role and Login Active change; Current stays: two events, each saying what it became.
    let ada = app.sign_in("ada").await;
    let update = |role: &'static str, login_active: &'static str| {
        let (app, ada) = (&app, ada.clone());
        async move {
            ok(
                app,
                "users/update",
                &[
                    ("user_id", &alice.to_string()),
                    ("role", role),
                    ("login_active", login_active),
                    ("current", "true"),
                    ("expire_active_tokens", "false"),
                ],
                &ada,
            )
            .await
        }
    };
    update("Admin", "false").await;
    let role = events(&app, AuditAction::UserRoleChanged).await;
    assert_eq!(role.len(), 1);
    assert_eq!(
        (role[0].4["from"].as_str(), role[0].4["to"].as_str()),
        (Some("User"), Some("Admin"))
    );
    let active = events(&app, AuditAction::UserLoginActiveChanged).await;
    assert_eq!(active.len(), 1);
    assert_eq!(active[0].4["to"], false);
    assert_eq!(count(&app, AuditAction::UserCurrentChanged).await, 0);
    // The same values again change nothing, and say so by writing nothing.
    update("Admin", "false").await;
    assert_eq!(count(&app, AuditAction::UserRoleChanged).await, 1);
    assert_eq!(count(&app, AuditAction::UserLoginActiveChanged).await, 1);

    // The Audit Log shows them about Alice, by Ada.
    let page: AuditPage = app
        .call(
            "audit/events",
            &[("query", "user=alice&action=user.role_changed")],
            Some(&ada),
        )
        .await
        .json();
    assert_eq!(page.total, 1);
    let shown = &page.events[0];
    assert_eq!(shown.subject, "Account");
    assert_eq!(shown.owner.as_deref(), Some("alice"));
    assert_eq!(shown.event.by, "Ada Example");
    assert_eq!(shown.event.note.as_deref(), Some("to Admin"));
}

#[tokio::test]
async fn invitations_write_one_event_each_and_the_invitee_accepts_as_themselves() {
    let app = TestApp::new().await;
    let ada = app.add_user("ada", Role::Admin).await;
    let cookie = app.sign_in("ada").await;
    let invite = |email: &'static str| {
        let (app, cookie) = (&app, cookie.clone());
        async move {
            let answer = app
                .call(
                    "invitations/create",
                    &[
                        ("email", email),
                        ("display_name", "Bo Example"),
                        ("role", "admin"),
                    ],
                    Some(&cookie),
                )
                .await;
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
            answer.json::<IssuedInvitation>()
        }
    };
    let first = invite("bo@example.com").await;
    let sent = events(&app, AuditAction::InvitationSent).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, "invitation");
    assert_eq!(sent[0].3, Some(ada));
    assert_eq!(sent[0].4["email"], "bo@example.com");
    assert_eq!(sent[0].4["role"], "Admin");
    let id = first.invitation.id.to_string();
    ok(&app, "invitations/resend", &[("id", &id)], &cookie).await;
    assert_eq!(count(&app, AuditAction::InvitationResent).await, 1);
    ok(&app, "invitations/revoke", &[("id", &id)], &cookie).await;
    let again = app
        .call("invitations/revoke", &[("id", &id)], Some(&cookie))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(count(&app, AuditAction::InvitationRevoked).await, 1);

    let second = invite("cy@example.com").await;
    let secret = second
        .link
        .strip_prefix(&format!("{PUBLIC_URL}/invite/"))
        .unwrap()
        .to_owned();
    let accepted = app
        .call(
            "invitations/accept",
            &[
                ("secret", secret.as_str()),
                ("username", "cy"),
                ("password", NEW_PASSWORD),
                ("password_confirmation", NEW_PASSWORD),
            ],
            None,
        )
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    session_cookie(&accepted);
    let cy = app
        .store
        .find_credentials("cy")
        .await
        .unwrap()
        .unwrap()
        .user
        .id;
    let accepted = events(&app, AuditAction::InvitationAccepted).await;
    assert_eq!(accepted.len(), 1);
    assert_eq!(
        (accepted[0].1, accepted[0].2, accepted[0].3),
        (Some(second.invitation.id), Some(cy), Some(cy))
    );
    // Accepting signs Cy in, which is an event of its own.
    let signed_in = events(&app, AuditAction::SignInSucceeded).await;
    assert_eq!(signed_in.last().unwrap().2, Some(cy));
}

#[tokio::test]
async fn each_company_security_setting_saved_is_one_event() {
    let app = TestApp::new().await;
    let ada = app.add_user("ada", Role::Admin).await;
    let cookie = app.sign_in("ada").await;
    let saves: [Save; 7] = [
        (
            "security/lifetime",
            &[("max_token_days", "90")],
            "maximum token lifetime (days)",
        ),
        ("security/allowlist-form", &[], "IP allowlist"),
        (
            "security/two-factor",
            &[("rule", "nobody")],
            "two-factor sign-in required of",
        ),
        (
            "security/unused-tokens",
            &[("unused_days", "120")],
            "expire tokens unused for (days)",
        ),
        (
            "security/audit-retention",
            &[("days", "400")],
            "keep audit events for (days)",
        ),
        (
            "permissions/add",
            &[
                ("name", "billing:read"),
                ("description", "Read invoices"),
                ("admin_only", "false"),
            ],
            "permission added",
        ),
        (
            "permissions/remove",
            &[("name", "billing:read")],
            "permission removed",
        ),
    ];
    for (endpoint, form, _) in saves {
        ok(&app, endpoint, form, &cookie).await;
    }
    // Refused saves write nothing.
    let refused = app
        .call(
            "security/lifetime",
            &[("max_token_days", "0")],
            Some(&cookie),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);

    let saved = events(&app, AuditAction::SecuritySaved).await;
    let settings: Vec<&str> = saved
        .iter()
        .map(|(_, _, _, _, detail)| detail["setting"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = saves.iter().map(|(_, _, setting)| *setting).collect();
    assert_eq!(settings, expected);
    assert!(saved.iter().all(
        |(kind, _, _, actor, _)| kind == SubjectKind::Setting.as_str() && *actor == Some(ada)
    ));
    assert_eq!(saved[0].4["value"], 90);
    assert_eq!(saved[1].4["value"], serde_json::json!([]));
    assert_eq!(saved[2].4["value"], "nobody");
    assert_eq!(saved[5].4["value"], "billing:read");
    let page: AuditPage = app
        .call(
            "audit/events",
            &[("query", "subject=setting")],
            Some(&cookie),
        )
        .await
        .json();
    assert_eq!(page.total, 7);
    assert!(page.events.iter().all(|e| e.subject == "Company security"));
}
