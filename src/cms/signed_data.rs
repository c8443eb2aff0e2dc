//! The parsed SignedData (RFC 5652 §5): raw element positions over the normalized DER.
//!
//! ```text
//! ContentInfo ::= SEQUENCE {
//!   contentType ContentType,
//!   content [0] EXPLICIT ANY DEFINED BY contentType }
//!
//! SignedData ::= SEQUENCE {
//!   version CMSVersion,
//!   digestAlgorithms DigestAlgorithmIdentifiers,
//!   encapContentInfo EncapsulatedContentInfo,
//!   certificates [0] IMPLICIT CertificateSet OPTIONAL,
//!   crls [1] IMPLICIT RevocationInfoChoices OPTIONAL,
//!   signerInfos SignerInfos }
//!
//! EncapsulatedContentInfo ::= SEQUENCE {
//!   eContentType ContentType,
//!   eContent [0] EXPLICIT OCTET STRING OPTIONAL }
//!
//! SignerInfo ::= SEQUENCE {
//!   version CMSVersion,
//!   sid SignerIdentifier,
//!   digestAlgorithm DigestAlgorithmIdentifier,
//!   signedAttrs [0] IMPLICIT SignedAttributes OPTIONAL,
//!   signatureAlgorithm SignatureAlgorithmIdentifier,
//!   signature SignatureValue,
//!   unsignedAttrs [1] IMPLICIT UnsignedAttributes OPTIONAL }
//!
//! SignerIdentifier ::= CHOICE {
//!   issuerAndSerialNumber IssuerAndSerialNumber,
//!   subjectKeyIdentifier [0] SubjectKeyIdentifier }
//!
//! Attribute ::= SEQUENCE {
//!   attrType OBJECT IDENTIFIER,
//!   attrValues SET OF AttributeValue }
//! ```
//!
//! Why not the `cms` crate's types: its `SetOfVec` re-sorts SET OF elements on decoding, which
//! loses the signed attributes' received encoding that the signature covers (RFC 5652 §5.4), and
//! it decodes every embedded certificate strictly up front; here each element keeps its bytes
//! and certificates are parsed later by [`crate::pki::Certificate`].

use core::fmt;
use core::ops::Range;

use const_oid::ObjectIdentifier;

use super::der::{
    self, INTEGER, OCTET_STRING, Reader, SEQUENCE, SET, Tlv, cons, elements, malformed, prim,
};
use super::error::CmsError;
use super::{
    MAX_ATTRIBUTE_VALUES, MAX_ATTRIBUTES, MAX_CERTIFICATES, MAX_CMS_LEN,
    MAX_COUNTER_SIGNATURE_DEPTH, MAX_CRLS, MAX_DIGEST_ALGORITHMS, MAX_NESTING, MAX_SIGNERS, oid,
};

/// PEM labels accepted for CMS signatures (`openssl cms` writes `CMS`, `openssl smime` and
/// older tools `PKCS7`).
pub const PEM_LABELS: [&str; 3] = ["CMS", "PKCS7", "PKCS #7 SIGNED DATA"];

/// One attribute: its type and the positions of its values.
#[derive(Clone, Debug)]
pub(crate) struct Attribute {
    /// The whole Attribute SEQUENCE.
    pub raw: Range<usize>,
    pub oid: ObjectIdentifier,
    pub values: Vec<Range<usize>>,
}

/// How a SignerInfo names its certificate.
#[derive(Clone, Debug)]
pub(crate) enum Sid {
    /// issuerAndSerialNumber: the issuer Name (whole TLV) and the serial's contents octets.
    IssuerSerial {
        issuer: Range<usize>,
        serial: Range<usize>,
    },
    /// subjectKeyIdentifier: the key identifier octets.
    KeyId(Range<usize>),
}

