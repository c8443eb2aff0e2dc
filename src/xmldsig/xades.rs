//! XAdES (ETSI EN 319 132-1): the qualifying properties of an XML signature, on verification
//! and on signing.
//!
//! A XAdES signature carries a `ds:Object/xades:QualifyingProperties` whose
//! `SignedProperties` a Reference of type [`SIGNED_PROPERTIES_TYPE`] signs: the claimed
//! `SigningTime`, the signer's certificate by digest (`SigningCertificateV2`, or v1's
//! `SigningCertificate`) and, for EPES, a `SignaturePolicyIdentifier`. Its unsigned properties
//! may add `SignatureTimeStamp`s: RFC 3161 tokens over the canonical `ds:SignatureValue`
//! element, which prove the signature existed by their time (XAdES-T).
//!
//! | level | needs |
//! |---|---|
//! | [`XadesLevel::Bes`] | SignedProperties signed by a Reference of its type, whose SigningCertificate(V2) names the certificate that verified the signature |
//! | [`XadesLevel::Epes`] | BES and a SignaturePolicyIdentifier |
//! | [`XadesLevel::T`] | BES (or EPES) and a valid SignatureTimeStamp |
//!
//! As with CAdES, the earliest valid time-stamp is the proven signing time: the signer's
//! certificate is validated there, as a trusted time. A time-stamp that does not verify is an
//! advisory finding: unsigned properties can be added by anyone, so they never make a verdict
//! better than the XMLDSig rules would, nor worse. Signed properties that name another
//! certificate than the one that verified make the signature invalid.

use core::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::Serialize;

use super::algorithms::DIGESTS;
use super::c14n::{C14nMethod, NodeSet, canonicalize};
use super::error::{SignError, XmlError};
use super::report::{VerifiedReference, XmlFinding};
use super::tree::{Document, NodeId, ParseLimits, XmlText};
use super::verify::{DSIG_NS, decode_base64};
use crate::cms::cades::{SignerTimestamp, TimestampKind};
use crate::cms::{TimeSource, Verifier as CmsVerifier};
use crate::crypto::{CryptoProvider, HashAlgorithm};
use crate::pki::{Certificate, Crl, OcspResponse, Status, TrustStore, UnixTime, ValidationOptions};
use crate::tsp::{Imprint, TimeStampToken, TimeStamper, TspError, stamp_data};

/// The XAdES 1.3.2 namespace (EN 319 132-1 keeps it, and adds SigningCertificateV2 to it).
pub const XADES_NS: &str = "http://uri.etsi.org/01903/v1.3.2#";
/// The Type of the Reference that signs the SignedProperties.
pub const SIGNED_PROPERTIES_TYPE: &str = "http://uri.etsi.org/01903#SignedProperties";
/// Most signature time-stamps verified per signature; more are reported as not checked.
pub const MAX_XADES_TIMESTAMPS: usize = 4;
/// Most `Cert` entries read from a SigningCertificate(V2).
const MAX_SIGNING_CERTS: usize = 16;

/// The XAdES level a signature reaches, spelled in text and JSON as ETSI does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[non_exhaustive]
pub enum XadesLevel {
    /// Signed properties binding the signer's certificate.
    #[serde(rename = "XAdES-BES")]
    Bes,
    /// BES with a signature policy.
    #[serde(rename = "XAdES-EPES")]
    Epes,
    /// BES or EPES with a valid signature time-stamp.
    #[serde(rename = "XAdES-T")]
    T,
}

impl XadesLevel {
    /// The level's name: `"XAdES-BES"`, `"XAdES-EPES"` or `"XAdES-T"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Bes => "XAdES-BES",
            Self::Epes => "XAdES-EPES",
            Self::T => "XAdES-T",
        }
    }
}

