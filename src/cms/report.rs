//! What a verification says: [`VerifyReport`], one [`SignerReport`] per SignerInfo, and the
//! [`CmsFinding`]s that explain each verdict (invalid or indeterminate), with sentences for
//! people and JSON for programs.

use core::fmt;

use serde::Serialize;

use super::cades::{CadesLevel, SignerTimestamp};
use crate::crypto::{HashAlgorithm, SignatureAlgorithm};
use crate::pki::{Certificate, Status, UnixTime, ValidationReport};
use crate::report::{Reported, Sentence};
use crate::tsl::{QualifiedStatus, QualifiedTimeSource};

/// Where a signer's validation time came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeSource {
    /// The caller's time.
    Given,
    /// The signer's own signing-time attribute (unverified: no timestamp vouches for it).
    ClaimedSigningTime,
    /// The earliest valid signature time-stamp (CAdES-T): a proven time, validated as trusted.
    SignatureTimestamp,
}

/// One thing found wrong (or unknowable, or worth knowing) about a signature.
/// [`CmsFinding::status`] says whether it makes the result invalid or indeterminate.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum CmsFinding {
    /// The SignedData has no SignerInfo: nothing is signed.
    NoSigners,
    /// An embedded certificate could not be parsed and was not used.
    IgnoredCertificate {
        /// Its position among the embedded certificates.
        index: usize,
        /// Why.
        reason: String,
    },
    /// An embedded CRL could not be parsed and was not used.
    IgnoredCrl {
        /// Its position among the embedded CRLs.
        index: usize,
        /// Why.
        reason: String,
    },
    /// No certificate matches the SignerInfo's sid (RFC 5652 §5.3): neither embedded nor given.
    SignerCertificateNotFound {
        /// How the SignerInfo names its certificate.
        signer: String,
    },
    /// RFC 5652 §11.2: the message-digest attribute differs from the content's digest.
    DigestMismatch {
        /// The digest algorithm.
        algorithm: String,
    },
    /// RFC 5652 §5.6: the signature does not verify with the signer certificate's key.
    BadSignature,
    /// The signer certificate's key cannot check this signature (wrong key type, bad key).
    UnusableSignerKey {
        /// Why.
        detail: String,
    },
    /// A digest or signature algorithm (or its parameters) is not supported.
    UnsupportedAlgorithm {
        /// What, with the OID.
        detail: String,
    },
    /// A weak hash is used and the caller does not accept it: SHA-1 without
    /// [`crate::crypto::HashPolicy::allow_sha1`], MD5 without
    /// [`crate::crypto::HashPolicy::allow_md5`].
    AlgorithmNotAllowed {
        /// The algorithm.
        algorithm: String,
    },
    /// SHA-1 is used: accepted for verification of old signatures (the caller allows it),
    /// reported.
    WeakAlgorithm {
        /// The algorithm.
        algorithm: String,
    },
    /// RFC 5652 §5.3: a required signed attribute is absent.
    MissingAttribute {
        /// Its name.
        attribute: String,
    },
    /// RFC 5652 §11: an attribute that may appear once appears several times.
    DuplicateAttribute {
        /// Its name.
        attribute: String,
    },
    /// A signed attribute's value is not what its definition says.
    MalformedAttribute {
        /// Its name.
        attribute: String,
        /// What is wrong.
        reason: String,
    },
    /// An attribute that must not be present here is (content-type in a counter-signature).
    ForbiddenAttribute {
        /// Its name.
        attribute: String,
        /// The rule.
        reason: String,
    },
    /// RFC 5652 §11.1: the content-type attribute differs from eContentType.
    ContentTypeMismatch {
        /// eContentType.
        expected: String,
        /// The attribute's value.
        found: String,
    },
    /// RFC 2634 §5.4 / RFC 5035 §3: the signing-certificate(-v2) attribute names another
    /// certificate than the one the signature was checked with.
    SigningCertificateMismatch {
        /// Which attribute.
        attribute: String,
    },
    /// The signed attributes are not DER as received; the signature verified over their DER
    /// re-encoding (RFC 5652 §5.4 requires DER).
    SignedAttributesNotDer,
    /// The signature covers the content itself (Ed25519 without signed attributes) and the
    /// detached content was larger than the buffering limit.
    ContentNotBuffered {
        /// The limit in bytes.
        limit: usize,
    },
    /// The signer certificate's path is invalid at the validation time (see the signer's
    /// `certificate` report for every finding).
    CertificateInvalid {
        /// The path validation report.
        #[serde(skip)]
        report: Box<ValidationReport>,
    },
    /// The signer certificate's path could not be decided (revocation unknown, say).
    CertificateIndeterminate {
        /// The path validation report.
        #[serde(skip)]
        report: Box<ValidationReport>,
    },
    /// The SignedData has more SignerInfos than the verifier checks
    /// ([`super::VerifyOptions::max_signers`], counter-signatures included): this one was not
    /// checked.
    TooManySigners {
        /// The bound.
        limit: usize,
    },
    /// A signature time-stamp could not be read or was not checked (advisory: the signer is
    /// judged without it).
    SignatureTimestampUnusable {
        /// Why.
        reason: String,
    },
    /// A signature time-stamp did not verify (advisory: the signer is judged without it, as
    /// CAdES-BES rules would).
    SignatureTimestampNotValid {
        /// Its genTime.
        time: String,
        /// The token's verdict.
        status: Status,
        /// What made it so.
        reasons: Vec<String>,
    },
    /// The signing-time the signer claims is later than a signature time-stamp proves the
    /// signature existed (advisory: the claim is wrong, the proven time is used).
    SigningTimeAfterTimestamp {
        /// The claimed signing-time.
        claimed: UnixTime,
        /// The time-stamp's latest instant.
        proven: UnixTime,
    },
    /// Attributes of CAdES levels above T are present; this version does not verify them yet,
    /// so the reported level does not count them (advisory).
    LevelAttributesNotVerified {
        /// Their names.
        attributes: Vec<String>,
    },
    /// A CAdES-C/X unsigned attribute could not be read (advisory: it is not used, and the
    /// level it would give is not reached).
    LongTermAttributeUnusable {
        /// The attribute's name.
        attribute: String,
        /// Why.
        reason: String,
    },
    /// complete-certificate-references or complete-revocation-references do not match what
    /// they reference (advisory: the level stops at CAdES-T).
    ReferenceMismatch {
        /// The attribute's name.
        attribute: String,
        /// What does not match.
        reason: String,
    },
    /// A CAdES-C time-stamp or certCRLTimestamp did not verify (advisory: the CAdES-X level it
    /// would give is not reached).
    LongTermTimestampNotValid {
        /// Which kind.
        timestamp: super::cades::TimestampKind,
        /// Its genTime.
        time: String,
        /// The token's verdict.
        status: Status,
        /// What made it so.
        reasons: Vec<String>,
    },
}

