//! The xmlsec test suite's 251 XML signature cases, run as data (issue #5).
//!
//! `testdata/xmldsig/xmlsec/dsig-cases.json` lists each case as xmlsec's own runner runs it:
//! the document, the expected outcome (`success` / `fail`), the algorithms and the `xmlsec1`
//! command-line options used to verify. This test translates those options into
//! [`VerifyOptions`] (see [`translate`]), verifies with the first compiled crypto backend and
//! puts each case in one class:
//!
//! * **match**: valid where xmlsec expects success, not valid where it expects fail;
//! * **wrong**: the opposite (valid where xmlsec fails, or *invalid* where it succeeds) — never
//!   allowed;
//! * **unsupported**: expected success, and signflow declines with a stated reason (an
//!   *indeterminate* result). Only cases on the allowlists below may be unsupported, each with
//!   its reason; a listed case that starts to match fails the test, so the lists stay honest.
//!
//! DSA cases are optional and GOST cases belong to their own issue: both are tallied but not
//! required to match.
//!
//! Without the `extra-algorithms` feature, the cases that need one of its algorithms (ML-DSA,
//! SLH-DSA, Ed448, ML-KEM, RIPEMD-160, MD5) are declined ("extra-algorithms not enabled"):
//! they must never come out valid where xmlsec expects failure, nor invalid where it expects
//! success, and must not verify as valid without the algorithm.
//!
//! The tally goes to stderr (`cargo test --features cli --test xmlsec_suite -- --nocapture` to
//! see it on success; it is printed on failure either way).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use signflow::crypto::CryptoProvider;
use signflow::pki::pkcs12::Pkcs12;
use signflow::pki::{Certificate, Crl, RevocationMode, Status, TrustStore, UnixTime};
use signflow::xmldsig::{
    DSIG_NS, Document, HmacKey, KeyDecryptionKey, KeySource, VerifyOptions, verify,
};

/// Where the suite's files are (same layout as xmlsec's `tests/`).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/xmldsig/xmlsec")
}

/// One entry of dsig-cases.json.
#[derive(Debug, Deserialize)]
struct Case {
    expected: String,
    folder: String,
    file: String,
    algorithms: String,
    verify_options: String,
}

/// Algorithms (as named in the cases' `algorithms` field) signflow declines, one reason each.
/// A case using any of them must come out *unsupported*, never valid.
const UNSUPPORTED_ALGORITHMS: &[(&str, &str)] = &[(
    "xslt",
    "XSLT transform: running stylesheets found in signed documents is out of scope",
)];

/// Cases declined for a reason their algorithms do not show: a fragment of the file name (or
/// of the options), and the reason.
const UNSUPPORTED_FILES: &[(&str, &str)] = &[
    (
        "enveloping-sha256-rsa-sha256-relationship-foreign.xml",
        "its digest is that of an earlier xmlsec, which wrote the part's foreign-namespace \
         element (`other:Relationship`) unfiltered, under its bare local name, so inside the \
         Relationships namespace; ECMA-376 Part 2 §13.2.4.24 step 1 (only the Relationships \
         namespace known) removes it, as signflow and current xmlsec do (relationship.c drops \
         elements outside that namespace; xmlsec's fixture input now marks it mc:Ignorable)",
    ),
    (
        "aleksey-xmldsig-01/xpointer-hmac.xml",
        "the document has a DTD (it declares the Id attribute); signflow refuses DTDs (no XXE)",
    ),
    (
        "phaos-xmldsig-three/signature-big.xml",
        "XSLT and XPath transforms, external content",
    ),
    (
        "hmac-sha224-64",
        "HMACOutputLength 80, under half of SHA-224's output: refused (CVE-2009-0217 floor \
         max(80, L/2)); the case lowers no minimum",
    ),
    (
        "hmac-sha256-64",
        "HMACOutputLength 80, under half of SHA-256's output: refused (CVE-2009-0217 floor \
         max(80, L/2)); the case lowers no minimum",
    ),
    (
        "hmac-sha384-64",
        "HMACOutputLength 80, under half of SHA-384's output: refused (CVE-2009-0217 floor \
         max(80, L/2)); the case lowers no minimum",
    ),
    (
        "hmac-sha512-64",
        "HMACOutputLength 80, under half of SHA-512's output: refused (CVE-2009-0217 floor \
         max(80, L/2)); the case lowers no minimum",
    ),
];

/// Cases whose listed transform (XSLT, XPath, base64) sits only in a `Manifest`: core
/// validation (XMLDSig §5.1) does not check Manifest references, so they must match even
/// though the algorithm is allowlisted.
const MANIFEST_ONLY: &[&str] = &[
    "phaos-xmldsig-three/signature-rsa-detached-b64-transform.xml",
    "phaos-xmldsig-three/signature-rsa-detached-xpath-transform.xml",
    "phaos-xmldsig-three/signature-rsa-detached-xslt-transform.xml",
    "phaos-xmldsig-three/signature-rsa-detached-xslt-transform-retrieval-method.xml",
];

/// Most unsupported cases allowed: the count may only go down. (Without the
/// `extra-algorithms` feature, the cases that need it are declined on top of these.)
const MAX_UNSUPPORTED: usize = 9;

/// Fragments of the cases' algorithm names that only the `extra-algorithms` feature provides.
const EXTRA_ALGORITHMS: &[&str] = &["ed448", "ml-dsa", "slh-dsa", "ml-kem", "md5", "ripemd160"];

/// The reason a case is declined in a build without the `extra-algorithms` feature.
const EXTRA_NOT_ENABLED: &str = "extra-algorithms not enabled";

/// Whether `case` uses an algorithm this build leaves out (never, with `extra-algorithms`).
fn needs_extra(case: &Case) -> bool {
    !cfg!(feature = "extra-algorithms")
        && case
            .algorithms
            .split_whitespace()
            .any(|a| EXTRA_ALGORITHMS.iter().any(|x| a.contains(x)))
}

/// The validation time when a case gives none: a date the suite's certificates (issued
/// 2026-03-08) are valid at, after `enveloping-expired-cert.xml`'s certificate expired.
fn default_time() -> UnixTime {
    UnixTime::from_utc(2026, 11, 23, 0, 0, 0)
}

