//! Canonical JSON: one byte sequence per value, so a digest of a document
//! can be recomputed by anyone. Object keys are sorted by their UTF-8 bytes,
//! there is no whitespace, strings use serde_json's escaping, and numbers are
//! integers (money and rates are strings in every Kredit document). Close to
//! RFC 8785 for the documents Kredit writes, whose keys are ASCII.

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum CanonicalError {
    #[error("cannot serialise the document: {0}")]
    Serialise(#[from] serde_json::Error),
    #[error("a canonical document holds no fractional numbers: {0}")]
    Fractional(String),
}

/// The canonical JSON text of `value`.
pub fn to_canonical_json<T: Serialize>(value: &T) -> Result<String, CanonicalError> {
    let value = serde_json::to_value(value)?;
    let mut out = String::new();
    write(&value, &mut out)?;
    Ok(out)
}

/// Lower-case hex SHA-256 of the canonical JSON of `value`.
pub fn digest<T: Serialize>(value: &T) -> Result<String, CanonicalError> {
    Ok(sha256_hex(to_canonical_json(value)?.as_bytes()))
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn write(value: &Value, out: &mut String) -> Result<(), CanonicalError> {
    match value {
        Value::Null | Value::Bool(_) | Value::String(_) => out.push_str(&value.to_string()),
        Value::Number(n) => {
            if n.is_f64() {
                return Err(CanonicalError::Fractional(n.to_string()));
            }
            out.push_str(&n.to_string());
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, out)?;
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write(item, out)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_are_sorted_and_whitespace_is_gone() {
        let value = json!({"b": 1, "a": {"d": [true, null], "c": "x\"y"}, "金额": "1.00"});
        assert_eq!(
            to_canonical_json(&value).unwrap(),
            r#"{"a":{"c":"x\"y","d":[true,null]},"b":1,"金额":"1.00"}"#
        );
    }

    #[test]
    fn key_order_of_the_input_does_not_matter() {
        let one = json!({"x": 1, "y": 2});
        let two = json!({"y": 2, "x": 1});
        assert_eq!(digest(&one).unwrap(), digest(&two).unwrap());
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn fractional_numbers_are_refused() {
        assert!(to_canonical_json(&json!({"rate": 0.1})).is_err());
    }
}
