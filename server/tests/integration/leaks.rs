//! Leaked secrets reported from outside: anyone may send secrets to `/api/v1/tokens/revoke`
//! and learns nothing from the answer; GitHub's signed alerts get feedback. Either way the
//! live tokens named stop working at once, on every instance, with one event each, and
//! their owners are mailed where the secret was found.

use crate::common;

use app::report::ReportView;
use app::rules::audit::AuditAction;
use app::rules::token::PlainToken;
use app::store::{TokenRecord, TokenRestrictions, UserId};
use app::tokens::TokenView;
use app::users::Role;
use axum::body::Body;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use common::smtp::start_smtp_server;
use common::{Answer, TestApp};
use http::{header, Request, StatusCode};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use p256::elliptic_curve::Generate;
use p256::pkcs8::{EncodePublicKey, LineEnding};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use tessera::leaks::github::GithubKeys;
use tessera::mail::SmtpMailer;

const REPORTER_ADDRESS: &str = "198.51.100.20";

async fn report(app: &TestApp, body: &str, peer: &str) -> Answer {
    let request = Request::post("/api/v1/tokens/revoke")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::USER_AGENT, "curl/8.5.0")
        .body(Body::from(body.to_owned()))
        .unwrap();
    app.send_from(peer, request).await
}

/// A token of `owner` that may read its owner's profile: its record and its secret.
async fn token(
    app: &TestApp,
    owner: UserId,
    label: &str,
    created: DateTime<Utc>,
    expires: Option<DateTime<Utc>>,
) -> (TokenRecord, String) {
    let restrictions = TokenRestrictions {
        permissions: vec!["profile:read".into(), "tokens:read".into()],
        ..Default::default()
    };
    app.insert_restricted_token(owner, label, created, expires, restrictions)
        .await
}

/// A secret in Tessera's format that no token has.
fn unknown_secret() -> String {
    PlainToken::generate(&mut rand::rng()).into_secret()
}

/// A secret of the right length whose checksum is wrong.
fn bad_checksum(secret: &str) -> String {
    let last = if secret.ends_with('A') { "B" } else { "A" };
    format!("{}{last}", &secret[..secret.len() - 1])
}

async fn events_expired(app: &TestApp) -> Vec<(i64, Value, Option<String>)> {
    let rows: Vec<(i64, String, Option<String>)> = sqlx::query_as(
        "SELECT subject_id, detail, client_ip FROM audit_events WHERE action = $1 ORDER BY id",
    )
    .bind(AuditAction::TokenExpired.as_str())
    .fetch_all(&app.db)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(id, detail, ip)| (id, serde_json::from_str(&detail).unwrap(), ip))
        .collect()
}