/// What a case needs beyond [`VerifyOptions`].
struct Inputs {
    options: VerifyOptions,
    trust: TrustStore,
    intermediates: Vec<Certificate>,
    crls: Vec<Crl>,
}

/// Reads `--verification-gmt-time 2005-01-01+10:00:00`.
fn gmt_time(s: &str) -> UnixTime {
    let n = |a: usize, b: usize| s[a..b].parse::<u32>().expect("time field");
    UnixTime::from_utc(
        i64::from(n(0, 4)),
        n(5, 7),
        n(8, 10),
        n(11, 13),
        n(14, 16),
        n(17, 19),
    )
}

/// The file a path in the options names: relative to the case's folder, else to the suite
/// root; `$cert_format` and `$pub_key_format` as PEM when that file exists, else DER.
fn option_file(folder: &str, raw: &str) -> Option<PathBuf> {
    let raw = raw
        .trim_start_matches("./")
        .replace("$rsa_pub_key_suffix", "");
    for fmt in ["pem", "der"] {
        let p = raw
            .replace("$cert_format", fmt)
            .replace("$pub_key_format", fmt)
            .replace("$mlkem_priv_key_format", fmt);
        for cand in [root().join(folder).join(&p), root().join(&p)] {
            if cand.is_file() {
                return Some(cand);
            }
        }
    }
    None
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn certs(p: &Path) -> Vec<Certificate> {
    Certificate::all_from_pem_or_der(&read(p)).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The SubjectPublicKeyInfo DER of a public key file (PEM `PUBLIC KEY` or DER).
fn spki(p: &Path) -> Vec<u8> {
    pem_or_der(p)
}

/// The DER of a file holding one PEM block or DER.
fn pem_or_der(p: &Path) -> Vec<u8> {
    let bytes = read(p);
    match std::str::from_utf8(&bytes) {
        Ok(text) if text.contains("-----BEGIN") => {
            let b64: String = text
                .lines()
                .filter(|l| !l.starts_with("-----"))
                .collect::<Vec<_>>()
                .concat();
            use base64::Engine;
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .expect("PEM body")
        }
        _ => bytes,
    }
}

/// External content the runner's `--url-map` options and relative references point at: the
/// caller supplies detached content (signflow never fetches).
fn detached_content(case: &Case, xml: &[u8]) -> Vec<(String, Vec<u8>)> {
    let stylesheet = if case.verify_options.contains("$url_map_xml_stylesheet_2018") {
        "external-data/xml-stylesheet-2018"
    } else {
        "external-data/xml-stylesheet-2005"
    };
    let maps = [
        ("http://www.w3.org/TR/xml-stylesheet", stylesheet),
        (
            "http://www.w3.org/Signature/2002/04/xml-stylesheet.b64",
            "external-data/xml-stylesheet-2005.b64",
        ),
        (
            "http://www.ietf.org/rfc/rfc3161.txt",
            "external-data/rfc3161.txt",
        ),
    ];
    let mut out = Vec::new();
    let text = String::from_utf8_lossy(xml);
    for part in text.split("URI=\"").skip(1) {
        let Some(uri) = part.split('"').next() else {
            continue;
        };
        if uri.is_empty() || uri.starts_with('#') || out.iter().any(|(u, _)| u == uri) {
            continue;
        }
        let path = maps
            .iter()
            .find(|(u, _)| *u == uri)
            .map(|(_, f)| root().join(f))
            .or_else(|| {
                // Relative to the case's folder, or to xmlsec's tree (whose tests/ is root()),
                // where xmlsec's runner starts.
                [
                    root().join(&case.folder).join(uri),
                    root().join(uri),
                    root().join(uri.strip_prefix("tests/").unwrap_or(uri)),
                ]
                .into_iter()
                .find(|p| p.is_file())
            });
        if let Some(p) = path.filter(|p| p.is_file()) {
            out.push((uri.to_owned(), read(&p)));
        }
    }
    out
}

/// Translates a case's xmlsec1 options into signflow's inputs.
fn translate(case: &Case, xml: &[u8]) -> Inputs {
    let mut options = VerifyOptions::at(default_time());
    // xmlsec checks CRLs it is given but requires none.
    options.validation.revocation = RevocationMode::Off;
    // xmlsec accepts the legacy 160-bit hashes; signflow only on the caller's word.
    let uses_sha1 = case
        .algorithms
        .split_whitespace()
        .any(|a| a.contains("sha1") || a.contains("ripemd160"));
    options.hashes.allow_sha1 = uses_sha1;
    // MD5 likewise, behind its own switch.
    options.hashes.allow_md5 = case
        .algorithms
        .split_whitespace()
        .any(|a| a.contains("md5"));
    // xmlsec (through OpenSSL) accepts the old suites' SHA-1- and MD5-signed certificates.
    options.validation.hashes.allow_sha1 = true;
    options.validation.hashes.allow_md5 = true;
    options.validation.min_rsa_bits = 1024;
    let mut trust = TrustStore::new();
    let mut intermediates = Vec::new();
    let mut crls = Vec::new();
    let mut verify_keys = false;
    let mut key_cert: Option<Certificate> = None;
    // --pkcs12-or-der and --pwd may come in either order.
    let mut pkcs12: Option<PathBuf> = None;
    let mut pwd = String::new();

    let tokens: Vec<&str> = case.verify_options.split_whitespace().collect();
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i];
        let arg = tokens.get(i + 1).copied().unwrap_or("");
        let file = || option_file(&case.folder, arg).unwrap_or_else(|| panic!("{arg}"));
        let opt = t.split(':').next().unwrap_or(t);
        let mut takes_arg = true;
        match opt {
            "--trusted-$cert_format" | "--trusted-pem" | "--trusted-der" => {
                for c in certs(&file()) {
                    trust.add(c);
                }
            }
            "--untrusted-$cert_format" | "--untrusted-pem" | "--untrusted-der" => {
                intermediates.extend(certs(&file()));
            }
            "--crl-$cert_format" => {
                crls.extend(Crl::all_from_pem_or_der(&read(&file())).expect("CRL"));
            }
            "--pubkey-cert-$cert_format" | "--pubkey-cert-der" | "--pubkey-cert-pem" => {
                key_cert = certs(&file()).into_iter().next();
            }
            "$pub_key_option" => {
                options.key = KeySource::TrustedPublicKey(spki(&file()));
            }
            "--verification-gmt-time" => options.validation.time = gmt_time(arg),
            // OpenSSL's X509_V_FLAG_CRL_CHECK: the signer's certificate needs a CRL.
            "--verify-crls" => {
                options.validation.revocation = RevocationMode::EndEntityOnly;
                takes_arg = false;
            }
            "--insecure" => {
                options.insecure_skip_path_validation = true;
                takes_arg = false;
            }
            "--X509-skip-time-checks" => {
                options.validation.ignore_validity_periods = true;
                takes_arg = false;
            }
            "--verify-keys" => {
                verify_keys = true;
                takes_arg = false;
            }
            "--relationship-legacy" => {
                options.relationship_legacy = true;
                takes_arg = false;
            }
            "--enable-asn1-signatures-hack" => {
                options.ecdsa_der_signature_value = true;
                takes_arg = false;
            }
            "--hmackey" => options.key = KeySource::Hmac(HmacKey::new(read(&file()))),
            "--hmac-min-out-len" => {
                options.hmac_min_output_bits = Some(arg.parse().expect("--hmac-min-out-len"));
            }
            "--enabled-key-data" => {
                // xmlsec reads raw keys from KeyInfo when told to: a key kind (rsa, ec…) and a
                // way to carry it (key-value, der-encoded-key-value, or an indirection to one).
                let kinds: Vec<&str> = arg.split(',').collect();
                let raw = ["rsa", "ec", "dsa", "eddsa"]
                    .iter()
                    .any(|k| kinds.contains(k));
                let carrier = [
                    "key-value",
                    "der-encoded-key-value",
                    "retrieval-method",
                    "key-info-reference",
                ]
                .iter()
                .any(|k| kinds.contains(k));
                options.trust_key_value = raw && carrier;
                // Raw keys without x509: the certificates of X509Data are not looked at.
                if raw
                    && carrier
                    && !kinds.contains(&"x509")
                    && matches!(options.key, KeySource::KeyInfo)
                {
                    options.key = KeySource::KeyValue;
                }
            }
            // xmlsec's keys file: named symmetric keys, for EncryptedKeys that name them.
            "--keys-file" => options.key_decryption.extend(keys_file(&file())),
            "--pkcs12-or-der" => pkcs12 = Some(file()),
            "--pwd" => pwd = arg.to_owned(),
            // `$mlkem_priv_key_option:NAME FILE`: an ML-KEM private key named NAME.
            "$mlkem_priv_key_option" => {
                let name = t.split_once(':').map(|(_, n)| n).unwrap_or_default();
                match KeyDecryptionKey::from_pkcs8_der(&pem_or_der(&file())) {
                    Ok(key) => options.key_decryption.push(key.with_name(name)),
                    // Without the feature ML-KEM keys are refused; the case is declined.
                    Err(e) if !cfg!(feature = "extra-algorithms") => {
                        assert!(e.to_string().contains("`extra-algorithms`"), "{arg}: {e}");
                    }
                    Err(e) => panic!("{arg}: {e}"),
                }
            }
            "--enabled-reference-uris" | "--enabled-retrieval-method-uris" => {}
            _ => takes_arg = false,
        }
        i += if takes_arg { 2 } else { 1 };
    }
    if let Some(p) = pkcs12 {
        // A private key (and its certificate) for key transport: the PKCS#12's keys.
        let p12 = Pkcs12::from_der(&read(&p), &pwd).unwrap_or_else(|e| panic!("{p:?}: {e}"));
        for k in p12.private_keys() {
            options.key_decryption.push(
                KeyDecryptionKey::from_pkcs8_der(&k.pkcs8_der)
                    .unwrap_or_else(|e| panic!("{p:?}: {e}")),
            );
        }
    }
    if let Some(c) = key_cert {
        // xmlsec uses a key loaded from a certificate as given unless --verify-keys.
        options.key = if verify_keys {
            KeySource::Certificate(Box::new(c))
        } else {
            KeySource::TrustedPublicKey(c.spki_der().to_vec())
        };
    }
    options.detached = detached_content(case, xml);
    Inputs {
        options,
        trust,
        intermediates,
        crls,
    }
}

