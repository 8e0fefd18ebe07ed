//! Forms the browser posts itself, before the page hydrates or without JavaScript: the
//! answer is a redirect, to the next page or back to the form with its error in the address.

use crate::common;

use app::users::Role;
use axum::body::Body;
use common::{TestApp, PASSWORD};
use http::header::{ACCEPT, CONTENT_TYPE, COOKIE, LOCATION, ORIGIN, REFERER, SET_COOKIE};
use http::{Request, StatusCode};

/// leptos's encoding of the error in the address: base64url of its JSON.
const INVALID_CREDENTIALS: &str = "IkludmFsaWRDcmVkZW50aWFscyI";

async fn post_sign_in_form(app: &TestApp, password: &str, from_page: &str) -> common::Answer {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("username", "alice"), ("password", password)])
        .finish();
    let request = Request::post("/rpc/login")
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8")
        .header(REFERER, from_page)
        .body(Body::from(body))
        .unwrap();
    app.send(request).await
}

#[tokio::test]
async fn a_refused_sign_in_comes_back_to_the_form_with_only_its_own_error() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    // The page still shows an earlier failure's error in its address.
    let earlier = "http://localhost/login?next=%2Fadmin&__path=%2Frpc%2Flogin&__err=IkFjY291bnREaXNhYmxlZCI%3D";

    let answer = post_sign_in_form(&app, "not her password", earlier).await;
    assert!(answer.status.is_redirection(), "{}", answer.status);
    let location = answer.header(LOCATION).unwrap();
    assert!(
        location.starts_with("http://localhost/login?next=%2Fadmin&"),
        "{location}"
    );
    assert_eq!(location.matches("__err=").count(), 1, "{location}");
    assert!(location.contains(INVALID_CREDENTIALS), "{location}");
    assert!(answer.header(SET_COOKIE).is_none());
}

#[tokio::test]
async fn the_form_page_shows_the_error_from_its_address() {
    let app = TestApp::new().await;
    let page = app
        .get(
            &format!("/login?__path=%2Frpc%2Flogin&__err={INVALID_CREDENTIALS}%3D"),
            None,
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Invalid username or password."),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn an_accepted_sign_in_goes_on_to_the_profile_signed_in() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    let answer = post_sign_in_form(&app, PASSWORD, "http://localhost/login").await;
    assert!(answer.status.is_redirection(), "{}", answer.status);
    assert_eq!(answer.header(LOCATION), Some("/profile"));
    let cookie = answer
        .header(SET_COOKIE)
        .unwrap()
        .split(';')
        .next()
        .unwrap();
    let profile = app.get("/profile", Some(cookie)).await;
    assert_eq!(profile.status, StatusCode::OK);
}

async fn post_create_token_page(
    app: &TestApp,
    cookie: Option<&str>,
    fields: &[(&str, &str)],
    origin: Option<&str>,
) -> common::Answer {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let mut request = Request::post("/profile/tokens/new")
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8");
    if let Some(origin) = origin {
        request = request.header(ORIGIN, origin);
    }
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    app.send(request.body(Body::from(body)).unwrap()).await
}

/// The text of the element whose attributes include `attribute`.
fn text_of<'a>(page: &'a str, attribute: &str) -> &'a str {
    let tag = page
        .find(attribute)
        .unwrap_or_else(|| panic!("no {attribute} in {page}"));
    let from = tag + page[tag..].find('>').unwrap() + 1;
    &page[from..from + page[from..].find('<').unwrap()]
}

#[tokio::test]
async fn the_create_token_page_answers_its_post_with_the_new_secret() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    let cookie = app.sign_in("alice").await;

    let fields = [
        ("label", "deploy"),
        ("permissions", "profile:read"),
        ("length", "30"),
        ("custom_expiry", ""),
        ("ip_whitelist", ""),
        ("domain_whitelist", ""),
    ];
    let page = post_create_token_page(&app, Some(&cookie), &fields, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Your new personal access token"),
        "{}",
        page.body
    );
    let secret = text_of(&page.body, r#"data-testid="new-token-secret""#);
    assert_eq!(secret.len(), 48, "{secret}");

    assert_eq!(
        app.bearer("/api/v1/me", secret).await.status,
        StatusCode::OK
    );
    let tokens: Vec<serde_json::Value> = app.call("tokens/list", &[], Some(&cookie)).await.json();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0]["label"], "deploy");
}