/// A parsed SignerInfo: positions in [`SignedData::der`].
#[derive(Clone, Debug)]
pub(crate) struct SignerInfo {
    pub raw: Range<usize>,
    pub sid: Sid,
    pub digest_algorithm: Range<usize>,
    /// The whole `[0] IMPLICIT` signedAttrs element as received.
    pub signed_attrs: Option<Range<usize>>,
    pub signed: Vec<Attribute>,
    pub signature_algorithm: Range<usize>,
    /// The signature octets.
    pub signature: Range<usize>,
    /// From the first field through the signature: what stays when unsigned attributes change.
    pub before_unsigned: Range<usize>,
    pub unsigned: Vec<Attribute>,
    /// SignerInfos of countersignature attributes (RFC 5652 §11.4).
    pub counter_signers: Vec<SignerInfo>,
}

impl SignerInfo {
    pub fn signed_attr(&self, oid: ObjectIdentifier) -> impl Iterator<Item = &Attribute> {
        self.signed.iter().filter(move |a| a.oid == oid)
    }
}

/// A CMS SignedData, parsed from BER or DER and kept in DER form.
///
/// The encoding is normalized once on input (indefinite lengths and chunked OCTET STRINGs, as
/// streaming encoders write them, become DER; everything else is kept byte for byte), and every
/// element is then located in it without re-encoding.
///
/// # Example
/// ```
/// use signflow::cms::SignedData;
/// let sd = SignedData::from_ber(include_bytes!("../../testdata/cms/ber-attached.der"))?;
/// assert!(!sd.is_detached());
/// assert_eq!(sd.content(), Some(&include_bytes!("../../testdata/cms/content.txt")[..]));
/// assert_eq!(sd.signer_count(), 1);
/// # Ok::<(), signflow::cms::CmsError>(())
/// ```
#[derive(Clone)]
pub struct SignedData {
    der: Vec<u8>,
    pub(crate) version: u32,
    pub(crate) digest_algorithms: Vec<Range<usize>>,
    content_type: ObjectIdentifier,
    content: Option<Range<usize>>,
    /// The `[0] EXPLICIT` eContent element, kept for re-assembly.
    pub(crate) econtent: Option<Range<usize>>,
    /// Every CertificateChoices element (plain certificates are SEQUENCEs).
    pub(crate) certificates: Vec<Range<usize>>,
    /// Every RevocationInfoChoice element (plain CRLs are SEQUENCEs).
    pub(crate) crls: Vec<Range<usize>>,
    pub(crate) signers: Vec<SignerInfo>,
}

impl fmt::Debug for SignedData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedData")
            .field("version", &self.version)
            .field("content_type", &self.content_type)
            .field("content_len", &self.content().map(<[u8]>::len))
            .field("certificates", &self.certificates.len())
            .field("crls", &self.crls.len())
            .field("signers", &self.signers.len())
            .finish()
    }
}

impl SignedData {
    /// Parses a ContentInfo holding a SignedData, in BER or DER.
    ///
    /// # Errors
    /// [`CmsError::Malformed`] for input that is not BER or not the SignedData structure
    /// (including truncation and trailing data), [`CmsError::NotSignedData`] for another
    /// content type, [`CmsError::Unsupported`] for unknown versions, and
    /// [`CmsError::LimitExceeded`] beyond [`MAX_CMS_LEN`](super::MAX_CMS_LEN), nesting,
    /// signers, certificates, CRLs or attributes bounds.
    pub fn from_ber(input: &[u8]) -> Result<Self, CmsError> {
        check_len(input.len())?;
        let der = super::ber::normalize(input, MAX_NESTING)?.into_owned();
        Self::parse(der)
    }

    /// As [`SignedData::from_ber`], taking ownership (no copy when the input is already DER).
    ///
    /// # Errors
    /// As [`SignedData::from_ber`].
    pub fn from_ber_vec(input: Vec<u8>) -> Result<Self, CmsError> {
        check_len(input.len())?;
        let der = match super::ber::normalize(&input, MAX_NESTING)? {
            std::borrow::Cow::Borrowed(_) => None,
            std::borrow::Cow::Owned(v) => Some(v),
        };
        Self::parse(der.unwrap_or(input))
    }

