//! The router: every route, its OpenAPI description and the fallbacks that
//! keep even unknown paths and wrong methods in problem+json.

use axum::Router;
use axum::routing::{delete, get, post, put};
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, Ref, RefOr};
use utoipa::{Modify, OpenApi, PartialSchema, ToSchema};
use utoipa_swagger_ui::SwaggerUi;

use crate::error::{ApiError, Problem};
use crate::routes::{
    admin, applications, auth, identity, loans, me, ops, portfolio, products, webhooks,
};
use crate::state::SharedState;

#[derive(OpenApi)]
#[openapi(
    info(title = "Kredit API", description = "Consumer lending platform. Errors are RFC 9457 problem+json with a stable `code`."),
    paths(
        auth::register, auth::login, auth::refresh, auth::logout,
        me::me, me::change_password, me::sessions, me::revoke_session, me::logout_all,
        identity::submit, identity::show,
        admin::create_user, admin::change_role, admin::audit_log,
        ops::healthz, ops::readyz, ops::metrics,
        products::list, products::create, products::update, products::calculator, products::match_products,
        applications::create, applications::list, applications::show, applications::underwrite,
        applications::accept, applications::contract,
        loans::list, loans::show, loans::payoff_quote, loans::repay, loans::payment, loans::loan_payments,
        loans::events, loans::ledger, loans::callback, loans::request_reversal, loans::reversal_requests,
        loans::approve_reversal, loans::reject_reversal,
        portfolio::business_date, portfolio::advance, portfolio::cob_status, portfolio::summary, portfolio::borrowers,
        portfolio::trial_balance, portfolio::evidence_log,
        webhooks::create, webhooks::list,
    ),
    modifiers(&BearerAuth),
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The whole API description: the paths above and those of the modules
/// that keep their own router, with the problems every operation of a kind
/// shares.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut api = ApiDoc::openapi();
    api.merge(crate::routes::models::ModelsApi::openapi());
    api.merge(crate::routes::feedback::FeedbackApi::openapi());
    api.merge(crate::routes::risk::RiskApi::openapi());
    api.merge(crate::routes::aml::AmlApi::openapi());
    api.merge(crate::routes::log::LogApi::openapi());
    api.merge(crate::routes::personal_data::PersonalDataApi::openapi());
    api.merge(crate::routes::data_rights::DataRightsApi::openapi());
    api.merge(crate::routes::second_factor::SecondFactorApi::openapi());
    api.merge(crate::routes::disbursements::DisbursementsApi::openapi());
    CommonProblems.modify(&mut api);
    api
}

/// The problems that follow from an operation's shape rather than from
/// what it does, as shared responses under `components/responses`: 401 for
/// an authenticated operation, 400 for a path parameter or a JSON body
/// (`invalid_path`, malformed body), 413 for every operation that may take a
/// body (POST, PUT, PATCH), 422 for a JSON body or a query, and 500 for every
/// operation under `/api`. An operation that names one of these
/// statuses keeps its own.
struct CommonProblems;

const UNAUTHORIZED: &str = "Unauthorized";
const BAD_REQUEST: &str = "BadRequest";
const VALIDATION_FAILED: &str = "ValidationFailed";
const INTERNAL_ERROR: &str = "InternalError";
const PAYLOAD_TOO_LARGE: &str = "PayloadTooLarge";

impl Modify for CommonProblems {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components
            .schemas
            .entry(Problem::name().into_owned())
            .or_insert_with(Problem::schema);
        for (name, description) in [
            (
                UNAUTHORIZED,
                "`unauthorized`: missing, invalid or expired access token",
            ),
            (
                BAD_REQUEST,
                "`invalid_path`: a path parameter is not of its type; `validation_failed`: the body is not JSON, or has data after its JSON value",
            ),
            (
                VALIDATION_FAILED,
                "`validation_failed`: wrong types, missing fields or values breaking a rule; `errors` names each field",
            ),
            (INTERNAL_ERROR, "`internal_error`: logged, never detailed"),
            (
                PAYLOAD_TOO_LARGE,
                "`payload_too_large`: the body exceeds the configured limit (`max_body_bytes`, 1 MiB by default)",
            ),
        ] {
            components
                .responses
                .insert(name.to_owned(), RefOr::T(problem_response(description)));
        }
        for (path, item) in &mut openapi.paths.paths {
            // The operations probes (`/healthz`, …) answer plain text.
            if !path.starts_with("/api/") {
                continue;
            }
            // Every write may be sent a body, and every body has the limit.
            for operation in [&mut item.put, &mut item.post, &mut item.patch]
                .into_iter()
                .flatten()
            {
                operation
                    .responses
                    .responses
                    .entry("413".to_owned())
                    .or_insert_with(|| RefOr::Ref(Ref::from_response_name(PAYLOAD_TOO_LARGE)));
            }
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                add_common_problems(operation);
                qualify_operation_id(operation);
            }
        }
    }
}

fn problem_response(description: &str) -> Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            Content::new(Some(Ref::from_schema_name(Problem::name()))),
        )
        .build()
}

