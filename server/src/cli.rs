//! The `tessera` command line: `serve` (the default), `migrate`, `user add`.

use crate::bootstrap::ensure_admin;
use crate::client_ip::ClientIpHeader;
use crate::db::{self, Database};
use crate::leaks::github::GithubKeys;
use crate::mail::SmtpMailer;
use crate::{build_router, AppState};
use app::clock::SystemClock;
use app::rules::password::validate_password;
use app::rules::username::normalize_username;
use app::store::{NewUser, Store, StoreError, Unique};
use app::users::password::hash_password;
use app::users::strength::too_easy_to_guess;
use app::users::Role;
use clap::{Args, Parser, Subcommand};
use leptos::config::{Env, LeptosOptions};
use std::error::Error;
use std::io::{BufRead, IsTerminal};
use std::net::SocketAddr;
use std::sync::Arc;

type CliResult = Result<(), Box<dyn Error>>;

#[derive(Parser)]
#[command(
    name = "tessera",
    version,
    about = "Personal access tokens: create, expire, validate."
)]
pub struct Cli {
    /// Where the data lives. SQLite files are created when absent.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "sqlite://data/tessera.db",
        global = true,
        hide_env_values = true
    )]
    pub database_url: String,

    /// How log lines are written to standard error: text, or one JSON object per line.
    #[arg(
        long,
        env = "TESSERA_LOG_FORMAT",
        value_enum,
        ignore_case = true,
        default_value_t = LogFormat::Text,
        global = true
    )]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the web app and the API (what `tessera` does with no command).
    Serve,
    /// Apply the database migrations and exit.
    Migrate,
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage personal access tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Demo data.
    #[command(subcommand)]
    Demo(DemoCommand),
    /// Copy the SQLite database to a new FILE while Tessera runs (PostgreSQL: pg_dump).
    Backup {
        /// The copy to write; it must not exist yet.
        file: std::path::PathBuf,
    },
    /// Replace the SQLite database with the backup FILE; Tessera must be stopped.
    Restore {
        /// A file `tessera backup` wrote.
        file: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create a token for a user and print it; it is shown only this once.
    Add(crate::token_cli::TokenOrder),
}

#[derive(Subcommand)]
pub enum DemoCommand {
    /// Add realistic users and tokens (mixed statuses, expiries, last uses).
    Seed {
        #[arg(long, default_value_t = 100)]
        users: usize,
        #[arg(long, default_value_t = 1000)]
        tokens: usize,
        /// Past sign-ins per user for the audit trail, over the last 30 days.
        #[arg(long, default_value_t = 3)]
        sign_ins: usize,
        /// The same seed gives the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Also write the secrets of the seeded tokens that /api/v1/me accepts (active,
        /// holding profile:read) to this file, one per line, for load tests.
        #[arg(long, value_name = "FILE")]
        write_tokens: Option<std::path::PathBuf>,
    },
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add a user; the password is read from standard input.
    Add {
        username: String,
        /// Make the user an admin.
        #[arg(long)]
        admin: bool,
        #[arg(long)]
        display_name: Option<String>,
        #[arg(long)]
        email: Option<String>,
    },
}

#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(
        long,
        env = "TESSERA_ADDR",
        default_value = "127.0.0.1:3000",
        global = true
    )]
    pub addr: SocketAddr,
    /// The folder cargo-leptos built the site into (holds pkg/).
    #[arg(
        long,
        env = "TESSERA_SITE_ROOT",
        default_value = "target/site",
        global = true
    )]
    pub site_root: String,
    /// The address people use to reach Tessera; https makes cookies Secure.
    #[arg(long, env = "TESSERA_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// Reverse proxies in front of Tessera whose X-Forwarded-For is believed: addresses or
    /// CIDR ranges, separated by commas. Leave empty when clients connect directly.
    #[arg(
        long,
        env = "TESSERA_TRUSTED_PROXIES",
        default_value = "",
        global = true
    )]
    pub trusted_proxies: String,
    /// The header those proxies name the client in: x-forwarded-for (read right to left,
    /// past trusted hops) or x-real-ip. Only this one is read; set it to what your proxy
    /// sets, since a proxy passes the other on as the client wrote it.
    #[arg(
        long,
        env = "TESSERA_CLIENT_IP_HEADER",
        value_enum,
        ignore_case = true,
        default_value_t = ClientIpHeader::XForwardedFor,
        global = true
    )]
    pub client_ip_header: ClientIpHeader,
    /// Mail server for invitation e-mails, e.g. smtp://user:pass@mail.example.com:587?tls=required
    /// or smtps://mail.example.com. Without it, admins pass invitation links on themselves.
    #[arg(long, env = "TESSERA_SMTP_URL", global = true, hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The sender of invitation e-mails.
    #[arg(
        long,
        env = "TESSERA_MAIL_FROM",
        default_value = "Tessera <tessera@localhost>",
        global = true
    )]
    pub mail_from: String,
    /// Invalid tokens one address may present per minute (all at once, if it likes); past
    /// that, its token checks answer 429 until the allowance refills. 0 turns this off.
    #[arg(
        long,
        env = "TESSERA_AUTH_FAILURES_PER_MINUTE",
        default_value_t = crate::state::DEFAULT_FAILURES_PER_MINUTE,
        global = true
    )]
    pub auth_failures_per_minute: u32,
    /// GitHub's secret-scanning public keys, saved from
    /// https://api.github.com/meta/public_keys/secret_scanning: with them, GitHub's alerts
    /// of leaked Tessera tokens expire those tokens (POST /api/v1/secret-scanning/github).
    #[arg(long, env = "TESSERA_GITHUB_SCANNING_KEYS", global = true)]
    pub github_scanning_keys: Option<std::path::PathBuf>,
    /// Where to serve Prometheus metrics (`GET /metrics`), such as 127.0.0.1:9090: an
    /// address of their own, never the public one. Without it there are none.
    #[arg(long, env = "TESSERA_METRICS_ADDR", global = true)]
    pub metrics_addr: Option<SocketAddr>,
    #[arg(long, env = "TESSERA_ADMIN_USERNAME", hide = true, global = true)]
    pub admin_username: Option<String>,
    #[arg(
        long,
        env = "TESSERA_ADMIN_PASSWORD",
        hide = true,
        global = true,
        hide_env_values = true
    )]
    pub admin_password: Option<String>,
}

