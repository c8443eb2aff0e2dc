//! The certificates layer: signflow's `pki` (both backends) beside OpenSSL's `X509_verify_cert`,
//! CRL parsing and lookup, and PKCS#12 import. Same groups as `benches/pki.rs` in the main
//! crate; function ids `signflow-aws-lc-rs`, `signflow-rustcrypto`, `signflow` (no crypto
//! backend involved: parsing and CRL lookups), `openssl`, and a few `openssl-*` variants.
//!
//! - `parse/certificate`: `Certificate::from_der` / `X509::from_der` of `leaf-rsa.der`;
//!   `parse/crl`: `Crl::from_der` / `X509Crl::from_der` of `intermediate-ca.crl.der`.
//! - `chain-cold/<leaf>` (`leaf-rsa`, `leaf-ecdsa-p256`), inputs parsed beforehand: signflow
//!   builds a `TrustStore` and a `Validator` per iteration (the parsed certificates and CRLs are
//!   cloned outside the timed part); OpenSSL builds an `X509_STORE` per iteration (root added,
//!   both CRLs added with `X509_STORE_add_crl`, verify parameters set: time 2027-01-01,
//!   `CRL_CHECK | CRL_CHECK_ALL`), an untrusted stack with the intermediate, and runs
//!   `X509_STORE_CTX_init` + `X509_verify_cert`.
//! - `chain-cold-incl-parsing/<leaf>`: the same, parsing the root and intermediate PEM, the root
//!   CRL PEM and the intermediate CRL DER in every iteration.
//! - `chain-reused/<leaf>`: one `Validator` / one `X509_STORE`, built once.
//! - `chain-cached/<leaf>`: signflow only: the reused `Validator` behind a `ChainCache` that
//!   already holds this validation (a hit: the cache key — fingerprints of the leaf, anchors,
//!   intermediates, CRLs and the options — and a copy of the stored report). OpenSSL has no
//!   such cache: the hot-path table compares it with `chain-cold/<leaf>/openssl`.
//! - `crl-1m/parse`, `crl-1m/lookup-hit`, `crl-1m/lookup-miss`, `crl-1m/chain-reused/leaf-rsa`:
//!   the 1,000,000-entry CRL of `benches/support/crl_gen.rs` (the same cached file as the main
//!   crate's bench). OpenSSL's `d2i_X509_CRL` does not sort the entries; its first lookup sorts
//!   them (`sk_X509_REVOKED_sort`, under a write lock), so `openssl` lookups are measured after
//!   one warm lookup, and `crl-1m/parse/openssl-incl-sort` is the parse plus that first lookup,
//!   the cost comparable to signflow's parse (which builds its hash index while parsing).
//!   Parse results are dropped outside the timed part on both sides.
//! - `pkcs12/leaf-rsa`: `Pkcs12::from_der(der, password)` (`signflow`), the same plus
//!   `identity(provider)` (per backend), and OpenSSL's `Pkcs12::from_der(der)?.parse2(password)`
//!   (which also decodes the private key into an `EVP_PKEY`, like `identity`).
//!
//! Before measuring: each leaf is `Valid` for signflow (each backend) and verifies in OpenSSL,
//! `leaf-revoked` is refused by both ("certificate revoked" in OpenSSL), OpenSSL verifies the
//! 1M CRL's signature with the intermediate's key and finds exactly the serials signflow finds.

use std::ffi::c_int;
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{BatchSize, Criterion, SamplingMode};
use foreign_types::ForeignTypeRef;
use openssl::bn::BigNum;
use openssl::error::ErrorStack;
use openssl::stack::{Stack, StackRef};
use openssl::x509::store::{X509Store, X509StoreBuilder, X509StoreBuilderRef, X509StoreRef};
use openssl::x509::verify::{X509VerifyFlags, X509VerifyParam, X509VerifyParamRef};
use openssl::x509::{CrlStatus, X509, X509Crl, X509CrlRef, X509Ref, X509StoreContext};
use signflow::crypto::{CryptoProvider, aws_lc, rustcrypto};
use signflow::pki::pkcs12::Pkcs12;
use signflow::pki::{
    Certificate, ChainCache, Crl, RevocationReason, Status, TrustStore, UnixTime,
    ValidationOptions, Validator,
};

