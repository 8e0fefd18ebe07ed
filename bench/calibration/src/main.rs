//! A bare axum server with `/healthz` and `/check`, which hashes the bearer token with
//! SHA-256 and looks the hash up in a HashMap: what the issue's target compares against.
//! `/check/json` does the same and answers a JSON body the size of a typical `/api/v1/me`
//! answer (230 bytes), which prices a body's bytes on their way through both TCP stacks and
//! wrk, with no work of the server's beyond the check.
//! `/spin/{ns}` answers like `/healthz` after keeping its core busy for that many
//! nanoseconds, so the ratios show what a given amount of extra work per request costs on
//! the machine at hand. `bench/validation.sh` measures it with the same method as Tessera,
//! so the ratios can be read side by side.
//!
//!     calibration ADDRESS TOKEN_FILE

use axum::extract::{Path, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

type Known = Arc<HashMap<[u8; 32], usize>>;

async fn check(State(known): State<Known>, headers: HeaderMap) -> StatusCode {
    let token = headers
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    match token {
        Some(token) if known.contains_key(&<[u8; 32]>::from(Sha256::digest(token))) => {
            StatusCode::OK
        }
        _ => StatusCode::UNAUTHORIZED,
    }
}

/// The size of Tessera's `/me` answer for a demo token.
const ME_SIZED_BODY: &str = concat!(
    r#"{"user":{"username":"demozbjm-farid.bauer0","display_name":"Farid Bauer"},"#,
    r#""token":{"label":"InCert sync","hint":"n9ax","created":"2026-03-10T20:42:45Z","#,
    r#""expires":"2027-03-10T20:42:45Z","permissions":["profile:read","tokens:read"]}}"#
);

async fn check_json(known: State<Known>, headers: HeaderMap) -> Response {
    match check(known, headers).await {
        StatusCode::OK => ([(CONTENT_TYPE, "application/json")], ME_SIZED_BODY).into_response(),
        refused => refused.into_response(),
    }
}

/// Busy, not asleep: the point is the CPU time a request takes from everything else.
async fn spin(Path(nanoseconds): Path<u64>) -> &'static str {
    let until = Instant::now() + Duration::from_nanos(nanoseconds);
    while Instant::now() < until {
        std::hint::spin_loop();
    }
    "ok"
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(address), Some(token_file)) = (args.next(), args.next()) else {
        eprintln!("usage: calibration ADDRESS TOKEN_FILE");
        std::process::exit(2);
    };
    let tokens = std::fs::read_to_string(&token_file).expect("a readable token file");
    let known: Known = Arc::new(
        tokens
            .lines()
            .enumerate()
            .map(|(line, token)| (Sha256::digest(token).into(), line))
            .collect(),
    );
    let app = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/check", get(check))
        .route("/check/json", get(check_json))
        .route("/spin/{nanoseconds}", get(spin))
        .with_state(known);
    let listener = tokio::net::TcpListener::bind(&address)
        .await
        .expect("a free address");
    axum::serve(listener, app).await.expect("the server runs");
}
