//! `POST /api/v1/secret-scanning/github`: alerts from GitHub's secret-scanning partner
//! program. GitHub signs each request's body with ECDSA P-256 and SHA-256; the public keys
//! come from a file the operator saved from GitHub (`TESSERA_GITHUB_SCANNING_KEYS`), so
//! nothing is fetched at run time.

use super::expire_reported;
use crate::bearer::caller::Caller;
use crate::bearer::ApiError;
use crate::state::AppState;
use app::store::LeakReport;
use app::tokens::leaks::MAX_REPORTED_SECRETS;
use axum::body::Bytes;
use axum::extract::State;
use axum::Json;
use base64::Engine;
use http::HeaderMap;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::pkcs8::DecodePublicKey;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

const KEY_ID_HEADER: &str = "github-public-key-identifier";
const SIGNATURE_HEADER: &str = "github-public-key-signature";
/// Who the owners' mails and the audit trail say reported the leak.
const REPORTER: &str = "GitHub secret scanning";

/// The keys GitHub signs alerts with, by identifier.
#[derive(Default)]
pub struct GithubKeys(Vec<(String, VerifyingKey)>);

/// GitHub's list of keys, as `GET https://api.github.com/meta/public_keys/secret_scanning`
/// answers it.
#[derive(Deserialize)]
struct KeyList {
    public_keys: Vec<ListedKey>,
}

#[derive(Deserialize)]
struct ListedKey {
    key_identifier: String,
    /// PEM, SubjectPublicKeyInfo.
    key: String,
}

impl GithubKeys {
    /// Reads GitHub's list of keys from `path`.
    pub fn load(path: &std::path::Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn from_json(text: &str) -> Result<Self, String> {
        let list: KeyList = serde_json::from_str(text)
            .map_err(|e| format!("not GitHub's list of secret-scanning keys: {e}"))?;
        let keys = list
            .public_keys
            .into_iter()
            .map(|listed| {
                VerifyingKey::from_public_key_pem(&listed.key)
                    .map(|key| (listed.key_identifier.clone(), key))
                    .map_err(|e| format!("key {}: {e}", listed.key_identifier))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if keys.is_empty() {
            return Err("the list holds no keys".into());
        }
        Ok(Self(keys))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `body` was signed, as the request's headers say, by one of these keys.
    fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), ApiError> {
        if self.0.is_empty() {
            return Err(ApiError::BadSignature(
                "This Tessera does not take GitHub secret-scanning alerts: it has no keys to check them with.",
            ));
        }
        let header = |name| headers.get(name).and_then(|value| value.to_str().ok());
        let (Some(key_id), Some(signature)) = (header(KEY_ID_HEADER), header(SIGNATURE_HEADER))
        else {
            return Err(ApiError::BadSignature(
                "Sign the request: Github-Public-Key-Identifier and Github-Public-Key-Signature.",
            ));
        };
        let bad = || ApiError::BadSignature("The signature does not match the body.");
        let key = self
            .0
            .iter()
            .find(|(id, _)| id == key_id)
            .map(|(_, key)| key)
            .ok_or(ApiError::BadSignature(
                "The signing key is not one Tessera knows.",
            ))?;
        let der = base64::engine::general_purpose::STANDARD
            .decode(signature.trim())
            .map_err(|_| bad())?;
        let signature = Signature::from_der(&der).map_err(|_| bad())?;
        key.verify(body, &signature).map_err(|_| bad())
    }
}

/// One secret GitHub found.
#[derive(Deserialize, ToSchema)]
pub struct Alert {
    pub token: String,
    /// The secret type GitHub matched.
    #[serde(rename = "type")]
    pub kind: String,
    /// Where it was found; may be empty.
    #[serde(default)]
    pub url: Option<String>,
    /// What kind of place: `content`, `commit`, `gist_content`, `npm`, ….
    #[serde(default)]
    pub source: Option<String>,
}

/// Whether an alert's secret was a real Tessera token (live or not).
#[derive(Debug, Serialize, ToSchema, PartialEq, Eq)]
pub struct Feedback {
    pub token_raw: String,
    pub token_type: String,
    pub label: Label,
}

#[derive(Debug, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    TruePositive,
    FalsePositive,
}

/// Receive GitHub secret-scanning alerts. The body is GitHub's JSON array of alerts, signed
/// with one of the keys Tessera was given. Each secret that names a token that still works
/// expires it, and its owner is e-mailed where it was found. The answer tells GitHub which
/// secrets were real.
#[utoipa::path(
    post,
    path = "/api/v1/secret-scanning/github",
    tag = "secret-scanning",
    security(()),
    params(
        ("Github-Public-Key-Identifier" = String, Header, description = "The key GitHub signed with"),
        ("Github-Public-Key-Signature" = String, Header, description = "Base64 of the DER ECDSA P-256 SHA-256 signature of the body"),
    ),
    request_body = Vec<Alert>,
    responses(
        (status = 200, description = "Each alert's secret, and whether it was real", body = Vec<Feedback>),
        (status = 400, description = "The signed body is not GitHub's alert array", body = crate::bearer::ErrorBody),
        (status = 401, description = "Unsigned, signed with an unknown key, or a signature that does not match (`invalid_signature`)", body = crate::bearer::ErrorBody),
    )
)]
pub async fn github_alerts(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Vec<Feedback>>, ApiError> {
    // The signature covers the bytes as sent: check it before reading them as JSON.
    state.github_keys.verify(&headers, &body)?;
    let alerts: Vec<Alert> = serde_json::from_slice(&body).map_err(|error| {
        ApiError::UnreadableBody(format!("Expected GitHub's array of alerts: {error}"))
    })?;
    let audit = caller.unauthenticated(state.services.clock.now());
    let mut real = vec![false; alerts.len()];
    // One report per place, so that each owner is told where their secret was.
    let mut places: Vec<(LeakReport, Vec<usize>)> = Vec::new();
    for (index, alert) in alerts.iter().enumerate() {
        let report = LeakReport {
            url: alert.url.clone().filter(|url| url.starts_with("https://")),
            source: alert.source.clone().filter(|source| !source.is_empty()),
            reporter: Some(REPORTER.to_owned()),
        };
        match places.iter_mut().find(|(known, _)| *known == report) {
            Some((_, indices)) => indices.push(index),
            None => places.push((report, vec![index])),
        }
    }
    for (report, indices) in places {
        for chunk in indices.chunks(MAX_REPORTED_SECRETS) {
            let secrets: Vec<String> = chunk.iter().map(|&i| alerts[i].token.clone()).collect();
            let outcome = expire_reported(&state, &secrets, report.clone(), audit.clone()).await?;
            for (&index, was_real) in chunk.iter().zip(outcome.real) {
                real[index] = was_real;
            }
        }
    }
    let feedback = alerts
        .into_iter()
        .zip(real)
        .map(|(alert, real)| Feedback {
            token_raw: alert.token,
            token_type: alert.kind,
            label: if real {
                Label::TruePositive
            } else {
                Label::FalsePositive
            },
        })
        .collect();
    Ok(Json(feedback))
}
