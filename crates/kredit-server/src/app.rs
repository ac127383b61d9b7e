//! The router: every route, its OpenAPI description and the fallbacks that
//! keep even unknown paths and wrong methods in problem+json.

use axum::Router;
use axum::routing::{get, post, put};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use crate::error::ApiError;
use crate::routes::{
    admin, applications, auth, identity, loans, me, ops, portfolio, products, webhooks,
};
use crate::state::SharedState;

#[derive(OpenApi)]
#[openapi(
    info(title = "Kredit API", description = "Consumer lending platform. Errors are RFC 9457 problem+json with a stable `code`."),
    paths(
        auth::register, auth::login, auth::refresh, auth::logout,
        me::me, me::change_password,
        identity::submit, identity::show,
        admin::create_user, admin::audit_log,
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
/// that keep their own router.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut api = ApiDoc::openapi();
    api.merge(crate::routes::models::ModelsApi::openapi());
    api.merge(crate::routes::feedback::FeedbackApi::openapi());
    api
}

pub fn router(state: SharedState) -> Router {
    // Install the recorder before the first request is counted.
    crate::metrics::handle();
    let api = Router::new()
        .route("/auth/register", post(auth::register))
        .route("/auth/login", post(auth::login))
        .route("/auth/refresh", post(auth::refresh))
        .route("/auth/logout", post(auth::logout))
        .route("/me", get(me::me))
        .route("/me/password", post(me::change_password))
        .route("/me/identity", post(identity::submit).get(identity::show))
        .route("/admin/users", post(admin::create_user))
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
    Router::new()
        .nest(
            "/api/v1",
            api.merge(crate::routes::models::router())
                .merge(crate::routes::feedback::router()),
        )
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", openapi()))
        .fallback(crate::web::fallback)
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(axum::middleware::from_fn(crate::metrics::track))
        .with_state(state)
}
