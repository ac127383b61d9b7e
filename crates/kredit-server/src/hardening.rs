//! HTTP hardening, applied to the whole router in one place ([`apply`]):
//!
//! - security headers on every response, API, web UI and probes alike: a
//!   strict Content-Security-Policy, `nosniff`, no framing, no referrer, no
//!   powerful browser features, HSTS when the server is configured as being
//!   behind TLS;
//! - `Cache-Control: no-store` on every `/api/` response (they carry tokens
//!   and personal data) except the API's own description;
//! - one body limit for every route (`max_body_bytes`, default 1 MiB; a
//!   model artefact upload has `max_model_upload_bytes`), answered with 413
//!   problem+json `payload_too_large` before a handler runs;
//! - who may read `/metrics` ([`metrics_access`]).
//!
//! docs/security.md ("HTTP hardening") says why each is what it is.

use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use sha2::{Digest, Sha256};

use crate::config::{Config, Environment};
use crate::error::ApiError;

/// The policy of every response: scripts and style sheets only from this
/// origin (no inline script, no `eval`, no `<style>` element), nothing
/// framed, no plugins, forms and connections to this origin only. Inline
/// style *attributes* are admitted (`style-src-attr`): the UI's components
/// and charts set them, and they cannot run code. The web UI's document
/// adds a nonce for the `<style>` elements its component library generates
/// ([`content_security_policy`]).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data:; \
font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
form-action 'self'; frame-ancestors 'none'";

/// [`CONTENT_SECURITY_POLICY`], with `<style>` elements carrying `nonce`
/// admitted: the policy of one response of the web UI's `index.html`,
/// whose nonce is fresh for that response (`crate::web`).
pub fn content_security_policy(style_nonce: &str) -> String {
    CONTENT_SECURITY_POLICY.replace(
        "style-src 'self';",
        &format!("style-src 'self' 'nonce-{style_nonce}';"),
    )
}

/// No camera, microphone, location, payment or other powerful feature.
pub const PERMISSIONS_POLICY: &str = "camera=(), microphone=(), geolocation=(), payment=(), \
usb=(), serial=(), bluetooth=(), magnetometer=(), gyroscope=(), accelerometer=(), \
interest-cohort=()";

/// One year, subdomains included, once the server is known to be behind TLS.
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000; includeSubDomains";

/// The route whose bodies (trained model artefacts) may exceed the limit.
const MODEL_UPLOAD_PATH: &str = "/api/v1/admin/models";

/// What the layers need from the configuration.
#[derive(Debug, Clone)]
pub struct Hardening {
    pub max_body_bytes: usize,
    pub max_model_upload_bytes: usize,
    /// The SHA-256 of `metrics_token`: compared digest to digest, so the
    /// comparison's time says nothing about the token.
    metrics_token_digest: Option<[u8; 32]>,
    pub hsts: bool,
    pub environment: Environment,
}

impl Hardening {
    pub fn from_config(config: &Config) -> Self {
        Self {
            max_body_bytes: config.max_body_bytes,
            max_model_upload_bytes: config.max_model_upload_bytes,
            metrics_token_digest: config
                .metrics_token
                .as_deref()
                .filter(|token| !token.is_empty())
                .map(|token| Sha256::digest(token.as_bytes()).into()),
            hsts: config.hsts,
            environment: config.env,
        }
    }

    /// The most bytes a request to `path` may carry.
    pub fn body_limit(&self, method: &Method, path: &str) -> usize {
        if method == Method::POST && path == MODEL_UPLOAD_PATH {
            self.max_model_upload_bytes.max(self.max_body_bytes)
        } else {
            self.max_body_bytes
        }
    }
}

/// The router with every layer of this module: the headers outermost, so
/// even a 413 or a fallback carries them.
pub fn apply(router: Router, hardening: Hardening) -> Router {
    router
        // The limit below is the one mechanism; axum's own (2 MB, plain-text
        // 413) would otherwise apply first to extractors.
        .layer(DefaultBodyLimit::disable())
        .layer(middleware::from_fn_with_state(
            hardening.clone(),
            limit_body,
        ))
        .layer(middleware::from_fn_with_state(hardening, security_headers))
}

async fn security_headers(
    State(hardening): State<Hardening>,
    request: Request,
    next: Next,
) -> Response {
    let no_store = stores_nothing(request.uri().path());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = |headers: &mut HeaderMap, name: HeaderName, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    // The web UI's document brings its own, with its nonce.
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(headers, header::REFERRER_POLICY, "no-referrer");
    set(
        headers,
        HeaderName::from_static("permissions-policy"),
        PERMISSIONS_POLICY,
    );
    set(
        headers,
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    if hardening.hsts {
        set(
            headers,
            header::STRICT_TRANSPORT_SECURITY,
            STRICT_TRANSPORT_SECURITY,
        );
    }
    if no_store {
        set(headers, header::CACHE_CONTROL, "no-store");
    }
    response
}

/// Every API answer but the API's description (`/api/openapi.json`, the
/// Swagger UI at `/api/docs`), which is the same for everyone; and the
/// metrics.
fn stores_nothing(path: &str) -> bool {
    let public =
        path == "/api/openapi.json" || path == "/api/docs" || path.starts_with("/api/docs/");
    (path.starts_with("/api/") && !public) || path == "/metrics"
}

/// Reads the body up to the route's limit; past it, 413 without calling the
/// handler (and without reading further when `Content-Length` says so).
async fn limit_body(State(hardening): State<Hardening>, request: Request, next: Next) -> Response {
    let limit = hardening.body_limit(request.method(), request.uri().path());
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return ApiError::PayloadTooLarge { limit }.into_response();
    }
    let (parts, body) = request.into_parts();
    match Limited::new(body, limit).collect().await {
        Ok(collected) => {
            let request = Request::from_parts(parts, Body::from(collected.to_bytes()));
            next.run(request).await
        }
        Err(error) if error.downcast_ref::<LengthLimitError>().is_some() => {
            ApiError::PayloadTooLarge { limit }.into_response()
        }
        Err(error) => {
            tracing::debug!(%error, "request body could not be read");
            ApiError::MalformedBody("the request body could not be read".to_owned()).into_response()
        }
    }
}

