//! `--online` in the library: issuers from authorityInfoAccess caIssuers, CRLs from
//! cRLDistributionPoints, OCSP from authorityInfoAccess ocsp, fetched from a tiny HTTP proxy on
//! 127.0.0.1 (the certificates of testdata/online/generate.sh name the host
//! pki.signflow.test, which never resolves; the fetcher reaches it through the proxy).
//! Validation times are a day after the leaf's notBefore, never "now".
#![cfg(feature = "network")]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use signflow::crypto::CryptoProvider;
use signflow::limits::{InputKind, InputLimits};
use signflow::pki::online::{FetchError, FetchKind, FetchSource, Fetcher, OnlineOptions};
use signflow::pki::{Certificate, Status, TrustContext, UnixTime, ValidationOptions};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/online");

fn file(name: &str) -> Vec<u8> {
    std::fs::read(format!("{DIR}/{name}")).unwrap()
}

fn cert(name: &str) -> Certificate {
    Certificate::all_from_pem_or_der(&file(name))
        .unwrap()
        .remove(0)
}

/// The files the certificates' URLs name, by path.
fn site() -> HashMap<String, Vec<u8>> {
    let mut site = HashMap::new();
    for name in ["int.crt", "int.p7c", "int.crl", "root.crl"] {
        site.insert(format!("/{name}"), file(name));
    }
    site.insert("/ocsp".into(), file("ocsp-good.der"));
    site
}

/// Reads one request head; the request line and the Content-Length.
fn head(reader: &mut BufReader<TcpStream>) -> Option<(String, usize)> {
    let mut first = None;
    let mut length = 0;
    for _ in 0..64 {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            return first.map(|f| (f, length));
        }
        if first.is_none() {
            first = Some(line.to_owned());
        } else if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().ok()?;
        }
    }
    None
}

fn answer(stream: TcpStream, site: &HashMap<String, Vec<u8>>) -> Option<()> {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let mut writer = stream.try_clone().ok()?;
    let mut reader = BufReader::new(stream);
    let (mut line, mut length) = head(&mut reader)?;
    if line.starts_with("CONNECT ") {
        writer
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .ok()?;
        (line, length) = head(&mut reader)?;
    }
    let mut body = vec![0; length.min(64 * 1024)];
    reader.read_exact(&mut body).ok()?;
    let path = line.split_whitespace().nth(1)?;
    let path = path
        .strip_prefix("http://pki.signflow.test")
        .unwrap_or(path);
    let (status, bytes) = match site.get(path) {
        Some(bytes) => ("200 OK", bytes.as_slice()),
        None => ("404 Not Found", &b""[..]),
    };
    write!(
        writer,
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        bytes.len()
    )
    .ok()?;
    writer.write_all(bytes).ok()?;
    writer.flush().ok()
}

/// A proxy on 127.0.0.1 answering at most `max` connections from `site`; its URL.
fn proxy(site: HashMap<String, Vec<u8>>, max: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(max).flatten() {
            let _ = answer(stream, &site);
        }
    });
    url
}

/// A proxy URL nobody listens on.
fn down() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}", listener.local_addr().unwrap())
}

fn options(proxy: String) -> OnlineOptions {
    OnlineOptions {
        proxy: Some(proxy),
        timeout: Duration::from_secs(10),
        ..OnlineOptions::default()
    }
}

fn context() -> TrustContext {
    TrustContext::builder()
        .anchors_pem_or_der(&file("root.pem"))
        .unwrap()
        .build()
}

fn at(leaf: &Certificate) -> UnixTime {
    UnixTime(leaf.not_before().0 + 86_400)
}

/// Validates `leaf` offline and then with what `options` fetches; `untrusted` files are at hand
/// (as `--untrusted` gives them) in both.
fn validate_with(
    leaf: &str,
    untrusted: &[&str],
    options: OnlineOptions,
) -> (Status, Status, signflow::pki::online::OnlineMaterial) {
    let leaf = cert(leaf);
    let given: Vec<Certificate> = untrusted.iter().map(|f| cert(f)).collect();
    let context = context().with_material(given.clone(), [], []);
    let mut at_hand = vec![leaf.clone()];
    at_hand.extend(given);
    let time = at(&leaf);
    let offline = context
        .validator()
        .validate(&leaf, &ValidationOptions::at(time))
        .status;
    let fetcher = Fetcher::new(options).unwrap();
    let found = fetcher.gather(CryptoProvider::current(), &at_hand, context.anchors(), time);
    let online = context.with_material(
        found.certificates.clone(),
        found.crls.clone(),
        found.ocsp.clone(),
    );
    let report = online
        .validator()
        .validate(&leaf, &ValidationOptions::at(time));
    (offline, report.status, found)
}

