//! CMS detached verification (`signflow::cms::Verifier`) of content of 1 KiB, 1 MiB and
//! 100 MiB, once per crypto backend compiled into this build.
//!
//! Groups `cms-verify/<size>` (`1KiB`, `1MiB`, `100MiB`), function ids: the backend's
//! `CryptoProvider::name` (`aws-lc-rs`, `rustcrypto`).
//!
//! The signature is made once in setup with `testdata/pki/leaf-rsa` (RSA-2048 PKCS#1 v1.5,
//! SHA-256), detached CAdES-BES, leaf and intermediate embedded. Each iteration parses the
//! SignedData DER, streams the content from memory through SHA-256 and verifies it fully: the
//! signature over the signed attributes, and the signer's path to `root-ca` with both CRLs at
//! 2027-01-01T00:00:00Z (`VerifyOptions::at`, revocation required). Before measuring, each
//! backend accepts it and rejects the content with one byte flipped.
//!
//! The same groups beside OpenSSL's `CMS_verify`: `benches/openssl-baseline/` (see
//! `benches/README.md`).
//!
//! Group `cades-verify/revoked-later`: the same signer (testdata/cades `revoked-later`, ECDSA
//! P-256 under the test intermediate and root) as OpenSSL's CAdES-BES (`bes-<backend>`:
//! anchor, intermediate and both CRLs given, validated at the proven signing time) and as
//! the CAdES-X Long Type 1 `signflow cades extend --to xl1` made of it
//! (`testdata/cades/revoked-later.xl1.p7s`; `xl1-offline-<backend>`: nothing but the anchor
//! given, two years later: the signature time-stamp, the CAdES-C time-stamp, both TSA paths
//! and the references checked, the embedded CRLs used); `bes-from-bytes-<backend>`: the BES
//! with its intermediate and both CRLs parsed from DER every time, as the X-L1 parses its
//! values (their signatures checked afresh); `bes-cached-<backend>` and
//! `xl1-offline-cached-<backend>`: the same through a `ChainCache` each.
//!
//! Run (from the crate root):
//!
//! ```text
//! cargo bench --bench cms --features rustcrypto -- --warm-up-time 1 --measurement-time 3
//! ```

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use signflow::cms::{
    CmsFinding, Content, SignOptions, SignedData, Signer, Verifier, VerifyOptions,
};
use signflow::crypto::CryptoProvider;
use signflow::pki::{Certificate, ChainCache, Crl, Status, TrustStore, UnixTime};

const LEAF_RSA_PEM: &[u8] = include_bytes!("../testdata/pki/leaf-rsa.pem");
const LEAF_RSA_KEY_PEM: &str = include_str!("../testdata/pki/leaf-rsa.key.pem");
const INTERMEDIATE_PEM: &[u8] = include_bytes!("../testdata/pki/intermediate-ca.pem");
const ROOT_PEM: &[u8] = include_bytes!("../testdata/pki/root-ca.pem");
const ROOT_CRL_PEM: &[u8] = include_bytes!("../testdata/pki/root-ca.crl.pem");
const INTERMEDIATE_CRL_DER: &[u8] = include_bytes!("../testdata/pki/intermediate-ca.crl.der");

const MIB: usize = 1024 * 1024;
const SIZES: [(&str, usize); 3] = [("1KiB", 1024), ("1MiB", MIB), ("100MiB", 100 * MIB)];

/// The fixed content pattern (the same as the OpenSSL comparison's): xorshift64 bytes.
fn content(len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 8);
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}

fn one_cert(pem: &[u8]) -> Certificate {
    Certificate::all_from_pem_or_der(pem)
        .expect("certificate")
        .remove(0)
}

fn sign_detached(provider: &CryptoProvider, mut content: &[u8]) -> Vec<u8> {
    let cert = one_cert(LEAF_RSA_PEM);
    let chain = [one_cert(INTERMEDIATE_PEM)];
    let key = provider
        .load_private_key_pem(LEAF_RSA_KEY_PEM)
        .expect("key");
    let options = SignOptions::at(UnixTime::from_utc(2026, 12, 15, 12, 0, 0));
    Signer::new(provider, &cert, &chain, options)
        .sign(key.as_ref(), Content::Detached(&mut content))
        .expect("signflow signs")
        .into_der()
}

