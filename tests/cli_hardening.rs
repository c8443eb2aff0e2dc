//! The CLI against hostile input (issue #18): every attacking input is made here, every run is
//! bounded in time (killed after [`DEADLINE`]) and, on Unix, in memory (a 512 MiB address-space
//! limit: an unbounded read fails there instead of growing), and every exit status is the
//! contract's.
//!
//! - endless and huge inputs (`/dev/zero`, sparse multi-GiB files) as every kind of file the
//!   CLI reads whole are refused at their cap with exit 2, naming the file, its kind and the cap;
//! - `verify-batch` walks regular files only: symbolic-link loops and diamonds, FIFOs, sockets,
//!   devices and deep trees end at once, each entry left out reported; `--jobs` is bounded;
//! - a closed or full standard output is exit 74 for every command, never a panic;
//! - passwords that are not UTF-8 are 4, missing paths 74;
//! - `inspect` says what each kind of file is, or that it is none it knows, naming the file.
#![cfg(all(feature = "cli", unix))]

mod common;

use std::io::Read as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Longest any run may take before the test calls it a runaway (debug build, shared machine:
/// the runs themselves take well under a second).
const DEADLINE: Duration = Duration::from_secs(30);

/// Address space each run gets, in KiB: far above what any run here needs (the largest cap
/// read is 16 MiB), far below what an unbounded read of /dev/zero takes.
const ADDRESS_SPACE_KIB: u64 = 512 * 1024;

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

impl Run {
    fn text(&self) -> String {
        format!(
            "exit {:?} after {:?}\nstdout: {}\nstderr: {}",
            self.code, self.elapsed, self.stdout, self.stderr
        )
    }

    #[track_caller]
    fn expect(&self, code: i32, stderr_has: &[&str]) -> &Self {
        assert_eq!(self.code, Some(code), "{}", self.text());
        assert!(!self.stderr.contains("panicked"), "{}", self.text());
        for s in stderr_has {
            assert!(
                self.stderr.contains(s),
                "stderr lacks {s:?}: {}",
                self.text()
            );
        }
        self
    }
}

enum Output {
    Captured,
    /// A pipe whose reader is gone: every write is EPIPE (`| head -c 0`).
    Closed,
    /// /dev/full: every write is ENOSPC.
    Full,
}

fn td(rel: &str) -> String {
    common::testdata(rel).to_str().unwrap().to_owned()
}

/// Runs signflow with `args` under the address-space limit, killing it at [`DEADLINE`].
fn run_with(args: &[&str], output: Output) -> Run {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!(
            "ulimit -v {ADDRESS_SPACE_KIB} && exec \"$0\" \"$@\""
        ))
        .arg(env!("CARGO_BIN_EXE_signflow"))
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::piped());
    match output {
        Output::Captured => cmd.stdout(Stdio::piped()),
        Output::Closed => {
            let (reader, writer) = std::io::pipe().unwrap();
            drop(reader);
            cmd.stdout(writer)
        }
        Output::Full => cmd.stdout(std::fs::File::create("/dev/full").unwrap()),
    };
    let started = Instant::now();
    let mut child = cmd.spawn().expect("sh runs");
    // Drain the pipes while waiting, so that a chatty run cannot block on them.
    let mut out = child.stdout.take();
    let mut err = child.stderr.take().unwrap();
    let out_thread = std::thread::spawn(move || {
        let mut s = Vec::new();
        if let Some(o) = out.as_mut() {
            let _ = o.read_to_end(&mut s);
        }
        s
    });
    let err_thread = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!("signflow {args:?} still runs after {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = started.elapsed();
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&out_thread.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err_thread.join().unwrap()).into_owned(),
        elapsed,
    }
}

fn run(args: &[&str]) -> Run {
    run_with(args, Output::Captured)
}

/// A sparse file of `len` bytes: huge, and free to make.
fn sparse(dir: &Path, name: &str, len: u64) -> String {
    let path = dir.join(name);
    std::fs::File::create(&path).unwrap().set_len(len).unwrap();
    path.to_str().unwrap().to_owned()
}

