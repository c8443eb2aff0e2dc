//! The signer's key: candidates from KeyInfo (certificates, looked-up certificates, raw keys
//! on the caller's word) or from the caller, the signature check, and the signer's path
//! validation.

use std::collections::HashMap;

use super::algorithms::DIGESTS;
use super::error::XmlError;
use super::options::{KeySource, VerifyOptions};
use super::report::XmlFinding;
use super::tree::{Document, NodeId};
use super::verify::{DSIG_NS, Scope, SignedBytes, TrustInputs, decode_base64};
use crate::crypto::{CryptoError, CryptoProvider, EcdsaEncoding, SignatureAlgorithm};
use crate::pki::{Certificate, Status, TimeAssurance, UnixTime, ValidationReport, Validator};

/// The RetrievalMethod type of a DER certificate (XMLDSig §4.5.3).
const RAW_X509_CERTIFICATE: &str = "http://www.w3.org/2000/09/xmldsig#rawX509Certificate";
/// Most certificates in KeyInfo tried as the signer's.
const MAX_SIGNER_CANDIDATES: usize = 8;

/// The signer's certificate and its path validation report, when there is one.
pub(super) type SignerOutcome = (Option<Certificate>, Option<ValidationReport>);

/// The algorithm and SignatureValue to give the provider for the key `spki`. ECDSA's r ‖ s has
/// halves the curve's field size long (XMLDSig 1.1 §6.4.3); halves written shorter — an old
/// Java wrote P-521's as 65 bytes, leading zero dropped — are left-padded, and halves written
/// longer with leading zero bytes (a signer that kept ASN.1 INTEGER's sign byte, 33-byte P-256
/// halves) lose them: neither changes a value. Longer halves with a non-zero excess are left as
/// they are (and fail). With [`VerifyOptions::ecdsa_der_signature_value`] the value is read as DER instead.
/// Other algorithms pass through.
fn ecdsa_signature_value<'s>(
    alg: &SignatureAlgorithm,
    spki: &[u8],
    signature_value: &'s [u8],
    options: &VerifyOptions,
) -> (SignatureAlgorithm, std::borrow::Cow<'s, [u8]>) {
    if !matches!(alg, SignatureAlgorithm::Ecdsa { .. }) {
        return (*alg, signature_value.into());
    }
    if options.ecdsa_der_signature_value {
        return (
            alg.with_ecdsa_encoding(EcdsaEncoding::Der),
            signature_value.into(),
        );
    }
    let field = crate::crypto::PublicKeyInfo::parse(spki)
        .ok()
        .and_then(|k| k.kind.ec_field_len());
    let len = signature_value.len();
    match field {
        Some(n) if len.is_multiple_of(2) && len > 0 && len != 2 * n => {
            let (r, s) = signature_value.split_at(len / 2);
            let mut fixed = vec![0u8; 2 * n];
            for (half, out) in [r, s].into_iter().zip(fixed.chunks_mut(n)) {
                let (excess, value) = half.split_at(half.len().saturating_sub(n));
                if excess.iter().any(|&b| b != 0) {
                    return (*alg, signature_value.into());
                }
                out[n - value.len()..].copy_from_slice(value);
            }
            (*alg, fixed.into())
        }
        _ => (*alg, signature_value.into()),
    }
}