fn verify(
    v: &Verifier<'_>,
    der: &[u8],
    mut content: &[u8],
    opts: &VerifyOptions,
) -> (Status, bool) {
    let sd = SignedData::from_ber(der).expect("SignedData parses");
    let report = v
        .verify(&sd, Some(&mut content), opts)
        .expect("verification runs");
    let mismatch = report.has(|f| matches!(f, CmsFinding::DigestMismatch { .. }));
    (report.status, mismatch)
}

fn bench_cms_verify(c: &mut Criterion) {
    let providers = CryptoProvider::all_compiled();
    let mut trust = TrustStore::new();
    trust.add(one_cert(ROOT_PEM));
    let mut crls = Crl::all_from_pem_or_der(ROOT_CRL_PEM).expect("root CRL");
    crls.push(Crl::from_der(INTERMEDIATE_CRL_DER).expect("intermediate CRL"));
    let verifiers: Vec<_> = providers
        .iter()
        .map(|p| (p.name, Verifier::new(p, &trust, Vec::new(), crls.clone())))
        .collect();
    let opts = VerifyOptions::at(UnixTime::from_utc(2027, 1, 1, 0, 0, 0));

    let all = content(SIZES.iter().map(|s| s.1).max().unwrap_or(0));
    for (name, len) in SIZES {
        let data = &all[..len];
        let der = sign_detached(providers[0], data);
        let mut tampered = data.to_vec();
        tampered[len / 2] ^= 0x01;
        for (id, v) in &verifiers {
            assert_eq!(
                verify(v, &der, data, &opts),
                (Status::Valid, false),
                "{id} accepts ({name})"
            );
            assert_eq!(
                verify(v, &der, &tampered, &opts),
                (Status::Invalid, true),
                "{id} rejects the tampered content ({name})"
            );
        }
        drop(tampered);

        let mut group = c.benchmark_group(format!("cms-verify/{name}"));
        group.throughput(Throughput::Bytes(len as u64));
        if len >= 100 * MIB {
            group
                .sample_size(10)
                .sampling_mode(SamplingMode::Flat)
                .warm_up_time(Duration::from_secs(1))
                .measurement_time(Duration::from_secs(5));
        }
        for (id, v) in &verifiers {
            group.bench_function(*id, |b| {
                b.iter(|| verify(v, black_box(&der), black_box(data), &opts).0)
            });
        }
        group.finish();
    }
}

const CADES_BES: &[u8] = include_bytes!("../testdata/cades/revoked-later.p7s");
const CADES_XL1: &[u8] = include_bytes!("../testdata/cades/revoked-later.xl1.p7s");
const CADES_DATA: &[u8] = include_bytes!("../testdata/cades/data.txt");
const CADES_CRL_PEM: &[u8] = include_bytes!("../testdata/cades/intermediate-ca.crl.pem");

