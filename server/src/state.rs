use crate::address_limiter::AddressLimiter;
use crate::bearer::cache::TokenCache;
use crate::bearer::store::BearerStore;
use crate::bearer::usage::UsageRecorder;
use crate::changes::ChangeFeed;
use crate::client_ip::ClientIpHeader;
use crate::db::Database;
use crate::leaks::github::GithubKeys;
use crate::leaks::revoke::REPORTS_PER_MINUTE;
use app::clock::Clock;
use app::services::Services;
use app::users::invitations::mail::Mailer;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::ops::Deref;
use std::sync::Arc;

/// Invalid tokens an address may present per minute before it is made to wait.
pub const DEFAULT_FAILURES_PER_MINUTE: u32 = 30;

/// Everything a request handler may need. axum clones the state for every middleware and
/// extractor that asks for it, several times per request, so it is one shared pointer.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub services: Services,
    /// The same database as `services.store`, which `/readyz` asks whether it answers.
    pub database: Arc<dyn Database>,
    /// How this instance hears the others' changes; `/readyz` asks whether it does.
    pub changes: Arc<ChangeFeed>,
    /// The tokens this instance knows, kept true by the change feed.
    pub tokens: Arc<TokenCache>,
    /// The same database as `services.store`, where `tokens` looks up what it does not know
    /// and `usage` writes when tokens were used.
    pub bearer_store: Arc<dyn BearerStore>,
    pub leptos_options: LeptosOptions,
    pub usage: Arc<UsageRecorder>,
    pub failures: Arc<AddressLimiter>,
    /// Leak reports per address (`POST /api/v1/tokens/revoke`).
    pub leak_reports: Arc<AddressLimiter>,
    /// The keys GitHub signs secret-scanning alerts with; none when they are not set up.
    pub github_keys: Arc<GithubKeys>,
    /// Peers whose word on the client's address is believed (`TESSERA_TRUSTED_PROXIES`).
    pub trusted_proxies: Arc<Vec<ipnet::IpNet>>,
    /// Where they give it (`TESSERA_CLIENT_IP_HEADER`).
    pub client_ip_header: ClientIpHeader,
    /// The origin of `TESSERA_PUBLIC_URL`, when set: the only one page calls may come from.
    pub site_origin: Option<String>,
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What leptos_axum's handlers take from the state.
impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl AppState {
    pub fn new(
        database: Arc<dyn Database>,
        changes: Arc<ChangeFeed>,
        clock: Arc<dyn Clock>,
        leptos_options: LeptosOptions,
        secure_cookies: bool,
    ) -> Self {
        let usage = Arc::new(UsageRecorder::new(database.clone()));
        Self(Arc::new(Shared {
            database: database.clone(),
            changes: changes.clone(),
            tokens: changes.tokens().clone(),
            bearer_store: database.clone(),
            services: Services {
                store: database,
                clock,
                secure_cookies,
                policy: changes.policy().clone(),
                public_url: format!("http://{}", leptos_options.site_addr),
                mailer: None,
            },
            leptos_options,
            usage,
            failures: Arc::new(AddressLimiter::new(DEFAULT_FAILURES_PER_MINUTE)),
            leak_reports: Arc::new(AddressLimiter::new(REPORTS_PER_MINUTE)),
            github_keys: Arc::new(GithubKeys::default()),
            trusted_proxies: Arc::new(Vec::new()),
            client_ip_header: ClientIpHeader::default(),
            site_origin: None,
        }))
    }

    /// The address people reach Tessera at: for links that leave the site, and the origin
    /// page calls must come from. Without it, `http://<listening address>` and the Host
    /// each request names.
    pub fn with_public_url(mut self, public_url: impl Into<String>) -> Self {
        let public_url = public_url.into();
        let shared = self.configure();
        shared.site_origin = url::Url::parse(&public_url)
            .ok()
            .map(|url| url.origin().ascii_serialization());
        shared.services.public_url = public_url;
        self
    }

    pub fn with_mailer(mut self, mailer: Arc<dyn Mailer>) -> Self {
        self.configure().services.mailer = Some(mailer);
        self
    }

    /// Another `BearerStore` in front of the database's, such as a test's that counts lookups.
    pub fn with_bearer_store(mut self, store: Arc<dyn BearerStore>) -> Self {
        let shared = self.configure();
        shared.usage = Arc::new(UsageRecorder::new(store.clone()));
        shared.bearer_store = store;
        self
    }

    /// `0` turns the limit off (for load tests of the refusal path).
    pub fn with_failure_limit(mut self, per_minute: u32) -> Self {
        self.configure().failures = Arc::new(AddressLimiter::new(per_minute));
        self
    }

    pub fn with_github_keys(mut self, keys: GithubKeys) -> Self {
        self.configure().github_keys = Arc::new(keys);
        self
    }

    pub fn with_trusted_proxies(mut self, proxies: Vec<ipnet::IpNet>) -> Self {
        self.configure().trusted_proxies = Arc::new(proxies);
        self
    }

    pub fn with_client_ip_header(mut self, header: ClientIpHeader) -> Self {
        self.configure().client_ip_header = header;
        self
    }

    /// The `with_*` settings are made before the state is handed to the router.
    fn configure(&mut self) -> &mut Shared {
        Arc::get_mut(&mut self.0).expect("AppState is configured before it is shared")
    }
}