#[tokio::test]
async fn a_refused_create_token_post_shows_the_form_again_with_what_was_typed() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    let cookie = app.sign_in("alice").await;

    let fields = [
        ("label", "keep this label"),
        ("permissions", "profile:read"),
        ("length", "90"),
        ("ip_whitelist", "10.0.0.0/8, not-an-address"),
        ("domain_whitelist", "ci.example.com"),
    ];
    let page = post_create_token_page(&app, Some(&cookie), &fields, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("“not-an-address” is not an IP address"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(r#"value="keep this label""#),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("10.0.0.0/8, not-an-address</textarea>"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("ci.example.com</textarea>"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(r#"value="profile:read" checked"#),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(r#"value="90" selected"#),
        "{}",
        page.body
    );
    assert!(!page.body.contains("new-token-secret"), "{}", page.body);
    let tokens: Vec<serde_json::Value> = app.call("tokens/list", &[], Some(&cookie)).await.json();
    assert!(tokens.is_empty());
}

#[tokio::test]
async fn the_create_token_page_takes_posts_from_its_own_site_and_signed_in_people_only() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    let cookie = app.sign_in("alice").await;
    let fields = [
        ("label", "x"),
        ("permissions", "profile:read"),
        ("length", "30"),
    ];

    let foreign =
        post_create_token_page(&app, Some(&cookie), &fields, Some("https://evil.example")).await;
    assert_eq!(foreign.status, StatusCode::FORBIDDEN);
    let signed_out = post_create_token_page(&app, None, &fields, None).await;
    assert!(signed_out.status.is_redirection(), "{}", signed_out.status);
    assert_eq!(signed_out.header(LOCATION), Some("/login"));

    let tokens: Vec<serde_json::Value> = app.call("tokens/list", &[], Some(&cookie)).await.json();
    assert!(tokens.is_empty());
}

async fn post_expire_form(app: &TestApp, cookie: &str, id: i64, from_page: &str) -> common::Answer {
    let request = Request::post("/rpc/tokens/expire")
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8")
        .header(REFERER, from_page)
        .header(COOKIE, cookie)
        .body(Body::from(format!("id={id}")))
        .unwrap();
    app.send(request).await
}

#[tokio::test]
async fn the_expire_token_page_confirms_expires_and_then_says_so() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    let token = app.insert_token(alice, "deploy", app.now(), None).await;
    let cookie = app.sign_in("alice").await;
    let page_path = format!("/tokens/{}/expire", token.id);

    let page = app.get(&page_path, Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("stops working at once"), "{}", page.body);
    assert!(
        page.body.contains(r#"action="/rpc/tokens/expire""#),
        "{}",
        page.body
    );
    assert!(!page.body.contains("another user"), "{}", page.body);

    let page_url = format!("http://localhost{page_path}");
    let answer = post_expire_form(&app, &cookie, token.id, &page_url).await;
    assert!(answer.status.is_redirection(), "{}", answer.status);
    // Leptos leaves an empty query on the address it sends the browser back to.
    let location = answer.header(LOCATION).unwrap();
    assert_eq!(location.trim_end_matches('?'), page_url);

    let page = app.get(&page_path, Some(&cookie)).await;
    assert!(page.body.contains("expired manually"), "{}", page.body);
    assert!(page.body.contains("by Alice Example"), "{}", page.body);
    assert!(
        !page.body.contains("stops working at once"),
        "{}",
        page.body
    );

    // A second post, from a page opened before the first: the error comes back to it.
    let answer = post_expire_form(&app, &cookie, token.id, &page_url).await;
    let location = answer.header(LOCATION).unwrap();
    assert!(location.contains("__err="), "{location}");
}

#[tokio::test]
async fn only_its_owner_and_admins_reach_a_tokens_expire_page() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    app.add_user("bruno", Role::User).await;
    app.add_user("root", Role::Admin).await;
    let token = app.insert_token(alice, "deploy", app.now(), None).await;
    let page_path = format!("/tokens/{}/expire", token.id);

    let bruno = app.sign_in("bruno").await;
    let page = app.get(&page_path, Some(&bruno)).await;
    assert!(page.body.contains("That was not found."), "{}", page.body);
    assert!(!page.body.contains("deploy"), "{}", page.body);

    let admin = app.sign_in("root").await;
    let page = app.get(&page_path, Some(&admin)).await;
    assert!(
        page.body.contains("It belongs to another user."),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(r#"href="/admin/users""#),
        "{}",
        page.body
    );

    let missing = app.get("/tokens/999999/expire", Some(&admin)).await;
    assert!(
        missing.body.contains("That was not found."),
        "{}",
        missing.body
    );
}

