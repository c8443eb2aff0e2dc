//! X.509 certificates (RFC 5280 §4), parsed once with the crate's DER reader
//! ([`crate::der_util`]) into an owned form that keeps the raw DER and the positions of its
//! signed parts.

use core::fmt;
use core::ops::Range;

use super::error::PkiError;
use super::name::{DistinguishedName, GeneralName};
use super::time::UnixTime;
use crate::crypto::{CryptoError, SignatureAlgorithm};
use crate::der_util::hex;
use crate::der_util::{
    self, BIT_STRING, BOOLEAN, DerError, INTEGER, OCTET_STRING, OID, Reader, SEQUENCE, SET, Tlv,
    cons, prim,
};

/// `anyPolicy` (RFC 5280 §4.2.1.4).
pub const ANY_POLICY: &str = "2.5.29.32.0";
/// `anyExtendedKeyUsage` (RFC 5280 §4.2.1.12).
pub const ANY_EXTENDED_KEY_USAGE: &str = "2.5.29.37.0";

/// Largest certificate accepted (bounds hostile input).
pub const MAX_CERTIFICATE_LEN: usize = 256 * 1024;

/// Key usage bits (RFC 5280 §4.2.1.3), bit 0 = digitalSignature (the first bit of the BIT
/// STRING).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct KeyUsage(pub u16);

impl KeyUsage {
    /// digitalSignature.
    pub const DIGITAL_SIGNATURE: u16 = 1 << 0;
    /// nonRepudiation (contentCommitment).
    pub const NON_REPUDIATION: u16 = 1 << 1;
    /// keyEncipherment.
    pub const KEY_ENCIPHERMENT: u16 = 1 << 2;
    /// dataEncipherment.
    pub const DATA_ENCIPHERMENT: u16 = 1 << 3;
    /// keyAgreement.
    pub const KEY_AGREEMENT: u16 = 1 << 4;
    /// keyCertSign.
    pub const KEY_CERT_SIGN: u16 = 1 << 5;
    /// cRLSign.
    pub const CRL_SIGN: u16 = 1 << 6;
    /// encipherOnly.
    pub const ENCIPHER_ONLY: u16 = 1 << 7;
    /// decipherOnly.
    pub const DECIPHER_ONLY: u16 = 1 << 8;

    /// The RFC 5280 names, in bit order.
    pub const NAMES: [&'static str; 9] = [
        "digitalSignature",
        "nonRepudiation",
        "keyEncipherment",
        "dataEncipherment",
        "keyAgreement",
        "keyCertSign",
        "cRLSign",
        "encipherOnly",
        "decipherOnly",
    ];

    /// The bit for an RFC 5280 name (`contentCommitment` is accepted for nonRepudiation).
    pub fn bit_from_name(name: &str) -> Option<u16> {
        if name == "contentCommitment" {
            return Some(Self::NON_REPUDIATION);
        }
        Self::NAMES.iter().position(|n| *n == name).map(|i| 1 << i)
    }

    /// Whether every bit of `bits` is set.
    pub fn allows(self, bits: u16) -> bool {
        self.0 & bits == bits
    }

    /// The names of the bits set.
    pub fn names(self) -> Vec<&'static str> {
        Self::NAMES
            .iter()
            .enumerate()
            .filter(|(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, n)| *n)
            .collect()
    }
}

/// A CRL distribution point (RFC 5280 §4.2.1.13) or the scope of an IssuingDistributionPoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DistributionPoint {
    /// fullName, or nameRelativeToCRLIssuer resolved against the CRL issuer (see `relative`).
    pub full_name: Vec<GeneralName>,
    /// nameRelativeToCRLIssuer, resolved against the certificate's issuer.
    pub relative_name: Option<DistinguishedName>,
    /// Reason flags (bit 1 = keyCompromise ...), `None` for all reasons.
    pub reasons: Option<u16>,
    /// cRLIssuer.
    pub crl_issuer: Vec<GeneralName>,
}

impl DistributionPoint {}

/// The extensions signflow acts on, decoded.
#[derive(Clone, Debug, Default)]
pub struct Extensions {
    /// basicConstraints: (cA, pathLenConstraint).
    pub basic_constraints: Option<(bool, Option<u32>)>,
    /// keyUsage.
    pub key_usage: Option<KeyUsage>,
    /// extKeyUsage purposes (dotted OIDs).
    pub extended_key_usage: Option<Vec<String>>,
    /// subjectKeyIdentifier.
    pub subject_key_id: Option<Vec<u8>>,
    /// authorityKeyIdentifier keyIdentifier.
    pub authority_key_id: Option<Vec<u8>>,
    /// subjectAltName entries.
    pub subject_alt_names: Vec<GeneralName>,
    /// nameConstraints: permitted and excluded subtrees.
    pub name_constraints: Option<(Option<Vec<GeneralName>>, Vec<GeneralName>)>,
    /// certificatePolicies (dotted OIDs).
    pub policies: Option<Vec<String>>,
    /// policyMappings: (issuerDomainPolicy, subjectDomainPolicy).
    pub policy_mappings: Option<Vec<(String, String)>>,
    /// policyConstraints: (requireExplicitPolicy, inhibitPolicyMapping).
    pub policy_constraints: Option<(Option<u32>, Option<u32>)>,
    /// inhibitAnyPolicy skipCerts.
    pub inhibit_any_policy: Option<u32>,
    /// cRLDistributionPoints.
    pub crl_distribution_points: Vec<DistributionPoint>,
    /// freshestCRL (delta CRL locations).
    pub freshest_crl: Vec<DistributionPoint>,
    /// authorityInfoAccess id-ad-caIssuers locations that are URIs (RFC 5280 §4.2.2.1):
    /// where the issuer's certificate can be fetched (DER, PEM or a certs-only PKCS #7).
    pub ca_issuers: Vec<String>,
    /// authorityInfoAccess id-ad-ocsp locations that are URIs (RFC 5280 §4.2.2.1): the OCSP
    /// responders for this certificate.
    pub ocsp_responders: Vec<String>,
    /// Critical extensions this crate does not process (dotted OIDs): RFC 5280 §6.1.4 (o).
    pub unknown_critical: Vec<String>,
    /// RFC 5280 §4 profile rules this certificate breaks (checked by strict validation).
    pub profile_violations: Vec<&'static str>,
    /// Every extension OID present, in order, with its criticality (for `inspect`).
    pub present: Vec<(String, bool)>,
    /// The DER value of each extension, by OID (for extensions read elsewhere, such as the
    /// Russian qualified-certificate ones).
    pub raw_values: Vec<(String, Vec<u8>)>,
}

