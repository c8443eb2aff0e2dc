//! `signflow verify-batch`: JSON lines, the summary, exit statuses.
#![cfg(feature = "cli")]

mod common;

use std::process::Command;

fn run(dir: &std::path::Path, extra: &[&str]) -> std::process::Output {
    let t = |rel: &str| common::testdata(rel).to_str().unwrap().to_owned();
    Command::new(env!("CARGO_BIN_EXE_signflow"))
        .arg("verify-batch")
        .arg(dir)
        .args(["--trust", &t("pki/root-ca.pem")])
        .args(["--untrusted", &t("pki/intermediate-ca.pem")])
        .args(["--crl", &t("pki/root-ca.crl.pem")])
        .args(["--crl", &t("pki/intermediate-ca.crl.pem")])
        .args(["--at", "2027-01-01T00:00:00Z"])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn verify_batch_reports_each_file_and_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let copy = |from: &str, to: &str| {
        std::fs::copy(common::testdata(from), dir.path().join(to)).unwrap();
    };
    copy("cms/rsa-attached.der", "a.p7s");
    copy("cms/ecdsa-detached.der", "b.txt.p7s");
    copy("cms/content.txt", "b.txt");
    copy("xmldsig/xmlsec1-signed-rsa.xml", "c.xml");
    let out = run(dir.path(), &["--json", "--jobs", "2"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4, "three results and the summary");
    assert!(
        lines[..3].iter().all(|l| l["outcome"] == "valid"),
        "{lines:?}"
    );
    assert_eq!(lines[3]["summary"]["valid"], 3);

    // A revoked signer makes the batch invalid (1); the table names the file and why.
    copy("cms/revoked-signer-attached.der", "d.p7s");
    std::fs::write(dir.path().join("e.p7s"), b"junk").unwrap();
    let out = run(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("d.p7s") && text.contains("revoked"), "{text}");
    assert!(text.contains("e.p7s"), "{text}");
    std::fs::remove_file(dir.path().join("d.p7s")).unwrap();
    // Without invalid files, a format error is 2.
    assert_eq!(run(dir.path(), &[]).status.code(), Some(2));
    // Nothing to verify is a usage error.
    let empty = tempfile::tempdir().unwrap();
    assert_eq!(run(empty.path(), &[]).status.code(), Some(64));
}
