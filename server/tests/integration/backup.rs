//! `tessera backup` and `tessera restore`, run as an operator runs them. They are for SQLite
//! (PostgreSQL has pg_dump and pg_restore), so every test makes its own SQLite files and runs
//! the same under `with-postgres.sh`.

use app::rules::token::PlainToken;
use app::store::{Audit, NewToken, NewUser, TokenId, TokenRestrictions, UserId};
use app::users::Role;
use chrono::{Duration as Days, Utc};
use sqlx::{Connection, SqliteConnection};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tessera::db::Database;

fn url(database: &Path) -> String {
    format!("sqlite://{}", database.display())
}

fn tessera(database_url: &str, args: &[&str]) -> Output {
    crate::common::cli::tessera(database_url, args, "")
}

fn backup(database: &Path, file: &Path) -> Output {
    tessera(&url(database), &["backup", file.to_str().unwrap()])
}

fn restore(database: &Path, file: &Path) -> Output {
    tessera(&url(database), &["restore", file.to_str().unwrap()])
}

/// What a command that worked printed.
fn printed(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The one-line error of a command that refused.
fn refusal(output: &Output) -> String {
    assert!(!output.status.success(), "it did not refuse");
    let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    stderr
}

/// The files in `folder`, by name.
fn files_in(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A migrated database at `path` with the users `names` (created through the CLI).
fn database_with_users(path: &Path, names: &[&str]) {
    for name in names {
        let output =
            crate::common::cli::tessera(&url(path), &["user", "add", name], "long enough pw\n");
        assert!(output.status.success(), "{output:?}");
    }
}

async fn open(path: &Path) -> SqliteConnection {
    SqliteConnection::connect(&url(path)).await.unwrap()
}

async fn usernames(path: &Path) -> Vec<String> {
    let mut db = open(path).await;
    let names = sqlx::query_scalar("SELECT username FROM users ORDER BY username")
        .fetch_all(&mut db)
        .await
        .unwrap();
    db.close().await.unwrap();
    names
}

/// Tokens created and expired without pause, as a busy server writes them.
struct Load {
    stop: Arc<AtomicBool>,
    created: Arc<AtomicUsize>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Load {
    fn start(store: Arc<dyn Database>, users: Vec<UserId>) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let created = Arc::new(AtomicUsize::new(0));
        let live: Arc<Mutex<Vec<TokenId>>> = Arc::default();
        let mut tasks = Vec::new();
        for creator in 0..2 {
            let (store, users, stop, created, live) = (
                store.clone(),
                users.clone(),
                stop.clone(),
                created.clone(),
                live.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let mut n = creator;
                while !stop.load(Ordering::Relaxed) {
                    let now = Utc::now();
                    let user = users[n % users.len()];
                    // Every third token ran out yesterday: the time-expiry job's to record.
                    let (created_at, expires_at) = match n % 3 {
                        0 => (now - Days::days(2), Some(now - Days::days(1))),
                        1 => (now, Some(now + Days::days(30))),
                        _ => (now, None),
                    };
                    let plain = PlainToken::generate(&mut rand::rng());
                    let token = NewToken {
                        user_id: user,
                        label: format!("load {n}"),
                        description: String::new(),
                        secret_hash: plain.hash(),
                        hint: plain.hint(),
                        created_at,
                        expires_at,
                        restrictions: TokenRestrictions {
                            permissions: vec!["profile:read".into(), "tokens:read".into()],
                            ..Default::default()
                        },
                    };
                    let record = store
                        .insert_token(token, &Audit::by_user(user, now))
                        .await
                        .unwrap();
                    if n % 3 != 0 {
                        live.lock().unwrap().push(record.id);
                    }
                    created.fetch_add(1, Ordering::SeqCst);
                    n += 2;
                }
            }));
        }
        // One by one as owners do, in fives as an admin's bulk expiry does.
        let (expirer_store, expirer_stop) = (store.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut in_bulk = false;
            while !expirer_stop.load(Ordering::Relaxed) {
                in_bulk = !in_bulk;
                let chosen: Vec<TokenId> = {
                    let mut live = live.lock().unwrap();
                    let take = if in_bulk { 5 } else { 1 };
                    let from = live.len().saturating_sub(take);
                    live.drain(from..).collect()
                };
                let audit = Audit::by_system(Utc::now());
                match chosen.as_slice() {
                    [] => tokio::time::sleep(Duration::from_millis(2)).await,
                    [one] => {
                        expirer_store.expire_token(*one, &audit).await.unwrap();
                    }
                    many => {
                        expirer_store.expire_tokens(many, &audit).await.unwrap();
                    }
                }
            }
        }));
        let (recorder_store, recorder_stop) = (store, stop.clone());
        tasks.push(tokio::spawn(async move {
            while !recorder_stop.load(Ordering::Relaxed) {
                recorder_store
                    .record_time_expiries(Utc::now())
                    .await
                    .unwrap();
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }));
        Self {
            stop,
            created,
            tasks,
        }
    }

    fn created(&self) -> usize {
        self.created.load(Ordering::SeqCst)
    }

    async fn wait_for(&self, tokens: usize) {
        for _ in 0..6000 {
            if self.created() >= tokens {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the load made {} tokens, not {tokens}", self.created());
    }

    async fn stop(self) {
        self.stop.store(true, Ordering::SeqCst);
        for task in self.tasks {
            task.await.unwrap();
        }
    }
}

/// Checks that the database at `path` holds no half-made write: SQLite's own checks, and
/// every token change with the audit event its transaction wrote. Returns its token count.
async fn assert_consistent(path: &Path) -> i64 {
    let mut db = open(path).await;
    let integrity: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(&mut db)
        .await
        .unwrap();
    assert_eq!(integrity, ["ok"]);
    let orphans = sqlx::query("PRAGMA foreign_key_check")
        .fetch_all(&mut db)
        .await
        .unwrap();
    assert!(
        orphans.is_empty(),
        "{} rows fail foreign keys",
        orphans.len()
    );

    let count = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql);
    let tokens = count("SELECT COUNT(*) FROM access_tokens")
        .fetch_one(&mut db)
        .await
        .unwrap();
    for (broken, sql) in [
        (
            "tokens without exactly one creation event",
            "SELECT COUNT(*) FROM access_tokens t WHERE (SELECT COUNT(*) FROM audit_events e
              WHERE e.action = 'token.created' AND e.subject_kind = 'token'
                AND e.subject_id = t.id AND e.subject_owner_id = t.user_id) != 1",
        ),
        (
            "tokens whose expiry events do not match their state",
            "SELECT COUNT(*) FROM access_tokens t WHERE (SELECT COUNT(*) FROM audit_events e
              WHERE e.action = 'token.expired' AND e.subject_kind = 'token'
                AND e.subject_id = t.id AND e.subject_owner_id = t.user_id)
              != (CASE WHEN t.expired_at IS NOT NULL OR t.expiry_recorded THEN 1 ELSE 0 END)",
        ),
        (
            "token events about tokens not there",
            "SELECT COUNT(*) FROM audit_events e WHERE e.subject_kind = 'token'
              AND NOT EXISTS (SELECT 1 FROM access_tokens t WHERE t.id = e.subject_id)",
        ),
        (
            "tokens without both their permissions",
            "SELECT COUNT(*) FROM access_tokens t
              WHERE (SELECT COUNT(*) FROM token_permissions p WHERE p.token_id = t.id) != 2",
        ),
        (
            "tokens of users not there",
            "SELECT COUNT(*) FROM access_tokens t
              WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = t.user_id)",
        ),
    ] {
        let found = count(sql).fetch_one(&mut db).await.unwrap();
        assert_eq!(found, 0, "{found} {broken}");
    }
    db.close().await.unwrap();
    tokens
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_load_restores_to_a_consistent_copy() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("live/tessera.db");
    let store = tessera::db::open_listening(&url(&live))
        .await
        .unwrap()
        .database;
    let mut users = Vec::new();
    for name in ["ana", "ben", "cleo"] {
        let user = store
            .insert_user(NewUser {
                username: name.into(),
                display_name: name.into(),
                email: format!("{name}@example.com"),
                role: Role::User,
                password_hash: "not used".into(),
            })
            .await
            .unwrap();
        users.push(user);
    }
    let load = Load::start(store.clone(), users);
    load.wait_for(150).await;

    let file = dir.path().join("tessera-backup.db");
    let before = load.created();
    let backed_up = {
        let (live, file) = (live.clone(), file.clone());
        tokio::task::spawn_blocking(move || backup(&live, &file))
            .await
            .unwrap()
    };
    let during = load.created() - before;
    let said = printed(&backed_up);
    // Tokens went on being made after the backup: it was taken from a database in use.
    load.wait_for(load.created() + 50).await;
    load.stop().await;
    assert!(during > 0, "no token was made while the backup ran");
    assert!(
        said.starts_with(&format!(
            "Backed up {} to {}: ",
            live.display(),
            file.display()
        )),
        "{said}"
    );
    assert!(said.contains(" 3 users, "), "{said}");
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(!files_in(dir.path()).iter().any(|f| f.contains("partial")));

    let all_tokens = assert_consistent(&live).await;
    let backed_up_tokens = assert_consistent(&file).await;
    assert!(
        said.contains(&format!(" {backed_up_tokens} tokens ")),
        "{said}"
    );
    // The state at one moment while the backup ran.
    let range = before as i64..=(before + during) as i64;
    assert!(range.contains(&backed_up_tokens), "{backed_up_tokens}");
    assert!(backed_up_tokens < all_tokens);

    // Restored where there is no database yet, as on a new machine.
    let fresh = dir.path().join("new-machine/data/tessera.db");
    let restored = restore(&fresh, &file);
    let said = printed(&restored);
    assert!(
        said.starts_with(&format!(
            "Restored {} from {}: 3 users, {backed_up_tokens} tokens",
            fresh.display(),
            file.display()
        )),
        "{said}"
    );
    assert!(!said.contains("kept as"), "{said}");
    assert_eq!(assert_consistent(&fresh).await, backed_up_tokens);
    assert_eq!(
        usernames(&fresh).await,
        ["ana", "ben", "cleo"],
        "the users came back"
    );
    printed(&tessera(&url(&fresh), &["migrate"]));
}

