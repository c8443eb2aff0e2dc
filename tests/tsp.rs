//! RFC 3161 time-stamp tokens made by `openssl ts -reply` (testdata/tsp/generate.sh): parsed
//! and verified, with expectations read from the `openssl ts -reply -text` outputs.

mod common;

use common::read;
use signflow::pki::{Status, UnixTime};
use signflow::tsp::{Accuracy, PkiStatus, TimeStampToken, TspError, TspFinding};

/// What `openssl ts -reply -text` printed for one reply.
struct Expected {
    gen_time: UnixTime,
    nanos: u32,
    accuracy: Option<Accuracy>,
    serial: Vec<u8>,
    nonce: Option<Vec<u8>>,
}

fn field<'a>(text: &'a str, name: &str) -> &'a str {
    text.lines()
        .find_map(|l| l.strip_prefix(name))
        .unwrap_or_else(|| panic!("{name} not in the -text output"))
        .trim()
}

fn hex_int(s: &str) -> Vec<u8> {
    let s = s.strip_prefix("0x").expect("0x-prefixed");
    let s = if s.len() % 2 == 1 {
        format!("0{s}")
    } else {
        s.to_owned()
    };
    let bytes: Vec<u8> = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect();
    let first = bytes
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(bytes.len() - 1);
    bytes[first..].to_vec()
}

fn int(s: &str) -> u32 {
    u32::from_str_radix(s.strip_prefix("0x").expect("0x-prefixed"), 16).unwrap()
}

/// Reads `testdata/tsp/STEM.txt`.
fn expected(stem: &str) -> Expected {
    let text = String::from_utf8(read(&format!("tsp/{stem}.txt"))).unwrap();
    let (gen_time, nanos) = common::openssl_time(field(&text, "Time stamp:"));
    let accuracy = match field(&text, "Accuracy:") {
        "unspecified" => None,
        a => {
            // "0x01 seconds, 0x01F4 millis, 0x64 micros"
            let parts: Vec<&str> = a.split(',').map(str::trim).collect();
            let part = |unit: &str| {
                parts
                    .iter()
                    .find_map(|p| p.strip_suffix(unit))
                    .map_or(0, |v| int(v.trim()))
            };
            Some(Accuracy {
                seconds: part("seconds"),
                millis: part("millis") as u16,
                micros: part("micros") as u16,
            })
        }
    };
    let nonce = match field(&text, "Nonce:") {
        "unspecified" => None,
        n => Some(hex_int(n)),
    };
    Expected {
        gen_time,
        nanos,
        accuracy,
        serial: hex_int(field(&text, "Serial number:")),
        nonce,
    }
}

const DATA: &str = "tsp/data.txt";
const STAMPS: [&str; 4] = ["sha256", "sha256-nonce", "sha512", "gost256"];

#[test]
fn tstinfo_matches_openssl_text() {
    for stem in STAMPS.iter().chain(&["sha1"]) {
        let want = expected(stem);
        for ext in ["tsr", "tst"] {
            let token = TimeStampToken::parse(&read(&format!("tsp/{stem}.{ext}")))
                .unwrap_or_else(|e| panic!("{stem}.{ext}: {e}"));
            let info = token.info();
            assert_eq!(info.gen_time, want.gen_time, "{stem}.{ext} genTime");
            assert_eq!(
                info.gen_time_nanos, want.nanos,
                "{stem}.{ext} genTime fraction"
            );
            assert_eq!(info.accuracy, want.accuracy, "{stem}.{ext} accuracy");
            assert_eq!(info.serial, want.serial, "{stem}.{ext} serial");
            assert_eq!(info.nonce, want.nonce, "{stem}.{ext} nonce");
            assert_eq!(info.version, 1);
            assert_eq!(info.policy, "1.2.3.4.1");
            assert!(info.ordering);
            assert!(info.tsa.is_some());
        }
    }
    // The bare token and the reply's token are the same.
    let a = TimeStampToken::from_response(&read("tsp/sha256.tsr")).unwrap();
    let b = TimeStampToken::from_der(&read("tsp/sha256.tst")).unwrap();
    assert_eq!(a.der(), b.der());
}

#[test]
fn rejection_is_an_error() {
    match TimeStampToken::parse(&read("tsp/rejection.tsr")) {
        Err(e @ TspError::NotGranted { .. }) => {
            assert!(!e.is_format_error());
            let TspError::NotGranted {
                status, fail_info, ..
            } = &e
            else {
                unreachable!()
            };
            assert_eq!(*status, PkiStatus::Rejection);
            assert_eq!(fail_info.as_deref(), Some("badAlg"));
            assert!(e.to_string().contains("rejection"), "{e}");
        }
        other => panic!("expected NotGranted, got {other:?}"),
    }
}

