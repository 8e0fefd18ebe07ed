//! `/api/v1/tokens` and the permissions every API endpoint needs, through the real router.

use crate::common;

use app::store::{Audit, TokenRestrictions, UserChange};
use app::users::Role;
use chrono::Duration;
use common::TestApp;
use http::{header, StatusCode};
use serde_json::{json, Value};

fn challenge(answer: &common::Answer) -> String {
    answer
        .header(header::WWW_AUTHENTICATE)
        .unwrap_or_default()
        .to_owned()
}

fn assert_insufficient_scope(answer: &common::Answer, scope: &str) {
    assert_eq!(answer.status, StatusCode::FORBIDDEN, "{}", answer.body);
    assert_eq!(
        challenge(answer),
        format!(r#"Bearer realm="tessera", error="insufficient_scope", scope="{scope}""#)
    );
    let body: Value = answer.json();
    assert_eq!(body["error"], "insufficient_scope");
    assert_eq!(body["scope"], scope);
}

#[tokio::test]
async fn each_endpoint_refuses_a_token_without_its_permission() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    app.add_permission("billing:read").await;
    let token = app.token_with(alice, "billing:read").await;
    let cases = [
        ("GET", "/api/v1/me", "profile:read"),
        ("GET", "/api/v1/tokens", "tokens:read"),
        ("POST", "/api/v1/tokens", "tokens:write"),
        ("DELETE", "/api/v1/tokens/1", "tokens:write"),
        ("GET", "/api/v1/reports/users.csv", "reports:read"),
    ];
    for (method, path, scope) in cases {
        let body =
            (method == "POST").then(|| json!({"label": "x", "permissions": ["profile:read"]}));
        let answer = app.api(method, path, &token, body, &[], None).await;
        assert_insufficient_scope(&answer, scope);
    }
}

#[tokio::test]
async fn a_token_with_the_permission_gets_through() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    let token = app.token_with(alice, "profile:read").await;
    let answer = app.api("GET", "/api/v1/me", &token, None, &[], None).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let body: Value = answer.json();
    assert_eq!(body["user"]["username"], "alice");
    assert_eq!(body["token"]["permissions"], json!(["profile:read"]));
}

#[tokio::test]
async fn admin_only_permissions_stop_working_when_the_owner_stops_being_admin() {
    let app = TestApp::new().await;
    let ada = app.add_user("ada", Role::Admin).await;
    let token = app.token_with(ada, "reports:read").await;
    let csv = app
        .api("GET", "/api/v1/reports/users.csv", &token, None, &[], None)
        .await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    assert!(csv.body.lines().next().unwrap().contains("Permissions"));
    assert!(csv.body.contains("ada"));

    // Through the store, as the admin pages change roles: a change made behind Tessera's
    // back (in SQL) would not reach its token cache.
    let demoted = UserChange {
        role: Role::User,
        login_active: true,
        current: true,
    };
    assert!(app
        .store
        .update_user(ada, demoted, &Audit::by_system(app.now()))
        .await
        .unwrap());
    let refused = app
        .api("GET", "/api/v1/reports/users.csv", &token, None, &[], None)
        .await;
    assert_insufficient_scope(&refused, "reports:read");
}

#[tokio::test]
async fn list_shows_the_callers_tokens_without_secrets() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    let bruno = app.add_user("bruno", Role::User).await;
    let token = app.token_with(alice, "tokens:read").await;
    app.token_with(bruno, "tokens:read").await;
    let answer = app
        .api("GET", "/api/v1/tokens", &token, None, &[], None)
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let list: Vec<Value> = answer.json();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["permissions"], json!(["tokens:read"]));
    assert_eq!(list[0]["status"], "active");
    assert!(!answer.body.contains(&token));
    assert!(list[0].get("secret").is_none());
}

