//! The record of staff views of borrowers' unmasked personal data.
//!
//! A view is inserted with its audit entry in one transaction, before the
//! caller decrypts anything; rows are never updated or deleted. Readers are
//! the auditor (who viewed whom) and the borrower (who viewed me, and why).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Postgres, Sqlite};

use kredit_core::ids::{PersonalDataAccessId, UserId};
use kredit_core::personal_data::{AccessPurpose, FieldSet};

use crate::model::{AuditEntry, Role};
use crate::repository::{SqlRepository, StoreResult};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccess {
    pub staff_id: UserId,
    pub staff_role: Role,
    pub borrower_id: UserId,
    pub purpose: AccessPurpose,
    pub reference: String,
    pub fields: FieldSet,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AccessRecord {
    pub id: PersonalDataAccessId,
    pub staff_id: UserId,
    #[sqlx(try_from = "String")]
    pub staff_role: Role,
    pub borrower_id: UserId,
    #[sqlx(try_from = "String")]
    pub purpose: AccessPurpose,
    pub reference: String,
    #[sqlx(try_from = "String")]
    pub fields: FieldSet,
    pub at: DateTime<Utc>,
}

/// Which views to list: newest first, before an id (for the next page).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccessFilter {
    pub borrower: Option<UserId>,
    pub staff: Option<UserId>,
    pub before: Option<PersonalDataAccessId>,
}

#[async_trait]
pub trait PersonalDataStore: Send + Sync {
    /// Records a view and its audit entry (`entity_id` set here) together.
    async fn record_access(
        &self,
        access: &NewAccess,
        audit: AuditEntry,
    ) -> StoreResult<AccessRecord>;
    async fn accesses(&self, filter: AccessFilter, limit: i64) -> StoreResult<Vec<AccessRecord>>;
}

const COLUMNS: &str = "id, staff_id, staff_role, borrower_id, purpose, reference, fields, at";

macro_rules! sql_personal_data_store {
    ($db:ty) => {
        #[async_trait]
        impl PersonalDataStore for SqlRepository<$db> {
            async fn record_access(
                &self,
                access: &NewAccess,
                mut audit: AuditEntry,
            ) -> StoreResult<AccessRecord> {
                let mut tx = self.pool.begin().await?;
                let sql = format!(
                    "INSERT INTO personal_data_access
                         (staff_id, staff_role, borrower_id, purpose, reference, fields, at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLUMNS}"
                );
                let record: AccessRecord = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(access.staff_id)
                    .bind(access.staff_role.as_str())
                    .bind(access.borrower_id)
                    .bind(access.purpose.as_str())
                    .bind(&access.reference)
                    .bind(access.fields.to_string())
                    .bind(access.at)
                    .fetch_one(&mut *tx)
                    .await?;
                audit.entity_id = Some(access.borrower_id.to_string());
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(record)
            }

            async fn accesses(
                &self,
                filter: AccessFilter,
                limit: i64,
            ) -> StoreResult<Vec<AccessRecord>> {
                let sql = format!(
                    "SELECT {COLUMNS} FROM personal_data_access
                     WHERE ($1 IS NULL OR borrower_id = $1) AND ($2 IS NULL OR staff_id = $2)
                       AND ($3 IS NULL OR id < $3)
                     ORDER BY id DESC LIMIT $4"
                );
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(filter.borrower)
                    .bind(filter.staff)
                    .bind(filter.before)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?)
            }
        }
    };
}

sql_personal_data_store!(Sqlite);
sql_personal_data_store!(Postgres);
