//! Verification of enveloped and enveloping signatures (XMLDSig 1.1 §3.2 core validation).
//!
//! The verifier
//!
//! 1. parses the document ([`Document::parse`]; DTDs refused) and indexes every `Id`, `ID`,
//!    `id` and `xml:id` attribute: **a value that appears twice anywhere makes the signature
//!    invalid** (signature wrapping relies on a second element with the signed element's Id);
//! 2. canonicalizes `SignedInfo` with its CanonicalizationMethod and checks SignatureValue over
//!    it with the SignatureMethod and the key of the signer's certificate;
//! 3. for each Reference — after the signature check, and with a 64th of the work budget
//!    ([`super::ParseLimits::max_work`], [`UNVERIFIED_WORK_SHARE`]) when it failed — (same-document: `""`, `#id`, `#xpointer(/)`, `#xpointer(id('id'))`;
//!    or detached content the caller supplies, never fetched), applies the transforms —
//!    enveloped-signature, base64, XPath 1.0 filters (a subset, see the `xpath` module's
//!    documentation) and XPath Filter 2.0, then at most one canonicalization (default:
//!    Canonical XML 1.0 without comments); detached content is parsed as XML when a transform
//!    needs a node-set — and compares the digest of the canonical bytes with DigestValue
//!    (SHA-2, SHA-3, Streebog; SHA-1, RIPEMD-160 and MD5 only if allowed, and RIPEMD-160 and
//!    MD5 only with the `extra-algorithms` feature: without it they, ML-DSA, SLH-DSA, Ed448
//!    and ML-KEM are refused as unsupported, never valid);
//! 4. validates the signer's certificate — from KeyInfo/X509Data or given by the caller — with
//!    [`Validator`](crate::pki::Validator) against the caller's trust store at the caller's
//!    time: a certificate in the document is never trusted by itself.
//!
//! # What was signed: use what the verifier returns
//!
//! [`XmlVerification::references`] hands back, for each Reference, the element it selected and
//! **the exact canonical bytes that were digested**. An application must read the signed data
//! from there — never by looking the element up again in the original document, where a second
//! (forged) element may sit at a different place (XML signature wrapping).
//!
//! Those bytes are as long as what was signed (the whole document, for an enveloped signature
//! over `URI=""`). A caller that only needs the verdict sets
//! [`keep_signed_data`](super::VerifyOptions::keep_signed_data) off: canonicalization is then
//! streamed into the digest and never held whole, the result's
//! [`canonical`](super::VerifiedReference::canonical) stays empty and
//! [`signed_len`](super::VerifiedReference::signed_len) says how many bytes were digested (the
//! CLI keeps them only for `verify xml --output-signed`).

use std::collections::HashMap;
use std::io;

use base64::Engine;

use super::algorithms::{hmac_method, signature_method};
use super::c14n::{C14nMethod, NodeSet, canonicalize};
use super::error::XmlError;
use super::hmac_sig::check_hmac;
use super::options::VerifyOptions;
use super::reference::{Refused, UNVERIFIED_WORK_SHARE, reference};
use super::report::{XmlFinding, XmlVerification};
use super::signer::check_signature;
use super::tree::{Document, NodeId, XmlText};
use super::work::{Work, WorkLimitExceeded};
use crate::crypto::{CryptoError, CryptoProvider, SignatureAlgorithm};
use crate::pki::{Certificate, ChainCache, Crl, OcspResponse, Status, TrustStore};
use crate::report::Reported;

/// The XMLDSig namespace.
pub const DSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";
/// The enveloped-signature transform.
pub const ENVELOPED_SIGNATURE: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
/// The base64 decoding transform (XMLDSig §6.6.2): the text of the selected node-set (or the
/// detached octets), base64-decoded, is what the reference digests. Supported as the last
/// transform only (nothing parses the decoded octets as XML).
pub const BASE64: &str = "http://www.w3.org/2000/09/xmldsig#base64";
/// The XPath filter transform (XMLDSig §6.6.3), over the subset of XPath 1.0 the `xpath`
/// module evaluates (anything else is refused as unsupported).
pub const XPATH: &str = "http://www.w3.org/TR/1999/REC-xpath-19991116";
/// Namespace of InclusiveNamespaces (the exclusive canonicalization's PrefixList).
pub const EXC_C14N_NS: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";