/// A parsed certificate that keeps its DER.
#[derive(Clone)]
pub struct Certificate {
    der: Vec<u8>,
    tbs: Range<usize>,
    spki: Range<usize>,
    signature_algorithm_der: Range<usize>,
    signature: Vec<u8>,
    serial: Vec<u8>,
    version: u32,
    issuer: DistinguishedName,
    subject: DistinguishedName,
    not_before: UnixTime,
    not_after: UnixTime,
    extensions: Extensions,
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject)
            .field("issuer", &self.issuer)
            .field("serial", &hex(&self.serial))
            .finish_non_exhaustive()
    }
}

impl Certificate {
    /// Parses one DER certificate.
    ///
    /// # Errors
    /// [`PkiError::MalformedCertificate`] saying what could not be parsed.
    ///
    /// # Example
    /// ```
    /// use signflow::pki::Certificate;
    /// let c = Certificate::from_der(include_bytes!("../../testdata/pki/leaf-rsa.der"))?;
    /// assert!(c.subject().to_string().contains("Signflow Test Signer RSA"));
    /// # Ok::<(), signflow::pki::PkiError>(())
    /// ```
    pub fn from_der(der: &[u8]) -> Result<Self, PkiError> {
        let malformed = |reason: String| PkiError::MalformedCertificate { reason };
        if der.len() > MAX_CERTIFICATE_LEN {
            return Err(malformed(format!(
                "{} bytes is larger than the limit",
                der.len()
            )));
        }
        parse_certificate(der).map_err(malformed)
    }

    /// Parses every certificate in PEM (several blocks) or DER input.
    ///
    /// # Errors
    /// [`PkiError::Pem`] or [`PkiError::MalformedCertificate`] naming the block.
    pub fn all_from_pem_or_der(input: &[u8]) -> Result<Vec<Self>, PkiError> {
        crate::pem::decode_labelled(
            input,
            &["CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"],
            "a certificate",
        )?
        .iter()
        .enumerate()
        .map(|(i, der)| {
            Self::from_der(der).map_err(|e| match e {
                PkiError::MalformedCertificate { reason } => PkiError::MalformedCertificate {
                    reason: format!("object {i}: {reason}"),
                },
                other => other,
            })
        })
        .collect()
    }

    /// Parses the certificates of a certs-only PKCS #7 / CMS SignedData in DER (a `.p7c` file,
    /// what an authorityInfoAccess caIssuers URL may serve, RFC 5280 §4.2.2.1; what
    /// `openssl crl2pkcs7 -nocrl` writes): at most `max` of them, in order, the rest not read.
    /// Only `certificate` choices are taken (the obsolete extended and attribute certificate
    /// choices are skipped); the signers, if any, are not looked at.
    ///
    /// ```
    /// use signflow::pki::Certificate;
    ///
    /// let p7c = include_bytes!("../../testdata/online/int.p7c");
    /// let certs = Certificate::all_from_certs_only_pkcs7(p7c, 64)?;
    /// assert!(certs[0].subject().to_string().contains("signflow online intermediate"));
    /// # Ok::<(), signflow::pki::PkiError>(())
    /// ```
    ///
    /// # Errors
    /// [`PkiError::MalformedCertsOnly`] when the input is not a DER ContentInfo holding a
    /// SignedData with a certificates field, [`PkiError::MalformedCertificate`] when one of its
    /// certificates does not parse.
    pub fn all_from_certs_only_pkcs7(der: &[u8], max: usize) -> Result<Vec<Self>, PkiError> {
        /// id-signedData (RFC 5652 §5.1), the contents octets of the OID.
        const ID_SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
        let bad = |e: DerError| PkiError::MalformedCertsOnly {
            reason: e.to_string(),
        };
        let mut r = Reader::der(der);
        let ci = r.expect(SEQUENCE, "ContentInfo").map_err(bad)?;
        r.finish("ContentInfo").map_err(bad)?;
        let mut ci = r.enter(&ci);
        let content_type = ci.expect(OID, "contentType").map_err(bad)?;
        if content_type.value != ID_SIGNED_DATA {
            return Err(PkiError::MalformedCertsOnly {
                reason: "the content type is not id-signedData".into(),
            });
        }
        let wrapper = ci.expect(cons(0), "content").map_err(bad)?;
        let mut w = ci.enter(&wrapper);
        let sd = w.expect(SEQUENCE, "SignedData").map_err(bad)?;
        let mut sd = w.enter(&sd);
        sd.expect(INTEGER, "version").map_err(bad)?;
        sd.expect(SET, "digestAlgorithms").map_err(bad)?;
        sd.expect(SEQUENCE, "encapContentInfo").map_err(bad)?;
        let Some(set) = sd.optional(cons(0), "certificates").map_err(bad)? else {
            return Err(PkiError::MalformedCertsOnly {
                reason: "it holds no certificates".into(),
            });
        };
        let mut certs = sd.enter(&set);
        let mut out = Vec::new();
        while !certs.is_empty() && out.len() < max {
            let c = certs.any("certificate").map_err(bad)?;
            if c.tag == SEQUENCE {
                out.push(Self::from_der(c.raw).map_err(|e| match e {
                    PkiError::MalformedCertificate { reason } => PkiError::MalformedCertificate {
                        reason: format!("certificate {}: {reason}", out.len()),
                    },
                    other => other,
                })?);
            }
        }
        Ok(out)
    }

