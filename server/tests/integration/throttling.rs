//! Sign-in throttling: failures counted by name and by address, growing waits, a 429 that
//! says when to try again, and the same count on every instance.

use crate::common;

use app::error::AppError;
use app::users::Role;
use chrono::Duration;
use common::{TestApp, PASSWORD};
use http::{header, StatusCode};

fn wait_of(answer: &common::Answer) -> (StatusCode, Option<&str>) {
    (answer.status, answer.header(header::RETRY_AFTER))
}

#[tokio::test]
async fn failures_against_a_name_make_it_wait_longer_each_time() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    for attempt in 1..=5 {
        let wrong = app.sign_in_answer("alice", "not the password").await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    // Even the right password now waits, and the answer says for how long.
    let throttled = app.sign_in_answer("alice", PASSWORD).await;
    assert_eq!(
        wait_of(&throttled),
        (StatusCode::TOO_MANY_REQUESTS, Some("30"))
    );
    let error = throttled.json::<AppError>();
    assert_eq!(
        error.to_string(),
        "Too many failed attempts. Please try again in 30 seconds."
    );
    // The name waits from any address.
    let elsewhere = app.sign_in_from("198.51.100.9", &[], "alice").await;
    assert_eq!(elsewhere.status, StatusCode::TOO_MANY_REQUESTS);

    // One more failure after the wait doubles it.
    app.clock.advance(Duration::seconds(31));
    let wrong = app.sign_in_answer("alice", "not the password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let longer = app.sign_in_answer("alice", PASSWORD).await;
    assert_eq!(
        wait_of(&longer),
        (StatusCode::TOO_MANY_REQUESTS, Some("60"))
    );

    // Once it has passed, the right password works, and the name's count starts again.
    app.clock.advance(Duration::seconds(61));
    let signed_in = app.sign_in_from("198.51.100.9", &[], "alice").await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.body);
    let other_address = "198.51.100.10";
    let fresh = app.sign_in_from(other_address, &[], "alice").await;
    assert_eq!(fresh.status, StatusCode::OK, "{}", fresh.body);
}

#[tokio::test]
async fn one_address_guessing_many_names_waits_too() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    let guesser = "198.51.100.7";
    for name in ["bob", "carol", "dave", "erin", "frank"] {
        let guess = app.sign_in_from(guesser, &[], name).await;
        assert_eq!(guess.status, StatusCode::UNAUTHORIZED, "{name}");
    }
    let throttled = app.sign_in_from(guesser, &[], "alice").await;
    assert_eq!(
        wait_of(&throttled),
        (StatusCode::TOO_MANY_REQUESTS, Some("30"))
    );
    // Nobody else is held up.
    let alice = app.sign_in_from("198.51.100.8", &[], "alice").await;
    assert_eq!(alice.status, StatusCode::OK, "{}", alice.body);
}

/// Runs when `with-postgres.sh` provides a server: the count lives in the database.
#[tokio::test]
async fn every_instance_counts_the_same_failures() {
    let Some(instances) = TestApp::instances(2).await else {
        return;
    };
    let (first, second) = (&instances[0], &instances[1]);
    first.add_user("alice", Role::User).await;
    for _ in 0..5 {
        let wrong = first.sign_in_answer("alice", "not the password").await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    }
    let throttled = second.sign_in_answer("alice", PASSWORD).await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
}

/// Guessing invitation links is throttled like guessing passwords: by address.
#[tokio::test]
async fn guessing_invitation_links_waits_too() {
    let app = TestApp::new().await;
    for _ in 0..5 {
        assert_eq!(
            accept(&app, "guessed-link").await.status,
            StatusCode::NOT_FOUND
        );
    }
    let throttled = accept(&app, "one-more-guess").await;
    assert_eq!(
        wait_of(&throttled),
        (StatusCode::TOO_MANY_REQUESTS, Some("30"))
    );
    // Signing in from the same address waits as well: it is the same count.
    app.add_user("alice", Role::User).await;
    let alice = app.sign_in_answer("alice", PASSWORD).await;
    assert_eq!(alice.status, StatusCode::TOO_MANY_REQUESTS);
}

async fn accept(app: &TestApp, secret: &str) -> common::Answer {
    let password = "a long enough password";
    let form = [
        ("secret", secret),
        ("username", "newcomer"),
        ("password", password),
        ("password_confirmation", password),
    ];
    app.call("invitations/accept", &form, None).await
}
