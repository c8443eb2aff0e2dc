//! CAdES-C and CAdES-X Long (ETSI TS 101 733 §6.2–6.3, RFC 5126 §6.2–6.3): the complete
//! certificate and revocation references, the certificate and revocation values, and the
//! time-stamps over them — read and checked on verification, and made by
//! [`extend_to_x_long_type1`].
//!
//! certificate-values and revocation-values (CRLs and BasicOCSPResponses) are *untrusted*
//! material: they only help build the signer's (and its TSAs') paths and answer revocation,
//! every certificate, CRL and response still checked as if it came from anywhere else. So an
//! X Long signature verifies offline with nothing but a trust anchor.
//!
//! complete-certificate-references are checked against the certificates they reference
//! (OtherCertID: a hash over the whole certificate, and its serial when an IssuerSerial is
//! given), and must reference every CA certificate of the validated path below the anchor;
//! complete-revocation-references against the CRLs and OCSP responses (CrlValidatedID and
//! OcspResponsesID hashes, or producedAt when a response is named without a hash). The CAdES-C
//! time-stamp (`id-aa-ets-escTimeStamp`) stamps the concatenation TS 101 733 §6.3.5 defines:
//! the signature value's octets, then the type and values (the Attribute without its outer
//! SEQUENCE header, TS 101 733 §6.3.5 note 2) of every signature time-stamp attribute, of
//! complete-certificate-references and of complete-revocation-references; the certCRLTimestamp
//! (§6.3.6) the last two only.
//!
//! Anything broken here is an advisory finding that stops the level at CAdES-T: since anyone
//! can append unsigned attributes, it never makes the verdict worse — nor, ever, better.

use super::super::der::{
    self as tlv, OCTET_STRING, OID, Reader, SEQUENCE, Tlv, cons, encode_oid, tlv_parts, uint_digits,
};
use super::super::error::CmsError;
use super::super::oid;
use super::super::report::{CmsFinding, SignerReport, VerifyReport};
use super::super::signed_data::{Attribute, SignedData, SignerInfo};
use super::super::verify::{Verifier, digest_algorithm, single_value};
use super::{CadesLevel, MAX_SIGNATURE_TIMESTAMPS, SignerTimestamp, TimestampKind};
use crate::crypto::{CryptoProvider, HashAlgorithm};
use crate::der_util::hex;
use crate::pki::{
    Certificate, Crl, OcspResponse, RevocationSource, Status, ValidationOptions, ValidationReport,
};
use crate::tsp::{Imprint, TimeStampToken, TimeStamper, TspError};

/// Most certificates read from one certificate-values attribute.
pub const MAX_VALUE_CERTIFICATES: usize = 64;
/// Most CRLs, and most OCSP responses, read from one revocation-values attribute.
pub const MAX_REVOCATION_VALUES: usize = 64;
/// Most references read from one complete-certificate-references or
/// complete-revocation-references attribute (and CRL or OCSP identifiers in one CrlOcspRef).
pub const MAX_REFERENCES: usize = 64;

/// `id-pkix-ocsp-basic` (RFC 6960 §4.2.1), the responseType of a BasicOCSPResponse.
const OCSP_BASIC: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1.1");

const ENUMERATED: u8 = 0x0a;

/// The certificate-values and revocation-values of one signer, read.
#[derive(Debug, Default)]
pub(in crate::cms) struct SignerValues {
    /// certificate-values.
    pub certificates: Vec<Certificate>,
    /// revocation-values' crlVals.
    pub crls: Vec<Crl>,
    /// revocation-values' ocspVals.
    pub ocsp: Vec<OcspResponse>,
    /// Whether a certificate-values attribute was read whole.
    pub certificate_values: bool,
    /// Whether a revocation-values attribute was read whole.
    pub revocation_values: bool,
}

impl SignerValues {
    /// Whether there is no material to add.
    pub fn is_empty(&self) -> bool {
        self.certificates.is_empty() && self.crls.is_empty() && self.ocsp.is_empty()
    }
}

/// The one attribute `attr_oid` of `si`'s unsigned attributes (TS 101 733: a single instance),
/// or `None` (absent, or several: a finding).
fn the_attribute<'s>(
    si: &'s SignerInfo,
    attr_oid: const_oid::ObjectIdentifier,
    name: &str,
    r: &mut SignerReport,
) -> Option<&'s Attribute> {
    let mut found = si.unsigned.iter().filter(|a| a.oid == attr_oid);
    let first = found.next()?;
    if found.next().is_some() {
        r.add(CmsFinding::LongTermAttributeUnusable {
            attribute: name.into(),
            reason: "it occurs more than once".into(),
        });
        return None;
    }
    Some(first)
}

