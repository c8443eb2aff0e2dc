//! PEM and DER input.
//!
//! Certificates, CRLs and keys arrive as DER or as PEM text that may hold several objects
//! (a chain, a bundle of trust anchors). [`decode_objects`] accepts both and returns each object's
//! label and DER, so callers never have to guess the format; [`identify`] tells what a DER (or
//! BER) object is by its structure alone, for messages that name what a file holds.

/// One object read from PEM (or DER, labelled `None`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PemObject {
    /// The PEM label (`CERTIFICATE`, `X509 CRL`, `PRIVATE KEY`, ...), `None` for raw DER input.
    pub label: Option<String>,
    /// The DER bytes.
    pub der: Vec<u8>,
}

/// Why PEM/DER input could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PemError {
    /// The input is empty.
    #[error("input is empty")]
    Empty,
    /// The input looks like PEM but a block is malformed.
    #[error("PEM block {index} is malformed: {reason}")]
    Malformed {
        /// Zero-based index of the block.
        index: usize,
        /// What was wrong.
        reason: String,
    },
    /// The input is neither PEM nor DER (it does not start with a SEQUENCE).
    #[error("input is neither PEM text nor DER (first byte 0x{0:02x})")]
    NotPemOrDer(u8),
    /// A block has a label other than the ones the caller accepts.
    #[error("expected {expected}, found a \"{found}\" PEM block")]
    UnexpectedLabel {
        /// What the caller accepts.
        expected: &'static str,
        /// The label found.
        found: String,
    },
}

use der::asn1::AnyRef;
use der::{Decode as _, Tagged as _};

const BEGIN: &[u8] = b"-----BEGIN ";
const END: &[u8] = b"-----END ";

/// Maximum number of PEM blocks read from one input (bounds hostile bundles).
pub const MAX_PEM_OBJECTS: usize = 10_000;

/// Decodes every object in `input`: all PEM blocks (text between blocks is ignored, as OpenSSL
/// does), or, if the input is not PEM, the whole input as one DER object.
///
/// # Errors
/// [`PemError::Empty`], [`PemError::Malformed`] for a bad block, [`PemError::NotPemOrDer`] if the
/// input is neither.
///
/// # Example
/// ```
/// let chain = include_bytes!("../testdata/pki/chain.pem");
/// let objects = signflow::pem::decode_objects(chain)?;
/// assert_eq!(objects.len(), 2);
/// assert!(objects.iter().all(|o| o.label.as_deref() == Some("CERTIFICATE")));
/// # Ok::<(), signflow::pem::PemError>(())
/// ```
pub fn decode_objects(input: &[u8]) -> Result<Vec<PemObject>, PemError> {
    let trimmed = input.trim_ascii_start();
    if trimmed.is_empty() {
        return Err(PemError::Empty);
    }
    if find(input, BEGIN).is_none() {
        return match trimmed[0] {
            0x30 => Ok(vec![PemObject {
                label: None,
                der: input.to_vec(),
            }]),
            b => Err(PemError::NotPemOrDer(b)),
        };
    }
    let mut out = Vec::new();
    let mut rest = input;
    while let Some(start) = find(rest, BEGIN) {
        let index = out.len();
        if index >= MAX_PEM_OBJECTS {
            return Err(PemError::Malformed {
                index,
                reason: "too many PEM blocks".into(),
            });
        }
        let block = &rest[start..];
        let end_marker = find(block, END).ok_or_else(|| PemError::Malformed {
            index,
            reason: "no -----END line".into(),
        })?;
        let after_end = &block[end_marker..];
        let line_end = after_end
            .iter()
            .position(|&b| b == b'\n')
            .unwrap_or(after_end.len());
        let block_len = end_marker + line_end;
        let (label, der) =
            der::pem::decode_vec(block[..block_len].trim_ascii_end()).map_err(|e| {
                PemError::Malformed {
                    index,
                    reason: e.to_string(),
                }
            })?;
        out.push(PemObject {
            label: Some(label.to_owned()),
            der,
        });
        rest = &block[block_len..];
    }
    Ok(out)
}