/// The keys of an xmlsec keys file (`<Keys>` of `<KeyInfo>`s, each a `KeyName` and a
/// `KeyValue` holding the base64 of a symmetric key as `AESKeyValue`, `DESKeyValue` or
/// `HMACKeyValue`), as key-decryption keys bound to their names.
fn keys_file(p: &Path) -> Vec<KeyDecryptionKey> {
    const XMLSEC_NS: &str = "http://www.aleksey.com/xmlsec/2002";
    let bytes = read(p);
    let doc = Document::parse(&bytes).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let mut out = Vec::new();
    for ki in doc.children_named(doc.root(), DSIG_NS, "KeyInfo") {
        let name = doc
            .children_named(ki, DSIG_NS, "KeyName")
            .next()
            .map(|n| doc.text(n).trim().to_owned());
        for kv in doc.children_named(ki, DSIG_NS, "KeyValue") {
            for kind in ["AESKeyValue", "DESKeyValue", "HMACKeyValue"] {
                for v in doc.children_named(kv, XMLSEC_NS, kind) {
                    use base64::Engine;
                    let text: String = doc.text(v).split_whitespace().collect();
                    let key = base64::engine::general_purpose::STANDARD
                        .decode(text)
                        .expect("keys file: base64");
                    let mut k = KeyDecryptionKey::symmetric(key);
                    if let Some(n) = &name {
                        k = k.with_name(n.clone());
                    }
                    out.push(k);
                }
            }
        }
    }
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    Match,
    Wrong,
    Unsupported,
}

/// The allowlist reason that covers `case`, if any.
fn allowlisted(case: &Case) -> Option<&'static str> {
    if MANIFEST_ONLY.contains(&case.file.as_str()) {
        return None;
    }
    let algs: Vec<&str> = case.algorithms.split_whitespace().collect();
    UNSUPPORTED_FILES
        .iter()
        .find(|(f, _)| case.file.contains(f) || case.verify_options.contains(f))
        .or_else(|| {
            UNSUPPORTED_ALGORITHMS
                .iter()
                .find(|(a, _)| algs.contains(a))
        })
        .map(|(_, r)| *r)
}

