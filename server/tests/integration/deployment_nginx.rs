//! docs/deploying.md run for real: its nginx block balancing two instances on one PostgreSQL
//! database. A person signs in, creates a token, uses it and expires it, each request going to
//! whichever instance nginx picks; both instances refuse the token once the expiry answered.

use crate::common;

use app::users::Role;
use axum::extract::Request;
use axum::middleware::{self, Next};
use common::nginx::{documented_block, serve, substitute, Nginx, Reply};
use common::{TestApp, PASSWORD, PUBLIC_URL};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// What the documented block says, which the test replaces with its own ports.
const DOC_LISTEN: &str = "listen 80;";
const DOC_INSTANCES: [&str; 2] = ["server 127.0.0.1:3001;", "server 127.0.0.1:3002;"];
const HOST: &str = "tessera.example.com";

/// Two instances behind the documented nginx; how many requests each has served.
struct Deployment {
    instances: Vec<TestApp>,
    served: Vec<Arc<AtomicUsize>>,
    nginx: Nginx,
}

impl Deployment {
    async fn start() -> Option<Self> {
        // nginx connects from 127.0.0.1, as in the documented setup.
        let Some(instances) = TestApp::instances_behind_proxies(2, "127.0.0.1/32").await else {
            eprintln!("SQLite serves one instance: the balanced deployment runs on PostgreSQL");
            return None;
        };
        let mut block = documented_block("deploying.md");
        let mut served = Vec::new();
        for (instance, documented) in instances.iter().zip(DOC_INSTANCES) {
            let count = Arc::new(AtomicUsize::new(0));
            let counting = count.clone();
            let router = instance.router.clone().layer(middleware::from_fn(
                move |request: Request, next: Next| {
                    counting.fetch_add(1, Ordering::SeqCst);
                    next.run(request)
                },
            ));
            let address = serve(router).await;
            block = substitute(&block, documented, &format!("server {address};"));
            served.push(count);
        }
        let nginx = Nginx::start(&block, DOC_LISTEN).await;
        Some(Self {
            instances,
            served,
            nginx,
        })
    }

    fn served(&self) -> Vec<usize> {
        self.served
            .iter()
            .map(|n| n.load(Ordering::SeqCst))
            .collect()
    }

    /// A call from the page, as a browser sends it: with its Origin, to the public Host.
    async fn call(&self, endpoint: &str, form: &[(&str, &str)], cookie: Option<&str>) -> Reply {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let cookie = cookie
            .map(|c| format!("Cookie: {c}\r\n"))
            .unwrap_or_default();
        // Pages come from the instances' public URL (`TESSERA_PUBLIC_URL`), whatever host
        // the balancer is reached by.
        let request = format!(
            "POST /rpc/{endpoint} HTTP/1.0\r\nHost: {HOST}\r\nOrigin: {PUBLIC_URL}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nAccept: application/json\r\n\
             {cookie}Content-Length: {}\r\n\r\n{body}",
            body.len()
        );
        self.nginx.exchange(&request).await
    }

    async fn me(&self, token: &str) -> u16 {
        let request = format!(
            "GET /api/v1/me HTTP/1.0\r\nHost: {HOST}\r\nAuthorization: Bearer {token}\r\n\r\n"
        );
        self.nginx.exchange(&request).await.status
    }
}

#[tokio::test]
async fn sign_in_create_use_and_expire_a_token_across_two_balanced_instances() {
    let Some(deployment) = Deployment::start().await else {
        return;
    };
    deployment.instances[0].add_user("alice", Role::User).await;

    let signed_in = deployment
        .call(
            "login",
            &[("username", "alice"), ("password", PASSWORD)],
            None,
        )
        .await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.body);
    let cookie = signed_in
        .header("set-cookie")
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_owned();

    let form = [
        ("label", "deploy"),
        ("length", "30"),
        ("custom_expiry", ""),
        ("utc_offset_minutes", "0"),
        ("permissions", "profile:read"),
    ];
    let created = deployment.call("tokens/create", &form, Some(&cookie)).await;
    let created = created.json();
    let secret = created["secret"].as_str().unwrap().to_owned();
    let id = created["token"]["id"].to_string();

    for _ in 0..4 {
        assert_eq!(deployment.me(&secret).await, 200);
    }
    let before_expiry = deployment.served();
    assert!(
        before_expiry.iter().all(|&n| n >= 3),
        "nginx balances between both: {before_expiry:?}"
    );

    let expired = deployment
        .call("tokens/expire", &[("id", &id)], Some(&cookie))
        .await;
    assert_eq!(expired.status, 200, "{}", expired.body);
    let at_expiry = deployment.served();
    for _ in 0..4 {
        assert_eq!(deployment.me(&secret).await, 401);
    }
    let refused_by: Vec<usize> = deployment
        .served()
        .iter()
        .zip(&at_expiry)
        .map(|(after, before)| after - before)
        .collect();
    assert_eq!(refused_by, [2, 2], "each instance refused it");
}