impl fmt::Display for XadesLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What the verifier found in a signature's XAdES qualifying properties.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct XadesReport {
    /// The level reached, `None` when the properties do not make one (the findings say why).
    pub level: Option<XadesLevel>,
    /// The SignedProperties' Id.
    pub signed_properties: Option<String>,
    /// The SigningTime the signer claims (nothing vouches for it).
    pub signing_time: Option<UnixTime>,
    /// The signature policy's identifier (EPES), when there is one.
    pub signature_policy: Option<String>,
    /// Every signature time-stamp checked.
    pub timestamps: Vec<SignerTimestamp>,
    /// The earliest instant a valid signature time-stamp proves the signature existed by.
    pub proven_signing_time: Option<UnixTime>,
    /// Where the signer certificate's validation time came from.
    pub validation_time_source: TimeSource,
}

/// The qualifying properties of one signature, as read (nothing checked yet).
pub(super) struct Properties {
    signed_properties: Option<NodeId>,
    signed_properties_id: Option<String>,
    signing_time: Option<UnixTime>,
    /// `None`: no SigningCertificate(V2); else each Cert's digest (algorithm, value).
    cert_digests: Option<Vec<(Option<HashAlgorithm>, Vec<u8>)>>,
    policy: Option<String>,
    timestamps: Vec<Stamp>,
    /// What could not be read, for the findings.
    problems: Vec<String>,
}

/// One SignatureTimeStamp: its canonicalization and its token (or why there is none).
struct Stamp {
    c14n: Result<C14nMethod, String>,
    token: Result<Vec<u8>, String>,
}

/// The QualifyingProperties of `signature` (the first `ds:Object` child holding one), read.
pub(super) fn find(doc: &Document, signature: NodeId) -> Option<Properties> {
    let qualifying = doc
        .children_named(signature, DSIG_NS, "Object")
        .find_map(|o| {
            doc.children_named(o, XADES_NS, "QualifyingProperties")
                .next()
        })?;
    let mut p = Properties {
        signed_properties: None,
        signed_properties_id: None,
        signing_time: None,
        cert_digests: None,
        policy: None,
        timestamps: Vec::new(),
        problems: Vec::new(),
    };
    let signature_id = doc.element(signature).and_then(|e| e.attribute("Id"));
    let target = doc.element(qualifying).and_then(|e| e.attribute("Target"));
    if target.is_none() || target.map(|t| t.strip_prefix('#')) != Some(signature_id) {
        p.problems.push(format!(
            "QualifyingProperties' Target {:?} does not name this Signature",
            target.unwrap_or_default()
        ));
    }
    if let Some(sp) = doc
        .children_named(qualifying, XADES_NS, "SignedProperties")
        .next()
    {
        p.signed_properties = Some(sp);
        p.signed_properties_id = doc
            .element(sp)
            .and_then(|e| e.attribute("Id"))
            .map(str::to_owned);
        if let Some(ssp) = doc
            .children_named(sp, XADES_NS, "SignedSignatureProperties")
            .next()
        {
            read_signed_signature_properties(doc, ssp, &mut p);
        } else {
            p.problems
                .push("no SignedSignatureProperties in SignedProperties".into());
        }
    }
    let unsigned = doc
        .children_named(qualifying, XADES_NS, "UnsignedProperties")
        .flat_map(|u| doc.children_named(u, XADES_NS, "UnsignedSignatureProperties"));
    for usp in unsigned {
        for ts in doc.children_named(usp, XADES_NS, "SignatureTimeStamp") {
            if p.timestamps.len() == MAX_XADES_TIMESTAMPS {
                p.problems.push(format!(
                    "more than {MAX_XADES_TIMESTAMPS} signature time-stamps: the rest were not \
                     checked"
                ));
                return Some(p);
            }
            p.timestamps.push(read_stamp(doc, ts));
        }
    }
    Some(p)
}

