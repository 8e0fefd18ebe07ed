//! Pages stream to the end even while other routers are being built in the same process.

use crate::common;

use app::users::Role;
use common::TestApp;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Building a router lists the app's pages by rendering it, and leptos suspends resources
/// polled anywhere in the process meanwhile (leptos-rs/leptos issue 4773). Before Tessera
/// listed its pages once per process, about one profile page in twenty stalled here.
#[tokio::test]
async fn pages_finish_streaming_while_other_routers_are_built() {
    let app = TestApp::new().await;
    app.add_user("alice", Role::User).await;
    let cookie = app.sign_in("alice").await;

    let building = Arc::new(AtomicBool::new(true));
    let builder = std::thread::spawn({
        let building = building.clone();
        move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                while building.load(Ordering::Relaxed) {
                    TestApp::new().await;
                }
            })
        }
    });

    for _ in 0..60 {
        let page =
            tokio::time::timeout(Duration::from_secs(10), app.get("/profile", Some(&cookie)))
                .await
                .expect("the profile page stopped streaming");
        assert!(page.body.contains("You have no personal access tokens yet"));
        assert!(page.body.contains("This session"));
    }
    building.store(false, Ordering::Relaxed);
    builder.join().unwrap();
}
