//! `signflow verify cms … --mchd FILE` and `signflow inspect` on an МЧД: the material of
//! testdata/mchd/generate.sh (openssl, its GOST engine, xmllint) through the binary, each case
//! with its exit status and reason, in text and JSON.
#![cfg(feature = "cli")]

mod common;

use std::process::{Command, Output};

use common::testdata;

const AT: &str = "2027-01-01T00:00:00Z";

fn signflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_signflow"))
        .args(args)
        .output()
        .expect("binary runs")
}

fn td(rel: &str) -> String {
    testdata(rel).display().to_string()
}

/// `verify cms` of `doc_sig` over doc.txt under МЧД `mchd`, with `extra` arguments.
fn verify(json: bool, doc_sig: &str, mchd: &str, extra: &[&str]) -> Output {
    let (sig, content, ca, gost_ca, m) = (
        td(&format!("mchd/{doc_sig}")),
        td("mchd/doc.txt"),
        td("mchd/ca.pem"),
        td("mchd/gost-ca.pem"),
        if mchd.starts_with('/') {
            mchd.to_owned()
        } else {
            td(&format!("mchd/{mchd}"))
        },
    );
    let mut args: Vec<&str> = Vec::new();
    if json {
        args.push("--json");
    }
    args.extend([
        "verify",
        "cms",
        &sig,
        "--content",
        &content,
        "--trust",
        &ca,
        "--trust",
        &gost_ca,
        "--no-revocation",
        "--at",
        AT,
        "--mchd",
        &m,
    ]);
    args.extend(extra);
    signflow(&args)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn not_revoked() -> tempfile::NamedTempFile {
    let f = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        f.path(),
        "# nothing of ours\n00000000-0000-4000-8000-000000000000\n",
    )
    .unwrap();
    f
}

#[test]
fn a_valid_mchd_authorises_the_employee() {
    let list = not_revoked();
    let list = list.path().to_str().unwrap();
    for mchd in ["valid.xml", "valid-gost.xml", "cp1251.xml"] {
        let out = verify(
            false,
            "doc.employee.p7s",
            mchd,
            &["--mchd-revoked", list, "--power", "SF_CONTRACT"],
        );
        let text = stdout(&out);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{mchd}: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            text.contains("valid: signature of ООО \"Ромашка\" (INN 7707083893, OGRN 1027700132195) by Петров Пётр Петрович under МЧД"),
            "{text}"
        );
        assert!(text.contains("claimed by the signer"), "{text}");
    }
    let out = verify(
        true,
        "doc.employee.p7s",
        "valid.xml",
        &["--mchd-revoked", list],
    );
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["legal"][0]["status"], "valid");
    assert_eq!(
        v["legal"][0]["mchd"],
        "0f1c2d3e-4b5a-4697-8a1b-2c3d4e5f6071"
    );
    assert_eq!(v["legal"][0]["signing_time_source"], "claimed");
}

