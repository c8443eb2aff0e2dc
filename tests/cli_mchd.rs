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
