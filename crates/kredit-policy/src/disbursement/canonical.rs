//! Canonical JSON for content addresses: object keys sorted by their UTF-8
//! bytes, no whitespace, serde_json's string escaping. Written out here
//! rather than trusting serde_json's map order, because that order changes
//! with a feature (`preserve_order`) any crate in a build may switch on.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// Appends the canonical text of `value` to `out`.
pub(super) fn write(value: &Value, out: &mut String) {
    match value {
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {
            out.push_str(&value.to_string());
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, out);
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
                write(item, out);
            }
            out.push('}');
        }
    }
}

/// `sha256:` and the lower-case hex SHA-256 of `bytes`.
pub(super) fn sha256_address(bytes: &[u8]) -> String {
    let mut address = String::with_capacity(7 + 64);
    address.push_str("sha256:");
    for byte in Sha256::digest(bytes) {
        address.push(char::from(HEX[usize::from(byte >> 4)]));
        address.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    address
}

const HEX: &[u8; 16] = b"0123456789abcdef";

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn canonical(value: &Value) -> String {
        let mut out = String::new();
        write(value, &mut out);
        out
    }

    #[test]
    fn keys_are_sorted_at_every_depth_and_there_is_no_whitespace() {
        let value = json!({"b": [1, {"z": null, "a": true}], "a": "x y"});
        assert_eq!(
            canonical(&value),
            r#"{"a":"x y","b":[1,{"a":true,"z":null}]}"#
        );
    }

    #[test]
    fn strings_are_escaped_as_json() {
        assert_eq!(canonical(&json!({"k\"": "a\nb"})), r#"{"k\"":"a\nb"}"#);
    }

    #[test]
    fn the_address_is_the_sha256_of_the_bytes() {
        // SHA-256 of the empty string.
        assert_eq!(
            sha256_address(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