    /// Parses PEM (`-----BEGIN CMS-----` or `PKCS7`, exactly one block), bare base64 without
    /// armour (as CryptoPro's plug-in and `cryptcp -base64` write it; strictly:
    /// [`crate::pem::decode_bare_base64`]) or, if the input is neither, BER/DER.
    ///
    /// # Errors
    /// [`CmsError::Pem`] for bad PEM framing or another label, [`CmsError::Malformed`] for
    /// several blocks, otherwise as [`SignedData::from_ber`].
    pub fn from_pem_or_ber(input: &[u8]) -> Result<Self, CmsError> {
        if let Some(der) = bare_base64(input)? {
            return Self::from_ber_vec(der);
        }
        if !is_pem(input) {
            return Self::from_ber(input);
        }
        Self::from_pem(input)
    }

    /// As [`SignedData::from_pem_or_ber`], taking ownership: DER input (as `openssl cms -sign`
    /// writes it) becomes the SignedData without a copy, so verifying a large attached
    /// signature holds it in memory once. (BER input is normalized into a new buffer.)
    ///
    /// # Errors
    /// As [`SignedData::from_pem_or_ber`].
    pub fn from_pem_or_ber_vec(input: Vec<u8>) -> Result<Self, CmsError> {
        if let Some(der) = bare_base64(&input)? {
            return Self::from_ber_vec(der);
        }
        if !is_pem(&input) {
            return Self::from_ber_vec(input);
        }
        Self::from_pem(&input)
    }

    fn from_pem(input: &[u8]) -> Result<Self, CmsError> {
        let mut blocks = crate::pem::decode_labelled(input, &PEM_LABELS, "a CMS signature")?;
        if blocks.len() != 1 {
            return Err(malformed(format!(
                "expected one CMS PEM block, found {}",
                blocks.len()
            )));
        }
        Self::from_ber_vec(blocks.remove(0))
    }

    fn parse(der: Vec<u8>) -> Result<Self, CmsError> {
        let buf = der.as_slice();
        let (ci, rest) = der::read_tlv(buf)?;
        if !rest.is_empty() || ci.tag != SEQUENCE {
            return Err(malformed("not a ContentInfo SEQUENCE"));
        }
        let mut r = Reader::contents_of(&ci);
        let content_type = der::oid(&r.expect(der::OID, "contentType")?, "contentType")?;
        if content_type != oid::ID_SIGNED_DATA {
            return Err(CmsError::NotSignedData {
                content_type: content_type.to_string(),
            });
        }
        let explicit = r.expect(cons(0), "content")?;
        r.finish("ContentInfo")?;
        let sd = der::only_element(&explicit, "content")?;
        if sd.tag != SEQUENCE {
            return Err(malformed("the content is not a SignedData SEQUENCE"));
        }
        let mut r = Reader::contents_of(&sd);
        let version = der::small_uint(&r.expect(INTEGER, "SignedData version")?, "version")?;
        if !(1..=5).contains(&version) {
            return Err(CmsError::Unsupported {
                what: format!("SignedData version {version}"),
            });
        }
        let digest_algs = r.expect(SET, "digestAlgorithms")?;
        let digest_algorithms = elements(&digest_algs, "digest algorithms", MAX_DIGEST_ALGORITHMS)?
            .iter()
            .map(|t| t.range())
            .collect();

        let eci = r.expect(SEQUENCE, "encapContentInfo")?;
        let mut er = Reader::contents_of(&eci);
        let econtent_type = der::oid(&er.expect(der::OID, "eContentType")?, "eContentType")?;
        let econtent = er.optional(cons(0), "eContent")?;
        er.finish("encapContentInfo")?;
        let content = match &econtent {
            None => None,
            Some(e) => {
                let inner = der::only_element(e, "eContent")?;
                // RFC 5652 §5.2: an OCTET STRING. PKCS #7 v1.5 (RFC 2315 §9.1) allowed any type
                // for non-data content, and the digest covers its contents octets (§5.2.1).
                Some(inner.value_range())
            }
        };

        let certificates = match r.optional(cons(0), "certificates")? {
            Some(set) => elements(&set, "certificates", MAX_CERTIFICATES)?
                .iter()
                .map(|t| t.range())
                .collect(),
            None => Vec::new(),
        };
        let crls = match r.optional(cons(1), "crls")? {
            Some(set) => elements(&set, "CRLs", MAX_CRLS)?
                .iter()
                .map(|t| t.range())
                .collect(),
            None => Vec::new(),
        };
        let signer_set = r.expect(SET, "signerInfos")?;
        r.finish("SignedData")?;
        let mut count = 0usize;
        let mut signers = Vec::new();
        for tlv in elements(&signer_set, "signers", MAX_SIGNERS)? {
            signers.push(parse_signer_info(buf, &tlv, 0, &mut count)?);
        }
        let econtent = econtent.map(|e| e.range());
        Ok(Self {
            version,
            digest_algorithms,
            content_type: econtent_type,
            content,
            econtent,
            certificates,
            crls,
            signers,
            der,
        })
    }

