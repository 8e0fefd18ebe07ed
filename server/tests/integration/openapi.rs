//! The OpenAPI document says what the server does: every documented operation exists, needs
//! exactly the permission it documents (or none, where it says so), and answers with
//! statuses the document lists.

use crate::common;

use app::users::Role;
use common::{Answer, TestApp};
use http::header;
use http::StatusCode;
use serde_json::{json, Value};

async fn document(app: &TestApp) -> Value {
    let answer = app.get("/api/v1/openapi.json", None).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    answer.json()
}

/// (method, path, documented scopes, documented statuses) of every operation; the scopes
/// are `None` for an operation that documents it needs no token.
type Operation = (String, String, Option<Vec<String>>, Vec<u16>);

fn operations(doc: &Value) -> Vec<Operation> {
    let mut found = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let security = &operation["security"][0];
            let scopes = match security["bearer"].as_array() {
                Some(scopes) => Some(
                    scopes
                        .iter()
                        .map(|s| s.as_str().unwrap().to_owned())
                        .collect(),
                ),
                None if security == &json!({}) => None,
                None => panic!("{method} {path} documents neither a permission nor none"),
            };
            let statuses = operation["responses"]
                .as_object()
                .unwrap()
                .keys()
                .map(|k| k.parse().unwrap())
                .collect();
            found.push((method.to_uppercase(), path.clone(), scopes, statuses));
        }
    }
    found
}

fn concrete(path: &str, token_id: i64) -> String {
    path.replace("{id}", &token_id.to_string())
}

/// Calls an operation as its documentation says, with `token`.
async fn call(app: &TestApp, method: &str, url: &str, token: &str, victim: &str) -> Answer {
    let in_an_hour = app.now() + chrono::Duration::hours(1);
    if url.ends_with("/api/v1/introspect") {
        let request = http::Request::post(url)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(axum::body::Body::from(format!("token={victim}")))
            .unwrap();
        return app.send(request).await;
    }
    let body = match method {
        "POST" if url.ends_with("/rotate") => Some(json!({ "grace": "1h" })),
        "POST" if url.ends_with("/deactivate") => Some(json!({ "until": in_an_hour })),
        "POST" if url.ends_with("/reactivate") => None,
        "POST" => Some(json!({"label": "from the docs", "permissions": ["profile:read"]})),
        _ => None,
    };
    app.api(method, url, token, body, &[], None).await
}

#[tokio::test]
async fn the_document_lists_every_route_with_its_permission() {
    let app = TestApp::new().await;
    let doc = document(&app).await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let mut listed: Vec<(String, String, Option<Vec<String>>)> = operations(&doc)
        .into_iter()
        .map(|(m, p, s, _)| (m, p, s))
        .collect();
    listed.sort();
    let expected = [
        ("DELETE", "/api/v1/tokens/{id}", "tokens:write"),
        // Forward auth takes any valid token; `?scope=` says what else to demand.
        ("GET", "/api/v1/audit", "audit:read"),
        ("GET", "/api/v1/auth", ""),
        ("GET", "/api/v1/me", "profile:read"),
        ("GET", "/api/v1/reports/users.csv", "reports:read"),
        ("GET", "/api/v1/tokens", "tokens:read"),
        ("POST", "/api/v1/introspect", "tokens:introspect"),
        // Signed by GitHub, not by a token.
        ("POST", "/api/v1/secret-scanning/github", "(none)"),
        ("POST", "/api/v1/tokens", "tokens:write"),
        // Anyone who finds a leaked secret may report it.
        ("POST", "/api/v1/tokens/revoke", "(none)"),
        ("POST", "/api/v1/tokens/{id}/deactivate", "tokens:write"),
        ("POST", "/api/v1/tokens/{id}/reactivate", "tokens:write"),
        ("POST", "/api/v1/tokens/{id}/rotate", "tokens:write"),
    ];
    let expected: Vec<(String, String, Option<Vec<String>>)> = expected
        .iter()
        .map(|(m, p, s)| {
            let scopes = (*s != "(none)").then(|| s.split_whitespace().map(String::from).collect());
            (m.to_string(), p.to_string(), scopes)
        })
        .collect();
    assert_eq!(listed, expected);
}

#[tokio::test]
async fn every_operation_behaves_as_documented() {
    let app = TestApp::new().await;
    let doc = document(&app).await;
    let ada = app.add_user("ada", Role::Admin).await;
    let everything = app
        .token_with(
            ada,
            "profile:read tokens:read tokens:write reports:read tokens:introspect audit:read",
        )
        .await;
    // A permission that exists but no operation asks for.
    app.add_permission("unrelated:scope").await;
    let nothing = app.token_with(ada, "unrelated:scope").await;
    let (victim, victim_secret) = app
        .insert_restricted_token(ada, "victim", app.now(), None, Default::default())
        .await;

    // Rotate gets a token of its own: DELETE may have expired the victim before it runs.
    let spare = app.insert_token(ada, "spare", app.now(), None).await;
    // Deactivated, then reactivated (the document lists them in that order).
    let paused = app.insert_token(ada, "paused", app.now(), None).await;

    for (method, path, scopes, statuses) in operations(&doc) {
        let target = if path.ends_with("/rotate") {
            spare.id
        } else if path.ends_with("activate") {
            paused.id
        } else {
            victim.id
        };
        let url = concrete(&path, target);
        // No token at all.
        let bare = app
            .send(
                http::Request::builder()
                    .method(method.as_str())
                    .uri(&url)
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await;
        let Some(scopes) = scopes else {
            // Open to anyone: an empty body is refused as the document says.
            let status = bare.status.as_u16();
            assert!(
                statuses.contains(&status),
                "{method} {path} answered {status}, documents {statuses:?}"
            );
            continue;
        };
        assert_eq!(bare.status, StatusCode::UNAUTHORIZED, "{method} {path}");
        assert!(
            statuses.contains(&401),
            "{method} {path} does not document 401"
        );

        // A token without the documented permission: refused naming exactly that one.
        let refused = call(&app, &method, &url, &nothing, &victim_secret).await;
        if scopes.is_empty() {
            assert_eq!(
                refused.status,
                StatusCode::OK,
                "{method} {path} needs nothing"
            );
            continue;
        }
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{method} {path}");
        assert!(
            statuses.contains(&403),
            "{method} {path} does not document 403"
        );
        let body: Value = refused.json();
        assert_eq!(body["scope"], scopes.join(" "), "{method} {path}");

        // With the permission: an answer the document lists as a success.
        let allowed = call(&app, &method, &url, &everything, &victim_secret).await;
        let status = allowed.status.as_u16();
        assert!(
            allowed.status.is_success(),
            "{method} {path}: {status} {}",
            allowed.body
        );
        assert!(
            statuses.contains(&status),
            "{method} {path} answered {status}, documents {statuses:?}"
        );
    }
}

#[tokio::test]
async fn every_schema_the_document_refers_to_is_in_it() {
    let app = TestApp::new().await;
    let doc = document(&app).await;
    let text = doc.to_string();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = reference.split('"').next().unwrap();
        assert!(schemas.contains_key(name), "missing schema {name}");
    }
    for name in [
        "ApiToken",
        "CreateTokenRequest",
        "CreatedTokenResponse",
        "ErrorBody",
        "MeResponse",
    ] {
        assert!(schemas.contains_key(name), "{name}");
    }
}