fn read_signed_signature_properties(doc: &Document, ssp: NodeId, p: &mut Properties) {
    if let Some(t) = doc.children_named(ssp, XADES_NS, "SigningTime").next() {
        match UnixTime::parse_rfc3339(doc.text(t).trim()) {
            Ok(time) => p.signing_time = Some(time),
            Err(e) => p.problems.push(format!("SigningTime: {e}")),
        }
    }
    let signing_certificate = doc
        .children_named(ssp, XADES_NS, "SigningCertificateV2")
        .chain(doc.children_named(ssp, XADES_NS, "SigningCertificate"))
        .next();
    if let Some(sc) = signing_certificate {
        let mut digests = Vec::new();
        for cert in doc
            .children_named(sc, XADES_NS, "Cert")
            .take(MAX_SIGNING_CERTS)
        {
            let Some(cd) = doc.children_named(cert, XADES_NS, "CertDigest").next() else {
                p.problems.push("a Cert without CertDigest".into());
                continue;
            };
            let method = doc
                .children_named(cd, DSIG_NS, "DigestMethod")
                .next()
                .and_then(|m| doc.element(m))
                .and_then(|e| e.attribute("Algorithm"));
            let hash = method.and_then(|u| DIGESTS.iter().find(|(d, _)| *d == u).map(|(_, h)| *h));
            if hash.is_none() {
                p.problems.push(format!(
                    "CertDigest method {:?} is not supported",
                    method.unwrap_or_default()
                ));
            }
            let value = doc
                .children_named(cd, DSIG_NS, "DigestValue")
                .next()
                .and_then(|v| decode_base64(&doc.text(v)));
            match value {
                Some(v) => digests.push((hash, v)),
                None => p
                    .problems
                    .push("CertDigest's DigestValue is not base64".into()),
            }
        }
        p.cert_digests = Some(digests);
    }
    if let Some(spi) = doc
        .children_named(ssp, XADES_NS, "SignaturePolicyIdentifier")
        .next()
    {
        let identifier = doc
            .children_named(spi, XADES_NS, "SignaturePolicyId")
            .flat_map(|id| doc.children_named(id, XADES_NS, "SigPolicyId"))
            .flat_map(|id| doc.children_named(id, XADES_NS, "Identifier"))
            .next()
            .map(|i| doc.text(i).trim().to_owned());
        let implied = doc
            .children_named(spi, XADES_NS, "SignaturePolicyImplied")
            .next()
            .is_some();
        p.policy = identifier.or(implied.then(|| "implied".to_owned()));
        if p.policy.is_none() {
            p.problems
                .push("SignaturePolicyIdentifier names no policy".into());
        }
    }
}

fn read_stamp(doc: &Document, ts: NodeId) -> Stamp {
    let c14n = match doc
        .children_named(ts, DSIG_NS, "CanonicalizationMethod")
        .next()
    {
        // EN 319 132-1 §5.3: without one, Canonical XML 1.0.
        None => Ok(C14nMethod::Inclusive { comments: false }),
        Some(m) => {
            let uri = doc
                .element(m)
                .and_then(|e| e.attribute("Algorithm"))
                .unwrap_or_default();
            super::verify::c14n_method_of(doc, m, uri)
                .ok_or_else(|| format!("canonicalization {uri:?} is not supported"))
        }
    };
    let token = doc
        .children_named(ts, XADES_NS, "EncapsulatedTimeStamp")
        .next()
        .ok_or_else(|| "no EncapsulatedTimeStamp".to_owned())
        .and_then(|e| {
            decode_base64(&doc.text(e))
                .ok_or_else(|| "EncapsulatedTimeStamp is not base64".to_owned())
        });
    Stamp { c14n, token }
}

/// What checking the time-stamps needs of the verification around it.
pub(super) struct StampContext<'a> {
    /// The crypto provider.
    pub provider: &'a CryptoProvider,
    /// The trust anchors.
    pub trust: &'a TrustStore,
    /// Untrusted intermediates.
    pub intermediates: &'a [Certificate],
    /// CRLs.
    pub crls: &'a [Crl],
    /// OCSP responses.
    pub ocsp: &'a [OcspResponse],
    /// The validation rules (the TSA paths are validated at each genTime).
    pub policy: &'a ValidationOptions,
}

