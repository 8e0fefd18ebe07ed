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

/// The methods OpenAPI 3.1 can name in a path item (its other keys are not operations).
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn operations(doc: &Value) -> Vec<Operation> {
    let mut found = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let item = item.as_object().unwrap();
        for (method, operation) in item
            .iter()
            .filter(|(key, _)| METHODS.contains(&key.as_str()))
        {
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
    let mut expected = vec![
        ("DELETE", "/api/v1/tokens/{id}", "tokens:write"),
        ("GET", "/api/v1/audit", "audit:read"),
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
    // Forward auth takes any valid token, whatever the method; `?scope=` says what else to
    // demand.
    for method in METHODS {
        expected.push((method, "/api/v1/auth", ""));
    }
    let mut expected: Vec<(String, String, Option<Vec<String>>)> = expected
        .iter()
        .map(|(m, p, s)| {
            let scopes = (*s != "(none)").then(|| s.split_whitespace().map(String::from).collect());
            (m.to_uppercase(), p.to_string(), scopes)
        })
        .collect();
    expected.sort();
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

/// The schema of `name` among an operation's parameters.
fn parameter<'a>(operation: &'a Value, name: &str) -> &'a Value {
    let parameters = operation["parameters"].as_array().unwrap();
    let found = parameters.iter().find(|p| p["name"] == name);
    &found.unwrap_or_else(|| panic!("no parameter {name}"))["schema"]
}

#[tokio::test]
async fn forward_auth_is_documented_under_every_method_and_answers_them() {
    let app = TestApp::new().await;
    let doc = document(&app).await;
    let auth = &doc["paths"]["/api/v1/auth"];
    let mut ids = Vec::new();
    for method in METHODS {
        let operation = &auth[method];
        ids.push(operation["operationId"].as_str().unwrap().to_owned());
        // Gateways pass on the status and headers alone: no answer has a body.
        for (status, response) in operation["responses"].as_object().unwrap() {
            assert!(response.get("content").is_none(), "{method} {status}");
        }
        let headers = &operation["responses"]["401"]["headers"];
        assert!(headers.get("WWW-Authenticate").is_some(), "{method}");
        assert!(operation["responses"]["200"]["headers"]
            .get("X-Tessera-User")
            .is_some());
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), METHODS.len(), "operationIds are unique");
    // OpenAPI 3.1 names eight methods; forward auth answers any.
    assert_eq!(auth["x-any-method"], true);
    assert!(auth["description"].as_str().unwrap().contains("QUERY"));

    let ada = app.add_user("ada", Role::Admin).await;
    let token = app.token_with(ada, "profile:read").await;
    for method in ["TRACE", "QUERY", "PROPFIND"] {
        let with = app
            .api(method, "/api/v1/auth", &token, None, &[], None)
            .await;
        assert_eq!(with.status, StatusCode::OK, "{method}");
        let without = app
            .send(
                http::Request::builder()
                    .method(method)
                    .uri("/api/v1/auth")
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(without.status, StatusCode::UNAUTHORIZED, "{method}");
    }
}

#[tokio::test]
async fn the_scope_pattern_is_what_forward_auth_accepts() {
    let app = TestApp::new().await;
    let doc = document(&app).await;
    let schema = parameter(&doc["paths"]["/api/v1/auth"]["get"], "scope");
    let pattern = regex::Regex::new(schema["pattern"].as_str().unwrap()).unwrap();
    let ada = app.add_user("ada", Role::Admin).await;
    let token = app.token_with(ada, "profile:read tokens:read").await;
    for (scope, query) in [
        ("", ""),
        ("profile:read", "profile%3Aread"),
        ("profile:read tokens:read", "profile%3Aread%20tokens%3Aread"),
        (
            " profile:read\ttokens:read ",
            "%20profile%3Aread%09tokens%3Aread%20",
        ),
        ("Profile:Read", "Profile%3ARead"),
        ("p", "p"),
        ("profile\"read", "profile%22read"),
        ("profile:read,tokens:read", "profile%3Aread%2Ctokens%3Aread"),
        ("9lives", "9lives"),
    ] {
        let answer = app
            .api(
                "GET",
                &format!("/api/v1/auth?scope={query}"),
                &token,
                None,
                &[],
                None,
            )
            .await;
        let allowed = pattern.is_match(scope);
        assert_eq!(
            answer.status.is_success(),
            allowed,
            "{scope:?}: {}",
            answer.status
        );
        if !allowed {
            assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{scope:?}");
        }
    }
}

#[tokio::test]
async fn introspection_documents_the_token_it_needs() {
    let app = TestApp::new().await;
    let doc = document(&app).await;
    let request = &doc["components"]["schemas"]["IntrospectionRequest"];
    assert_eq!(request["required"], json!(["token"]));
    assert_eq!(request["properties"]["token"]["type"], "string");

    let ada = app.add_user("ada", Role::Admin).await;
    let token = app.token_with(ada, "tokens:introspect").await;
    let request = http::Request::post("/api/v1/introspect")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(axum::body::Body::from("token_type_hint=access_token"))
        .unwrap();
    let answer = app.send(request).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.json::<Value>()["error"], "invalid_request");
}

