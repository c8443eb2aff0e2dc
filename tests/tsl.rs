//! The accredited-CA list (src/tsl) and the qualified decision, on material made by OpenSSL
//! with its GOST engine (testdata/tsl/generate.sh): a list of our own test CAs with their
//! accreditation histories, and `openssl cms` signatures by certificates those CAs issued.

mod common;

use signflow::cms::{SignedData, ValidationTime, Verifier, VerifyOptions, VerifyReport};
use signflow::pki::{RevocationMode, TrustContext, UnixTime};
use signflow::tsl::{
    AccreditationState, AccreditedCaList, QualifiedFinding, QualifiedOptions, QualifiedStatus,
    QualifiedTimeSource, TslError, TslLimits,
};

fn list() -> AccreditedCaList {
    AccreditedCaList::from_file(&common::testdata("tsl/tsl.xml"), &TslLimits::default()).unwrap()
}

/// Verifies testdata/tsl/NAME.p7s with the list's roots and CAs, at the claimed signing time,
/// and decides whether its signer is qualified.
fn verify(name: &str, list: &AccreditedCaList, options: &QualifiedOptions) -> VerifyReport {
    let context = TrustContext::builder()
        .intermediates(list.ca_certificates().into_iter().cloned())
        .intermediates(
            signflow::pki::Certificate::all_from_pem_or_der(&common::read("tsl/ca-unlisted.pem"))
                .unwrap(),
        );
    let context = list
        .qualified_roots()
        .into_iter()
        .cloned()
        .fold(context, |b, root| b.anchor(root))
        .build();
    let signed = SignedData::from_ber(&common::read(&format!("tsl/{name}.p7s"))).unwrap();
    let mut verify_options = VerifyOptions::at(UnixTime::from_utc(2031, 1, 1, 0, 0, 0));
    verify_options.time = ValidationTime::ClaimedSigningTime;
    verify_options.validation.revocation = RevocationMode::Off;
    let mut report = Verifier::from_context(&context)
        .verify(&signed, None, &verify_options)
        .unwrap();
    signflow::tsl::assess_cms(&mut report, list, options);
    report
}

fn qualified(name: &str) -> (VerifyReport, QualifiedStatus) {
    let report = verify(name, &list(), &QualifiedOptions::default());
    let status = report.signers[0].qualified.clone().unwrap();
    (report, status)
}

#[test]
fn the_list_is_read_with_its_cas_histories_and_crl_addresses() {
    let list = list();
    assert_eq!(list.version, "1042");
    assert_eq!(list.authorities.len(), 4);
    assert!(!list.signed);
    let roots = list.qualified_roots();
    let root_pem =
        signflow::pki::Certificate::all_from_pem_or_der(&common::read("tsl/root.pem")).unwrap();
    assert_eq!(roots.len(), 1);
    assert_eq!(roots[0].der(), root_pem[0].der());
    assert_eq!(list.ca_certificates().len(), 3);
    assert_eq!(list.crl_addresses().len(), 8);
    let early = &list.authorities[2];
    assert_eq!(early.history.len(), 2);
    assert_eq!(
        early.status.as_ref().unwrap().state,
        AccreditationState::Terminated
    );
    // The list's thumbprints are OpenSSL's SHA-1 fingerprints of the certificates it carries.
    for (_, listed) in list.listed() {
        let sha1 = {
            use sha1::Digest as _;
            hex::encode_upper(sha1::Sha1::digest(listed.certificate.der()))
        };
        assert_eq!(listed.thumbprint, sha1);
    }
}

#[test]
fn a_gost_signature_by_an_accredited_ca_in_the_795_profile_is_qualified() {
    let (report, q) = qualified("active");
    assert_eq!(report.status, signflow::pki::Status::Valid, "{report}");
    assert!(q.qualified, "{report}");
    assert!(q.findings.is_empty());
    assert_eq!(q.time_source, QualifiedTimeSource::ClaimedSigningTime);
    assert_eq!(Some(q.time), report.signers[0].signing_time);
    assert_eq!(
        q.authority.as_deref(),
        Some("ООО \"Тестовый УЦ Действующий\"")
    );
    // The verdict carries it, and the JSON says "qualified": true.
    let verdict = signflow::Verdict::from_cms(&report);
    assert!(verdict.signers[0].qualified.as_ref().unwrap().qualified);
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["signers"][0]["qualified"]["qualified"], true);
}

