//! The `tessera` binary as an operator uses it.

use crate::common::cli::tessera;
use std::io::Write;
use std::process::{Command, Stdio};

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

    let common = tessera(&url, &["user", "add", "erin"], "password123\n");
    assert!(!common.status.success());
    assert!(
        text(&common.stderr).contains("too easy to guess"),
        "{}",
        text(&common.stderr)
    );

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
    let output = tessera("mysql://tessera:s3cret@localhost/tessera", &["migrate"], "");
    assert!(!output.status.success());
    let said = text(&output.stderr);
    assert!(said.contains("unsupported DATABASE_URL"), "{said}");
    assert!(!said.contains("s3cret"), "{said}");
}

#[test]
fn the_database_password_is_never_printed() {
    let url = "postgres://tessera:s3cret@127.0.0.1:1/tessera";
    let help = tessera(url, &["--help"], "");
    assert!(help.status.success());
    assert!(text(&help.stdout).contains("DATABASE_URL"));
    assert!(
        !text(&help.stdout).contains("s3cret"),
        "{}",
        text(&help.stdout)
    );
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

/// One HTTP/1.1 request over a plain socket; the status line and the rest.
fn http_get(addr: &str, path: &str, token: Option<&str>) -> std::io::Result<String> {
    use std::io::Read;
    let mut stream = std::net::TcpStream::connect(addr)?;
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n"
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    Ok(answer)
}

#[test]
fn token_add_prints_a_working_token_and_explains_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    assert!(tessera(&url, &["user", "add", "alice"], "long enough pw\n")
        .status
        .success());

    let token_add = |args: &[&str]| {
        let mut all = vec!["token", "add"];
        all.extend_from_slice(args);
        tessera(&url, &all, "")
    };
    for (args, refusal) in [
        (
            &["bob", "--label", "x", "--permission", "profile:read"][..],
            "there is no user named 'bob'",
        ),
        (
            &["alice", "--label", "x", "--permission", "reports:read"],
            "Only admins may grant “reports:read”",
        ),
        (
            &[
                "alice",
                "--label",
                "x",
                "--expires",
                "12",
                "--permission",
                "profile:read",
            ],
            "--expires takes 7, 30, 60, 90, 365 or never",
        ),
    ] {
        let refused = token_add(args);
        assert!(!refused.status.success(), "{args:?}");
        assert!(
            text(&refused.stderr).contains(refusal),
            "{}",
            text(&refused.stderr)
        );
    }

    let added = token_add(&[
        "alice",
        "--label",
        "gateway",
        "--permission",
        "profile:read",
    ]);
    assert!(added.status.success(), "{}", text(&added.stderr));
    let secret = text(&added.stdout).trim().to_owned();
    assert_eq!(secret.len(), 48, "{secret}");
    assert!(app::rules::token::PlainToken::parse(&secret).is_ok());
}

/// A clean stop (SIGTERM) writes the last-use times still held in memory.
#[tokio::test]
async fn serve_records_last_use_when_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    assert!(tessera(&url, &["user", "add", "alice"], "long enough pw\n")
        .status
        .success());
    let added = tessera(
        &url,
        &[
            "token",
            "add",
            "alice",
            "--label",
            "cli",
            "--permission",
            "profile:read",
        ],
        "",
    );
    let secret = text(&added.stdout).trim().to_owned();

    let addr = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().to_string()
    };
    let server = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .arg("serve")
        .env("DATABASE_URL", &url)
        .env("TESSERA_ADDR", &addr)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let ready = (0..100).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(50));
        http_get(&addr, "/healthz", None).is_ok_and(|a| a.starts_with("HTTP/1.1 200"))
    });
    assert!(ready, "the server did not start");
    let answer = http_get(&addr, "/api/v1/me", Some(&secret)).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    let last_use = || async {
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        let row: (Option<i64>, Option<String>) =
            sqlx::query_as("SELECT last_used_at, last_used_ip FROM access_tokens")
                .fetch_one(&pool)
                .await
                .unwrap();
        pool.close().await;
        row
    };
    assert_eq!(
        last_use().await,
        (None, None),
        "held in memory until the flush"
    );

    let stopped = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    let output = server.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("recorded last token use"));
    let (at, ip) = last_use().await;
    let at = at.expect("written on shutdown");
    assert!((chrono::Utc::now().timestamp() - at).abs() < 60);
    assert_eq!(ip.as_deref(), Some("127.0.0.1"));
}
