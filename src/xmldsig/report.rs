//! What a verification found: findings, verified references and the overall result.

use core::fmt;

use serde::Serialize;

use super::tree::{Document, NodeId};
use crate::crypto::{HashAlgorithm, SignatureAlgorithm};
use crate::pki::{Certificate, Status, UnixTime, ValidationReport};
use crate::report::{Reported, Sentence};

/// One thing found wrong (or unknowable, or worth knowing) about an XML signature.
/// [`XmlFinding::status`] says whether it makes the result invalid or indeterminate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum XmlFinding {
    /// An Id/ID/id value occurs on more than one element: references to it are ambiguous
    /// (the signature wrapping attack), so the signature is invalid.
    DuplicateId {
        /// The value.
        id: String,
    },
    /// A Reference's digest does not match its canonical content.
    DigestMismatch {
        /// Position of the Reference in SignedInfo.
        reference: usize,
        /// Its URI.
        uri: String,
    },
    /// A Reference's URI selects nothing.
    ReferenceNotFound {
        /// Position of the Reference.
        reference: usize,
        /// Its URI.
        uri: String,
    },
    /// SignatureValue does not verify over the canonical SignedInfo with the signer's key.
    SignatureMismatch,
    /// An algorithm, transform or URI form signflow does not support.
    Unsupported {
        /// What it is.
        what: String,
    },
    /// SHA-1, RIPEMD-160 or MD5 is used (digest, HMAC or signature method): weak; refused
    /// unless allowed ([`super::VerifyOptions::hashes`]).
    WeakAlgorithm {
        /// The algorithm URI.
        uri: String,
        /// Whether the options allowed it.
        allowed: bool,
    },
    /// No key: no certificate in KeyInfo and none given.
    NoKey,
    /// None of the KeyInfo certificates verified the signature (or could be parsed).
    NoSignerCertificate,
    /// The signer's certificate did not validate; its report says why.
    CertificateNotValid {
        /// The certificate report's status.
        status: Status,
    },
    /// The key was given by the caller as trusted: no certificate was checked.
    CallerTrustedKey,
    /// The key came from the document's KeyInfo (a KeyValue or DEREncodedKeyValue) because
    /// the caller set [`super::VerifyOptions::trust_key_value`]: no certificate was checked,
    /// and the key identifies no one by itself.
    DocumentKeyUsed {
        /// The key, SubjectPublicKeyInfo DER.
        spki: Vec<u8>,
    },
    /// An HMAC SignatureMethod asks for fewer output bits than the minimum (the truncation
    /// attack of CVE-2009-0217), or for a length that is no whole number of bytes or exceeds
    /// the hash's output.
    HmacOutputLength {
        /// HMACOutputLength, in bits.
        bits: usize,
        /// The smallest length accepted.
        min: usize,
    },
    /// The signer's certificate was used without path validation, because the caller set
    /// [`super::VerifyOptions::insecure_skip_path_validation`]: it identifies no one.
    PathNotValidated,
    /// The HMAC key came from an encrypted key in KeyInfo, opened with one of the caller's
    /// [`super::VerifyOptions::key_decryption`] keys. Whoever holds that key-decryption key (or
    /// the sender who encrypted to it) could have made the HMAC.
    EncryptedHmacKey {
        /// The EncryptionMethod (or EncapsulationMechanism) URI.
        algorithm: String,
    },
    /// The HMAC key in KeyInfo could not be decrypted with the caller's keys (wrong key, no
    /// key for it, altered or malformed ciphertext, or an unsupported method): nothing was
    /// verified.
    KeyDecryptionFailed {
        /// Why.
        reason: String,
    },
    /// More than one Signature element: only the first was verified.
    OtherSignaturesIgnored {
        /// How many others.
        count: usize,
    },
    /// The verification's work budget ([`super::ParseLimits::max_work`]) ran out while a
    /// Reference's transforms or canonicalization ran (XPath over hostile input, say): the
    /// Reference was given up, and with it the verdict (indeterminate).
    WorkLimitExceeded {
        /// Position of the Reference in SignedInfo.
        reference: usize,
        /// Its URI.
        uri: String,
        /// The budget, in units of work.
        limit: u64,
    },
    /// The XAdES qualifying properties reach no level (advisory: the XMLDSig verdict stands).
    XadesNoLevel {
        /// What is missing or unreadable.
        reasons: Vec<String>,
    },
    /// The signed XAdES SigningCertificate(V2) names another certificate than the one that
    /// verified the signature: the signer claims to be someone else.
    XadesSigningCertificateMismatch,
    /// A XAdES SignatureTimeStamp could not be read or checked (advisory).
    XadesTimestampUnusable {
        /// Why.
        reason: String,
    },
    /// A XAdES SignatureTimeStamp did not verify (advisory: it proves nothing, and takes
    /// nothing away).
    XadesTimestampNotValid {
        /// Its genTime, as the token gives it.
        time: String,
        /// Its verdict.
        status: Status,
        /// The findings that made it so.
        reasons: Vec<String>,
    },
    /// The claimed SigningTime is later than a valid signature time-stamp proves the
    /// signature existed by (advisory: a wrong clock, or a claim not to rely on).
    XadesSigningTimeAfterTimestamp {
        /// The claimed SigningTime.
        claimed: UnixTime,
        /// The time-stamp's proven time.
        proven: UnixTime,
    },
}

