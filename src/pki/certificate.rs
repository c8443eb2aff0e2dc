//! X.509 certificates (RFC 5280 §4), parsed once with `x509-parser` into an owned form that
//! keeps the raw DER.

use core::fmt;
use core::ops::Range;

use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::ParsedExtension;
use x509_parser::prelude::FromDer;

use super::error::PkiError;
use super::name::{DistinguishedName, GeneralName};
use super::time::UnixTime;
use crate::crypto::{CryptoError, SignatureAlgorithm};

/// `anyPolicy` (RFC 5280 §4.2.1.4).
pub const ANY_POLICY: &str = "2.5.29.32.0";
/// `anyExtendedKeyUsage` (RFC 5280 §4.2.1.12).
pub const ANY_EXTENDED_KEY_USAGE: &str = "2.5.29.37.0";

/// Largest certificate accepted (bounds hostile input).
pub const MAX_CERTIFICATE_LEN: usize = 256 * 1024;

/// Key usage bits (RFC 5280 §4.2.1.3), as x509-parser numbers them (bit 0 = digitalSignature).
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

/// Lowercase hex of bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Length of the first DER TLV in `bytes` (definite lengths only).
pub(crate) fn tlv_len(bytes: &[u8]) -> Option<usize> {
    let first_len = *bytes.get(1)?;
    let (len, header) = if first_len < 0x80 {
        (first_len as usize, 2)
    } else {
        let n = (first_len & 0x7f) as usize;
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | *bytes.get(2 + i)? as usize;
        }
        (len, 2 + n)
    };
    let total = header.checked_add(len)?;
    (total <= bytes.len()).then_some(total)
}

