//! The x509-limbo harness shared by the library run (tests/limbo.rs) and the CLI run
//! (tests/cli_suites.rs): the case schema, which cases are skipped and why (see tests/limbo.rs's
//! module doc and testdata/README.md, "limbo/"), the verdicts and their tally.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::process::Command;

use serde::Deserialize;
use signflow::pki::{ANY_EXTENDED_KEY_USAGE, Certificate, GeneralName};

/// Families whose FAILURE expectations are about host-name matching.
pub const PEER_NAME_FAMILIES: [&str; 3] = ["webpki::san::", "webpki::cn::", "rfc5280::san::"];

/// Optional limbo features signflow does not implement (see the module doc).
pub const UNSUPPORTED_FEATURES: [&str; 5] = [
    "pedantic-webpki-eku",
    "pedantic-webpki-subscriber-key",
    "pedantic-serial-number",
    "pedantic-public-suffix-wildcard",
    "pedantic-rfc5280",
];

/// pyca-cryptography 46 on the chain-relevant file, with limbo's own harness: 168 / 4 / 28.
pub const MIN_CHAIN_RELEVANT_PASSES: usize = 168;

#[derive(Deserialize)]
pub struct Limbo {
    pub testcases: Vec<Case>,
}

#[derive(Deserialize)]
pub struct PeerName {
    pub kind: String,
    pub value: String,
}

#[derive(Deserialize)]
pub struct Case {
    pub id: String,
    #[serde(default)]
    pub features: Vec<String>,
    #[serde(default)]
    pub conflicts_with: Vec<String>,
    pub trusted_certs: Vec<String>,
    pub untrusted_intermediates: Vec<String>,
    pub peer_certificate: String,
    pub validation_time: Option<String>,
    pub key_usage: Vec<String>,
    pub extended_key_usage: Vec<String>,
    pub max_chain_depth: Option<usize>,
    #[serde(default)]
    pub crls: Vec<String>,
    pub expected_peer_name: Option<PeerName>,
    #[serde(default)]
    pub expected_peer_names: Vec<PeerName>,
    pub expected_result: String,
    /// SERVER, CLIENT or (not applying) other kinds.
    #[serde(default)]
    pub validation_kind: String,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    FalseAccept,
    FalseReject,
    Skip,
}

pub struct Outcome {
    pub verdict: Verdict,
    /// signflow's result (status and findings), or the skip reason.
    pub detail: String,
}

pub fn eku_oid(name: &str) -> String {
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

pub fn certs(pems: &[String]) -> Result<Vec<Certificate>, String> {
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
pub fn san_covers(leaf: &Certificate, name: &PeerName) -> bool {
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
pub fn peer_name_only(case: &Case, leaf: Option<&Certificate>) -> Option<String> {
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

/// Why `case` is not judged, if it is not (see the module doc of tests/limbo.rs): an
/// unsupported feature, a `webpki::` case conflicting with an RFC 5280 one, or a FAILURE that
/// may rest on the peer name alone. `leaf` is the parsed peer certificate, when it parses.
pub fn skip_reason(case: &Case, leaf: Option<&Certificate>) -> Option<String> {
    if let Some(f) = case
        .features
        .iter()
        .find(|f| UNSUPPORTED_FEATURES.contains(&f.as_str()))
    {
        return Some(format!("feature {f}"));
    }
    let rfc_conflict = case
        .conflicts_with
        .iter()
        .find(|c| c.starts_with("rfc5280::"));
    if let (true, Some(c)) = (case.id.starts_with("webpki::"), rfc_conflict) {
        return Some(format!("conflicts with {c} (signflow follows RFC 5280)"));
    }
    peer_name_only(case, leaf)
}

/// Whether limbo expects `case` to validate.
pub fn want_success(case: &Case) -> bool {
    match case.expected_result.as_str() {
        "SUCCESS" => true,
        "FAILURE" => false,
        other => panic!("{}: expected_result {other}", case.id),
    }
}

/// The verdict on `case` when the implementation `accepted` it (or not).
pub fn verdict(case: &Case, accepted: bool) -> Verdict {
    match (want_success(case), accepted) {
        (true, true) | (false, false) => Verdict::Pass,
        (false, true) => Verdict::FalseAccept,
        (true, false) => Verdict::FalseReject,
    }
}

/// The extended key usages to require: the case's, or the purpose its SERVER/CLIENT validation
/// kind implies when it names none (as in the suite's own harnesses).
pub fn required_ekus(case: &Case) -> Vec<String> {
    let mut ekus: Vec<String> = case.extended_key_usage.iter().map(|n| eku_oid(n)).collect();
    if ekus.is_empty() {
        match case.validation_kind.as_str() {
            "SERVER" => ekus.push("1.3.6.1.5.5.7.3.1".into()),
            "CLIENT" => ekus.push("1.3.6.1.5.5.7.3.2".into()),
            _ => {}
        }
    }
    ekus
}

/// The outcomes of a suite, by case id (in the suite's order).
pub struct Tally {
    pub outcomes: Vec<(String, Outcome)>,
}

impl Tally {
    pub fn run(cases: &[Case], mut run_case: impl FnMut(&Case) -> Outcome) -> Self {
        Self {
            outcomes: cases.iter().map(|c| (c.id.clone(), run_case(c))).collect(),
        }
    }

    pub fn count(&self, v: &Verdict) -> usize {
        self.outcomes
            .iter()
            .filter(|(_, o)| o.verdict == *v)
            .count()
    }

    pub fn ids(&self, v: &Verdict) -> Vec<&str> {
        self.outcomes
            .iter()
            .filter(|(_, o)| o.verdict == *v)
            .map(|(id, _)| id.as_str())
            .collect()
    }

    pub fn summary(&self) -> String {
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
    pub fn print(&self, skips: bool, limit_per_family: usize) {
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

    pub fn print_families(&self) {
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
pub fn family(id: &str) -> &str {
    let mut it = id.match_indices("::");
    match (it.next(), it.next()) {
        (Some(_), Some((i, _))) => &id[..i],
        _ => id,
    }
}

pub fn load(bytes: &[u8]) -> Vec<Case> {
    serde_json::from_slice::<Limbo>(bytes)
        .expect("limbo JSON")
        .testcases
}

pub fn chain_relevant() -> Vec<Case> {
    load(&crate::common::read("limbo/limbo-chain-relevant.json"))
}

/// The full suite, decompressed by the `xz` CLI; `None` when `xz` is not available.
pub fn full_suite() -> Option<Vec<Case>> {
    let path = crate::common::testdata("limbo/limbo.json.xz");
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
