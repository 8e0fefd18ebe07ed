//! The invitation queries of every sqlx store. They are inherent methods, generated per
//! backend like the rest of the store, which the `Store` impl calls.

macro_rules! invitation_sql {
    ($store:ident, $db:ty) => {
        impl $store {
            pub(crate) async fn find_email_owner(
                &self,
                email: &str,
                now: DateTime<Utc>,
            ) -> StoreResult<Option<EmailOwner>> {
                let users: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM users WHERE lower(email) = lower($1) AND email <> ''",
                )
                .bind(email)
                .fetch_one(&self.pool)
                .await
                .map_err(backend)?;
                if users > 0 {
                    return Ok(Some(EmailOwner::User));
                }
                let pending: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM invitations
                     WHERE lower(email) = lower($1) AND accepted_at IS NULL AND revoked_at IS NULL
                       AND expires_at > $2
                     ORDER BY id DESC LIMIT 1",
                )
                .bind(email)
                .bind(to_db(now))
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?;
                Ok(pending.map(EmailOwner::PendingInvitation))
            }

            pub(crate) async fn add_invitation(
                &self,
                invitation: NewInvitation,
            ) -> StoreResult<InvitationRecord> {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO invitations (email, display_name, role, secret_hash, invited_by,
                                              created_at, sent_at, expires_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(&invitation.email)
                .bind(&invitation.display_name)
                .bind(invitation.role.as_str())
                .bind(invitation.secret_hash.as_bytes().as_slice())
                .bind(invitation.invited_by)
                .bind(to_db(invitation.sent_at))
                .bind(to_db(invitation.sent_at))
                .bind(to_db(invitation.expires_at))
                .fetch_one(&self.pool)
                .await
                .map_err(backend)?;
                self.invitation_by_id(id).await?.ok_or_else(|| {
                    StoreError::Backend("invitation vanished right after it was inserted".into())
                })
            }

            pub(crate) async fn all_invitations(&self) -> StoreResult<Vec<InvitationRecord>> {
                let rows: Vec<InvitationRow> = sqlx::query_as(&format!(
                    "SELECT {INVITATION_COLUMNS} ORDER BY i.created_at DESC, i.id DESC"
                ))
                .fetch_all(&self.pool)
                .await
                .map_err(backend)?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            pub(crate) async fn invitation_by_id(
                &self,
                id: InvitationId,
            ) -> StoreResult<Option<InvitationRecord>> {
                let row: Option<InvitationRow> =
                    sqlx::query_as(&format!("SELECT {INVITATION_COLUMNS} WHERE i.id = $1"))
                        .bind(id)
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(backend)?;
                Ok(row.map(Into::into))
            }

            pub(crate) async fn pending_invitation(
                &self,
                secret_hash: &SecretHash,
                now: DateTime<Utc>,
            ) -> StoreResult<Option<InvitationRecord>> {
                let row: Option<InvitationRow> = sqlx::query_as(&format!(
                    "SELECT {INVITATION_COLUMNS}
                     WHERE i.secret_hash = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL
                       AND i.expires_at > $2"
                ))
                .bind(secret_hash.as_bytes().as_slice())
                .bind(to_db(now))
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?;
                Ok(row.map(Into::into))
            }

            pub(crate) async fn renew_invitation(
                &self,
                id: InvitationId,
                secret_hash: SecretHash,
                sent_at: DateTime<Utc>,
                expires_at: DateTime<Utc>,
            ) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE invitations SET secret_hash = $1, sent_at = $2, expires_at = $3, revoked_at = NULL
                     WHERE id = $4 AND accepted_at IS NULL",
                )
                .bind(secret_hash.as_bytes().as_slice())
                .bind(to_db(sent_at))
                .bind(to_db(expires_at))
                .bind(id)
                .execute(&self.pool)
                .await
                .map_err(backend)?;
                Ok(done.rows_affected() == 1)
            }

            pub(crate) async fn cancel_invitation(
                &self,
                id: InvitationId,
                at: DateTime<Utc>,
            ) -> StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE invitations SET revoked_at = $1
                     WHERE id = $2 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $3",
                )
                .bind(to_db(at))
                .bind(id)
                .bind(to_db(at))
                .execute(&self.pool)
                .await
                .map_err(backend)?;
                Ok(done.rows_affected() == 1)
            }

            /// The link is marked used first, so of two concurrent acceptances only one
            /// finds it pending; any refusal rolls everything back.
            pub(crate) async fn use_invitation(
                &self,
                secret_hash: &SecretHash,
                now: DateTime<Utc>,
                invitee: Invitee,
            ) -> StoreResult<Result<UserSummary, AcceptRefusal>> {
                let mut tx = self.pool.begin().await.map_err(backend)?;
                let claimed: Option<(i64, String, String, String)> = sqlx::query_as(
                    "UPDATE invitations SET accepted_at = $1
                     WHERE secret_hash = $2 AND accepted_at IS NULL AND revoked_at IS NULL
                       AND expires_at > $3
                     RETURNING id, email, display_name, role",
                )
                .bind(to_db(now))
                .bind(secret_hash.as_bytes().as_slice())
                .bind(to_db(now))
                .fetch_optional(&mut *tx)
                .await
                .map_err(backend)?;
                let Some((invitation_id, email, display_name, role)) = claimed else {
                    return Ok(Err(AcceptRefusal::Broken));
                };
                let inserted = sqlx::query_scalar(
                    "INSERT INTO users (username, display_name, email, password_hash, role, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(&invitee.username)
                .bind(&display_name)
                .bind(&email)
                .bind(&invitee.password_hash)
                .bind(&role)
                .bind(to_db(now))
                .fetch_one(&mut *tx)
                .await
                .map_err($crate::db::user_insert_error);
                let user_id: i64 = match inserted {
                    Ok(id) => id,
                    Err(StoreError::Duplicate(Unique::Email)) => return Ok(Err(AcceptRefusal::EmailTaken)),
                    Err(StoreError::Duplicate(_)) => return Ok(Err(AcceptRefusal::UsernameTaken)),
                    Err(other) => return Err(other),
                };
                sqlx::query("UPDATE invitations SET accepted_user_id = $1 WHERE id = $2")
                    .bind(user_id)
                    .bind(invitation_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
                tx.commit().await.map_err(backend)?;
                Ok(Ok(UserSummary {
                    id: user_id,
                    username: invitee.username,
                    display_name,
                    role: Role::parse(&role).unwrap_or(Role::User),
                }))
            }
        }
    };
}

pub(crate) use invitation_sql;