/// The mails received, each with its header lines unfolded.
async fn mails(messages: &Arc<Mutex<Vec<String>>>, expected: usize) -> Vec<String> {
    for _ in 0..200 {
        if messages.lock().unwrap().len() >= expected {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let mut all: Vec<String> = messages
        .lock()
        .unwrap()
        .iter()
        .map(|mail| mail.replace("\r\n ", " ").replace("=\r\n", ""))
        .collect();
    all.sort();
    all
}

#[tokio::test]
async fn a_mixed_report_expires_exactly_the_live_tokens_and_tells_nothing() {
    let (smtp, messages) = start_smtp_server();
    let mailer = Arc::new(SmtpMailer::new(&smtp, "Tessera <tessera@example.com>").unwrap());
    let app = TestApp::with_mailer(mailer).await;
    let alice = app.add_user("alice", Role::User).await;
    let bruno = app.add_user("bruno", Role::User).await;
    let now = app.now();
    let (live, live_secret) = token(&app, alice, "ci", now, None).await;
    let (other, other_secret) = token(&app, bruno, "deploy", now, None).await;
    let (kept, kept_secret) = token(&app, alice, "kept", now, None).await;
    let (old, old_secret) = token(&app, alice, "old", now, Some(now + Duration::hours(1))).await;
    app.clock.advance(Duration::hours(2));
    let cookie = app.sign_in("alice").await;
    let expire = app
        .call(
            "tokens/expire",
            &[("id", &kept.id.to_string())],
            Some(&cookie),
        )
        .await;
    assert_eq!(expire.status, StatusCode::OK, "{}", expire.body);
    let before = events_expired(&app).await.len();

    // Every kind of secret, and one twice: the answer is the same 202 with nothing in it.
    let body = json!({
        "tokens": [live_secret, bad_checksum(&other_secret), unknown_secret(), kept_secret,
                   old_secret, other_secret, live_secret, "not a token"],
        "url": "https://github.com/acme/app/blob/main/.env",
    });
    let answer = report(&app, &body.to_string(), REPORTER_ADDRESS).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
    assert_eq!(answer.body, "");
    for (alone, with) in [
        (json!({"tokens": [unknown_secret()]}), "unknown"),
        (
            json!({"tokens": [bad_checksum(&unknown_secret())]}),
            "bad checksum",
        ),
        (json!({"tokens": [old_secret]}), "already expired"),
    ] {
        let answer = report(&app, &alone.to_string(), REPORTER_ADDRESS).await;
        assert_eq!(
            (answer.status, answer.body.as_str()),
            (StatusCode::ACCEPTED, ""),
            "{with}"
        );
    }

    // The two live tokens stop working; the others were not touched.
    for secret in [&live_secret, &other_secret] {
        let me = app.bearer("/api/v1/me", secret).await;
        assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    }
    let events = events_expired(&app).await;
    let reported: Vec<&(i64, Value, Option<String>)> = events[before..].iter().collect();
    let mut ids: Vec<i64> = reported.iter().map(|(id, _, _)| *id).collect();
    ids.sort();
    assert_eq!(ids, vec![live.id, other.id], "one event per expired token");
    for (_, detail, ip) in &reported {
        assert_eq!(detail["by"], "leak report");
        assert_eq!(detail["url"], "https://github.com/acme/app/blob/main/.env");
        assert_eq!(ip.as_deref(), Some(REPORTER_ADDRESS));
    }

    // The owner sees why, in the block, the history, the API and the report.
    let tokens: Vec<TokenView> = app.call("tokens/list", &[], Some(&cookie)).await.json();
    let ci = tokens.iter().find(|t| t.id == live.id).unwrap();
    assert_eq!(ci.status.words(), "Reported leaked");
    let last = ci.history.last().unwrap();
    assert_eq!(last.action, AuditAction::TokenExpired);
    assert_eq!(
        last.note.as_deref(),
        Some("reported leaked, found at https://github.com/acme/app/blob/main/.env")
    );
    assert_eq!(last.from.as_deref(), Some("198.51.100.20 · HTTP Library"));
    let kept_view = tokens.iter().find(|t| t.id == kept.id).unwrap();
    assert_eq!(kept_view.status.words(), "Expired manually");
    let reader = app.token_with(alice, "tokens:read").await;
    let listed: Vec<Value> = app.bearer("/api/v1/tokens", &reader).await.json();
    let ci = listed.iter().find(|t| t["id"] == live.id).unwrap();
    assert_eq!(ci["status"], "reported_leaked");
    app.add_user("ada", Role::Admin).await;
    let ada = app.sign_in("ada").await;
    let view: ReportView = app
        .call(
            "report/users",
            &[("query", "status=reported-leaked")],
            Some(&ada),
        )
        .await
        .json();
    let mut shown: Vec<i64> = view
        .users
        .iter()
        .flat_map(|user| user.tokens.iter().map(|token| token.id))
        .collect();
    shown.sort();
    assert_eq!(shown, vec![live.id, other.id]);
    assert!(old.id != live.id);

    // Each owner is mailed once, with the place.
    let received = mails(&messages, 2).await;
    assert_eq!(received.len(), 2, "{received:?}");
    let to_alice = received
        .iter()
        .find(|m| m.contains("To: \"Alice Example\""))
        .unwrap();
    assert!(to_alice.contains("Your Tessera token \"ci\""), "{to_alice}");
    assert!(
        to_alice.contains("https://github.com/acme/app/blob/main/.env"),
        "{to_alice}"
    );
    assert!(
        !to_alice.contains(&live_secret),
        "the secret is never mailed"
    );
}

#[tokio::test]
async fn bad_reports_are_refused_and_each_address_is_limited() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    let (_, secret) = token(&app, alice, "ci", app.now(), None).await;
    let many: Vec<String> = (0..101).map(|_| unknown_secret()).collect();
    for (body, status, field) in [
        (
            json!({"tokens": []}).to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "tokens",
        ),
        (
            json!({"tokens": many}).to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "tokens",
        ),
        (
            json!({"tokens": [secret], "url": "javascript:alert(1)"}).to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "url",
        ),
        (
            "{\"tokens\": \"tsr1\"}".to_owned(),
            StatusCode::BAD_REQUEST,
            "",
        ),
        ("not json".to_owned(), StatusCode::BAD_REQUEST, ""),
    ] {
        let answer = report(&app, &body, "198.51.100.30").await;
        assert_eq!(answer.status, status, "{body}: {}", answer.body);
        if !field.is_empty() {
            assert_eq!(answer.json::<Value>()["field"], field);
        }
    }
    let me = app.bearer("/api/v1/me", &secret).await;
    assert_eq!(
        me.status,
        StatusCode::OK,
        "a refused report expires nothing"
    );

    // Ten reports a minute per address; the eleventh waits, others are not affected.
    let harmless = json!({"tokens": [unknown_secret()]}).to_string();
    for _ in 0..10 {
        let answer = report(&app, &harmless, "198.51.100.40").await;
        assert_eq!(answer.status, StatusCode::ACCEPTED);
    }
    let refused = report(&app, &harmless, "198.51.100.40").await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.header("retry-after").is_some());
    let elsewhere = report(&app, &harmless, "198.51.100.41").await;
    assert_eq!(elsewhere.status, StatusCode::ACCEPTED);
}

