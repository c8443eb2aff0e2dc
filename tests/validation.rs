//! Path validation of the test PKI (testdata/pki), made by OpenSSL, on every backend.

mod common;

use signflow::pki::{
    Certificate, Crl, Finding, KeyUsage, RevocationMode, RevocationReason, Status, TrustStore,
    UnixTime, ValidationOptions, ValidationReport, Validator,
};

fn cert(name: &str) -> Certificate {
    Certificate::all_from_pem_or_der(&common::read(&format!("pki/{name}.pem")))
        .unwrap()
        .remove(0)
}

fn crls() -> Vec<Crl> {
    let mut all = Crl::all_from_pem_or_der(&common::read("pki/root-ca.crl.pem")).unwrap();
    all.extend(Crl::all_from_pem_or_der(&common::read("pki/intermediate-ca.crl.der")).unwrap());
    all
}

fn trust() -> TrustStore {
    let mut t = TrustStore::new();
    t.add_path(&common::testdata("pki/root-ca.der")).unwrap();
    t
}

/// 2027-01-01, inside every regular leaf's validity and the CRLs' (made 2026-11-23, 10 years).
fn at_2027() -> ValidationOptions {
    ValidationOptions::at(UnixTime::parse_rfc3339("2027-01-01T00:00:00Z").unwrap())
}

fn validate(
    provider: &'static signflow::crypto::CryptoProvider,
    leaf: &str,
    opts: &ValidationOptions,
) -> ValidationReport {
    let trust = trust();
    let validator = Validator::new(provider, &trust, vec![cert("intermediate-ca")], crls());
    validator.validate(&cert(leaf), opts)
}

