//! A real Tessera router over a real SQLite file, driven in-process, one per test.

pub mod cli;
pub mod nginx;
pub mod smtp;

use app::clock::Clock;
use app::rules::secret::SecretHash;
use app::store::*;
use app::users::invitations::mail::Mailer;
use app::users::password::hash_password;
use app::users::Role;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use chrono::{DateTime, Duration, TimeZone, Utc};
use http::{header, Request, Response, StatusCode};
use http_body_util::BodyExt;
use leptos::config::LeptosOptions;
use serde::de::DeserializeOwned;
use sqlx::{AnyPool, Connection, Executor};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tessera::bearer::store::{TokenLookup, TokenUsageStore};
use tessera::bearer::usage::UsageRecorder;
use tessera::changes::ChangeFeed;
use tessera::client_ip::ClientIpHeader;
use tessera::db::Database;
use tessera::leaks::github::GithubKeys;
use tessera::{build_router, AppState};
use tower::ServiceExt;

pub const PASSWORD: &str = "correct horse battery";
/// Far beyond any answer's real time, even on a loaded CI machine.
const ANSWER_LIMIT: std::time::Duration = std::time::Duration::from_secs(60);

pub const PEER: ([u8; 4], u16) = ([203, 0, 113, 7], 40000);
pub const PUBLIC_URL: &str = "https://tessera.example";

/// A clock the test moves by hand.
pub struct TestClock(Mutex<DateTime<Utc>>);

impl TestClock {
    pub fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

/// The bearer routes' store, counting token lookups (so tests can prove that a malformed
/// token never reached the database and a known one reached it once), with last-use writes
/// a test can hold or fail.
pub struct CountingBearerStore {
    inner: Arc<dyn Database>,
    pub lookups: AtomicUsize,
    pub usage_writes: UsageWrites,
}

/// Lets a test hold the batch of last-use writes in flight, or make it fail.
#[derive(Default)]
pub struct UsageWrites {
    /// Every write waits for this; a test holds it to keep a write in flight.
    pub gate: tokio::sync::Mutex<()>,
    /// Writes that have begun.
    pub started: AtomicUsize,
    /// How many of the next writes fail, as a database that went away would.
    pub failures_to_come: AtomicUsize,
    /// The write with this number (counting from 1, as `started` does) fails; 0 for none.
    pub failing_write: AtomicUsize,
}

#[async_trait::async_trait]
impl TokenLookup for CountingBearerStore {
    async fn token_by_hash(&self, hash: &SecretHash) -> StoreResult<Option<BearerToken>> {
        self.lookups.fetch_add(1, Ordering::SeqCst);
        self.inner.token_by_hash(hash).await
    }
}

#[async_trait::async_trait]
impl TokenUsageStore for CountingBearerStore {
    async fn record_token_uses(&self, uses: &[TokenUse]) -> StoreResult<()> {
        let writes = &self.usage_writes;
        let number = writes.started.fetch_add(1, Ordering::SeqCst) + 1;
        let _gate = writes.gate.lock().await;
        let failing = writes
            .failures_to_come
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
            || writes.failing_write.load(Ordering::SeqCst) == number;
        if failing {
            return Err(StoreError::Backend("the test's database went away".into()));
        }
        self.inner.record_token_uses(uses).await
    }

    async fn record_token_checks(&self, checks: &[DailyChecks]) -> StoreResult<()> {
        self.inner.record_token_checks(checks).await
    }

