//! WS-Security SOAP messages signed by xmlsec1 (testdata/xmldsig/wss): the signer found
//! through a SecurityTokenReference, the Body referenced by its wsu:Id.
//!
//! XAdES (ETSI EN 319 132-1): XAdES-BES and -EPES signatures made by xmlsec1 from templates
//! (testdata/xades/generate.sh) verified with their level, signflow's own XAdES-BES verified
//! by xmlsec1 and by signflow, and XAdES-T made by signflow (a signature time-stamp from its
//! authority) proving the signing time after the signer's certificate expired.

mod common;

use std::process::Command;

use common::{openssl_time, read, testdata};
use signflow::SigningIdentity;
use signflow::cms::TimeSource;
use signflow::crypto::HashAlgorithm;
use signflow::pki::{Certificate, Status, TrustContext, UnixTime};
use signflow::tsp::{Authority, TimeStampRequest, TimeStampToken, TimeStamper, TspError};
use signflow::xmldsig::{
    ParseLimits, SignOptions, Verifier, XADES_NS, XadesLevel, XadesOptions, XmlFinding,
    XmlVerification, add_xades_timestamp,
};

const YEAR: i64 = 365 * 86_400;

/// The genTime `openssl ts -reply -text` printed for testdata/cades/short.txt: a time inside
/// the short-lived certificate's validity.
fn short_lived_time() -> UnixTime {
    let text = String::from_utf8(read("cades/short.txt")).unwrap();
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("Time stamp:"))
        .expect("a Time stamp line");
    openssl_time(line.trim()).0
}

fn xmlsec1_available() -> bool {
    Command::new("xmlsec1").arg("--version").output().is_ok()
}

/// `xmlsec1 --verify` of `xml` with the test PKI, resolving the SignedProperties' Id.
fn xmlsec1_verifies(xml: &[u8]) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("signed.xml");
    std::fs::write(&file, xml).unwrap();
    let out = Command::new("xmlsec1")
        .args(["--verify", "--trusted-pem"])
        .arg(testdata("pki/root-ca.pem"))
        .arg("--untrusted-pem")
        .arg(testdata("pki/intermediate-ca.pem"))
        .arg("--id-attr:Id")
        .arg(format!("{XADES_NS}:SignedProperties"))
        .args(["--verification-gmt-time", "2026-12-20+00:00:00"])
        .arg(&file)
        .output()
        .unwrap();
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// A stamper answering at a chosen time, not the clock's.
struct At(Authority, UnixTime);

impl TimeStamper for At {
    fn stamp(&self, request: &TimeStampRequest) -> Result<TimeStampToken, TspError> {
        self.0.issue(request, self.1, 0)
    }
}

