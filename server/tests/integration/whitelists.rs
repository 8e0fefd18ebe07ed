//! Where a token may be used from: its Whitelist IPs and Whitelist Domains, the company
//! allowlist, and which address counts as the client's behind trusted proxies.

use crate::common;

use app::store::TokenRestrictions;
use app::users::Role;
use common::TestApp;
use http::{header, StatusCode};
use serde_json::json;

async fn restricted(app: &TestApp, ips: &[&str], domains: &[&str]) -> String {
    let alice = app.add_user("alice", Role::User).await;
    let restrictions = TokenRestrictions {
        permissions: vec!["profile:read".into()],
        ip_whitelist: ips.iter().map(|s| s.to_string()).collect(),
        domain_whitelist: domains.iter().map(|s| s.to_string()).collect(),
    };
    app.insert_restricted_token(alice, "restricted", app.now(), None, restrictions)
        .await
        .1
}

async fn me(app: &TestApp, token: &str, peer: &str, headers: &[(&str, &str)]) -> StatusCode {
    let answer = app
        .api("GET", "/api/v1/me", token, None, headers, Some(peer))
        .await;
    if answer.status == StatusCode::UNAUTHORIZED {
        // The reason stays on the server: the client hears only invalid_token.
        let challenge = answer.header(header::WWW_AUTHENTICATE).unwrap();
        assert!(
            challenge.contains(r#"error="invalid_token""#),
            "{challenge}"
        );
        assert!(
            !answer.body.to_lowercase().contains("whitelist"),
            "{}",
            answer.body
        );
    }
    answer.status
}

#[tokio::test]
async fn ip_whitelist_admits_listed_addresses_and_ranges_only() {
    let app = TestApp::new().await;
    let token = restricted(&app, &["198.51.100.0/24", "2001:db8::/32"], &[]).await;
    assert_eq!(me(&app, &token, "198.51.100.9", &[]).await, StatusCode::OK);
    assert_eq!(
        me(&app, &token, "::ffff:198.51.100.9", &[]).await,
        StatusCode::OK
    );
    assert_eq!(me(&app, &token, "2001:db8:5::1", &[]).await, StatusCode::OK);
    assert_eq!(
        me(&app, &token, "198.51.101.9", &[]).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        me(&app, &token, "2001:db9::1", &[]).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn forwarded_for_from_an_untrusted_peer_is_ignored() {
    let app = TestApp::new().await;
    let token = restricted(&app, &["198.51.100.0/24"], &[]).await;
    // A client outside the list claims to be inside it.
    let spoofed = [("x-forwarded-for", "198.51.100.9")];
    assert_eq!(
        me(&app, &token, "203.0.113.50", &spoofed).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_address_counts_right_to_left() {
    let app = TestApp::behind_proxies("10.0.0.0/8").await;
    let token = restricted(&app, &["198.51.100.0/24"], &[]).await;
    let proxy = "10.0.0.2";
    assert_eq!(
        me(&app, &token, proxy, &[("x-forwarded-for", "198.51.100.9")]).await,
        StatusCode::OK
    );
    // Two trusted hops.
    assert_eq!(
        me(
            &app,
            &token,
            proxy,
            &[("x-forwarded-for", "198.51.100.9, 10.0.0.3")]
        )
        .await,
        StatusCode::OK
    );
    // The client prepended an address from the list; the proxy appended the real one.
    assert_eq!(
        me(
            &app,
            &token,
            proxy,
            &[("x-forwarded-for", "198.51.100.9, 203.0.113.50")]
        )
        .await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        me(&app, &token, proxy, &[("x-forwarded-for", "203.0.113.50")]).await,
        StatusCode::UNAUTHORIZED
    );
    // Without the header, the proxy itself is the client.
    assert_eq!(me(&app, &token, proxy, &[]).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn last_used_ip_is_the_forwarded_client() {
    let app = TestApp::behind_proxies("10.0.0.0/8").await;
    let token = restricted(&app, &[], &[]).await;
    assert_eq!(
        me(
            &app,
            &token,
            "10.0.0.2",
            &[("x-forwarded-for", "198.51.100.77")]
        )
        .await,
        StatusCode::OK
    );
    app.usage.flush().await;
    let ip: Option<String> = sqlx::query_scalar("SELECT last_used_ip FROM access_tokens")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(ip.as_deref(), Some("198.51.100.77"));
}

#[tokio::test]
async fn domain_whitelist_refuses_other_sites_but_not_servers() {
    let app = TestApp::new().await;
    let token = restricted(&app, &[], &["app.example.com", "*.corp.example"]).await;
    let peer = "203.0.113.7";
    assert_eq!(me(&app, &token, peer, &[]).await, StatusCode::OK);
    for origin in ["https://app.example.com", "https://a.b.corp.example:8443"] {
        assert_eq!(
            me(&app, &token, peer, &[("origin", origin)]).await,
            StatusCode::OK,
            "{origin}"
        );
    }
    for origin in ["https://evil.example", "https://corp.example", "null"] {
        assert_eq!(
            me(&app, &token, peer, &[("origin", origin)]).await,
            StatusCode::UNAUTHORIZED,
            "{origin}"
        );
    }
}

#[tokio::test]
async fn the_profile_form_rejects_bad_entries_naming_them_and_creates_nothing() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    let cookie = app.sign_in("alice").await;
    let create = |ips: &'static str, domains: &'static str| {
        let cookie = cookie.clone();
        let app = &app;
        async move {
            app.create_via_form(
                &cookie,
                &[("ip_whitelist", ips), ("domain_whitelist", domains)],
            )
            .await
        }
    };
    let bad_ip = create("10.0.0.1\n10.0.0.300", "").await;
    assert_eq!(bad_ip.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad_ip.body.contains("IpWhitelist") && bad_ip.body.contains("10.0.0.300"),
        "{}",
        bad_ip.body
    );
    let bad_domain = create("", "ok.example, bad_name.example").await;
    assert_eq!(bad_domain.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad_domain.body.contains("DomainWhitelist")
            && bad_domain.body.contains("“bad_name.example”"),
        "{}",
        bad_domain.body
    );
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM access_tokens")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(count, 0);

    let good = create("198.51.100.0/24, 2001:db8::1", "*.Example.com").await;
    assert_eq!(good.status, StatusCode::OK, "{}", good.body);
    let body: serde_json::Value = good.json();
    assert_eq!(
        body["token"]["ip_whitelist"],
        json!(["198.51.100.0/24", "2001:db8::1"])
    );
    assert_eq!(body["token"]["domain_whitelist"], json!(["*.example.com"]));
}