    /// The whole certificate, DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }
    /// The signed part (`tbsCertificate`), DER.
    pub fn tbs_der(&self) -> &[u8] {
        &self.der[self.tbs.clone()]
    }
    /// The subject's public key, SubjectPublicKeyInfo DER.
    pub fn spki_der(&self) -> &[u8] {
        &self.der[self.spki.clone()]
    }
    /// The outer `signatureAlgorithm`, DER.
    pub fn signature_algorithm_der(&self) -> &[u8] {
        &self.der[self.signature_algorithm_der.clone()]
    }
    /// The signature algorithm, if signflow supports it.
    ///
    /// # Errors
    /// [`CryptoError::UnsupportedAlgorithm`] naming the OID, or [`CryptoError::Malformed`].
    pub fn signature_algorithm(&self) -> Result<SignatureAlgorithm, CryptoError> {
        SignatureAlgorithm::from_algorithm_identifier_der(self.signature_algorithm_der(), None)
    }
    /// The signature bits.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }
    /// The serial number's content octets (big-endian, as encoded).
    pub fn serial(&self) -> &[u8] {
        &self.serial
    }
    /// The serial number in lowercase hex.
    pub fn serial_hex(&self) -> String {
        hex(&self.serial)
    }
    /// X.509 version: 0 for v1, 2 for v3.
    pub fn version(&self) -> u32 {
        self.version
    }
    /// Issuer name.
    pub fn issuer(&self) -> &DistinguishedName {
        &self.issuer
    }
    /// Subject name.
    pub fn subject(&self) -> &DistinguishedName {
        &self.subject
    }
    /// Start of the validity period.
    pub fn not_before(&self) -> UnixTime {
        self.not_before
    }
    /// End of the validity period.
    pub fn not_after(&self) -> UnixTime {
        self.not_after
    }
    /// Decoded extensions.
    pub fn extensions(&self) -> &Extensions {
        &self.extensions
    }
    /// Whether subject and issuer are the same name (RFC 5280 "self-issued").
    pub fn is_self_issued(&self) -> bool {
        self.subject == self.issuer
    }
    /// Whether basicConstraints says cA.
    pub fn is_ca(&self) -> bool {
        self.extensions.basic_constraints.is_some_and(|(ca, _)| ca)
    }
    /// The DER value of the extension with this OID, if present.
    pub fn extension_value(&self, oid: &str) -> Option<&[u8]> {
        self.extensions
            .raw_values
            .iter()
            .find(|(o, _)| o == oid)
            .map(|(_, v)| v.as_slice())
    }
    /// SHA-256 of the DER, computed without a provider (an identity for caches and reports).
    pub fn fingerprint_sha256(&self) -> [u8; 32] {
        use sha2::Digest;
        sha2::Sha256::digest(&self.der).into()
    }
}