    async fn purge_token_checks(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        self.inner.purge_token_checks(before).await
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database of its own for one test, not yet migrated: a SQLite file in a folder that
/// lives as long as the `Arc`, or a fresh database on the test PostgreSQL server.
pub async fn empty_database() -> (String, Backend, Arc<tempfile::TempDir>) {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let (url, backend) = match std::env::var("TESSERA_TEST_POSTGRES_URL") {
        Ok(server) => (fresh_postgres_database(&server).await, Backend::Postgres),
        Err(_) => {
            let path = dir.path().join("tessera.db");
            (format!("sqlite://{}", path.display()), Backend::Sqlite)
        }
    };
    (url, backend, dir)
}

pub struct TestApp {
    pub router: Router,
    /// For assertions in SQL that runs unchanged on both backends (`$N` placeholders).
    pub db: AnyPool,
    pub backend: Backend,
    pub clock: Arc<TestClock>,
    pub store: Arc<dyn Database>,
    pub bearer_store: Arc<CountingBearerStore>,
    pub changes: Arc<ChangeFeed>,
    pub usage: Arc<UsageRecorder>,
    _dir: Arc<tempfile::TempDir>,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: http::HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    pub fn header(&self, name: impl header::AsHeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// How a test's Tessera is set up; what `tessera serve` reads from its environment.
#[derive(Default)]
struct Settings {
    secure_cookies: bool,
    /// As `TESSERA_TRUSTED_PROXIES` is written.
    trusted_proxies: &'static str,
    client_ip_header: ClientIpHeader,
    mailer: Option<Arc<dyn Mailer>>,
    /// Where the web bundle is (`tessera serve --site-root`), when a test serves one.
    site_root: Option<String>,
    /// Whether its files carry their content hashes in their names (`make build`).
    hashed_bundle: bool,
    /// As `TESSERA_GITHUB_SCANNING_KEYS` gives them.
    github_keys: Option<GithubKeys>,
}

impl TestApp {
    pub async fn new() -> Self {
        Self::build(Settings::default()).await
    }

    pub async fn with_options(secure_cookies: bool) -> Self {
        Self::build(Settings {
            secure_cookies,
            ..Settings::default()
        })
        .await
    }

    /// Behind reverse proxies at `trusted_proxies` that name the client in X-Forwarded-For.
    pub async fn behind_proxies(trusted_proxies: &'static str) -> Self {
        Self::behind_proxies_naming_client_in(trusted_proxies, ClientIpHeader::XForwardedFor).await
    }

    pub async fn behind_proxies_naming_client_in(
        trusted_proxies: &'static str,
        client_ip_header: ClientIpHeader,
    ) -> Self {
        Self::build(Settings {
            trusted_proxies,
            client_ip_header,
            ..Settings::default()
        })
        .await
    }

    /// Sending invitation e-mails with `mailer`.
    pub async fn with_mailer(mailer: Arc<dyn Mailer>) -> Self {
        Self::build(Settings {
            mailer: Some(mailer),
            ..Settings::default()
        })
        .await
    }

    /// Taking GitHub's secret-scanning alerts signed with `keys`, and mailing with `mailer`.
    pub async fn with_github_keys(keys: GithubKeys, mailer: Option<Arc<dyn Mailer>>) -> Self {
        Self::build(Settings {
            github_keys: Some(keys),
            mailer,
            ..Settings::default()
        })
        .await
    }

    /// `count` instances on one new PostgreSQL database, each with its own memory and change
    /// listener, as behind a load balancer; `None` on SQLite, which serves one instance.
    pub async fn instances(count: usize) -> Option<Vec<Self>> {
        Self::instances_behind_proxies(count, "").await
    }

    /// As `instances`, behind reverse proxies at `trusted_proxies`.
    pub async fn instances_behind_proxies(
        count: usize,
        trusted_proxies: &'static str,
    ) -> Option<Vec<Self>> {
        let server = std::env::var("TESSERA_TEST_POSTGRES_URL").ok()?;
        let url = fresh_postgres_database(&server).await;
        let dir = Arc::new(tempfile::tempdir().unwrap());
        let mut instances = Vec::with_capacity(count);
        for _ in 0..count {
            let settings = Settings {
                trusted_proxies,
                ..Settings::default()
            };
            let on_database = (url.clone(), Backend::Postgres, dir.clone());
            instances.push(Self::build_on(settings, on_database).await);
        }
        Some(instances)
    }

    /// Serving the web bundle from `site_root` (its files under `pkg/`).
    pub async fn serving_bundle_from(site_root: &std::path::Path) -> Self {
        Self::build(Settings {
            site_root: Some(site_root.display().to_string()),
            ..Settings::default()
        })
        .await
    }

    /// Serving a bundle whose file names carry their content hashes, as `make build` makes it.
    pub async fn serving_hashed_bundle_from(site_root: &std::path::Path) -> Self {
        Self::build(Settings {
            site_root: Some(site_root.display().to_string()),
            hashed_bundle: true,
            ..Settings::default()
        })
        .await
    }

    async fn build(settings: Settings) -> Self {
        Self::build_on(settings, empty_database().await).await
    }

    async fn build_on(
        settings: Settings,
        (url, backend, dir): (String, Backend, Arc<tempfile::TempDir>),
    ) -> Self {
        let opened = tessera::db::open_listening(&url).await.unwrap();
        let changes = opened.changes;
        let store = opened.database;
        let bearer_store = Arc::new(CountingBearerStore {
            inner: store.clone(),
            lookups: AtomicUsize::new(0),
            usage_writes: UsageWrites::default(),
        });
        sqlx::any::install_default_drivers();
        let db = AnyPool::connect(&url).await.unwrap();
        let clock = Arc::new(TestClock(Mutex::new(
            Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap(),
        )));
        let options = LeptosOptions::builder()
            .output_name("tessera")
            .site_root(settings.site_root.unwrap_or_else(|| "target/site".into()))
            .site_pkg_dir("pkg")
            .hash_files(settings.hashed_bundle)
            .build();
        let trusted_proxies = app::rules::network::parse_ip_list(settings.trusted_proxies).unwrap();
        let mut state = AppState::new(
            store.clone(),
            changes.clone(),
            clock.clone(),
            options,
            settings.secure_cookies,
        )
        .with_bearer_store(bearer_store.clone())
        .with_trusted_proxies(trusted_proxies)
        .with_client_ip_header(settings.client_ip_header)
        .with_public_url(PUBLIC_URL);
        if let Some(mailer) = settings.mailer {
            state = state.with_mailer(mailer);
        }
        if let Some(keys) = settings.github_keys {
            state = state.with_github_keys(keys);
        }
        let usage = state.usage.clone();
        // What `into_make_service_with_connect_info` gives every request in production; a
        // test may name another peer with `send_from`.
        let router = build_router(state).layer(axum::middleware::map_request(
            |mut request: Request<Body>| async move {
                if request
                    .extensions()
                    .get::<ConnectInfo<SocketAddr>>()
                    .is_none()
                {
                    request
                        .extensions_mut()
                        .insert(ConnectInfo(SocketAddr::from(PEER)));
                }
                request
            },
        ));
        Self {
            router,
            db,
            backend,
            clock,
            store,
            bearer_store,
            changes,
            usage,
            _dir: dir,
        }
    }

    /// A permission admins added to the catalogue, for any user's tokens.
    pub async fn add_permission(&self, name: &str) {
        self.store
            .insert_permission(
                app::rules::permission::Permission {
                    name: name.into(),
                    description: format!("{name}, for a test"),
                    admin_only: false,
                    builtin: false,
                },
                &Audit::by_system(self.now()),
            )
            .await
            .unwrap();
    }

    pub async fn add_user(&self, username: &str, role: Role) -> UserId {
        self.store
            .insert_user(NewUser {
                username: username.into(),
                display_name: format!("{} Example", capitalise(username)),
                email: format!("{username}@example.com"),
                role,
                password_hash: hash_password(PASSWORD).unwrap(),
            })
            .await
            .unwrap()
    }

    /// A token with chosen times, straight into the store, holding every permission an
    /// ordinary user may hold.
    pub async fn insert_token(
        &self,
        user_id: UserId,
        label: &str,
        created_at: DateTime<Utc>,
        expires_at: Option<DateTime<Utc>>,
    ) -> TokenRecord {
        let restrictions = TokenRestrictions {
            permissions: ["profile:read", "tokens:read", "tokens:write"]
                .map(String::from)
                .to_vec(),
            ..Default::default()
        };
        self.insert_restricted_token(user_id, label, created_at, expires_at, restrictions)
            .await
            .0
    }

    /// A token with chosen restrictions; its record and its secret.
    pub async fn insert_restricted_token(
        &self,
        user_id: UserId,
        label: &str,
        created_at: DateTime<Utc>,
        expires_at: Option<DateTime<Utc>>,
        restrictions: TokenRestrictions,
    ) -> (TokenRecord, String) {
        let plain = app::rules::token::PlainToken::generate(&mut rand::rng());
        let record = self
            .store
            .insert_token(
                NewToken {
                    user_id,
                    label: label.into(),
                    description: String::new(),
                    secret_hash: plain.hash(),
                    hint: plain.hint(),
                    created_at,
                    expires_at,
                    restrictions,
                },
                &Audit::by_user(user_id, created_at),
            )
            .await
            .unwrap();
        (record, plain.into_secret())
    }

    /// A live token of `user_id` holding `permissions` (space-separated) and its secret.
    pub async fn token_with(&self, user_id: UserId, permissions: &str) -> String {
        let restrictions = TokenRestrictions {
            permissions: app::rules::permission::split_scopes(permissions),
            ..Default::default()
        };
        self.insert_restricted_token(user_id, "test", self.now(), None, restrictions)
            .await
            .1
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Sends `request` as if it came over a connection from `peer`.
    pub async fn send_from(&self, peer: &str, mut request: Request<Body>) -> Answer {
        let peer: std::net::IpAddr = peer.parse().unwrap();
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::new(peer, 40000)));
        self.send(request).await
    }

    /// An API call with a bearer token and extra headers, from `peer` (or the default one).
    pub async fn api(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<serde_json::Value>,
        headers: &[(&str, &str)],
        peer: Option<&str>,
    ) -> Answer {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let body = match body {
            Some(json) => {
                request = request.header(header::CONTENT_TYPE, "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        let request = request.body(body).unwrap();
        match peer {
            Some(peer) => self.send_from(peer, request).await,
            None => self.send(request).await,
        }
    }

    /// Sends `request` and reads the whole answer. A request that never finishes (a page
    /// whose stream stalls, say) fails its test by name instead of stalling the whole run.
    pub async fn send(&self, request: Request<Body>) -> Answer {
        let what = format!("{} {}", request.method(), request.uri());
        let answer = async {
            let response: Response<Body> = self.router.clone().oneshot(request).await.unwrap();
            let status = response.status();
            let headers = response.headers().clone();
            let bytes = response.into_body().collect().await.unwrap().to_bytes();
            Answer {
                status,
                headers,
                body: String::from_utf8_lossy(&bytes).into_owned(),
            }
        };
        tokio::time::timeout(ANSWER_LIMIT, answer)
            .await
            .unwrap_or_else(|_| panic!("{what} did not finish within {ANSWER_LIMIT:?}"))
    }

    pub async fn get(&self, path: &str, cookie: Option<&str>) -> Answer {
        let mut request = Request::get(path);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    /// Calls a server function the way the hydrated page does (form-encoded, JSON back).
    pub async fn call(
        &self,
        endpoint: &str,
        form: &[(&str, &str)],
        cookie: Option<&str>,
    ) -> Answer {
        self.call_with_headers(endpoint, form, cookie, &[]).await
    }

    /// Creates a token as the profile form does: a 30-day `profile:read` token labelled
    /// "x", with `overrides` replacing any of those fields or adding whitelists.
    pub async fn create_via_form(&self, cookie: &str, overrides: &[(&str, &str)]) -> Answer {
        let mut form = vec![
            ("label", "x"),
            ("length", "30"),
            ("custom_expiry", ""),
            ("utc_offset_minutes", "0"),
            ("permissions", "profile:read"),
        ];
        for (name, value) in overrides {
            match form.iter_mut().find(|(n, _)| n == name) {
                Some(field) => field.1 = value,
                None => form.push((name, value)),
            }
        }
        self.call("tokens/create", &form, Some(cookie)).await
    }

    /// Calls a server function that takes JSON.
    pub async fn call_json(&self, endpoint: &str, json: serde_json::Value, cookie: &str) -> Answer {
        let request = Request::post(format!("/rpc/{endpoint}"))
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json")
            .header(header::COOKIE, cookie)
            .body(Body::from(json.to_string()))
            .unwrap();
        self.send(request).await
    }

    /// Signs in from `peer` with extra headers (X-Forwarded-For, …).
    pub async fn sign_in_from(
        &self,
        peer: &str,
        headers: &[(&str, &str)],
        username: &str,
    ) -> Answer {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs([("username", username), ("password", PASSWORD)])
            .finish();
        let mut request = Request::post("/rpc/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send_from(peer, request.body(Body::from(body)).unwrap())
            .await
    }

    pub async fn sign_in_answer(&self, username: &str, password: &str) -> Answer {
        self.call(
            "login",
            &[("username", username), ("password", password)],
            None,
        )
        .await
    }

    /// Signs in and returns the `name=value` cookie to send back.
    pub async fn sign_in(&self, username: &str) -> String {
        let answer = self.sign_in_answer(username, PASSWORD).await;
        session_cookie(&answer)
    }

    /// Calls a server function with extra request headers (User-Agent, Sec-CH-UA, …).
    pub async fn call_with_headers(
        &self,
        endpoint: &str,
        form: &[(&str, &str)],
        cookie: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let mut request = Request::post(format!("/rpc/{endpoint}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request.body(Body::from(body)).unwrap()).await
    }

    pub async fn bearer(&self, path: &str, token: &str) -> Answer {
        let request = Request::get(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::empty())
            .unwrap();
        self.send(request).await
    }

    pub async fn exec(&self, statement: &str) {
        sqlx::query(statement).execute(&self.db).await.unwrap();
    }

    pub fn bearer_lookups(&self) -> usize {
        self.bearer_store.lookups.load(Ordering::SeqCst)
    }
}

/// A new, empty database on the PostgreSQL server `server_url` points at; its URL.
async fn fresh_postgres_database(server_url: &str) -> String {
    let name = format!(
        "tessera_test_{}",
        app::rules::secret::random_base62(&mut rand::rng(), 16).to_lowercase()
    );
    let mut admin = sqlx::PgConnection::connect(server_url).await.unwrap();
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .unwrap();
    let (base, query) = server_url.split_once('?').unwrap_or((server_url, ""));
    let (server, _) = base.rsplit_once('/').unwrap();
    format!("{server}/{name}?{query}")
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The `name=value` session cookie a successful sign-in answered with.
pub fn session_cookie(answer: &Answer) -> String {
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let set_cookie = answer.header(header::SET_COOKIE).expect("a session cookie");
    set_cookie.split(';').next().unwrap().to_owned()
}
