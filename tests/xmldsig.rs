//! XMLDSig: canonicalization against the W3C/xmlsec vectors, verification of xmlsec's signed
//! samples and of xmlsec1-made ones, tampering and wrapping attacks, parser refusals.

mod common;

use signflow::crypto::CryptoProvider;
use signflow::pki::{Certificate, Crl, RevocationMode, Status, TrustStore, UnixTime};
use signflow::xmldsig::{
    C14nMethod, Document, KeySource, NodeId, NodeSet, ParseLimits, VerifyOptions, XmlError,
    XmlFinding, XmlVerification, canonicalize, verify,
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

fn exc(prefixes: &[&str]) -> C14nMethod {
    C14nMethod::Exclusive {
        comments: false,
        inclusive_prefixes: prefixes.iter().map(|p| p.to_string()).collect(),
    }
}

/// merlin-c14n-three: the outputs whose node-set is a subtree (the others need XPath).
#[test]
fn merlin_c14n_three_subtrees() {
    let doc = Document::parse(&common::read(
        "xmldsig/c14n/merlin-c14n-three/signature.xml",
    ))
    .unwrap();
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
    o.allow_sha1 = allow_sha1;
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
    let f: Vec<String> = v.findings.iter().map(|f| f.to_string()).collect();
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
        o.validation.allow_sha1 = true;
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
            let outcome = verify(
                provider(),
                &xmlsec(file),
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

    /// enveloped-ecdsa-java-bug (dsig-cases.json: success): a P-521 key, which no backend
    /// supports — indeterminate, never valid and never invalid.
    #[test]
    fn unsupported_key_is_indeterminate() {
        let mut o = opts(KeySource::KeyInfo, false);
        o.validation.time = UnixTime::from_utc(2019, 1, 1, 0, 0, 0);
        let v = run(
            "aleksey-xmldsig-01/enveloped-ecdsa-java-bug.xml",
            &["xmldsig/xmlsec/keys/enveloped-ecdsa-java-bug-cert.pem"],
            &[],
            &o,
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
        let el = v.references[0].element.unwrap();
        assert_eq!(v.document.element(el).unwrap().local_name(), "Object");
        assert!(v.references[0].canonical.starts_with(b"<Object"));
    }

    /// merlin-exc-c14n-one: the four references (exclusive C14N with/without comments and
    /// PrefixList, `#xpointer(id(...))`) digest as the file says. Its DSA signature method is
    /// not supported, so the outcome is indeterminate.
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
        assert!(v.has(|f| matches!(f, XmlFinding::Unsupported { .. })));
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
        let Ok(out) = std::process::Command::new("xmlsec1")
            .arg("--version")
            .output()
        else {
            eprintln!("xmlsec1 not installed: live round trip skipped");
            return;
        };
        assert!(out.status.success());
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
        let v = verify(
            provider(),
            &std::fs::read(&signed).unwrap(),
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
