//! The profile's note on leaked secrets: anyone who finds one can make it stop working with
//! one call, no sign-in needed.

use crate::error::AppError;
use leptos::prelude::*;

/// The address people reach this Tessera at, for the `curl` line.
#[server(prefix = "/rpc", endpoint = "site/address")]
pub async fn site_address() -> Result<String, AppError> {
    Ok(crate::services::services()?.public_url)
}

/// The call that reports `secret` leaked to the Tessera at `address`.
pub fn revoke_call(address: &str) -> String {
    format!(
        "curl -X POST {address}/api/v1/tokens/revoke \\\n  \
         -H 'Content-Type: application/json' \\\n  \
         -d '{{\"tokens\": [\"tsr1…\"], \"url\": \"https://where-it-was-found\"}}'"
    )
}

/// Folded under the token table.
#[component]
pub fn LeakHelp() -> impl IntoView {
    let address = OnceResource::new(site_address());
    view! {
        <details class="leak-help">
            <summary>"Found a token where it should not be?"</summary>
            <p>
                "Anyone who finds a Tessera secret (in a repository, a log, a chat) can make it "
                "stop working at once, without signing in. Its owner gets an e-mail saying where "
                "it was found. Send up to 100 secrets in one call:"
            </p>
            <Suspense fallback=|| ()>
                {move || address.get().map(|address| {
                    let address = address.unwrap_or_default();
                    view! { <pre class="command"><code>{revoke_call(&address)}</code></pre> }
                })}
            </Suspense>
            <p class="muted">
                "The answer is always 202 Accepted, whether the secrets were real or not, so it "
                "tells nobody which tokens exist."
            </p>
        </details>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_call_names_this_site_and_the_json_it_takes() {
        let call = revoke_call("https://tessera.example.com");
        assert!(call.starts_with("curl -X POST https://tessera.example.com/api/v1/tokens/revoke"));
        assert!(call.contains(r#"-d '{"tokens": ["tsr1…"], "url": "https://where-it-was-found"}'"#));
    }
}
