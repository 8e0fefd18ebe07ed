//! Secrets someone found where they should not be: each that names a live token expires it,
//! and its owner is told where it was found. Who reports learns nothing about which secrets
//! exist; GitHub's secret scanning, which proves who it is, is told which were real.

use crate::rules::secret::SecretHash;
use crate::rules::token::PlainToken;
use crate::store::{Audit, LeakReport, LeakedToken, StoreResult, TokenStore};
use crate::users::invitations::mail::OutgoingMail;
use std::collections::BTreeMap;

/// The most secrets one report may name.
pub const MAX_REPORTED_SECRETS: usize = 100;

/// What a report came to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeakOutcome {
    /// The tokens it expired.
    pub expired: Vec<LeakedToken>,
    /// For each secret of the report, in order: whether it names a token, live or not.
    pub real: Vec<bool>,
}

/// Expires the live tokens that `secrets` name, in one transaction. Secrets that are not
/// Tessera tokens (a bad checksum) never reach the database.
pub async fn report_leaks(
    store: &dyn TokenStore,
    secrets: &[String],
    report: &LeakReport,
    audit: &Audit,
) -> StoreResult<LeakOutcome> {
    let hashes: Vec<Option<SecretHash>> = secrets
        .iter()
        .map(|secret| {
            PlainToken::parse(secret.trim())
                .ok()
                .map(|token| token.hash())
        })
        .collect();
    let mut distinct: Vec<SecretHash> = hashes.iter().flatten().cloned().collect();
    distinct.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    distinct.dedup();
    let found = store.expire_leaked_tokens(&distinct, report, audit).await?;
    let real = hashes
        .iter()
        .map(|hash| hash.as_ref().is_some_and(|hash| found.known.contains(hash)))
        .collect();
    Ok(LeakOutcome {
        expired: found.expired,
        real,
    })
}

/// One mail per owner with an address, listing their tokens the report expired.
pub fn leak_mails(
    tokens: &[LeakedToken],
    report: &LeakReport,
    public_url: &str,
) -> Vec<OutgoingMail> {
    let mut by_owner: BTreeMap<&str, Vec<&LeakedToken>> = BTreeMap::new();
    for token in tokens.iter().filter(|token| !token.owner_email.is_empty()) {
        by_owner.entry(&token.owner_email).or_default().push(token);
    }
    by_owner
        .into_values()
        .map(|tokens| leak_mail(&tokens, report, public_url))
        .collect()
}

fn leak_mail(tokens: &[&LeakedToken], report: &LeakReport, public_url: &str) -> OutgoingMail {
    let owner = tokens[0];
    let subject = match tokens {
        [one] => format!(
            "Your Tessera token \"{}\" (ending {}) was reported leaked and expired",
            one.label, one.hint
        ),
        many => format!(
            "{} of your Tessera tokens were reported leaked and expired",
            many.len()
        ),
    };
    let list: String = tokens
        .iter()
        .map(|token| format!("- \"{}\" (ending {})\n", token.label, token.hint))
        .collect();
    let reporter = report.reporter.as_deref().unwrap_or("Someone");
    let place = match (&report.url, &report.source) {
        (Some(url), _) => format!(" They found it here:\n\n{url}\n"),
        (None, Some(source)) => format!(" They found it in: {source}.\n"),
        (None, None) => " They did not say where.\n".to_owned(),
    };
    let body = format!(
        "Hello {name},\n\n\
         {reporter} reported that the secret of these tokens of yours is public, so Tessera \
         expired them at once. They no longer work:\n\n\
         {list}\n\
         {place}\n\
         Remove the secret from where it was found, and check what used it. If something still \
         needs a token, create a new one on your profile:\n\n\
         {public_url}/profile\n",
        name = owner.owner_name,
        place = place.trim_start(),
    );
    OutgoingMail {
        to_name: owner.owner_name.clone(),
        to_address: owner.owner_email.clone(),
        subject,
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaked(id: i64, owner: &str, email: &str) -> LeakedToken {
        LeakedToken {
            token_id: id,
            label: format!("ci-{id}"),
            hint: "k3Zq".into(),
            owner_name: owner.into(),
            owner_email: email.into(),
        }
    }

    #[test]
    fn each_owner_gets_one_mail_naming_the_place() {
        let tokens = [
            leaked(1, "Alice", "alice@example.com"),
            leaked(2, "Bob", "bob@example.com"),
            leaked(3, "Alice", "alice@example.com"),
            leaked(4, "Carol", ""),
        ];
        let report = LeakReport {
            url: Some("https://github.com/acme/app/commit/abc".into()),
            source: Some("commit".into()),
            reporter: Some("GitHub secret scanning".into()),
        };
        let mails = leak_mails(&tokens, &report, "https://tessera.example");
        assert_eq!(mails.len(), 2, "Carol has no address");
        let alice = &mails[0];
        assert_eq!(alice.to_address, "alice@example.com");
        assert_eq!(
            alice.subject,
            "2 of your Tessera tokens were reported leaked and expired"
        );
        assert!(alice.body.contains("- \"ci-1\" (ending k3Zq)\n- \"ci-3\""));
        assert!(alice
            .body
            .starts_with("Hello Alice,\n\nGitHub secret scanning reported"));
        assert!(alice
            .body
            .contains("found it here:\n\nhttps://github.com/acme/app/commit/abc\n"));
        assert!(alice.body.contains("https://tessera.example/profile"));
        assert_eq!(
            mails[1].subject,
            "Your Tessera token \"ci-2\" (ending k3Zq) was reported leaked and expired"
        );
    }

    #[test]
    fn a_report_without_a_place_says_so() {
        let mails = leak_mails(
            &[leaked(1, "Alice", "alice@example.com")],
            &LeakReport::default(),
            "https://tessera.example",
        );
        assert!(mails[0].body.contains("Someone reported"));
        assert!(mails[0].body.contains("They did not say where."));
        let in_source = LeakReport {
            source: Some("gist_content".into()),
            ..Default::default()
        };
        let mails = leak_mails(
            &[leaked(1, "Alice", "alice@example.com")],
            &in_source,
            "https://tessera.example",
        );
        assert!(mails[0].body.contains("They found it in: gist_content."));
    }
}
