//! Two-factor sign-in through the real router: set-up, the code step, recovery codes,
//! throttling, turning it off, and the company's requirement.

use crate::common;

use app::error::{AppError, Field};
use app::rules::two_factor::SecondFactor;
use app::sessions::SessionView;
use app::users::two_factor::authenticator::code_at;
use app::users::two_factor::{RecoveryCodes, TwoFactorSetUp, TwoFactorStatus};
use app::users::Role;
use chrono::Duration;
use common::{Answer, TestApp, PASSWORD};
use http::{header, StatusCode};

/// The `name=value` of the cookie named `name` among an answer's Set-Cookie headers.
fn cookie_named(answer: &Answer, name: &str) -> Option<String> {
    answer
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .map(|value| value.split(';').next().unwrap().to_owned())
        .find(|pair| pair.starts_with(&format!("{name}=")) && pair.len() > name.len() + 1)
}

/// Turns two-factor on for the signed-in `cookie`; the secret and the recovery codes.
async fn turn_on(app: &TestApp, cookie: &str) -> (String, Vec<String>) {
    let begun = app.call("two-factor/begin", &[], Some(cookie)).await;
    assert_eq!(begun.status, StatusCode::OK, "{}", begun.body);
    let set_up: TwoFactorSetUp = begun.json();
    assert!(set_up.qr_code.starts_with("data:image/svg+xml;base64,"));
    let secret = set_up.secret.replace(' ', "");
    let wrong = app
        .call("two-factor/confirm", &[("code", "000000")], Some(cookie))
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let code = code_at(&secret, app.now());
    let confirmed = app
        .call("two-factor/confirm", &[("code", &code)], Some(cookie))
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
    let RecoveryCodes(codes) = confirmed.json();
    (secret, codes)
}

/// Signs in with the password: the challenge cookie the code step needs.
async fn password_step(app: &TestApp, username: &str) -> String {
    let answer = app.sign_in_answer(username, PASSWORD).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.header(header::LOCATION), Some("/login/code"));
    assert_eq!(
        cookie_named(&answer, "tessera_session"),
        None,
        "no session before the code"
    );
    cookie_named(&answer, "tessera_sign_in").expect("a challenge cookie")
}

async fn code_step(app: &TestApp, challenge: &str, code: &str) -> Answer {
    app.call("login/code", &[("code", code)], Some(challenge))
        .await
}

async fn status(app: &TestApp, cookie: &str) -> TwoFactorStatus {
    app.call("two-factor/status", &[], Some(cookie))
        .await
        .json()
}

#[tokio::test]
async fn sign_in_asks_for_the_code_after_the_password() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    let cookie = app.sign_in("alice").await;
    let (secret, codes) = turn_on(&app, &cookie).await;
    assert_eq!(codes.len(), 10);
    let on = status(&app, &cookie).await;
    assert_eq!(on.on_since, Some(app.now()));
    assert_eq!(on.recovery_codes_left, 10);

    // A code already used to turn it on does not sign in again.
    let challenge = password_step(&app, "alice").await;
    let replayed = code_step(&app, &challenge, &code_at(&secret, app.now())).await;
    assert_eq!(replayed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(replayed
        .json::<AppError>()
        .message_for(Field::Code)
        .is_some());

    app.clock.advance(Duration::seconds(30));
    let code = code_at(&secret, app.now());
    let signed_in = code_step(&app, &challenge, &code).await;
    assert_eq!(signed_in.header(header::LOCATION), Some("/profile"));
    let session = cookie_named(&signed_in, "tessera_session").expect("a session cookie");
    assert_eq!(
        app.get("/profile", Some(&session)).await.status,
        StatusCode::OK
    );
    // The challenge is spent: its cookie is taken back and cannot be used again.
    let again = code_step(&app, &challenge, &code).await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
    assert_eq!(again.json::<AppError>(), AppError::SignInExpired);

    // Recent Authentications says how the sign-in was confirmed.
    let sessions: Vec<SessionView> = app
        .call("sessions/recent", &[], Some(&session))
        .await
        .json();
    let current = sessions.iter().find(|s| s.current).unwrap();
    assert_eq!(current.second_factor, Some(SecondFactor::Authenticator));
    let first = sessions.iter().find(|s| !s.current).unwrap();
    assert_eq!(first.second_factor, None);
}

