//! The System Users report on a database whose contents the test knows exactly.

use crate::common;

use app::store::Audit;

use app::error::AppError;
use app::report::{ReportView, UserUpdated};
use app::rules::expiry::TokenStatus;
use app::store::TokenUse;
use app::users::Role;
use chrono::Duration;
use common::TestApp;
use http::{header, StatusCode};

/// Five people and thirty fillers:
/// - alice (user): a-expired, a-expiring (7 days), a-revoked (expired by hand), a-active (60 days)
/// - bob (Login Active = No): b-active (90 days, used), b-never (same second, so listed first)
/// - carol (Current = No): c-active (created 3 days ago for 7 days)
/// - dave (admin) and root (the admin looking): no tokens
/// - user01 … user30: no tokens
struct Fixture {
    app: TestApp,
    root: String,
}

async fn fixture() -> Fixture {
    let app = TestApp::new().await;
    let now = app.now();
    let day = Duration::days(1);
    let alice = app.add_user("alice", Role::User).await;
    let bob = app.add_user("bob", Role::User).await;
    let carol = app.add_user("carol", Role::User).await;
    app.add_user("dave", Role::Admin).await;
    let root_id = app.add_user("root", Role::Admin).await;
    for n in 1..=30 {
        app.add_user(&format!("user{n:02}"), Role::User).await;
    }

    app.insert_token(alice, "a-expired", now - day * 31, Some(now - day))
        .await;
    app.insert_token(
        alice,
        "a-expiring",
        now - Duration::hours(1),
        Some(now + day * 7 - Duration::hours(1)),
    )
    .await;
    let revoked = app
        .insert_token(alice, "a-revoked", now, Some(now + day * 30))
        .await;
    app.store
        .expire_token(revoked.id, &Audit::by_user(root_id, now))
        .await
        .unwrap();
    app.insert_token(
        alice,
        "=HYPERLINK(\"x\") a-active",
        now,
        Some(now + day * 60),
    )
    .await;
    let b_active = app
        .insert_token(bob, "b-active", now, Some(now + day * 90))
        .await;
    app.store
        .record_token_uses(&[TokenUse {
            token_id: b_active.id,
            at: now,
            ip: Some("203.0.113.7".into()),
            addresses: Vec::new(),
        }])
        .await
        .unwrap();
    app.insert_token(bob, "b-never", now, None).await;
    app.insert_token(carol, "c-active", now - day * 3, Some(now + day * 4))
        .await;
    app.exec("UPDATE users SET login_active = FALSE WHERE username = 'bob'")
        .await;
    app.exec("UPDATE users SET is_current = FALSE WHERE username = 'carol'")
        .await;

    let root = app.sign_in("root").await;
    Fixture { app, root }
}

impl Fixture {
    async fn report(&self, query: &str) -> ReportView {
        let answer = self
            .app
            .call("report/users", &[("query", query)], Some(&self.root))
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{query}: {}", answer.body);
        answer.json()
    }

