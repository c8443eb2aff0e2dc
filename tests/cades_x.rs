//! CAdES-C and CAdES-X Long Type 1: OpenSSL-made CAdES-BES signatures with OpenSSL-made
//! signature time-stamps (testdata/cades/generate.sh), extended by signflow from a
//! verification with the test PKI's CRLs, then verified OFFLINE — with nothing but the root —
//! as "CAdES-X Long Type 1"; tampered references and values are findings that stop the level
//! at CAdES-T; `openssl cms -verify` still accepts the extended signature. The committed
//! X-L1 (testdata/cades/revoked-later.xl1.p7s, made by `signflow cades extend --to xl1`,
//! testdata/cades/generate-xl1.sh) verifies offline too.

mod common;

use std::process::Command;

use common::{openssl_time, read};
use signflow::SigningIdentity;
use signflow::cms::cades::{add_signature_timestamp, extend_to_x_long_type1};
use signflow::cms::{
    CadesLevel, CmsError, CmsFinding, SignedData, TimestampKind, Verifier, VerifyOptions,
    VerifyReport,
};
use signflow::crypto::HashAlgorithm;
use signflow::pki::{Certificate, Crl, Status, TrustContext, UnixTime};
use signflow::tsp::{Authority, TimeStampRequest, TimeStampToken, TimeStamper, TspError};

const YEAR: i64 = 365 * 86_400;

/// The genTime `openssl ts -reply -text` printed for `testdata/cades/STEM.txt`.
fn gen_time(stem: &str) -> UnixTime {
    let text = String::from_utf8(read(&format!("cades/{stem}.txt"))).unwrap();
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("Time stamp:"))
        .expect("a Time stamp line");
    openssl_time(line.trim()).0
}

fn bes(stem: &str) -> SignedData {
    SignedData::from_ber(&read(&format!("cades/{stem}.p7s"))).unwrap()
}

fn token(stem: &str) -> TimeStampToken {
    TimeStampToken::from_der(&read(&format!("cades/{stem}.tst"))).unwrap()
}

/// Flips the last byte of the first occurrence of `needle` in `haystack`.
fn flip_inside(haystack: &[u8], needle: &[u8]) -> Vec<u8> {
    let at = haystack
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("the needle is there");
    let mut out = haystack.to_vec();
    out[at + needle.len() - 1] ^= 0x01;
    out
}