impl XmlFinding {
    /// The finding, as a sentence for people (its [`Display`](fmt::Display) form).
    pub fn sentence(&self) -> String {
        self.to_string()
    }

    /// Invalid, indeterminate, or `None` for findings that only inform.
    pub fn status(&self) -> Option<Status> {
        match self {
            Self::DuplicateId { .. }
            | Self::DigestMismatch { .. }
            | Self::ReferenceNotFound { .. }
            | Self::SignatureMismatch
            | Self::HmacOutputLength { .. }
            | Self::NoSignerCertificate => Some(Status::Invalid),
            Self::WeakAlgorithm { allowed: false, .. } => Some(Status::Invalid),
            Self::Unsupported { .. }
            | Self::NoKey
            | Self::KeyDecryptionFailed { .. }
            | Self::WorkLimitExceeded { .. } => Some(Status::Indeterminate),
            Self::CertificateNotValid { status } => Some(*status),
            Self::XadesSigningCertificateMismatch => Some(Status::Invalid),
            Self::XadesNoLevel { .. }
            | Self::XadesTimestampUnusable { .. }
            | Self::XadesTimestampNotValid { .. }
            | Self::XadesSigningTimeAfterTimestamp { .. } => None,
            Self::WeakAlgorithm { allowed: true, .. }
            | Self::CallerTrustedKey
            | Self::DocumentKeyUsed { .. }
            | Self::PathNotValidated
            | Self::EncryptedHmacKey { .. }
            | Self::OtherSignaturesIgnored { .. } => None,
        }
    }
}

impl fmt::Display for XmlFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DuplicateId { id } => write!(f, "the Id {id:?} occurs more than once"),
            Self::DigestMismatch { reference, uri } => {
                write!(f, "reference {reference} ({uri:?}): digest does not match")
            }
            Self::ReferenceNotFound { reference, uri } => {
                write!(f, "reference {reference} ({uri:?}) selects nothing")
            }
            Self::SignatureMismatch => f.write_str("the signature value does not verify"),
            Self::Unsupported { what } => write!(f, "unsupported: {what}"),
            Self::WeakAlgorithm { uri, allowed } => write!(
                f,
                "weak algorithm {uri} ({})",
                if *allowed { "allowed" } else { "refused" }
            ),
            Self::NoKey => f.write_str("no key to verify with"),
            Self::NoSignerCertificate => {
                f.write_str("no KeyInfo certificate verifies the signature")
            }
            Self::CertificateNotValid { status } => {
                write!(f, "the signer's certificate is {status}")
            }
            Self::CallerTrustedKey => f.write_str("the key was trusted by the caller"),
            Self::PathNotValidated => f.write_str(
                "the signer's certificate was used without path validation (insecure, on the \
                 caller's word)",
            ),
            Self::DocumentKeyUsed { .. } => {
                f.write_str("the key was read from the document's KeyInfo (no certificate)")
            }
            Self::HmacOutputLength { bits, min } => write!(
                f,
                "HMACOutputLength {bits} refused (at least {min} bits, whole bytes, at most the \
                 hash output)"
            ),
            Self::OtherSignaturesIgnored { count } => {
                write!(f, "{count} other Signature element(s) not verified")
            }
            Self::EncryptedHmacKey { algorithm } => write!(
                f,
                "the HMAC key was decrypted from KeyInfo ({algorithm}) with the caller's key"
            ),
            Self::KeyDecryptionFailed { reason } => {
                write!(f, "the encrypted HMAC key could not be decrypted: {reason}")
            }
            Self::XadesNoLevel { reasons } => {
                write!(f, "XAdES properties reach no level: {}", reasons.join("; "))
            }
            Self::XadesSigningCertificateMismatch => f.write_str(
                "the signed XAdES SigningCertificate names another certificate than the one \
                 that verified the signature",
            ),
            Self::XadesTimestampUnusable { reason } => {
                write!(f, "a XAdES signature time-stamp was not used: {reason}")
            }
            Self::XadesTimestampNotValid {
                time,
                status,
                reasons,
            } => write!(
                f,
                "the XAdES signature time-stamp of {time} is {status}: {}",
                reasons.join("; ")
            ),
            Self::XadesSigningTimeAfterTimestamp { claimed, proven } => write!(
                f,
                "the claimed SigningTime {claimed} is after the time-stamp's proven time {proven}"
            ),
            Self::WorkLimitExceeded {
                reference,
                uri,
                limit,
            } => write!(
                f,
                "reference {reference} ({uri:?}): gave up, work limit exceeded (more than \
                 {limit} units of work; hostile input?)"
            ),
        }
    }
}