impl Properties {
    /// Verifies the signature time-stamps over `signature`'s SignatureValue element; returns
    /// them and the earliest instant a valid one proves.
    pub(super) fn check_timestamps(
        &self,
        doc: &Document,
        signature: NodeId,
        context: &StampContext<'_>,
        findings: &mut Vec<XmlFinding>,
    ) -> (Vec<SignerTimestamp>, Option<UnixTime>) {
        let mut out = Vec::new();
        let mut proven: Option<UnixTime> = None;
        if self.timestamps.is_empty() {
            return (out, proven);
        }
        let Some(value_el) = doc
            .children_named(signature, DSIG_NS, "SignatureValue")
            .next()
        else {
            return (out, proven);
        };
        let verifier = CmsVerifier::new(
            context.provider,
            context.trust,
            context.intermediates.to_vec(),
            context.crls.to_vec(),
        )
        .with_ocsp_responses(context.ocsp);
        for stamp in &self.timestamps {
            let unusable = |reason: String| XmlFinding::XadesTimestampUnusable { reason };
            let (method, der) = match (&stamp.c14n, &stamp.token) {
                (Ok(m), Ok(der)) => (m, der),
                (Err(e), _) | (_, Err(e)) => {
                    findings.push(unusable(e.clone()));
                    continue;
                }
            };
            let token = match TimeStampToken::from_der(der) {
                Ok(t) => t,
                Err(e) => {
                    findings.push(unusable(e.to_string()));
                    continue;
                }
            };
            let mut canonical = Vec::new();
            if let Err(e) = canonicalize(doc, method, NodeSet::subtree(value_el), &mut canonical) {
                findings.push(unusable(format!("SignatureValue's canonical form: {e}")));
                continue;
            }
            let report = token.check_with(
                &verifier,
                context.provider,
                context.policy,
                Imprint::Data(&canonical),
                None,
            );
            let stamp = SignerTimestamp::from_report(TimestampKind::SignatureTimestamp, report);
            if stamp.status == Status::Valid {
                proven = Some(proven.map_or(stamp.proven_by, |p| p.min(stamp.proven_by)));
            } else {
                findings.push(XmlFinding::XadesTimestampNotValid {
                    time: stamp.time.clone(),
                    status: stamp.status,
                    reasons: stamp.reasons(),
                });
            }
            out.push(stamp);
        }
        if let (Some(claimed), Some(proven)) = (self.signing_time, proven)
            && claimed > proven
        {
            findings.push(XmlFinding::XadesSigningTimeAfterTimestamp { claimed, proven });
        }
        (out, proven)
    }

    /// The report and level, once the signature and its references are verified: `signer`
    /// is the certificate that verified the signature, `references` what each Reference
    /// selected, `types` each Reference's Type attribute (by position).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn report(
        self,
        provider: &CryptoProvider,
        signer: Option<&Certificate>,
        references: &[VerifiedReference],
        types: &[Option<String>],
        stamps: (Vec<SignerTimestamp>, Option<UnixTime>),
        validation_time_source: TimeSource,
        findings: &mut Vec<XmlFinding>,
    ) -> XadesReport {
        let (timestamps, proven) = stamps;
        let mut problems = self.problems;
        let signed = self.signed_properties_id.as_deref().is_some_and(|id| {
            references.iter().any(|r| {
                r.digest_matches
                    && types.get(r.index).and_then(Option::as_deref) == Some(SIGNED_PROPERTIES_TYPE)
                    && r.element.as_ref().is_some_and(|e| {
                        e.id.as_deref() == Some(id)
                            && e.local_name == "SignedProperties"
                            && e.namespace.as_deref() == Some(XADES_NS)
                    })
            })
        });
        if self.signed_properties.is_none() {
            problems.push("no SignedProperties".into());
        } else if !signed {
            problems.push(format!(
                "no Reference of type {SIGNED_PROPERTIES_TYPE} signs the SignedProperties"
            ));
        }
        let mut bound = false;
        match (&self.cert_digests, signer) {
            (None, _) => problems.push("no SigningCertificate(V2) in the signed properties".into()),
            (Some(_), None) => {}
            (Some(digests), Some(cert)) => {
                bound = digests.iter().any(|(hash, value)| {
                    hash.and_then(|h| provider.digest(h, cert.der()).ok())
                        .is_some_and(|d| d.as_ref() == value.as_slice())
                });
                // Signed properties that name someone else: the signer claims another
                // certificate than the one that verified (EN 319 102-1 §5.2.3).
                if !bound && signed {
                    findings.push(XmlFinding::XadesSigningCertificateMismatch);
                }
            }
        }
        let level = (signed && bound && problems.is_empty()).then(|| {
            if proven.is_some() {
                XadesLevel::T
            } else if self.policy.is_some() {
                XadesLevel::Epes
            } else {
                XadesLevel::Bes
            }
        });
        if !problems.is_empty() {
            findings.push(XmlFinding::XadesNoLevel { reasons: problems });
        }
        XadesReport {
            level,
            signed_properties: self.signed_properties_id,
            signing_time: self.signing_time,
            signature_policy: self.policy,
            timestamps,
            proven_signing_time: proven,
            validation_time_source,
        }
    }
}