pub async fn run(cli: Cli) -> CliResult {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(&cli.database_url, cli.serve).await,
        Command::Migrate => {
            open_store(&cli.database_url).await?;
            println!(
                "Migrations applied to {}",
                db::without_password(&cli.database_url)
            );
            Ok(())
        }
        Command::Demo(DemoCommand::Seed {
            users,
            tokens,
            sign_ins,
            seed,
            write_tokens,
        }) => {
            let store = open_store(&cli.database_url).await?;
            let started = std::time::Instant::now();
            let seeded = crate::demo::seed(
                store.as_ref(),
                users,
                tokens,
                sign_ins,
                seed,
                chrono::Utc::now(),
            )
            .await?;
            println!(
                "Added {} demo users with {} tokens and {} audit events in {:.1} s.",
                seeded.users,
                seeded.tokens,
                seeded.events,
                started.elapsed().as_secs_f64()
            );
            if let Some(path) = write_tokens {
                let count = seeded.profile_readers.len();
                let lines: String = seeded
                    .profile_readers
                    .into_iter()
                    .map(|plain| plain.into_secret() + "\n")
                    .collect();
                std::fs::write(&path, lines)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                println!("Wrote {count} working tokens to {}.", path.display());
            }
            Ok(())
        }
        Command::Backup { file } => {
            println!("{}", crate::backup::backup(&cli.database_url, &file).await?);
            Ok(())
        }
        Command::Restore { file } => {
            println!(
                "{}",
                crate::backup::restore(&cli.database_url, &file).await?
            );
            Ok(())
        }
        Command::Token(TokenCommand::Add(order)) => {
            let store = open_store(&cli.database_url).await?;
            println!("{}", crate::token_cli::add_token(store, order).await?);
            Ok(())
        }
        Command::User(UserCommand::Add {
            username,
            admin,
            display_name,
            email,
        }) => {
            let store = open_store(&cli.database_url).await?;
            add_user(store.as_ref(), username, admin, display_name, email).await
        }
    }
}

async fn open_store(url: &str) -> Result<Arc<dyn Database>, Box<dyn Error>> {
    Ok(db::open(url).await?)
}

