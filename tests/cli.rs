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
