//! NIST PKITS (Public Key Interoperability Test Suite), all 249 tests, through the library API.
//!
//! Data: PyPI `cryptography-vectors` 50.0.2, `x509/PKITS_data/{certs,crls}`; expectations:
//! `testdata/pkits/pkits-expected.json` (derived from BoringSSL's PKITS expectations, see
//! testdata/README.md). The first certificate of each test is the trust anchor, the last the
//! end entity, the others are offered as untrusted intermediates for path building. "invalid"
//! means the result must not be valid (invalid or indeterminate).

mod common;

use signflow::pki::{Status, Validator};

fn run(provider: &signflow::crypto::CryptoProvider) -> (usize, Vec<String>) {
    let mut passed = 0;
    let mut failures = Vec::new();
    for case in common::pkits_cases() {
        let trust = case.trust();
        let (ee, intermediates) = case.certs[1..].split_last().unwrap();
        let validator = Validator::new(provider, &trust, intermediates.to_vec(), case.crls.clone());
        let report = validator.validate(ee, &case.options);
        if (report.status == Status::Valid) == case.expected_valid {
            passed += 1;
        } else {
            let findings: Vec<String> = report
                .findings()
                .map(|(i, f)| format!("[{i}] {}", f.sentence()))
                .collect();
            failures.push(format!(
                "{} {} (expected valid: {}): got {} {findings:?}",
                case.id, case.name, case.expected_valid, report.status
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
