//! The unused-token policy, with a moved clock: saving it asks first when it would expire
//! tokens at once, the hourly job expires tokens as they reach the limit, the reason shows in
//! the block, the report and the API, and owners are e-mailed once, listing their tokens, also
//! when two instances run the jobs at the same moment.

use crate::common;

use app::store::Audit;

use app::report::ReportView;
use app::rules::expiry::TokenStatus;
use app::rules::expiry_notice::NoticeKind;
use app::security::DisuseSaved;
use app::store::{TokenRecord, TokenRestrictions, UserId};
use app::tokens::disuse::{apply_disuse_policy, send_disuse_notices};
use app::tokens::TokenView;
use app::users::Role;
use chrono::Duration;
use common::smtp::start_smtp_server;
use common::{TestApp, PUBLIC_URL};
use http::StatusCode;
use std::sync::{Arc, Mutex};
use tessera::mail::SmtpMailer;

/// A token of `owner` that never expires, made now, which may read its owner's profile and
/// tokens: its record and its secret.
async fn reader(app: &TestApp, owner: UserId, label: &str) -> (TokenRecord, String) {
    let restrictions = TokenRestrictions {
        permissions: vec!["profile:read".into(), "tokens:read".into()],
        ..Default::default()
    };
    app.insert_restricted_token(owner, label, app.now(), None, restrictions)
        .await
}

/// Uses the token once, now, and writes the use down as the batched writer would.
async fn use_now(app: &TestApp, secret: &str) {
    assert_eq!(works(app, secret).await, StatusCode::OK);
    app.usage.flush().await;
}

async fn works(app: &TestApp, secret: &str) -> StatusCode {
    app.bearer("/api/v1/me", secret).await.status
}

async fn save_policy(app: &TestApp, cookie: &str, days: &str, confirm: bool) -> common::Answer {
    let confirm = if confirm { "true" } else { "false" };
    app.call(
        "security/unused-tokens",
        &[("unused_days", days), ("confirm_expiring", confirm)],
        Some(cookie),
    )
    .await
}

async fn run_policy(app: &TestApp) -> u64 {
    apply_disuse_policy(app.store.as_ref(), app.now())
        .await
        .unwrap()
}

#[tokio::test]
async fn saving_asks_first_then_expires_what_went_unused_and_says_why() {
    let app = TestApp::new().await;
    app.add_user("ada", Role::Admin).await;
    let alice = app.add_user("alice", Role::User).await;
    let (never_used, never_used_secret) = reader(&app, alice, "never used").await;
    let (used_long_ago, used_long_ago_secret) = reader(&app, alice, "used long ago").await;
    let (_, used_lately_secret) = reader(&app, alice, "used lately").await;
    let (expired_by_hand, _) = reader(&app, alice, "expired by hand").await;
    use_now(&app, &used_long_ago_secret).await;
    use_now(&app, &used_lately_secret).await;
    app.store
        .expire_token(expired_by_hand.id, &Audit::by_user(alice, app.now()))
        .await
        .unwrap();
    app.clock.advance(Duration::days(100));
    use_now(&app, &used_lately_secret).await;
    let (_, young_secret) = reader(&app, alice, "young").await;
    let ada = app.sign_in("ada").await;

    let asked = save_policy(&app, &ada, "90", false).await;
    assert_eq!(asked.status, StatusCode::CONFLICT, "{}", asked.body);
    assert!(
        asked
            .body
            .contains("2 active tokens have not been used for 90 days"),
        "{}",
        asked.body
    );
    assert_eq!(works(&app, &never_used_secret).await, StatusCode::OK);
    let settings = app.call("security/settings", &[], Some(&ada)).await;
    assert!(
        settings.body.contains("\"unused_days\":null"),
        "{}",
        settings.body
    );

    let saved = save_policy(&app, &ada, "90", true).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let saved: DisuseSaved = saved.json();
    assert_eq!((saved.unused_days, saved.expired), (Some(90), 2));
    for secret in [&never_used_secret, &used_long_ago_secret] {
        assert_eq!(works(&app, secret).await, StatusCode::UNAUTHORIZED);
    }
    for secret in [&used_lately_secret, &young_secret] {
        assert_eq!(works(&app, secret).await, StatusCode::OK);
    }
    assert_eq!(run_policy(&app).await, 0, "each token is expired once");

    // The block says why.
    let cookie = app.sign_in("alice").await;
    let tokens: Vec<TokenView> = app.call("tokens/list", &[], Some(&cookie)).await.json();
    let view = |id| tokens.iter().find(|t| t.id == id).unwrap();
    for id in [never_used.id, used_long_ago.id] {
        assert_eq!(view(id).status, TokenStatus::ExpiredUnused);
        assert_eq!(
            view(id).expiry_reason().as_deref(),
            Some("unused for 90 days")
        );
        assert_eq!(view(id).expired_at, Some(app.now()));
    }
    assert_eq!(
        view(expired_by_hand.id).status,
        TokenStatus::ExpiredManually
    );
    assert_eq!(view(expired_by_hand.id).expiry_reason(), None);

    // The report's status filter finds them, and Expired manually no longer does.
    let report = |query: &'static str| {
        let (app, ada) = (&app, ada.clone());
        async move {
            let view: ReportView = app
                .call("report/users", &[("query", query)], Some(&ada))
                .await
                .json();
            let mut ids: Vec<i64> = view
                .users
                .iter()
                .flat_map(|user| user.tokens.iter().map(|token| token.id))
                .collect();
            ids.sort_unstable();
            ids
        }
    };
    let mut unused = vec![never_used.id, used_long_ago.id];
    unused.sort_unstable();
    assert_eq!(report("status=expired-unused").await, unused);
    assert_eq!(
        report("status=expired-manually").await,
        [expired_by_hand.id]
    );

    // So does the API.
    let answer = app
        .api(
            "GET",
            "/api/v1/tokens",
            &used_lately_secret,
            None,
            &[],
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let listed: Vec<serde_json::Value> = answer.json();
    let token = listed.iter().find(|t| t["id"] == never_used.id).unwrap();
    assert_eq!(token["status"], "expired_unused");
    assert_eq!(token["expired_unused_days"], 90);
}

