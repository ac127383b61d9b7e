//! The receiver's per-callback cost: verifying the signature of a raw
//! callback and decoding it. Run: `cargo bench -p kredit-payments`.

use std::hint::black_box;

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use http::{HeaderMap, HeaderValue};
use kredit_payments::{
    CallbackSecret, PaymentProvider, SIGNATURE_HEADER, SandboxConfig, SandboxProvider,
};

const BODY: &[u8] = br#"{"provider_reference":"sbx_0f3a9c1b2d4e5f6a7b8c9d0e","merchant_reference":"loan-42-disbursement","status":"succeeded","amount":"8530.99","sequence":1,"occurred_at":"2025-11-25T10:00:00Z"}"#;

fn callbacks(c: &mut Criterion) {
    let secret = CallbackSecret::new("whsec_bench_0123456789abcdef").unwrap();
    let provider = SandboxProvider::new(SandboxConfig::new(secret.clone())).unwrap();
    let mut headers = HeaderMap::new();
    let signature = secret.sign(Utc::now().timestamp(), BODY);
    headers.insert(SIGNATURE_HEADER, HeaderValue::from_str(&signature).unwrap());

    c.bench_function("sign_callback", |b| {
        b.iter(|| secret.sign(black_box(1_764_064_800), black_box(BODY)))
    });
    c.bench_function("verify_and_decode_callback", |b| {
        b.iter(|| {
            provider
                .verify_callback(black_box(&headers), black_box(BODY))
                .unwrap()
        })
    });
}

criterion_group!(benches, callbacks);
criterion_main!(benches);