#[test]
fn accreditation_terminated_before_the_signing_time_is_not_qualified() {
    let (report, q) = qualified("early");
    assert_eq!(report.status, signflow::pki::Status::Valid, "{report}");
    assert!(!q.qualified);
    assert!(
        q.has(|f| matches!(
            f,
            QualifiedFinding::NotAccredited { status: Some(s), .. } if s == "Прекращена"
        )),
        "{q:?}"
    );
    assert_eq!(q.findings.len(), 1, "{q:?}");
    assert!(q.findings[0].message.contains("Прекращена"));
}

#[test]
fn accreditation_terminated_after_the_signing_time_is_qualified() {
    let (report, q) = qualified("late");
    assert!(q.qualified, "{report} {q:?}");
    // The same CA, judged after its termination, is not.
    let signer = report.signers[0].signer_certificate.as_ref().unwrap();
    let later = signflow::tsl::assess(
        &list(),
        &QualifiedOptions::default(),
        signer,
        report.signers[0].certificate.as_ref(),
        Some(UnixTime::from_utc(2030, 7, 1, 0, 0, 0)),
        None,
        UnixTime::from_utc(2031, 1, 1, 0, 0, 0),
    );
    assert!(!later.qualified);
    assert_eq!(later.time_source, QualifiedTimeSource::SignatureTimestamp);
}

#[test]
fn an_rsa_key_is_not_qualified() {
    let (report, q) = qualified("rsa");
    assert_eq!(report.status, signflow::pki::Status::Valid, "{report}");
    assert!(!q.qualified);
    assert_eq!(q.findings.len(), 1, "{q:?}");
    assert!(q.has(|f| matches!(f, QualifiedFinding::NotGostKey { algorithm } if algorithm == "1.2.840.113549.1.1.1")));
}

#[test]
fn a_certificate_without_the_795_profile_is_not_qualified() {
    let (_, q) = qualified("plain");
    assert!(!q.qualified);
    let missing: Vec<_> = q
        .findings
        .iter()
        .filter(|f| matches!(f.finding, QualifiedFinding::ProfileMissing { .. }))
        .collect();
    assert_eq!(missing.len(), 3, "{q:?}");
    assert!(q.findings[0].message.contains("subjectSignTool"));
}

#[test]
fn a_ca_absent_from_the_list_is_not_qualified_even_under_a_listed_root() {
    let (report, q) = qualified("unlisted");
    assert_eq!(report.status, signflow::pki::Status::Valid, "{report}");
    assert!(!q.qualified);
    assert!(q.has(|f| matches!(f, QualifiedFinding::IssuerNotListed { .. })));
}

#[test]
fn without_a_list_nothing_is_decided() {
    let list = list();
    let context = TrustContext::builder()
        .anchors_pem_or_der(&common::read("tsl/root.pem"))
        .unwrap()
        .intermediates(list.ca_certificates().into_iter().cloned())
        .build();
    let signed = SignedData::from_ber(&common::read("tsl/active.p7s")).unwrap();
    let mut options = VerifyOptions::at(UnixTime::from_utc(2031, 1, 1, 0, 0, 0));
    options.validation.revocation = RevocationMode::Off;
    let report = Verifier::from_context(&context)
        .verify(&signed, None, &options)
        .unwrap();
    assert!(report.signers[0].qualified.is_none());
    let json = serde_json::to_value(&report).unwrap();
    assert!(json["signers"][0].get("qualified").is_none());
}

