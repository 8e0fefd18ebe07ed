//! Bulk expiry from the System Users report, through the real router: ticked tokens, and
//! every active token a filter matches, each in one transaction.
//!
//! `BULK_TOKENS` (1,000 by default) sets how many tokens the filtered selection holds; the
//! test prints how long expiring them took (`bench/bulk-expiry.sh` runs it at 1,000 and
//! 10,000 on both backends).

use crate::common;

use app::report::bulk::BulkExpired;
use app::report::ReportView;
use app::rules::token::PlainToken;
use app::store::{NewUser, SeedToken, SeedUser, TokenRestrictions};
use app::users::Role;
use chrono::Duration;
use common::TestApp;
use http::StatusCode;
use serde_json::json;
use std::time::Instant;

async fn works(app: &TestApp, secret: &str) -> bool {
    app.bearer("/api/v1/me", secret).await.status == StatusCode::OK
}

async fn expire_selected(
    app: &TestApp,
    cookie: &str,
    selection: serde_json::Value,
) -> common::Answer {
    app.call_json(
        "tokens/expire-selected",
        json!({ "selection": selection }),
        cookie,
    )
    .await
}

async fn report(app: &TestApp, cookie: &str, query: &str) -> ReportView {
    let answer = app
        .call("report/users", &[("query", query)], Some(cookie))
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.json()
}

fn read_profile() -> TokenRestrictions {
    TokenRestrictions {
        permissions: vec!["profile:read".into()],
        ..Default::default()
    }
}

#[tokio::test]
async fn ticked_tokens_expire_together_and_ended_ones_are_counted() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    app.add_user("root", Role::Admin).await;
    let now = app.now();
    let later = Some(now + Duration::days(30));
    let mut tokens = Vec::new();
    for label in ["one", "two", "three"] {
        tokens.push(
            app.insert_restricted_token(alice, label, now, later, read_profile())
                .await,
        );
    }
    let ended = app
        .insert_token(
            alice,
            "ended",
            now - Duration::days(9),
            Some(now - Duration::days(1)),
        )
        .await;
    let root = app.sign_in("root").await;
    let ids = json!([tokens[0].0.id, tokens[1].0.id, ended.id, tokens[0].0.id]);

    let alice_cookie = app.sign_in("alice").await;
    let refused = expire_selected(&app, &alice_cookie, json!({ "Tokens": ids })).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(works(&app, &tokens[0].1).await);

    let empty = expire_selected(&app, &root, json!({ "Tokens": [] })).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        empty.body.contains("Select at least one token"),
        "{}",
        empty.body
    );

    let answer = expire_selected(&app, &root, json!({ "Tokens": ids })).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let done: BulkExpired = answer.json();
    assert_eq!(
        done,
        BulkExpired {
            expired: 2,
            already_ended: 1
        }
    );
    assert!(!works(&app, &tokens[0].1).await);
    assert!(!works(&app, &tokens[1].1).await);
    assert!(works(&app, &tokens[2].1).await);

    let view = report(&app, &root, "q=alice").await;
    let listed = &view.users[0].tokens;
    let one = listed.iter().find(|t| t.label == "one").unwrap();
    assert_eq!(one.expired_by.as_deref(), Some("Root Example"));
    assert_eq!(view.matching_active, 1, "only “three” is left");

    let again = expire_selected(&app, &root, json!({ "Tokens": ids })).await;
    let done: BulkExpired = again.json();
    assert_eq!(
        done,
        BulkExpired {
            expired: 0,
            already_ended: 3
        }
    );
}

/// `users` users with `per_user` active tokens labelled `ci-…` and one labelled `keep`
/// each, in one seeding transaction; the secrets of the first user's first `ci` token and
/// `keep` token.
async fn seed(app: &TestApp, users: usize, per_user: usize) -> (String, String) {
    let now = app.now();
    let mut secrets = Vec::new();
    let mut token = |label: String, keep_secret: bool| {
        let plain = PlainToken::generate(&mut rand::rng());
        let (secret_hash, hint) = (plain.hash(), plain.hint());
        if keep_secret {
            secrets.push(plain.into_secret());
        }
        SeedToken {
            label,
            secret_hash,
            hint,
            created_at: now - Duration::days(1),
            expires_at: Some(now + Duration::days(20)),
            expired_at: None,
            last_used_at: None,
            last_used_ip: None,
            permissions: vec!["profile:read".into()],
        }
    };
    let seeds = (0..users)
        .map(|u| {
            let mut tokens: Vec<SeedToken> = (0..per_user)
                .map(|t| token(format!("ci-{u}-{t}"), u == 0 && t == 0))
                .collect();
            tokens.push(token("keep".into(), u == 0));
            SeedUser {
                user: NewUser {
                    username: format!("bulk{u:03}"),
                    display_name: format!("Bulk {u}"),
                    email: format!("bulk{u}@example.com"),
                    role: Role::User,
                    password_hash: "not a password".into(),
                },
                login_active: true,
                current: true,
                tokens,
                sign_ins: Vec::new(),
            }
        })
        .collect();
    app.store.seed(seeds, app.now()).await.unwrap();
    let keep = secrets.pop().unwrap();
    (secrets.pop().unwrap(), keep)
}

#[tokio::test]
async fn every_token_a_filter_matches_expires_in_one_transaction() {
    let total: usize = std::env::var("BULK_TOKENS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000);
    let users = 50.min(total);
    let app = TestApp::new().await;
    app.add_user("root", Role::Admin).await;
    let (ci_secret, keep_secret) = seed(&app, users, total / users).await;
    let root = app.sign_in("root").await;
    let matching = report(&app, &root, "q=ci-").await.matching_active;
    assert_eq!(matching, (total / users * users) as u64);
    assert!(works(&app, &ci_secret).await);

    let started = Instant::now();
    let answer = expire_selected(
        &app,
        &root,
        json!({ "Matching": { "query": "q=ci-&page=3", "count": matching } }),
    )
    .await;
    let took = started.elapsed();
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    println!(
        "bulk expiry of {matching} tokens on {:?}: {} ms",
        app.backend,
        took.as_millis()
    );
    let done: BulkExpired = answer.json();
    assert_eq!(
        done,
        BulkExpired {
            expired: matching,
            already_ended: 0
        }
    );
    assert_eq!(report(&app, &root, "q=ci-").await.matching_active, 0);
    assert_eq!(
        report(&app, &root, "q=keep").await.matching_active,
        users as u64,
        "tokens outside the filter stay"
    );
    assert!(!works(&app, &ci_secret).await);
    assert!(works(&app, &keep_secret).await);
}

#[tokio::test]
async fn a_filter_that_matches_another_count_by_then_expires_nothing() {
    let app = TestApp::new().await;
    app.add_user("root", Role::Admin).await;
    let (ci_secret, _) = seed(&app, 2, 3).await;
    let root = app.sign_in("root").await;
    assert_eq!(report(&app, &root, "q=ci-").await.matching_active, 6);

    let answer = expire_selected(
        &app,
        &root,
        json!({ "Matching": { "query": "q=ci-", "count": 5 } }),
    )
    .await;
    assert_eq!(answer.status, StatusCode::CONFLICT, "{}", answer.body);
    assert!(
        answer
            .body
            .contains("6 active tokens match this filter now, not 5"),
        "{}",
        answer.body
    );
    assert_eq!(report(&app, &root, "q=ci-").await.matching_active, 6);
    assert!(works(&app, &ci_secret).await);

    let none = expire_selected(
        &app,
        &root,
        json!({ "Matching": { "query": "q=nothing-matches", "count": 0 } }),
    )
    .await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
}