/// GitHub's key pair, as a test makes it: the private half, and the list of public keys as
/// GitHub publishes it.
fn github_key_pair(id: &str) -> (SigningKey, GithubKeys) {
    let key = SigningKey::generate();
    let pem = key
        .verifying_key()
        .to_public_key_pem(LineEnding::LF)
        .unwrap();
    let list = json!({"public_keys": [{"key_identifier": id, "key": pem, "is_current": true}]});
    (key, GithubKeys::from_json(&list.to_string()).unwrap())
}

async fn alert(app: &TestApp, body: &str, headers: &[(&str, String)]) -> Answer {
    let mut request = Request::post("/api/v1/secret-scanning/github")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::USER_AGENT, "GitHub-Hookshot/secret-scanning");
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let request = request.body(Body::from(body.to_owned())).unwrap();
    app.send_from("140.82.115.1", request).await
}

fn signed(key: &SigningKey, id: &str, body: &str) -> Vec<(&'static str, String)> {
    let signature: Signature = key.sign(body.as_bytes());
    let encoded = base64::engine::general_purpose::STANDARD.encode(signature.to_der().as_bytes());
    vec![
        ("Github-Public-Key-Identifier", id.to_owned()),
        ("Github-Public-Key-Signature", encoded),
    ]
}

#[tokio::test]
async fn github_alerts_are_verified_acted_on_and_answered() {
    let (key, keys) =
        github_key_pair("90a421169f0a406205f1563a953312f0be898d3c7b6c06b681aa86a874555f4a");
    let id = "90a421169f0a406205f1563a953312f0be898d3c7b6c06b681aa86a874555f4a";
    let app = TestApp::with_github_keys(keys, None).await;
    let alice = app.add_user("alice", Role::User).await;
    let now = app.now();
    let (live, live_secret) = token(&app, alice, "ci", now, None).await;
    let (_, ended_secret) = token(&app, alice, "old", now, Some(now + Duration::hours(1))).await;
    app.clock.advance(Duration::hours(2));
    let unknown = unknown_secret();
    let body = json!([
        {"token": live_secret, "type": "tessera_token", "url": "https://github.com/acme/app/commit/1a2b", "source": "commit"},
        {"token": unknown, "type": "tessera_token", "url": "", "source": "content"},
        {"token": ended_secret, "type": "tessera_token", "url": "https://gist.github.com/x/y", "source": "gist_content"},
    ])
    .to_string();

    // Unsigned, signed by a key Tessera does not know, or over other bytes: refused.
    let (stranger, _) = github_key_pair("other");
    for (headers, why) in [
        (vec![], "unsigned"),
        (signed(&stranger, "other", &body), "unknown key"),
        (signed(&stranger, id, &body), "wrong key under a known id"),
        (
            signed(&key, id, &body.replace("commit", "comment")),
            "another body",
        ),
        (
            vec![
                ("Github-Public-Key-Identifier", id.to_owned()),
                (
                    "Github-Public-Key-Signature",
                    "bm90IGEgc2lnbmF0dXJl".to_owned(),
                ),
            ],
            "not a signature",
        ),
    ] {
        let answer = alert(&app, &body, &headers).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{why}");
        assert_eq!(
            answer.json::<Value>()["error"],
            "invalid_signature",
            "{why}"
        );
        assert!(answer.header("www-authenticate").is_none(), "{why}");
    }
    assert_eq!(
        app.bearer("/api/v1/me", &live_secret).await.status,
        StatusCode::OK
    );

    let answer = alert(&app, &body, &signed(&key, id, &body)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let feedback: Value = answer.json();
    assert_eq!(
        feedback,
        json!([
            {"token_raw": live_secret, "token_type": "tessera_token", "label": "true_positive"},
            {"token_raw": unknown, "token_type": "tessera_token", "label": "false_positive"},
            {"token_raw": ended_secret, "token_type": "tessera_token", "label": "true_positive"},
        ])
    );
    assert_eq!(
        app.bearer("/api/v1/me", &live_secret).await.status,
        StatusCode::UNAUTHORIZED
    );
    let events = events_expired(&app).await;
    assert_eq!(events.len(), 1, "the ended token gets no second expiry");
    let (subject, detail, _) = &events[0];
    assert_eq!(*subject, live.id);
    assert_eq!(detail["reporter"], "GitHub secret scanning");
    assert_eq!(detail["source"], "commit");

    // A signed body that is not GitHub's array is a bad request, not a bad signature.
    let odd = "{\"hello\": 1}";
    let answer = alert(&app, odd, &signed(&key, id, odd)).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn without_keys_github_alerts_are_refused() {
    let app = TestApp::new().await;
    let (key, _) = github_key_pair("k");
    let body = "[]";
    let answer = alert(&app, body, &signed(&key, "k", body)).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert!(GithubKeys::from_json("{\"public_keys\": []}").is_err());
    assert!(GithubKeys::from_json(
        "{\"public_keys\": [{\"key_identifier\": \"k\", \"key\": \"nope\"}]}"
    )
    .is_err());
}

/// Behind a load balancer: the report reaches one instance, and the others refuse the
/// token as soon as it has answered.
#[tokio::test]
async fn a_reported_token_is_refused_on_every_instance_at_once() {
    let Some(instances) = TestApp::instances(2).await else {
        return;
    };
    let [one, two]: [TestApp; 2] = instances.try_into().ok().unwrap();
    let alice = one.add_user("alice", Role::User).await;
    let (_, secret) = token(&one, alice, "ci", one.now(), None).await;
    assert_eq!(
        two.bearer("/api/v1/me", &secret).await.status,
        StatusCode::OK,
        "cached on two"
    );
    let answer = report(
        &one,
        &json!({"tokens": [secret]}).to_string(),
        REPORTER_ADDRESS,
    )
    .await;
    assert_eq!(answer.status, StatusCode::ACCEPTED);
    assert_eq!(
        two.bearer("/api/v1/me", &secret).await.status,
        StatusCode::UNAUTHORIZED
    );
}
