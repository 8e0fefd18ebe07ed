//! `/readyz` tells a load balancer whether to send this instance traffic: its database
//! answers and, on PostgreSQL, it hears the other instances' changes. `/healthz` only says
//! the process is alive.

use crate::common;

use common::TestApp;
use http::StatusCode;
use std::time::Duration;

#[tokio::test]
async fn an_instance_whose_database_answers_is_ready_without_a_session() {
    let app = TestApp::new().await;
    let ready = app.get("/readyz", None).await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.body, "ready\n");
    assert_eq!(app.get("/healthz", None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn an_instance_that_lost_its_change_listener_is_not_ready_until_it_is_back() {
    let Some(instances) = TestApp::instances(1).await else {
        return;
    };
    let app = &instances[0];
    assert!(app.changes.wait_for_proof(Duration::from_secs(10)).await);
    assert_eq!(app.get("/readyz", None).await.status, StatusCode::OK);

    app.changes.lost();
    let refused = app.get("/readyz", None).await;
    assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        refused.body,
        "not ready: not hearing the other instances' changes\n"
    );
    assert_eq!(
        app.get("/healthz", None).await.status,
        StatusCode::OK,
        "still alive"
    );

    // The next heartbeat proves the listener again.
    assert!(app.changes.wait_for_proof(Duration::from_secs(10)).await);
    assert_eq!(app.get("/readyz", None).await.status, StatusCode::OK);
}