/// The structure of a Certificate (RFC 5280 §4.1), in DER: every field read, nothing left
/// over, the positions of tbsCertificate, subjectPublicKeyInfo and signatureAlgorithm kept.
fn parse_certificate(der: &[u8]) -> Result<Certificate, String> {
    let bad = |e: DerError| format!("not a DER X.509 certificate: {e}");
    let mut top = Reader::der(der);
    let cert = top.expect(SEQUENCE, "Certificate").map_err(bad)?;
    if !top.is_empty() {
        return Err("trailing data after the certificate".into());
    }
    let mut c = top.enter(&cert);
    let tbs = c.expect(SEQUENCE, "tbsCertificate").map_err(bad)?;
    let outer_alg = c.expect(SEQUENCE, "signatureAlgorithm").map_err(bad)?;
    algorithm_identifier(&outer_alg, &c).map_err(bad)?;
    let signature = c.expect(BIT_STRING, "signatureValue").map_err(bad)?;
    let signature = der_util::bit_string(signature.value, "signatureValue").map_err(bad)?;
    c.finish("Certificate").map_err(bad)?;

    let mut t = c.enter(&tbs);
    let version = match t.optional(cons(0), "version").map_err(bad)? {
        Some(v) => {
            let mut v = t.enter(&v);
            let int = v.expect(INTEGER, "version").map_err(bad)?;
            v.finish("version").map_err(bad)?;
            der_util::der_u32(&int, INTEGER, "version").map_err(bad)?
        }
        None => 0,
    };
    let serial = t.expect(INTEGER, "serialNumber").map_err(bad)?;
    if serial.value.is_empty() {
        return Err(bad(DerError("serialNumber is empty".into())));
    }
    let inner_alg = t.expect(SEQUENCE, "signature").map_err(bad)?;
    if inner_alg.raw != outer_alg.raw {
        return Err("signature algorithm differs inside and outside tbsCertificate".into());
    }
    let issuer = t.expect(SEQUENCE, "issuer").map_err(bad)?;
    let issuer = DistinguishedName::decode(&issuer, &t).map_err(bad)?;
    let validity = t.expect(SEQUENCE, "validity").map_err(bad)?;
    let mut v = t.enter(&validity);
    let time = |tlv: Result<Tlv<'_>, DerError>| -> Result<UnixTime, String> {
        der_util::x509_time(&tlv.map_err(bad)?).map_err(|e| format!("bad validity: {e}"))
    };
    let not_before = time(v.any("notBefore"))?;
    let not_after = time(v.any("notAfter"))?;
    v.finish("validity").map_err(bad)?;
    let subject = t.expect(SEQUENCE, "subject").map_err(bad)?;
    let subject = DistinguishedName::decode(&subject, &t).map_err(bad)?;
    let spki = t.expect(SEQUENCE, "subjectPublicKeyInfo").map_err(bad)?;
    let mut k = t.enter(&spki);
    let key_alg = k
        .expect(SEQUENCE, "subjectPublicKeyInfo algorithm")
        .map_err(bad)?;
    algorithm_identifier(&key_alg, &k).map_err(bad)?;
    k.expect(BIT_STRING, "subjectPublicKey").map_err(bad)?;
    k.finish("subjectPublicKeyInfo").map_err(bad)?;
    for (tag, what) in [(prim(1), "issuerUniqueID"), (prim(2), "subjectUniqueID")] {
        if let Some(id) = t.optional(tag, what).map_err(bad)? {
            der_util::bit_string(id.value, what).map_err(bad)?;
        }
    }
    let mut extensions = Vec::new();
    if let Some(wrapper) = t.optional(cons(3), "extensions").map_err(bad)? {
        let mut w = t.enter(&wrapper);
        let list = w.expect(SEQUENCE, "extensions").map_err(bad)?;
        w.finish("extensions").map_err(bad)?;
        extensions = read_extensions(&list, &w).map_err(bad)?;
    }
    t.finish("tbsCertificate").map_err(bad)?;
    let extensions = parse_extensions(&extensions, &issuer)?;
    Ok(Certificate {
        der: der.to_vec(),
        tbs: tbs.range(),
        spki: spki.range(),
        signature_algorithm_der: outer_alg.range(),
        signature: signature.to_vec(),
        serial: serial.value.to_vec(),
        version,
        issuer,
        subject,
        not_before,
        not_after,
        extensions,
    })
}

/// Checks an AlgorithmIdentifier: an OBJECT IDENTIFIER and at most one parameters element.
pub(crate) fn algorithm_identifier(alg: &Tlv<'_>, outer: &Reader<'_>) -> Result<(), DerError> {
    let mut a = outer.enter(alg);
    let id = a.expect(OID, "algorithm")?;
    if !der_util::is_oid_contents(id.value) {
        return Err(DerError(
            "algorithm is not a valid OBJECT IDENTIFIER".into(),
        ));
    }
    if !a.is_empty() {
        a.any("algorithm parameters")?;
    }
    a.finish("AlgorithmIdentifier")
}

/// One extension (RFC 5280 §4.1): its OID (dotted), criticality and extnValue contents.
pub(crate) struct RawExtension<'a> {
    pub oid: String,
    pub critical: bool,
    pub value: &'a [u8],
}

/// Reads the Extension elements of an Extensions SEQUENCE.
pub(crate) fn read_extensions<'a>(
    list: &Tlv<'a>,
    outer: &Reader<'a>,
) -> Result<Vec<RawExtension<'a>>, DerError> {
    let mut r = outer.enter(list);
    let mut out = Vec::new();
    while !r.is_empty() {
        let ext = r.expect(SEQUENCE, "Extension")?;
        let mut f = r.enter(&ext);
        let oid = oid_text(&f.expect(OID, "extnID")?, "extnID")?;
        let critical = match f.optional(BOOLEAN, "critical")? {
            Some(b) => der_util::der_bool(&b, "critical")?,
            None => false,
        };
        let value = f.expect(OCTET_STRING, "extnValue")?.value;
        f.finish("Extension")?;
        out.push(RawExtension {
            oid,
            critical,
            value,
        });
    }
    Ok(out)
}

/// The dotted text of an OBJECT IDENTIFIER element.
pub(crate) fn oid_text(tlv: &Tlv<'_>, what: &str) -> Result<String, DerError> {
    if tlv.tag != OID {
        return Err(DerError(format!("{what} is not an OBJECT IDENTIFIER")));
    }
    der_util::oid_dotted(tlv.value)
        .ok_or_else(|| DerError(format!("{what} is not a valid OBJECT IDENTIFIER")))
}

/// The one element of an extension value, which must fill it, and the reader it came from.
fn single<'a>(value: &'a [u8], tag: u8, what: &str) -> Result<(Tlv<'a>, Reader<'a>), DerError> {
    let mut r = Reader::der(value);
    let t = r.expect(tag, what)?;
    r.finish(what)?;
    Ok((t, r))
}