fn offset_in(outer: &[u8], inner: &[u8]) -> Range<usize> {
    let start = inner.as_ptr() as usize - outer.as_ptr() as usize;
    start..start + inner.len()
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
        let (rest, cert) = X509Certificate::from_der(der)
            .map_err(|e| malformed(format!("not a DER X.509 certificate: {e}")))?;
        if !rest.is_empty() {
            return Err(malformed("trailing data after the certificate".into()));
        }
        let tbs_raw: &[u8] = cert.tbs_certificate.as_ref();
        let tbs = offset_in(der, tbs_raw);
        let after_tbs = &der[tbs.end..];
        let alg_len =
            tlv_len(after_tbs).ok_or_else(|| malformed("bad signatureAlgorithm".into()))?;
        let signature_algorithm_der = tbs.end..tbs.end + alg_len;
        let spki = offset_in(der, cert.tbs_certificate.subject_pki.raw);
        let tbs_cert = &cert.tbs_certificate;
        if tbs_cert.signature != cert.signature_algorithm {
            return Err(malformed(
                "signature algorithm differs inside and outside tbsCertificate".into(),
            ));
        }
        let issuer = DistinguishedName::from_x509(&tbs_cert.issuer);
        let extensions = parse_extensions(tbs_cert.extensions(), &issuer).map_err(malformed)?;
        Ok(Self {
            der: der.to_vec(),
            tbs,
            spki,
            signature_algorithm_der,
            signature: cert.signature_value.data.to_vec(),
            serial: tbs_cert.raw_serial().to_vec(),
            version: tbs_cert.version.0,
            issuer,
            subject: DistinguishedName::from_x509(&tbs_cert.subject),
            not_before: UnixTime(tbs_cert.validity.not_before.timestamp()),
            not_after: UnixTime(tbs_cert.validity.not_after.timestamp()),
            extensions,
        })
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

fn parse_extensions(
    exts: &[x509_parser::extensions::X509Extension<'_>],
    issuer: &DistinguishedName,
) -> Result<Extensions, String> {
    let mut out = Extensions::default();
    let mut seen = std::collections::HashSet::new();
    for ext in exts {
        let oid = ext.oid.to_id_string();
        if !seen.insert(oid.clone()) {
            return Err(format!("extension {oid} appears twice (RFC 5280 §4.2)"));
        }
        out.present.push((oid.clone(), ext.critical));
        out.raw_values.push((oid.clone(), ext.value.to_vec()));
        match ext.parsed_extension() {
            ParsedExtension::BasicConstraints(bc) => {
                out.basic_constraints = Some((bc.ca, bc.path_len_constraint))
            }
            ParsedExtension::KeyUsage(ku) => out.key_usage = Some(KeyUsage(ku.flags)),
            ParsedExtension::ExtendedKeyUsage(eku) => {
                let mut purposes: Vec<String> =
                    eku.other.iter().map(|o| o.to_id_string()).collect();
                for (set, oid) in [
                    (eku.any, ANY_EXTENDED_KEY_USAGE),
                    (eku.server_auth, "1.3.6.1.5.5.7.3.1"),
                    (eku.client_auth, "1.3.6.1.5.5.7.3.2"),
                    (eku.code_signing, "1.3.6.1.5.5.7.3.3"),
                    (eku.email_protection, "1.3.6.1.5.5.7.3.4"),
                    (eku.time_stamping, "1.3.6.1.5.5.7.3.8"),
                    (eku.ocsp_signing, "1.3.6.1.5.5.7.3.9"),
                ] {
                    if set {
                        purposes.push(oid.to_owned());
                    }
                }
                out.extended_key_usage = Some(purposes);
            }
            ParsedExtension::SubjectKeyIdentifier(id) => out.subject_key_id = Some(id.0.to_vec()),
            ParsedExtension::AuthorityKeyIdentifier(aki) => {
                out.authority_key_id = aki.key_identifier.as_ref().map(|k| k.0.to_vec());
                if ext.critical {
                    out.profile_violations
                        .push("authorityKeyIdentifier is critical (RFC 5280 §4.2.1.1)");
                }
                if aki.key_identifier.is_none() {
                    out.profile_violations
                        .push("authorityKeyIdentifier without keyIdentifier (RFC 5280 §4.2.1.1)");
                }
                if aki.authority_cert_issuer.is_some() || aki.authority_cert_serial.is_some() {
                    out.profile_violations
                        .push("authorityKeyIdentifier names issuer and serial (CA/B BR 7.1.2)");
                }
            }
            ParsedExtension::SubjectAlternativeName(san) => {
                out.subject_alt_names = san
                    .general_names
                    .iter()
                    .map(GeneralName::from_x509)
                    .collect()
            }
            ParsedExtension::NameConstraints(nc) => {
                let conv = |v: &Option<Vec<x509_parser::extensions::GeneralSubtree<'_>>>| {
                    v.as_ref().map(|s| {
                        s.iter()
                            .map(|t| GeneralName::from_x509(&t.base))
                            .collect::<Vec<_>>()
                    })
                };
                out.name_constraints = Some((
                    conv(&nc.permitted_subtrees),
                    conv(&nc.excluded_subtrees).unwrap_or_default(),
                ))
            }
            ParsedExtension::CertificatePolicies(p) => {
                let mut oids: Vec<String> = Vec::new();
                for info in p {
                    let id = info.policy_id.to_id_string();
                    if oids.contains(&id) {
                        return Err(format!("policy {id} appears twice in certificatePolicies"));
                    }
                    oids.push(id);
                }
                out.policies = Some(oids)
            }
            ParsedExtension::PolicyMappings(m) => {
                out.policy_mappings = Some(
                    m.mappings
                        .iter()
                        .map(|m| {
                            (
                                m.issuer_domain_policy.to_id_string(),
                                m.subject_domain_policy.to_id_string(),
                            )
                        })
                        .collect(),
                )
            }
            ParsedExtension::PolicyConstraints(pc) => {
                out.policy_constraints =
                    Some((pc.require_explicit_policy, pc.inhibit_policy_mapping))
            }
            ParsedExtension::InhibitAnyPolicy(i) => out.inhibit_any_policy = Some(i.skip_certs),
            ParsedExtension::CRLDistributionPoints(_) => {
                out.crl_distribution_points = parse_distribution_points(ext.value, issuer)?
            }
            ParsedExtension::UnsupportedExtension { .. } if oid == "2.5.29.46" => {
                // freshestCRL has the CRLDistributionPoints syntax.
                out.freshest_crl = parse_distribution_points(ext.value, issuer)?
            }
            ParsedExtension::ParseError { error } => {
                if ext.critical {
                    return Err(format!("critical extension {oid} is malformed: {error}"));
                }
                out.profile_violations
                    .push("a non-critical extension is malformed");
            }
            // Known but not acted on here: understood only when non-critical.
            ParsedExtension::AuthorityInfoAccess(_)
            | ParsedExtension::SubjectInfoAccess(_)
            | ParsedExtension::IssuerAlternativeName(_)
                if !ext.critical => {}
            _ => {
                if ext.critical {
                    out.unknown_critical.push(oid);
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

/// Decodes a DistributionPointName; a nameRelativeToCRLIssuer is appended to `base`.
pub(crate) fn decode_dp_name(
    name: Option<&x509_cert::ext::pkix::name::DistributionPointName>,
    base: &DistinguishedName,
) -> Result<(Vec<GeneralName>, Option<DistinguishedName>), String> {
    use der::Encode;
    use x509_cert::ext::pkix::name::DistributionPointName as N;
    match name {
        None => Ok((Vec::new(), None)),
        Some(N::FullName(names)) => Ok((
            names
                .iter()
                .map(GeneralName::from_x509_cert)
                .collect::<Result<_, _>>()?,
            None,
        )),
        Some(N::NameRelativeToCRLIssuer(rdn)) => {
            let rdn_der = rdn.to_der().map_err(|e| e.to_string())?;
            let base_der = base.as_der();
            let header = tlv_len(base_der)
                .map(|total| total - content_len(base_der))
                .unwrap_or(2);
            let mut content = base_der.get(header..).unwrap_or_default().to_vec();
            content.extend_from_slice(&rdn_der);
            let mut name = vec![0x30];
            push_der_len(&mut name, content.len());
            name.extend_from_slice(&content);
            Ok((Vec::new(), Some(DistinguishedName::from_der(&name)?)))
        }
    }
}

fn content_len(tlv: &[u8]) -> usize {
    match tlv.get(1) {
        Some(&b) if b < 0x80 => b as usize,
        Some(&b) => {
            let n = (b & 0x7f) as usize;
            tlv.get(2..2 + n).map_or(0, |bytes| {
                bytes.iter().fold(0usize, |acc, &x| (acc << 8) | x as usize)
            })
        }
        None => 0,
    }
}

fn push_der_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// Decodes `CRLDistributionPoints` (also the syntax of freshestCRL).
fn parse_distribution_points(
    value: &[u8],
    issuer: &DistinguishedName,
) -> Result<Vec<DistributionPoint>, String> {
    use der::Decode;
    let points = x509_cert::ext::pkix::CrlDistributionPoints::from_der(value)
        .map_err(|e| format!("cRLDistributionPoints is malformed: {e}"))?;
    points
        .0
        .iter()
        .map(|p| {
            let crl_issuer: Vec<GeneralName> = p
                .crl_issuer
                .iter()
                .flatten()
                .map(GeneralName::from_x509_cert)
                .collect::<Result<_, _>>()?;
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
            let (full_name, relative_name) = decode_dp_name(p.distribution_point.as_ref(), base)?;
            Ok(DistributionPoint {
                full_name,
                relative_name,
                reasons: p.reasons.map(|r| r.bits()),
                crl_issuer,
            })
        })
        .collect()
}