#[tokio::test]
async fn create_returns_the_secret_once_and_the_new_token_works() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    let token = app.token_with(alice, "tokens:write profile:read").await;
    let answer = app
        .api(
            "POST",
            "/api/v1/tokens",
            &token,
            Some(json!({
                "label": "deploy",
                "permissions": ["profile:read"],
                "expires_in_days": 7,
                "ip_whitelist": ["203.0.113.0/24"],
                "domain_whitelist": ["*.example.com"]
            })),
            &[],
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    let body: Value = answer.json();
    let secret = body["secret"].as_str().unwrap().to_owned();
    assert_eq!(secret.len(), 48);
    assert_eq!(body["token"]["label"], "deploy");
    assert_eq!(body["token"]["permissions"], json!(["profile:read"]));
    assert_eq!(body["token"]["ip_whitelist"], json!(["203.0.113.0/24"]));
    assert_eq!(body["token"]["domain_whitelist"], json!(["*.example.com"]));
    let expires: chrono::DateTime<chrono::Utc> = body["token"]["expires_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(expires, app.now() + Duration::days(7));

    // The default peer (203.0.113.7) is inside the new token's whitelist.
    let me = app.api("GET", "/api/v1/me", &secret, None, &[], None).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    // Listing with the first token never shows the secret again.
    let list = app
        .api("GET", "/api/v1/tokens", &token, None, &[], None)
        .await;
    assert_insufficient_scope(&list, "tokens:read");
}

#[tokio::test]
async fn create_defaults_to_thirty_days_and_never_grants_more_than_the_caller_holds() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    let token = app.token_with(alice, "tokens:write").await;
    let created = app
        .api(
            "POST",
            "/api/v1/tokens",
            &token,
            Some(json!({"label": "a", "permissions": ["tokens:write"]})),
            &[],
            None,
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let body: Value = created.json();
    let expires: chrono::DateTime<chrono::Utc> = body["token"]["expires_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(expires, app.now() + Duration::days(30));

    let wider = app
        .api(
            "POST",
            "/api/v1/tokens",
            &token,
            Some(json!({"label": "b", "permissions": ["tokens:write", "profile:read", "tokens:read"]})),
            &[],
            None,
        )
        .await;
    assert_insufficient_scope(&wider, "profile:read tokens:read");
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM access_tokens")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(count, 2);
}

#[tokio::test]
async fn create_refuses_bad_fields_with_422_naming_the_field() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    let token = app.token_with(alice, "tokens:write reports:read").await;
    let past = (app.now() - Duration::hours(1)).to_rfc3339();
    let cases = [
        (
            json!({"label": " ", "permissions": ["tokens:write"]}),
            "label",
        ),
        (json!({"label": "x", "permissions": []}), "permissions"),
        (
            json!({"label": "x", "permissions": ["reports:read"]}),
            "permissions",
        ),
        (
            json!({"label": "x", "permissions": ["tokens:write"], "expires_at": past}),
            "expires",
        ),
        (
            json!({"label": "x", "permissions": ["tokens:write"], "expires_in_days": 0}),
            "expires",
        ),
        (
            json!({"label": "x", "permissions": ["tokens:write"], "expires_in_days": 7, "never_expires": true}),
            "expires",
        ),
        (
            json!({"label": "x", "permissions": ["tokens:write"], "ip_whitelist": ["10.0.0.0/33"]}),
            "ip_whitelist",
        ),
        (
            json!({"label": "x", "permissions": ["tokens:write"], "domain_whitelist": ["bad_name"]}),
            "domain_whitelist",
        ),
        // At most 100 entries each.
        (
            json!({"label": "x", "permissions": ["tokens:write"],
                   "ip_whitelist": (0..101).map(|n| format!("10.0.{n}.1")).collect::<Vec<_>>()}),
            "ip_whitelist",
        ),
        (
            json!({"label": "x", "permissions": ["tokens:write"],
                   "domain_whitelist": (0..101).map(|n| format!("h{n}.example.com")).collect::<Vec<_>>()}),
            "domain_whitelist",
        ),
    ];
    for (body, field) in cases {
        let answer = app
            .api(
                "POST",
                "/api/v1/tokens",
                &token,
                Some(body.clone()),
                &[],
                None,
            )
            .await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            answer.body
        );
        let error: Value = answer.json();
        assert_eq!(error["error"], "validation_failed");
        assert_eq!(error["field"], field, "{body}");
        assert!(answer.header(header::WWW_AUTHENTICATE).is_none());
    }
    let named = app
        .api("POST", "/api/v1/tokens", &token, Some(json!({"label": "x", "permissions": ["tokens:write"], "ip_whitelist": ["1.2.3.4", "nope"]})), &[], None)
        .await;
    assert!(named.body.contains("nope"), "{}", named.body);

    for (body, content_type) in [
        ("{not json", "application/json"),
        (
            r#"{"label":"x","permissions":["tokens:write"],"extra":1}"#,
            "application/json",
        ),
    ] {
        let answer = app
            .send(
                http::Request::post("/api/v1/tokens")
                    .header(header::AUTHORIZATION, format!("Bearer {token}"))
                    .header(header::CONTENT_TYPE, content_type)
                    .body(axum::body::Body::from(body))
                    .unwrap(),
            )
            .await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            answer.body
        );
        let error: Value = answer.json();
        assert_eq!(error["error"], "invalid_request");
    }
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM access_tokens")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(count, 1, "nothing was created");
}