/// A `tessera serve` on `database`, stopped (SIGTERM) when dropped.
struct Server(Child);

impl Server {
    fn start(database: &Path) -> Self {
        let addr = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            probe.local_addr().unwrap().to_string()
        };
        let child = Command::new(env!("CARGO_BIN_EXE_tessera"))
            .arg("serve")
            .env("DATABASE_URL", url(database))
            .env("TESSERA_ADDR", &addr)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = Self(child);
        let ready = (0..200).any(|_| {
            std::thread::sleep(Duration::from_millis(50));
            std::net::TcpStream::connect(&addr).is_ok()
        });
        assert!(ready, "the server did not start");
        server
    }

    fn stop(mut self) {
        self.terminate();
    }

    fn terminate(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.0.try_wait().ok().flatten().is_none() {
            self.terminate();
        }
    }
}

#[tokio::test]
async fn restore_waits_until_nothing_uses_the_database_and_keeps_the_one_it_replaces() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("tessera.db");
    database_with_users(&database, &["alice"]);
    let file = dir.path().join("monday.db");
    printed(&backup(&database, &file));
    database_with_users(&database, &["bob"]);

    let server = Server::start(&database);
    // A backup needs no pause.
    printed(&backup(&database, &dir.path().join("tuesday.db")));
    let busy = refusal(&restore(&database, &file));
    assert!(busy.contains("is in use"), "{busy}");
    assert!(busy.contains("tessera.db.lock"), "{busy}");
    let second = refusal(&tessera(
        &url(&database),
        &["serve", "--addr", "127.0.0.1:0"],
    ));
    assert!(second.contains("is in use"), "{second}");
    server.stop();

    // Any other process with the file open, which takes no lock file.
    let mut other = open(&database).await;
    sqlx::query("SELECT COUNT(*) FROM users")
        .execute(&mut other)
        .await
        .unwrap();
    let open_elsewhere = refusal(&restore(&database, &file));
    assert!(
        open_elsewhere.contains("open in another process"),
        "{open_elsewhere}"
    );
    other.close().await.unwrap();
    assert_eq!(usernames(&database).await, ["alice", "bob"]);

    let said = printed(&restore(&database, &file));
    assert_eq!(usernames(&database).await, ["alice"]);
    let kept = files_in(dir.path())
        .into_iter()
        .find(|name| name.starts_with("tessera.db.before-restore-"))
        .expect("the replaced database is kept");
    assert!(said.contains(&format!("kept as {}", dir.path().join(&kept).display())));
    assert_eq!(usernames(&dir.path().join(&kept)).await, ["alice", "bob"]);
    let left = files_in(dir.path());
    assert!(
        !left
            .iter()
            .any(|name| name.ends_with("-wal") || name.contains("restoring")),
        "{left:?}"
    );

    // And Tessera serves it again.
    let server = Server::start(&database);
    server.stop();
    assert_eq!(usernames(&database).await, ["alice"]);
}

