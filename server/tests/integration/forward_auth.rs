//! `/api/v1/auth`, the endpoint gateways ask before passing a request on: what it answers,
//! which address it believes, and how it slows down an address that keeps failing.

use crate::common;

use app::store::TokenRestrictions;
use app::users::Role;
use axum::body::Body;
use common::{Answer, TestApp};
use http::{header, Request, StatusCode};
use std::time::Duration;
use tessera::client_ip::ClientIpHeader;

/// Asks as a gateway would, from `peer`, with extra headers.
async fn check(
    app: &TestApp,
    method: &str,
    path: &str,
    token: Option<&str>,
    peer: &str,
    headers: &[(&str, &str)],
) -> Answer {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    app.send_from(peer, request.body(Body::empty()).unwrap())
        .await
}

async fn auth(app: &TestApp, path: &str, token: Option<&str>) -> Answer {
    check(app, "GET", path, token, "203.0.113.7", &[]).await
}

type Headers<'a> = &'a [(&'a str, &'a str)];

fn challenge(answer: &Answer) -> &str {
    answer.header(header::WWW_AUTHENTICATE).unwrap_or_default()
}

#[tokio::test]
async fn a_valid_token_is_let_through_with_who_it_is() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    let (record, token) = app
        .insert_restricted_token(
            alice,
            "gateway",
            app.now(),
            None,
            TokenRestrictions {
                permissions: vec!["profile:read".into(), "tokens:read".into()],
                ..Default::default()
            },
        )
        .await;

    let answer = auth(&app, "/api/v1/auth", Some(&token)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.header("x-tessera-user"), Some("alice"));
    assert_eq!(
        answer.header("x-tessera-token-id"),
        Some(record.id.to_string().as_str())
    );
    assert_eq!(
        answer.header("x-tessera-scopes"),
        Some("profile:read tokens:read")
    );
    assert_eq!(answer.body, "");

    // Gateways forward the original method, and Envoy appends the original path.
    for (method, path) in [
        ("POST", "/api/v1/auth"),
        ("DELETE", "/api/v1/auth"),
        ("HEAD", "/api/v1/auth"),
        ("GET", "/api/v1/auth/orders/17?page=2"),
        // Envoy asks about the site's root page at its path_prefix plus "/".
        ("GET", "/api/v1/auth/"),
        ("GET", "/api/v1/auth/?page=2"),
    ] {
        let answer = check(&app, method, path, Some(&token), "203.0.113.7", &[]).await;
        assert_eq!(answer.status, StatusCode::OK, "{method} {path}");
        assert_eq!(answer.header("x-tessera-user"), Some("alice"));
    }
}

#[tokio::test]
async fn missing_and_bad_tokens_get_the_rfc_6750_challenge() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    let (_, expired) = app
        .insert_restricted_token(
            alice,
            "old",
            app.now() - chrono::Duration::days(40),
            Some(app.now() - chrono::Duration::days(10)),
            TokenRestrictions {
                permissions: vec!["profile:read".into()],
                ..Default::default()
            },
        )
        .await;

    let none = auth(&app, "/api/v1/auth", None).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert_eq!(challenge(&none), r#"Bearer realm="tessera""#);
    assert!(none.header("x-tessera-user").is_none());
    assert_bodiless(&none);

    let live = app.token_with(alice, "profile:read").await;
    let mut wrong_checksum = live[..47].to_owned();
    wrong_checksum.push(if live.ends_with('A') { 'B' } else { 'A' });
    for bad in ["not-a-token", wrong_checksum.as_str(), expired.as_str()] {
        let answer = auth(&app, "/api/v1/auth", Some(bad)).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{bad}");
        assert_eq!(
            challenge(&answer),
            r#"Bearer realm="tessera", error="invalid_token", error_description="The access token is invalid, expired or revoked.""#,
        );
        assert_bodiless(&answer);
    }
    // The rest of the API keeps a JSON body on the same refusal.
    let me = app.bearer("/api/v1/me", "not-a-token").await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    assert_eq!(me.json::<serde_json::Value>()["error"], "invalid_token");
}

/// Gateways pass on a refusal's status and headers, never its body; and nginx keeps its
/// connection to Tessera only after an answer it read to the end, which for an auth
/// subrequest means one without a body (gateway_nginx.rs).
fn assert_bodiless(answer: &Answer) {
    assert_eq!(answer.body, "", "{}", answer.status);
    assert_eq!(
        answer.header(header::CONTENT_TYPE),
        None,
        "{}",
        answer.status
    );
}

#[tokio::test]
async fn a_scope_the_token_lacks_is_403_naming_it() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    let token = app.token_with(alice, "profile:read tokens:read").await;

    for path in [
        "/api/v1/auth?scope=profile:read",
        "/api/v1/auth?scope=profile:read&scope=tokens:read",
        "/api/v1/auth?scope=profile:read%20tokens:read",
    ] {
        assert_eq!(
            auth(&app, path, Some(&token)).await.status,
            StatusCode::OK,
            "{path}"
        );
    }
    let refused = auth(
        &app,
        "/api/v1/auth?scope=profile:read&scope=tokens:write",
        Some(&token),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        challenge(&refused),
        r#"Bearer realm="tessera", error="insufficient_scope", scope="tokens:write""#
    );
    assert!(refused.header("x-tessera-user").is_none());
    assert_bodiless(&refused);

    // A name no permission could have would break the challenge; it is the gateway's
    // configuration at fault.
    let garbled = auth(&app, "/api/v1/auth?scope=tokens%22write", Some(&token)).await;
    assert_eq!(garbled.status, StatusCode::BAD_REQUEST);
    assert!(
        challenge(&garbled).starts_with(r#"Bearer realm="tessera", error="invalid_request""#),
        "{}",
        challenge(&garbled)
    );
    assert_bodiless(&garbled);
}

