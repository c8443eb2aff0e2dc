//! OCSP responses made by `openssl ocsp` (testdata/ocsp/generate.sh) as a revocation source:
//! parsed fields against the `openssl ocsp -resp_text` outputs, and each case's verdict through
//! a [`TrustContext`] at validation times taken relative to the times openssl printed (never
//! "now", so the tests do not rot).

mod common;

use common::read;
use signflow::pki::{
    CertStatus, Certificate, Finding, OcspError, OcspResponse, ResponderId, RevocationReason,
    RevocationSource, Status, TimeAssurance, TrustContext, UnixTime, ValidationOptions,
    ValidationReport,
};

// --- what openssl printed --------------------------------------------------------------------

fn text(stem: &str) -> String {
    String::from_utf8(read(&format!("ocsp/{stem}.txt"))).unwrap()
}

fn field<'a>(block: &'a str, name: &str) -> Option<&'a str> {
    block
        .lines()
        .find_map(|l| l.trim_start().strip_prefix(name))
        .map(str::trim)
}

/// "Dec  7 12:22:58 2026 GMT"
fn openssl_time(s: &str) -> UnixTime {
    let p: Vec<&str> = s.split_whitespace().collect();
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| *m == p[0])
    .unwrap() as u32
        + 1;
    let hms: Vec<u32> = p[2].split(':').map(|v| v.parse().unwrap()).collect();
    UnixTime::from_utc(
        p[3].parse().unwrap(),
        month,
        p[1].parse().unwrap(),
        hms[0],
        hms[1],
        hms[2],
    )
}

/// A hex field, which openssl wraps over further lines when it is long.
fn hex_field(block: &str, name: &str) -> Vec<u8> {
    let mut lines = block
        .lines()
        .skip_while(|l| !l.trim_start().starts_with(name));
    let mut hex = lines.next().unwrap().trim_start()[name.len()..]
        .trim()
        .to_owned();
    for more in lines {
        let more = more.trim();
        if more.is_empty() || !more.chars().all(|c| c.is_ascii_hexdigit()) {
            break;
        }
        hex.push_str(more);
    }
    unhex(&hex)
}

fn unhex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    let s = if s.len() % 2 == 1 { format!("0{s}") } else { s };
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// One "Certificate ID:" block of the -text output.
struct Printed {
    hash: String,
    name_hash: Vec<u8>,
    key_hash: Vec<u8>,
    serial: Vec<u8>,
    status: String,
    revocation_time: Option<UnixTime>,
    reason: Option<String>,
    this_update: UnixTime,
    next_update: Option<UnixTime>,
}

fn printed(stem: &str) -> Vec<Printed> {
    let text = text(stem);
    let body = text.split("Response Extensions:").next().unwrap();
    body.split("Certificate ID:")
        .skip(1)
        .map(|b| Printed {
            hash: field(b, "Hash Algorithm:").unwrap().to_owned(),
            name_hash: hex_field(b, "Issuer Name Hash:"),
            key_hash: hex_field(b, "Issuer Key Hash:"),
            serial: unhex(field(b, "Serial Number:").unwrap()),
            status: field(b, "Cert Status:").unwrap().to_owned(),
            revocation_time: field(b, "Revocation Time:").map(openssl_time),
            reason: field(b, "Revocation Reason:")
                .map(|r| r.split_whitespace().next().unwrap().to_owned()),
            this_update: openssl_time(field(b, "This Update:").unwrap()),
            next_update: field(b, "Next Update:").map(openssl_time),
        })
        .collect()
}

/// The first block's thisUpdate: the tests' reference time.
fn this_update(stem: &str) -> UnixTime {
    printed(stem)[0].this_update
}

fn cert(stem: &str) -> Certificate {
    Certificate::all_from_pem_or_der(&read(&format!("ocsp/{stem}.pem")))
        .unwrap()
        .remove(0)
}

