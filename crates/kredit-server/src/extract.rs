//! Request extractors whose rejections are problem+json, so malformed JSON,
//! wrong types or a bad query string never produce axum's default plain-text
//! errors.
//!
//! Error messages name the offending field and the expected type but never
//! echo the submitted value: a wrongly typed ID number must not come back in
//! the response body.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, FieldError};

/// A JSON body with problem+json rejections.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !has_json_content_type(&request) {
            return Err(ApiError::MalformedBody(
                "expected a body with Content-Type: application/json".to_owned(),
            ));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| ApiError::MalformedBody(rejection.body_text()))?;
        parse_json(&bytes).map(ApiJson)
    }
}

fn has_json_content_type(request: &Request) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|mime| {
            let mime = mime.trim();
            mime.eq_ignore_ascii_case("application/json") || mime.ends_with("+json")
        })
}

/// Deserialises JSON, turning errors into a value-free problem.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let field = error.path().to_string();
        let inner = error.into_inner();
        if inner.is_data() {
            let message = describe_data_error(&inner.to_string());
            ApiError::Validation {
                detail: format!("{field}: {message}"),
                errors: vec![FieldError::new(&field, "invalid_type", message)],
            }
        } else {
            ApiError::MalformedBody(format!(
                "the body is not valid JSON (line {}, column {})",
                inner.line(),
                inner.column()
            ))
        }
    })?;
    // `{"a":1} garbage` or two documents: the body is one JSON value, and
    // a body that is more than that was not meant as this request.
    deserializer.end().map_err(|error| {
        ApiError::MalformedBody(format!(
            "the body has data after its JSON value (line {}, column {})",
            error.line(),
            error.column()
        ))
    })?;
    Ok(value)
}

/// Keeps what serde says about *our* schema (missing fields, expected
/// types) and drops what it quotes from the request.
fn describe_data_error(message: &str) -> String {
    let message = message.split(" at line ").next().unwrap_or(message);
    if message.starts_with("missing field") || message.starts_with("unknown field") {
        return message
            .split(", expected")
            .next()
            .unwrap_or(message)
            .to_owned();
    }
    match message.split_once(", expected ") {
        Some((_, expected)) => format!("wrong type or value, expected {expected}"),
        None => "wrong type or value".to_owned(),
    }
}

/// `axum::extract::Query` with problem+json rejections.
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| ApiQuery(value))
            .map_err(|_| {
                ApiError::field(
                    "query",
                    "invalid_query",
                    "the query string has an invalid parameter",
                )
            })
    }
}

/// `axum::extract::Path` with problem+json rejections: a path segment that
/// is not of the route's type (`/loans/abc`) is 400 `invalid_path`, naming
/// the parameter and the expected type but never echoing the segment.
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(ApiPath(value)),
            Err(rejection) => {
                // The names, to say which parameter of a tuple is wrong.
                let names: Vec<String> =
                    axum::extract::RawPathParams::from_request_parts(parts, state)
                        .await
                        .map(|raw| raw.iter().map(|(name, _)| name.to_owned()).collect())
                        .unwrap_or_default();
                Err(path_error(&rejection, &names))
            }
        }
    }
}

fn path_error(rejection: &axum::extract::rejection::PathRejection, names: &[String]) -> ApiError {
    use axum::extract::path::ErrorKind;
    use axum::extract::rejection::PathRejection;
    let PathRejection::FailedToDeserializePathParams(error) = rejection else {
        return ApiError::internal(rejection.body_text());
    };
    let (field, message) = match error.kind() {
        ErrorKind::ParseErrorAtKey {
            key, expected_type, ..
        } => (
            key.clone(),
            format!("expected {}", describe_type(expected_type)),
        ),
        ErrorKind::ParseErrorAtIndex {
            index,
            expected_type,
            ..
        } => (
            names
                .get(*index)
                .cloned()
                .unwrap_or_else(|| format!("path[{index}]")),
            format!("expected {}", describe_type(expected_type)),
        ),
        // A single value: the route's one parameter.
        ErrorKind::ParseError { expected_type, .. } => (
            match names {
                [name] => name.clone(),
                _ => "path".to_owned(),
            },
            format!("expected {}", describe_type(expected_type)),
        ),
        ErrorKind::InvalidUtf8InPathParam { key } => (key.clone(), "not valid UTF-8".to_owned()),
        // The rest are mismatches between a route and its handler: ours.
        _ => return ApiError::internal(error.body_text()),
    };
    ApiError::InvalidPath {
        detail: format!("path parameter {field}: {message}"),
        errors: vec![FieldError::new(&field, "invalid_path", message)],
    }
}

/// `i64` → "an integer"; other types by their last path segment.
fn describe_type(type_name: &str) -> String {
    match type_name.rsplit("::").next().unwrap_or(type_name) {
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32" | "u64" | "u128"
        | "usize" => "an integer".to_owned(),
        "String" | "str" => "a string".to_owned(),
        other => format!("a {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        id_number: String,
        amount: u32,
    }

    fn detail(json: &str) -> String {
        match parse_json::<Body>(json.as_bytes()).unwrap_err() {
            ApiError::Validation { detail, .. } | ApiError::MalformedBody(detail) => detail,
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn data_errors_name_the_field_without_the_value() {
        let message = detail(r#"{"id_number": 110105194912310021, "amount": 1}"#);
        assert_eq!(message, "id_number: wrong type or value, expected a string");
        assert!(!detail(r#"{"id_number": "x", "amount": "110105194912310021"}"#).contains("1101"));
        assert_eq!(detail(r#"{"amount": 1}"#), ".: missing field `id_number`");
        assert!(
            detail(r#"{"id_number": "x", "amount": 1, "zzz": 2}"#).contains("unknown field `zzz`")
        );
    }

    #[test]
    fn trailing_data_is_a_malformed_body() {
        let body = r#"{"id_number": "x", "amount": 1}"#;
        assert!(parse_json::<Body>(format!("{body} \n").as_bytes()).is_ok());
        for trailing in ["x", "{}", ",", "\u{0}"] {
            assert!(matches!(
                parse_json::<Body>(format!("{body}{trailing}").as_bytes()),
                Err(ApiError::MalformedBody(detail)) if detail.contains("after its JSON value")
            ));
        }
    }

    #[test]
    fn syntax_errors_are_malformed_bodies() {
        assert!(matches!(
            parse_json::<Body>(b"{\"id_number\": "),
            Err(ApiError::MalformedBody(_))
        ));
    }
}