/// Checks SignatureValue over the canonical SignedInfo with the key [`VerifyOptions::key`]
/// designates, and validates the signer's certificate: the signer and its report.
pub(super) fn check_signature(
    scope: &Scope<'_, '_>,
    alg: &SignatureAlgorithm,
    context: &[u8],
    signed: SignedBytes<'_>,
    inputs: &TrustInputs<'_>,
    proven_time: &mut dyn FnMut() -> Option<UnixTime>,
    findings: &mut Vec<XmlFinding>,
) -> Result<SignerOutcome, XmlError> {
    let Scope {
        provider,
        doc,
        ids,
        signature,
        options,
    } = *scope;
    let SignedBytes {
        canonical: canonical_si,
        value: signature_value,
    } = signed;
    let TrustInputs {
        trust,
        intermediates,
        crls,
        ocsp,
        cache,
    } = *inputs;
    // A key the backend cannot use (P-521, say) leaves the outcome open, not invalid.
    let unsupported = std::cell::RefCell::new(None::<String>);
    // XMLDSig writes DSA signatures as r ‖ s (two halves of equal length, XMLDSig 1.1
    // §6.4.1); the provider takes DER Dss-Sig-Value.
    let dsa_der;
    let signature_value = if matches!(alg, SignatureAlgorithm::Dsa(_)) {
        dsa_der = if signature_value.len().is_multiple_of(2) && !signature_value.is_empty() {
            crate::crypto::ecdsa_fixed_to_der(signature_value, signature_value.len() / 2)
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        &dsa_der[..]
    } else {
        signature_value
    };
    let verifies = |spki: &[u8]| -> bool {
        let (alg, signature_value) = ecdsa_signature_value(alg, spki, signature_value, options);
        match provider.verify_with_context(&alg, spki, context, canonical_si, &signature_value) {
            Ok(()) => true,
            Err(e @ CryptoError::UnsupportedAlgorithm(_)) => {
                *unsupported.borrow_mut() = Some(e.to_string());
                false
            }
            Err(_) => false,
        }
    };
    let unsupported_or = |finding: XmlFinding| match unsupported.borrow_mut().take() {
        Some(what) => XmlFinding::Unsupported { what },
        None => finding,
    };
    let candidates: Vec<Certificate> = match &options.key {
        KeySource::TrustedPublicKey(spki) => {
            findings.push(XmlFinding::CallerTrustedKey);
            if !verifies(spki) {
                findings.push(unsupported_or(XmlFinding::SignatureMismatch));
            }
            return Ok((None, None));
        }
        KeySource::Hmac(_) => {
            findings.push(XmlFinding::Unsupported {
                what: format!("an HMAC key cannot verify {alg}"),
            });
            return Ok((None, None));
        }
        KeySource::Certificate(c) => vec![(**c).clone()],
        KeySource::KeyValue => Vec::new(),
        KeySource::KeyInfo => key_info_certificates(
            provider,
            doc,
            ids,
            signature,
            intermediates,
            &options.detached,
        )?,
    };
    let raw_keys_allowed = match options.key {
        KeySource::KeyValue => true,
        KeySource::KeyInfo => options.trust_key_value,
        _ => false,
    };
    if candidates.is_empty() && raw_keys_allowed {
        let items = super::keys::key_info_items(doc, signature, ids);
        let keys = super::keys::raw_keys(doc, &items);
        if keys.is_empty() {
            findings.push(XmlFinding::NoKey);
        } else if let Some(k) = keys
            .iter()
            .take(MAX_SIGNER_CANDIDATES)
            .find(|k| verifies(k))
        {
            findings.push(XmlFinding::DocumentKeyUsed { spki: k.clone() });
        } else {
            findings.push(unsupported_or(XmlFinding::SignatureMismatch));
        }
        return Ok((None, None));
    }
    if candidates.is_empty() {
        findings.push(XmlFinding::NoKey);
        return Ok((None, None));
    }
    let Some(pos) = candidates
        .iter()
        .take(MAX_SIGNER_CANDIDATES)
        .position(|c| verifies(c.spki_der()))
    else {
        findings.push(unsupported_or(
            if matches!(options.key, KeySource::Certificate(_)) {
                XmlFinding::SignatureMismatch
            } else {
                XmlFinding::NoSignerCertificate
            },
        ));
        return Ok((None, None));
    };
    let signer = candidates[pos].clone();
    // A time-stamped signature (XAdES-T) existed by the stamp's time: validated there, as a
    // trusted time — asked only now, when the signature verified (a forged signature's stamps
    // are not worth checking).
    let mut validation = std::borrow::Cow::Borrowed(&options.validation);
    if let Some(t) = proven_time()
        && t <= options.validation.time
    {
        let v = validation.to_mut();
        v.time = t;
        v.time_assurance = TimeAssurance::Trusted;
    }
    if options.insecure_skip_path_validation {
        findings.push(XmlFinding::PathNotValidated);
        return Ok((Some(signer), None));
    }
    // The caller's intermediates and CRLs stay borrowed; the document's other certificates
    // are added beside them.
    let carried: Vec<Certificate> = candidates
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != pos)
        .map(|(_, c)| c.clone())
        .collect();
    let validator = Validator::borrowed(provider, trust, intermediates, crls)
        .with_message_material(carried, Vec::new())
        .with_ocsp_responses(ocsp);
    let report = match cache {
        Some(cache) => cache.validate(&validator, &signer, &validation),
        None => validator.validate(&signer, &validation),
    };
    if report.status != Status::Valid {
        findings.push(XmlFinding::CertificateNotValid {
            status: report.status,
        });
    }
    Ok((Some(signer), Some(report)))
}