fn validate(
    leaf: &str,
    options: OnlineOptions,
) -> (Status, Status, signflow::pki::online::OnlineMaterial) {
    validate_with(leaf, &[], options)
}

#[test]
fn a_chain_indeterminate_offline_is_valid_online() {
    // The intermediate at hand, no CRL: indeterminate offline; online the CRLs come.
    let (offline, online, found) =
        validate_with("leaf-good.pem", &["int.pem"], options(proxy(site(), 8)));
    assert_eq!(offline, Status::Indeterminate);
    assert_eq!(online, Status::Valid, "{:?}", found.fetches);
    assert!(found.certificates.is_empty(), "the issuer was at hand");
    assert_eq!(found.crls.len(), 2);
}

#[test]
fn a_missing_issuer_is_fetched() {
    // No issuer at hand: offline that is no path (invalid, signflow's rule for an unknown
    // issuer); online the issuer and both CRLs are fetched.
    let (offline, online, found) = validate("leaf-good.pem", options(proxy(site(), 8)));
    assert_eq!(offline, Status::Invalid);
    assert_eq!(online, Status::Valid, "{:?}", found.fetches);
    let kinds: Vec<_> = found.fetches.iter().map(|f| (f.kind, f.source)).collect();
    assert_eq!(
        kinds,
        [
            (FetchKind::Certificate, Some(FetchSource::Network)),
            (FetchKind::Crl, Some(FetchSource::Network)),
            (FetchKind::Crl, Some(FetchSource::Network)),
        ]
    );
    assert_eq!(found.certificates.len(), 1);
    assert_eq!(found.certificates[0].der(), cert("int.pem").der());
}

#[test]
fn a_revoked_certificate_is_found_revoked_by_the_fetched_crl() {
    let (offline, online, found) =
        validate_with("leaf-revoked.pem", &["int.pem"], options(proxy(site(), 8)));
    assert_eq!(offline, Status::Indeterminate);
    assert_eq!(online, Status::Invalid, "{:?}", found.fetches);
}

#[test]
fn ocsp_from_the_responder_and_the_issuer_from_a_p7c() {
    let (_, online, found) = validate("leaf-ocsp.pem", options(proxy(site(), 8)));
    assert_eq!(online, Status::Valid, "{:?}", found.fetches);
    assert!(
        found
            .fetches
            .iter()
            .any(|f| f.kind == FetchKind::Ocsp && f.source == Some(FetchSource::Network))
    );
    assert_eq!(found.ocsp.len(), 1);
}

#[test]
fn a_server_that_is_down_leaves_the_verdict_indeterminate() {
    let (offline, online, found) = validate_with("leaf-good.pem", &["int.pem"], options(down()));
    assert_eq!(
        (offline, online),
        (Status::Indeterminate, Status::Indeterminate)
    );
    assert!(
        found
            .fetches
            .iter()
            .all(|f| matches!(f.error, Some(FetchError::Network(_))) && f.source.is_none())
    );
    // Down, the revoked certificate is not found revoked either: indeterminate, not invalid.
    let (_, revoked, _) = validate_with("leaf-revoked.pem", &["int.pem"], options(down()));
    assert_eq!(revoked, Status::Indeterminate);
    // Without the issuer the verdict is the offline one: the failure changes nothing.
    let (offline, online, _) = validate("leaf-good.pem", options(down()));
    assert_eq!(online, offline);
}

#[test]
fn a_too_large_answer_is_refused() {
    let mut opts = options(proxy(site(), 8));
    opts.limits = InputLimits::default().with(InputKind::Crl, 64);
    let (_, online, found) = validate("leaf-good.pem", opts);
    assert_eq!(online, Status::Indeterminate);
    let crl = found
        .fetches
        .iter()
        .find(|f| f.kind == FetchKind::Crl)
        .unwrap();
    assert_eq!(crl.error, Some(FetchError::TooLarge { max: 64 }));
    assert!(found.crls.is_empty());
}

