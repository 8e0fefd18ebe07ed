use crate::bearer::usage::UsageRecorder;
use app::clock::Clock;
use app::services::Services;
use app::store::Store;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::Arc;

/// Everything a request handler may need.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub services: Services,
    pub leptos_options: LeptosOptions,
    pub usage: Arc<UsageRecorder>,
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
            },
            leptos_options,
            usage,
        }
    }
}