#[tokio::test]
async fn delete_expires_the_callers_token_only_once() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    let bruno = app.add_user("bruno", Role::User).await;
    let token = app.token_with(alice, "tokens:write profile:read").await;
    let (victim, victim_secret) = app
        .insert_restricted_token(
            alice,
            "old",
            app.now(),
            None,
            app::store::TokenRestrictions {
                permissions: vec!["profile:read".into()],
                ..Default::default()
            },
        )
        .await;
    let (brunos, _) = app
        .insert_restricted_token(bruno, "his", app.now(), None, Default::default())
        .await;

    let path = format!("/api/v1/tokens/{}", victim.id);
    let expired = app.api("DELETE", &path, &token, None, &[], None).await;
    assert_eq!(expired.status, StatusCode::OK, "{}", expired.body);
    let body: Value = expired.json();
    assert_eq!(body["status"], "expired_manually");
    assert_eq!(body["expired_by"], "Alice Example");
    let refused = app
        .api("GET", "/api/v1/me", &victim_secret, None, &[], None)
        .await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);

    let again = app.api("DELETE", &path, &token, None, &[], None).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    for other in [
        format!("/api/v1/tokens/{}", brunos.id),
        "/api/v1/tokens/99999".into(),
        "/api/v1/tokens/abc".into(),
    ] {
        let answer = app.api("DELETE", &other, &token, None, &[], None).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{other}");
        let error: Value = answer.json();
        assert_eq!(error["error"], "not_found");
    }
    let untouched: Option<i64> =
        sqlx::query_scalar("SELECT expired_at FROM access_tokens WHERE id = $1")
            .bind(brunos.id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(untouched, None);
}

#[tokio::test]
async fn a_token_may_expire_itself() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    let token = app.token_with(alice, "tokens:write").await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM access_tokens")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let answer = app
        .api(
            "DELETE",
            &format!("/api/v1/tokens/{id}"),
            &token,
            None,
            &[],
            None,
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    let after = app
        .api(
            "DELETE",
            &format!("/api/v1/tokens/{id}"),
            &token,
            None,
            &[],
            None,
        )
        .await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn cors_preflight_lets_pages_send_the_authorization_header() {
    let app = TestApp::new().await;
    let answer = app
        .send(
            http::Request::builder()
                .method("OPTIONS")
                .uri("/api/v1/tokens")
                .header(header::ORIGIN, "https://app.example.com")
                .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
                .header(
                    header::ACCESS_CONTROL_REQUEST_HEADERS,
                    "authorization, content-type",
                )
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert!(answer.status.is_success(), "{}", answer.status);
    assert_eq!(
        answer.header(header::ACCESS_CONTROL_ALLOW_ORIGIN),
        Some("https://app.example.com")
    );
    let allowed = answer
        .header(header::ACCESS_CONTROL_ALLOW_HEADERS)
        .unwrap()
        .to_lowercase();
    assert!(allowed.contains("authorization"), "{allowed}");
}

#[tokio::test]
async fn pages_calls_get_cors_headers_and_other_callers_and_gateways_none() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    let token = app.token_with(alice, "profile:read").await;
    let page = [("origin", "https://app.example.com")];

    let from_page = app
        .api("GET", "/api/v1/me", &token, None, &page, None)
        .await;
    assert_eq!(from_page.status, StatusCode::OK, "{}", from_page.body);
    assert_eq!(
        from_page.header(header::ACCESS_CONTROL_ALLOW_ORIGIN),
        Some("https://app.example.com")
    );
    let from_script = app.api("GET", "/api/v1/me", &token, None, &[], None).await;
    assert_eq!(from_script.status, StatusCode::OK);
    assert_eq!(
        from_script.header(header::ACCESS_CONTROL_ALLOW_ORIGIN),
        None
    );
    // Gateways call from servers; a page has no business asking them.
    for path in ["/api/v1/auth", "/api/v1/auth/some/path"] {
        let gateway = app.api("GET", path, &token, None, &page, None).await;
        assert_eq!(gateway.status, StatusCode::OK, "{path}");
        assert_eq!(
            gateway.header(header::ACCESS_CONTROL_ALLOW_ORIGIN),
            None,
            "{path}"
        );
    }
}

#[tokio::test]
async fn unknown_api_paths_answer_json_not_a_page() {
    let app = TestApp::new().await;
    for path in ["/api/v1/nothing", "/api/v1/tokens/1/extra", "/api/v1/me/"] {
        let answer = app.get(path, None).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            answer
                .header(header::CONTENT_TYPE)
                .is_some_and(|t| t.starts_with("application/json")),
            "{path}: {:?}",
            answer.header(header::CONTENT_TYPE)
        );
        assert!(
            answer.body.contains("No such API endpoint"),
            "{path}: {}",
            answer.body
        );
    }
}

