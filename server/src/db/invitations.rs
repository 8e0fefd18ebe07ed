//! Invitations: the links admins send, and accepting them.

use super::audit::{record, NewEvent};
use super::rows::{InvitationRow, INVITATION_COLUMNS};
use super::statement::Statement;
use super::{backend_error, to_db, Backend, SqlStore};
use app::rules::audit::AuditAction;
use app::rules::secret::SecretHash;
use app::store::{
    AcceptRefusal, Audit, EmailOwner, InvitationId, InvitationRecord, InvitationStore, Invitee,
    NewInvitation, StoreError, StoreResult, Unique, UserSummary,
};
use app::users::Role;
use chrono::{DateTime, Utc};

#[async_trait::async_trait]
impl<DB: Backend> InvitationStore for SqlStore<DB> {
    async fn email_owner(
        &self,
        email: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<EmailOwner>> {
        let users: i64 = Statement::new(
            "SELECT COUNT(*) FROM users WHERE lower(email) = lower($1) AND email <> ''",
        )
        .bind(email.to_owned())
        .fetch_value(DB::on_pool(&self.pool))
        .await?;
        if users > 0 {
            return Ok(Some(EmailOwner::User));
        }
        let pending: Option<(i64,)> = Statement::new(
            "SELECT id FROM invitations
             WHERE lower(email) = lower($1) AND accepted_at IS NULL AND revoked_at IS NULL
               AND expires_at > $2
             ORDER BY id DESC LIMIT 1",
        )
        .bind(email.to_owned())
        .bind(to_db(now))
        .fetch_optional(DB::on_pool(&self.pool))
        .await?;
        Ok(pending.map(|(id,)| EmailOwner::PendingInvitation(id)))
    }

    async fn insert_invitation(
        &self,
        invitation: NewInvitation,
        audit: &Audit,
    ) -> StoreResult<InvitationRecord> {
        let detail = invitation_detail(&invitation.email, invitation.role.as_str());
        let insert = Statement::new(
            "INSERT INTO invitations (email, display_name, role, secret_hash, invited_by,
                                      created_at, sent_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(invitation.email.clone())
        .bind(invitation.display_name.clone())
        .bind(invitation.role.as_str().to_owned())
        .bind(invitation.secret_hash.as_bytes().to_vec())
        .bind(invitation.invited_by)
        .bind(to_db(invitation.sent_at))
        .bind(to_db(invitation.sent_at))
        .bind(to_db(invitation.expires_at));
        let audit = audit.clone();
        let id: i64 = self
            .write(
                |db| {
                    Box::pin(async move {
                        let id = insert.fetch_value(DB::on_connection(&mut *db)).await?;
                        let event =
                            NewEvent::about(AuditAction::InvitationSent, Some(id), None, detail);
                        record::<DB>(db, &audit, vec![event]).await?;
                        Ok(id)
                    })
                },
                |_| None,
            )
            .await?;
        self.find_invitation(id).await?.ok_or_else(|| {
            StoreError::Backend("invitation vanished right after it was inserted".into())
        })
    }

    async fn invitations(&self) -> StoreResult<Vec<InvitationRecord>> {
        let rows: Vec<InvitationRow> = Statement::new(format!(
            "SELECT {INVITATION_COLUMNS} ORDER BY i.created_at DESC, i.id DESC"
        ))
        .fetch_all(DB::on_pool(&self.pool))
        .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn find_invitation(&self, id: InvitationId) -> StoreResult<Option<InvitationRecord>> {
        let row: Option<InvitationRow> =
            Statement::new(format!("SELECT {INVITATION_COLUMNS} WHERE i.id = $1"))
                .bind(id)
                .fetch_optional(DB::on_pool(&self.pool))
                .await?;
        Ok(row.map(Into::into))
    }

    async fn open_invitation(
        &self,
        secret_hash: &SecretHash,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<InvitationRecord>> {
        let row: Option<InvitationRow> = Statement::new(format!(
            "SELECT {INVITATION_COLUMNS}
             WHERE i.secret_hash = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL
               AND i.expires_at > $2"
        ))
        .bind(secret_hash.as_bytes().to_vec())
        .bind(to_db(now))
        .fetch_optional(DB::on_pool(&self.pool))
        .await?;
        Ok(row.map(Into::into))
    }

    async fn resend_invitation(
        &self,
        id: InvitationId,
        secret_hash: SecretHash,
        expires_at: DateTime<Utc>,
        audit: &Audit,
    ) -> StoreResult<bool> {
        let update = Statement::new(
            "UPDATE invitations
             SET secret_hash = $1, sent_at = $2, expires_at = $3, revoked_at = NULL
             WHERE id = $4 AND accepted_at IS NULL
             RETURNING id, email, display_name, role",
        )
        .bind(secret_hash.as_bytes().to_vec())
        .bind(to_db(audit.at))
        .bind(to_db(expires_at))
        .bind(id);
        self.invitation_write(update, AuditAction::InvitationResent, audit)
            .await
    }

    async fn revoke_invitation(&self, id: InvitationId, audit: &Audit) -> StoreResult<bool> {
        let update = Statement::new(
            "UPDATE invitations SET revoked_at = $1
             WHERE id = $2 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $3
             RETURNING id, email, display_name, role",
        )
        .bind(to_db(audit.at))
        .bind(id)
        .bind(to_db(audit.at));
        self.invitation_write(update, AuditAction::InvitationRevoked, audit)
            .await
    }

    /// The link is marked used first, so of two concurrent acceptances only one
    /// finds it pending; any refusal rolls everything back.
    async fn accept_invitation(
        &self,
        secret_hash: &SecretHash,
        invitee: Invitee,
        audit: &Audit,
    ) -> StoreResult<Result<UserSummary, AcceptRefusal>> {
        let now = audit.at;
        let mut tx = self.pool.begin().await.map_err(backend_error)?;
        let claimed: Option<(i64, String, String, String)> = Statement::new(
            "UPDATE invitations SET accepted_at = $1
             WHERE secret_hash = $2 AND accepted_at IS NULL AND revoked_at IS NULL
               AND expires_at > $3
             RETURNING id, email, display_name, role",
        )
        .bind(to_db(now))
        .bind(secret_hash.as_bytes().to_vec())
        .bind(to_db(now))
        .fetch_optional(DB::on_connection(&mut tx))
        .await?;
        let Some((invitation_id, email, display_name, role)) = claimed else {
            return Ok(Err(AcceptRefusal::Broken));
        };
        let detail = invitation_detail(&email, &role);
        let inserted = Statement::new(
            "INSERT INTO users (username, display_name, email, password_hash, role, created_at)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(invitee.username.clone())
        .bind(display_name.clone())
        .bind(email)
        .bind(invitee.password_hash)
        .bind(role.clone())
        .bind(to_db(now))
        .conflict(Unique::Username)
        .fetch_value(DB::on_connection(&mut tx))
        .await;
        let user_id: i64 = match inserted {
            Ok(id) => id,
            Err(StoreError::Duplicate(Unique::Email)) => return Ok(Err(AcceptRefusal::EmailTaken)),
            Err(StoreError::Duplicate(_)) => return Ok(Err(AcceptRefusal::UsernameTaken)),
            Err(other) => return Err(other),
        };
        Statement::new("UPDATE invitations SET accepted_user_id = $1 WHERE id = $2")
            .bind(user_id)
            .bind(invitation_id)
            .execute(DB::on_connection(&mut tx))
            .await?;
        // The new user accepts as themselves.
        let event = NewEvent::about(
            AuditAction::InvitationAccepted,
            Some(invitation_id),
            Some(user_id),
            detail,
        );
        record::<DB>(&mut tx, &audit.clone().as_user(user_id), vec![event]).await?;
        tx.commit().await.map_err(backend_error)?;
        Ok(Ok(UserSummary {
            id: user_id,
            username: invitee.username,
            display_name,
            role: Role::parse(&role).unwrap_or(Role::User),
        }))
    }
}

impl<DB: Backend> SqlStore<DB> {
    /// Runs an update of one invitation that returns it, and records `action` about it;
    /// whether there was such an invitation to change.
    async fn invitation_write(
        &self,
        update: Statement<DB>,
        action: AuditAction,
        audit: &Audit,
    ) -> StoreResult<bool> {
        let audit = audit.clone();
        self.write(
            |db| {
                Box::pin(async move {
                    let changed: Option<(i64, String, String, String)> =
                        update.fetch_optional(DB::on_connection(&mut *db)).await?;
                    let Some((id, email, _, role)) = changed else {
                        return Ok(false);
                    };
                    let detail = invitation_detail(&email, &role);
                    let event = NewEvent::about(action, Some(id), None, detail);
                    record::<DB>(db, &audit, vec![event]).await?;
                    Ok(true)
                })
            },
            |_| None,
        )
        .await
    }
}

/// Whom an invitation is for, as its events keep it: the address, and the role in words.
fn invitation_detail(email: &str, role: &str) -> serde_json::Value {
    let role = Role::parse(role).unwrap_or(Role::User);
    serde_json::json!({ "email": email, "role": role.words() })
}