use crate::crl_gen;

const ROOT_PEM: &[u8] = include_bytes!("../../../../testdata/pki/root-ca.pem");
const INTERMEDIATE_PEM: &[u8] = include_bytes!("../../../../testdata/pki/intermediate-ca.pem");
const ROOT_CRL_PEM: &[u8] = include_bytes!("../../../../testdata/pki/root-ca.crl.pem");
const INTERMEDIATE_CRL_DER: &[u8] =
    include_bytes!("../../../../testdata/pki/intermediate-ca.crl.der");
const LEAF_RSA_DER: &[u8] = include_bytes!("../../../../testdata/pki/leaf-rsa.der");
const LEAF_RSA_P12: &[u8] = include_bytes!("../../../../testdata/pki/leaf-rsa.p12");
const LEAF_REVOKED_PEM: &[u8] = include_bytes!("../../../../testdata/pki/leaf-revoked.pem");
const P12_PASSWORD: &str = "signflow-test";
const LEAVES: &[(&str, &[u8])] = &[
    (
        "leaf-rsa",
        include_bytes!("../../../../testdata/pki/leaf-rsa.pem"),
    ),
    (
        "leaf-ecdsa-p256",
        include_bytes!("../../../../testdata/pki/leaf-ecdsa-p256.pem"),
    ),
];
pub(crate) const AT: &str = "2027-01-01T00:00:00Z";

pub(crate) const SIGNFLOW: [(&str, &CryptoProvider); 2] = [
    ("signflow-aws-lc-rs", &aws_lc::DEFAULT_PROVIDER),
    ("signflow-rustcrypto", &rustcrypto::DEFAULT_PROVIDER),
];

unsafe extern "C" {
    // In libcrypto since 0.9.x, but not wrapped by the `openssl` crate 0.10 (its
    // `X509StoreBuilderRef` has `add_cert` and `add_lookup`, no `add_crl`). The store takes its
    // own reference to the CRL (X509_OBJECT_up_ref_count); returns 1 on success.
    fn X509_STORE_add_crl(
        store: *mut openssl_sys::X509_STORE,
        crl: *mut openssl_sys::X509_CRL,
    ) -> c_int;
}

fn add_crl(store: &mut X509StoreBuilderRef, crl: &X509CrlRef) -> Result<(), ErrorStack> {
    // SAFETY: both pointers are valid for the call; the store up-refs the CRL it keeps.
    match unsafe { X509_STORE_add_crl(store.as_ptr(), crl.as_ptr()) } {
        1 => Ok(()),
        _ => Err(ErrorStack::get()),
    }
}

// --- signflow ------------------------------------------------------------------------------

fn one_cert(pem_or_der: &[u8]) -> Certificate {
    Certificate::all_from_pem_or_der(pem_or_der)
        .expect("certificate")
        .remove(0)
}

fn options() -> ValidationOptions {
    ValidationOptions::at(UnixTime::parse_rfc3339(AT).expect("time"))
}

struct Inputs {
    root: Certificate,
    intermediate: Certificate,
    crls: Vec<Crl>,
}

impl Inputs {
    fn parse() -> Self {
        let mut crls = Crl::all_from_pem_or_der(ROOT_CRL_PEM).expect("root CRL");
        crls.push(Crl::from_der(INTERMEDIATE_CRL_DER).expect("intermediate CRL"));
        Self {
            root: one_cert(ROOT_PEM),
            intermediate: one_cert(INTERMEDIATE_PEM),
            crls,
        }
    }
    fn trust(&self) -> TrustStore {
        let mut trust = TrustStore::new();
        trust.add(self.root.clone());
        trust
    }
}

fn validate_incl_parsing(
    provider: &CryptoProvider,
    leaf: &Certificate,
    opts: &ValidationOptions,
) -> Status {
    let mut trust = TrustStore::new();
    trust.add_pem_or_der(ROOT_PEM).expect("root");
    let intermediates = Certificate::all_from_pem_or_der(INTERMEDIATE_PEM).expect("intermediate");
    let mut crls = Crl::all_from_pem_or_der(ROOT_CRL_PEM).expect("root CRL");
    crls.push(Crl::from_der(INTERMEDIATE_CRL_DER).expect("intermediate CRL"));
    Validator::new(provider, &trust, intermediates, crls)
        .validate(leaf, opts)
        .status
}

