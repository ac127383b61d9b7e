//! The OpenAPI document: the served one is the committed `docs/openapi.json`
//! (the web UI's types are generated from it), every operation is fully
//! described, and every path parameter is checked with a problem+json answer.
//!
//! After changing the API, regenerate the committed document with
//! `KREDIT_UPDATE_OPENAPI=1 cargo test -p kredit-server --test openapi`.

mod support;

use std::path::PathBuf;

use axum::http::{Method, StatusCode, header};
use kredit_store::Role;
use serde_json::Value;
use support::TestApp;

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json")
}

async fn served(app: &TestApp) -> Value {
    let reply = app.call(Method::GET, "/api/openapi.json", None, None).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.json
}

/// Every operation as (method, path, operation).
fn operations(document: &Value) -> Vec<(String, String, Value)> {
    let mut all = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            if ["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                all.push((method.clone(), path.clone(), operation.clone()));
            }
        }
    }
    all
}

#[tokio::test]
async fn served_document_is_the_committed_one() {
    let database = kredit_store::testing::sqlite().await;
    let app = TestApp::new(database.repository.clone()).await;
    let document = served(&app).await;
    let path = committed_path();
    let text = serde_json::to_string_pretty(&document).expect("JSON") + "\n";
    if std::env::var_os("KREDIT_UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, text).expect("write docs/openapi.json");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let committed: Value = serde_json::from_str(&committed).unwrap_or(Value::Null);
    assert!(
        committed == document,
        "docs/openapi.json differs from the served document; regenerate it with \
         `KREDIT_UPDATE_OPENAPI=1 cargo test -p kredit-server --test openapi` and commit it"
    );
}

/// Each parameter `{name}` in a path template is declared as a path
/// parameter, and no other is; every API operation documents a JSON body
/// for its success (or none, for 204) and problem+json for its failures.
#[test]
fn every_operation_is_described() {
    let document = serde_json::to_value(kredit_server::app::openapi()).expect("JSON");
    let mut ids = std::collections::BTreeSet::new();
    for (method, path, operation) in operations(&document) {
        let id = operation["operationId"].as_str().expect("operationId");
        assert!(ids.insert(id.to_owned()), "operationId {id} repeats");
        let name = format!("{} {path}", method.to_uppercase());
        let mut in_template: Vec<&str> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        let parameters = operation["parameters"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let mut declared: Vec<&str> = parameters
            .iter()
            .filter(|p| p["in"] == "path")
            .map(|p| p["name"].as_str().expect("name"))
            .collect();
        in_template.sort_unstable();
        declared.sort_unstable();
        assert_eq!(in_template, declared, "{name}: path parameters");
        for parameter in &parameters {
            if parameter["in"] == "path" {
                assert_eq!(parameter["required"], true, "{name}: {parameter}");
            }
        }
        if !path.starts_with("/api/v1/") {
            continue;
        }
        let responses = operation["responses"].as_object().expect("responses");
        for (status, response) in responses {
            let response = match response["$ref"].as_str() {
                Some(reference) => {
                    let key = reference.rsplit('/').next().expect("name");
                    &document["components"]["responses"][key]
                }
                None => response,
            };
            let content = response["content"].as_object();
            if status.starts_with('2') {
                if status == "204" {
                    assert!(content.is_none(), "{name} {status}: no body");
                } else {
                    let json = &response["content"]["application/json"]["schema"];
                    assert!(json.is_object(), "{name} {status}: a JSON body schema");
                }
            } else {
                let problem = &response["content"]["application/problem+json"]["schema"];
                assert_eq!(
                    problem["$ref"], "#/components/schemas/Problem",
                    "{name} {status}: problem+json"
                );
            }
        }
        // Every write takes a JSON body, except these commands on a resource.
        let bodiless = [
            "/activate",
            "/challenger",
            "/retire",
            "/approve",
            "/reject",
            "/logout-all",
            "/complete",
        ];
        if (method == "post" || method == "put") && !bodiless.iter().any(|end| path.ends_with(end))
        {
            let body = &operation["requestBody"]["content"]["application/json"]["schema"];
            assert!(body.is_object(), "{name}: a request body schema");
        }
        if operation["security"].is_array() {
            assert!(responses.contains_key("401"), "{name}: 401");
        }
    }
}

/// A non-integer id on any route with a path parameter is 400 `invalid_path`
/// in problem+json, for whichever role may reach the handler; the segment is
/// not echoed. The routes come from the document, so new ones are covered.
#[tokio::test]
async fn non_integer_path_ids_are_problems() {
    let database = kredit_store::testing::sqlite().await;
    let app = TestApp::new(database.repository.clone()).await;
    let tokens = [
        app.borrower("13812345678").await,
        app.staff("13900000001", Role::Admin).await,
        app.staff("13900000002", Role::Underwriter).await,
        app.staff("13900000003", Role::RiskOfficer).await,
    ];
    let document = served(&app).await;
    let mut checked = 0;
    for (method, path, operation) in operations(&document) {
        let integer_parameters: Vec<String> = operation["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "path" && p["schema"]["type"] == "integer")
            .map(|p| p["name"].as_str().expect("name").to_owned())
            .collect();
        if integer_parameters.is_empty() {
            continue;
        }
        let mut uri = path.clone();
        for name in &integer_parameters {
            uri = uri.replace(&format!("{{{name}}}"), "x1<b>");
        }
        let uri = uri.replace("x1<b>", "x1%3Cb%3E");
        let method: Method = method.to_uppercase().parse().expect("method");
        let body = (method != Method::GET).then(|| serde_json::json!({}));
        let mut reached = false;
        for token in &tokens {
            let reply = app
                .call_with(
                    method.clone(),
                    &uri,
                    Some(token),
                    body.clone(),
                    &[("Idempotency-Key", "path-check-key-0001")],
                )
                .await;
            assert_eq!(
                reply.headers[header::CONTENT_TYPE],
                "application/problem+json",
                "{method} {uri}: {}",
                reply.text
            );
            if reply.status == StatusCode::FORBIDDEN {
                continue;
            }
            reply.assert_problem(StatusCode::BAD_REQUEST, "invalid_path");
            assert!(!reply.text.contains("x1<b>"), "{}", reply.text);
            assert!(!reply.text.contains("x1%3C"), "{}", reply.text);
            assert_eq!(
                reply.json["errors"][0]["field"],
                integer_parameters[0].as_str()
            );
            // The ids are newtypes; the message still names the number.
            assert_eq!(
                reply.json["errors"][0]["message"], "expected an integer",
                "{method} {uri}: {}",
                reply.text
            );
            reached = true;
        }
        assert!(reached, "{method} {uri}: no role reached the handler");
        checked += 1;
    }
    // Applications (3), contracts, loans (7), reversal requests (2),
    // payments, feedback replies and models (4).
    assert!(checked >= 19, "only {checked} routes with an integer id");
}
