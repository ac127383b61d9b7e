//! Applications: the automated decision at submission, the underwriting
//! queue for referred ones, and acceptance (contract, loan, disbursement).
//! The workflow is `kredit_app::origination`; these handlers authorise,
//! call it and render.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use kredit_app::AppError;
use kredit_app::origination::accept::{self, AcceptRequest};
use kredit_app::origination::apply::{self, ApplicationRequest};
use kredit_app::origination::underwrite::{self, Underwriting, Verdict};
use kredit_app::origination::{Questionnaire, StoredDecision};
use kredit_app::tlog::{self, Integration, WaitFor};
use kredit_core::Money;
use kredit_core::application::ApplicationStatus;
use kredit_core::contract::Contract;
use kredit_core::product::{OfferRequest, ProductKind};
use kredit_core::schedule::RepaymentMethod;
use kredit_store::lending::{ApplicationRecord, LoanRecord};
use kredit_store::{ApplicationId, ContractId, LoanId, Role, UserId};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{AnyUser, Authorized, BorrowerOnly, Principal, UnderwritersOnly};
use crate::client::ClientAddress;
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::idempotency::{self, IdempotencyKey, Prior};
use crate::routes::loans::{LoanView, loan_view};
use crate::state::{AppState, SharedState};
use crate::views::DecisionView;

#[derive(Serialize, ToSchema)]
pub struct ApplicationView {
    pub id: ApplicationId,
    pub borrower_id: UserId,
    pub status: ApplicationStatus,
    pub product_code: String,
    pub amount: Money,
    pub term_months: i32,
    #[schema(value_type = RepaymentMethod)]
    pub method: String,
    #[schema(value_type = ProductKind)]
    pub purpose: String,
    /// The questionnaire as submitted.
    #[schema(value_type = Questionnaire)]
    pub profile: Value,
    pub decision: DecisionView,
    pub underwriting: Option<Underwriting>,
    pub contract_id: Option<ContractId>,
    pub loan_id: Option<LoanId>,
    pub created_at: DateTime<Utc>,
}

async fn view(state: &AppState, record: ApplicationRecord) -> Result<ApplicationView, ApiError> {
    let loan = if record.status == ApplicationStatus::Accepted {
        state
            .repository
            .lending()
            .loan_by_application(record.id)
            .await?
    } else {
        None
    };
    render(record, loan)
}

fn render(
    record: ApplicationRecord,
    loan: Option<LoanRecord>,
) -> Result<ApplicationView, ApiError> {
    let request = OfferRequest {
        amount: Money::from_fen(record.amount_fen),
        term_months: u32::try_from(record.term_months).map_err(ApiError::internal)?,
        method: record.method.parse().map_err(ApiError::internal)?,
        start_date: record.created_at.date_naive(),
    };
    Ok(ApplicationView {
        id: record.id,
        borrower_id: record.borrower_id,
        status: record.status,
        product_code: record.product_code,
        amount: request.amount,
        term_months: record.term_months,
        method: record.method,
        purpose: record.purpose,
        profile: serde_json::from_str(&record.profile).map_err(ApiError::internal)?,
        decision: DecisionView::new(&StoredDecision::parse(&record.decision)?, &request),
        underwriting: record
            .underwriting
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(ApiError::internal)?,
        contract_id: loan.as_ref().and_then(|l| l.contract_id),
        loan_id: loan.map(|l| l.id),
        created_at: record.created_at,
    })
}

/// A new application as its JSON reply.
fn reply_body(record: &ApplicationRecord) -> Result<String, String> {
    let view = render(record.clone(), None).map_err(|error| format!("{error:?}"))?;
    serde_json::to_string(&view).map_err(|error| error.to_string())
}