// --- OpenSSL -------------------------------------------------------------------------------

/// Verification time 2027-01-01 and CRL checks for the whole chain.
pub(crate) fn ossl_param() -> X509VerifyParam {
    let at = UnixTime::parse_rfc3339(AT).expect("time").0;
    let mut param = X509VerifyParam::new().expect("param");
    param.set_time(at as _);
    param
        .set_flags(X509VerifyFlags::CRL_CHECK | X509VerifyFlags::CRL_CHECK_ALL)
        .expect("flags");
    param
}

pub(crate) fn ossl_store(
    root: &X509,
    crls: &[&X509CrlRef],
    param: &X509VerifyParamRef,
) -> X509Store {
    let mut builder = X509StoreBuilder::new().expect("store");
    builder.add_cert(root.clone()).expect("root");
    for crl in crls {
        add_crl(&mut builder, crl).expect("CRL");
    }
    builder.set_param(param).expect("param");
    builder.build()
}

/// `X509_STORE_CTX_init` + `X509_verify_cert`; `Err` carries OpenSSL's verify error text.
fn ossl_verify(
    store: &X509StoreRef,
    leaf: &X509Ref,
    untrusted: &StackRef<X509>,
) -> Result<(), String> {
    let mut ctx = X509StoreContext::new().expect("context");
    ctx.init(store, leaf, untrusted, |c| {
        Ok(if c.verify_cert()? {
            Ok(())
        } else {
            Err(c.error().error_string().to_owned())
        })
    })
    .expect("X509_verify_cert runs")
}

struct OsslInputs {
    root: X509,
    intermediate: X509,
    crls: Vec<X509Crl>,
}

impl OsslInputs {
    fn parse() -> Self {
        Self {
            root: X509::from_pem(ROOT_PEM).expect("root"),
            intermediate: X509::from_pem(INTERMEDIATE_PEM).expect("intermediate"),
            crls: vec![
                X509Crl::from_pem(ROOT_CRL_PEM).expect("root CRL"),
                X509Crl::from_der(INTERMEDIATE_CRL_DER).expect("intermediate CRL"),
            ],
        }
    }
    fn untrusted(&self) -> Stack<X509> {
        let mut s = Stack::new().expect("stack");
        s.push(self.intermediate.clone()).expect("push");
        s
    }
    fn crl_refs(&self) -> Vec<&X509CrlRef> {
        self.crls.iter().map(|c| &**c).collect()
    }
    /// Cold: a fresh store and untrusted stack, then one verification.
    fn verify_cold(&self, leaf: &X509Ref, param: &X509VerifyParamRef) -> Result<(), String> {
        let store = ossl_store(&self.root, &self.crl_refs(), param);
        ossl_verify(&store, leaf, &self.untrusted())
    }
}

fn ossl_verify_incl_parsing(leaf: &X509Ref, param: &X509VerifyParamRef) -> Result<(), String> {
    OsslInputs::parse().verify_cold(leaf, param)
}

fn rss_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

// --- benches -------------------------------------------------------------------------------

fn bench_parse(c: &mut Criterion) {
    X509::from_der(LEAF_RSA_DER).expect("OpenSSL parses leaf-rsa.der");
    let mut group = c.benchmark_group("parse/certificate");
    group.bench_function("signflow", |b| {
        b.iter(|| Certificate::from_der(black_box(LEAF_RSA_DER)).expect("certificate"))
    });
    group.bench_function("openssl", |b| {
        b.iter(|| X509::from_der(black_box(LEAF_RSA_DER)).expect("certificate"))
    });
    group.finish();
    let mut group = c.benchmark_group("parse/crl");
    group.bench_function("signflow", |b| {
        b.iter(|| Crl::from_der(black_box(INTERMEDIATE_CRL_DER)).expect("CRL"))
    });
    group.bench_function("openssl", |b| {
        b.iter(|| X509Crl::from_der(black_box(INTERMEDIATE_CRL_DER)).expect("CRL"))
    });
    group.finish();
}