/// The arguments that read `file` as each kind of input, with that kind's `--max-input` name
/// and the words its message uses.
fn readers(file: &str, dir: &Path) -> Vec<(Vec<String>, &'static str, &'static str)> {
    let out = dir.join("out").to_str().unwrap().to_owned();
    let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let trust = td("pki/root-ca.pem");
    let (leaf, key, p12, pw) = (
        td("pki/leaf-rsa.pem"),
        td("pki/leaf-rsa.key.pem"),
        td("pki/leaf-rsa.p12"),
        td("pki/PASSWORD"),
    );
    let content = td("cms/content.txt");
    vec![
        (
            v(&["verify", "cms", file, "--trust", &trust]),
            "cms",
            "a CMS signature",
        ),
        (
            v(&["verify", "xml", file, "--trust", &trust]),
            "xml",
            "an XML document",
        ),
        (
            v(&["verify-chain", file, "--trust", &trust]),
            "certificate",
            "a certificate file",
        ),
        (
            v(&["verify-chain", &leaf, "--trust", file]),
            "certificate",
            "a certificate file",
        ),
        (
            v(&[
                "verify-chain",
                &leaf,
                "--trust",
                &trust,
                "--untrusted",
                file,
            ]),
            "certificate",
            "a certificate file",
        ),
        (
            v(&["verify-chain", &leaf, "--trust", &trust, "--crl", file]),
            "crl",
            "a CRL file",
        ),
        (
            v(&[
                "sign", "cms", &content, "-o", &out, "--key", file, "--cert", &leaf,
            ]),
            "key",
            "a private key file",
        ),
        (
            v(&[
                "sign",
                "cms",
                &content,
                "-o",
                &out,
                "--p12",
                &p12,
                "--password-file",
                file,
            ]),
            "password",
            "a password file",
        ),
        (
            v(&[
                "sign",
                "cms",
                &content,
                "-o",
                &out,
                "--p12",
                file,
                "--password-file",
                &pw,
            ]),
            "pkcs12",
            "a PKCS#12 file",
        ),
        (
            v(&[
                "sign", "cms", file, "-o", &out, "--key", &key, "--cert", &leaf,
            ]),
            "document",
            "a document",
        ),
        (
            v(&[
                "sign", "xml", file, "-o", &out, "--key", &key, "--cert", &leaf,
            ]),
            "xml",
            "an XML document",
        ),
        (v(&["inspect", file]), "any", "a file to inspect"),
    ]
}

#[test]
fn endless_input_stops_at_the_cap_for_every_reader() {
    // /dev/zero never ends and says nothing of its size: each reader must stop one byte past
    // the cap (1 MiB here) and refuse the file as too large — 2, not 74 ("out of memory", as
    // an unbounded read under this address-space limit ends) and not a hang.
    let dir = tempfile::tempdir().unwrap();
    for (args, kind, words) in readers("/dev/zero", dir.path()) {
        let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
        args.extend(["--max-input", "1M"]);
        let r = run(&args);
        let password_cap = "64 KiB"; // passwords stay at most 64 KiB whatever --max-input says
        let cap = if kind == "password" {
            password_cap
        } else {
            "1 MiB"
        };
        r.expect(
            2,
            &["/dev/zero", words, cap, &format!("--max-input {kind}=SIZE")],
        );
    }
}

#[test]
fn huge_files_are_refused_by_size_at_the_default_caps() {
    // A sparse 8 GiB file is refused before any read, at each kind's default cap; a cap set
    // for one kind applies to that kind only.
    let dir = tempfile::tempdir().unwrap();
    let huge = sparse(dir.path(), "huge", 8 << 30);
    for (args, kind, words) in readers(&huge, dir.path()) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let default = signflow::limits::InputKind::from_name(kind)
            .unwrap()
            .default_limit();
        run(&args).expect(2, &[&huge, words, &signflow::limits::format_size(default)]);
    }
    // Raising one kind's cap lets that kind through to its parser (and only it).
    let cert = td("pki/leaf-rsa.pem");
    let r = run(&[
        "verify-chain",
        &cert,
        "--trust",
        &huge,
        "--max-input",
        "crl=1K",
    ]);
    r.expect(2, &["a certificate file", "16 MiB"]);
    let small = sparse(dir.path(), "small.pem", 64 << 10);
    run(&[
        "verify-chain",
        &cert,
        "--trust",
        &small,
        "--max-input",
        "certificate=32K",
    ])
    .expect(2, &["small.pem", "a certificate file", "32 KiB"]);
    // Malformed --max-input values are usage errors.
    for bad in ["12Q", "kind=1M", "crl=", "=5"] {
        run(&["inspect", &cert, "--max-input", bad]).expect(64, &["--max-input"]);
    }
}