/// A token made with a token keeps its limits: it expires no later, and its whitelists lie
/// within the parent's (left empty, they are the parent's).
#[tokio::test]
async fn a_token_made_with_a_token_keeps_its_limits() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    let parent_expiry = app.now() + Duration::days(10);
    let limits = TokenRestrictions {
        permissions: vec!["tokens:write".into(), "profile:read".into()],
        // The tests' client address, 203.0.113.7, lies inside.
        ip_whitelist: vec!["203.0.113.0/24".into()],
        domain_whitelist: vec!["*.example.com".into()],
    };
    let (_, parent) = app
        .insert_restricted_token(alice, "parent", app.now(), Some(parent_expiry), limits)
        .await;
    let create = |body: Value| app.api("POST", "/api/v1/tokens", &parent, Some(body), &[], None);
    let expiry = |token: &Value| {
        token["expires_at"]
            .as_str()
            .map(|at| at.parse::<chrono::DateTime<chrono::Utc>>().unwrap())
    };

    let child = create(json!({"label": "child", "permissions": ["profile:read"]})).await;
    assert_eq!(child.status, StatusCode::CREATED, "{}", child.body);
    let token = &child.json::<Value>()["token"];
    assert_eq!(
        expiry(token),
        Some(parent_expiry),
        "the default stops at the parent's"
    );
    assert_eq!(token["ip_whitelist"], json!(["203.0.113.0/24"]));
    assert_eq!(token["domain_whitelist"], json!(["*.example.com"]));

    let narrower = create(json!({
        "label": "narrower", "permissions": ["profile:read"], "expires_in_days": 3,
        "ip_whitelist": ["203.0.113.7"], "domain_whitelist": ["app.example.com"]
    }))
    .await;
    assert_eq!(narrower.status, StatusCode::CREATED, "{}", narrower.body);
    let token = &narrower.json::<Value>()["token"];
    assert_eq!(expiry(token), Some(app.now() + Duration::days(3)));
    assert_eq!(token["ip_whitelist"], json!(["203.0.113.7"]));
    assert_eq!(token["domain_whitelist"], json!(["app.example.com"]));

    let wider = [
        (json!({"never_expires": true}), "expires"),
        (json!({"expires_in_days": 11}), "expires"),
        (
            json!({"ip_whitelist": ["203.0.113.7", "0.0.0.0/0"]}),
            "ip_whitelist",
        ),
        (
            json!({"domain_whitelist": ["example.com"]}),
            "domain_whitelist",
        ),
    ];
    for (mut body, field) in wider {
        body["label"] = json!("wider");
        body["permissions"] = json!(["profile:read"]);
        let answer = create(body.clone()).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            answer.body
        );
        assert_eq!(answer.json::<Value>()["field"], field, "{body}");
    }
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM access_tokens")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(count, 3, "nothing wider was made");
}
