//! What operators see: log lines (sign-ins, one per request, never a secret) and the
//! Prometheus metrics. A test binary of its own: tracing decides once per call site whether
//! anyone listens, so a subscriber set by one test among others may miss events; and the
//! metrics recorder is one per process. The tests here take turns (`one_at_a_time`), so
//! that each counts only its own requests.

// This binary uses a small part of the shared harness.
#[allow(dead_code)]
#[path = "integration/common/mod.rs"]
mod common;

use app::users::Role;
use common::{TestApp, PASSWORD};
use std::sync::Arc;
use tokio::sync::{Mutex, MutexGuard};

async fn one_at_a_time() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::const_new(());
    TURN.lock().await
}

/// What this test's thread logs, as text.
#[derive(Clone, Default)]
struct CapturedLogs(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for CapturedLogs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every sign-in is one audit event: the name, the address, what came of it and why, and
/// never the password.
#[tokio::test]
async fn every_sign_in_is_an_audit_event_without_the_password() {
    let _turn = one_at_a_time().await;
    let logs = CapturedLogs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    // The test's runtime has one thread, on which every request here is served.
    let _logging = tracing::subscriber::set_default(subscriber);
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    app.sign_in_answer("alice", "not the password").await;
    app.sign_in_answer("mallory", "mallory's guess").await;
    app.sign_in_answer("alice", PASSWORD).await;

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    let events: Vec<&str> = text
        .lines()
        .filter(|line| line.contains("event=\"sign_in\""))
        .collect();
    let expected = [
        [
            "username=alice",
            "outcome=\"refused\"",
            "reason=\"wrong password\"",
        ],
        [
            "username=mallory",
            "outcome=\"refused\"",
            "reason=\"unknown username\"",
        ],
        [
            "username=alice",
            "outcome=\"signed_in\"",
            "address=Some(203.0.113.7)",
        ],
    ];
    assert_eq!(events.len(), expected.len(), "{text}");
    for (event, fields) in events.iter().zip(expected) {
        for field in fields {
            assert!(event.contains(field), "{field} missing from {event}");
        }
        assert!(event.contains("203.0.113.7"), "{event}");
    }
    for secret in ["not the password", "mallory's guess", PASSWORD] {
        assert!(!text.contains(secret), "a password was logged: {text}");
    }
}

mod requests {
    use super::*;
    use app::tokens::CreatedToken;
    use axum::body::Body;
    use common::session_cookie;
    use http::{header, Request, StatusCode};
    use serde_json::{json, Value};

    fn json_logs(logs: &CapturedLogs) -> tracing::subscriber::DefaultGuard {
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_span_list(false)
            .with_writer(move || writer.clone())
            .with_max_level(tracing::Level::TRACE)
            .finish();
        tracing::subscriber::set_default(subscriber)
    }

    fn lines(logs: &CapturedLogs) -> (String, Vec<Value>) {
        let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
        let parsed = text
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
            .collect();
        (text, parsed)
    }

    /// Each request is one line with its method, route, status, duration, client and id;
    /// an incoming id is kept and every id goes back to the client.
    #[tokio::test]
    async fn every_request_is_one_json_line_under_its_id() {
        let _turn = one_at_a_time().await;
        let logs = CapturedLogs::default();
        let _logging = json_logs(&logs);
        let app = TestApp::new().await;
        let alice = app.add_user("alice", Role::User).await;
        let token = app.token_with(alice, "profile:read").await;

        let kept = app
            .api(
                "GET",
                "/api/v1/me",
                &token,
                None,
                &[("x-request-id", "proxy-7.1")],
                Some("192.0.2.9"),
            )
            .await;
        assert_eq!(kept.status, StatusCode::OK);
        assert_eq!(kept.header("x-request-id"), Some("proxy-7.1"));
        let made = app.get("/healthz", None).await;
        let made_id = made.header("x-request-id").unwrap().to_owned();
        assert_eq!(made_id.len(), 32);
        let replaced = app
            .api(
                "GET",
                "/api/v1/me",
                "nope",
                None,
                &[("x-request-id", "a b{}")],
                None,
            )
            .await;
        assert_eq!(replaced.status, StatusCode::UNAUTHORIZED);
        assert_ne!(replaced.header("x-request-id"), Some("a b{}"));

        let (_, events) = lines(&logs);
        let requests: Vec<&Value> = events
            .iter()
            .filter(|e| e["target"] == "tessera::request")
            .collect();
        assert_eq!(requests.len(), 3, "{requests:#?}");
        let me = requests[0];
        assert_eq!(me["method"], "GET");
        assert_eq!(me["route"], "/api/v1/me");
        assert_eq!(me["status"], 200);
        assert_eq!(me["client"], "192.0.2.9");
        assert_eq!(me["span"]["id"], "proxy-7.1");
        assert!(me["duration_ms"].as_f64().unwrap() > 0.0);
        assert_eq!(requests[1]["route"], "/healthz");
        assert_eq!(requests[1]["span"]["id"], made_id.as_str());
        assert_eq!(requests[2]["status"], 401);
        assert_eq!(
            requests[2]["span"]["id"],
            replaced.header("x-request-id").unwrap()
        );
    }

    /// A run through every place a secret passes (passwords, session cookies, token secrets
    /// made by the profile and the API, rotated ones, introspected and reported ones, an
    /// invitation link) logs at the finest level, and none of them is in the logs.
    #[tokio::test]
    async fn no_secret_is_ever_logged() {
        let _turn = one_at_a_time().await;
        let logs = CapturedLogs::default();
        let _logging = json_logs(&logs);
        let app = TestApp::new().await;
        let mut secrets = vec![PASSWORD.to_owned()];
        let root = app.add_user("root", Role::Admin).await;
        let alice = app.add_user("alice", Role::User).await;
        app.sign_in_answer("alice", "a wrong guess at it").await;
        secrets.push("a wrong guess at it".into());
        let cookie = app.sign_in("alice").await;
        let admin = app.sign_in("root").await;
        for cookie in [&cookie, &admin] {
            secrets.push(cookie.split_once('=').unwrap().1.to_owned());
        }

        let created: CreatedToken = app
            .call(
                "tokens/create",
                &[
                    ("label", "ci"),
                    ("length", "30"),
                    ("custom_expiry", ""),
                    ("utc_offset_minutes", "0"),
                    ("permissions", "profile:read tokens:read tokens:write"),
                ],
                Some(&cookie),
            )
            .await
            .json();
        secrets.push(created.secret.clone());
        let by_api = app
            .api(
                "POST",
                "/api/v1/tokens",
                &created.secret,
                Some(json!({"label": "script", "expires_in_days": 7, "permissions": ["profile:read"]})),
                &[],
                None,
            )
            .await;
        assert_eq!(by_api.status, StatusCode::CREATED, "{}", by_api.body);
        let by_api: Value = by_api.json();
        let api_secret = by_api["secret"].as_str().unwrap().to_owned();
        secrets.push(api_secret.clone());
        let rotate = format!("/api/v1/tokens/{}/rotate", by_api["token"]["id"]);
        let rotated = app
            .api("POST", &rotate, &created.secret, Some(json!({})), &[], None)
            .await;
        assert_eq!(rotated.status, StatusCode::CREATED, "{}", rotated.body);
        secrets.push(
            rotated.json::<Value>()["secret"]
                .as_str()
                .unwrap()
                .to_owned(),
        );

        let gateway = app.token_with(root, "tokens:introspect").await;
        secrets.push(gateway.clone());
        let introspect = Request::post("/api/v1/introspect")
            .header(header::AUTHORIZATION, format!("Bearer {gateway}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("token={}", created.secret)))
            .unwrap();
        assert_eq!(app.send(introspect).await.status, StatusCode::OK);
        let almost = format!("{}A", &created.secret[..created.secret.len() - 1]);
        secrets.push(almost.clone());
        app.api("GET", "/api/v1/me", &almost, None, &[], None).await;

        let leaked = app.token_with(alice, "profile:read").await;
        secrets.push(leaked.clone());
        let report = Request::post("/api/v1/tokens/revoke")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                json!({"tokens": [leaked], "url": "https://example.com/paste"}).to_string(),
            ))
            .unwrap();
        assert_eq!(app.send(report).await.status, StatusCode::ACCEPTED);

        let invited = app
            .call(
                "invitations/create",
                &[
                    ("email", "ada@example.com"),
                    ("display_name", "Ada"),
                    ("role", "user"),
                ],
                Some(&admin),
            )
            .await;
        assert_eq!(invited.status, StatusCode::OK, "{}", invited.body);
        let link = invited.json::<Value>()["link"].as_str().unwrap().to_owned();
        let invitation = link.rsplit('/').next().unwrap().to_owned();
        let page = app.get(&format!("/invite/{invitation}"), None).await;
        assert_eq!(page.status, StatusCode::OK);
        secrets.push(invitation);
        let signed_in = app.sign_in_answer("alice", PASSWORD).await;
        secrets.push(
            session_cookie(&signed_in)
                .split_once('=')
                .unwrap()
                .1
                .to_owned(),
        );
        app.usage.flush().await;

        let (text, events) = lines(&logs);
        assert!(
            events.iter().any(|e| e["route"] == "/invite/{secret}"),
            "the invitation page is logged by its route"
        );
        for secret in &secrets {
            assert!(!secret.is_empty());
            assert!(
                !text.contains(secret.as_str()),
                "{secret} is in the logs:\n{text}"
            );
        }
    }
}

mod metrics {
    use super::*;
    use axum::body::Body;
    use chrono::Duration;
    use http::{header, Request, StatusCode};
    use metrics_exporter_prometheus::PrometheusHandle;
    use std::collections::HashMap;
    use std::sync::OnceLock;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn recorder() -> PrometheusHandle {
        static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
        HANDLE
            .get_or_init(|| tessera::metrics::install().unwrap())
            .clone()
    }

    /// `GET /metrics` on a listener of its own, as `TESSERA_METRICS_ADDR` makes it.
    async fn scrape(app: &TestApp) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let tokens = app.changes.tokens().clone();
        let server = tokio::spawn(tessera::metrics::serve(listener, recorder(), tokens));
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"GET /metrics HTTP/1.0\r\nHost: metrics\r\n\r\n")
            .await
            .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        server.abort();
        let (head, body) = answer.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.0 200"), "{head}");
        body.to_owned()
    }

    /// Each sample's value by its name and labels as written, e.g.
    /// `tessera_mails_total{outcome="sent"}`.
    fn samples(text: &str) -> HashMap<String, f64> {
        text.lines()
            .filter(|line| !line.starts_with('#') && !line.is_empty())
            .map(|line| {
                let (series, value) = line.rsplit_once(' ').unwrap();
                (series.to_owned(), value.parse().unwrap())
            })
            .collect()
    }

    fn checks(samples: &HashMap<String, f64>, route: &str, outcome: &str) -> f64 {
        samples[&format!("tessera_token_checks_total{{route=\"{route}\",outcome=\"{outcome}\"}}")]
    }

    async fn from(
        app: &TestApp,
        path: &str,
        authorization: Option<&str>,
        peer: &str,
    ) -> StatusCode {
        let mut request = Request::get(path);
        if let Some(value) = authorization {
            request = request.header(header::AUTHORIZATION, value);
        }
        app.send_from(peer, request.body(Body::empty()).unwrap())
            .await
            .status
    }

    /// Token checks counted by route and outcome, their latency, the cache, sign-ins and the
    /// database, read back from the endpoint as Prometheus scrapes it.
    #[tokio::test]
    async fn checks_are_counted_by_route_and_outcome() {
        let _turn = one_at_a_time().await;
        recorder();
        let before = samples(&scrape(&TestApp::new().await).await);
        let app = TestApp::new().await;
        let alice = app.add_user("alice", Role::User).await;
        let reader = app.token_with(alice, "profile:read").await;
        let expiring = app
            .insert_restricted_token(
                alice,
                "expiring",
                app.now(),
                Some(app.now() + Duration::days(1)),
                app::store::TokenRestrictions {
                    permissions: vec!["profile:read".into()],
                    ..Default::default()
                },
            )
            .await
            .1;
        let bearer = |secret: &str| format!("Bearer {secret}");
        let unknown = app::rules::token::PlainToken::generate(&mut rand::rng()).into_secret();
        let bad_checksum = format!("{}A", &unknown[..unknown.len() - 1]);
        let peer = "192.0.2.5";

        assert_eq!(
            from(&app, "/api/v1/me", Some(&bearer(&reader)), peer).await,
            StatusCode::OK
        );
        assert_eq!(
            from(&app, "/api/v1/me", Some(&bearer(&reader)), peer).await,
            StatusCode::OK
        );
        assert_eq!(
            from(&app, "/api/v1/auth", Some(&bearer(&reader)), peer).await,
            StatusCode::OK
        );
        let scoped = "/api/v1/auth?scope=tokens:write";
        assert_eq!(
            from(&app, scoped, Some(&bearer(&reader)), peer).await,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            from(&app, "/api/v1/tokens", Some(&bearer(&reader)), peer).await,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            from(&app, "/api/v1/me", Some(&bearer(&unknown)), peer).await,
            StatusCode::UNAUTHORIZED
        );
        assert_ne!(bad_checksum, unknown);
        assert_eq!(
            from(&app, "/api/v1/me", Some(&bearer(&bad_checksum)), peer).await,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            from(&app, "/api/v1/me", None, peer).await,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            from(&app, "/api/v1/me", Some("Bearer a!b"), peer).await,
            StatusCode::BAD_REQUEST
        );
        app.clock.advance(Duration::days(2));
        assert_eq!(
            from(&app, "/api/v1/auth", Some(&bearer(&expiring)), peer).await,
            StatusCode::UNAUTHORIZED
        );
        app.sign_in_answer("alice", "not her password").await;
        app.sign_in("alice").await;

        let after = samples(&scrape(&app).await);
        let delta = |series: &str| after[series] - before.get(series).copied().unwrap_or(0.0);
        let counted = |route: &str, outcome: &str| {
            checks(&after, route, outcome) - checks(&before, route, outcome)
        };
        for (route, outcome, count) in [
            ("/api/v1/me", "valid", 2.0),
            ("/api/v1/auth", "valid", 1.0),
            ("/api/v1/auth", "scope", 1.0),
            ("/api/v1/tokens", "scope", 1.0),
            ("/api/v1/me", "unknown", 1.0),
            ("/api/v1/me", "bad_checksum", 1.0),
            ("/api/v1/me", "missing", 1.0),
            ("/api/v1/me", "malformed", 1.0),
            ("/api/v1/auth", "expired", 1.0),
            ("/api/v1/me", "blocked", 0.0),
        ] {
            assert_eq!(counted(route, outcome), count, "{route} {outcome}");
        }
        assert_eq!(
            delta("tessera_token_check_duration_seconds_count{route=\"/api/v1/me\"}"),
            6.0
        );
        assert!(after.contains_key(
            "tessera_token_check_duration_seconds_bucket{route=\"/api/v1/auth\",le=\"0.00001\"}"
        ));
        assert_eq!(
            delta("tessera_token_cache_lookups_total{answer=\"known\"}"),
            4.0
        );
        assert_eq!(
            delta("tessera_token_cache_lookups_total{answer=\"unknown\"}"),
            0.0
        );
        assert_eq!(
            delta("tessera_token_cache_lookups_total{answer=\"database\"}"),
            3.0
        );
        assert_eq!(after["tessera_token_cache_entries{kind=\"known\"}"], 2.0);
        assert_eq!(after["tessera_token_cache_entries{kind=\"unknown\"}"], 1.0);
        assert_eq!(delta("tessera_sign_ins_total{outcome=\"refused\"}"), 1.0);
        assert_eq!(delta("tessera_sign_ins_total{outcome=\"signed_in\"}"), 1.0);
        assert!(delta("tessera_db_query_duration_seconds_count{operation=\"fetch\"}") > 0.0);
        assert!(delta("tessera_db_query_duration_seconds_count{operation=\"execute\"}") > 0.0);
        assert_eq!(after["tessera_build_info{version=\"0.1.0\"}"], 1.0);

        app.usage.flush().await;
        let flushed = samples(&scrape(&app).await);
        assert!(
            flushed["tessera_usage_flushes_total{outcome=\"written\"}"]
                > after["tessera_usage_flushes_total{outcome=\"written\"}"]
        );
    }
}