    /// The encapsulated content type (`eContentType`; `id-data` for ordinary documents).
    pub fn content_type(&self) -> ObjectIdentifier {
        self.content_type
    }

    /// The encapsulated content, or `None` for a detached signature.
    pub fn content(&self) -> Option<&[u8]> {
        self.content.clone().map(|r| &self.der[r])
    }

    /// Whether the content is absent (a detached signature).
    pub fn is_detached(&self) -> bool {
        self.content.is_none()
    }

    /// The SignedData version (1, 3, 4 or 5).
    pub fn version(&self) -> u32 {
        self.version
    }

    /// How many SignerInfos there are (counter-signatures not counted).
    pub fn signer_count(&self) -> usize {
        self.signers.len()
    }

    /// The DER of every embedded X.509 certificate (other certificate formats are skipped).
    pub fn certificates_der(&self) -> impl Iterator<Item = &[u8]> {
        self.certificates
            .iter()
            .map(|r| &self.der[r.clone()])
            .filter(|c| c.first() == Some(&SEQUENCE))
    }

    /// The DER of every embedded CRL (other revocation formats are skipped).
    pub fn crls_der(&self) -> impl Iterator<Item = &[u8]> {
        self.crls
            .iter()
            .map(|r| &self.der[r.clone()])
            .filter(|c| c.first() == Some(&SEQUENCE))
    }

    /// The whole ContentInfo, DER (as normalized from the input).
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The whole ContentInfo, DER, by value.
    pub fn into_der(self) -> Vec<u8> {
        self.der
    }

    /// PEM with the label `CMS`, as `openssl cms -outform PEM` writes it.
    pub fn to_pem(&self) -> String {
        der::pem_encode("CMS", &self.der)
    }

    pub(crate) fn bytes(&self, r: &Range<usize>) -> &[u8] {
        &self.der[r.clone()]
    }
}

/// Bare base64 (CryptoPro's plug-in, `cryptcp -base64`), decoded: [`crate::pem::decode_bare_base64`]
/// after the size check.
fn bare_base64(input: &[u8]) -> Result<Option<Vec<u8>>, CmsError> {
    if input.first() == Some(&0x30) {
        return Ok(None);
    }
    check_len(input.len() / 4 * 3)?;
    Ok(crate::pem::decode_bare_base64(input))
}

fn is_pem(input: &[u8]) -> bool {
    input.trim_ascii_start().starts_with(b"-----BEGIN ")
}

fn check_len(len: usize) -> Result<(), CmsError> {
    if len > MAX_CMS_LEN {
        return Err(CmsError::LimitExceeded {
            what: "input size in bytes",
            limit: MAX_CMS_LEN,
        });
    }
    Ok(())
}