/// The single value of the one attribute `attr_oid`, or `None` (with a finding when it is
/// there but not usable).
fn the_value<'s>(
    sd: &'s SignedData,
    si: &'s SignerInfo,
    attr_oid: const_oid::ObjectIdentifier,
    name: &str,
    r: &mut SignerReport,
) -> Option<Tlv<'s>> {
    let attribute = the_attribute(si, attr_oid, name, r)?;
    match single_value(sd, attribute, name) {
        Ok(v) => Some(v),
        Err(reason) => {
            r.add(CmsFinding::LongTermAttributeUnusable {
                attribute: name.into(),
                reason,
            });
            None
        }
    }
}

/// Reads `si`'s certificate-values and revocation-values (bounded); what cannot be read is a
/// finding and is not used.
pub(in crate::cms) fn signer_values(
    sd: &SignedData,
    si: &SignerInfo,
    r: &mut SignerReport,
) -> SignerValues {
    let mut out = SignerValues::default();
    if let Some(v) = the_value(sd, si, oid::CERTIFICATE_VALUES, "certificate-values", r) {
        match read_certificate_values(&v) {
            Ok(certificates) => {
                out.certificates = certificates;
                out.certificate_values = true;
            }
            Err(reason) => r.add(CmsFinding::LongTermAttributeUnusable {
                attribute: "certificate-values".into(),
                reason,
            }),
        }
    }
    if let Some(v) = the_value(sd, si, oid::REVOCATION_VALUES, "revocation-values", r) {
        match read_revocation_values(&v) {
            Ok((crls, ocsp)) => {
                out.crls = crls;
                out.ocsp = ocsp;
                out.revocation_values = true;
            }
            Err(reason) => r.add(CmsFinding::LongTermAttributeUnusable {
                attribute: "revocation-values".into(),
                reason,
            }),
        }
    }
    out
}

/// CertificateValues ::= SEQUENCE OF Certificate.
fn read_certificate_values(v: &Tlv<'_>) -> Result<Vec<Certificate>, String> {
    if v.tag != SEQUENCE {
        return Err("not a SEQUENCE".into());
    }
    let items = tlv::elements(v, "certificate-values", MAX_VALUE_CERTIFICATES)
        .map_err(|e| e.to_string())?;
    items
        .iter()
        .enumerate()
        .map(|(i, c)| {
            Certificate::from_der(c.raw).map_err(|e| format!("certificate {}: {e}", i + 1))
        })
        .collect()
}

/// RevocationValues ::= SEQUENCE { crlVals [0] SEQUENCE OF CertificateList OPTIONAL,
/// ocspVals [1] SEQUENCE OF BasicOCSPResponse OPTIONAL, otherRevVals [2] OtherRevVals
/// OPTIONAL } (explicit tags).
fn read_revocation_values(v: &Tlv<'_>) -> Result<(Vec<Crl>, Vec<OcspResponse>), String> {
    if v.tag != SEQUENCE {
        return Err("not a SEQUENCE".into());
    }
    let e = |e: CmsError| e.to_string();
    let d = |e: tlv::DerError| e.to_string();
    let mut r = Reader::contents_of(v);
    let mut crls = Vec::new();
    let mut ocsp = Vec::new();
    if let Some(wrapper) = r.optional(cons(0), "crlVals").map_err(d)? {
        let list = tlv::only_element(&wrapper, "crlVals").map_err(e)?;
        for (i, c) in tlv::elements(&list, "crlVals", MAX_REVOCATION_VALUES)
            .map_err(e)?
            .iter()
            .enumerate()
        {
            crls.push(Crl::from_der(c.raw).map_err(|e| format!("CRL {}: {e}", i + 1))?);
        }
    }
    if let Some(wrapper) = r.optional(cons(1), "ocspVals").map_err(d)? {
        let list = tlv::only_element(&wrapper, "ocspVals").map_err(e)?;
        for (i, b) in tlv::elements(&list, "ocspVals", MAX_REVOCATION_VALUES)
            .map_err(e)?
            .iter()
            .enumerate()
        {
            ocsp.push(
                OcspResponse::from_der(&ocsp_response_of_basic(b.raw))
                    .map_err(|e| format!("OCSP response {}: {e}", i + 1))?,
            );
        }
    }
    // otherRevVals: not read (nothing defines one this verifier knows).
    let _ = r.optional(cons(2), "otherRevVals").map_err(d)?;
    r.finish("revocation-values").map_err(d)?;
    Ok((crls, ocsp))
}

/// The OCSPResponse (RFC 6960 §4.2.1, successful, id-pkix-ocsp-basic) around `basic`.
fn ocsp_response_of_basic(basic: &[u8]) -> Vec<u8> {
    let bytes = tlv_parts(
        SEQUENCE,
        &[&encode_oid(&OCSP_BASIC), &tlv::tlv(OCTET_STRING, basic)],
    );
    tlv_parts(SEQUENCE, &[&[ENUMERATED, 1, 0], &tlv::tlv(cons(0), &bytes)])
}