impl CmsFinding {
    /// Whether this finding makes the result invalid or indeterminate (`None`: advisory).
    pub fn status(&self) -> Option<Status> {
        match self {
            Self::IgnoredCertificate { .. }
            | Self::IgnoredCrl { .. }
            | Self::WeakAlgorithm { .. }
            | Self::SignedAttributesNotDer
            | Self::SignatureTimestampUnusable { .. }
            | Self::SignatureTimestampNotValid { .. }
            | Self::SigningTimeAfterTimestamp { .. }
            | Self::LevelAttributesNotVerified { .. }
            | Self::LongTermAttributeUnusable { .. }
            | Self::ReferenceMismatch { .. }
            | Self::LongTermTimestampNotValid { .. } => None,
            Self::SignerCertificateNotFound { .. }
            | Self::UnsupportedAlgorithm { .. }
            | Self::ContentNotBuffered { .. }
            | Self::CertificateIndeterminate { .. }
            | Self::TooManySigners { .. } => Some(Status::Indeterminate),
            _ => Some(Status::Invalid),
        }
    }

    /// A sentence for people.
    pub fn sentence(&self) -> String {
        match self {
            Self::NoSigners => "the SignedData has no signers".into(),
            Self::IgnoredCertificate { index, reason } => {
                format!("embedded certificate {index} ignored: {reason}")
            }
            Self::IgnoredCrl { index, reason } => format!("embedded CRL {index} ignored: {reason}"),
            Self::SignerCertificateNotFound { signer } => {
                format!("the signer certificate ({signer}) is neither embedded nor given")
            }
            Self::DigestMismatch { algorithm } => format!(
                "the content's {algorithm} digest differs from the signed message-digest: \
                 the content was altered"
            ),
            Self::BadSignature => "the signature does not verify with the signer's key".into(),
            Self::UnusableSignerKey { detail } => {
                format!("the signer certificate's key cannot check this signature: {detail}")
            }
            Self::UnsupportedAlgorithm { detail } => format!("unsupported algorithm: {detail}"),
            Self::WeakAlgorithm { algorithm } => format!("weak algorithm {algorithm}"),
            Self::AlgorithmNotAllowed { algorithm } => {
                format!("{algorithm} is not allowed (SHA-1 is refused unless allowed)")
            }
            Self::MissingAttribute { attribute } => {
                format!("the signed attribute {attribute} is missing")
            }
            Self::DuplicateAttribute { attribute } => {
                format!("the signed attribute {attribute} appears more than once")
            }
            Self::MalformedAttribute { attribute, reason } => {
                format!("the signed attribute {attribute} is malformed: {reason}")
            }
            Self::ForbiddenAttribute { attribute, reason } => {
                format!("the attribute {attribute} must not be present: {reason}")
            }
            Self::ContentTypeMismatch { expected, found } => {
                format!("the signed content-type is {found}, but the content is of type {expected}")
            }
            Self::SigningCertificateMismatch { attribute } => format!(
                "the {attribute} attribute names another certificate than the signer's: \
                 the certificate was swapped"
            ),
            Self::SignedAttributesNotDer => {
                "the signed attributes are not DER-encoded; the signature covers their DER form"
                    .into()
            }
            Self::ContentNotBuffered { limit } => format!(
                "the signature covers the content itself and the content exceeds the \
                 {limit}-byte buffer"
            ),
            Self::CertificateInvalid { report } => {
                format!(
                    "the signer certificate is invalid: {}",
                    first_reasons(report)
                )
            }
            Self::CertificateIndeterminate { report } => format!(
                "the signer certificate's validity is unknown: {}",
                first_reasons(report)
            ),
            Self::TooManySigners { limit } => format!(
                "not checked: the signature has more than {limit} signers and \
                 counter-signers, the most this verification checks"
            ),
            Self::SignatureTimestampUnusable { reason } => {
                format!("a signature time-stamp was not used: {reason}")
            }
            Self::SignatureTimestampNotValid {
                time,
                status,
                reasons,
            } => format!(
                "the signature time-stamp of {time} is {status} and proves nothing: {}",
                reasons.join("; ")
            ),
            Self::SigningTimeAfterTimestamp { claimed, proven } => format!(
                "the claimed signing time {claimed} is later than a time-stamp proves the \
                 signature existed ({proven})"
            ),
            Self::LevelAttributesNotVerified { attributes } => format!(
                "not verified, so not counted in the level: {}",
                attributes.join(", ")
            ),
            Self::LongTermAttributeUnusable { attribute, reason } => {
                format!("the {attribute} attribute was not used: {reason}")
            }
            Self::ReferenceMismatch { attribute, reason } => format!(
                "the {attribute} do not match what they reference ({reason}): the level stops \
                 at CAdES-T"
            ),
            Self::LongTermTimestampNotValid {
                timestamp: kind,
                time,
                status,
                reasons,
            } => format!(
                "the {kind} of {time} is {status} and proves nothing: {}",
                reasons.join("; ")
            ),
        }
    }
}

