//! signflow's crypto backends beside OpenSSL, measured in one run.
//!
//! For each algorithm (RSA-2048 PKCS#1 v1.5 SHA-256, RSA-2048 PSS SHA-256, ECDSA P-256 SHA-256,
//! ECDSA P-384 SHA-384 with DER signatures, Ed25519), over the same fixed 1 KiB message and the
//! same key files (`testdata/pki/*.key.pem`):
//!
//! - `verify/<algorithm>/signflow-aws-lc-rs`, `.../signflow-rustcrypto`:
//!   `CryptoProvider::verify(alg, spki_der, msg, sig)`. That call takes the public key as
//!   SubjectPublicKeyInfo DER, so it parses the key every time.
//! - `verify/<algorithm>/openssl`: `openssl::sign::Verifier` (one-shot) with a `PKey<Public>`
//!   parsed once, as an OpenSSL program that keeps its keys would do.
//! - `verify/<algorithm>/openssl-parse-spki`: the same, parsing the SPKI DER with
//!   `PKey::public_key_from_der` inside the loop: what signflow's bytes-in API costs OpenSSL.
//! - `sign/<algorithm>/{signflow-aws-lc-rs,signflow-rustcrypto,openssl}`: one signature with a key
//!   loaded once (`load_private_key_pem`, `PKey::private_key_from_pem`).
//! - `digest/sha256-1MiB/...`: SHA-256 of 1 MiB through each.
//!
//! OpenSSL settings: RSA-PSS with `Padding::PKCS1_PSS` and `RsaPssSaltlen::DIGEST_LENGTH` (MGF1
//! follows the message digest), Ed25519 with `new_without_digest` and the one-shot calls, ECDSA
//! signatures in DER (OpenSSL's native form).
//!
//! Before anything is measured, every implementation's signature is checked to verify under
//! each of the others (and a tampered message to fail), so the figures compare the same
//! operation. The `verify/` benches all check the same signature bytes.
//!
//! The certificates layer (chain validation with CRLs, a 1,000,000-entry CRL, PKCS#12 import)
//! is measured in the same run: see `certs/mod.rs`; so is CMS detached verification beside
//! `CMS_verify` (1 KiB, 1 MiB, 100 MiB): see `cms_verify/mod.rs`.
//!
//! Run: `cargo bench --bench compare -- --warm-up-time 1 --measurement-time 3` in this folder,
//! then `python3 table.py` for the Markdown tables (see ../README.md).

// Shared with the main crate's `benches/pki.rs`: one generator of the 1M-entry CRL.
#[path = "../../support/crl_gen.rs"]
mod crl_gen;

mod certs;
mod cms_verify;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group};
use openssl::hash::MessageDigest;
use openssl::pkey::{Id, PKey, Private, Public};
use openssl::rsa::Padding;
use openssl::sign::{RsaPssSaltlen, Signer, Verifier};
use signflow::crypto::{
    CryptoProvider, HashAlgorithm, SignatureAlgorithm, SigningKey, aws_lc, rustcrypto,
};

/// How OpenSSL is told to do an algorithm.
#[derive(Clone, Copy)]
enum Ossl {
    Pkcs1Sha256,
    PssSha256,
    EcdsaSha256,
    EcdsaSha384,
    Ed25519,
}

struct Case {
    name: &'static str,
    alg: SignatureAlgorithm,
    ossl: Ossl,
    key_pem: &'static str,
}

const CASES: &[Case] = &[
    Case {
        name: "rsa2048-pkcs1-sha256",
        alg: SignatureAlgorithm::RSA_PKCS1_SHA256,
        ossl: Ossl::Pkcs1Sha256,
        key_pem: include_str!("../../../testdata/pki/leaf-rsa.key.pem"),
    },
    Case {
        name: "rsa2048-pss-sha256",
        alg: SignatureAlgorithm::RSA_PSS_SHA256,
        ossl: Ossl::PssSha256,
        key_pem: include_str!("../../../testdata/pki/leaf-rsa.key.pem"),
    },
    Case {
        name: "ecdsa-p256-sha256",
        alg: SignatureAlgorithm::ECDSA_SHA256,
        ossl: Ossl::EcdsaSha256,
        key_pem: include_str!("../../../testdata/pki/leaf-ecdsa-p256.key.pem"),
    },
    Case {
        name: "ecdsa-p384-sha384",
        alg: SignatureAlgorithm::ECDSA_SHA384,
        ossl: Ossl::EcdsaSha384,
        key_pem: include_str!("../../../testdata/pki/intermediate-ca.key.pem"),
    },
    Case {
        name: "ed25519",
        alg: SignatureAlgorithm::Ed25519,
        ossl: Ossl::Ed25519,
        key_pem: include_str!("../../../testdata/pki/leaf-ed25519.key.pem"),
    },
];