/// The reader over the contents of the SEQUENCE an extension value holds.
fn sequence<'a>(value: &'a [u8], what: &str) -> Result<Reader<'a>, DerError> {
    let (seq, r) = single(value, SEQUENCE, what)?;
    Ok(r.enter(&seq))
}

fn basic_constraints(value: &[u8]) -> Result<(bool, Option<u32>), DerError> {
    let mut f = sequence(value, "basicConstraints")?;
    let ca = match f.optional(BOOLEAN, "cA")? {
        Some(b) => der_util::der_bool(&b, "cA")?,
        None => false,
    };
    let path_len = match f.optional(INTEGER, "pathLenConstraint")? {
        Some(i) => Some(der_util::der_u32(&i, INTEGER, "pathLenConstraint")?),
        None => None,
    };
    f.finish("basicConstraints")?;
    Ok((ca, path_len))
}

fn key_usage(value: &[u8]) -> Result<KeyUsage, DerError> {
    let (bits, _) = single(value, BIT_STRING, "keyUsage")?;
    let bits = der_util::bit_string(bits.value, "keyUsage")?;
    let octet = |i: usize| u16::from(bits.get(i).copied().unwrap_or(0).reverse_bits());
    Ok(KeyUsage(octet(0) | (octet(1) << 8)))
}

/// extKeyUsage purposes: each once, in the order given, except that the purposes RFC 5280
/// names come after the others (as signflow has always listed them).
fn extended_key_usage(value: &[u8]) -> Result<Vec<String>, DerError> {
    const KNOWN: [&str; 7] = [
        ANY_EXTENDED_KEY_USAGE,
        "1.3.6.1.5.5.7.3.1",
        "1.3.6.1.5.5.7.3.2",
        "1.3.6.1.5.5.7.3.3",
        "1.3.6.1.5.5.7.3.4",
        "1.3.6.1.5.5.7.3.8",
        "1.3.6.1.5.5.7.3.9",
    ];
    let mut r = sequence(value, "extKeyUsage")?;
    let mut others: Vec<String> = Vec::new();
    let mut known = [false; KNOWN.len()];
    while !r.is_empty() {
        let oid = oid_text(&r.any("KeyPurposeId")?, "KeyPurposeId")?;
        match KNOWN.iter().position(|k| *k == oid) {
            Some(i) => known[i] = true,
            None if !others.contains(&oid) => others.push(oid),
            None => {}
        }
    }
    others.extend(
        KNOWN
            .iter()
            .zip(known)
            .filter(|(_, set)| *set)
            .map(|(k, _)| (*k).to_owned()),
    );
    Ok(others)
}

/// authorityKeyIdentifier: (keyIdentifier, whether authorityCertIssuer or
/// authorityCertSerialNumber is present).
fn authority_key_id(value: &[u8]) -> Result<(Option<Vec<u8>>, bool), DerError> {
    let mut f = sequence(value, "authorityKeyIdentifier")?;
    let key_id = f
        .optional(prim(0), "keyIdentifier")?
        .map(|k| k.value.to_vec());
    let issuer = f.optional(cons(1), "authorityCertIssuer")?;
    if let Some(names) = &issuer {
        GeneralName::decode_all(f.enter(names))?;
    }
    let serial = f.optional(prim(2), "authorityCertSerialNumber")?;
    f.finish("authorityKeyIdentifier")?;
    Ok((key_id, issuer.is_some() || serial.is_some()))
}

/// A GeneralNames extension value (subjectAltName, issuerAltName, certificateIssuer).
pub(crate) fn general_names(value: &[u8], what: &str) -> Result<Vec<GeneralName>, DerError> {
    GeneralName::decode_all(sequence(value, what)?)
}

fn general_subtrees(mut r: Reader<'_>) -> Result<Vec<GeneralName>, DerError> {
    let mut out = Vec::new();
    while !r.is_empty() {
        let subtree = r.expect(SEQUENCE, "GeneralSubtree")?;
        let mut f = r.enter(&subtree);
        let base = f.any("GeneralSubtree base")?;
        out.push(GeneralName::decode(&base, &f)?);
        for (tag, what) in [(prim(0), "minimum"), (prim(1), "maximum")] {
            if let Some(n) = f.optional(tag, what)? {
                der_util::der_u32(&n, tag, what)?;
            }
        }
        f.finish("GeneralSubtree")?;
    }
    Ok(out)
}

type Subtrees = (Option<Vec<GeneralName>>, Vec<GeneralName>);

fn name_constraints(value: &[u8]) -> Result<Subtrees, DerError> {
    let mut f = sequence(value, "nameConstraints")?;
    let permitted = match f.optional(cons(0), "permittedSubtrees")? {
        Some(p) => Some(general_subtrees(f.enter(&p))?),
        None => None,
    };
    let excluded = match f.optional(cons(1), "excludedSubtrees")? {
        Some(e) => general_subtrees(f.enter(&e))?,
        None => Vec::new(),
    };
    f.finish("nameConstraints")?;
    Ok((permitted, excluded))
}