/// Decodes bare base64 (no PEM armour) of one DER or BER object, as CryptoPro's browser
/// plug-in and `cryptcp -base64` write CMS signatures: one line, or lines of any width broken
/// by LF or CRLF. Strict, so that other input is never mistaken for it: only the base64
/// alphabet (with `=` padding, required) and white space, and the decoded bytes start with a
/// SEQUENCE tag (0x30). `None` for anything else, which callers then read as DER or refuse.
///
/// # Example
/// ```
/// assert_eq!(signflow::pem::decode_bare_base64(b"MAA=\r\n"), Some(vec![0x30, 0x00]));
/// assert_eq!(signflow::pem::decode_bare_base64(b"hello"), None);
/// ```
pub fn decode_bare_base64(input: &[u8]) -> Option<Vec<u8>> {
    use base64::Engine as _;
    let is_space = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let trimmed = input.trim_ascii();
    // A SEQUENCE's tag, 0x30, is the first six bits of "M".
    if !trimmed.starts_with(b"M")
        || !trimmed
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=') || is_space(b))
    {
        return None;
    }
    let compact: Vec<u8> = trimmed.iter().copied().filter(|b| !is_space(b)).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(&compact)
        .ok()?;
    (der.first() == Some(&0x30)).then_some(der)
}

/// Decodes `input` and keeps only objects with one of `labels` (raw DER is kept as is).
///
/// # Errors
/// As [`decode_objects`], plus [`PemError::UnexpectedLabel`] if a block has another label.
pub fn decode_labelled(
    input: &[u8],
    labels: &[&str],
    expected: &'static str,
) -> Result<Vec<Vec<u8>>, PemError> {
    decode_objects(input)?
        .into_iter()
        .map(|o| match o.label {
            Some(l) if !labels.contains(&l.as_str()) => {
                Err(PemError::UnexpectedLabel { expected, found: l })
            }
            _ => Ok(o.der),
        })
        .collect()
}

/// What a DER or BER object is, judged by its outer structure (the ASN.1 shapes of RFC 5280,
/// RFC 5652, RFC 7292, RFC 5958, RFC 2986, RFC 8017 and RFC 5915), without parsing it fully.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ObjectKind {
    /// An X.509 certificate (RFC 5280).
    Certificate,
    /// An X.509 certificate revocation list (RFC 5280).
    Crl,
    /// A PKCS#10 certificate request (RFC 2986).
    CertificateRequest,
    /// A PKCS#12 file (RFC 7292 PFX).
    Pkcs12,
    /// A CMS SignedData (RFC 5652 ContentInfo of type signedData).
    CmsSignedData,
    /// A CMS ContentInfo of another content type (enveloped, digested, ...).
    CmsOther,
    /// An unencrypted PKCS#8 private key (RFC 5958 OneAsymmetricKey).
    PrivateKey,
    /// An encrypted PKCS#8 private key (RFC 5958 EncryptedPrivateKeyInfo).
    EncryptedPrivateKey,
    /// A public key (RFC 5280 SubjectPublicKeyInfo).
    PublicKey,
    /// A PKCS#1 RSA private key (RFC 8017 RSAPrivateKey, OpenSSL's "traditional" format).
    RsaPrivateKey,
    /// A SEC 1 EC private key (RFC 5915 ECPrivateKey, OpenSSL's "traditional" format).
    EcPrivateKey,
    /// None of the above (or not ASN.1 at all).
    Unknown,
}

impl ObjectKind {
    /// What the object is, in words ("an X.509 certificate", ...).
    pub fn description(self) -> &'static str {
        match self {
            Self::Certificate => "an X.509 certificate",
            Self::Crl => "an X.509 CRL",
            Self::CertificateRequest => "a PKCS#10 certificate request",
            Self::Pkcs12 => "a PKCS#12 file",
            Self::CmsSignedData => "a CMS SignedData (PKCS #7 signature)",
            Self::CmsOther => "a CMS ContentInfo that is not SignedData",
            Self::PrivateKey => "a PKCS#8 private key",
            Self::EncryptedPrivateKey => "an encrypted PKCS#8 private key",
            Self::PublicKey => "a SubjectPublicKeyInfo public key",
            Self::RsaPrivateKey => "a PKCS#1 RSA private key",
            Self::EcPrivateKey => "a SEC 1 EC private key",
            Self::Unknown => "no object signflow recognises",
        }
    }

    /// The kind a PEM label names (`CERTIFICATE`, `X509 CRL`, `PKCS7`, `PRIVATE KEY`, ...), if
    /// it is one of the labels RFC 7468 and OpenSSL use for these objects.
    pub fn from_label(label: &str) -> Option<Self> {
        Some(match label {
            "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => Self::Certificate,
            "X509 CRL" => Self::Crl,
            "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST" => Self::CertificateRequest,
            "PKCS12" => Self::Pkcs12,
            "CMS" | "PKCS7" => Self::CmsSignedData,
            "PRIVATE KEY" => Self::PrivateKey,
            "ENCRYPTED PRIVATE KEY" => Self::EncryptedPrivateKey,
            "PUBLIC KEY" => Self::PublicKey,
            "RSA PRIVATE KEY" => Self::RsaPrivateKey,
            "EC PRIVATE KEY" => Self::EcPrivateKey,
            _ => return None,
        })
    }
}