fn bench_chain(c: &mut Criterion) {
    let inputs = Inputs::parse();
    let ossl = OsslInputs::parse();
    let opts = options();
    let param = ossl_param();

    // The expected verdicts on both sides before anything is timed.
    {
        let trust = inputs.trust();
        for (name, p) in SIGNFLOW {
            let v = Validator::new(
                p,
                &trust,
                vec![inputs.intermediate.clone()],
                inputs.crls.clone(),
            );
            for (leaf, pem) in LEAVES {
                let report = v.validate(&one_cert(pem), &opts);
                assert_eq!(report.status, Status::Valid, "{leaf} via {name}: {report}");
                assert_eq!(
                    validate_incl_parsing(p, &one_cert(pem), &opts),
                    Status::Valid
                );
            }
            let report = v.validate(&one_cert(LEAF_REVOKED_PEM), &opts);
            assert_eq!(report.status, Status::Invalid, "leaf-revoked: {report}");
        }
        for (leaf, pem) in LEAVES {
            let x = X509::from_pem(pem).expect("leaf");
            assert_eq!(ossl.verify_cold(&x, &param), Ok(()), "OpenSSL, {leaf}");
            assert_eq!(
                ossl_verify_incl_parsing(&x, &param),
                Ok(()),
                "OpenSSL, {leaf}"
            );
        }
        let revoked = X509::from_pem(LEAF_REVOKED_PEM).expect("leaf-revoked");
        assert_eq!(
            ossl.verify_cold(&revoked, &param),
            Err("certificate revoked".to_owned()),
            "OpenSSL consults the CRLs"
        );
    }

    for (name, pem) in LEAVES {
        let leaf = one_cert(pem);
        let ossl_leaf = X509::from_pem(pem).expect("leaf");

        let mut group = c.benchmark_group(format!("chain-cold/{name}"));
        for (id, p) in SIGNFLOW {
            group.bench_function(id, |b| {
                b.iter_batched(
                    || {
                        (
                            inputs.root.clone(),
                            inputs.intermediate.clone(),
                            inputs.crls.clone(),
                        )
                    },
                    |(root, intermediate, crls)| {
                        let mut trust = TrustStore::new();
                        trust.add(root);
                        Validator::new(p, &trust, vec![intermediate], crls)
                            .validate(black_box(&leaf), &opts)
                            .status
                    },
                    BatchSize::SmallInput,
                )
            });
        }
        group.bench_function("openssl", |b| {
            b.iter(|| {
                ossl.verify_cold(black_box(&ossl_leaf), &param)
                    .expect("verifies")
            })
        });
        group.finish();

        let mut group = c.benchmark_group(format!("chain-cold-incl-parsing/{name}"));
        for (id, p) in SIGNFLOW {
            group.bench_function(id, |b| {
                b.iter(|| validate_incl_parsing(p, black_box(&leaf), &opts))
            });
        }
        group.bench_function("openssl", |b| {
            b.iter(|| ossl_verify_incl_parsing(black_box(&ossl_leaf), &param).expect("verifies"))
        });
        group.finish();

        let mut group = c.benchmark_group(format!("chain-reused/{name}"));
        let trust = inputs.trust();
        for (id, p) in SIGNFLOW {
            let v = Validator::new(
                p,
                &trust,
                vec![inputs.intermediate.clone()],
                inputs.crls.clone(),
            );
            group.bench_function(id, |b| {
                b.iter(|| v.validate(black_box(&leaf), &opts).status)
            });
        }
        let store = ossl_store(&ossl.root, &ossl.crl_refs(), &param);
        let untrusted = ossl.untrusted();
        group.bench_function("openssl", |b| {
            b.iter(|| ossl_verify(&store, black_box(&ossl_leaf), &untrusted).expect("verifies"))
        });
        group.finish();

        let mut group = c.benchmark_group(format!("chain-cached/{name}"));
        for (id, p) in SIGNFLOW {
            let v = Validator::new(
                p,
                &trust,
                vec![inputs.intermediate.clone()],
                inputs.crls.clone(),
            );
            let cache = ChainCache::new(1024);
            assert_eq!(cache.validate(&v, &leaf, &opts).status, Status::Valid);
            assert_eq!(cache.validate(&v, &leaf, &opts).status, Status::Valid);
            assert_eq!(cache.stats().hits, 1, "the second validation is a hit");
            group.bench_function(id, |b| {
                b.iter(|| cache.validate(&v, black_box(&leaf), &opts).status)
            });
        }
        group.finish();
    }
}

