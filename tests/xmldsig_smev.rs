//! The SMEV 3 transform (`urn://smev-gov-ru/xmldsig/transform`): the methodological
//! recommendations' test cases byte for byte (testdata/xmldsig/smev/NOTE.md), a signed SMEV-style
//! envelope round trip with a GOST key, and `signflow xml canonicalize`.

mod common;

use signflow::crypto::CryptoProvider;
use signflow::pki::{Certificate, RevocationMode, Status, TrustStore, UnixTime};
use signflow::xmldsig::{
    Document, Layout, Placement, SMEV_TRANSFORM, SignOptions, VerifyOptions, XmlFinding,
    sign as xml_sign, smev_transform, verify,
};

fn transform(input: &[u8]) -> Vec<u8> {
    let doc = Document::parse(input).unwrap();
    let mut out = Vec::new();
    smev_transform(&doc, doc.root(), &mut out).unwrap();
    out
}

#[test]
fn recommendations_test_cases_byte_for_byte() {
    for case in ["case1", "case2", "case3"] {
        let input = common::read(&format!("xmldsig/smev/{case}.input.xml"));
        let expected = common::read(&format!("xmldsig/smev/{case}.output.xml"));
        assert_eq!(
            String::from_utf8(transform(&input)).unwrap(),
            String::from_utf8(expected).unwrap(),
            "{case}"
        );
    }
}

/// A SMEV 3 style request: the signed element is SenderProvidedRequestData (by its Id), the
/// Signature goes elsewhere in the envelope.
const ENVELOPE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/">
  <S:Body>
    <ns:SendRequestRequest xmlns:ns="urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.1">
      <ns:SenderProvidedRequestData Id="SIGNED_BY_CONSUMER">
        <ns:MessageID>db0486d0-3c08-11e5-95e2-d4c9eff07b77</ns:MessageID>
        <MessagePrimaryContent xmlns="urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.1">
          <SomeRequest xmlns="urn://x-artefacts-it-ru/vs/smev/test/test-business-data/1.0" b="2" a="1">
            <Name>Иванов Иван Иванович</Name>
            <Empty/>
          </SomeRequest>
        </MessagePrimaryContent>
      </ns:SenderProvidedRequestData>
      <ns:CallerInformationSystemSignature/>
    </ns:SendRequestRequest>
  </S:Body>
</S:Envelope>
"#;