/// The same fixed 1 KiB message as `benches/verify.rs` in the main crate.
fn message() -> Vec<u8> {
    (0..1024u32)
        .map(|i| (i.wrapping_mul(31) ^ 0x5a) as u8)
        .collect()
}

const SIGNFLOW: [(&str, &CryptoProvider); 2] = [
    ("signflow-aws-lc-rs", &aws_lc::DEFAULT_PROVIDER),
    ("signflow-rustcrypto", &rustcrypto::DEFAULT_PROVIDER),
];

fn ossl_sign(ossl: Ossl, key: &PKey<Private>, msg: &[u8]) -> Vec<u8> {
    let mut signer = match ossl {
        Ossl::Pkcs1Sha256 | Ossl::PssSha256 | Ossl::EcdsaSha256 => {
            Signer::new(MessageDigest::sha256(), key)
        }
        Ossl::EcdsaSha384 => Signer::new(MessageDigest::sha384(), key),
        Ossl::Ed25519 => Signer::new_without_digest(key),
    }
    .expect("OpenSSL signer");
    if let Ossl::PssSha256 = ossl {
        signer.set_rsa_padding(Padding::PKCS1_PSS).expect("PSS");
        signer
            .set_rsa_pss_saltlen(RsaPssSaltlen::DIGEST_LENGTH)
            .expect("salt length");
    }
    signer.sign_oneshot_to_vec(msg).expect("OpenSSL signs")
}

fn ossl_verify(ossl: Ossl, key: &PKey<Public>, msg: &[u8], sig: &[u8]) -> bool {
    let mut verifier = match ossl {
        Ossl::Pkcs1Sha256 | Ossl::PssSha256 | Ossl::EcdsaSha256 => {
            Verifier::new(MessageDigest::sha256(), key)
        }
        Ossl::EcdsaSha384 => Verifier::new(MessageDigest::sha384(), key),
        Ossl::Ed25519 => Verifier::new_without_digest(key),
    }
    .expect("OpenSSL verifier");
    if let Ossl::PssSha256 = ossl {
        verifier.set_rsa_padding(Padding::PKCS1_PSS).expect("PSS");
        verifier
            .set_rsa_pss_saltlen(RsaPssSaltlen::DIGEST_LENGTH)
            .expect("salt length");
    }
    // A malformed signature (bad DER, say) is an error in OpenSSL, not `false`.
    verifier.verify_oneshot(sig, msg).unwrap_or(false)
}

/// Everything one case needs, loaded once, with the cross-implementation checks done.
struct Loaded {
    signflow_keys: Vec<(&'static str, &'static CryptoProvider, Box<dyn SigningKey>)>,
    ossl_key: PKey<Private>,
    ossl_pub: PKey<Public>,
    spki: Vec<u8>,
}

fn load(case: &Case, msg: &[u8]) -> Loaded {
    let signflow_keys: Vec<_> = SIGNFLOW
        .iter()
        .map(|&(name, p)| {
            let key = p
                .load_private_key_pem(case.key_pem)
                .unwrap_or_else(|e| panic!("{}: {name} cannot load the key: {e}", case.name));
            (name, p, key)
        })
        .collect();
    let spki = signflow_keys[0].2.public_key_der().to_vec();
    let ossl_key = PKey::private_key_from_pem(case.key_pem.as_bytes()).expect("OpenSSL key");
    let ossl_pub = PKey::public_key_from_der(&spki).expect("OpenSSL reads signflow's SPKI");
    assert_eq!(
        ossl_key.public_key_to_der().expect("SPKI"),
        spki,
        "{}: OpenSSL and signflow derive the same public key",
        case.name
    );
    let expected_id = match case.ossl {
        Ossl::Pkcs1Sha256 | Ossl::PssSha256 => Id::RSA,
        Ossl::EcdsaSha256 | Ossl::EcdsaSha384 => Id::EC,
        Ossl::Ed25519 => Id::ED25519,
    };
    assert_eq!(ossl_key.id(), expected_id, "{}: key type", case.name);

    // Like with like: each implementation's signature verifies under all three, and a tampered
    // message is refused by all three.
    let mut signatures: Vec<(&str, Vec<u8>)> = signflow_keys
        .iter()
        .map(|(name, _, key)| (*name, key.sign(&case.alg, msg).expect("signflow signs")))
        .collect();
    signatures.push(("openssl", ossl_sign(case.ossl, &ossl_key, msg)));
    let mut tampered = msg.to_vec();
    tampered[0] ^= 1;
    for (signer, sig) in &signatures {
        for (verifier, p, _) in &signflow_keys {
            p.verify(&case.alg, &spki, msg, sig).unwrap_or_else(|e| {
                panic!("{}: {signer} signature, {verifier} verify: {e}", case.name)
            });
            assert!(
                p.verify(&case.alg, &spki, &tampered, sig).is_err(),
                "{}: {verifier} accepts a tampered message",
                case.name
            );
        }
        assert!(
            ossl_verify(case.ossl, &ossl_pub, msg, sig),
            "{}: {signer} signature, OpenSSL verify",
            case.name
        );
        assert!(
            !ossl_verify(case.ossl, &ossl_pub, &tampered, sig),
            "{}: OpenSSL accepts a tampered message",
            case.name
        );
    }
    Loaded {
        signflow_keys,
        ossl_key,
        ossl_pub,
        spki,
    }
}

