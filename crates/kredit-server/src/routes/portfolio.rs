//! The business date and close of business, the portfolio dashboard, staff
//! borrower search, the trial balance and the evidence log.

use axum::Json;
use axum::extract::State;
use chrono::NaiveDate;
use kredit_core::Money;
use kredit_core::evidence::{self, EvidenceEntry};
use kredit_core::identity::{mask_id_number, mask_name, mask_phone};
use kredit_store::UserId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use kredit_app::close_of_business;
use kredit_app::portfolio::{self, Portfolio};

use crate::auth::{AdminOnly, AnyUser, AuditReaders, Authorized, RiskReaders, StaffOnly};
use crate::config::Environment;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiQuery};
use crate::routes::loans::{LoanSearch, search_borrowers};
use crate::state::SharedState;

#[derive(Serialize, ToSchema)]
pub struct BusinessDate {
    pub business_date: NaiveDate,
}

#[utoipa::path(get, path = "/api/v1/business-date", tag = "operations", security(("bearer" = [])),
    responses((status = 200, description = "The business date", body = BusinessDate)))]
pub async fn business_date(
    State(state): State<SharedState>,
    _auth: Authorized<AnyUser>,
) -> Result<Json<BusinessDate>, ApiError> {
    Ok(Json(BusinessDate {
        business_date: state.business_date().await?,
    }))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdvanceRequest {
    /// The new business date: later than the current one, within ten years.
    pub date: NaiveDate,
}

/// What close of business did through the new date.
#[derive(Serialize, ToSchema)]
pub struct AdvanceReport {
    pub business_date: NaiveDate,
    pub loans_processed: u64,
    pub loans_changed: u64,
    pub gl_lines: u64,
    pub auto_debits_submitted: usize,
    /// The model metrics whose population stability raised an alert.
    pub model_alerts: Vec<String>,
}

/// Runs close of business up to a later date (admin; refused in
/// production, where the scheduled job moves the date; audited).
#[utoipa::path(post, path = "/api/v1/admin/business-date", tag = "operations", security(("bearer" = [])),
    request_body = AdvanceRequest,
    responses((status = 200, description = "Closed through the date", body = AdvanceReport),
        (status = 403, description = "`forbidden`: admins only", body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "`date_out_of_range`: more than ten years from the business date", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`date_not_later`, `production`", body = Problem, content_type = "application/problem+json")))]
pub async fn advance(
    State(state): State<SharedState>,
    auth: Authorized<AdminOnly>,
    ApiJson(request): ApiJson<AdvanceRequest>,
) -> Result<Json<AdvanceReport>, ApiError> {
    if state.environment == Environment::Production {
        return Err(ApiError::Conflict {
            code: "production",
            detail: "the business date moves only by the scheduled close of business in production"
                .to_owned(),
        });
    }
    crate::dates::within_horizon("date", request.date, state.business_date().await?)?;
    let closed = close_of_business::advance(
        &state,
        request.date,
        auth.user_id(),
        kredit_app::close_of_business::AFTER_CLOSE,
    )
    .await?;
    let report = &closed.report;
    Ok(Json(AdvanceReport {
        business_date: request.date,
        loans_processed: report.loans_processed,
        loans_changed: report.loans_changed,
        gl_lines: report.gl_lines,
        auto_debits_submitted: closed.auto_debits_submitted,
        model_alerts: closed.notes,
    }))
}

/// One close-of-business run.
#[derive(Serialize, ToSchema)]
pub struct CobRunView {
    pub id: i64,
    pub from_date: NaiveDate,
    pub to_date: NaiveDate,
    /// `running` or `done`.
    pub status: String,
    pub chunks: i64,
    pub chunks_done: i64,
    /// Active loans the run processed.
    pub loans: i64,
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Where close of business stands.
#[derive(Serialize, ToSchema)]
pub struct CobStatusView {
    pub business_date: NaiveDate,
    /// The business day the schedule says it should be now.
    pub due: NaiveDate,
    pub schedule_enabled: bool,
    /// Local time `HH:MM` in `time_zone`.
    pub schedule_at: String,
    pub time_zone: String,
    /// The instance running the scheduled close of business, if any.
    pub lease_holder: Option<String>,
    pub lease_expires_at: Option<chrono::DateTime<chrono::Utc>>,
    pub runs: Vec<CobRunView>,
}

/// The business date, the schedule and the last runs (staff).
#[utoipa::path(get, path = "/api/v1/admin/close-of-business", tag = "operations", security(("bearer" = [])),
    responses((status = 200, description = "Close-of-business status", body = CobStatusView),
        (status = 403, description = "`forbidden`: staff only", body = Problem, content_type = "application/problem+json")))]
pub async fn cob_status(
    State(state): State<SharedState>,
    _auth: Authorized<StaffOnly>,
) -> Result<Json<CobStatusView>, ApiError> {
    let status =
        close_of_business::status(state.repository.as_ref(), &state.time, &state.schedule, 20)
            .await?;
    Ok(Json(CobStatusView {
        business_date: status.business_date,
        due: status.due,
        schedule_enabled: status.schedule_enabled,
        schedule_at: status.schedule_at.format("%H:%M").to_string(),
        time_zone: status.time_zone,
        lease_holder: status.lease.as_ref().map(|l| l.holder.clone()),
        lease_expires_at: status.lease.map(|l| l.expires_at),
        runs: status
            .runs
            .into_iter()
            .map(|run| CobRunView {
                id: run.id,
                from_date: run.from_date,
                to_date: run.to_date,
                status: run.status,
                chunks: run.chunk_count,
                chunks_done: run.chunks_done,
                loans: run.loans,
                started_at: run.started_at,
                finished_at: run.finished_at,
            })
            .collect(),
    }))
}

/// The portfolio dashboard (risk officers, admins, auditors).
#[utoipa::path(get, path = "/api/v1/portfolio/summary", tag = "operations", security(("bearer" = [])),
    responses((status = 200, description = "Outstanding, disbursements, approval rate, buckets, classification", body = Portfolio),
        (status = 403, description = "`forbidden`: risk officers, admins, auditors", body = Problem, content_type = "application/problem+json")))]