/// The BasicOCSPResponse inside an OCSPResponse (its responseBytes' response octets).
fn basic_of(ocsp_response: &[u8]) -> Option<&[u8]> {
    let mut top = Reader::new(ocsp_response);
    let outer = top.expect(SEQUENCE, "OCSPResponse").ok()?;
    let mut r = Reader::contents_of(&outer);
    r.expect(ENUMERATED, "responseStatus").ok()?;
    let wrapper = r.expect(cons(0), "responseBytes").ok()?;
    let bytes = tlv::only_element(&wrapper, "responseBytes").ok()?;
    let mut b = Reader::contents_of(&bytes);
    b.expect(OID, "responseType").ok()?;
    Some(b.expect(OCTET_STRING, "response").ok()?.value)
}

/// OtherHash ::= CHOICE { sha1Hash OCTET STRING, otherHash SEQUENCE { hashAlgorithm
/// AlgorithmIdentifier, hashValue OCTET STRING } }.
fn other_hash<'t>(t: &Tlv<'t>) -> Result<(HashAlgorithm, &'t [u8]), String> {
    match t.tag {
        OCTET_STRING => Ok((HashAlgorithm::Sha1, t.value)),
        SEQUENCE => {
            let mut r = Reader::contents_of(t);
            let ai = r.any("hashAlgorithm").map_err(|e| e.to_string())?;
            let hash = digest_algorithm(ai.raw)?;
            let value = r
                .expect(OCTET_STRING, "hashValue")
                .map_err(|e| e.to_string())?;
            r.finish("OtherHash").map_err(|e| e.to_string())?;
            Ok((hash, value.value))
        }
        _ => Err("an OtherHash is neither an OCTET STRING nor a SEQUENCE".into()),
    }
}

/// The material references are resolved against: everything the signer's validation saw.
pub(in crate::cms) struct Available<'m> {
    /// Certificates: the signer's values, the message's, the caller's and the anchors.
    pub certificates: Vec<&'m Certificate>,
    /// CRLs: the signer's values, the message's and the caller's.
    pub crls: Vec<&'m Crl>,
    /// OCSP responses: the signer's values and the caller's.
    pub ocsp: Vec<&'m OcspResponse>,
}

/// What [`check`] decides from.
pub(in crate::cms) struct LongTermInput<'i> {
    /// The signer's values, read by [`signer_values`].
    pub values: &'i SignerValues,
    /// What references may reference.
    pub available: &'i Available<'i>,
    /// Whether the signer has a valid signature time-stamp (CAdES-T).
    pub stamped: bool,
    /// The signer certificate's validation.
    pub path: Option<&'i ValidationReport>,
    /// The rules the time-stamps' TSA certificates are validated with.
    pub policy: &'i ValidationOptions,
}

/// Checks `si`'s references and CAdES-X time-stamps; the level above T they give (C, X Long
/// Type 1 or 2), or `None` (T at most). Time-stamps are recorded in `r.timestamps`.
pub(in crate::cms) fn check(
    verifier: &Verifier<'_>,
    provider: &CryptoProvider,
    sd: &SignedData,
    si: &SignerInfo,
    input: &LongTermInput<'_>,
    r: &mut SignerReport,
) -> Option<CadesLevel> {
    let cert_refs_attr = the_attribute(si, oid::CERTIFICATE_REFS, "certificate references", r);
    let rev_refs_attr = the_attribute(si, oid::REVOCATION_REFS, "revocation references", r);
    let cert_refs_ok =
        cert_refs_attr.is_some_and(|a| match check_certificate_refs(provider, sd, a, input) {
            Ok(()) => true,
            Err(reason) => {
                r.add(CmsFinding::ReferenceMismatch {
                    attribute: "complete-certificate-references".into(),
                    reason,
                });
                false
            }
        });
    let rev_refs_ok = rev_refs_attr.is_some_and(|a| {
        match check_revocation_refs(provider, sd, a, input.available) {
            Ok(()) => true,
            Err(reason) => {
                r.add(CmsFinding::ReferenceMismatch {
                    attribute: "complete-revocation-references".into(),
                    reason,
                });
                false
            }
        }
    });
    let refs = cert_refs_attr.zip(rev_refs_attr);
    let mut esc_valid = false;
    let mut cert_crl_valid = false;
    for (attr_oid, kind) in [
        (oid::ESC_TIME_STAMP, TimestampKind::CadesCTimestamp),
        (oid::CERT_CRL_TIMESTAMP, TimestampKind::CertCrlTimestamp),
    ] {
        let tokens: Vec<&core::ops::Range<usize>> = si
            .unsigned
            .iter()
            .filter(|a| a.oid == attr_oid)
            .flat_map(|a| a.values.iter())
            .collect();
        if tokens.is_empty() {
            continue;
        }
        let Some((cert_refs, rev_refs)) = refs else {
            r.add(CmsFinding::LongTermAttributeUnusable {
                attribute: kind.to_string(),
                reason: "it stamps the complete references, which are not both there".into(),
            });
            continue;
        };
        let stamped_data = match kind {
            TimestampKind::CadesCTimestamp => esc_data(sd, si, cert_refs, rev_refs),
            _ => references_data(sd, cert_refs, rev_refs),
        };
        for (i, value) in tokens.into_iter().enumerate() {
            if i == MAX_SIGNATURE_TIMESTAMPS {
                r.add(CmsFinding::LongTermAttributeUnusable {
                    attribute: kind.to_string(),
                    reason: format!(
                        "more than {MAX_SIGNATURE_TIMESTAMPS}: the rest were not checked"
                    ),
                });
                break;
            }
            let token = match TimeStampToken::from_der(sd.bytes(value)) {
                Ok(t) => t,
                Err(e) => {
                    r.add(CmsFinding::LongTermAttributeUnusable {
                        attribute: kind.to_string(),
                        reason: e.to_string(),
                    });
                    continue;
                }
            };
            let report = token.check_with(
                verifier,
                provider,
                input.policy,
                Imprint::Data(&stamped_data),
                None,
            );
            let stamp = SignerTimestamp::from_report(kind, report);
            if stamp.status == Status::Valid {
                match kind {
                    TimestampKind::CadesCTimestamp => esc_valid = true,
                    _ => cert_crl_valid = true,
                }
            } else {
                r.add(CmsFinding::LongTermTimestampNotValid {
                    timestamp: kind,
                    time: stamp.time.clone(),
                    status: stamp.status,
                    reasons: stamp.reasons(),
                });
            }
            r.timestamps.push(stamp);
        }
    }
    if !(input.stamped && cert_refs_ok && rev_refs_ok) {
        return None;
    }
    let values = input.values.certificate_values && input.values.revocation_values;
    Some(if values && esc_valid {
        CadesLevel::XLongType1
    } else if values && cert_crl_valid {
        CadesLevel::XLongType2
    } else {
        CadesLevel::C
    })
}