#[test]
fn an_explicit_mchd_signature_path_is_used() {
    let list = not_revoked();
    let sig = td("mchd/valid.xml.sig");
    let out = verify(
        false,
        "doc.employee.p7s",
        "valid.xml",
        &[
            "--mchd-sig",
            &sig,
            "--mchd-revoked",
            list.path().to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // The altered file with the valid file's signature: tampered.
    let out = verify(
        false,
        "doc.employee.p7s",
        "altered.xml",
        &[
            "--mchd-sig",
            &sig,
            "--mchd-revoked",
            list.path().to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("altered after it was signed"));
}

#[test]
fn each_defect_is_invalid_with_its_reason() {
    let list = not_revoked();
    let list = list.path().to_str().unwrap();
    let revoked = td("mchd/revoked.txt");
    let cases: [(&str, &str, Vec<&str>, &str, &str); 8] = [
        (
            "doc.employee.p7s",
            "expired.xml",
            vec![],
            "expired",
            "had expired",
        ),
        (
            "doc.employee.p7s",
            "notyet.xml",
            vec![],
            "not_yet_valid",
            "not yet valid",
        ),
        (
            "doc.stranger.p7s",
            "valid.xml",
            vec![],
            "not_a_representative",
            "data mismatch",
        ),
        (
            "doc.employee.p7s",
            "employee-signed.xml",
            vec![],
            "not_signed_by_principal",
            "not signed by its principal",
        ),
        (
            "doc.employee.p7s",
            "altered.xml",
            vec![],
            "tampered",
            "altered after it was signed",
        ),
        (
            "doc.employee.p7s",
            "other-principal.xml",
            vec![],
            "not_signed_by_principal",
            "ООО \"Василёк\"",
        ),
        (
            "doc.employee.p7s",
            "valid.xml",
            vec!["--power", "SF_TAX_RETURN"],
            "power_missing",
            "does not grant the power SF_TAX_RETURN",
        ),
        (
            "doc.employee.p7s",
            "valid.xml",
            vec!["--mchd-revoked", &revoked],
            "revoked",
            "is revoked",
        ),
    ];
    for (doc, mchd, extra, kind, reason) in cases {
        let mut args = extra.clone();
        if !args.contains(&"--mchd-revoked") {
            args.extend(["--mchd-revoked", list]);
        }
        let out = verify(false, doc, mchd, &args);
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(1), "{mchd} {doc}: {text}");
        assert!(text.contains("invalid: not authorised"), "{text}");
        assert!(text.contains(reason), "{mchd} {doc}: {text}");
        let out = verify(true, doc, mchd, &args);
        assert_eq!(out.status.code(), Some(1));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        // The document signature itself verifies: the refusal is the МЧД's.
        assert_eq!(v["status"], "valid");
        assert_eq!(v["legal"][0]["refusal"]["kind"], kind, "{v}");
    }
}

#[test]
fn without_a_revocation_list_the_verdict_is_indeterminate() {
    let out = verify(false, "doc.employee.p7s", "valid.xml", &[]);
    assert_eq!(out.status.code(), Some(3), "{}", stdout(&out));
    assert!(stdout(&out).contains("revocation status of the МЧД"));
}

#[test]
fn format_and_usage_errors_keep_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.xml");
    let valid = std::fs::read_to_string(testdata("mchd/valid.xml")).unwrap();
    std::fs::write(&bad, valid.replace(" СрокДейст=\"2030-12-31\"", "")).unwrap();
    std::fs::copy(
        testdata("mchd/valid.xml.sig"),
        dir.path().join("bad.xml.sig"),
    )
    .unwrap();
    let out = verify(false, "doc.employee.p7s", bad.to_str().unwrap(), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("СрокДейст"));

    let garbage = dir.path().join("revoked.txt");
    std::fs::write(&garbage, "not-a-guid\n").unwrap();
    let out = verify(
        false,
        "doc.employee.p7s",
        "valid.xml",
        &["--mchd-revoked", garbage.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2));

    // --power without --mchd: usage.
    let out = signflow(&[
        "verify",
        "cms",
        &td("mchd/doc.employee.p7s"),
        "--trust",
        &td("mchd/ca.pem"),
        "--power",
        "X",
    ]);
    assert_eq!(out.status.code(), Some(64));
}

#[test]
fn inspect_shows_the_fields_of_an_mchd() {
    let out = signflow(&["inspect", &td("mchd/cp1251.xml")]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    for expected in [
        "6f7a8b9c-adbe-4f6a-8b7c-8d9eafb0c1d2",
        "windows-1251",
        "ООО \"Ромашка\" (INN 7707083893, OGRN 1027700132195)",
        "Иванов Иван Иванович, Генеральный директор",
        "Петров Пётр Петрович (INN 771234567859, SNILS 12345678964)",
        "SF_DOC_SIGN: Подписание первичных учётных документов",
        "2026-01-01 – 2030-12-31",
    ] {
        assert!(text.contains(expected), "{expected}: {text}");
    }
    let out = signflow(&["--json", "inspect", &td("mchd/valid.xml")]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["objects"][0]["type"], "mchd");
    assert_eq!(v["objects"][0]["powers"][0]["code"], "SF_DOC_SIGN");
}

/// The same checks through `verify xml` and `verify pdf`.
mod xml_and_pdf {
    use super::*;
    use signflow::crypto::CryptoProvider;
    use signflow::pki::{Certificate, UnixTime};
    use signflow::xmldsig::{SignOptions, XadesOptions};

    fn provider() -> &'static CryptoProvider {
        #[cfg(feature = "aws-lc-rs")]
        return &signflow::crypto::aws_lc::DEFAULT_PROVIDER;
        #[cfg(not(feature = "aws-lc-rs"))]
        return &signflow::crypto::rustcrypto::DEFAULT_PROVIDER;
    }

    /// An act signed enveloped by `who` (mchd/WHO.pem, its key), XAdES-BES claiming the
    /// signing time `at` when given (a plain XMLDSig without), written to a temporary file.
    pub(super) fn signed_act(
        dir: &str,
        who: &str,
        at: Option<UnixTime>,
    ) -> tempfile::NamedTempFile {
        let key = provider()
            .load_private_key_pem(
                std::str::from_utf8(&common::read(&format!("{dir}/{who}.key.pem"))).unwrap(),
            )
            .unwrap();
        let cert = Certificate::all_from_pem_or_der(&common::read(&format!("{dir}/{who}.pem")))
            .unwrap()
            .remove(0);
        let options = SignOptions {
            xades: at.map(XadesOptions::at),
            ..SignOptions::default()
        };
        let xml = signflow::xmldsig::sign(
            provider(),
            &*key,
            &cert,
            &[],
            "<Акт xmlns=\"urn:signflow:test\"><Сумма>42</Сумма></Акт>".as_bytes(),
            &options,
        )
        .unwrap();
        let file = tempfile::Builder::new().suffix(".xml").tempfile().unwrap();
        std::fs::write(file.path(), xml).unwrap();
        file
    }

    fn verify_xml(json: bool, file: &str, mchd: &str, extra: &[&str]) -> Output {
        let (ca, gost_ca, m) = (
            td("mchd/ca.pem"),
            td("mchd/gost-ca.pem"),
            td(&format!("mchd/{mchd}")),
        );
        let mut args: Vec<&str> = Vec::new();
        if json {
            args.push("--json");
        }
        args.extend([
            "verify",
            "xml",
            file,
            "--trust",
            &ca,
            "--trust",
            &gost_ca,
            "--no-revocation",
            "--at",
            AT,
            "--mchd",
            &m,
        ]);
        args.extend(extra);
        signflow(&args)
    }

    /// 1 December 2026: inside valid.xml's period, after expired.xml's, before notyet.xml's.
    fn signing_time() -> Option<UnixTime> {
        Some(UnixTime::from_utc(2026, 12, 1, 10, 0, 0))
    }

    #[test]
    fn an_xml_signature_under_a_valid_mchd_is_authorised() {
        let list = not_revoked();
        let list = list.path().to_str().unwrap();
        let act = signed_act("mchd", "employee", signing_time());
        let act = act.path().to_str().unwrap();
        let out = verify_xml(false, act, "valid.xml", &["--mchd-revoked", list]);
        let text = stdout(&out);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            text.contains("valid: signature of ООО \"Ромашка\" (INN 7707083893, OGRN 1027700132195) by Петров Пётр Петрович under МЧД"),
            "{text}"
        );
        let out = verify_xml(true, act, "valid-gost.xml", &["--mchd-revoked", list]);
        assert_eq!(out.status.code(), Some(0));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["command"], "verify xml");
        assert_eq!(v["legal"][0]["status"], "valid");
        assert_eq!(v["legal"][0]["signing_time_source"], "claimed");
    }

    #[test]
    fn each_defect_of_an_xml_signer_is_invalid_with_its_reason() {
        let list = not_revoked();
        let list = list.path().to_str().unwrap();
        let revoked = td("mchd/revoked.txt");
        let employee = signed_act("mchd", "employee", signing_time());
        let stranger = signed_act("mchd", "stranger", signing_time());
        let (employee, stranger) = (
            employee.path().to_str().unwrap(),
            stranger.path().to_str().unwrap(),
        );
        for (act, mchd, revoked_list, kind) in [
            (employee, "expired.xml", list, "expired"),
            (employee, "notyet.xml", list, "not_yet_valid"),
            (stranger, "valid.xml", list, "not_a_representative"),
            (
                employee,
                "employee-signed.xml",
                list,
                "not_signed_by_principal",
            ),
            (employee, "altered.xml", list, "tampered"),
            (employee, "valid.xml", revoked.as_str(), "revoked"),
        ] {
            let out = verify_xml(true, act, mchd, &["--mchd-revoked", revoked_list]);
            assert_eq!(
                out.status.code(),
                Some(1),
                "{mchd} {kind}: {}",
                stdout(&out)
            );
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(v["status"], "valid", "the XML signature itself verifies");
            assert_eq!(v["legal"][0]["refusal"]["kind"], kind, "{v}");
        }
        let out = verify_xml(
            false,
            employee,
            "valid.xml",
            &["--mchd-revoked", list, "--power", "SF_TAX_RETURN"],
        );
        assert_eq!(out.status.code(), Some(1));
        assert!(stdout(&out).contains("does not grant the power SF_TAX_RETURN"));
    }

    #[test]
    fn an_xml_signature_without_a_signing_time_or_revocation_list_is_indeterminate() {
        let list = not_revoked();
        let plain = signed_act("mchd", "employee", None);
        let out = verify_xml(
            false,
            plain.path().to_str().unwrap(),
            "valid.xml",
            &["--mchd-revoked", list.path().to_str().unwrap()],
        );
        assert_eq!(out.status.code(), Some(3), "{}", stdout(&out));
        assert!(
            stdout(&out).contains("has no signing time"),
            "{}",
            stdout(&out)
        );
        let act = signed_act("mchd", "employee", signing_time());
        let out = verify_xml(false, act.path().to_str().unwrap(), "valid.xml", &[]);
        assert_eq!(out.status.code(), Some(3), "{}", stdout(&out));
    }

    #[test]
    fn an_xml_signature_is_qualified_or_not_by_the_accredited_ca_list() {
        let tsl = td("tsl/tsl-signed.xml");
        let operator = td("tsl/tsl-operator.pem");
        // Signed in 2027: ca-active accredited then, ca-early's accreditation ended in 2025.
        let at = Some(UnixTime::from_utc(2027, 1, 1, 0, 0, 0));
        for (who, qualified, code) in [("signer-active", true, 0), ("signer-early", false, 1)] {
            let act = signed_act("tsl", who, at);
            let out = signflow(&[
                "--json",
                "verify",
                "xml",
                act.path().to_str().unwrap(),
                "--tsl",
                &tsl,
                "--tsl-signer",
                &operator,
                "--no-revocation",
                "--at",
                "2027-01-02T00:00:00Z",
                "--require-qualified",
            ]);
            assert_eq!(
                out.status.code(),
                Some(code),
                "{who}: {}{}",
                stdout(&out),
                String::from_utf8_lossy(&out.stderr)
            );
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(v["status"], "valid");
            assert_eq!(v["qualified"]["qualified"], qualified, "{who}: {v}");
            assert_eq!(v["qualified"]["time_source"], "claimed_signing_time");
            assert_eq!(v["tsl"]["signature"], "valid");
            if !qualified {
                assert_eq!(v["qualified"]["findings"][0]["kind"], "not_accredited");
            }
        }
        // A tampered list is refused before the document is looked at.
        let act = signed_act("tsl", "signer-active", at);
        let out = signflow(&[
            "verify",
            "xml",
            act.path().to_str().unwrap(),
            "--tsl",
            &td("tsl/tsl-signed-tampered.xml"),
            "--tsl-signer",
            &operator,
            "--no-revocation",
            "--at",
            "2027-01-02T00:00:00Z",
        ]);
        assert_eq!(out.status.code(), Some(1));
    }

    fn verify_pdf(extra: &[&str]) -> Output {
        let (pdf, root, inter) = (
            td("pdf/two-signatures.pdf"),
            td("pki/root-ca.pem"),
            td("pki/intermediate-ca.pem"),
        );
        let mut args = vec![
            "verify",
            "pdf",
            &pdf,
            "--trust",
            &root,
            "--untrusted",
            &inter,
            "--no-revocation",
            "--at",
            AT,
        ];
        args.extend(extra);
        signflow(&args)
    }

    #[test]
    fn pdf_signers_get_a_legal_verdict_and_a_qualified_decision() {
        let list = not_revoked();
        let list = list.path().to_str().unwrap();
        let (mchd, ca) = (td("mchd/valid.xml"), td("mchd/ca.pem"));
        // Without the МЧД flags the PDF verifies.
        assert_eq!(verify_pdf(&[]).status.code(), Some(0));
        // Its signers (the test PKI's, no INN or SNILS) are no representatives of the МЧД.
        let out = verify_pdf(&[
            "--json",
            "--trust",
            &ca,
            "--mchd",
            &mchd,
            "--mchd-revoked",
            list,
        ]);
        assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["command"], "verify pdf");
        assert_eq!(v["status"], "valid");
        let legal = v["legal"].as_array().unwrap();
        assert_eq!(legal.len(), 2, "one verdict per signature's signer: {v}");
        for verdict in legal {
            assert_eq!(verdict["refusal"]["kind"], "not_a_representative", "{v}");
        }
        // With the accredited-CA list: reported not qualified (not a listed root, not GOST);
        // --require-qualified refuses.
        let tsl = td("tsl/tsl.xml");
        let out = verify_pdf(&["--json", "--tsl", &tsl]);
        assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        for s in v["signatures"].as_array().unwrap() {
            let q = &s["cms"]["signers"][0]["qualified"];
            assert_eq!(q["qualified"], false, "{v}");
            assert!(
                q["findings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|f| f["kind"] == "not_gost_key"),
                "{q}"
            );
        }
        assert_eq!(v["tsl"]["signature"], "not_checked");
        let out = verify_pdf(&["--tsl", &tsl, "--require-qualified"]);
        assert_eq!(out.status.code(), Some(1));
    }
}