#[test]
fn a_malformed_list_is_a_format_error_naming_the_element() {
    let err = AccreditedCaList::from_file(
        &common::testdata("tsl/tsl-malformed.xml"),
        &TslLimits::default(),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            TslError::BadValue {
                element: "Данные",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("<Данные>"), "{err}");
    // Truncated: not well-formed.
    let bytes = common::read("tsl/tsl.xml");
    let err = AccreditedCaList::from_reader(&bytes[..bytes.len() / 2], &TslLimits::default())
        .unwrap_err();
    assert!(matches!(err, TslError::Malformed { .. }), "{err}");
}

#[test]
fn the_list_is_bounded() {
    let bytes = common::read("tsl/tsl.xml");
    let mut limits = TslLimits::default();
    limits.max_certificates = 2;
    let err = AccreditedCaList::from_reader(&bytes[..], &limits).unwrap_err();
    assert!(
        matches!(
            err,
            TslError::Limit {
                what: "certificates",
                ..
            }
        ),
        "{err}"
    );
    let mut limits = TslLimits::default();
    limits.max_certificate_base64 = 100;
    let err = AccreditedCaList::from_reader(&bytes[..], &limits).unwrap_err();
    assert!(err.to_string().contains("Данные"), "{err}");
}

/// The list's own signature (tsl-signed*.xml, signed by xmlsec1 in generate.sh), verified
/// with the list operator's certificate or the root it chains to as the only anchor.
mod list_signature {
    use super::*;
    use signflow::pki::Status;
    use signflow::tsl::{ListSignature, TslSignatureError, VerifiedList};
    use signflow::xmldsig::Verifier;

    fn check(file: &str, anchor: &str) -> Result<VerifiedList, TslSignatureError> {
        let context = TrustContext::builder()
            .anchors_pem_or_der(&common::read(anchor))
            .unwrap()
            .build();
        let mut verifier =
            Verifier::from_context(&context).at(UnixTime::from_utc(2027, 1, 1, 0, 0, 0));
        verifier.options_mut().validation.revocation = RevocationMode::Off;
        AccreditedCaList::from_signed_xml(&common::read(file), &verifier, &TslLimits::default())
    }

    #[test]
    fn a_list_signed_by_its_operator_is_read_from_the_signed_bytes() {
        for anchor in ["tsl/tsl-operator.pem", "tsl/root.pem"] {
            let verified =
                check("tsl/tsl-signed.xml", anchor).unwrap_or_else(|e| panic!("{anchor}: {e}"));
            assert!(verified.list.signed);
            assert_eq!(verified.list.authorities.len(), 4);
            assert_eq!(verified.verification.status, Status::Valid);
            match verified.signature() {
                ListSignature::Valid { signer } => {
                    assert!(signer.contains("Оператор списка (тест)"), "{signer}")
                }
                other => panic!("{other:?}"),
            }
            // The same CAs and histories as the unsigned list the signature was made over.
            let plain = list();
            for (a, b) in verified.list.authorities.iter().zip(&plain.authorities) {
                assert_eq!(a.name, b.name);
                assert_eq!(a.history, b.history);
            }
        }
    }

    #[test]
    fn an_edited_ca_entry_breaks_the_list_signature() {
        let err = check("tsl/tsl-signed-tampered.xml", "tsl/tsl-operator.pem")
            .expect_err("the tampered list is refused");
        assert!(
            matches!(
                err,
                TslSignatureError::NotValid {
                    status: Status::Invalid,
                    ..
                }
            ),
            "{err}"
        );
        // Why it matters: read without its signature, the edit makes ca-early accredited at
        // the signing time, and its signer qualified.
        let forged = AccreditedCaList::from_file(
            &common::testdata("tsl/tsl-signed-tampered.xml"),
            &TslLimits::default(),
        )
        .unwrap();
        let report = verify("early", &forged, &QualifiedOptions::default());
        assert!(report.signers[0].qualified.as_ref().unwrap().qualified);
        let (_, genuine) = qualified("early");
        assert!(!genuine.qualified);
    }

    #[test]
    fn a_list_signed_by_another_key_is_refused() {
        let err = check("tsl/tsl-signed-foreign.xml", "tsl/tsl-operator.pem")
            .expect_err("signed by a certificate that does not chain to the operator's");
        assert!(matches!(err, TslSignatureError::NotValid { .. }), "{err}");
        assert_ne!(err.status(), Status::Valid);
    }

    #[test]
    fn an_unsigned_list_is_refused_when_a_signature_is_required() {
        let err = check("tsl/tsl.xml", "tsl/tsl-operator.pem").expect_err("unsigned");
        assert!(matches!(err, TslSignatureError::Unsigned), "{err}");
        assert_eq!(err.status(), Status::Invalid);
    }

    #[test]
    fn a_signature_over_part_of_the_document_is_not_the_lists() {
        // The signed bytes must be the list: a signed document of another kind is refused as
        // not a list (its root element named), not silently read as an empty one.
        let context = TrustContext::builder()
            .anchors_pem_or_der(&common::read("pki/root-ca.pem"))
            .unwrap()
            .intermediates_pem_or_der(&common::read("pki/intermediate-ca.pem"))
            .unwrap()
            .build();
        let mut verifier =
            Verifier::from_context(&context).at(UnixTime::from_utc(2027, 1, 1, 0, 0, 0));
        verifier.options_mut().validation.revocation = RevocationMode::Off;
        let err = AccreditedCaList::from_signed_xml(
            &common::read("xmldsig/xmlsec1-signed-rsa.xml"),
            &verifier,
            &TslLimits::default(),
        )
        .expect_err("not a list");
        assert!(
            matches!(err, TslSignatureError::List(TslError::WrongRoot { .. })),
            "{err}"
        );
    }
}

/// An XML signature by a listed GOST signer: `assess_xml` records the decision, and the
/// `Verdict` of the verification carries it.
#[test]
fn an_xml_signer_is_assessed_and_the_verdict_carries_it() {
    #[cfg(feature = "aws-lc-rs")]
    let provider = &signflow::crypto::aws_lc::DEFAULT_PROVIDER;
    #[cfg(not(feature = "aws-lc-rs"))]
    let provider = &signflow::crypto::rustcrypto::DEFAULT_PROVIDER;
    let at = UnixTime::from_utc(2027, 1, 1, 0, 0, 0);
    let list = list();
    let context = list
        .qualified_roots()
        .into_iter()
        .cloned()
        .fold(
            TrustContext::builder()
                .provider(provider)
                .intermediates(list.ca_certificates().into_iter().cloned()),
            |b, root| b.anchor(root),
        )
        .build();
    for (who, expected) in [("signer-active", true), ("signer-early", false)] {
        let key = provider
            .load_private_key_pem(
                std::str::from_utf8(&common::read(&format!("tsl/{who}.key.pem"))).unwrap(),
            )
            .unwrap();
        let cert = signflow::pki::Certificate::all_from_pem_or_der(&common::read(&format!(
            "tsl/{who}.pem"
        )))
        .unwrap()
        .remove(0);
        let options = signflow::xmldsig::SignOptions {
            xades: Some(signflow::xmldsig::XadesOptions::at(at)),
            ..Default::default()
        };
        let xml =
            signflow::xmldsig::sign(provider, &*key, &cert, &[], b"<a>1</a>", &options).unwrap();
        let mut verifier = signflow::xmldsig::Verifier::from_context(&context).at(at);
        verifier.options_mut().validation.revocation = RevocationMode::Off;
        let mut result = verifier.verify(&xml).unwrap();
        assert_eq!(result.status, signflow::pki::Status::Valid, "{result}");
        signflow::tsl::assess_xml(&mut result, &list, &QualifiedOptions::default(), at);
        let q = result.qualified.clone().unwrap();
        assert_eq!(q.qualified, expected, "{who}: {q:?}");
        assert_eq!(q.time_source, QualifiedTimeSource::ClaimedSigningTime);
        if !expected {
            assert!(q.has(|f| matches!(f, QualifiedFinding::NotAccredited { .. })));
        }
        assert!(result.to_string().contains("qualified: "), "{result}");
        let verdict = signflow::Verdict::from_xml(&result);
        assert_eq!(verdict.signers[0].qualified.as_ref(), Some(&q));
    }
}

#[cfg(feature = "cli")]
mod cli {
    use std::process::{Command, Output};

    use super::common;

    fn signflow(args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_signflow"))
            .args(args)
            .output()
            .unwrap()
    }

    fn verify(name: &str, extra: &[&str]) -> Output {
        let sig = common::testdata(&format!("tsl/{name}.p7s"));
        let tsl = common::testdata("tsl/tsl.xml");
        let mut args = vec![
            "verify",
            "cms",
            sig.to_str().unwrap(),
            "--tsl",
            tsl.to_str().unwrap(),
            "--no-revocation",
            "--at-signing-time",
        ];
        args.extend_from_slice(extra);
        signflow(&args)
    }

    fn json(out: &Output) -> serde_json::Value {
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{e}: {}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        })
    }

    #[test]
    fn verify_cms_with_tsl_reports_qualified_per_signer() {
        let out = verify("active", &["--json"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v = json(&out);
        assert_eq!(v["signers"][0]["qualified"]["qualified"], true);
        assert_eq!(
            v["signers"][0]["qualified"]["time_source"],
            "claimed_signing_time"
        );

        let out = verify("early", &["--json"]);
        assert_eq!(out.status.code(), Some(0));
        let v = json(&out);
        assert_eq!(v["signers"][0]["qualified"]["qualified"], false);
        assert_eq!(
            v["signers"][0]["qualified"]["findings"][0]["kind"],
            "not_accredited"
        );

        // --require-qualified: verifies, but not qualified → 1.
        let out = verify("early", &["--require-qualified"]);
        assert_eq!(out.status.code(), Some(1));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("qualified: no"), "{text}");
        assert!(text.contains("Прекращена"), "{text}");
        let out = verify("active", &["--require-qualified"]);
        assert_eq!(out.status.code(), Some(0));
    }

    #[test]
    fn a_malformed_tsl_is_exit_2_naming_the_element() {
        let sig = common::testdata("tsl/active.p7s");
        let tsl = common::testdata("tsl/tsl-malformed.xml");
        let out = signflow(&[
            "verify",
            "cms",
            sig.to_str().unwrap(),
            "--tsl",
            tsl.to_str().unwrap(),
            "--no-revocation",
        ]);
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("Данные"));
    }

    #[test]
    fn inspect_lists_the_cas_with_their_statuses() {
        let tsl = common::testdata("tsl/tsl.xml");
        let out = signflow(&["inspect", tsl.to_str().unwrap(), "--json"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v = json(&out);
        let list = &v["objects"][0];
        assert_eq!(list["type"], "accredited_ca_list");
        assert_eq!(list["version"], "1042");
        let statuses: Vec<_> = list["authorities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["status"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            statuses,
            ["Действует", "Действует", "Прекращена", "Прекращена"]
        );
        let out = signflow(&["inspect", tsl.to_str().unwrap()]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Прекращена since"), "{text}");
    }

    fn verify_with_list(name: &str, list: &str, extra: &[&str]) -> Output {
        let sig = common::testdata(&format!("tsl/{name}.p7s"));
        let tsl = common::testdata(&format!("tsl/{list}"));
        let mut args = vec![
            "verify".to_owned(),
            "cms".to_owned(),
            sig.display().to_string(),
            "--tsl".to_owned(),
            tsl.display().to_string(),
            "--no-revocation".to_owned(),
            "--at-signing-time".to_owned(),
        ];
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        signflow(&args)
    }

    fn operator() -> String {
        common::testdata("tsl/tsl-operator.pem")
            .display()
            .to_string()
    }

    #[test]
    fn a_signed_list_is_used_when_its_signature_verifies() {
        let op = operator();
        let out = verify_with_list("active", "tsl-signed.xml", &["--json", "--tsl-signer", &op]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v = json(&out);
        assert_eq!(v["tsl"]["signature"], "valid");
        assert!(
            v["tsl"]["signer"]
                .as_str()
                .unwrap()
                .contains("Оператор списка (тест)"),
            "{v}"
        );
        assert_eq!(v["signers"][0]["qualified"]["qualified"], true);
        let out = verify_with_list("active", "tsl-signed.xml", &["--tsl-signer", &op]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("signature verified"), "{text}");
    }

    #[test]
    fn a_list_whose_signature_fails_is_refused() {
        let op = operator();
        for (list, why) in [
            ("tsl-signed-tampered.xml", "signature is invalid"),
            ("tsl-signed-foreign.xml", "signature is"),
            ("tsl.xml", "not signed"),
        ] {
            let out = verify_with_list("active", list, &["--tsl-signer", &op]);
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{list}: {err}");
            assert!(err.contains(why), "{list}: {err}");
            assert!(
                out.stdout.is_empty(),
                "{list}: nothing is verified with a refused list"
            );
        }
    }

    #[test]
    fn without_a_list_signer_the_report_says_the_signature_was_not_checked() {
        let out = verify_with_list("active", "tsl-signed.xml", &["--json"]);
        assert_eq!(out.status.code(), Some(0));
        let v = json(&out);
        assert_eq!(v["tsl"]["signature"], "not_checked");
        assert_eq!(v["tsl"]["signed"], true);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("not checked"), "{err}");
        let out = verify_with_list("active", "tsl.xml", &[]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("unsigned; its signature was NOT checked"),
            "{text}"
        );
        // The tampered list, unchecked, is read as it is: the report says so.
        let out = verify_with_list("early", "tsl-signed-tampered.xml", &["--json"]);
        assert_eq!(json(&out)["tsl"]["signature"], "not_checked");
    }
}