/// Whether `/metrics` is answered, and how it is refused.
///
/// - With `metrics_token` configured: only to `Authorization: Bearer
///   <token>`; anything else is 401.
/// - Without one, in production: 404, as if there were no such path.
/// - Without one, in development: only to a client on the loopback
///   interface (the address the TCP connection came from, never a header);
///   404 to anyone else.
pub fn metrics_access(hardening: &Hardening, request: &Request) -> Result<(), ApiError> {
    if let Some(expected) = &hardening.metrics_token_digest {
        let presented = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(|token| <[u8; 32]>::from(Sha256::digest(token.trim().as_bytes())));
        return match presented {
            Some(digest) if digest == *expected => Ok(()),
            _ => Err(ApiError::Unauthorized(
                "the metrics need the configured bearer token",
            )),
        };
    }
    let from_loopback = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .is_some_and(|ConnectInfo(peer)| peer.ip().is_loopback());
    match hardening.environment {
        Environment::Development if from_loopback => Ok(()),
        _ => Err(ApiError::NotFound),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hardening(token: Option<&str>, environment: Environment) -> Hardening {
        Hardening::from_config(&Config {
            metrics_token: token.map(str::to_owned),
            env: environment,
            ..Config::default()
        })
    }

    fn metrics_request(authorization: Option<&str>, peer: Option<&str>) -> Request {
        let mut builder = Request::builder().uri("/metrics");
        if let Some(value) = authorization {
            builder = builder.header(header::AUTHORIZATION, value);
        }
        let mut request = builder.body(Body::empty()).unwrap();
        if let Some(peer) = peer {
            let peer: SocketAddr = peer.parse().unwrap();
            request.extensions_mut().insert(ConnectInfo(peer));
        }
        request
    }

    #[test]
    fn metrics_take_the_token_when_one_is_configured() {
        let with_token = hardening(Some("metrics-secret"), Environment::Production);
        let allowed = |auth, peer| metrics_access(&with_token, &metrics_request(auth, peer));
        assert_eq!(allowed(Some("Bearer metrics-secret"), None), Ok(()));
        for refused in [
            None,
            Some("Bearer wrong"),
            Some("metrics-secret"),
            Some("Basic metrics-secret"),
        ] {
            assert!(
                matches!(allowed(refused, None), Err(ApiError::Unauthorized(_))),
                "{refused:?}"
            );
        }
        // A token makes loopback no exception.
        assert!(allowed(None, Some("127.0.0.1:4000")).is_err());
    }

    #[test]
    fn without_a_token_metrics_are_loopback_only_in_development() {
        let production = hardening(None, Environment::Production);
        let development = hardening(None, Environment::Development);
        let ask = |h: &Hardening, peer| metrics_access(h, &metrics_request(None, peer));
        assert_eq!(
            ask(&production, Some("127.0.0.1:4000")),
            Err(ApiError::NotFound)
        );
        assert_eq!(ask(&development, Some("127.0.0.1:4000")), Ok(()));
        assert_eq!(ask(&development, Some("[::1]:4000")), Ok(()));
        assert_eq!(
            ask(&development, Some("10.0.0.8:4000")),
            Err(ApiError::NotFound)
        );
        assert_eq!(ask(&development, None), Err(ApiError::NotFound));
    }

    #[test]
    fn the_documents_policy_differs_only_by_its_nonce() {
        let policy = content_security_policy("abc123");
        assert!(policy.contains("style-src 'self' 'nonce-abc123';"));
        assert_eq!(
            policy.replace(" 'nonce-abc123'", ""),
            CONTENT_SECURITY_POLICY
        );
    }

    #[test]
    fn only_model_uploads_have_a_larger_limit() {
        let h = hardening(None, Environment::Development);
        assert_eq!(h.body_limit(&Method::POST, "/api/v1/auth/login"), 1 << 20);
        assert_eq!(h.body_limit(&Method::POST, MODEL_UPLOAD_PATH), 32 << 20);
        assert_eq!(h.body_limit(&Method::PUT, MODEL_UPLOAD_PATH), 1 << 20);
    }

    #[test]
    fn api_answers_are_not_stored_but_its_description_may_be() {
        for path in [
            "/api/v1/me",
            "/api/v1/auth/login",
            "/api/v1/nowhere",
            "/metrics",
        ] {
            assert!(stores_nothing(path), "{path}");
        }
        for path in [
            "/api/openapi.json",
            "/api/docs/",
            "/",
            "/assets/app.js",
            "/healthz",
        ] {
            assert!(!stores_nothing(path), "{path}");
        }
    }
}