fn bench_cades_levels(c: &mut Criterion) {
    let providers = CryptoProvider::all_compiled();
    let mut trust = TrustStore::new();
    trust.add(one_cert(ROOT_PEM));
    let mut crls = Crl::all_from_pem_or_der(ROOT_CRL_PEM).expect("root CRL");
    crls.extend(Crl::all_from_pem_or_der(CADES_CRL_PEM).expect("intermediate CRL"));
    let later = VerifyOptions::at(UnixTime::from_utc(2028, 12, 1, 0, 0, 0));
    let mut group = c.benchmark_group("cades-verify/revoked-later");
    for p in providers {
        let online = Verifier::new(p, &trust, vec![one_cert(INTERMEDIATE_PEM)], crls.clone());
        let offline = Verifier::new(p, &trust, Vec::new(), Vec::new());
        let xl1 = SignedData::from_ber(CADES_XL1).expect("X-L1 parses");
        let report = offline
            .verify_detached_bytes(&xl1, CADES_DATA, &later)
            .expect("verification runs");
        assert_eq!(report.status, Status::Valid, "{report}");
        assert_eq!(
            report.signers[0].level,
            Some(signflow::cms::CadesLevel::XLongType1),
            "{report}"
        );
        let at_signing = VerifyOptions::at(report.signers[0].validation_time);
        let bes = SignedData::from_ber(CADES_BES).expect("BES parses");
        let report = online
            .verify_detached_bytes(&bes, CADES_DATA, &at_signing)
            .expect("verification runs");
        assert_eq!(report.status, Status::Valid, "{report}");
        group.bench_function(format!("bes-{}", p.name), |b| {
            b.iter(|| {
                let sd = SignedData::from_ber(black_box(CADES_BES)).expect("parses");
                online
                    .verify_detached_bytes(&sd, CADES_DATA, &at_signing)
                    .expect("runs")
                    .status
            })
        });
        // Like for like with the X-L1, which parses its certificate and revocation values
        // from its own bytes each time: the BES with the intermediate and both CRLs parsed from
        // their DER each iteration too (so their signatures are checked afresh; the anchor
        // stays, as for the X-L1).
        let intermediate_der = one_cert(INTERMEDIATE_PEM).der().to_vec();
        let crl_ders: Vec<Vec<u8>> = crls.iter().map(|c| c.der().to_vec()).collect();
        group.bench_function(format!("bes-from-bytes-{}", p.name), |b| {
            b.iter(|| {
                let sd = SignedData::from_ber(black_box(CADES_BES)).expect("parses");
                let intermediate =
                    Certificate::from_der(black_box(&intermediate_der)).expect("parses");
                let crls = crl_ders
                    .iter()
                    .map(|d| Crl::from_der(black_box(d)).expect("parses"))
                    .collect();
                Verifier::new(p, &trust, vec![intermediate], crls)
                    .verify_detached_bytes(&sd, CADES_DATA, &at_signing)
                    .expect("runs")
                    .status
            })
        });
        group.bench_function(format!("xl1-offline-{}", p.name), |b| {
            b.iter(|| {
                let sd = SignedData::from_ber(black_box(CADES_XL1)).expect("parses");
                offline
                    .verify_detached_bytes(&sd, CADES_DATA, &later)
                    .expect("runs")
                    .status
            })
        });
        // The same two with a chain cache each (a service verifying many signatures of the
        // same signer and TSA): the paths are validated once, the signatures still checked.
        let bes_cache = ChainCache::new(16);
        let xl1_cache = ChainCache::new(16);
        let online_cached =
            Verifier::new(p, &trust, vec![one_cert(INTERMEDIATE_PEM)], crls.clone())
                .with_cache(&bes_cache);
        let offline_cached =
            Verifier::new(p, &trust, Vec::new(), Vec::new()).with_cache(&xl1_cache);
        group.bench_function(format!("bes-cached-{}", p.name), |b| {
            b.iter(|| {
                let sd = SignedData::from_ber(black_box(CADES_BES)).expect("parses");
                online_cached
                    .verify_detached_bytes(&sd, CADES_DATA, &at_signing)
                    .expect("runs")
                    .status
            })
        });
        group.bench_function(format!("xl1-offline-cached-{}", p.name), |b| {
            b.iter(|| {
                let sd = SignedData::from_ber(black_box(CADES_XL1)).expect("parses");
                offline_cached
                    .verify_detached_bytes(&sd, CADES_DATA, &later)
                    .expect("runs")
                    .status
            })
        });
        assert!(bes_cache.stats().hits > 0, "{:?}", bes_cache.stats());
        assert!(xl1_cache.stats().hits > 0, "{:?}", xl1_cache.stats());
    }
    group.finish();
}

criterion_group!(benches, bench_cms_verify, bench_cades_levels);
criterion_main!(benches);
