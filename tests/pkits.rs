//! NIST PKITS (Public Key Interoperability Test Suite), all 249 tests, through the library API.
//!
//! Data: PyPI `cryptography-vectors` 50.0.2, `x509/PKITS_data/{certs,crls}`; expectations:
//! `testdata/pkits/pkits-expected.json` (derived from BoringSSL's PKITS expectations, see
//! testdata/README.md). The first certificate of each test is the trust anchor, the last the
//! end entity, the others are offered as untrusted intermediates for path building. "invalid"
//! means the result must not be valid (invalid or indeterminate).

mod common;

use std::collections::BTreeSet;

use serde_json::Value;
use signflow::pki::{Certificate, Crl, Status, TrustStore, UnixTime, ValidationOptions, Validator};

fn policy_oid(name: &str) -> String {
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

fn run(provider: &signflow::crypto::CryptoProvider) -> (usize, Vec<String>) {
    let expected: Value =
        serde_json::from_slice(&common::read("pkits/pkits-expected.json")).unwrap();
    let mut passed = 0;
    let mut failures = Vec::new();
    for test in expected.as_array().unwrap() {
        let id = test["id"].as_str().unwrap();
        let names: Vec<&str> = test["certs_anchor_to_ee"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let certs: Vec<Certificate> = names
            .iter()
            .map(|n| {
                Certificate::from_der(&common::read(&format!("pkits/certs/{n}.crt")))
                    .unwrap_or_else(|e| panic!("{id} {n}: {e}"))
            })
            .collect();
        let crls: Vec<Crl> = test["crls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| {
                let n = n.as_str().unwrap();
                Crl::from_der(&common::read(&format!("pkits/crls/{n}.crl")))
                    .unwrap_or_else(|e| panic!("{id} {n}: {e}"))
            })
            .collect();
        let mut trust = TrustStore::new();
        trust.add(certs[0].clone());
        let ee = certs.last().unwrap().clone();
        let intermediates = certs[1..certs.len() - 1].to_vec();
        let validator = Validator::new(provider, &trust, intermediates, crls);
        let mut opts = ValidationOptions::at(
            UnixTime::parse_rfc3339(test["validation_time"].as_str().unwrap()).unwrap(),
        );
        opts.end_entity_key_usage.clear();
        // PKITS (2011) signs its DSA material with SHA-1, and predates parts of the RFC 5280
        // profile (non-critical policyConstraints...): SHA-1 allowed, profile not enforced.
        opts.allow_sha1 = true;
        let inputs = &test["policy_inputs"];
        if let Some(set) = inputs["SetInitialPolicySet"].as_str() {
            opts.initial_policy_set = set.split(',').map(policy_oid).collect::<BTreeSet<_>>();
        }
        opts.require_explicit_policy = inputs["SetInitialExplicitPolicy"].as_str() == Some("true");
        opts.inhibit_policy_mapping =
            inputs["SetInitialPolicyMappingInhibit"].as_str() == Some("true");
        opts.inhibit_any_policy = inputs["SetInitialInhibitAnyPolicy"].as_str() == Some("true");
        let report = validator.validate(&ee, &opts);
        let want_valid = test["expected"] == "valid";
        if (report.status == Status::Valid) == want_valid {
            passed += 1;
        } else {
            let findings: Vec<String> = report
                .findings()
                .map(|(i, f)| format!("[{i}] {}", f.sentence()))
                .collect();
            failures.push(format!(
                "{id} {} (expected {}): got {} {findings:?}",
                test["name"].as_str().unwrap(),
                test["expected"],
                report.status
            ));
        }
    }
    (passed, failures)
}

per_provider! {
    #[test]
    fn pkits_all_249() {
        let (passed, failures) = run(provider());
        eprintln!("PKITS on {}: {passed} of 249 passed", provider().name);
        for f in &failures {
            eprintln!("  FAIL {f}");
        }
        assert!(failures.is_empty(), "{} PKITS failures: {failures:#?}", failures.len());
    }
}
