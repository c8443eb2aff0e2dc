//! Machine-readable powers of attorney (МЧД, EMCHD_1): files made by testdata/mchd/generate.sh
//! (schema-checked by xmllint, signed by openssl cms and its GOST engine) parsed, their
//! principal's signature checked, and document signatures made by openssl judged under them.

mod common;

use signflow::cms::{SignedData, Verifier, VerifyOptions, VerifyReport};
use signflow::mchd::{
    AuthorityRequest, LegalVerdict, MchdError, MchdLimits, MchdRefusal, MchdRevocation,
    PowerOfAttorney, Principal, Redelegation, Representative, RevocationStatus, RevokedList,
    SigningTimeSource, authorise, check_principal_signature,
};
use signflow::pki::{RevocationMode, Status, TrustContext, UnixTime};

const VALID_GUID: &str = "0f1c2d3e-4b5a-4697-8a1b-2c3d4e5f6071";

fn context() -> TrustContext {
    TrustContext::builder()
        .anchors_pem_or_der(&common::read("mchd/ca.pem"))
        .unwrap()
        .anchors_pem_or_der(&common::read("mchd/gost-ca.pem"))
        .unwrap()
        .build()
}

fn options(context: &TrustContext) -> VerifyOptions {
    let mut options = VerifyOptions::with_validation(
        context.validation_at(UnixTime::from_utc(2027, 1, 1, 0, 0, 0)),
    );
    // The test PKI publishes no CRLs.
    options.validation.revocation = RevocationMode::Off;
    options
}

fn verify_detached(context: &TrustContext, sig: &str, content: &[u8]) -> VerifyReport {
    let sd = SignedData::from_pem_or_ber(&common::read(sig)).unwrap();
    Verifier::from_context(context)
        .verify_detached_bytes(&sd, content, &options(context))
        .unwrap()
}