/// An attribute's type and values: its encoding without the outer SEQUENCE header.
fn type_and_values<'s>(sd: &'s SignedData, attribute: &Attribute) -> &'s [u8] {
    let raw = sd.bytes(&attribute.raw);
    tlv::read_tlv(raw).map_or(raw, |(t, _)| t.value)
}

/// What a CAdES-C time-stamp stamps (TS 101 733 §6.3.5).
fn esc_data(
    sd: &SignedData,
    si: &SignerInfo,
    cert_refs: &Attribute,
    rev_refs: &Attribute,
) -> Vec<u8> {
    let mut data = sd.bytes(&si.signature).to_vec();
    for a in si
        .unsigned
        .iter()
        .filter(|a| a.oid == oid::SIGNATURE_TIME_STAMP_TOKEN)
    {
        data.extend_from_slice(type_and_values(sd, a));
    }
    data.extend_from_slice(&references_data(sd, cert_refs, rev_refs));
    data
}

/// What a certCRLTimestamp stamps (TS 101 733 §6.3.6), and the tail of what a CAdES-C
/// time-stamp does.
fn references_data(sd: &SignedData, cert_refs: &Attribute, rev_refs: &Attribute) -> Vec<u8> {
    let mut data = type_and_values(sd, cert_refs).to_vec();
    data.extend_from_slice(type_and_values(sd, rev_refs));
    data
}

/// CompleteCertificateRefs ::= SEQUENCE OF OtherCertID; OtherCertID ::= SEQUENCE {
/// otherCertHash OtherHash, issuerSerial IssuerSerial OPTIONAL }. Every reference must name an
/// available certificate, and every CA certificate of the validated path below the anchor must
/// be referenced.
fn check_certificate_refs(
    provider: &CryptoProvider,
    sd: &SignedData,
    attribute: &Attribute,
    input: &LongTermInput<'_>,
) -> Result<(), String> {
    let value = single_value(sd, attribute, "complete-certificate-references")?;
    if value.tag != SEQUENCE {
        return Err("not a SEQUENCE".into());
    }
    let refs = tlv::elements(&value, "certificate references", MAX_REFERENCES)
        .map_err(|e| e.to_string())?;
    let mut referenced: Vec<&Certificate> = Vec::new();
    for (i, id) in refs.iter().enumerate() {
        let n = i + 1;
        if id.tag != SEQUENCE {
            return Err(format!("reference {n} is not an OtherCertID"));
        }
        let mut f = Reader::contents_of(id);
        let hash = f.any("otherCertHash").map_err(|e| e.to_string())?;
        let (alg, digest) = other_hash(&hash).map_err(|e| format!("reference {n}: {e}"))?;
        let serial = match f
            .optional(SEQUENCE, "issuerSerial")
            .map_err(|e| e.to_string())?
        {
            Some(is) => {
                let mut r = Reader::contents_of(&is);
                r.expect(SEQUENCE, "issuer").map_err(|e| e.to_string())?;
                Some(
                    r.expect(tlv::INTEGER, "serialNumber")
                        .map_err(|e| e.to_string())?
                        .value,
                )
            }
            None => None,
        };
        f.finish("OtherCertID").map_err(|e| e.to_string())?;
        let found = input.available.certificates.iter().find(|c| {
            provider
                .digest(alg, c.der())
                .is_ok_and(|d| d.as_ref() == digest)
                && serial.is_none_or(|s| uint_digits(s) == uint_digits(c.serial()))
        });
        match found {
            Some(c) => referenced.push(c),
            None => {
                return Err(format!(
                    "reference {n} ({} {}) names no certificate at hand",
                    alg.name(),
                    hex(digest)
                ));
            }
        }
    }
    if let Some(path) = input.path {
        for c in path.path.iter().skip(1).filter(|c| !c.trust_anchor) {
            if !referenced
                .iter()
                .any(|r| r.serial_hex() == c.serial && r.subject().to_string() == c.subject)
            {
                return Err(format!(
                    "the path's certificate \"{}\" (serial {}) is not referenced",
                    c.subject, c.serial
                ));
            }
        }
    }
    Ok(())
}