fn is_dsa(case: &Case) -> bool {
    case.algorithms
        .split_whitespace()
        .any(|a| a.starts_with("dsa-"))
}

fn is_gost(case: &Case) -> bool {
    case.algorithms.contains("gostr")
}

/// One verification: its status, a one-line account, and whether an algorithm left out of this
/// build (no `extra-algorithms` feature) was refused — in the document or in the signer's
/// certificate path (the old suites' MD5-signed certificates).
fn run(provider: &CryptoProvider, case: &Case) -> (Status, String, bool) {
    let path = root().join(&case.file);
    let Ok(xml) = std::fs::read(&path) else {
        // Not in xmlsec's tree either: xmlsec1 fails to read it, as expected.
        return (
            Status::Invalid,
            "document absent from the suite".into(),
            false,
        );
    };
    let inputs = translate(case, &xml);
    match verify(
        provider,
        &xml,
        &inputs.trust,
        &inputs.intermediates,
        &inputs.crls,
        &inputs.options,
    ) {
        Ok(v) => {
            let f: Vec<String> = v
                .findings
                .iter()
                .filter(|f| f.finding.status().is_some())
                .map(|f| f.message.clone())
                .collect();
            let refused = |text: String| text.contains("enable the `extra-algorithms` feature");
            let extra =
                refused(format!("{:?}", v.findings)) || refused(format!("{:?}", v.certificate));
            (v.status, f.join("; "), extra)
        }
        Err(e) => (Status::Invalid, format!("error: {e}"), false),
    }
}

