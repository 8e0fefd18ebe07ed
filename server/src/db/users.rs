//! Accounts: sign-in's lookup, admins' changes, and demo data.

use super::audit::{record, record_each, NewEvent};
use super::rows::CredentialsRow;
use super::statement::Statement;
use super::tokens::{insert_seed_tokens, ran_out};
use super::{to_db, Backend, SqlStore};
use crate::changes::Change;
use app::rules::audit::AuditAction;
use app::rules::session::SessionEnd;
use app::store::{
    Audit, NewUser, SeedSignIn, SeedToken, SeedUser, SessionId, StoreResult, Unique, UserChange,
    UserCredentials, UserId, UserStore,
};
use app::users::Role;
use chrono::{DateTime, Utc};
use serde_json::json;
use std::collections::HashMap;

#[async_trait::async_trait]
impl<DB: Backend> UserStore for SqlStore<DB> {
    async fn count_users(&self) -> StoreResult<u64> {
        let count: i64 = Statement::new("SELECT COUNT(*) FROM users")
            .fetch_value(DB::on_pool(&self.pool))
            .await?;
        Ok(count as u64)
    }

    async fn insert_user(&self, user: NewUser) -> StoreResult<UserId> {
        Statement::new(
            "INSERT INTO users (username, display_name, email, password_hash, role, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(user.username)
        .bind(user.display_name)
        .bind(user.email)
        .bind(user.password_hash)
        .bind(user.role.as_str().to_owned())
        .bind(to_db(Utc::now()))
        .conflict(Unique::Username)
        .fetch_value(DB::on_pool(&self.pool))
        .await
    }

    async fn find_credentials(&self, username: &str) -> StoreResult<Option<UserCredentials>> {
        let row: Option<CredentialsRow> = Statement::new(
            "SELECT id, username, display_name, role, password_hash, login_active, is_current
             FROM users WHERE username = $1",
        )
        .bind(username.to_owned())
        .fetch_optional(DB::on_pool(&self.pool))
        .await?;
        Ok(row.map(|row| UserCredentials {
            user: row.user.into_summary(),
            password_hash: row.password_hash,
            login_active: row.login_active,
            current: row.is_current,
        }))
    }

    async fn update_user(
        &self,
        user_id: UserId,
        change: UserChange,
        audit: &Audit,
    ) -> StoreResult<bool> {
        let before = Statement::new(
            "SELECT role, CAST(CASE WHEN login_active THEN 1 ELSE 0 END AS BIGINT),
                    CAST(CASE WHEN is_current THEN 1 ELSE 0 END AS BIGINT)
             FROM users WHERE id = $1",
        )
        .bind(user_id);
        let update = Statement::new(
            "UPDATE users SET role = $1, login_active = $2, is_current = $3 WHERE id = $4",
        )
        .bind(change.role.as_str().to_owned())
        .bind(change.login_active)
        .bind(change.current)
        .bind(user_id);
        let audit = audit.clone();
        // The owner's role decides which admin-only permissions a token may use.
        let announce = |&updated: &bool| updated.then_some(Change::User(user_id));
        self.write(
            |db| {
                Box::pin(async move {
                    let old: Option<(String, i64, i64)> =
                        before.fetch_optional(DB::on_connection(&mut *db)).await?;
                    let Some((role, login_active, current)) = old else {
                        return Ok(false);
                    };
                    update.execute(DB::on_connection(&mut *db)).await?;
                    let events =
                        user_changes(user_id, (&role, login_active == 1, current == 1), &change);
                    record::<DB>(db, &audit, events).await?;
                    Ok(true)
                })
            },
            announce,
        )
        .await
    }

    async fn change_password(
        &self,
        user_id: UserId,
        password_hash: String,
        keep: SessionId,
        audit: &Audit,
    ) -> StoreResult<u64> {
        let audit = audit.clone();
        // Sessions are read from the database on every request: nothing to announce.
        self.write(
            |db| {
                Box::pin(async move {
                    Statement::new("UPDATE users SET password_hash = $1 WHERE id = $2")
                        .bind(password_hash)
                        .bind(user_id)
                        .execute(DB::on_connection(&mut *db))
                        .await?;
                    let event =
                        NewEvent::user(AuditAction::PasswordChanged, Some(user_id), json!({}));
                    record::<DB>(db, &audit, vec![event]).await?;
                    end_sessions_of::<DB>(db, user_id, Some(keep), audit.at).await
                })
            },
            |_| None,
        )
        .await
    }

    async fn seed(&self, users: Vec<SeedUser>, now: DateTime<Utc>) -> StoreResult<()> {
        self.write(
            |db| Box::pin(insert_seed_users::<DB>(db, users, now)),
            |_| Some(Change::AllTokens),
        )
        .await?;
        // Fresh statistics, so the planner knows the tables just grew.
        Statement::<DB>::new("ANALYZE")
            .execute(DB::on_pool(&self.pool))
            .await?;
        Ok(())
    }
}

/// Ends every session of the user live at `at`, but `keep`, because their password changed;
/// how many.
pub(super) async fn end_sessions_of<DB: Backend>(
    db: &mut DB::Connection,
    user_id: UserId,
    keep: Option<SessionId>,
    at: DateTime<Utc>,
) -> StoreResult<u64> {
    Statement::new(
        "UPDATE sessions SET ended_at = $1, end_reason = $2
         WHERE user_id = $3 AND ended_at IS NULL AND expires_at > $4 AND id <> $5",
    )
    .bind(to_db(at))
    .bind(SessionEnd::PasswordChanged.as_str().to_owned())
    .bind(user_id)
    .bind(to_db(at))
    // No session has id 0: with nothing to keep, every session ends.
    .bind(keep.unwrap_or(0))
    .execute(DB::on_connection(db))
    .await
}

async fn insert_seed_users<DB: Backend>(
    db: &mut DB::Connection,
    users: Vec<SeedUser>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut events = Vec::new();
    for seeded in users {
        let username = seeded.user.username.clone();
        let user_id: i64 = Statement::new(
            "INSERT INTO users (username, display_name, email, password_hash, role, login_active,
                                is_current, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(seeded.user.username)
        .bind(seeded.user.display_name)
        .bind(seeded.user.email)
        .bind(seeded.user.password_hash)
        .bind(seeded.user.role.as_str().to_owned())
        .bind(seeded.login_active)
        .bind(seeded.current)
        .bind(to_db(now))
        .fetch_value(DB::on_connection(&mut *db))
        .await?;
        insert_seed_tokens::<DB>(db, user_id, &seeded.tokens, now).await?;
        let ids: Vec<(i64, i64, Vec<u8>)> =
            Statement::new("SELECT id, user_id, secret_hash FROM access_tokens WHERE user_id = $1")
                .bind(user_id)
                .fetch_all(DB::on_connection(&mut *db))
                .await?;
        let id_of: HashMap<Vec<u8>, i64> =
            ids.into_iter().map(|(id, _, hash)| (hash, id)).collect();
        for token in &seeded.tokens {
            let Some(&id) = id_of.get(token.secret_hash.as_bytes().as_slice()) else {
                continue;
            };
            events.extend(seed_token_events(user_id, id, token, now));
        }
        events.extend(
            seeded
                .sign_ins
                .iter()
                .map(|sign_in| seed_sign_in_event(user_id, &username, sign_in)),
        );
    }
    record_each::<DB>(db, events).await
}

/// A demo token's past: made by its owner, and expired by them or by time if it was.
fn seed_token_events(
    owner: UserId,
    id: i64,
    token: &SeedToken,
    now: DateTime<Utc>,
) -> Vec<(Audit, NewEvent)> {
    let created = json!({
        "label": token.label,
        "permissions": token.permissions,
        "expires_at": token.expires_at,
    });
    let mut events = vec![(
        Audit::by_user(owner, token.created_at),
        NewEvent::token(AuditAction::TokenCreated, id, owner, created),
    )];
    if let Some(at) = token.expired_at {
        let expired = NewEvent::token(
            AuditAction::TokenExpired,
            id,
            owner,
            json!({ "by": "owner" }),
        );
        events.push((Audit::by_user(owner, at), expired));
    }
    if let Some(at) = ran_out(token, now) {
        let expired = NewEvent::token(
            AuditAction::TokenExpired,
            id,
            owner,
            json!({ "by": "time" }),
        );
        events.push((Audit::by_system(at), expired));
    }
    events
}

/// A demo user's past sign-in, in a browser, from its address.
fn seed_sign_in_event(user_id: UserId, username: &str, sign_in: &SeedSignIn) -> (Audit, NewEvent) {
    const BROWSER: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
    let client = (Some(sign_in.ip.clone()), Some(BROWSER.to_owned()));
    if sign_in.succeeded {
        let event = NewEvent::about(
            AuditAction::SignInSucceeded,
            None,
            Some(user_id),
            json!({ "second_factor": null }),
        );
        (
            Audit::by_user(user_id, sign_in.at).from_client(client.0, client.1),
            event,
        )
    } else {
        let detail = json!({ "username": username, "reason": "wrong password" });
        let event = NewEvent::user(AuditAction::SignInFailed, Some(user_id), detail);
        (
            Audit::by_visitor(sign_in.at).from_client(client.0, client.1),
            event,
        )
    }
}

/// One event per field an admin's change alters, from what the user was: (role, Login Active,
/// Current).
fn user_changes(
    user_id: UserId,
    (role, login_active, current): (&str, bool, bool),
    change: &UserChange,
) -> Vec<NewEvent> {
    let mut events = Vec::new();
    let old_role = Role::parse(role).unwrap_or(Role::User);
    if old_role != change.role {
        let detail = json!({ "from": old_role.words(), "to": change.role.words() });
        events.push(NewEvent::user(
            AuditAction::UserRoleChanged,
            Some(user_id),
            detail,
        ));
    }
    if login_active != change.login_active {
        let detail = json!({ "from": login_active, "to": change.login_active });
        events.push(NewEvent::user(
            AuditAction::UserLoginActiveChanged,
            Some(user_id),
            detail,
        ));
    }
    if current != change.current {
        let detail = json!({ "from": current, "to": change.current });
        events.push(NewEvent::user(
            AuditAction::UserCurrentChanged,
            Some(user_id),
            detail,
        ));
    }
    events
}
