//! CMS detached verification: signflow's `cms::Verifier` (both backends) beside OpenSSL's
//! `CMS_verify`, for detached content of 1 KiB, 1 MiB and 100 MiB.
//!
//! Groups `cms-verify/<size>` (`1KiB`, `1MiB`, `100MiB`), function ids `signflow-aws-lc-rs`,
//! `signflow-rustcrypto`, `openssl`.
//!
//! The signature: made once in setup by signflow (`cms::Signer`, aws-lc-rs) with
//! `testdata/pki/leaf-rsa` (RSA-2048 PKCS#1 v1.5, SHA-256), detached, CAdES-BES signed
//! attributes (content-type, message-digest, signing-time, signing-certificate-v2), with the
//! leaf and the intermediate embedded. The content is a fixed pseudo-random byte pattern.
//!
//! What both sides do per iteration, from bytes, with the **same full verification** (not
//! signature-only):
//!
//! - parse the SignedData DER (`SignedData::from_ber` / `d2i_CMS_ContentInfo`);
//! - stream the detached content from memory through SHA-256 (signflow: a `&[u8]` reader,
//!   read in 64 KiB chunks; OpenSSL: a read-only memory BIO, read in 4 KiB chunks by
//!   `CMS_verify`, output discarded: `out = NULL`, `CMS_BINARY`), compare it with the
//!   message-digest attribute and verify the RSA signature over the signed attributes;
//! - validate the signer's path to `root-ca` (the only trust anchor; the intermediate comes
//!   from the SignedData on both sides) at 2027-01-01T00:00:00Z with both CRLs (`root-ca.crl`,
//!   `intermediate-ca.crl`) checked for the whole chain: signflow
//!   `VerifyOptions::at(2027-01-01)` (revocation required), OpenSSL an `X509_STORE` with the
//!   root, both CRLs, time 2027-01-01 and `CRL_CHECK | CRL_CHECK_ALL` (`CMS_verify` adds the
//!   `smime_sign` purpose). The `Verifier` and the `X509_STORE` are built once.
//!
//! OpenSSL is called through `openssl-sys` (`CMS_verify` with `out = NULL`) rather than the
//! `openssl` crate's `CmsContentInfo::verify`, which always passes a memory BIO as `out` and so
//! would copy the whole content once more (100 MiB) on OpenSSL's side only.
//!
//! Before measuring, for every size: both sides accept the signature, both reject it over the
//! content with one byte flipped (signflow: `Invalid` with a digest mismatch; OpenSSL: the
//! failure comes from `CMS_SignerInfo_verify_content`, its message-digest check), and both refuse
//! a signature by `leaf-revoked` (revoked in `intermediate-ca.crl`), which shows that both
//! consult the CRLs.

use std::hint::black_box;
use std::ptr;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput};
use foreign_types::ForeignTypeRef;
use openssl::cms::CmsContentInfo;
use openssl::error::ErrorStack;
use openssl::x509::X509;
use openssl::x509::store::X509StoreRef;
use signflow::cms::{
    CmsFinding, Content, SignOptions, SignedData, Signer, Verifier, VerifyOptions,
};
use signflow::crypto::CryptoProvider;
use signflow::pki::{Certificate, Crl, Status, TrustStore, UnixTime};

use crate::certs::{self, SIGNFLOW};

const LEAF_RSA_PEM: &[u8] = include_bytes!("../../../../testdata/pki/leaf-rsa.pem");
const LEAF_RSA_KEY_PEM: &str = include_str!("../../../../testdata/pki/leaf-rsa.key.pem");
const LEAF_REVOKED_PEM: &[u8] = include_bytes!("../../../../testdata/pki/leaf-revoked.pem");
const LEAF_REVOKED_KEY_PEM: &str = include_str!("../../../../testdata/pki/leaf-revoked.key.pem");
const INTERMEDIATE_PEM: &[u8] = include_bytes!("../../../../testdata/pki/intermediate-ca.pem");
const ROOT_PEM: &[u8] = include_bytes!("../../../../testdata/pki/root-ca.pem");
const ROOT_CRL_PEM: &[u8] = include_bytes!("../../../../testdata/pki/root-ca.crl.pem");
const INTERMEDIATE_CRL_DER: &[u8] =
    include_bytes!("../../../../testdata/pki/intermediate-ca.crl.der");

const MIB: usize = 1024 * 1024;
/// (criterion id, content length).
pub const SIZES: [(&str, usize); 3] = [("1KiB", 1024), ("1MiB", MIB), ("100MiB", 100 * MIB)];

