//! Applications: the automated decision at submission, the underwriting
//! queue for referred ones, and acceptance (contract, loan, disbursement).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use kredit_core::Money;
use kredit_core::canonical;
use kredit_core::contract::{Consent, Contract, Signing};
use kredit_core::decision::Outcome;
use kredit_core::identity::mask_name;
use kredit_core::loan::LoanTerms;
use kredit_core::product::{OfferRequest, ProductKind};
use kredit_core::schedule::RepaymentMethod;
use kredit_store::lending::{
    Acceptance, ApplicationRecord, EvidenceDraft, NewApplication, NewPayment,
};
use kredit_store::{Role, UserId};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{AnyUser, Authorized, BorrowerOnly, Principal, UnderwritersOnly};
use crate::error::{ApiError, Problem};
use crate::extract::{ApiJson, ApiPath, ApiQuery, free_text};
use crate::idempotency::{self, IdempotencyKey};
use crate::lending::decisioning::{self, DecisionView, Questionnaire, ReasonView};
use crate::reasons;
use crate::routes::loans::{LoanView, loan_view};
use crate::routes::products::product;
use crate::scoring;
use crate::state::{AppState, SharedState};
use kredit_app::audit::Audit;
use kredit_app::payments;

/// The version of the standard loan terms a borrower accepts.
pub const TERMS_VERSION: &str = "2026-11";
const LENDER: &str = "Kredit Consumer Finance Co., Ltd.";

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationRequest {
    pub product_code: String,
    pub amount: Money,
    pub term_months: u32,
    pub method: RepaymentMethod,
    pub purpose: ProductKind,
    #[serde(default)]
    pub profile: Questionnaire,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Underwriting {
    pub decided_by: UserId,
    /// `approve` or `decline`.
    pub decision: String,
    pub comment: String,
    pub at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct ApplicationView {
    pub id: i64,
    pub borrower_id: UserId,
    /// `approved`, `declined`, `referred`, `accepted` or `expired`.
    #[schema(example = "approved")]
    pub status: String,
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
    pub contract_id: Option<i64>,
    pub loan_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

async fn view(state: &AppState, record: ApplicationRecord) -> Result<ApplicationView, ApiError> {
    let loan = if record.status == "accepted" {
        state
            .repository
            .lending()
            .loan_by_application(record.id)
            .await?
    } else {
        None
    };
    Ok(ApplicationView {
        id: record.id,
        borrower_id: record.borrower_id,
        status: record.status,
        product_code: record.product_code,
        amount: Money::from_fen(record.amount_fen),
        term_months: record.term_months,
        method: record.method,
        purpose: record.purpose,
        profile: serde_json::from_str(&record.profile).map_err(ApiError::internal)?,
        decision: serde_json::from_str(&record.decision).map_err(ApiError::internal)?,
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

/// The application, if the caller may see it: its borrower or staff.
async fn visible(
    state: &AppState,
    principal: Principal,
    id: i64,
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

fn status_of(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Approved => "approved",
        Outcome::Declined => "declined",
        Outcome::Referred => "referred",
    }
}

/// The product's own limits are input errors, not credit decisions.
fn check_fits(
    product: &kredit_core::product::LoanProduct,
    offer: &OfferRequest,
) -> Result<(), ApiError> {
    if offer.amount < product.min_amount || offer.amount > product.max_amount {
        return Err(ApiError::field(
            "amount",
            "out_of_range",
            format!(
                "this product lends {} to {}",
                product.min_amount, product.max_amount
            ),
        ));
    }
    if !(product.min_term_months..=product.max_term_months).contains(&offer.term_months) {
        return Err(ApiError::field(
            "term_months",
            "out_of_range",
            format!(
                "this product's terms are {} to {} months",
                product.min_term_months, product.max_term_months
            ),
        ));
    }
    if !product.repayment_methods.contains(&offer.method) {
        return Err(ApiError::field(
            "method",
            "method_not_offered",
            "this product does not offer that repayment method",
        ));
    }
    Ok(())
}

/// Apply for a loan: decided at once (approved, declined or referred to an
/// underwriter), always with reasons. Requires an `Idempotency-Key`.
#[utoipa::path(post, path = "/api/v1/applications", tag = "applications", security(("bearer" = [])),
    request_body = ApplicationRequest,
    params(("Idempotency-Key" = String, Header, description = "Required; replays the first response")),
    responses((status = 201, description = "The application with its decision", body = ApplicationView),
        (status = 403, description = "`forbidden`: borrowers only", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`idempotency_conflict`, `idempotency_in_progress`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `unknown_product`, `purpose_mismatch`, `out_of_range`, `method_not_offered`, `idempotency_key_required`", body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<SharedState>,
    auth: Authorized<BorrowerOnly>,
    key: IdempotencyKey,
    ApiJson(request): ApiJson<ApplicationRequest>,
) -> Result<Response, ApiError> {
    let key = IdempotencyKey(Some(key.require()?));
    let borrower = auth.user_id();
    let operation = async {
        let product = product(&state, &request.product_code)
            .await?
            .ok_or_else(|| {
                ApiError::field(
                    "product_code",
                    "unknown_product",
                    "no product has this code",
                )
            })?;
        if product.kind != request.purpose {
            return Err(ApiError::field(
                "purpose",
                "purpose_mismatch",
                "this product is not offered for that purpose",
            ));
        }
        let offer = OfferRequest {
            amount: request.amount,
            term_months: request.term_months,
            method: request.method,
            start_date: state.business_date().await?,
        };
        check_fits(&product, &offer)?;
        let profile = decisioning::applicant_profile(&state, borrower, offer.start_date).await?;
        let (decision, scores) =
            decisioning::decide(&state, &product, &profile, &offer, &request.profile);
        let record = NewApplication {
            borrower_id: borrower,
            product_code: product.code.clone(),
            amount_fen: request.amount.fen(),
            term_months: i32::try_from(request.term_months).map_err(ApiError::internal)?,
            method: request.method.as_str().to_owned(),
            purpose: json!(request.purpose)
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            profile: serde_json::to_string(&request.profile).map_err(ApiError::internal)?,
            status: status_of(decision.outcome).to_owned(),
            decision: serde_json::to_string(&decision).map_err(ApiError::internal)?,
            created_at: kredit_store::now(),
            // Stored with the application, in the same transaction.
            model_scores: match &scores {
                Some(scores) => scoring::score_records(0, &scores.scored, &scores.inputs)?,
                None => Vec::new(),
            },
        };
        let store = state.repository.lending();
        let id = store.create_application(&record).await?;
        tracing::info!(application = id, outcome = record.status, score = ?decision.score, "application decided");
        metrics::counter!("kredit_decisions_total", "outcome" => status_of(decision.outcome))
            .increment(1);
        let stored = store.application(id).await?.ok_or(ApiError::Internal)?;
        Ok((StatusCode::CREATED, view(&state, stored).await?))
    };
    idempotency::run(
        &state,
        borrower,
        key,
        "POST /applications",
        &request,
        operation,
    )
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only applications with this status (`referred` is the underwriting queue).
    pub status: Option<String>,
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
        .applications(borrower, query.status.as_deref(), 200)
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
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ApplicationView>, ApiError> {
    let record = visible(&state, auth.principal, id).await?;
    Ok(Json(view(&state, record).await?))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnderwritingRequest {
    /// `approve` or `decline`.
    #[schema(example = "approve")]
    pub decision: String,
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
        (status = 422, description = "`validation_failed`: `invalid_decision`, `comment_required`", body = Problem, content_type = "application/problem+json")))]
pub async fn underwrite(
    State(state): State<SharedState>,
    auth: Authorized<UnderwritersOnly>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(request): ApiJson<UnderwritingRequest>,
) -> Result<Json<ApplicationView>, ApiError> {
    let approve = match request.decision.as_str() {
        "approve" => true,
        "decline" => false,
        _ => {
            return Err(ApiError::field(
                "decision",
                "invalid_decision",
                "decision is approve or decline",
            ));
        }
    };
    let comment = free_text(&request.comment).ok_or_else(|| {
        ApiError::field(
            "comment",
            "comment_required",
            "a comment of 1-2000 characters explains the decision",
        )
    })?;
    let underwriter = auth.user_id();
    let record = visible(&state, auth.principal, id).await?;
    if record.borrower_id == underwriter {
        return Err(ApiError::Conflict {
            code: "own_application",
            detail: "no one may decide their own application".to_owned(),
        });
    }
    if record.status != "referred" {
        return Err(ApiError::Conflict {
            code: "not_referred",
            detail: format!("the application is {}, not referred", record.status),
        });
    }
    let mut decision: DecisionView =
        serde_json::from_str(&record.decision).map_err(ApiError::internal)?;
    let before = json!({"status": record.status});
    let status = if approve {
        decision.outcome = Outcome::Approved;
        "approved"
    } else {
        decision.outcome = Outcome::Declined;
        decision.offer = None;
        decision.reasons.insert(
            0,
            ReasonView {
                text: reasons::describe(reasons::UNDERWRITER_DECLINED),
                points: None,
            },
        );
        "declined"
    };
    let underwriting = Underwriting {
        decided_by: underwriter,
        decision: request.decision.clone(),
        comment: comment.to_owned(),
        at: kredit_store::now(),
    };
    let audit = Audit {
        actor: Some(underwriter),
        action: "application.underwrite",
        entity_type: "application",
        entity_id: Some(id.to_string()),
    }
    .entry(
        Some(before),
        Some(json!({"status": status, "comment": comment})),
    );
    let decided = state
        .repository
        .lending()
        .decide_referred(
            id,
            status,
            &serde_json::to_string(&decision).map_err(ApiError::internal)?,
            &serde_json::to_string(&underwriting).map_err(ApiError::internal)?,
            audit,
        )
        .await?;
    if !decided {
        return Err(ApiError::Conflict {
            code: "not_referred",
            detail: "the application was decided by someone else meanwhile".to_owned(),
        });
    }
    let record = visible(&state, auth.principal, id).await?;
    Ok(Json(view(&state, record).await?))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptRequest {
    /// Must be `true`.
    pub agree: bool,
    /// The current terms' version.
    #[schema(example = "2026-11")]
    pub terms_version: String,
}

#[derive(Serialize, ToSchema)]
pub struct Accepted {
    pub contract: ContractView,
    pub loan: LoanView,
}

#[derive(Serialize, ToSchema)]
pub struct ContractView {
    pub id: i64,
    pub application_id: i64,
    /// SHA-256 of the document's canonical JSON, hex.
    pub digest: String,
    pub signed_at: DateTime<Utc>,
    /// The signed document (its canonical JSON).
    #[schema(value_type = Contract)]
    pub document: Value,
}

fn client_ip(headers: &HeaderMap) -> String {
    headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map_or_else(|| "unknown".to_owned(), |ip| ip.trim().to_owned())
}

/// Accept an approved offer: the contract (its SHA-256 digest into the
/// evidence log), the loan awaiting disbursement, and the disbursement sent
/// to the bank. The loan becomes active when the bank confirms.
#[utoipa::path(post, path = "/api/v1/applications/{id}/accept", tag = "applications", security(("bearer" = [])),
    request_body = AcceptRequest,
    params(("id" = i64, Path, description = "Application id"),
        ("Idempotency-Key" = String, Header, description = "Required; replays the first response")),
    responses((status = 201, description = "Contract and loan", body = Accepted),
        (status = 403, description = "`forbidden`: borrowers only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`not_approved`, `identity_not_verified`, `offer_expired`, `idempotency_conflict`, `idempotency_in_progress`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `consent_required`, `terms_version`, `idempotency_key_required`", body = Problem, content_type = "application/problem+json")))]
pub async fn accept(
    State(state): State<SharedState>,
    auth: Authorized<BorrowerOnly>,
    key: IdempotencyKey,
    headers: HeaderMap,
    ApiPath(id): ApiPath<i64>,
    ApiJson(request): ApiJson<AcceptRequest>,
) -> Result<Response, ApiError> {
    let key = IdempotencyKey(Some(key.require()?));
    let borrower = auth.user_id();
    let route = format!("POST /applications/{id}/accept");
    let operation = async {
        if !request.agree {
            return Err(ApiError::field(
                "agree",
                "consent_required",
                "accepting requires agreeing to the terms",
            ));
        }
        if request.terms_version != TERMS_VERSION {
            return Err(ApiError::field(
                "terms_version",
                "terms_version",
                format!("the current terms are version {TERMS_VERSION}"),
            ));
        }
        let record = visible(&state, auth.principal, id).await?;
        if record.status != "approved" {
            return Err(ApiError::Conflict {
                code: "not_approved",
                detail: format!("the application is {}, not approved", record.status),
            });
        }
        let decision: DecisionView =
            serde_json::from_str(&record.decision).map_err(ApiError::internal)?;
        let (Some(amount), Some(rate)) = (decision.approved_amount, decision.annual_rate) else {
            return Err(ApiError::internal("approved application without an offer"));
        };
        let product = product(&state, &record.product_code)
            .await?
            .ok_or_else(|| ApiError::internal("product of an application vanished"))?;
        let identity = state
            .repository
            .identity(borrower)
            .await?
            .filter(|i| i.status == kredit_store::IdentityStatus::Verified)
            .ok_or(ApiError::Conflict {
                code: "identity_not_verified",
                detail: "verify your identity and bank card first".to_owned(),
            })?;
        // Priced again from today: the schedule starts when the contract is signed.
        let offer = OfferRequest {
            amount,
            term_months: u32::try_from(record.term_months).map_err(ApiError::internal)?,
            method: record.method.parse().map_err(ApiError::internal)?,
            start_date: state.business_date().await?,
        };
        let quote = product
            .quote(&offer, rate.rate, state.lending.policy.rate_cap)
            .map_err(|error| ApiError::Conflict {
                code: "offer_expired",
                detail: format!("the offer can no longer be made: {error}"),
            })?;
        let terms =
            LoanTerms::from_quote(&product, &quote, product.schedule_terms(&offer, rate.rate));
        let signed_at = kredit_store::now();
        let name = state
            .pii
            .decrypt(&identity.real_name_encrypted)
            .map_err(ApiError::internal)?;
        let id_number = state
            .pii
            .decrypt(&identity.id_number_encrypted)
            .map_err(ApiError::internal)?;
        let contract = Contract::new(
            &product,
            &quote,
            &terms,
            Signing {
                contract_number: format!("KR-{}-{id:08}", offer.start_date.format("%Y%m%d")),
                lender: LENDER,
                borrower_id: borrower.to_string(),
                // The stored document carries masked personal data only;
                // the full identity stays encrypted in the identity record.
                borrower_name: mask_name(&name),
                borrower_id_number_masked: kredit_core::identity::mask_id_number(&id_number),
                purpose: record.purpose.clone(),
                consents: vec![Consent {
                    kind: "loan_contract".to_owned(),
                    terms_version: request.terms_version.clone(),
                    accepted_at: signed_at,
                    ip: client_ip(&headers),
                }],
                signed_at,
            },
        );
        let document = canonical::to_canonical_json(&contract).map_err(ApiError::internal)?;
        let digest = contract.digest().map_err(ApiError::internal)?;
        let acceptance = Acceptance {
            application_id: id,
            borrower_id: borrower,
            contract_document: document,
            contract_digest: digest.clone(),
            signed_at,
            product_code: product.code.clone(),
            terms: serde_json::to_string(&terms).map_err(ApiError::internal)?,
            principal_fen: amount.fen(),
            disbursement: NewPayment {
                merchant_reference: format!("KR-D-{id}"),
                loan_id: 0,
                direction: kredit_core::payment::PaymentDirection::Disbursement,
                purpose: kredit_core::payment::PaymentPurpose::Disbursement,
                mode: None,
                amount_fen: quote.net_proceeds.fen(),
            },
            evidence: EvidenceDraft {
                kind: "contract.signed".to_owned(),
                subject: String::new(),
                payload_digest: digest,
            },
        };
        let store = state.repository.lending();
        let accepted = store
            .accept_application(&acceptance)
            .await?
            .ok_or(ApiError::Conflict {
                code: "not_approved",
                detail: "the application was accepted or changed meanwhile".to_owned(),
            })?;
        let payment = store
            .payment(accepted.payment_id)
            .await?
            .ok_or(ApiError::Internal)?;
        payments::submit(&state, &payment, borrower).await?;
        let contract = contract_view(&state, accepted.contract_id).await?;
        let loan = kredit_app::servicing::load(&state, accepted.loan_id)
            .await?
            .ok_or(ApiError::Internal)?;
        Ok((
            StatusCode::CREATED,
            Accepted {
                contract,
                loan: loan_view(&state, loan).await?,
            },
        ))
    };
    idempotency::run(&state, borrower, key, &route, &request, operation).await
}

async fn contract_view(state: &AppState, id: i64) -> Result<ContractView, ApiError> {
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
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ContractView>, ApiError> {
    let view = contract_view(&state, id).await?;
    let principal = auth.principal;
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
    Ok(Json(view))
}