fn batch(paths: &[&str], extra: &[&str]) -> Run {
    let mut args = vec!["verify-batch"];
    args.extend(paths);
    let (root, inter, crl1, crl2) = (
        td("pki/root-ca.pem"),
        td("pki/intermediate-ca.pem"),
        td("pki/root-ca.crl.pem"),
        td("pki/intermediate-ca.crl.pem"),
    );
    args.extend([
        "--trust",
        &root,
        "--untrusted",
        &inter,
        "--crl",
        &crl1,
        "--crl",
        &crl2,
        "--at",
        "2027-01-01T00:00:00Z",
    ]);
    args.extend(extra);
    run(&args)
}

#[test]
fn verify_batch_walks_regular_files_only_and_reports_the_rest() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("tree");
    std::fs::create_dir(&root).unwrap();
    std::fs::copy(common::testdata("cms/rsa-attached.der"), root.join("a.p7s")).unwrap();
    // An exponential maze: eight links back to the top. Followed blindly, the walk has 8^n
    // paths of depth n until the kernel's 40-link limit.
    for i in 0..8 {
        symlink("..", root.join(format!("up{i}"))).unwrap();
        symlink(".", root.join(format!("here{i}"))).unwrap();
    }
    // Endless and blocking files under signature names.
    symlink("/dev/zero", root.join("zero.p7s")).unwrap();
    let fifo = root.join("hang.p7s");
    let made_fifo = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    if !made_fifo {
        println!("SKIPPED: mkfifo unavailable, no FIFO in the tree");
    }
    let _socket = std::os::unix::net::UnixListener::bind(root.join("sock.xml")).unwrap();
    // A tree deeper than --max-depth.
    let mut deep = root.join("deep");
    for i in 0..40 {
        deep = deep.join(format!("{i}"));
    }
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::copy(
        common::testdata("cms/rsa-attached.der"),
        deep.join("deep.p7s"),
    )
    .unwrap();

    let tree = root.to_str().unwrap();
    let r = batch(&[tree], &["--json"]);
    r.expect(0, &[]);
    let lines: Vec<serde_json::Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let skipped = |reason: &str| {
        lines
            .iter()
            .filter(|l| l["reason"] == reason)
            .map(|l| l["skipped"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(skipped("symlink").len(), 17, "{}", r.text()); // 16 links and zero.p7s
    let special = skipped("not_regular");
    assert!(
        special.iter().any(|p| p.ends_with("sock.xml")),
        "{}",
        r.text()
    );
    assert_eq!(special.len(), 1 + usize::from(made_fifo), "{}", r.text());
    assert_eq!(skipped("too_deep").len(), 1, "{}", r.text());
    let summary = lines.last().unwrap();
    assert_eq!(summary["files"], 1, "only a.p7s: {}", r.text());
    assert_eq!(summary["skipped"], 17 + special.len() + 1, "{}", r.text());

    // Following links: every directory once, so the maze ends; /dev/zero is a device.
    let r = batch(
        &[tree],
        &["--json", "--follow-symlinks", "--max-depth", "64"],
    );
    r.expect(0, &[]);
    assert!(r.stdout.contains("already_walked"), "{}", r.text());
    assert!(r.stdout.contains("a character device"), "{}", r.text());
    let files = |r: &Run| -> serde_json::Value {
        serde_json::from_str::<serde_json::Value>(r.stdout.lines().last().unwrap()).unwrap()
            ["files"]
            .clone()
    };
    assert_eq!(files(&r), 2, "a.p7s and deep.p7s: {}", r.text());

    // The table names each entry left out.
    let r = batch(&[tree], &[]);
    r.expect(0, &[]);
    assert!(
        r.stdout.contains("zero.p7s: a symbolic link, not followed"),
        "{}",
        r.text()
    );
    assert!(
        r.stdout.contains("a socket, not a regular file"),
        "{}",
        r.text()
    );
    if made_fifo {
        assert!(
            r.stdout.contains("hang.p7s: a FIFO, not a regular file"),
            "{}",
            r.text()
        );
    }
}

#[test]
fn verify_batch_bounds_jobs_and_names_missing_paths() {
    let a = td("cms/rsa-attached.der");
    let dir = tempfile::tempdir().unwrap();
    let sig = dir.path().join("a.p7s");
    std::fs::copy(&a, &sig).unwrap();
    let sig = sig.to_str().unwrap();
    for jobs in ["0", "100000"] {
        batch(&[sig], &["--jobs", jobs]).expect(64, &["--jobs", "expected 1 to"]);
    }
    batch(&[sig], &["--jobs", "1"]).expect(0, &[]);
    // A path that does not exist is an I/O error, before anything is verified.
    batch(&[sig, "/nonexistent/signflow"], &[]).expect(74, &["/nonexistent/signflow"]);
    // A FIFO named on the command line is reported and not read.
    let fifo = dir.path().join("named.p7s");
    if Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success())
    {
        let r = batch(&[fifo.to_str().unwrap(), sig], &[]);
        r.expect(0, &[]);
        assert!(r.stdout.contains("named.p7s: a FIFO"), "{}", r.text());
    }
    // A signature over its cap is a format error in the batch (2), as for one file.
    let r = batch(&[sig], &["--max-input", "cms=100"]);
    r.expect(2, &[]);
    assert!(
        r.stdout.contains("larger than the 100 bytes"),
        "{}",
        r.text()
    );
}

/// Every command this suite owns, with arguments that succeed (or end with a verdict) when
/// standard output works.
fn commands(dir: &Path) -> Vec<Vec<String>> {
    let out = dir.join("out").to_str().unwrap().to_owned();
    let sig = dir.join("a.p7s");
    std::fs::copy(common::testdata("cms/rsa-attached.der"), &sig).unwrap();
    let sig = sig.to_str().unwrap().to_owned();
    let material = [
        "--trust".to_owned(),
        td("pki/root-ca.pem"),
        "--untrusted".to_owned(),
        td("pki/intermediate-ca.pem"),
        "--crl".to_owned(),
        td("pki/root-ca.crl.pem"),
        "--crl".to_owned(),
        td("pki/intermediate-ca.crl.pem"),
        "--at".to_owned(),
        "2027-01-01T00:00:00Z".to_owned(),
    ];
    let with = |a: &[&str], material_too: bool| {
        let mut v: Vec<String> = a.iter().map(|s| s.to_string()).collect();
        if material_too {
            v.extend(material.iter().cloned());
        }
        v
    };
    let (key, leaf) = (td("pki/leaf-rsa.key.pem"), td("pki/leaf-rsa.pem"));
    let xml = td("xmldsig/xmlsec1-signed-rsa.xml");
    let mut all = vec![
        with(&["demo"], false),
        with(&["verify-chain", &leaf], true),
        with(&["verify-batch", &sig], true),
        with(&["verify", "cms", &td("cms/rsa-attached.der")], true),
        with(&["verify", "xml", &xml], true),
        with(&["inspect", &leaf], false),
        with(&["inspect", &td("cms/rsa-attached.der")], false),
        with(
            &[
                "sign",
                "cms",
                &td("cms/content.txt"),
                "-o",
                &out,
                "--key",
                &key,
                "--cert",
                &leaf,
            ],
            false,
        ),
        with(
            &[
                "sign", "xml", &xml, "-o", &out, "--key", &key, "--cert", &leaf,
            ],
            false,
        ),
    ];
    let json: Vec<Vec<String>> = all
        .iter()
        .map(|a| {
            let mut a = a.clone();
            a.push("--json".to_owned());
            a
        })
        .collect();
    all.extend(json);
    all
}

#[test]
fn closed_or_full_standard_output_is_exit_74_for_every_command() {
    let dir = tempfile::tempdir().unwrap();
    for args in commands(dir.path()) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        // The command works when its output does.
        let ok = run(&args);
        assert!(
            matches!(ok.code, Some(0)) && !ok.stdout.is_empty(),
            "{args:?}: {}",
            ok.text()
        );
        // A reader that went away: 74, quietly.
        let closed = run_with(&args, Output::Closed);
        closed.expect(74, &[]);
        assert!(closed.stderr.is_empty(), "{args:?}: {}", closed.text());
        // A full disk: 74, and why.
        run_with(&args, Output::Full).expect(74, &["standard output", "No space left"]);
    }
}