fn parse_attributes(set: &Tlv<'_>, what: &'static str) -> Result<Vec<Attribute>, CmsError> {
    let mut out = Vec::new();
    for attr in elements(set, what, MAX_ATTRIBUTES)? {
        if attr.tag != SEQUENCE {
            return Err(malformed(format!("{what}: an attribute is not a SEQUENCE")));
        }
        let mut r = Reader::contents_of(&attr);
        let oid = der::oid(&r.expect(der::OID, "attribute type")?, "attribute type")?;
        let values = r.expect(SET, "attribute values")?;
        r.finish("an attribute")?;
        let values = elements(&values, "values of one attribute", MAX_ATTRIBUTE_VALUES)?
            .iter()
            .map(|v| v.range())
            .collect();
        out.push(Attribute {
            raw: attr.range(),
            oid,
            values,
        });
    }
    Ok(out)
}

fn parse_signer_info(
    buf: &[u8],
    tlv: &Tlv<'_>,
    depth: usize,
    count: &mut usize,
) -> Result<SignerInfo, CmsError> {
    *count += 1;
    if *count > MAX_SIGNERS {
        return Err(CmsError::LimitExceeded {
            what: "signers and counter-signers",
            limit: MAX_SIGNERS,
        });
    }
    if tlv.tag != SEQUENCE {
        return Err(malformed("a SignerInfo is not a SEQUENCE"));
    }
    let mut r = Reader::contents_of(tlv);
    let version = der::small_uint(&r.expect(INTEGER, "SignerInfo version")?, "version")?;
    if version != 1 && version != 3 {
        return Err(CmsError::Unsupported {
            what: format!("SignerInfo version {version}"),
        });
    }
    let sid_tlv = r.any("sid")?;
    let sid = match sid_tlv.tag {
        SEQUENCE => {
            let mut sr = Reader::contents_of(&sid_tlv);
            let issuer = sr.expect(SEQUENCE, "issuer")?;
            let serial = sr.expect(INTEGER, "serialNumber")?;
            sr.finish("issuerAndSerialNumber")?;
            if serial.value.is_empty() {
                return Err(malformed("empty serialNumber"));
            }
            Sid::IssuerSerial {
                issuer: issuer.range(),
                serial: serial.value_range(),
            }
        }
        t if t == prim(0) => Sid::KeyId(sid_tlv.value_range()),
        t => return Err(malformed(format!("sid has tag 0x{t:02x}"))),
    };
    let digest_algorithm = r.expect(SEQUENCE, "digestAlgorithm")?.range();
    let signed_tlv = r.optional(cons(0), "signedAttrs")?;
    let signed = match &signed_tlv {
        Some(t) => {
            let attrs = parse_attributes(t, "signed attributes")?;
            if attrs.is_empty() {
                return Err(malformed("signedAttrs is present but empty"));
            }
            attrs
        }
        None => Vec::new(),
    };
    let signature_algorithm = r.expect(SEQUENCE, "signatureAlgorithm")?.range();
    let signature_tlv = r.expect(OCTET_STRING, "signature")?;
    let before_end = signature_tlv.range().end;
    let unsigned_tlv = r.optional(cons(1), "unsignedAttrs")?;
    r.finish("SignerInfo")?;
    let unsigned = match &unsigned_tlv {
        Some(t) => parse_attributes(t, "unsigned attributes")?,
        None => Vec::new(),
    };
    let mut counter_signers = Vec::new();
    for attr in unsigned.iter().filter(|a| a.oid == oid::COUNTER_SIGNATURE) {
        if depth >= MAX_COUNTER_SIGNATURE_DEPTH {
            return Err(CmsError::LimitExceeded {
                what: "nesting of counter-signatures",
                limit: MAX_COUNTER_SIGNATURE_DEPTH,
            });
        }
        for v in &attr.values {
            let cs = Reader::new_at(&buf[v.clone()], v.start).any("counter-signature")?;
            counter_signers.push(parse_signer_info(buf, &cs, depth + 1, count)?);
        }
    }
    let raw = tlv.range();
    let before_unsigned = tlv.value_range().start..before_end;
    Ok(SignerInfo {
        raw,
        sid,
        digest_algorithm,
        signed_attrs: signed_tlv.map(|t| t.range()),
        signed,
        signature_algorithm,
        signature: signature_tlv.value_range(),
        before_unsigned,
        unsigned,
        counter_signers,
    })
}

