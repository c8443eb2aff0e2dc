//! CAdES-A with archive-time-stamp-v3 (ETSI EN 319 122-1 §5.5.2–5.5.3): OpenSSL-made
//! CAdES-BES signatures with OpenSSL-made signature time-stamps (testdata/cades/generate.sh),
//! extended by signflow to X-L1 and then archived, verified OFFLINE — with nothing but the
//! root — as "CAdES-A"; an altered archived element, altered content and an altered hash index
//! each make the archive stamp invalid and leave the level where the X-L1 rules put it. The
//! archive token passes `openssl ts -verify` over the imprint data this test assembles itself
//! (its own DER walk, not signflow's), and its hash index lists what this test hashes itself.

mod common;

use std::process::Command;

use common::{openssl_time, read};
use signflow::SigningIdentity;
use signflow::cms::cades::{add_signature_timestamp, extend_to_archive_v3, extend_to_x_long_type1};
use signflow::cms::{
    CadesLevel, CmsError, CmsFinding, SignedData, TimestampKind, Verifier, VerifyOptions,
    VerifyReport,
};
use signflow::crypto::HashAlgorithm;
use signflow::pki::{Certificate, Crl, Status, TrustContext, UnixTime};
use signflow::tsp::{
    Authority, TimeStampRequest, TimeStampToken, TimeStamper, TspError, TspFinding,
};

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

/// Flips the last byte of the first (or last) occurrence of `needle` in `haystack`.
fn flip_inside(haystack: &[u8], needle: &[u8], last: bool) -> Vec<u8> {
    let mut hits = haystack
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle);
    let at = if last { hits.next_back() } else { hits.next() }
        .expect("the needle is there")
        .0;
    let mut out = haystack.to_vec();
    out[at + needle.len() - 1] ^= 0x01;
    out
}

/// A minimal DER walk, independent of signflow's: (tag, header length, whole length) of the
/// element at the front of `b`.
fn element(b: &[u8]) -> (u8, usize, usize) {
    let tag = b[0];
    let (len, header) = if b[1] < 0x80 {
        (b[1] as usize, 2)
    } else {
        let n = (b[1] & 0x7f) as usize;
        (
            b[2..2 + n]
                .iter()
                .fold(0usize, |a, x| (a << 8) | *x as usize),
            2 + n,
        )
    };
    (tag, header, header + len)
}

/// The elements inside the constructed element at the front of `b`.
fn children(b: &[u8]) -> Vec<&[u8]> {
    let (_, header, total) = element(b);
    let mut rest = &b[header..total];
    let mut out = Vec::new();
    while !rest.is_empty() {
        let (_, _, len) = element(rest);
        out.push(&rest[..len]);
        rest = &rest[len..];
    }
    out
}

/// ContentInfo → SignedData's fields.
fn signed_data_fields(content_info: &[u8]) -> Vec<&[u8]> {
    let ci = children(content_info);
    let explicit = children(ci[1]);
    children(explicit[0])
}