/// The element a Reference selected, as the verifier found it (owned: it outlives the
/// document).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct SelectedElement {
    /// Qualified name as written (`ds:Object`).
    pub name: String,
    /// Local name (`Object`).
    pub local_name: String,
    /// Namespace URI, if the element is in one.
    pub namespace: Option<String>,
    /// Its identifier attribute (`Id`, `ID`, `id`, `xml:id` or `wsu:Id`, the first present),
    /// if any.
    pub id: Option<String>,
}

impl SelectedElement {
    /// The element `id` of `doc`, or `None` if `id` is no element.
    pub(super) fn of(doc: &Document<'_>, id: NodeId) -> Option<Self> {
        let e = doc.element(id)?;
        let namespace = doc
            .expanded_name(id)
            .and_then(|(ns, _)| ns)
            .map(str::to_owned);
        let ident = ["Id", "ID", "id", "xml:id"]
            .iter()
            .find_map(|n| e.attribute(n))
            .or_else(|| {
                // WS-Security's wsu:Id, whatever its prefix.
                e.attributes().find_map(|a| {
                    let (prefix, local) = a.name.split_once(':')?;
                    (local == "Id" && doc.lookup_namespace(id, prefix) == Some(super::WSU_NS))
                        .then_some(a.value)
                })
            })
            .map(str::to_owned);
        Some(Self {
            name: e.name().to_owned(),
            local_name: e.local_name().to_owned(),
            namespace,
            id: ident,
        })
    }
}

/// A Reference as verified: what it selected and the canonical bytes that were digested.
///
/// Serialized without the bytes themselves: `signed_bytes` is their length, `element` the
/// selected element's qualified name (its local name, namespace and Id beside it).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct VerifiedReference {
    /// Position of the Reference in SignedInfo (References that could not be processed are
    /// absent from [`XmlVerification::references`], with a finding).
    pub index: usize,
    /// The URI as written.
    pub uri: String,
    /// The element selected (`None` for the whole document, URI `""`, and for detached
    /// content).
    pub element: Option<SelectedElement>,
    /// Digest algorithm.
    pub digest: HashAlgorithm,
    /// Whether the digest matched.
    pub digest_matches: bool,
    /// The exact bytes that were digested (the signed data, canonicalized); empty when
    /// [`VerifyOptions::keep_signed_data`](super::VerifyOptions::keep_signed_data) was off.
    pub canonical: Vec<u8>,
    /// How many bytes were digested (the length of the signed data, kept or not).
    pub signed_len: u64,
}

impl Serialize for VerifiedReference {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let element = self.element.as_ref();
        let mut st = serializer.serialize_struct("VerifiedReference", 9)?;
        st.serialize_field("index", &self.index)?;
        st.serialize_field("uri", &self.uri)?;
        st.serialize_field("element", &element.map(|e| &e.name))?;
        st.serialize_field("element_local_name", &element.map(|e| &e.local_name))?;
        st.serialize_field(
            "element_namespace",
            &element.and_then(|e| e.namespace.as_ref()),
        )?;
        st.serialize_field("element_id", &element.and_then(|e| e.id.as_ref()))?;
        st.serialize_field("digest", &self.digest.to_string())?;
        st.serialize_field("digest_matches", &self.digest_matches)?;
        st.serialize_field("signed_bytes", &self.signed_len)?;
        st.end()
    }
}

