//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// Path of a file under `testdata/`.
pub fn testdata(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(rel)
}

/// Reads a file under `testdata/`.
pub fn read(rel: &str) -> Vec<u8> {
    std::fs::read(testdata(rel)).unwrap_or_else(|e| panic!("testdata/{rel}: {e}"))
}

/// A time as OpenSSL's `-text` outputs print it ("Dec  7 10:19:45.963 2026 GMT"): the
/// second and the nanoseconds of its fraction.
pub fn openssl_time(text: &str) -> (signflow::pki::UnixTime, u32) {
    let parts: Vec<&str> = text.split_whitespace().collect();
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| *m == parts[0])
    .unwrap_or_else(|| panic!("no month in {text:?}")) as u32
        + 1;
    let day: u32 = parts[1].parse().unwrap();
    let (hms, fraction) = parts[2].split_once('.').unwrap_or((parts[2], ""));
    let hms: Vec<u32> = hms.split(':').map(|p| p.parse().unwrap()).collect();
    let year: i64 = parts[3].parse().unwrap();
    let nanos = if fraction.is_empty() {
        0
    } else {
        format!("{fraction:0<9}").parse().unwrap()
    };
    (
        signflow::pki::UnixTime::from_utc(year, month, day, hms[0], hms[1], hms[2]),
        nanos,
    )
}

/// Instantiates the enclosed test items once per compiled crypto backend, in a module named
/// after the backend, with `provider()` returning that backend's provider.
#[macro_export]
macro_rules! per_provider {
    ($($body:tt)*) => {
        #[cfg(feature = "aws-lc-rs")]
        mod aws_lc_rs {
            #[allow(unused_imports)]
            use super::*;
            fn provider() -> &'static signflow::crypto::CryptoProvider {
                &signflow::crypto::aws_lc::DEFAULT_PROVIDER
            }
            $($body)*
        }
        #[cfg(feature = "rustcrypto")]
        mod rustcrypto {
            #[allow(unused_imports)]
            use super::*;
            fn provider() -> &'static signflow::crypto::CryptoProvider {
                &signflow::crypto::rustcrypto::DEFAULT_PROVIDER
            }
            $($body)*
        }
    };
}

/// One NIST PKITS test, loaded from testdata/pkits (see tests/pkits.rs for the source).
pub struct PkitsCase {
    /// Test number, e.g. "4.1.1".
    pub id: String,
    /// Test name.
    pub name: String,
    /// Whether PKITS expects the path to be valid.
    pub expected_valid: bool,
    /// Trust anchor first, end entity last; the others are untrusted.
    pub certs: Vec<signflow::pki::Certificate>,
    /// The test's CRLs.
    pub crls: Vec<signflow::pki::Crl>,
    /// Validation options with the test's time and policy inputs.
    pub options: signflow::pki::ValidationOptions,
    /// The signed S/MIME message of the test (file name under pkits/smime/).
    pub smime_file: String,
}

impl PkitsCase {
    /// A trust store holding the test's trust anchor.
    pub fn trust(&self) -> signflow::pki::TrustStore {
        let mut trust = signflow::pki::TrustStore::new();
        trust.add(self.certs[0].clone());
        trust
    }

    /// The certificates offered as untrusted (everything but the anchor).
    pub fn untrusted(&self) -> Vec<signflow::pki::Certificate> {
        self.certs[1..].to_vec()
    }
}

fn pkits_policy_oid(name: &str) -> String {
    match name.trim() {
        "anyPolicy" => signflow::pki::ANY_POLICY.to_owned(),
        n => {
            let num = n
                .strip_prefix("NIST-test-policy-")
                .unwrap_or_else(|| panic!("policy name {n}"));
            format!("2.16.840.1.101.3.2.1.48.{num}")
        }
    }
}

/// Every PKITS test with its certificates, CRLs and options. PKITS (2011) signs its DSA material
/// with SHA-1 and predates parts of the RFC 5280 profile: SHA-1 is allowed and strict mode is off.
pub fn pkits_cases() -> Vec<PkitsCase> {
    use signflow::pki::{Certificate, Crl, UnixTime, ValidationOptions};
    let expected: serde_json::Value =
        serde_json::from_slice(&read("pkits/pkits-expected.json")).unwrap();
    let names = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_owned())
            .collect()
    };
    expected
        .as_array()
        .unwrap()
        .iter()
        .map(|test| {
            let id = test["id"].as_str().unwrap().to_owned();
            let certs = names(&test["certs_anchor_to_ee"])
                .iter()
                .map(|n| {
                    Certificate::from_der(&read(&format!("pkits/certs/{n}.crt")))
                        .unwrap_or_else(|e| panic!("{id} {n}: {e}"))
                })
                .collect();
            let crls = names(&test["crls"])
                .iter()
                .map(|n| {
                    Crl::from_der(&read(&format!("pkits/crls/{n}.crl")))
                        .unwrap_or_else(|e| panic!("{id} {n}: {e}"))
                })
                .collect();
            let mut options = ValidationOptions::at(
                UnixTime::parse_rfc3339(test["validation_time"].as_str().unwrap()).unwrap(),
            );
            options.end_entity_key_usage.clear();
            options.hashes.allow_sha1 = true;
            let inputs = &test["policy_inputs"];
            if let Some(set) = inputs["SetInitialPolicySet"].as_str() {
                options.initial_policy_set = set.split(',').map(pkits_policy_oid).collect();
            }
            options.require_explicit_policy =
                inputs["SetInitialExplicitPolicy"].as_str() == Some("true");
            options.inhibit_policy_mapping =
                inputs["SetInitialPolicyMappingInhibit"].as_str() == Some("true");
            options.inhibit_any_policy =
                inputs["SetInitialInhibitAnyPolicy"].as_str() == Some("true");
            PkitsCase {
                name: test["name"].as_str().unwrap().to_owned(),
                expected_valid: test["expected"] == "valid",
                smime_file: test["smime_file"].as_str().unwrap_or_default().to_owned(),
                certs,
                crls,
                options,
                id,
            }
        })
        .collect()
}

/// The test PKI (testdata/pki/generate.sh) as one trust context on `provider`: the root as
/// anchor, the intermediate, both CRLs.
pub fn test_context(
    provider: &'static signflow::crypto::CryptoProvider,
) -> signflow::pki::TrustContext {
    signflow::pki::TrustContext::builder()
        .provider(provider)
        .anchors_pem_or_der(&read("pki/root-ca.pem"))
        .and_then(|b| b.intermediates_pem_or_der(&read("pki/intermediate-ca.pem")))
        .and_then(|b| b.crls_pem_or_der(&read("pki/root-ca.crl.pem")))
        .and_then(|b| b.crls_pem_or_der(&read("pki/intermediate-ca.crl.pem")))
        .expect("the test PKI loads")
        .build()
}
