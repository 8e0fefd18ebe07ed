//! Recent Authentications: the list of sign-ins, Deactivate, and the 30-day purge.

use crate::common;

use app::error::AppError;
use app::rules::session::SessionStatus;
use app::sessions::{Deactivated, SessionView};
use app::users::Role;
use chrono::Duration;
use common::{session_cookie, Answer, TestApp};
use http::{header, StatusCode};

const CHROMIUM: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const CHROMIUM_BRANDS: &str = r#""Chromium";v="131", "Not_A Brand";v="24""#;
const FIREFOX: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";

async fn recent(app: &TestApp, cookie: &str) -> Vec<SessionView> {
    let answer = app.call("sessions/recent", &[], Some(cookie)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.json()
}

async fn deactivate(app: &TestApp, cookie: &str, id: i64) -> Answer {
    app.call(
        "sessions/deactivate",
        &[("id", &id.to_string())],
        Some(cookie),
    )
    .await
}

async fn sign_in_with(app: &TestApp, peer: &str, headers: &[(&str, &str)], user: &str) -> String {
    session_cookie(&app.sign_in_from(peer, headers, user).await)
}

#[tokio::test]
async fn lists_sign_ins_newest_first_with_address_browser_and_this_session() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    let chromium = sign_in_with(
        &app,
        "198.51.100.20",
        &[("user-agent", CHROMIUM), ("sec-ch-ua", CHROMIUM_BRANDS)],
        "alice",
    )
    .await;
    app.clock.advance(Duration::minutes(5));
    let firefox = sign_in_with(&app, "2001:db8::7", &[("user-agent", FIREFOX)], "alice").await;

    let seen_from_firefox = recent(&app, &firefox).await;
    assert_eq!(seen_from_firefox.len(), 2);
    let (newest, oldest) = (&seen_from_firefox[0], &seen_from_firefox[1]);
    assert_eq!(newest.device, "Firefox on Windows 10");
    assert_eq!(newest.ip.as_deref(), Some("2001:db8::7"));
    assert!(newest.current);
    assert_eq!(oldest.device, "Chromium on Linux");
    assert_eq!(oldest.ip.as_deref(), Some("198.51.100.20"));
    assert!(!oldest.current);
    assert_eq!(
        oldest.signed_in_at + Duration::minutes(5),
        newest.signed_in_at
    );
    assert_eq!(oldest.expires_at, oldest.signed_in_at + Duration::hours(3));
    assert!(seen_from_firefox
        .iter()
        .all(|s| s.status == SessionStatus::Active));

    // The other browser sees the same list with its own row marked.
    let seen_from_chromium = recent(&app, &chromium).await;
    assert!(seen_from_chromium[1].current && !seen_from_chromium[0].current);
}

#[tokio::test]
async fn people_see_only_their_own_sign_ins() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    app.add_user("bob", Role::User).await;
    app.sign_in("bob").await;
    let alice = app.sign_in("alice").await;
    assert_eq!(recent(&app, &alice).await.len(), 1);
}

#[tokio::test]
async fn deactivating_another_session_signs_it_out_on_its_next_request() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    let laptop = app.sign_in("alice").await;
    let phone = app.sign_in("alice").await;
    let phone_id = recent(&app, &phone).await[0].id;

    let answer = deactivate(&app, &laptop, phone_id).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(
        answer.json::<Deactivated>(),
        Deactivated { signed_out: false }
    );
    assert_eq!(
        answer.header(header::SET_COOKIE),
        None,
        "the laptop stays signed in"
    );

    let page = app.get("/profile", Some(&phone)).await;
    assert_eq!(page.header(header::LOCATION), Some("/login"));
    let call = app.call("sessions/recent", &[], Some(&phone)).await;
    assert_eq!(call.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.get("/profile", Some(&laptop)).await.status,
        StatusCode::OK
    );

    let list = recent(&app, &laptop).await;
    let phone_row = list.iter().find(|s| s.id == phone_id).unwrap();
    assert_eq!(phone_row.status, SessionStatus::Deactivated);
}

#[tokio::test]
async fn deactivating_the_current_session_signs_the_user_out() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    let cookie = app.sign_in("alice").await;
    let id = recent(&app, &cookie).await[0].id;

    let answer = deactivate(&app, &cookie, id).await;
    assert_eq!(
        answer.json::<Deactivated>(),
        Deactivated { signed_out: true }
    );
    let removal = answer.header(header::SET_COOKIE).unwrap();
    assert!(removal.starts_with("tessera_session=;"), "{removal}");
    assert!(removal.contains("Max-Age=0"), "{removal}");
    assert_eq!(
        app.get("/profile", Some(&cookie))
            .await
            .header(header::LOCATION),
        Some("/login")
    );
}

#[tokio::test]
async fn someone_elses_session_cannot_be_deactivated() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    app.add_user("mallory", Role::User).await;
    let alice = app.sign_in("alice").await;
    let alice_id = recent(&app, &alice).await[0].id;
    let mallory = app.sign_in("mallory").await;

    let answer = deactivate(&app, &mallory, alice_id).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(answer.json::<AppError>(), AppError::NotFound);
    assert_eq!(
        deactivate(&app, &mallory, 999_999).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/profile", Some(&alice)).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn ended_and_expired_sessions_show_why_and_cannot_be_deactivated() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    let first = app.sign_in("alice").await;
    let first_id = recent(&app, &first).await[0].id;
    app.call("logout", &[], Some(&first)).await;
    let second = app.sign_in("alice").await;
    let second_id = recent(&app, &second).await[0].id;

    app.clock.advance(Duration::hours(3));
    let now = app.sign_in("alice").await;
    let list = recent(&app, &now).await;
    let status_of = |id| list.iter().find(|s| s.id == id).unwrap().status;
    assert_eq!(status_of(first_id), SessionStatus::SignedOut);
    assert_eq!(status_of(second_id), SessionStatus::Expired);
    assert_eq!(list[0].status, SessionStatus::Active);

    for id in [first_id, second_id] {
        let answer = deactivate(&app, &now, id).await;
        assert_eq!(answer.status, StatusCode::CONFLICT, "{id}");
        assert_eq!(
            answer.json::<AppError>(),
            AppError::Conflict("This session has already ended.".into())
        );
    }
}

#[tokio::test]
async fn sign_ins_older_than_30_days_leave_the_list_and_are_purged() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    app.sign_in("alice").await;
    app.clock.advance(Duration::days(30));
    let recent_cookie = app.sign_in("alice").await;
    // Exactly 30 days old: still listed.
    assert_eq!(recent(&app, &recent_cookie).await.len(), 2);

    app.clock.advance(Duration::seconds(1));
    assert_eq!(recent(&app, &recent_cookie).await.len(), 1);
    let purged = tessera::housekeeping::purge_old_sessions(app.store.as_ref(), app.clock.as_ref())
        .await
        .unwrap();
    assert_eq!(purged, 1);
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(left, 1);
}

#[tokio::test]
async fn recent_authentications_need_a_session() {
    let app = TestApp::new().await;
    assert_eq!(
        app.call("sessions/recent", &[], None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.call("sessions/deactivate", &[("id", "1")], None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}