#[tokio::test]
async fn a_recovery_code_works_once_however_it_is_typed() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    let cookie = app.sign_in("alice").await;
    let (_, codes) = turn_on(&app, &cookie).await;

    let challenge = password_step(&app, "alice").await;
    let shouted = codes[3].to_uppercase().replace('-', " ");
    let signed_in = code_step(&app, &challenge, &shouted).await;
    let session = cookie_named(&signed_in, "tessera_session").expect("a session cookie");
    let sessions: Vec<SessionView> = app
        .call("sessions/recent", &[], Some(&session))
        .await
        .json();
    let current = sessions.iter().find(|s| s.current).unwrap();
    assert_eq!(current.second_factor, Some(SecondFactor::RecoveryCode));
    assert_eq!(status(&app, &session).await.recovery_codes_left, 9);

    let challenge = password_step(&app, "alice").await;
    let reused = code_step(&app, &challenge, &codes[3]).await;
    assert_eq!(reused.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn wrong_codes_are_throttled_like_passwords() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    let cookie = app.sign_in("alice").await;
    let (secret, _) = turn_on(&app, &cookie).await;
    // A step whose code is still unused.
    app.clock.advance(Duration::seconds(30));
    let challenge = password_step(&app, "alice").await;
    for attempt in 1..=5 {
        let wrong = code_step(&app, &challenge, "123456").await;
        assert_eq!(
            wrong.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "attempt {attempt}"
        );
    }
    let right = code_at(&secret, app.now());
    let throttled = code_step(&app, &challenge, &right).await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(throttled.header(header::RETRY_AFTER), Some("30"));
}

#[tokio::test]
async fn a_challenge_lasts_five_minutes() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    let cookie = app.sign_in("alice").await;
    let (secret, _) = turn_on(&app, &cookie).await;
    let challenge = password_step(&app, "alice").await;
    app.clock.advance(Duration::minutes(5));
    let late = code_step(&app, &challenge, &code_at(&secret, app.now())).await;
    assert_eq!(late.status, StatusCode::UNAUTHORIZED);
    // Without a challenge cookie there is nothing to answer.
    let none = app.call("login/code", &[("code", "123456")], None).await;
    assert_eq!(none.json::<AppError>(), AppError::SignInExpired);
}

#[tokio::test]
async fn turning_it_off_and_new_codes_need_the_password() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    let cookie = app.sign_in("alice").await;
    let (_, old_codes) = turn_on(&app, &cookie).await;

    let wrong = app
        .call(
            "two-factor/disable",
            &[("password", "not it")],
            Some(&cookie),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let renewed = app
        .call(
            "two-factor/recovery-codes",
            &[("password", PASSWORD)],
            Some(&cookie),
        )
        .await;
    let RecoveryCodes(new_codes) = renewed.json();
    assert_eq!(new_codes.len(), 10);
    assert!(new_codes.iter().all(|code| !old_codes.contains(code)));
    let challenge = password_step(&app, "alice").await;
    let old = code_step(&app, &challenge, &old_codes[0]).await;
    assert_eq!(old.status, StatusCode::UNPROCESSABLE_ENTITY);

    let off = app
        .call(
            "two-factor/disable",
            &[("password", PASSWORD)],
            Some(&cookie),
        )
        .await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.body);
    assert_eq!(status(&app, &cookie).await.on_since, None);
    // Signing in takes the password alone again.
    let answer = app.sign_in_answer("alice", PASSWORD).await;
    assert_eq!(answer.header(header::LOCATION), Some("/profile"));
}