/// The signed properties of a XAdES-BES signature ([`super::SignOptions::xades`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct XadesOptions {
    /// The SigningTime to claim.
    pub signing_time: UnixTime,
}

impl XadesOptions {
    /// XAdES-BES properties claiming `signing_time`.
    pub fn at(signing_time: UnixTime) -> Self {
        Self { signing_time }
    }
}

/// The Ids and text a XAdES signature's template needs.
pub(super) struct XadesTemplate {
    /// The Signature element's Id (the QualifyingProperties' Target).
    pub signature_id: String,
    /// The SignedProperties' Id (the second Reference's URI).
    pub properties_id: String,
    /// The QualifyingProperties element, rendered.
    pub qualifying: String,
}

impl XadesTemplate {
    /// The template for `certificate` (digested with `hash`, named by `digest_uri`), with Ids
    /// that none of `taken` uses.
    pub(super) fn new(
        provider: &CryptoProvider,
        options: &XadesOptions,
        certificate: &Certificate,
        hash: HashAlgorithm,
        digest_uri: &str,
        taken: &[String],
    ) -> Result<Self, SignError> {
        let fresh = |base: &str| {
            let mut id = base.to_owned();
            let mut n = 1;
            while taken.contains(&id) {
                n += 1;
                id = format!("{base}-{n}");
            }
            id
        };
        let signature_id = fresh("signflow-signature");
        let properties_id = fresh("signflow-signed-properties");
        let cert_digest = B64.encode(provider.digest(hash, certificate.der())?);
        let qualifying = format!(
            "<xades:QualifyingProperties xmlns:xades=\"{XADES_NS}\" Target=\"#{signature_id}\">\
             <xades:SignedProperties Id=\"{properties_id}\"><xades:SignedSignatureProperties>\
             <xades:SigningTime>{}</xades:SigningTime>\
             <xades:SigningCertificateV2><xades:Cert><xades:CertDigest>\
             <ds:DigestMethod Algorithm=\"{digest_uri}\"/>\
             <ds:DigestValue>{cert_digest}</ds:DigestValue>\
             </xades:CertDigest></xades:Cert></xades:SigningCertificateV2>\
             </xades:SignedSignatureProperties></xades:SignedProperties>\
             </xades:QualifyingProperties>",
            options.signing_time
        );
        Ok(Self {
            signature_id,
            properties_id,
            qualifying,
        })
    }
}

