//! Making a token: the checks every way of creating one goes through (the profile page and
//! the API), in one place.

use crate::audit::Actor;
use crate::error::{AppError, Field};
use crate::rules::domain::parse_domain_list;
use crate::rules::expiry::ExpirationLength;
use crate::rules::inheritance::{domains_within, expiry_within, ips_within};
use crate::rules::label::{validate_description, validate_label};
use crate::rules::lists::at_most_max;
use crate::rules::network::{entry_text, parse_ip_list};
use crate::rules::permission::check_grant;
use crate::rules::token::PlainToken;
use crate::services::Services;
use crate::store::{NewToken, TokenRecord, TokenRestrictions};
use rand::TryRngCore;

/// A token as asked for, before any check.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub label: String,
    /// Optional; empty for none.
    pub description: String,
    pub length: ExpirationLength,
    pub permissions: Vec<String>,
    /// Whitelists as typed: entries separated by commas, spaces or line breaks.
    pub ip_whitelist: String,
    pub domain_whitelist: String,
    /// The token this one is made with, through the API: the new token keeps its limits.
    pub made_with: Option<TokenRecord>,
}

/// Checks the request against the rules and the company policy, and stores the token.
/// The plain token is returned once, here, and nowhere else.
pub async fn issue_token(
    services: &Services,
    actor: &Actor,
    request: TokenRequest,
) -> Result<(TokenRecord, PlainToken), AppError> {
    let owner = &actor.user;
    let now = services.clock.now();
    let policy = services.policy.get(services.store.as_ref()).await?;

    let label = validate_label(&request.label).map_err(|e| AppError::invalid(Field::Label, e))?;
    let description = validate_description(&request.description)
        .map_err(|e| AppError::invalid(Field::Description, e))?;
    policy
        .lifetime
        .check(request.length, now)
        .map_err(|e| AppError::invalid(Field::Expiration, e))?;
    let permissions = check_grant(&request.permissions, &policy.permissions, owner.role)
        .map_err(|e| AppError::invalid(Field::Permissions, e))?;
    let mut ip_whitelist = whitelist(parse_ip_list(&request.ip_whitelist), Field::IpWhitelist)?;
    let mut domain_whitelist = whitelist(
        parse_domain_list(&request.domain_whitelist),
        Field::DomainWhitelist,
    )?;
    let mut expires_at = request.length.expires_at(now);
    if let Some(parent) = &request.made_with {
        expires_at = expiry_within(expires_at, parent.expires_at)
            .map_err(|e| AppError::invalid(Field::Expiration, e))?;
        // Stored entries were checked when the parent was made; one that no longer parses
        // must not quietly drop out and leave the new token less restricted.
        let parent_ips = parse_ip_list(&parent.restrictions.ip_whitelist.join(" "))
            .map_err(|_| AppError::Internal)?;
        ip_whitelist = ips_within(ip_whitelist, &parent_ips)
            .map_err(|e| AppError::invalid(Field::IpWhitelist, e))?;
        let parent_domains = parse_domain_list(&parent.restrictions.domain_whitelist.join(" "))
            .map_err(|_| AppError::Internal)?;
        domain_whitelist = domains_within(domain_whitelist, &parent_domains)
            .map_err(|e| AppError::invalid(Field::DomainWhitelist, e))?;
    }

    let plain = PlainToken::generate(&mut rand::rngs::OsRng.unwrap_err());
    let record = services
        .store
        .insert_token(
            NewToken {
                user_id: owner.id,
                label,
                description,
                secret_hash: plain.hash(),
                hint: plain.hint(),
                created_at: now,
                expires_at,
                restrictions: TokenRestrictions {
                    permissions,
                    ip_whitelist: ip_whitelist.iter().map(entry_text).collect(),
                    domain_whitelist: domain_whitelist
                        .iter()
                        .map(|d| d.as_str().to_owned())
                        .collect(),
                },
            },
            &actor.audit(now),
        )
        .await?;
    tracing::info!(token_id = record.id, user = %owner.username, "token created");
    Ok((record, plain))
}

/// A parsed whitelist, if it holds no more than `lists::MAX_ENTRIES`: every check of the
/// token reads it.
fn whitelist<T>(
    parsed: Result<Vec<T>, impl std::fmt::Display>,
    field: Field,
) -> Result<Vec<T>, AppError> {
    let entries = parsed.map_err(|e| AppError::invalid(field, e))?;
    at_most_max(entries).map_err(|e| AppError::invalid(field, e))
}