/// The signer candidates KeyInfo/X509Data names: its X509Certificate elements in document
/// order, then the caller's certificates (`pool`) that an X509IssuerSerial, X509SKI or
/// X509SubjectName element designates, then the certificates of `RetrievalMethod`s of type
/// `rawX509Certificate` whose external URI the caller supplied in `detached` (never fetched).
/// The look-up only proposes candidates: each must still verify the signature and validate to
/// the trust store, so a loose name match cannot let a wrong key in.
fn key_info_certificates(
    provider: &CryptoProvider,
    doc: &Document,
    ids: &HashMap<&str, NodeId>,
    signature: NodeId,
    pool: &[Certificate],
    detached: &[(String, Vec<u8>)],
) -> Result<Vec<Certificate>, XmlError> {
    let mut out: Vec<Certificate> = Vec::new();
    for ki in doc.children_named(signature, DSIG_NS, "KeyInfo") {
        for rm in doc.children_named(ki, DSIG_NS, "RetrievalMethod") {
            let Some(e) = doc.element(rm) else { continue };
            if e.attribute("Type") != Some(RAW_X509_CERTIFICATE) {
                continue;
            }
            let uri = e.attribute("URI").unwrap_or_default();
            if let Some((_, der)) = detached.iter().find(|(u, _)| u == uri)
                && let Ok(c) = Certificate::from_der(der)
            {
                out.push(c);
            }
        }
    }
    let mut designated = Vec::new();
    let items = super::keys::key_info_items(doc, signature, ids);
    {
        for &xd in items
            .iter()
            .filter(|&&i| doc.is_named(i, DSIG_NS, "X509Data"))
        {
            for xdg in doc.children_named(xd, super::keys::DSIG11_NS, "X509Digest") {
                let Some(el) = doc.element(xdg) else { continue };
                let Some(&(_, hash)) = el
                    .attribute("Algorithm")
                    .and_then(|a| DIGESTS.iter().find(|(u, _)| *u == a))
                else {
                    continue;
                };
                let want = decode_base64(&doc.text(xdg)).ok_or(XmlError::Base64("X509Digest"))?;
                for c in pool {
                    if provider
                        .digest(hash, c.der())
                        .is_ok_and(|d| d.as_ref() == &want[..])
                    {
                        designated.push(c);
                    }
                }
            }
            for xc in doc.children_named(xd, DSIG_NS, "X509Certificate") {
                let der =
                    decode_base64(&doc.text(xc)).ok_or(XmlError::Base64("X509Certificate"))?;
                if let Ok(c) = Certificate::from_der(&der) {
                    out.push(c);
                }
            }
            for is in doc.children_named(xd, DSIG_NS, "X509IssuerSerial") {
                let name = doc
                    .children_named(is, DSIG_NS, "X509IssuerName")
                    .next()
                    .map(|n| doc.text(n));
                let serial = doc
                    .children_named(is, DSIG_NS, "X509SerialNumber")
                    .next()
                    .and_then(|n| decimal_to_bytes(doc.text(n).trim()))
                    .ok_or(XmlError::Structure("X509SerialNumber"))?;
                designated.extend(pool.iter().filter(|c| {
                    strip_zeros(c.serial()) == strip_zeros(&serial)
                        && name
                            .as_deref()
                            .is_none_or(|n| same_name(n, &c.issuer().to_string()))
                }));
            }
            for ski in doc.children_named(xd, DSIG_NS, "X509SKI") {
                let id = decode_base64(&doc.text(ski)).ok_or(XmlError::Base64("X509SKI"))?;
                designated.extend(
                    pool.iter()
                        .filter(|c| c.extensions().subject_key_id.as_deref() == Some(&id[..])),
                );
            }
            for sn in doc.children_named(xd, DSIG_NS, "X509SubjectName") {
                let name = doc.text(sn);
                designated.extend(
                    pool.iter()
                        .filter(|c| same_name(&name, &c.subject().to_string())),
                );
            }
        }
        // WS-Security (SOAP messages of SMEV 2-era systems): a SecurityTokenReference to a
        // BinarySecurityToken in the same document (an X.509 certificate), or a
        // KeyIdentifier naming one of the caller's certificates by subject key identifier.
        for &str_el in items
            .iter()
            .filter(|&&i| doc.is_named(i, WSSE_NS, "SecurityTokenReference"))
        {
            for r in doc.children_named(str_el, WSSE_NS, "Reference") {
                let token = doc
                    .element(r)
                    .and_then(|e| e.attribute("URI"))
                    .and_then(|u| u.strip_prefix('#'))
                    .and_then(|id| ids.get(id).copied())
                    .filter(|&t| doc.is_named(t, WSSE_NS, "BinarySecurityToken"));
                let Some(token) = token else { continue };
                let x509 = doc
                    .element(token)
                    .and_then(|e| e.attribute("ValueType"))
                    .is_some_and(|v| v.ends_with("#X509v3") || v.ends_with("#X509"));
                if !x509 {
                    continue;
                }
                let der = decode_base64(&doc.text(token))
                    .ok_or(XmlError::Base64("BinarySecurityToken"))?;
                if let Ok(c) = Certificate::from_der(&der) {
                    out.push(c);
                }
            }
            for k in doc.children_named(str_el, WSSE_NS, "KeyIdentifier") {
                let ski = doc
                    .element(k)
                    .and_then(|e| e.attribute("ValueType"))
                    .is_some_and(|v| v.ends_with("#X509SubjectKeyIdentifier"));
                if !ski {
                    continue;
                }
                let id = decode_base64(&doc.text(k)).ok_or(XmlError::Base64("KeyIdentifier"))?;
                designated.extend(
                    pool.iter()
                        .filter(|c| c.extensions().subject_key_id.as_deref() == Some(&id[..])),
                );
            }
        }
    }
    for c in designated {
        if !out.iter().any(|o| o.der() == c.der()) {
            out.push(c.clone());
        }
    }
    Ok(out)
}

