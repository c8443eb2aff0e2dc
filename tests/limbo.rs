//! C2SP x509-limbo through the path-validation API (`signflow::pki::Validator`).
//!
//! Data (see testdata/README.md, "limbo/"): `testdata/limbo/limbo-chain-relevant.json` (the 200
//! cases about chains, validity, extensions and CRLs; read directly) and
//! `testdata/limbo/limbo.json.xz` (the full compiled suite, 9,780 cases; decompressed with the
//! `xz` CLI, skipped when it is not installed).
//!
//! Mapping of a limbo case onto signflow:
//! - `trusted_certs` → [`TrustStore`], `untrusted_intermediates` → the validator's
//!   intermediates, `peer_certificate` → the certificate validated, `crls` → the CRLs.
//! - `validation_time` → [`ValidationOptions::at`] (null → now).
//! - no CRLs → `RevocationMode::Off` (limbo does not expect revocation checking then); with
//!   CRLs the default `Required` is kept.
//! - `key_usage` → ONE element of `end_entity_key_usage`, the OR of the named bits (signflow's
//!   list means "one of these elements", [`KeyUsage::allows`] means "all bits of one element";
//!   limbo means "all of"). No key usage given → no key-usage check.
//! - `extended_key_usage` → `required_eku` (OIDs).
//! - `max_chain_depth` (limbo: the number of intermediates) → `max_depth` = that + 1 (signflow:
//!   certificates below the trust anchor, end entity included).
//! - Any certificate or CRL of the case that signflow cannot parse → the case is rejected (as a
//!   caller loading that material would see it).
//! - Host names are not checked (not this library's job). A case is skipped as "peer-name" when
//!   limbo expects FAILURE and the failure may be the host name alone: its family is one of
//!   [`PEER_NAME_FAMILIES`] (they test host-name matching rules: wildcards, CN fallback, SAN
//!   syntax), or the leaf's subjectAltName does not cover the expected peer name(s) by a minimal
//!   matcher (exact DNS name ignoring case, `*.` in the leftmost label, IP address bytes, exact
//!   e-mail address).
//! - Cases tagged with a limbo feature in [`UNSUPPORTED_FEATURES`] are skipped, as limbo's schema
//!   asks of "consumers that don't understand a given feature": they are the optional CA/B Forum
//!   (web PKI) and "pedantic" profile checks, which signflow (an RFC 5280 §6 validator for
//!   document signatures) does not implement. Every other feature is judged: `has-crl`,
//!   `max-chain-depth`, `denial-of-service`, `has-policy-constraints`, `name-constraint-dn`,
//!   `rfc5280-incompatible-with-webpki`.
//! - Where limbo marks a `webpki::` case as conflicting with an `rfc5280::` one (the two cannot
//!   both pass), signflow follows RFC 5280 and the `webpki::` case is skipped.
//!
//! Two tests per backend: chain-relevant (no false accept, and at least pyca-cryptography's 168
//! passes) and the full suite (tally printed; no false accept in the chain-relevant subset).
//! Validation runs in signflow's strict mode (the RFC 5280 profile enforced), as limbo expects.

mod common;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::process::Command;
use std::time::Instant;

use serde::Deserialize;
use signflow::crypto::CryptoProvider;
use signflow::pki::{
    ANY_EXTENDED_KEY_USAGE, Certificate, Crl, GeneralName, KeyUsage, RevocationMode, Status,
    TrustStore, UnixTime, ValidationOptions, Validator,
};

/// Families whose FAILURE expectations are about host-name matching.
const PEER_NAME_FAMILIES: [&str; 3] = ["webpki::san::", "webpki::cn::", "rfc5280::san::"];

/// Optional limbo features signflow does not implement (see the module doc).
const UNSUPPORTED_FEATURES: [&str; 5] = [
    "pedantic-webpki-eku",
    "pedantic-webpki-subscriber-key",
    "pedantic-serial-number",
    "pedantic-public-suffix-wildcard",
    "pedantic-rfc5280",
];

/// pyca-cryptography 46 on the chain-relevant file, with limbo's own harness: 168 / 4 / 28.
const MIN_CHAIN_RELEVANT_PASSES: usize = 168;

#[derive(Deserialize)]
struct Limbo {
    testcases: Vec<Case>,
}

#[derive(Deserialize)]
struct PeerName {
    kind: String,
    value: String,
}

