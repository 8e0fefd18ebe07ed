//! The `tessera` binary as an operator uses it.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn tessera(database_url: &str, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn migrate_creates_the_database_and_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/tessera.db");
    let output = tessera(&format!("sqlite://{}", path.display()), &["migrate"], "");
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(path.exists());
}

#[test]
fn user_add_reads_the_password_from_stdin_and_refuses_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());

    let added = tessera(
        &url,
        &[
            "user",
            "add",
            "Dana",
            "--admin",
            "--display-name",
            "Dana Ops",
        ],
        "long enough pw\n",
    );
    assert!(added.status.success(), "{}", text(&added.stderr));
    assert!(text(&added.stdout).contains("Created admin 'dana'"));

    let again = tessera(&url, &["user", "add", "dana"], "another password\n");
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("a user named 'dana' already exists"),
        "{}",
        text(&again.stderr)
    );
}

#[test]
fn user_add_refuses_an_email_another_user_has() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let first = tessera(
        &url,
        &["user", "add", "erin", "--email", "erin@example.com"],
        "long enough pw\n",
    );
    assert!(first.status.success(), "{}", text(&first.stderr));
    let second = tessera(
        &url,
        &["user", "add", "erin2", "--email", "ERIN@example.com"],
        "long enough pw\n",
    );
    assert!(!second.status.success());
    assert!(
        text(&second.stderr).contains("a user with the e-mail 'ERIN@example.com' already exists"),
        "{}",
        text(&second.stderr)
    );
}

#[test]
fn user_add_refuses_a_short_password_and_a_bad_name() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());

    let short = tessera(&url, &["user", "add", "erin"], "short\n");
    assert!(!short.status.success());
    assert!(text(&short.stderr).contains("at least 8 characters"));

    let bad = tessera(&url, &["user", "add", "has space"], "long enough pw\n");
    assert!(!bad.status.success());
    assert!(
        text(&bad.stderr).contains("username"),
        "{}",
        text(&bad.stderr)
    );
}

#[test]
fn only_sqlite_and_postgres_urls_are_accepted() {
    let output = tessera("mysql://localhost/tessera", &["migrate"], "");
    assert!(!output.status.success());
    assert!(text(&output.stderr).contains("unsupported DATABASE_URL"));
}

/// Runs when `with-postgres.sh` provides a server (as `make test` does).
#[test]
fn migrate_and_user_add_work_on_postgres() {
    let Ok(url) = std::env::var("TESSERA_TEST_POSTGRES_URL") else {
        eprintln!(
            "TESSERA_TEST_POSTGRES_URL is not set: PostgreSQL part runs under with-postgres.sh"
        );
        return;
    };
    let migrated = tessera(&url, &["migrate"], "");
    assert!(migrated.status.success(), "{}", text(&migrated.stderr));
    let added = tessera(&url, &["user", "add", "pg-user"], "long enough pw\n");
    assert!(added.status.success(), "{}", text(&added.stderr));
    let again = tessera(&url, &["user", "add", "pg-user"], "long enough pw\n");
    assert!(
        text(&again.stderr).contains("already exists"),
        "{}",
        text(&again.stderr)
    );
}