#[tokio::test]
async fn a_request_gives_one_expiry_or_none() {
    let app = TestApp::new().await;
    let doc = document(&app).await;
    for name in ["CreateTokenRequest", "RotateTokenRequest"] {
        let choices = doc["components"]["schemas"][name]["oneOf"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} has no oneOf"));
        let titles: Vec<&str> = choices
            .iter()
            .map(|c| c["title"].as_str().unwrap())
            .collect();
        assert_eq!(
            titles,
            [
                "Default expiry",
                "Expires at",
                "Expires in days",
                "Never expires"
            ],
            "{name}"
        );
        // Each choice gives its own field and leaves the other two unset.
        for (choice, given) in
            choices[1..]
                .iter()
                .zip(["expires_at", "expires_in_days", "never_expires"])
        {
            assert_eq!(choice["required"], json!([given]), "{name}");
            for (field, schema) in choice["properties"].as_object().unwrap() {
                let unset =
                    schema == &json!({"type": "null"}) || schema == &json!({"const": false});
                assert_eq!(field != given, unset, "{name} {given}: {field}");
            }
        }
    }

    // And the server refuses two at once, as the oneOf does.
    let ada = app.add_user("ada", Role::Admin).await;
    let token = app.token_with(ada, "profile:read tokens:write").await;
    let tomorrow = app.now() + chrono::Duration::days(1);
    for (first, second) in [
        (
            json!({"expires_at": tomorrow}),
            json!({"expires_in_days": 3}),
        ),
        (
            json!({"expires_at": tomorrow}),
            json!({"never_expires": true}),
        ),
        (
            json!({"expires_in_days": 3}),
            json!({"never_expires": true}),
        ),
    ] {
        let mut body = json!({"label": "both", "permissions": ["profile:read"]});
        for part in [&first, &second] {
            for (field, value) in part.as_object().unwrap() {
                body[field] = value.clone();
            }
        }
        let answer = app
            .api("POST", "/api/v1/tokens", &token, Some(body), &[], None)
            .await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{first} {second}"
        );
        assert_eq!(answer.json::<Value>()["field"], "expires");
    }
    // `null`, and `never_expires: false`, are not given.
    let body = json!({"label": "one", "permissions": ["profile:read"], "expires_at": null,
        "expires_in_days": 3.0, "never_expires": false});
    let answer = app
        .api("POST", "/api/v1/tokens", &token, Some(body), &[], None)
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
}

#[tokio::test]
async fn request_fields_carry_the_rules_the_server_checks() {
    let app = TestApp::new().await;
    let doc = document(&app).await;
    let create = &doc["components"]["schemas"]["CreateTokenRequest"]["properties"];
    for field in ["label", "description"] {
        assert!(create[field]["pattern"].is_string(), "{field}");
    }
    assert_eq!(create["permissions"]["minItems"], 1);
    assert!(create["permissions"]["items"]["pattern"].is_string());
    for field in ["ip_whitelist", "domain_whitelist"] {
        assert_eq!(create[field]["maxItems"], 100, "{field}");
    }
    assert!(create["ip_whitelist"]["items"]["pattern"].is_string());
    let rotate = &doc["components"]["schemas"]["RotateTokenRequest"]["properties"];
    assert_eq!(
        rotate["grace"]["enum"],
        json!(["none", "1h", "24h", "7d", null])
    );
    let revoke = &doc["components"]["schemas"]["RevokeRequest"]["properties"];
    assert_eq!(revoke["tokens"]["minItems"], 1);
    assert_eq!(revoke["tokens"]["maxItems"], 100);
    let audit = &doc["paths"]["/api/v1/audit"]["get"];
    assert_eq!(parameter(audit, "limit")["minimum"], 1);
    assert_eq!(parameter(audit, "limit")["maximum"], 500);
    let actions = parameter(audit, "action")["enum"].as_array().unwrap();
    assert!(actions.contains(&json!("token.expired")) && actions.contains(&json!("")));
    assert!(parameter(audit, "cursor")["pattern"].is_string());

    // A whitelist item is one entry, as the pattern says: the form's separators are not
    // taken inside an item.
    let ada = app.add_user("ada", Role::Admin).await;
    let token = app.token_with(ada, "profile:read tokens:write").await;
    let ip =
        regex::Regex::new(create["ip_whitelist"]["items"]["pattern"].as_str().unwrap()).unwrap();
    for (item, accepted) in [
        ("192.0.2.0/24", true),
        ("2001:db8::/32", true),
        ("192.0.2.1, 192.0.2.2", false),
        ("", false),
        ("010.0.0.0/8", false),
    ] {
        assert_eq!(ip.is_match(item), accepted, "{item:?}");
        let body = json!({"label": "ips", "permissions": ["profile:read"], "ip_whitelist": [item]});
        let answer = app
            .api("POST", "/api/v1/tokens", &token, Some(body), &[], None)
            .await;
        let status = if accepted {
            StatusCode::CREATED
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        assert_eq!(answer.status, status, "{item:?}: {}", answer.body);
    }
}
