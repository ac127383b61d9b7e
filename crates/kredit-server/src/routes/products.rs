//! Products (listed publicly, administered by admins), the loan calculator
//! and product matching for a borrower.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use kredit_core::apr;
use kredit_core::product::LoanProduct;
use kredit_core::schedule::{self, RepaymentMethod, ScheduleTerms};
use kredit_core::{Money, Rate};
use kredit_store::UserId;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use crate::auth::{AdminOnly, Authorized, BorrowerOnly};
use crate::error::{ApiError, FieldError, Problem};
use crate::extract::{ApiJson, ApiPath};
use crate::state::{AppState, SharedState};
use crate::views::{AprView, DecisionView, InstallmentView, Totals};
use kredit_app::audit::Audit;
use kredit_app::catalogue;
use kredit_app::origination::apply::{self, MatchRequest};

#[derive(Serialize, ToSchema)]
pub struct ProductView {
    #[serde(flatten)]
    pub product: LoanProduct,
    pub version: i64,
    #[schema(example = "7.20%")]
    pub min_annual_rate_percent: String,
    #[schema(example = "18.00%")]
    pub max_annual_rate_percent: String,
}

/// List the loan products (public).
#[utoipa::path(get, path = "/api/v1/products", tag = "products",
    responses((status = 200, description = "Every product with its terms", body = Vec<ProductView>)))]
pub async fn list(State(state): State<SharedState>) -> Result<Json<Vec<ProductView>>, ApiError> {
    let products = catalogue::products(state.repository.as_ref()).await?;
    Ok(Json(
        products
            .into_iter()
            .map(|(product, version)| ProductView {
                min_annual_rate_percent: format!("{}%", product.min_annual_rate.percent(2)),
                max_annual_rate_percent: format!("{}%", product.max_annual_rate.percent(2)),
                product,
                version,
            })
            .collect(),
    ))
}

fn validate(state: &AppState, product: &LoanProduct) -> Result<(), ApiError> {
    let problems = product.validate(state.lending.policy.rate_cap);
    if problems.is_empty() {
        return Ok(());
    }
    let errors: Vec<FieldError> = problems
        .iter()
        .map(|p| FieldError::new(p.field, "invalid_product", p.message.clone()))
        .collect();
    Err(ApiError::Validation {
        detail: errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; "),
        errors,
    })
}

async fn save(
    state: &AppState,
    admin: UserId,
    product: &LoanProduct,
    before: Option<LoanProduct>,
) -> Result<i64, ApiError> {
    let definition = serde_json::to_string(product).map_err(ApiError::internal)?;
    let audit = Audit {
        actor: Some(admin),
        action: if before.is_some() {
            "product.update"
        } else {
            "product.create"
        },
        entity_type: "product",
        entity_id: Some(product.code.clone()),
    }
    .entry(
        before.map(|b| json!(b)),
        Some(serde_json::from_str(&definition).map_err(ApiError::internal)?),
    );
    Ok(state
        .repository
        .lending()
        .save_product(&product.code, &definition, Some(audit))
        .await?)
}

