//! `signflow flow`: a contract from creation to archive through the CLI, every step signed by
//! the member it names; refusals (exit 1), usage errors (exit 64), export to files `openssl cms
//! -verify` accepts; and each attack of issue 17 with its exit status — blobs edited, zeroed
//! and deleted, listing rows edited, added and deleted (audit 1, rebuild 0), unsigned steps
//! (64) and steps signed with someone else's key (1), a non-administrator adding members (1),
//! a missing store (74), a PostgreSQL URL without a database (64), an emptied store (1).
//!
//! Each test runs on a SQLite file and, when the binary has the `postgres` feature and the
//! server at `SIGNFLOW_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`)
//! answers, on a PostgreSQL database of its own (else it prints `SKIPPED`).
#![cfg(feature = "cli")]

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};

const SENDER: &str = "7707083893";
const SENDER_OGRN: &str = "1027700132195";
const RECIPIENT: &str = "5001007329";
const RECIPIENT_OGRN: &str = "1045000012342";

fn path(rel: &str) -> String {
    common::testdata(rel).to_str().unwrap().to_owned()
}

/// `--key FILE --cert FILE` of a test certificate (stem under testdata/).
fn key(stem: &str) -> Vec<String> {
    vec![
        "--key".into(),
        path(&format!("{stem}.key.pem")),
        "--cert".into(),
        path(&format!("{stem}.pem")),
    ]
}

/// `--p12 FILE --password-env SIGNFLOW_TEST_PW`.
fn p12(stem: &str) -> Vec<String> {
    vec![
        "--p12".into(),
        path(&format!("{stem}.p12")),
        "--password-env".into(),
        "SIGNFLOW_TEST_PW".into(),
    ]
}

/// A store the CLI works on: a SQLite file or a PostgreSQL database of the test's own.
struct Cli {
    db: String,
    _dir: tempfile::TempDir,
    #[cfg(feature = "postgres")]
    pg: Option<(String, String)>,
}

