//! The `signflow` binary: exit statuses and output of the commands that exist so far.
#![cfg(feature = "cli")]

use std::process::Command;

fn signflow(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_signflow"))
        .args(args)
        .output()
        .expect("binary runs")
}

#[test]
fn demo_succeeds_and_reports_each_step() {
    let out = signflow(&["demo"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("tampered copy: rejected"), "{stdout}");
    assert!(!stdout.contains("FAIL"), "{stdout}");
}

#[test]
fn demo_json_is_one_document_with_every_step_ok() {
    let out = signflow(&["demo", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(report["ok"], true);
    let steps = report["steps"].as_array().unwrap();
    assert!(steps.len() >= 10, "{report}");
    assert!(steps.iter().all(|s| s["ok"] == true), "{report}");
}

#[test]
fn demo_keeps_its_files_where_asked() {
    let dir = tempfile::tempdir().unwrap();
    let out = signflow(&["demo", "--keep", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    for name in [
        "act-17.txt",
        "act-17.rsa2048.sig",
        "act-17.ed25519.sig",
        "act-17.tampered.txt",
    ] {
        assert!(dir.path().join(name).is_file(), "{name} missing");
    }
}

#[test]
fn usage_errors_exit_64() {
    assert_eq!(signflow(&["no-such-command"]).status.code(), Some(64));
    assert_eq!(
        signflow(&["demo", "--no-such-flag"]).status.code(),
        Some(64)
    );
    assert_eq!(signflow(&["--help"]).status.code(), Some(0));
}

#[test]
fn uncompiled_backend_is_a_usage_error() {
    let missing = if cfg!(feature = "rustcrypto") && cfg!(feature = "aws-lc-rs") {
        return; // both compiled in: nothing to refuse
    } else if cfg!(feature = "rustcrypto") {
        "aws-lc-rs"
    } else {
        "rustcrypto"
    };
    let out = signflow(&["--backend", missing, "demo"]);
    assert_eq!(out.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not compiled"));
}

fn td(rel: &str) -> String {
    format!("{}/testdata/{rel}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn verify_chain_exit_statuses_follow_the_conventions() {
    let base = |leaf: &str| {
        vec![
            "verify-chain".to_owned(),
            td(&format!("pki/{leaf}.pem")),
            "--trust".into(),
            td("pki/root-ca.pem"),
            "--untrusted".into(),
            td("pki/intermediate-ca.pem"),
            "--at".into(),
            "2027-01-01T00:00:00Z".into(),
        ]
    };
    let with_crls = |leaf: &str| {
        let mut a = base(leaf);
        a.extend([
            "--crl".into(),
            td("pki/root-ca.crl.pem"),
            "--crl".into(),
            td("pki/intermediate-ca.crl.der"),
        ]);
        a
    };
    let run = |args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        signflow(&args)
    };
    assert_eq!(run(with_crls("leaf-rsa")).status.code(), Some(0));
    assert_eq!(run(with_crls("leaf-revoked")).status.code(), Some(1));
    assert_eq!(run(with_crls("leaf-expired")).status.code(), Some(1));
    assert_eq!(
        run(base("leaf-rsa")).status.code(),
        Some(3),
        "no CRL: indeterminate"
    );
    let mut json = with_crls("leaf-revoked");
    json.push("--json".into());
    let out = run(json);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["status"], "invalid");
    assert_eq!(report["path"][0]["findings"][0]["kind"], "revoked");
    let mut bad_ku = with_crls("leaf-rsa");
    bad_ku.extend(["--key-usage".into(), "keyEncipherment".into()]);
    assert_eq!(run(bad_ku).status.code(), Some(1));
    let mut unknown_ku = with_crls("leaf-rsa");
    unknown_ku.extend(["--key-usage".into(), "signEverything".into()]);
    assert_eq!(run(unknown_ku).status.code(), Some(64));
    let mut bad_time = with_crls("leaf-rsa");
    bad_time.extend(["--at".into(), "yesterday".into()]);
    assert_eq!(run(bad_time).status.code(), Some(64));
    assert_eq!(
        signflow(&[
            "verify-chain",
            &td("openssl/message.txt"),
            "--trust",
            &td("pki/root-ca.pem")
        ])
        .status
        .code(),
        Some(2)
    );
    assert_eq!(
        signflow(&[
            "verify-chain",
            "/no/such/file",
            "--trust",
            &td("pki/root-ca.pem")
        ])
        .status
        .code(),
        Some(74)
    );
}

#[test]
fn inspect_shows_certificates_and_crls() {
    let out = signflow(&["inspect", &td("pki/leaf-russian.pem"), "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let cert = &v["objects"][0];
    assert_eq!(cert["type"], "certificate");
    assert_eq!(cert["key"], "RSA-2048");
    assert!(cert["subject"].as_str().unwrap().contains("1027700132195"));
    let out = signflow(&["inspect", &td("pki/intermediate-ca.crl.der"), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["objects"][0]["type"], "crl");
    assert_eq!(v["objects"][0]["entries"], 1);
    let out = signflow(&["inspect", &td("pki/chain.pem"), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["objects"].as_array().unwrap().len(), 2);
}

#[test]
fn inspect_opens_pkcs12_with_the_password_conventions() {
    let p12 = td("pki/leaf-rsa-legacy.p12");
    let out = Command::new(env!("CARGO_BIN_EXE_signflow"))
        .args([
            "inspect",
            &p12,
            "--json",
            "--password-env",
            "SIGNFLOW_TEST_PW",
        ])
        .env("SIGNFLOW_TEST_PW", "signflow-test")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let obj = &v["objects"][0];
    assert_eq!(obj["type"], "pkcs12");
    // What `openssl pkcs12 -info -legacy` reports for this file: RC2-40 certificates, 3DES key,
    // SHA-1 MAC.
    let parts = obj["protection"]["encrypted_parts"].as_array().unwrap();
    assert!(
        parts
            .iter()
            .any(|p| p["algorithm"] == "pbeWithSHAAnd40BitRC2-CBC")
    );
    assert!(
        parts
            .iter()
            .any(|p| p["algorithm"] == "pbeWithSHAAnd3-KeyTripleDES-CBC")
    );
    assert_eq!(obj["protection"]["mac"]["algorithm"], "HMAC-SHA1");
    assert_eq!(obj["identity"]["chain_length"], 2);
    // Wrong password: exit 4; unset variable: usage error.
    let wrong = Command::new(env!("CARGO_BIN_EXE_signflow"))
        .args(["inspect", &p12, "--password-env", "SIGNFLOW_TEST_PW"])
        .env("SIGNFLOW_TEST_PW", "nope")
        .output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(4));
    let unset = Command::new(env!("CARGO_BIN_EXE_signflow"))
        .args([
            "inspect",
            &p12,
            "--password-env",
            "SIGNFLOW_NO_SUCH_VARIABLE",
        ])
        .output()
        .unwrap();
    assert_eq!(unset.status.code(), Some(64));
}

#[test]
fn gost_keys_sign_and_verify_cms_from_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    for bits in ["256-A", "512-C"] {
        let key = td(&format!("gost/gost2012_{bits}.key.pem"));
        let cert = td(&format!("gost/gost2012_{bits}.cert.pem"));
        let sig = dir.path().join(format!("{bits}.p7s"));
        let sig = sig.to_str().unwrap();
        let message = td("gost/message.txt");
        let out = signflow(&[
            "sign",
            "cms",
            &message,
            "-o",
            sig,
            "--key",
            &key,
            "--cert",
            &cert,
            "--detached",
        ]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let verify = |content: &str| {
            signflow(&[
                "verify",
                "cms",
                sig,
                "--content",
                content,
                "--trust",
                &cert,
                "--no-revocation",
                "--json",
            ])
        };
        let out = verify(&message);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(
            v["signers"][0]["signature_algorithm"]
                .as_str()
                .unwrap()
                .contains("GOST"),
            "{v}"
        );
        // The same signature over other content is invalid.
        assert_eq!(verify(&td("openssl/message.txt")).status.code(), Some(1));
    }
    let out = signflow(&["inspect", &td("gost/gost2012_512-B.cert.pem"), "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["objects"][0]["key"]
            .as_str()
            .unwrap()
            .starts_with("GOST R 34.10-2012 (512)")
    );
}

// ---- sign xml / verify xml -------------------------------------------------------------

/// A document in canonical form: what `--output-signed` writes back must be these bytes.
const ACT_XML: &str = concat!(
    "<Act xmlns=\"urn:signflow:test\" Id=\"act-17\">",
    "<Number>17</Number><Amount currency=\"RUB\">1000.00</Amount></Act>"
);

fn run_with_env(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_signflow"));
    c.args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("binary runs")
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `verify xml` against the test PKI at 2027-01-01 with both CRLs, plus `extra`.
fn verify_xml(file: &str, extra: &[&str]) -> std::process::Output {
    let root = td("pki/root-ca.pem");
    let crl1 = td("pki/root-ca.crl.pem");
    let crl2 = td("pki/intermediate-ca.crl.der");
    let mut args = vec![
        "verify",
        "xml",
        file,
        "--trust",
        &root,
        "--crl",
        &crl1,
        "--crl",
        &crl2,
        "--at",
        "2027-01-01T00:00:00Z",
    ];
    args.extend_from_slice(extra);
    signflow(&args)
}

#[test]
fn sign_xml_with_pkcs12_then_verify_and_output_signed() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("act.xml");
    std::fs::write(&input, ACT_XML).unwrap();
    let signed = dir.path().join("act.signed.xml");
    let p12 = td("pki/leaf-rsa.p12");
    let out = run_with_env(
        &[
            "sign",
            "xml",
            input.to_str().unwrap(),
            "-o",
            signed.to_str().unwrap(),
            "--p12",
            &p12,
            "--password-env",
            "SIGNFLOW_TEST_PW",
            "--json",
        ],
        &[("SIGNFLOW_TEST_PW", "signflow-test")],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["layout"], "enveloped");
    assert!(v["signer"].as_str().unwrap().contains("Signer RSA"), "{v}");
    // The input is kept byte for byte, the Signature inserted before </Act>.
    let text = std::fs::read_to_string(&signed).unwrap();
    assert!(text.starts_with(&ACT_XML[..ACT_XML.len() - "</Act>".len()]));
    assert!(text.ends_with("</ds:Signature></Act>"), "{text}");

    let written = dir.path().join("signed-bytes.xml");
    let out = verify_xml(
        signed.to_str().unwrap(),
        &["--json", "--output-signed", written.to_str().unwrap()],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["command"], "verify xml");
    assert_eq!(v["status"], "valid");
    assert_eq!(v["references"][0]["digest_matches"], true);
    assert_eq!(v["certificate"]["status"], "valid");
    assert_eq!(std::fs::read(&written).unwrap(), ACT_XML.as_bytes());
    assert_eq!(v["references"][0]["signed_bytes"], ACT_XML.len());
    // Without --output-signed the canonical bytes are streamed into the digest, not kept: the
    // same verdict, and their length still reported.
    let out = verify_xml(signed.to_str().unwrap(), &["--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let streamed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(streamed["status"], "valid");
    assert_eq!(streamed["references"], v["references"]);

    // Tampered: invalid (1), and nothing written.
    let tampered = dir.path().join("tampered.xml");
    std::fs::write(&tampered, text.replacen("1000.00", "9000.00", 1)).unwrap();
    let written2 = dir.path().join("not-written.xml");
    let out = verify_xml(
        tampered.to_str().unwrap(),
        &["--output-signed", written2.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("digest does not match"));
    assert!(!written2.exists());

    // No CRLs: revocation unknown, indeterminate (3); --no-revocation: valid.
    let root = td("pki/root-ca.pem");
    let base = [
        "verify",
        "xml",
        signed.to_str().unwrap(),
        "--trust",
        &root,
        "--at",
        "2027-01-01T00:00:00Z",
    ];
    assert_eq!(signflow(&base).status.code(), Some(3));
    let mut no_rev = base.to_vec();
    no_rev.push("--no-revocation");
    assert_eq!(signflow(&no_rev).status.code(), Some(0));
    // Another trust anchor: the signer's path does not validate.
    let other = td("gost/gost2012_256-A.cert.pem");
    let out = signflow(&[
        "verify",
        "xml",
        signed.to_str().unwrap(),
        "--trust",
        &other,
        "--no-revocation",
    ]);
    assert_ne!(out.status.code(), Some(0));
}

#[test]
fn sign_xml_with_pem_key_enveloping_inclusive_and_reference_id() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("doc.xml");
    let doc = format!("<Envelope><Header>h</Header>{ACT_XML}</Envelope>");
    std::fs::write(&input, &doc).unwrap();
    let key = td("pki/leaf-ecdsa-p256.key.pem");
    let cert = td("pki/leaf-ecdsa-p256.pem");
    let chain = td("pki/chain.pem");
    let cases: [(&str, &[&str], &str); 4] = [
        (
            "enveloping",
            &["--enveloping", "--c14n", "inc"],
            "ds:Object",
        ),
        ("by-id", &["--reference-id", "act-17"], "Act"),
        (
            "by-id-inc",
            &["--reference-id", "act-17", "--c14n", "inc"],
            "Act",
        ),
        (
            "by-id-inc11",
            &["--reference-id", "act-17", "--c14n", "inc11"],
            "Act",
        ),
    ];
    for (name, extra, element) in cases {
        let signed = dir.path().join(format!("{name}.xml"));
        let mut args = vec![
            "sign",
            "xml",
            input.to_str().unwrap(),
            "-o",
            signed.to_str().unwrap(),
            "--key",
            &key,
            "--cert",
            &cert,
            "--chain",
            &chain,
        ];
        args.extend_from_slice(extra);
        let out = signflow(&args);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", stderr(&out));
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("ECDSA"),
            "{name}"
        );
        let written = dir.path().join(format!("{name}.signed-bytes"));
        let out = verify_xml(
            signed.to_str().unwrap(),
            &["--json", "--output-signed", written.to_str().unwrap()],
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["references"][0]["element"], element, "{name}: {v}");
        let bytes = String::from_utf8(std::fs::read(&written).unwrap()).unwrap();
        if element == "Act" {
            // Only the Act, not the Header beside it.
            assert_eq!(bytes, ACT_XML, "{name}");
        } else {
            assert!(
                bytes.starts_with("<ds:Object") && bytes.contains(ACT_XML),
                "{bytes}"
            );
        }
    }
}

#[test]
fn sign_and_verify_xml_exit_statuses() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("act.xml");
    std::fs::write(&input, ACT_XML).unwrap();
    let input = input.to_str().unwrap();
    let output = dir.path().join("out.xml");
    let output = output.to_str().unwrap();
    let rsa_key = td("pki/leaf-rsa.key.pem");
    let rsa_cert = td("pki/leaf-rsa.pem");
    let ec_key = td("pki/leaf-ecdsa-p256.key.pem");
    let p12 = td("pki/leaf-rsa.p12");
    let sign = |extra: &[&str], env: &[(&str, &str)]| {
        let mut args = vec!["sign", "xml", input, "-o", output];
        args.extend_from_slice(extra);
        run_with_env(&args, env)
    };
    // Wrong password, key not the certificate's: 4.
    let out = sign(&["--p12", &p12, "--password-env", "PW"], &[("PW", "wrong")]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let out = sign(&["--key", &ec_key, "--cert", &rsa_cert], &[]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    // No password given for the PKCS#12 file, no signer at all, conflicting layouts, an
    // unknown Id: usage (64).
    assert_eq!(sign(&["--p12", &p12], &[]).status.code(), Some(64));
    assert_eq!(sign(&[], &[]).status.code(), Some(64));
    let out = sign(
        &[
            "--key",
            &rsa_key,
            "--cert",
            &rsa_cert,
            "--enveloping",
            "--reference-id",
            "x",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(64));
    let out = sign(
        &[
            "--key",
            &rsa_key,
            "--cert",
            &rsa_cert,
            "--reference-id",
            "nope",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(64), "{}", stderr(&out));
    assert!(stderr(&out).contains("nope"));
    // Input that is not XML signflow accepts: format error (2).
    let bad = dir.path().join("bad.xml");
    std::fs::write(&bad, "<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>").unwrap();
    let out = run_with_env(
        &[
            "sign",
            "xml",
            bad.to_str().unwrap(),
            "-o",
            output,
            "--key",
            &rsa_key,
            "--cert",
            &rsa_cert,
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("document type"), "{}", stderr(&out));
    // Missing input: I/O (74).
    let out = run_with_env(
        &[
            "sign",
            "xml",
            "/nonexistent/act.xml",
            "-o",
            output,
            "--key",
            &rsa_key,
            "--cert",
            &rsa_cert,
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(74));

    // verify xml: no --trust is a usage error; a document without a signature, or not XML,
    // a format error; a missing file an I/O error.
    assert_eq!(signflow(&["verify", "xml", input]).status.code(), Some(64));
    assert_eq!(verify_xml(input, &[]).status.code(), Some(2));
    assert_eq!(
        verify_xml(bad.to_str().unwrap(), &[]).status.code(),
        Some(2)
    );
    assert_eq!(verify_xml("/nonexistent.xml", &[]).status.code(), Some(74));
    // The committed xmlsec1-made sample verifies from the CLI too.
    let sample = td("xmldsig/xmlsec1-signed-rsa.xml");
    // Its KeyInfo holds the leaf only: the intermediate comes from --untrusted.
    let inter = td("pki/intermediate-ca.pem");
    let out = verify_xml(&sample, &[]);
    assert_eq!(out.status.code(), Some(1));
    let out = verify_xml(&sample, &["--untrusted", &inter]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