/// The fixed content pattern: xorshift64 bytes (not compressible, no long runs).
pub fn content(len: usize) -> Vec<u8> {
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

/// A detached CAdES-BES signature over `content` by `cert_pem`/`key_pem`, chain embedded.
fn sign_detached(cert_pem: &[u8], key_pem: &str, mut content: &[u8]) -> Vec<u8> {
    let provider = SIGNFLOW[0].1;
    let cert = one_cert(cert_pem);
    let chain = [one_cert(INTERMEDIATE_PEM)];
    let key = provider.load_private_key_pem(key_pem).expect("key");
    let options = SignOptions::at(UnixTime::from_utc(2026, 12, 15, 12, 0, 0));
    Signer::new(provider, &cert, &chain, options)
        .sign(key.as_ref(), Content::Detached(&mut content))
        .expect("signflow signs")
        .into_der()
}

fn verify_options() -> VerifyOptions {
    VerifyOptions::at(UnixTime::parse_rfc3339(certs::AT).expect("time"))
}

/// signflow, from bytes: parse, then verify with the content streamed from memory.
fn signflow_verify(
    verifier: &Verifier<'_>,
    der: &[u8],
    mut content: &[u8],
    opts: &VerifyOptions,
) -> (Status, bool) {
    let sd = SignedData::from_ber(der).expect("SignedData parses");
    let report = verifier
        .verify(&sd, Some(&mut content), opts)
        .expect("verification runs");
    let digest_mismatch = report.has(|f| matches!(f, CmsFinding::DigestMismatch { .. }));
    (report.status, digest_mismatch)
}

/// OpenSSL, from bytes: `d2i_CMS_ContentInfo`, then `CMS_verify(cms, NULL, store, content,
/// NULL, CMS_BINARY)` with the content in a read-only memory BIO. `Err` carries OpenSSL's
/// error queue.
fn openssl_verify(store: &X509StoreRef, der: &[u8], content: &[u8]) -> Result<(), ErrorStack> {
    let cms = CmsContentInfo::from_der(der)?;
    let len = i32::try_from(content.len()).expect("content under 2 GiB");
    // SAFETY: the BIO reads `content` (read-only, not copied) and is freed before `content`'s
    // borrow ends; `cms` and `store` are valid for the call; CMS_verify accepts NULL for the
    // extra certificates and the output.
    unsafe {
        let bio = openssl_sys::BIO_new_mem_buf(content.as_ptr().cast(), len);
        if bio.is_null() {
            return Err(ErrorStack::get());
        }
        let ok = openssl_sys::CMS_verify(
            cms.as_ptr(),
            ptr::null_mut(),
            store.as_ptr(),
            bio,
            ptr::null_mut(),
            openssl_sys::CMS_BINARY,
        );
        openssl_sys::BIO_free_all(bio);
        if ok == 1 {
            Ok(())
        } else {
            Err(ErrorStack::get())
        }
    }
}

pub fn bench(c: &mut Criterion) {
    let mut trust = TrustStore::new();
    trust.add(one_cert(ROOT_PEM));
    let mut crls = Crl::all_from_pem_or_der(ROOT_CRL_PEM).expect("root CRL");
    crls.push(Crl::from_der(INTERMEDIATE_CRL_DER).expect("intermediate CRL"));
    // No untrusted certificates besides the SignedData's own, on either side.
    let verifiers: Vec<(&str, Verifier<'_>)> = SIGNFLOW
        .iter()
        .map(|&(id, p): &(&str, &CryptoProvider)| {
            (id, Verifier::new(p, &trust, Vec::new(), crls.clone()))
        })
        .collect();
    let opts = verify_options();

    let ossl_root = X509::from_pem(ROOT_PEM).expect("root");
    let ossl_crls = [
        openssl::x509::X509Crl::from_pem(ROOT_CRL_PEM).expect("root CRL"),
        openssl::x509::X509Crl::from_der(INTERMEDIATE_CRL_DER).expect("intermediate CRL"),
    ];
    let param = certs::ossl_param();
    let store = certs::ossl_store(&ossl_root, &[&ossl_crls[0], &ossl_crls[1]], &param);

    // Revocation is consulted by both sides.
    {
        let data = content(1024);
        let der = sign_detached(LEAF_REVOKED_PEM, LEAF_REVOKED_KEY_PEM, &data);
        for (id, v) in &verifiers {
            let (status, _) = signflow_verify(v, &der, &data, &opts);
            assert_eq!(
                status,
                Status::Invalid,
                "{id} refuses leaf-revoked's signature"
            );
        }
        let err = openssl_verify(&store, &der, &data).expect_err("OpenSSL refuses leaf-revoked");
        assert!(
            err.to_string().contains("revoked"),
            "OpenSSL refuses leaf-revoked as revoked: {err}"
        );
    }

    let all = content(SIZES.iter().map(|s| s.1).max().unwrap_or(0));
    for (name, len) in SIZES {
        let data = &all[..len];
        let der = sign_detached(LEAF_RSA_PEM, LEAF_RSA_KEY_PEM, data);

        // Like with like: both accept, both reject one flipped byte, before measuring.
        let mut tampered = data.to_vec();
        tampered[len / 2] ^= 0x01;
        for (id, v) in &verifiers {
            assert_eq!(
                signflow_verify(v, &der, data, &opts),
                (Status::Valid, false),
                "{id} accepts ({name})"
            );
            assert_eq!(
                signflow_verify(v, &der, &tampered, &opts),
                (Status::Invalid, true),
                "{id} rejects the tampered content ({name})"
            );
        }
        openssl_verify(&store, &der, data).expect("OpenSSL accepts");
        let err = openssl_verify(&store, &der, &tampered).expect_err("OpenSSL rejects tampering");
        assert!(
            // OpenSSL 3.0 reports a message-digest mismatch as "verification failure" from
            // CMS_SignerInfo_verify_content (the content check), then "content verify error".
            err.to_string().contains("CMS_SignerInfo_verify_content"),
            "OpenSSL rejects the tampered content for its digest ({name}): {err}"
        );
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
                b.iter(|| signflow_verify(v, black_box(&der), black_box(data), &opts).0)
            });
        }
        group.bench_function("openssl", |b| {
            b.iter(|| openssl_verify(&store, black_box(&der), black_box(data)).expect("verifies"))
        });
        group.finish();
    }
}
