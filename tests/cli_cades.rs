//! `signflow tsa serve`, `signflow cades extend` and `sign xml --xades/--tsa`: a loopback TSA run by the CLI, a
//! CAdES-BES made by OpenSSL (testdata/cades) extended to CAdES-T through it, and the result
//! verified by `verify cms` with its level.

mod common;

#[cfg(feature = "network")]
use std::io::{BufRead, BufReader};
use std::process::Command;
#[cfg(feature = "network")]
use std::process::Stdio;

use common::testdata;

fn signflow() -> Command {
    Command::new(env!("CARGO_BIN_EXE_signflow"))
}

/// Starts `tsa serve` on a free loopback port for `requests` connections; its URL.
#[cfg(feature = "network")]
fn serve(requests: usize) -> (std::process::Child, String) {
    let mut child = signflow()
        .args([
            "--json",
            "tsa",
            "serve",
            "--policy",
            "1.2.3.4.1",
            "--listen",
            "127.0.0.1:0",
        ])
        .arg("--max-requests")
        .arg(requests.to_string())
        .arg("--key")
        .arg(testdata("tsp/tsa.key.pem"))
        .arg("--cert")
        .arg(testdata("tsp/tsa.pem"))
        .arg("--chain")
        .arg(testdata("pki/intermediate-ca.pem"))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    let started: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(started["status"], "listening");
    (child, started["url"].as_str().unwrap().to_owned())
}

