//! XML in encodings other than UTF-8 (windows-1251, KOI8-R, ISO-8859-5, UTF-16): documents
//! xmlsec1 signed verify in signflow, documents signflow signs keep their encoding and verify
//! in xmlsec1, and an encoding signflow cannot read is a format error. The samples and their
//! generator: testdata/xmldsig/encodings/generate.sh.

mod common;

use signflow::crypto::CryptoProvider;
use signflow::pki::{Certificate, Crl, Status, TrustStore, UnixTime};
use signflow::xmldsig::{
    SignOptions, VerifyOptions, XmlError, XmlFinding, XmlText, sign as xml_sign, verify,
};

/// The samples: file stem, the encoding signflow reports, and how the generator's `iconv` encoded
/// the text (to find and alter encoded words in tests).
const ENCODINGS: [(&str, &str); 4] = [
    ("windows-1251", "windows-1251"),
    ("koi8-r", "KOI8-R"),
    ("iso-8859-5", "ISO-8859-5"),
    ("utf-16", "UTF-16LE"),
];

/// Text in source.xml, the document every sample holds.
const NOTE: &str = "Съешь же ещё этих мягких французских булок, да выпей чаю. Ёлка!";

fn cert(rel: &str) -> Certificate {
    Certificate::all_from_pem_or_der(&common::read(rel))
        .unwrap()
        .remove(0)
}

fn test_pki() -> (TrustStore, Vec<Certificate>, Vec<Crl>) {
    let mut trust = TrustStore::new();
    trust.add(cert("pki/root-ca.pem"));
    let inter = vec![cert("pki/intermediate-ca.pem")];
    let mut crls = Crl::all_from_pem_or_der(&common::read("pki/root-ca.crl.pem")).unwrap();
    crls.extend(Crl::all_from_pem_or_der(&common::read("pki/intermediate-ca.crl.pem")).unwrap());
    (trust, inter, crls)
}

fn options() -> VerifyOptions {
    VerifyOptions::at(UnixTime::from_utc(2027, 1, 1, 0, 0, 0))
}

/// `text` encoded as the sample `stem` is (UTF-16: little-endian, no byte-order mark).
fn encoded(stem: &str, text: &str) -> Vec<u8> {
    if stem == "utf-16" {
        return text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    }
    let label = if stem == "koi8-r" { "KOI8-R" } else { stem };
    let (bytes, _, unmappable) = encoding_rs_free::encode(label, text);
    assert!(!unmappable);
    bytes
}

/// Single-byte encoders for the test's own use, independent of the library's tables: the
/// Cyrillic letters of each code page by their published layout.
mod encoding_rs_free {
    pub fn encode(label: &str, text: &str) -> (Vec<u8>, (), bool) {
        let mut unmappable = false;
        let bytes = text
            .chars()
            .map(|c| {
                if c.is_ascii() {
                    return c as u8;
                }
                let b = match label {
                    "windows-1251" => windows_1251(c),
                    "iso-8859-5" => iso_8859_5(c),
                    "KOI8-R" => koi8_r(c),
                    _ => None,
                };
                b.unwrap_or_else(|| {
                    unmappable = true;
                    b'?'
                })
            })
            .collect();
        (bytes, (), unmappable)
    }
    fn offset(c: char) -> Option<u8> {
        // А..я (U+0410..U+044F) as 0..63.
        let n = u32::from(c).checked_sub(0x410)?;
        (n < 64).then_some(n as u8)
    }
    fn windows_1251(c: char) -> Option<u8> {
        match c {
            'Ё' => Some(0xA8),
            'ё' => Some(0xB8),
            c => offset(c).map(|n| 0xC0 + n),
        }
    }
    fn iso_8859_5(c: char) -> Option<u8> {
        match c {
            'Ё' => Some(0xA1),
            'ё' => Some(0xF1),
            c => offset(c).map(|n| 0xB0 + n),
        }
    }
    fn koi8_r(c: char) -> Option<u8> {
        // KOI8-R orders the letters by their Latin transliteration: lower case at 0xC0, upper
        // case at 0xE0.
        const ORDER: &str = "юабцдефгхийклмнопярстужвьызшэщчъ";
        match c {
            'Ё' => Some(0xB3),
            'ё' => Some(0xA3),
            c => {
                let lower = c.to_lowercase().next()?;
                let i = ORDER.chars().position(|o| o == lower)? as u8;
                Some(if lower == c { 0xC0 + i } else { 0xE0 + i })
            }
        }
    }
}