#[test]
fn the_cache_serves_a_second_run_with_the_server_stopped() {
    let cache = tempfile::tempdir().unwrap();
    let mut first = options(proxy(site(), 8));
    first.cache_dir = Some(cache.path().to_owned());
    let (_, online, found) = validate("leaf-good.pem", first);
    assert_eq!(online, Status::Valid);
    assert!(
        found
            .fetches
            .iter()
            .all(|f| f.source == Some(FetchSource::Network))
    );
    let mut second = options(down());
    second.cache_dir = Some(cache.path().to_owned());
    let (_, online, found) = validate("leaf-good.pem", second);
    assert_eq!(online, Status::Valid, "{:?}", found.fetches);
    assert_eq!(found.fetches.len(), 3);
    assert!(
        found
            .fetches
            .iter()
            .all(|f| f.source == Some(FetchSource::Cache))
    );
}

#[test]
fn the_fetch_budget_is_kept() {
    let mut opts = options(proxy(site(), 8));
    opts.max_fetches = 1;
    let (_, online, found) = validate("leaf-good.pem", opts);
    assert_eq!(online, Status::Indeterminate);
    assert_eq!(
        found.fetches.iter().filter(|f| f.source.is_some()).count(),
        1
    );
    assert!(
        found
            .fetches
            .iter()
            .any(|f| f.error == Some(FetchError::Budget { max: 1 }))
    );
}

/// `signflow verify-chain --online [--cache DIR]`, the proxy given by `HTTP_PROXY`.
#[cfg(feature = "cli")]
mod cli {
    use super::*;
    use std::process::Command;

    /// `signflow` with `args`, `HTTP_PROXY` pointing at `proxy` (and no other proxy setting),
    /// trusting only root.pem, at a day after leaf-good's notBefore: exit status and JSON.
    fn signflow(proxy: &str, args: &[&std::ffi::OsStr]) -> (i32, serde_json::Value) {
        let leaf = cert("leaf-good.pem");
        let out = Command::new(env!("CARGO_BIN_EXE_signflow"))
            .env_remove("ALL_PROXY")
            .env_remove("all_proxy")
            .env_remove("HTTPS_PROXY")
            .env_remove("https_proxy")
            .env_remove("NO_PROXY")
            .env_remove("no_proxy")
            .env("HTTP_PROXY", proxy)
            .arg("--json")
            .args(args)
            .args(["--trust", &format!("{DIR}/root.pem")])
            .args(["--at", &at(&leaf).to_string()])
            .output()
            .unwrap();
        let json = serde_json::from_slice(&out.stdout).unwrap_or_default();
        (out.status.code().unwrap(), json)
    }

    fn online_args(cache: &std::path::Path, online: bool) -> Vec<&std::ffi::OsStr> {
        if online {
            vec!["--online".as_ref(), "--cache".as_ref(), cache.as_os_str()]
        } else {
            Vec::new()
        }
    }

    fn verify_chain(
        proxy: &str,
        cache: &std::path::Path,
        online: bool,
    ) -> (i32, serde_json::Value) {
        let leaf = format!("{DIR}/leaf-good.pem");
        let mut args: Vec<&std::ffi::OsStr> = vec!["verify-chain".as_ref(), leaf.as_ref()];
        args.extend(online_args(cache, online));
        signflow(proxy, &args)
    }

    /// `signflow verify cms` of testdata/online's `signature` (attached, only the signer's
    /// certificate embedded).
    fn verify_cms(
        proxy: &str,
        cache: &std::path::Path,
        signature: &str,
        online: bool,
    ) -> (i32, serde_json::Value) {
        let signature = format!("{DIR}/{signature}");
        let mut args: Vec<&std::ffi::OsStr> = vec!["verify".as_ref(), "cms".as_ref()];
        args.push(signature.as_ref());
        args.extend(online_args(cache, online));
        signflow(proxy, &args)
    }

    /// The fetches a JSON report records, as (kind, url, source).
    fn fetches(json: &serde_json::Value) -> Vec<(String, String, String)> {
        json["online"]
            .as_array()
            .unwrap_or_else(|| panic!("no fetches recorded: {json}"))
            .iter()
            .map(|f| {
                let text = |k: &str| f[k].as_str().unwrap_or_default().to_owned();
                (text("kind"), text("url"), text("source"))
            })
            .collect()
    }