#[tokio::test]
async fn restore_refuses_what_is_no_tessera_backup_and_leaves_the_database_alone() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("tessera.db");
    database_with_users(&database, &["alice"]);
    let good = dir.path().join("good.db");
    printed(&backup(&database, &good));
    let bytes = std::fs::read(&good).unwrap();

    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not a database\n".repeat(10)).unwrap();
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, "").unwrap();
    let damaged = dir.path().join("damaged.db");
    let mut scrambled = bytes.clone();
    for byte in &mut scrambled[100..] {
        *byte = byte.wrapping_mul(31).wrapping_add(7);
    }
    std::fs::write(&damaged, scrambled).unwrap();
    let truncated = dir.path().join("truncated.db");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let other_app = dir.path().join("other-app.db");
    {
        let mut db = SqliteConnection::connect(&format!("{}?mode=rwc", url(&other_app)))
            .await
            .unwrap();
        sqlx::query("CREATE TABLE notes (body TEXT)")
            .execute(&mut db)
            .await
            .unwrap();
        db.close().await.unwrap();
    }
    let from_the_future = dir.path().join("from-a-newer-tessera.db");
    std::fs::write(&from_the_future, &bytes).unwrap();
    {
        let mut db = open(&from_the_future).await;
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
             VALUES (29991231000099, 'from the future', TRUE, X'00', 0)",
        )
        .execute(&mut db)
        .await
        .unwrap();
        db.close().await.unwrap();
    }
    let folder = dir.path().join("a-folder");
    std::fs::create_dir(&folder).unwrap();
    let live_copy = dir.path().join("live-copy.db");
    std::fs::write(&live_copy, &bytes).unwrap();
    std::fs::write(dir.path().join("live-copy.db-wal"), b"frames").unwrap();

    let cases: [(&Path, &str); 10] = [
        (&dir.path().join("missing.db"), "there is no backup at"),
        (&folder, "is a folder, not a backup file"),
        (&text, "is not a SQLite database"),
        (&empty, "is not a SQLite database"),
        (&damaged, "is damaged"),
        (&truncated, "is damaged"),
        (&other_app, "is a SQLite database, but not a Tessera one"),
        (&live_copy, "it is a live database, not a backup"),
        (
            &from_the_future,
            "comes from a newer Tessera (migration 29991231000099",
        ),
        (&database, "is the database itself"),
    ];
    let before = files_in(dir.path());
    for (file, reason) in cases {
        let said = refusal(&restore(&database, file));
        assert!(said.contains(reason), "{}: {said}", file.display());
    }
    assert_eq!(files_in(dir.path()), before, "nothing left behind");
    assert_eq!(usernames(&database).await, ["alice"]);
}

#[test]
fn backup_never_overwrites_a_file_nor_invents_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("tessera.db");
    database_with_users(&database, &["alice"]);

    let existing = dir.path().join("existing.db");
    std::fs::write(&existing, "keep me").unwrap();
    let said = refusal(&backup(&database, &existing));
    assert!(said.contains("already exists"), "{said}");
    assert_eq!(std::fs::read_to_string(&existing).unwrap(), "keep me");

    let missing = dir.path().join("typo.db");
    let said = refusal(&backup(&missing, &dir.path().join("b.db")));
    assert!(said.contains("there is no database at"), "{said}");
    assert!(!missing.exists(), "no empty database was made");

    let said = refusal(&backup(&database, &dir.path().join("no/such/folder/b.db")));
    assert!(said.contains("does not exist"), "{said}");

    for command in ["backup", "restore"] {
        let said = refusal(&tessera(
            "postgres://tessera:s3cret@127.0.0.1:1/tessera",
            &[command, "b.dump"],
        ));
        assert!(said.contains("pg_dump"), "{said}");
        assert!(!said.contains("s3cret"), "{said}");
    }
    let left = files_in(dir.path());
    assert!(!left.iter().any(|name| name.starts_with("b.")), "{left:?}");
}