per_provider! {
    fn gost() -> (Box<dyn signflow::crypto::SigningKey>, Certificate) {
        let p: &CryptoProvider = provider();
        let key = p
            .load_private_key_pem(
                std::str::from_utf8(&common::read("gost/gost2012_256-A.key.pem")).unwrap(),
            )
            .unwrap();
        let cert = Certificate::all_from_pem_or_der(&common::read("gost/gost2012_256-A.cert.pem"))
            .unwrap()
            .remove(0);
        (key, cert)
    }

    /// Signed with GOST R 34.10-2012, exclusive C14N and the SMEV transform over the element
    /// with Id SIGNED_BY_CONSUMER, the Signature inside CallerInformationSystemSignature: it
    /// verifies; the digested bytes are the transform's output (ns1, ns2… prefixes, sorted
    /// attributes, no white space, `<ns4:Empty></ns4:Empty>`); a change inside the signed
    /// element breaks it, white space between elements does not.
    #[test]
    fn smev_envelope_round_trip() {
        let (key, cert) = gost();
        let doc = Document::parse(ENVELOPE.as_bytes()).unwrap();
        let holder = doc
            .nodes()
            .map(|(id, _)| id)
            .find(|&id| {
                doc.element(id)
                    .is_some_and(|e| e.local_name() == "CallerInformationSystemSignature")
            })
            .unwrap();
        let options = SignOptions {
            layout: Layout::Enveloped {
                reference_id: Some("SIGNED_BY_CONSUMER".into()),
                placement: Placement::LastChildOf(holder),
            },
            smev_transform: true,
            include_chain: false,
            ..SignOptions::default()
        };
        let signed = xml_sign(provider(), &*key, &cert, &[], ENVELOPE.as_bytes(), &options).unwrap();
        let signed_text = String::from_utf8(signed.clone()).unwrap();
        assert!(signed_text.contains(&format!("<ds:Transform Algorithm=\"{SMEV_TRANSFORM}\"/>")));

        let mut trust = TrustStore::new();
        trust.add(cert.clone());
        let mut o = VerifyOptions::at(UnixTime::from_utc(2027, 1, 1, 0, 0, 0));
        o.validation.revocation = RevocationMode::Off;
        let v = verify(provider(), &signed, &trust, &[], &[], &o).unwrap();
        assert_eq!(v.status, Status::Valid, "{:?}", v.findings);
        let canonical = String::from_utf8(v.references[0].canonical.clone()).unwrap();
        assert_eq!(
            canonical,
            "<ns1:SenderProvidedRequestData xmlns:ns1=\"urn://x-artefacts-smev-gov-ru/services/\
             message-exchange/types/1.1\" Id=\"SIGNED_BY_CONSUMER\"><ns1:MessageID>\
             db0486d0-3c08-11e5-95e2-d4c9eff07b77</ns1:MessageID><ns2:MessagePrimaryContent \
             xmlns:ns2=\"urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.1\">\
             <ns3:SomeRequest xmlns:ns3=\"urn://x-artefacts-it-ru/vs/smev/test/test-business-data/\
             1.0\" a=\"1\" b=\"2\"><ns3:Name>Иванов Иван Иванович</ns3:Name><ns3:Empty>\
             </ns3:Empty></ns3:SomeRequest></ns2:MessagePrimaryContent>\
             </ns1:SenderProvidedRequestData>"
        );

        // The transform drops white-space-only text: reindenting the signed element keeps it valid.
        let reindented = signed_text.replacen("<ns:MessageID>", "\n\t\t<ns:MessageID>", 1);
        let v = verify(provider(), reindented.as_bytes(), &trust, &[], &[], &o).unwrap();
        assert_eq!(v.status, Status::Valid, "{:?}", v.findings);
        // Its text is signed.
        let tampered = signed_text.replacen("Иванов", "Петров", 1);
        let v = verify(provider(), tampered.as_bytes(), &trust, &[], &[], &o).unwrap();
        assert_eq!(v.status, Status::Invalid);
        assert!(v.has(|f| matches!(f, XmlFinding::DigestMismatch { .. })));
    }
}

/// `signflow xml canonicalize`: the transform's output for a file (0), the element by Id, the
/// C14N methods, and the exit statuses for an unknown method (64) and bad input (2).
#[cfg(feature = "cli")]
#[test]
fn cli_canonicalize() {
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_signflow"))
            .args(["xml", "canonicalize"])
            .args(args)
            .output()
            .unwrap()
    };
    let td = |rel: &str| common::testdata(rel).display().to_string();
    let case3 = td("xmldsig/smev/case3.input.xml");
    let out = run(&[&case3, "--method", SMEV_TRANSFORM]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, common::read("xmldsig/smev/case3.output.xml"));
    // Exclusive C14N then the transform gives the same here.
    let out = run(&[
        &case3,
        "--method",
        "http://www.w3.org/2001/10/xml-exc-c14n#",
        "--method",
        SMEV_TRANSFORM,
    ]);
    assert_eq!(out.stdout, common::read("xmldsig/smev/case3.output.xml"));
    // One element by Id, exclusive C14N; JSON.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("envelope.xml");
    std::fs::write(&file, ENVELOPE).unwrap();
    let file = file.display().to_string();
    let out = run(&[
        &file,
        "--method",
        "http://www.w3.org/2001/10/xml-exc-c14n#",
        "--id",
        "SIGNED_BY_CONSUMER",
        "--json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let output = v["output"].as_str().unwrap();
    assert!(
        output.starts_with("<ns:SenderProvidedRequestData xmlns:ns=\""),
        "{output}"
    );
    assert!(
        output.ends_with("</ns:SenderProvidedRequestData>"),
        "{output}"
    );
    // Unknown method: 64; no such Id, not XML: 2.
    assert_eq!(
        run(&[&case3, "--method", "urn:nope"]).status.code(),
        Some(64)
    );
    assert_eq!(
        run(&[&file, "--method", SMEV_TRANSFORM, "--id", "nope"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        run(&[&td("cms/rsa-attached.der"), "--method", SMEV_TRANSFORM])
            .status
            .code(),
        Some(2)
    );
}