    #[test]
    fn verify_cms_online_fetches_the_issuer_and_crls_and_finds_a_revocation() {
        let cache = tempfile::tempdir().unwrap();
        // Offline the message brings only its signer's certificate: no path (invalid, 1).
        let (code, json) = verify_cms(&down(), cache.path(), "signed-good.p7s", false);
        assert_eq!(code, 1, "{json}");
        assert_eq!(json["status"], "invalid", "{json}");
        assert!(json.get("online").is_none_or(|o| o.is_null()), "{json}");

        let (code, json) = verify_cms(&proxy(site(), 8), cache.path(), "signed-good.p7s", true);
        assert_eq!(code, 0, "{json}");
        assert_eq!(json["command"], "verify cms", "{json}");
        assert_eq!(json["status"], "valid", "{json}");
        assert_eq!(json["signers"][0]["status"], "valid", "{json}");
        let network = |kind: &str, url: &str| {
            (
                kind.to_owned(),
                format!("http://pki.signflow.test/{url}"),
                "network".to_owned(),
            )
        };
        assert_eq!(
            fetches(&json),
            [
                network("certificate", "int.crt"),
                network("crl", "int.crl"),
                network("crl", "root.crl"),
            ],
            "{json}"
        );

        // The same from the cache with the server down.
        let (code, json) = verify_cms(&down(), cache.path(), "signed-good.p7s", true);
        assert_eq!(code, 0, "{json}");
        assert!(fetches(&json).iter().all(|f| f.2 == "cache"), "{json}");

        // A signer revoked in the fetched CRL: invalid (1), the revocation named.
        let fresh = tempfile::tempdir().unwrap();
        let (code, json) = verify_cms(&proxy(site(), 8), fresh.path(), "signed-revoked.p7s", true);
        assert_eq!(code, 1, "{json}");
        assert_eq!(json["status"], "invalid", "{json}");
        let leaf = &json["signers"][0]["certificate"]["path"][0];
        assert_eq!(leaf["subject"], "CN=signflow online leaf revoked", "{json}");
        assert_eq!(leaf["findings"][0]["kind"], "revoked", "{json}");
        assert_eq!(leaf["revocation_source"], "crl", "{json}");
        assert_eq!(fetches(&json).len(), 3, "{json}");

        // The revoked signer with the server down and nothing cached: the issuer is missing,
        // so invalid as offline — never valid because a fetch failed.
        let empty = tempfile::tempdir().unwrap();
        let (code, json) = verify_cms(&down(), empty.path(), "signed-revoked.p7s", true);
        assert_eq!(code, 1, "{json}");
        assert!(
            fetches(&json).iter().all(|f| f.2.is_empty()),
            "nothing fetched: {json}"
        );
    }

    #[test]
    fn verify_chain_online_then_from_the_cache() {
        let cache = tempfile::tempdir().unwrap();
        let (offline, _) = verify_chain(&down(), cache.path(), false);
        assert_eq!(offline, 1, "no issuer offline: invalid, as before");
        let (code, json) = verify_chain(&proxy(site(), 8), cache.path(), true);
        assert_eq!(code, 0, "{json}");
        let fetched = json["online"].as_array().unwrap();
        assert_eq!(fetched.len(), 3, "{json}");
        assert_eq!(fetched[0]["kind"], "certificate");
        assert_eq!(fetched[0]["url"], "http://pki.signflow.test/int.crt");
        assert!(fetched.iter().all(|f| f["source"] == "network"), "{json}");
        let (code, json) = verify_chain(&down(), cache.path(), true);
        assert_eq!(code, 0, "{json}");
        assert!(
            json["online"]
                .as_array()
                .unwrap()
                .iter()
                .all(|f| f["source"] == "cache"),
            "{json}"
        );
        // An empty cache and the server down: the CRLs are missing, the issuer too.
        let empty = tempfile::tempdir().unwrap();
        let (code, json) = verify_chain(&down(), empty.path(), true);
        assert_ne!(code, 0);
        assert!(
            json["online"][0]["error"]
                .as_str()
                .unwrap()
                .starts_with("network"),
            "{json}"
        );
    }
}