impl Cli {
    fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self {
            db: dir.path().join("flow.db").to_str().unwrap().to_owned(),
            _dir: dir,
            #[cfg(feature = "postgres")]
            pg: None,
        }
    }

    #[cfg(feature = "postgres")]
    fn postgres(test: &str) -> Option<Self> {
        let url = std::env::var("SIGNFLOW_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let name = format!("signflow_cli_{test}_{}", std::process::id());
        let created = block_on(async {
            use sqlx::Connection as _;
            let mut c = sqlx::PgConnection::connect(&url).await?;
            sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name}"))
                .execute(&mut c)
                .await?;
            sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
                .execute(&mut c)
                .await?;
            Ok::<_, sqlx::Error>(())
        });
        if let Err(e) = created {
            eprintln!("SKIPPED {test} on PostgreSQL: {url} does not answer ({e})");
            return None;
        }
        let base = url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b);
        Some(Self {
            db: format!("{base}/{name}"),
            _dir: tempfile::tempdir().unwrap(),
            pg: Some((url, name)),
        })
    }

    fn dir(&self) -> &Path {
        self._dir.path()
    }

    fn run<S: AsRef<str>>(&self, args: &[S]) -> Output {
        self.run_on(&self.db, args)
    }

    fn run_on<S: AsRef<str>>(&self, db: &str, args: &[S]) -> Output {
        self.command(db, args).output().expect("binary runs")
    }

    /// Runs `args` with standard output sent to `stdout` (stderr captured).
    fn run_with_stdout<S: AsRef<str>>(&self, args: &[S], stdout: Stdio) -> Output {
        let mut cmd = self.command(&self.db, args);
        cmd.stdout(stdout).stderr(Stdio::piped());
        cmd.spawn()
            .expect("binary runs")
            .wait_with_output()
            .expect("binary ends")
    }

    fn command<S: AsRef<str>>(&self, db: &str, args: &[S]) -> Command {
        let t = |rel: &str| path(rel);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_signflow"));
        cmd.args(["flow", "--db", db])
            .args(["--trust", &t("pki/root-ca.pem")])
            .args(["--untrusted", &t("pki/intermediate-ca.pem")])
            .args(["--crl", &t("pki/root-ca.crl.pem")])
            .args(["--crl", &t("pki/intermediate-ca.crl.pem")])
            .args(args.iter().map(AsRef::as_ref))
            .env(
                "SIGNFLOW_TEST_PW",
                String::from_utf8(common::read("pki/PASSWORD")).unwrap(),
            );
        cmd
    }

    fn ok<S: AsRef<str>>(&self, args: &[S]) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{:?}: {}{}",
            args.iter().map(AsRef::as_ref).collect::<Vec<_>>(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    fn json<S: AsRef<str>>(&self, args: &[S]) -> serde_json::Value {
        let mut a: Vec<&str> = vec!["--json"];
        a.extend(args.iter().map(AsRef::as_ref));
        serde_json::from_str(&self.ok(&a)).expect("JSON on stdout")
    }

    /// Exit status, and stdout + stderr.
    fn code<S: AsRef<str>>(&self, args: &[S]) -> (i32, String) {
        let out = self.run(args);
        (
            out.status.code().unwrap_or(-1),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    }

    /// Runs SQL on the database behind the store, as someone with write access would.
    fn sql(&self, sql: &str) {
        let db = self.db.clone();
        let sql = sql.to_owned();
        block_on(async move {
            if db.starts_with("postgres") {
                #[cfg(feature = "postgres")]
                {
                    use sqlx::Connection as _;
                    let mut c = sqlx::PgConnection::connect(&db).await.unwrap();
                    sqlx::raw_sql(&sql).execute(&mut c).await.unwrap();
                }
            } else {
                use sqlx::Connection as _;
                let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{db}"))
                    .await
                    .unwrap();
                sqlx::raw_sql(&sql).execute(&mut c).await.unwrap();
            }
        });
    }

    /// A blob literal in the store's SQL dialect.
    fn bytes(&self, b: &[u8]) -> String {
        if self.db.starts_with("postgres") {
            format!("'\\x{}'::bytea", hex::encode(b))
        } else {
            format!("X'{}'", hex::encode(b))
        }
    }

    /// A blob's bytes.
    fn blob(&self, key: &str) -> Vec<u8> {
        let db = self.db.clone();
        let key = key.to_owned();
        block_on(async move {
            let q = "SELECT content FROM blobs WHERE sha256 = $1";
            if db.starts_with("postgres") {
                #[cfg(feature = "postgres")]
                {
                    use sqlx::Connection as _;
                    let mut c = sqlx::PgConnection::connect(&db).await.unwrap();
                    return sqlx::query_scalar(q)
                        .bind(&key)
                        .fetch_one(&mut c)
                        .await
                        .unwrap();
                }
                #[allow(unreachable_code)]
                Vec::new()
            } else {
                use sqlx::Connection as _;
                let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{db}"))
                    .await
                    .unwrap();
                sqlx::query_scalar(q)
                    .bind(&key)
                    .fetch_one(&mut c)
                    .await
                    .unwrap()
            }
        })
    }
}

#[cfg(feature = "postgres")]
impl Drop for Cli {
    fn drop(&mut self) {
        if let Some((url, name)) = self.pg.take() {
            let _ = block_on(async move {
                use sqlx::Connection as _;
                let mut c = sqlx::PgConnection::connect(&url).await?;
                sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut c)
                    .await
            });
        }
    }
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// Runs `test` on SQLite and, when it can, on PostgreSQL.
fn on_both_stores(name: &str, test: fn(&Cli)) {
    test(&Cli::sqlite());
    #[cfg(feature = "postgres")]
    if let Some(cli) = Cli::postgres(name) {
        test(&cli);
    }
    #[cfg(not(feature = "postgres"))]
    eprintln!("SKIPPED {name} on PostgreSQL: built without the `postgres` feature");
}

/// `args` followed by `signer`.
fn with(args: &[&str], signer: Vec<String>) -> Vec<String> {
    args.iter().map(|s| (*s).to_owned()).chain(signer).collect()
}

/// The store of every test: both organisations, registered by their directors (boss, and the
/// default "director"), and their members, bound to their certificates.
fn setup(cli: &Cli) {
    cli.ok(&["init"]);
    cli.ok(&with(
        &[
            "org",
            "add",
            "--inn",
            SENDER,
            "--ogrn",
            SENDER_OGRN,
            "--kpp",
            "773601001",
            "--name",
            "ООО \"Ромашка\"",
            "--user",
            "boss",
        ],
        p12("flow/director-romashka"),
    ));
    let out = cli.ok(&with(
        &[
            "org",
            "add",
            "--inn",
            RECIPIENT,
            "--ogrn",
            RECIPIENT_OGRN,
            "--name",
            "ООО \"Василёк\"",
        ],
        key("flow/director-vasilek"),
    ));
    assert!(out.contains("director director"), "{out}");
    // With --p12 the one --cert is the new member's; with --key the administrator's
    // certificate is a second --cert (whichever matches the key).
    let member_cert = |stem: &str| path(&format!("{stem}.pem"));
    for (org, admin, user, role, stem, signer) in [
        (
            SENDER,
            "boss",
            "ivanov",
            "signer",
            "pki/leaf-russian",
            p12("flow/director-romashka"),
        ),
        (
            SENDER,
            "boss",
            "clerk",
            "operator",
            "flow/clerk-romashka",
            key("flow/director-romashka"),
        ),
        (
            RECIPIENT,
            "director",
            "petrova",
            "signer",
            "flow/counterparty",
            key("flow/director-vasilek"),
        ),
        (
            RECIPIENT,
            "director",
            "helper",
            "operator",
            "flow/helper-vasilek",
            p12("flow/director-vasilek"),
        ),
        (
            RECIPIENT,
            "director",
            "eve",
            "signer",
            "flow/stranger",
            key("flow/director-vasilek"),
        ),
    ] {
        let mut args = vec![
            "member".to_owned(),
            "add".into(),
            "--org".into(),
            org.into(),
            "--user".into(),
            user.into(),
            "--role".into(),
            role.into(),
            "--as".into(),
            admin.into(),
        ];
        if signer[0] == "--key" {
            // The administrator's key first, then the member's certificate, then theirs.
            args.extend([signer[0].clone(), signer[1].clone()]);
            args.extend(["--cert".into(), member_cert(stem)]);
            args.extend([signer[2].clone(), signer[3].clone()]);
        } else {
            args.extend(["--cert".into(), member_cert(stem)]);
            args.extend(signer);
        }
        let out = cli.ok(&args);
        assert!(out.contains("proven by"), "{out}");
    }
}

/// The clerk creates a document; returns its id.
fn create(cli: &Cli, text: &str) -> String {
    let content = cli.dir().join(format!("{}.txt", text.len()));
    std::fs::write(&content, text).unwrap();
    let id = cli.ok(&with(
        &[
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
            content.to_str().unwrap(),
        ],
        key("flow/clerk-romashka"),
    ));
    assert_eq!(id.len(), 36, "a UUID: {id}");
    id
}

/// Sends, accepts and signs `id`.
fn archive(cli: &Cli, id: &str) {
    cli.ok(&with(
        &["send", id, "--as", "ivanov"],
        p12("pki/leaf-russian"),
    ));
    cli.ok(&with(
        &["accept", id, "--as", "petrova"],
        key("flow/counterparty"),
    ));
    cli.ok(&with(
        &["sign", id, "--as", "petrova"],
        p12("flow/counterparty"),
    ));
}

#[test]
fn contract_from_draft_to_archive() {
    on_both_stores("contract", contract);
}

fn contract(cli: &Cli) {
    setup(cli);
    // Invalid requisites, a repeated registration, an unknown role, a missing signer.
    let (code, err) = cli.code(&with(
        &[
            "org",
            "add",
            "--inn",
            "7707083894",
            "--ogrn",
            SENDER_OGRN,
            "--name",
            "x",
        ],
        key("flow/director-romashka"),
    ));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("INN"), "{err}");
    let (code, err) = cli.code(&with(
        &[
            "org",
            "add",
            "--inn",
            SENDER,
            "--ogrn",
            SENDER_OGRN,
            "--name",
            "again",
        ],
        key("flow/director-romashka"),
    ));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("already registered"), "{err}");
    let (code, err) = cli.code(&with(
        &[
            "member", "add", "--org", SENDER, "--user", "x", "--role", "emperor", "--as", "boss",
            "--cert",
        ],
        vec![path("flow/stranger.pem")],
    ));
    assert_eq!(code, 64, "{err}");
    let members = cli.json(&["member", "list", "--org", SENDER]);
    let users: Vec<&str> = members
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["member"]["user"].as_str().unwrap())
        .collect();
    assert_eq!(users, ["boss", "clerk", "ivanov"]);

    let id = create(cli, "Supply contract no. 17\n");
    // A signer has no edit right: refused, exit 1.
    let content = cli.dir().join("other.txt");
    std::fs::write(&content, "x").unwrap();
    let (code, err) = cli.code(&with(
        &[
            "create",
            "--as",
            "ivanov",
            "--from",
            SENDER,
            "--to",
            RECIPIENT,
            "--kind",
            "act",
            "--title",
            "t",
            content.to_str().unwrap(),
        ],
        p12("pki/leaf-russian"),
    ));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("Edit"), "{err}");

    // Signed steps need trust anchors.
    let out = Command::new(env!("CARGO_BIN_EXE_signflow"))
        .args(["flow", "--db", &cli.db, "send", &id, "--as", "ivanov"])
        .args(key("pki/leaf-russian"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(64));

    // The wrong organisation's certificate: refused, and journaled.
    let (code, err) = cli.code(&with(
        &["send", &id, "--as", "ivanov"],
        key("flow/counterparty"),
    ));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("INN"), "{err}");

    let sent = cli.json(&with(
        &["send", &id, "--as", "ivanov"],
        p12("pki/leaf-russian"),
    ));
    assert_eq!(sent["status"], "sent");
    let mut accept = with(
        &["accept", &id, "--as", "petrova"],
        key("flow/counterparty"),
    );
    accept.extend(["--chain".into(), path("pki/intermediate-ca.pem")]);
    cli.ok(&accept);
    cli.ok(&with(
        &["sign", &id, "--as", "petrova"],
        p12("flow/counterparty"),
    ));
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
    let modes: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["auth"]["mode"].as_str().unwrap())
        .collect();
    assert_eq!(
        modes,
        [
            "signature",
            "attempt",
            "signature",
            "signature",
            "signature",
            "signature"
        ]
    );
    let text = cli.ok(&["history", &id]);
    assert!(text.contains("signed by C=RU, CN=Соколова"), "{text}");
    let listed = cli.json(&["list", "--org", RECIPIENT, "--status", "archived"]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let listed = cli.json(&["list", "--status", "draft"]);
    assert!(listed.as_array().unwrap().is_empty());
    let listed = cli.json(&["list", "--since", "2000-01-01", "--before", "2100-01-01"]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let listed = cli.json(&["list", "--before", "2000-01-01"]);
    assert!(listed.as_array().unwrap().is_empty());
    // Every further step is refused with the state and the command named.
    let (code, err) = cli.code(&with(
        &["withdraw", &id, "--as", "ivanov"],
        p12("pki/leaf-russian"),
    ));
    assert_eq!(code, 1);
    assert!(
        err.contains("withdraw") && err.contains("archived"),
        "{err}"
    );

    // Export: files `openssl cms -verify` accepts, the creation notice among them.
    let out_dir = cli.dir().join("export");
    cli.ok(&["export", &id, "-o", out_dir.to_str().unwrap()]);
    for f in [
        "v1.bin",
        "v1.sent.p7s",
        "v1.accepted.p7s",
        "v1.receipt.txt",
        "v1.signed.p7s",
        "v1.created.notice.json",
        "v1.created.notice.p7s",
    ] {
        assert!(out_dir.join(f).is_file(), "{f}");
    }
    openssl_verifies(&out_dir, "v1.signed.p7s", "v1.bin");
    openssl_verifies(&out_dir, "v1.accepted.p7s", "v1.receipt.txt");
    openssl_verifies(&out_dir, "v1.created.notice.p7s", "v1.created.notice.json");

    // Audit: intact, then tampered directly in the database.
    let out = cli.ok(&["audit"]);
    assert!(
        out.contains("intact") && out.contains("signed steps re-verified"),
        "{out}"
    );
    cli.sql("UPDATE events SET actor = 'mallory' WHERE seq = 3 AND stream LIKE 'doc:%'");
    let (code, _) = cli.code(&["audit"]);
    assert_eq!(code, 1);
    let out = cli.run(&["--json", "audit"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        report["broken"]["global_seq"].as_u64().unwrap() > 0,
        "{report}"
    );
    assert_eq!(report["broken"]["kind"], "chain", "{report}");
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

/// Each attack of issue 17, with the exit status it must get.
#[test]
fn attacks_refused_with_their_exit_status() {
    on_both_stores("attacks", attacks);
}

fn attacks(cli: &Cli) {
    setup(cli);
    let draft = create(cli, "Supply contract: 100 t of grain\n");
    let done = create(cli, "Act of acceptance no. 5\n");
    archive(cli, &done);
    let shown = cli.json(&["show", &done]);
    let expect = |args: &[String], status: i32, what: &str| {
        let (code, out) = cli.code(args);
        assert_eq!(code, status, "{args:?}: {out}");
        assert!(out.contains(what), "{args:?}: expected {what:?} in {out}");
        eprintln!(
            "exit {code}: {}",
            args.join(" ").chars().take(60).collect::<String>()
        );
    };
    let export = |id: &str| {
        vec![
            "export".to_owned(),
            id.into(),
            "-o".into(),
            cli.dir().join("x").to_str().unwrap().into(),
        ]
    };
    let audit = vec!["audit".to_owned()];

    // A draft's content blob edited: nothing signs it, export refuses, the audit names it.
    let key_of = |v: &serde_json::Value| v.as_str().unwrap().to_owned();
    let draft_doc = cli.json(&["show", &draft]);
    let content = key_of(&draft_doc["versions"][0]["sha256"]);
    let original = cli.blob(&content);
    cli.sql(&format!(
        "UPDATE blobs SET content = {} WHERE sha256 = '{content}'",
        cli.bytes(b"pay 1000000 to mallory")
    ));
    expect(
        &with(&["send", &draft, "--as", "ivanov"], p12("pki/leaf-russian")),
        1,
        &content,
    );
    expect(&export(&draft), 1, "does not match its key");
    expect(&audit, 1, "blob");
    cli.sql(&format!(
        "UPDATE blobs SET content = {} WHERE sha256 = '{content}'",
        cli.bytes(&original)
    ));
    cli.ok(&audit);

    // A signature blob zeroed.
    let signature = shown["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "signed")
        .map(|s| key_of(&s["signature"]))
        .unwrap();
    let original = cli.blob(&signature);
    cli.sql(&format!(
        "UPDATE blobs SET content = {} WHERE sha256 = '{signature}'",
        cli.bytes(&[0; 100])
    ));
    expect(&export(&done), 1, &signature);
    expect(&audit, 1, "blob");
    cli.sql(&format!(
        "UPDATE blobs SET content = {} WHERE sha256 = '{signature}'",
        cli.bytes(&original)
    ));
    cli.ok(&audit);

    // A blob deleted: export exits 1 (not 64), naming it.
    let receipt = shown["signatures"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|s| s["receipt"].as_str())
        .unwrap()
        .to_owned();
    let original = cli.blob(&receipt);
    cli.sql(&format!("DELETE FROM blobs WHERE sha256 = '{receipt}'"));
    expect(&export(&done), 1, "missing");
    expect(&audit, 1, "missing");
    cli.sql(&format!(
        "INSERT INTO blobs (sha256, content) VALUES ('{receipt}', {})",
        cli.bytes(&original)
    ));
    cli.ok(&audit);

    // Listing rows edited, added, deleted: `list` shows them, the audit names each, rebuild
    // restores the journal's.
    cli.sql(&format!(
        "UPDATE documents SET title = 'Supply, amended', sender = '{RECIPIENT}' WHERE id = '{done}'; \
         UPDATE organisations SET name = 'ООО \"Лютик\"' WHERE inn = '{SENDER}'; \
         UPDATE members SET role = 'administrator' WHERE user_id = 'clerk'; \
         INSERT INTO documents (id, kind, title, sender, recipient, status, version, created_at, \
         updated_at) VALUES ('forged', 'invoice', 'pay mallory', '{SENDER}', '{RECIPIENT}', \
         'archived', 1, 0, 0); \
         DELETE FROM documents WHERE id = '{draft}'; \
         DELETE FROM members WHERE user_id = 'helper';"
    ));
    assert!(cli.ok(&["list"]).contains("pay mallory"));
    let (code, out) = cli.code(&audit);
    assert_eq!(code, 1, "{out}");
    for what in [
        "documents forged: the listing has this row; the journal does not",
        &format!("documents {draft}: the journal has this row; the listing does not"),
        &format!("documents {done}: title is \"Supply, amended\" in the listing"),
        &format!("documents {done}: sender is \"{RECIPIENT}\" in the listing"),
        &format!("organisations {SENDER}: name is"),
        &format!("members {SENDER}/clerk: role is \"administrator\" in the listing"),
        &format!("members {RECIPIENT}/helper: the journal has this row"),
        "flow rebuild",
    ] {
        assert!(out.contains(what), "{what:?} in {out}");
    }
    let out = cli.ok(&["rebuild"]);
    assert!(out.contains("7 differences repaired"), "{out}");
    cli.ok(&audit);
    let listed = cli.ok(&["list"]);
    assert!(
        !listed.contains("pay mallory") && listed.contains(&draft),
        "{listed}"
    );

    // Steps without a signer: usage errors (64).
    for args in [
        vec!["reject", &done, "--as", "petrova", "--comment", "no"],
        vec!["return", &draft, "--as", "petrova", "--comment", "no"],
        vec!["withdraw", &draft, "--as", "ivanov"],
    ] {
        let args: Vec<String> = args.into_iter().map(str::to_owned).collect();
        expect(&args, 64, "--p12");
    }
    let unsigned_member = [
        "member",
        "add",
        "--org",
        SENDER,
        "--user",
        "x",
        "--role",
        "observer",
        "--cert",
        &path("flow/stranger.pem"),
        "--as",
        "boss",
    ]
    .map(str::to_owned);
    expect(&unsigned_member, 64, "--p12");
    let no_actor = [
        "member",
        "add",
        "--org",
        SENDER,
        "--user",
        "x",
        "--role",
        "observer",
        "--cert",
        &path("flow/stranger.pem"),
    ];
    expect(&with(&no_actor, p12("flow/director-romashka")), 64, "--as");
    // Steps signed with someone else's key: refused (1).
    let second = create(cli, "Second contract\n");
    cli.ok(&with(
        &["send", &second, "--as", "ivanov"],
        p12("pki/leaf-russian"),
    ));
    expect(
        &with(
            &["reject", &second, "--as", "petrova", "--comment", "no"],
            key("flow/helper-vasilek"),
        ),
        1,
        "not petrova's",
    );
    expect(
        &with(
            &["accept", &second, "--as", "eve"],
            key("flow/counterparty"),
        ),
        1,
        "not eve's",
    );
    expect(
        &with(
            &["withdraw", &second, "--as", "ivanov"],
            key("flow/deputy-romashka"),
        ),
        1,
        "not ivanov's",
    );
    // A non-administrator adding members, even with her own signature: refused (1).
    let mut by_clerk: Vec<String> = [
        "member",
        "add",
        "--org",
        SENDER,
        "--user",
        "intruder",
        "--role",
        "administrator",
        "--as",
        "clerk",
        "--key",
    ]
    .map(str::to_owned)
    .to_vec();
    by_clerk.extend([
        path("flow/clerk-romashka.key.pem"),
        "--cert".into(),
        path("flow/stranger.pem"),
        "--cert".into(),
        path("flow/clerk-romashka.pem"),
    ]);
    expect(&by_clerk, 1, "manage members");
    // The director's name with another key.
    let mut as_boss = by_clerk.clone();
    as_boss[9] = "boss".into();
    expect(&as_boss, 1, "not boss's");
    let history = cli.json(&["history", &second]);
    assert_eq!(
        history.as_array().unwrap().len(),
        3,
        "created, sent, the refused accept"
    );
    cli.ok(&audit);

    // Where there is no store: 74, and nothing created.
    let missing = cli.dir().join("typo.db");
    for args in [vec!["audit"], vec!["show", &draft], vec!["list"]] {
        let out = cli.run_on(missing.to_str().unwrap(), &args);
        assert_eq!(out.status.code(), Some(74), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("flow init"));
    }
    assert!(!missing.exists());
    // A PostgreSQL URL without a database name: 64 (nothing connects).
    for url in [
        "postgres://postgres@127.0.0.1:5432",
        "postgresql://127.0.0.1/",
    ] {
        for args in [vec!["init"], vec!["audit"]] {
            let out = cli.run_on(url, &args);
            assert_eq!(out.status.code(), Some(64), "{url} {args:?}");
        }
    }
    // An emptied store: 1 (tampered), not 74.
    let emptied = cli.dir().join("emptied.db");
    std::fs::write(&emptied, b"").unwrap();
    let out = cli.run_on(emptied.to_str().unwrap(), &["audit"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    cli.sql("DELETE FROM chain_head");
    expect(&audit, 1, "head");
}

#[test]
fn closed_or_full_standard_output_is_exit_74_for_flow_commands() {
    on_both_stores("stdout", stdout_errors);
}

/// Every printing flow command, with standard output closed and full: exit 74 and no panic
/// (issue #18: `flow history … | head -c 10` panicked).
fn stdout_errors(cli: &Cli) {
    setup(cli);
    let id = create(cli, "Supply contract, stdout");
    let commands: Vec<Vec<String>> = [
        vec!["history", id.as_str()],
        vec!["show", id.as_str()],
        vec!["list"],
        vec!["org", "list"],
        vec!["audit"],
    ]
    .into_iter()
    .flat_map(|a| {
        let plain: Vec<String> = a.iter().map(|s| (*s).to_owned()).collect();
        let mut json = plain.clone();
        json.push("--json".to_owned());
        [plain, json]
    })
    .collect();
    for args in commands {
        let out = cli.run(&args);
        assert_eq!(out.status.code(), Some(0), "{args:?} works with its output");
        let closed = || {
            let (reader, writer) = std::io::pipe().unwrap();
            drop(reader);
            Stdio::from(writer)
        };
        let full = || Stdio::from(std::fs::File::create("/dev/full").unwrap());
        for (what, stdout) in [("closed", closed()), ("full", full())] {
            let out = cli.run_with_stdout(&args, stdout);
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(
                out.status.code(),
                Some(74),
                "{args:?}, stdout {what}: {err}"
            );
            assert!(!err.contains("panicked"), "{args:?}, stdout {what}: {err}");
        }
    }
}

/// `flow` with the МЧД test PKI's root and CRL besides the common material, and
/// `--mchd-revoked FILE` when given, then `args`: exit status and stdout + stderr.
fn with_mchd_pki(cli: &Cli, revoked: Option<&str>, args: &[String]) -> (i32, String) {
    let mut cmd = cli.command(&cli.db, &Vec::<String>::new());
    // The flow's own flags go before its subcommand.
    cmd.args(["--trust", &path("mchd/ca.pem")])
        .args(["--crl", &path("mchd/ca.crl.pem")]);
    if let Some(file) = revoked {
        cmd.args(["--mchd-revoked", file]);
    }
    let out = cmd.args(args).output().expect("binary runs");
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn employee_signs_under_an_mchd() {
    on_both_stores("mchd", employee_under_mchd);
}

/// An employee of Ромашка with a personal certificate (testdata/mchd/employee.pem) sends under
/// the МЧД its director signed: refused (1) without one, with an expired one, without a power
/// the organisation requires (`flow org powers`), without a revocation list and with it
/// revoked; taken (0) with a valid one, shown with its legal verdict; the audit intact.
fn employee_under_mchd(cli: &Cli) {
    setup(cli);
    cli.ok(&with(
        &[
            "member",
            "add",
            "--org",
            SENDER,
            "--user",
            "petrov",
            "--role",
            "signer",
            "--as",
            "boss",
            "--cert",
            &path("mchd/employee.pem"),
        ],
        p12("flow/director-romashka"),
    ));
    let id = create(cli, "contract under an МЧД");
    let none = cli.dir().join("revoked-none.txt");
    std::fs::write(&none, "# nothing revoked\n").unwrap();
    let none = none.to_str().unwrap().to_owned();
    let revoked = path("mchd/revoked.txt");
    let send = |mchd: Option<&str>| {
        let mut args = with(&["send", &id, "--as", "petrov"], key("mchd/employee"));
        if let Some(name) = mchd {
            args.extend(["--mchd".into(), path(&format!("mchd/{name}.xml"))]);
        }
        args
    };
    let powers = |codes: &[&str]| {
        let mut args: Vec<String> = ["org", "powers", "--org", SENDER, "--kind", "contract"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        for c in codes {
            args.extend(["--code".into(), (*c).to_owned()]);
        }
        args.extend(["--as".into(), "boss".into()]);
        args.extend(p12("flow/director-romashka"));
        args
    };
    for (what, revoked, args, expect) in [
        (
            "no МЧД",
            Some(&none),
            send(None),
            "no signer's certificate is bound",
        ),
        ("expired", Some(&none), send(Some("expired")), "had expired"),
        (
            "no revocation list",
            None,
            send(Some("valid")),
            "revocation status",
        ),
        ("revoked", Some(&revoked), send(Some("valid")), "is revoked"),
    ] {
        let (code, out) = with_mchd_pki(cli, revoked.map(String::as_str), &args);
        assert_eq!(code, 1, "{what}: {out}");
        assert!(out.contains(expect), "{what}: {out}");
    }
    let (code, out) = with_mchd_pki(cli, None, &powers(&["SF_ACT_SIGN"]));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("SF_ACT_SIGN"), "{out}");
    let (code, out) = with_mchd_pki(cli, Some(&none), &send(Some("valid")));
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("does not grant the power SF_ACT_SIGN"),
        "{out}"
    );
    let (code, out) = with_mchd_pki(cli, None, &powers(&["SF_CONTRACT"]));
    assert_eq!(code, 0, "{out}");
    let (code, out) = with_mchd_pki(cli, Some(&none), &send(Some("valid")));
    assert_eq!(code, 0, "{out}");
    let shown = cli.ok(&["show", &id]);
    assert!(shown.contains("legal verdict"), "{shown}");
    assert!(
        shown.contains("0f1c2d3e-4b5a-4697-8a1b-2c3d4e5f6071"),
        "{shown}"
    );
    assert!(shown.contains("SF_CONTRACT"), "{shown}");
    let history = cli.ok(&["history", &id]);
    assert!(history.contains("under МЧД"), "{history}");
    assert_eq!(history.matches("signing_refused").count(), 5, "{history}");
    let (code, out) = with_mchd_pki(cli, None, &["audit".to_owned()]);
    assert_eq!(code, 0, "{out}");
}