fn first_reasons(report: &ValidationReport) -> String {
    let reasons: Vec<String> = report
        .findings()
        .filter(|(_, f)| f.status().is_some())
        .map(|(i, f)| {
            let who = report.path.get(i).map_or("", |c| c.subject.as_str());
            format!("{} ({who})", f.sentence())
        })
        .collect();
    if reasons.is_empty() {
        report.status.to_string()
    } else {
        reasons.join("; ")
    }
}

/// A CMS finding with its sentence, as serialized.
pub type ReportedCmsFinding = Reported<CmsFinding>;

impl Sentence for CmsFinding {
    fn sentence(&self) -> String {
        CmsFinding::sentence(self)
    }
}

/// The verdict on one SignerInfo (or counter-signature).
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct SignerReport {
    /// This signer's status: its own findings and its certificate's (counter-signatures are
    /// judged separately, in `counter_signatures`).
    pub status: Status,
    /// How the SignerInfo names its certificate.
    pub signer: String,
    /// The signer certificate's subject, if the certificate was found.
    pub subject: Option<String>,
    /// SHA-256 fingerprint of the signer certificate, hex.
    pub certificate_sha256: Option<String>,
    /// The signer certificate itself, when it was found (among the message's certificates or
    /// the verifier's): its Russian attributes are
    /// [`RussianAttributes::from_certificate`](crate::pki::russian::RussianAttributes::from_certificate).
    #[serde(skip)]
    pub signer_certificate: Option<Certificate>,
    /// The digest algorithm's name (or OID).
    pub digest_algorithm: String,
    /// The signature algorithm's name (or OID).
    pub signature_algorithm: String,
    /// The digest algorithm, if supported.
    #[serde(skip)]
    pub digest: Option<HashAlgorithm>,
    /// The signature algorithm, if supported.
    #[serde(skip)]
    pub signature: Option<SignatureAlgorithm>,
    /// The signing-time the signer claims (signed, but not vouched for by anyone else).
    pub signing_time: Option<UnixTime>,
    /// The time the certificate was validated at.
    pub validation_time: UnixTime,
    /// Where that time came from.
    pub validation_time_source: TimeSource,
    /// The signed attributes present, by name.
    pub signed_attributes: Vec<String>,
    /// Whether a signing-certificate(-v2) attribute binds the certificate (CAdES-BES) and
    /// matched it.
    pub signing_certificate_bound: bool,
    /// Findings, in the order they were made.
    pub findings: Vec<ReportedCmsFinding>,
    /// The signer certificate's path validation, if the certificate was found.
    pub certificate: Option<ValidationReport>,
    /// Counter-signatures on this signer's signature (RFC 5652 §11.4).
    pub counter_signatures: Vec<SignerReport>,
    /// The CAdES level reached (`None`: not CAdES — no signing-certificate binding — or a
    /// counter-signature).
    pub level: Option<CadesLevel>,
    /// The signer's time-stamps, verified, in the order of its attributes.
    pub timestamps: Vec<SignerTimestamp>,
    /// Whether the signature is qualified, when an accredited-CA list was consulted
    /// ([`crate::tsl::assess_cms`]); `None` otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qualified: Option<QualifiedStatus>,
}