/// The application, if the caller may see it: its borrower or staff.
async fn visible(
    state: &AppState,
    principal: Principal,
    id: ApplicationId,
) -> Result<ApplicationRecord, ApiError> {
    let record = state
        .repository
        .lending()
        .application(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if principal.role == Role::Borrower && record.borrower_id != principal.user_id {
        return Err(ApiError::NotFound);
    }
    Ok(record)
}

/// Apply for a loan: decided at once (approved, declined or referred to an
/// underwriter), always with reasons. Requires an `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/applications", tag = "applications", security(("bearer" = [])),
    request_body = ApplicationRequest,
    params(("Idempotency-Key" = String, Header, description = "Required; replays the first response")),
    responses((status = 201, description = "The application with its decision", body = ApplicationView),
        (status = 403, description = "`forbidden`: borrowers only", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`erasure_requested`: the borrower's erasure request is open; `idempotency_conflict`, `idempotency_in_progress`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `unknown_product`, `purpose_mismatch`, `out_of_range`, `method_not_offered`, `idempotency_key_required`", body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<SharedState>,
    auth: Authorized<BorrowerOnly>,
    key: IdempotencyKey,
    ApiJson(request): ApiJson<ApplicationRequest>,
) -> Result<Response, ApiError> {
    let borrower = auth.user_id();
    let route = "POST /applications";
    // The decision and its reply are one write transaction.
    let fresh = match idempotency::prior(&state, borrower, key.require()?, route, &request).await? {
        Prior::Answered(answer) => return Ok(answer),
        Prior::Fresh(fresh) => fresh,
    };
    // Rendered once, inside the transaction: stored sealed, kept to answer with.
    let rendered = std::sync::OnceLock::new();
    let render = |record: &ApplicationRecord| {
        let body = reply_body(record)?;
        Ok(fresh.seal(rendered.get_or_init(|| body)))
    };
    let reply = fresh.reply(StatusCode::CREATED, &render);
    match apply::apply(&state, borrower, &request, Some(&reply)).await {
        Ok(_) => {
            let body = rendered.into_inner().ok_or(ApiError::Internal)?;
            Ok(idempotency::respond(StatusCode::CREATED, body))
        }
        Err(AppError::Conflict { code, .. }) if code == apply::IDEMPOTENCY_KEY_TAKEN => {
            fresh.answer_of_twin(&state).await
        }
        Err(error) => Err(error.into()),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only applications with this status (`referred` is the underwriting queue).
    pub status: Option<ApplicationStatus>,
}

/// A list under `items`.
#[derive(Serialize, ToSchema)]
pub struct Items<T> {
    pub items: Vec<T>,
}

/// A borrower's own applications; staff see all (`?status=referred` is the
/// underwriting queue).
#[utoipa::path(get, path = "/api/v1/applications", tag = "applications", security(("bearer" = [])),
    params(ListQuery),
    responses((status = 200, description = "Newest first (at most 200)", body = Items<ApplicationView>),
        (status = 422, description = "`validation_failed`: `invalid_query`", body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<SharedState>,
    auth: Authorized<AnyUser>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<Items<ApplicationView>>, ApiError> {
    let principal = auth.principal;
    let borrower = (principal.role == Role::Borrower).then_some(principal.user_id);
    let records = state
        .repository
        .lending()
        .applications(borrower, query.status, 200)
        .await?;
    let mut items = Vec::with_capacity(records.len());
    for record in records {
        items.push(view(&state, record).await?);
    }
    Ok(Json(Items { items }))
}

#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "applications", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, description = "The application", body = ApplicationView),
        (status = 404, description = "`not_found` (or another borrower's)", body = Problem, content_type = "application/problem+json")))]
pub async fn show(
    State(state): State<SharedState>,
    auth: Authorized<AnyUser>,
    ApiPath(id): ApiPath<ApplicationId>,
) -> Result<Json<ApplicationView>, ApiError> {
    let record = visible(&state, auth.principal, id).await?;
    Ok(Json(view(&state, record).await?))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnderwritingRequest {
    pub decision: Verdict,
    /// 1-2000 characters.
    pub comment: String,
}

/// An underwriter decides a referred application (never their own); audited.
#[utoipa::path(post, path = "/api/v1/applications/{id}/decision", tag = "applications", security(("bearer" = [])),
    request_body = UnderwritingRequest,
    params(("id" = i64, Path, description = "Application id")),
    responses((status = 200, description = "The decided application", body = ApplicationView),
        (status = 403, description = "`forbidden`: underwriters only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`own_application`, `not_referred`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `invalid_type` (decision is `approve` or `decline`), `comment_required`", body = Problem, content_type = "application/problem+json")))]
pub async fn underwrite(
    State(state): State<SharedState>,
    auth: Authorized<UnderwritersOnly>,
    ApiPath(id): ApiPath<ApplicationId>,
    ApiJson(request): ApiJson<UnderwritingRequest>,
) -> Result<Json<ApplicationView>, ApiError> {
    let record = underwrite::underwrite(
        &state,
        auth.user_id(),
        id,
        request.decision,
        &request.comment,
    )
    .await?;
    Ok(Json(view(&state, record).await?))
}

#[derive(Serialize, ToSchema)]
pub struct Accepted {
    pub contract: ContractView,
    pub loan: LoanView,
    /// With `?wait=integrated`: the contract's entry in the log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log: Option<Integration>,
}

/// `?wait=integrated` on a write whose events are logged: answer once its
/// entry is in a signed checkpoint, or after 5 s saying it is not yet.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WaitQuery {
    /// `integrated`: wait (at most 5 s) until the write's log entry is in a
    /// signed checkpoint; the answer's `log` says whether it is.
    #[param(value_type = Option<String>)]
    pub wait: Option<WaitFor>,
}

