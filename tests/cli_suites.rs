//! NIST PKITS and x509-limbo's chain-relevant set through the `signflow verify-chain` binary,
//! one process per case: what the library proves (tests/pkits.rs, tests/limbo.rs), the CLI
//! must reproduce with its common trust and policy flags (README, "CLI conventions").
//!
//! - PKITS: `--trust` the test's anchor, `--untrusted` each intermediate, `--crl` each CRL,
//!   `--at` the test's time, `--allow-sha1` (PKITS signs its DSA material with SHA-1), its
//!   policy inputs as `--policy`, `--require-explicit-policy`, `--inhibit-policy-mapping`,
//!   `--inhibit-any-policy`, and `--key-usage any` (PKITS does not ask for a key usage; the
//!   library run clears it too). Every one of the 249 tests is run: all their inputs pass
//!   through the CLI.
//! - x509-limbo: each case's material written to PEM files in a temporary directory, `--strict`,
//!   `--no-revocation` when the case has no CRL, `--key-usage` the named bits (or `any`),
//!   `--eku`, `--max-depth`; skips as in tests/limbo.rs. A format error (exit 2) counts as a
//!   rejection, as there.
#![cfg(feature = "cli")]

mod common;
mod limbo_cases;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use limbo_cases::{Case, Outcome, Tally, Verdict, certs, chain_relevant, required_ekus};

fn signflow(args: &[String]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_signflow"))
        .args(args)
        .output()
        .expect("binary runs")
}

fn pkits_policy_oid(name: &str) -> String {
    match name.trim() {
        "anyPolicy" => signflow::pki::ANY_POLICY.to_owned(),
        n => format!(
            "2.16.840.1.101.3.2.1.48.{}",
            n.strip_prefix("NIST-test-policy-")
                .unwrap_or_else(|| panic!("policy name {n}"))
        ),
    }
}

fn pkits_file(kind: &str, name: &str, ext: &str) -> String {
    common::testdata(&format!("pkits/{kind}/{name}.{ext}"))
        .display()
        .to_string()
}

/// The `verify-chain` arguments for one PKITS test (see the module doc).
fn pkits_args(test: &serde_json::Value) -> Vec<String> {
    let names = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_owned())
            .collect()
    };
    let certs = names(&test["certs_anchor_to_ee"]);
    let (anchor, rest) = certs.split_first().unwrap();
    let (ee, intermediates) = rest.split_last().unwrap();
    let mut args: Vec<String> = vec!["verify-chain".into(), pkits_file("certs", ee, "crt")];
    args.extend(["--trust".into(), pkits_file("certs", anchor, "crt")]);
    for i in intermediates {
        args.extend(["--untrusted".into(), pkits_file("certs", i, "crt")]);
    }
    for c in names(&test["crls"]) {
        args.extend(["--crl".into(), pkits_file("crls", &c, "crl")]);
    }
    args.extend([
        "--at".into(),
        test["validation_time"].as_str().unwrap().to_owned(),
        "--allow-sha1".into(),
        "--key-usage".into(),
        "any".into(),
    ]);
    let inputs = &test["policy_inputs"];
    if let Some(set) = inputs["SetInitialPolicySet"].as_str() {
        for p in set.split(',') {
            args.extend(["--policy".into(), pkits_policy_oid(p)]);
        }
    }
    for (input, flag) in [
        ("SetInitialExplicitPolicy", "--require-explicit-policy"),
        ("SetInitialPolicyMappingInhibit", "--inhibit-policy-mapping"),
        ("SetInitialInhibitAnyPolicy", "--inhibit-any-policy"),
    ] {
        if inputs[input].as_str() == Some("true") {
            args.push(flag.into());
        }
    }
    args
}

#[test]
fn pkits_all_249_through_the_cli() {
    let started = Instant::now();
    let expected: serde_json::Value =
        serde_json::from_slice(&common::read("pkits/pkits-expected.json")).unwrap();
    let tests = expected.as_array().unwrap();
    assert_eq!(tests.len(), 249);
    let mut failures = Vec::new();
    for test in tests {
        let out = signflow(&pkits_args(test));
        let code = out.status.code();
        assert!(
            matches!(code, Some(0 | 1 | 3)),
            "{}: exit {code:?}: {}",
            test["id"],
            String::from_utf8_lossy(&out.stderr)
        );
        let want_valid = test["expected"] == "valid";
        if (code == Some(0)) != want_valid {
            failures.push(format!(
                "{} {} (expected {}): exit {code:?} {}",
                test["id"],
                test["name"],
                test["expected"],
                String::from_utf8_lossy(&out.stdout)
            ));
        }
    }
    eprintln!(
        "PKITS through the CLI: {} of 249 passed ({:.1?})",
        249 - failures.len(),
        started.elapsed()
    );
    assert!(
        failures.is_empty(),
        "{} PKITS failures through the CLI: {failures:#?}",
        failures.len()
    );
}