fn bench_crl_1m(c: &mut Criterion) {
    // The main crate's target/: the same cached file as `cargo bench --bench pki` there.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let der = crl_gen::load_or_generate(&crl_gen::cache_path(&root), SIGNFLOW[0].1);
    let intermediate = one_cert(INTERMEDIATE_PEM);
    let issuer = intermediate.subject();
    let (present, absent) = (crl_gen::present_serial(), crl_gen::absent_serial());

    // signflow: parse once, check.
    let rss0 = rss_bytes();
    let crl = Crl::from_der(&der).expect("the 1M CRL parses");
    let rss1 = rss_bytes();
    assert_eq!(crl.len(), crl_gen::ENTRIES as usize);
    let hit = crl.lookup(issuer, &present).expect("present serial");
    assert_eq!(hit.reason, RevocationReason::Superseded);
    assert!(crl.lookup(issuer, &absent).is_none());

    // OpenSSL: parse once, check the signature with the intermediate's key, the same lookups.
    let ossl_intermediate = X509::from_pem(INTERMEDIATE_PEM).expect("intermediate");
    let ossl_crl = X509Crl::from_der(&der).expect("OpenSSL parses the 1M CRL");
    let rss2 = rss_bytes();
    let key = ossl_intermediate.public_key().expect("intermediate key");
    assert!(
        ossl_crl.verify(&key).expect("X509_CRL_verify runs"),
        "OpenSSL verifies the generated CRL's signature with the intermediate's key"
    );
    assert_eq!(
        ossl_crl.get_revoked().map(|s| s.len()),
        Some(crl_gen::ENTRIES as usize)
    );
    let serial_int = |s: &[u8]| {
        BigNum::from_slice(s)
            .and_then(|n| n.to_asn1_integer())
            .expect("serial")
    };
    let (present_int, absent_int) = (serial_int(&present), serial_int(&absent));
    let sort_started = std::time::Instant::now();
    match ossl_crl.get_by_serial(&present_int) {
        CrlStatus::Revoked(r) => assert_eq!(
            r.serial_number().to_bn().expect("bn").to_vec(),
            present,
            "OpenSSL finds the same entry"
        ),
        _ => panic!("OpenSSL does not find the present serial"),
    }
    let first_lookup = sort_started.elapsed();
    assert!(matches!(
        ossl_crl.get_by_serial(&absent_int),
        CrlStatus::NotRevoked
    ));
    if let (Some(r0), Some(r1), Some(r2)) = (rss0, rss1, rss2) {
        eprintln!(
            "crl-1m: {} bytes DER; resident memory of the parsed CRL: signflow {:.0} MiB, \
             OpenSSL {:.0} MiB; OpenSSL's first lookup (sorts the entries) took {first_lookup:.2?}",
            der.len(),
            (r1.saturating_sub(r0)) as f64 / 1048576.0,
            (r2.saturating_sub(r1)) as f64 / 1048576.0,
        );
    }

    let mut group = c.benchmark_group("crl-1m/parse");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    group.bench_function("signflow", |b| {
        b.iter_with_large_drop(|| Crl::from_der(black_box(&der)).expect("CRL"))
    });
    group.bench_function("openssl", |b| {
        b.iter_with_large_drop(|| X509Crl::from_der(black_box(&der)).expect("CRL"))
    });
    group.bench_function("openssl-incl-sort", |b| {
        b.iter_with_large_drop(|| {
            let crl = X509Crl::from_der(black_box(&der)).expect("CRL");
            assert!(matches!(
                crl.get_by_serial(&absent_int),
                CrlStatus::NotRevoked
            ));
            crl
        })
    });
    group.finish();

    for (id, serial, serial_int) in [
        ("lookup-hit", &present, &present_int),
        ("lookup-miss", &absent, &absent_int),
    ] {
        let mut group = c.benchmark_group(format!("crl-1m/{id}"));
        group.bench_function("signflow", |b| {
            b.iter(|| crl.lookup(black_box(issuer), black_box(serial)).is_some())
        });
        // Warm: the entries were sorted by the lookups above.
        group.bench_function("openssl", |b| {
            b.iter(|| {
                matches!(
                    ossl_crl.get_by_serial(black_box(serial_int)),
                    CrlStatus::Revoked(_)
                )
            })
        });
        group.finish();
    }

    // Chain validation with the big CRL as the intermediate's CRL, validator / store reused.
    let inputs = Inputs::parse();
    let trust = inputs.trust();
    let crls = vec![inputs.crls[0].clone(), crl];
    let leaf = one_cert(LEAVES[0].1);
    let opts = options();
    let ossl = OsslInputs::parse();
    let ossl_leaf = X509::from_pem(LEAVES[0].1).expect("leaf");
    let param = ossl_param();
    let store = ossl_store(&ossl.root, &[&ossl.crls[0], &ossl_crl], &param);
    let untrusted = ossl.untrusted();
    assert_eq!(ossl_verify(&store, &ossl_leaf, &untrusted), Ok(()));
    let mut group = c.benchmark_group("crl-1m/chain-reused/leaf-rsa");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    for (id, p) in SIGNFLOW {
        let v = Validator::new(p, &trust, vec![inputs.intermediate.clone()], crls.clone());
        let report = v.validate(&leaf, &opts);
        assert_eq!(report.status, Status::Valid, "{id}: {report}");
        group.bench_function(id, |b| {
            b.iter(|| v.validate(black_box(&leaf), &opts).status)
        });
    }
    group.bench_function("openssl", |b| {
        b.iter(|| ossl_verify(&store, black_box(&ossl_leaf), &untrusted).expect("verifies"))
    });
    group.finish();
}