per_provider! {
    /// The full material: anchor, intermediate, both CRLs.
    fn online() -> TrustContext {
        TrustContext::builder()
            .provider(provider())
            .anchors_pem_or_der(&read("pki/root-ca.pem"))
            .and_then(|b| b.intermediates_pem_or_der(&read("pki/intermediate-ca.pem")))
            .and_then(|b| b.crls_pem_or_der(&read("pki/root-ca.crl.pem")))
            .and_then(|b| b.crls_pem_or_der(&read("cades/intermediate-ca.crl.pem")))
            .unwrap()
            .build()
    }

    /// Nothing but the trust anchor.
    fn offline() -> TrustContext {
        TrustContext::builder()
            .provider(provider())
            .anchors_pem_or_der(&read("pki/root-ca.pem"))
            .unwrap()
            .build()
    }

    fn verify_at(context: &TrustContext, sd: &SignedData, at: UnixTime) -> VerifyReport {
        let options = VerifyOptions::with_validation(context.validation_at(at));
        Verifier::from_context(context)
            .verify_detached_bytes(sd, &read("cades/data.txt"), &options)
            .unwrap()
    }

    fn authority() -> Authority {
        let key = provider()
            .load_private_key_pem(core::str::from_utf8(&read("tsp/tsa.key.pem")).unwrap())
            .unwrap();
        let cert = Certificate::all_from_pem_or_der(&read("tsp/tsa.pem")).unwrap().remove(0);
        let chain = Certificate::all_from_pem_or_der(&read("pki/intermediate-ca.pem")).unwrap();
        let identity = SigningIdentity::new(key, cert, chain).unwrap().with_provider(provider());
        Authority::new(identity, "1.2.3.4.1".parse().unwrap()).unwrap()
    }

    /// `stem`'s OpenSSL CAdES-T, verified with the full material a year after its stamp, and
    /// extended to X-L1 from that verification with a CAdES-C time-stamp of signflow's
    /// authority an hour after the signature time-stamp.
    fn x_long_type1(stem: &str) -> SignedData {
        struct At(Authority, UnixTime);
        impl TimeStamper for At {
            fn stamp(&self, request: &TimeStampRequest) -> Result<TimeStampToken, TspError> {
                self.0.issue(request, self.1, 0)
            }
        }
        let t = add_signature_timestamp(&bes(stem), 0, &token(stem), provider()).unwrap();
        let context = online();
        let report = verify_at(&context, &t, UnixTime(gen_time(stem).0 + YEAR));
        assert_eq!(report.status, Status::Valid, "{report}");
        assert_eq!(report.signers[0].level, Some(CadesLevel::T));
        let stamper = At(authority(), UnixTime(gen_time(stem).0 + 3600));
        extend_to_x_long_type1(
            &t,
            &Verifier::from_context(&context),
            &report,
            &stamper,
            HashAlgorithm::Sha256,
        )
        .unwrap()
    }

    /// Revoked a month after its proven signing time, verified two years later with nothing
    /// but the root: the embedded CRL says when it was revoked, the signature time-stamp
    /// proves it was made before — valid, CAdES-X Long Type 1, its CAdES-C time-stamp valid.
    #[test]
    fn x_long_type1_verifies_offline_with_only_the_anchor() {
        let x = x_long_type1("revoked-later");
        let later = UnixTime(gen_time("revoked-later").0 + 2 * YEAR);
        let report = verify_at(&offline(), &x, later);
        assert_eq!(report.status, Status::Valid, "{report}");
        let signer = &report.signers[0];
        assert_eq!(signer.level, Some(CadesLevel::XLongType1), "{report}");
        let kinds: Vec<_> = signer.timestamps.iter().map(|t| (t.kind, t.status)).collect();
        assert_eq!(
            kinds,
            [
                (TimestampKind::SignatureTimestamp, Status::Valid),
                (TimestampKind::CadesCTimestamp, Status::Valid)
            ],
            "{report}"
        );
        assert!(signer.findings.is_empty(), "{report}");
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["signers"][0]["level"], "CAdES-X Long Type 1");
        assert_eq!(json["signers"][0]["timestamps"][1]["kind"], "cades_c_timestamp");
        // The T signature alone, offline: no CRL, so the revocation is unknown.
        let t = add_signature_timestamp(&bes("revoked-later"), 0, &token("revoked-later"), provider())
            .unwrap();
        let report = verify_at(&offline(), &t, later);
        assert_eq!(report.status, Status::Indeterminate, "{report}");
    }

    /// Revoked before its time-stamp: the embedded CRL proves that too, so the signature stays
    /// invalid — and cannot be extended.
    #[test]
    fn revoked_before_stays_invalid_and_is_not_extended() {
        let stem = "revoked-before";
        let t = add_signature_timestamp(&bes(stem), 0, &token(stem), provider()).unwrap();
        let context = online();
        let report = verify_at(&context, &t, UnixTime(gen_time(stem).0 + YEAR));
        assert_eq!(report.status, Status::Invalid, "{report}");
        let stamper = authority();
        let refused = extend_to_x_long_type1(
            &t,
            &Verifier::from_context(&context),
            &report,
            &stamper,
            HashAlgorithm::Sha256,
        );
        assert!(
            matches!(refused, Err(TspError::Cms(CmsError::NotExtendable { signer: 1, .. }))),
            "{refused:?}"
        );
    }

    /// A tampered complete-certificate-references (the intermediate's hash) is a finding: the
    /// level stops at CAdES-T (the CAdES-C time-stamp no longer matches either), and the
    /// verdict is what the values alone support.
    #[test]
    fn tampered_certificate_refs_stop_at_t() {
        let x = x_long_type1("revoked-later");
        let intermediate = Certificate::all_from_pem_or_der(&read("pki/intermediate-ca.pem"))
            .unwrap()
            .remove(0);
        let hash = provider().digest(HashAlgorithm::Sha256, intermediate.der()).unwrap();
        let tampered = SignedData::from_ber(&flip_inside(x.der(), hash.as_ref())).unwrap();
        let later = UnixTime(gen_time("revoked-later").0 + 2 * YEAR);
        let report = verify_at(&offline(), &tampered, later);
        let signer = &report.signers[0];
        assert_eq!(signer.level, Some(CadesLevel::T), "{report}");
        assert!(
            signer.findings.iter().any(|f| matches!(f.finding, CmsFinding::ReferenceMismatch { .. })),
            "{report}"
        );
        assert!(
            signer.findings.iter().any(|f| matches!(
                f.finding,
                CmsFinding::LongTermTimestampNotValid { timestamp: TimestampKind::CadesCTimestamp, .. }
            )),
            "{report}"
        );
        // Advisory: the values are still untrusted material, the signature still valid.
        assert_eq!(report.status, Status::Valid, "{report}");
    }

    /// A tampered CRL inside revocation-values: its hash no longer matches the reference and
    /// its signature fails, so revocation is unknown offline — for the signer and for the
    /// TSAs: indeterminate, and no time-stamp proves anything (CAdES-BES).
    #[test]
    fn tampered_revocation_values_are_not_trusted() {
        let x = x_long_type1("revoked-later");
        let crl = Crl::all_from_pem_or_der(&read("cades/intermediate-ca.crl.pem"))
            .unwrap()
            .remove(0);
        let tampered = SignedData::from_ber(&flip_inside(x.der(), crl.der())).unwrap();
        let later = UnixTime(gen_time("revoked-later").0 + 2 * YEAR);
        let report = verify_at(&offline(), &tampered, later);
        assert_eq!(report.status, Status::Indeterminate, "{report}");
        let signer = &report.signers[0];
        assert_eq!(signer.level, Some(CadesLevel::Bes), "{report}");
        assert!(
            signer.findings.iter().any(|f| matches!(f.finding, CmsFinding::ReferenceMismatch { .. })),
            "{report}"
        );
    }

    /// OpenSSL still verifies the extended signature: the unsigned attributes changed, the
    /// signature and everything it covers did not.
    #[test]
    fn openssl_accepts_the_extended_signature() {
        if Command::new("openssl").arg("version").output().is_err() {
            eprintln!("SKIPPED: openssl not installed");
            return;
        }
        let x = x_long_type1("revoked-later");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.p7s");
        std::fs::write(&file, x.der()).unwrap();
        let chain = dir.path().join("chain.pem");
        let mut pem = read("pki/intermediate-ca.pem");
        pem.extend(read("pki/root-ca.pem"));
        std::fs::write(&chain, pem).unwrap();
        let out = Command::new("openssl")
            .args(["cms", "-verify", "-binary", "-inform", "DER", "-purpose", "any", "-in"])
            .arg(&file)
            .arg("-content")
            .arg(common::testdata("cades/data.txt"))
            .arg("-CAfile")
            .arg(&chain)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl cms -verify: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // And its structure is what OpenSSL reads: the six CAdES attributes' OIDs are there.
        let parsed = Command::new("openssl")
            .args(["asn1parse", "-inform", "DER", "-in"])
            .arg(&file)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&parsed.stdout);
        for oid in ["id-smime-aa-ets-CertificateRefs", "id-smime-aa-ets-RevocationRefs",
                    "id-smime-aa-ets-certValues", "id-smime-aa-ets-revocationValues",
                    "id-smime-aa-ets-escTimeStamp", "id-smime-aa-timeStampToken"] {
            assert!(text.contains(oid), "{oid} not in\n{text}");
        }
    }
}