#[test]
fn passwords_and_paths_get_the_contracts_statuses() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let out = out.to_str().unwrap();
    let bad_pw = dir.path().join("pw");
    std::fs::write(&bad_pw, b"secret\xff\xfe\n").unwrap();
    let (content, p12) = (td("cms/content.txt"), td("pki/leaf-rsa.p12"));
    let sign_p12 = |extra: &[&str]| {
        let mut a = vec!["sign", "cms", &content, "-o", out, "--p12", &p12];
        a.extend(extra);
        run(&a)
    };
    // Not UTF-8: the credentials are unusable (4), the file was read (not 74).
    sign_p12(&["--password-file", bad_pw.to_str().unwrap()]).expect(4, &["pw", "not UTF-8"]);
    let r = {
        use std::os::unix::ffi::OsStrExt as _;
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_signflow"));
        cmd.args(["sign", "cms", &content, "-o", out, "--p12", &p12])
            .args(["--password-env", "SIGNFLOW_TEST_PW"])
            .env(
                "SIGNFLOW_TEST_PW",
                std::ffi::OsStr::from_bytes(b"secret\xff"),
            );
        cmd.output().unwrap()
    };
    assert_eq!(r.status.code(), Some(4), "{r:?}");
    // The trailing newline is still not part of the password.
    let pw_file = dir.path().join("good");
    std::fs::write(
        &pw_file,
        format!(
            "{}\n",
            std::fs::read_to_string(td("pki/PASSWORD"))
                .unwrap()
                .trim_end()
        ),
    )
    .unwrap();
    sign_p12(&["--password-file", pw_file.to_str().unwrap()]).expect(0, &[]);
    // Missing files are I/O errors naming them, whichever option names them.
    let leaf = td("pki/leaf-rsa.pem");
    run(&["verify-chain", &leaf, "--trust", "/nonexistent/anchors"])
        .expect(74, &["/nonexistent/anchors"]);
    run(&["verify-chain", "/nonexistent/cert", "--trust", &leaf])
        .expect(74, &["/nonexistent/cert", "a certificate file"]);
    // A trust directory without certificates is not a trust store (2), not "invalid" (1).
    run(&[
        "verify-chain",
        &leaf,
        "--trust",
        dir.path().to_str().unwrap(),
    ])
    .expect(2, &["no certificate"]);
}

