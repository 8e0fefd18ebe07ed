//! The Content-Security-Policy every page is sent with: scripts run only when they carry
//! this response's nonce, which leptos puts on its hydration and streaming scripts.

use app::shell;
use http::header::CONTENT_SECURITY_POLICY;
use http::HeaderValue;
use leptos::config::LeptosOptions;
use leptos::nonce::use_nonce;
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

/// The policy for a page whose scripts carry `nonce`. `'wasm-unsafe-eval'` lets the page
/// compile its WebAssembly and nothing else; forms post only to this site, no page may be
/// framed, and a `<base>` tag cannot redirect relative URLs elsewhere.
pub fn policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
         base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )
}

/// The app's HTML document, with the policy for this response's nonce added to its headers.
pub fn shell_under_policy(options: LeptosOptions) -> impl IntoView {
    let policy = use_nonce().map(|nonce| policy(&nonce));
    if let (Some(policy), Some(response)) = (policy, use_context::<ResponseOptions>()) {
        let value = HeaderValue::from_str(&policy).expect("a nonce is URL-safe base64");
        response.insert_header(CONTENT_SECURITY_POLICY, value);
    }
    shell(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_admits_the_nonce_and_wasm_only() {
        let policy = policy("abc123");
        assert!(policy.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval';"));
        assert!(!policy.contains("unsafe-inline"));
        for directive in [
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        ] {
            assert!(policy.contains(directive), "{directive} missing");
        }
    }
}