/// `signed` (a document with a XAdES signature, the first Signature element) with a
/// SignatureTimeStamp from `stamper` added to its unsigned properties: XAdES-BES becomes
/// XAdES-T. The time-stamp covers the exclusive canonical form of `ds:SignatureValue` (its
/// CanonicalizationMethod says so), hashed with `hash`. Everything else is kept byte for
/// byte; a document in another encoding than UTF-8 stays in it.
///
/// # Errors
/// [`SignError::Xml`] when `signed` does not parse; [`SignError::Placement`] when it has no
/// Signature with XAdES QualifyingProperties; [`SignError::Timestamp`] when the TSA refuses or
/// answers another request; [`SignError::ExceedsLimits`] when the result would exceed
/// `limits`.
pub fn add_xades_timestamp(
    provider: &CryptoProvider,
    signed: &[u8],
    stamper: &dyn TimeStamper,
    hash: HashAlgorithm,
    limits: &ParseLimits,
) -> Result<Vec<u8>, SignError> {
    let text = XmlText::decode(signed, limits)?;
    let doc = Document::parse_text(&text, limits)?;
    let missing = || SignError::Placement("no Signature with XAdES QualifyingProperties".into());
    let signature = doc
        .nodes()
        .map(|(id, _)| id)
        .find(|&id| doc.is_named(id, DSIG_NS, "Signature"))
        .ok_or_else(missing)?;
    let qualifying = doc
        .children_named(signature, DSIG_NS, "Object")
        .find_map(|o| {
            doc.children_named(o, XADES_NS, "QualifyingProperties")
                .next()
        })
        .ok_or_else(missing)?;
    let value_el = doc
        .children_named(signature, DSIG_NS, "SignatureValue")
        .next()
        .ok_or(SignError::Xml(XmlError::Structure("SignatureValue")))?;
    let method = C14nMethod::Exclusive {
        comments: false,
        inclusive_prefixes: Vec::new(),
    };
    let mut canonical = Vec::new();
    canonicalize(&doc, &method, NodeSet::subtree(value_el), &mut canonical)?;
    let token = stamp_data(stamper, provider, hash, &canonical)?;

    // The prefix bound to XAdES on QualifyingProperties, and to XMLDSig on Signature.
    let prefix_of = |el: NodeId, fallback: &'static str| {
        doc.element(el)
            .map(|e| e.name().split_once(':').map_or("", |(p, _)| p).to_owned())
            .unwrap_or_else(|| fallback.to_owned())
    };
    let x = prefix_of(qualifying, "xades");
    let ds = prefix_of(signature, "ds");
    let q = |local: &str| {
        if x.is_empty() {
            local.to_owned()
        } else {
            format!("{x}:{local}")
        }
    };
    let d = |local: &str| {
        if ds.is_empty() {
            local.to_owned()
        } else {
            format!("{ds}:{local}")
        }
    };
    let stamp = format!(
        "<{ts}><{cm} Algorithm=\"{}\"/><{et}>{}</{et}></{ts}>",
        method.uri(),
        B64.encode(token.der()),
        ts = q("SignatureTimeStamp"),
        cm = d("CanonicalizationMethod"),
        et = q("EncapsulatedTimeStamp"),
    );
    // Into an existing UnsignedSignatureProperties, else a new UnsignedProperties.
    let existing = doc
        .children_named(qualifying, XADES_NS, "UnsignedProperties")
        .flat_map(|u| doc.children_named(u, XADES_NS, "UnsignedSignatureProperties"))
        .next();
    let (container, insert) = match existing {
        Some(usp) => (usp, stamp),
        None => (
            qualifying,
            format!(
                "<{up}><{usp}>{stamp}</{usp}></{up}>",
                up = q("UnsignedProperties"),
                usp = q("UnsignedSignatureProperties"),
            ),
        ),
    };
    let at = doc
        .element(container)
        .and_then(|e| e.span().end_tag_start)
        .ok_or_else(|| SignError::Placement("an empty-element QualifyingProperties".into()))?;
    let source = text.as_str();
    let mut out = String::with_capacity(source.len() + insert.len());
    out.push_str(&source[..at]);
    out.push_str(&insert);
    out.push_str(&source[at..]);
    let bytes = if text.encoding() == "UTF-8" {
        out.into_bytes()
    } else {
        text.encode(&out)?
    };
    if bytes.len() > limits.max_size {
        return Err(SignError::ExceedsLimits("document size"));
    }
    Ok(bytes)
}

impl From<TspError> for SignError {
    fn from(e: TspError) -> Self {
        Self::Timestamp(Box::new(e))
    }
}