/// Most References accepted in one SignedInfo.
pub const MAX_REFERENCES: usize = 64;

/// What every step of one signature's verification reads: the provider, the parsed document
/// and its Id index, the Signature element and the caller's options.
#[derive(Clone, Copy)]
pub(super) struct Scope<'s, 'x> {
    /// The crypto provider.
    pub provider: &'s CryptoProvider,
    /// The document.
    pub doc: &'s Document<'x>,
    /// Its Id values (duplicates removed).
    pub ids: &'s HashMap<&'s str, NodeId>,
    /// The Signature element verified.
    pub signature: NodeId,
    /// The caller's options.
    pub options: &'s VerifyOptions,
}

/// The canonical SignedInfo and the SignatureValue that must cover it.
#[derive(Clone, Copy)]
pub(super) struct SignedBytes<'a> {
    /// SignedInfo, canonicalized.
    pub canonical: &'a [u8],
    /// SignatureValue, decoded.
    pub value: &'a [u8],
}

/// What the signer's certificate is validated against.
#[derive(Clone, Copy)]
pub(super) struct TrustInputs<'a> {
    /// The trust anchors.
    pub trust: &'a TrustStore,
    /// Untrusted intermediates.
    pub intermediates: &'a [Certificate],
    /// CRLs.
    pub crls: &'a [Crl],
    /// OCSP responses.
    pub ocsp: &'a [OcspResponse],
    /// Where valid path verdicts are kept, if anywhere.
    pub cache: Option<&'a ChainCache>,
}

/// Verifies the first XML signature of `xml` against trust material the caller holds itself
/// (borrowed, nothing copied). A service with a [`TrustContext`](crate::pki::TrustContext)
/// uses [`Verifier::from_context`](super::Verifier::from_context) instead.
///
/// `trust`, `intermediates` and `crls` feed the [`Validator`](crate::pki::Validator) that
/// checks the signer's certificate (KeyInfo certificates other than the signer's join the
/// intermediates).
///
/// # Errors
/// [`XmlError`] when the document or the signature cannot be read at all; everything else
/// (bad digests, bad signature, untrusted certificate) is a finding in the result.
///
/// # Example
/// ```
/// # #[cfg(any(feature = "aws-lc-rs", feature = "rustcrypto"))] {
/// use signflow::crypto::CryptoProvider;
/// use signflow::pki::{Certificate, Crl, Status, TrustStore, UnixTime};
/// use signflow::xmldsig::{VerifyOptions, verify};
///
/// let mut trust = TrustStore::new();
/// trust.add_pem_or_der(include_bytes!("../../testdata/pki/root-ca.pem"))?;
/// let intermediates =
///     Certificate::all_from_pem_or_der(include_bytes!("../../testdata/pki/intermediate-ca.pem"))?;
/// let mut crls = Crl::all_from_pem_or_der(include_bytes!("../../testdata/pki/root-ca.crl.pem"))?;
/// crls.extend(Crl::all_from_pem_or_der(include_bytes!(
///     "../../testdata/pki/intermediate-ca.crl.pem"
/// ))?);
/// let xml = include_bytes!("../../testdata/xmldsig/xmlsec1-signed-rsa.xml");
///
/// let provider = CryptoProvider::all_compiled()[0];
/// let options = VerifyOptions::at(UnixTime::from_utc(2027, 1, 1, 0, 0, 0));
/// let result = verify(provider, xml, &trust, &intermediates, &crls, &options)?;
/// assert_eq!(result.status, Status::Valid);
/// // The signed data: the canonical bytes the digest covered, not a fresh look-up.
/// let signed = &result.references[0].canonical;
/// assert!(signed.starts_with(b"<Act xmlns=\"urn:signflow:test\""));
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn verify(
    provider: &CryptoProvider,
    xml: &[u8],
    trust: &TrustStore,
    intermediates: &[Certificate],
    crls: &[Crl],
    options: &VerifyOptions,
) -> Result<XmlVerification, XmlError> {
    let inputs = TrustInputs {
        trust,
        intermediates,
        crls,
        ocsp: &[],
        cache: None,
    };
    verify_document(provider, xml, &inputs, options)
}