/// `doc` (windows-1251) with the first "windows-1251" (its declaration's) replaced by `label`.
fn relabel(doc: &[u8], label: &str) -> Vec<u8> {
    let from = b"windows-1251";
    let at = doc.windows(from.len()).position(|w| w == from).unwrap();
    let mut out = doc[..at].to_vec();
    out.extend_from_slice(label.as_bytes());
    out.extend_from_slice(&doc[at + from.len()..]);
    out
}

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

/// `xmlsec1 --verify` of `file` against the test root and intermediate: (accepted, stderr).
fn xmlsec1_verify(file: &std::path::Path) -> (bool, String) {
    let out = std::process::Command::new("xmlsec1")
        .arg("--verify")
        .arg("--trusted-pem")
        .arg(common::testdata("pki/root-ca.pem"))
        .arg("--untrusted-pem")
        .arg(common::testdata("pki/intermediate-ca.pem"))
        .args(["--enabled-key-data", "x509"])
        .arg(file)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn samples_are_in_their_encodings() {
    // What the generator wrote is what the tests assume: the note, encoded by the tests' own
    // tables, is in each unsigned document.
    for (stem, name) in ENCODINGS {
        let doc = common::read(&format!("xmldsig/encodings/document-{stem}.xml"));
        let note = encoded(stem, NOTE);
        assert!(
            doc.windows(note.len()).any(|w| w == note),
            "document-{stem}.xml does not hold the note in {name}"
        );
        let text = XmlText::decode(&doc, &Default::default()).unwrap();
        assert_eq!(text.encoding(), name);
        assert!(text.is_transcoded());
        assert!(text.as_str().contains(NOTE));
        // Memory: the UTF-8 text is within a small factor of the input.
        assert!(text.as_str().len() <= 3 * doc.len());
    }
}

per_provider! {

    fn sign_rsa(input: &[u8]) -> Result<Vec<u8>, signflow::xmldsig::SignError> {
        let p: &CryptoProvider = provider();
        let key = p
            .load_private_key_pem(
                std::str::from_utf8(&common::read("pki/leaf-rsa.key.pem")).unwrap(),
            )
            .unwrap();
        let chain = vec![cert("pki/intermediate-ca.pem")];
        xml_sign(p, &*key, &cert("pki/leaf-rsa.pem"), &chain, input, &SignOptions::default())
    }

    /// xmlsec1's signatures over each encoding verify; what was signed is the same UTF-8
    /// canonical document whatever the encoding (exclusive C14N drops the declaration and the
    /// comment naming the encoding); a word changed in the encoded bytes breaks the digest.
    #[test]
    fn xmlsec1_signed_documents_verify() {
        let (trust, inter, crls) = test_pki();
        let mut canonical = Vec::new();
        for (stem, _) in ENCODINGS {
            let xml = common::read(&format!("xmldsig/encodings/xmlsec1-signed-{stem}.xml"));
            let v = verify(provider(), &xml, &trust, &inter, &crls, &options()).unwrap();
            assert_eq!(v.status, Status::Valid, "{stem}: {:?}", v.findings);
            let signed = String::from_utf8(v.references[0].canonical.clone()).unwrap();
            assert!(signed.contains(NOTE), "{stem}: {signed}");
            assert!(signed.contains("Подписант=\"Иванов И. И.\""), "{stem}: {signed}");
            canonical.push(signed);

            let (from, to) = (encoded(stem, "булок"), encoded(stem, "булка"));
            let at = xml.windows(from.len()).position(|w| w == from).unwrap();
            let mut tampered = xml.clone();
            tampered.splice(at..at + from.len(), to);
            let v = verify(provider(), &tampered, &trust, &inter, &crls, &options()).unwrap();
            assert_eq!(v.status, Status::Invalid, "{stem}");
            assert!(v.has(|f| matches!(f, XmlFinding::DigestMismatch { .. })));
        }
        assert!(canonical.windows(2).all(|w| w[0] == w[1]), "{canonical:#?}");
    }

    /// signflow signs each document in its own encoding: the document's bytes are kept (the
    /// Signature goes in before `</Act>`, encoded like the rest), the result verifies in
    /// signflow and, where xmlsec1 is installed, in `xmlsec1 --verify`, which refuses a
    /// tampered copy.
    #[test]
    fn signflow_signs_in_the_documents_encoding() {
        let (trust, inter, crls) = test_pki();
        let dir = tempfile::tempdir().unwrap();
        let xmlsec1 = xmlsec1_available("signflow_signs_in_the_documents_encoding (xmlsec1 part)");
        for (stem, name) in ENCODINGS {
            let input = common::read(&format!("xmldsig/encodings/document-{stem}.xml"));
            let signed = sign_rsa(&input).unwrap();
            let end = encoded(stem, "</Act>");
            let at = input.windows(end.len()).rposition(|w| w == end).unwrap();
            assert!(signed.starts_with(&input[..at]), "{stem}: the document was not kept");
            assert!(signed.ends_with(&input[at..]), "{stem}");
            assert_eq!(XmlText::decode(&signed, &Default::default()).unwrap().encoding(), name);

            let v = verify(provider(), &signed, &trust, &inter, &crls, &options()).unwrap();
            assert_eq!(v.status, Status::Valid, "{stem}: {:?}", v.findings);
            assert!(String::from_utf8_lossy(&v.references[0].canonical).contains(NOTE));

            if xmlsec1 {
                let file = dir.path().join(format!("{stem}.xml"));
                std::fs::write(&file, &signed).unwrap();
                let (ok, err) = xmlsec1_verify(&file);
                assert!(ok, "{stem}: xmlsec1 refused signflow's signature:\n{err}");
                let (from, to) = (encoded(stem, "булок"), encoded(stem, "булка"));
                let at = signed.windows(from.len()).position(|w| w == from).unwrap();
                let mut tampered = signed.clone();
                tampered.splice(at..at + from.len(), to);
                std::fs::write(&file, &tampered).unwrap();
                assert!(!xmlsec1_verify(&file).0, "{stem}: xmlsec1 accepted a tampered copy");
            }
        }
    }

    /// Live: xmlsec1 signs each template now, signflow verifies.
    #[test]
    fn xmlsec1_live_sign_then_verify() {
        if !xmlsec1_available("xmlsec1_live_sign_then_verify (encodings)") {
            return;
        }
        let (trust, inter, crls) = test_pki();
        let dir = tempfile::tempdir().unwrap();
        for (stem, _) in ENCODINGS {
            let out = dir.path().join(format!("{stem}.xml"));
            let key = format!(
                "{},{}",
                common::testdata("pki/leaf-rsa.key.pem").display(),
                common::testdata("pki/leaf-rsa.pem").display()
            );
            let template = common::testdata(&format!("xmldsig/encodings/template-{stem}.xml"));
            // The UTF-16 and ISO-8859-5 templates name ECDSA: sign those with the EC leaf.
            let ec = format!(
                "{},{}",
                common::testdata("pki/leaf-ecdsa-p256.key.pem").display(),
                common::testdata("pki/leaf-ecdsa-p256.pem").display()
            );
            let key = if matches!(stem, "utf-16" | "iso-8859-5") { ec } else { key };
            let status = std::process::Command::new("xmlsec1")
                .args(["--sign", "--privkey-pem", &key, "--output"])
                .arg(&out)
                .arg(&template)
                .status()
                .unwrap();
            assert!(status.success(), "{stem}");
            let signed = std::fs::read(&out).unwrap();
            let v = verify(provider(), &signed, &trust, &inter, &crls, &options()).unwrap();
            assert_eq!(v.status, Status::Valid, "{stem}: {:?}", v.findings);
        }
    }

    /// An encoding signflow has no table for, bytes invalid in the declared encoding, and a
    /// declaration that contradicts the byte-order mark: format errors, for verify and sign.
    #[test]
    fn unreadable_encodings_are_format_errors() {
        let (trust, inter, crls) = test_pki();
        let sample = common::read("xmldsig/encodings/xmlsec1-signed-windows-1251.xml");
        let relabel = |label: &str| relabel(&sample, label);
        let unknown = relabel("x-klingon");
        let e = verify(provider(), &unknown, &trust, &inter, &crls, &options()).unwrap_err();
        assert!(matches!(&e, XmlError::UnsupportedEncoding(l) if l == "x-klingon"), "{e}");
        assert!(e.is_format_error());
        assert!(sign_rsa(&unknown).is_err());
        // Cyrillic windows-1251 bytes are not UTF-8 (a document saying nothing is UTF-8).
        let utf8 = relabel("UTF-8");
        let e = verify(provider(), &utf8, &trust, &inter, &crls, &options()).unwrap_err();
        assert!(matches!(e, XmlError::Encoding(_)), "{e}");
        // US-ASCII has no byte above 0x7F.
        let ascii = relabel("US-ASCII");
        let e = verify(provider(), &ascii, &trust, &inter, &crls, &options()).unwrap_err();
        assert!(matches!(e, XmlError::Encoding(_)), "{e}");
        // A UTF-16 byte-order mark before a declaration that says windows-1251.
        let doc = "<?xml version=\"1.0\" encoding=\"windows-1251\"?><a/>";
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(doc.encode_utf16().flat_map(u16::to_le_bytes));
        let e = verify(provider(), &utf16, &trust, &inter, &crls, &options()).unwrap_err();
        assert!(matches!(e, XmlError::Encoding(_)), "{e}");
    }
}

/// `signflow verify xml` and `sign xml` on encoded documents: the exit statuses.
#[cfg(feature = "cli")]
#[test]
fn cli_verifies_and_signs_encoded_documents() {
    let run = |args: &[&std::ffi::OsStr]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_signflow"))
            .args(args)
            .output()
            .unwrap()
    };
    let td = |rel: &str| common::testdata(rel).into_os_string();
    let dir = tempfile::tempdir().unwrap();
    let verify_args = |file: &std::ffi::OsStr| {
        vec![
            std::ffi::OsString::from("verify"),
            "xml".into(),
            file.to_owned(),
            "--trust".into(),
            td("pki/root-ca.pem"),
            "--untrusted".into(),
            td("pki/intermediate-ca.pem"),
            "--no-revocation".into(),
            "--at".into(),
            "2027-01-01T00:00:00Z".into(),
        ]
    };
    fn refs(v: &[std::ffi::OsString]) -> Vec<&std::ffi::OsStr> {
        v.iter().map(|s| s.as_os_str()).collect()
    }
    for (stem, _) in ENCODINGS {
        let sample = td(&format!("xmldsig/encodings/xmlsec1-signed-{stem}.xml"));
        let out = run(&refs(&verify_args(&sample)));
        assert_eq!(
            out.status.code(),
            Some(0),
            "{stem}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let signed = dir.path().join(format!("{stem}.xml")).into_os_string();
        let out = run(&refs(&[
            "sign".into(),
            "xml".into(),
            td(&format!("xmldsig/encodings/document-{stem}.xml")),
            "-o".into(),
            signed.clone(),
            "--key".into(),
            td("pki/leaf-rsa.key.pem"),
            "--cert".into(),
            td("pki/leaf-rsa.pem"),
        ]));
        assert_eq!(
            out.status.code(),
            Some(0),
            "{stem}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = run(&refs(&verify_args(&signed)));
        assert_eq!(
            out.status.code(),
            Some(0),
            "{stem}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let unknown = relabel(
        &common::read("xmldsig/encodings/xmlsec1-signed-windows-1251.xml"),
        "x-klingon",
    );
    let file = dir.path().join("klingon.xml");
    std::fs::write(&file, unknown).unwrap();
    let out = run(&refs(&verify_args(file.as_os_str())));
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("x-klingon"));
}