#[test]
fn inspect_says_what_each_file_is() {
    let dir = tempfile::tempdir().unwrap();
    let pem_of = |rel: &str, label: &str| {
        let path = dir.path().join(format!("{}.pem", rel.replace('/', "-")));
        let b64 = base64_lines(&common::read(rel));
        std::fs::write(
            &path,
            format!("-----BEGIN {label}-----\n{b64}-----END {label}-----\n"),
        )
        .unwrap();
        path.to_str().unwrap().to_owned()
    };
    let cases = [
        (td("pki/leaf-rsa.pem"), "certificate"),
        (td("pki/leaf-rsa.der"), "certificate"),
        (td("pki/root-ca.crl.der"), "crl"),
        (td("pki/root-ca.crl.pem"), "crl"),
        (td("cms/rsa-attached.der"), "cms_signed_data"),
        (td("cms/ber-attached.der"), "cms_signed_data"),
        (td("cms/rsa-attached.pem"), "cms_signed_data"),
        (pem_of("cms/ecdsa-detached.der", "PKCS7"), "cms_signed_data"),
        (td("pki/leaf-rsa.key.pem"), "private_key"),
        (td("gost/gost2012_256-A.pub.pem"), "public_key"),
        (td("xmldsig/xmlsec1-signed-rsa.xml"), "xml"),
    ];
    for (file, kind) in &cases {
        let r = run(&["inspect", file, "--json"]);
        r.expect(0, &[]);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(v["objects"][0]["type"], *kind, "{file}: {}", r.text());
    }
    // PKCS#12 with its password; a CMS is never called PKCS#12 (the finding).
    let r = run(&[
        "inspect",
        &td("pki/leaf-rsa.p12"),
        "--password-file",
        &td("pki/PASSWORD"),
        "--json",
    ]);
    r.expect(0, &[]);
    assert!(r.stdout.contains("\"type\":\"pkcs12\""), "{}", r.text());
    let r = run(&["inspect", &td("cms/rsa-attached.der")]);
    r.expect(0, &[]);
    assert!(
        !r.stdout.contains("PKCS#12") && r.stdout.contains("cms_signed_data"),
        "{}",
        r.text()
    );
    // Objects OpenSSL makes in the formats signflow does not sign with are still named.
    openssl_objects(dir.path());
    // Files that are none of these: 2, naming the file and what inspect looks for.
    let junk = dir.path().join("junk.bin");
    std::fs::write(&junk, [0x30, 0x03, 0x02, 0x01, 0x05]).unwrap();
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "just words\n").unwrap();
    let block = dir.path().join("odd.pem");
    std::fs::write(
        &block,
        "-----BEGIN DH PARAMETERS-----\nMAA=\n-----END DH PARAMETERS-----\n",
    )
    .unwrap();
    for f in [&junk, &text] {
        run(&["inspect", f.to_str().unwrap()]).expect(
            2,
            &[f.to_str().unwrap(), "recognises none of", "CMS signature"],
        );
    }
    run(&["inspect", block.to_str().unwrap()]).expect(2, &["odd.pem", "\"DH PARAMETERS\""]);
    // Something with a certificate's structure that does not parse is called a malformed
    // certificate: SEQUENCE { SEQUENCE { [0] { INTEGER 2 }, INTEGER 1 }, SEQUENCE {},
    // BIT STRING }.
    let broken = dir.path().join("broken.der");
    std::fs::write(
        &broken,
        [
            0x30, 0x0f, 0x30, 0x08, 0xa0, 0x03, 0x02, 0x01, 0x02, 0x02, 0x01, 0x01, 0x30, 0x00,
            0x03, 0x01, 0x00,
        ],
    )
    .unwrap();
    run(&["inspect", broken.to_str().unwrap()]).expect(
        2,
        &["broken.der", "an X.509 certificate that does not parse"],
    );
}