/// CompleteRevocationRefs ::= SEQUENCE OF CrlOcspRef; CrlOcspRef ::= SEQUENCE { crlids [0]
/// CRLListID OPTIONAL, ocspids [1] OcspListID OPTIONAL, otherRev [2] OtherRevRefs OPTIONAL }
/// (explicit tags). Every CRL and OCSP identifier must name an available CRL or response.
fn check_revocation_refs(
    provider: &CryptoProvider,
    sd: &SignedData,
    attribute: &Attribute,
    available: &Available<'_>,
) -> Result<(), String> {
    let err = |e: tlv::DerError| e.to_string();
    let cms = |e: CmsError| e.to_string();
    let value = single_value(sd, attribute, "complete-revocation-references")?;
    if value.tag != SEQUENCE {
        return Err("not a SEQUENCE".into());
    }
    let refs = tlv::elements(&value, "revocation references", MAX_REFERENCES).map_err(cms)?;
    for (i, crl_ocsp_ref) in refs.iter().enumerate() {
        let n = i + 1;
        if crl_ocsp_ref.tag != SEQUENCE {
            return Err(format!("reference {n} is not a CrlOcspRef"));
        }
        let mut f = Reader::contents_of(crl_ocsp_ref);
        if let Some(w) = f.optional(cons(0), "crlids").map_err(err)? {
            // CRLListID ::= SEQUENCE { crls SEQUENCE OF CrlValidatedID }
            let list = tlv::only_element(&w, "crlids").map_err(cms)?;
            let crls = tlv::only_element(&list, "CRLListID").map_err(cms)?;
            for id in tlv::elements(&crls, "CRL references", MAX_REFERENCES).map_err(cms)? {
                // CrlValidatedID ::= SEQUENCE { crlHash OtherHash, crlIdentifier OPTIONAL }
                let mut c = Reader::contents_of(&id);
                let hash = c.any("crlHash").map_err(err)?;
                let (alg, digest) = other_hash(&hash).map_err(|e| format!("reference {n}: {e}"))?;
                let found = available.crls.iter().any(|crl| {
                    provider
                        .digest(alg, crl.der())
                        .is_ok_and(|d| d.as_ref() == digest)
                });
                if !found {
                    return Err(format!(
                        "reference {n}: the CRL with {} {} is not at hand",
                        alg.name(),
                        hex(digest)
                    ));
                }
            }
        }
        if let Some(w) = f.optional(cons(1), "ocspids").map_err(err)? {
            // OcspListID ::= SEQUENCE { ocspResponses SEQUENCE OF OcspResponsesID }
            let list = tlv::only_element(&w, "ocspids").map_err(cms)?;
            let responses = tlv::only_element(&list, "OcspListID").map_err(cms)?;
            for id in tlv::elements(&responses, "OCSP references", MAX_REFERENCES).map_err(cms)? {
                check_ocsp_ref(provider, &id, available)
                    .map_err(|e| format!("reference {n}: {e}"))?;
            }
        }
        if f.optional(cons(2), "otherRev").map_err(err)?.is_some() {
            return Err(format!(
                "reference {n} is an OtherRevRefs, which this verifier cannot check"
            ));
        }
        f.finish("CrlOcspRef").map_err(err)?;
    }
    Ok(())
}

/// OcspResponsesID ::= SEQUENCE { ocspIdentifier OcspIdentifier, ocspRepHash OtherHash
/// OPTIONAL }; OcspIdentifier ::= SEQUENCE { ocspResponderID ResponderID, producedAt
/// GeneralizedTime }. With a hash, it must be over an available response (the
/// BasicOCSPResponse, or the OCSPResponse around it); without, one must have been produced then.
fn check_ocsp_ref(
    provider: &CryptoProvider,
    id: &Tlv<'_>,
    available: &Available<'_>,
) -> Result<(), String> {
    let err = |e: tlv::DerError| e.to_string();
    let mut f = Reader::contents_of(id);
    let identifier = f.expect(SEQUENCE, "OcspIdentifier").map_err(err)?;
    let mut ir = Reader::contents_of(&identifier);
    ir.any("ocspResponderID").map_err(err)?;
    let produced = ir.any("producedAt").map_err(err)?;
    let produced_at = tlv::time(&produced)?;
    let hash = match f.is_empty() {
        true => None,
        false => Some(other_hash(&f.any("ocspRepHash").map_err(err)?)?),
    };
    f.finish("OcspResponsesID").map_err(err)?;
    let found = available.ocsp.iter().any(|o| match hash {
        Some((alg, digest)) => {
            [basic_of(o.der()).unwrap_or_default(), o.der()]
                .iter()
                .any(|bytes| {
                    provider
                        .digest(alg, bytes)
                        .is_ok_and(|d| d.as_ref() == digest)
                })
        }
        None => o.produced_at() == produced_at,
    });
    if found {
        Ok(())
    } else {
        Err(format!(
            "no OCSP response produced at {produced_at}{} is at hand",
            hash.map_or_else(String::new, |(alg, d)| format!(
                " with {} {}",
                alg.name(),
                hex(d)
            ))
        ))
    }
}

