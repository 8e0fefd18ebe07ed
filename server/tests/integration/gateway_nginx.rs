//! The nginx configuration in docs/gateway.md, run for real: a real nginx in front of Tessera
//! (served on a TCP port, as in production) and of a stand-in application that echoes who
//! nginx said is calling. Needs nginx installed (`make nginx`).

use crate::common;

use app::rules::permission::Permission;
use app::rules::token::PlainToken;
use app::store::{Audit, TokenId, TokenRestrictions, UserId};
use app::users::Role;
use axum::{Json, Router};
use common::nginx::{documented_block, serve, serve_counting, substitute, Nginx, Reply};
use common::TestApp;
use http::HeaderMap;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Where the documented block expects Tessera, the application and nginx itself; the test
/// replaces each with a free port of its own.
const DOC_TESSERA: &str = "127.0.0.1:3000";
const DOC_APPLICATION: &str = "127.0.0.1:8080";
const DOC_LISTEN: &str = "listen 8000;";

#[tokio::test]
async fn a_valid_token_reaches_the_application_as_its_owner() {
    let gateway = Gateway::start().await;
    let alice = gateway.tessera.add_user("alice", Role::User).await;
    let (id, token) = gateway.token(alice, &["profile:read"]).await;

    let reply = gateway.get("/notes/1", Some(&token), &[]).await;

    assert_eq!(reply.status, 200, "{}", reply.body);
    let seen = reply.json();
    assert_eq!(seen["user"], "alice");
    assert_eq!(seen["token_id"], id.to_string());
    assert_eq!(seen["scopes"], "profile:read");
    // The documented configuration keeps the token itself from the application.
    assert_eq!(seen["authorization"], Value::Null);
}