async fn post_security_form(
    app: &TestApp,
    cookie: &str,
    endpoint: &str,
    field: (&str, &str),
) -> common::Answer {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([field])
        .finish();
    let request = Request::post(format!("/rpc/security/{endpoint}"))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(ACCEPT, "text/html,*/*;q=0.8")
        .header(REFERER, "http://localhost/admin/security")
        .header(COOKIE, cookie)
        .body(Body::from(body))
        .unwrap();
    app.send(request).await
}

#[tokio::test]
async fn the_security_forms_save_when_the_browser_posts_them_and_the_page_shows_what_is_saved() {
    let app = TestApp::new().await;
    app.add_user("root", Role::Admin).await;
    let cookie = app.sign_in("root").await;

    let saved = post_security_form(&app, &cookie, "lifetime", ("max_token_days", "45")).await;
    assert!(saved.status.is_redirection(), "{}", saved.status);
    let page = app.get("/admin/security", Some(&cookie)).await;
    assert!(
        page.body.contains("Tokens may live at most 45 days."),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"value="45""#), "{}", page.body);
    assert!(
        page.body.contains(r#"value="nobody" selected"#),
        "{}",
        page.body
    );

    let refused = post_security_form(&app, &cookie, "lifetime", ("max_token_days", "soon")).await;
    let back = refused.header(LOCATION).unwrap();
    assert!(
        back.starts_with("http://localhost/admin/security?") && back.contains("__err="),
        "{back}"
    );
    let page = app
        .get(back.trim_start_matches("http://localhost"), Some(&cookie))
        .await;
    assert!(page.body.contains(r#"role="alert""#), "{}", page.body);
    assert!(
        page.body.contains("Tokens may live at most 45 days."),
        "{}",
        page.body
    );

    // Requiring two-factor of admins holds at once: this one is sent to set it up.
    let saved = post_security_form(&app, &cookie, "two-factor", ("rule", "admins")).await;
    assert!(saved.status.is_redirection(), "{}", saved.status);
    let page = app.get("/admin/security", Some(&cookie)).await;
    assert_eq!(page.header(LOCATION), Some("/two-factor"));
}

async fn post_allowlist_form(
    app: &TestApp,
    cookie: &str,
    fields: &[(&str, &str)],
) -> common::Answer {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let request = Request::post("/rpc/security/allowlist-form")
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(ACCEPT, "text/html,*/*;q=0.8")
        .header(REFERER, "http://localhost/admin/security")
        .header(COOKIE, cookie)
        .body(Body::from(body))
        .unwrap();
    app.send_from("10.1.2.3", request).await
}

#[tokio::test]
async fn the_allowlist_form_saves_what_a_browser_posts_and_skips_blank_rows() {
    let app = TestApp::new().await;
    app.add_user("root", Role::Admin).await;
    let cookie = app.sign_in("root").await;

    // A list that leaves out the admin's own address comes back with the question.
    let refused = post_allowlist_form(
        &app,
        &cookie,
        &[
            ("entries[0][address]", "192.0.2.0"),
            ("entries[0][bits]", "24"),
        ],
    )
    .await;
    let back = refused.header(LOCATION).unwrap();
    assert!(back.contains("__err="), "{back}");
    let page = app
        .get(back.trim_start_matches("http://localhost"), Some(&cookie))
        .await;
    assert!(
        page.body.contains("does not include your current address"),
        "{}",
        page.body
    );

    let saved = post_allowlist_form(
        &app,
        &cookie,
        &[
            ("entries[0][address]", "192.0.2.0"),
            ("entries[0][bits]", "24"),
            ("entries[1][address]", "  "),
            ("entries[1][bits]", "32"),
            ("entries[2][address]", "10.0.0.0"),
            ("entries[2][bits]", "8"),
        ],
    )
    .await;
    assert!(saved.status.is_redirection(), "{}", saved.status);
    assert!(!saved.header(LOCATION).unwrap().contains("__err="));
    let page = app.get("/admin/security", Some(&cookie)).await;
    assert!(page.body.contains(r#"value="192.0.2.0""#), "{}", page.body);
    assert!(page.body.contains(r#"value="10.0.0.0""#), "{}", page.body);
    assert!(
        page.body.contains(r#"name="entries[2][address]""#),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains(r#"name="entries[3][address]" value"#),
        "{}",
        page.body
    );

    // Leaving the admin's address out is saved when they said so.
    let confirmed = post_allowlist_form(
        &app,
        &cookie,
        &[
            ("entries[0][address]", "192.0.2.0"),
            ("entries[0][bits]", "24"),
            ("confirm_lockout", "true"),
        ],
    )
    .await;
    assert!(!confirmed.header(LOCATION).unwrap().contains("__err="));
}