impl std::fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.description())
    }
}

/// BER that the DER reader refuses (indefinite or non-minimal lengths, outside or inside): CMS
/// and PKCS#12 from other tools. Their first element — the content type, the PFX version —
/// says which.
fn identify_ber(input: &[u8]) -> ObjectKind {
    let [0x30, len, rest @ ..] = input else {
        return ObjectKind::Unknown;
    };
    let first = match len {
        0x00..=0x80 => rest,
        0x81..=0x84 => rest.get(usize::from(len - 0x80)..).unwrap_or_default(),
        _ => return ObjectKind::Unknown,
    };
    match first {
        [0x06, 0x09, oid @ ..] if oid.starts_with(SIGNED_DATA_OID) => ObjectKind::CmsSignedData,
        // Another PKCS #7 content type (1.2.840.113549.1.7.x).
        [0x06, 0x09, oid @ ..] if oid.starts_with(&SIGNED_DATA_OID[..8]) => ObjectKind::CmsOther,
        [0x02, 0x01, 0x03, 0x30, ..] => ObjectKind::Pkcs12,
        _ => ObjectKind::Unknown,
    }
}

/// The first elements of a SEQUENCE (at most [`IDENTIFY_MAX_ELEMENTS`]: the shapes
/// [`identify`] knows need no more, and a hostile SEQUENCE of millions of elements costs
/// nothing), up to the first that does not decode — other tools' parsers ignore what follows
/// the fields they know (x509-parser takes a tbsCertificate with trailing bytes), so the sniff
/// must not call such an object unknown; `None` if it is not a SEQUENCE.
fn elements(seq: AnyRef<'_>) -> Option<Vec<AnyRef<'_>>> {
    use der::Reader as _;
    if seq.tag() != der::Tag::Sequence {
        return None;
    }
    let mut reader = der::SliceReader::new(seq.value()).ok()?;
    let mut out = Vec::new();
    while !reader.is_finished() && out.len() < IDENTIFY_MAX_ELEMENTS {
        match AnyRef::decode(&mut reader) {
            Ok(element) => out.push(element),
            Err(_) => break,
        }
    }
    Some(out)
}

/// How many elements of a SEQUENCE [`identify`] looks at.
const IDENTIFY_MAX_ELEMENTS: usize = 16;

/// `id-signedData` (1.2.840.113549.1.7.2), the value bytes of its OBJECT IDENTIFIER.
const SIGNED_DATA_OID: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];

/// Tells what a DER (or BER: CMS from other tools often uses indefinite lengths) object is by
/// the tags of its outer SEQUENCE and of the first element's, so that callers parse it with the
/// right parser and can say what it was meant to be when that fails. It reads the headers of
/// the outer SEQUENCE's first elements and of the first element's. Only when that structure
/// is none it knows does it try the certificate and CRL parsers, so that what the rest of
/// signflow takes as a certificate or CRL is never called something else. Anything
/// else, malformed input included, is [`ObjectKind::Unknown`]; it never panics.
///
/// # Example
/// ```
/// use signflow::pem::{ObjectKind, decode_objects, identify};
///
/// let pem = include_bytes!("../testdata/pki/leaf-rsa.pem");
/// assert_eq!(identify(&decode_objects(pem)?[0].der), ObjectKind::Certificate);
/// assert_eq!(identify(include_bytes!("../testdata/cms/rsa-attached.der")), ObjectKind::CmsSignedData);
/// assert_eq!(identify(include_bytes!("../testdata/pki/root-ca.crl.der")), ObjectKind::Crl);
/// assert_eq!(identify(b"not ASN.1"), ObjectKind::Unknown);
/// # Ok::<(), signflow::pem::PemError>(())
/// ```
pub fn identify(input: &[u8]) -> ObjectKind {
    match identify_der(input) {
        ObjectKind::Unknown => match identify_ber(input) {
            ObjectKind::Unknown if crate::pki::Certificate::from_der(input).is_ok() => {
                ObjectKind::Certificate
            }
            ObjectKind::Unknown if crate::pki::Crl::from_der(input).is_ok() => ObjectKind::Crl,
            kind => kind,
        },
        kind => kind,
    }
}