fn response(stem: &str) -> OcspResponse {
    OcspResponse::from_der(&read(&format!("ocsp/{stem}.der"))).unwrap()
}

const HOUR: i64 = 3600;

fn after(t: UnixTime, seconds: i64) -> UnixTime {
    UnixTime(t.0 + seconds)
}

// --- parsing ---------------------------------------------------------------------------------

#[test]
fn parsed_fields_are_what_openssl_printed() {
    for stem in [
        "good-ca",
        "revoked-ca",
        "unknown-ca",
        "good-delegated",
        "good-delegated-check",
        "good-noeku",
        "good-other",
        "stale-ca",
        "good-sha256",
        "multi-ca",
        "good-for-revoked-ca",
        "gost-good",
    ] {
        let r = response(stem);
        let text = text(stem);
        let expected = printed(stem);
        assert_eq!(r.responses().len(), expected.len(), "{stem}");
        assert_eq!(
            r.produced_at(),
            openssl_time(field(&text, "Produced At:").unwrap()),
            "{stem}"
        );
        for (single, p) in r.responses().iter().zip(&expected) {
            assert_eq!(single.cert_id.serial, p.serial, "{stem}");
            assert_eq!(single.cert_id.issuer_name_hash, p.name_hash, "{stem}");
            assert_eq!(single.cert_id.issuer_key_hash, p.key_hash, "{stem}");
            assert_eq!(single.this_update, p.this_update, "{stem}");
            assert_eq!(single.next_update, p.next_update, "{stem}");
            let hash = single.cert_id.hash_algorithm.expect("known hash");
            let spelled = match p.hash.as_str() {
                "sha1" => "SHA-1",
                "sha256" => "SHA-256",
                "sha512" => "SHA-512",
                h if h.contains("34.11-2012 with 256") => "Streebog-256",
                h => panic!("{stem}: hash {h}"),
            };
            assert_eq!(hash.name(), spelled, "{stem}");
            match (single.status, p.status.as_str()) {
                (CertStatus::Good, "good") | (CertStatus::Unknown, "unknown") => {}
                (CertStatus::Revoked { time, reason }, "revoked") => {
                    assert_eq!(Some(time), p.revocation_time, "{stem}");
                    assert_eq!(p.reason.as_deref(), Some("keyCompromise"), "{stem}");
                    assert_eq!(reason, Some(RevocationReason::KeyCompromise), "{stem}");
                }
                (s, t) => panic!("{stem}: parsed {s:?}, openssl printed {t}"),
            }
        }
        // The nonce openssl printed is the extension value: an OCTET STRING.
        let nonce = field(&text, "OCSP Nonce:").map(|_| {
            let after = text.split("OCSP Nonce:").nth(1).unwrap();
            unhex(after.lines().nth(1).unwrap())
        });
        assert_eq!(r.nonce().map(<[u8]>::to_vec), nonce, "{stem}");
        // openssl -resp_text prints a byName ResponderID as the name, byKey as hex.
        let printed_id = field(&text, "Responder Id:").unwrap();
        match r.responder_id() {
            ResponderId::ByName(name) => {
                // (names compare case-folded: RFC 5280 §7.1)
                let cn = name
                    .attribute_texts("2.5.4.3")
                    .next()
                    .unwrap()
                    .to_lowercase();
                assert!(
                    printed_id.to_lowercase().contains(&cn),
                    "{stem}: {printed_id} / {cn}"
                );
            }
            ResponderId::ByKey(key) => assert_eq!(*key, unhex(printed_id), "{stem}"),
        }
    }
    assert_eq!(response("good-ca").certificates().len(), 0);
    assert!(!response("good-delegated").certificates().is_empty());
}

