use crate::bearer::usage::UsageRecorder;
use app::clock::Clock;
use app::security::PolicyCache;
use app::services::Services;
use app::store::Store;
use app::users::invitations::mail::Mailer;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::Arc;

/// Everything a request handler may need.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub services: Services,
    pub leptos_options: LeptosOptions,
    pub usage: Arc<UsageRecorder>,
    /// Peers whose `X-Forwarded-For` is believed (`TESSERA_TRUSTED_PROXIES`).
    pub trusted_proxies: Arc<Vec<ipnet::IpNet>>,
}

impl AppState {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        leptos_options: LeptosOptions,
        secure_cookies: bool,
    ) -> Self {
        let usage = Arc::new(UsageRecorder::new(store.clone()));
        Self {
            services: Services {
                store,
                clock,
                secure_cookies,
                policy: Arc::new(PolicyCache::default()),
                public_url: format!("http://{}", leptos_options.site_addr),
                mailer: None,
            },
            leptos_options,
            usage,
            trusted_proxies: Arc::new(Vec::new()),
        }
    }

    /// The address in links that leave the site; `http://<listening address>` otherwise.
    pub fn with_public_url(mut self, public_url: impl Into<String>) -> Self {
        self.services.public_url = public_url.into();
        self
    }

    pub fn with_mailer(mut self, mailer: Arc<dyn Mailer>) -> Self {
        self.services.mailer = Some(mailer);
        self
    }

    pub fn with_trusted_proxies(mut self, proxies: Vec<ipnet::IpNet>) -> Self {
        self.trusted_proxies = Arc::new(proxies);
        self
    }
}
