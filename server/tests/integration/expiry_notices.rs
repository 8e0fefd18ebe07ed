//! Expiry reminders through a real SMTP server (one the test starts), with a moved clock:
//! seven days before, one day before and on expiry, each exactly once, also when two
//! instances run the job at the same moment.

use crate::common;

use app::store::Audit;

use app::report::ReportView;
use app::rules::expiry_notice::NoticeKind;
use app::store::{TokenRecord, UserId};
use app::tokens::notices::send_expiry_notices;
use app::users::invitations::mail::Mailer;
use app::users::Role;
use chrono::Duration;
use common::smtp::start_smtp_server;
use common::{TestApp, PUBLIC_URL};
use http::StatusCode;
use std::sync::{Arc, Mutex};
use tessera::mail::SmtpMailer;

fn mailer_to(url: &str) -> SmtpMailer {
    SmtpMailer::new(url, "Tessera <tessera@example.com>").unwrap()
}

async fn run_job(app: &TestApp, mailer: &dyn Mailer) -> u64 {
    send_expiry_notices(app.store.as_ref(), mailer, PUBLIC_URL, app.now())
        .await
        .unwrap()
}

/// A 30-day token of `owner`, made now, which expires in `days_left` days.
async fn token_expiring_in(
    app: &TestApp,
    owner: UserId,
    label: &str,
    days_left: i64,
) -> TokenRecord {
    let expires = app.now() + Duration::days(days_left);
    app.insert_token(owner, label, expires - Duration::days(30), Some(expires))
        .await
}

fn subjects(messages: &Arc<Mutex<Vec<String>>>) -> Vec<String> {
    messages
        .lock()
        .unwrap()
        .iter()
        .filter_map(|mail| {
            mail.lines()
                .find_map(|line| line.strip_prefix("Subject: "))
                .map(str::to_owned)
        })
        .collect()
}

#[tokio::test]
async fn each_reminder_is_mailed_once_at_its_time() {
    let (url, messages) = start_smtp_server();
    let mailer = mailer_to(&url);
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    token_expiring_in(&app, alice, "deploy", 10).await;

    assert_eq!(
        run_job(&app, &mailer).await,
        0,
        "ten days ahead: nothing yet"
    );
    app.clock.advance(Duration::days(3));
    assert_eq!(run_job(&app, &mailer).await, 1);
    assert_eq!(run_job(&app, &mailer).await, 0, "once");
    app.clock.advance(Duration::days(6));
    assert_eq!(run_job(&app, &mailer).await, 1);
    app.clock.advance(Duration::days(1));
    assert_eq!(run_job(&app, &mailer).await, 1);
    app.clock.advance(Duration::hours(1));
    assert_eq!(run_job(&app, &mailer).await, 0);

    let received = subjects(&messages);
    assert_eq!(received.len(), 3, "{received:?}");
    assert!(received[0].contains("expires in 7 days"), "{}", received[0]);
    assert!(received[1].contains("expires tomorrow"), "{}", received[1]);
    assert!(received[2].contains("has expired"), "{}", received[2]);
    let first = messages.lock().unwrap()[0].clone();
    assert!(first.contains("alice@example.com"), "{first}");
    assert!(first.contains(&format!("{PUBLIC_URL}/profile")), "{first}");
}

#[tokio::test]
async fn nobody_is_mailed_who_turned_reminders_off_or_whose_token_was_expired_by_hand() {
    let (url, messages) = start_smtp_server();
    let mailer = mailer_to(&url);
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    let bruno = app.add_user("bruno", Role::User).await;
    token_expiring_in(&app, alice, "quiet", 5).await;
    let revoked = token_expiring_in(&app, bruno, "revoked", 5).await;
    app.store.set_expiry_emails(alice, false).await.unwrap();
    assert!(!app.store.expiry_emails_on(alice).await.unwrap());
    assert!(app.store.expiry_emails_on(bruno).await.unwrap());
    app.store
        .expire_token(revoked.id, &Audit::by_user(bruno, app.now()))
        .await
        .unwrap();

    assert_eq!(run_job(&app, &mailer).await, 0);
    assert!(subjects(&messages).is_empty());
}