#[test]
fn truncations_and_garbage_are_errors() {
    for stem in ["good-ca", "good-delegated", "multi-ca", "gost-good"] {
        let der = read(&format!("ocsp/{stem}.der"));
        for len in (0..der.len()).step_by(7) {
            assert!(
                OcspResponse::from_der(&der[..len]).is_err(),
                "{stem} cut at {len}"
            );
        }
        let mut trailing = der.clone();
        trailing.push(0);
        assert!(OcspResponse::from_der(&trailing).is_err(), "{stem}");
    }
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for round in 0..200 {
        let len = round * 13 % 700;
        let garbage: Vec<u8> = (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        let _ = OcspResponse::from_der(&garbage);
        let mut framed = vec![0x30, 0x82, (len >> 8) as u8, len as u8];
        framed.extend_from_slice(&garbage);
        let _ = OcspResponse::from_der(&framed);
    }
    assert!(matches!(
        OcspResponse::from_der(b"not an OCSP response"),
        Err(OcspError::Malformed { .. })
    ));
    // The crate error takes it.
    let e: signflow::Error = OcspResponse::from_der(&[]).unwrap_err().into();
    assert!(matches!(e, signflow::Error::Ocsp(_)), "{e:?}");
    assert!(TrustContext::builder().ocsp_der(b"junk").is_err());
    // A certificate is not a response.
    assert!(OcspResponse::from_der(&read("pki/leaf-rsa.der")).is_err());
}

// --- verdicts --------------------------------------------------------------------------------

per_provider! {
    struct Case<'a> {
        anchor: &'a str,
        responses: Vec<OcspResponse>,
        crl: bool,
    }

    impl Case<'_> {
        fn context(&self) -> TrustContext {
            let mut b = TrustContext::builder()
                .provider(provider())
                .anchors_pem_or_der(&read(&format!("ocsp/{}.pem", self.anchor)))
                .unwrap()
                .ocsp_responses(self.responses.clone());
            if self.crl {
                b = b.crls_pem_or_der(&read("ocsp/ca.crl.pem")).unwrap();
            }
            b.build()
        }

        fn validate(&self, leaf: &str, options: &ValidationOptions) -> ValidationReport {
            let context = self.context();
            context.validator().validate(&cert(leaf), options)
        }
    }

    fn with(stems: &[&str]) -> Case<'static> {
        Case { anchor: "ca", responses: stems.iter().map(|s| response(s)).collect(), crl: false }
    }

    fn at(t: UnixTime) -> ValidationOptions {
        ValidationOptions::at(t)
    }

    fn unknown_reason(report: &ValidationReport) -> String {
        report
            .findings()
            .find_map(|(_, f)| match f {
                Finding::RevocationUnknown { reason } => Some(reason.clone()),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no RevocationUnknown: {report}"))
    }

    #[test]
    fn good_from_the_ca_is_enough_without_a_crl() {
        let t = after(this_update("good-ca"), HOUR);
        let report = with(&["good-ca"]).validate("leaf-good", &at(t));
        assert_eq!(report.status, Status::Valid, "{report}");
        assert_eq!(report.path[0].revocation_source, Some(RevocationSource::Ocsp));
        // Without it, nothing says the leaf is not revoked.
        let none = with(&[]).validate("leaf-good", &at(t));
        assert_eq!(none.status, Status::Indeterminate, "{none}");
        // A response about another certificate says nothing about this one.
        let other = with(&["revoked-ca"]).validate("leaf-good", &at(t));
        assert_eq!(other.status, Status::Indeterminate, "{other}");
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["path"][0]["revocation_source"], "ocsp");
    }

    #[test]
    fn revoked_is_invalid_with_openssls_time_and_reason() {
        let p = &printed("revoked-ca")[0];
        let t = after(p.this_update, HOUR);
        let report = with(&["revoked-ca"]).validate("leaf-revoked", &at(t));
        assert_eq!(report.status, Status::Invalid, "{report}");
        assert!(report.has(|f| matches!(f, Finding::Revoked { reason: RevocationReason::KeyCompromise, revocation_date, .. } if Some(*revocation_date) == p.revocation_time)), "{report}");
        assert_eq!(report.path[0].revocation_source, Some(RevocationSource::Ocsp));
        // The CA's CRL says the same.
        let crl = Case { anchor: "ca", responses: Vec::new(), crl: true }.validate("leaf-revoked", &at(t));
        assert_eq!(crl.status, Status::Invalid, "{crl}");
        assert_eq!(crl.path[0].revocation_source, Some(RevocationSource::Crl));
    }

    #[test]
    fn revoked_after_the_validation_time_follows_the_crl_semantics() {
        let revoked_at = printed("revoked-ca")[0].revocation_time.unwrap();
        let before = UnixTime(revoked_at.0 - 24 * HOUR);
        let ocsp = with(&["revoked-ca"]);
        let crl = Case { anchor: "ca", responses: Vec::new(), crl: true };
        for assurance in [TimeAssurance::Trusted, TimeAssurance::Claimed] {
            let mut options = at(before);
            options.time_assurance = assurance;
            let by_ocsp = ocsp.validate("leaf-revoked", &options);
            let by_crl = crl.validate("leaf-revoked", &options);
            assert_eq!(by_ocsp.status, by_crl.status, "{assurance:?}: {by_ocsp} vs {by_crl}");
            let claimed = by_ocsp.has(|f| matches!(f, Finding::RevokedAfterClaimedTime { .. }));
            assert_eq!(claimed, assurance == TimeAssurance::Claimed, "{by_ocsp}");
        }
        let mut claimed = at(before);
        claimed.time_assurance = TimeAssurance::Claimed;
        assert_eq!(ocsp.validate("leaf-revoked", &claimed).status, Status::Indeterminate);
        assert_eq!(ocsp.validate("leaf-revoked", &at(before)).status, Status::Valid);
        // At the revocation time itself: revoked.
        assert_eq!(ocsp.validate("leaf-revoked", &at(revoked_at)).status, Status::Invalid);
    }

    #[test]
    fn unusable_responses_leave_revocation_unknown() {
        let t = after(this_update("good-ca"), HOUR);
        for (stem, leaf, why) in [
            ("unknown-ca", "leaf-unknown", "status unknown"),
            ("stale-ca", "leaf-good", "stale"),
            ("good-noeku", "leaf-good", "id-kp-OCSPSigning"),
            ("good-other", "leaf-good", "was not issued by"),
            ("good-delegated-check", "leaf-good", "no id-pkix-ocsp-nocheck"),
        ] {
            let report = with(&[stem]).validate(leaf, &at(t));
            assert_eq!(report.status, Status::Indeterminate, "{stem}: {report}");
            let reason = unknown_reason(&report);
            assert!(reason.contains(why), "{stem}: {reason}");
            assert_eq!(report.path[0].revocation_source, None, "{stem}");
        }
    }

    #[test]
    fn a_stale_response_was_usable_before_its_next_update() {
        let p = &printed("stale-ca")[0];
        let next = p.next_update.unwrap();
        let case = with(&["stale-ca"]);
        assert_eq!(case.validate("leaf-good", &at(next)).status, Status::Valid);
        assert_eq!(case.validate("leaf-good", &at(after(next, 1))).status, Status::Indeterminate);
    }

    #[test]
    fn delegated_responders() {
        let t = after(this_update("good-delegated"), HOUR);
        // id-kp-OCSPSigning and id-pkix-ocsp-nocheck: no revocation check on the responder.
        let report = with(&["good-delegated"]).validate("leaf-good", &at(t));
        assert_eq!(report.status, Status::Valid, "{report}");
        assert_eq!(report.path[0].revocation_source, Some(RevocationSource::Ocsp));
        // Without nocheck: usable once a CRL says the responder is not revoked.
        let checked = Case { anchor: "ca", responses: vec![response("good-delegated-check")], crl: true };
        let report = checked.validate("leaf-good", &at(t));
        assert_eq!(report.status, Status::Valid, "{report}");
        assert_eq!(report.path[0].revocation_source, Some(RevocationSource::Ocsp));
        // A responder without the EKU is refused even when a CRL decides instead; the report
        // says why the response was not used.
        let noeku = Case { anchor: "ca", responses: vec![response("good-noeku")], crl: true };
        let report = noeku.validate("leaf-good", &at(t));
        assert_eq!(report.status, Status::Valid, "{report}");
        assert_eq!(report.path[0].revocation_source, Some(RevocationSource::Crl));
        assert!(report.has(|f| matches!(f, Finding::OcspResponseNotUsed { reason } if reason.contains("OCSPSigning"))), "{report}");
    }

    #[test]
    fn one_response_for_two_certificates() {
        let t = after(this_update("multi-ca"), HOUR);
        let multi = with(&["multi-ca"]);
        assert_eq!(multi.validate("leaf-good", &at(t)).status, Status::Valid);
        assert_eq!(multi.validate("leaf-revoked", &at(t)).status, Status::Invalid);
        // Beside a good answer for leaf-good, the revoked one still decides for leaf-revoked.
        let both = with(&["good-ca", "multi-ca"]);
        assert_eq!(both.validate("leaf-revoked", &at(t)).status, Status::Invalid);
    }

    #[test]
    fn a_crl_revocation_outweighs_an_ocsp_good() {
        // good-for-revoked-ca: the CA, from an out-of-date database, says leaf-revoked is good.
        let t = after(this_update("good-for-revoked-ca"), HOUR);
        let alone = with(&["good-for-revoked-ca"]).validate("leaf-revoked", &at(t));
        assert_eq!(alone.status, Status::Valid, "{alone}");
        let both = Case { anchor: "ca", responses: vec![response("good-for-revoked-ca")], crl: true };
        let report = both.validate("leaf-revoked", &at(t));
        assert_eq!(report.status, Status::Invalid, "{report}");
        assert_eq!(report.path[0].revocation_source, Some(RevocationSource::Crl));
    }

    #[test]
    fn a_tampered_signature_is_not_used() {
        let t = after(this_update("good-ca"), HOUR);
        let mut der = read("ocsp/good-ca.der");
        let last = der.len() - 1;
        der[last] ^= 0x01;
        let tampered = OcspResponse::from_der(&der).expect("still parses");
        let case = Case { anchor: "ca", responses: vec![tampered], crl: false };
        let report = case.validate("leaf-good", &at(t));
        assert_eq!(report.status, Status::Indeterminate, "{report}");
        assert!(unknown_reason(&report).contains("signature does not verify"), "{report}");
    }

    #[test]
    fn no_single_byte_change_makes_a_response_vouch() {
        // Every 7th byte of the CA's good response flipped: whatever still parses must not
        // make the leaf valid (the signature covers everything that matters).
        let t = after(this_update("good-ca"), HOUR);
        let der = read("ocsp/good-ca.der");
        for i in (0..der.len()).step_by(7) {
            let mut changed = der.clone();
            changed[i] ^= 0x41;
            let Ok(r) = OcspResponse::from_der(&changed) else { continue };
            let report = Case { anchor: "ca", responses: vec![r], crl: false }.validate("leaf-good", &at(t));
            assert_ne!(report.status, Status::Valid, "byte {i}: {report}");
        }
    }

    #[test]
    fn sha256_cert_id_and_responder_by_key() {
        let r = response("good-sha256");
        assert!(matches!(r.responder_id(), ResponderId::ByKey(_)));
        let t = after(this_update("good-sha256"), HOUR);
        let report = with(&["good-sha256"]).validate("leaf-good", &at(t));
        assert_eq!(report.status, Status::Valid, "{report}");
    }

    #[test]
    fn gost_response_with_streebog_cert_id() {
        let t = after(this_update("gost-good"), HOUR);
        let case = Case { anchor: "gost-ca", responses: vec![response("gost-good")], crl: false };
        let report = case.validate("gost-leaf", &at(t));
        assert_eq!(report.status, Status::Valid, "{report}");
        assert_eq!(report.path[0].revocation_source, Some(RevocationSource::Ocsp));
        // The RSA CA's responses say nothing about the GOST leaf (CertID hashes differ).
        let wrong = Case { anchor: "gost-ca", responses: vec![response("good-ca")], crl: false };
        assert_eq!(wrong.validate("gost-leaf", &at(t)).status, Status::Indeterminate);
    }

    #[test]
    fn message_responses_join_the_validators() {
        let t = after(this_update("good-ca"), HOUR);
        let context = with(&[]).context();
        let responses = vec![response("good-ca")];
        let validator = context.validator().with_message_ocsp(&responses[..]);
        assert_eq!(validator.ocsp_responses().count(), 1);
        let report = validator.validate(&cert("leaf-good"), &at(t));
        assert_eq!(report.status, Status::Valid, "{report}");
        let owned = context.validator().with_message_ocsp(responses.clone());
        assert_eq!(owned.validate(&cert("leaf-good"), &at(t)).status, Status::Valid);
    }

    #[test]
    fn the_chain_cache_keys_on_responses_and_their_window() {
        let t = after(this_update("stale-ca"), 10);
        let context = with(&["stale-ca"]).context();
        let cache = signflow::pki::ChainCache::new(8);
        let validator = context.validator();
        assert_eq!(cache.validate(&validator, &cert("leaf-good"), &at(t)).status, Status::Valid);
        // After nextUpdate the cached verdict must not be reused.
        let later = after(printed("stale-ca")[0].next_update.unwrap(), 60);
        assert_eq!(cache.validate(&validator, &cert("leaf-good"), &at(later)).status, Status::Indeterminate);
    }
}