    /// `username: label, label; username: …` for the whole page.
    async fn shape(&self, query: &str) -> String {
        let view = self.report(query).await;
        view.users
            .iter()
            .map(|user| {
                let labels: Vec<&str> = user
                    .tokens
                    .iter()
                    .map(|t| t.label.trim_start_matches("=HYPERLINK(\"x\") "))
                    .collect();
                format!("{}: {}", user.username, labels.join(", "))
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn usernames(&self, query: &str) -> Vec<String> {
        self.report(query)
            .await
            .users
            .into_iter()
            .map(|u| u.username)
            .collect()
    }
}

#[tokio::test]
async fn every_example_report_returns_exactly_its_rows() {
    let f = fixture().await;
    assert_eq!(
        f.shape("preset=active-tokens").await,
        "alice: a-active, a-expiring; bob: b-never, b-active; carol: c-active"
    );
    assert_eq!(
        f.shape("preset=expiring").await,
        "alice: a-expiring; carol: c-active"
    );
    assert_eq!(
        f.shape("preset=expired").await,
        "alice: a-revoked, a-expired"
    );
    assert_eq!(
        f.shape("preset=inactive-users").await,
        "bob: b-never, b-active; carol: c-active"
    );
    for preset in ["active-tokens", "expiring", "expired", "inactive-users"] {
        assert_eq!(
            f.report(&format!("preset={preset}")).await.total as usize,
            f.report(&format!("preset={preset}")).await.users.len(),
            "{preset}"
        );
    }
}

#[tokio::test]
async fn the_default_report_lists_every_user_with_all_their_tokens() {
    let f = fixture().await;
    let view = f.report("").await;
    assert_eq!(view.total, 35);
    assert_eq!(view.users.len(), 25);
    let alice = &view.users[0];
    assert_eq!(
        (
            alice.username.as_str(),
            alice.active_tokens,
            alice.tokens.len()
        ),
        ("alice", 2, 4)
    );
    assert_eq!(alice.email, "alice@example.com");
    let bob = &view.users[1];
    assert_eq!(
        (bob.login_active, bob.current, bob.active_tokens),
        (false, true, 2)
    );
    let revoked = alice
        .tokens
        .iter()
        .find(|t| t.label == "a-revoked")
        .unwrap();
    assert_eq!(revoked.status, TokenStatus::ExpiredManually);
    assert_eq!(revoked.expired_by.as_deref(), Some("Root Example"));
}

#[tokio::test]
async fn filters_narrow_users_and_tokens() {
    let f = fixture().await;
    assert_eq!(f.shape("q=never").await, "bob: b-never");
    assert_eq!(
        f.shape("q=ALI").await,
        "alice: a-active, a-revoked, a-expiring, a-expired"
    );
    assert_eq!(f.shape("q=user0").await.matches("user0").count(), 9);
    assert_eq!(f.shape("q=nothing-like-this").await, "");
    assert_eq!(f.shape("status=expired-manually").await, "alice: a-revoked");
    assert_eq!(f.shape("status=expired").await, "alice: a-expired");
    assert_eq!(
        f.shape("status=active&q=b-").await,
        "bob: b-never, b-active"
    );
    // The clock is 2026-11-23 09:00 UTC: c-active expires on the 27th, a-expiring on the 30th.
    assert_eq!(
        f.shape("from=2026-11-27&to=2026-11-27").await,
        "carol: c-active"
    );
    assert_eq!(
        f.shape("from=2026-11-28&to=2026-11-30").await,
        "alice: a-expiring"
    );
    assert_eq!(
        f.shape("preset=active-tokens&from=2027-01-01").await,
        "alice: a-active; bob: b-active"
    );
    // A search for a literal % or _ is not a wildcard.
    assert_eq!(f.shape("q=%25").await, "");
    assert_eq!(f.shape("q=_").await, "");
}

#[tokio::test]
async fn sorting_by_user_and_token_columns() {
    let f = fixture().await;
    assert_eq!(
        &f.usernames("sort=active-tokens&dir=desc").await[..4],
        ["alice", "bob", "carol", "dave"]
    );
    assert_eq!(
        &f.usernames("sort=username&dir=desc").await[..2],
        ["user30", "user29"]
    );
    assert_eq!(&f.usernames("sort=role").await[..2], ["dave", "root"]);
    assert_eq!(&f.usernames("sort=login-active").await[..1], ["bob"]);
    assert_eq!(&f.usernames("sort=current").await[..1], ["carol"]);
    // Users by their earliest shown expiry, tokens by expiry; no tokens sort last.
    assert_eq!(
        f.shape("preset=active-tokens&sort=expires").await,
        "carol: c-active; alice: a-expiring, a-active; bob: b-active, b-never"
    );
    assert_eq!(
        f.shape("preset=active-tokens&sort=expires&dir=desc").await,
        "bob: b-active, b-never; alice: a-active, a-expiring; carol: c-active"
    );
    assert_eq!(
        f.shape("preset=expired&sort=status").await,
        "alice: a-expired, a-revoked"
    );
    assert_eq!(
        f.shape("q=alice&sort=label").await,
        "alice: a-active, a-expired, a-expiring, a-revoked"
    );
}

#[tokio::test]
async fn pagination_boundaries() {
    let f = fixture().await;
    let second = f.report("page=2").await;
    assert_eq!(
        (second.users.len(), second.total, second.pages()),
        (10, 35, 2)
    );
    assert_eq!(second.users.first().unwrap().username, "user21");
    assert_eq!(f.report("page=3").await.users.len(), 0);
    assert_eq!(f.report("per=50").await.users.len(), 35);
    // A page size that is not offered falls back to the default.
    assert_eq!(f.report("per=7").await.users.len(), 25);
    let first_of_two = f.usernames("per=25&sort=username&dir=desc").await;
    let second_of_two = f.usernames("per=25&page=2&sort=username&dir=desc").await;
    assert_eq!(first_of_two.len() + second_of_two.len(), 35);
    assert!(first_of_two
        .iter()
        .all(|name| !second_of_two.contains(name)));
}

#[tokio::test]
async fn csv_exports_every_row_with_formulas_neutralised() {
    let f = fixture().await;
    let answer = f
        .app
        .get(
            "/admin/users.csv?preset=active-tokens&per=25&page=2",
            Some(&f.root),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.header(header::CONTENT_TYPE),
        Some("text/csv; charset=utf-8")
    );
    assert!(answer
        .header(header::CONTENT_DISPOSITION)
        .unwrap()
        .contains("system-users-active-tokens.csv"));
    let lines: Vec<&str> = answer.body.lines().collect();
    assert!(lines[0].starts_with(
        "Username,Display name,E-mail,Role,Login Active,Current,Active tokens,Label,Hint"
    ));
    // All five active tokens, whatever page the report was on.
    assert_eq!(lines.len(), 1 + 5, "{}", answer.body);
    assert!(lines[1].starts_with(
        "alice,Alice Example,alice@example.com,User,Yes,Yes,2,\"'=HYPERLINK(\"\"x\"\") a-active\","
    ));
    assert!(lines.iter().any(|l| l
        .starts_with("bob,Bob Example,bob@example.com,User,No,Yes,2,b-never,")
        && l.contains(",Never,")));

    let all = f.app.get("/admin/users.csv", Some(&f.root)).await;
    // 35 users; alice has 4 tokens, bob 2, carol 1; the rest one empty-token line each.
    assert_eq!(all.body.lines().count(), 1 + 4 + 2 + 1 + 32);
}

#[tokio::test]
async fn non_admins_are_refused_everywhere() {
    let f = fixture().await;
    let alice = f.app.sign_in("alice").await;
    let answer = f
        .app
        .call("report/users", &[("query", "")], Some(&alice))
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(answer.json::<AppError>(), AppError::Forbidden);
    let page = f.app.get("/admin/users", Some(&alice)).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("403"));
    assert!(!page.body.contains("bob@example.com"));
    assert_eq!(
        f.app.get("/admin/users.csv", Some(&alice)).await.status,
        StatusCode::FORBIDDEN
    );
    let update = [
        ("user_id", "1"),
        ("role", "Admin"),
        ("login_active", "true"),
        ("current", "true"),
        ("expire_active_tokens", "false"),
    ];
    assert_eq!(
        f.app
            .call("users/update", &update, Some(&alice))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Signed out: the page sends you to sign in.
    assert_eq!(
        f.app
            .get("/admin/users", None)
            .await
            .header(header::LOCATION),
        Some("/login")
    );

    let admin_page = f
        .app
        .get("/admin/users?preset=inactive-users", Some(&f.root))
        .await;
    assert_eq!(admin_page.status, StatusCode::OK);
    assert!(admin_page.body.contains("bob@example.com"));
}

#[tokio::test]
async fn admins_expire_any_token_from_the_report() {
    let f = fixture().await;
    let view = f.report("q=c-active").await;
    let token = &view.users[0].tokens[0];
    let answer = f
        .app
        .call(
            "tokens/expire",
            &[("id", &token.id.to_string())],
            Some(&f.root),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);

    let carol = f.app.sign_in_answer("carol", common::PASSWORD).await;
    assert_eq!(carol.status, StatusCode::FORBIDDEN, "carol is not current");
    let after = f.report("q=c-active").await;
    assert_eq!(
        after.users[0].tokens[0].status,
        TokenStatus::ExpiredManually
    );
    assert_eq!(
        after.users[0].tokens[0].expired_by.as_deref(),
        Some("Root Example")
    );
}

async fn update(
    f: &Fixture,
    user: &str,
    role: &str,
    login_active: bool,
    current: bool,
    expire: bool,
) -> common::Answer {
    let id = f.report(&format!("q={user}")).await.users[0].id.to_string();
    let (login_active, current, expire) = (
        login_active.to_string(),
        current.to_string(),
        expire.to_string(),
    );
    f.app
        .call(
            "users/update",
            &[
                ("user_id", &id),
                ("role", role),
                ("login_active", &login_active),
                ("current", &current),
                ("expire_active_tokens", &expire),
            ],
            Some(&f.root),
        )
        .await
}

#[tokio::test]
async fn deactivating_a_user_keeps_their_tokens_unless_asked() {
    let f = fixture().await;
    let answer = update(&f, "alice", "User", false, true, false).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.json::<UserUpdated>().expired_tokens, 0);
    assert_eq!(
        f.shape("preset=inactive-users").await,
        "alice: a-active, a-expiring; bob: b-never, b-active; carol: c-active"
    );

    let answer = update(&f, "bob", "User", false, false, true).await;
    assert_eq!(answer.json::<UserUpdated>().expired_tokens, 2);
    assert_eq!(
        f.shape("preset=inactive-users").await,
        "alice: a-active, a-expiring; carol: c-active"
    );

    assert_eq!(
        update(&f, "carol", "Admin", true, true, false).await.status,
        StatusCode::OK
    );
    let carol = &f.report("q=carol").await.users[0];
    assert_eq!((carol.role, carol.current), (Role::Admin, true));
}

#[tokio::test]
async fn admins_cannot_demote_or_deactivate_themselves() {
    let f = fixture().await;
    for (role, login_active, current) in [
        ("User", true, true),
        ("Admin", false, true),
        ("Admin", true, false),
    ] {
        let answer = update(&f, "root", role, login_active, current, false).await;
        assert_eq!(answer.status, StatusCode::CONFLICT);
    }
    assert_eq!(
        update(&f, "root", "Admin", true, true, false).await.status,
        StatusCode::OK
    );
}