async fn serve(database_url: &str, args: ServeArgs) -> CliResult {
    let _database_lock = crate::backup::lock_for_serving(database_url)?;
    // Installed first, so that nothing recorded from here on is lost.
    let metrics = match args.metrics_addr {
        Some(addr) => {
            let handle =
                crate::metrics::install().map_err(|e| format!("TESSERA_METRICS_ADDR: {e}"))?;
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| format!("TESSERA_METRICS_ADDR {addr}: {e}"))?;
            Some((listener, handle))
        }
        None => None,
    };
    let trusted_proxies = app::rules::network::parse_ip_list(&args.trusted_proxies)
        .map_err(|e| format!("TESSERA_TRUSTED_PROXIES: {e}"))?;
    let github_keys = match &args.github_scanning_keys {
        Some(path) => {
            GithubKeys::load(path).map_err(|e| format!("TESSERA_GITHUB_SCANNING_KEYS: {e}"))?
        }
        None => GithubKeys::default(),
    };
    let mailer = match args.smtp_url.as_deref().filter(|url| !url.is_empty()) {
        Some(url) => Some(Arc::new(SmtpMailer::new(url, &args.mail_from)?)),
        None => None,
    };
    let db::Opened {
        database: store,
        changes,
    } = db::open_listening(database_url).await?;
    let public_url = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", args.addr));
    if let Some(admin) =
        ensure_admin(store.as_ref(), args.admin_username, args.admin_password).await?
    {
        match admin.generated_password {
            Some(password) => println!(
                "\nCreated the first admin.\n  Username: {}\n  Password: {password}\n\
                 This password is shown only now. Sign in at {public_url}/login\n",
                admin.username
            ),
            None => println!("Created the first admin '{}'.", admin.username),
        }
    }

    let options = LeptosOptions::builder()
        .output_name("tessera")
        .site_root(args.site_root)
        .site_pkg_dir("pkg")
        .site_addr(args.addr)
        .env(Env::PROD)
        .hash_files(bundle_names_are_hashed())
        .build();
    let secure_cookies = public_url.starts_with("https://");
    let clock = Arc::new(SystemClock);
    crate::housekeeping::spawn(store.clone(), store.clone(), store.clone(), clock.clone());
    crate::housekeeping::spawn_disuse_policy(store.clone(), clock.clone());
    crate::housekeeping::spawn_audit_retention(store.clone(), clock.clone());
    crate::housekeeping::spawn_time_expiries(store.clone(), clock.clone());
    if let Some(mailer) = &mailer {
        crate::housekeeping::spawn_expiry_notices(
            store.clone(),
            mailer.clone(),
            public_url.clone(),
            clock.clone(),
        );
    }
    let mut state = AppState::new(store, changes.clone(), clock, options, secure_cookies)
        .with_trusted_proxies(trusted_proxies)
        .with_client_ip_header(args.client_ip_header)
        .with_failure_limit(args.auth_failures_per_minute)
        .with_github_keys(github_keys);
    if let Some(configured) = args.public_url {
        state = state.with_public_url(configured);
    }
    if let Some(mailer) = mailer {
        state = state.with_mailer(mailer);
    }
    state.usage.spawn_flusher();
    state.failures.spawn_cleanup();
    state.leak_reports.spawn_cleanup();
    let usage = state.usage.clone();
    if let Some((listener, handle)) = metrics {
        println!("Metrics are at http://{}/metrics", listener.local_addr()?);
        tokio::spawn(crate::metrics::serve(
            listener,
            handle,
            state.tokens.clone(),
        ));
    }
    let router = build_router(state);

    let listener = tokio::net::TcpListener::bind(args.addr).await?;
    println!(
        "Tessera is listening on http://{} — open {public_url}",
        listener.local_addr()?
    );
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    // Writes on the other instances stop waiting for this one.
    changes.leave().await;
    // Requests have finished: what they noted about token use goes to the database now.
    let written = usage.flush_on_shutdown().await;
    tracing::info!(tokens = written, "recorded last token use; stopped");
    Ok(())
}

/// `make build` (cargo-leptos `hash-files`) names the bundle's files by their content and
/// lists the names in `hash.txt` beside the binary, where leptos looks for it.
fn bundle_names_are_hashed() -> bool {
    std::env::current_exe()
        .ok()
        .and_then(|binary| Some(binary.parent()?.join("hash.txt")))
        .is_some_and(|list| list.is_file())
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

async fn add_user(
    store: &dyn Store,
    username: String,
    admin: bool,
    display_name: Option<String>,
    email: Option<String>,
) -> CliResult {
    let username = normalize_username(&username)?;
    let password = read_password()?;
    validate_password(&password)?;
    let personal = [
        username.as_str(),
        display_name.as_deref().unwrap_or_default(),
        email.as_deref().unwrap_or_default(),
    ];
    if let Some(reason) = too_easy_to_guess(&password, &personal) {
        return Err(reason.into());
    }
    let password_hash = hash_password(&password).map_err(|e| e.to_string())?;
    let role = if admin { Role::Admin } else { Role::User };
    let email = email.unwrap_or_default();
    let result = store
        .insert_user(NewUser {
            display_name: display_name.unwrap_or_else(|| username.clone()),
            username: username.clone(),
            email: email.clone(),
            role,
            password_hash,
        })
        .await;
    match result {
        Ok(_) => {
            println!("Created {} '{username}'.", role.words().to_lowercase());
            Ok(())
        }
        Err(StoreError::Duplicate(Unique::Email)) => {
            Err(format!("a user with the e-mail '{email}' already exists").into())
        }
        Err(StoreError::Duplicate(_)) => {
            Err(format!("a user named '{username}' already exists").into())
        }
        Err(other) => Err(other.into()),
    }
}

/// From a prompt without echo on a terminal, otherwise the first line of standard input.
fn read_password() -> Result<String, Box<dyn Error>> {
    if std::io::stdin().is_terminal() {
        return Ok(rpassword::prompt_password("Password: ")?);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
