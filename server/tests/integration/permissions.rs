//! The permission catalogue admins manage, and what the profile page lets people grant.

use crate::common;

use app::users::Role;
use common::TestApp;
use http::StatusCode;
use serde_json::{json, Value};

async fn create(app: &TestApp, cookie: &str, permissions: &str) -> common::Answer {
    app.create_via_form(cookie, &[("permissions", permissions)])
        .await
}

fn names(options: &Value) -> Vec<String> {
    options["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_catalogue_starts_with_tesseras_own_and_users_see_what_they_may_grant() {
    let app = TestApp::new().await;
    app.add_user("ada", Role::Admin).await;
    app.add_user("alice", Role::User).await;
    let admin = app.sign_in("ada").await;
    let alice = app.sign_in("alice").await;
    let catalogue: Vec<Value> = app.call("permissions/list", &[], Some(&admin)).await.json();
    let listed: Vec<&str> = catalogue
        .iter()
        .map(|v| v["permission"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        listed,
        [
            "audit:read",
            "profile:read",
            "reports:read",
            "tokens:introspect",
            "tokens:read",
            "tokens:write"
        ]
    );
    assert!(catalogue.iter().all(|v| v["permission"]["builtin"] == true));

    let for_alice: Value = app.call("tokens/options", &[], Some(&alice)).await.json();
    assert_eq!(
        names(&for_alice),
        ["profile:read", "tokens:read", "tokens:write"]
    );
    let for_admin: Value = app.call("tokens/options", &[], Some(&admin)).await.json();
    assert!(names(&for_admin).contains(&"reports:read".to_owned()));
}

#[tokio::test]
async fn at_least_one_known_permission_the_role_allows_is_required() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    let alice = app.sign_in("alice").await;
    for (permissions, words) in [
        ("", "Choose at least one permission."),
        ("nope:x", "“nope:x” is not a permission"),
        (
            "profile:read reports:read",
            "Only admins may grant “reports:read”",
        ),
    ] {
        let answer = create(&app, &alice, permissions).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{permissions}"
        );
        assert!(
            answer.body.contains("Permissions") && answer.body.contains(words),
            "{}",
            answer.body
        );
    }
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM access_tokens")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(count, 0);

    let made = create(&app, &alice, "tokens:write profile:read tokens:write").await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let body: Value = made.json();
    assert_eq!(
        body["token"]["permissions"],
        json!(["profile:read", "tokens:write"])
    );
    let listed: Vec<Value> = app.call("tokens/list", &[], Some(&alice)).await.json();
    assert_eq!(
        listed[0]["permissions"],
        json!(["profile:read", "tokens:write"])
    );
}

#[tokio::test]
async fn admins_add_permissions_for_their_services_and_remove_them_from_tokens() {
    let app = TestApp::new().await;
    app.add_user("ada", Role::Admin).await;
    app.add_user("alice", Role::User).await;
    let admin = app.sign_in("ada").await;
    let alice = app.sign_in("alice").await;

    for (name, description, field) in [
        ("Bad Name", "d", "PermissionName"),
        ("billing:read", " ", "PermissionDescription"),
    ] {
        let answer = app
            .call(
                "permissions/add",
                &[
                    ("name", name),
                    ("description", description),
                    ("admin_only", "false"),
                ],
                Some(&admin),
            )
            .await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(answer.body.contains(field), "{}", answer.body);
    }
    let added = app
        .call(
            "permissions/add",
            &[
                ("name", "billing_x:read"),
                ("description", "Read invoices"),
                ("admin_only", "false"),
            ],
            Some(&admin),
        )
        .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    let duplicate = app
        .call(
            "permissions/add",
            &[
                ("name", "billing_x:read"),
                ("description", "Again"),
                ("admin_only", "false"),
            ],
            Some(&admin),
        )
        .await;
    assert_eq!(duplicate.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        duplicate.body.contains("already a permission"),
        "{}",
        duplicate.body
    );
    let secret_only = app
        .call(
            "permissions/add",
            &[
                ("name", "vault:admin"),
                ("description", "Vault"),
                ("admin_only", "true"),
            ],
            Some(&admin),
        )
        .await;
    assert_eq!(secret_only.status, StatusCode::OK);

    let options: Value = app.call("tokens/options", &[], Some(&alice)).await.json();
    assert!(names(&options).contains(&"billing_x:read".to_owned()));
    assert!(!names(&options).contains(&"vault:admin".to_owned()));
    assert_eq!(
        create(&app, &alice, "billing_x:read profile:read")
            .await
            .status,
        StatusCode::OK
    );
    // A look-alike name (`_` is a wildcard in SQL's LIKE) is another permission.
    app.add_permission("billingzx:read").await;
    let alice_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'alice'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    app.token_with(alice_id, "billingzx:read profile:read")
        .await;

    let catalogue: Vec<Value> = app.call("permissions/list", &[], Some(&admin)).await.json();
    let billing = catalogue
        .iter()
        .find(|v| v["permission"]["name"] == "billing_x:read")
        .unwrap();
    assert_eq!(billing["active_tokens"], 1);
    assert_eq!(billing["permission"]["builtin"], false);

    let builtin = app
        .call(
            "permissions/remove",
            &[("name", "tokens:read")],
            Some(&admin),
        )
        .await;
    assert_eq!(builtin.status, StatusCode::CONFLICT);
    let removed = app
        .call(
            "permissions/remove",
            &[("name", "billing_x:read")],
            Some(&admin),
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.body);
    let tokens: Vec<Value> = app.call("tokens/list", &[], Some(&alice)).await.json();
    let held: Vec<&Value> = tokens.iter().map(|t| &t["permissions"]).collect();
    assert_eq!(
        held,
        [
            &json!(["billingzx:read", "profile:read"]),
            &json!(["profile:read"])
        ],
        "the removed name is gone from every token, the look-alike stays"
    );
    let gone = app
        .call(
            "permissions/remove",
            &[("name", "billing_x:read")],
            Some(&admin),
        )
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    // Not offered any more, and refused if asked for.
    assert_eq!(
        create(&app, &alice, "billing_x:read").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn only_admins_manage_the_catalogue() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    let alice = app.sign_in("alice").await;
    assert_eq!(
        app.call("permissions/list", &[], Some(&alice)).await.status,
        StatusCode::FORBIDDEN
    );
    let add = app
        .call(
            "permissions/add",
            &[
                ("name", "x:y"),
                ("description", "d"),
                ("admin_only", "false"),
            ],
            Some(&alice),
        )
        .await;
    assert_eq!(add.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/admin/permissions", Some(&alice)).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_report_and_its_csv_show_each_tokens_permissions() {
    let app = TestApp::new().await;
    app.add_user("ada", Role::Admin).await;
    let alice = app.add_user("alice", Role::User).await;
    app.token_with(alice, "profile:read tokens:read").await;
    let admin = app.sign_in("ada").await;
    let report: Value = app
        .call("report/users", &[("query", "q=alice")], Some(&admin))
        .await
        .json();
    assert_eq!(
        report["users"][0]["tokens"][0]["permissions"],
        json!(["profile:read", "tokens:read"])
    );
    let csv = app.get("/admin/users.csv?q=alice", Some(&admin)).await;
    let mut lines = csv.body.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = header.iter().position(|h| *h == "Permissions").unwrap();
    assert_eq!(row[column], "profile:read tokens:read");
}
