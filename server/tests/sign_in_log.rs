//! The log lines of sign-ins. A test binary of its own: tracing decides once per call site
//! whether anyone listens, so a subscriber set by one test among others may miss events.

// This binary uses a small part of the shared harness.
#[allow(dead_code)]
#[path = "integration/common/mod.rs"]
mod common;

use app::users::Role;
use common::{TestApp, PASSWORD};
use std::sync::Arc;

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