#[tokio::test]
async fn the_hourly_job_expires_tokens_as_they_reach_the_limit() {
    let app = TestApp::new().await;
    app.add_user("ada", Role::Admin).await;
    let alice = app.add_user("alice", Role::User).await;
    let ada = app.sign_in("ada").await;
    let saved = save_policy(&app, &ada, "30", false).await;
    assert_eq!(
        saved.status,
        StatusCode::OK,
        "nothing to expire yet: {}",
        saved.body
    );
    assert_eq!(saved.json::<DisuseSaved>().expired, 0);

    let (_, secret) = reader(&app, alice, "ci").await;
    app.clock.advance(Duration::days(20));
    use_now(&app, &secret).await;
    app.clock.advance(Duration::days(30) - Duration::seconds(1));
    assert_eq!(
        run_policy(&app).await,
        0,
        "a second short of 30 days unused"
    );
    assert_eq!(works(&app, &secret).await, StatusCode::OK);
    app.usage.flush().await;
    app.clock.advance(Duration::days(30));
    assert_eq!(run_policy(&app).await, 1);
    assert_eq!(works(&app, &secret).await, StatusCode::UNAUTHORIZED);

    // Turned off, it expires nothing however long tokens go unused.
    let ada = app.sign_in("ada").await;
    let off = save_policy(&app, &ada, "", false).await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.body);
    let (_, other) = reader(&app, alice, "other").await;
    app.clock.advance(Duration::days(400));
    assert_eq!(run_policy(&app).await, 0);
    assert_eq!(works(&app, &other).await, StatusCode::OK);
}

#[tokio::test]
async fn bad_values_are_refused_and_only_admins_may_save() {
    let app = TestApp::new().await;
    app.add_user("ada", Role::Admin).await;
    app.add_user("alice", Role::User).await;
    let ada = app.sign_in("ada").await;
    for bad in ["0", "3651", "ninety", "-1", "2.5"] {
        let answer = save_policy(&app, &ada, bad, true).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(
            answer.body.contains("whole number of days"),
            "{}",
            answer.body
        );
    }
    let settings = app.call("security/settings", &[], Some(&ada)).await;
    assert!(
        settings.body.contains("\"unused_days\":null"),
        "{}",
        settings.body
    );

    let alice = app.sign_in("alice").await;
    let refused = save_policy(&app, &alice, "90", true).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let saved = save_policy(&app, &ada, " 365 ", false).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let settings = app.call("security/settings", &[], Some(&ada)).await;
    assert!(
        settings.body.contains("\"unused_days\":365"),
        "{}",
        settings.body
    );
}

fn mailer_to(url: &str) -> SmtpMailer {
    SmtpMailer::new(url, "Tessera <tessera@example.com>").unwrap()
}

/// The subjects received, sorted, each unfolded from the header lines it was folded into.
fn subjects(messages: &Arc<Mutex<Vec<String>>>) -> Vec<String> {
    let mut subjects: Vec<String> = messages
        .lock()
        .unwrap()
        .iter()
        .filter_map(|mail| {
            let mut lines = mail
                .lines()
                .skip_while(|line| !line.starts_with("Subject: "));
            let first = lines.next()?.strip_prefix("Subject: ")?.to_owned();
            let folded = lines.take_while(|line| line.starts_with([' ', '\t']));
            Some(folded.fold(first, |subject, line| subject + line))
        })
        .collect();
    subjects.sort();
    subjects
}

