//! Callback signatures: HMAC-SHA256 over `"<unix seconds>.<raw body>"` with a
//! secret shared between provider and receiver, sent as
//! `Kredit-Signature: t=<unix seconds>,v1=<lowercase hex>`.
//!
//! Signing the timestamp together with the body lets the receiver reject an
//! authentic callback replayed long after it was sent.

use std::fmt;
use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use http::HeaderMap;
use sha2::Sha256;

use crate::CallbackError;

/// The header carrying the signature (HTTP header names are case-insensitive).
pub const SIGNATURE_HEADER: &str = "kredit-signature";

/// How far a callback's timestamp may be from the receiver's clock.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// Shorter secrets are guessable; 32 random bytes is the recommendation.
pub const MIN_SECRET_LEN: usize = 16;

/// The shared signing secret. Its `Debug` output never shows the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct CallbackSecret(Vec<u8>);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a callback secret needs at least {MIN_SECRET_LEN} bytes, got {0}")]
pub struct SecretTooShort(pub usize);

impl CallbackSecret {
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<CallbackSecret, SecretTooShort> {
        let bytes = bytes.into();
        if bytes.len() < MIN_SECRET_LEN {
            return Err(SecretTooShort(bytes.len()));
        }
        Ok(CallbackSecret(bytes))
    }

    /// The `Kredit-Signature` header value for `body` sent at `timestamp`.
    pub fn sign(&self, timestamp: i64, body: &[u8]) -> String {
        let digest = self.mac(timestamp, body).finalize().into_bytes();
        format!("t={timestamp},v1={}", hex::encode(digest))
    }

    /// Checks the signature header of a callback against its raw body, then
    /// that its timestamp lies within `tolerance` of `now` (unix seconds).
    /// Every `v1` entry is tried, so a provider can sign with an old and a new
    /// secret while they are rotated.
    pub fn verify(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: i64,
        tolerance: Duration,
    ) -> Result<(), CallbackError> {
        let header = headers
            .get(SIGNATURE_HEADER)
            .ok_or(CallbackError::MissingSignature)?;
        let header = header
            .to_str()
            .map_err(|_| CallbackError::MalformedSignature("not visible ASCII".into()))?;
        let parsed = ParsedHeader::parse(header)?;
        let authentic = parsed.signatures.iter().any(|candidate| {
            self.mac(parsed.timestamp, body)
                .verify_slice(candidate)
                .is_ok()
        });
        if !authentic {
            return Err(CallbackError::SignatureMismatch);
        }
        let age_seconds = now.saturating_sub(parsed.timestamp);
        let tolerance_seconds = i64::try_from(tolerance.as_secs()).unwrap_or(i64::MAX);
        if age_seconds.unsigned_abs() > tolerance_seconds.unsigned_abs() {
            return Err(CallbackError::TimestampOutsideTolerance { age_seconds });
        }
        Ok(())
    }

    fn mac(&self, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC accepts keys of any length");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }
}

impl fmt::Debug for CallbackSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CallbackSecret(<redacted>)")
    }
}

/// `t=<seconds>,v1=<hex>[,v1=<hex>…]`; unknown keys are ignored so that the
/// scheme can grow (a `v2`) without breaking receivers.
struct ParsedHeader {
    timestamp: i64,
    signatures: Vec<Vec<u8>>,
}