#[derive(Deserialize)]
struct Case {
    id: String,
    #[serde(default)]
    features: Vec<String>,
    #[serde(default)]
    conflicts_with: Vec<String>,
    trusted_certs: Vec<String>,
    untrusted_intermediates: Vec<String>,
    peer_certificate: String,
    validation_time: Option<String>,
    key_usage: Vec<String>,
    extended_key_usage: Vec<String>,
    max_chain_depth: Option<usize>,
    #[serde(default)]
    crls: Vec<String>,
    expected_peer_name: Option<PeerName>,
    #[serde(default)]
    expected_peer_names: Vec<PeerName>,
    expected_result: String,
    /// SERVER, CLIENT or (not applying) other kinds.
    #[serde(default)]
    validation_kind: String,
}

#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Pass,
    FalseAccept,
    FalseReject,
    Skip,
}

struct Outcome {
    verdict: Verdict,
    /// signflow's result (status and findings), or the skip reason.
    detail: String,
}

fn eku_oid(name: &str) -> String {
    match name {
        "serverAuth" => "1.3.6.1.5.5.7.3.1",
        "clientAuth" => "1.3.6.1.5.5.7.3.2",
        "codeSigning" => "1.3.6.1.5.5.7.3.3",
        "emailProtection" => "1.3.6.1.5.5.7.3.4",
        "timeStamping" => "1.3.6.1.5.5.7.3.8",
        "ocspSigning" | "OCSPSigning" => "1.3.6.1.5.5.7.3.9",
        "anyExtendedKeyUsage" => ANY_EXTENDED_KEY_USAGE,
        other => panic!("unknown extended key usage {other}"),
    }
    .to_owned()
}

fn certs(pems: &[String]) -> Result<Vec<Certificate>, String> {
    let mut out = Vec::new();
    for (i, pem) in pems.iter().enumerate() {
        out.extend(
            Certificate::all_from_pem_or_der(pem.as_bytes())
                .map_err(|e| format!("certificate {i} does not parse: {e}"))?,
        );
    }
    Ok(out)
}

/// Whether the leaf's subjectAltName covers a peer name (minimal matcher, see the module doc).
fn san_covers(leaf: &Certificate, name: &PeerName) -> bool {
    let sans = &leaf.extensions().subject_alt_names;
    match name.kind.as_str() {
        "DNS" => {
            let want = name.value.trim_end_matches('.').to_ascii_lowercase();
            sans.iter().any(|g| match g {
                GeneralName::Dns(s) => {
                    let s = s.trim_end_matches('.').to_ascii_lowercase();
                    match s.strip_prefix("*.") {
                        Some(rest) => want
                            .split_once('.')
                            .is_some_and(|(label, tail)| !label.is_empty() && tail == rest),
                        None => s == want,
                    }
                }
                _ => false,
            })
        }
        "IP" => {
            let Ok(ip) = name.value.parse::<IpAddr>() else {
                return false;
            };
            let want = match ip {
                IpAddr::V4(a) => a.octets().to_vec(),
                IpAddr::V6(a) => a.octets().to_vec(),
            };
            sans.iter()
                .any(|g| matches!(g, GeneralName::Ip(b) if *b == want))
        }
        "RFC822" => sans
            .iter()
            .any(|g| matches!(g, GeneralName::Rfc822(s) if s.eq_ignore_ascii_case(&name.value))),
        _ => false,
    }
}

/// Whether a FAILURE expectation may rest on the peer name alone (see the module doc).
fn peer_name_only(case: &Case, leaf: Option<&Certificate>) -> Option<String> {
    if case.expected_result != "FAILURE" {
        return None;
    }
    if let Some(family) = PEER_NAME_FAMILIES.iter().find(|f| case.id.starts_with(*f)) {
        return Some(format!("peer-name: family {family}"));
    }
    let leaf = leaf?;
    case.expected_peer_name
        .iter()
        .chain(&case.expected_peer_names)
        .find(|n| !san_covers(leaf, n))
        .map(|n| {
            format!(
                "peer-name: {} {} is not in the leaf's subjectAltName",
                n.kind, n.value
            )
        })
}