#[test]
fn usage_and_input_errors_keep_the_contract() {
    // Not a policy OID: 64; a signature that is no CMS: 2; no TSA listening: 74 (network) or
    // 64 (built without it).
    let out = signflow()
        .args(["tsa", "serve", "--policy", "not-an-oid", "--key"])
        .arg(testdata("tsp/tsa.key.pem"))
        .arg("--cert")
        .arg(testdata("tsp/tsa.pem"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(64), "{out:?}");
    let dir = tempfile::tempdir().unwrap();
    let out = signflow()
        .args(["cades", "extend", "--tsa", "http://127.0.0.1:9/", "-o"])
        .arg(dir.path().join("x"))
        .arg(testdata("cades/data.txt"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let out = signflow()
        .args(["cades", "extend", "--tsa", "http://127.0.0.1:9/", "-o"])
        .arg(dir.path().join("x"))
        .arg(testdata("cades/short.p7s"))
        .output()
        .unwrap();
    let want = if cfg!(feature = "network") { 74 } else { 64 };
    assert_eq!(out.status.code(), Some(want), "{out:?}");
}

#[cfg(feature = "network")]
#[test]
fn extend_to_t_through_the_cli_tsa() {
    let (mut tsa, url) = serve(2);
    let dir = tempfile::tempdir().unwrap();
    let extended = dir.path().join("t.p7s");
    let out = signflow()
        .args([
            "--json", "cades", "extend", "--to", "t", "--tsa", &url, "-o",
        ])
        .arg(&extended)
        .arg(testdata("cades/revoked-later.p7s"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    // `sign cms --tsa`: CAdES-T in one step.
    let signed = dir.path().join("signed.p7s");
    let out = signflow()
        .args(["--json", "sign", "cms", "--detached", "--tsa", &url, "-o"])
        .arg(&signed)
        .arg("--key")
        .arg(testdata("cades/revoked-later.key.pem"))
        .arg("--cert")
        .arg(testdata("cades/revoked-later.pem"))
        .arg(testdata("cades/data.txt"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let said: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(said["time_stamped"], true);
    assert!(
        tsa.wait().unwrap().success(),
        "tsa serve exits 0 after its requests"
    );
    for file in [&extended, &signed] {
        check_level_t(file);
    }
}

#[cfg(feature = "network")]
fn check_level_t(file: &std::path::Path) {
    let out = signflow()
        .args(["--json", "verify", "cms"])
        .arg(file)
        .arg("--content")
        .arg(testdata("cades/data.txt"))
        .arg("--trust")
        .arg(testdata("pki/root-ca.pem"))
        .arg("--untrusted")
        .arg(testdata("pki/intermediate-ca.pem"))
        .arg("--crl")
        .arg(testdata("pki/root-ca.crl.pem"))
        .arg("--crl")
        .arg(testdata("cades/intermediate-ca.crl.pem"))
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let signer = &report["report"]["signers"][0];
    let signer = if signer.is_null() {
        &report["signers"][0]
    } else {
        signer
    };
    assert_eq!(signer["level"], "CAdES-T", "{report}");
    assert_eq!(signer["timestamps"][0]["status"], "valid", "{report}");
    // The verdict and the exit status agree, whatever the date (the signer is revoked 30 days
    // after testdata/cades was made, and the stamp is of today).
    let code = out.status.code().unwrap();
    assert!(code == 0 || code == 1, "{out:?}");
}

/// `cades extend --to xl1` from OpenSSL's CAdES-BES (the `wrong-imprint` signer, whose
/// certificate stays good until 2036 — its bad token is not used here): stamped (CAdES-T) and
/// extended from the validation with the test PKI's chain and CRLs through the CLI TSA;
/// `verify cms` then reaches "CAdES-X Long Type 1" with nothing but the root — no
/// --untrusted, --crl or --ocsp —, as it does on the committed revoked-later.xl1.p7s (whose
/// signer was revoked after its proven signing time). An invalid signature is refused (1)
/// before anything is stamped, and without --trust it is a usage error (64).
#[cfg(feature = "network")]
#[test]
fn extend_to_xl1_verifies_offline() {
    let (mut tsa, url) = serve(2);
    let dir = tempfile::tempdir().unwrap();
    let extended = dir.path().join("xl1.p7s");
    let out = signflow()
        .args([
            "--json", "cades", "extend", "--to", "xl1", "--tsa", &url, "-o",
        ])
        .arg(&extended)
        .arg("--content")
        .arg(testdata("cades/data.txt"))
        .arg("--trust")
        .arg(testdata("pki/root-ca.pem"))
        .arg("--untrusted")
        .arg(testdata("pki/intermediate-ca.pem"))
        .arg("--crl")
        .arg(testdata("pki/root-ca.crl.pem"))
        .arg("--crl")
        .arg(testdata("cades/intermediate-ca.crl.pem"))
        .arg(testdata("cades/wrong-imprint.p7s"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let said: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(said["level"], "CAdES-X Long Type 1");
    assert!(tsa.wait().unwrap().success());
    for file in [extended.clone(), testdata("cades/revoked-later.xl1.p7s")] {
        let out = signflow()
            .args(["--json", "verify", "cms", "--at", "2028-12-01T00:00:00Z"])
            .arg(&file)
            .arg("--content")
            .arg(testdata("cades/data.txt"))
            .arg("--trust")
            .arg(testdata("pki/root-ca.pem"))
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(out.status.code(), Some(0), "{report}");
        let signer = &report["signers"][0];
        assert_eq!(signer["level"], "CAdES-X Long Type 1", "{report}");
        assert_eq!(signer["validation_time_source"], "signature_timestamp");
    }

    // Revoked before its stamp: refused, nothing written.
    let refused = dir.path().join("refused.p7s");
    let out = signflow()
        .args(["cades", "extend", "--to", "xl1", "--tsa", &url, "-o"])
        .arg(&refused)
        .arg("--content")
        .arg(testdata("cades/data.txt"))
        .arg("--trust")
        .arg(testdata("pki/root-ca.pem"))
        .arg("--crl")
        .arg(testdata("pki/root-ca.crl.pem"))
        .arg("--crl")
        .arg(testdata("cades/intermediate-ca.crl.pem"))
        .arg(testdata("cades/revoked-before.p7s"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(!refused.exists());
    let out = signflow()
        .args(["cades", "extend", "--to", "xl1", "--tsa", &url, "-o"])
        .arg(&refused)
        .arg(testdata("cades/revoked-later.p7s"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(64), "{out:?}");
}

/// `cades extend --to a`: the committed X-L1 (revoked-later.xl1.p7s) archived with nothing but
/// the root (its values suffice), and OpenSSL's CAdES-BES taken through T and X-L1 to A in one
/// command with the full material; `verify cms` reports "CAdES-A" with only the root for
/// both and for the committed revoked-later.a.p7s (testdata/cades/generate-a.sh), the archive
/// time-stamp listed as `archive_timestamp_v3`. A signature whose content file is not given
/// cannot be archived (its content hash is stamped): a usage error of the content, not a
/// stamp.
#[cfg(feature = "network")]
#[test]
fn extend_to_a_verifies_offline() {
    let (mut tsa, url) = serve(4);
    let dir = tempfile::tempdir().unwrap();
    let from_xl1 = dir.path().join("from-xl1.p7s");
    let out = signflow()
        .args([
            "--json", "cades", "extend", "--to", "a", "--tsa", &url, "-o",
        ])
        .arg(&from_xl1)
        .arg("--content")
        .arg(testdata("cades/data.txt"))
        .arg("--trust")
        .arg(testdata("pki/root-ca.pem"))
        .arg(testdata("cades/revoked-later.xl1.p7s"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let said: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(said["level"], "CAdES-A");
    let from_bes = dir.path().join("from-bes.p7s");
    let out = signflow()
        .args(["cades", "extend", "--to", "a", "--tsa", &url, "-o"])
        .arg(&from_bes)
        .arg("--content")
        .arg(testdata("cades/data.txt"))
        .arg("--trust")
        .arg(testdata("pki/root-ca.pem"))
        .arg("--untrusted")
        .arg(testdata("pki/intermediate-ca.pem"))
        .arg("--crl")
        .arg(testdata("pki/root-ca.crl.pem"))
        .arg("--crl")
        .arg(testdata("cades/intermediate-ca.crl.pem"))
        .arg(testdata("cades/wrong-imprint.p7s"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(tsa.wait().unwrap().success());
    for file in [from_xl1, from_bes, testdata("cades/revoked-later.a.p7s")] {
        let out = signflow()
            .args(["--json", "verify", "cms", "--at", "2028-12-01T00:00:00Z"])
            .arg(&file)
            .arg("--content")
            .arg(testdata("cades/data.txt"))
            .arg("--trust")
            .arg(testdata("pki/root-ca.pem"))
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(out.status.code(), Some(0), "{}: {report}", file.display());
        let signer = &report["signers"][0];
        assert_eq!(signer["level"], "CAdES-A", "{report}");
        let stamps = signer["timestamps"].as_array().unwrap();
        let last = stamps.last().unwrap();
        assert_eq!(last["kind"], "archive_timestamp_v3", "{report}");
        assert_eq!(last["status"], "valid", "{report}");
        let text = signflow()
            .args(["verify", "cms", "--at", "2028-12-01T00:00:00Z"])
            .arg(&file)
            .arg("--content")
            .arg(testdata("cades/data.txt"))
            .arg("--trust")
            .arg(testdata("pki/root-ca.pem"))
            .output()
            .unwrap();
        assert!(
            String::from_utf8_lossy(&text.stdout).contains("CAdES-A"),
            "{text:?}"
        );
    }
}

/// `sign xml FILE`, with `--xades` for XAdES-BES and `--tsa` for XAdES-T; `verify xml` reports
/// the level.
fn sign_xml_at_level(dir: &std::path::Path, extra: &[&str]) -> serde_json::Value {
    let input = dir.join("act.xml");
    std::fs::write(
        &input,
        "<Act xmlns=\"urn:signflow:test\"><Amount>17</Amount></Act>",
    )
    .unwrap();
    let signed = dir.join("signed.xml");
    let out = signflow()
        .args(["--json", "sign", "xml", "-o"])
        .arg(&signed)
        .args(extra)
        .arg("--key")
        .arg(testdata("pki/leaf-rsa.key.pem"))
        .arg("--cert")
        .arg(testdata("pki/leaf-rsa.pem"))
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let said: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let out = signflow()
        .args(["--json", "verify", "xml"])
        .arg(&signed)
        .arg("--trust")
        .arg(testdata("pki/root-ca.pem"))
        .arg("--untrusted")
        .arg(testdata("pki/intermediate-ca.pem"))
        .arg("--crl")
        .arg(testdata("pki/root-ca.crl.pem"))
        .arg("--crl")
        .arg(testdata("pki/intermediate-ca.crl.pem"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(said["level"], report["xades"]["level"], "{report}");
    report
}

#[test]
fn sign_xml_xades_bes_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let report = sign_xml_at_level(dir.path(), &["--xades"]);
    assert_eq!(report["xades"]["level"], "XAdES-BES", "{report}");
    assert!(report["xades"]["signing_time"].is_string(), "{report}");
    // Without --xades: plain XMLDSig, no qualifying properties.
    let report = sign_xml_at_level(dir.path(), &[]);
    assert!(report["xades"].is_null(), "{report}");
}

#[cfg(feature = "network")]
#[test]
fn sign_xml_xades_t_through_the_cli_tsa() {
    let (mut tsa, url) = serve(1);
    let dir = tempfile::tempdir().unwrap();
    let report = sign_xml_at_level(dir.path(), &["--tsa", &url]);
    assert!(tsa.wait().unwrap().success());
    assert_eq!(report["xades"]["level"], "XAdES-T", "{report}");
    assert_eq!(
        report["xades"]["timestamps"][0]["status"], "valid",
        "{report}"
    );
    // Verified a moment after stamping: the proven time (genTime plus its accuracy) is not
    // before the given time, so the certificate is validated at the given time.
    assert!(
        report["xades"]["proven_signing_time"].is_string(),
        "{report}"
    );
}
