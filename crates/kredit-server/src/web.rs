//! The web UI: static files from `web_dir` (config key `web_dir`, variable
//! `KREDIT_WEB_DIR`, default `web/dist`) at `/`, with every unknown non-API
//! path answered by `index.html` so the single-page app can route it.
//! Unknown `/api` paths stay problem+json 404s. When the UI has not been
//! built, `/` explains how to build it instead of failing.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use tower_http::services::{ServeDir, ServeFile};

use crate::config::Config;
use crate::error::ApiError;

static WEB_DIR: OnceLock<PathBuf> = OnceLock::new();

/// Records the configured directory; the first call wins. Without it the
/// directory comes from `KREDIT_WEB_DIR` or the default.
pub fn configure(config: &Config) {
    let _ = WEB_DIR.set(config.web_dir.clone());
}

fn web_dir() -> &'static Path {
    WEB_DIR.get_or_init(|| {
        std::env::var_os("KREDIT_WEB_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| Config::default().web_dir)
    })
}

const NOT_BUILT: &str = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Kredit</title></head>\n<body><h1>Kredit</h1>\n<p>The API is running under <a href=\"/api/docs\">/api</a>, but the web UI has not been built.</p>\n<p>Build it with <code>cd web &amp;&amp; npm ci &amp;&amp; npm run build</code> (or start everything with <code>./scripts/run-demo</code>), or point <code>KREDIT_WEB_DIR</code> at a built <code>dist</code> directory.</p>\n</body></html>\n";

/// The router's fallback: API paths get the problem+json 404, everything
/// else a file of the UI or its `index.html`.
pub async fn fallback(request: Request) -> Response {
    serve(web_dir(), request).await
}

async fn serve(dir: &Path, request: Request) -> Response {
    let path = request.uri().path();
    if path == "/api" || path.starts_with("/api/") {
        return ApiError::NotFound.into_response();
    }
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return ApiError::MethodNotAllowed.into_response();
    }
    let index = dir.join("index.html");
    if !index.is_file() {
        return Html(NOT_BUILT).into_response();
    }
    if routes_to_index(dir, path) {
        return index_page(&index).await;
    }
    let immutable = path.starts_with("/assets/");
    let mut service = ServeDir::new(dir).fallback(ServeFile::new(index));
    match service.try_call(request).await {
        Ok(response) => {
            let mut response = response.into_response();
            let cache = if immutable && response.status() == StatusCode::OK {
                "public, max-age=31536000, immutable"
            } else {
                "no-cache"
            };
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
            response
        }
        Err(error) => {
            tracing::error!(%error, "cannot read the web UI's files");
            ApiError::Internal.into_response()
        }
    }
}

/// Whether `path` is the app's document rather than one of its files: `/`,
/// `/index.html`, or any path naming no file (the app's own routes).
fn routes_to_index(dir: &Path, path: &str) -> bool {
    let relative = path.trim_start_matches('/');
    relative.is_empty()
        || relative == "index.html"
        // `..` is for `ServeDir` to refuse, not for us to look up.
        || (!relative.split('/').any(|segment| segment == "..")
            && !dir.join(relative).is_file())
}

/// `index.html` with a fresh nonce: in a `<meta name="csp-nonce">` for the
/// app to hand to its component library, which sets it on the `<style>`
/// elements it generates, and in this response's policy, which admits only
/// those. Served whole every time (no validators), since each copy differs.
async fn index_page(index: &Path) -> Response {
    let html = match tokio::fs::read_to_string(index).await {
        Ok(html) => html,
        Err(error) => {
            tracing::error!(%error, "cannot read the web UI's index.html");
            return ApiError::Internal.into_response();
        }
    };
    let nonce = style_nonce();
    let meta = format!("<meta name=\"csp-nonce\" content=\"{nonce}\" />");
    let html = match html.find("<head>") {
        Some(at) => {
            let end = at + "<head>".len();
            format!("{}\n    {meta}{}", &html[..end], &html[end..])
        }
        None => format!("{meta}\n{html}"),
    };
    let policy = HeaderValue::from_str(&crate::hardening::content_security_policy(&nonce))
        .expect("base64 and ASCII make a header value");
    let mut response = Html(html).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// 128 random bits, base64.
fn style_nonce() -> String {
    use base64::Engine as _;
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random generator is available");
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::{Body, to_bytes};

    async fn get(dir: &Path, uri: &str) -> (StatusCode, String, String) {
        let request = Request::builder().uri(uri).body(Body::empty()).unwrap();
        let response = serve(dir, request).await;
        let status = response.status();
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|value| value.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let body = to_bytes(response.into_body(), 1 << 20).await.unwrap();
        (
            status,
            content_type,
            String::from_utf8_lossy(&body).into_owned(),
        )
    }

    #[tokio::test]
    async fn serves_files_with_spa_fallback_and_keeps_api_404s() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("index.html"), "<div id=root></div>").unwrap();
        std::fs::create_dir(dir.path().join("assets")).unwrap();
        std::fs::write(dir.path().join("assets/app.js"), "console.log(1)").unwrap();

        let (status, _, body) = get(dir.path(), "/").await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.ends_with("<div id=root></div>"), "{body}");
        let (status, content_type, _) = get(dir.path(), "/assets/app.js").await;
        assert_eq!(status, StatusCode::OK);
        assert!(content_type.contains("javascript"), "{content_type}");
        let (status, _, body) = get(dir.path(), "/staff/loans/7").await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.ends_with("<div id=root></div>"), "{body}");
        let (status, content_type, _) = get(dir.path(), "/api/v1/nowhere").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(content_type, "application/problem+json");
    }

    #[tokio::test]
    async fn each_index_has_a_fresh_nonce_in_its_meta_and_its_policy() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("index.html"),
            "<html><head><title>K</title></head><body></body></html>",
        )
        .unwrap();
        let mut nonces = Vec::new();
        for uri in ["/", "/app/loans/3"] {
            let request = Request::builder().uri(uri).body(Body::empty()).unwrap();
            let response = serve(dir.path(), request).await;
            let policy = response.headers()[header::CONTENT_SECURITY_POLICY]
                .to_str()
                .unwrap()
                .to_owned();
            let body = to_bytes(response.into_body(), 1 << 20).await.unwrap();
            let body = String::from_utf8(body.to_vec()).unwrap();
            let nonce = body
                .split("<meta name=\"csp-nonce\" content=\"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .expect("a nonce meta")
                .to_owned();
            assert_eq!(nonce.len(), 24);
            assert!(
                policy.contains(&format!("style-src 'self' 'nonce-{nonce}';")),
                "{policy}"
            );
            nonces.push(nonce);
        }
        assert_ne!(nonces[0], nonces[1]);
    }

    #[tokio::test]
    async fn explains_how_to_build_when_the_ui_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let (status, content_type, body) = get(&dir.path().join("dist"), "/").await;
        assert_eq!(status, StatusCode::OK);
        assert!(content_type.starts_with("text/html"));
        assert!(body.contains("npm run build"));
        let (status, _, _) = get(&dir.path().join("dist"), "/api/v1/x").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}