/// certificatePolicies: the policy OIDs in order (qualifiers checked for shape only).
fn certificate_policies(value: &[u8]) -> Result<Vec<String>, DerError> {
    let mut r = sequence(value, "certificatePolicies")?;
    let mut out = Vec::new();
    while !r.is_empty() {
        let info = r.expect(SEQUENCE, "PolicyInformation")?;
        let mut f = r.enter(&info);
        out.push(oid_text(&f.any("policyIdentifier")?, "policyIdentifier")?);
        if let Some(qualifiers) = f.optional(SEQUENCE, "policyQualifiers")? {
            let mut q = f.enter(&qualifiers);
            while !q.is_empty() {
                let qualifier = q.expect(SEQUENCE, "PolicyQualifierInfo")?;
                let mut qf = q.enter(&qualifier);
                oid_text(&qf.any("policyQualifierId")?, "policyQualifierId")?;
                if !qf.is_empty() {
                    qf.any("qualifier")?;
                }
                qf.finish("PolicyQualifierInfo")?;
            }
        }
        f.finish("PolicyInformation")?;
    }
    Ok(out)
}

fn policy_mappings(value: &[u8]) -> Result<Vec<(String, String)>, DerError> {
    let mut r = sequence(value, "policyMappings")?;
    let mut out = Vec::new();
    while !r.is_empty() {
        let mapping = r.expect(SEQUENCE, "policy mapping")?;
        let mut f = r.enter(&mapping);
        let issuer = oid_text(&f.any("issuerDomainPolicy")?, "issuerDomainPolicy")?;
        let subject = oid_text(&f.any("subjectDomainPolicy")?, "subjectDomainPolicy")?;
        f.finish("policy mapping")?;
        out.push((issuer, subject));
    }
    Ok(out)
}

fn policy_constraints(value: &[u8]) -> Result<(Option<u32>, Option<u32>), DerError> {
    let mut f = sequence(value, "policyConstraints")?;
    let mut skip = |n: u8, what: &str| -> Result<Option<u32>, DerError> {
        f.optional(prim(n), what)?
            .map(|t| der_util::der_u32(&t, prim(n), what))
            .transpose()
    };
    let require = skip(0, "requireExplicitPolicy")?;
    let inhibit = skip(1, "inhibitPolicyMapping")?;
    f.finish("policyConstraints")?;
    Ok((require, inhibit))
}

fn inhibit_any_policy(value: &[u8]) -> Result<u32, DerError> {
    let (skip, _) = single(value, INTEGER, "inhibitAnyPolicy")?;
    der_util::der_u32(&skip, INTEGER, "inhibitAnyPolicy")
}

/// id-ad-caIssuers (RFC 5280 §4.2.2.1).
const ID_AD_CA_ISSUERS: &str = "1.3.6.1.5.5.7.48.2";
/// id-ad-ocsp (RFC 5280 §4.2.2.1).
const ID_AD_OCSP: &str = "1.3.6.1.5.5.7.48.1";
/// At most this many access descriptions of one kind are kept (a hostile certificate cannot
/// make the online fetcher's work list grow with its size).
const MAX_ACCESS_LOCATIONS: usize = 8;

/// authorityInfoAccess and subjectInfoAccess: every AccessDescription, as (accessMethod,
/// accessLocation) pairs.
fn access_descriptions(value: &[u8], what: &str) -> Result<Vec<(String, GeneralName)>, DerError> {
    let mut r = sequence(value, what)?;
    let mut out = Vec::new();
    while !r.is_empty() {
        let desc = r.expect(SEQUENCE, "AccessDescription")?;
        let mut f = r.enter(&desc);
        let method = oid_text(&f.any("accessMethod")?, "accessMethod")?;
        let location = f.any("accessLocation")?;
        let name = GeneralName::decode(&location, &f)?;
        f.finish("AccessDescription")?;
        out.push((method, name));
    }
    Ok(out)
}

/// The URIs of authorityInfoAccess: (caIssuers, ocsp), each at most [`MAX_ACCESS_LOCATIONS`].
fn authority_info_access(value: &[u8]) -> Result<(Vec<String>, Vec<String>), DerError> {
    let mut ca_issuers = Vec::new();
    let mut ocsp = Vec::new();
    for (method, name) in access_descriptions(value, "authorityInfoAccess")? {
        let GeneralName::Uri(uri) = name else {
            continue;
        };
        let list = match method.as_str() {
            ID_AD_CA_ISSUERS => &mut ca_issuers,
            ID_AD_OCSP => &mut ocsp,
            _ => continue,
        };
        if list.len() < MAX_ACCESS_LOCATIONS {
            list.push(uri);
        }
    }
    Ok((ca_issuers, ocsp))
}