/// The validation data one signer's extension embeds.
#[derive(Default)]
struct Gathered {
    /// The signer's path, signer first, anchor last.
    signer_path: Vec<Certificate>,
    /// The CRLs and OCSP responses for each certificate of `signer_path`.
    revocation: Vec<(Vec<Crl>, Vec<OcspResponse>)>,
    /// Every certificate: the signer's path and the TSAs'.
    certificates: Vec<Certificate>,
    /// Every CRL and response: the signer's path's and the TSAs' paths'.
    crls: Vec<Crl>,
    ocsp: Vec<OcspResponse>,
}

/// A path certificate with the CRLs and OCSP responses that answered its revocation.
type PathCertificate = (Certificate, Vec<Crl>, Vec<OcspResponse>);

/// The certificates of `report`'s path, found in `pool`, with the CRLs or OCSP responses of
/// `verifier` that answered each one's revocation (the source the validation reports).
fn path_material(
    report: &ValidationReport,
    pool: &[Certificate],
    verifier: &Verifier<'_>,
    message_crls: &[Crl],
) -> Result<Vec<PathCertificate>, String> {
    let (_, crls, ocsp, _) = verifier.material();
    let mut out = Vec::new();
    for c in &report.path {
        let cert = pool
            .iter()
            .find(|p| {
                p.serial_hex() == c.serial
                    && p.subject().to_string() == c.subject
                    && p.issuer().to_string() == c.issuer
            })
            .ok_or_else(|| format!("the path's certificate \"{}\" cannot be found", c.subject))?;
        let mut used_crls = Vec::new();
        let mut used_ocsp = Vec::new();
        match c.revocation_source {
            Some(RevocationSource::Crl) => used_crls.extend(
                crls.iter()
                    .chain(message_crls)
                    .filter(|crl| crl.issuer() == cert.issuer())
                    .cloned(),
            ),
            Some(RevocationSource::Ocsp) => used_ocsp.extend(
                ocsp.iter()
                    .filter(|o| {
                        o.responses()
                            .iter()
                            .any(|s| uint_digits(&s.cert_id.serial) == uint_digits(cert.serial()))
                    })
                    .cloned(),
            ),
            _ => {}
        }
        out.push((cert.clone(), used_crls, used_ocsp));
    }
    Ok(out)
}

impl Gathered {
    fn add_certificate(&mut self, c: &Certificate) {
        if !self.certificates.iter().any(|x| x.der() == c.der()) {
            self.certificates.push(c.clone());
        }
    }
    fn add_revocation(&mut self, crls: &[Crl], ocsp: &[OcspResponse]) {
        for c in crls {
            if !self.crls.iter().any(|x| x.der() == c.der()) {
                self.crls.push(c.clone());
            }
        }
        for o in ocsp {
            if !self.ocsp.iter().any(|x| x.der() == o.der()) {
                self.ocsp.push(o.clone());
            }
        }
    }
}

