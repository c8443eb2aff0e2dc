//! `signflow flow`: a contract from creation to archive through the CLI on a SQLite file,
//! refusals (exit 1), usage errors (exit 64), export to files `openssl cms -verify` accepts,
//! and `audit` on an intact and a tampered journal.
#![cfg(feature = "cli")]

mod common;

use std::path::Path;
use std::process::{Command, Output};

const SENDER: &str = "7707083893";
const RECIPIENT: &str = "5001007329";

struct Cli {
    db: String,
}

impl Cli {
    fn run(&self, args: &[&str]) -> Output {
        let t = |rel: &str| common::testdata(rel).to_str().unwrap().to_owned();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_signflow"));
        cmd.args(["flow", "--db", &self.db])
            .args(["--trust", &t("pki/root-ca.pem")])
            .args(["--untrusted", &t("pki/intermediate-ca.pem")])
            .args(["--crl", &t("pki/root-ca.crl.pem")])
            .args(["--crl", &t("pki/intermediate-ca.crl.pem")])
            .args(args)
            .env(
                "SIGNFLOW_TEST_PW",
                String::from_utf8(common::read("pki/PASSWORD")).unwrap(),
            );
        cmd.output().expect("binary runs")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        serde_json::from_str(&self.ok(&a)).expect("JSON on stdout")
    }