/// A token for the office network 198.51.100.0/24 and the site app.example.com.
async fn office_token(app: &TestApp) -> String {
    let alice = app.add_user("alice", Role::User).await;
    let (_, token) = app
        .insert_restricted_token(
            alice,
            "office only",
            app.now(),
            None,
            TokenRestrictions {
                permissions: vec!["profile:read".into()],
                ip_whitelist: vec!["198.51.100.0/24".into()],
                domain_whitelist: vec!["app.example.com".into()],
            },
        )
        .await;
    token
}

/// Each case: the peer, the headers it sends, whether the token is accepted.
async fn assert_accepted_from(app: &TestApp, token: &str, cases: &[(&str, Headers<'_>, bool)]) {
    for &(peer, headers, allowed) in cases {
        let answer = check(app, "GET", "/api/v1/auth", Some(token), peer, headers).await;
        let expected = if allowed {
            StatusCode::OK
        } else {
            StatusCode::UNAUTHORIZED
        };
        assert_eq!(answer.status, expected, "{peer} {headers:?}");
    }
}

const GATEWAY: &str = "10.0.0.2";

#[tokio::test]
async fn whitelists_see_the_client_only_through_trusted_proxies() {
    let app = TestApp::behind_proxies("10.0.0.0/8").await;
    let token = office_token(&app).await;
    let from_office = ("x-forwarded-for", "198.51.100.9");
    let cases: [(&str, Headers, bool); 8] = [
        (GATEWAY, &[from_office], true),
        (GATEWAY, &[("x-forwarded-for", "192.0.2.1")], false),
        // X-Forwarded-For is the header configured, so X-Real-IP is the client's own words.
        (GATEWAY, &[("x-real-ip", "198.51.100.9")], false),
        (
            GATEWAY,
            &[
                ("x-forwarded-for", "192.0.2.1"),
                ("x-real-ip", "198.51.100.9"),
            ],
            false,
        ),
        // A client that is not a trusted proxy cannot claim an address.
        ("192.0.2.1", &[from_office], false),
        ("192.0.2.1", &[("x-real-ip", "198.51.100.9")], false),
        // The original request's Origin is what the domain whitelist judges.
        (
            GATEWAY,
            &[from_office, ("origin", "https://app.example.com")],
            true,
        ),
        (
            GATEWAY,
            &[from_office, ("origin", "https://evil.example")],
            false,
        ),
    ];
    assert_accepted_from(&app, &token, &cases).await;
}

/// nginx's usual `proxy_set_header X-Real-IP $remote_addr` leaves the client's own
/// X-Forwarded-For in place, so with X-Real-IP configured that header means nothing.
#[tokio::test]
async fn with_x_real_ip_configured_a_forwarded_for_header_is_ignored() {
    let app = TestApp::behind_proxies_naming_client_in("10.0.0.0/8", ClientIpHeader::XRealIp).await;
    let token = office_token(&app).await;
    let cases: [(&str, Headers, bool); 5] = [
        (GATEWAY, &[("x-real-ip", "198.51.100.9")], true),
        (GATEWAY, &[("x-real-ip", "192.0.2.1")], false),
        (GATEWAY, &[("x-forwarded-for", "198.51.100.9")], false),
        (
            GATEWAY,
            &[
                ("x-real-ip", "192.0.2.1"),
                ("x-forwarded-for", "198.51.100.9"),
            ],
            false,
        ),
        ("192.0.2.1", &[("x-real-ip", "198.51.100.9")], false),
    ];
    assert_accepted_from(&app, &token, &cases).await;
}

#[tokio::test]
async fn an_address_that_keeps_failing_waits_and_no_other_does() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    let token = app.token_with(alice, "profile:read").await;
    let attacker = "192.0.2.66";
    let bad = "tsr1_this_is_not_a_token";

    // The default allowance: 30 failures a minute, all at once if need be.
    for attempt in 1..=30 {
        let answer = check(&app, "GET", "/api/v1/auth", Some(bad), attacker, &[]).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    let limited = check(&app, "GET", "/api/v1/auth", Some(bad), attacker, &[]).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = limited
        .header(header::RETRY_AFTER)
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    assert_bodiless(&limited);

    // While it waits, the address gets nothing checked at all, not even against the store.
    let lookups = app.bearer_lookups();
    let blocked = check(&app, "GET", "/api/v1/me", Some(&token), attacker, &[]).await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(app.bearer_lookups(), lookups);

    // Everyone else carries on, valid tokens and honest mistakes alike.
    let neighbour = check(&app, "GET", "/api/v1/auth", Some(&token), "192.0.2.67", &[]).await;
    assert_eq!(neighbour.status, StatusCode::OK);
    let typo = check(&app, "GET", "/api/v1/auth", Some(bad), "192.0.2.67", &[]).await;
    assert_eq!(typo.status, StatusCode::UNAUTHORIZED);

    tokio::time::sleep(Duration::from_secs(retry_after)).await;
    let later = check(&app, "GET", "/api/v1/auth", Some(&token), attacker, &[]).await;
    assert_eq!(later.status, StatusCode::OK, "the wait is over");
}

#[tokio::test]
async fn valid_traffic_never_uses_up_an_allowance() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    let token = app.token_with(alice, "profile:read").await;
    for _ in 0..200 {
        let answer = auth(&app, "/api/v1/auth", Some(&token)).await;
        assert_eq!(answer.status, StatusCode::OK);
    }
    // Nor do refusals for a missing permission: the token is genuine.
    for _ in 0..50 {
        let answer = auth(&app, "/api/v1/auth?scope=tokens:write", Some(&token)).await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN);
    }
}