/// What signer `index` (counted from 0) of `sd` embeds, from its verification `r`.
fn gather(
    sd: &SignedData,
    verifier: &Verifier<'_>,
    r: &SignerReport,
    index: usize,
) -> Result<Gathered, CmsError> {
    let refuse = |reason: String| CmsError::NotExtendable {
        signer: index + 1,
        reason,
    };
    if r.status != Status::Valid {
        return Err(refuse(format!("its verification is {}", r.status)));
    }
    if r.level < Some(CadesLevel::T) {
        return Err(refuse(
            "it has no valid signature time-stamp (CAdES-T)".into(),
        ));
    }
    let si = &sd.signers[index];
    for (o, name) in [
        (oid::CERTIFICATE_REFS, "complete-certificate-references"),
        (oid::REVOCATION_REFS, "complete-revocation-references"),
        (oid::CERTIFICATE_VALUES, "certificate-values"),
        (oid::REVOCATION_VALUES, "revocation-values"),
        (oid::ESC_TIME_STAMP, "a CAdES-C time-stamp"),
    ] {
        if si.unsigned.iter().any(|a| a.oid == o) {
            return Err(refuse(format!("it already has {name}")));
        }
    }
    let path = r
        .certificate
        .as_ref()
        .ok_or_else(|| refuse("its certificate was not validated".into()))?;
    let (given, _, _, trust) = verifier.material();
    let message_crls: Vec<Crl> = sd
        .crls_der()
        .filter_map(|d| Crl::from_der(d).ok())
        .collect();
    let mut pool: Vec<Certificate> = sd
        .certificates_der()
        .filter_map(|d| Certificate::from_der(d).ok())
        .collect();
    pool.extend(given.iter().cloned());
    pool.extend(trust.anchors().iter().cloned());
    for ts in &r.timestamps {
        pool.extend(ts.report.signer_certificate.iter().cloned());
        if let Some(cms) = &ts.report.cms {
            pool.extend(
                cms.signers
                    .iter()
                    .filter_map(|s| s.signer_certificate.clone()),
            );
        }
    }
    let mut out = Gathered::default();
    for (cert, crls, ocsp) in path_material(path, &pool, verifier, &message_crls).map_err(refuse)? {
        out.add_certificate(&cert);
        out.add_revocation(&crls, &ocsp);
        out.signer_path.push(cert);
        out.revocation.push((crls, ocsp));
    }
    // The TSAs' paths, so their tokens verify offline too.
    for ts in r.timestamps.iter().filter(|t| t.status == Status::Valid) {
        let Some(cms) = &ts.report.cms else { continue };
        for s in &cms.signers {
            if let Some(tsa_path) = &s.certificate {
                let material =
                    path_material(tsa_path, &pool, verifier, &message_crls).map_err(refuse)?;
                for (cert, crls, ocsp) in material {
                    out.add_certificate(&cert);
                    out.add_revocation(&crls, &ocsp);
                }
            }
        }
    }
    Ok(out)
}

/// OtherHash as `otherHash` with `hash`.
fn encode_other_hash(
    provider: &CryptoProvider,
    hash: HashAlgorithm,
    bytes: &[u8],
) -> Result<Vec<u8>, CmsError> {
    let digest = provider.digest(hash, bytes)?;
    Ok(tlv_parts(
        SEQUENCE,
        &[
            &hash.algorithm_identifier_der(),
            &tlv::tlv(OCTET_STRING, digest.as_ref()),
        ],
    ))
}

/// CrlOcspRef for one certificate: its CRLs by hash, its OCSP responses by responder,
/// producedAt and hash.
fn encode_crl_ocsp_ref(
    provider: &CryptoProvider,
    hash: HashAlgorithm,
    crls: &[Crl],
    ocsp: &[OcspResponse],
) -> Result<Vec<u8>, CmsError> {
    let mut fields = Vec::new();
    if !crls.is_empty() {
        let ids = crls
            .iter()
            .map(|c| {
                Ok(tlv::tlv(
                    SEQUENCE,
                    &encode_other_hash(provider, hash, c.der())?,
                ))
            })
            .collect::<Result<Vec<_>, CmsError>>()?;
        let list = tlv::tlv(SEQUENCE, &tlv::tlv(SEQUENCE, &ids.concat()));
        fields.push(tlv::tlv(cons(0), &list));
    }
    if !ocsp.is_empty() {
        let mut ids = Vec::new();
        for o in ocsp {
            let basic = basic_of(o.der())
                .ok_or_else(|| tlv::malformed("an OCSP response without a BasicOCSPResponse"))?;
            // BasicOCSPResponse ::= SEQUENCE { tbsResponseData SEQUENCE { version [0]
            // OPTIONAL, responderID, producedAt, ... }, ... }: both copied as they are.
            let (b, _) = tlv::read_tlv(basic)?;
            let mut br = Reader::contents_of(&b);
            let tbs = br.expect(SEQUENCE, "tbsResponseData")?;
            let mut t = Reader::contents_of(&tbs);
            t.optional(cons(0), "version")?;
            let responder = t.any("responderID")?;
            let produced = t.any("producedAt")?;
            let identifier = tlv_parts(SEQUENCE, &[responder.raw, produced.raw]);
            ids.push(tlv_parts(
                SEQUENCE,
                &[&identifier, &encode_other_hash(provider, hash, basic)?],
            ));
        }
        let list = tlv::tlv(SEQUENCE, &tlv::tlv(SEQUENCE, &ids.concat()));
        fields.push(tlv::tlv(cons(1), &list));
    }
    Ok(tlv::tlv(SEQUENCE, &fields.concat()))
}