fn mchd(name: &str) -> PowerOfAttorney {
    PowerOfAttorney::parse(&common::read(&format!("mchd/{name}")))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The legal verdict on the document signature `doc_sig` (over doc.txt) under МЧД `name`
/// (signed by `name`.sig).
fn judge(
    name: &str,
    doc_sig: &str,
    request: &AuthorityRequest,
    revocation: &dyn MchdRevocation,
) -> LegalVerdict {
    let context = context();
    let bytes = common::read(&format!("mchd/{name}"));
    let mchd = PowerOfAttorney::parse(&bytes).unwrap();
    let principal = check_principal_signature(
        &mchd,
        &verify_detached(&context, &format!("mchd/{name}.sig"), &bytes),
    );
    let doc = verify_detached(
        &context,
        &format!("mchd/{doc_sig}"),
        &common::read("mchd/doc.txt"),
    );
    assert_eq!(doc.status, Status::Valid, "{doc}");
    authorise(&mchd, &principal, &doc.signers[0], request, revocation)
}

fn not_revoked() -> RevokedList {
    RevokedList::new(["00000000-0000-4000-8000-000000000000"])
}

#[test]
fn parses_the_fields_of_an_organisations_mchd() {
    let m = mchd("valid.xml");
    assert_eq!(m.number, VALID_GUID);
    assert_eq!(m.internal_number, "42/2026");
    assert_eq!(m.issued_on.to_string(), "2026-01-01");
    assert_eq!(m.valid_until.to_string(), "2030-12-31");
    assert_eq!(m.redelegation, Redelegation::Once);
    assert_eq!(m.encoding, "UTF-8");
    let [
        Principal::Organisation {
            organisation,
            directors,
            ..
        },
    ] = &m.principals[..]
    else {
        panic!("{:?}", m.principals)
    };
    assert_eq!(organisation.name, "ООО \"Ромашка\"");
    assert_eq!(organisation.inn.as_deref(), Some("7707083893"));
    assert_eq!(organisation.ogrn.as_deref(), Some("1027700132195"));
    assert_eq!(organisation.kpp, "770701001");
    assert_eq!(directors.len(), 1);
    assert_eq!(directors[0].full_name(), "Иванов Иван Иванович");
    assert_eq!(directors[0].inn.as_deref(), Some("500100732259"));
    assert_eq!(directors[0].snils.as_deref(), Some("11223344595"));
    assert_eq!(
        directors[0].position.as_deref(),
        Some("Генеральный директор")
    );
    let [Representative::Person { person }] = &m.representatives[..] else {
        panic!("{:?}", m.representatives)
    };
    assert_eq!(person.full_name(), "Петров Пётр Петрович");
    assert_eq!(person.inn.as_deref(), Some("771234567859"));
    assert_eq!(person.snils.as_deref(), Some("12345678964"));
    assert_eq!(m.power_codes(), ["SF_DOC_SIGN", "SF_CONTRACT"]);
    assert_eq!(m.powers[1].name, "Подписание договоров");
    assert!(!m.joint_powers);
    let shown = m.to_string();
    assert!(shown.contains("Петров Пётр Петрович"), "{shown}");
}

#[test]
fn a_windows_1251_file_reads_like_its_utf8_twin() {
    let utf8 = mchd("valid.xml");
    let cp = mchd("cp1251.xml");
    assert_eq!(cp.encoding, "windows-1251");
    assert_eq!(cp.principals, utf8.principals);
    assert_eq!(cp.representatives, utf8.representatives);
    assert_eq!(cp.powers, utf8.powers);
}

#[test]
fn format_errors_name_the_element_or_attribute() {
    let valid = String::from_utf8(common::read("mchd/valid.xml")).unwrap();
    let cases = [
        (valid.replace(" СрокДейст=\"2030-12-31\"", ""), "СрокДейст"),
        (
            valid.replace("СрокДейст=\"2030-12-31\"", "СрокДейст=\"2030-02-30\""),
            "СрокДейст",
        ),
        (valid.replace(VALID_GUID, "not-a-guid"), "НомДовер"),
        (
            valid.replace("ИННФЛ=\"771234567859\"", "ИННФЛ=\"77123\""),
            "ИННФЛ",
        ),
        (
            valid.replace("СНИЛС=\"123-456-789 64\"", "СНИЛС=\"12345678964\""),
            "СНИЛС",
        ),
        (
            valid.replace("ВерсФорм=\"EMCHD_1\"", "ВерсФорм=\"EMCHD_0\""),
            "ВерсФорм",
        ),
        (
            valid
                .replace("<СвПолн ТипПолн=\"1\" ПрСовмПолн=\"1\">", "<СвПолнX>")
                .replace("</СвПолн>", "</СвПолнX>"),
            "СвПолн",
        ),
        (
            valid.replace("urn://x-artefacts/EMCHD_1", "urn:other"),
            "Доверенность",
        ),
        ("<Доверенность".to_owned(), "well-formed"),
    ];
    for (text, named) in cases {
        let err = PowerOfAttorney::parse(text.as_bytes()).expect_err(named);
        assert!(err.to_string().contains(named), "{named}: {err}");
    }
}

#[test]
fn limits_refuse_oversized_input() {
    let valid = common::read("mchd/valid.xml");
    let small = MchdLimits {
        max_size: 100,
        ..MchdLimits::default()
    };
    assert!(matches!(
        PowerOfAttorney::parse_with(&valid, &small),
        Err(MchdError::Xml(_))
    ));
    // 300 representatives against a limit of 256.
    let text = String::from_utf8(valid).unwrap();
    let start = text.find("<СвУпПред").unwrap();
    let end = text.find("</СвУпПред>").unwrap() + "</СвУпПред>".len();
    let many = format!(
        "{}{}{}",
        &text[..start],
        text[start..end].repeat(300),
        &text[end..]
    );
    assert!(matches!(
        PowerOfAttorney::parse(many.as_bytes()),
        Err(MchdError::Limit {
            element: "СвУпПред",
            ..
        })
    ));
}

#[test]
fn employee_under_a_valid_mchd_signs_for_the_organisation() {
    for name in ["valid.xml", "valid-gost.xml", "cp1251.xml"] {
        let v = judge(
            name,
            "doc.employee.p7s",
            &AuthorityRequest::new().with_power("SF_DOC_SIGN"),
            &not_revoked(),
        );
        assert_eq!(v.status, Status::Valid, "{name}: {v}");
        assert!(v.refusal.is_none());
        assert_eq!(v.signer, "Петров Пётр Петрович");
        assert_eq!(v.signing_time_source, SigningTimeSource::Claimed);
        assert!(
            v.sentence.starts_with(
                "signature of ООО \"Ромашка\" (INN 7707083893, OGRN 1027700132195) by Петров Пётр Петрович under МЧД"
            ),
            "{v}"
        );
        assert!(v.sentence.contains("SF_DOC_SIGN, SF_CONTRACT"), "{v}");
        assert!(v.principal_signer.is_some());
    }
}

#[test]
fn the_gost_mchd_is_signed_with_gost() {
    let context = context();
    let bytes = common::read("mchd/valid-gost.xml");
    let report = verify_detached(&context, "mchd/valid-gost.xml.sig", &bytes);
    assert_eq!(report.status, Status::Valid, "{report}");
    assert!(
        report.signers[0].signature_algorithm.contains("34.10"),
        "{}",
        report.signers[0].signature_algorithm
    );
}

fn refusal(name: &str, doc_sig: &str, request: &AuthorityRequest) -> (Status, MchdRefusal) {
    let v = judge(name, doc_sig, request, &not_revoked());
    let sentence = v.sentence.clone();
    (
        v.status,
        v.refusal
            .unwrap_or_else(|| panic!("{name}/{doc_sig}: {sentence}")),
    )
}

#[test]
fn each_defect_gives_its_reason() {
    let any = AuthorityRequest::new();
    let (s, r) = refusal("expired.xml", "doc.employee.p7s", &any);
    assert_eq!(s, Status::Invalid);
    assert!(
        matches!(
            r,
            MchdRefusal::Expired {
                time_source: SigningTimeSource::Claimed,
                ..
            }
        ),
        "{r}"
    );

    let (s, r) = refusal("notyet.xml", "doc.employee.p7s", &any);
    assert_eq!(s, Status::Invalid);
    assert!(matches!(r, MchdRefusal::NotYetValid { .. }), "{r}");

    let (s, r) = refusal("valid.xml", "doc.stranger.p7s", &any);
    assert_eq!(s, Status::Invalid);
    assert!(matches!(r, MchdRefusal::NotARepresentative { .. }), "{r}");
    assert!(r.to_string().contains("data mismatch"), "{r}");

    let (s, r) = refusal("employee-signed.xml", "doc.employee.p7s", &any);
    assert_eq!(s, Status::Invalid);
    assert!(matches!(r, MchdRefusal::NotSignedByPrincipal { .. }), "{r}");

    let (s, r) = refusal("other-principal.xml", "doc.employee.p7s", &any);
    assert_eq!(s, Status::Invalid);
    let MchdRefusal::NotSignedByPrincipal { reason, .. } = &r else {
        panic!("{r}")
    };
    assert!(reason.contains("INN"), "{r}");

    let (s, r) = refusal("altered.xml", "doc.employee.p7s", &any);
    assert_eq!(s, Status::Invalid);
    assert_eq!(r, MchdRefusal::Tampered);

    let (s, r) = refusal(
        "valid.xml",
        "doc.employee.p7s",
        &AuthorityRequest::new().with_power("SF_TAX_RETURN"),
    );
    assert_eq!(s, Status::Invalid);
    assert!(
        matches!(r, MchdRefusal::PowerMissing { ref code, .. } if code == "SF_TAX_RETURN"),
        "{r}"
    );
}

#[test]
fn revocation_comes_from_the_caller() {
    let revoked =
        RevokedList::parse(&String::from_utf8(common::read("mchd/revoked.txt")).unwrap()).unwrap();
    assert_eq!(revoked.len(), 1);
    let v = judge(
        "valid.xml",
        "doc.employee.p7s",
        &AuthorityRequest::new(),
        &revoked,
    );
    assert_eq!(v.status, Status::Invalid);
    assert!(
        matches!(v.refusal, Some(MchdRefusal::Revoked { .. })),
        "{v}"
    );

    struct Unreachable;
    impl MchdRevocation for Unreachable {
        fn status(&self, _: &str, _: UnixTime) -> RevocationStatus {
            RevocationStatus::Unknown
        }
    }
    let v = judge(
        "valid.xml",
        "doc.employee.p7s",
        &AuthorityRequest::new(),
        &Unreachable,
    );
    assert_eq!(v.status, Status::Indeterminate, "{v}");

    // Revoked after a merely claimed signing time: still refused (the time is not proven).
    struct RevokedLater;
    impl MchdRevocation for RevokedLater {
        fn status(&self, _: &str, _: UnixTime) -> RevocationStatus {
            RevocationStatus::Revoked {
                since: Some(UnixTime::from_utc(2030, 1, 1, 0, 0, 0)),
            }
        }
    }
    let v = judge(
        "valid.xml",
        "doc.employee.p7s",
        &AuthorityRequest::new(),
        &RevokedLater,
    );
    assert_eq!(v.status, Status::Invalid, "{v}");

    assert!(
        RevokedList::parse("not a guid\n")
            .unwrap_err()
            .to_string()
            .contains("line 1")
    );
}

/// The combined legal verdict in the library's `Verdict` (issue 21, item 4): one answer per
/// signer — whom it signed for, by whom, on what basis, qualified or not — and an МЧД that
/// does not authorise the signer makes a valid verdict invalid (or indeterminate) with the
/// МЧД's reason first.
#[test]
fn one_combined_legal_verdict_per_signer_in_the_verdict() {
    use signflow::verdict::{LegalBasis, Outcome, Verdict};
    let context = context();
    let text = common::read("mchd/doc.txt");
    let doc = verify_detached(&context, "mchd/doc.employee.p7s", &text);

    // A personal certificate alone binds the person only.
    let plain = Verdict::from_cms(&doc);
    assert_eq!(plain.outcome, Outcome::Valid, "{plain}");
    let legal = &plain.signers[0].legal;
    assert_eq!(legal.basis, LegalBasis::Personal);
    assert_eq!(legal.organisation, None);
    assert_eq!(legal.qualified, None, "no accredited-CA list was consulted");
    assert!(legal.sentence.contains("Петров Пётр Петрович"), "{legal}");
    assert!(legal.sentence.contains("no МЧД was presented"), "{legal}");

    // Under the valid МЧД: a signature of Ромашка by its representative.
    let valid = judge(
        "valid.xml",
        "doc.employee.p7s",
        &AuthorityRequest::new(),
        &not_revoked(),
    );
    let v = Verdict::from_cms(&doc).with_mchd(&[Some(valid)]);
    assert_eq!(v.outcome, Outcome::Valid, "{v}");
    let legal = &v.signers[0].legal;
    assert_eq!(legal.basis, LegalBasis::Mchd);
    assert_eq!(legal.status, Status::Valid);
    assert_eq!(legal.mchd.as_deref(), Some(VALID_GUID));
    assert_eq!(legal.person, "Петров Пётр Петрович");
    assert!(
        legal.sentence.starts_with(
            "signature of ООО \"Ромашка\" (INN 7707083893, OGRN 1027700132195) by Петров Пётр \
             Петрович under МЧД 0f1c2d3e"
        ),
        "{legal}"
    );
    let json = serde_json::to_value(&v).unwrap();
    assert_eq!(json["signers"][0]["legal"]["basis"], "mchd", "{json}");

    // Under an expired МЧД: invalid, the МЧД's reason first.
    let expired = judge(
        "expired.xml",
        "doc.employee.p7s",
        &AuthorityRequest::new(),
        &not_revoked(),
    );
    let v = Verdict::from_cms(&doc).with_mchd(&[Some(expired)]);
    assert_eq!(v.outcome, Outcome::Invalid, "{v}");
    assert!(v.reason().unwrap().contains("had expired"), "{v}");
    assert_eq!(v.signers[0].legal.basis, LegalBasis::NotAuthorised);
    assert_eq!(v.signers[0].legal.status, Status::Invalid);

    // Revocation status unknown: indeterminate, never valid.
    struct Unknown;
    impl MchdRevocation for Unknown {
        fn status(&self, _: &str, _: UnixTime) -> RevocationStatus {
            RevocationStatus::Unknown
        }
    }
    let unknown = judge(
        "valid.xml",
        "doc.employee.p7s",
        &AuthorityRequest::new(),
        &Unknown,
    );
    let v = Verdict::from_cms(&doc).with_mchd(&[Some(unknown)]);
    assert_eq!(v.outcome, Outcome::Indeterminate, "{v}");

    // The director's own certificate (INNLE and OGRN): the organisation, no МЧД needed.
    let provider = signflow::crypto::CryptoProvider::all_compiled()[0];
    let key = provider
        .load_private_key_pem(&String::from_utf8(common::read("mchd/director.key.pem")).unwrap())
        .unwrap();
    let cert = signflow::pki::Certificate::all_from_pem_or_der(&common::read("mchd/director.pem"))
        .unwrap()
        .remove(0);
    let director = signflow::SigningIdentity::new(key, cert, Vec::new())
        .unwrap()
        .with_provider(provider);
    let at = UnixTime::from_utc(2027, 1, 1, 0, 0, 0);
    let sig = director
        .sign_cms_detached(&text, &signflow::cms::SignOptions::at(at))
        .unwrap();
    let report = Verifier::from_context(&context)
        .verify_detached_bytes(&sig, &text, &options(&context))
        .unwrap();
    let v = Verdict::from_cms(&report);
    assert_eq!(v.outcome, Outcome::Valid, "{v}");
    let legal = &v.signers[0].legal;
    assert_eq!(legal.basis, LegalBasis::Organisation);
    assert_eq!(
        legal.organisation.as_deref(),
        Some("ООО \"Ромашка\" (INN 7707083893, OGRN 1027700132195)")
    );
    assert!(
        legal
            .sentence
            .contains("by Иванов Иван Иванович, Генеральный директор"),
        "{legal}"
    );
}
