//! XMLDSig: canonicalization against the W3C/xmlsec vectors, verification of xmlsec's signed
//! samples and of xmlsec1-made ones, tampering and wrapping attacks, parser refusals.

mod common;

use signflow::crypto::{CryptoProvider, HashAlgorithm, SignatureAlgorithm};
use signflow::pki::{Certificate, Crl, RevocationMode, Status, TrustStore, UnixTime};
use signflow::xmldsig::{
    C14nMethod, Document, KeySource, Layout, NodeId, NodeSet, ParseLimits, Placement, SignError,
    SignOptions, VerifyOptions, XmlError, XmlFinding, XmlVerification, canonicalize,
    sign as xml_sign, verify,
};

fn cert(rel: &str) -> Certificate {
    Certificate::all_from_pem_or_der(&common::read(rel))
        .unwrap()
        .remove(0)
}

fn trust(rels: &[&str]) -> TrustStore {
    let mut t = TrustStore::new();
    for r in rels {
        t.add(cert(r));
    }
    t
}

/// The `n`th element of `doc` (document order) named `local`.
fn element_named(doc: &Document, local: &str, n: usize) -> NodeId {
    doc.nodes()
        .filter(|(id, _)| doc.element(*id).is_some_and(|e| e.local_name() == local))
        .map(|(id, _)| id)
        .nth(n)
        .unwrap()
}

fn c14n(doc: &Document, method: &C14nMethod, set: NodeSet<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    canonicalize(doc, method, set, &mut out).unwrap();
    out
}

const INC: C14nMethod = C14nMethod::Inclusive { comments: false };
const INC11: C14nMethod = C14nMethod::Inclusive11 { comments: false };

fn exc(prefixes: &[&str]) -> C14nMethod {
    C14nMethod::Exclusive {
        comments: false,
        inclusive_prefixes: prefixes.iter().map(|p| p.to_string()).collect(),
    }
}

/// merlin-c14n-three: the outputs whose node-set is a subtree (the others need XPath).
#[test]
fn merlin_c14n_three_subtrees() {
    let xml = common::read("xmldsig/c14n/merlin-c14n-three/signature.xml");
    let doc = Document::parse(&xml).unwrap();
    let something = element_named(&doc, "Something", 0);
    let signed_info = element_named(&doc, "SignedInfo", 0);
    let cases: [(usize, NodeId, C14nMethod); 6] = [
        (0, something, INC),
        (9, something, exc(&[])),
        (11, something, exc(&[])),
        (18, something, exc(&[""])),
        (20, something, exc(&[])),
        (27, signed_info, INC),
    ];
    for (n, apex, method) in cases {
        let want = common::read(&format!("xmldsig/c14n/merlin-c14n-three/c14n-{n}.txt"));
        let got = c14n(&doc, &method, NodeSet::subtree(apex));
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(&want),
            "c14n-{n}"
        );
    }
}

#[test]
fn canonical_xml_spec_examples() {
    // C14N 1.0 §3.2 (white space in content) and §3.3 (start and end tags), abridged.
    let doc = Document::parse(
        br#"<?xml version="1.0"?>
<?xml-stylesheet   href="doc.xsl"
   type="text/xsl"   ?>
<!-- Comment 1 -->
<doc xmlns="http://www.ietf.org" xmlns:w3c="http://www.w3.org">
   <e1   />
   <e2   ></e2>
   <e3   name = "elem3"   id="elem3"   />
   <e5 a:attr="out" b:attr="sorted" attr2="all" attr="I'm"
      xmlns:b="http://www.ietf.org"
      xmlns:a="http://www.w3.org"
      xmlns="http://example.org"/>
   <e6 xmlns="" xmlns:a="http://www.w3.org">
      <e7 xmlns="http://www.ietf.org">
         <e8 xmlns="" xmlns:a="http://www.w3.org">&lt;x&gt;&#x20;&amp;"'<![CDATA[<y>]]></e8>
      </e7>
   </e6>
</doc>
<!-- Comment 2 -->"#,
    )
    .unwrap();
    let want = concat!(
        "<?xml-stylesheet href=\"doc.xsl\"\n   type=\"text/xsl\"   ?>\n",
        "<doc xmlns=\"http://www.ietf.org\" xmlns:w3c=\"http://www.w3.org\">\n",
        "   <e1></e1>\n   <e2></e2>\n   <e3 id=\"elem3\" name=\"elem3\"></e3>\n",
        "   <e5 xmlns=\"http://example.org\" xmlns:a=\"http://www.w3.org\" ",
        "xmlns:b=\"http://www.ietf.org\" attr=\"I'm\" attr2=\"all\" b:attr=\"sorted\" ",
        "a:attr=\"out\"></e5>\n",
        "   <e6 xmlns=\"\" xmlns:a=\"http://www.w3.org\">\n",
        "      <e7 xmlns=\"http://www.ietf.org\">\n",
        "         <e8 xmlns=\"\">&lt;x&gt; &amp;\"'&lt;y&gt;</e8>\n",
        "      </e7>\n   </e6>\n</doc>",
    );
    assert_eq!(
        String::from_utf8(c14n(&doc, &INC, NodeSet::DOCUMENT)).unwrap(),
        want
    );
    let with_comments = c14n(
        &doc,
        &C14nMethod::Inclusive { comments: true },
        NodeSet::DOCUMENT,
    );
    let s = String::from_utf8(with_comments).unwrap();
    assert!(s.contains("?>\n<!-- Comment 1 -->\n<doc"), "{s}");
    assert!(s.ends_with("</doc>\n<!-- Comment 2 -->"), "{s}");
}

/// C14N 1.0 §3.1 (PIs, comments, outside the document element; its DOCTYPE line left out:
/// signflow refuses DTDs), §3.2 (white space in content) in full, §3.6 (UTF-8 output of an
/// ISO-8859-1 document); §3.7
/// (a document subset) is `xpath::tests::c14n_spec_document_subset`. §3.4 and §3.5 depend on
/// DTD declarations (attribute types, entities), which signflow refuses.
#[test]
fn canonical_xml_spec_examples_3_1_3_2_3_6() {
    let doc = Document::parse(
        b"<?xml version=\"1.0\"?>\n\n<?xml-stylesheet   href=\"doc.xsl\"\n   type=\"text/xsl\"   ?>\n\n\
          <doc>Hello, world!<!-- Comment 1 --></doc>\n\n<?pi-without-data     ?>\n\n\
          <!-- Comment 2 -->\n\n<!-- Comment 3 -->\n",
    )
    .unwrap();
    assert_eq!(
        String::from_utf8(c14n(&doc, &INC, NodeSet::DOCUMENT)).unwrap(),
        "<?xml-stylesheet href=\"doc.xsl\"\n   type=\"text/xsl\"   ?>\n\
         <doc>Hello, world!</doc>\n<?pi-without-data?>"
    );
    let with_comments = C14nMethod::Inclusive { comments: true };
    assert_eq!(
        String::from_utf8(c14n(&doc, &with_comments, NodeSet::DOCUMENT)).unwrap(),
        "<?xml-stylesheet href=\"doc.xsl\"\n   type=\"text/xsl\"   ?>\n\
         <doc>Hello, world!<!-- Comment 1 --></doc>\n<?pi-without-data?>\n\
         <!-- Comment 2 -->\n<!-- Comment 3 -->"
    );

    let white = "<doc>\n   <clean>   </clean>\n   <dirty>   A   B   </dirty>\n   <mixed>\n      \
                 A\n      <clean>   </clean>\n      B\n      <dirty>   A   B   </dirty>\n      \
                 C\n   </mixed>\n</doc>";
    let doc = Document::parse(white.as_bytes()).unwrap();
    assert_eq!(
        String::from_utf8(c14n(&doc, &INC, NodeSet::DOCUMENT)).unwrap(),
        white
    );

    // §3.6: a document declared ISO-8859-1 canonicalizes to UTF-8; the character as a
    // Latin-1 byte (0xA9) gives the same as its reference.
    let latin1 = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<doc>&#169;</doc>";
    let doc = Document::parse(latin1).unwrap();
    assert_eq!(
        c14n(&doc, &INC, NodeSet::DOCUMENT),
        "<doc>\u{a9}</doc>".as_bytes()
    );
    let raw = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<doc>\xa9</doc>";
    assert!(matches!(Document::parse(raw), Err(XmlError::Encoding(_))));
    let text = signflow::xmldsig::XmlText::decode(raw, &ParseLimits::default()).unwrap();
    let doc = Document::parse_text(&text, &ParseLimits::default()).unwrap();
    assert_eq!(
        c14n(&doc, &INC, NodeSet::DOCUMENT),
        "<doc>\u{a9}</doc>".as_bytes()
    );
}

#[test]
fn attribute_and_text_escaping() {
    let doc =
        Document::parse(b"<a b=\"x&#9;y&#10;z&#13;&quot;&lt;&gt;\">t&#13;&gt;\r\nu</a>").unwrap();
    assert_eq!(
        String::from_utf8(c14n(&doc, &INC, NodeSet::DOCUMENT)).unwrap(),
        "<a b=\"x&#x9;y&#xA;z&#xD;&quot;&lt;>\">t&#xD;&gt;\nu</a>"
    );
}

#[test]
fn parser_refuses_dtds_and_bounds_input() {
    let xxe = br#"<?xml version="1.0"?>
<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>"#;
    assert!(matches!(Document::parse(xxe), Err(XmlError::Doctype)));
    let bomb = br#"<!DOCTYPE a [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><a>&b;</a>"#;
    assert!(matches!(Document::parse(bomb), Err(XmlError::Doctype)));
    assert!(matches!(
        Document::parse(b"<a>&undeclared;</a>"),
        Err(XmlError::Malformed(_))
    ));
    let deep = "<a>".repeat(300) + &"</a>".repeat(300);
    assert!(matches!(
        Document::parse(deep.as_bytes()),
        Err(XmlError::Limit(_))
    ));
    let limits = ParseLimits {
        max_attributes: 2,
        ..ParseLimits::default()
    };
    assert!(matches!(
        Document::parse_with(br#"<a x="1" y="2" z="3"/>"#, &limits),
        Err(XmlError::Limit(_))
    ));
    let limits = ParseLimits {
        max_size: 8,
        ..ParseLimits::default()
    };
    assert!(matches!(
        Document::parse_with(b"<abcdefgh/>", &limits),
        Err(XmlError::Limit(_))
    ));
    for bad in [
        &b"<a>"[..],
        b"<a></b>",
        b"<a/><b/>",
        b"text",
        b"",
        b"<a x='1' x='2'/>",
        b"\xff",
    ] {
        assert!(Document::parse(bad).is_err(), "{bad:?}");
    }
}

fn xmlsec(rel: &str) -> Vec<u8> {
    common::read(&format!("xmldsig/xmlsec/{rel}"))
}

/// Options for the xmlsec samples: their test CA publishes no CRLs (xmlsec1 does not ask).
fn opts(key: KeySource, allow_sha1: bool) -> VerifyOptions {
    let mut o = VerifyOptions::at(UnixTime::from_utc(2026, 11, 23, 0, 0, 0));
    o.validation.revocation = RevocationMode::Off;
    o.key = key;
    o.hashes.allow_sha1 = allow_sha1;
    o
}

/// What signflow should make of an xmlsec case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// xmlsec: success.
    Valid,
    /// xmlsec: fail (a format error counts).
    NotValid,
    /// xmlsec: success, but the signer's certificate is signed with MD5, which signflow's
    /// certificate validation refuses: the signature and digests must verify and the
    /// certificate must be the only objection.
    CertificateRefused,
}

/// An xmlsec case: file, trusted and untrusted certificates, options, expectation.
type Case<'a> = (&'a str, &'a [&'a str], &'a [&'a str], VerifyOptions, Expect);

fn report(v: &XmlVerification) -> String {
    let f: Vec<String> = v.findings.iter().map(|f| f.message.clone()).collect();
    format!("{} {f:?}", v.status)
}

