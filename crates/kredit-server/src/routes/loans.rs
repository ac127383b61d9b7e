//! Loans: what is owed and when, payoff quotes, repayments through the
//! bank, payment notices, the loan's events and ledger, and reversals under
//! maker-checker.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use kredit_core::Money;
use kredit_core::delinquency::{Bucket, Classification, ClassificationThresholds};
use kredit_core::loan::{Loan, LoanStatus, ReamortiseMode};
use kredit_core::payment::{PaymentDirection, PaymentOutcome, PaymentPurpose, PaymentStatus};
use kredit_core::reversal::ReversalStatus;
use kredit_store::lending::{JournalRecord, PaymentRecord};
use kredit_store::{
    ApplicationId, ContractId, EventId, LoanId, PaymentId, ReversalRequestId, Role, UserId,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{AnyUser, Authorized, BorrowerOnly, Principal, Servicing, StaffOnly};
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::idempotency::{self, IdempotencyKey};
use crate::routes::applications::Items;
use crate::state::{AppState, SharedState};
use crate::views::{AllocationView, EventBody, ServicedInstallment, next_due};
use kredit_app::collections::{self, Collection, CollectionKind, CollectionRequest};
use kredit_app::servicing::{self, LoadedLoan, NoticeOutcome};
use kredit_app::{payments, reversals};

#[derive(Serialize, ToSchema)]
pub struct LoanView {
    pub id: LoanId,
    pub borrower_id: UserId,
    pub product_code: String,
    pub status: LoanStatus,
    pub principal: Money,
    pub outstanding_principal: Money,
    pub amount_due: Money,
    pub next_due_date: Option<NaiveDate>,
    pub next_due_amount: Option<Money>,
    /// Days past due.
    pub dpd: u32,
    /// Delinquency bucket: `M0` (current) to `M7+`.
    pub bucket: String,
    /// Five-category classification, e.g. `normal`.
    pub classification: String,
    #[schema(example = "13.50%")]
    pub annual_rate_percent: String,
    pub credit_balance: Money,
    pub start_date: NaiveDate,
    pub maturity_date: Option<NaiveDate>,
    pub as_of: Option<NaiveDate>,
    pub contract_id: Option<ContractId>,
    pub application_id: Option<ApplicationId>,
    pub installments: Vec<ServicedInstallment>,
}

/// A loan as the API shows it: what its record and terms say, then, once it
/// is disbursed, what its serviced state says.
pub fn loan_view(state: &AppState, loaded: LoadedLoan) -> LoanView {
    let LoadedLoan {
        record,
        terms,
        loan,
    } = loaded;
    let view = LoanView {
        id: record.id,
        borrower_id: record.borrower_id,
        product_code: record.product_code,
        status: record.status,
        principal: Money::from_fen(record.principal_fen),
        outstanding_principal: Money::from_fen(record.outstanding_fen),
        amount_due: Money::ZERO,
        next_due_date: None,
        next_due_amount: None,
        dpd: 0,
        bucket: Bucket::M0.label().to_owned(),
        classification: Classification::Normal.as_str().to_owned(),
        annual_rate_percent: format!("{}%", terms.schedule.annual_rate.percent(2)),
        credit_balance: Money::ZERO,
        start_date: terms.schedule.start_date,
        maturity_date: None,
        as_of: record.as_of,
        contract_id: record.contract_id,
        application_id: record.application_id,
        installments: Vec::new(),
    };
    match &loan {
        Some(loan) => view.serviced(loan, &state.lending.thresholds),
        None => view,
    }
}

impl LoanView {
    /// With what servicing says of the loan: its balances, the next
    /// instalment due, its delinquency and its instalments as they stand.
    fn serviced(self, loan: &Loan, thresholds: &ClassificationThresholds) -> LoanView {
        let delinquency = loan.delinquency(thresholds);
        let next = next_due(loan);
        LoanView {
            outstanding_principal: loan.principal_outstanding(),
            amount_due: loan.amount_due(),
            next_due_date: next.map(|i| i.due_date),
            next_due_amount: next.map(|i| i.outstanding().total()),
            dpd: delinquency.dpd,
            bucket: delinquency.bucket.label().to_owned(),
            classification: delinquency.classification.as_str().to_owned(),
            credit_balance: loan.credit_balance,
            maturity_date: loan.installments.last().map(|i| i.due_date),
            installments: loan
                .installments
                .iter()
                .map(|i| ServicedInstallment::new(i, loan.as_of))
                .collect(),
            ..self
        }
    }
}

/// The loan if the caller may see it: its borrower, or staff.
async fn visible(
    state: &AppState,
    principal: Principal,
    id: LoanId,
) -> Result<LoadedLoan, ApiError> {
    let loaded = servicing::load(state, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if principal.role == Role::Borrower && loaded.record.borrower_id != principal.user_id {
        return Err(ApiError::NotFound);
    }
    Ok(loaded)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LoanSearch {
    /// Staff: the borrower's mobile number.
    pub phone: Option<String>,
    /// Staff: the borrower's resident ID number.
    pub id_number: Option<String>,
}

/// The borrowers a staff search names, by the keyed hashes of their phone
/// or ID number (personal data is never searched in clear).
pub async fn search_borrowers(
    state: &AppState,
    search: &LoanSearch,
) -> Result<Option<Vec<UserId>>, ApiError> {
    let mut found = Vec::new();
    if let Some(phone) = &search.phone {
        let hash = state.pii.lookup_hash(phone.trim());
        if let Some(user) = state.repository.user_by_phone_hash(&hash).await? {
            found.push(user.id);
        }
    }
    if let Some(number) = &search.id_number {
        let hash = state.pii.lookup_hash(&number.trim().to_ascii_uppercase());
        if let Some(user) = state.repository.identity_owner(&hash).await? {
            found.push(user);
        }
    }
    Ok((search.phone.is_some() || search.id_number.is_some()).then_some(found))
}

/// A borrower's own loans; staff see all, or search by `?phone=` or `?id_number=`.
#[utoipa::path(get, path = "/api/v1/loans", tag = "loans", security(("bearer" = [])),
    params(LoanSearch),
    responses((status = 200, description = "Newest first (at most 200)", body = Items<LoanView>),
        (status = 422, description = "`validation_failed`: `invalid_query`", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<SharedState>,
    auth: Authorized<AnyUser>,
    ApiQuery(search): ApiQuery<LoanSearch>,
) -> Result<Json<Items<LoanView>>, ApiError> {
    let principal = auth.principal;
    let borrowers = if principal.role == Role::Borrower {
        Some(vec![principal.user_id])
    } else {
        search_borrowers(&state, &search).await?
    };
    let records = state
        .repository
        .lending()
        .loans(borrowers.as_deref(), 200)
        .await?;
    let today = state.business_date().await?;
    let mut items = Vec::with_capacity(records.len());
    for record in records {
        items.push(loan_view(&state, servicing::decode(record, today)?));
    }
    Ok(Json(Items { items }))
}

#[utoipa::path(get, path = "/api/v1/loans/{id}", tag = "loans", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Loan id")),
    responses((status = 200, description = "The loan with its instalments", body = LoanView),
        (status = 404, description = "`not_found` (or another borrower's)", body = Problem, content_type = "application/problem+json")))]
pub async fn show(
    State(state): State<SharedState>,
    auth: Authorized<AnyUser>,
    ApiPath(id): ApiPath<LoanId>,
) -> Result<Json<LoanView>, ApiError> {
    let loaded = visible(&state, auth.principal, id).await?;
    Ok(Json(loan_view(&state, loaded)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QuoteQuery {
    /// The payoff date (default: the business date).
    pub date: Option<NaiveDate>,
}

#[derive(Serialize, ToSchema)]
pub struct PayoffView {
    pub date: NaiveDate,
    pub principal: Money,
    pub interest: Money,
    pub fee: Money,
    pub penalty: Money,
    pub prepayment_fee: Money,
    pub credit_applied: Money,
    pub total: Money,
    /// `None`: the loan may be paid off on `date`; else the first day it
    /// may (the end of a prepayment lock-in, or the last due date of a
    /// product without prepayment).
    pub allowed_from: Option<NaiveDate>,
}

/// What it takes to close the loan on a date (default: the business date).
#[utoipa::path(get, path = "/api/v1/loans/{id}/payoff-quote", tag = "loans", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Loan id"), QuoteQuery),
    responses((status = 200, description = "The payoff quote, for any date from the business date on (`allowed_from` says when a locked-in loan may be paid off)", body = PayoffView),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`not_active`", body = Problem, content_type = "application/problem+json"),
        (status = 400, description = "`date_out_of_range`: more than ten years from the business date", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `invalid_query`", body = Problem, content_type = "application/problem+json")))]
pub async fn payoff_quote(
    State(state): State<SharedState>,
    auth: Authorized<AnyUser>,
    ApiPath(id): ApiPath<LoanId>,
    ApiQuery(query): ApiQuery<QuoteQuery>,
) -> Result<Json<PayoffView>, ApiError> {
    let date = match query.date {
        Some(date) => Some(crate::dates::within_horizon(
            "date",
            date,
            state.business_date().await?,
        )?),
        None => None,
    };
    let loaded = visible(&state, auth.principal, id).await?;
    let (date, quote) = collections::payoff_quote(&state, &loaded, date).await?;
    Ok(Json(PayoffView {
        date,
        principal: quote.owed.principal,
        interest: quote.owed.interest,
        fee: quote.owed.fee,
        penalty: quote.owed.penalty,
        prepayment_fee: quote.prepayment_fee,
        credit_applied: quote.credit_applied,
        total: quote.amount,
        allowed_from: quote.allowed_from,
    }))
}

/// A payoff the loan's credit covered: the loan is closed, no card charged.
#[derive(Serialize, ToSchema)]
pub struct ClosedFromCredit {
    pub loan_id: LoanId,
    pub closed_from_credit: bool,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RepaymentRequest {
    /// Optional for a payoff: the quote's total is taken.
    pub amount: Option<Money>,
    pub kind: CollectionKind,
    /// For a prepayment: keep the term (`reduce_installment`) or the
    /// instalment (`reduce_term`).
    pub mode: Option<ReamortiseMode>,
}

#[derive(Serialize, ToSchema)]
pub struct PaymentView {
    pub id: PaymentId,
    pub loan_id: LoanId,
    /// `disbursement` or `collection`.
    // A plain string in the schema, as it always was: the web UI's test
    // fixtures build payments with one.
    #[schema(value_type = String)]
    pub direction: PaymentDirection,
    pub purpose: PaymentPurpose,
    pub amount: Money,
    /// Whether it has settled: `pending` until `state` is final, then
    /// `succeeded` or `failed`.
    pub status: PaymentOutcome,
    /// Its step in the lifecycle: `created` → `authorised` → `submitted` →
    /// `succeeded` | `failed` (docs/payments.md). Always sent; optional in
    /// the schema only so that clients written before it keep compiling.
    #[schema(required = false)]
    pub state: PaymentStatus,
    /// Why it failed: the bank's code, or the authoriser's refusal code.
    pub failure_code: Option<String>,
    /// How the collection was applied, once it was.
    #[schema(value_type = Option<AllocationView>)]
    pub applied: Option<Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<PaymentRecord> for PaymentView {
    fn from(p: PaymentRecord) -> Self {
        PaymentView {
            id: p.id,
            loan_id: p.loan_id,
            direction: p.direction,
            purpose: p.purpose,
            amount: Money::from_fen(p.amount_fen),
            status: p.status.outcome(),
            state: p.status,
            failure_code: p.failure_code,
            applied: p.applied.and_then(|a| serde_json::from_str(&a).ok()),
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// Repay any amount, prepay part of the principal, or pay the loan off.
/// The bank debits the borrower's card; the loan changes when it confirms.
/// Requires an `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/loans/{id}/repayments", tag = "loans", security(("bearer" = [])),
    request_body = RepaymentRequest,
    params(("id" = i64, Path, description = "Loan id"),
        ("Idempotency-Key" = String, Header, description = "Required; replays the first response")),
    responses((status = 202, description = "The pending payment", body = PaymentView),
        (status = 200, description = "A payoff the loan's credit covered: closed at once, no card charged", body = ClosedFromCredit),
        (status = 403, description = "`forbidden`: borrowers only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`not_active`, `prepayment_not_allowed`, `payment_in_progress`, `idempotency_conflict`, `idempotency_in_progress`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed` (field codes `out_of_range`, `exceeds_balance`, `amount_mismatch`, `mode_required`)", body = Problem, content_type = "application/problem+json")))]
pub async fn repay(
    State(state): State<SharedState>,
    auth: Authorized<BorrowerOnly>,
    key: IdempotencyKey,
    ApiPath(id): ApiPath<LoanId>,
    ApiJson(request): ApiJson<RepaymentRequest>,
) -> Result<Response, ApiError> {
    let key = IdempotencyKey(Some(key.require()?));
    let borrower = auth.user_id();
    let route = format!("POST /loans/{id}/repayments");
    let operation = async {
        visible(&state, auth.principal, id).await?;
        let collection = collections::request(
            &state,
            id,
            CollectionRequest {
                kind: request.kind,
                amount: request.amount,
                mode: request.mode,
            },
        )
        .await?;
        match collection {
            Collection::Pending(payment) => {
                let payment = payments::submit_and_reread(&state, &payment, borrower).await?;
                Ok((StatusCode::ACCEPTED, json!(PaymentView::from(payment))))
            }
            Collection::ClosedFromCredit => Ok((
                StatusCode::OK,
                json!(ClosedFromCredit {
                    loan_id: id,
                    closed_from_credit: true,
                }),
            )),
        }
    };
    idempotency::run(&state, borrower, key, &route, &request, operation).await
}

async fn visible_payment(
    state: &AppState,
    principal: Principal,
    id: PaymentId,
) -> Result<PaymentRecord, ApiError> {
    let payment = state
        .repository
        .lending()
        .payment(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    visible(state, principal, payment.loan_id).await?;
    Ok(payment)
}

#[utoipa::path(get, path = "/api/v1/payments/{id}", tag = "loans", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Payment id")),
    responses((status = 200, description = "The payment", body = PaymentView),
        (status = 404, description = "`not_found` (or another borrower's)", body = Problem, content_type = "application/problem+json")))]
pub async fn payment(
    State(state): State<SharedState>,
    auth: Authorized<AnyUser>,
    ApiPath(id): ApiPath<PaymentId>,
) -> Result<Json<PaymentView>, ApiError> {
    Ok(Json(
        visible_payment(&state, auth.principal, id).await?.into(),
    ))
}

#[utoipa::path(get, path = "/api/v1/loans/{id}/payments", tag = "loans", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Loan id")),
    responses((status = 200, description = "Newest first", body = Items<PaymentView>),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json")))]
pub async fn loan_payments(
    State(state): State<SharedState>,
    auth: Authorized<AnyUser>,
    ApiPath(id): ApiPath<LoanId>,
) -> Result<Json<Items<PaymentView>>, ApiError> {
    visible(&state, auth.principal, id).await?;
    let items = state.repository.lending().loan_payments(id).await?;
    Ok(Json(Items {
        items: items.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct EventView {
    pub id: EventId,
    pub date: NaiveDate,
    #[schema(value_type = EventBody)]
    pub event: Value,
    /// How the event's amount was split (empty for a disbursement).
    #[schema(value_type = AllocationView)]
    pub allocation: Value,
    pub payment_id: Option<PaymentId>,
    pub reversed: bool,
}

#[utoipa::path(get, path = "/api/v1/loans/{id}/events", tag = "loans", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Loan id")),
    responses((status = 200, description = "In the order they were recorded", body = Items<EventView>),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json")))]
pub async fn events(
    State(state): State<SharedState>,
    auth: Authorized<AnyUser>,
    ApiPath(id): ApiPath<LoanId>,
) -> Result<Json<Items<EventView>>, ApiError> {
    visible(&state, auth.principal, id).await?;
    let records = state.repository.lending().loan_events(id).await?;
    Ok(Json(Items {
        items: records
            .into_iter()
            .map(|e| EventView {
                id: e.id,
                date: e.value_date,
                event: serde_json::from_str(&e.event).unwrap_or(Value::Null),
                allocation: serde_json::from_str(&e.allocation).unwrap_or(Value::Null),
                payment_id: e.payment_id,
                reversed: e.reversed,
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct JournalView {
    pub id: i64,
    pub date: NaiveDate,
    pub kind: String,
    pub debit: String,
    pub credit: String,
    pub amount: Money,
    pub source: String,
}

impl From<JournalRecord> for JournalView {
    fn from(j: JournalRecord) -> Self {
        JournalView {
            id: j.id,
            date: j.entry_date,
            kind: j.kind,
            debit: j.debit,
            credit: j.credit,
            amount: Money::from_fen(j.amount_fen),
            source: j.source,
        }
    }
}

/// The loan's ledger lines (staff).
#[utoipa::path(get, path = "/api/v1/loans/{id}/ledger", tag = "loans", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Loan id")),
    responses((status = 200, description = "Every line of this loan", body = Items<JournalView>),
        (status = 403, description = "`forbidden`: staff only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json")))]
pub async fn ledger(
    State(state): State<SharedState>,
    auth: Authorized<StaffOnly>,
    ApiPath(id): ApiPath<LoanId>,
) -> Result<Json<Items<JournalView>>, ApiError> {
    visible(&state, auth.principal, id).await?;
    let lines = state.repository.lending().loan_journal(id).await?;
    Ok(Json(Items {
        items: lines.into_iter().map(Into::into).collect(),
    }))
}

/// Where the bank's signed notices arrive. Any authenticated notice is
/// acknowledged with 200 (a duplicate or stale one changes nothing); one
/// that fails authentication is 401 and changes nothing.
#[utoipa::path(post, path = "/api/v1/payments/callback", tag = "loans",
    request_body(content = String, description = "The provider's signed JSON notice", content_type = "application/json"),
    responses((status = 200, description = "Acknowledged", body = CallbackAck),
        (status = 401, description = "`unauthorized`: the notice is not authentic", body = Problem, content_type = "application/problem+json")))]
pub async fn callback(
    State(state): State<SharedState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<CallbackAck>, ApiError> {
    let notice = state
        .payments
        .provider
        .verify_callback(&headers, &body)
        .map_err(|error| {
            tracing::warn!(%error, "payment notice refused");
            ApiError::Unauthorized("the payment notice is not authentic")
        })?;
    let outcome = servicing::apply_notice(&state, &notice).await?;
    Ok(Json(CallbackAck {
        received: true,
        applied: outcome == NoticeOutcome::Applied,
    }))
}

/// The answer to an authentic payment notice.
#[derive(Serialize, ToSchema)]
pub struct CallbackAck {
    pub received: bool,
    /// `false` for a duplicate or stale notice, which changes nothing.
    pub applied: bool,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReversalRequest {
    /// 1-2000 characters.
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReversalView {
    pub id: ReversalRequestId,
    pub loan_id: LoanId,
    pub event_id: EventId,
    pub requested_by: UserId,
    pub reason: String,
    pub status: ReversalStatus,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<kredit_store::lending::ReversalRequestRecord> for ReversalView {
    fn from(r: kredit_store::lending::ReversalRequestRecord) -> Self {
        ReversalView {
            id: r.id,
            loan_id: r.loan_id,
            event_id: r.event_id,
            requested_by: r.requested_by,
            reason: r.reason,
            status: r.status,
            decided_by: r.decided_by,
            decided_at: r.decided_at,
            created_at: r.created_at,
        }
    }
}

/// Ask for a repayment to be reversed (maker); a second member of staff
/// must approve it.
#[utoipa::path(post, path = "/api/v1/loans/{id}/events/{event_id}/reversal-requests", tag = "loans", security(("bearer" = [])),
    request_body = ReversalRequest,
    params(("id" = i64, Path, description = "Loan id"), ("event_id" = i64, Path, description = "The event to reverse")),
    responses((status = 201, description = "Pending request", body = ReversalView),
        (status = 403, description = "`forbidden`: underwriters and admins", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`reversal_pending`, `not_reversible`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `reason_required`", body = Problem, content_type = "application/problem+json")))]
pub async fn request_reversal(
    State(state): State<SharedState>,
    auth: Authorized<Servicing>,
    ApiPath((id, event_id)): ApiPath<(LoanId, EventId)>,
    ApiJson(request): ApiJson<ReversalRequest>,
) -> Result<(StatusCode, Json<ReversalView>), ApiError> {
    // Staff see every loan; a missing loan or event is the use case's 404.
    let record = reversals::request(&state, auth.user_id(), id, event_id, &request.reason).await?;
    Ok((StatusCode::CREATED, Json(record.into())))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReversalQuery {
    pub status: Option<ReversalStatus>,
}

#[utoipa::path(get, path = "/api/v1/reversal-requests", tag = "loans", security(("bearer" = [])),
    params(ReversalQuery),
    responses((status = 200, description = "Newest first", body = Items<ReversalView>),
        (status = 403, description = "`forbidden`: staff only", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `invalid_query`", body = Problem, content_type = "application/problem+json")))]
pub async fn reversal_requests(
    State(state): State<SharedState>,
    _auth: Authorized<StaffOnly>,
    ApiQuery(query): ApiQuery<ReversalQuery>,
) -> Result<Json<Items<ReversalView>>, ApiError> {
    let records = state
        .repository
        .lending()
        .reversal_requests(query.status)
        .await?;
    Ok(Json(Items {
        items: records.into_iter().map(Into::into).collect(),
    }))
}

/// Approve a reversal (checker): the loan is recomputed as if the event had
/// never happened and only the difference is posted; audited.
#[utoipa::path(post, path = "/api/v1/reversal-requests/{id}/approve", tag = "loans", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Reversal request id")),
    responses((status = 200, description = "Approved and applied", body = ReversalView),
        (status = 403, description = "`forbidden`: underwriters and admins", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`maker_checker`, `not_pending`, `reversal_impossible`", body = Problem, content_type = "application/problem+json")))]
pub async fn approve_reversal(
    State(state): State<SharedState>,
    auth: Authorized<Servicing>,
    ApiPath(id): ApiPath<ReversalRequestId>,
) -> Result<Json<ReversalView>, ApiError> {
    let record = reversals::approve(&state, auth.user_id(), id).await?;
    Ok(Json(record.into()))
}

/// Reject a reversal request (checker); audited.
#[utoipa::path(post, path = "/api/v1/reversal-requests/{id}/reject", tag = "loans", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Reversal request id")),
    responses((status = 200, description = "Rejected", body = ReversalView),
        (status = 403, description = "`forbidden`: underwriters and admins", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`maker_checker`, `not_pending`", body = Problem, content_type = "application/problem+json")))]
pub async fn reject_reversal(
    State(state): State<SharedState>,
    auth: Authorized<Servicing>,
    ApiPath(id): ApiPath<ReversalRequestId>,
) -> Result<Json<ReversalView>, ApiError> {
    let record = reversals::reject(&state, auth.user_id(), id).await?;
    Ok(Json(record.into()))
}