// --- the command line ------------------------------------------------------------------------

#[cfg(feature = "cli")]
mod cli {
    use super::*;
    use std::process::Command;

    fn verify_chain(leaf: &str, extra: &[&str], time: UnixTime) -> (Option<i32>, String) {
        let dir = common::testdata("ocsp");
        let out = Command::new(env!("CARGO_BIN_EXE_signflow"))
            .arg("--json")
            .arg("verify-chain")
            .arg(dir.join(format!("{leaf}.pem")))
            .arg("--trust")
            .arg(dir.join("ca.pem"))
            .args(["--at", &time.to_string()])
            .args(extra.iter().map(|a| {
                if a.ends_with(".der") {
                    dir.join(a).into_os_string()
                } else {
                    (*a).into()
                }
            }))
            .output()
            .unwrap();
        (
            out.status.code(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    }

    #[test]
    fn ocsp_flag_on_verify_chain() {
        let t = after(this_update("good-ca"), HOUR);
        let (code, out) = verify_chain("leaf-good", &["--ocsp", "good-ca.der"], t);
        assert_eq!(code, Some(0), "{out}");
        assert!(out.contains("\"revocation_source\":\"ocsp\""), "{out}");
        let (code, out) = verify_chain(
            "leaf-revoked",
            &["--ocsp", "good-ca.der", "--ocsp", "revoked-ca.der"],
            t,
        );
        assert_eq!(code, Some(1), "{out}");
        let (code, out) = verify_chain("leaf-good", &["--ocsp", "stale-ca.der"], t);
        assert_eq!(code, Some(3), "{out}");
        // Not a response: 2. Missing: 74.
        let cert = common::testdata("ocsp/ca.pem");
        let (code, out) = verify_chain("leaf-good", &["--ocsp", cert.to_str().unwrap()], t);
        assert_eq!(code, Some(2), "{out}");
        let (code, out) = verify_chain("leaf-good", &["--ocsp", "/nonexistent/ocsp.der"], t);
        assert_eq!(code, Some(74), "{out}");
    }
}