per_provider! {
    /// Nothing but the trust anchor.
    fn offline() -> TrustContext {
        TrustContext::builder()
            .provider(provider())
            .anchors_pem_or_der(&read("pki/root-ca.pem"))
            .unwrap()
            .build()
    }

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

    fn verify_with(context: &TrustContext, sd: &SignedData, content: &[u8], at: UnixTime) -> VerifyReport {
        let options = VerifyOptions::with_validation(context.validation_at(at));
        Verifier::from_context(context)
            .verify_detached_bytes(sd, content, &options)
            .unwrap()
    }

    fn verify_at(context: &TrustContext, sd: &SignedData, at: UnixTime) -> VerifyReport {
        verify_with(context, sd, &read("cades/data.txt"), at)
    }

    /// signflow's authority over the test TSA key, answering at a fixed time.
    struct At(Authority, UnixTime);
    impl TimeStamper for At {
        fn stamp(&self, request: &TimeStampRequest) -> Result<TimeStampToken, TspError> {
            self.0.issue(request, self.1, 0)
        }
    }

    fn at(time: UnixTime) -> At {
        let key = provider()
            .load_private_key_pem(core::str::from_utf8(&read("tsp/tsa.key.pem")).unwrap())
            .unwrap();
        let cert = Certificate::all_from_pem_or_der(&read("tsp/tsa.pem")).unwrap().remove(0);
        let chain = Certificate::all_from_pem_or_der(&read("pki/intermediate-ca.pem")).unwrap();
        let identity = SigningIdentity::new(key, cert, chain).unwrap().with_provider(provider());
        At(Authority::new(identity, "1.2.3.4.1".parse().unwrap()).unwrap(), time)
    }

    /// revoked-later's OpenSSL CAdES-T extended to X-L1 (CAdES-C stamp an hour after the
    /// signature time-stamp) from a verification with the full material a year later.
    fn x_long_type1() -> SignedData {
        let stem = "revoked-later";
        let t = add_signature_timestamp(&bes(stem), 0, &token(stem), provider()).unwrap();
        let context = online();
        let report = verify_at(&context, &t, UnixTime(gen_time(stem).0 + YEAR));
        assert_eq!(report.signers[0].level, Some(CadesLevel::T), "{report}");
        extend_to_x_long_type1(
            &t,
            &Verifier::from_context(&context),
            &report,
            &at(UnixTime(gen_time(stem).0 + 3600)),
            HashAlgorithm::Sha256,
        )
        .unwrap()
    }

    /// The X-L1 archived with `hash` two hours after the signature time-stamp, from an
    /// offline verification of the X-L1 (what it carries suffices).
    fn archived(hash: HashAlgorithm) -> SignedData {
        let x = x_long_type1();
        let when = UnixTime(gen_time("revoked-later").0 + 7200);
        let report = verify_at(&offline(), &x, UnixTime(when.0 + YEAR));
        assert_eq!(report.signers[0].level, Some(CadesLevel::XLongType1), "{report}");
        let mut content: &[u8] = &read("cades/data.txt");
        extend_to_archive_v3(&x, &report, Some(&mut content), &at(when), hash, provider()).unwrap()
    }

    fn later() -> UnixTime {
        UnixTime(gen_time("revoked-later").0 + 2 * YEAR)
    }

    fn kinds(report: &VerifyReport) -> Vec<(TimestampKind, Status)> {
        report.signers[0].timestamps.iter().map(|t| (t.kind, t.status)).collect()
    }

    /// Archived (SHA-256 and SHA-512 indexes), verified two years later with only the root:
    /// valid, CAdES-A, every time-stamp valid, nothing found.
    #[test]
    fn archive_v3_verifies_offline_as_cades_a() {
        for hash in [HashAlgorithm::Sha256, HashAlgorithm::Sha512] {
            let a = archived(hash);
            let report = verify_at(&offline(), &a, later());
            assert_eq!(report.status, Status::Valid, "{report}");
            let signer = &report.signers[0];
            assert_eq!(signer.level, Some(CadesLevel::A), "{report}");
            assert_eq!(
                kinds(&report),
                [
                    (TimestampKind::SignatureTimestamp, Status::Valid),
                    (TimestampKind::CadesCTimestamp, Status::Valid),
                    (TimestampKind::ArchiveTimestampV3, Status::Valid),
                ],
                "{report}"
            );
            assert!(signer.findings.is_empty(), "{report}");
            let json = serde_json::to_value(&report).unwrap();
            assert_eq!(json["signers"][0]["level"], "CAdES-A");
            assert_eq!(json["signers"][0]["timestamps"][2]["kind"], "archive_timestamp_v3");
            assert!(report.to_string().contains("CAdES-A"), "{report}");
        }
    }

    /// A second archive stamp over the first (renewal): both valid, the second's index lists
    /// the first, still CAdES-A.
    #[test]
    fn archive_renewal_keeps_both_stamps_valid() {
        let a = archived(HashAlgorithm::Sha256);
        let report = verify_at(&offline(), &a, later());
        let when = UnixTime(gen_time("revoked-later").0 + 3 * 3600);
        let mut content: &[u8] = &read("cades/data.txt");
        let twice = extend_to_archive_v3(
            &a, &report, Some(&mut content), &at(when), HashAlgorithm::Sha256, provider(),
        )
        .unwrap();
        let report = verify_at(&offline(), &twice, later());
        assert_eq!(report.status, Status::Valid, "{report}");
        assert_eq!(report.signers[0].level, Some(CadesLevel::A), "{report}");
        let archive: Vec<_> = kinds(&report)
            .into_iter()
            .filter(|(k, _)| *k == TimestampKind::ArchiveTimestampV3)
            .collect();
        assert_eq!(archive, [(TimestampKind::ArchiveTimestampV3, Status::Valid); 2], "{report}");
    }

    /// An archived element altered (a byte of the CRL in revocation-values): the archive stamp
    /// names it and is invalid — and the result is exactly what the X-L1 rules give the same
    /// alteration of the X-L1 alone: never better.
    #[test]
    fn altered_archived_value_is_found_and_gives_nothing() {
        let crl = Crl::all_from_pem_or_der(&read("cades/intermediate-ca.crl.pem")).unwrap().remove(0);
        let a = SignedData::from_ber(&flip_inside(archived(HashAlgorithm::Sha256).der(), crl.der(), false)).unwrap();
        let x = SignedData::from_ber(&flip_inside(x_long_type1().der(), crl.der(), false)).unwrap();
        let report = verify_at(&offline(), &a, later());
        let x_report = verify_at(&offline(), &x, later());
        assert_eq!(report.status, x_report.status, "{report}\n{x_report}");
        assert_eq!(report.signers[0].level, x_report.signers[0].level, "{report}");
        assert!(report.signers[0].level < Some(CadesLevel::A));
        let stamp = report.signers[0]
            .timestamps
            .iter()
            .find(|t| t.kind == TimestampKind::ArchiveTimestampV3)
            .expect("the archive stamp is reported");
        assert_eq!(stamp.status, Status::Invalid, "{report}");
        assert!(
            stamp.report.has(|f| matches!(f, TspFinding::StampedDataChanged { .. })),
            "{report}"
        );
    }

    /// The signer certificate's entry in the hash index altered (its last occurrence: the
    /// first is the signed signing-certificate-v2): the index no longer names what is there
    /// and the imprint no longer matches; the X-L1 below is intact, so the level is X-L1 and
    /// the signature valid.
    #[test]
    fn altered_hash_index_stops_at_x_long() {
        let a = archived(HashAlgorithm::Sha256);
        let signer = Certificate::all_from_pem_or_der(&read("cades/revoked-later.pem")).unwrap().remove(0);
        let hash = provider().digest(HashAlgorithm::Sha256, signer.der()).unwrap();
        let tampered = SignedData::from_ber(&flip_inside(a.der(), hash.as_ref(), true)).unwrap();
        let report = verify_at(&offline(), &tampered, later());
        assert_eq!(report.status, Status::Valid, "{report}");
        assert_eq!(report.signers[0].level, Some(CadesLevel::XLongType1), "{report}");
        let stamp = report.signers[0].timestamps.last().unwrap();
        assert_eq!((stamp.kind, stamp.status), (TimestampKind::ArchiveTimestampV3, Status::Invalid));
        assert!(stamp.report.has(|f| matches!(f, TspFinding::ImprintMismatch { .. })), "{report}");
        assert!(
            report.signers[0].findings.iter().any(|f| matches!(
                f.finding,
                CmsFinding::LongTermTimestampNotValid { timestamp: TimestampKind::ArchiveTimestampV3, .. }
            )),
            "{report}"
        );
    }

    /// Other content: the signature itself is invalid, and the archive stamp (which stamps the
    /// content's hash) does not match either.
    #[test]
    fn altered_content_is_invalid() {
        let a = archived(HashAlgorithm::Sha256);
        let mut content = read("cades/data.txt");
        content[0] ^= 1;
        let report = verify_with(&offline(), &a, &content, later());
        assert_eq!(report.status, Status::Invalid, "{report}");
        let stamp = report.signers[0]
            .timestamps
            .iter()
            .find(|t| t.kind == TimestampKind::ArchiveTimestampV3)
            .expect("the archive stamp is reported");
        assert_eq!(stamp.status, Status::Invalid, "{report}");
        assert!(stamp.report.has(|f| matches!(f, TspFinding::ImprintMismatch { .. })));
    }

    /// Only CAdES-X Long signatures are archived: a CAdES-T is refused, and so is detached
    /// content that is not given.
    #[test]
    fn below_x_long_is_not_archived() {
        let stem = "revoked-later";
        let t = add_signature_timestamp(&bes(stem), 0, &token(stem), provider()).unwrap();
        let report = verify_at(&online(), &t, UnixTime(gen_time(stem).0 + YEAR));
        assert_eq!(report.signers[0].level, Some(CadesLevel::T));
        let mut content: &[u8] = &read("cades/data.txt");
        let refused = extend_to_archive_v3(
            &t, &report, Some(&mut content), &at(gen_time(stem)), HashAlgorithm::Sha256, provider(),
        );
        assert!(
            matches!(refused, Err(TspError::Cms(CmsError::NotExtendable { signer: 1, .. }))),
            "{refused:?}"
        );
        let x = x_long_type1();
        let report = verify_at(&offline(), &x, later());
        let refused = extend_to_archive_v3(
            &x, &report, None, &at(gen_time(stem)), HashAlgorithm::Sha256, provider(),
        );
        assert!(matches!(refused, Err(TspError::Cms(CmsError::NotExtendable { .. }))), "{refused:?}");
    }

    /// The archive token, taken out of the signature, passes `openssl ts -verify` over the
    /// imprint data assembled here by an independent DER walk — eContentType, SHA-256 of the
    /// content, the SignerInfo's fields through the signature, the ATSHashIndexV3 — and that
    /// index lists exactly the SHA-256 of each certificate, CRL and (type, value) unsigned
    /// attribute pair this test computes; OpenSSL still verifies the CMS signature.
    #[test]
    fn openssl_verifies_the_archive_token_over_the_standard_imprint() {
        if Command::new("openssl").arg("version").output().is_err() {
            eprintln!("SKIPPED: openssl not installed");
            return;
        }
        let a = archived(HashAlgorithm::Sha256);
        let der = a.der();
        let fields = signed_data_fields(der);
        // version, digestAlgorithms, encapContentInfo, [0] certificates, [1]? crls, signerInfos
        let econtent_type = children(fields[2])[0];
        let certificates: Vec<&[u8]> = fields.iter().find(|f| f[0] == 0xa0).map(|f| children(f)).unwrap_or_default();
        let crls: Vec<&[u8]> = fields.iter().find(|f| f[0] == 0xa1).map(|f| children(f)).unwrap_or_default();
        let signer_info = children(fields.last().unwrap())[0];
        let si_fields = children(signer_info);
        let unsigned = *si_fields.last().unwrap();
        assert_eq!(unsigned[0], 0xa1);
        let attributes = children(unsigned);
        let (archive, older): (Vec<&[u8]>, Vec<&[u8]>) = attributes
            .iter()
            .partition(|attr| children(attr)[0] == [0x06, 0x06, 0x04, 0x00, 0x8d, 0x45, 0x02, 0x04]);
        assert_eq!(archive.len(), 1, "one archive-time-stamp-v3 attribute");
        let token_der = children(children(archive[0])[1])[0];
        // The token's own SignerInfo's unsigned ats-hash-index-v3 (0.4.0.19122.1.5).
        let tfields = signed_data_fields(token_der);
        let tsi = children(children(tfields.last().unwrap())[0]);
        let tunsigned = children(tsi.last().unwrap());
        let index_attr = tunsigned
            .iter()
            .find(|attr| children(attr)[0] == [0x06, 0x07, 0x04, 0x00, 0x81, 0x95, 0x32, 0x01, 0x05])
            .expect("the token carries ats-hash-index-v3");
        let index = children(children(index_attr)[1])[0];
        // The index, recomputed here.
        let sha = |b: &[u8]| provider().digest(HashAlgorithm::Sha256, b).unwrap().as_ref().to_vec();
        let octets = |list: &[u8]| children(list).iter().map(|o| o[2..].to_vec()).collect::<Vec<_>>();
        let lists = children(index);
        assert_eq!(lists.len(), 3, "SHA-256, the default, is left out");
        assert_eq!(octets(lists[0]), certificates.iter().map(|c| sha(c)).collect::<Vec<_>>());
        assert_eq!(octets(lists[1]), crls.iter().map(|c| sha(c)).collect::<Vec<_>>());
        let mut pairs = Vec::new();
        for attr in &older {
            let parts = children(attr);
            for value in children(parts[1]) {
                pairs.push(sha(&[parts[0], value].concat()));
            }
        }
        assert_eq!(octets(lists[2]), pairs);
        assert_eq!(pairs.len(), 6, "signature time-stamp, two references, two values, CAdES-C");
        // The imprint data, assembled here.
        let mut data = econtent_type.to_vec();
        data.extend(sha(&read("cades/data.txt")));
        for f in &si_fields[..si_fields.len() - 1] {
            data.extend_from_slice(f);
        }
        data.extend_from_slice(index);
        let dir = tempfile::tempdir().unwrap();
        let (data_file, token_file, chain, sig) = (
            dir.path().join("imprint.bin"),
            dir.path().join("archive.tst"),
            dir.path().join("chain.pem"),
            dir.path().join("a.p7s"),
        );
        std::fs::write(&data_file, &data).unwrap();
        std::fs::write(&token_file, token_der).unwrap();
        let mut pem = read("pki/intermediate-ca.pem");
        pem.extend(read("pki/root-ca.pem"));
        std::fs::write(&chain, pem).unwrap();
        std::fs::write(&sig, der).unwrap();
        let ts = |data: &std::path::Path| {
            Command::new("openssl")
                .args(["ts", "-verify", "-token_in", "-in"])
                .arg(&token_file)
                .arg("-data")
                .arg(data)
                .arg("-CAfile")
                .arg(&chain)
                .output()
                .unwrap()
        };
        let out = ts(&data_file);
        assert!(
            out.status.success(),
            "openssl ts -verify: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        // And it fails over anything else: one byte of the index changed.
        let mut other = data.clone();
        *other.last_mut().unwrap() ^= 1;
        let other_file = dir.path().join("other.bin");
        std::fs::write(&other_file, &other).unwrap();
        assert!(!ts(&other_file).status.success());
        let out = Command::new("openssl")
            .args(["cms", "-verify", "-binary", "-inform", "DER", "-purpose", "any", "-in"])
            .arg(&sig)
            .arg("-content")
            .arg(common::testdata("cades/data.txt"))
            .arg("-CAfile")
            .arg(&chain)
            .output()
            .unwrap();
        assert!(out.status.success(), "openssl cms -verify: {}", String::from_utf8_lossy(&out.stderr));
    }
}