fn parse_extensions(
    exts: &[RawExtension<'_>],
    issuer: &DistinguishedName,
) -> Result<Extensions, String> {
    let mut out = Extensions::default();
    let mut seen = std::collections::HashSet::new();
    for ext in exts {
        let oid = ext.oid.as_str();
        if !seen.insert(oid) {
            return Err(format!("extension {oid} appears twice (RFC 5280 §4.2)"));
        }
        out.present.push((oid.to_owned(), ext.critical));
        out.raw_values.push((oid.to_owned(), ext.value.to_vec()));
        // Malformed values of the extensions signflow decodes: a certificate with a critical
        // one is refused, a non-critical one is a profile violation (and is not acted on).
        let decoded: Result<(), DerError> = (|| {
            match oid {
                "2.5.29.19" => out.basic_constraints = Some(basic_constraints(ext.value)?),
                "2.5.29.15" => out.key_usage = Some(key_usage(ext.value)?),
                "2.5.29.37" => out.extended_key_usage = Some(extended_key_usage(ext.value)?),
                "2.5.29.14" => {
                    let (id, _) = single(ext.value, OCTET_STRING, "subjectKeyIdentifier")?;
                    out.subject_key_id = Some(id.value.to_vec());
                }
                "2.5.29.35" => {
                    let (key_id, names_issuer) = authority_key_id(ext.value)?;
                    if ext.critical {
                        out.profile_violations
                            .push("authorityKeyIdentifier is critical (RFC 5280 §4.2.1.1)");
                    }
                    if key_id.is_none() {
                        out.profile_violations.push(
                            "authorityKeyIdentifier without keyIdentifier (RFC 5280 §4.2.1.1)",
                        );
                    }
                    if names_issuer {
                        out.profile_violations
                            .push("authorityKeyIdentifier names issuer and serial (CA/B BR 7.1.2)");
                    }
                    out.authority_key_id = key_id;
                }
                "2.5.29.17" => out.subject_alt_names = general_names(ext.value, "subjectAltName")?,
                "2.5.29.30" => out.name_constraints = Some(name_constraints(ext.value)?),
                "2.5.29.32" => out.policies = Some(certificate_policies(ext.value)?),
                "2.5.29.33" => out.policy_mappings = Some(policy_mappings(ext.value)?),
                "2.5.29.36" => out.policy_constraints = Some(policy_constraints(ext.value)?),
                "2.5.29.54" => out.inhibit_any_policy = Some(inhibit_any_policy(ext.value)?),
                // Understood only when non-critical: checked for shape.
                "1.3.6.1.5.5.7.1.1" | "1.3.6.1.5.5.7.1.11" | "2.5.29.18" => {
                    match oid {
                        "2.5.29.18" => {
                            general_names(ext.value, "issuerAltName")?;
                        }
                        "1.3.6.1.5.5.7.1.1" => {
                            (out.ca_issuers, out.ocsp_responders) =
                                authority_info_access(ext.value)?;
                        }
                        _ => {
                            access_descriptions(ext.value, "subjectInfoAccess")?;
                        }
                    }
                    if ext.critical {
                        out.unknown_critical.push(oid.to_owned());
                    }
                }
                // cRLDistributionPoints and freshestCRL (same syntax) are decoded below.
                "2.5.29.31" | "2.5.29.46" => {}
                _ => {
                    if ext.critical {
                        out.unknown_critical.push(oid.to_owned());
                    }
                }
            }
            Ok(())
        })();
        if let Err(error) = decoded {
            if ext.critical {
                return Err(format!("critical extension {oid} is malformed: {error}"));
            }
            out.profile_violations
                .push("a non-critical extension is malformed");
        }
        match oid {
            "2.5.29.31" => {
                out.crl_distribution_points = parse_distribution_points(ext.value, issuer)?
            }
            "2.5.29.46" => out.freshest_crl = parse_distribution_points(ext.value, issuer)?,
            _ => {}
        }
        if let Some(policies) = &out.policies
            && oid == "2.5.29.32"
        {
            for (i, id) in policies.iter().enumerate() {
                if policies[..i].contains(id) {
                    return Err(format!("policy {id} appears twice in certificatePolicies"));
                }
            }
        }
    }
    let critical = |oid: &str| out.present.iter().any(|(o, c)| o == oid && *c);
    let present = |oid: &str| out.present.iter().any(|(o, _)| o == oid);
    if present("2.5.29.36") && !critical("2.5.29.36") {
        out.profile_violations
            .push("policyConstraints is not critical (RFC 5280 §4.2.1.11)");
    }
    if out.basic_constraints.is_some_and(|(ca, _)| ca) && !critical("2.5.29.19") {
        out.profile_violations
            .push("basicConstraints of a CA is not critical (RFC 5280 §4.2.1.9)");
    }
    if out.extended_key_usage.as_ref().is_some_and(Vec::is_empty) {
        out.profile_violations
            .push("extendedKeyUsage is empty (RFC 5280 §4.2.1.12)");
    }
    let is_ca = out.basic_constraints.is_some_and(|(ca, _)| ca);
    if out
        .key_usage
        .is_some_and(|k| k.allows(KeyUsage::KEY_CERT_SIGN))
        && !is_ca
    {
        out.profile_violations
            .push("keyCertSign without cA (RFC 5280 §4.2.1.3)");
    }
    if present("2.5.29.30") && !critical("2.5.29.30") {
        out.profile_violations
            .push("nameConstraints is not critical (RFC 5280 §4.2.1.10)");
    }
    if out
        .name_constraints
        .as_ref()
        .is_some_and(|(p, e)| p.as_ref().is_none_or(Vec::is_empty) && e.is_empty())
    {
        out.profile_violations
            .push("nameConstraints names no subtree (RFC 5280 §4.2.1.10)");
    }
    if is_ca
        && out
            .key_usage
            .is_some_and(|k| !k.allows(KeyUsage::KEY_CERT_SIGN))
    {
        out.profile_violations
            .push("cA asserted but keyUsage lacks keyCertSign (RFC 5280 §4.2.1.3, CA/B 7.1.2)");
    }
    if out.name_constraints.as_ref().is_some_and(|(p, e)| {
        p.iter()
            .flatten()
            .chain(e)
            .any(|g| matches!(g, GeneralName::Dns(d) if !super::name::is_dns_constraint(d)))
    }) {
        // "www.host.com" and "host.com", never ".host.com" or "*.host.com" (limbo
        // rfc5280::nc::invalid-dnsname-leading-period); outside strict mode a leading period
        // still means "subdomains only", as OpenSSL reads it.
        out.profile_violations.push(
            "nameConstraints dNSName is not a host name (leading period, wildcard or bad \
             label; RFC 5280 §4.2.1.10)",
        );
    }
    if out.name_constraints.is_some() && !is_ca {
        out.profile_violations
            .push("nameConstraints in an end-entity certificate (RFC 5280 §4.2.1.10)");
    }
    Ok(out)
}

/// Decodes a DistributionPointName (the element inside `[0]`); a nameRelativeToCRLIssuer is
/// appended to `base`.
pub(crate) fn decode_dp_name(
    name: &Tlv<'_>,
    outer: &Reader<'_>,
    base: &DistinguishedName,
) -> Result<(Vec<GeneralName>, Option<DistinguishedName>), String> {
    let bad = |e: DerError| format!("distributionPoint is malformed: {e}");
    match name.tag {
        t if t == cons(0) => {
            let names = GeneralName::decode_all(outer.enter(name)).map_err(bad)?;
            if names.is_empty() {
                return Err("distributionPoint fullName is empty".into());
            }
            Ok((names, None))
        }
        t if t == cons(1) => {
            // [1] IMPLICIT RelativeDistinguishedName: the same contents under a SET tag.
            let mut rdn = name.raw.to_vec();
            rdn[0] = der_util::SET;
            let mut base_reader = Reader::der(base.as_der());
            let base_name = base_reader.expect(SEQUENCE, "Name").map_err(bad)?;
            let name = der_util::tlv_parts(SEQUENCE, &[base_name.value, &rdn]);
            Ok((
                Vec::new(),
                Some(DistinguishedName::from_der(&name).map_err(|e| e.to_string())?),
            ))
        }
        t => Err(format!("distributionPoint has the unknown tag 0x{t:02x}")),
    }
}

/// ReasonFlags (RFC 5280 §4.2.1.13), bit 0 = unused: the first two octets, at most 9 bits.
pub(crate) fn reason_flags(tlv: &Tlv<'_>, what: &str) -> Result<u16, String> {
    let bits = der_util::bit_string(tlv.value, what).map_err(String::from)?;
    let octet = |i: usize| u16::from(bits.get(i).copied().unwrap_or(0).reverse_bits());
    if bits.len() > 2 || octet(1) & !1 != 0 {
        return Err(format!("{what} names reasons RFC 5280 does not define"));
    }
    Ok(octet(0) | (octet(1) << 8))
}

/// Decodes `CRLDistributionPoints` (also the syntax of freshestCRL).
fn parse_distribution_points(
    value: &[u8],
    issuer: &DistinguishedName,
) -> Result<Vec<DistributionPoint>, String> {
    let bad = |e: DerError| format!("cRLDistributionPoints is malformed: {e}");
    let mut r = sequence(value, "cRLDistributionPoints").map_err(bad)?;
    let mut out = Vec::new();
    while !r.is_empty() {
        let point = r.expect(SEQUENCE, "DistributionPoint").map_err(bad)?;
        let mut f = r.enter(&point);
        let name = f.optional(cons(0), "distributionPoint").map_err(bad)?;
        let reasons = f.optional(prim(1), "reasons").map_err(bad)?;
        let crl_issuer = match f.optional(cons(2), "cRLIssuer").map_err(bad)? {
            Some(names) => GeneralName::decode_all(f.enter(&names)).map_err(bad)?,
            None => Vec::new(),
        };
        f.finish("DistributionPoint").map_err(bad)?;
        // RFC 5280 §4.2.1.13: a relative name extends the cRLIssuer if present, else the
        // certificate's issuer.
        let base = crl_issuer
            .iter()
            .find_map(|g| {
                if let GeneralName::Directory(d) = g {
                    Some(d)
                } else {
                    None
                }
            })
            .unwrap_or(issuer);
        let (full_name, relative_name) = match &name {
            Some(wrapper) => {
                let mut w = f.enter(wrapper);
                let inner = w.any("DistributionPointName").map_err(bad)?;
                w.finish("distributionPoint").map_err(bad)?;
                decode_dp_name(&inner, &w, base)?
            }
            None => (Vec::new(), None),
        };
        out.push(DistributionPoint {
            full_name,
            relative_name,
            reasons: reasons.map(|r| reason_flags(&r, "reasons")).transpose()?,
            crl_issuer,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authority_info_access_uris_are_read() {
        // testdata/online/generate.sh: authorityInfoAccess = caIssuers;URI:…,OCSP;URI:…
        let leaf = &Certificate::all_from_pem_or_der(include_bytes!(
            "../../testdata/online/leaf-ocsp.pem"
        ))
        .unwrap()[0];
        let ext = leaf.extensions();
        assert_eq!(ext.ca_issuers, ["http://pki.signflow.test/int.p7c"]);
        assert_eq!(ext.ocsp_responders, ["http://pki.signflow.test/ocsp"]);
        let good = &Certificate::all_from_pem_or_der(include_bytes!(
            "../../testdata/online/leaf-good.pem"
        ))
        .unwrap()[0];
        assert_eq!(
            good.extensions().ca_issuers,
            ["http://pki.signflow.test/int.crt"]
        );
        assert!(good.extensions().ocsp_responders.is_empty());
    }
}