#[tokio::test]
async fn missing_bad_and_malformed_tokens_are_refused_with_a_bearer_challenge() {
    let gateway = Gateway::start().await;

    let reply = gateway.get("/", None, &[]).await;
    assert_eq!(reply.status, 401);
    assert_eq!(
        reply.header("www-authenticate"),
        Some(r#"Bearer realm="tessera""#)
    );

    let unknown = PlainToken::generate(&mut rand::rng()).into_secret();
    for token in ["not-a-token", unknown.as_str()] {
        let reply = gateway.get("/", Some(token), &[]).await;
        assert_eq!(reply.status, 401, "{token}");
        let challenge = reply.header("www-authenticate").unwrap_or_default();
        assert!(
            challenge.starts_with("Bearer ") && challenge.contains(r#"error="invalid_token""#),
            "{token}: {challenge}"
        );
    }

    // Tessera answers a malformed header 400, which auth_request alone would turn into 500.
    let reply = gateway.get("/", Some("two tokens"), &[]).await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    let challenge = reply.header("www-authenticate").unwrap_or_default();
    assert!(
        challenge.contains(r#"error="invalid_request""#),
        "{challenge}"
    );
}

#[tokio::test]
async fn the_scoped_location_needs_its_permission() {
    let gateway = Gateway::start().await;
    gateway
        .tessera
        .store
        .insert_permission(
            Permission {
                name: "billing:read".into(),
                description: "Read invoices".into(),
                admin_only: false,
                builtin: false,
            },
            &Audit::by_system(gateway.tessera.now()),
        )
        .await
        .unwrap();
    let alice = gateway.tessera.add_user("alice", Role::User).await;
    let (_, without) = gateway.token(alice, &["profile:read"]).await;
    let (_, with) = gateway
        .token(alice, &["profile:read", "billing:read"])
        .await;

    let reply = gateway.get("/billing/invoices", Some(&without), &[]).await;
    assert_eq!(reply.status, 403);
    let challenge = reply.header("www-authenticate").unwrap_or_default();
    assert!(
        challenge.starts_with("Bearer ")
            && challenge.contains(r#"error="insufficient_scope""#)
            && challenge.contains(r#"scope="billing:read""#),
        "{challenge}"
    );
    // The same token is fine where no permission is demanded.
    assert_eq!(gateway.get("/", Some(&without), &[]).await.status, 200);

    let reply = gateway.get("/billing/invoices", Some(&with), &[]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let seen = reply.json();
    assert_eq!(seen["user"], "alice");
    let scopes = seen["scopes"]
        .as_str()
        .unwrap()
        .split(' ')
        .collect::<Vec<_>>();
    assert!(scopes.contains(&"billing:read"), "{scopes:?}");
}

#[tokio::test]
async fn identity_headers_sent_by_the_client_are_not_believed() {
    let gateway = Gateway::start().await;
    let alice = gateway.tessera.add_user("alice", Role::User).await;
    let (id, token) = gateway.token(alice, &["profile:read"]).await;
    let spoofed = [
        ("X-Tessera-User", "root"),
        ("X-Tessera-Token-Id", "1"),
        ("X-Tessera-Scopes", "tokens:write reports:read"),
    ];

    let seen = gateway.get("/", Some(&token), &spoofed).await.json();
    assert_eq!(seen["user"], "alice");
    assert_eq!(seen["token_id"], id.to_string());
    assert_eq!(seen["scopes"], "profile:read");

    // Without a token the claim does not even reach the application.
    assert_eq!(gateway.get("/", None, &spoofed).await.status, 401);
}

#[tokio::test]
async fn whitelists_see_the_client_nginx_saw_and_its_origin() {
    let gateway = Gateway::start().await;
    let alice = gateway.tessera.add_user("alice", Role::User).await;
    let restricted = |ips: &[&str], domains: &[&str]| TokenRestrictions {
        permissions: vec!["profile:read".into()],
        ip_whitelist: ips.iter().map(|s| s.to_string()).collect(),
        domain_whitelist: domains.iter().map(|s| s.to_string()).collect(),
    };

    // nginx replaces X-Forwarded-For and X-Real-IP with the address it saw, so claiming
    // a whitelisted address does not help.
    let (_, elsewhere) = gateway
        .restricted_token(alice, restricted(&["10.9.8.7"], &[]))
        .await;
    let claims = [("X-Forwarded-For", "10.9.8.7"), ("X-Real-IP", "10.9.8.7")];
    assert_eq!(
        gateway.get("/", Some(&elsewhere), &claims).await.status,
        401
    );
    let (_, here) = gateway
        .restricted_token(alice, restricted(&["127.0.0.1"], &[]))
        .await;
    assert_eq!(gateway.get("/", Some(&here), &[]).await.status, 200);

    // The browser's Origin travels with the auth subrequest.
    let (_, site) = gateway
        .restricted_token(alice, restricted(&[], &["app.example.com"]))
        .await;
    for (origin, status) in [
        ("https://app.example.com", 200),
        ("https://evil.example", 401),
    ] {
        let reply = gateway.get("/", Some(&site), &[("Origin", origin)]).await;
        assert_eq!(reply.status, status, "{origin}");
    }
}

#[tokio::test]
async fn repeated_failures_get_429_with_retry_after_not_nginx_500() {
    let gateway = Gateway::start().await;
    let alice = gateway.tessera.add_user("alice", Role::User).await;
    let (_, valid) = gateway.token(alice, &["profile:read"]).await;

    let limit = tessera::state::DEFAULT_FAILURES_PER_MINUTE;
    let mut refused = None;
    for _ in 0..limit * 2 {
        let unknown = PlainToken::generate(&mut rand::rng()).into_secret();
        let reply = gateway.get("/", Some(&unknown), &[]).await;
        if reply.status != 401 {
            refused = Some(reply);
            break;
        }
    }
    let reply = refused.unwrap_or_else(|| panic!("no refusal after {} invalid tokens", limit * 2));
    assert_eq!(reply.status, 429, "{}", reply.body);
    let wait: u64 = reply
        .header("retry-after")
        .and_then(|s| s.parse().ok())
        .expect("a Retry-After in seconds");
    assert!(wait > 0);

    // The address waits, whatever token it brings meanwhile.
    assert_eq!(gateway.get("/", Some(&valid), &[]).await.status, 429);
}

/// nginx keeps a connection to Tessera for the next check (the documented `keepalive`) only
/// when it has read the answer to its end, and of an auth subrequest's answer it reads the
/// headers alone: were a refusal to carry a body, every refusal would cost a new connection
/// on both sides, and a spray of bad tokens several times what as many good ones cost
/// (bench/gateway-refusals.sh).
#[tokio::test]
async fn refusals_keep_the_connection_to_tessera_as_acceptances_do() {
    let gateway = Gateway::start().await;
    let alice = gateway.tessera.add_user("alice", Role::User).await;
    let (_, token) = gateway.token(alice, &["profile:read"]).await;
    let unknown = PlainToken::generate(&mut rand::rng()).into_secret();

    assert_eq!(gateway.get("/", Some(&token), &[]).await.status, 200);
    assert_eq!(
        gateway.tessera_connections(),
        1,
        "the first check opens one"
    );
    for _ in 0..3 {
        let reply = gateway.get("/", Some(&unknown), &[]).await;
        assert_eq!(reply.status, 401);
        let challenge = reply.header("www-authenticate").unwrap_or_default();
        assert!(
            challenge.starts_with(r#"Bearer realm="tessera", error="invalid_token""#),
            "{challenge}"
        );
        let reply = gateway.get("/", None, &[]).await;
        assert_eq!(reply.status, 401);
        assert_eq!(
            reply.header("www-authenticate"),
            Some(r#"Bearer realm="tessera""#)
        );
        let reply = gateway.get("/billing/invoices", Some(&token), &[]).await;
        assert_eq!(reply.status, 403);
        let challenge = reply.header("www-authenticate").unwrap_or_default();
        assert!(
            challenge.contains(r#"error="insufficient_scope""#),
            "{challenge}"
        );
        let reply = gateway.get("/", Some("two tokens"), &[]).await;
        assert_eq!(reply.status, 400);
        assert_eq!(gateway.get("/", Some(&token), &[]).await.status, 200);
    }
    // And once the address has failed too often.
    let limit = tessera::state::DEFAULT_FAILURES_PER_MINUTE;
    let mut statuses = Vec::new();
    while statuses.last() != Some(&429) && statuses.len() < limit as usize * 2 {
        statuses.push(gateway.get("/", Some(&unknown), &[]).await.status);
    }
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");

    assert_eq!(
        gateway.tessera_connections(),
        1,
        "every check went over the first connection"
    );
}

/// nginx in front of Tessera and of the echoing application, configured by the docs.
struct Gateway {
    tessera: TestApp,
    nginx: Nginx,
    /// Connections Tessera accepted, all from nginx.
    tessera_connections: Arc<AtomicUsize>,
}

impl Gateway {
    async fn start() -> Self {
        // nginx connects from 127.0.0.1, as in the documented setup.
        let tessera = TestApp::behind_proxies("127.0.0.1/32").await;
        let (tessera_addr, tessera_connections) = serve_counting(tessera.router.clone()).await;
        let application = serve(Router::new().fallback(echo_identity)).await;
        let block = documented_block("gateway.md");
        let block = substitute(&block, DOC_TESSERA, &tessera_addr.to_string());
        let block = substitute(&block, DOC_APPLICATION, &application.to_string());
        let nginx = Nginx::start(&block, DOC_LISTEN).await;
        Self {
            tessera,
            nginx,
            tessera_connections,
        }
    }

    fn tessera_connections(&self) -> usize {
        self.tessera_connections.load(Ordering::SeqCst)
    }

    async fn token(&self, user: UserId, permissions: &[&str]) -> (TokenId, String) {
        let restrictions = TokenRestrictions {
            permissions: permissions.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        };
        self.restricted_token(user, restrictions).await
    }

    async fn restricted_token(
        &self,
        user: UserId,
        restrictions: TokenRestrictions,
    ) -> (TokenId, String) {
        let (record, secret) = self
            .tessera
            .insert_restricted_token(user, "gateway", self.tessera.now(), None, restrictions)
            .await;
        (record.id, secret)
    }

    /// A GET through nginx, as a client on this machine sends it: with `Authorization:
    /// Bearer <token>` if given, and `headers`.
    async fn get(&self, path: &str, token: Option<&str>, headers: &[(&str, &str)]) -> Reply {
        let mut request = format!("GET {path} HTTP/1.0\r\nHost: app.example.com\r\n");
        if let Some(token) = token {
            request.push_str(&format!("Authorization: Bearer {token}\r\n"));
        }
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        self.nginx.exchange(&request).await
    }
}

/// The protected application: tells what identity it was given, and whether it saw a token.
async fn echo_identity(headers: HeaderMap) -> Json<Value> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    Json(json!({
        "user": header("x-tessera-user"),
        "token_id": header("x-tessera-token-id"),
        "scopes": header("x-tessera-scopes"),
        "authorization": header("authorization"),
    }))
}