/// What [`verify()`] and [`Verifier::verify`](super::Verifier::verify) run: the first signature of `xml`, checked
/// against `inputs` (borrowed, nothing copied).
pub(super) fn verify_document(
    provider: &CryptoProvider,
    xml: &[u8],
    inputs: &TrustInputs<'_>,
    options: &VerifyOptions,
) -> Result<XmlVerification, XmlError> {
    let text = XmlText::decode(xml, &options.limits)?;
    let doc = Document::parse_text(&text, &options.limits)?;
    let mut findings = Vec::new();

    // Ids, duplicates anywhere refused.
    let mut ids: HashMap<&str, NodeId> = HashMap::new();
    let mut duplicates = std::collections::BTreeSet::new();
    for (value, id) in doc.id_attributes() {
        if ids.insert(value, id).is_some() {
            duplicates.insert(value);
        }
    }
    for &id in &duplicates {
        // An ambiguous Id selects nothing: no reference can return either element.
        ids.remove(id);
        findings.push(XmlFinding::DuplicateId { id: id.to_owned() });
    }

    let signatures: Vec<NodeId> = doc
        .nodes()
        .filter(|(id, _)| doc.is_named(*id, DSIG_NS, "Signature"))
        .map(|(id, _)| id)
        .collect();
    let &signature = signatures.first().ok_or(XmlError::NoSignature)?;
    if signatures.len() > 1 {
        findings.push(XmlFinding::OtherSignaturesIgnored {
            count: signatures.len() - 1,
        });
    }
    let scope = Scope {
        provider,
        doc: &doc,
        ids: &ids,
        signature,
        options,
    };
    let signed_info = one_child(&doc, signature, "SignedInfo")?;
    let signature_value = decode_base64(&doc.text(one_child(&doc, signature, "SignatureValue")?))
        .ok_or(XmlError::Base64("SignatureValue"))?;

    // SignedInfo canonicalization.
    let c14n_el = one_child(&doc, signed_info, "CanonicalizationMethod")?;
    let c14n_uri = algorithm(&doc, c14n_el)?;
    let c14n_method = c14n_method_of(&doc, c14n_el, c14n_uri);
    let method_el = one_child(&doc, signed_info, "SignatureMethod")?;
    let method_uri = algorithm(&doc, method_el)?.to_owned();
    let signature_algorithm = signature_method(&method_uri);
    let hmac_hash = hmac_method(&method_uri);
    let context = match signature_algorithm {
        Some(alg) => signature_context(&doc, method_el, &alg)?,
        None => Vec::new(),
    };

    // References.
    let reference_els: Vec<NodeId> = doc
        .children_named(signed_info, DSIG_NS, "Reference")
        .collect();
    if reference_els.is_empty() {
        return Err(XmlError::Structure("Reference"));
    }
    if reference_els.len() > MAX_REFERENCES {
        return Err(XmlError::Limit("references per signature"));
    }
    let (mut signer, mut certificate) = (None, None);
    // XAdES: the qualifying properties, read now; their time-stamps are checked once the
    // signature verified (they decide the validation time), the level after the references.
    let xades = super::xades::find(&doc, signature);
    let mut xades_findings = Vec::new();
    let mut stamps = (Vec::new(), None);
    let stamp_context = super::xades::StampContext {
        provider,
        trust: inputs.trust,
        intermediates: inputs.intermediates,
        crls: inputs.crls,
        ocsp: inputs.ocsp,
        policy: &options.validation,
    };
    let mut proven_time = || {
        let x = xades.as_ref()?;
        stamps = x.check_timestamps(&doc, signature, &stamp_context, &mut xades_findings);
        stamps.1
    };
    match (&c14n_method, signature_algorithm) {
        (None, _) => findings.push(XmlFinding::Unsupported {
            what: format!("canonicalization {c14n_uri}"),
        }),
        (Some(m), None) if let Some(hash) = hmac_hash => {
            if hash.is_weak() {
                findings.push(XmlFinding::WeakAlgorithm {
                    uri: method_uri.clone(),
                    allowed: options.allows_hash(hash),
                });
            }
            if let Err(e) = hash.check_compiled() {
                if options.allows_hash(hash) {
                    findings.push(XmlFinding::Unsupported {
                        what: format!("signature method {method_uri}: {e}"),
                    });
                }
            } else if options.allows_hash(hash) {
                let mut canonical_si = Vec::new();
                canonicalize(&doc, m, NodeSet::subtree(signed_info), &mut canonical_si)?;
                let signed = SignedBytes {
                    canonical: &canonical_si,
                    value: &signature_value,
                };
                check_hmac(&scope, method_el, hash, signed, &mut findings)?;
            }
        }
        (_, None) => findings.push(XmlFinding::Unsupported {
            what: format!("signature method {method_uri}"),
        }),
        (Some(m), Some(alg)) => {
            let allowed = alg.hash().is_none_or(|h| options.allows_hash(h));
            if alg.is_weak() {
                findings.push(XmlFinding::WeakAlgorithm {
                    uri: method_uri.clone(),
                    allowed,
                });
            }
            if let Err(e) = alg.check_compiled() {
                if allowed {
                    findings.push(XmlFinding::Unsupported {
                        what: format!("signature method {method_uri}: {e}"),
                    });
                }
            } else if allowed {
                let mut canonical_si = Vec::new();
                canonicalize(&doc, m, NodeSet::subtree(signed_info), &mut canonical_si)?;
                let signed = SignedBytes {
                    canonical: &canonical_si,
                    value: &signature_value,
                };
                (signer, certificate) = check_signature(
                    &scope,
                    &alg,
                    &context,
                    signed,
                    inputs,
                    &mut proven_time,
                    &mut findings,
                )?;
            }
        }
    }

    // References last: when the signature over SignedInfo failed, the document is invalid
    // whatever its references hold, so they get only a sliver of the work budget
    // ([`UNVERIFIED_WORK_SHARE`]): enough for every ordinary reference (the report says what
    // it always said: digest mismatches, unsupported transforms), nothing for hostile ones.
    let signature_failed = findings.iter().any(|f| {
        matches!(
            f,
            XmlFinding::SignatureMismatch | XmlFinding::NoSignerCertificate
        )
    });
    let budget = if signature_failed {
        options.limits.max_work / UNVERIFIED_WORK_SHARE
    } else {
        options.limits.max_work
    };
    let mut references = Vec::new();
    {
        let work = Work::new(budget);
        for (i, &r) in reference_els.iter().enumerate() {
            let found = reference(&scope, i, r, &work, &mut findings);
            match found {
                Ok(Some(v)) => references.push(v),
                Ok(None) => {}
                Err(Refused::Xml(e)) => return Err(e),
                Err(Refused::Work(WorkLimitExceeded { limit })) => {
                    let uri = doc.element(r).and_then(|e| e.attribute("URI"));
                    findings.push(XmlFinding::WorkLimitExceeded {
                        reference: i,
                        uri: uri.unwrap_or_default().to_owned(),
                        limit,
                    });
                    // Every later Reference would find the budget spent too.
                    break;
                }
            }
        }
    }

    let xades = xades.map(|x| {
        findings.append(&mut xades_findings);
        let types: Vec<Option<String>> = reference_els
            .iter()
            .map(|&r| {
                doc.element(r)
                    .and_then(|e| e.attribute("Type"))
                    .map(str::to_owned)
            })
            .collect();
        let source = match (&stamps.1, &certificate) {
            (Some(t), Some(_)) if *t <= options.validation.time => {
                crate::cms::TimeSource::SignatureTimestamp
            }
            _ => crate::cms::TimeSource::Given,
        };
        x.report(
            provider,
            signer.as_ref(),
            &references,
            &types,
            std::mem::take(&mut stamps),
            source,
            &mut findings,
        )
    });
    Ok(XmlVerification {
        status: findings
            .iter()
            .filter_map(XmlFinding::status)
            .max()
            .unwrap_or(Status::Valid),
        findings: findings.into_iter().map(Reported::new).collect(),
        signature_algorithm,
        references,
        signer,
        certificate,
        xades,
        qualified: None,
    })
}