#[tokio::test]
async fn a_required_second_factor_is_set_up_before_anything_else() {
    let app = TestApp::new().await;
    app.add_user("admin", Role::Admin).await;
    app.add_user("alice", Role::User).await;
    let admin = app.sign_in("admin").await;
    let saved = app
        .call("security/two-factor", &[("rule", "admins")], Some(&admin))
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);

    // The admin's pages lead to the set-up, and their calls are refused but for it.
    assert_eq!(
        app.get("/admin/users", Some(&admin))
            .await
            .header(header::LOCATION),
        Some("/two-factor")
    );
    assert_eq!(
        app.get("/two-factor", Some(&admin)).await.status,
        StatusCode::OK
    );
    let refused = app.call("report/users", &[], Some(&admin)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.json::<AppError>(), AppError::TwoFactorSetupRequired);
    // A new sign-in goes straight to the set-up.
    let answer = app.sign_in_answer("admin", PASSWORD).await;
    assert_eq!(answer.header(header::LOCATION), Some("/two-factor"));
    // Users are not affected.
    let alice = app.sign_in("alice").await;
    assert_eq!(
        app.get("/profile", Some(&alice)).await.status,
        StatusCode::OK
    );

    turn_on(&app, &admin).await;
    assert_eq!(
        app.get("/admin/users", Some(&admin)).await.status,
        StatusCode::OK
    );
    let required = status(&app, &admin).await;
    assert!(required.required);
    let off = app
        .call(
            "two-factor/disable",
            &[("password", PASSWORD)],
            Some(&admin),
        )
        .await;
    assert_eq!(off.status, StatusCode::CONFLICT);

    // Only admins set the rule, and only to one of its values.
    let by_user = app
        .call("security/two-factor", &[("rule", "nobody")], Some(&alice))
        .await;
    assert_eq!(by_user.status, StatusCode::FORBIDDEN);
    let bad = app
        .call(
            "security/two-factor",
            &[("rule", "sometimes")],
            Some(&admin),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_requirement_holds_on_every_instance() {
    let Some(instances) = TestApp::instances(2).await else {
        return;
    };
    let (first, second) = (&instances[0], &instances[1]);
    first.add_user("admin", Role::Admin).await;
    let on_first = first.sign_in("admin").await;
    let on_second = second.sign_in("admin").await;
    assert_eq!(
        second.get("/admin/users", Some(&on_second)).await.status,
        StatusCode::OK
    );
    let saved = first
        .call(
            "security/two-factor",
            &[("rule", "everyone")],
            Some(&on_first),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(
        second
            .get("/admin/users", Some(&on_second))
            .await
            .header(header::LOCATION),
        Some("/two-factor")
    );
}

#[tokio::test]
async fn a_reset_link_does_not_skip_the_second_factor() {
    let app = TestApp::new().await;
    app.add_user("admin", Role::Admin).await;
    let alice = app.add_user("alice", Role::User).await;
    let alice_cookie = app.sign_in("alice").await;
    let (secret, _) = turn_on(&app, &alice_cookie).await;
    let admin = app.sign_in("admin").await;
    let issued: app::users::passwords::IssuedReset = app
        .call(
            "password/reset-link",
            &[("user_id", &alice.to_string())],
            Some(&admin),
        )
        .await
        .json();
    let link_secret = issued.link.rsplit('/').next().unwrap();
    let new_password = "gravel orchid tundra";
    let reset = app
        .call(
            "password/reset",
            &[
                ("secret", link_secret),
                ("password", new_password),
                ("password_confirmation", new_password),
            ],
            None,
        )
        .await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.body);
    assert_eq!(reset.json::<String>(), "/login/code");
    assert_eq!(cookie_named(&reset, "tessera_session"), None);
    let challenge = cookie_named(&reset, "tessera_sign_in").expect("a challenge cookie");

    app.clock.advance(Duration::seconds(30));
    let signed_in = code_step(&app, &challenge, &code_at(&secret, app.now())).await;
    assert!(
        cookie_named(&signed_in, "tessera_session").is_some(),
        "{}",
        signed_in.body
    );
}