impl SignerReport {
    /// Whether a finding matches `pred`.
    pub fn has(&self, pred: impl Fn(&CmsFinding) -> bool) -> bool {
        self.findings.iter().any(|f| pred(&f.finding))
    }

    pub(super) fn add(&mut self, finding: CmsFinding) {
        self.findings.push(finding.into());
    }

    pub(super) fn worst(&self) -> Status {
        self.counter_signatures
            .iter()
            .map(SignerReport::worst)
            .fold(self.status, Status::max)
    }
}

/// The result of verifying a SignedData.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct VerifyReport {
    /// Overall: valid only if every signer and counter-signer is valid; otherwise the worst.
    pub status: Status,
    /// eContentType, by name.
    pub content_type: String,
    /// Whether the content was given separately.
    pub detached: bool,
    /// Bytes of content digested.
    pub content_length: u64,
    /// Findings about the message as a whole.
    pub findings: Vec<ReportedCmsFinding>,
    /// One report per SignerInfo, in the order of the SignedData.
    pub signers: Vec<SignerReport>,
}

impl VerifyReport {
    /// Whether the message or any signer has a finding matching `pred`.
    pub fn has(&self, pred: impl Fn(&CmsFinding) -> bool) -> bool {
        self.findings.iter().any(|f| pred(&f.finding)) || self.signers.iter().any(|s| s.has(&pred))
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: {} signer(s), {} content ({}, {} bytes)",
            self.status,
            self.signers.len(),
            if self.detached {
                "detached"
            } else {
                "attached"
            },
            self.content_type,
            self.content_length
        )?;
        for finding in &self.findings {
            writeln!(f, "  - {}", finding.message)?;
        }
        for (i, s) in self.signers.iter().enumerate() {
            write_signer(f, s, &format!("signer {}", i + 1), "  ")?;
        }
        Ok(())
    }
}