/// Certificate requests, PKCS#1 and SEC 1 keys and encrypted PKCS#8 keys made by OpenSSL:
/// inspect names each (and says how to convert the traditional formats).
fn openssl_objects(dir: &Path) {
    let openssl = |args: &[&str]| {
        Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !openssl(&["version"]) {
        println!("SKIPPED: openssl unavailable, no request or traditional keys inspected");
        return;
    }
    let made = [
        (
            vec![
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-out",
                "ec.key",
            ],
            "ec.key",
            "private_key",
        ),
        (
            vec![
                "req", "-new", "-key", "ec.key", "-subj", "/CN=req", "-out", "req.pem",
            ],
            "req.pem",
            "certificate_request",
        ),
        (
            vec![
                "req", "-new", "-key", "ec.key", "-subj", "/CN=req", "-outform", "DER", "-out",
                "req.der",
            ],
            "req.der",
            "certificate_request",
        ),
        (
            vec!["ec", "-in", "ec.key", "-out", "sec1.pem"],
            "sec1.pem",
            "sec1_ec_private_key",
        ),
        (
            vec!["ec", "-in", "ec.key", "-outform", "DER", "-out", "sec1.der"],
            "sec1.der",
            "sec1_ec_private_key",
        ),
        (
            vec![
                "pkcs8", "-topk8", "-in", "ec.key", "-passout", "pass:x", "-out", "enc.pem",
            ],
            "enc.pem",
            "encrypted_private_key",
        ),
        (
            vec![
                "pkey", "-in", "ec.key", "-pubout", "-outform", "DER", "-out", "pub.der",
            ],
            "pub.der",
            "public_key",
        ),
        (
            vec!["genrsa", "-traditional", "-out", "rsa1.pem", "1024"],
            "rsa1.pem",
            "pkcs1_rsa_private_key",
        ),
        (
            vec![
                "rsa",
                "-in",
                "rsa1.pem",
                "-traditional",
                "-outform",
                "DER",
                "-out",
                "rsa1.der",
            ],
            "rsa1.der",
            "pkcs1_rsa_private_key",
        ),
    ];
    for (args, file, kind) in made {
        if !openssl(&args) {
            println!("SKIPPED: openssl {args:?} failed");
            continue;
        }
        let path = dir.join(file);
        let r = run(&["inspect", path.to_str().unwrap(), "--json"]);
        r.expect(0, &[]);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(v["objects"][0]["type"], kind, "{file}: {}", r.text());
    }
}

fn base64_lines(der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    b64.as_bytes()
        .chunks(64)
        .map(|c| format!("{}\n", std::str::from_utf8(c).unwrap()))
        .collect()
}

#[test]
fn failures_name_the_file_and_what_it_was_read_as() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let out = out.to_str().unwrap();
    let (cms, leaf, key, root) = (
        td("cms/rsa-attached.der"),
        td("pki/leaf-rsa.pem"),
        td("pki/leaf-rsa.key.pem"),
        td("pki/root-ca.pem"),
    );
    let content = td("cms/content.txt");
    let pw = td("pki/PASSWORD");
    // Each input given the wrong kind of file: 2 (4 for keys), the file, what it was read as
    // and what it holds.
    let cases: Vec<(Vec<&str>, i32, Vec<&str>)> = vec![
        (
            vec!["verify-chain", &leaf, "--trust", &cms],
            2,
            vec![
                "rsa-attached.der",
                "read as a certificate file",
                "CMS SignedData",
            ],
        ),
        (
            vec!["verify-chain", &leaf, "--trust", &root, "--crl", &leaf],
            2,
            vec!["leaf-rsa.pem", "read as a CRL file", "X.509 certificate"],
        ),
        (
            vec!["verify", "cms", &leaf, "--trust", &root],
            2,
            vec![
                "leaf-rsa.pem",
                "read as a CMS signature",
                "X.509 certificate",
            ],
        ),
        (
            vec!["verify", "xml", &cms, "--trust", &root],
            2,
            vec![
                "rsa-attached.der",
                "read as an XML signature",
                "CMS SignedData",
            ],
        ),
        (
            vec![
                "sign", "cms", &content, "-o", out, "--key", &leaf, "--cert", &leaf,
            ],
            4,
            vec!["leaf-rsa.pem", "PKCS#8 private key", "X.509 certificate"],
        ),
        (
            vec![
                "sign", "cms", &content, "-o", out, "--key", &key, "--cert", &key,
            ],
            2,
            vec![
                "leaf-rsa.key.pem",
                "read as a certificate file",
                "PKCS#8 private key",
            ],
        ),
        (
            vec![
                "sign",
                "cms",
                &content,
                "-o",
                out,
                "--p12",
                &cms,
                "--password-file",
                &pw,
            ],
            2,
            vec![
                "rsa-attached.der",
                "read as a PKCS#12 file",
                "CMS SignedData",
            ],
        ),
        (
            vec![
                "sign", "xml", &cms, "-o", out, "--key", &key, "--cert", &leaf,
            ],
            2,
            vec!["rsa-attached.der", "XML document", "CMS SignedData"],
        ),
        (
            vec![
                "sign",
                "cms",
                &content,
                "-o",
                "/nonexistent/dir/out",
                "--key",
                &key,
                "--cert",
                &leaf,
            ],
            74,
            vec!["/nonexistent/dir/out", "cannot write the signature"],
        ),
    ];
    for (args, code, words) in cases {
        run(&args).expect(code, &words);
    }
}
