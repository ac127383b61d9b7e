//! Storage of the lending side: products, applications, contracts, loans
//! with their events, payments, the general ledger, reversal requests and
//! the evidence log.
//!
//! Every change to a loan goes through [`LendingStore::commit_loan_change`]:
//! one transaction that checks the loan's version, writes its new state,
//! its events, its ledger lines, the payment that caused it and the evidence
//! entry together, so a crash or a concurrent writer can never leave a loan
//! and its ledger disagreeing.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use kredit_core::application::ApplicationStatus;
use kredit_core::delinquency::ClassificationThresholds;
use kredit_core::evidence::{self, EvidenceEntry};
use kredit_core::ids::{
    ApplicationId, ContractId, EventId, LoanId, PaymentId, ReversalRequestId, UserId,
};
use kredit_core::loan::{Loan, LoanStatus};
use kredit_core::payment::{PaymentDirection, PaymentPurpose, PaymentStatus};
use kredit_core::reversal::ReversalStatus;
use rusqlite::OptionalExtension as _;
use serde::Serialize;
use sqlx::{Postgres, Sqlite};

use crate::model::{AuditEntry, IdempotentReply};
use crate::outbox::NewDomainEvent;
use crate::repository::{SqlRepository, StoreError, StoreResult};
use crate::sqlite_direct;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ProductRecord {
    pub code: String,
    /// The core `LoanProduct` as JSON.
    pub definition: String,
    pub version: i64,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewApplication {
    pub borrower_id: UserId,
    pub product_code: String,
    pub amount_fen: i64,
    pub term_months: i32,
    pub method: String,
    pub purpose: String,
    pub profile: String,
    pub status: ApplicationStatus,
    /// The core decision with its assessment, as JSON.
    pub decision: String,
    pub created_at: DateTime<Utc>,
    /// What the credit models said, written with the application (their
    /// `application_id` is set to the new application's).
    pub model_scores: Vec<crate::models::NewModelScore>,
    /// Written to the outbox with the application, about `application:{id}`.
    pub domain_events: Vec<NewDomainEvent>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ApplicationRecord {
    pub id: ApplicationId,
    pub borrower_id: UserId,
    pub product_code: String,
    pub amount_fen: i64,
    pub term_months: i32,
    pub method: String,
    pub purpose: String,
    pub profile: String,
    #[sqlx(try_from = "String")]
    pub status: ApplicationStatus,
    pub decision: String,
    pub underwriting: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ContractRecord {
    pub id: ContractId,
    pub application_id: ApplicationId,
    pub borrower_id: UserId,
    pub document: String,
    /// SHA-256 (hex) of `salt` then `document` (of `document` alone when
    /// `salt` is NULL, for contracts signed before migration 0019).
    pub digest: String,
    /// 32 random bytes as hex, the commitment's salt.
    pub salt: Option<String>,
    pub signed_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LoanRecord {
    pub id: LoanId,
    pub application_id: Option<ApplicationId>,
    pub contract_id: Option<ContractId>,
    pub borrower_id: UserId,
    pub product_code: String,
    #[sqlx(try_from = "String")]
    pub status: LoanStatus,
    pub terms: String,
    pub state: Option<Vec<u8>>,
    pub as_of: Option<NaiveDate>,
    pub principal_fen: i64,
    pub outstanding_fen: i64,
    pub dpd: i32,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LoanEventRecord {
    pub id: EventId,
    pub loan_id: LoanId,
    pub value_date: NaiveDate,
    /// The core `LoanEvent` as JSON.
    pub event: String,
    pub allocation: String,
    pub payment_id: Option<PaymentId>,
    pub reversed: bool,
    pub created_at: DateTime<Utc>,
}

/// A payment as stored. Its direction, purpose and status are TEXT columns
/// decoded here, at the row boundary, through the core's one mapping of each.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PaymentRecord {
    pub id: PaymentId,
    pub merchant_reference: String,
    pub loan_id: LoanId,
    #[sqlx(try_from = "String")]
    pub direction: PaymentDirection,
    #[sqlx(try_from = "String")]
    pub purpose: PaymentPurpose,
    pub mode: Option<String>,
    pub amount_fen: i64,
    #[sqlx(try_from = "String")]
    pub status: PaymentStatus,
    pub failure_code: Option<String>,
    pub provider_reference: Option<String>,
    pub last_applied_sequence: i64,
    pub applied: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A payment to write; it starts `created` (see `kredit_core::payment`).
#[derive(Debug, Clone)]
pub struct NewPayment {
    pub merchant_reference: String,
    pub loan_id: LoanId,
    /// Must be `purpose.direction()`.
    pub direction: PaymentDirection,
    pub purpose: PaymentPurpose,
    pub mode: Option<String>,
    pub amount_fen: i64,
}

/// One line of the general ledger: a debit and a credit of one amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JournalLine {
    pub entry_date: NaiveDate,
    pub loan_id: Option<LoanId>,
    pub product_code: String,
    pub kind: String,
    pub debit: String,
    pub credit: String,
    pub amount_fen: i64,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct JournalRecord {
    pub id: i64,
    pub entry_date: NaiveDate,
    pub loan_id: Option<LoanId>,
    pub product_code: String,
    pub kind: String,
    pub debit: String,
    pub credit: String,
    pub amount_fen: i64,
    pub source: String,
}

/// Debits and credits of one account over the whole ledger.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AccountTotals {
    pub account: String,
    pub debits_fen: i64,
    pub credits_fen: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReversalRequestRecord {
    pub id: ReversalRequestId,
    pub loan_id: LoanId,
    pub event_id: EventId,
    pub requested_by: UserId,
    pub reason: String,
    #[sqlx(try_from = "String")]
    pub status: ReversalStatus,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// An evidence entry to append: the store assigns its sequence and chains it.
#[derive(Debug, Clone)]
pub struct EvidenceDraft {
    pub kind: String,
    pub subject: String,
    /// SHA-256 of the canonical JSON of the document the entry stands for.
    pub payload_digest: String,
}

/// What a borrower already owes, for the decision rules.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BorrowerExposure {
    pub open_loans: i64,
    pub outstanding_fen: i64,
    pub max_dpd: i64,
    pub loans_repaid: i64,
}

/// Accepting an approved application: everything created at once.
#[derive(Debug, Clone)]
pub struct Acceptance {
    pub application_id: ApplicationId,
    pub borrower_id: UserId,
    pub contract_document: String,
    pub contract_digest: String,
    /// The salt of `contract_digest`, hex.
    pub contract_salt: String,
    pub signed_at: DateTime<Utc>,
    pub product_code: String,
    pub terms: String,
    pub principal_fen: i64,
    /// The disbursement payment; its `loan_id` is filled in by the store.
    pub disbursement: NewPayment,
    /// `contract.signed`; its subject is completed with the contract id.
    pub evidence: EvidenceDraft,
    /// Written to the outbox about `contract:{id}`, for the new loan.
    pub domain_events: Vec<NewDomainEvent>,
}

/// An underwriter's decision on a referred application.
#[derive(Debug, Clone)]
pub struct Underwritten {
    pub application_id: ApplicationId,
    /// `approved` or `declined`.
    pub status: ApplicationStatus,
    pub decision: String,
    pub underwriting: String,
    pub audit: AuditEntry,
    pub domain_events: Vec<NewDomainEvent>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accepted {
    pub contract_id: ContractId,
    pub loan_id: LoanId,
    pub payment_id: PaymentId,
}

/// A new event of a loan; its ledger lines are in the change's `journal`
/// with `event_index` pointing here.
#[derive(Debug, Clone)]
pub struct NewLoanEvent {
    pub value_date: NaiveDate,
    pub event: String,
    pub allocation: String,
    pub payment_id: Option<PaymentId>,
}

/// A ledger line produced by a change, optionally attributed to one of the
/// change's new events (its `source` becomes `event:<id>`).
#[derive(Debug, Clone)]
pub struct ChangeLine {
    pub line: JournalLine,
    pub event_index: Option<usize>,
}

/// A payment's status moved by a provider notice, or by the authoriser's
/// refusal. A notice (`sequence: Some`) applies only to a payment the
/// provider may hold (`PaymentStatus::AT_PROVIDER`) and only if it is newer
/// than the last one applied; a refusal (`sequence: None`) only to a
/// payment still `created`. Either way the step must be one the lifecycle
/// allows (a `submitted` notice on a submitted payment records its
/// sequence and leaves the status).
#[derive(Debug, Clone)]
pub struct PaymentSettlement {
    pub payment_id: PaymentId,
    pub sequence: Option<i64>,
    pub status: PaymentStatus,
    pub failure_code: Option<String>,
    pub provider_reference: Option<String>,
    pub applied: Option<String>,
}

/// What a `loans` row says of a loan beside its state, for queries (lists,
/// exposure, the portfolio): derived from the loan in one place, so online
/// changes and close of business write it alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoanProjection {
    pub status: LoanStatus,
    pub as_of: Option<NaiveDate>,
    pub outstanding_fen: i64,
    pub dpd: i32,
    pub bucket: Option<&'static str>,
    pub classification: Option<&'static str>,
}

impl LoanProjection {
    /// A serviced loan's projection.
    pub fn of(loan: &Loan, thresholds: &ClassificationThresholds) -> LoanProjection {
        let delinquency = loan.delinquency(thresholds);
        LoanProjection {
            status: loan.status,
            as_of: Some(loan.as_of),
            outstanding_fen: loan.principal_outstanding().fen(),
            dpd: i32::try_from(delinquency.dpd).unwrap_or(i32::MAX),
            bucket: Some(delinquency.bucket.label()),
            classification: Some(delinquency.classification.as_str()),
        }
    }

    /// A loan that was never serviced (its disbursement failed).
    pub fn unserviced(status: LoanStatus) -> LoanProjection {
        LoanProjection {
            status,
            as_of: None,
            outstanding_fen: 0,
            dpd: 0,
            bucket: None,
            classification: None,
        }
    }
}

/// Everything that changes when something happens to a loan.
#[derive(Debug, Clone)]
pub struct LoanChange {
    pub loan_id: LoanId,
    /// The version read; the change is refused if the loan moved since.
    pub expected_version: i64,
    pub state: Option<Vec<u8>>,
    pub projection: LoanProjection,
    pub new_events: Vec<NewLoanEvent>,
    pub reversed_events: Vec<EventId>,
    pub journal: Vec<ChangeLine>,
    pub settlement: Option<PaymentSettlement>,
    /// Approves a pending reversal request: (request id, checker).
    pub approve_reversal: Option<(ReversalRequestId, UserId)>,
    pub evidence: Option<EvidenceDraft>,
    pub audit: Option<AuditEntry>,
    /// Written to the outbox (`domain_events`) in the same transaction,
    /// with subject `loan:{loan_id}`.
    pub domain_events: Vec<crate::outbox::NewDomainEvent>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeOutcome {
    Committed {
        event_ids: Vec<EventId>,
    },
    /// The loan's version moved: reload and try again.
    VersionConflict,
    /// The settlement was already applied (duplicate or stale notice), or
    /// the reversal request is no longer pending: nothing was changed.
    AlreadyApplied,
}

/// Counts for the portfolio dashboard.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DpdGroup {
    pub dpd: i32,
    pub loans: i64,
    pub outstanding_fen: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DailyTotal {
    pub entry_date: NaiveDate,
    pub loans: i64,
    pub amount_fen: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StatusCount {
    pub status: String,
    pub count: i64,
    pub amount_fen: i64,
}

#[async_trait]
pub trait LendingStore: Send + Sync {
    async fn business_date(&self) -> StoreResult<Option<NaiveDate>>;
    /// Sets the business date of a new install; `false` (and nothing
    /// changed) when the database already has one. Afterwards only close of
    /// business moves it.
    async fn init_business_date(&self, date: NaiveDate) -> StoreResult<bool>;

    /// Inserts or replaces a product (its version is bumped), with its audit entry.
    async fn save_product(
        &self,
        code: &str,
        definition: &str,
        audit: Option<AuditEntry>,
    ) -> StoreResult<i64>;
    async fn products(&self) -> StoreResult<Vec<ProductRecord>>;
    async fn product(&self, code: &str) -> StoreResult<Option<ProductRecord>>;

    /// Stores a decided application (with its model scores, events and,
    /// for a retriable request, its reply) in one transaction.
    async fn create_application(
        &self,
        application: &NewApplication,
        reply: Option<&IdempotentReply<'_, ApplicationRecord>>,
    ) -> StoreResult<ApplicationRecord>;
    async fn application(&self, id: ApplicationId) -> StoreResult<Option<ApplicationRecord>>;
    /// Newest first; `borrower` limits to one borrower, `status` to one status.
    async fn applications(
        &self,
        borrower: Option<UserId>,
        status: Option<ApplicationStatus>,
        limit: i64,
    ) -> StoreResult<Vec<ApplicationRecord>>;
    /// Records an underwriter's decision on a still-referred application
    /// with its audit entry and events; `false` if it is no longer referred.
    async fn decide_referred(&self, decided: &Underwritten) -> StoreResult<bool>;
    async fn application_counts(&self) -> StoreResult<Vec<StatusCount>>;

    /// Marks an approved application accepted and creates its contract, the
    /// loan awaiting disbursement, the disbursement payment and the evidence
    /// entry. `None` if the application is not (or no longer) approved.
    async fn accept_application(&self, acceptance: &Acceptance) -> StoreResult<Option<Accepted>>;
    async fn contract(&self, id: ContractId) -> StoreResult<Option<ContractRecord>>;

    async fn loan(&self, id: LoanId) -> StoreResult<Option<LoanRecord>>;
    async fn loan_by_application(&self, id: ApplicationId) -> StoreResult<Option<LoanRecord>>;
    /// Newest first; `borrowers` limits to those borrowers.
    async fn loans(&self, borrowers: Option<&[UserId]>, limit: i64)
    -> StoreResult<Vec<LoanRecord>>;
    /// Active loans with ids above `after`, in id order.
    async fn active_loans_after(&self, after: LoanId, limit: i64) -> StoreResult<Vec<LoanRecord>>;
    /// Disbursed loans (any status) with ids above `after`, in id order.
    async fn disbursed_loans_after(
        &self,
        after: LoanId,
        limit: i64,
    ) -> StoreResult<Vec<LoanRecord>>;
    async fn exposure(&self, borrower: UserId) -> StoreResult<BorrowerExposure>;
    async fn loan_events(&self, loan: LoanId) -> StoreResult<Vec<LoanEventRecord>>;
    async fn commit_loan_change(&self, change: &LoanChange) -> StoreResult<ChangeOutcome>;

    async fn create_payment(&self, payment: &NewPayment) -> StoreResult<PaymentId>;
    async fn payment(&self, id: PaymentId) -> StoreResult<Option<PaymentRecord>>;
    async fn payment_by_reference(
        &self,
        merchant_reference: &str,
    ) -> StoreResult<Option<PaymentRecord>>;
    async fn loan_payments(&self, loan: LoanId) -> StoreResult<Vec<PaymentRecord>>;
    /// Payments not yet final (created, authorised or submitted) created
    /// before `before`, oldest first (reconciliation).
    async fn open_payments(
        &self,
        before: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<PaymentRecord>>;
    /// Moves a payment from `from` to `to` (authorised, submitted) if it is
    /// still `from`; `false` if something else moved it first. A step the
    /// lifecycle does not allow is an `Invariant` error.
    async fn advance_payment(
        &self,
        id: PaymentId,
        from: PaymentStatus,
        to: PaymentStatus,
    ) -> StoreResult<bool>;
    /// Settles a payment that changes no loan (a failed or refused
    /// collection, a `submitted` notice) with its domain events, in one
    /// transaction; `false` (and nothing written) if the notice was a
    /// duplicate or stale, or the payment had moved on.
    async fn settle_payment(
        &self,
        settlement: &PaymentSettlement,
        domain_events: &[crate::outbox::NewDomainEvent],
    ) -> StoreResult<bool>;

    async fn loan_journal(&self, loan: LoanId) -> StoreResult<Vec<JournalRecord>>;
    async fn append_journal(&self, lines: &[JournalLine]) -> StoreResult<()>;
    /// Debits and credits per account over the whole ledger.
    async fn trial_balance(&self) -> StoreResult<Vec<AccountTotals>>;
    async fn disbursed_by_day(&self, since: NaiveDate) -> StoreResult<Vec<DailyTotal>>;
    async fn active_dpd_groups(&self) -> StoreResult<Vec<DpdGroup>>;
    async fn loan_counts(&self) -> StoreResult<Vec<StatusCount>>;

    /// `Conflict` if the event already has a pending request.
    async fn create_reversal_request(
        &self,
        loan: LoanId,
        event: EventId,
        requested_by: UserId,
        reason: &str,
        audit: AuditEntry,
    ) -> StoreResult<ReversalRequestId>;
    async fn reversal_request(
        &self,
        id: ReversalRequestId,
    ) -> StoreResult<Option<ReversalRequestRecord>>;
    async fn reversal_requests(
        &self,
        status: Option<ReversalStatus>,
    ) -> StoreResult<Vec<ReversalRequestRecord>>;
    async fn reject_reversal(
        &self,
        id: ReversalRequestId,
        checker: UserId,
        audit: AuditEntry,
    ) -> StoreResult<bool>;

    async fn evidence(&self, after: i64, limit: i64) -> StoreResult<Vec<EvidenceEntry>>;

    /// Auto-debits close of business queued and nobody has sent yet.
    async fn pending_auto_debits(&self, limit: i64) -> StoreResult<Vec<AutoDebitRecord>>;
    /// Creates the collection for a pending auto-debit and marks it
    /// submitted, together; `None` if it was no longer pending.
    async fn claim_auto_debit(
        &self,
        id: i64,
        payment: &NewPayment,
    ) -> StoreResult<Option<PaymentId>>;
    /// Nothing to collect after all (paid meanwhile, or the loan closed).
    async fn cancel_auto_debit(&self, id: i64) -> StoreResult<()>;
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AutoDebitRecord {
    pub id: i64,
    pub loan_id: LoanId,
    pub business_date: NaiveDate,
    pub amount_fen: i64,
}

pub(crate) const APPLICATION_COLUMNS: &str = "SELECT id, borrower_id, product_code, amount_fen, term_months, method, purpose, profile, status, decision, underwriting, created_at, updated_at FROM applications";
const LOAN_COLUMNS: &str = "SELECT id, application_id, contract_id, borrower_id, product_code, status, terms, state, as_of, principal_fen, outstanding_fen, dpd, version, created_at, updated_at FROM loans";
pub(crate) const PAYMENT_COLUMNS: &str = "SELECT id, merchant_reference, loan_id, direction, purpose, mode, amount_fen, status, failure_code, provider_reference, last_applied_sequence, applied, created_at, updated_at FROM payments";
const REVERSAL_COLUMNS: &str = "SELECT id, loan_id, event_id, requested_by, reason, status, decided_by, decided_at, created_at FROM reversal_requests";

#[derive(sqlx::FromRow)]
struct EvidenceRow {
    sequence: i64,
    recorded_at: DateTime<Utc>,
    kind: String,
    subject: String,
    payload_digest: String,
    previous_hash: String,
    hash: String,
}

impl From<EvidenceRow> for EvidenceEntry {
    fn from(row: EvidenceRow) -> Self {
        EvidenceEntry {
            sequence: u64::try_from(row.sequence).unwrap_or(0),
            recorded_at: row.recorded_at,
            kind: row.kind,
            subject: row.subject,
            payload_digest: row.payload_digest,
            previous_hash: row.previous_hash,
            hash: row.hash,
        }
    }
}

fn seal(previous: Option<&EvidenceEntry>, draft: &EvidenceDraft) -> StoreResult<EvidenceEntry> {
    evidence::append_digest(
        previous,
        crate::now(),
        &draft.kind,
        &draft.subject,
        draft.payload_digest.clone(),
    )
    .map_err(|error| StoreError::Invariant(error.to_string()))
}

/// `'a', 'b'`: statuses as SQL literals (their names are ours, from the
/// core's one mapping, never client text).
fn status_list(statuses: impl IntoIterator<Item = PaymentStatus>) -> String {
    statuses
        .into_iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The statuses `settlement` may move a payment from: for a provider notice
/// those the provider may hold, for a refusal `created`; of those, the ones
/// from which its status is a step of the lifecycle (or, for a notice that
/// the payment is still on its way, no change).
fn settled_from(settlement: &PaymentSettlement) -> StoreResult<String> {
    let candidates: &[PaymentStatus] = match settlement.sequence {
        Some(_) => &PaymentStatus::AT_PROVIDER,
        None => &[PaymentStatus::Created],
    };
    let to = settlement.status;
    let from: Vec<PaymentStatus> = candidates
        .iter()
        .copied()
        .filter(|from| from.can_become(to) || (*from == to && !to.is_final()))
        .collect();
    if from.is_empty() {
        return Err(StoreError::Invariant(format!(
            "payment {}: no status settles to {to}",
            settlement.payment_id
        )));
    }
    Ok(status_list(from))
}

const BUSINESS_DATE: &str = "SELECT business_date FROM business_calendar WHERE id = 1";
const PRODUCT: &str = "SELECT code, definition, version, updated_at FROM products WHERE code = $1";
const EXPOSURE: &str = "SELECT
         CAST(COALESCE(SUM(CASE WHEN status IN ('active', 'pending_disbursement') THEN 1 ELSE 0 END), 0) AS BIGINT),
         CAST(COALESCE(SUM(CASE WHEN status IN ('active', 'pending_disbursement') THEN outstanding_fen ELSE 0 END), 0) AS BIGINT),
         CAST(COALESCE(MAX(CASE WHEN status = 'active' THEN dpd ELSE 0 END), 0) AS BIGINT),
         CAST(COALESCE(SUM(CASE WHEN status = 'paid_off' THEN 1 ELSE 0 END), 0) AS BIGINT)
     FROM loans WHERE borrower_id = $1";
const INSERT_APPLICATION: &str = "INSERT INTO applications (borrower_id, product_code, amount_fen,
         term_months, method, purpose, profile, status, decision, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id";

impl ApplicationRecord {
    /// The row `INSERT_APPLICATION` wrote for `application` as `id`.
    fn written(id: ApplicationId, application: &NewApplication) -> Self {
        ApplicationRecord {
            id,
            borrower_id: application.borrower_id,
            product_code: application.product_code.clone(),
            amount_fen: application.amount_fen,
            term_months: application.term_months,
            method: application.method.clone(),
            purpose: application.purpose.clone(),
            profile: application.profile.clone(),
            status: application.status,
            decision: application.decision.clone(),
            underwriting: None,
            created_at: application.created_at,
            updated_at: application.created_at,
        }
    }
}

impl SqlRepository<Postgres> {
    async fn write_application(
        &self,
        application: &NewApplication,
        reply: Option<&IdempotentReply<'_, ApplicationRecord>>,
    ) -> StoreResult<ApplicationRecord> {
        self.write_application_through_sqlx(application, reply)
            .await
    }
}

impl SqlRepository<Sqlite> {
    /// The decision's transaction in one call on the direct writer (see
    /// [`crate::sqlite_direct`]): the hot path of every application. A
    /// database in memory has no direct connections.
    async fn write_application(
        &self,
        application: &NewApplication,
        reply: Option<&IdempotentReply<'_, ApplicationRecord>>,
    ) -> StoreResult<ApplicationRecord> {
        let Some(direct) = &self.direct else {
            return self
                .write_application_through_sqlx(application, reply)
                .await;
        };
        direct
            .write(&self.pool, |tx| {
                let id = tx.prepare_cached(INSERT_APPLICATION)?.query_row(
                    rusqlite::params![
                        i64::from(application.borrower_id),
                        application.product_code,
                        application.amount_fen,
                        application.term_months,
                        application.method,
                        application.purpose,
                        application.profile,
                        application.status.as_str(),
                        application.decision,
                        sqlite_direct::timestamp(application.created_at),
                    ],
                    |row| row.get(0).map(ApplicationId),
                )?;
                sqlite_direct::insert_model_scores(tx, id, &application.model_scores)?;
                sqlite_direct::insert_domain_events(
                    tx,
                    &application.domain_events,
                    &format!("application:{id}"),
                    None,
                    application.created_at,
                )?;
                let record = ApplicationRecord::written(id, application);
                if let Some(reply) = reply {
                    sqlite_direct::insert_idempotent_reply(
                        tx,
                        reply,
                        &record,
                        application.created_at,
                    )?;
                }
                Ok(record)
            })
            .await
    }
}

macro_rules! lending_store {
    ($db:ty, $connection:ty, $serialise:literal) => {
        impl SqlRepository<$db> {
            async fn write_application_through_sqlx(
                &self,
                application: &NewApplication,
                reply: Option<&IdempotentReply<'_, ApplicationRecord>>,
            ) -> StoreResult<ApplicationRecord> {
                let mut tx = self.pool.begin().await?;
                let id: ApplicationId = sqlx::query_scalar(INSERT_APPLICATION)
                    .bind(application.borrower_id)
                    .bind(&application.product_code)
                    .bind(application.amount_fen)
                    .bind(application.term_months)
                    .bind(&application.method)
                    .bind(&application.purpose)
                    .bind(&application.profile)
                    .bind(application.status.as_str())
                    .bind(&application.decision)
                    .bind(application.created_at)
                    .fetch_one(&mut *tx)
                    .await?;
                Self::insert_model_scores(&mut tx, Some(id), &application.model_scores).await?;
                Self::insert_domain_events(
                    &mut tx,
                    &application.domain_events,
                    &format!("application:{id}"),
                    None,
                    application.created_at,
                )
                .await?;
                let record = ApplicationRecord::written(id, application);
                if let Some(reply) = reply {
                    Self::insert_idempotent_reply(&mut tx, reply, &record, application.created_at).await?;
                }
                tx.commit().await?;
                Ok(record)
            }

            /// Appends to the evidence log inside the caller's transaction,
            /// which must already hold a write lock (SQLite) or take the
            /// log's advisory lock here (PostgreSQL), so appenders queue.
            async fn append_evidence(
                connection: &mut $connection,
                draft: &EvidenceDraft,
            ) -> StoreResult<()> {
                if !$serialise.is_empty() {
                    sqlx::query($serialise).execute(&mut *connection).await?;
                }
                let previous: Option<EvidenceRow> = sqlx::query_as(
                    "SELECT sequence, recorded_at, kind, subject, payload_digest, previous_hash, hash
                     FROM evidence_log ORDER BY sequence DESC LIMIT 1",
                )
                .fetch_optional(&mut *connection)
                .await?;
                let previous = previous.map(EvidenceEntry::from);
                let entry = seal(previous.as_ref(), draft)?;
                sqlx::query(
                    "INSERT INTO evidence_log (sequence, recorded_at, kind, subject, payload_digest, previous_hash, hash)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(i64::try_from(entry.sequence).unwrap_or(i64::MAX))
                .bind(entry.recorded_at)
                .bind(&entry.kind)
                .bind(&entry.subject)
                .bind(&entry.payload_digest)
                .bind(&entry.previous_hash)
                .bind(&entry.hash)
                .execute(&mut *connection)
                .await
                .map_err(StoreError::from_write)?;
                Ok(())
            }

            async fn insert_journal(
                connection: &mut $connection,
                line: &JournalLine,
                now: DateTime<Utc>,
            ) -> StoreResult<()> {
                sqlx::query(
                    "INSERT INTO journal_entries (entry_date, loan_id, product_code, kind, debit, credit, amount_fen, source, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(line.entry_date)
                .bind(line.loan_id)
                .bind(&line.product_code)
                .bind(&line.kind)
                .bind(&line.debit)
                .bind(&line.credit)
                .bind(line.amount_fen)
                .bind(&line.source)
                .bind(now)
                .execute(&mut *connection)
                .await?;
                Ok(())
            }

            /// Applies a settlement if the payment is in a status it may
            /// settle and (for a notice) it is newer than what was applied;
            /// the payment's loan, or `None` if nothing was changed.
            async fn apply_settlement(
                connection: &mut $connection,
                settlement: &PaymentSettlement,
                now: DateTime<Utc>,
            ) -> StoreResult<Option<LoanId>> {
                let sql = format!(
                    "UPDATE payments SET status = $1, failure_code = $2,
                         provider_reference = COALESCE($3, provider_reference),
                         applied = $4, last_applied_sequence = COALESCE($5, last_applied_sequence),
                         updated_at = $6
                     WHERE id = $7 AND status IN ({}) AND ($5 IS NULL OR last_applied_sequence < $5)
                     RETURNING loan_id",
                    settled_from(settlement)?
                );
                Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .bind(settlement.status.as_str())
                    .bind(&settlement.failure_code)
                    .bind(&settlement.provider_reference)
                    .bind(&settlement.applied)
                    .bind(settlement.sequence)
                    .bind(now)
                    .bind(settlement.payment_id)
                    .fetch_optional(&mut *connection)
                    .await?)
            }
        }

        #[async_trait]
        impl LendingStore for SqlRepository<$db> {
            async fn business_date(&self) -> StoreResult<Option<NaiveDate>> {
                if let Some(direct) = &self.direct {
                    return direct.read(|c| {
                        c.prepare_cached(BUSINESS_DATE)?.query_row([], |row| row.get(0)).optional()
                    });
                }
                Ok(sqlx::query_scalar(BUSINESS_DATE).fetch_optional(&self.pool).await?)
            }

            async fn init_business_date(&self, date: NaiveDate) -> StoreResult<bool> {
                let inserted = sqlx::query(
                    "INSERT INTO business_calendar (id, business_date) VALUES (1, $1)
                     ON CONFLICT (id) DO NOTHING",
                )
                .bind(date)
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(inserted == 1)
            }

            async fn save_product(
                &self,
                code: &str,
                definition: &str,
                audit: Option<AuditEntry>,
            ) -> StoreResult<i64> {
                let mut tx = self.pool.begin().await?;
                let version: i64 = sqlx::query_scalar(
                    "INSERT INTO products (code, definition, version, updated_at) VALUES ($1, $2, 1, $3)
                     ON CONFLICT (code) DO UPDATE SET definition = excluded.definition,
                         version = products.version + 1, updated_at = excluded.updated_at
                     RETURNING version",
                )
                .bind(code)
                .bind(definition)
                .bind(crate::now())
                .fetch_one(&mut *tx)
                .await?;
                if let Some(entry) = audit {
                    Self::insert_audit(&mut tx, &entry).await?;
                }
                tx.commit().await?;
                Ok(version)
            }

            async fn products(&self) -> StoreResult<Vec<ProductRecord>> {
                Ok(sqlx::query_as("SELECT code, definition, version, updated_at FROM products ORDER BY code")
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn product(&self, code: &str) -> StoreResult<Option<ProductRecord>> {
                if let Some(direct) = &self.direct {
                    return direct.read(|c| {
                        c.prepare_cached(PRODUCT)?.query_row([code], |row| {
                            Ok(ProductRecord {
                                code: row.get(0)?,
                                definition: row.get(1)?,
                                version: row.get(2)?,
                                updated_at: row.get(3)?,
                            })
                        })
                        .optional()
                    });
                }
                Ok(sqlx::query_as(PRODUCT).bind(code).fetch_optional(&self.pool).await?)
            }

            async fn create_application(
                &self,
                application: &NewApplication,
                reply: Option<&IdempotentReply<'_, ApplicationRecord>>,
            ) -> StoreResult<ApplicationRecord> {
                self.write_application(application, reply).await
            }

            async fn application(&self, id: ApplicationId) -> StoreResult<Option<ApplicationRecord>> {
                let sql = format!("{APPLICATION_COLUMNS} WHERE id = $1");
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn applications(
                &self,
                borrower: Option<UserId>,
                status: Option<ApplicationStatus>,
                limit: i64,
            ) -> StoreResult<Vec<ApplicationRecord>> {
                let sql = format!(
                    "{APPLICATION_COLUMNS} WHERE ($1 IS NULL OR borrower_id = $1)
                     AND ($2 IS NULL OR status = $2) ORDER BY id DESC LIMIT $3"
                );
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(borrower)
                    .bind(status.map(ApplicationStatus::as_str))
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn decide_referred(&self, decided: &Underwritten) -> StoreResult<bool> {
                let mut tx = self.pool.begin().await?;
                let now = crate::now();
                let updated = sqlx::query(
                    "UPDATE applications SET status = $1, decision = $2, underwriting = $3, updated_at = $4
                     WHERE id = $5 AND status = 'referred'",
                )
                .bind(decided.status.as_str())
                .bind(&decided.decision)
                .bind(&decided.underwriting)
                .bind(now)
                .bind(decided.application_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if updated != 1 {
                    return Ok(false);
                }
                Self::insert_audit(&mut tx, &decided.audit).await?;
                Self::insert_domain_events(
                    &mut tx,
                    &decided.domain_events,
                    &format!("application:{}", decided.application_id),
                    None,
                    now,
                )
                .await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn application_counts(&self) -> StoreResult<Vec<StatusCount>> {
                Ok(sqlx::query_as(
                    "SELECT status, COUNT(*) AS count, CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) AS amount_fen
                     FROM applications GROUP BY status ORDER BY status",
                )
                .fetch_all(&self.pool)
                .await?)
            }

            async fn accept_application(&self, acceptance: &Acceptance) -> StoreResult<Option<Accepted>> {
                let mut tx = self.pool.begin().await?;
                let now = crate::now();
                let updated = sqlx::query(
                    "UPDATE applications SET status = 'accepted', updated_at = $1
                     WHERE id = $2 AND borrower_id = $3 AND status = 'approved'",
                )
                .bind(now)
                .bind(acceptance.application_id)
                .bind(acceptance.borrower_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if updated != 1 {
                    return Ok(None);
                }
                let contract_id: ContractId = sqlx::query_scalar(
                    "INSERT INTO contracts (application_id, borrower_id, document, digest, salt, signed_at)
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(acceptance.application_id)
                .bind(acceptance.borrower_id)
                .bind(&acceptance.contract_document)
                .bind(&acceptance.contract_digest)
                .bind(&acceptance.contract_salt)
                .bind(acceptance.signed_at)
                .fetch_one(&mut *tx)
                .await?;
                let loan_id: LoanId = sqlx::query_scalar(
                    "INSERT INTO loans (application_id, contract_id, borrower_id, product_code, status, terms,
                         principal_fen, outstanding_fen, dpd, version, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, 'pending_disbursement', $5, $6, $6, 0, 1, $7, $7) RETURNING id",
                )
                .bind(acceptance.application_id)
                .bind(contract_id)
                .bind(acceptance.borrower_id)
                .bind(&acceptance.product_code)
                .bind(&acceptance.terms)
                .bind(acceptance.principal_fen)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                let payment = NewPayment {
                    loan_id,
                    ..acceptance.disbursement.clone()
                };
                let payment_id = Self::insert_payment(&mut tx, &payment, now).await?;
                let mut evidence = acceptance.evidence.clone();
                evidence.subject = format!("contract:{contract_id}");
                Self::append_evidence(&mut tx, &evidence).await?;
                Self::insert_domain_events(
                    &mut tx,
                    &acceptance.domain_events,
                    &evidence.subject,
                    Some(loan_id),
                    now,
                )
                .await?;
                tx.commit().await?;
                Ok(Some(Accepted {
                    contract_id,
                    loan_id,
                    payment_id,
                }))
            }

            async fn contract(&self, id: ContractId) -> StoreResult<Option<ContractRecord>> {
                Ok(sqlx::query_as(
                    "SELECT id, application_id, borrower_id, document, digest, salt, signed_at FROM contracts WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?)
            }

            async fn loan(&self, id: LoanId) -> StoreResult<Option<LoanRecord>> {
                let sql = format!("{LOAN_COLUMNS} WHERE id = $1");
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn loan_by_application(&self, id: ApplicationId) -> StoreResult<Option<LoanRecord>> {
                let sql = format!("{LOAN_COLUMNS} WHERE application_id = $1");
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn loans(
                &self,
                borrowers: Option<&[UserId]>,
                limit: i64,
            ) -> StoreResult<Vec<LoanRecord>> {
                let filter = match borrowers {
                    None => String::new(),
                    Some([]) => return Ok(Vec::new()),
                    // Ids are integers from our own lookups, never client text.
                    Some(ids) => format!(
                        " WHERE borrower_id IN ({})",
                        ids.iter().map(UserId::to_string).collect::<Vec<_>>().join(",")
                    ),
                };
                let sql = format!("{LOAN_COLUMNS}{filter} ORDER BY id DESC LIMIT $1");
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn active_loans_after(&self, after: LoanId, limit: i64) -> StoreResult<Vec<LoanRecord>> {
                let sql = format!("{LOAN_COLUMNS} WHERE status = 'active' AND id > $1 ORDER BY id LIMIT $2");
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(after)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn disbursed_loans_after(&self, after: LoanId, limit: i64) -> StoreResult<Vec<LoanRecord>> {
                let sql = format!("{LOAN_COLUMNS} WHERE state IS NOT NULL AND id > $1 ORDER BY id LIMIT $2");
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(after)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn exposure(&self, borrower: UserId) -> StoreResult<BorrowerExposure> {
                let (open_loans, outstanding_fen, max_dpd, loans_repaid): (i64, i64, i64, i64) =
                    match &self.direct {
                        Some(direct) => direct.read(|c| {
                            c.prepare_cached(EXPOSURE)?.query_row([i64::from(borrower)], |row| {
                                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
                            })
                        })?,
                        None => {
                            sqlx::query_as(EXPOSURE).bind(borrower).fetch_one(&self.pool).await?
                        }
                    };
                Ok(BorrowerExposure {
                    open_loans,
                    outstanding_fen,
                    max_dpd,
                    loans_repaid,
                })
            }

            async fn loan_events(&self, loan: LoanId) -> StoreResult<Vec<LoanEventRecord>> {
                Ok(sqlx::query_as(
                    "SELECT id, loan_id, value_date, event, allocation, payment_id, reversed, created_at
                     FROM loan_events WHERE loan_id = $1 ORDER BY id",
                )
                .bind(loan)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn commit_loan_change(&self, change: &LoanChange) -> StoreResult<ChangeOutcome> {
                let now = crate::now();
                let mut tx = self.pool.begin().await?;
                // The version check first: in PostgreSQL it takes the row
                // lock, in SQLite the write lock, so the rest cannot race.
                let updated = sqlx::query(
                    "UPDATE loans SET status = $1, state = $2, as_of = $3, outstanding_fen = $4, dpd = $5,
                         bucket = $9, classification = $10, version = version + 1, updated_at = $6
                     WHERE id = $7 AND version = $8",
                )
                .bind(change.projection.status.as_str())
                .bind(&change.state)
                .bind(change.projection.as_of)
                .bind(change.projection.outstanding_fen)
                .bind(change.projection.dpd)
                .bind(now)
                .bind(change.loan_id)
                .bind(change.expected_version)
                .bind(change.projection.bucket)
                .bind(change.projection.classification)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if updated != 1 {
                    return Ok(ChangeOutcome::VersionConflict);
                }
                if let Some(settlement) = &change.settlement
                    && Self::apply_settlement(&mut tx, settlement, now).await?.is_none()
                {
                    return Ok(ChangeOutcome::AlreadyApplied);
                }
                if let Some((request, checker)) = change.approve_reversal {
                    let approved = sqlx::query(
                        "UPDATE reversal_requests SET status = 'approved', decided_by = $1, decided_at = $2
                         WHERE id = $3 AND status = 'pending' AND requested_by <> $1",
                    )
                    .bind(checker)
                    .bind(now)
                    .bind(request)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                    if approved != 1 {
                        return Ok(ChangeOutcome::AlreadyApplied);
                    }
                }
                let mut event_ids = Vec::with_capacity(change.new_events.len());
                for event in &change.new_events {
                    let id: EventId = sqlx::query_scalar(
                        "INSERT INTO loan_events (loan_id, value_date, event, allocation, payment_id, reversed, created_at)
                         VALUES ($1, $2, $3, $4, $5, FALSE, $6) RETURNING id",
                    )
                    .bind(change.loan_id)
                    .bind(event.value_date)
                    .bind(&event.event)
                    .bind(&event.allocation)
                    .bind(event.payment_id)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?;
                    event_ids.push(id);
                }
                for reversed in &change.reversed_events {
                    sqlx::query("UPDATE loan_events SET reversed = TRUE WHERE id = $1 AND loan_id = $2")
                        .bind(reversed)
                        .bind(change.loan_id)
                        .execute(&mut *tx)
                        .await?;
                }
                for ChangeLine { line, event_index } in &change.journal {
                    match event_index.and_then(|index| event_ids.get(index)) {
                        Some(id) => {
                            let line = JournalLine {
                                source: format!("event:{id}"),
                                ..line.clone()
                            };
                            Self::insert_journal(&mut tx, &line, now).await?;
                        }
                        None => Self::insert_journal(&mut tx, line, now).await?,
                    }
                }
                if let Some(evidence) = &change.evidence {
                    Self::append_evidence(&mut tx, evidence).await?;
                }
                if let Some(audit) = &change.audit {
                    Self::insert_audit(&mut tx, audit).await?;
                }
                Self::insert_domain_events(
                    &mut tx,
                    &change.domain_events,
                    &format!("loan:{}", change.loan_id),
                    Some(change.loan_id),
                    now,
                )
                .await?;
                tx.commit().await?;
                Ok(ChangeOutcome::Committed { event_ids })
            }

            async fn create_payment(&self, payment: &NewPayment) -> StoreResult<PaymentId> {
                let mut connection = self.pool.acquire().await?;
                Self::insert_payment(&mut connection, payment, crate::now()).await
            }

            async fn payment(&self, id: PaymentId) -> StoreResult<Option<PaymentRecord>> {
                let sql = format!("{PAYMENT_COLUMNS} WHERE id = $1");
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn payment_by_reference(
                &self,
                merchant_reference: &str,
            ) -> StoreResult<Option<PaymentRecord>> {
                let sql = format!("{PAYMENT_COLUMNS} WHERE merchant_reference = $1");
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(merchant_reference)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn loan_payments(&self, loan: LoanId) -> StoreResult<Vec<PaymentRecord>> {
                let sql = format!("{PAYMENT_COLUMNS} WHERE loan_id = $1 ORDER BY id DESC");
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(loan)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn open_payments(
                &self,
                before: DateTime<Utc>,
                limit: i64,
            ) -> StoreResult<Vec<PaymentRecord>> {
                let open = status_list(PaymentStatus::ALL.into_iter().filter(|s| !s.is_final()));
                let sql = format!(
                    "{PAYMENT_COLUMNS} WHERE status IN ({open}) AND created_at < $1 ORDER BY created_at, id LIMIT $2"
                );
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(before)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn advance_payment(
                &self,
                id: PaymentId,
                from: PaymentStatus,
                to: PaymentStatus,
            ) -> StoreResult<bool> {
                from.transition(to)
                    .map_err(|error| StoreError::Invariant(format!("payment {id}: {error}")))?;
                let updated = sqlx::query(
                    "UPDATE payments SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
                )
                .bind(to.as_str())
                .bind(crate::now())
                .bind(id)
                .bind(from.as_str())
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(updated == 1)
            }

            async fn settle_payment(
                &self,
                settlement: &PaymentSettlement,
                domain_events: &[crate::outbox::NewDomainEvent],
            ) -> StoreResult<bool> {
                let now = crate::now();
                let mut tx = self.pool.begin().await?;
                let Some(loan_id) = Self::apply_settlement(&mut tx, settlement, now).await? else {
                    return Ok(false);
                };
                Self::insert_domain_events(
                    &mut tx,
                    domain_events,
                    &format!("loan:{loan_id}"),
                    Some(loan_id),
                    now,
                )
                .await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn loan_journal(&self, loan: LoanId) -> StoreResult<Vec<JournalRecord>> {
                Ok(sqlx::query_as(
                    "SELECT id, entry_date, loan_id, product_code, kind, debit, credit, amount_fen, source
                     FROM journal_entries WHERE loan_id = $1 ORDER BY id",
                )
                .bind(loan)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn append_journal(&self, lines: &[JournalLine]) -> StoreResult<()> {
                let mut tx = self.pool.begin().await?;
                let now = crate::now();
                for line in lines {
                    Self::insert_journal(&mut tx, line, now).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn trial_balance(&self) -> StoreResult<Vec<AccountTotals>> {
                Ok(sqlx::query_as(
                    "SELECT account, CAST(SUM(debits) AS BIGINT) AS debits_fen, CAST(SUM(credits) AS BIGINT) AS credits_fen FROM (
                         SELECT debit AS account, SUM(amount_fen) AS debits, 0 AS credits FROM journal_entries GROUP BY debit
                         UNION ALL
                         SELECT credit AS account, 0 AS debits, SUM(amount_fen) AS credits FROM journal_entries GROUP BY credit
                     ) AS sides GROUP BY account ORDER BY account",
                )
                .fetch_all(&self.pool)
                .await?)
            }

            async fn disbursed_by_day(&self, since: NaiveDate) -> StoreResult<Vec<DailyTotal>> {
                Ok(sqlx::query_as(
                    "SELECT entry_date, COUNT(*) AS loans, CAST(SUM(amount_fen) AS BIGINT) AS amount_fen
                     FROM journal_entries
                     WHERE kind = 'disbursement' AND debit = 'principal_receivable' AND entry_date >= $1
                     GROUP BY entry_date ORDER BY entry_date",
                )
                .bind(since)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn active_dpd_groups(&self) -> StoreResult<Vec<DpdGroup>> {
                Ok(sqlx::query_as(
                    "SELECT dpd, COUNT(*) AS loans, CAST(SUM(outstanding_fen) AS BIGINT) AS outstanding_fen
                     FROM loans WHERE status = 'active' GROUP BY dpd ORDER BY dpd",
                )
                .fetch_all(&self.pool)
                .await?)
            }

            async fn loan_counts(&self) -> StoreResult<Vec<StatusCount>> {
                Ok(sqlx::query_as(
                    "SELECT status, COUNT(*) AS count, CAST(COALESCE(SUM(principal_fen), 0) AS BIGINT) AS amount_fen
                     FROM loans GROUP BY status ORDER BY status",
                )
                .fetch_all(&self.pool)
                .await?)
            }

            async fn create_reversal_request(
                &self,
                loan: LoanId,
                event: EventId,
                requested_by: UserId,
                reason: &str,
                audit: AuditEntry,
            ) -> StoreResult<ReversalRequestId> {
                let mut tx = self.pool.begin().await?;
                let id: ReversalRequestId = sqlx::query_scalar(
                    "INSERT INTO reversal_requests (loan_id, event_id, requested_by, reason, status, created_at)
                     VALUES ($1, $2, $3, $4, 'pending', $5) RETURNING id",
                )
                .bind(loan)
                .bind(event)
                .bind(requested_by)
                .bind(reason)
                .bind(crate::now())
                .fetch_one(&mut *tx)
                .await
                .map_err(StoreError::from_write)?;
                let mut audit = audit;
                audit.entity_id = Some(id.to_string());
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(id)
            }

            async fn reversal_request(&self, id: ReversalRequestId) -> StoreResult<Option<ReversalRequestRecord>> {
                let sql = format!("{REVERSAL_COLUMNS} WHERE id = $1");
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn reversal_requests(
                &self,
                status: Option<ReversalStatus>,
            ) -> StoreResult<Vec<ReversalRequestRecord>> {
                let sql = format!("{REVERSAL_COLUMNS} WHERE ($1 IS NULL OR status = $1) ORDER BY id DESC LIMIT 200");
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(status.map(ReversalStatus::as_str))
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn reject_reversal(
                &self,
                id: ReversalRequestId,
                checker: UserId,
                audit: AuditEntry,
            ) -> StoreResult<bool> {
                let mut tx = self.pool.begin().await?;
                let updated = sqlx::query(
                    "UPDATE reversal_requests SET status = 'rejected', decided_by = $1, decided_at = $2
                     WHERE id = $3 AND status = 'pending' AND requested_by <> $1",
                )
                .bind(checker)
                .bind(crate::now())
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if updated != 1 {
                    return Ok(false);
                }
                Self::insert_audit(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn pending_auto_debits(&self, limit: i64) -> StoreResult<Vec<AutoDebitRecord>> {
                Ok(sqlx::query_as(
                    "SELECT id, loan_id, business_date, amount_fen FROM auto_debits
                     WHERE status = 'pending' ORDER BY business_date, id LIMIT $1",
                )
                .bind(limit)
                .fetch_all(&self.pool)
                .await?)
            }

            async fn claim_auto_debit(
                &self,
                id: i64,
                payment: &NewPayment,
            ) -> StoreResult<Option<PaymentId>> {
                let now = crate::now();
                let mut tx = self.pool.begin().await?;
                let claimed = sqlx::query(
                    "UPDATE auto_debits SET status = 'submitted', updated_at = $1
                     WHERE id = $2 AND status = 'pending'",
                )
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if claimed != 1 {
                    return Ok(None);
                }
                let payment_id = Self::insert_payment(&mut tx, payment, now).await?;
                sqlx::query("UPDATE auto_debits SET payment_id = $1 WHERE id = $2")
                    .bind(payment_id)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(Some(payment_id))
            }

            async fn cancel_auto_debit(&self, id: i64) -> StoreResult<()> {
                sqlx::query(
                    "UPDATE auto_debits SET status = 'cancelled', updated_at = $1
                     WHERE id = $2 AND status = 'pending'",
                )
                .bind(crate::now())
                .bind(id)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn evidence(&self, after: i64, limit: i64) -> StoreResult<Vec<EvidenceEntry>> {
                let rows: Vec<EvidenceRow> = sqlx::query_as(
                    "SELECT sequence, recorded_at, kind, subject, payload_digest, previous_hash, hash
                     FROM evidence_log WHERE sequence > $1 ORDER BY sequence LIMIT $2",
                )
                .bind(after)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(EvidenceEntry::from).collect())
            }
        }

        impl SqlRepository<$db> {
            async fn insert_payment(
                connection: &mut $connection,
                payment: &NewPayment,
                now: DateTime<Utc>,
            ) -> StoreResult<PaymentId> {
                if payment.direction != payment.purpose.direction() {
                    return Err(StoreError::Invariant(format!(
                        "a {} payment is a {}, not a {}",
                        payment.purpose,
                        payment.purpose.direction(),
                        payment.direction
                    )));
                }
                sqlx::query_scalar(
                    "INSERT INTO payments (merchant_reference, loan_id, direction, purpose, mode, amount_fen,
                         status, last_applied_sequence, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $8) RETURNING id",
                )
                .bind(&payment.merchant_reference)
                .bind(payment.loan_id)
                .bind(payment.direction.as_str())
                .bind(payment.purpose.as_str())
                .bind(&payment.mode)
                .bind(payment.amount_fen)
                .bind(PaymentStatus::Created.as_str())
                .bind(now)
                .fetch_one(&mut *connection)
                .await
                .map_err(StoreError::from_write)
            }
        }
    };
}

// PostgreSQL serialises evidence appenders with a transaction-scoped advisory
// lock (the key is arbitrary but fixed); in SQLite every transaction that
// appends has already taken the single write lock with its first UPDATE.
lending_store!(Sqlite, sqlx::SqliteConnection, "");
lending_store!(
    Postgres,
    sqlx::PgConnection,
    "SELECT pg_advisory_xact_lock(7151202611)"
);