#[tokio::test]
async fn owners_are_mailed_once_listing_their_tokens() {
    let (url, messages) = start_smtp_server();
    let mailer = mailer_to(&url);
    let app = TestApp::new().await;
    app.add_user("ada", Role::Admin).await;
    let alice = app.add_user("alice", Role::User).await;
    let bruno = app.add_user("bruno", Role::User).await;
    let quiet = app.add_user("quiet", Role::User).await;
    app.store.set_expiry_emails(quiet, false).await.unwrap();
    reader(&app, alice, "ci").await;
    reader(&app, alice, "deploy").await;
    let (brunos, _) = reader(&app, bruno, "backup").await;
    reader(&app, quiet, "silent").await;
    app.clock.advance(Duration::days(91));
    let ada = app.sign_in("ada").await;
    assert_eq!(
        save_policy(&app, &ada, "90", true).await.status,
        StatusCode::OK
    );

    let tell = || send_disuse_notices(app.store.as_ref(), &mailer, PUBLIC_URL, app.now());
    assert_eq!(tell().await.unwrap(), 2, "alice and bruno, not quiet");
    assert_eq!(tell().await.unwrap(), 0, "once");
    let received = subjects(&messages);
    assert_eq!(
        received,
        [
            "2 of your Tessera tokens were expired as unused".to_owned(),
            format!(
                "Your Tessera token \"backup\" (ending {}) was expired: unused for 90 days",
                brunos.hint
            ),
        ]
    );
    let alices = messages
        .lock()
        .unwrap()
        .iter()
        .find(|mail| mail.contains("alice@example.com"))
        .cloned()
        .unwrap();
    assert!(alices.contains("\"ci\""), "{alices}");
    assert!(alices.contains("\"deploy\""), "{alices}");
    assert!(
        alices.contains(&format!("{PUBLIC_URL}/profile")),
        "{alices}"
    );

    let report: ReportView = app
        .call("report/users", &[("query", "q=backup")], Some(&ada))
        .await
        .json();
    let told = &report.users[0].tokens[0].told;
    assert_eq!(told, &[(NoticeKind::ExpiredUnused, app.now())]);
}

#[tokio::test]
async fn two_instances_running_the_jobs_together_expire_and_mail_each_once() {
    let Some(instances) = TestApp::instances(2).await else {
        eprintln!("SQLite serves one instance: several instances are tested on PostgreSQL");
        return;
    };
    let (url, messages) = start_smtp_server();
    let mailer = mailer_to(&url);
    let [one, two]: [TestApp; 2] = instances.try_into().ok().unwrap();
    one.add_user("ada", Role::Admin).await;
    let mut secrets = Vec::new();
    for name in ["alice", "bruno", "carla"] {
        let owner = one.add_user(name, Role::User).await;
        for label in ["a", "b", "c", "d"] {
            secrets.push(reader(&one, owner, label).await.1);
        }
    }
    for secret in &secrets {
        assert_eq!(works(&two, secret).await, StatusCode::OK, "cached on two");
    }
    for instance in [&one, &two] {
        instance.clock.advance(Duration::days(8));
    }
    let ada = one.sign_in("ada").await;
    let saved = save_policy(&one, &ada, "7", false).await;
    assert_eq!(saved.status, StatusCode::CONFLICT);
    // The admin hesitates; meanwhile both instances' hourly jobs would find nothing to do.
    assert_eq!(run_policy(&two).await, 0, "the policy is not saved yet");

    // Saved on one, with the other's job running at the same moment.
    let (saved, expired_by_two) = tokio::join!(save_policy(&one, &ada, "7", true), async {
        tokio::task::yield_now().await;
        run_policy(&two).await
    });
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let expired_by_one = saved.json::<DisuseSaved>().expired;
    assert_eq!(expired_by_one + expired_by_two, 12, "each token once");
    for secret in &secrets {
        assert_eq!(
            works(&two, secret).await,
            StatusCode::UNAUTHORIZED,
            "at once on two"
        );
    }

    let (told_by_one, told_by_two) = tokio::join!(
        send_disuse_notices(one.store.as_ref(), &mailer, PUBLIC_URL, one.now()),
        send_disuse_notices(two.store.as_ref(), &mailer, PUBLIC_URL, two.now()),
    );
    // Two instances may split one owner's tokens between two mails, never name one twice.
    let listed: Vec<String> = messages
        .lock()
        .unwrap()
        .iter()
        .flat_map(|mail| {
            mail.lines()
                .filter(|line| line.starts_with("- \""))
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(listed.len(), 12, "{listed:?}");
    let mut distinct = listed.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 12, "{listed:?}");
    let mails = subjects(&messages).len() as u64;
    assert!(
        (3..=6).contains(&mails),
        "one mail per owner, or two when split: {mails}"
    );
    assert_eq!(told_by_one.unwrap() + told_by_two.unwrap(), mails);
}