/// Create a product (admin; validated by the core; audited).
#[utoipa::path(post, path = "/api/v1/admin/products", tag = "products", security(("bearer" = [])),
    request_body = LoanProduct,
    responses((status = 201, description = "Created", body = ProductSaved),
        (status = 403, description = "`forbidden`: admins only", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`product_exists`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed` naming each field (`invalid_product`)", body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<SharedState>,
    auth: Authorized<AdminOnly>,
    ApiJson(product): ApiJson<LoanProduct>,
) -> Result<(StatusCode, Json<ProductSaved>), ApiError> {
    validate(&state, &product)?;
    if catalogue::product(state.repository.as_ref(), &product.code)
        .await?
        .is_some()
    {
        return Err(ApiError::Conflict {
            code: "product_exists",
            detail: format!(
                "a product with code {} exists; PUT to change it",
                product.code
            ),
        });
    }
    let version = save(&state, auth.user_id(), &product, None).await?;
    Ok((
        StatusCode::CREATED,
        Json(ProductSaved {
            code: product.code,
            version,
        }),
    ))
}

/// A product saved: its code and new version.
#[derive(Serialize, ToSchema)]
pub struct ProductSaved {
    pub code: String,
    pub version: i64,
}

/// Change a product (admin; audited with before and after). Loans already
/// made keep the terms they were made on.
#[utoipa::path(put, path = "/api/v1/admin/products/{code}", tag = "products", security(("bearer" = [])),
    request_body = LoanProduct,
    params(("code" = String, Path, description = "Product code; must equal the body's `code`")),
    responses((status = 200, description = "Saved", body = ProductSaved),
        (status = 403, description = "`forbidden`: admins only", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `code_mismatch`, `invalid_product`", body = Problem, content_type = "application/problem+json")))]
pub async fn update(
    State(state): State<SharedState>,
    auth: Authorized<AdminOnly>,
    ApiPath(code): ApiPath<String>,
    ApiJson(product): ApiJson<LoanProduct>,
) -> Result<Json<ProductSaved>, ApiError> {
    if product.code != code {
        return Err(ApiError::field(
            "code",
            "code_mismatch",
            "the body's code must equal the code in the path",
        ));
    }
    validate(&state, &product)?;
    let before = catalogue::product(state.repository.as_ref(), &code)
        .await?
        .ok_or(ApiError::NotFound)?;
    let version = save(&state, auth.user_id(), &product, Some(before)).await?;
    Ok(Json(ProductSaved { code, version }))
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalculatorRequest {
    pub principal: Money,
    pub term_months: u32,
    pub annual_rate: Rate,
    pub method: RepaymentMethod,
    pub start_date: Option<NaiveDate>,
    pub monthly_fee_rate: Option<Rate>,
    pub upfront_fee: Option<Money>,
}

#[derive(Serialize, ToSchema)]
pub struct CalculatorResponse {
    pub installments: Vec<InstallmentView>,
    pub totals: Totals,
    pub apr: AprView,
}

/// Repayment schedule and APR for any terms (public).
#[utoipa::path(post, path = "/api/v1/calculator", tag = "products",
    request_body = CalculatorRequest,
    responses((status = 200, description = "Schedule, totals and APR", body = CalculatorResponse),
        (status = 400, description = "`date_out_of_range`: `start_date` more than ten years from the business date", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `invalid_terms`, `out_of_range`", body = Problem, content_type = "application/problem+json")))]
pub async fn calculator(
    State(state): State<SharedState>,
    ApiJson(request): ApiJson<CalculatorRequest>,
) -> Result<Json<CalculatorResponse>, ApiError> {
    let business_date = state.business_date().await?;
    let start_date = match request.start_date {
        Some(date) => crate::dates::within_horizon("start_date", date, business_date)?,
        None => business_date,
    };
    let terms = ScheduleTerms {
        principal: request.principal,
        annual_rate: request.annual_rate,
        term_months: request.term_months,
        method: request.method,
        start_date,
        monthly_fee_rate: request.monthly_fee_rate.unwrap_or(Rate::ZERO),
    };
    let schedule = schedule::generate(&terms)
        .map_err(|error| ApiError::field("terms", "invalid_terms", error.to_string()))?;
    let upfront_fee = request.upfront_fee.unwrap_or(Money::ZERO);
    if upfront_fee.is_negative() || upfront_fee >= request.principal {
        return Err(ApiError::field(
            "upfront_fee",
            "out_of_range",
            "the upfront fee must be at least zero and below the principal",
        ));
    }
    let net = request.principal.saturating_sub_to_zero(upfront_fee);
    let disclosure = apr::disclose(&schedule, net)
        .map_err(|error| ApiError::field("terms", "invalid_terms", error.to_string()))?;
    Ok(Json(CalculatorResponse {
        installments: schedule.installments.iter().map(Into::into).collect(),
        totals: (&schedule).into(),
        apr: (&disclosure).into(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct MatchedOffer {
    pub product_code: String,
    pub product_name: String,
    #[serde(flatten)]
    pub decision: DecisionView,
}

#[derive(Serialize, ToSchema)]
pub struct MatchResponse {
    pub offers: Vec<MatchedOffer>,
    /// Products of that purpose that cannot be offered, with why.
    pub declined: Vec<MatchedOffer>,
}

/// The products a borrower can get for an amount, term and purpose, each
/// priced for their risk grade with its schedule and APR. Nothing is stored.
#[utoipa::path(post, path = "/api/v1/products/match", tag = "products", security(("bearer" = [])),
    request_body = MatchRequest,
    responses((status = 200, description = "Offers and declined products with reasons", body = MatchResponse),
        (status = 403, description = "`forbidden`: borrowers only", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `out_of_range`", body = Problem, content_type = "application/problem+json")))]
pub async fn match_products(
    State(state): State<SharedState>,
    auth: Authorized<BorrowerOnly>,
    ApiJson(request): ApiJson<MatchRequest>,
) -> Result<Json<MatchResponse>, ApiError> {
    let mut response = MatchResponse {
        offers: Vec::new(),
        declined: Vec::new(),
    };
    for matched in apply::match_products(&state, auth.user_id(), &request).await? {
        let offer = MatchedOffer {
            product_code: matched.product.code,
            product_name: matched.product.name,
            decision: DecisionView::new(&matched.decided, &matched.request),
        };
        if offer.decision.offer.is_some() {
            response.offers.push(offer);
        } else {
            response.declined.push(offer);
        }
    }
    // Cheapest first, by the APR the borrower actually pays.
    response.offers.sort_by(|a, b| {
        let apr = |m: &MatchedOffer| m.decision.offer.as_ref().map(|o| o.apr.effective.clone());
        apr(a).cmp(&apr(b))
    });
    Ok(Json(response))
}
