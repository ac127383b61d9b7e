//! Sessions, their refresh tokens, and the login throttle's buckets.
//!
//! A session is one sign-in: access tokens name it and are refused once it
//! is revoked, and each of its refresh tokens is single use. A rotated-out
//! refresh token presented again is a stolen copy or a stolen original, so
//! the whole session (the token family) is revoked at once.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kredit_core::ids::{SessionId, UserId};
use rusqlite::OptionalExtension as _;
use sqlx::{Postgres, Sqlite};

use crate::model::AuditEntry;
use crate::repository::{SqlRepository, StoreError, StoreResult};

/// A sign-in about to be stored.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub user_id: UserId,
    pub client_address: String,
    pub user_agent: String,
    pub now: DateTime<Utc>,
}

/// A live session, as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionRecord {
    pub id: SessionId,
    pub user_id: UserId,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub client_address: String,
    pub user_agent: String,
}

/// What presenting a refresh token did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refreshed {
    /// The token was live: it is revoked and its successor stored.
    Rotated { user: UserId, session: SessionId },
    /// The token had been used before while its session was live: the
    /// session and every token of it are now revoked.
    Replayed { user: UserId, session: SessionId },
    /// Unknown, expired, or of a session that had already ended.
    Invalid,
}

#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Stores the session and its first refresh token in one transaction,
    /// with the audit entry if given.
    async fn create_session(
        &self,
        session: &NewSession,
        refresh_hash: &str,
        refresh_expires_at: DateTime<Utc>,
        audit: Option<AuditEntry>,
    ) -> StoreResult<SessionId>;
    /// The owner of the session if it is live: one primary-key read, made
    /// by every authenticated request.
    async fn live_session(&self, id: SessionId) -> StoreResult<Option<UserId>>;
    /// See [`Refreshed`]. Two concurrent uses of one live token: exactly one
    /// rotates it, and the other is a replay.
    async fn refresh(
        &self,
        old_hash: &str,
        new_hash: &str,
        new_expires_at: DateTime<Utc>,
        client_address: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Refreshed>;
    /// Revokes the session the refresh token belongs to (logout); its owner
    /// and session if the session was live.
    async fn revoke_by_refresh_token(
        &self,
        refresh_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<(UserId, SessionId)>>;
    /// The user's live sessions, newest first.
    async fn live_sessions(&self, user: UserId) -> StoreResult<Vec<SessionRecord>>;
    /// Revokes one live session of `user` with its tokens and the audit
    /// entry; `false` if it is not theirs or not live.
    async fn revoke_session(
        &self,
        user: UserId,
        session: SessionId,
        now: DateTime<Utc>,
        audit: AuditEntry,
    ) -> StoreResult<bool>;
    /// Revokes every live session of `user` with their tokens and the
    /// audit entry; how many there were.
    async fn revoke_all_sessions(
        &self,
        user: UserId,
        now: DateTime<Utc>,
        audit: AuditEntry,
    ) -> StoreResult<u64>;
    /// Sets the user's role and revokes every session in one transaction
    /// (tokens carry the role); `false` if there is no such user.
    async fn change_role(
        &self,
        user: UserId,
        role: crate::Role,
        now: DateTime<Utc>,
        audit: AuditEntry,
    ) -> StoreResult<bool>;
    /// Whether `user` signed in from `address` since `since` (their usual
    /// address, which a stranger's failures elsewhere never throttle).
    async fn signed_in_from(
        &self,
        user: UserId,
        address: &str,
        since: DateTime<Utc>,
    ) -> StoreResult<bool>;

    /// Takes one token from `bucket` (GCRA: one token every `interval_ms`,
    /// at most `burst` saved up). `Ok(None)` if taken, `Ok(Some(ms))` if the
    /// bucket is empty and the next token comes in `ms`. Atomic: instances
    /// sharing the database share the bucket.
    async fn take_token(
        &self,
        bucket: &str,
        now_ms: i64,
        interval_ms: i64,
        burst: i64,
    ) -> StoreResult<Option<i64>>;
    /// Fills the bucket again (a successful login from that address).
    async fn reset_bucket(&self, bucket: &str) -> StoreResult<()>;
    /// Deletes full buckets (their time has passed); how many.
    async fn prune_buckets(&self, now_ms: i64) -> StoreResult<u64>;
}

const LIVE_SESSION: &str = "SELECT user_id FROM sessions WHERE id = $1 AND revoked_at IS NULL";

const INSERT_REFRESH: &str =
    "INSERT INTO refresh_tokens (token_hash, user_id, session_id, expires_at, created_at)
     VALUES ($1, $2, $3, $4, $5)";

macro_rules! sql_session_store {
    ($db:ty, $connection:ty) => {
        impl SqlRepository<$db> {
            async fn revoke_session_in(
                connection: &mut $connection,
                session: SessionId,
                now: DateTime<Utc>,
            ) -> StoreResult<bool> {
                let revoked = sqlx::query(
                    "UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
                )
                .bind(now)
                .bind(session)
                .execute(&mut *connection)
                .await?
                .rows_affected();
                sqlx::query(
                    "UPDATE refresh_tokens SET revoked_at = $1
                     WHERE session_id = $2 AND revoked_at IS NULL",
                )
                .bind(now)
                .bind(session)
                .execute(&mut *connection)
                .await?;
                Ok(revoked == 1)
            }

            /// Every session and refresh token of the user, revoked.
            pub(crate) async fn revoke_user_sessions(
                connection: &mut $connection,
                user: UserId,
                now: DateTime<Utc>,
            ) -> StoreResult<u64> {
                let revoked = sqlx::query(
                    "UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
                )
                .bind(now)
                .bind(user)
                .execute(&mut *connection)
                .await?
                .rows_affected();
                sqlx::query(
                    "UPDATE refresh_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
                )
                .bind(now)
                .bind(user)
                .execute(&mut *connection)
                .await?;
                Ok(revoked)
            }
        }

        #[async_trait]
        impl SessionStore for SqlRepository<$db> {
            async fn create_session(
                &self,
                session: &NewSession,
                refresh_hash: &str,
                refresh_expires_at: DateTime<Utc>,
                audit: Option<AuditEntry>,
            ) -> StoreResult<SessionId> {
                let mut tx = self.pool.begin().await?;
                let id: SessionId = sqlx::query_scalar(
                    "INSERT INTO sessions (user_id, created_at, last_seen_at, client_address, user_agent)
                     VALUES ($1, $2, $2, $3, $4) RETURNING id",
                )
                .bind(session.user_id)
                .bind(session.now)
                .bind(&session.client_address)
                .bind(&session.user_agent)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query(INSERT_REFRESH)
                    .bind(refresh_hash)
                    .bind(session.user_id)
                    .bind(id)
                    .bind(refresh_expires_at)
                    .bind(session.now)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::from_write)?;
                if let Some(mut entry) = audit {
                    entry.entity_id = Some(id.to_string());
                    Self::insert_audit(&mut tx, &entry).await?;
                }
                tx.commit().await?;
                Ok(id)
            }

            async fn live_session(&self, id: SessionId) -> StoreResult<Option<UserId>> {
                if let Some(direct) = &self.direct {
                    return direct.read(|c| {
                        c.prepare_cached(LIVE_SESSION)?
                            .query_row([i64::from(id)], |row| Ok(UserId(row.get(0)?)))
                            .optional()
                    });
                }
                Ok(sqlx::query_scalar(LIVE_SESSION)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn refresh(
                &self,
                old_hash: &str,
                new_hash: &str,
                new_expires_at: DateTime<Utc>,
                client_address: &str,
                now: DateTime<Utc>,
            ) -> StoreResult<Refreshed> {
                let mut tx = self.pool.begin().await?;
                let live: Option<(UserId, SessionId)> = sqlx::query_as(
                    "UPDATE refresh_tokens SET revoked_at = $1
                     WHERE token_hash = $2 AND revoked_at IS NULL AND expires_at > $1
                       AND session_id IN (SELECT id FROM sessions WHERE revoked_at IS NULL)
                     RETURNING user_id, session_id",
                )
                .bind(now)
                .bind(old_hash)
                .fetch_optional(&mut *tx)
                .await?;
                if let Some((user, session)) = live {
                    sqlx::query(INSERT_REFRESH)
                        .bind(new_hash)
                        .bind(user)
                        .bind(session)
                        .bind(new_expires_at)
                        .bind(now)
                        .execute(&mut *tx)
                        .await
                        .map_err(StoreError::from_write)?;
                    sqlx::query(
                        "UPDATE sessions SET last_seen_at = $1, client_address = $2 WHERE id = $3",
                    )
                    .bind(now)
                    .bind(client_address)
                    .bind(session)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    return Ok(Refreshed::Rotated { user, session });
                }
                let used: Option<(UserId, SessionId)> = sqlx::query_as(
                    "SELECT user_id, session_id FROM refresh_tokens
                     WHERE token_hash = $1 AND revoked_at IS NOT NULL AND session_id IS NOT NULL",
                )
                .bind(old_hash)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((user, session)) = used else {
                    return Ok(Refreshed::Invalid);
                };
                // A token of a session that had already ended (logout, a
                // password change) is merely stale, not a replay to report.
                let was_live = Self::revoke_session_in(&mut tx, session, now).await?;
                tx.commit().await?;
                Ok(if was_live {
                    Refreshed::Replayed { user, session }
                } else {
                    Refreshed::Invalid
                })
            }

            async fn revoke_by_refresh_token(
                &self,
                refresh_hash: &str,
                now: DateTime<Utc>,
            ) -> StoreResult<Option<(UserId, SessionId)>> {
                let mut tx = self.pool.begin().await?;
                let owner: Option<(UserId, SessionId)> = sqlx::query_as(
                    "SELECT user_id, session_id FROM refresh_tokens
                     WHERE token_hash = $1 AND session_id IS NOT NULL",
                )
                .bind(refresh_hash)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((user, session)) = owner else {
                    return Ok(None);
                };
                let was_live = Self::revoke_session_in(&mut tx, session, now).await?;
                tx.commit().await?;
                Ok(was_live.then_some((user, session)))
            }

            async fn live_sessions(&self, user: UserId) -> StoreResult<Vec<SessionRecord>> {
                Ok(sqlx::query_as(
                    "SELECT id, user_id, created_at, last_seen_at, client_address, user_agent
                     FROM sessions WHERE user_id = $1 AND revoked_at IS NULL ORDER BY id DESC",
                )
                .bind(user)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn revoke_session(
                &self,
                user: UserId,
                session: SessionId,
                now: DateTime<Utc>,
                audit: AuditEntry,
            ) -> StoreResult<bool> {
                let mut tx = self.pool.begin().await?;
                let owner: Option<UserId> = sqlx::query_scalar(LIVE_SESSION)
                    .bind(session)
                    .fetch_optional(&mut *tx)
                    .await?;
                if owner != Some(user) {
                    return Ok(false);
                }
                Self::revoke_session_in(&mut tx, session, now).await?;
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn revoke_all_sessions(
                &self,
                user: UserId,
                now: DateTime<Utc>,
                audit: AuditEntry,
            ) -> StoreResult<u64> {
                let mut tx = self.pool.begin().await?;
                let revoked = Self::revoke_user_sessions(&mut tx, user, now).await?;
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(revoked)
            }

            async fn change_role(
                &self,
                user: UserId,
                role: crate::Role,
                now: DateTime<Utc>,
                audit: AuditEntry,
            ) -> StoreResult<bool> {
                let mut tx = self.pool.begin().await?;
                let changed = sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
                    .bind(role.as_str())
                    .bind(user)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if changed == 0 {
                    return Ok(false);
                }
                Self::revoke_user_sessions(&mut tx, user, now).await?;
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn signed_in_from(
                &self,
                user: UserId,
                address: &str,
                since: DateTime<Utc>,
            ) -> StoreResult<bool> {
                let found: Option<SessionId> = sqlx::query_scalar(
                    "SELECT id FROM sessions
                     WHERE user_id = $1 AND client_address = $2 AND last_seen_at >= $3 LIMIT 1",
                )
                .bind(user)
                .bind(address)
                .bind(since)
                .fetch_optional(&self.pool)
                .await?;
                Ok(found.is_some())
            }

            async fn take_token(
                &self,
                bucket: &str,
                now_ms: i64,
                interval_ms: i64,
                burst: i64,
            ) -> StoreResult<Option<i64>> {
                // GCRA in one statement: the bucket's time moves on by one
                // interval unless that would put it more than `burst`
                // intervals ahead of now. CASE rather than MAX/GREATEST,
                // which the two dialects spell differently.
                let limit = interval_ms.saturating_mul(burst);
                let taken: Option<i64> = sqlx::query_scalar(
                    "INSERT INTO login_throttle (bucket, tat_ms) VALUES ($1, $2 + $3)
                     ON CONFLICT (bucket) DO UPDATE
                         SET tat_ms = (CASE WHEN login_throttle.tat_ms > $2
                                            THEN login_throttle.tat_ms ELSE $2 END) + $3
                         WHERE (CASE WHEN login_throttle.tat_ms > $2
                                     THEN login_throttle.tat_ms ELSE $2 END) + $3 - $2 <= $4
                     RETURNING tat_ms",
                )
                .bind(bucket)
                .bind(now_ms)
                .bind(interval_ms)
                .bind(limit)
                .fetch_optional(&self.pool)
                .await?;
                if taken.is_some() {
                    return Ok(None);
                }
                let tat: Option<i64> =
                    sqlx::query_scalar("SELECT tat_ms FROM login_throttle WHERE bucket = $1")
                        .bind(bucket)
                        .fetch_optional(&self.pool)
                        .await?;
                // The next token: when tat + interval - now fits the limit again.
                let wait = tat.map_or(0, |tat| tat + interval_ms - now_ms - limit);
                Ok(Some(wait.max(1)))
            }

            async fn reset_bucket(&self, bucket: &str) -> StoreResult<()> {
                sqlx::query("DELETE FROM login_throttle WHERE bucket = $1")
                    .bind(bucket)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn prune_buckets(&self, now_ms: i64) -> StoreResult<u64> {
                Ok(sqlx::query("DELETE FROM login_throttle WHERE tat_ms < $1")
                    .bind(now_ms)
                    .execute(&self.pool)
                    .await?
                    .rows_affected())
            }
        }
    };
}

sql_session_store!(Sqlite, sqlx::SqliteConnection);
sql_session_store!(Postgres, sqlx::PgConnection);