#[test]
fn truncated_and_garbage_input_is_a_parse_error() {
    for file in ["tsp/sha256.tst", "tsp/sha256-nonce.tsr"] {
        let bytes = read(file);
        for len in (0..bytes.len()).step_by(7) {
            let r = TimeStampToken::parse(&bytes[..len]);
            assert!(r.is_err(), "{file} truncated to {len} parsed");
            assert!(r.unwrap_err().is_format_error());
        }
        let mut trailing = bytes.clone();
        trailing.push(0);
        assert!(TimeStampToken::parse(&trailing).is_err());
    }
    for garbage in [
        &b""[..],
        b"\x30",
        b"\x30\x03\x02\x01\x00",
        b"not a token",
        &[0xff; 64],
    ] {
        assert!(TimeStampToken::parse(garbage).is_err());
    }
    // A CMS signature over ordinary data is not a time-stamp token.
    assert!(matches!(
        TimeStampToken::from_der(&read("cms/rsa-attached.der")),
        Err(TspError::NotTstInfo { .. })
    ));
}

per_provider! {
    use signflow::crypto::{HashAlgorithm, HashPolicy};
    use signflow::pki::{TrustContext, ValidationOptions};
    use signflow::tsp::Imprint;

    fn context() -> TrustContext {
        common::test_context(provider())
    }

    #[test]
    fn openssl_tokens_verify_over_their_data() {
        let ctx = context();
        let data = read(DATA);
        for stem in STAMPS {
            let want = expected(stem);
            for ext in ["tsr", "tst"] {
                let token = TimeStampToken::parse(&read(&format!("tsp/{stem}.{ext}"))).unwrap();
                let report = token.verify(&ctx, Imprint::Data(&data));
                assert_eq!(report.status, Status::Valid, "{stem}.{ext}: {report}");
                assert!(report.findings.is_empty(), "{report}");
                assert_eq!(report.gen_time, want.gen_time);
                assert_eq!(report.gen_time_nanos, want.nanos);
                assert_eq!(report.accuracy, want.accuracy);
                assert_eq!(report.policy, "1.2.3.4.1");
                assert!(report.tsa.as_deref().unwrap().contains("Signflow Test TSA"));
                assert!(report.signer.as_deref().unwrap().contains("Signflow Test TSA"));
                assert!(report.signer_certificate.is_some());
                let json = serde_json::to_value(&report).unwrap();
                assert_eq!(json["status"], "valid");
                // genTime ± accuracy lies within the bounds, widened by less than a second each way.
                let micros = want.accuracy.map_or(0, Accuracy::as_micros) as i64;
                let at = want.gen_time.0 * 1_000_000 + i64::from(want.nanos / 1_000);
                let (lo, hi) = report.time_bounds();
                assert!(lo.0 * 1_000_000 <= at - micros && at - micros < (lo.0 + 1) * 1_000_000);
                assert!(hi.0 * 1_000_000 >= at + micros && at + micros > (hi.0 - 1) * 1_000_000);

                let mut altered = data.clone();
                altered[0] ^= 1;
                let report = token.verify(&ctx, Imprint::Data(&altered));
                assert_eq!(report.status, Status::Invalid, "{stem}.{ext} altered");
                assert!(report.has(|f| matches!(f, TspFinding::ImprintMismatch { .. })));
                let json = serde_json::to_value(&report).unwrap();
                assert_eq!(json["findings"][0]["kind"], "imprint_mismatch");
                assert!(report.to_string().contains("does not match"), "{report}");
            }
        }
    }

    #[test]
    fn imprint_as_a_digest() {
        let ctx = context();
        let data = read(DATA);
        let token = TimeStampToken::parse(&read("tsp/sha512.tst")).unwrap();
        let digest = provider().digest(HashAlgorithm::Sha512, &data).unwrap();
        let report = token.verify(&ctx, Imprint::Digest(HashAlgorithm::Sha512, digest.as_ref()));
        assert_eq!(report.status, Status::Valid, "{report}");
        let sha256 = provider().digest(HashAlgorithm::Sha256, &data).unwrap();
        let report = token.verify(&ctx, Imprint::Digest(HashAlgorithm::Sha256, sha256.as_ref()));
        assert_eq!(report.status, Status::Invalid);
        assert!(report.has(|f| matches!(f, TspFinding::ImprintAlgorithmMismatch { .. })));
        let report = token.verify(&ctx, Imprint::Digest(HashAlgorithm::Sha512, &[0; 64]));
        assert_eq!(report.status, Status::Invalid);
        assert!(report.has(|f| matches!(f, TspFinding::ImprintMismatch { .. })));
    }

    #[test]
    fn nonce_is_checked_when_given() {
        let ctx = context();
        let data = read(DATA);
        let nonce = expected("sha256-nonce").nonce.expect("the reply has a nonce");
        let token = TimeStampToken::parse(&read("tsp/sha256-nonce.tsr")).unwrap();
        let report = token.verify_with_nonce(&ctx, Imprint::Data(&data), &nonce);
        assert_eq!(report.status, Status::Valid, "{report}");
        let mut padded = vec![0];
        padded.extend_from_slice(&nonce);
        let report = token.verify_with_nonce(&ctx, Imprint::Data(&data), &padded);
        assert_eq!(report.status, Status::Valid, "leading zeros are not significant");

        let mut wrong = nonce.clone();
        *wrong.last_mut().unwrap() ^= 1;
        let report = token.verify_with_nonce(&ctx, Imprint::Data(&data), &wrong);
        assert_eq!(report.status, Status::Invalid);
        assert!(report.has(|f| *f == TspFinding::NonceMismatch));

        let token = TimeStampToken::parse(&read("tsp/sha256.tsr")).unwrap();
        let report = token.verify_with_nonce(&ctx, Imprint::Data(&data), &nonce);
        assert_eq!(report.status, Status::Invalid);
        assert!(report.has(|f| *f == TspFinding::NonceMissing));
    }

    #[test]
    fn sha1_imprint_refused_unless_allowed() {
        let data = read(DATA);
        let token = TimeStampToken::parse(&read("tsp/sha1.tsr")).unwrap();
        let report = token.verify(&context(), Imprint::Data(&data));
        assert_eq!(report.status, Status::Invalid, "{report}");
        assert!(report.has(|f| matches!(f, TspFinding::ImprintAlgorithmNotAllowed { .. })));

        let mut policy = ValidationOptions::at(UnixTime(0));
        policy.hashes = HashPolicy::STRICT.with_sha1(true);
        let lenient = TrustContext::builder()
            .provider(provider())
            .anchors_pem_or_der(&read("pki/root-ca.pem"))
            .and_then(|b| b.intermediates_pem_or_der(&read("pki/intermediate-ca.pem")))
            .and_then(|b| b.crls_pem_or_der(&read("pki/root-ca.crl.pem")))
            .and_then(|b| b.crls_pem_or_der(&read("pki/intermediate-ca.crl.pem")))
            .unwrap()
            .policy(policy)
            .build();
        let report = token.verify(&lenient, Imprint::Data(&data));
        assert_eq!(report.status, Status::Valid, "{report}");
        assert!(report.has(|f| matches!(f, TspFinding::WeakImprintAlgorithm { .. })));
        let mut altered = data.clone();
        altered.push(b'!');
        let report = token.verify(&lenient, Imprint::Data(&altered));
        assert_eq!(report.status, Status::Invalid);
    }

    #[test]
    fn tsa_without_critical_time_stamping_eku_is_refused() {
        let ctx = context();
        let data = read(DATA);
        let token = TimeStampToken::parse(&read("tsp/noeku.tst")).unwrap();
        let report = token.verify(&ctx, Imprint::Data(&data));
        assert_eq!(report.status, Status::Invalid, "{report}");
        assert!(report.has(|f| *f == TspFinding::NotTimeStampingCertificate), "{report}");
        // Its CMS signature and ESS binding are fine: only the EKU is wrong.
        assert_eq!(report.cms.as_ref().unwrap().status, Status::Valid, "{report}");
        assert!(!report.has(|f| *f == TspFinding::SigningCertificateNotBound), "{report}");

        let token = TimeStampToken::parse(&read("tsp/noncrit.tst")).unwrap();
        let report = token.verify(&ctx, Imprint::Data(&data));
        assert_eq!(report.status, Status::Invalid, "{report}");
        assert!(report.has(|f| *f == TspFinding::KeyUsageNotCritical), "{report}");
        assert!(!report.has(|f| *f == TspFinding::NotTimeStampingCertificate));
        // Both re-sign the good TSA's TSTInfo, which names the good TSA.
        assert!(report.has(|f| matches!(f, TspFinding::TsaNameMismatch { .. })), "{report}");
    }

    #[test]
    fn tampered_signature_is_invalid() {
        let ctx = context();
        let data = read(DATA);
        let mut bytes = read("tsp/sha256.tst");
        // The SignerInfo's signature (ECDSA, DER) ends the token: flip its last octet.
        *bytes.last_mut().unwrap() ^= 0x01;
        let token = TimeStampToken::parse(&bytes).unwrap();
        let report = token.verify(&ctx, Imprint::Data(&data));
        assert_eq!(report.status, Status::Invalid, "{report}");
        assert!(report.has(|f| matches!(f, TspFinding::CmsSignature { .. })), "{report}");
    }

    #[test]
    fn untrusted_tsa_is_not_valid() {
        let data = read(DATA);
        let token = TimeStampToken::parse(&read("tsp/sha256.tsr")).unwrap();
        let empty = TrustContext::builder().provider(provider()).build();
        let report = token.verify(&empty, Imprint::Data(&data));
        assert_ne!(report.status, Status::Valid, "{report}");
    }
}