/// `signed_data` extended to CAdES-X Long Type 1 from its verification `report` (made by
/// `verifier`, whose anchors, certificates, CRLs and OCSP responses it drew on): for each
/// signer, complete-certificate-references (the CA certificates of its validated path, anchor
/// included) and complete-revocation-references (the CRLs or OCSP responses that answered each
/// path certificate's revocation, signer first) — CAdES-C —, then certificate-values and
/// revocation-values with the same material plus the signature time-stamps' TSA paths, and a
/// CAdES-C time-stamp (`id-aa-ets-escTimeStamp`) from `stamper` over them, requested with
/// `hash` and a fresh nonce. Everything already there is kept byte for byte.
///
/// References are made with `hash`. Revocation data is the verifier's (and the message's) that
/// covers each certificate from the source its validation reports — every such CRL of the
/// issuer, every OCSP response about the serial.
///
/// # Errors
/// [`TspError::Cms`] with [`CmsError::NotExtendable`] when a signer is not valid CAdES-T in
/// `report`, already has CAdES-C/X attributes, or its path's certificates cannot be found;
/// [`TspError::Refused`] and the stamper's other errors; [`TspError::NotTheRequested`] for a
/// token that answers another request; [`TspError::Cms`] when the provider cannot hash or draw
/// a nonce, or the result exceeds a bound.
pub fn extend_to_x_long_type1(
    signed_data: &SignedData,
    verifier: &Verifier<'_>,
    report: &VerifyReport,
    stamper: &dyn TimeStamper,
    hash: HashAlgorithm,
) -> Result<SignedData, TspError> {
    let provider = verifier.provider();
    if report.signers.len() != signed_data.signer_count() {
        return Err(CmsError::NotExtendable {
            signer: 1,
            reason: "the verification report is not of this signature".into(),
        }
        .into());
    }
    let mut out = signed_data.clone();
    for (index, r) in report.signers.iter().enumerate() {
        let gathered = gather(signed_data, verifier, r, index)?;
        let mut cert_refs = Vec::new();
        for c in gathered.signer_path.iter().skip(1) {
            cert_refs.push(tlv::tlv(
                SEQUENCE,
                &encode_other_hash(provider, hash, c.der())?,
            ));
        }
        let mut rev_refs = Vec::new();
        for (crls, ocsp) in &gathered.revocation {
            rev_refs.push(encode_crl_ocsp_ref(provider, hash, crls, ocsp)?);
        }
        let cert_values: Vec<&[u8]> = gathered.certificates.iter().map(|c| c.der()).collect();
        let mut revocation_fields = Vec::new();
        if !gathered.crls.is_empty() {
            let crls: Vec<&[u8]> = gathered.crls.iter().map(|c| c.der()).collect();
            revocation_fields.push(tlv::tlv(cons(0), &tlv_parts(SEQUENCE, &crls)));
        }
        if !gathered.ocsp.is_empty() {
            let basics = gathered
                .ocsp
                .iter()
                .map(|o| {
                    basic_of(o.der()).ok_or_else(|| {
                        tlv::malformed("an OCSP response without a BasicOCSPResponse")
                    })
                })
                .collect::<Result<Vec<&[u8]>, CmsError>>()?;
            revocation_fields.push(tlv::tlv(cons(1), &tlv_parts(SEQUENCE, &basics)));
        }
        for (attribute, value) in [
            (
                oid::CERTIFICATE_REFS,
                tlv::tlv(SEQUENCE, &cert_refs.concat()),
            ),
            (oid::REVOCATION_REFS, tlv::tlv(SEQUENCE, &rev_refs.concat())),
            (oid::CERTIFICATE_VALUES, tlv_parts(SEQUENCE, &cert_values)),
            (
                oid::REVOCATION_VALUES,
                tlv::tlv(SEQUENCE, &revocation_fields.concat()),
            ),
        ] {
            out = out.with_unsigned_attribute(index, attribute, value)?;
        }
        // The CAdES-C time-stamp over what is now there.
        let si = &out.signers[index];
        let find = |o| si.unsigned.iter().find(|a| a.oid == o);
        let (Some(cert_refs), Some(rev_refs)) =
            (find(oid::CERTIFICATE_REFS), find(oid::REVOCATION_REFS))
        else {
            return Err(tlv::malformed("the references just added are missing").into());
        };
        let data = esc_data(&out, si, cert_refs, rev_refs);
        let token = crate::tsp::stamp_data(stamper, provider, hash, &data)?;
        out = out.with_unsigned_attribute(index, oid::ESC_TIME_STAMP, token.der().to_vec())?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ocsp_wrapper_round_trips() {
        let der = include_bytes!("../../../testdata/ocsp/good-ca.der");
        let basic = basic_of(der).expect("a basic response");
        assert_eq!(ocsp_response_of_basic(basic), der.to_vec());
    }

    #[test]
    fn hostile_values_are_refused_not_panicking() {
        for bytes in [
            &[0x30, 0x00][..],
            &[0x30, 0x03, 0xa0, 0x01, 0x00],
            &[0x30, 0x02, 0xa2, 0x00],
            &[0x04, 0x00],
        ] {
            let (t, _) = tlv::read_tlv(bytes).unwrap();
            let _ = read_revocation_values(&t);
            let _ = read_certificate_values(&t);
        }
        let many: Vec<u8> = std::iter::repeat_n([0x30u8, 0x00], MAX_VALUE_CERTIFICATES + 1)
            .flatten()
            .collect();
        let seq = tlv_parts(SEQUENCE, &[&many]);
        let (t, _) = tlv::read_tlv(&seq).unwrap();
        assert!(read_certificate_values(&t).is_err());
    }
}