per_provider! {
    fn context() -> TrustContext {
        TrustContext::builder()
            .provider(provider())
            .anchors_pem_or_der(&read("pki/root-ca.pem"))
            .and_then(|b| b.intermediates_pem_or_der(&read("pki/intermediate-ca.pem")))
            .and_then(|b| b.crls_pem_or_der(&read("pki/root-ca.crl.pem")))
            .and_then(|b| b.crls_pem_or_der(&read("cades/intermediate-ca.crl.pem")))
            .unwrap()
            .build()
    }

    fn verify_at(xml: &[u8], at: UnixTime) -> XmlVerification {
        let context = context();
        Verifier::from_context(&context).at(at).verify(xml).unwrap()
    }

    /// As [`verify_at`], with `anchor` (a self-signed certificate) the only trust anchor.
    fn verify_anchored(xml: &[u8], at: UnixTime, anchor: &str) -> XmlVerification {
        let context = TrustContext::builder()
            .provider(provider())
            .anchors_pem_or_der(&read(anchor))
            .unwrap()
            .build();
        Verifier::from_context(&context).at(at).verify(xml).unwrap()
    }

    fn identity(cert: &str, key: &str) -> SigningIdentity {
        let key = provider()
            .load_private_key_pem(core::str::from_utf8(&read(key)).unwrap())
            .unwrap();
        let cert = Certificate::all_from_pem_or_der(&read(cert)).unwrap().remove(0);
        let chain = Certificate::all_from_pem_or_der(&read("pki/intermediate-ca.pem")).unwrap();
        SigningIdentity::new(key, cert, chain).unwrap().with_provider(provider())
    }

    fn authority() -> Authority {
        Authority::new(identity("tsp/tsa.pem", "tsp/tsa.key.pem"), "1.2.3.4.1".parse().unwrap())
            .unwrap()
    }

    /// xmlsec1's XAdES-BES and -EPES: valid, with their level, the claimed signing time and
    /// the policy; the signing time is reported as claimed, the validation time as given.
    #[test]
    fn xmlsec1_bes_and_epes_reach_their_levels() {
        let at = UnixTime::from_utc(2027, 1, 1, 0, 0, 0);
        for (file, level) in [("xmlsec1-bes.xml", XadesLevel::Bes), ("xmlsec1-epes.xml", XadesLevel::Epes)] {
            let report = verify_at(&read(&format!("xades/{file}")), at);
            assert_eq!(report.status, Status::Valid, "{file}: {report}");
            let xades = report.xades.as_ref().expect("XAdES properties found");
            assert_eq!(xades.level, Some(level), "{file}: {report}");
            assert_eq!(xades.signing_time, Some(UnixTime::from_utc(2026, 6, 1, 12, 0, 0)));
            assert_eq!(xades.signed_properties.as_deref(), Some("props-1"));
            assert_eq!(xades.validation_time_source, TimeSource::Given);
            assert!(xades.timestamps.is_empty());
            assert_eq!(
                xades.signature_policy.as_deref(),
                (level == XadesLevel::Epes).then_some("urn:oid:1.2.643.100.999.1")
            );
            assert!(report.to_string().contains(level.name()), "{report}");
        }
    }

    /// Signed properties naming another certificate than the one that verified: invalid,
    /// although the XMLDSig itself verifies (xmlsec1 accepted it when it was made).
    #[test]
    fn signed_properties_naming_another_certificate_are_invalid() {
        let report = verify_at(&read("xades/xmlsec1-wrong-cert.xml"), UnixTime::from_utc(2027, 1, 1, 0, 0, 0));
        assert_eq!(report.status, Status::Invalid, "{report}");
        assert!(report.has(|f| matches!(f, XmlFinding::XadesSigningCertificateMismatch)));
        assert_eq!(report.xades.as_ref().unwrap().level, None);
    }

    /// A SignedProperties Reference without its Type reaches no XAdES level; the XMLDSig
    /// verdict stands (valid) and the finding says why.
    #[test]
    fn unsigned_type_reaches_no_level() {
        let report = verify_at(&read("xades/xmlsec1-no-type.xml"), UnixTime::from_utc(2027, 1, 1, 0, 0, 0));
        assert_eq!(report.status, Status::Valid, "{report}");
        assert_eq!(report.xades.as_ref().unwrap().level, None);
        assert!(report.has(|f| matches!(f, XmlFinding::XadesNoLevel { reasons }
            if reasons.iter().any(|r| r.contains("of type")))), "{report}");
    }

    /// signflow's XAdES-BES, with an RSA, an ECDSA and a GOST signer: signflow reports the
    /// level, xmlsec1 verifies it as XMLDSig (both References), and a changed SigningTime
    /// breaks the SignedProperties digest.
    #[test]
    fn signflow_xades_bes_verifies_in_xmlsec1_and_in_signflow() {
        let at = UnixTime::from_utc(2026, 12, 1, 9, 30, 0);
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Act xmlns=\"urn:signflow:test\"><Amount>1000.00</Amount></Act>";
        for stem in ["pki/leaf-rsa", "pki/leaf-ecdsa-p256", "gost/gost2012_256-A", "gost/gost2012_512-A"] {
            let gost = stem.starts_with("gost/");
            let (cert, key) = if gost {
                (format!("{stem}.cert.pem"), format!("{stem}.key.pem"))
            } else {
                (format!("{stem}.pem"), format!("{stem}.key.pem"))
            };
            let signer = identity(&cert, &key);
            let verify_at = |xml: &[u8], at| if gost { verify_anchored(xml, at, &cert) } else { verify_at(xml, at) };
            let options = SignOptions { xades: Some(XadesOptions::at(at)), ..SignOptions::default() };
            let signed = signer.sign_xml(xml.as_bytes(), &options).unwrap();
            let report = verify_at(&signed, UnixTime::from_utc(2026, 12, 20, 0, 0, 0));
            assert_eq!(report.status, Status::Valid, "{stem}: {report}");
            let xades = report.xades.as_ref().unwrap();
            assert_eq!(xades.level, Some(XadesLevel::Bes), "{stem}: {report}");
            assert_eq!(xades.signing_time, Some(at));

            let text = String::from_utf8(signed.clone()).unwrap();
            let changed = text.replace(&at.to_string(), "2026-12-01T09:31:00Z");
            assert_ne!(changed, text);
            let report = verify_at(changed.as_bytes(), UnixTime::from_utc(2026, 12, 20, 0, 0, 0));
            assert_eq!(report.status, Status::Invalid, "{stem}: {report}");
            assert!(report.has(|f| matches!(f, XmlFinding::DigestMismatch { reference: 1, .. })));

            // GOST needs xmlsec1 built with it; the RSA and ECDSA ones are checked always.
            if xmlsec1_available() && !gost {
                xmlsec1_verifies(&signed).unwrap_or_else(|e| panic!("{stem}: xmlsec1: {e}"));
            }
        }
    }

    /// XAdES-T by signflow: signed while the short-lived certificate was valid, stamped a
    /// minute later by signflow's authority, verified a year later (the certificate long
    /// expired): valid at the proven time. Without the stamp, invalid. xmlsec1 still verifies
    /// the stamped document as XMLDSig.
    #[test]
    fn xades_t_proves_the_signing_time() {
        let at = short_lived_time();
        let signer = identity("cades/short.pem", "cades/short.key.pem");
        let options = SignOptions { xades: Some(XadesOptions::at(at)), ..SignOptions::default() };
        let bes = signer.sign_xml(b"<Act xmlns=\"urn:signflow:test\">17</Act>", &options).unwrap();
        let stamper = At(authority(), UnixTime(at.0 + 60));
        let t = add_xades_timestamp(provider(), &bes, &stamper, HashAlgorithm::Sha256, &ParseLimits::default())
            .unwrap();
        let later = UnixTime(at.0 + YEAR);

        let report = verify_at(&bes, later);
        assert_eq!(report.status, Status::Invalid, "{report}");
        let report = verify_at(&t, later);
        assert_eq!(report.status, Status::Valid, "{report}");
        let xades = report.xades.as_ref().unwrap();
        assert_eq!(xades.level, Some(XadesLevel::T), "{report}");
        assert_eq!(xades.proven_signing_time, Some(UnixTime(at.0 + 61)), "genTime + 1 s accuracy");
        assert_eq!(xades.validation_time_source, TimeSource::SignatureTimestamp);
        assert_eq!(xades.timestamps.len(), 1);
        assert_eq!(xades.timestamps[0].status, Status::Valid);
        assert_eq!(report.certificate.as_ref().unwrap().time, UnixTime(at.0 + 61));
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["xades"]["level"], "XAdES-T");
        // The service-facing verdict says the same.
        let verdict = signflow::Verdict::from_xml(&report);
        assert!(verdict.is_valid());
        let summary = verdict.signer().unwrap();
        assert_eq!(summary.xades_level, Some(XadesLevel::T));
        assert_eq!(summary.proven_signing_time, Some(UnixTime(at.0 + 61)));
        assert_eq!(summary.signing_time, Some(at));

        // A second stamp goes beside the first (an existing UnsignedSignatureProperties).
        let tt = add_xades_timestamp(provider(), &t, &stamper, HashAlgorithm::Sha256, &ParseLimits::default())
            .unwrap();
        let report = verify_at(&tt, later);
        assert_eq!(report.xades.as_ref().unwrap().timestamps.len(), 2, "{report}");
        assert_eq!(report.status, Status::Valid, "{report}");

        if xmlsec1_available() {
            // At a time the certificate was valid: xmlsec1 checks the References and the
            // signature, the unsigned properties are outside what is signed.
            let dir = tempfile::tempdir().unwrap();
            let file = dir.path().join("t.xml");
            std::fs::write(&file, &t).unwrap();
            let when = UnixTime(at.0 + 3600).to_string().replace('T', "+").replace('Z', "");
            let out = Command::new("xmlsec1")
                .args(["--verify", "--trusted-pem"])
                .arg(testdata("pki/root-ca.pem"))
                .arg("--untrusted-pem")
                .arg(testdata("pki/intermediate-ca.pem"))
                .arg("--id-attr:Id")
                .arg(format!("{XADES_NS}:SignedProperties"))
                .args(["--verification-gmt-time", &when])
                .arg(&file)
                .output()
                .unwrap();
            assert!(out.status.success(), "xmlsec1: {}", String::from_utf8_lossy(&out.stderr));
        }
    }

    /// A time-stamp over something else (another signature's value) proves nothing: an
    /// advisory finding, the level stays BES, the verdict is the BES one.
    #[test]
    fn a_stamp_over_other_bytes_never_helps() {
        let at = short_lived_time();
        let signer = identity("cades/short.pem", "cades/short.key.pem");
        let options = SignOptions { xades: Some(XadesOptions::at(at)), ..SignOptions::default() };
        let one = signer.sign_xml(b"<Act xmlns=\"urn:signflow:test\">1</Act>", &options).unwrap();
        let two = signer.sign_xml(b"<Act xmlns=\"urn:signflow:test\">2</Act>", &options).unwrap();
        let stamper = At(authority(), UnixTime(at.0 + 60));
        let two_t = add_xades_timestamp(provider(), &two, &stamper, HashAlgorithm::Sha256, &ParseLimits::default())
            .unwrap();
        // Move two's stamp into one.
        let text = String::from_utf8(two_t).unwrap();
        let start = text.find("<xades:UnsignedProperties>").unwrap();
        let end = text.find("</xades:UnsignedProperties>").unwrap() + "</xades:UnsignedProperties>".len();
        let one = String::from_utf8(one).unwrap();
        let grafted = one.replace(
            "</xades:QualifyingProperties>",
            &format!("{}</xades:QualifyingProperties>", &text[start..end]),
        );
        for (when, status) in [(UnixTime(at.0 + 3600), Status::Valid), (UnixTime(at.0 + YEAR), Status::Invalid)] {
            let report = verify_at(grafted.as_bytes(), when);
            assert_eq!(report.status, status, "{report}");
            let xades = report.xades.as_ref().unwrap();
            assert_eq!(xades.level, Some(XadesLevel::Bes), "{report}");
            assert_eq!(xades.proven_signing_time, None);
            assert!(report.has(|f| matches!(f, XmlFinding::XadesTimestampNotValid { status: Status::Invalid, .. })), "{report}");
        }
    }

    /// WS-Security: the certificate from the BinarySecurityToken a SecurityTokenReference
    /// names, or from the caller's certificates by the KeyIdentifier's SKI; the Body selected
    /// by its wsu:Id; a second element with the same wsu:Id (signature wrapping) and a changed
    /// Body refused.
    #[test]
    fn ws_security_token_references() {
        let at = UnixTime::from_utc(2027, 1, 1, 0, 0, 0);
        let str_signed = read("xmldsig/wss/xmlsec1-str.xml");
        let report = verify_at(&str_signed, at);
        assert_eq!(report.status, Status::Valid, "{report}");
        assert!(report.signer.as_ref().unwrap().subject().to_string().contains("Signer RSA"));
        let body = report.references[0].element.as_ref().unwrap();
        assert_eq!((body.local_name.as_str(), body.id.as_deref()), ("Body", Some("body")));

        // KeyIdentifier: only the caller's certificates can answer it.
        let ski_signed = read("xmldsig/wss/xmlsec1-ski.xml");
        let report = verify_at(&ski_signed, at);
        assert_ne!(report.status, Status::Valid, "{report}");
        let context = TrustContext::builder()
            .provider(provider())
            .anchors_pem_or_der(&read("pki/root-ca.pem"))
            .and_then(|b| b.intermediates_pem_or_der(&read("pki/intermediate-ca.pem")))
            .and_then(|b| b.intermediates_pem_or_der(&read("pki/leaf-rsa.pem")))
            .and_then(|b| b.crls_pem_or_der(&read("pki/root-ca.crl.pem")))
            .and_then(|b| b.crls_pem_or_der(&read("pki/intermediate-ca.crl.pem")))
            .unwrap()
            .build();
        let report = Verifier::from_context(&context).at(at).verify(&ski_signed).unwrap();
        assert_eq!(report.status, Status::Valid, "{report}");

        let text = String::from_utf8(str_signed).unwrap();
        let wrapped = text.replace(
            "<soap:Header>",
            "<soap:Header><Fake xmlns=\"urn:x\" wsu:Id=\"body\"/>",
        );
        let report = verify_at(wrapped.as_bytes(), at);
        assert_eq!(report.status, Status::Invalid, "{report}");
        assert!(report.has(|f| matches!(f, XmlFinding::DuplicateId { id } if id == "body")));
        let changed = text.replace("<Request>17</Request>", "<Request>18</Request>");
        let report = verify_at(changed.as_bytes(), at);
        assert_eq!(report.status, Status::Invalid, "{report}");
    }
}
