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
