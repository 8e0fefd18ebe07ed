//! A token's optional description: given on the profile form and through the API, shown
//! with the token, found by the report's search.

use crate::common;

use app::error::{AppError, Field};
use app::report::ReportView;
use app::tokens::{CreatedToken, TokenView};
use app::users::Role;
use common::TestApp;
use http::StatusCode;
use serde_json::{json, Value};

#[tokio::test]
async fn a_description_is_kept_shown_and_limited_to_500_characters() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    let cookie = app.sign_in("alice").await;

    let answer = app
        .create_via_form(
            &cookie,
            &[("description", "  Deploys the docs site.\nAsk ops.  ")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let created: CreatedToken = answer.json();
    assert_eq!(
        created.token.description,
        "Deploys the docs site.\nAsk ops."
    );

    let too_long = "d".repeat(501);
    let refused = app
        .create_via_form(&cookie, &[("description", &too_long)])
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(matches!(
        refused.json::<AppError>(),
        AppError::Invalid {
            field: Field::Description,
            ..
        }
    ));

    let listed: Vec<TokenView> = app.call("tokens/list", &[], Some(&cookie)).await.json();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].description, "Deploys the docs site.\nAsk ops.");
    // Without one, a token's description is empty.
    let plain: CreatedToken = app.create_via_form(&cookie, &[]).await.json();
    assert_eq!(plain.token.description, "");
}

#[tokio::test]
async fn the_report_search_finds_tokens_by_description() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    app.add_user("bruno", Role::User).await;
    app.add_user("root", Role::Admin).await;
    let cookie = app.sign_in("bruno").await;
    app.create_via_form(
        &cookie,
        &[
            ("label", "nightly"),
            ("description", "Backs up the Billing database"),
        ],
    )
    .await;
    app.insert_token(alice, "other", app.now(), None).await;
    let root = app.sign_in("root").await;

    let answer = app
        .call("report/users", &[("query", "q=billing")], Some(&root))
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let report: ReportView = answer.json();
    let found: Vec<(&str, Vec<&str>)> = report
        .users
        .iter()
        .map(|user| {
            let labels = user.tokens.iter().map(|t| t.label.as_str()).collect();
            (user.username.as_str(), labels)
        })
        .collect();
    assert_eq!(found, [("bruno", vec!["nightly"])]);
}

#[tokio::test]
async fn the_api_takes_and_shows_a_description() {
    let app = TestApp::new().await;
    let alice = app.add_user("alice", Role::User).await;
    let token = app
        .token_with(alice, "profile:read tokens:read tokens:write")
        .await;
    let body = json!({ "label": "scripted", "permissions": ["profile:read"], "description": "Made by CI." });
    let answer = app
        .api("POST", "/api/v1/tokens", &token, Some(body), &[], None)
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    assert_eq!(
        answer.json::<Value>()["token"]["description"],
        "Made by CI."
    );

    let listed = app
        .api("GET", "/api/v1/tokens", &token, None, &[], None)
        .await;
    let tokens: Vec<Value> = listed.json();
    assert!(tokens.iter().any(|t| t["description"] == "Made by CI."));
}