pub async fn summary(
    State(state): State<SharedState>,
    _auth: Authorized<RiskReaders>,
) -> Result<Json<Portfolio>, ApiError> {
    Ok(Json(portfolio::summary(&state).await?))
}

#[derive(Serialize, ToSchema)]
pub struct BorrowerView {
    pub user_id: UserId,
    pub phone: String,
    pub real_name: Option<String>,
    pub id_number: Option<String>,
    pub identity_status: Option<String>,
}

/// Find borrowers by phone or ID number (staff); every field masked.
#[utoipa::path(get, path = "/api/v1/admin/borrowers", tag = "operations", security(("bearer" = [])),
    params(LoanSearch),
    responses((status = 200, description = "Matching borrowers, masked", body = Vec<BorrowerView>),
        (status = 403, description = "`forbidden`: staff only", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `search_required`, `invalid_query`", body = Problem, content_type = "application/problem+json")))]
pub async fn borrowers(
    State(state): State<SharedState>,
    _auth: Authorized<StaffOnly>,
    ApiQuery(search): ApiQuery<LoanSearch>,
) -> Result<Json<Vec<BorrowerView>>, ApiError> {
    let Some(ids) = search_borrowers(&state, &search).await? else {
        return Err(ApiError::field(
            "query",
            "search_required",
            "search by phone or id_number",
        ));
    };
    let mut found = Vec::new();
    for id in ids {
        let Some(user) = state.repository.user_by_id(id).await? else {
            continue;
        };
        let phone = state
            .pii
            .open(&user.phone_encrypted)
            .await
            .map_err(ApiError::internal)?;
        let identity = state.repository.identity(id).await?;
        let (real_name, id_number) = match &identity {
            Some(i) => (
                Some(mask_name(&open(&state, &i.real_name_encrypted).await?)),
                Some(mask_id_number(&open(&state, &i.id_number_encrypted).await?)),
            ),
            None => (None, None),
        };
        found.push(BorrowerView {
            user_id: id,
            phone: mask_phone(&phone),
            real_name,
            id_number,
            identity_status: identity.map(|i| i.status.as_str().to_owned()),
        });
    }
    Ok(Json(found))
}

/// One account's totals over the whole ledger.
#[derive(Serialize, ToSchema)]
pub struct TrialBalanceAccount {
    pub account: String,
    pub debits: Money,
    pub credits: Money,
}

#[derive(Serialize, ToSchema)]
pub struct TrialBalance {
    pub accounts: Vec<TrialBalanceAccount>,
    pub total_debits: Money,
    pub total_credits: Money,
    pub balanced: bool,
}

/// Debits and credits per account over the whole ledger (risk readers).
#[utoipa::path(get, path = "/api/v1/ledger/trial-balance", tag = "operations", security(("bearer" = [])),
    responses((status = 200, description = "Per-account totals; balanced is always true", body = TrialBalance),
        (status = 403, description = "`forbidden`: risk officers, admins, auditors", body = Problem, content_type = "application/problem+json")))]