/// Writes `pems` (one or more PEM objects each) into one file under `dir`.
fn write_pems(dir: &Path, name: &str, pems: &[String]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, pems.concat()).unwrap();
    path
}

fn limbo_case_through_cli(case: &Case) -> Outcome {
    let leaf = certs(std::slice::from_ref(&case.peer_certificate));
    let leaf_ref = leaf.as_ref().ok().and_then(|v| v.first());
    if let Some(reason) = limbo_cases::skip_reason(case, leaf_ref) {
        return Outcome {
            verdict: Verdict::Skip,
            detail: reason,
        };
    }
    let dir = tempfile::tempdir().unwrap();
    let path = |p: PathBuf| p.display().to_string();
    let mut args: Vec<String> = vec![
        "verify-chain".into(),
        path(write_pems(
            dir.path(),
            "leaf.pem",
            std::slice::from_ref(&case.peer_certificate),
        )),
        "--strict".into(),
    ];
    for (i, t) in case.trusted_certs.iter().enumerate() {
        let file = write_pems(
            dir.path(),
            &format!("trust-{i}.pem"),
            std::slice::from_ref(t),
        );
        args.extend(["--trust".into(), path(file)]);
    }
    for (i, u) in case.untrusted_intermediates.iter().enumerate() {
        let file = write_pems(
            dir.path(),
            &format!("untrusted-{i}.pem"),
            std::slice::from_ref(u),
        );
        args.extend(["--untrusted".into(), path(file)]);
    }
    for (i, c) in case.crls.iter().enumerate() {
        let file = write_pems(dir.path(), &format!("crl-{i}.pem"), std::slice::from_ref(c));
        args.extend(["--crl".into(), path(file)]);
    }
    if case.crls.is_empty() {
        args.push("--no-revocation".into());
    }
    if let Some(t) = &case.validation_time {
        args.extend(["--at".into(), t.clone()]);
    }
    if case.key_usage.is_empty() {
        args.extend(["--key-usage".into(), "any".into()]);
    }
    for k in &case.key_usage {
        args.extend(["--key-usage".into(), k.clone()]);
    }
    for e in required_ekus(case) {
        args.extend(["--eku".into(), e]);
    }
    if let Some(depth) = case.max_chain_depth {
        args.extend(["--max-depth".into(), (depth + 1).to_string()]);
    }
    let out = signflow(&args);
    let code = out.status.code();
    assert!(
        matches!(code, Some(0..=3)),
        "{}: exit {code:?}: {}",
        case.id,
        String::from_utf8_lossy(&out.stderr)
    );
    Outcome {
        verdict: limbo_cases::verdict(case, code == Some(0)),
        detail: format!(
            "exit {code:?}: {}{}",
            String::from_utf8_lossy(&out.stdout).trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        ),
    }
}

#[test]
fn limbo_chain_relevant_through_the_cli_strict() {
    let started = Instant::now();
    let cases = chain_relevant();
    assert_eq!(cases.len(), 200);
    let tally = Tally::run(&cases, limbo_case_through_cli);
    eprintln!(
        "x509-limbo chain-relevant through the CLI (--strict): {} ({:.1?})",
        tally.summary(),
        started.elapsed()
    );
    tally.print(false, usize::MAX);
    let false_accepts = tally.ids(&Verdict::FalseAccept);
    assert!(
        false_accepts.is_empty(),
        "{} wrong accepts through the CLI: {false_accepts:#?}",
        false_accepts.len()
    );
    // What the library gives on this set (tests/limbo.rs): every judged case passes.
    let false_rejects = tally.ids(&Verdict::FalseReject);
    assert!(
        false_rejects.is_empty(),
        "{} false rejects through the CLI: {false_rejects:#?}",
        false_rejects.len()
    );
}