/// The eContent of a SignedData to encode.
pub(crate) enum EContent<'a> {
    /// No content (detached).
    Absent,
    /// The whole `[0] EXPLICIT` element, as found in an existing SignedData.
    Raw(&'a [u8]),
    /// Content octets to wrap in `[0] EXPLICIT OCTET STRING`.
    Octets(&'a [u8]),
}

/// The parts of a SignedData to encode (see [`assemble`]).
pub(crate) struct Parts<'a> {
    pub version: u32,
    pub digest_algorithms: Vec<Vec<u8>>,
    pub content_type: ObjectIdentifier,
    pub econtent: EContent<'a>,
    /// Whole CertificateChoices elements.
    pub certificates: Vec<Vec<u8>>,
    /// Whole RevocationInfoChoice elements.
    pub crls: Vec<Vec<u8>>,
    /// Whole SignerInfo elements.
    pub signer_infos: Vec<Vec<u8>>,
}

fn header(tag: u8, len: usize) -> Vec<u8> {
    let mut h = vec![tag];
    der::push_len(&mut h, len);
    h
}

/// Encodes a ContentInfo of SignedData from its parts (SET OFs sorted, duplicates dropped),
/// writing the content once into an output of the exact size, and parses the result.
pub(crate) fn assemble(parts: Parts<'_>) -> Result<SignedData, CmsError> {
    use der::{encode_oid, encode_small_uint, set_of};
    let dedup = |mut v: Vec<Vec<u8>>| {
        v.sort();
        v.dedup();
        v
    };
    let optional_set = |tag: u8, v: Vec<Vec<u8>>| {
        let v = dedup(v);
        if v.is_empty() {
            Vec::new()
        } else {
            set_of(tag, v)
        }
    };
    let version = encode_small_uint(parts.version as u8);
    let digest_algs = set_of(SET, dedup(parts.digest_algorithms));
    let ect = encode_oid(&parts.content_type);
    let (econtent_header, body): (Vec<u8>, &[u8]) = match parts.econtent {
        EContent::Absent => (Vec::new(), &[]),
        EContent::Raw(raw) => (Vec::new(), raw),
        EContent::Octets(content) => {
            let os = header(OCTET_STRING, content.len());
            let mut h = header(cons(0), os.len() + content.len());
            h.extend_from_slice(&os);
            (h, content)
        }
    };
    let eci_len = ect.len() + econtent_header.len() + body.len();
    let eci_header = header(SEQUENCE, eci_len);
    let certs = optional_set(cons(0), parts.certificates);
    let crls = optional_set(cons(1), parts.crls);
    let signer_infos = set_of(SET, parts.signer_infos);
    let sd_len = version.len()
        + digest_algs.len()
        + eci_header.len()
        + eci_len
        + certs.len()
        + crls.len()
        + signer_infos.len();
    let sd_header = header(SEQUENCE, sd_len);
    let explicit_header = header(cons(0), sd_header.len() + sd_len);
    let ct = encode_oid(&oid::ID_SIGNED_DATA);
    let ci_len = ct.len() + explicit_header.len() + sd_header.len() + sd_len;
    let ci_header = header(SEQUENCE, ci_len);
    let mut out = Vec::with_capacity(ci_header.len() + ci_len);
    for piece in [
        &ci_header[..],
        &ct,
        &explicit_header,
        &sd_header,
        &version,
        &digest_algs,
        &eci_header,
        &ect,
        &econtent_header,
        body,
        &certs,
        &crls,
        &signer_infos,
    ] {
        out.extend_from_slice(piece);
    }
    debug_assert_eq!(out.len(), ci_header.len() + ci_len);
    SignedData::from_ber_vec(out)
}