pub async fn trial_balance(
    State(state): State<SharedState>,
    _auth: Authorized<RiskReaders>,
) -> Result<Json<TrialBalance>, ApiError> {
    let totals = state.repository.lending().trial_balance().await?;
    let debits: i64 = totals.iter().map(|t| t.debits_fen).sum();
    let credits: i64 = totals.iter().map(|t| t.credits_fen).sum();
    Ok(Json(TrialBalance {
        accounts: totals
            .iter()
            .map(|t| TrialBalanceAccount {
                account: t.account.clone(),
                debits: Money::from_fen(t.debits_fen),
                credits: Money::from_fen(t.credits_fen),
            })
            .collect(),
        total_debits: Money::from_fen(debits),
        total_credits: Money::from_fen(credits),
        balanced: debits == credits,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EvidenceQuery {
    /// Entries with a sequence number from this one on (default 0).
    pub after: Option<i64>,
    /// Page size, 1-5000 (default 500).
    pub limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct EvidencePage {
    pub entries: Vec<EvidenceEntry>,
    /// Whether this page chains correctly onto the entry before it.
    pub verified: bool,
}

/// The tamper-evident log (admins, auditors): export it and verify it
/// independently with SHA-256 over each entry's canonical JSON.
#[utoipa::path(get, path = "/api/v1/evidence", tag = "operations", security(("bearer" = [])),
    params(EvidenceQuery),
    responses((status = 200, description = "Entries in sequence order", body = EvidencePage),
        (status = 403, description = "`forbidden`: admins and auditors", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `invalid_query`", body = Problem, content_type = "application/problem+json")))]
pub async fn evidence_log(
    State(state): State<SharedState>,
    _auth: Authorized<AuditReaders>,
    ApiQuery(query): ApiQuery<EvidenceQuery>,
) -> Result<Json<EvidencePage>, ApiError> {
    let after = query.after.unwrap_or(0).max(0);
    let limit = query.limit.unwrap_or(500).clamp(1, 5000);
    let store = state.repository.lending();
    // The entry before the page too, so the page verifies on its own.
    let previous = match after {
        0 => None,
        n => store.evidence(n - 1, 1).await?.into_iter().next(),
    };
    let entries = store.evidence(after, limit).await?;
    let verified = evidence::verify_after(previous.as_ref(), &entries).is_ok();
    Ok(Json(EvidencePage { entries, verified }))
}

async fn open(state: &crate::state::AppState, sealed: &[u8]) -> Result<String, ApiError> {
    state.pii.open(sealed).await.map_err(ApiError::internal)
}