/// [`identify`] for input whose outer SEQUENCE is DER.
fn identify_der(input: &[u8]) -> ObjectKind {
    use der::Tag;

    let Some(outer) = AnyRef::from_der(input).ok().and_then(elements) else {
        return ObjectKind::Unknown;
    };
    let tags: Vec<Tag> = outer.iter().map(|a| a.tag()).collect();
    let integer = |a: &AnyRef<'_>, v: u8| a.tag() == Tag::Integer && a.value() == [v];
    let context = |t: &Tag, n: u32| matches!(t, Tag::ContextSpecific { constructed: true, number } if number.value() == n);
    let is_time = |t: &Tag| matches!(t, Tag::UtcTime | Tag::GeneralizedTime);
    use Tag::{BitString, Integer, ObjectIdentifier, OctetString, Sequence};
    match tags.as_slice() {
        // Certificate, CRL and certificate request: to-be-signed, algorithm, signature.
        [Sequence, Sequence, BitString, ..] => {
            let Some(tbs) = elements(outer[0]) else {
                return ObjectKind::Unknown;
            };
            let t: Vec<Tag> = tbs.iter().map(|a| a.tag()).collect();
            if t.first().is_some_and(|t| context(t, 0)) {
                return ObjectKind::Certificate; // [0] EXPLICIT version: v2 or v3
            }
            let Some(i) = t.iter().position(|t| *t == Sequence) else {
                return ObjectKind::Unknown;
            };
            match t.get(i + 2) {
                // CRL: (version,) signature, issuer, thisUpdate.
                Some(x) if is_time(x) => ObjectKind::Crl,
                // v1 certificate: serial, signature, issuer, validity.
                Some(Sequence) if i == 1 && t[0] == Integer => ObjectKind::Certificate,
                // Request: version, subject, subjectPKInfo, [0] attributes.
                Some(x) if context(x, 0) && i == 1 => ObjectKind::CertificateRequest,
                _ => ObjectKind::Unknown,
            }
        }
        // PFX: version 3, authSafe ContentInfo, macData.
        [Integer, Sequence, ..] if integer(&outer[0], 3) => ObjectKind::Pkcs12,
        [ObjectIdentifier, x, ..] if context(x, 0) => {
            if outer[0].value() == SIGNED_DATA_OID {
                ObjectKind::CmsSignedData
            } else {
                ObjectKind::CmsOther
            }
        }
        [Integer, Sequence, OctetString, ..] if integer(&outer[0], 0) || integer(&outer[0], 1) => {
            ObjectKind::PrivateKey
        }
        [Integer, OctetString, ..] if integer(&outer[0], 1) => ObjectKind::EcPrivateKey,
        [
            Integer,
            Integer,
            Integer,
            Integer,
            Integer,
            Integer,
            Integer,
            Integer,
            Integer,
            ..,
        ] if integer(&outer[0], 0) || integer(&outer[0], 1) => ObjectKind::RsaPrivateKey,
        [Sequence, OctetString] => ObjectKind::EncryptedPrivateKey,
        [Sequence, BitString] => ObjectKind::PublicKey,
        _ => ObjectKind::Unknown,
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_input_is_one_object_and_garbage_is_refused() {
        assert_eq!(decode_objects(&[0x30, 0x00]).unwrap()[0].label, None);
        assert_eq!(decode_objects(b"hello"), Err(PemError::NotPemOrDer(b'h')));
        assert_eq!(decode_objects(b"  \n"), Err(PemError::Empty));
    }

    #[test]
    fn bare_base64_is_strict() {
        let der = include_bytes!("../testdata/cms/rsa-attached.der");
        let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, der);
        assert_eq!(
            decode_bare_base64(b64.as_bytes()).as_deref(),
            Some(&der[..])
        );
        let crlf: Vec<u8> = b64
            .as_bytes()
            .chunks(76)
            .flat_map(|l| l.iter().chain(b"\r\n"))
            .copied()
            .collect();
        assert_eq!(decode_bare_base64(&crlf).as_deref(), Some(&der[..]));
        // Not base64, bad padding, not a SEQUENCE, PEM armour, DER itself: none of it.
        assert_eq!(decode_bare_base64(b"Mhello, world"), None);
        assert_eq!(decode_bare_base64(b"MAA"), None);
        assert_eq!(decode_bare_base64(b"AAAA"), None);
        assert_eq!(
            decode_bare_base64(b"-----BEGIN CMS-----\nMAA=\n-----END CMS-----\n"),
            None
        );
        assert_eq!(decode_bare_base64(der), None);
    }

    #[test]
    fn truncated_block_is_malformed() {
        let err = decode_objects(b"-----BEGIN CERTIFICATE-----\nMIIB\n").unwrap_err();
        assert!(matches!(err, PemError::Malformed { index: 0, .. }), "{err}");
        let err = decode_objects(b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n")
            .unwrap_err();
        assert!(matches!(err, PemError::Malformed { index: 0, .. }), "{err}");
    }

    #[test]
    fn identify_names_each_object_by_its_structure() {
        let pem = |bytes: &[u8]| decode_objects(bytes).unwrap().remove(0).der;
        let cases: [(&[u8], ObjectKind); 10] = [
            (
                include_bytes!("../testdata/pki/leaf-rsa.der"),
                ObjectKind::Certificate,
            ),
            (
                include_bytes!("../testdata/pki/root-ca.crl.der"),
                ObjectKind::Crl,
            ),
            (
                include_bytes!("../testdata/pki/leaf-rsa.p12"),
                ObjectKind::Pkcs12,
            ),
            (
                include_bytes!("../testdata/cms/rsa-attached.der"),
                ObjectKind::CmsSignedData,
            ),
            (
                include_bytes!("../testdata/cms/ber-attached.der"),
                ObjectKind::CmsSignedData,
            ),
            (
                &pem(include_bytes!("../testdata/pki/leaf-rsa.key.pem")),
                ObjectKind::PrivateKey,
            ),
            (
                &pem(include_bytes!("../testdata/gost/gost2012_256-A.pub.pem")),
                ObjectKind::PublicKey,
            ),
            (
                include_bytes!("../testdata/pkits/certs/GoodCACert.crt"),
                ObjectKind::Certificate,
            ),
            (b"\x30\x03\x02\x01\x05", ObjectKind::Unknown),
            (b"<xml/>", ObjectKind::Unknown),
        ];
        for (der, kind) in cases {
            assert_eq!(identify(der), kind, "{:02x?}", &der[..der.len().min(8)]);
        }
        // Bytes after the fields a tbsCertificate needs, which x509-parser ignores (found by
        // fuzz/inspect_sniff): still a certificate to the sniff, though signflow's DER reader
        // refuses it.
        let leaf = include_bytes!("../testdata/pki/leaf-rsa.der");
        let (outer_len, tbs_len) = (
            usize::from(u16::from_be_bytes([leaf[2], leaf[3]])),
            usize::from(u16::from_be_bytes([leaf[6], leaf[7]])),
        );
        let mut odd = vec![0x30, 0x82];
        odd.extend(u16::try_from(outer_len + 2).unwrap().to_be_bytes());
        odd.extend([0x30, 0x82]);
        odd.extend(u16::try_from(tbs_len + 2).unwrap().to_be_bytes());
        odd.extend(&leaf[8..8 + tbs_len]);
        odd.extend([0x71, 0x01]);
        odd.extend(&leaf[8 + tbs_len..]);
        assert_eq!(identify(&odd), ObjectKind::Certificate);
        assert!(crate::pki::Certificate::from_der(&odd).is_err());
        // A CRL whose outer tag is [16] rather than SEQUENCE, which x509-parser takes (found by
        // fuzz/inspect_sniff): not a CRL to signflow's DER reader, nor then to the sniff.
        let mut crl = include_bytes!("../testdata/pki/root-ca.crl.der").to_vec();
        crl[0] = 0xb0;
        assert!(crate::pki::Crl::from_der(&crl).is_err());
        assert_eq!(identify(&crl), ObjectKind::Unknown);
        // A SEQUENCE of a million elements costs no more than its first sixteen.
        let mut big = vec![0x30, 0x83, 0x1e, 0x84, 0x80];
        big.extend(std::iter::repeat_n([0x05, 0x00], 1_000_000).flatten());
        assert_eq!(identify(&big), ObjectKind::Unknown);
    }
}
