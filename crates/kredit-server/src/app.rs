//! The router: every route, its OpenAPI description and the fallbacks that
//! keep even unknown paths and wrong methods in problem+json.

use axum::Router;
use axum::routing::{get, post};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

use crate::error::ApiError;
use crate::routes::{admin, auth, identity, me, ops};
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
        .route("/admin/audit", get(admin::audit_log));
    Router::new()
        .nest("/api/v1", api)
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .merge(SwaggerUi::new("/api/docs").url("/api/openapi.json", ApiDoc::openapi()))
        .fallback(crate::web::fallback)
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(axum::middleware::from_fn(crate::metrics::track))
        .with_state(state)
}
