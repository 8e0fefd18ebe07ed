//! The `Store` implementation, written once for every sqlx backend. The SQL is portable:
//! `$N` placeholders (SQLite binds them by number too), `RETURNING`, integer times.
//! `$notify` is the statement that sends a change inside a transaction, where the backend
//! has one.

macro_rules! sql_store {
    ($store:ident, $db:ty, $notify:expr) => {
        use $crate::changes::Change;
        use $crate::db::rows::*;
        use $crate::db::{backend, to_db};
        use app::rules::secret::SecretHash;
        use app::store::*;
        use app::users::Role;
        use chrono::{DateTime, Utc};

        #[derive(Clone)]
        pub struct $store {
            pool: sqlx::Pool<$db>,
            changes: std::sync::Arc<$crate::changes::ChangeFeed>,
        }

        impl $store {
            pub fn new(
                pool: sqlx::Pool<$db>,
                changes: std::sync::Arc<$crate::changes::ChangeFeed>,
            ) -> Self {
                Self { pool, changes }
            }

            pub fn pool(&self) -> &sqlx::Pool<$db> {
                &self.pool
            }

            /// Commits `tx` with `change` announced in it (the other instances hear it only if
            /// the transaction commits), and returns once every instance has applied it.
            async fn commit_announcing(
                &self,
                mut tx: sqlx::Transaction<'_, $db>,
                change: Change,
            ) -> StoreResult<()> {
                let outgoing = self.changes.prepare(change);
                let notify: Option<&str> = $notify;
                if let Some(statement) = notify {
                    sqlx::query(statement)
                        .bind(outgoing.text())
                        .execute(&mut *tx)
                        .await
                        .map_err(backend)?;
                }
                tx.commit().await.map_err(backend)?;
                outgoing.delivered().await;
                Ok(())
            }
        }

        $crate::db::invitation_sql::invitation_sql!($store, $db);

        #[async_trait::async_trait]
        impl $crate::bearer::cache::TokenSource for $store {
            async fn token_by_hash(&self, hash: &SecretHash) -> StoreResult<Option<BearerToken>> {
                let row: Option<BearerRow> = sqlx::query_as(&format!(
                    "SELECT {TOKEN_COLUMNS}, u.username AS owner_username,
                            u.display_name AS owner_display_name, u.role AS owner_role
                     FROM access_tokens t
                     JOIN users u ON u.id = t.user_id
                     LEFT JOIN users eb ON eb.id = t.expired_by
                     WHERE t.secret_hash = $1"
                ))
                .bind(hash.as_bytes().as_slice())
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?;
                Ok(row.map(|row| {
                    let owner = UserSummary {
                        id: row.token.user_id,
                        username: row.owner_username,
                        display_name: row.owner_display_name,
                        role: Role::parse(&row.owner_role).unwrap_or(Role::User),
                    };
                    BearerToken { token: row.token.into(), owner }
                }))
            }
        }

        #[async_trait::async_trait]
        impl Store for $store {
            async fn count_users(&self) -> StoreResult<u64> {
                let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
                    .fetch_one(&self.pool)
                    .await
                    .map_err(backend)?;
                Ok(count as u64)
            }

            async fn insert_user(&self, user: NewUser) -> StoreResult<UserId> {
                sqlx::query_scalar(
                    "INSERT INTO users (username, display_name, email, password_hash, role, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(&user.username)
                .bind(&user.display_name)
                .bind(&user.email)
                .bind(&user.password_hash)
                .bind(user.role.as_str())
                .bind(to_db(Utc::now()))
                .fetch_one(&self.pool)
                .await
                .map_err($crate::db::user_insert_error)
            }

            async fn find_credentials(&self, username: &str) -> StoreResult<Option<UserCredentials>> {
                let row: Option<CredentialsRow> = sqlx::query_as(
                    "SELECT id, username, display_name, role, password_hash, login_active, is_current
                     FROM users WHERE username = $1",
                )
                .bind(username)
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?;
                Ok(row.map(|row| UserCredentials {
                    user: row.user.into_summary(),
                    password_hash: row.password_hash,
                    login_active: row.login_active,
                    current: row.is_current,
                }))
            }

            async fn insert_session(&self, session: NewSession) -> StoreResult<SessionId> {
                sqlx::query_scalar(
                    "INSERT INTO sessions (user_id, secret_hash, created_at, expires_at, ip, user_agent, device)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(session.user_id)
                .bind(session.secret_hash.as_bytes().as_slice())
                .bind(to_db(session.created_at))
                .bind(to_db(session.expires_at))
                .bind(session.ip)
                .bind(session.user_agent)
                .bind(session.device)
                .fetch_one(&self.pool)
                .await
                .map_err(backend)
            }

            async fn find_live_session(
                &self,
                secret_hash: &SecretHash,
                now: DateTime<Utc>,
            ) -> StoreResult<Option<SessionUser>> {
                let row: Option<SessionRow> = sqlx::query_as(
                    "SELECT s.id AS session_id, u.id, u.username, u.display_name, u.role
                     FROM sessions s JOIN users u ON u.id = s.user_id
                     WHERE s.secret_hash = $1 AND s.ended_at IS NULL AND s.expires_at > $2
                       AND u.login_active AND u.is_current",
                )
                .bind(secret_hash.as_bytes().as_slice())
                .bind(to_db(now))
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?;
                Ok(row.map(|row| SessionUser {
                    session_id: row.session_id,
                    user: row.user.into_summary(),
                }))
            }

            async fn end_session(
                &self,
                user_id: UserId,
                session_id: SessionId,
                at: DateTime<Utc>,
                end: app::rules::session::SessionEnd,
            ) -> StoreResult<bool> {
                let mut tx = self.pool.begin().await.map_err(backend)?;
                let done = sqlx::query(
                    "UPDATE sessions SET ended_at = $1, end_reason = $2
                     WHERE id = $3 AND user_id = $4 AND ended_at IS NULL AND expires_at > $5",
                )
                .bind(to_db(at))
                .bind(end.as_str())
                .bind(session_id)
                .bind(user_id)
                .bind(to_db(at))
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
                if done.rows_affected() != 1 {
                    return Ok(false);
                }
                self.commit_announcing(tx, Change::Session(session_id)).await?;
                Ok(true)
            }

            async fn sessions_of(&self, user_id: UserId, since: DateTime<Utc>) -> StoreResult<Vec<SessionRecord>> {
                let rows: Vec<SessionListRow> = sqlx::query_as(
                    "SELECT id, created_at, expires_at, ended_at, end_reason, ip, user_agent, device
                     FROM sessions WHERE user_id = $1 AND created_at >= $2
                     ORDER BY created_at DESC, id DESC",
                )
                .bind(user_id)
                .bind(to_db(since))
                .fetch_all(&self.pool)
                .await
                .map_err(backend)?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn purge_sessions(&self, before: DateTime<Utc>) -> StoreResult<u64> {
                let done = sqlx::query("DELETE FROM sessions WHERE created_at < $1")
                    .bind(to_db(before))
                    .execute(&self.pool)
                    .await
                    .map_err(backend)?;
                Ok(done.rows_affected())
            }

            async fn insert_token(&self, token: NewToken) -> StoreResult<TokenRecord> {
                let lists = RestrictionColumns::from(&token.restrictions);
                let mut tx = self.pool.begin().await.map_err(backend)?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO access_tokens (user_id, label, secret_hash, hint, created_at, expires_at,
                                                scopes, ip_whitelist, domain_whitelist)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                )
                .bind(token.user_id)
                .bind(&token.label)
                .bind(token.secret_hash.as_bytes().as_slice())
                .bind(&token.hint)
                .bind(to_db(token.created_at))
                .bind(token.expires_at.map(to_db))
                .bind(lists.scopes)
                .bind(lists.ip_whitelist)
                .bind(lists.domain_whitelist)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| match e {
                    sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Duplicate(Unique::TokenSecret),
                    other => backend(other),
                })?;
                self.commit_announcing(tx, Change::Token(token.secret_hash.clone())).await?;
                self.find_token(id)
                    .await?
                    .ok_or_else(|| StoreError::Backend("token vanished right after it was inserted".into()))
            }

            async fn tokens_of(&self, user_id: UserId) -> StoreResult<Vec<TokenRecord>> {
                let rows: Vec<TokenRow> = sqlx::query_as(&format!(
                    "SELECT {TOKEN_COLUMNS} FROM access_tokens t LEFT JOIN users eb ON eb.id = t.expired_by
                     WHERE t.user_id = $1 ORDER BY t.created_at DESC, t.id DESC"
                ))
                .bind(user_id)
                .fetch_all(&self.pool)
                .await
                .map_err(backend)?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn find_token(&self, token_id: TokenId) -> StoreResult<Option<TokenRecord>> {
                let row: Option<TokenRow> = sqlx::query_as(&format!(
                    "SELECT {TOKEN_COLUMNS} FROM access_tokens t LEFT JOIN users eb ON eb.id = t.expired_by
                     WHERE t.id = $1"
                ))
                .bind(token_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(backend)?;
                Ok(row.map(Into::into))
            }

            async fn expire_token(
                &self,
                token_id: TokenId,
                by: UserId,
                at: DateTime<Utc>,
            ) -> StoreResult<bool> {
                let mut tx = self.pool.begin().await.map_err(backend)?;
                let expired: Option<Vec<u8>> = sqlx::query_scalar(
                    "UPDATE access_tokens SET expired_at = $1, expired_by = $2
                     WHERE id = $3 AND expired_at IS NULL AND (expires_at IS NULL OR expires_at > $4)
                     RETURNING secret_hash",
                )
                .bind(to_db(at))
                .bind(by)
                .bind(token_id)
                .bind(to_db(at))
                .fetch_optional(&mut *tx)
                .await
                .map_err(backend)?;
                let Some(hash) = expired.as_deref().and_then(SecretHash::from_bytes) else {
                    return Ok(false);
                };
                self.commit_announcing(tx, Change::Token(hash)).await?;
                Ok(true)
            }

            async fn record_token_uses(&self, uses: &[TokenUse]) -> StoreResult<()> {
                // One statement per few hundred tokens, not one each; and never more, so
                // that any caller's list stays within the backends' limits on bound values.
                const USES_PER_STATEMENT: usize = 500;
                let mut tx = self.pool.begin().await.map_err(backend)?;
                for chunk in uses.chunks(USES_PER_STATEMENT) {
                    let mut update = sqlx::QueryBuilder::<$db>::new(
                        "UPDATE access_tokens
                         SET last_used_at = used.column2, last_used_ip = used.column3
                         FROM (",
                    );
                    update.push_values(chunk, |mut row, used| {
                        row.push_bind(used.token_id)
                            .push_bind(to_db(used.at))
                            .push_bind(used.ip.clone());
                    });
                    // Both backends name a VALUES list's columns column1, column2, ...
                    update.push(
                        ") AS used
                         WHERE access_tokens.id = used.column1
                           AND (access_tokens.last_used_at IS NULL
                                OR access_tokens.last_used_at <= used.column2)",
                    );
                    update.build().execute(&mut *tx).await.map_err(backend)?;
                }
                tx.commit().await.map_err(backend)
            }

            async fn report_users(
                &self,
                query: &app::report::ReportQuery,
                now: DateTime<Utc>,
            ) -> StoreResult<(Vec<ReportUser>, u64)> {
                use $crate::db::report_sql::*;
                let now = to_db(now);

                let mut count = sqlx::QueryBuilder::<$db>::new("SELECT COUNT(*) FROM users u");
                push_user_selection(&mut count, query, now);
                let total: i64 = count.build_query_scalar().fetch_one(&self.pool).await.map_err(backend)?;

                let mut page = sqlx::QueryBuilder::<$db>::new(format!("SELECT {USER_COLUMNS}, "));
                push_active_count(&mut page, now);
                page.push(" AS active_tokens FROM users u");
                push_user_selection(&mut page, query, now);
                push_user_order(&mut page, query, now);
                page.push(" LIMIT ");
                page.push_bind(i64::from(query.per_page));
                page.push(" OFFSET ");
                page.push_bind(i64::from(query.page.saturating_sub(1)) * i64::from(query.per_page));
                let rows: Vec<ReportUserRow> =
                    page.build_query_as().fetch_all(&self.pool).await.map_err(backend)?;
                Ok((rows.into_iter().map(Into::into).collect(), total as u64))
            }

            async fn report_tokens(
                &self,
                users: &[UserId],
                query: &app::report::ReportQuery,
                now: DateTime<Utc>,
            ) -> StoreResult<Vec<TokenRecord>> {
                use $crate::db::report_sql::*;
                if users.is_empty() {
                    return Ok(Vec::new());
                }
                let now = to_db(now);
                let mut b = sqlx::QueryBuilder::<$db>::new(format!(
                    "SELECT {TOKEN_COLUMNS} FROM access_tokens t JOIN users u ON u.id = t.user_id
                     LEFT JOIN users eb ON eb.id = t.expired_by WHERE t.user_id IN ("
                ));
                let mut ids = b.separated(", ");
                for id in users {
                    ids.push_bind(*id);
                }
                b.push(")");
                push_subtable_conditions(&mut b, query, now);
                b.push(" ORDER BY ");
                push_token_order(&mut b, query, now);
                let rows: Vec<TokenRow> = b.build_query_as().fetch_all(&self.pool).await.map_err(backend)?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            fn export_rows(&self, query: app::report::ReportQuery, now: DateTime<Utc>) -> ExportStream<'_> {
                use $crate::db::report_sql::*;
                use futures::TryStreamExt;
                Box::pin(async_stream::try_stream! {
                    let now = to_db(now);
                    let mut b = sqlx::QueryBuilder::<$db>::new(format!("SELECT {USER_COLUMNS}, "));
                    push_active_count(&mut b, now);
                    b.push(
                        " AS active_tokens, t.id AS token_id, t.label, t.hint, t.created_at, t.expires_at,
                                t.expired_at, eb.display_name AS expired_by, t.last_used_at, t.last_used_ip,
                                t.scopes, t.ip_whitelist, t.domain_whitelist
                         FROM users u LEFT JOIN access_tokens t ON t.user_id = u.id",
                    );
                    push_subtable_conditions(&mut b, &query, now);
                    b.push(" LEFT JOIN users eb ON eb.id = t.expired_by");
                    push_user_selection(&mut b, &query, now);
                    push_user_order(&mut b, &query, now);
                    b.push(", ");
                    push_token_order(&mut b, &query, now);
                    let mut rows = b.build_query_as::<ExportDbRow>().fetch(&self.pool);
                    while let Some(row) = rows.try_next().await.map_err(backend)? {
                        yield ExportRow::from(row);
                    }
                })
            }

            async fn update_user(&self, user_id: UserId, change: UserChange) -> StoreResult<bool> {
                let mut tx = self.pool.begin().await.map_err(backend)?;
                let done = sqlx::query("UPDATE users SET role = $1, login_active = $2, is_current = $3 WHERE id = $4")
                    .bind(change.role.as_str())
                    .bind(change.login_active)
                    .bind(change.current)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
                if done.rows_affected() != 1 {
                    return Ok(false);
                }
                // The owner's role decides which admin-only permissions a token may use.
                self.commit_announcing(tx, Change::User(user_id)).await?;
                Ok(true)
            }

            async fn expire_active_tokens_of(&self, user_id: UserId, by: UserId, at: DateTime<Utc>) -> StoreResult<u64> {
                let mut tx = self.pool.begin().await.map_err(backend)?;
                let done = sqlx::query(
                    "UPDATE access_tokens SET expired_at = $1, expired_by = $2
                     WHERE user_id = $3 AND expired_at IS NULL AND (expires_at IS NULL OR expires_at > $4)",
                )
                .bind(to_db(at))
                .bind(by)
                .bind(user_id)
                .bind(to_db(at))
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
                self.commit_announcing(tx, Change::User(user_id)).await?;
                Ok(done.rows_affected())
            }

            async fn permissions(&self) -> StoreResult<Vec<app::rules::permission::Permission>> {
                let rows: Vec<PermissionRow> = sqlx::query_as(
                    "SELECT name, description, admin_only, builtin FROM permissions ORDER BY builtin DESC, name",
                )
                .fetch_all(&self.pool)
                .await
                .map_err(backend)?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn insert_permission(&self, permission: app::rules::permission::Permission) -> StoreResult<()> {
                let mut tx = self.pool.begin().await.map_err(backend)?;
                sqlx::query("INSERT INTO permissions (name, description, admin_only, builtin) VALUES ($1, $2, $3, $4)")
                    .bind(&permission.name)
                    .bind(&permission.description)
                    .bind(permission.admin_only)
                    .bind(permission.builtin)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| match e {
                        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Duplicate(Unique::PermissionName),
                        other => backend(other),
                    })?;
                self.commit_announcing(tx, Change::Policy).await?;
                Ok(())
            }

            async fn delete_permission(&self, name: &str) -> StoreResult<bool> {
                let mut tx = self.pool.begin().await.map_err(backend)?;
                let done = sqlx::query("DELETE FROM permissions WHERE name = $1 AND NOT builtin")
                    .bind(name)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
                if done.rows_affected() != 1 {
                    return Ok(false);
                }
                // Taken from every token too, so a permission added later under the same
                // name does not quietly return to them.
                sqlx::query(
                    "UPDATE access_tokens SET scopes = TRIM(REPLACE(' ' || scopes || ' ', $1, ' '))
                     WHERE (' ' || scopes || ' ') LIKE $2 ESCAPE '\\'",
                )
                .bind(format!(" {name} "))
                .bind(format!("% {} %", name.replace('_', "\\_")))
                .execute(&mut *tx)
                .await
                .map_err(backend)?;
                self.commit_announcing(tx, Change::Policy).await?;
                Ok(true)
            }

            async fn count_active_tokens_with(&self, permission: &str, now: DateTime<Utc>) -> StoreResult<u64> {
                let count: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM access_tokens
                     WHERE (' ' || scopes || ' ') LIKE $1 ESCAPE '\\'
                       AND expired_at IS NULL AND (expires_at IS NULL OR expires_at > $2)",
                )
                // Names hold no spaces or `%`, but may hold `_`, which LIKE reads as a wildcard.
                .bind(format!("% {} %", permission.replace('_', "\\_")))
                .bind(to_db(now))
                .fetch_one(&self.pool)
                .await
                .map_err(backend)?;
                Ok(count as u64)
            }

            async fn security_settings(&self) -> StoreResult<SecuritySettings> {
                let max_days: Option<i64> =
                    sqlx::query_scalar("SELECT max_token_days FROM security_settings WHERE id = 1")
                        .fetch_optional(&self.pool)
                        .await
                        .map_err(backend)?
                        .flatten();
                let rows: Vec<AllowlistRow> =
                    sqlx::query_as("SELECT address, bits FROM ip_allowlist ORDER BY position")
                        .fetch_all(&self.pool)
                        .await
                        .map_err(backend)?;
                let mut allowlist = Vec::with_capacity(rows.len());
                for row in rows {
                    let bits = u8::try_from(row.bits).map_err(|e| StoreError::Backend(Box::new(e)))?;
                    let entry = app::rules::network::AllowlistEntry::parse(&row.address, bits)
                        .map_err(|e| StoreError::Backend(Box::new(e)))?;
                    allowlist.push(entry);
                }
                Ok(SecuritySettings {
                    lifetime: app::rules::expiry::LifetimePolicy {
                        max_days: max_days.and_then(|d| u32::try_from(d).ok()),
                    },
                    allowlist,
                })
            }

            async fn save_max_lifetime(&self, policy: app::rules::expiry::LifetimePolicy) -> StoreResult<()> {
                let mut tx = self.pool.begin().await.map_err(backend)?;
                sqlx::query("UPDATE security_settings SET max_token_days = $1 WHERE id = 1")
                    .bind(policy.max_days.map(i64::from))
                    .execute(&mut *tx)
                    .await
                    .map_err(backend)?;
                self.commit_announcing(tx, Change::Policy).await?;
                Ok(())
            }

            async fn save_allowlist(&self, entries: &[app::rules::network::AllowlistEntry]) -> StoreResult<()> {
                let mut tx = self.pool.begin().await.map_err(backend)?;
                sqlx::query("DELETE FROM ip_allowlist").execute(&mut *tx).await.map_err(backend)?;
                for (position, entry) in entries.iter().enumerate() {
                    sqlx::query("INSERT INTO ip_allowlist (position, address, bits) VALUES ($1, $2, $3)")
                        .bind(position as i64)
                        .bind(entry.address.to_string())
                        .bind(i64::from(entry.bits))
                        .execute(&mut *tx)
                        .await
                        .map_err(backend)?;
                }
                self.commit_announcing(tx, Change::Policy).await?;
                Ok(())
            }

            async fn email_owner(&self, email: &str, now: DateTime<Utc>) -> StoreResult<Option<EmailOwner>> {
                self.find_email_owner(email, now).await
            }

            async fn insert_invitation(&self, invitation: NewInvitation) -> StoreResult<InvitationRecord> {
                self.add_invitation(invitation).await
            }

            async fn invitations(&self) -> StoreResult<Vec<InvitationRecord>> {
                self.all_invitations().await
            }

            async fn find_invitation(&self, id: InvitationId) -> StoreResult<Option<InvitationRecord>> {
                self.invitation_by_id(id).await
            }

            async fn open_invitation(
                &self,
                secret_hash: &SecretHash,
                now: DateTime<Utc>,
            ) -> StoreResult<Option<InvitationRecord>> {
                self.pending_invitation(secret_hash, now).await
            }

            async fn resend_invitation(
                &self,
                id: InvitationId,
                secret_hash: SecretHash,
                sent_at: DateTime<Utc>,
                expires_at: DateTime<Utc>,
            ) -> StoreResult<bool> {
                self.renew_invitation(id, secret_hash, sent_at, expires_at).await
            }

            async fn revoke_invitation(&self, id: InvitationId, at: DateTime<Utc>) -> StoreResult<bool> {
                self.cancel_invitation(id, at).await
            }

            async fn accept_invitation(
                &self,
                secret_hash: &SecretHash,
                now: DateTime<Utc>,
                invitee: Invitee,
            ) -> StoreResult<Result<UserSummary, AcceptRefusal>> {
                self.use_invitation(secret_hash, now, invitee).await
            }

            async fn seed(&self, users: Vec<SeedUser>) -> StoreResult<()> {
                let mut tx = self.pool.begin().await.map_err(backend)?;
                for seeded in users {
                    let user_id: i64 = sqlx::query_scalar(
                        "INSERT INTO users (username, display_name, email, password_hash, role, login_active, is_current, created_at)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                    )
                    .bind(&seeded.user.username)
                    .bind(&seeded.user.display_name)
                    .bind(&seeded.user.email)
                    .bind(&seeded.user.password_hash)
                    .bind(seeded.user.role.as_str())
                    .bind(seeded.login_active)
                    .bind(seeded.current)
                    .bind(to_db(Utc::now()))
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(backend)?;
                    // Well under every backend's limit on bound parameters per statement.
                    for chunk in seeded.tokens.chunks(500) {
                        let mut b = sqlx::QueryBuilder::<$db>::new(
                            "INSERT INTO access_tokens (user_id, label, secret_hash, hint, created_at, expires_at, expired_at, expired_by, last_used_at, last_used_ip, scopes) ",
                        );
                        b.push_values(chunk, |mut row, token| {
                            row.push_bind(user_id)
                                .push_bind(token.label.clone())
                                .push_bind(token.secret_hash.as_bytes().to_vec())
                                .push_bind(token.hint.clone())
                                .push_bind(to_db(token.created_at))
                                .push_bind(token.expires_at.map(to_db))
                                .push_bind(token.expired_at.map(to_db))
                                .push_bind(token.expired_at.map(|_| user_id))
                                .push_bind(token.last_used_at.map(to_db))
                                .push_bind(token.last_used_ip.clone())
                                .push_bind(app::rules::permission::join_scopes(&token.permissions));
                        });
                        b.build().execute(&mut *tx).await.map_err(backend)?;
                    }
                }
                self.commit_announcing(tx, Change::AllTokens).await?;
                // Fresh statistics, so the planner knows the tables just grew.
                sqlx::query("ANALYZE").execute(&self.pool).await.map_err(backend)?;
                Ok(())
            }
        }
    };
}

pub(crate) use sql_store;
