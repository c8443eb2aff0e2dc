//! `signflow::verify` and `Verdict`: one answer from bytes, whatever the format, on messages
//! made by OpenSSL and xmlsec1 (testdata/cms/generate.sh, testdata/xmldsig/generate.sh).

mod common;

use signflow::pki::{TrustContext, UnixTime};
use signflow::verdict::SignatureFormat;
use signflow::{Outcome, SigningIdentity, Verdict, verify_at};

fn at() -> UnixTime {
    UnixTime::from_utc(2027, 1, 1, 0, 0, 0)
}

per_provider! {
    fn context() -> TrustContext {
        common::test_context(provider())
    }

    fn check(rel: &str, detached: Option<&[u8]>) -> Verdict {
        verify_at(&context(), &common::read(rel), detached, at())
    }

    #[test]
    fn openssl_messages_get_their_verdicts() {
        for rel in ["cms/rsa-attached.der", "cms/rsa-attached.pem", "cms/ecdsa-attached.der"] {
            let v = check(rel, None);
            assert_eq!(v.outcome, Outcome::Valid, "{rel}: {v}");
            assert_eq!(v.format, Some(SignatureFormat::Cms));
            assert!(v.reasons.is_empty(), "{rel}: {v}");
            let signer = v.signer().expect("the signer is named");
            assert!(signer.signing_time.is_some(), "{rel}: OpenSSL writes signing-time");
            assert_eq!(signer.subject, signer.certificate.subject().to_string());
        }
        let content = common::read("cms/content.txt");
        let v = check("cms/rsa-detached.der", Some(&content));
        assert_eq!(v.outcome, Outcome::Valid, "{v}");

        let revoked = check("cms/revoked-signer-attached.der", None);
        assert_eq!(revoked.outcome, Outcome::Invalid, "{revoked}");
        assert!(revoked.reason().unwrap().contains("revoked"), "{revoked}");

        let expired = check("cms/expired-signer-attached.der", None);
        assert_eq!(expired.outcome, Outcome::Invalid, "{expired}");
        assert!(expired.reason().unwrap().contains("expired"), "{expired}");
    }

    #[test]
    fn tampered_content_is_invalid_and_says_why() {
        let mut content = common::read("cms/content.txt");
        content[0] ^= 1;
        let v = check("cms/rsa-detached.der", Some(&content));
        assert_eq!(v.outcome, Outcome::Invalid, "{v}");
        assert!(v.reason().unwrap().contains("digest"), "{v}");
    }

    #[test]
    fn unknown_revocation_is_indeterminate() {
        let no_crls = TrustContext::builder()
            .provider(provider())
            .anchors_pem_or_der(&common::read("pki/root-ca.pem"))
            .and_then(|b| b.intermediates_pem_or_der(&common::read("pki/intermediate-ca.pem")))
            .unwrap()
            .build();
        let v = verify_at(&no_crls, &common::read("cms/rsa-attached.der"), None, at());
        assert_eq!(v.outcome, Outcome::Indeterminate, "{v}");
        assert!(v.reason().is_some());
    }

    #[test]
    fn what_cannot_be_read_is_a_format_error() {
        let garbage = verify_at(&context(), b"\x30\x03\x02\x01", None, at());
        assert_eq!(garbage.outcome, Outcome::FormatError, "{garbage}");
        assert_eq!(garbage.format, None);

        let no_content = check("cms/rsa-detached.der", None);
        assert_eq!(no_content.outcome, Outcome::FormatError, "{no_content}");
        assert!(no_content.reason().unwrap().contains("without its content"));

        let extra = check("cms/rsa-attached.der", Some(b"x"));
        assert_eq!(extra.outcome, Outcome::FormatError, "{extra}");

        let broken_xml = verify_at(&context(), b"<a><b></a>", None, at());
        assert_eq!(broken_xml.outcome, Outcome::FormatError, "{broken_xml}");
        assert_eq!(broken_xml.format, Some(SignatureFormat::Xml));
    }

    #[test]
    fn xml_documents_are_told_apart_and_verified() {
        let v = check("xmldsig/xmlsec1-signed-rsa.xml", None);
        assert_eq!(v.outcome, Outcome::Valid, "{v}");
        assert_eq!(v.format, Some(SignatureFormat::Xml));
        assert_eq!(
            v.signer().unwrap().certificate.der(),
            signflow::pki::Certificate::all_from_pem_or_der(&common::read("pki/leaf-rsa.pem"))
                .unwrap()[0]
                .der()
        );
        let mut tampered = common::read("xmldsig/xmlsec1-signed-rsa.xml");
        let text = String::from_utf8(tampered.clone()).unwrap();
        let at_id = text.find("act-17").unwrap();
        // A byte of the signed element's content (after its start tag).
        let pos = text[at_id..].find('>').unwrap() + at_id + 2;
        tampered[pos] ^= 1;
        let v = verify_at(&context(), &tampered, None, at());
        assert_eq!(v.outcome, Outcome::Invalid, "{v}");
        assert!(v.reason().is_some());
    }

    /// The Russian attributes come back with the verdict, read from the certificate
    /// testdata/pki/generate.sh made (INN 771234567859, SNILS 11223344595, INNLE 7707083893).
    #[test]
    fn russian_attributes_come_with_the_signer() {
        let identity = SigningIdentity::from_pkcs12(
            &common::read("pki/leaf-russian.p12"),
            String::from_utf8(common::read("pki/PASSWORD")).unwrap().trim(),
        )
        .unwrap()
        .with_provider(provider());
        let cms = identity
            .sign_cms(b"act no. 17", &signflow::cms::SignOptions::at(at()))
            .unwrap();
        let v = verify_at(&context(), &cms.into_der(), None, at());
        assert_eq!(v.outcome, Outcome::Valid, "{v}");
        let russian = &v.signer().unwrap().russian;
        assert_eq!(russian.inn.as_deref(), Some("771234567859"));
        assert_eq!(russian.snils.as_deref(), Some("11223344595"));
        assert_eq!(russian.inn_le.as_deref(), Some("7707083893"));
        let text = v.to_string();
        assert!(text.contains("INN=771234567859"), "{text}");
        let json = serde_json::to_value(&v).unwrap();
        assert_eq!(json["outcome"], "valid");
        assert_eq!(json["signers"][0]["russian"]["snils"], "11223344595");
    }
}
