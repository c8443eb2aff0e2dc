//! Issue #19, item 6: every verifying command takes the same trust and policy flags, Russian
//! attributes print by name, and a store whose feature is not compiled in says which feature
//! to enable.
#![cfg(feature = "cli")]

use std::process::{Command, Output};

fn signflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_signflow"))
        .args(args)
        .output()
        .expect("binary runs")
}

fn td(rel: &str) -> String {
    format!("{}/testdata/{rel}", env!("CARGO_MANIFEST_DIR"))
}

const COMMON_FLAGS: [&str; 9] = [
    "--trust",
    "--untrusted",
    "--crl",
    "--at",
    "--no-revocation",
    "--accept-stale-crls",
    "--allow-sha1",
    "--allow-md5",
    "--strict",
];

const VERIFYING: [&[&str]; 5] = [
    &["verify-chain"],
    &["verify", "cms"],
    &["verify", "xml"],
    &["verify-batch"],
    &["flow"],
];

/// The flow validates each step at its own time: `--at` is a usage error there, not ignored.
#[test]
fn flow_refuses_at() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("flow.db");
    let db = db.to_str().unwrap();
    let out = signflow(&["flow", "--db", db, "init"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let out = signflow(&[
        "flow",
        "--db",
        db,
        "--trust",
        &td("pki/root-ca.pem"),
        "--at",
        "2027-01-01T00:00:00Z",
        "audit",
    ]);
    assert_eq!(out.status.code(), Some(64), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--at does not apply"),
        "{out:?}"
    );
}

#[test]
fn every_verifying_command_takes_the_common_flags() {
    for cmd in VERIFYING {
        let mut args = cmd.to_vec();
        args.push("--help");
        let out = signflow(&args);
        assert_eq!(out.status.code(), Some(0), "{cmd:?}");
        let help = String::from_utf8_lossy(&out.stdout);
        for flag in COMMON_FLAGS {
            // A flag in clap's help starts a line's option column: "  --flag".
            assert!(
                help.lines().any(|l| {
                    let l = l.trim_start();
                    l.starts_with(&format!("{flag} ")) || l == flag
                }),
                "{cmd:?} lacks {flag}:\n{help}"
            );
        }
    }
}

/// `--allow-sha1` reaches the validation: a SHA-1 PKITS chain is invalid without it and valid
/// with it. (`--strict` is proven by tests/cli_suites.rs's limbo run.)
#[test]
fn allow_sha1_reaches_verify_chain() {
    let pkits = |name: &str, kind: &str, ext: &str| td(&format!("pkits/{kind}/{name}.{ext}"));
    // PKITS 4.1.4, "Valid DSA Signatures Test4": DSA with SHA-1 throughout.
    let ee = pkits("ValidDSASignaturesTest4EE", "certs", "crt");
    let anchor = pkits("TrustAnchorRootCertificate", "certs", "crt");
    let ca = pkits("DSACACert", "certs", "crt");
    let crl1 = pkits("TrustAnchorRootCRL", "crls", "crl");
    let crl2 = pkits("DSACACRL", "crls", "crl");
    let base = [
        "verify-chain",
        ee.as_str(),
        "--trust",
        &anchor,
        "--untrusted",
        &ca,
        "--crl",
        &crl1,
        "--crl",
        &crl2,
        "--at",
        "2011-04-15T00:00:00Z",
        "--key-usage",
        "any",
    ];
    let code = |extra: &[&str]| {
        let mut a = base.to_vec();
        a.extend_from_slice(extra);
        let out = signflow(&a);
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (without, report) = code(&[]);
    assert_eq!(without, Some(1), "SHA-1 refused by default: {report}");
    let (with, report) = code(&["--allow-sha1"]);
    assert_eq!(with, Some(0), "{report}");
}

#[test]
fn russian_attributes_print_by_name_in_text_and_json() {
    let leaf = td("pki/leaf-russian.pem");
    let out = signflow(&["inspect", &leaf, "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let subject = v["objects"][0]["subject"].as_str().unwrap();
    // The values testdata/pki/generate.sh put in the subject (testdata/README.md).
    for want in [
        "INN=771234567859",
        "INNLE=7707083893",
        "OGRN=1027700132195",
        "SNILS=11223344595",
    ] {
        assert!(subject.contains(want), "{want} not in {subject}");
    }
    assert!(!subject.contains("OID("), "{subject}");
    let text = signflow(&["inspect", &leaf]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("OGRN=1027700132195"), "{text}");
    assert!(!text.contains("OID("), "{text}");

    // A verification report names the subject the same way (text and JSON).
    let chain = |json: bool| {
        let mut all: Vec<String> = [
            "verify-chain",
            leaf.as_str(),
            "--no-revocation",
            "--at",
            "2027-01-01T00:00:00Z",
            "--trust",
            &td("pki/root-ca.pem"),
            "--untrusted",
            &td("pki/intermediate-ca.pem"),
        ]
        .map(str::to_owned)
        .to_vec();
        if json {
            all.push("--json".into());
        }
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        let out = signflow(&refs);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    for json in [false, true] {
        let report = chain(json);
        assert!(report.contains("OGRN=1027700132195"), "{report}");
        assert!(!report.contains("OID(1.2.643"), "{report}");
    }

    // The signature-tool extensions by name (testdata/flow/generate-members.sh puts them in).
    let out = signflow(&["inspect", &td("flow/director-romashka.pem"), "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = v["objects"][0]["extensions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    for want in ["subjectSignTool", "issuerSignTool"] {
        assert!(names.contains(&want), "{want} not in {names:?}");
    }
    assert_eq!(
        v["objects"][0]["russian"]["subject_sign_tool"],
        "Signflow Test CSP 1.0"
    );
}

#[cfg(not(feature = "postgres"))]
#[test]
fn a_postgres_store_without_the_feature_names_the_feature() {
    for url in ["postgres://u@127.0.0.1/db", "postgresql://127.0.0.1/db"] {
        for args in [vec!["init"], vec!["list"]] {
            let mut a = vec!["flow", "--db", url];
            a.extend(args.iter().copied());
            let out = signflow(&a);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(64), "{url} {args:?}: {stderr}");
            assert!(stderr.contains("`postgres` feature"), "{stderr}");
            assert!(stderr.contains("--features cli,postgres"), "{stderr}");
        }
    }
}

/// The policy flags reach `verify-batch`'s CMS and XML verifications (through
/// `BatchVerifier::with_validation`): without CRLs both files are indeterminate (3), with
/// `--no-revocation` both valid (0).
#[test]
fn policy_flags_reach_verify_batch() {
    let dir = tempfile::tempdir().unwrap();
    for (from, to) in [
        ("cms/rsa-attached.der", "a.p7s"),
        ("xmldsig/xmlsec1-signed-rsa.xml", "c.xml"),
    ] {
        std::fs::copy(td(from), dir.path().join(to)).unwrap();
    }
    let run = |extra: &[&str]| {
        let (root, ca) = (td("pki/root-ca.pem"), td("pki/intermediate-ca.pem"));
        let mut a = vec![
            "verify-batch",
            dir.path().to_str().unwrap(),
            "--trust",
            &root,
            "--untrusted",
            &ca,
            "--at",
            "2027-01-01T00:00:00Z",
            "--json",
        ];
        a.extend_from_slice(extra);
        let out = signflow(&a);
        let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        (out.status.code(), lines)
    };
    let (code, lines) = run(&[]);
    assert_eq!(code, Some(3), "{lines:?}");
    assert_eq!(
        lines.last().unwrap()["summary"]["indeterminate"],
        2,
        "{lines:?}"
    );
    let (code, lines) = run(&["--no-revocation"]);
    assert_eq!(code, Some(0), "{lines:?}");
    assert_eq!(lines.last().unwrap()["summary"]["valid"], 2, "{lines:?}");
}