impl ParsedHeader {
    fn parse(header: &str) -> Result<ParsedHeader, CallbackError> {
        let malformed = |why: &str| CallbackError::MalformedSignature(why.to_owned());
        let mut timestamp = None;
        let mut signatures = Vec::new();
        for part in header.split(',') {
            let (key, value) = part
                .trim()
                .split_once('=')
                .ok_or_else(|| malformed("expected key=value pairs"))?;
            match key {
                "t" => {
                    let seconds = value
                        .parse::<i64>()
                        .map_err(|_| malformed("t is not a unix timestamp"))?;
                    timestamp = Some(seconds);
                }
                "v1" => signatures
                    .push(hex::decode(value).map_err(|_| malformed("v1 is not hexadecimal"))?),
                _ => {}
            }
        }
        let timestamp = timestamp.ok_or_else(|| malformed("no t= timestamp"))?;
        if signatures.is_empty() {
            return Err(malformed("no v1= signature"));
        }
        Ok(ParsedHeader {
            timestamp,
            signatures,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    const NOW: i64 = 1_764_064_800; // 2025-11-25T10:00:00Z

    fn secret() -> CallbackSecret {
        CallbackSecret::new("whsec_sandbox_0123456789abcdef").unwrap()
    }

    fn headers_with(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(SIGNATURE_HEADER, HeaderValue::from_str(value).unwrap());
        headers
    }

    fn verify(headers: &HeaderMap, body: &[u8]) -> Result<(), CallbackError> {
        secret().verify(headers, body, NOW, DEFAULT_TOLERANCE)
    }

    /// The worked example in docs/payments.md; if this changes, so must the docs.
    #[test]
    fn worked_example_matches_the_documentation() {
        let body = br#"{"provider_reference":"sbx_1","merchant_reference":"loan-42-disbursement","status":"succeeded","amount":"8530.99","sequence":1,"occurred_at":"2025-11-25T10:00:00Z"}"#;
        assert_eq!(
            secret().sign(NOW, body),
            "t=1764064800,v1=426a5aaf40cbb73cb49e41232c7ea0d8472cd40962a01a753de4c0f7ac218321"
        );
    }

    #[test]
    fn accepts_its_own_signature() {
        let body = br#"{"x":1}"#;
        assert_eq!(
            verify(&headers_with(&secret().sign(NOW, body)), body),
            Ok(())
        );
    }

    #[test]
    fn rejects_a_forged_body() {
        let signed = secret().sign(NOW, br#"{"amount":"1.00"}"#);
        assert_eq!(
            verify(&headers_with(&signed), br#"{"amount":"9999.00"}"#),
            Err(CallbackError::SignatureMismatch)
        );
    }

    #[test]
    fn rejects_a_signature_made_with_another_secret() {
        let body = br#"{"x":1}"#;
        let forger = CallbackSecret::new("not-the-shared-secret-at-all").unwrap();
        assert_eq!(
            verify(&headers_with(&forger.sign(NOW, body)), body),
            Err(CallbackError::SignatureMismatch)
        );
    }

    #[test]
    fn rejects_a_moved_timestamp() {
        // Re-using a valid v1 under a fresh t must fail: t is signed too.
        let body = br#"{"x":1}"#;
        let old = secret().sign(NOW - 3600, body);
        let v1 = old.split_once(",v1=").unwrap().1;
        assert_eq!(
            verify(&headers_with(&format!("t={NOW},v1={v1}")), body),
            Err(CallbackError::SignatureMismatch)
        );
    }

    #[test]
    fn rejects_stale_and_future_timestamps_but_not_those_at_the_edge() {
        let body = br#"{"x":1}"#;
        let tolerance = DEFAULT_TOLERANCE.as_secs() as i64;
        for (offset, expected) in [
            (-tolerance, Ok(())),
            (tolerance, Ok(())),
            (
                -tolerance - 1,
                Err(CallbackError::TimestampOutsideTolerance {
                    age_seconds: tolerance + 1,
                }),
            ),
            (
                tolerance + 1,
                Err(CallbackError::TimestampOutsideTolerance {
                    age_seconds: -tolerance - 1,
                }),
            ),
        ] {
            let signed = secret().sign(NOW + offset, body);
            assert_eq!(
                verify(&headers_with(&signed), body),
                expected,
                "offset {offset}"
            );
        }
    }

    #[test]
    fn rejects_a_missing_header() {
        assert_eq!(
            verify(&HeaderMap::new(), b"{}"),
            Err(CallbackError::MissingSignature)
        );
    }

    #[test]
    fn rejects_malformed_headers() {
        for value in [
            "",
            "v1=00",
            "t=1764064800",
            "t=yesterday,v1=00",
            "t=1764064800,v1=not-hex",
            "t=1764064800;v1=00",
        ] {
            assert!(
                matches!(
                    verify(&headers_with(value), b"{}"),
                    Err(CallbackError::MalformedSignature(_))
                ),
                "{value:?} should be malformed"
            );
        }
    }

    #[test]
    fn accepts_any_matching_v1_during_secret_rotation() {
        let body = br#"{"x":1}"#;
        let current = secret().sign(NOW, body);
        let v1 = current.split_once(",v1=").unwrap().1;
        let header = format!("t={NOW}, v1={}, v1={v1}", "00".repeat(32));
        assert_eq!(verify(&headers_with(&header), body), Ok(()));
    }

    #[test]
    fn short_secrets_are_refused_and_secrets_never_print() {
        assert_eq!(CallbackSecret::new("short"), Err(SecretTooShort(5)));
        assert_eq!(format!("{:?}", secret()), "CallbackSecret(<redacted>)");
    }
}
