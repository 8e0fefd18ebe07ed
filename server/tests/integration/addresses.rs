//! The last five addresses each token was used from: noted on the check path in memory,
//! written with the batched last-use writes, shown with the token and in the CSV.

use crate::common;

use app::tokens::TokenView;
use app::users::Role;
use chrono::Duration;
use common::TestApp;
use http::StatusCode;

#[tokio::test]
async fn a_token_keeps_its_five_latest_addresses_each_with_its_last_use() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    let secret = app.token_with(alice, "profile:read").await;
    let cookie = app.sign_in("alice").await;

    let mut times = Vec::new();
    for n in 1..=7 {
        let peer = format!("198.51.100.{n}");
        let answer = app
            .api("GET", "/api/v1/me", &secret, None, &[], Some(&peer))
            .await;
        assert_eq!(answer.status, StatusCode::OK);
        times.push(app.now());
        app.clock.advance(Duration::seconds(2));
    }
    let listed: Vec<TokenView> = app.call("tokens/list", &[], Some(&cookie)).await.json();
    assert!(
        listed[0].recent_addresses.is_empty(),
        "nothing is written before the flush"
    );

    app.usage.flush().await;
    // .1 is used again, after the others: it comes first, with its new time.
    app.api(
        "GET",
        "/api/v1/me",
        &secret,
        None,
        &[],
        Some("198.51.100.1"),
    )
    .await;
    let again = app.now();
    app.usage.flush().await;

    let cookie = app.sign_in("alice").await;
    let listed: Vec<TokenView> = app.call("tokens/list", &[], Some(&cookie)).await.json();
    let shown: Vec<(&str, _)> = listed[0]
        .recent_addresses
        .iter()
        .map(|(ip, at)| (ip.as_str(), *at))
        .collect();
    assert_eq!(
        shown,
        [
            ("198.51.100.1", again),
            ("198.51.100.7", times[6]),
            ("198.51.100.6", times[5]),
            ("198.51.100.5", times[4]),
            ("198.51.100.4", times[3]),
        ]
    );

    app.add_user("root", Role::Admin).await;
    let root = app.sign_in("root").await;
    let csv = app.get("/admin/users.csv", Some(&root)).await;
    assert_eq!(csv.status, StatusCode::OK);
    let header = csv.body.lines().next().unwrap();
    assert!(header.contains("Last used IP,Last IPs,Status"), "{header}");
    assert!(
        csv.body
            .contains("198.51.100.1 198.51.100.7 198.51.100.6 198.51.100.5 198.51.100.4"),
        "{}",
        csv.body
    );
}