#[test]
fn xmlsec_dsig_suite() {
    let provider = CryptoProvider::all_compiled()[0];
    let json = std::fs::read(root().join("dsig-cases.json")).expect("dsig-cases.json");
    let cases: Vec<Case> = serde_json::from_slice(&json).expect("cases");
    assert_eq!(cases.len(), 251);

    // (class, folder) and (class, reason) counts, and the failures of the rules.
    let mut by_folder: BTreeMap<(String, Class), usize> = BTreeMap::new();
    let mut by_reason: BTreeMap<String, usize> = BTreeMap::new();
    let mut totals: BTreeMap<Class, usize> = BTreeMap::new();
    let mut scoped: BTreeMap<Class, usize> = BTreeMap::new();
    let mut problems = Vec::new();
    let mut lines = Vec::new();

    for (n, case) in cases.iter().enumerate() {
        let (status, account, refused_extra) = run(provider, case);
        let success = case.expected == "success";
        let listed = allowlisted(case);
        let extra = needs_extra(case) || refused_extra;
        let class = match (success, status) {
            (true, Status::Valid) | (false, Status::Invalid | Status::Indeterminate) => {
                Class::Match
            }
            (false, Status::Valid) => Class::Wrong,
            (true, Status::Indeterminate) => Class::Unsupported,
            // Invalid where xmlsec succeeds: a refusal only when the allowlist says why.
            (true, Status::Invalid) if listed.is_some() => Class::Unsupported,
            // Without the feature, an MD5-signed certificate is an unsupported algorithm, which
            // the PKI judges invalid: declined, as the reason says.
            (true, Status::Invalid) if extra => Class::Unsupported,
            (true, Status::Invalid) => Class::Wrong,
        };
        let optional = is_dsa(case) || is_gost(case);
        *totals.entry(class).or_default() += 1;
        if !optional {
            *scoped.entry(class).or_default() += 1;
        }
        let folder = case.file.split('/').next().unwrap_or_default().to_owned();
        *by_folder.entry((folder, class)).or_default() += 1;
        let label = format!("#{n} {} [{}]", case.file, case.verify_options);
        if needs_extra(case) && status == Status::Valid {
            problems.push(format!(
                "{label}: valid without the extra-algorithms feature: {account}"
            ));
        }
        match class {
            Class::Match => {
                if let Some(r) = listed
                    && success
                    && !optional
                {
                    problems.push(format!("{label}: matches but is allowlisted ({r})"));
                }
            }
            Class::Wrong => problems.push(format!(
                "{label}: WRONG, expected {}, got {status}: {account}",
                case.expected
            )),
            Class::Unsupported => {
                let reason = match (listed, optional) {
                    _ if extra => EXTRA_NOT_ENABLED.to_owned(),
                    (Some(r), _) => r.to_owned(),
                    (None, true) if is_dsa(case) => format!("DSA (optional): {account}"),
                    (None, true) => format!("GOST (own issue): {account}"),
                    (None, false) => {
                        problems.push(format!("{label}: unsupported, not allowlisted: {account}"));
                        format!("NOT ALLOWLISTED: {account}")
                    }
                };
                *by_reason.entry(reason).or_default() += 1;
            }
        }
        lines.push(format!("{class:?}\t{label}\t{status}\t{account}"));
    }

    let mut out = String::new();
    out.push_str("xmlsec dsig suite (251 cases), per folder: match / wrong / unsupported\n");
    let folders: std::collections::BTreeSet<&String> = by_folder.keys().map(|(f, _)| f).collect();
    for f in folders {
        let get = |c| by_folder.get(&(f.clone(), c)).copied().unwrap_or(0);
        out.push_str(&format!(
            "  {f:<32} {:>4} {:>4} {:>4}\n",
            get(Class::Match),
            get(Class::Wrong),
            get(Class::Unsupported)
        ));
    }
    let get = |m: &BTreeMap<Class, usize>, c| m.get(&c).copied().unwrap_or(0);
    out.push_str(&format!(
        "  {:<32} {:>4} {:>4} {:>4}\n  {:<32} {:>4} {:>4} {:>4}\nunsupported, per reason:\n",
        "all",
        get(&totals, Class::Match),
        get(&totals, Class::Wrong),
        get(&totals, Class::Unsupported),
        "non-DSA, non-GOST",
        get(&scoped, Class::Match),
        get(&scoped, Class::Wrong),
        get(&scoped, Class::Unsupported),
    ));
    for (r, n) in &by_reason {
        out.push_str(&format!("  {n:>3}  {r}\n"));
    }
    eprintln!("{out}");
    if std::env::var_os("XMLSEC_SUITE_VERBOSE").is_some() {
        for l in &lines {
            eprintln!("{l}");
        }
    }
    let declined_extra = by_reason.get(EXTRA_NOT_ENABLED).copied().unwrap_or(0);
    let unsupported = get(&totals, Class::Unsupported) - declined_extra;
    if get(&totals, Class::Wrong) > 0 {
        problems.push(format!(
            "{} opposite verdicts (wrong)",
            get(&totals, Class::Wrong)
        ));
    }
    if unsupported > MAX_UNSUPPORTED {
        problems.push(format!(
            "{unsupported} unsupported cases, more than MAX_UNSUPPORTED = {MAX_UNSUPPORTED}"
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // Only allowlisted cases (and optional DSA/GOST ones) may be anything but a match.
}

/// What a signature that verifies with the `extra-algorithms` feature gives: valid, or without
/// the feature indeterminate (its algorithm is refused as unsupported, never accepted).
const EXTRA_VALID: Status = if cfg!(feature = "extra-algorithms") {
    Status::Valid
} else {
    Status::Indeterminate
};

/// Without the `extra-algorithms` feature, `v` says which feature its algorithm needs.
fn assert_refused_without_extra(v: &signflow::xmldsig::XmlVerification) {
    if !cfg!(feature = "extra-algorithms") {
        assert!(
            v.has(|f| matches!(
                f,
                signflow::xmldsig::XmlFinding::Unsupported { what }
                    if what.contains("enable the `extra-algorithms` feature")
            )),
            "{:?}",
            v.findings
        );
    }
}

/// The phaos cases' certificates are MD5-signed: without the `extra-algorithms` feature their
/// path cannot be validated (md5WithRSAEncryption is refused), so the tests that use those
/// documents for something else (XPath, RetrievalMethod) check them without path validation
/// there — every other check of the document still runs. With the feature, nothing changes.
fn skip_md5_paths_without_extra(options: &mut VerifyOptions) {
    if !cfg!(feature = "extra-algorithms") {
        options.insecure_skip_path_validation = true;
    }
}

/// The security rules the suite's options could hide: HMAC truncation below the floor is
/// refused unless the caller lowers it, an HMAC document never verifies without the caller's
/// key, the weak hashes (SHA-1/RIPEMD-160, and MD5 separately) need their opt-ins, and a
/// document's raw key is never used without the caller's opt-in.
#[test]
fn hmac_and_key_value_rules() {
    let provider = CryptoProvider::all_compiled()[0];
    let xml =
        read(&root().join("xmldsig11-interop-2012/signature-enveloping-hmac-sha1-truncated40.xml"));
    let key = read(&root().join("xmldsig11-interop-2012/keys/hmackey.bin"));
    let mut o = VerifyOptions::at(default_time());
    o.hashes.allow_sha1 = true;
    o.key = KeySource::Hmac(HmacKey::new(key.clone()));
    let none = TrustStore::new();
    let v = verify(provider, &xml, &none, &[], &[], &o).unwrap();
    assert_eq!(v.status, Status::Invalid);
    assert!(v.has(|f| matches!(
        f,
        signflow::xmldsig::XmlFinding::HmacOutputLength { bits: 40, min: 80 }
    )));
    o.hmac_min_output_bits = Some(40);
    assert_eq!(
        verify(provider, &xml, &none, &[], &[], &o).unwrap().status,
        Status::Valid
    );
    // A wrong key, and no key at all.
    o.key = KeySource::Hmac(HmacKey::new(b"not the key".to_vec()));
    assert_eq!(
        verify(provider, &xml, &none, &[], &[], &o).unwrap().status,
        Status::Invalid
    );
    o.key = KeySource::KeyInfo;
    assert_ne!(
        verify(provider, &xml, &none, &[], &[], &o).unwrap().status,
        Status::Valid
    );

    // RIPEMD-160 (digest and HMAC) is legacy like SHA-1: refused and reported as weak by
    // default, accepted (still reported) when the caller accepts the 160-bit hashes.
    let xml = read(&root().join("aleksey-xmldsig-01/enveloping-ripemd160-hmac-ripemd160.xml"));
    let mut o = VerifyOptions::at(default_time());
    o.key = KeySource::Hmac(HmacKey::new(read(&root().join("keys/hmackey.bin"))));
    let weak = |allowed: bool| move |f: &signflow::xmldsig::XmlFinding| matches!(f, signflow::xmldsig::XmlFinding::WeakAlgorithm { allowed: a, .. } if *a == allowed);
    let v = verify(provider, &xml, &none, &[], &[], &o).unwrap();
    assert_eq!(v.status, Status::Invalid);
    assert!(v.has(weak(false)));
    o.hashes.allow_sha1 = true;
    let v = verify(provider, &xml, &none, &[], &[], &o).unwrap();
    assert_eq!(v.status, EXTRA_VALID);
    assert!(v.has(weak(true)));
    assert_refused_without_extra(&v);

    // MD5 is broken, not legacy: allowing the 160-bit hashes does not allow it; its own
    // switch does (still reported as weak).
    let xml = read(&root().join("aleksey-xmldsig-01/enveloping-md5-hmac-md5.xml"));
    o.hashes.allow_sha1 = true;
    let v = verify(provider, &xml, &none, &[], &[], &o).unwrap();
    assert_eq!(v.status, Status::Invalid);
    assert!(v.has(weak(false)));
    o.hashes.allow_md5 = true;
    let v = verify(provider, &xml, &none, &[], &[], &o).unwrap();
    assert_eq!(v.status, EXTRA_VALID);
    assert!(v.has(weak(true)));
    assert_refused_without_extra(&v);

    // md5WithRSAEncryption certificates (phaos's): the document's own algorithms are SHA-1,
    // the signer's certificate is MD5-signed, so the path needs validation.hashes.allow_md5.
    let xml = read(&root().join("phaos-xmldsig-three/signature-rsa-enveloped.xml"));
    let mut trust = TrustStore::new();
    for c in certs(&root().join("phaos-xmldsig-three/certs/rsa-ca-cert.der")) {
        trust.add(c);
    }
    let mut o = VerifyOptions::at(gmt_time("2009-01-01+10:00:00"));
    o.validation.revocation = RevocationMode::Off;
    o.validation.min_rsa_bits = 1024;
    o.hashes.allow_sha1 = true;
    o.validation.hashes.allow_sha1 = true;
    assert_ne!(
        verify(provider, &xml, &trust, &[], &[], &o).unwrap().status,
        Status::Valid
    );
    o.validation.hashes.allow_md5 = true;
    let v = verify(provider, &xml, &trust, &[], &[], &o).unwrap();
    if cfg!(feature = "extra-algorithms") {
        assert_eq!(v.status, Status::Valid);
    } else {
        // md5WithRSAEncryption is refused as unsupported: the path does not validate (the
        // PKI's verdict for an unsupported certificate signature is invalid).
        assert_ne!(v.status, Status::Valid);
        assert!(
            format!("{:?}", v.certificate).contains("enable the `extra-algorithms` feature"),
            "{:?}",
            v.certificate
        );
    }

    // A KeyValue key: refused by default, used on opt-in.
    let xml = read(&root().join("xmldsig11-interop-2012/signature-enveloping-rsa-sha256.xml"));
    let mut o = VerifyOptions::at(default_time());
    o.hashes.allow_sha1 = true;
    assert_ne!(
        verify(provider, &xml, &none, &[], &[], &o).unwrap().status,
        Status::Valid
    );
    o.trust_key_value = true;
    assert_eq!(
        verify(provider, &xml, &none, &[], &[], &o).unwrap().status,
        Status::Valid
    );
}

/// The base64 transform: the text of the node-set, decoded, is what the reference digests and
/// returns; a changed character is a digest mismatch; a transform after it (which would parse
/// the decoded octets as XML) is unsupported; text that is not base64 is an error.
#[test]
fn base64_transform() {
    use signflow::xmldsig::XmlFinding;
    let provider = CryptoProvider::all_compiled()[0];
    let xml = String::from_utf8(read(
        &root().join("merlin-xmldsig-twenty-three/signature-enveloping-b64-dsa.xml"),
    ))
    .unwrap();
    let mut o = VerifyOptions::at(default_time());
    o.hashes.allow_sha1 = true;
    o.trust_key_value = true;
    let none = TrustStore::new();
    // The verification borrows the document: keep each one for the test's duration.
    let run = |doc: String| {
        let doc: &'static str = Box::leak(doc.into_boxed_str());
        verify(provider, doc.as_bytes(), &none, &[], &[], &o)
    };
    let v = run(xml.clone()).unwrap();
    assert_eq!(v.status, Status::Valid);
    assert_eq!(v.references[0].canonical, b"some text");

    let v = run(xml.replace(">c29tZSB0ZXh0<", ">c29tZSB0ZXh1<")).unwrap();
    assert_eq!(v.status, Status::Invalid);
    assert!(v.has(|f| matches!(f, XmlFinding::DigestMismatch { reference: 0, .. })));

    let after = xml.replace(
        "<Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#base64\" />",
        "<Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#base64\" />\
         <Transform Algorithm=\"http://www.w3.org/TR/2001/REC-xml-c14n-20010315\" />",
    );
    assert_ne!(after, xml);
    let v = run(after).unwrap();
    assert_ne!(v.status, Status::Valid);
    assert!(v.references.is_empty());
    assert!(
        v.has(|f| matches!(f, XmlFinding::Unsupported { what } if what.contains("after base64")))
    );

    assert!(run(xml.replace(">c29tZSB0ZXh0<", ">c29tZSB0ZXh0!<")).is_err());
}

/// The context strings of xmlsec's ML-DSA, SLH-DSA and EdDSA cases are part of what is
/// verified: each signature is valid with its own context, invalid with a changed one or with
/// none, and invalid once the signed data changes.
#[test]
fn context_strings_are_bound() {
    let provider = CryptoProvider::all_compiled()[0];
    let none = TrustStore::new();
    let cases = [
        (
            "enveloped-sha512-mldsa44-with-context-string.xml",
            "ml-dsa/ml-dsa-44",
        ),
        (
            "enveloped-sha512-mldsa87-with-context-string.xml",
            "ml-dsa/ml-dsa-87",
        ),
        (
            "enveloped-sha512-slhdsa-sha2-128f-with-context-string.xml",
            "slh-dsa/slh-dsa-sha2-128f",
        ),
        (
            "enveloped-sha256-eddsa-ed25519ctx-with-context-string.xml",
            "eddsa/eddsa-ed25519",
        ),
        (
            "enveloped-sha256-eddsa-ed25519ph-with-context-string.xml",
            "eddsa/eddsa-ed25519",
        ),
        (
            "enveloped-sha256-eddsa-ed448ph-with-context-string.xml",
            "eddsa/eddsa-ed448",
        ),
    ];
    // base64("A context string\n") and base64("B context string\n").
    let (ours, other) = ("QSBjb250ZXh0IHN0cmluZwo=", "QiBjb250ZXh0IHN0cmluZwo=");
    for (file, key) in cases {
        let xml = String::from_utf8(read(&root().join("aleksey-xmldsig-01").join(file))).unwrap();
        let mut o = VerifyOptions::at(default_time());
        o.key = KeySource::TrustedPublicKey(read(&root().join(format!("keys/{key}-pubkey.der"))));
        let status = |doc: String| {
            let doc: &'static str = Box::leak(doc.into_boxed_str());
            verify(provider, doc.as_bytes(), &none, &[], &[], &o)
                .unwrap()
                .status
        };
        assert!(xml.contains(ours), "{file}");
        if !cfg!(feature = "extra-algorithms") && !key.contains("ed25519") {
            // ML-DSA, SLH-DSA and Ed448 are refused, whatever the context.
            assert_eq!(status(xml.clone()), Status::Indeterminate, "{file}");
            assert_eq!(
                status(xml.replace(ours, other)),
                Status::Indeterminate,
                "{file}"
            );
            continue;
        }
        assert_eq!(status(xml.clone()), Status::Valid, "{file}");
        assert_eq!(
            status(xml.replace(ours, other)),
            Status::Invalid,
            "{file}: other context"
        );
        let start = xml.find("ContextString>").unwrap();
        let open = xml[..start].rfind('<').unwrap();
        let close = xml[start..].find("</").unwrap() + start;
        let end = xml[close..].find('>').unwrap() + close + 1;
        let without = format!("{}{}", &xml[..open], &xml[end..]);
        assert!(!without.contains(ours));
        assert_eq!(status(without), Status::Invalid, "{file}: no context");
        assert_eq!(
            status(xml.replace("Hello, World!", "Hello, World?")),
            Status::Invalid,
            "{file}: changed data"
        );
    }
}

/// A DER ECDSA SignatureValue is read only on the caller's word (xmlsec's
/// `--enable-asn1-signatures-hack`), and r ‖ s halves written short are padded, not refused —
/// but a changed signature still fails either way.
#[test]
fn ecdsa_signature_value_forms() {
    let provider = CryptoProvider::all_compiled()[0];
    let none = TrustStore::new();
    let xml = read(&root().join("aleksey-xmldsig-01/enveloped-sha256-ecdsa-sha256-with-asn1.xml"));
    let mut o = VerifyOptions::at(default_time());
    o.key = KeySource::TrustedPublicKey(read(&root().join("keys/ec/ec-prime256v1-pubkey.der")));
    let status =
        |o: &VerifyOptions, xml: &[u8]| verify(provider, xml, &none, &[], &[], o).unwrap().status;
    assert_ne!(status(&o, &xml), Status::Valid);
    o.ecdsa_der_signature_value = true;
    assert_eq!(status(&o, &xml), Status::Valid);

    // The P-521 signature with 65-byte halves: valid as written, invalid once a byte changes.
    let xml = String::from_utf8(read(
        &root().join("aleksey-xmldsig-01/enveloped-ecdsa-java-bug.xml"),
    ))
    .unwrap();
    // Its certificate (in KeyInfo) chains to the suite's trusted copy of itself.
    let mut trust = TrustStore::new();
    for c in certs(&root().join("keys/enveloped-ecdsa-java-bug-cert.pem")) {
        trust.add(c);
    }
    let mut o = VerifyOptions::at(gmt_time("2019-01-01+00:00:00"));
    o.validation.revocation = RevocationMode::Off;
    let status = |xml: &[u8]| verify(provider, xml, &trust, &[], &[], &o).unwrap().status;
    assert_eq!(status(xml.as_bytes()), Status::Valid);
    let start = xml.find("<SignatureValue>").unwrap() + "<SignatureValue>".len();
    let mut tampered = xml.clone().into_bytes();
    tampered[start + 3] = if tampered[start + 3] == b'A' {
        b'B'
    } else {
        b'A'
    };
    assert_eq!(status(&tampered), Status::Invalid);

    // 33-byte P-256 halves with a leading zero byte each (xmlsec's `_padded` case): the zeros
    // go; a non-zero byte in their place fails.
    let xml = String::from_utf8(read(
        &root().join("aleksey-xmldsig-01/enveloping-sha256-ecdsa-sha256_padded.xml"),
    ))
    .unwrap();
    let mut o = VerifyOptions::at(default_time());
    o.insecure_skip_path_validation = true;
    let status = |xml: &str| {
        verify(provider, xml.as_bytes(), &none, &[], &[], &o)
            .unwrap()
            .status
    };
    assert_eq!(status(&xml), Status::Valid);
    // "AHqX…": the first base64 character carries r's leading zero byte.
    assert!(xml.contains("<SignatureValue>AHqX"));
    assert_eq!(
        status(&xml.replace("<SignatureValue>AHqX", "<SignatureValue>BHqX")),
        Status::Invalid
    );
}

/// xmlsec's `--insecure`: the KeyInfo certificate that verifies the signature is used without
/// path validation only on the caller's explicit word, the result says so, and a tampered
/// document is still invalid.
#[test]
fn insecure_skip_path_validation_is_explicit() {
    use signflow::xmldsig::XmlFinding;
    let provider = CryptoProvider::all_compiled()[0];
    let none = TrustStore::new();
    let xml = String::from_utf8(read(
        &root().join("aleksey-xmldsig-01/enveloping-sha256-rsa-sha256.xml"),
    ))
    .unwrap();
    let mut o = VerifyOptions::at(default_time());
    let v = verify(provider, xml.as_bytes(), &none, &[], &[], &o).unwrap();
    assert_ne!(v.status, Status::Valid);
    o.insecure_skip_path_validation = true;
    let v = verify(provider, xml.as_bytes(), &none, &[], &[], &o).unwrap();
    assert_eq!(v.status, Status::Valid);
    assert!(v.has(|f| matches!(f, XmlFinding::PathNotValidated)));
    let start = xml.find("<SignatureValue>").unwrap() + "<SignatureValue>".len();
    let mut tampered = xml.into_bytes();
    tampered[start + 2] = if tampered[start + 2] == b'A' {
        b'B'
    } else {
        b'A'
    };
    assert_eq!(
        verify(provider, &tampered, &none, &[], &[], &o)
            .unwrap()
            .status,
        Status::Invalid
    );
}

/// XPath Filter 2.0 (merlin's `sign-spec.xml`, the specification's example): intersect
/// `//ToBeSigned`, subtract `//NotToBeSigned`, union `//ReallyToBeSigned` digests as merlin
/// signed it; a change under a subtracted element leaves the digest alone, one under the
/// re-added `ReallyToBeSigned` breaks it; a reference to the Signature's own SignatureValue
/// with the enveloped-signature transform is empty.
#[test]
fn xpath_filter2_digests_as_signed() {
    let provider = CryptoProvider::all_compiled()[0];
    let none = TrustStore::new();
    let xml = String::from_utf8(read(
        &root().join("merlin-xpath-filter2-three/sign-spec.xml"),
    ))
    .unwrap();
    let mut o = VerifyOptions::at(default_time());
    o.hashes.allow_sha1 = true;
    let references = |doc: String| {
        let doc: &'static str = Box::leak(doc.into_boxed_str());
        let v = verify(provider, doc.as_bytes(), &none, &[], &[], &o).unwrap();
        v.references
            .iter()
            .map(|r| (r.digest_matches, r.canonical.clone()))
            .collect::<Vec<_>>()
    };
    let refs = references(xml.clone());
    assert_eq!(refs.len(), 2);
    assert!(refs[0].0 && refs[1].0, "{refs:?}");
    assert!(refs[1].1.is_empty());
    let signed = String::from_utf8(refs[0].1.clone()).unwrap();
    assert!(signed.contains("<ReallyToBeSigned>") && !signed.contains("NotToBeSigned"));

    let unsigned = "<NotToBeSigned>\n      <Data />\n    </NotToBeSigned>";
    assert!(xml.contains(unsigned));
    let changed = references(xml.replace(
        unsigned,
        "<NotToBeSigned>\n      <Data x=\"1\" />\n    </NotToBeSigned>",
    ));
    assert!(changed[0].0);
    let really = "<ReallyToBeSigned>\n        <!-- comment -->\n        <Data />";
    assert!(xml.contains(really));
    let changed = references(xml.replace(
        really,
        "<ReallyToBeSigned>\n        <!-- comment -->\n        <Data x=\"1\" />",
    ));
    assert!(!changed[0].0);

    // merlin's XFDL form: Filter 2.0 expressions with predicates and functions
    // (`page[@sid="PAGE1"]/*[@sid="CHECK16" or …]`, `not(@sid)`) go through the XPath
    // evaluator; every reference digests as signed.
    let xfdl = String::from_utf8(read(
        &root().join("merlin-xpath-filter2-three/sign-xfdl.xml"),
    ))
    .unwrap();
    assert!(xfdl.contains("[@sid"));
    let refs = references(xfdl);
    assert!(!refs.is_empty() && refs.iter().all(|r| r.0), "{refs:?}");
}

/// XPath 1.0 filter transforms: phaos's enveloped signature by the specification's `here()`
/// expression verifies, and a change to the player's data breaks it; merlin's detached
/// `defCan-1` (an XPath filter and C14N 1.1 over an external XML file) verifies, a change in
/// the excluded `e2` subtree leaves the digest alone and one in `e1` breaks it.
#[test]
fn xpath_filters_digest_as_signed() {
    let provider = CryptoProvider::all_compiled()[0];
    let case = |file: &str| -> Case {
        let json = std::fs::read(root().join("dsig-cases.json")).unwrap();
        let cases: Vec<Case> = serde_json::from_slice(&json).unwrap();
        cases.into_iter().find(|c| c.file == file).unwrap()
    };
    let status = |case: &Case, xml: &[u8], detached: Option<Vec<(String, Vec<u8>)>>| {
        let mut inputs = translate(case, xml);
        if let Some(d) = detached {
            inputs.options.detached = d;
        }
        if case.file.starts_with("phaos-") {
            skip_md5_paths_without_extra(&mut inputs.options);
        }
        verify(
            provider,
            xml,
            &inputs.trust,
            &inputs.intermediates,
            &inputs.crls,
            &inputs.options,
        )
        .unwrap()
        .status
    };

    let phaos = case("phaos-xmldsig-three/signature-rsa-xpath-transform-enveloped.xml");
    let xml = String::from_utf8(read(&root().join(&phaos.file))).unwrap();
    assert!(xml.contains("here()"));
    assert_eq!(status(&phaos, xml.as_bytes(), None), Status::Valid);
    let changed = xml.replace("Alfonso Soriano", "Alfonso Sorianu");
    assert_eq!(status(&phaos, changed.as_bytes(), None), Status::Invalid);

    let def = case("xmldsig2ed-tests/defCan-1.xml");
    let xml = read(&root().join(&def.file));
    let uri = "c14n11/xml-base-input.xml";
    let input = String::from_utf8(read(&root().join("xmldsig2ed-tests").join(uri))).unwrap();
    let with = |content: String| Some(vec![(uri.to_owned(), content.into_bytes())]);
    assert_eq!(status(&def, &xml, with(input.clone())), Status::Valid);
    let in_e2 = input.replace("/xmlbase21/", "/elsewhere/");
    assert_ne!(in_e2, input);
    assert_eq!(status(&def, &xml, with(in_e2)), Status::Valid);
    let in_e1 = input.replace("/xmlbase11/", "/elsewhere/");
    assert_eq!(status(&def, &xml, with(in_e1)), Status::Invalid);
    // Content that is not XML: the reference cannot be processed.
    assert_eq!(
        status(&def, &xml, with("not xml".into())),
        Status::Indeterminate
    );
}

/// A KeyInfo `RetrievalMethod` of type rawX509Certificate to an external file: nothing is
/// fetched, so without the caller's copy there is no key; with it the certificate is a
/// candidate like any other (it validates and verifies); another certificate in its place does
/// not verify.
#[test]
fn retrieval_method_certificates_come_from_the_caller() {
    let provider = CryptoProvider::all_compiled()[0];
    let json = std::fs::read(root().join("dsig-cases.json")).unwrap();
    let cases: Vec<Case> = serde_json::from_slice(&json).unwrap();
    let case = cases
        .iter()
        .find(|c| {
            c.file
                .ends_with("signature-rsa-detached-xslt-transform-retrieval-method.xml")
        })
        .unwrap();
    let xml = read(&root().join(&case.file));
    let mut inputs = translate(case, &xml);
    skip_md5_paths_without_extra(&mut inputs.options);
    let status = |inputs: &Inputs| {
        verify(
            provider,
            &xml,
            &inputs.trust,
            &inputs.intermediates,
            &inputs.crls,
            &inputs.options,
        )
        .unwrap()
        .status
    };
    assert_eq!(status(&inputs), Status::Valid);
    let uri = "certs/rsa-cert.der";
    let at = inputs
        .options
        .detached
        .iter()
        .position(|(u, _)| u == uri)
        .unwrap();
    inputs.options.detached[at].1 = read(&root().join("phaos-xmldsig-three/certs/rsa-ca-cert.der"));
    assert_ne!(status(&inputs), Status::Valid);
    inputs.options.detached.remove(at);
    assert_eq!(status(&inputs), Status::Indeterminate);
}