fn run_case(provider: &CryptoProvider, case: &Case) -> Outcome {
    let want_success = match case.expected_result.as_str() {
        "SUCCESS" => true,
        "FAILURE" => false,
        other => panic!("{}: expected_result {other}", case.id),
    };
    if let Some(f) = case
        .features
        .iter()
        .find(|f| UNSUPPORTED_FEATURES.contains(&f.as_str()))
    {
        return Outcome {
            verdict: Verdict::Skip,
            detail: format!("feature {f}"),
        };
    }
    let rfc_conflict = case
        .conflicts_with
        .iter()
        .find(|c| c.starts_with("rfc5280::"));
    if let (true, Some(c)) = (case.id.starts_with("webpki::"), rfc_conflict) {
        return Outcome {
            verdict: Verdict::Skip,
            detail: format!("conflicts with {c} (signflow follows RFC 5280)"),
        };
    }
    let leaf = certs(std::slice::from_ref(&case.peer_certificate));
    let leaf_ref = leaf.as_ref().ok().and_then(|v| v.first());
    if let Some(reason) = peer_name_only(case, leaf_ref) {
        return Outcome {
            verdict: Verdict::Skip,
            detail: reason,
        };
    }
    let result: Result<(Status, String), String> = (|| {
        let leaf = leaf?
            .into_iter()
            .next()
            .ok_or("no peer certificate".to_owned())?;
        let mut trust = TrustStore::new();
        for anchor in certs(&case.trusted_certs).map_err(|e| format!("trusted {e}"))? {
            trust.add(anchor);
        }
        let intermediates =
            certs(&case.untrusted_intermediates).map_err(|e| format!("intermediate {e}"))?;
        let mut crls = Vec::new();
        for (i, pem) in case.crls.iter().enumerate() {
            crls.extend(
                Crl::all_from_pem_or_der(pem.as_bytes())
                    .map_err(|e| format!("CRL {i} does not parse: {e}"))?,
            );
        }
        let time = match &case.validation_time {
            Some(t) => UnixTime::parse_rfc3339(t).unwrap_or_else(|e| panic!("{}: {e}", case.id)),
            None => UnixTime::now(),
        };
        let mut opts = ValidationOptions::at(time);
        // Limbo judges the RFC 5280 profile too: signflow's strict mode (like OpenSSL's
        // X509_V_FLAG_X509_STRICT in limbo's own OpenSSL harness).
        opts.strict = true;
        if crls.is_empty() {
            opts.revocation = RevocationMode::Off;
        }
        opts.end_entity_key_usage.clear();
        if !case.key_usage.is_empty() {
            let mask = case.key_usage.iter().fold(0u16, |m, n| {
                m | KeyUsage::bit_from_name(n)
                    .unwrap_or_else(|| panic!("{}: key usage {n}", case.id))
            });
            opts.end_entity_key_usage.push(mask);
        }
        opts.required_eku = case.extended_key_usage.iter().map(|n| eku_oid(n)).collect();
        // A SERVER/CLIENT validation implies that purpose when the case names none (as in the
        // suite's own harnesses, which validate with a server or client verifier).
        if opts.required_eku.is_empty() {
            match case.validation_kind.as_str() {
                "SERVER" => opts.required_eku.push("1.3.6.1.5.5.7.3.1".into()),
                "CLIENT" => opts.required_eku.push("1.3.6.1.5.5.7.3.2".into()),
                _ => {}
            }
        }
        if let Some(depth) = case.max_chain_depth {
            opts.max_depth = depth + 1;
        }
        let validator = Validator::new(provider, &trust, intermediates, crls);
        let report = validator.validate(&leaf, &opts);
        let findings: Vec<String> = report
            .findings()
            .map(|(i, f)| format!("[{i}] {}", f.sentence()))
            .collect();
        Ok((
            report.status,
            format!("{}: {}", report.status, findings.join("; ")),
        ))
    })();
    let (accepted, detail) = match result {
        Ok((status, detail)) => (status == Status::Valid, detail),
        Err(e) => (false, format!("rejected before validation: {e}")),
    };
    let verdict = match (want_success, accepted) {
        (true, true) | (false, false) => Verdict::Pass,
        (false, true) => Verdict::FalseAccept,
        (true, false) => Verdict::FalseReject,
    };
    Outcome { verdict, detail }
}

/// The outcomes of a suite, by case id (in the suite's order).
struct Tally {
    outcomes: Vec<(String, Outcome)>,
}

impl Tally {
    fn run(provider: &CryptoProvider, cases: &[Case]) -> Self {
        Self {
            outcomes: cases
                .iter()
                .map(|c| (c.id.clone(), run_case(provider, c)))
                .collect(),
        }
    }

    fn count(&self, v: &Verdict) -> usize {
        self.outcomes
            .iter()
            .filter(|(_, o)| o.verdict == *v)
            .count()
    }

    fn ids(&self, v: &Verdict) -> Vec<&str> {
        self.outcomes
            .iter()
            .filter(|(_, o)| o.verdict == *v)
            .map(|(id, _)| id.as_str())
            .collect()
    }

    fn summary(&self) -> String {
        let fa = self.count(&Verdict::FalseAccept);
        let fr = self.count(&Verdict::FalseReject);
        format!(
            "{} pass / {} fail ({fa} false accepts, {fr} false rejects) / {} skip",
            self.count(&Verdict::Pass),
            fa + fr,
            self.count(&Verdict::Skip),
        )
    }