/// Namespace of xmlsec's context-string elements (children of SignatureMethod).
pub(crate) const XMLSEC_MORE_NS: &str = "http://www.aleksey.com/xmlsec/2025/12/xmldsig-more#";

/// The context string of `alg`'s SignatureMethod: the base64 content of xmlsec's
/// `MLDSAContextString`, `SLHDSAContextString` or `EdDSAContextString` child (the one that
/// matches the algorithm's family), empty when there is none. Two of them are a structure
/// error; a context longer than 255 bytes is refused by the provider.
fn signature_context(
    doc: &Document,
    method_el: NodeId,
    alg: &SignatureAlgorithm,
) -> Result<Vec<u8>, XmlError> {
    let name = match alg {
        SignatureAlgorithm::MlDsa(_) => "MLDSAContextString",
        SignatureAlgorithm::SlhDsa(_) => "SLHDSAContextString",
        SignatureAlgorithm::Ed25519
        | SignatureAlgorithm::Ed25519ph
        | SignatureAlgorithm::Ed25519ctx
        | SignatureAlgorithm::Ed448
        | SignatureAlgorithm::Ed448ph => "EdDSAContextString",
        _ => return Ok(Vec::new()),
    };
    let mut found = doc.children_named(method_el, XMLSEC_MORE_NS, name);
    match (found.next(), found.next()) {
        (None, _) => Ok(Vec::new()),
        (Some(el), None) => decode_base64(&doc.text(el)).ok_or(XmlError::Base64(name)),
        (Some(_), Some(_)) => Err(XmlError::Structure(name)),
    }
}

