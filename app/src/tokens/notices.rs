//! The e-mails that remind owners their tokens expire: seven days before, one day before,
//! and when one has expired. Any instance may run the job at any moment; each notice is
//! claimed in the database before it is sent, so each goes out once.

use crate::rules::expiry::EXPIRY_NOTICE_DAYS;
use crate::rules::expiry_notice::{due_notice, NoticeKind, EXPIRED_NOTICE_WINDOW};
use crate::store::{NoticeCandidate, NoticeStore, StoreResult};
use crate::ui::format_utc;
use crate::users::invitations::mail::{Mailer, OutgoingMail};
use chrono::{DateTime, Duration, Utc};

/// Sends every notice due at `now`; how many went out. A notice whose e-mail fails is given
/// back, for the next run to try again.
pub async fn send_expiry_notices(
    store: &dyn NoticeStore,
    mailer: &dyn Mailer,
    public_url: &str,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    let candidates = store
        .notice_candidates(
            now - EXPIRED_NOTICE_WINDOW,
            now + Duration::days(EXPIRY_NOTICE_DAYS),
        )
        .await?;
    let mut sent = 0;
    for candidate in candidates {
        let Some(kind) = due_notice(
            now,
            candidate.created_at,
            Some(candidate.expires_at),
            &candidate.sent,
        ) else {
            continue;
        };
        if !store.claim_notice(candidate.token_id, kind, now).await? {
            continue; // another instance has it
        }
        match mailer.send(expiry_mail(&candidate, kind, public_url)).await {
            Ok(()) => sent += 1,
            Err(error) => {
                tracing::warn!(%error, token_id = candidate.token_id, kind = kind.as_str(), "expiry notice not sent; will retry");
                store.release_notice(candidate.token_id, kind).await?;
            }
        }
    }
    if sent > 0 {
        tracing::info!(sent, "expiry notices sent");
    }
    Ok(sent)
}

/// The reminder for one token: what expires when, and the way to the profile's Rotate.
pub fn expiry_mail(
    candidate: &NoticeCandidate,
    kind: NoticeKind,
    public_url: &str,
) -> OutgoingMail {
    let token = format!("\"{}\" (ending {})", candidate.label, candidate.hint);
    let when = format_utc(candidate.expires_at);
    let (subject, news) = match kind {
        NoticeKind::SevenDaysBefore => (
            format!("Your Tessera token {token} expires in 7 days"),
            format!("expires at {when}, in 7 days"),
        ),
        NoticeKind::OneDayBefore => (
            format!("Your Tessera token {token} expires tomorrow"),
            format!("expires at {when}, within a day"),
        ),
        NoticeKind::Expired | NoticeKind::ExpiredUnused => (
            format!("Your Tessera token {token} has expired"),
            format!("expired at {when}"),
        ),
    };
    let body = format!(
        "Hello {name},\n\n\
         Your personal access token {token} {news}. Anything that uses it stops working then.\n\n\
         To keep it working, open your profile and choose Rotate in the token's Actions menu: \
         a new token with the same label, permissions and whitelists replaces it.\n\n\
         {public_url}/profile\n\n\
         You get these reminders because they are on for your account; you can turn them off \
         on your profile.\n",
        name = candidate.owner_name,
    );
    OutgoingMail {
        to_name: candidate.owner_name.clone(),
        to_address: candidate.owner_email.clone(),
        subject,
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_mail_names_the_token_its_expiry_and_the_profile() {
        let candidate = NoticeCandidate {
            token_id: 7,
            label: "deploy bot".into(),
            hint: "K3zq".into(),
            created_at: Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap(),
            expires_at: Utc.with_ymd_and_hms(2026, 12, 1, 9, 30, 0).unwrap(),
            owner_name: "Alice Example".into(),
            owner_email: "alice@example.com".into(),
            sent: vec![],
        };
        let mail = expiry_mail(
            &candidate,
            NoticeKind::SevenDaysBefore,
            "https://tessera.example",
        );
        assert_eq!(mail.to_address, "alice@example.com");
        assert_eq!(
            mail.subject,
            "Your Tessera token \"deploy bot\" (ending K3zq) expires in 7 days"
        );
        assert!(mail.body.contains("Hello Alice Example"));
        assert!(mail.body.contains("https://tessera.example/profile"));
        assert!(mail.body.contains("Rotate"));
        let expired = expiry_mail(&candidate, NoticeKind::Expired, "https://tessera.example");
        assert!(
            expired.subject.ends_with("has expired"),
            "{}",
            expired.subject
        );
    }
}
