//! Part 5 of docs/benchmarks.md: P-256 sign (what a device does per nonce and per answer:
//! SHA-256 and ECDSA, DER-encoded, through signet-core's `MemoryKeyStore`) and verify (what
//! the server did per signed request before it used ring: signet-protocol's `PublicKey::verify`,
//! the `p256` crate) and `verify_server` (what the server does now: `signet_server::verifier`).

#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use signet_core::{DeviceKeyStore as _, KeyAlias, MemoryKeyStore};

fn p256(c: &mut Criterion) {
    let keys = MemoryKeyStore::new();
    let alias = KeyAlias::generate();
    let key = keys.create(&alias).expect("a memory key");
    // A challenge id, the message of 3.5.
    let message = "0b7e3f4a-6a55-4b5e-9d3e-2f1c9a8d7e61";
    let signature = keys.sign(&alias, message.as_bytes()).expect("signs");
    let mut group = c.benchmark_group("p256");
    group.bench_function("sign", |b| {
        b.iter(|| keys.sign(&alias, black_box(message.as_bytes())));
    });
    group.bench_function("verify", |b| {
        b.iter(|| key.verify(black_box(message), black_box(&signature)));
    });
    group.bench_function("verify_server", |b| {
        b.iter(|| {
            signet_server::verifier::verify(
                black_box(&key),
                black_box(message.as_bytes()),
                black_box(&signature),
            )
        });
    });
    group.finish();
}

criterion_group!(benches, p256);
criterion_main!(benches);
