//! The unused-token policy at work: expiring the tokens nobody used for the days the Security
//! page sets, and telling their owners. Any instance may run either step at any moment: the
//! expiry is one statement, and each owner's mail is claimed token by token before it is sent.

use crate::rules::disuse::unused_days_words;
use crate::rules::expiry_notice::{NoticeKind, EXPIRED_NOTICE_WINDOW};
use crate::store::{Audit, DisuseNoticeCandidate, NoticeStore, Store, StoreResult};
use crate::ui::format_utc;
use crate::users::invitations::mail::{Mailer, OutgoingMail};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// Expires, as the saved policy says, every token that went unused too long by `now`; how
/// many. Nothing when the policy is off.
pub async fn apply_disuse_policy(store: &dyn Store, now: DateTime<Utc>) -> StoreResult<u64> {
    let policy = store.security_settings().await?.disuse;
    let (Some(days), Some(cutoff)) = (policy.days, policy.cutoff(now)) else {
        return Ok(0);
    };
    let expired = store
        .expire_unused_tokens(cutoff, days, &Audit::by_system(now))
        .await?;
    if expired > 0 {
        tracing::info!(
            target: "tessera::audit", event = "tokens_expired_unused", expired, days,
            "unused tokens expired"
        );
    }
    Ok(expired)
}

/// E-mails each owner once about their tokens the policy expired lately, one mail listing
/// them all; how many mails went out. A mail that fails gives its tokens' claims back, for the
/// next run to try again.
pub async fn send_disuse_notices(
    store: &dyn NoticeStore,
    mailer: &dyn Mailer,
    public_url: &str,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    let candidates = store
        .disuse_notice_candidates(now - EXPIRED_NOTICE_WINDOW)
        .await?;
    let mut by_owner: BTreeMap<String, Vec<DisuseNoticeCandidate>> = BTreeMap::new();
    for candidate in candidates {
        by_owner
            .entry(candidate.owner_email.clone())
            .or_default()
            .push(candidate);
    }
    let mut sent = 0;
    for tokens in by_owner.into_values() {
        let mut claimed = Vec::with_capacity(tokens.len());
        for token in tokens {
            // Another instance may be telling this owner about some of them right now.
            if store
                .claim_notice(token.token_id, NoticeKind::ExpiredUnused, now)
                .await?
            {
                claimed.push(token);
            }
        }
        if claimed.is_empty() {
            continue;
        }
        match mailer.send(disuse_mail(&claimed, public_url)).await {
            Ok(()) => sent += 1,
            Err(error) => {
                tracing::warn!(%error, tokens = claimed.len(), "unused-token notice not sent; will retry");
                for token in &claimed {
                    store
                        .release_notice(token.token_id, NoticeKind::ExpiredUnused)
                        .await?;
                }
            }
        }
    }
    if sent > 0 {
        tracing::info!(sent, "unused-token notices sent");
    }
    Ok(sent)
}

/// One owner's mail: which of their tokens stopped working, how long each went unused, and
/// where to make new ones. `tokens` all belong to one owner and is never empty.
pub fn disuse_mail(tokens: &[DisuseNoticeCandidate], public_url: &str) -> OutgoingMail {
    let owner = &tokens[0];
    let subject = match tokens {
        [one] => format!(
            "Your Tessera token \"{}\" (ending {}) was expired: unused for {}",
            one.label,
            one.hint,
            unused_days_words(one.unused_days)
        ),
        many => format!(
            "{} of your Tessera tokens were expired as unused",
            many.len()
        ),
    };
    let list: String = tokens
        .iter()
        .map(|token| {
            let last_use = token.last_used_at.map_or_else(
                || "never used".to_owned(),
                |at| format!("last used {}", format_utc(at)),
            );
            format!(
                "- \"{}\" (ending {}): unused for {}, {last_use}\n",
                token.label,
                token.hint,
                unused_days_words(token.unused_days)
            )
        })
        .collect();
    let body = format!(
        "Hello {name},\n\n\
         Your organisation expires personal access tokens that nobody uses for a while. \
         These tokens of yours had not been used for that long, so they no longer work:\n\n\
         {list}\n\
         If something still needs one, create a new token on your profile:\n\n\
         {public_url}/profile\n",
        name = owner.owner_name,
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
    use chrono::TimeZone;

    fn token(id: i64, label: &str, last_used: Option<DateTime<Utc>>) -> DisuseNoticeCandidate {
        DisuseNoticeCandidate {
            token_id: id,
            label: label.into(),
            hint: format!("h{id:03}"),
            last_used_at: last_used,
            unused_days: 90,
            owner_name: "Alice Example".into(),
            owner_email: "alice@example.com".into(),
        }
    }

    #[test]
    fn one_token_is_named_in_the_subject() {
        let mail = disuse_mail(&[token(1, "ci", None)], "https://tessera.example");
        assert_eq!(mail.to_address, "alice@example.com");
        assert_eq!(
            mail.subject,
            "Your Tessera token \"ci\" (ending h001) was expired: unused for 90 days"
        );
        assert!(mail
            .body
            .contains("- \"ci\" (ending h001): unused for 90 days, never used"));
        assert!(mail.body.contains("https://tessera.example/profile"));
    }

    #[test]
    fn several_tokens_are_listed_in_one_mail() {
        let used = Utc.with_ymd_and_hms(2026, 8, 1, 12, 0, 0).unwrap();
        let mail = disuse_mail(
            &[token(1, "ci", None), token(2, "deploy", Some(used))],
            "https://tessera.example",
        );
        assert_eq!(
            mail.subject,
            "2 of your Tessera tokens were expired as unused"
        );
        assert!(mail
            .body
            .contains("\"ci\" (ending h001): unused for 90 days, never used"));
        assert!(mail.body.contains(
            "\"deploy\" (ending h002): unused for 90 days, last used 2026-08-01 12:00 UTC"
        ));
        assert!(
            mail.body.is_ascii(),
            "plain text that every mail reader shows"
        );
    }
}
