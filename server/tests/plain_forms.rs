//! Forms the browser posts itself, before the page hydrates or without JavaScript: the
//! answer is a redirect, to the next page or back to the form with its error in the address.

mod common;

use app::users::Role;
use axum::body::Body;
use common::{TestApp, PASSWORD};
use http::header::{ACCEPT, CONTENT_TYPE, LOCATION, REFERER, SET_COOKIE};
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