/// An XMLDSig finding with its sentence, as serialized.
pub type ReportedXmlFinding = Reported<XmlFinding>;

impl Sentence for XmlFinding {
    fn sentence(&self) -> String {
        XmlFinding::sentence(self)
    }
}

/// The result of verifying an XML signature. Owned: it borrows neither the input nor the
/// verifier, so it may leave the thread (a `spawn_blocking` closure) that verified.
///
/// Serialized as `status`, `findings` (each with its `message`), `signature_algorithm`
/// (its name), `references` (see [`VerifiedReference`]), `signer` (the certificate's subject)
/// and `certificate` (the path validation report); displayed as a summary for people.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct XmlVerification {
    /// Overall status: the worst of the findings.
    pub status: Status,
    /// Everything found, each with its sentence.
    pub findings: Vec<ReportedXmlFinding>,
    /// The signature algorithm.
    #[serde(serialize_with = "display_opt")]
    pub signature_algorithm: Option<SignatureAlgorithm>,
    /// Each Reference in SignedInfo order, with its canonical bytes. Use these, never the
    /// original document, as the signed data — and only when `status` is
    /// [`Status::Valid`]: otherwise nothing vouches for them.
    pub references: Vec<VerifiedReference>,
    /// The signer's certificate (when the key came from one that verified the signature).
    #[serde(serialize_with = "subject_opt")]
    pub signer: Option<Certificate>,
    /// Its path validation report.
    pub certificate: Option<ValidationReport>,
    /// The XAdES qualifying properties, when the signature has them: level, claimed and
    /// proven signing time, time-stamps.
    pub xades: Option<super::XadesReport>,
    /// Whether the signature is qualified, when an accredited-CA list was consulted
    /// ([`crate::tsl::assess_xml`]); `None` otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qualified: Option<crate::tsl::QualifiedStatus>,
}

fn display_opt<S: serde::Serializer, T: fmt::Display>(
    value: &Option<T>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => serializer.collect_str(v),
        None => serializer.serialize_none(),
    }
}

fn subject_opt<S: serde::Serializer>(
    value: &Option<Certificate>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(c) => serializer.collect_str(c.subject()),
        None => serializer.serialize_none(),
    }
}

impl XmlVerification {
    /// Whether a finding matches `pred`.
    pub fn has(&self, pred: impl Fn(&XmlFinding) -> bool) -> bool {
        self.findings.iter().any(|f| pred(&f.finding))
    }
}

impl fmt::Display for XmlVerification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "XML signature: {}", self.status)?;
        if let Some(a) = &self.signature_algorithm {
            writeln!(f, "  algorithm: {a}")?;
        }
        if let Some(c) = &self.signer {
            writeln!(f, "  signer: {}", c.subject())?;
        }
        for r in &self.references {
            let element = r
                .element
                .as_ref()
                .map_or(String::new(), |e| format!(", element {}", e.name));
            writeln!(
                f,
                "  reference {} ({:?}{element}): digest {}, {} signed bytes",
                r.index,
                r.uri,
                if r.digest_matches { "ok" } else { "MISMATCH" },
                r.signed_len
            )?;
        }
        for finding in &self.findings {
            writeln!(f, "  - {}", finding.message)?;
        }
        if let Some(x) = &self.xades {
            match x.level {
                Some(level) => write!(f, "  level: {level}")?,
                None => write!(f, "  level: none (XAdES properties present)")?,
            }
            if let Some(t) = x.proven_signing_time {
                write!(f, ", proven signing time {t}")?;
            }
            if let Some(t) = x.signing_time {
                write!(f, ", claimed signing time {t}")?;
            }
            writeln!(f)?;
        }
        if let Some(q) = &self.qualified {
            crate::cms::write_qualified(f, q, "")?;
        }
        if let Some(report) = &self.certificate {
            write!(f, "  certificate: {report}")?;
        }
        Ok(())
    }
}