per_provider! {
    fn run(
        file: &str,
        trusted: &[&str],
        untrusted: &[&str],
        options: &VerifyOptions,
    ) -> XmlVerification {
        let inter: Vec<Certificate> = untrusted.iter().map(|r| cert(r)).collect();
        verify(
            provider(),
            &xmlsec(file),
            &trust(trusted),
            &inter,
            &[],
            options,
        )
        .unwrap()
    }

    const CA: &str = "xmldsig/xmlsec/keys/cacert.pem";
    const CA2: &str = "xmldsig/xmlsec/keys/ca2cert.pem";
    const PHAOS_CA: &str = "xmldsig/xmlsec/keys/phaos-rsa-ca-cert.der";

    fn phaos() -> VerifyOptions {
        let mut o = opts(KeySource::KeyInfo, true);
        o.validation.time = UnixTime::from_utc(2009, 1, 1, 10, 0, 0);
        o.validation.hashes.allow_sha1 = true;
        o.validation.min_rsa_bits = 1024;
        o
    }

    const RSA4096: &str = "xmldsig/xmlsec/keys/rsa-4096-cert.pem";

    /// The xmlsec (dsig-cases.json) cases in scope, with the expected outcome: success →
    /// valid, fail → not valid. Returns (passed, tried).
    #[test]
    fn xmlsec_cases() {
        let ec_key = KeySource::TrustedPublicKey(xmlsec("keys/ec-prime256v1-pubkey.der"));
        let rsa_cert = KeySource::Certificate(Box::new(cert(RSA4096)));
        let cases: Vec<Case<'_>> = vec![
            (
                "aleksey-xmldsig-01/enveloped-sha256-ecdsa-sha256.xml",
                &[],
                &[],
                opts(ec_key.clone(), false),
                Expect::Valid,
            ),
            (
                "aleksey-xmldsig-01/enveloped-sha1-ecdsa-sha1.xml",
                &[],
                &[],
                opts(ec_key.clone(), true),
                Expect::Valid,
            ),
            (
                "aleksey-xmldsig-01/enveloped-x509-digest-sha256.xml",
                &[CA],
                &[CA2],
                opts(rsa_cert.clone(), false),
                Expect::Valid,
            ),
            (
                "aleksey-xmldsig-01/enveloped-sha1-rsa-sha1.xml",
                &[CA],
                &[CA2],
                opts(rsa_cert.clone(), true),
                Expect::Valid,
            ),
            (
                "aleksey-xmldsig-01/enveloped-x509-missing-cert.xml",
                &[CA],
                &[CA2],
                opts(KeySource::KeyInfo, false),
                Expect::Valid,
            ),
            (
                "aleksey-xmldsig-01/enveloped-x509-missing-cert.xml",
                &[CA],
                &[],
                opts(KeySource::KeyInfo, false),
                Expect::NotValid,
            ),
            (
                "aleksey-xmldsig-01/enveloped-x509-missing-cert.xml",
                &[RSA4096],
                &[CA2],
                opts(KeySource::KeyInfo, false),
                Expect::NotValid,
            ),
            (
                "aleksey-xmldsig-01/enveloped-x509-same-subj-cert.xml",
                &["xmldsig/xmlsec/keys/same-subj-cert1.pem"],
                &[],
                opts(KeySource::KeyInfo, false),
                Expect::Valid,
            ),
            (
                "aleksey-xmldsig-01/enveloped-x509-same-subj-cert.xml",
                &["xmldsig/xmlsec/keys/same-subj-cert2.pem"],
                &[],
                opts(KeySource::KeyInfo, false),
                Expect::NotValid,
            ),
            (
                "aleksey-xmldsig-01/enveloping-sha1-rsa-sha1.xml",
                &[CA],
                &[],
                opts(KeySource::KeyInfo, true),
                Expect::Valid,
            ),
            (
                "aleksey-xmldsig-01/enveloped-gost2001.xml",
                &[CA],
                &[],
                opts(KeySource::KeyInfo, false),
                Expect::Valid,
            ),
            (
                "aleksey-xmldsig-01/enveloped-gost2012-256.xml",
                &[CA],
                &[],
                opts(KeySource::KeyInfo, false),
                Expect::Valid,
            ),
            (
                "aleksey-xmldsig-01/enveloped-gost2012-512.xml",
                &[CA],
                &[],
                opts(KeySource::KeyInfo, false),
                Expect::Valid,
            ),
            (
                "aleksey-xmldsig-01/enveloped-sha256-rsa-pss-sha256.xml",
                &[CA],
                &[CA2],
                opts(rsa_cert.clone(), false),
                Expect::Valid,
            ),
            (
                "aleksey-xmldsig-01/enveloped-sha384-rsa-pss-sha384.xml",
                &[CA],
                &[CA2],
                opts(rsa_cert.clone(), false),
                Expect::Valid,
            ),
            (
                "aleksey-xmldsig-01/enveloped-sha512-rsa-pss-sha512.xml",
                &[CA],
                &[CA2],
                opts(rsa_cert.clone(), false),
                Expect::Valid,
            ),
            (
                "aleksey-xmldsig-01/enveloping-rsa-pss-sha256.xml",
                &[CA],
                &[],
                opts(KeySource::KeyInfo, false),
                Expect::Valid,
            ),
            (
                "aleksey-xmldsig-01/enveloping-rsa-pss-sha384.xml",
                &[CA],
                &[],
                opts(KeySource::KeyInfo, false),
                Expect::Valid,
            ),
            (
                "aleksey-xmldsig-01/enveloping-rsa-pss-sha512.xml",
                &[CA],
                &[],
                opts(KeySource::KeyInfo, false),
                Expect::Valid,
            ),
            (
                "aleksey-xmldsig-01/enveloped-sha256-eddsa-ed25519.xml",
                &[],
                &[],
                opts(
                    KeySource::TrustedPublicKey(xmlsec("keys/eddsa-ed25519-pubkey.der")),
                    false,
                ),
                Expect::Valid,
            ),
            (
                "aleksey-xmldsig-01/enveloped-x509-subjectname.xml",
                &[CA],
                &[RSA4096, CA2],
                opts(KeySource::KeyInfo, false),
                Expect::Valid,
            ),
            (
                "aleksey-xmldsig-01/enveloped-x509-issuerserial.xml",
                &[CA],
                &[RSA4096, CA2],
                opts(KeySource::KeyInfo, false),
                Expect::Valid,
            ),
            (
                "aleksey-xmldsig-01/enveloped-x509-ski.xml",
                &[CA],
                &[RSA4096, CA2],
                opts(KeySource::KeyInfo, false),
                Expect::Valid,
            ),
            (
                "aleksey-xmldsig-01/enveloped-x509-digest-sha384.xml",
                &[CA],
                &[CA2],
                opts(rsa_cert.clone(), false),
                Expect::Valid,
            ),
            (
                "aleksey-xmldsig-01/enveloped-x509-digest-sha512.xml",
                &[CA],
                &[CA2],
                opts(rsa_cert.clone(), false),
                Expect::Valid,
            ),
            (
                "aleksey-xmldsig-01/enveloping-sha256-rsa-sha256.xml",
                &[CA],
                &[],
                opts(KeySource::KeyInfo, false),
                Expect::Valid,
            ),
            (
                "aleksey-xmldsig-01/enveloping-sha384-rsa-sha384.xml",
                &[CA],
                &[],
                opts(KeySource::KeyInfo, false),
                Expect::Valid,
            ),
            (
                "aleksey-xmldsig-01/enveloping-sha512-rsa-sha512.xml",
                &[CA],
                &[],
                opts(KeySource::KeyInfo, false),
                Expect::Valid,
            ),
            (
                "aleksey-xmldsig-01/enveloping-sha256-ecdsa-sha256.xml",
                &[CA],
                &[],
                opts(KeySource::KeyInfo, false),
                Expect::Valid,
            ),
            (
                "aleksey-xmldsig-01/enveloping-rsa-x509chain.xml",
                &[CA],
                &[],
                opts(KeySource::KeyInfo, true),
                Expect::Valid,
            ),
            // phaos-xmldsig-three (2002): RSA-1024 and SHA-1 throughout, validated in 2009.
            (
                "phaos-xmldsig-three/signature-rsa-enveloped.xml",
                &[PHAOS_CA],
                &[],
                phaos(),
                Expect::CertificateRefused,
            ),
            (
                "phaos-xmldsig-three/signature-rsa-enveloping.xml",
                &[PHAOS_CA],
                &[],
                phaos(),
                Expect::CertificateRefused,
            ),
            (
                "phaos-xmldsig-three/signature-rsa-enveloped-bad-digest-val.xml",
                &[PHAOS_CA],
                &[],
                phaos(),
                Expect::NotValid,
            ),
            (
                "phaos-xmldsig-three/signature-rsa-enveloped-bad-sig.xml",
                &[PHAOS_CA],
                &[],
                phaos(),
                Expect::NotValid,
            ),
        ];
        let mut failures = Vec::new();
        for (file, trusted, untrusted, options, expect) in &cases {
            let inter: Vec<Certificate> = untrusted.iter().map(|r| cert(r)).collect();
            let xml = xmlsec(file);
            let outcome = verify(
                provider(),
                &xml,
                &trust(trusted),
                &inter,
                &[],
                options,
            );
            let (ok, shown) = match &outcome {
                // A format error is a refusal: right only where xmlsec fails.
                Err(e) => (*expect == Expect::NotValid, format!("format error: {e}")),
                Ok(v) => {
                    let ok = match expect {
                        Expect::Valid => v.status == Status::Valid,
                        Expect::NotValid => v.status != Status::Valid,
                        Expect::CertificateRefused => {
                            v.signer.is_some()
                                && v.references.iter().all(|r| r.digest_matches)
                                && v.findings
                                    .iter()
                                    .map(|f| &f.finding)
                                    .filter(|f| f.status().is_some())
                                    .all(|f| matches!(f, XmlFinding::CertificateNotValid { .. }))
                        }
                    };
                    let cert_findings: Vec<String> = v
                        .certificate
                        .iter()
                        .flat_map(|r| {
                            r.findings()
                                .map(|(i, f)| format!("cert {i}: {}", f.sentence()))
                        })
                        .collect();
                    (ok, format!("{} {cert_findings:?}", report(v)))
                }
            };
            println!("{file} trusted {trusted:?}: {shown}");
            if !ok {
                failures.push(format!("{file} (trusted {trusted:?}, {expect:?}): {shown}"));
            }
        }
        println!(
            "xmlsec cases: {} of {} as expected",
            cases.len() - failures.len(),
            cases.len()
        );
        assert!(failures.is_empty(), "{failures:#?}");
    }

    /// A P-521 key (verify-only on both backends) in a KeyInfo certificate validated to the
    /// suite's CA; the same signature with a bit of `s` flipped is invalid, not indeterminate.
    #[test]
    fn p521_key_verifies() {
        let file = "aleksey-xmldsig-01/enveloping-sha512-ecdsa-sha512.xml";
        let o = opts(KeySource::KeyInfo, false);
        let v = run(file, &[CA], &[], &o);
        assert_eq!(v.status, Status::Valid, "{}", report(&v));
        let xml = String::from_utf8(xmlsec(file)).unwrap();
        let start = xml.find("SignatureValue>").unwrap() + "SignatureValue>".len();
        let end = xml[start..].find("</").unwrap() + start;
        let sig: String = xml[start..end].split_whitespace().collect();
        let b64 = &base64::engine::general_purpose::STANDARD;
        let mut raw = base64::Engine::decode(b64, sig).unwrap();
        assert_eq!(raw.len(), 132);
        raw[131] ^= 1;
        let tampered = format!(
            "{}{}{}",
            &xml[..start],
            base64::Engine::encode(b64, &raw),
            &xml[end..]
        );
        let v = verify(
            provider(),
            tampered.as_bytes(),
            &trust(&[CA]),
            &[],
            &[],
            &o,
        )
        .unwrap();
        assert_eq!(v.status, Status::Invalid, "{}", report(&v));
    }

    /// enveloped-ecdsa-java-bug (dsig-cases.json: success): a P-521 signature of 130 bytes,
    /// r and s 65 bytes each as an old Java wrote them (leading zero byte dropped). XMLDSig 1.1
    /// §6.4.3 writes each in 66 bytes; the shorter halves are left-padded, which changes no
    /// value, so the signature verifies as xmlsec and Santuario verify it.
    #[test]
    fn p521_signature_with_short_halves_is_padded() {
        let mut o = opts(KeySource::KeyInfo, false);
        o.validation.time = UnixTime::from_utc(2019, 1, 1, 0, 0, 0);
        let v = run(
            "aleksey-xmldsig-01/enveloped-ecdsa-java-bug.xml",
            &["xmldsig/xmlsec/keys/enveloped-ecdsa-java-bug-cert.pem"],
            &[],
            &o,
        );
        assert_eq!(v.status, Status::Valid, "{}", report(&v));
        assert!(v.references[0].digest_matches);
    }

    /// A key on a curve no backend supports (P-192 here): indeterminate, never valid and
    /// never invalid.
    #[test]
    fn unsupported_key_is_indeterminate() {
        let mut spki = xmlsec("keys/ec-prime256v1-pubkey.der");
        // prime256v1 is 1.2.840.10045.3.1.7; prime192v1 (1.2.840.10045.3.1.1) has the same
        // encoded length.
        let at = spki
            .windows(10)
            .position(|w| w == [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07])
            .unwrap();
        spki[at + 9] = 0x01;
        let v = run(
            "aleksey-xmldsig-01/enveloped-sha256-ecdsa-sha256.xml",
            &[],
            &[],
            &opts(KeySource::TrustedPublicKey(spki), false),
        );
        assert_eq!(v.status, Status::Indeterminate, "{}", report(&v));
        assert!(v.references[0].digest_matches);
    }

    #[test]
    fn sha1_refused_by_default() {
        let key = KeySource::TrustedPublicKey(xmlsec("keys/ec-prime256v1-pubkey.der"));
        let v = run(
            "aleksey-xmldsig-01/enveloped-sha1-ecdsa-sha1.xml",
            &[],
            &[],
            &opts(key, false),
        );
        assert_eq!(v.status, Status::Invalid);
        assert!(v.has(|f| matches!(f, XmlFinding::WeakAlgorithm { allowed: false, .. })));
    }

    #[test]
    fn gost_reference_returns_signed_bytes() {
        let v = run(
            "aleksey-xmldsig-01/enveloped-gost2012-256.xml",
            &[CA],
            &[],
            &opts(KeySource::KeyInfo, false),
        );
        assert_eq!(v.status, Status::Valid, "{}", report(&v));
        let signed = String::from_utf8(v.references[0].canonical.clone()).unwrap();
        assert!(signed.contains("Hello, World!"), "{signed}");
        assert!(!signed.contains("Signature"), "{signed}");
        assert!(v.signer.is_some());
        assert_eq!(v.certificate.as_ref().unwrap().status, Status::Valid);
    }

    #[test]
    fn untrusted_keyinfo_certificate_is_not_valid() {
        // The GOST signature verifies with its KeyInfo certificate, but nothing chains it to
        // this trust store.
        let v = run(
            "aleksey-xmldsig-01/enveloped-gost2012-256.xml",
            &[],
            &[],
            &opts(KeySource::KeyInfo, false),
        );
        assert_ne!(v.status, Status::Valid);
        assert!(v.has(|f| matches!(f, XmlFinding::CertificateNotValid { .. })));
    }

    #[test]
    fn tampered_document_is_invalid() {
        let xml =
            String::from_utf8(xmlsec("aleksey-xmldsig-01/enveloped-gost2012-256.xml")).unwrap();
        let tampered = xml.replacen("Hello, World!", "Hello, World?", 1);
        assert_ne!(xml, tampered);
        let v = verify(
            provider(),
            tampered.as_bytes(),
            &trust(&[CA]),
            &[],
            &[],
            &opts(KeySource::KeyInfo, false),
        )
        .unwrap();
        assert_eq!(v.status, Status::Invalid);
        assert!(v.has(|f| matches!(f, XmlFinding::DigestMismatch { reference: 0, .. })));
        // A comment inserted into signed text: comments are not signed under URI="", but
        // the text around it is unchanged, so the digest still matches — and the returned
        // canonical bytes (what the caller must use) hold no comment.
        let commented = xml.replacen("Hello, World!", "Hello, <!-- x -->World!", 1);
        let v = verify(
            provider(),
            commented.as_bytes(),
            &trust(&[CA]),
            &[],
            &[],
            &opts(KeySource::KeyInfo, false),
        )
        .unwrap();
        assert_eq!(v.status, Status::Valid, "{}", report(&v));
        assert!(!String::from_utf8_lossy(&v.references[0].canonical).contains("<!--"));
    }

    #[test]
    fn signature_wrapping_with_duplicate_id_is_invalid() {
        // Enveloping: the Reference points at Object Id="object"; a forged element with the
        // same Id placed before it must not be accepted (nor silently picked).
        let xml =
            String::from_utf8(xmlsec("aleksey-xmldsig-01/enveloping-sha1-rsa-sha1.xml")).unwrap();
        let at = xml.find("<SignedInfo").unwrap();
        let forged = format!(
            "{}<Forged Id=\"object\">pay 1000000</Forged>{}",
            &xml[..at],
            &xml[at..]
        );
        let v = verify(
            provider(),
            forged.as_bytes(),
            &trust(&[CA]),
            &[],
            &[],
            &opts(KeySource::KeyInfo, true),
        )
        .unwrap();
        assert_eq!(v.status, Status::Invalid, "{}", report(&v));
        assert!(v.has(|f| matches!(f, XmlFinding::DuplicateId { id } if id == "object")));
        // The genuine document: the reference hands back the Object element's canonical form.
        let v = verify(
            provider(),
            xml.as_bytes(),
            &trust(&[CA]),
            &[],
            &[],
            &opts(KeySource::KeyInfo, true),
        )
        .unwrap();
        assert_eq!(v.status, Status::Valid, "{}", report(&v));
        let el = v.references[0].element.as_ref().unwrap();
        assert_eq!(el.local_name, "Object");
        assert_eq!(el.id.as_deref(), Some("object"));
        assert!(v.references[0].canonical.starts_with(b"<Object"));
    }

    /// merlin-exc-c14n-one: the four references (exclusive C14N with/without comments and
    /// PrefixList, `#xpointer(id(...))`) digest as the file says. Its DSA key is only a
    /// KeyValue: without the caller's opt-in there is no key (indeterminate); with
    /// `trust_key_value` the signature verifies.
    #[test]
    fn merlin_exc_c14n_one_digests() {
        let xml = common::read("xmldsig/c14n/merlin-exc-c14n-one/exc-signature.xml");
        let v = verify(
            provider(),
            &xml,
            &TrustStore::new(),
            &[],
            &[],
            &opts(KeySource::KeyInfo, true),
        )
        .unwrap();
        assert_eq!(v.references.len(), 4);
        for r in &v.references {
            assert!(
                r.digest_matches,
                "{}",
                String::from_utf8_lossy(&r.canonical)
            );
        }
        assert_eq!(v.status, Status::Indeterminate);
        assert!(v.has(|f| matches!(f, XmlFinding::NoKey)));

        let mut o = opts(KeySource::KeyInfo, true);
        o.trust_key_value = true;
        let v = verify(provider(), &xml, &TrustStore::new(), &[], &[], &o).unwrap();
        assert_eq!(v.status, Status::Valid, "{}", report(&v));
        assert!(v.has(|f| matches!(f, XmlFinding::DocumentKeyUsed { .. })));
    }

    /// merlin-c14n-three: every Reference's XPath transform and canonicalization give the
    /// W3C sample's intermediate output `c14n-N.txt` byte for byte — including the node-sets
    /// that keep an element without some of its namespace nodes, or namespace nodes without
    /// their element (inclusive, exclusive, and exclusive with `#default` listed). The DSA
    /// signature value verifies with the KeyInfo certificate's key; that certificate chains
    /// to no anchor here, so the outcome is invalid for that reason alone — and valid when
    /// the caller asks for the KeyValue only (`KeySource::KeyValue`, as xmlsec is run).
    #[test]
    fn merlin_c14n_three_every_output() {
        let xml = common::read("xmldsig/c14n/merlin-c14n-three/signature.xml");
        let o = opts(KeySource::KeyInfo, true);
        let v = verify(provider(), &xml, &TrustStore::new(), &[], &[], &o).unwrap();
        assert_eq!(v.references.len(), 27);
        for (n, r) in v.references.iter().enumerate() {
            let want = common::read(&format!("xmldsig/c14n/merlin-c14n-three/c14n-{n}.txt"));
            assert_eq!(
                String::from_utf8_lossy(&r.canonical),
                String::from_utf8_lossy(&want),
                "c14n-{n}"
            );
            assert!(r.digest_matches, "c14n-{n}");
        }
        assert!(!v.has(|f| matches!(f, XmlFinding::SignatureMismatch)));
        assert!(v.has(|f| matches!(f, XmlFinding::CertificateNotValid { .. })));
        let o = opts(KeySource::KeyValue, true);
        let v = verify(provider(), &xml, &TrustStore::new(), &[], &[], &o).unwrap();
        assert_eq!(v.status, Status::Valid, "{}", report(&v));
        assert!(v.has(|f| matches!(f, XmlFinding::DocumentKeyUsed { .. })));
        assert!(v.signer.is_none());
    }

    fn test_pki() -> (TrustStore, Vec<Certificate>, Vec<Crl>) {
        let trust = trust(&["pki/root-ca.pem"]);
        let inter = vec![cert("pki/intermediate-ca.pem")];
        let mut crls = Crl::all_from_pem_or_der(&common::read("pki/root-ca.crl.pem")).unwrap();
        crls.extend(
            Crl::all_from_pem_or_der(&common::read("pki/intermediate-ca.crl.pem")).unwrap(),
        );
        (trust, inter, crls)
    }

    fn pki_options() -> VerifyOptions {
        VerifyOptions::at(UnixTime::from_utc(2027, 1, 1, 0, 0, 0))
    }

    /// The committed xmlsec1-made sample (testdata/xmldsig/generate.sh) verifies with the
    /// test PKI, CRLs required.
    #[test]
    fn xmlsec1_signed_sample() {
        let (trust, inter, crls) = test_pki();
        let xml = common::read("xmldsig/xmlsec1-signed-rsa.xml");
        let v = verify(provider(), &xml, &trust, &inter, &crls, &pki_options()).unwrap();
        assert_eq!(v.status, Status::Valid, "{}", report(&v));
        assert_eq!(
            v.signer.as_ref().unwrap().der(),
            cert("pki/leaf-rsa.pem").der()
        );
        let signed = String::from_utf8(v.references[0].canonical.clone()).unwrap();
        assert!(
            signed.starts_with("<Act xmlns=\"urn:signflow:test\" Id=\"act-17\">"),
            "{signed}"
        );
        assert!(!signed.contains("Signature"));
        // Tampered amount.
        let tampered = String::from_utf8(xml)
            .unwrap()
            .replace("1000.00", "9000.00");
        let v = verify(
            provider(),
            tampered.as_bytes(),
            &trust,
            &inter,
            &crls,
            &pki_options(),
        )
        .unwrap();
        assert!(v.has(|f| matches!(f, XmlFinding::DigestMismatch { .. })));
        assert_eq!(v.status, Status::Invalid);
    }

    /// Live round trip where xmlsec1 is installed (CI installs it): xmlsec1 signs the template
    /// now, we verify.
    #[test]
    fn xmlsec1_live_sign_then_verify() {
        if !xmlsec1_available("xmlsec1_live_sign_then_verify") {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let signed = dir.path().join("signed.xml");
        let key = format!(
            "{},{}",
            common::testdata("pki/leaf-rsa.key.pem").display(),
            common::testdata("pki/leaf-rsa.pem").display()
        );
        let status = std::process::Command::new("xmlsec1")
            .args(["--sign", "--privkey-pem", &key, "--output"])
            .arg(&signed)
            .arg(common::testdata("xmldsig/template-rsa.xml"))
            .status()
            .unwrap();
        assert!(status.success());
        let (trust, inter, crls) = test_pki();
        let signed = std::fs::read(&signed).unwrap();
        let v = verify(
            provider(),
            &signed,
            &trust,
            &inter,
            &crls,
            &pki_options(),
        )
        .unwrap();
        assert_eq!(v.status, Status::Valid, "{}", report(&v));
    }

    /// Never panics: byte-level mutations of signed samples (deterministic, LCG-driven) give a
    /// result or a format error, and none of them is valid.
    #[test]
    fn mutated_inputs_do_not_panic() {
        let (trust, inter, crls) = test_pki();
        let samples = [
            common::read("xmldsig/xmlsec1-signed-rsa.xml"),
            common::read("xmldsig/xmlsec1-signed-rsa-inclusive-id.xml"),
            xmlsec("aleksey-xmldsig-01/enveloped-gost2012-256.xml"),
            common::read("xmldsig/c14n/merlin-exc-c14n-one/exc-signature.xml"),
        ];
        let bytes: &[u8] = b"<>&;:=\"' /!?-#xX0\n\rabIdURIds";
        let mut state: u64 = 0x5eed;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize
        };
        for sample in &samples {
            for _ in 0..300 {
                let mut m = sample.clone();
                for _ in 0..1 + next() % 3 {
                    let at = next() % m.len();
                    match next() % 3 {
                        0 => m[at] = bytes[next() % bytes.len()],
                        1 => {
                            m.remove(at);
                        }
                        _ => m.insert(at, bytes[next() % bytes.len()]),
                    }
                }
                if let Ok(v) = verify(provider(), &m, &trust, &inter, &crls, &pki_options()) {
                    // A mutation may hit ignorable white space and keep a valid signature;
                    // what it must never do is change the signed bytes and stay valid.
                    if v.status == Status::Valid && m != *sample {
                        let original =
                            verify(provider(), sample, &trust, &inter, &crls, &pki_options())
                                .unwrap();
                        let a: Vec<_> = v.references.iter().map(|r| &r.canonical).collect();
                        let b: Vec<_> = original.references.iter().map(|r| &r.canonical).collect();
                        assert_eq!(a, b, "{}", String::from_utf8_lossy(&m));
                    }
                }
            }
        }
    }

    #[test]
    fn no_signature_is_a_format_error() {
        let r = verify(
            provider(),
            b"<a/>",
            &TrustStore::new(),
            &[],
            &[],
            &opts(KeySource::KeyInfo, false),
        );
        assert!(matches!(r, Err(XmlError::NoSignature)));
    }
    // ---- signing -------------------------------------------------------------------------

    /// A document already in canonical form, so the signed bytes a verifier returns must be
    /// exactly these.
    const ACT: &str = concat!(
        "<Act xmlns=\"urn:signflow:test\" Id=\"act-17\">",
        "<Number>17</Number><Amount currency=\"RUB\">1000.00</Amount></Act>"
    );

    /// (name, key file, certificate file, algorithm) for every signing algorithm.
    fn signers() -> Vec<(&'static str, &'static str, &'static str, SignatureAlgorithm)> {
        use signflow::crypto::{EcdsaEncoding, HashAlgorithm as H, PssParams};
        let ecdsa = |hash| SignatureAlgorithm::Ecdsa {
            hash,
            encoding: EcdsaEncoding::Fixed,
        };
        let rsa = ("pki/leaf-rsa.key.pem", "pki/leaf-rsa.pem");
        let ec = ("pki/leaf-ecdsa-p256.key.pem", "pki/leaf-ecdsa-p256.pem");
        let mut v = vec![
            ("rsa-sha256", rsa.0, rsa.1, SignatureAlgorithm::RSA_PKCS1_SHA256),
            ("rsa-sha384", rsa.0, rsa.1, SignatureAlgorithm::RSA_PKCS1_SHA384),
            ("rsa-sha512", rsa.0, rsa.1, SignatureAlgorithm::RSA_PKCS1_SHA512),
            ("rsa-pss-sha256", rsa.0, rsa.1, SignatureAlgorithm::RsaPss(PssParams::for_hash(H::Sha256))),
            ("rsa-pss-sha384", rsa.0, rsa.1, SignatureAlgorithm::RsaPss(PssParams::for_hash(H::Sha384))),
            ("rsa-pss-sha512", rsa.0, rsa.1, SignatureAlgorithm::RsaPss(PssParams::for_hash(H::Sha512))),
            ("ecdsa-p256-sha256", ec.0, ec.1, ecdsa(H::Sha256)),
            ("ed25519", "pki/leaf-ed25519.key.pem", "pki/leaf-ed25519.pem", SignatureAlgorithm::Ed25519),
        ];
        for (bits, alg) in [
            ("256-A", SignatureAlgorithm::Gost2012_256),
            ("256-B", SignatureAlgorithm::Gost2012_256),
            ("512-A", SignatureAlgorithm::Gost2012_512),
            ("512-C", SignatureAlgorithm::Gost2012_512),
        ] {
            let name: &'static str = Box::leak(format!("gost2012_{bits}").into_boxed_str());
            let key: &'static str = Box::leak(format!("gost/{name}.key.pem").into_boxed_str());
            let crt: &'static str = Box::leak(format!("gost/{name}.cert.pem").into_boxed_str());
            v.push((name, key, crt, alg));
        }
        v
    }

    /// Trust material and options for a signer: the test PKI with its CRLs, or the GOST
    /// certificate (self-signed) as its own anchor.
    fn material_for(cert_file: &str) -> (TrustStore, Vec<Certificate>, Vec<Crl>, VerifyOptions) {
        if cert_file.starts_with("gost/") {
            let mut o = pki_options();
            o.validation.revocation = RevocationMode::Off;
            (trust(&[cert_file]), vec![], vec![], o)
        } else {
            let (t, i, c) = test_pki();
            (t, i, c, pki_options())
        }
    }

    fn key(file: &str) -> Box<dyn signflow::crypto::SigningKey> {
        provider()
            .load_private_key_pem(std::str::from_utf8(&common::read(file)).unwrap())
            .unwrap()
    }

    fn sign_with(
        file: &str,
        cert_file: &str,
        input: &[u8],
        options: &SignOptions,
    ) -> Result<Vec<u8>, SignError> {
        let chain = if cert_file.starts_with("pki/") {
            Certificate::all_from_pem_or_der(&common::read("pki/chain.pem")).unwrap()
        } else {
            vec![]
        };
        xml_sign(provider(), &*key(file), &cert(cert_file), &chain, input, options)
    }

    fn sign_options(alg: SignatureAlgorithm, c14n: C14nMethod, layout: Layout) -> SignOptions {
        SignOptions {
            algorithm: Some(alg),
            c14n,
            layout,
            ..SignOptions::default()
        }
    }

    /// Every algorithm × {exclusive, inclusive} × {enveloped, enveloping, detached}: the
    /// signature verifies with the full path check, the verifier hands back exactly the
    /// document signed, and changing one byte of the signed content makes it invalid.
    #[test]
    fn sign_then_verify_every_algorithm_layout_and_c14n() {
        let mut tried = 0;
        for (name, key_file, cert_file, alg) in signers() {
            let (trust, inter, crls, base) = material_for(cert_file);
            for c14n in [exc(&[]), INC, INC11] {
                for layout in [
                    Layout::default(),
                    Layout::Enveloping,
                    Layout::Detached {
                        uri: "act-17.xml".into(),
                    },
                ] {
                    let what = format!("{name} {c14n:?} {layout:?}");
                    let signed =
                        sign_with(key_file, cert_file, ACT.as_bytes(), &sign_options(alg, c14n.clone(), layout.clone()))
                            .unwrap_or_else(|e| panic!("{what}: {e}"));
                    let mut o = base.clone();
                    if matches!(layout, Layout::Detached { .. }) {
                        o.detached = vec![("act-17.xml".into(), ACT.as_bytes().to_vec())];
                    }
                    let v = verify(provider(), &signed, &trust, &inter, &crls, &o)
                        .unwrap_or_else(|e| panic!("{what}: {e}"));
                    assert_eq!(v.status, Status::Valid, "{what}: {}\n{}", report(&v), String::from_utf8_lossy(&signed));
                    assert_eq!(v.signature_algorithm, Some(normalized(alg)), "{what}");
                    assert_eq!(v.signer.as_ref().unwrap().der(), cert(cert_file).der(), "{what}");
                    assert_eq!(v.references.len(), 1);
                    let got = &v.references[0].canonical;
                    if matches!(layout, Layout::Enveloping) {
                        // The Object around the Act, which keeps its own bytes.
                        let text = String::from_utf8_lossy(got);
                        assert!(text.starts_with("<ds:Object"), "{what}: {text}");
                        assert!(text.contains(ACT), "{what}: {text}");
                    } else {
                        assert_eq!(got, ACT.as_bytes(), "{what}");
                    }
                    // One changed byte in the signed content.
                    let tampered_doc = String::from_utf8(signed.clone()).unwrap().replacen("1000.00", "9000.00", 1);
                    let mut o2 = o.clone();
                    if let Layout::Detached { uri } = &layout {
                        o2.detached = vec![(uri.clone(), ACT.replacen("1000.00", "9000.00", 1).into_bytes())];
                    }
                    let tampered = if matches!(layout, Layout::Detached { .. }) { signed.clone() } else { tampered_doc.into_bytes() };
                    assert_ne!((&tampered, &o2.detached), (&signed, &o.detached), "{what}");
                    let v = verify(provider(), &tampered, &trust, &inter, &crls, &o2).unwrap();
                    assert_eq!(v.status, Status::Invalid, "{what}: {}", report(&v));
                    assert!(v.has(|f| matches!(f, XmlFinding::DigestMismatch { .. })), "{what}");
                    tried += 1;
                }
            }
        }
        println!("sign/verify round trips: {tried}");
        assert_eq!(tried, signers().len() * 9);
    }

    /// `VerifyOptions::keep_signed_data` off (canonicalization streamed into the digest, the
    /// bytes dropped chunk by chunk) gives the same verdict, findings and digest outcome as
    /// keeping them, for every layout and canonicalization, over a document several times the
    /// 64 KiB chunk: valid as signed, invalid (`DigestMismatch`) with one byte changed near
    /// the end; only the bytes are left out, their length is still reported.
    #[test]
    fn streamed_digest_gives_the_kept_verdict() {
        let (_, key_file, cert_file, alg) = signers()[0];
        let (trust, inter, crls, base) = material_for(cert_file);
        let mut act = String::from("<Act xmlns=\"urn:signflow:test\">\n");
        for i in 0..6000 {
            act.push_str(&format!("  <Line n=\"{i}\">goods &amp; services, {i}.00 RUB</Line>\n"));
        }
        act.push_str("  <Total>777777.77</Total>\n</Act>");
        assert!(act.len() > 4 * 64 * 1024);
        let mut tried = 0;
        for c14n in [exc(&[]), INC, INC11] {
            for layout in [
                Layout::default(),
                Layout::Enveloping,
                Layout::Detached { uri: "act-big.xml".into() },
            ] {
                let what = format!("{c14n:?} {layout:?}");
                let signed = sign_with(key_file, cert_file, act.as_bytes(), &sign_options(alg, c14n.clone(), layout.clone()))
                    .unwrap_or_else(|e| panic!("{what}: {e}"));
                let tampered_act = act.replacen("777777.77", "977777.77", 1);
                let detached = matches!(layout, Layout::Detached { .. });
                let (doc, tampered_doc) = if detached {
                    (signed.clone(), signed.clone())
                } else {
                    let t = String::from_utf8(signed.clone()).unwrap().replacen("777777.77", "977777.77", 1);
                    (signed.clone(), t.into_bytes())
                };
                for (case, xml, content, status) in [
                    ("as signed", &doc, &act, Status::Valid),
                    ("tampered", &tampered_doc, &tampered_act, Status::Invalid),
                ] {
                    let mut o = base.clone();
                    if detached {
                        o.detached = vec![("act-big.xml".into(), content.clone().into_bytes())];
                    }
                    let kept = verify(provider(), xml, &trust, &inter, &crls, &o).unwrap();
                    let streamed = verify(provider(), xml, &trust, &inter, &crls, &o.clone().with_keep_signed_data(false)).unwrap();
                    assert_eq!(kept.status, status, "{what} {case}: {}", report(&kept));
                    assert_eq!(streamed.status, kept.status, "{what} {case}: {}", report(&streamed));
                    let findings = |v: &XmlVerification| v.findings.iter().map(|f| format!("{:?}", f.finding)).collect::<Vec<_>>();
                    assert_eq!(findings(&streamed), findings(&kept), "{what} {case}");
                    assert_eq!(streamed.references.len(), 1, "{what} {case}");
                    let (k, s) = (&kept.references[0], &streamed.references[0]);
                    assert_eq!(s.digest_matches, k.digest_matches, "{what} {case}");
                    assert_eq!(k.digest_matches, status == Status::Valid, "{what} {case}");
                    assert!(k.canonical.len() > 4 * 64 * 1024, "{what} {case}");
                    assert_eq!(k.signed_len, k.canonical.len() as u64, "{what} {case}");
                    assert_eq!(s.signed_len, k.signed_len, "{what} {case}");
                    assert!(s.canonical.is_empty(), "{what} {case}");
                    tried += 1;
                }
            }
        }
        assert_eq!(tried, 18);
    }

    /// SHA-3 Reference digests (the SignatureMethod keeps its SHA-2 hash): signed, verified,
    /// and a changed byte caught.
    #[test]
    fn sha3_reference_digests_round_trip() {
        let (_, key_file, cert_file, alg) = signers()[0];
        let (trust, inter, crls, o) = material_for(cert_file);
        for hash in [
            HashAlgorithm::Sha3_224,
            HashAlgorithm::Sha3_256,
            HashAlgorithm::Sha3_384,
            HashAlgorithm::Sha3_512,
        ] {
            let mut options = sign_options(alg, exc(&[]), Layout::default());
            options.digest = Some(hash);
            let signed = sign_with(key_file, cert_file, ACT.as_bytes(), &options).unwrap();
            let text = String::from_utf8(signed.clone()).unwrap();
            assert!(text.contains("http://www.w3.org/2007/05/xmldsig-more#sha3-"), "{text}");
            let v = verify(provider(), &signed, &trust, &inter, &crls, &o).unwrap();
            assert_eq!(v.status, Status::Valid, "{hash}: {}", report(&v));
            assert_eq!(v.references[0].digest, hash);
            let tampered = text.replacen("1000.00", "9000.00", 1).into_bytes();
            let v = verify(provider(), &tampered, &trust, &inter, &crls, &o).unwrap();
            assert!(v.has(|f| matches!(f, XmlFinding::DigestMismatch { .. })), "{hash}");
        }
    }

    /// ECDSA always travels as r ‖ s in XMLDSig, whatever encoding the caller named.
    fn normalized(alg: SignatureAlgorithm) -> SignatureAlgorithm {
        match alg {
            SignatureAlgorithm::Ecdsa { hash, .. } => SignatureAlgorithm::Ecdsa {
                hash,
                encoding: signflow::crypto::EcdsaEncoding::Fixed,
            },
            a => a,
        }
    }

    /// A P-384 key (the test intermediate's, a CA key, so checked as a caller-trusted key)
    /// signs ECDSA-SHA384 by default; the signature value is r ‖ s, 96 bytes.
    #[test]
    fn p384_signs_raw_r_s() {
        let signed = sign_with(
            "pki/intermediate-ca.key.pem",
            "pki/intermediate-ca.pem",
            ACT.as_bytes(),
            &SignOptions::default(),
        )
        .unwrap();
        let mut o = pki_options();
        o.key = KeySource::TrustedPublicKey(cert("pki/intermediate-ca.pem").spki_der().to_vec());
        let v = verify(provider(), &signed, &TrustStore::new(), &[], &[], &o).unwrap();
        assert_eq!(v.status, Status::Valid, "{}", report(&v));
        assert_eq!(
            v.signature_algorithm,
            Some(normalized(SignatureAlgorithm::ECDSA_SHA384))
        );
        let doc = Document::parse(&signed).unwrap();
        let sv = element_named(&doc, "SignatureValue", 0);
        let bytes = base64::Engine::decode(
            &base64::engine::general_purpose::STANDARD,
            doc.text(sv).trim(),
        )
        .unwrap();
        assert_eq!(bytes.len(), 96);
    }

    /// The signer adds nothing but the Signature element: removing it gives the input back,
    /// byte for byte (declaration, comments, entity references, formatting kept).
    #[test]
    fn enveloped_signing_keeps_the_document_bytes() {
        let input = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- before -->\n\
            <doc  xmlns:a='urn:a' a:x = \"1\">\n  <e>&lt;t&gt; &#x41;</e>\n  <empty/>\n</doc>\n";
        let (trust, inter, crls) = test_pki();
        let signed = sign_with(
            "pki/leaf-rsa.key.pem",
            "pki/leaf-rsa.pem",
            input.as_bytes(),
            &SignOptions::default(),
        )
        .unwrap();
        let text = String::from_utf8(signed.clone()).unwrap();
        let start = text.find("<ds:Signature").unwrap();
        let end = text.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
        assert_eq!(format!("{}{}", &text[..start], &text[end..]), input);
        assert!(text[end..].starts_with("</doc>"), "{text}");
        let v = verify(provider(), &signed, &trust, &inter, &crls, &pki_options()).unwrap();
        assert_eq!(v.status, Status::Valid, "{}", report(&v));
    }

    /// Placement: inside an empty element, first child, before an element; `#id` references
    /// with the Signature outside the signed element carry no enveloped-signature transform.
    #[test]
    fn placement_and_reference_id() {
        let input = r#"<root><head Id="h"/><body Id="b"><p>text</p></body><tail/></root>"#;
        let doc = Document::parse(input.as_bytes()).unwrap();
        let head = element_named(&doc, "head", 0);
        let body = element_named(&doc, "body", 0);
        let tail = element_named(&doc, "tail", 0);
        let (trust, inter, crls) = test_pki();
        let cases = [
            (Some("b"), Placement::LastChildOfRoot, "<tail/><ds:Signature", false),
            (Some("b"), Placement::LastChildOf(head), "<head Id=\"h\"><ds:Signature", false),
            (Some("b"), Placement::FirstChildOf(body), "<body Id=\"b\"><ds:Signature", true),
            (Some("b"), Placement::LastChildOf(body), "</p><ds:Signature", true),
            (None, Placement::Before(tail), "</body><ds:Signature", true),
            (None, Placement::LastChildOf(tail), "<tail><ds:Signature", true),
        ];
        for (id, placement, marker, enveloped) in cases {
            let o = SignOptions {
                layout: Layout::Enveloped {
                    reference_id: id.map(str::to_owned),
                    placement,
                },
                ..SignOptions::default()
            };
            let signed =
                sign_with("pki/leaf-rsa.key.pem", "pki/leaf-rsa.pem", input.as_bytes(), &o)
                    .unwrap();
            let text = String::from_utf8(signed.clone()).unwrap();
            assert!(text.contains(marker), "{placement:?}: {text}");
            assert_eq!(text.contains("enveloped-signature"), enveloped, "{placement:?}: {text}");
            let v = verify(provider(), &signed, &trust, &inter, &crls, &pki_options()).unwrap();
            assert_eq!(v.status, Status::Valid, "{placement:?}: {}", report(&v));
            if id == Some("b") {
                assert_eq!(
                    v.references[0].canonical,
                    b"<body Id=\"b\"><p>text</p></body>",
                    "{placement:?}"
                );
            }
        }
        // Nothing goes before the root; unknown Ids and duplicate Ids are refused.
        let mut o = SignOptions {
            layout: Layout::Enveloped {
                reference_id: None,
                placement: Placement::Before(doc.root()),
            },
            ..SignOptions::default()
        };
        let r = sign_with("pki/leaf-rsa.key.pem", "pki/leaf-rsa.pem", input.as_bytes(), &o);
        assert!(matches!(r, Err(SignError::Placement(_))), "{r:?}");
        o.layout = Layout::Enveloped {
            reference_id: Some("nope".into()),
            placement: Placement::LastChildOfRoot,
        };
        let r = sign_with("pki/leaf-rsa.key.pem", "pki/leaf-rsa.pem", input.as_bytes(), &o);
        assert!(matches!(r, Err(SignError::NoSuchId(ref id)) if id == "nope"), "{r:?}");
        let r = sign_with(
            "pki/leaf-rsa.key.pem",
            "pki/leaf-rsa.pem",
            br#"<a><b Id="x"/><c Id="x"/></a>"#,
            &SignOptions::default(),
        );
        assert!(matches!(r, Err(SignError::DuplicateId(ref id)) if id == "x"), "{r:?}");
    }

    /// Wrong key for the certificate, SHA-1, DSA-less algorithms and refused input.
    #[test]
    fn signing_refusals() {
        let r = sign_with(
            "pki/leaf-ecdsa-p256.key.pem",
            "pki/leaf-rsa.pem",
            ACT.as_bytes(),
            &SignOptions::default(),
        );
        assert!(matches!(r, Err(SignError::KeyMismatch)), "{r:?}");
        let o = sign_options(
            SignatureAlgorithm::RsaPkcs1(signflow::crypto::HashAlgorithm::Sha1),
            exc(&[]),
            Layout::default(),
        );
        let r = sign_with("pki/leaf-rsa.key.pem", "pki/leaf-rsa.pem", ACT.as_bytes(), &o);
        assert!(matches!(r, Err(SignError::UnsupportedAlgorithm(_))), "{r:?}");
        let r = sign_with(
            "pki/leaf-rsa.key.pem",
            "pki/leaf-rsa.pem",
            b"<!DOCTYPE a><a/>",
            &SignOptions::default(),
        );
        assert!(matches!(r, Err(SignError::Xml(XmlError::Doctype))), "{r:?}");
        // An ECDSA key asked for an RSA signature.
        let o = sign_options(SignatureAlgorithm::RSA_PKCS1_SHA256, exc(&[]), Layout::default());
        let r = sign_with(
            "pki/leaf-ecdsa-p256.key.pem",
            "pki/leaf-ecdsa-p256.pem",
            ACT.as_bytes(),
            &o,
        );
        assert!(matches!(r, Err(SignError::Crypto(_))), "{r:?}");
    }

    /// An exclusive PrefixList travels in the signature and is honoured by the verifier.
    #[test]
    fn exclusive_prefix_list_round_trip() {
        let input = r#"<a:root xmlns:a="urn:a" xmlns:b="urn:b"><a:x>1</a:x></a:root>"#;
        let (trust, inter, crls) = test_pki();
        let o = sign_options(
            SignatureAlgorithm::RSA_PKCS1_SHA256,
            exc(&["b"]),
            Layout::Enveloped {
                reference_id: None,
                placement: Placement::LastChildOfRoot,
            },
        );
        let signed =
            sign_with("pki/leaf-rsa.key.pem", "pki/leaf-rsa.pem", input.as_bytes(), &o).unwrap();
        assert!(String::from_utf8_lossy(&signed).contains("PrefixList=\"b\""));
        let v = verify(provider(), &signed, &trust, &inter, &crls, &pki_options()).unwrap();
        assert_eq!(v.status, Status::Valid, "{}", report(&v));
        // b is not used by any element, but the PrefixList renders it.
        assert_eq!(v.references[0].canonical, input.as_bytes());
    }

    /// A detached reference whose content is not supplied is indeterminate, never valid.
    #[test]
    fn detached_content_must_be_supplied() {
        let (trust, inter, crls) = test_pki();
        let o = sign_options(
            SignatureAlgorithm::RSA_PKCS1_SHA256,
            exc(&[]),
            Layout::Detached { uri: "data.bin".into() },
        );
        let signed =
            sign_with("pki/leaf-rsa.key.pem", "pki/leaf-rsa.pem", b"\x00\x01binary", &o).unwrap();
        let v = verify(provider(), &signed, &trust, &inter, &crls, &pki_options()).unwrap();
        assert_eq!(v.status, Status::Indeterminate, "{}", report(&v));
        let mut vo = pki_options();
        vo.detached = vec![("data.bin".into(), b"\x00\x01binary".to_vec())];
        let v = verify(provider(), &signed, &trust, &inter, &crls, &vo).unwrap();
        assert_eq!(v.status, Status::Valid, "{}", report(&v));
        assert_eq!(v.references[0].canonical, b"\x00\x01binary");
    }

    /// Whether the xmlsec1 binary runs here; prints a SKIPPED line when it does not.
    fn xmlsec1_available(test: &str) -> bool {
        let ok = std::process::Command::new("xmlsec1")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if !ok {
            println!("SKIPPED: {test}: xmlsec1 is not installed (apt-get install xmlsec1)");
        }
        ok
    }

    /// Documents signflow signs verify with `xmlsec1 --verify --trusted-pem root-ca.pem`
    /// (the chain travels in KeyInfo): every algorithm xmlsec1 1.2 knows (RSA PKCS#1
    /// SHA-256/384/512, ECDSA P-256), enveloped, `#id`, enveloping and detached, exclusive
    /// and inclusive C14N; and xmlsec1 rejects a tampered copy.
    #[test]
    fn xmlsec1_verifies_what_signflow_signs() {
        if !xmlsec1_available("xmlsec1_verifies_what_signflow_signs") {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let root = common::testdata("pki/root-ca.pem");
        let xmlsec1 = |file: &std::path::Path, extra: &[&str]| {
            let out = std::process::Command::new("xmlsec1")
                .arg("--verify")
                .arg("--trusted-pem")
                .arg(&root)
                .args(extra)
                .arg(file)
                .current_dir(dir.path())
                .output()
                .unwrap();
            (
                out.status.success(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        };
        std::fs::write(dir.path().join("act-17.xml"), ACT).unwrap();
        let rsa = ("pki/leaf-rsa.key.pem", "pki/leaf-rsa.pem");
        let ec = ("pki/leaf-ecdsa-p256.key.pem", "pki/leaf-ecdsa-p256.pem");
        let algorithms = [
            ("rsa-sha256", rsa, SignatureAlgorithm::RSA_PKCS1_SHA256),
            ("rsa-sha384", rsa, SignatureAlgorithm::RSA_PKCS1_SHA384),
            ("rsa-sha512", rsa, SignatureAlgorithm::RSA_PKCS1_SHA512),
            ("ecdsa-sha256", ec, SignatureAlgorithm::ECDSA_SHA256),
        ];
        let layouts = [
            ("enveloped", Layout::default(), vec![]),
            (
                "id",
                Layout::Enveloped {
                    reference_id: Some("act-17".into()),
                    placement: Placement::LastChildOfRoot,
                },
                vec!["--id-attr:Id", "urn:signflow:test:Act"],
            ),
            ("enveloping", Layout::Enveloping, vec![]),
            (
                "detached",
                Layout::Detached {
                    uri: "act-17.xml".into(),
                },
                vec![],
            ),
        ];
        let mut checked = 0;
        for (name, (key_file, cert_file), alg) in algorithms {
            for (c14n_name, c14n) in [("exc", exc(&[])), ("inc", INC)] {
                for (layout_name, layout, extra) in &layouts {
                    let what = format!("{name}-{c14n_name}-{layout_name}");
                    let o = sign_options(alg, c14n.clone(), layout.clone());
                    let signed = sign_with(key_file, cert_file, ACT.as_bytes(), &o).unwrap();
                    let file = dir.path().join(format!("{what}.xml"));
                    std::fs::write(&file, &signed).unwrap();
                    let (ok, err) = xmlsec1(&file, extra);
                    assert!(ok, "{what}: xmlsec1 refused:\n{err}\n{}", String::from_utf8_lossy(&signed));
                    if *layout_name != "detached" {
                        let tampered = String::from_utf8(signed)
                            .unwrap()
                            .replacen("1000.00", "1000.01", 1);
                        std::fs::write(&file, tampered).unwrap();
                        let (ok, _) = xmlsec1(&file, extra);
                        assert!(!ok, "{what}: xmlsec1 accepted a tampered copy");
                    }
                    checked += 1;
                }
            }
        }
        println!("xmlsec1 verified {checked} signflow signatures");
        assert_eq!(checked, 4 * 2 * 4);
    }

    /// The other committed xmlsec1-made samples (testdata/xmldsig/generate.sh): ECDSA
    /// enveloped, RSA-SHA512 over `#act-17` with inclusive C14N (the Act inherits two
    /// namespace declarations and xml:lang, which inclusive C14N must render), and ECDSA
    /// enveloping. Each verifies with the test PKI and CRLs, hands back the signed element,
    /// and a changed amount makes it invalid.
    #[test]
    fn xmlsec1_signed_samples_ecdsa_inclusive_enveloping() {
        let (trust, inter, crls) = test_pki();
        let cases = [
            (
                "xmldsig/xmlsec1-signed-ecdsa.xml",
                "pki/leaf-ecdsa-p256.pem",
                "<Act xmlns=\"urn:signflow:test\" Id=\"act-17\">",
            ),
            (
                "xmldsig/xmlsec1-signed-rsa-inclusive-id.xml",
                "pki/leaf-rsa.pem",
                "<Act xmlns=\"urn:signflow:test\" xmlns:x=\"urn:signflow:extra\" Id=\"act-17\" \
                 xml:lang=\"ru\">",
            ),
            (
                "xmldsig/xmlsec1-signed-ecdsa-enveloping.xml",
                "pki/leaf-ecdsa-p256.pem",
                "<Object xmlns=\"http://www.w3.org/2000/09/xmldsig#\" Id=\"object\"><Act \
                 xmlns=\"urn:signflow:test\">",
            ),
        ];
        for (file, signer, starts) in cases {
            let xml = common::read(file);
            let v = verify(provider(), &xml, &trust, &inter, &crls, &pki_options()).unwrap();
            assert_eq!(v.status, Status::Valid, "{file}: {}", report(&v));
            assert_eq!(v.signer.as_ref().unwrap().der(), cert(signer).der(), "{file}");
            let signed = String::from_utf8(v.references[0].canonical.clone()).unwrap();
            assert!(signed.starts_with(starts), "{file}: {signed}");
            assert!(signed.contains("1000.00"), "{file}: {signed}");
            assert!(!signed.contains("Header"), "{file}: {signed}");
            let tampered = String::from_utf8(xml).unwrap().replace("1000.00", "1000.01");
            let v = verify(
                provider(),
                tampered.as_bytes(),
                &trust,
                &inter,
                &crls,
                &pki_options(),
            )
            .unwrap();
            assert_eq!(v.status, Status::Invalid, "{file}");
            assert!(v.has(|f| matches!(f, XmlFinding::DigestMismatch { .. })), "{file}");
        }
    }

    /// Signs `<root><Act Id="a">pay 10</Act><Note>n</Note></root>` over `#a` (or the whole
    /// document) with the RSA leaf.
    fn signed_act(reference_id: Option<&str>) -> String {
        let input = r#"<root><Act Id="a">pay 10</Act><Note>n</Note></root>"#;
        let o = SignOptions {
            layout: Layout::Enveloped {
                reference_id: reference_id.map(str::to_owned),
                placement: Placement::LastChildOfRoot,
            },
            ..SignOptions::default()
        };
        let signed =
            sign_with("pki/leaf-rsa.key.pem", "pki/leaf-rsa.pem", input.as_bytes(), &o).unwrap();
        String::from_utf8(signed).unwrap()
    }

    fn verify_pki(xml: &str) -> XmlVerification {
        let (trust, inter, crls) = test_pki();
        verify(
            provider(),
            xml.as_bytes(),
            &trust,
            &inter,
            &crls,
            &pki_options(),
        )
        .unwrap()
    }

    const GENUINE: &str = r#"<Act Id="a">pay 10</Act>"#;

    /// The XML signature wrapping family, on a signature signflow made: wherever the attacker
    /// moves the signed element and whatever forgery takes its place, the result is invalid or
    /// hands back only the genuinely signed element.
    #[test]
    fn signature_wrapping_family() {
        let xml = signed_act(Some("a"));
        let v = verify_pki(&xml);
        assert_eq!(v.status, Status::Valid, "{}", report(&v));
        assert_eq!(v.references[0].canonical, GENUINE.as_bytes());

        let forged_same_id = r#"<Act Id="a">pay 1000</Act>"#;
        let forged_no_id = r#"<Act>pay 1000</Act>"#;
        let into_signature = |forged: &str, wrapper: (&str, &str)| {
            xml.replacen(GENUINE, forged, 1).replacen(
                "</ds:Signature>",
                &format!("{}{GENUINE}{}</ds:Signature>", wrapper.0, wrapper.1),
                1,
            )
        };
        let attacks = [
            // Moved into a wrapper, a forged sibling with the same Id in its place.
            (
                "wrapper, same Id",
                xml.replacen(
                    GENUINE,
                    &format!("{forged_same_id}<Wrapper>{GENUINE}</Wrapper>"),
                    1,
                ),
            ),
            // Moved into a wrapper, a forgery without Id where the application looks.
            (
                "wrapper, no Id",
                xml.replacen(
                    GENUINE,
                    &format!("{forged_no_id}<Wrapper>{GENUINE}</Wrapper>"),
                    1,
                ),
            ),
            // Moved into a ds:Object of the Signature.
            (
                "Object, same Id",
                into_signature(forged_same_id, ("<ds:Object>", "</ds:Object>")),
            ),
            (
                "Object, no Id",
                into_signature(forged_no_id, ("<ds:Object>", "</ds:Object>")),
            ),
            // Moved into the Signature element itself.
            ("Signature, same Id", into_signature(forged_same_id, ("", ""))),
            ("Signature, no Id", into_signature(forged_no_id, ("", ""))),
            // A forged sibling with the same Id after the genuine one.
            (
                "sibling, same Id",
                xml.replacen(GENUINE, &format!("{GENUINE}{forged_same_id}"), 1),
            ),
            // A second, unsigned element appended.
            (
                "appended unsigned element",
                xml.replacen("</root>", r#"<Act Id="b">pay 1000</Act></root>"#, 1),
            ),
        ];
        for (name, attack) in attacks {
            assert_ne!(attack, xml, "{name}");
            let v = verify_pki(&attack);
            match v.status {
                Status::Valid => {
                    // Only the genuine element comes back, whatever else the document holds.
                    assert_eq!(v.references.len(), 1, "{name}");
                    assert_eq!(v.references[0].canonical, GENUINE.as_bytes(), "{name}");
                    let el = v.references[0].element.as_ref().unwrap();
                    assert_eq!(el.local_name, "Act", "{name}");
                    assert_eq!(el.id.as_deref(), Some("a"), "{name}");
                    let text = String::from_utf8_lossy(&v.references[0].canonical);
                    assert!(text.contains(">pay 10</Act>"), "{name}: {text}");
                }
                _ => assert!(
                    v.has(|f| matches!(f, XmlFinding::DuplicateId { .. })),
                    "{name}: {}",
                    report(&v)
                ),
            }
            // Every same-Id forgery is refused outright.
            if name.contains("same Id") {
                assert_eq!(v.status, Status::Invalid, "{name}");
            }
        }

        // URI="": anything added to the document breaks the digest.
        let whole = signed_act(None);
        assert_eq!(verify_pki(&whole).status, Status::Valid);
        let appended = whole.replacen("</root>", "<Act>pay 1000</Act></root>", 1);
        let v = verify_pki(&appended);
        assert_eq!(v.status, Status::Invalid);
        assert!(v.has(|f| matches!(f, XmlFinding::DigestMismatch { .. })));
    }

    /// HMAC (CVE-2009-0217 truncation included) is never accepted without a caller key: a
    /// signature switched to a truncated HMAC is not valid.
    #[test]
    fn hmac_truncation_is_not_accepted() {
        let xml = signed_act(Some("a"));
        let start = xml.find("<ds:SignatureMethod").unwrap();
        let end = start + xml[start..].find("/>").unwrap() + 2;
        let start_value = xml.find("<ds:SignatureValue>").unwrap() + "<ds:SignatureValue>".len();
        let end_value = xml.find("</ds:SignatureValue>").unwrap();
        let forged = format!(
            "{}<ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#hmac-sha256\">\
             <ds:HMACOutputLength>8</ds:HMACOutputLength></ds:SignatureMethod>{}AA=={}",
            &xml[..start],
            &xml[end..start_value],
            &xml[end_value..]
        );
        let v = verify_pki(&forged);
        assert_ne!(v.status, Status::Valid, "{}", report(&v));
        assert!(v.has(|f| matches!(f, XmlFinding::Unsupported { .. })));
    }

    /// KeyInfo that names the signer's certificate (X509IssuerSerial, X509SKI,
    /// X509SubjectName) instead of carrying it: the certificate is found among the caller's
    /// untrusted certificates, then verified and validated like any other.
    #[test]
    fn key_info_references_find_caller_certificates() {
        let leaf = cert("pki/leaf-rsa.pem");
        let o = SignOptions {
            include_chain: false,
            ..SignOptions::default()
        };
        let signed = String::from_utf8(
            sign_with("pki/leaf-rsa.key.pem", "pki/leaf-rsa.pem", ACT.as_bytes(), &o).unwrap(),
        )
        .unwrap();
        let start = signed.find("<ds:X509Data>").unwrap() + "<ds:X509Data>".len();
        let end = signed.find("</ds:X509Data>").unwrap();
        let with = |inner: &str| format!("{}{inner}{}", &signed[..start], &signed[end..]);
        // RFC 4514 order (most specific first), as other tools write it.
        let rfc4514 = |display: String| {
            let mut parts: Vec<String> = display.split(", ").map(str::to_owned).collect();
            parts.reverse();
            parts.join(",")
        };
        let serial = u128::from_str_radix(&leaf.serial_hex(), 16).unwrap();
        let ski = base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            leaf.extensions().subject_key_id.as_ref().unwrap(),
        );
        let issuer_serial = |serial: u128| {
            format!(
                "<ds:X509IssuerSerial><ds:X509IssuerName>{}</ds:X509IssuerName>\
                 <ds:X509SerialNumber>{serial}</ds:X509SerialNumber></ds:X509IssuerSerial>",
                rfc4514(leaf.issuer().to_string())
            )
        };
        let (trust, _, crls) = test_pki();
        let pool = vec![cert("pki/intermediate-ca.pem"), leaf.clone()];
        let check = |xml: &str, pool: &[Certificate]| -> XmlVerification {
            verify(provider(), xml.as_bytes(), &trust, pool, &crls, &pki_options()).unwrap()
        };
        for (name, inner) in [
            ("issuer-serial", issuer_serial(serial)),
            ("ski", format!("<ds:X509SKI>{ski}</ds:X509SKI>")),
            (
                "subject-name",
                format!(
                    "<ds:X509SubjectName>{}</ds:X509SubjectName>",
                    rfc4514(leaf.subject().to_string())
                ),
            ),
        ] {
            let xml = with(&inner);
            assert!(!xml.contains("X509Certificate"), "{name}");
            let v = check(&xml, &pool);
            assert_eq!(v.status, Status::Valid, "{name}: {}", report(&v));
            assert_eq!(v.signer.as_ref().unwrap().der(), leaf.der(), "{name}");
            // Without the certificate among the caller's, there is no key.
            let v = check(&xml, &pool[..1]);
            assert_eq!(v.status, Status::Indeterminate, "{name}: {}", report(&v));
            assert!(v.has(|f| matches!(f, XmlFinding::NoKey)), "{name}");
        }
        // A serial number that designates no certificate.
        let v = check(&with(&issuer_serial(serial + 1)), &pool);
        assert!(v.has(|f| matches!(f, XmlFinding::NoKey)), "{}", report(&v));
        // A designated certificate whose key did not sign: not valid.
        let ec = cert("pki/leaf-ecdsa-p256.pem");
        let ec_ski = base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            ec.extensions().subject_key_id.as_ref().unwrap(),
        );
        let v = check(
            &with(&format!("<ds:X509SKI>{ec_ski}</ds:X509SKI>")),
            &[cert("pki/intermediate-ca.pem"), ec],
        );
        assert_eq!(v.status, Status::Invalid, "{}", report(&v));
    }


    /// xmlsec's OOXML samples: a Relationships part (detached, `relationship/…`) signed
    /// through the Relationships transform and C14N, verified with `part` as its content.
    fn relationship_case(file: &str, part: &[u8], legacy: bool) -> XmlVerification {
        let xml = xmlsec(&format!("aleksey-xmldsig-01/{file}"));
        let text = String::from_utf8_lossy(&xml);
        let uri = text
            .split("URI=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap()
            .to_owned();
        let mut o = opts(KeySource::KeyInfo, false);
        o.detached = vec![(uri, part.to_vec())];
        o.relationship_legacy = legacy;
        verify(provider(), &xml, &trust(&[CA]), &[], &[], &o).unwrap()
    }

    fn relationship_part(name: &str) -> String {
        String::from_utf8(xmlsec(&format!("aleksey-xmldsig-01/relationship/{name}"))).unwrap()
    }

    /// The transform selects `rId1` of a part with `rId1` and `rId3`: what it selects is
    /// signed (its Target, its TargetMode), what it does not select, and the white space,
    /// comments and order around, are not.
    #[test]
    fn relationship_transform_binds_selected_relationships() {
        let file = "enveloping-sha256-rsa-sha256-relationship-whitespace.xml";
        let part = relationship_part("whitespace-input.xml");
        let check = |content: &str, expected: Status, what: &str| {
            let v = relationship_case(file, content.as_bytes(), false);
            assert_eq!(v.status, expected, "{what}: {}", report(&v));
        };
        check(&part, Status::Valid, "as signed");
        check(
            &part.replacen("word/document.xml", "word/evil.xml", 1),
            Status::Invalid,
            "selected relationship's Target changed",
        );
        check(
            &part.replacen(
                "Target=\"word/document.xml\"",
                "Target=\"word/document.xml\" TargetMode=\"External\"",
                1,
            ),
            Status::Invalid,
            "selected relationship made external",
        );
        check(
            &part.replacen(
                "Target=\"word/document.xml\"",
                "Target=\"word/document.xml\" TargetMode=\"Internal\"",
                1,
            ),
            Status::Valid,
            "the default TargetMode written out",
        );
        check(
            &part.replacen("docProps/app.xml", "docProps/other.xml", 1),
            Status::Valid,
            "unselected relationship changed",
        );
        let added = "<Relationship Id=\"rId9\" Type=\"urn:x\" Target=\"x.xml\"/>";
        check(
            &part.replacen("</Relationships>", &format!("{added}</Relationships>"), 1),
            Status::Valid,
            "unselected relationship added",
        );
        let rid1 = part.find("<Relationship Id=\"rId1\"").unwrap();
        let rid3 = part.find("<Relationship Id=\"rId3\"").unwrap();
        let line_end = |at: usize| at + part[at..].find('\n').unwrap() + 1;
        let reordered = format!(
            "{}<!-- c -->{}{}\n\t{}",
            &part[..rid3],
            &part[rid1..line_end(rid1)],
            &part[rid3..line_end(rid3)],
            &part[line_end(rid1)..]
        );
        check(&reordered, Status::Valid, "reordered, a comment and white space");
        check(
            &part.replacen("rId1", "rId2", 1),
            Status::Invalid,
            "selected relationship gone",
        );
        let rid1_line = &part[rid1..line_end(rid1)];
        let doubled = part.replacen(
            "</Relationships>",
            &format!("{rid1_line}</Relationships>"),
            1,
        );
        check(&doubled, Status::Invalid, "selected Id twice");
        // Not a Relationships part at all: refused, never valid.
        let v = relationship_case(file, b"<a xmlns=\"urn:a\"/>", false);
        assert_ne!(v.status, Status::Valid, "{}", report(&v));
    }

    /// xmlsec's legacy mode (`--relationship-legacy`) signs what the standard drops (white
    /// space as `<text>` elements; the first namespace declaration as the default namespace):
    /// its signatures verify only with [`VerifyOptions::relationship_legacy`], and the
    /// standard's only without, where the part holds such content.
    #[test]
    fn relationship_legacy_is_a_distinct_mode() {
        for (file, part) in [
            (
                "enveloping-sha256-rsa-sha256-relationship-whitespace-legacy.xml",
                "whitespace-input.xml",
            ),
            ("enveloping-sha256-rsa-sha256-relationship-ns-legacy.xml", "ns-input.xml"),
        ] {
            let content = relationship_part(part);
            let legacy = relationship_case(file, content.as_bytes(), true);
            assert_eq!(legacy.status, Status::Valid, "{file}: {}", report(&legacy));
            let standard = relationship_case(file, content.as_bytes(), false);
            assert_eq!(standard.status, Status::Invalid, "{file}: {}", report(&standard));
            assert!(standard.has(|f| matches!(f, XmlFinding::DigestMismatch { .. })));
            let standard_file = file.replace("-legacy", "");
            let v = relationship_case(&standard_file, content.as_bytes(), true);
            assert_eq!(v.status, Status::Invalid, "{standard_file}: {}", report(&v));
            let v = relationship_case(&standard_file, content.as_bytes(), false);
            assert_eq!(v.status, Status::Valid, "{standard_file}: {}", report(&v));
        }
        // Legacy mode signs the white space between relationships: changing it breaks the
        // signature there, not in the standard mode.
        let part = relationship_part("whitespace-input.xml").replacen("\n  ", "\n    ", 1);
        let file = "enveloping-sha256-rsa-sha256-relationship-whitespace-legacy.xml";
        let v = relationship_case(file, part.as_bytes(), true);
        assert_eq!(v.status, Status::Valid, "text nodes count, not their content: {}", report(&v));
        let part = relationship_part("whitespace-input.xml").replacen("\n  ", "", 1);
        let v = relationship_case(file, part.as_bytes(), true);
        assert_eq!(v.status, Status::Invalid, "one text node fewer: {}", report(&v));
    }

}

/// Canonical XML 1.1 at the apex of a subtree: xml:lang and xml:space inherited as in 1.0,
/// xml:id not inherited, xml:base of the omitted ancestors joined with the apex's own
/// (C14N 1.1 §2.4); 1.0 copies every xml:* attribute the apex lacks.
#[test]
fn c14n11_xml_attribute_inheritance() {
    let doc = Document::parse(
        br#"<a xml:base="http://example.org/dir/" xml:id="x" xml:lang="en"><m xml:base="../other/" xml:space="preserve"><b xml:base="sub/"><c/></b><d/></m></a>"#,
    )
    .unwrap();
    let b = element_named(&doc, "b", 0);
    let d = element_named(&doc, "d", 0);
    let s =
        |m: &C14nMethod, apex| String::from_utf8(c14n(&doc, m, NodeSet::subtree(apex))).unwrap();
    assert_eq!(
        s(&INC11, b),
        r#"<b xml:base="http://example.org/other/sub/" xml:lang="en" xml:space="preserve"><c></c></b>"#
    );
    assert_eq!(
        s(&INC11, d),
        r#"<d xml:base="http://example.org/other/" xml:lang="en" xml:space="preserve"></d>"#
    );
    assert_eq!(
        s(&INC, b),
        r#"<b xml:base="sub/" xml:id="x" xml:lang="en" xml:space="preserve"><c></c></b>"#
    );
    // The whole document: no apex inheritance, 1.0 and 1.1 agree.
    assert_eq!(
        c14n(&doc, &INC11, NodeSet::DOCUMENT),
        c14n(&doc, &INC, NodeSet::DOCUMENT)
    );
    assert_eq!(C14nMethod::from_uri(INC11.uri()), Some(INC11));
}

/// xmldsig2ed-tests xpointer-1…6-SUN (xmlsec: success): Canonical XML 1.1 with comments under
/// `#xpointer(/)`, `#xpointer(id('e1ID'))` (comments kept), `""` and `#e1ID` (comments
/// dropped). Every Reference digest matches; the HMAC-SHA1 signature method is not supported
/// (no caller key), so the outcome is indeterminate, never valid.
#[test]
fn xpointer_sun_c14n11_digests() {
    let provider = CryptoProvider::all_compiled()[0];
    for i in 1..=6 {
        let file = format!("xmldsig2ed-tests/xpointer-{i}-SUN.xml");
        let mut o = opts(KeySource::KeyInfo, true);
        o.validation.hashes.allow_sha1 = true;
        let xml = xmlsec(&file);
        let v = verify(provider, &xml, &TrustStore::new(), &[], &[], &o).unwrap();
        assert!(!v.references.is_empty(), "{file}");
        for r in &v.references {
            let text = String::from_utf8_lossy(&r.canonical);
            assert!(r.digest_matches, "{file} {}: {text}", r.uri);
            if !r.uri.starts_with("#xpointer") {
                assert!(!text.contains("<!--"), "{file} {}: {text}", r.uri);
            }
        }
        assert_eq!(v.status, Status::Indeterminate, "{file}: {}", report(&v));
    }
}

/// With both backends compiled in, what one signs the other verifies (every algorithm both
/// can sign), and the signed bytes each hands back are the same.
#[test]
fn backends_verify_each_other() {
    let providers = CryptoProvider::all_compiled();
    if providers.len() < 2 {
        println!("SKIPPED: backends_verify_each_other: one backend compiled in");
        return;
    }
    let files = [
        ("pki/leaf-rsa.key.pem", "pki/leaf-rsa.pem"),
        ("pki/leaf-ecdsa-p256.key.pem", "pki/leaf-ecdsa-p256.pem"),
        ("pki/leaf-ed25519.key.pem", "pki/leaf-ed25519.pem"),
        (
            "gost/gost2012_256-A.key.pem",
            "gost/gost2012_256-A.cert.pem",
        ),
        (
            "gost/gost2012_512-C.key.pem",
            "gost/gost2012_512-C.cert.pem",
        ),
    ];
    let act = b"<Act xmlns=\"urn:signflow:test\" Id=\"act-17\"><Amount>1000.00</Amount></Act>";
    let mut checked = 0;
    for (key_file, cert_file) in files {
        let certificate = cert(cert_file);
        let mut trust_store = TrustStore::new();
        trust_store.add(certificate.clone());
        let mut o = VerifyOptions::at(UnixTime::from_utc(2027, 1, 1, 0, 0, 0));
        o.validation.revocation = RevocationMode::Off;
        o.key = KeySource::Certificate(Box::new(certificate.clone()));
        for signer in &providers {
            let key = signer
                .load_private_key_pem(std::str::from_utf8(&common::read(key_file)).unwrap())
                .unwrap();
            let signed = xml_sign(
                signer,
                &*key,
                &certificate,
                &[],
                act,
                &SignOptions::default(),
            )
            .unwrap();
            for verifier in &providers {
                let mut trust_store = trust_store.clone();
                if cert_file.starts_with("pki/") {
                    trust_store = trust(&["pki/root-ca.pem"]);
                }
                let inter = vec![cert("pki/intermediate-ca.pem")];
                let v = verify(verifier, &signed, &trust_store, &inter, &[], &o).unwrap();
                assert_eq!(
                    v.status,
                    Status::Valid,
                    "{key_file} signed by {}, verified by {}: {}",
                    signer.name,
                    verifier.name,
                    report(&v)
                );
                assert_eq!(v.references[0].canonical, act);
                checked += 1;
            }
        }
    }
    println!("cross-backend XML signatures checked: {checked}");
}

#[test]
fn provider_is_compiled() {
    assert!(!CryptoProvider::all_compiled().is_empty());
}

/// The deepest document accepted canonicalizes on a test thread's stack, and deeper ones are
/// refused whatever the limits say.
#[test]
fn depth_cap_holds() {
    let limits = ParseLimits {
        max_depth: usize::MAX,
        ..ParseLimits::default()
    };
    let n = signflow::xmldsig::MAX_DEPTH_CAP;
    let deep = "<a>".repeat(n) + &"</a>".repeat(n);
    let doc = Document::parse_with(deep.as_bytes(), &limits).unwrap();
    assert_eq!(c14n(&doc, &INC, NodeSet::DOCUMENT), deep.as_bytes());
    let deeper = "<a>".repeat(n + 1) + &"</a>".repeat(n + 1);
    assert!(matches!(
        Document::parse_with(deeper.as_bytes(), &limits),
        Err(XmlError::Limit(_))
    ));
}

#[test]
fn undeclared_prefix_is_malformed() {
    assert!(matches!(
        Document::parse(b"<x:a/>"),
        Err(XmlError::Malformed(_))
    ));
    assert!(matches!(
        Document::parse(b"<a y:b='1'/>"),
        Err(XmlError::Malformed(_))
    ));
    assert!(Document::parse(b"<a xml:lang='en' xmlns:y='urn:y' y:b='1'/>").is_ok());
}

/// Names the tokenizer lets through are checked: `<<//>` (found by the xml_c14n fuzz target)
/// was an element named `<` whose canonical form did not parse again.
#[test]
fn names_that_are_not_xml_names_are_malformed() {
    for bad in [
        &b"<<//>"[..],
        b"<a><?1x?></a>",
        b"<a xmlns:1='urn:u'/>",
        b"<a 1b='x'/>",
        b"<a><-b/></a>",
    ] {
        let shown = String::from_utf8_lossy(bad);
        assert!(
            matches!(Document::parse(bad), Err(XmlError::Malformed(_))),
            "{shown}"
        );
    }
    for good in [
        "<élément x.y-z='1' _a='2'/>".as_bytes(),
        b"<a><?pi-1 d?></a>",
        b"<a xmlns:b.c='urn:u' b.c:d='1'/>",
    ] {
        assert!(
            Document::parse(good).is_ok(),
            "{}",
            String::from_utf8_lossy(good)
        );
    }
}

/// A second byte-order mark (xmldsig_verify fuzz find: quick-xml skipped it and the text
/// positions it reported after it no longer fitted the input) is a character before the root.
#[test]
fn second_byte_order_mark_is_malformed() {
    let twice = b"\xef\xbb\xbf\xef\xbb\xbf>\n";
    assert!(matches!(
        Document::parse(twice),
        Err(XmlError::Malformed(_))
    ));
    let twice_with_root = b"\xef\xbb\xbf\xef\xbb\xbf<a/>";
    assert!(matches!(
        Document::parse(twice_with_root),
        Err(XmlError::Malformed(_))
    ));
    assert!(
        Document::parse(b"\xef\xbb\xbf<a/>").is_ok(),
        "one is allowed"
    );
}

/// DER, or the DER inside PEM.
fn pem_or_der(bytes: Vec<u8>) -> Vec<u8> {
    use base64::Engine;
    match std::str::from_utf8(&bytes) {
        Ok(t) if t.contains("-----BEGIN") => base64::engine::general_purpose::STANDARD
            .decode(
                t.lines()
                    .filter(|l| !l.starts_with("-----"))
                    .collect::<String>(),
            )
            .unwrap(),
        _ => bytes,
    }
}

/// HMAC keys carried encrypted in KeyInfo (xmlsec's merlin-xmlenc-five and ML-KEM cases): each
/// kind opens with the right key-decryption key and verifies; without one, with a wrong one or
/// on a tampered document the result is not valid, and says why.
#[test]
fn encrypted_hmac_keys() {
    use signflow::pki::pkcs12::Pkcs12;
    use signflow::xmldsig::KeyDecryptionKey;

    let provider = CryptoProvider::all_compiled()[0];
    let none = TrustStore::new();
    let with = |keys: Vec<KeyDecryptionKey>| {
        let mut o = opts(KeySource::KeyInfo, true);
        o.detached = vec![(
            "http://www.w3.org/TR/xml-stylesheet".into(),
            xmlsec("external-data/xml-stylesheet-2005"),
        )];
        o.key_decryption = keys;
        o
    };
    let check = |xml: &[u8], keys: Vec<KeyDecryptionKey>| {
        let v = verify(provider, xml, &none, &[], &[], &with(keys)).unwrap();
        let findings: Vec<XmlFinding> = v.findings.into_iter().map(|f| f.finding).collect();
        (v.status, findings)
    };
    let encrypted = |f: &[XmlFinding]| {
        f.iter()
            .any(|f| matches!(f, XmlFinding::EncryptedHmacKey { .. }))
    };
    let failed = |f: &[XmlFinding], what: &str| {
        f.iter().any(
            |f| matches!(f, XmlFinding::KeyDecryptionFailed { reason } if reason.contains(what)),
        )
    };

    // Symmetric key wraps: the keys of xmlsec's keys.xml, bound to their KeyNames.
    let named = |name: &str, key: &[u8]| KeyDecryptionKey::symmetric(key).with_name(name);
    let wraps = [
        (
            "encsig-ripemd160-hmac-ripemd160-kw-tripledes.xml",
            "bob",
            &b"abcdefghijklmnopqrstuvwx"[..],
        ),
        (
            "encsig-sha256-hmac-sha256-kw-aes128.xml",
            "job",
            &b"abcdefghijklmnop"[..],
        ),
        (
            "encsig-sha384-hmac-sha384-kw-aes192.xml",
            "jeb",
            &b"abcdefghijklmnopqrstuvwx"[..],
        ),
        (
            "encsig-sha512-hmac-sha512-kw-aes256.xml",
            "jed",
            &b"abcdefghijklmnopqrstuvwxyz012345"[..],
        ),
    ];
    for (file, name, key) in wraps {
        let xml = xmlsec(&format!("merlin-xmlenc-five/{file}"));
        let (status, f) = check(&xml, vec![named(name, key)]);
        if !cfg!(feature = "extra-algorithms") && file.contains("ripemd160") {
            // RIPEMD-160 is refused as unsupported before any key is opened.
            assert_eq!(status, Status::Indeterminate, "{file}: {f:?}");
            assert!(
                f.iter()
                    .any(|f| matches!(f, XmlFinding::Unsupported { what }
                    if what.contains("enable the `extra-algorithms` feature"))),
                "{file}: {f:?}"
            );
            continue;
        }
        assert_eq!(status, Status::Valid, "{file}: {f:?}");
        assert!(encrypted(&f), "{file}");
        // A wrong key of the right size: the wrap's integrity check refuses it. (Not the
        // lowest bit: DES ignores it, a parity bit.)
        let mut wrong = key.to_vec();
        wrong[0] ^= 0x80;
        let (status, f) = check(&xml, vec![named(name, &wrong)]);
        assert_eq!(status, Status::Indeterminate, "{file}: {f:?}");
        assert!(failed(&f, "wrong key or altered"), "{file}: {f:?}");
        // The right key under another name is not used; no key at all is no key.
        let (status, f) = check(&xml, vec![named("someone-else", key)]);
        assert!(failed(&f, "no key-decryption key") && status != Status::Valid);
        let (status, _) = check(&xml, vec![]);
        assert_eq!(status, Status::Indeterminate);
        // The wrapped key altered.
        let text = String::from_utf8(xml.clone()).unwrap();
        let start = text.find("<CipherValue>").unwrap() + "<CipherValue>".len();
        let at = start
            + text[start..]
                .find(|c: char| c.is_ascii_alphanumeric())
                .unwrap();
        let mut tampered = xml.clone();
        tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
        let (status, f) = check(&tampered, vec![named(name, key)]);
        assert_ne!(status, Status::Valid, "{file}: {f:?}");
    }

    // RSA key transport (PKCS#1 v1.5 and OAEP with OAEPparams), the key from a PKCS#12.
    let p12 = Pkcs12::from_der(&xmlsec("merlin-xmlenc-five/rsapriv.p12"), "secret").unwrap();
    let rsa = KeyDecryptionKey::from_pkcs8_der(&p12.private_keys()[0].pkcs8_der).unwrap();
    let other_rsa =
        KeyDecryptionKey::from_pkcs8_der(&pem_or_der(common::read("pki/leaf-rsa.key.pem")))
            .unwrap();
    for file in [
        "encsig-hmac-sha256-rsa-1_5.xml",
        "encsig-hmac-sha256-rsa-oaep-mgf1p.xml",
    ] {
        let xml = xmlsec(&format!("merlin-xmlenc-five/{file}"));
        let (status, f) = check(&xml, vec![rsa.clone()]);
        assert_eq!(status, Status::Valid, "{file}: {f:?}");
        assert!(encrypted(&f));
        let (status, f) = check(&xml, vec![other_rsa.clone()]);
        assert_ne!(status, Status::Valid, "{file}: {f:?}");
        // A tampered SignedInfo: the key opens, the HMAC does not match.
        let tampered = String::from_utf8(xml.clone()).unwrap().replace(
            "60NvZvtdTB+7UnlLp/H24p7h4bs=",
            "70NvZvtdTB+7UnlLp/H24p7h4bs=",
        );
        let (status, f) = check(tampered.as_bytes(), vec![rsa.clone()]);
        assert_eq!(status, Status::Invalid, "{file}: {f:?}");
    }

    // A caller's HMAC key takes precedence over key decryption.
    let xml = xmlsec("aleksey-xmldsig-01/enveloping-sha256-hmac-sha256-em-ml-kem-512.xml");
    let mut o = with(vec![]);
    o.key = KeySource::Hmac(signflow::xmldsig::HmacKey::new(vec![0u8; 32]));
    let v = verify(provider, &xml, &none, &[], &[], &o).unwrap();
    assert_eq!(v.status, Status::Invalid);

    if cfg!(feature = "extra-algorithms") {
        encrypted_hmac_keys_ml_kem(check, failed, encrypted);
    } else {
        // Without the feature ML-KEM keys are refused, and so are ML-KEM encrypted keys.
        for n in ["512", "768", "1024"] {
            let der = pem_or_der(xmlsec(&format!("keys/ml-kem/ml-kem-{n}-key.der")));
            let e = KeyDecryptionKey::from_pkcs8_der(&der).unwrap_err();
            assert!(e.to_string().contains("`extra-algorithms`"), "{e}");
        }
        let (status, f) = check(&xml, vec![KeyDecryptionKey::symmetric(vec![0u8; 32])]);
        assert_eq!(status, Status::Indeterminate, "{f:?}");
        assert!(failed(&f, "enable the `extra-algorithms` feature"), "{f:?}");
    }
}

/// The ML-KEM part of [`encrypted_hmac_keys`] (feature `extra-algorithms`).
fn encrypted_hmac_keys_ml_kem(
    check: impl Fn(&[u8], Vec<signflow::xmldsig::KeyDecryptionKey>) -> (Status, Vec<XmlFinding>),
    failed: impl Fn(&[XmlFinding], &str) -> bool,
    encrypted: impl Fn(&[XmlFinding]) -> bool,
) {
    use signflow::xmldsig::KeyDecryptionKey;
    // ML-KEM: the decapsulated shared secret is the HMAC key.
    for n in ["512", "768", "1024"] {
        let xml = xmlsec(&format!(
            "aleksey-xmldsig-01/enveloping-sha256-hmac-sha256-em-ml-kem-{n}.xml"
        ));
        let key = KeyDecryptionKey::from_pkcs8_der(&pem_or_der(xmlsec(&format!(
            "keys/ml-kem/ml-kem-{n}-key.der"
        ))))
        .unwrap()
        .with_name(format!("TestKeyName-ml-kem-{n}"));
        let (status, f) = check(&xml, vec![key.clone()]);
        assert_eq!(status, Status::Valid, "ml-kem-{n}: {f:?}");
        assert!(encrypted(&f));
        // The signed Object changed.
        let tampered = String::from_utf8(xml.clone())
            .unwrap()
            .replace(">some text<", ">some other text<");
        let (status, _) = check(tampered.as_bytes(), vec![key]);
        assert_eq!(status, Status::Invalid);
    }
    // Another ML-KEM-512 key (from a seed, PKCS#8 seed form): decapsulation "succeeds" with a
    // different secret (implicit rejection), so the HMAC does not match.
    let mut seed_pkcs8 = vec![
        0x30, 0x54, 0x02, 0x01, 0x00, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03,
        0x04, 0x04, 0x01, 0x04, 0x42, 0x80, 0x40,
    ];
    seed_pkcs8.extend([7u8; 64]);
    let other = KeyDecryptionKey::from_pkcs8_der(&seed_pkcs8).unwrap();
    let xml = xmlsec("aleksey-xmldsig-01/enveloping-sha256-hmac-sha256-em-ml-kem-512.xml");
    let (status, f) = check(&xml, vec![other]);
    assert_eq!(status, Status::Invalid, "{f:?}");
    assert!(f.contains(&XmlFinding::SignatureMismatch));
    // A key of another parameter set does not fit.
    let k768 = KeyDecryptionKey::from_pkcs8_der(&xmlsec("keys/ml-kem/ml-kem-768-key.der")).unwrap();
    let (status, f) = check(&xml, vec![k768]);
    assert_eq!(status, Status::Indeterminate);
    assert!(failed(&f, "no key-decryption key"), "{f:?}");
}