fn bench_verify(c: &mut Criterion) {
    let msg = message();
    for case in CASES {
        let l = load(case, &msg);
        // One signature, checked by everyone.
        let sig = l.signflow_keys[0].2.sign(&case.alg, &msg).expect("sign");
        let mut group = c.benchmark_group(format!("verify/{}", case.name));
        for (name, p, _) in &l.signflow_keys {
            group.bench_function(*name, |b| {
                b.iter(|| {
                    p.verify(
                        &case.alg,
                        black_box(&l.spki),
                        black_box(&msg),
                        black_box(&sig),
                    )
                    .expect("verifies")
                });
            });
        }
        group.bench_function("openssl", |b| {
            b.iter(|| {
                assert!(ossl_verify(
                    case.ossl,
                    black_box(&l.ossl_pub),
                    black_box(&msg),
                    black_box(&sig)
                ))
            });
        });
        group.bench_function("openssl-parse-spki", |b| {
            b.iter(|| {
                let key = PKey::public_key_from_der(black_box(&l.spki)).expect("SPKI");
                assert!(ossl_verify(
                    case.ossl,
                    &key,
                    black_box(&msg),
                    black_box(&sig)
                ))
            });
        });
        group.finish();
    }
}

fn bench_sign(c: &mut Criterion) {
    let msg = message();
    for case in CASES {
        let l = load(case, &msg);
        let mut group = c.benchmark_group(format!("sign/{}", case.name));
        for (name, _, key) in &l.signflow_keys {
            group.bench_function(*name, |b| {
                b.iter(|| key.sign(&case.alg, black_box(&msg)).expect("signs"));
            });
        }
        group.bench_function("openssl", |b| {
            b.iter(|| ossl_sign(case.ossl, &l.ossl_key, black_box(&msg)));
        });
        group.finish();
    }
}

fn bench_digest(c: &mut Criterion) {
    let data: Vec<u8> = (0..1usize << 20).map(|i| (i % 251) as u8).collect();
    let expected = openssl::hash::hash(MessageDigest::sha256(), &data).expect("SHA-256");
    let mut group = c.benchmark_group("digest/sha256-1MiB");
    group.throughput(Throughput::Bytes(data.len() as u64));
    for (name, p) in SIGNFLOW {
        let d = p.digest(HashAlgorithm::Sha256, &data).expect("SHA-256");
        assert_eq!(d.as_ref(), &expected[..], "{name} SHA-256");
        group.bench_function(name, |b| {
            b.iter(|| {
                p.digest(HashAlgorithm::Sha256, black_box(&data))
                    .expect("SHA-256")
            });
        });
    }
    group.bench_function("openssl", |b| {
        b.iter(|| openssl::hash::hash(MessageDigest::sha256(), black_box(&data)).expect("SHA-256"));
    });
    group.finish();
}

criterion_group!(
    benches,
    bench_verify,
    bench_sign,
    bench_digest,
    certs::all,
    cms_verify::bench
);

fn main() {
    // Recorded in the output so that a table can name what was measured.
    eprintln!(
        "compare: OpenSSL {} (OPENSSL_VERSION_NUMBER {:#x})",
        openssl::version::version(),
        openssl::version::number()
    );
    benches();
    Criterion::default().configure_from_args().final_summary();
}