/// Operation ids are the handlers' names, which repeat across modules
/// (`list`, `show`): prefixed with the tag they become unique, as generated
/// clients need (`loans_show`).
fn qualify_operation_id(operation: &mut Operation) {
    let tag = operation.tags.as_ref().and_then(|tags| tags.first());
    if let (Some(tag), Some(id)) = (tag, operation.operation_id.as_mut()) {
        *id = format!("{tag}_{id}");
    }
}

fn add_common_problems(operation: &mut Operation) {
    let parameters: Vec<ParameterIn> = operation
        .parameters
        .iter()
        .flatten()
        .filter_map(|parameter| match parameter {
            RefOr::T(parameter) => Some(parameter.parameter_in.clone()),
            RefOr::Ref(_) => None,
        })
        .collect();
    let has_path = parameters.contains(&ParameterIn::Path);
    let has_query = parameters.contains(&ParameterIn::Query);
    // A typed JSON body (not the payment callback's signed bytes).
    let has_json_body = match &operation.request_body {
        Some(RefOr::T(body)) => body.content.get("application/json").is_some_and(
            |content| matches!(content, RefOr::T(c) if matches!(c.schema, Some(RefOr::Ref(_)))),
        ),
        _ => false,
    };
    let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
    let responses = &mut operation.responses.responses;
    let mut add = |status: &str, name: &str| {
        responses
            .entry(status.to_owned())
            .or_insert_with(|| RefOr::Ref(Ref::from_response_name(name)));
    };
    if secured {
        add("401", UNAUTHORIZED);
    }
    if has_path || has_json_body {
        add("400", BAD_REQUEST);
    }
    if has_json_body || has_query {
        add("422", VALIDATION_FAILED);
    }
    add("500", INTERNAL_ERROR);
}

pub fn router(state: SharedState) -> Router {
    // Install the recorder before the first request is counted.
    crate::metrics::handle();
    let hardening = state.hardening.clone();
    let api = Router::new()
        .route("/auth/register", post(auth::register))
        .route("/auth/login", post(auth::login))
        .route("/auth/refresh", post(auth::refresh))
        .route("/auth/logout", post(auth::logout))
        .route("/me", get(me::me))
        .route("/me/password", post(me::change_password))
        .route("/me/sessions", get(me::sessions))
        .route("/me/sessions/logout-all", post(me::logout_all))
        .route("/me/sessions/{id}", delete(me::revoke_session))
        .route("/me/identity", post(identity::submit).get(identity::show))
        .route("/admin/users", post(admin::create_user))
        .route("/admin/users/{id}/role", put(admin::change_role))
        .route("/admin/audit", get(admin::audit_log))
        .route(
            "/admin/webhooks",
            post(webhooks::create).get(webhooks::list),
        )
        .route("/products", get(products::list))
        .route("/products/match", post(products::match_products))
        .route("/calculator", post(products::calculator))
        .route("/admin/products", post(products::create))
        .route("/admin/products/{code}", put(products::update))
        .route(
            "/applications",
            post(applications::create).get(applications::list),
        )
        .route("/applications/{id}", get(applications::show))
        .route(
            "/applications/{id}/decision",
            post(applications::underwrite),
        )
        .route("/applications/{id}/accept", post(applications::accept))
        .route("/contracts/{id}", get(applications::contract))
        .route("/loans", get(loans::list))
        .route("/loans/{id}", get(loans::show))
        .route("/loans/{id}/payoff-quote", get(loans::payoff_quote))
        .route("/loans/{id}/repayments", post(loans::repay))
        .route("/loans/{id}/payments", get(loans::loan_payments))
        .route("/loans/{id}/events", get(loans::events))
        .route("/loans/{id}/ledger", get(loans::ledger))
        .route(
            "/loans/{id}/events/{event_id}/reversal-requests",
            post(loans::request_reversal),
        )
        .route("/reversal-requests", get(loans::reversal_requests))
        .route(
            "/reversal-requests/{id}/approve",
            post(loans::approve_reversal),
        )
        .route(
            "/reversal-requests/{id}/reject",
            post(loans::reject_reversal),
        )
        .route("/payments/callback", post(loans::callback))
        .route("/payments/{id}", get(loans::payment))
        .route("/business-date", get(portfolio::business_date))
        .route("/admin/business-date", post(portfolio::advance))
        .route("/admin/close-of-business", get(portfolio::cob_status))
        .route("/admin/borrowers", get(portfolio::borrowers))
        .route("/portfolio/summary", get(portfolio::summary))
        .route("/ledger/trial-balance", get(portfolio::trial_balance))
        .route("/evidence", get(portfolio::evidence_log));
    let router = Router::new()
        .nest(
            "/api/v1",
            api.merge(crate::routes::models::router())
                .merge(crate::routes::feedback::router())
                .merge(crate::routes::risk::router())
                .merge(crate::routes::aml::router())
                .merge(crate::routes::personal_data::router())
                .merge(crate::routes::data_rights::router())
                .merge(crate::routes::second_factor::router())
                .merge(crate::routes::disbursements::router())
                .merge(crate::routes::log::api_router()),
        )
        .merge(crate::routes::log::public_router())
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", openapi()))
        .fallback(crate::web::fallback)
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(axum::middleware::from_fn(crate::metrics::track))
        // Outside the metrics layer, so its request log line carries the client.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::client::track,
        ))
        .with_state(state);
    crate::hardening::apply(router, hardening)
}