    fn code(&self, args: &[&str]) -> (i32, String) {
        let out = self.run(args);
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

fn path(rel: &str) -> String {
    common::testdata(rel).to_str().unwrap().to_owned()
}

#[test]
fn contract_from_draft_to_archive() {
    let dir = tempfile::tempdir().unwrap();
    let cli = Cli {
        db: dir.path().join("flow.db").to_str().unwrap().to_owned(),
    };
    cli.ok(&["init"]);
    cli.ok(&[
        "org",
        "add",
        "--inn",
        SENDER,
        "--ogrn",
        "1027700132195",
        "--kpp",
        "773601001",
        "--name",
        "ООО \"Ромашка\"",
    ]);
    cli.ok(&[
        "org",
        "add",
        "--inn",
        RECIPIENT,
        "--ogrn",
        "1045000012342",
        "--name",
        "ООО \"Василёк\"",
    ]);
    // Invalid requisites and a repeated registration are refusals.
    let (code, err) = cli.code(&[
        "org",
        "add",
        "--inn",
        "7707083894",
        "--ogrn",
        "1027700132195",
        "--name",
        "x",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("INN"), "{err}");
    let (code, err) = cli.code(&[
        "org",
        "add",
        "--inn",
        SENDER,
        "--ogrn",
        "1027700132195",
        "--name",
        "again",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("already registered"), "{err}");
    for (org, user, role) in [
        (SENDER, "ivanov", "signer"),
        (SENDER, "clerk", "operator"),
        (RECIPIENT, "petrova", "signer"),
    ] {
        cli.ok(&[
            "member", "add", "--org", org, "--user", user, "--role", role,
        ]);
    }
    let (code, err) = cli.code(&[
        "member", "add", "--org", SENDER, "--user", "x", "--role", "emperor",
    ]);
    assert_eq!(code, 64, "{err}");

    let content = dir.path().join("contract.txt");
    std::fs::write(&content, "Supply contract no. 17\n").unwrap();
    let content = content.to_str().unwrap();
    let create = [
        "create",
        "--as",
        "clerk",
        "--from",
        SENDER,
        "--to",
        RECIPIENT,
        "--kind",
        "contract",
        "--title",
        "Supply",
        "--media-type",
        "text/plain",
        content,
    ];
    let id = cli.ok(&create);
    assert_eq!(id.len(), 36, "a UUID: {id}");
    // A signer has no edit right: refused, exit 1.
    let mut by_signer = create;
    by_signer[2] = "ivanov";
    let (code, err) = cli.code(&by_signer);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("Edit"), "{err}");

    // Signing steps need trust anchors.
    let out = Command::new(env!("CARGO_BIN_EXE_signflow"))
        .args(["flow", "--db", &cli.db, "send", &id, "--as", "ivanov"])
        .args(["--key", &path("pki/leaf-russian.key.pem")])
        .args(["--cert", &path("pki/leaf-russian.pem")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(64));

    // The wrong organisation's certificate: refused, and journaled.
    let (code, err) = cli.code(&[
        "send",
        &id,
        "--as",
        "ivanov",
        "--key",
        &path("flow/counterparty.key.pem"),
        "--cert",
        &path("flow/counterparty.pem"),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("INN"), "{err}");

    let p12 = path("pki/leaf-russian.p12");
    let sent = cli.json(&[
        "send",
        &id,
        "--as",
        "ivanov",
        "--p12",
        &p12,
        "--password-env",
        "SIGNFLOW_TEST_PW",
    ]);
    assert_eq!(sent["status"], "sent");
    cli.ok(&[
        "accept",
        &id,
        "--as",
        "petrova",
        "--key",
        &path("flow/counterparty.key.pem"),
        "--cert",
        &path("flow/counterparty.pem"),
        "--chain",
        &path("pki/intermediate-ca.pem"),
    ]);
    let p12 = path("flow/counterparty.p12");
    cli.ok(&[
        "sign",
        &id,
        "--as",
        "petrova",
        "--p12",
        &p12,
        "--password-env",
        "SIGNFLOW_TEST_PW",
    ]);
    let shown = cli.json(&["show", &id]);
    assert_eq!(shown["status"], "archived");
    let history = cli.json(&["history", &id]);
    let names: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "document_created",
            "signing_refused",
            "sent",
            "accepted",
            "signed",
            "archived"
        ]
    );
    let listed = cli.json(&["list", "--org", RECIPIENT, "--status", "archived"]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let listed = cli.json(&["list", "--status", "draft"]);
    assert!(listed.as_array().unwrap().is_empty());
    let listed = cli.json(&["list", "--since", "2000-01-01", "--before", "2100-01-01"]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let listed = cli.json(&["list", "--before", "2000-01-01"]);
    assert!(listed.as_array().unwrap().is_empty());
    // Every further step is refused with the state and the command named.
    let (code, err) = cli.code(&["withdraw", &id, "--as", "ivanov"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("withdraw") && err.contains("archived"),
        "{err}"
    );

    // Export: files `openssl cms -verify` accepts.
    let out_dir = dir.path().join("export");
    cli.ok(&["export", &id, "-o", out_dir.to_str().unwrap()]);
    for f in [
        "v1.bin",
        "v1.sent.p7s",
        "v1.accepted.p7s",
        "v1.receipt.txt",
        "v1.signed.p7s",
    ] {
        assert!(out_dir.join(f).is_file(), "{f}");
    }
    openssl_verifies(&out_dir, "v1.signed.p7s", "v1.bin");
    openssl_verifies(&out_dir, "v1.accepted.p7s", "v1.receipt.txt");

    // Audit: intact, then tampered directly in the database.
    assert!(cli.ok(&["audit"]).contains("intact"));
    tamper(&cli.db);
    let (code, _) = cli.code(&["audit"]);
    assert_eq!(code, 1);
    let out = cli.run(&["--json", "audit"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        report["broken"]["global_seq"].as_u64().unwrap() > 0,
        "{report}"
    );
}

fn openssl_verifies(dir: &Path, sig: &str, content: &str) {
    let Ok(out) = Command::new("openssl")
        .args([
            "cms", "-verify", "-binary", "-inform", "DER", "-purpose", "any",
        ])
        .arg("-in")
        .arg(dir.join(sig))
        .arg("-content")
        .arg(dir.join(content))
        .args(["-CAfile", &path("pki/chain.pem"), "-out", "/dev/null"])
        .output()
    else {
        eprintln!("SKIPPED openssl cms -verify of {sig}: openssl is not installed");
        return;
    };
    assert!(
        out.status.success(),
        "openssl cms -verify {sig}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn tamper(db: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = signflow::flow::SqliteStore::open(db).await.unwrap();
        sqlx::query("UPDATE events SET actor = 'mallory' WHERE seq = 3 AND stream LIKE 'doc:%'")
            .execute(store.pool())
            .await
            .unwrap();
    });
}