per_provider! {

    /// The same intermediate given 5,000 times (an accredited-CA list repeats its CAs, a
    /// bundle may too) is one issuer: with the root trusted the verdict is the one-copy
    /// verdict; without it, the search fails for the missing anchor, not for a spent budget.
    #[test]
    fn duplicate_intermediates_are_tried_once() {
        let copies = vec![cert("intermediate-ca"); 5000];
        let trust = trust();
        let validator = Validator::new(provider(), &trust, copies.clone(), crls());
        let report = validator.validate(&cert("leaf-rsa"), &at_2027());
        assert_eq!(report.status, Status::Valid, "{report}");
        let empty = TrustStore::new();
        let validator = Validator::new(provider(), &empty, copies, crls());
        let report = validator.validate(&cert("leaf-rsa"), &at_2027());
        assert_ne!(report.status, Status::Valid);
        assert!(!report.has(|f| matches!(f, Finding::BudgetExceeded)), "{report}");
    }

    #[test]
    fn signer_leaves_are_valid_with_crls() {
        for leaf in ["leaf-rsa", "leaf-ecdsa-p256", "leaf-ed25519", "leaf-russian"] {
            let report = validate(provider(), leaf, &at_2027());
            assert_eq!(report.status, Status::Valid, "{leaf}: {report}");
            assert_eq!(report.path.len(), 3, "leaf, intermediate, root");
            assert!(report.path[2].trust_anchor);
            assert!(report.path[0].subject.contains("Signflow Test Signer") || leaf == "leaf-russian");
        }
    }

    #[test]
    fn expired_and_not_yet_valid_are_invalid_with_the_dates() {
        let report = validate(provider(), "leaf-expired", &at_2027());
        assert_eq!(report.status, Status::Invalid);
        let not_after = cert("leaf-expired").not_after();
        assert!(report.has(|f| matches!(f, Finding::Expired { not_after: n, .. } if *n == not_after)), "{report}");
        let report = validate(provider(), "leaf-not-yet-valid", &at_2027());
        assert!(report.has(|f| matches!(f, Finding::NotYetValid { .. })), "{report}");
        assert_eq!(report.status, Status::Invalid);
    }

    #[test]
    fn revoked_leaf_is_invalid_from_its_revocation_date_only() {
        let report = validate(provider(), "leaf-revoked", &at_2027());
        assert_eq!(report.status, Status::Invalid, "{report}");
        let date = report
            .findings()
            .find_map(|(_, f)| match f {
                Finding::Revoked { reason: RevocationReason::KeyCompromise, revocation_date, .. } => Some(*revocation_date),
                _ => None,
            })
            .expect("revoked for keyCompromise");
        // One second before the revocation the certificate was good (the later CRL is used).
        let mut before = at_2027();
        before.time = UnixTime(date.0 - 1);
        let report = validate(provider(), "leaf-revoked", &before);
        assert_eq!(report.status, Status::Valid, "{report}");
    }

    #[test]
    fn missing_revocation_information_is_indeterminate_never_valid() {
        let trust = trust();
        let validator = Validator::new(provider(), &trust, vec![cert("intermediate-ca")], Vec::new());
        let report = validator.validate(&cert("leaf-rsa"), &at_2027());
        assert_eq!(report.status, Status::Indeterminate);
        assert!(report.has(|f| matches!(f, Finding::RevocationUnknown { .. })));
        let mut off = at_2027();
        off.revocation = RevocationMode::Off;
        assert_eq!(validator.validate(&cert("leaf-rsa"), &off).status, Status::Valid);
    }

    #[test]
    fn validity_periods_are_ignored_only_on_request_and_still_reported() {
        let mut opts = at_2027();
        opts.ignore_validity_periods = true;
        for leaf in ["leaf-expired", "leaf-not-yet-valid"] {
            let report = validate(provider(), leaf, &opts);
            assert_eq!(report.status, Status::Valid, "{leaf}: {report}");
            assert!(report.has(|f| matches!(f, Finding::ValidityPeriodIgnored { .. })), "{report}");
            assert!(!report.has(|f| matches!(f, Finding::Expired { .. } | Finding::NotYetValid { .. })));
        }
        // Only the period is waived: revocation still counts.
        assert_eq!(validate(provider(), "leaf-revoked", &opts).status, Status::Invalid);
        // A certificate inside its period gets no advisory.
        let report = validate(provider(), "leaf-rsa", &opts);
        assert!(!report.has(|f| matches!(f, Finding::ValidityPeriodIgnored { .. })), "{report}");
    }

    #[test]
    fn end_entity_only_revocation_needs_the_signers_crl_alone() {
        // Only the intermediate's CRL (which covers the leaves), not the root's (which covers
        // the intermediate).
        let intermediate_crl = Crl::all_from_pem_or_der(&common::read("pki/intermediate-ca.crl.der")).unwrap();
        let trust = trust();
        let validator = Validator::new(provider(), &trust, vec![cert("intermediate-ca")], intermediate_crl);
        let mut opts = at_2027();
        assert_eq!(validator.validate(&cert("leaf-rsa"), &opts).status, Status::Indeterminate);
        opts.revocation = RevocationMode::EndEntityOnly;
        assert_eq!(validator.validate(&cert("leaf-rsa"), &opts).status, Status::Valid);
        let report = validator.validate(&cert("leaf-revoked"), &opts);
        assert!(report.has(|f| matches!(f, Finding::Revoked { .. })), "{report}");
        // No CRL at all: the end entity's status is unknown.
        let bare = Validator::new(provider(), &trust, vec![cert("intermediate-ca")], Vec::new());
        assert_eq!(bare.validate(&cert("leaf-rsa"), &opts).status, Status::Indeterminate);
    }

    #[test]
    fn stale_crls_are_refused_unless_accepted() {
        // 2037: after the CRLs' nextUpdate (10 years from 2026-11-23); check the intermediate as
        // end entity (valid until 2045) with revocation against the root CRL.
        let mut opts = ValidationOptions::at(UnixTime::parse_rfc3339("2037-06-01T00:00:00Z").unwrap());
        opts.end_entity_key_usage.clear();
        let trust = trust();
        let validator = Validator::new(provider(), &trust, Vec::new(), crls());
        let report = validator.validate(&cert("intermediate-ca"), &opts);
        assert_eq!(report.status, Status::Indeterminate, "{report}");
        assert!(report.path[0].findings[0].message.contains("expired"), "{report}");
        opts.accept_stale_crls = true;
        assert_eq!(validator.validate(&cert("intermediate-ca"), &opts).status, Status::Valid);
    }

    #[test]
    fn untrusted_or_incomplete_chains_are_invalid() {
        let empty = TrustStore::new();
        let validator = Validator::new(provider(), &empty, vec![cert("intermediate-ca")], crls());
        let report = validator.validate(&cert("leaf-rsa"), &at_2027());
        assert_eq!(report.status, Status::Invalid);
        assert!(report.has(|f| matches!(f, Finding::UntrustedRoot { .. })), "{report}");
        let trust = trust();
        let no_intermediate = Validator::new(provider(), &trust, Vec::new(), crls());
        let report = no_intermediate.validate(&cert("leaf-rsa"), &at_2027());
        assert!(report.has(|f| matches!(f, Finding::UntrustedRoot { issuer } if issuer.contains("Intermediate"))), "{report}");
    }

    #[test]
    fn key_usage_and_eku_requirements_apply_to_the_end_entity() {
        let mut opts = at_2027();
        opts.required_eku = vec!["1.3.6.1.5.5.7.3.4".into()]; // emailProtection: present
        assert_eq!(validate(provider(), "leaf-rsa", &opts).status, Status::Valid);
        opts.required_eku = vec!["1.3.6.1.5.5.7.3.3".into()]; // codeSigning: absent
        let report = validate(provider(), "leaf-rsa", &opts);
        assert!(report.has(|f| matches!(f, Finding::ExtendedKeyUsageMissing { .. })));
        let mut opts = at_2027();
        opts.end_entity_key_usage = vec![KeyUsage::KEY_ENCIPHERMENT];
        let report = validate(provider(), "leaf-rsa", &opts);
        assert!(report.has(|f| matches!(f, Finding::KeyUsageNotAllowed { .. })), "{report}");
    }

    #[test]
    fn budgets_and_depth_limits_turn_into_findings() {
        let mut opts = at_2027();
        opts.max_signature_checks = 1;
        let report = validate(provider(), "leaf-rsa", &opts);
        assert_ne!(report.status, Status::Valid);
        assert!(report.has(|f| matches!(f, Finding::BudgetExceeded)), "{report}");
        let mut opts = at_2027();
        opts.max_depth = 1;
        let report = validate(provider(), "leaf-rsa", &opts);
        assert_eq!(report.status, Status::Invalid, "{report}");
    }

    #[test]
    fn a_certificate_signed_by_the_wrong_key_is_a_bad_signature() {
        // Flip one bit of the signature value, at the end of the DER.
        let mut der = cert("leaf-ecdsa-p256").der().to_vec();
        let n = der.len();
        der[n - 5] ^= 0x01;
        let forged = Certificate::from_der(&der).unwrap();
        let trust = trust();
        let validator = Validator::new(provider(), &trust, vec![cert("intermediate-ca")], crls());
        let report = validator.validate(&forged, &at_2027());
        assert_eq!(report.status, Status::Invalid);
        assert!(report.has(|f| matches!(f, Finding::BadSignature)), "{report}");
    }

    #[test]
    fn reports_serialize_to_json_with_matchable_kinds() {
        let report = validate(provider(), "leaf-revoked", &at_2027());
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["status"], "invalid");
        let findings = json["path"][0]["findings"].as_array().unwrap();
        assert_eq!(findings[0]["kind"], "revoked");
        assert_eq!(findings[0]["reason"], "keyCompromise");
        assert!(findings[0]["message"].as_str().unwrap().contains("revoked"));
        assert_eq!(json["time"], "2027-01-01T00:00:00Z");
    }
}

#[test]
fn crl_lookup_finds_the_revoked_serial_only() {
    let crl = Crl::from_der(&common::read("pki/intermediate-ca.crl.der")).unwrap();
    let revoked = cert("leaf-revoked");
    let good = cert("leaf-rsa");
    assert!(crl.lookup(revoked.issuer(), revoked.serial()).is_some());
    assert!(crl.lookup(good.issuer(), good.serial()).is_none());
    // Same serial, other issuer: not this CRL's business.
    assert!(
        crl.lookup(cert("root-ca").subject(), revoked.serial())
            .is_none()
    );
}

#[test]
fn hostile_certificate_bytes_give_errors_not_panics() {
    let der = cert("leaf-rsa").der().to_vec();
    for cut in [0, 1, 2, 10, der.len() / 2, der.len() - 1] {
        assert!(
            Certificate::from_der(&der[..cut]).is_err(),
            "truncated at {cut}"
        );
    }
    let mut trailing = der.clone();
    trailing.push(0);
    assert!(Certificate::from_der(&trailing).is_err());
    for i in (0..der.len()).step_by(7) {
        let mut m = der.clone();
        m[i] ^= 0xff;
        let _ = Certificate::from_der(&m);
    }
}
