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
//! passes) and the full suite (tally printed; no false accept).
//! Validation runs in signflow's strict mode (the RFC 5280 profile enforced), as limbo expects.

mod common;
mod limbo_cases;

use std::time::Instant;

use limbo_cases::{
    Case, MIN_CHAIN_RELEVANT_PASSES, Outcome, Tally, Verdict, certs, chain_relevant, full_suite,
    required_ekus, skip_reason, verdict,
};
use signflow::crypto::CryptoProvider;
use signflow::pki::{
    Crl, KeyUsage, RevocationMode, Status, TrustStore, UnixTime, ValidationOptions, Validator,
};

fn run_case(provider: &CryptoProvider, case: &Case) -> Outcome {
    let leaf = certs(std::slice::from_ref(&case.peer_certificate));
    let leaf_ref = leaf.as_ref().ok().and_then(|v| v.first());
    if let Some(reason) = skip_reason(case, leaf_ref) {
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
        opts.required_eku = required_ekus(case);
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
    Outcome {
        verdict: verdict(case, accepted),
        detail,
    }
}

per_provider! {
    #[test]
    fn limbo_chain_relevant() {
        let started = Instant::now();
        let cases = chain_relevant();
        assert_eq!(cases.len(), 200);
        let tally = Tally::run(&cases, |c| run_case(provider(), c));
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
        let tally = Tally::run(&cases, |c| run_case(provider(), c));
        eprintln!(
            "x509-limbo full suite ({} cases) on {}: {} (loaded in {loaded:.1?}, total {:.1?})",
            cases.len(),
            provider().name,
            tally.summary(),
            started.elapsed()
        );
        tally.print_families();
        tally.print(false, 25);
        // No false accept anywhere (issue #19 took the last 5, name-constraint corner cases;
        // testdata/README.md lists them).
        let false_accepts = tally.ids(&Verdict::FalseAccept);
        assert!(
            false_accepts.is_empty(),
            "{} false accepts in the full suite: {false_accepts:#?}",
            false_accepts.len()
        );
    }
}