#[derive(Serialize, ToSchema)]
pub struct ContractView {
    pub id: ContractId,
    pub application_id: ApplicationId,
    /// The contract's commitment, hex: SHA-256 of its salt (in the
    /// contract's proof) then the document's canonical JSON; of the JSON
    /// alone for contracts signed before salts.
    pub digest: String,
    pub signed_at: DateTime<Utc>,
    /// The signed document (its canonical JSON).
    #[schema(value_type = Contract)]
    pub document: Value,
}

/// Accept an approved offer: the contract (its SHA-256 digest into the
/// evidence log), the loan awaiting disbursement, and the disbursement sent
/// to the bank. The loan becomes active when the bank confirms.
#[utoipa::path(post, path = "/api/v1/applications/{id}/accept", tag = "applications", security(("bearer" = [])),
    request_body = AcceptRequest,
    params(("id" = i64, Path, description = "Application id"),
        ("Idempotency-Key" = String, Header, description = "Required; replays the first response"),
        WaitQuery),
    responses((status = 201, description = "Contract and loan (and, with `?wait=integrated`, the contract's place in the log)", body = Accepted),
        (status = 403, description = "`forbidden`: borrowers only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`not_approved`, `identity_not_verified`, `offer_expired`, `erasure_requested`, `idempotency_conflict`, `idempotency_in_progress`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `consent_required`, `terms_version`, `idempotency_key_required`", body = Problem, content_type = "application/problem+json")))]
pub async fn accept(
    State(state): State<SharedState>,
    auth: Authorized<BorrowerOnly>,
    key: IdempotencyKey,
    client: ClientAddress,
    ApiPath(id): ApiPath<ApplicationId>,
    ApiQuery(wait): ApiQuery<WaitQuery>,
    ApiJson(request): ApiJson<AcceptRequest>,
) -> Result<Response, ApiError> {
    let key = IdempotencyKey(Some(key.require()?));
    let borrower = auth.user_id();
    let route = format!("POST /applications/{id}/accept");
    let operation = async {
        let accepted = accept::accept(&state, borrower, id, &request, client.to_string()).await?;
        let loan = kredit_app::servicing::load(&state, accepted.loan_id)
            .await?
            .ok_or(ApiError::Internal)?;
        let log = match wait.wait {
            Some(WaitFor::Integrated) => Some(
                tlog::wait_integrated(
                    &state,
                    &format!("contract:{}", accepted.contract_id),
                    "contract.signed",
                    tlog::WAIT_LIMIT,
                )
                .await?,
            ),
            None => None,
        };
        let body = Accepted {
            contract: contract_view(&state, accepted.contract_id).await?,
            loan: loan_view(&state, loan),
            log,
        };
        Ok((StatusCode::CREATED, body))
    };
    idempotency::run(&state, borrower, key, &route, &request, operation).await
}

async fn contract_view(state: &AppState, id: ContractId) -> Result<ContractView, ApiError> {
    let record = state
        .repository
        .lending()
        .contract(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(ContractView {
        id: record.id,
        application_id: record.application_id,
        digest: record.digest,
        signed_at: record.signed_at,
        document: serde_json::from_str(&record.document).map_err(ApiError::internal)?,
    })
}

/// A contract with its digest; the borrower's own, or any for staff.
#[utoipa::path(get, path = "/api/v1/contracts/{id}", tag = "applications", security(("bearer" = [])),
    params(("id" = i64, Path, description = "Contract id")),
    responses((status = 200, description = "The signed contract", body = ContractView),
        (status = 404, description = "`not_found` (or another borrower's)", body = Problem, content_type = "application/problem+json")))]
pub async fn contract(
    State(state): State<SharedState>,
    auth: Authorized<AnyUser>,
    ApiPath(id): ApiPath<ContractId>,
) -> Result<Json<ContractView>, ApiError> {
    check_contract_access(&state, &auth.principal, id).await?;
    Ok(Json(contract_view(&state, id).await?))
}

/// A borrower reaches only their own contracts (any other answers
/// `not_found`, as a missing one does); staff reach every one.
pub async fn check_contract_access(
    state: &SharedState,
    principal: &Principal,
    id: ContractId,
) -> Result<(), ApiError> {
    if principal.role == Role::Borrower {
        let record = state
            .repository
            .lending()
            .contract(id)
            .await?
            .ok_or(ApiError::NotFound)?;
        if record.borrower_id != principal.user_id {
            return Err(ApiError::NotFound);
        }
    }
    Ok(())
}