    /// Prints the failures (and, when `skips`, the skipped cases) with signflow's findings.
    fn print(&self, skips: bool, limit_per_family: usize) {
        let mut shown: BTreeMap<&str, usize> = BTreeMap::new();
        for (id, o) in &self.outcomes {
            let tag = match o.verdict {
                Verdict::Pass => continue,
                Verdict::Skip if !skips => continue,
                Verdict::Skip => "SKIP",
                Verdict::FalseAccept => "FALSE ACCEPT",
                Verdict::FalseReject => "FALSE REJECT",
            };
            let n = shown.entry(family(id)).or_default();
            *n += 1;
            if *n <= limit_per_family {
                eprintln!("  {tag} {id}: {}", o.detail);
            }
        }
        for (fam, n) in shown.iter().filter(|(_, n)| **n > limit_per_family) {
            eprintln!(
                "  ... and {} more in {fam}",
                n.saturating_sub(limit_per_family)
            );
        }
    }

    fn print_families(&self) {
        let mut by: BTreeMap<&str, [usize; 4]> = BTreeMap::new();
        for (id, o) in &self.outcomes {
            let slot = match o.verdict {
                Verdict::Pass => 0,
                Verdict::FalseAccept => 1,
                Verdict::FalseReject => 2,
                Verdict::Skip => 3,
            };
            by.entry(family(id)).or_default()[slot] += 1;
        }
        eprintln!("  family: pass / false accept / false reject / skip");
        for (fam, [p, fa, fr, s]) in by {
            eprintln!("  {fam}: {p} / {fa} / {fr} / {s}");
        }
    }
}

/// The first two components of an id (`rfc5280::nc`, `crl::crlnumber-missing`).
fn family(id: &str) -> &str {
    let mut it = id.match_indices("::");
    match (it.next(), it.next()) {
        (Some(_), Some((i, _))) => &id[..i],
        _ => id,
    }
}

fn load(bytes: &[u8]) -> Vec<Case> {
    serde_json::from_slice::<Limbo>(bytes)
        .expect("limbo JSON")
        .testcases
}

fn chain_relevant() -> Vec<Case> {
    load(&common::read("limbo/limbo-chain-relevant.json"))
}

/// The full suite, decompressed by the `xz` CLI; `None` when `xz` is not available.
fn full_suite() -> Option<Vec<Case>> {
    let path = common::testdata("limbo/limbo.json.xz");
    let out = match Command::new("xz").arg("-dc").arg(&path).output() {
        Ok(out) => out,
        Err(_) => return None,
    };
    assert!(
        out.status.success(),
        "xz -dc {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    Some(load(&out.stdout))
}

per_provider! {
    #[test]
    fn limbo_chain_relevant() {
        let started = Instant::now();
        let cases = chain_relevant();
        assert_eq!(cases.len(), 200);
        let tally = Tally::run(provider(), &cases);
        eprintln!(
            "x509-limbo chain-relevant on {}: {} ({:.1?})",
            provider().name,
            tally.summary(),
            started.elapsed()
        );
        tally.print(true, usize::MAX);
        let false_accepts = tally.ids(&Verdict::FalseAccept);
        assert!(
            false_accepts.is_empty(),
            "{} false accepts (limbo expects FAILURE, signflow says valid): {false_accepts:#?}",
            false_accepts.len()
        );
        let passed = tally.count(&Verdict::Pass);
        assert!(
            passed >= MIN_CHAIN_RELEVANT_PASSES,
            "{passed} passes, fewer than pyca-cryptography's {MIN_CHAIN_RELEVANT_PASSES}; \
             false rejects: {:#?}",
            tally.ids(&Verdict::FalseReject)
        );
    }

    #[test]
    fn limbo_full_suite() {
        let started = Instant::now();
        let Some(cases) = full_suite() else {
            eprintln!("SKIPPED: xz not available");
            return;
        };
        let loaded = started.elapsed();
        let tally = Tally::run(provider(), &cases);
        eprintln!(
            "x509-limbo full suite ({} cases) on {}: {} (loaded in {loaded:.1?}, total {:.1?})",
            cases.len(),
            provider().name,
            tally.summary(),
            started.elapsed()
        );
        tally.print_families();
        tally.print(false, 25);
        // Informational beyond the chain-relevant subset; that subset must have no false accept.
        let relevant: std::collections::BTreeSet<String> =
            chain_relevant().into_iter().map(|c| c.id).collect();
        let false_accepts: Vec<&str> = tally
            .ids(&Verdict::FalseAccept)
            .into_iter()
            .filter(|id| relevant.contains(*id))
            .collect();
        assert!(
            false_accepts.is_empty(),
            "{} false accepts in the chain-relevant subset: {false_accepts:#?}",
            false_accepts.len()
        );
    }
}