#[tokio::test]
async fn a_mail_that_fails_is_tried_again_on_the_next_run() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    let token = token_expiring_in(&app, alice, "deploy", 3).await;
    // Nothing listens on this port.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = mailer_to(&format!("smtp://{}", closed.local_addr().unwrap()));
    drop(closed);
    assert_eq!(run_job(&app, &nowhere).await, 0);
    assert!(app.store.notices_of(&[token.id]).await.unwrap().is_empty());

    let (url, messages) = start_smtp_server();
    assert_eq!(run_job(&app, &mailer_to(&url)).await, 1);
    assert_eq!(subjects(&messages).len(), 1);
    let told = app.store.notices_of(&[token.id]).await.unwrap();
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].at, app.now());
}

#[tokio::test]
async fn two_instances_running_the_job_at_once_send_each_notice_once() {
    let Some(instances) = TestApp::instances(2).await else {
        eprintln!("SQLite serves one instance: several instances are tested on PostgreSQL");
        return;
    };
    let (url, messages) = start_smtp_server();
    let (a, b) = (&instances[0], &instances[1]);
    let alice = a.add_user("alice", Role::User).await;
    for n in 0..20 {
        token_expiring_in(a, alice, &format!("bot {n}"), 3).await;
    }
    let (mailer_a, mailer_b) = (mailer_to(&url), mailer_to(&url));
    let (sent_a, sent_b) = tokio::join!(run_job(a, &mailer_a), run_job(b, &mailer_b));
    assert_eq!(sent_a + sent_b, 20, "{sent_a} + {sent_b}");
    assert_eq!(subjects(&messages).len(), 20);
    let (again_a, again_b) = tokio::join!(run_job(a, &mailer_a), run_job(b, &mailer_b));
    assert_eq!(again_a + again_b, 0);
}

#[tokio::test]
async fn owners_switch_reminders_on_their_profile_and_admins_see_who_was_told() {
    let (url, messages) = start_smtp_server();
    let mailer = mailer_to(&url);
    let app = TestApp::with_mailer(Arc::new(mailer_to(&url))).await;
    let alice = app.add_user("alice", Role::User).await;
    app.add_user("root", Role::Admin).await;
    token_expiring_in(&app, alice, "deploy", 5).await;
    let cookie = app.sign_in("alice").await;
    let setting = |cookie: String| {
        let app = &app;
        async move {
            let answer = app.call("tokens/reminders", &[], Some(&cookie)).await;
            answer.json::<Option<bool>>()
        }
    };
    assert_eq!(setting(cookie.clone()).await, Some(true), "on by default");
    let profile = app.get("/profile", Some(&cookie)).await;
    assert!(
        profile
            .body
            .contains("E-mail me 7 days and 1 day before a token expires"),
        "the profile offers the switch"
    );

    // An unticked box sends nothing: off.
    let saved = app.call("tokens/reminders-save", &[], Some(&cookie)).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(setting(cookie.clone()).await, Some(false));
    assert_eq!(run_job(&app, &mailer).await, 0);

    let on = [("on", "true")];
    let saved = app.call("tokens/reminders-save", &on, Some(&cookie)).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(run_job(&app, &mailer).await, 1);
    assert_eq!(subjects(&messages).len(), 1);

    let root = app.sign_in("root").await;
    let report: ReportView = app
        .call("report/users", &[("query", "q=deploy")], Some(&root))
        .await
        .json();
    let told = &report.users[0].tokens[0].told;
    assert_eq!(told, &[(NoticeKind::SevenDaysBefore, app.now())]);
}

#[tokio::test]
async fn without_a_mail_server_there_is_no_switch() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    let cookie = app.sign_in("alice").await;
    let answer = app.call("tokens/reminders", &[], Some(&cookie)).await;
    assert_eq!(answer.json::<Option<bool>>(), None);
    let profile = app.get("/profile", Some(&cookie)).await;
    assert!(!profile.body.contains("E-mail me"));
}
