//! The admins' overview: its counts agree with the report views they link to, and its weekly
//! chart puts each token's creation and end in the right week.

use crate::common;

use app::store::Audit;

use app::dashboard::{EstateCounts, Overview, CHART_DAYS, CHART_WEEKS};
use app::report::ReportView;
use app::rules::calendar::{day_start, week_start, WEEK};
use app::store::{DailyChecks, TokenUse};
use app::tokens::{TokenView, USE_DAYS};
use app::users::Role;
use chrono::Duration;
use common::TestApp;
use http::{header, StatusCode};

async fn overview(app: &TestApp, cookie: &str) -> Overview {
    let answer = app.call("overview", &[], Some(cookie)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.json()
}

/// Tokens in a report view, over all its pages.
async fn tokens_listed(app: &TestApp, cookie: &str, preset: &str) -> u64 {
    let query = format!("preset={preset}&per=100");
    let answer = app
        .call("report/users", &[("query", &query)], Some(cookie))
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let view: ReportView = answer.json();
    assert!(view.total <= 100, "one page holds the whole report");
    view.users.iter().map(|user| user.tokens.len() as u64).sum()
}

#[tokio::test]
async fn each_count_is_the_number_of_tokens_its_report_lists() {
    let app = TestApp::new().await;
    let now = app.now();
    let day = Duration::days(1);
    let alice = app.add_user("alice", Role::User).await;
    let bob = app.add_user("bob", Role::User).await;
    let admin = app.add_user("root", Role::Admin).await;

    // alice: expiring in 3 days; in 20 days (used today); never expiring (used 100 days ago,
    // so unused for 90); ended by time; ended by hand.
    app.insert_token(alice, "soon", now - day * 27, Some(now + day * 3))
        .await;
    let used = app
        .insert_token(alice, "month", now - day * 10, Some(now + day * 20))
        .await;
    let stale = app
        .insert_token(alice, "forever", now - day * 200, None)
        .await;
    app.insert_token(alice, "ended", now - day * 40, Some(now - day * 10))
        .await;
    let revoked = app
        .insert_token(alice, "revoked", now - day, Some(now + day * 29))
        .await;
    app.store
        .expire_token(revoked.id, &Audit::by_user(admin, now))
        .await
        .unwrap();
    app.store
        .record_token_uses(&[
            TokenUse {
                token_id: used.id,
                at: now,
                ip: None,
                addresses: Vec::new(),
            },
            TokenUse {
                token_id: stale.id,
                at: now - day * 100,
                ip: None,
                addresses: Vec::new(),
            },
        ])
        .await
        .unwrap();
    // bob may no longer sign in: his one token, never used and 120 days old, counts among
    // the inactive users' tokens.
    app.insert_token(bob, "left behind", now - day * 120, Some(now + day * 300))
        .await;
    app.exec("UPDATE users SET login_active = FALSE WHERE username = 'bob'")
        .await;

    let root = app.sign_in("root").await;
    let counts = overview(&app, &root).await.counts;
    assert_eq!(
        counts,
        EstateCounts {
            active: 4,
            expiring_within_7_days: 1,
            expiring_within_30_days: 2,
            never_expiring: 1,
            never_used: 2,
            unused_for_90_days: 2,
            of_inactive_users: 1,
        }
    );
    let tiles = [
        ("active-tokens", counts.active),
        ("expiring", counts.expiring_within_7_days),
        ("expiring-30", counts.expiring_within_30_days),
        ("never-expiring", counts.never_expiring),
        ("never-used", counts.never_used),
        ("unused-90", counts.unused_for_90_days),
        ("inactive-users", counts.of_inactive_users),
    ];
    for (preset, count) in tiles {
        assert_eq!(tokens_listed(&app, &root, preset).await, count, "{preset}");
    }
}

#[tokio::test]
async fn the_chart_counts_each_token_in_the_week_it_was_created_and_the_week_it_ended() {
    let app = TestApp::new().await;
    let now = app.now();
    let this_week = week_start(now);
    let alice = app.add_user("alice", Role::User).await;
    let admin = app.add_user("root", Role::Admin).await;

    // Two created this week, one of them expired by hand at once.
    app.insert_token(alice, "new", this_week, None).await;
    let revoked = app.insert_token(alice, "gone", now, None).await;
    app.store
        .expire_token(revoked.id, &Audit::by_user(admin, now))
        .await
        .unwrap();
    // Created 10 weeks ago, ran out 3 weeks ago.
    app.insert_token(
        alice,
        "ran out",
        this_week - WEEK * 10 + Duration::hours(5),
        Some(this_week - WEEK * 3 + Duration::days(2)),
    )
    .await;
    // Created before the chart begins; runs out after now.
    app.insert_token(alice, "old", this_week - WEEK * 60, Some(now + WEEK))
        .await;

    let root = app.sign_in("root").await;
    let weeks = overview(&app, &root).await.weeks;
    assert_eq!(weeks.len(), CHART_WEEKS as usize);
    assert_eq!(weeks.last().unwrap().starts, this_week);
    assert_eq!(weeks[0].starts, this_week - WEEK * (CHART_WEEKS as i32 - 1));
    let by_weeks_ago = |ago: usize| {
        let week = &weeks[weeks.len() - 1 - ago];
        (week.created, week.expired)
    };
    assert_eq!(by_weeks_ago(0), (2, 1));
    assert_eq!(by_weeks_ago(3), (0, 1));
    assert_eq!(by_weeks_ago(10), (1, 0));
    let created: u64 = weeks.iter().map(|week| week.created).sum();
    let expired: u64 = weeks.iter().map(|week| week.expired).sum();
    assert_eq!((created, expired), (3, 2));
}

#[tokio::test]
async fn the_overview_is_for_admins_and_their_landing_page() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    app.add_user("root", Role::Admin).await;

    let signed_out = app.call("overview", &[], None).await;
    assert_eq!(signed_out.status, StatusCode::UNAUTHORIZED);
    let alice = app.sign_in_answer("alice", common::PASSWORD).await;
    assert_eq!(alice.header(header::LOCATION), Some("/profile"));
    let alice = common::session_cookie(&alice);
    assert_eq!(
        app.call("overview", &[], Some(&alice)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/admin", Some(&alice)).await.status,
        StatusCode::FORBIDDEN
    );

    let root = app.sign_in_answer("root", common::PASSWORD).await;
    assert_eq!(root.header(header::LOCATION), Some("/admin"));
    let root = common::session_cookie(&root);
    let page = app.get("/admin", Some(&root)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Tokens created and expired per week"));
    assert!(page.body.contains("/admin/users?preset=never-used"));
    let login = app.get("/login", Some(&root)).await;
    assert_eq!(login.header(header::LOCATION), Some("/admin"));
}

/// Checks are counted in memory per token and day, reach the database with the batched
/// last-use writes, add up across flushes, and show on the overview and as each token's
/// daily uses.
#[tokio::test]
async fn token_checks_are_counted_per_day_and_shown() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    app.add_user("root", Role::Admin).await;
    let secret = app.token_with(alice, "profile:read").await;
    let unknown = app::rules::token::PlainToken::generate(&mut rand::rng()).into_secret();

    for _ in 0..3 {
        assert_eq!(
            app.bearer("/api/v1/me", &secret).await.status,
            StatusCode::OK
        );
    }
    let refusals = [
        app.bearer("/api/v1/me", &unknown).await.status,
        app.bearer("/api/v1/me", "not-a-token").await.status,
        app.bearer("/api/v1/auth?scope=tokens:write", &secret)
            .await
            .status,
    ];
    assert_eq!(
        refusals,
        [
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED,
            StatusCode::FORBIDDEN
        ]
    );

    let root = app.sign_in("root").await;
    let latest = |overview: &Overview| {
        let day = overview.days.last().unwrap();
        (day.succeeded, day.refused)
    };
    assert_eq!(
        latest(&overview(&app, &root).await),
        (0, 0),
        "nothing is written on the check path"
    );
    app.usage.flush().await;
    let today = overview(&app, &root).await;
    assert_eq!(today.days.len(), CHART_DAYS as usize);
    assert_eq!(today.days.last().unwrap().day, day_start(app.now()));
    assert_eq!(latest(&today), (3, 3));

    // A second flush the same day adds to the first.
    app.bearer("/api/v1/me", &secret).await;
    app.usage.flush().await;
    assert_eq!(latest(&overview(&app, &root).await), (4, 3));

    app.clock.advance(Duration::days(1));
    app.bearer("/api/v1/me", &secret).await;
    app.usage.flush().await;
    // Sign-in sessions last 3 hours.
    let root = app.sign_in("root").await;
    let tomorrow = overview(&app, &root).await;
    let last_two: Vec<(u64, u64)> = tomorrow.days[CHART_DAYS as usize - 2..]
        .iter()
        .map(|day| (day.succeeded, day.refused))
        .collect();
    assert_eq!(last_two, [(4, 3), (1, 0)]);

    let alice_cookie = app.sign_in("alice").await;
    let answer = app.call("tokens/list", &[], Some(&alice_cookie)).await;
    let tokens: Vec<TokenView> = answer.json();
    let uses = &tokens[0].daily_uses;
    assert_eq!(uses.len(), USE_DAYS as usize);
    assert_eq!(uses[USE_DAYS as usize - 2..], [4, 1]);
    assert_eq!(uses.iter().sum::<u64>(), 5);
}

/// Housekeeping forgets the counts of days before its cut-off, and only those.
#[tokio::test]
async fn old_check_counts_are_purged() {
    let app = TestApp::new().await;
    let today = day_start(app.now());
    let counted = |day, succeeded| DailyChecks {
        token_id: 7,
        day,
        succeeded,
        refused: 0,
    };
    let old = today - Duration::days(61);
    app.store
        .record_token_checks(&[counted(old, 5), counted(today, 2)])
        .await
        .unwrap();
    assert_eq!(
        app.store
            .purge_token_checks(today - Duration::days(60))
            .await
            .unwrap(),
        1
    );
    let kept = app.store.daily_checks_of(&[7], old).await.unwrap();
    assert_eq!(kept, [counted(today, 2)]);
}