fn bench_pkcs12(c: &mut Criterion) {
    let p12 = Pkcs12::from_der(LEAF_RSA_P12, P12_PASSWORD).expect("leaf-rsa.p12 imports");
    assert_eq!(p12.certificates().len(), 3);
    let parsed = openssl::pkcs12::Pkcs12::from_der(LEAF_RSA_P12)
        .and_then(|p| p.parse2(P12_PASSWORD))
        .expect("OpenSSL imports leaf-rsa.p12");
    let (key, cert) = (parsed.pkey.expect("key"), parsed.cert.expect("certificate"));
    assert_eq!(parsed.ca.map(|s| s.len()), Some(2));
    for (name, p) in SIGNFLOW {
        let id = p12.identity(p).expect("identity");
        assert_eq!(id.chain.len(), 2, "{name}");
        assert_eq!(
            id.certificate.der(),
            cert.to_der().expect("DER"),
            "{name}: same certificate"
        );
        assert_eq!(
            id.key.public_key_der(),
            key.public_key_to_der().expect("SPKI"),
            "{name}: same key"
        );
    }

    let mut group = c.benchmark_group("pkcs12/leaf-rsa");
    group.bench_function("signflow", |b| {
        b.iter(|| Pkcs12::from_der(black_box(LEAF_RSA_P12), P12_PASSWORD).expect("imports"))
    });
    for (id, p) in SIGNFLOW {
        group.bench_function(id, |b| {
            b.iter(|| {
                Pkcs12::from_der(black_box(LEAF_RSA_P12), P12_PASSWORD)
                    .expect("imports")
                    .identity(p)
                    .expect("identity")
            })
        });
    }
    group.bench_function("openssl", |b| {
        b.iter(|| {
            openssl::pkcs12::Pkcs12::from_der(black_box(LEAF_RSA_P12))
                .and_then(|p| p.parse2(P12_PASSWORD))
                .expect("imports")
        })
    });
    group.finish();
}

/// Every certificates-layer bench, in order.
pub fn all(c: &mut Criterion) {
    bench_parse(c);
    bench_chain(c);
    bench_crl_1m(c);
    bench_pkcs12(c);
}