/// The WS-Security 1.0 "secext" namespace (`wsse:`): SecurityTokenReference,
/// BinarySecurityToken, KeyIdentifier.
pub const WSSE_NS: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";

/// A decimal serial number (at most 100 digits) as big-endian bytes.
fn decimal_to_bytes(s: &str) -> Option<Vec<u8>> {
    if s.is_empty() || s.len() > 100 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut out: Vec<u8> = vec![0];
    for d in s.bytes() {
        let mut carry = u32::from(d - b'0');
        for byte in out.iter_mut().rev() {
            let v = u32::from(*byte) * 10 + carry;
            *byte = (v & 0xff) as u8;
            carry = v >> 8;
        }
        while carry > 0 {
            out.insert(0, (carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    Some(out)
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let first = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    &b[first..]
}

/// Whether two distinguished names written as text (RFC 4514 or signflow's display form) have
/// the same attributes, in any order, case and white space aside. A candidate filter only.
fn same_name(a: &str, b: &str) -> bool {
    fn parts(s: &str) -> Vec<String> {
        let mut v: Vec<String> = s
            .split([',', '+'])
            .map(|p| {
                let (k, val) = p.split_once('=').unwrap_or(("", p));
                let k = match k.trim().to_ascii_lowercase().as_str() {
                    "e" | "email" | "emailaddress" | "1.2.840.113549.1.9.1" => {
                        "emailaddress".to_owned()
                    }
                    "s" | "st" | "2.5.4.8" => "st".to_owned(),
                    "2.5.4.3" => "cn".to_owned(),
                    "2.5.4.10" => "o".to_owned(),
                    "2.5.4.11" => "ou".to_owned(),
                    "2.5.4.6" => "c".to_owned(),
                    "2.5.4.7" => "l".to_owned(),
                    other => other.to_owned(),
                };
                let val: Vec<&str> = val.split_whitespace().collect();
                format!("{k}={}", val.join(" ").to_lowercase())
            })
            .collect();
        v.sort();
        v
    }
    parts(a) == parts(b)
}
