//! Signature verification, signing and hashing through [`signflow::crypto::CryptoProvider`],
//! once per crypto backend compiled into this build.
//!
//! What it measures (criterion groups, one bench function per backend, named after
//! `CryptoProvider::name`: `aws-lc-rs`, `rustcrypto`):
//!
//! - `verify/<algorithm>`: `provider.verify(alg, spki_der, message, signature)` on a fixed
//!   1 KiB message. Each call includes what the public API does per call: parsing the
//!   SubjectPublicKeyInfo, checking the algorithm against the key, hashing the message, and
//!   the backend's own key decoding.
//! - `sign/<algorithm>`: `key.sign(alg, message)` with a key loaded once from the PKCS#8 PEM
//!   files in `testdata/pki/` (key loading is not measured).
//! - `digest/sha256-1MiB`: `provider.digest(Sha256, data)` over 1 MiB.
//!
//! Algorithms: RSA-2048 PKCS#1 v1.5 SHA-256, RSA-2048 PSS SHA-256, ECDSA P-256 SHA-256,
//! ECDSA P-384 SHA-384 (DER signatures) and Ed25519.
//!
//! Before measuring, every backend's signature is checked to verify under every other backend,
//! and the signature each `verify/` bench checks is the same bytes for all backends.
//!
//! Run (from the crate root):
//!
//! ```text
//! cargo bench --bench verify --features rustcrypto          # both backends
//! cargo bench --bench verify                                # aws-lc-rs only (default)
//! cargo bench --bench verify --no-default-features --features rustcrypto
//! cargo bench --bench verify --features rustcrypto -- verify/ed25519   # a filter
//! ```
//!
//! The comparison with OpenSSL lives in `benches/openssl-baseline/` (a separate package, so that
//! the library never depends on `openssl`); see `benches/README.md`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use signflow::crypto::{CryptoProvider, HashAlgorithm, SignatureAlgorithm, SigningKey};

/// One benchmarked algorithm: its name in the bench ids, the scheme and the key to use.
struct Case {
    name: &'static str,
    alg: SignatureAlgorithm,
    key_pem: &'static str,
}

const CASES: &[Case] = &[
    Case {
        name: "rsa2048-pkcs1-sha256",
        alg: SignatureAlgorithm::RSA_PKCS1_SHA256,
        key_pem: include_str!("../testdata/pki/leaf-rsa.key.pem"),
    },
    Case {
        name: "rsa2048-pss-sha256",
        alg: SignatureAlgorithm::RSA_PSS_SHA256,
        key_pem: include_str!("../testdata/pki/leaf-rsa.key.pem"),
    },
    Case {
        name: "ecdsa-p256-sha256",
        alg: SignatureAlgorithm::ECDSA_SHA256,
        key_pem: include_str!("../testdata/pki/leaf-ecdsa-p256.key.pem"),
    },
    Case {
        name: "ecdsa-p384-sha384",
        alg: SignatureAlgorithm::ECDSA_SHA384,
        key_pem: include_str!("../testdata/pki/intermediate-ca.key.pem"),
    },
    Case {
        name: "ed25519",
        alg: SignatureAlgorithm::Ed25519,
        key_pem: include_str!("../testdata/pki/leaf-ed25519.key.pem"),
    },
];

/// A fixed 1 KiB message (the same bytes on every run).
fn message() -> Vec<u8> {
    (0..1024u32)
        .map(|i| (i.wrapping_mul(31) ^ 0x5a) as u8)
        .collect()
}

/// The compiled backends, each with the case's key loaded through it.
fn keys(case: &Case) -> Vec<(&'static CryptoProvider, Box<dyn SigningKey>)> {
    CryptoProvider::all_compiled()
        .into_iter()
        .map(|p| {
            let key = p
                .load_private_key_pem(case.key_pem)
                .unwrap_or_else(|e| panic!("{}: {} cannot load the key: {e}", case.name, p.name));
            (p, key)
        })
        .collect()
}

fn bench_verify(c: &mut Criterion) {
    let msg = message();
    for case in CASES {
        let keys = keys(case);
        let spki = keys[0].1.public_key_der().to_vec();
        // Like with like: every backend's signature verifies under every backend.
        for (signer, key) in &keys {
            assert_eq!(key.public_key_der(), spki, "{}: same SPKI", case.name);
            let sig = key.sign(&case.alg, &msg).expect("sign");
            for (verifier, _) in &keys {
                verifier
                    .verify(&case.alg, &spki, &msg, &sig)
                    .unwrap_or_else(|e| {
                        panic!(
                            "{}: {} signature, {} verify: {e}",
                            case.name, signer.name, verifier.name
                        )
                    });
            }
        }
        let sig = keys[0].1.sign(&case.alg, &msg).expect("sign");
        let mut group = c.benchmark_group(format!("verify/{}", case.name));
        for (provider, _) in &keys {
            group.bench_function(provider.name, |b| {
                b.iter(|| {
                    provider
                        .verify(
                            &case.alg,
                            black_box(&spki),
                            black_box(&msg),
                            black_box(&sig),
                        )
                        .expect("verifies")
                });
            });
        }
        group.finish();
    }
}

fn bench_sign(c: &mut Criterion) {
    let msg = message();
    for case in CASES {
        let keys = keys(case);
        let mut group = c.benchmark_group(format!("sign/{}", case.name));
        for (provider, key) in &keys {
            group.bench_function(provider.name, |b| {
                b.iter(|| key.sign(&case.alg, black_box(&msg)).expect("signs"));
            });
        }
        group.finish();
    }
}

fn bench_digest(c: &mut Criterion) {
    let data: Vec<u8> = (0..1usize << 20).map(|i| (i % 251) as u8).collect();
    let mut group = c.benchmark_group("digest/sha256-1MiB");
    group.throughput(Throughput::Bytes(data.len() as u64));
    for provider in CryptoProvider::all_compiled() {
        group.bench_function(provider.name, |b| {
            b.iter(|| {
                provider
                    .digest(HashAlgorithm::Sha256, black_box(&data))
                    .expect("SHA-256")
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench_verify, bench_sign, bench_digest);
criterion_main!(benches);