/// The qualified decision's lines of a text report (also the XML report's).
pub(crate) fn write_qualified(
    f: &mut fmt::Formatter<'_>,
    q: &QualifiedStatus,
    indent: &str,
) -> fmt::Result {
    let source = match q.time_source {
        QualifiedTimeSource::SignatureTimestamp => "proven by a signature time-stamp",
        QualifiedTimeSource::ClaimedSigningTime => "the claimed signing time",
        QualifiedTimeSource::ValidationTime => "the validation time",
    };
    writeln!(
        f,
        "{indent}  qualified: {} (at {}, {source}{})",
        if q.qualified { "yes" } else { "no" },
        q.time,
        q.authority
            .as_deref()
            .map_or_else(String::new, |a| format!("; CA: {a}"))
    )?;
    for finding in &q.findings {
        writeln!(f, "{indent}  - {}", finding.message)?;
    }
    Ok(())
}

fn write_signer(
    f: &mut fmt::Formatter<'_>,
    s: &SignerReport,
    title: &str,
    indent: &str,
) -> fmt::Result {
    writeln!(
        f,
        "{indent}{title}: {} — {}",
        s.status,
        s.subject.as_deref().unwrap_or(&s.signer)
    )?;
    writeln!(
        f,
        "{indent}  {} (digest {})",
        s.signature_algorithm, s.digest_algorithm
    )?;
    if let Some(level) = s.level {
        writeln!(f, "{indent}  level: {level}")?;
    }
    if let Some(t) = s.signing_time {
        writeln!(f, "{indent}  signing time (claimed by the signer): {t}")?;
    }
    for t in &s.timestamps {
        writeln!(
            f,
            "{indent}  {} {} by {}: {}",
            t.kind,
            t.time,
            t.tsa.as_deref().unwrap_or("an unnamed TSA"),
            t.status
        )?;
    }
    let source = match s.validation_time_source {
        TimeSource::Given => "",
        TimeSource::ClaimedSigningTime => " (the claimed signing time)",
        TimeSource::SignatureTimestamp => " (proven by a signature time-stamp)",
    };
    writeln!(
        f,
        "{indent}  certificate validated at {}{source}",
        s.validation_time
    )?;
    for finding in &s.findings {
        writeln!(f, "{indent}  - {}", finding.message)?;
    }
    if let Some(q) = &s.qualified {
        write_qualified(f, q, indent)?;
    }
    if let Some(report) = &s.certificate {
        for c in &report.path {
            let role = if c.trust_anchor {
                " (trust anchor)"
            } else {
                ""
            };
            writeln!(f, "{indent}    {}{role}", c.subject)?;
            for finding in &c.findings {
                writeln!(f, "{indent}      - {}", finding.message)?;
            }
        }
    }
    for (i, cs) in s.counter_signatures.iter().enumerate() {
        write_signer(
            f,
            cs,
            &format!("counter-signature {}", i + 1),
            &format!("{indent}  "),
        )?;
    }
    Ok(())
}