/// A provider error while hashing: the document cannot be read to the end.
pub(super) fn to_io(e: CryptoError) -> XmlError {
    XmlError::Io(io::Error::other(e))
}

/// The single ds:`local` child of `parent`.
pub(super) fn one_child(
    doc: &Document,
    parent: NodeId,
    local: &'static str,
) -> Result<NodeId, XmlError> {
    let mut it = doc.children_named(parent, DSIG_NS, local);
    match (it.next(), it.next()) {
        (Some(c), None) => Ok(c),
        _ => Err(XmlError::Structure(local)),
    }
}

/// The Algorithm attribute of `el`.
pub(super) fn algorithm<'d>(doc: &'d Document<'_>, el: NodeId) -> Result<&'d str, XmlError> {
    doc.element(el)
        .and_then(|e| e.attribute("Algorithm"))
        .ok_or(XmlError::Structure("Algorithm attribute"))
}

/// The canonicalization `uri` names, with the PrefixList of an InclusiveNamespaces child.
pub(super) fn c14n_method_of(doc: &Document, el: NodeId, uri: &str) -> Option<C14nMethod> {
    let mut m = C14nMethod::from_uri(uri)?;
    if let C14nMethod::Exclusive {
        inclusive_prefixes, ..
    } = &mut m
    {
        for inc in doc.children_named(el, EXC_C14N_NS, "InclusiveNamespaces") {
            if let Some(list) = doc.element(inc).and_then(|e| e.attribute("PrefixList")) {
                for p in list.split_ascii_whitespace() {
                    inclusive_prefixes.push(if p == "#default" {
                        String::new()
                    } else {
                        p.to_owned()
                    });
                }
            }
        }
    }
    Some(m)
}

/// Decodes base64 with the white space XML puts in it.
pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .ok()
}
