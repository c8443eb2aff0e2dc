//! Validation reports: an overall status and, per certificate of the chosen path, every finding.

use core::fmt;

use serde::Serialize;

use super::certificate::Certificate;
use super::crl::RevocationReason;
use super::time::UnixTime;
use crate::report::{Reported, Sentence};

/// The overall outcome of a validation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Every check passed.
    Valid,
    /// No conclusion: something needed was missing (revocation information, say).
    Indeterminate,
    /// A check failed.
    Invalid,
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Valid => "valid",
            Self::Invalid => "invalid",
            Self::Indeterminate => "indeterminate",
        })
    }
}

/// One thing found wrong (or unknowable) about a certificate or the path. Each variant cites the
/// rule it enforces; [`Finding::status`] says whether it makes the result invalid or
/// indeterminate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Finding {
    /// RFC 5280 §6.1.3 (a)(2): the validation time is after notAfter.
    Expired {
        /// End of validity.
        not_after: UnixTime,
        /// Validation time.
        time: UnixTime,
    },
    /// RFC 5280 §6.1.3 (a)(2): the validation time is before notBefore.
    NotYetValid {
        /// Start of validity.
        not_before: UnixTime,
        /// Validation time.
        time: UnixTime,
    },
    /// RFC 5280 §6.1.3 (a)(3): revoked at the validation time — its revocation date, or the
    /// entry's earlier invalidityDate, is not after it.
    Revoked {
        /// Reason code.
        reason: RevocationReason,
        /// Revocation date.
        revocation_date: UnixTime,
        /// The entry's invalidityDate (RFC 5280 §5.3.2), if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        invalidity_date: Option<UnixTime>,
    },
    /// Revoked after the validation time, but that time is only claimed (the signer's own
    /// signing-time, [`super::TimeAssurance::Claimed`]): nothing shows the signature was made
    /// before the revocation, so the path cannot be valid — indeterminate until a proof of the
    /// time (a timestamp) settles it.
    RevokedAfterClaimedTime {
        /// Reason code.
        reason: RevocationReason,
        /// Revocation date.
        revocation_date: UnixTime,
        /// The entry's invalidityDate (RFC 5280 §5.3.2), if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        invalidity_date: Option<UnixTime>,
        /// The claimed time the path was validated at.
        claimed_time: UnixTime,
    },
    /// No path reaches a trust anchor: the top certificate's issuer is not trusted.
    UntrustedRoot {
        /// The issuer name that no trust anchor has.
        issuer: String,
    },
    /// RFC 5280 §6.1.3 (a)(1): the signature does not verify with the issuer's key.
    BadSignature,
    /// The signature algorithm is not supported.
    UnsupportedAlgorithm {
        /// What is unsupported (names the OID).
        detail: String,
    },
    /// The signature uses an algorithm the options do not allow (SHA-1 unless
    /// [`crate::crypto::HashPolicy::allow_sha1`], MD5 unless `allow_md5`).
    AlgorithmNotAllowed {
        /// The algorithm.
        algorithm: String,
    },
    /// The key is too weak for the options (RSA below `min_rsa_bits`, say).
    WeakKey {
        /// What is weak.
        detail: String,
    },
    /// Strict validation: the certificate breaks an RFC 5280 profile rule.
    ProfileViolation {
        /// The rule, with its section.
        rule: String,
    },
    /// The validation time is outside the certificate's validity period, and the options
    /// ignore validity periods (`ignore_validity_periods`): advisory.
    ValidityPeriodIgnored {
        /// Start of validity.
        not_before: UnixTime,
        /// End of validity.
        not_after: UnixTime,
        /// Validation time.
        time: UnixTime,
    },
    /// The signature uses a weak algorithm that the options allow (SHA-1): advisory.
    WeakAlgorithm {
        /// The algorithm.
        algorithm: String,
    },
    /// RFC 5280 §6.1.3 (a)(4): the issuer name does not chain.
    NameChaining,
    /// RFC 5280 §6.1.4 (k): an issuing certificate is not a CA.
    NotCa,
    /// RFC 5280 §6.1.4 (l): pathLenConstraint exceeded.
    PathLengthExceeded,
    /// The path is longer than the caller's maximum depth.
    MaxDepthExceeded {
        /// The limit.
        max_depth: usize,
    },
    /// RFC 5280 §4.2.1.3 / §6.1.4 (n): key usage does not allow the use.
    KeyUsageNotAllowed {
        /// The usages needed (RFC 5280 names).
        needed: Vec<String>,
    },
    /// RFC 5280 §4.2.1.12: the end certificate lacks a required extended key usage.
    ExtendedKeyUsageMissing {
        /// The required purpose OID.
        required: String,
    },
    /// RFC 5280 §6.1.4 (o) / §6.1.5 (e): a critical extension is not understood.
    UnknownCriticalExtension {
        /// The extension's OID.
        oid: String,
    },
    /// RFC 5280 §6.1.3 (b)/(c): a name is outside the permitted or inside an excluded subtree.
    NameConstraintViolation {
        /// The offending name.
        name: String,
    },
    /// RFC 5280 §6.1.3 (f) / §6.1.5 (g): no acceptable certificate policy.
    PolicyNotAcceptable,
    /// RFC 5280 §6.1.4 (a): a policy mapping involves anyPolicy.
    InvalidPolicyMapping,
    /// Revocation status could not be determined (no usable CRL covers the certificate and no
    /// usable OCSP response answers for it).
    RevocationUnknown {
        /// Why not.
        reason: String,
    },
    /// Advisory: an OCSP response about the certificate was not used (stale, status unknown,
    /// unauthorised responder, bad signature...); another source decided.
    OcspResponseNotUsed {
        /// Why not.
        reason: String,
    },
    /// The path-building or signature-check budget ran out (hostile or pathological input).
    BudgetExceeded,
    /// The validation's work budget ([`super::ValidationOptions::max_work`]) ran out on
    /// name constraints or certificate policies (hostile or pathological input).
    WorkLimitExceeded {
        /// What was being done: "name constraints" or "certificate policies".
        work: String,
        /// The budget, in units of work.
        limit: u64,
    },
    /// The certificate is malformed in a way validation detected.
    Malformed {
        /// What is wrong.
        reason: String,
    },
}

impl Finding {
    /// Whether this finding makes the result invalid or only indeterminate (`None`: advisory).
    pub fn status(&self) -> Option<Status> {
        match self {
            Self::WeakAlgorithm { .. }
            | Self::ValidityPeriodIgnored { .. }
            | Self::OcspResponseNotUsed { .. } => None,
            Self::RevocationUnknown { .. }
            | Self::BudgetExceeded
            | Self::WorkLimitExceeded { .. }
            | Self::RevokedAfterClaimedTime { .. } => Some(Status::Indeterminate),
            _ => Some(Status::Invalid),
        }
    }

    /// A sentence for people.
    pub fn sentence(&self) -> String {
        match self {
            Self::Expired { not_after, time } => {
                format!("the certificate expired at {not_after} (validation time {time})")
            }
            Self::ValidityPeriodIgnored {
                not_before,
                not_after,
                time,
            } => format!(
                "the certificate is valid from {not_before} to {not_after}, not at the validation \
                 time {time} (validity periods ignored on the caller's word)"
            ),
            Self::NotYetValid { not_before, time } => {
                format!("the certificate is valid only from {not_before} (validation time {time})")
            }
            Self::Revoked {
                reason,
                revocation_date,
                invalidity_date,
            } => match invalidity_date {
                Some(d) if d < revocation_date => format!(
                    "the certificate was revoked at {revocation_date} (reason: {reason:?}), \
                     invalid since {d}"
                ),
                _ => {
                    format!("the certificate was revoked at {revocation_date} (reason: {reason:?})")
                }
            },
            Self::RevokedAfterClaimedTime {
                reason,
                revocation_date,
                invalidity_date,
                claimed_time,
            } => format!(
                "the certificate was revoked at {revocation_date} (reason: {reason:?}{}); the \
                 signature claims to be older ({claimed_time}), but nothing proves it: it may \
                 have been made after the revocation",
                invalidity_date.map_or_else(String::new, |d| format!(", invalid since {d}"))
            ),
            Self::UntrustedRoot { issuer } => format!("no trust anchor for issuer \"{issuer}\""),
            Self::BadSignature => "the signature does not verify with the issuer's key".into(),
            Self::UnsupportedAlgorithm { detail } => format!("unsupported algorithm: {detail}"),
            Self::WeakAlgorithm { algorithm } => format!("weak signature algorithm {algorithm}"),
            Self::AlgorithmNotAllowed { algorithm } => {
                format!(
                    "signature algorithm {algorithm} is not allowed (SHA-1 is refused by default)"
                )
            }
            Self::WeakKey { detail } => format!("weak key: {detail}"),
            Self::ProfileViolation { rule } => format!("profile violation: {rule}"),
            Self::NameChaining => "the issuer name does not match the issuing certificate".into(),
            Self::NotCa => "an issuing certificate is not a CA (basicConstraints)".into(),
            Self::PathLengthExceeded => "the path is longer than a pathLenConstraint allows".into(),
            Self::MaxDepthExceeded { max_depth } => format!("the path is longer than {max_depth}"),
            Self::KeyUsageNotAllowed { needed } => {
                format!("key usage does not allow {}", needed.join(" or "))
            }
            Self::ExtendedKeyUsageMissing { required } => {
                format!("extended key usage {required} is missing")
            }
            Self::UnknownCriticalExtension { oid } => {
                format!("unsupported critical extension {oid}")
            }
            Self::NameConstraintViolation { name } => {
                format!("name {name} violates the issuers' name constraints")
            }
            Self::PolicyNotAcceptable => "no acceptable certificate policy on the path".into(),
            Self::InvalidPolicyMapping => "a policy mapping maps anyPolicy".into(),
            Self::RevocationUnknown { reason } => format!("revocation status unknown: {reason}"),
            Self::OcspResponseNotUsed { reason } => {
                format!("an OCSP response was not used: {reason}")
            }
            Self::BudgetExceeded => "gave up: path building budget exhausted".into(),
            Self::WorkLimitExceeded { work, limit } => format!(
                "gave up: work limit exceeded on {work} (more than {limit} steps; hostile input?)"
            ),
            Self::Malformed { reason } => format!("malformed: {reason}"),
        }
    }
}

/// A path-validation finding with its sentence, as serialized.
pub type ReportedFinding = Reported<Finding>;

impl Sentence for Finding {
    fn sentence(&self) -> String {
        Finding::sentence(self)
    }
}

/// Which revocation source decided a certificate's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum RevocationSource {
    /// A CRL (RFC 5280).
    Crl,
    /// An OCSP response (RFC 6960).
    Ocsp,
}

impl fmt::Display for RevocationSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Crl => "CRL",
            Self::Ocsp => "OCSP",
        })
    }
}

/// The findings for one certificate of the path.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct CertificateReport {
    /// Subject name.
    pub subject: String,
    /// Issuer name.
    pub issuer: String,
    /// Serial number, hex.
    pub serial: String,
    /// Start of validity.
    pub not_before: UnixTime,
    /// End of validity.
    pub not_after: UnixTime,
    /// Whether it is the trust anchor.
    pub trust_anchor: bool,
    /// Findings, in the order they were made.
    pub findings: Vec<ReportedFinding>,
    /// Which source decided the certificate's revocation status (none: not checked, or
    /// unknown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revocation_source: Option<RevocationSource>,
}

impl CertificateReport {
    pub(crate) fn new(cert: &Certificate, trust_anchor: bool) -> Self {
        Self {
            subject: cert.subject().to_string(),
            issuer: cert.issuer().to_string(),
            serial: cert.serial_hex(),
            not_before: cert.not_before(),
            not_after: cert.not_after(),
            trust_anchor,
            findings: Vec::new(),
            revocation_source: None,
        }
    }

    pub(crate) fn add(&mut self, finding: Finding) {
        if !self.findings.iter().any(|f| f.finding == finding) {
            let message = finding.sentence();
            self.findings.push(Reported { finding, message });
        }
    }
}

/// The result of validating a certificate at a time.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct ValidationReport {
    /// Overall status.
    pub status: Status,
    /// The validation time.
    pub time: UnixTime,
    /// The chosen path, end-entity first, trust anchor last (if one was reached).
    pub path: Vec<CertificateReport>,
    /// The user-constrained policy set, dotted OIDs, as RFC 9618 computes it (§6.1.5 (g)):
    /// policies of the trust anchor's domain, named as first asserted under anyPolicy (before
    /// any policy mapping renamed them). Empty when a signature failed or the work budget ran
    /// out before policies were processed.
    pub policies: Vec<String>,
}

impl ValidationReport {
    /// Every finding of the path, with the index of the certificate it concerns (0 = end entity).
    pub fn findings(&self) -> impl Iterator<Item = (usize, &Finding)> {
        self.path
            .iter()
            .enumerate()
            .flat_map(|(i, c)| c.findings.iter().map(move |f| (i, &f.finding)))
    }

    /// Whether any certificate has a finding matching `pred`.
    pub fn has(&self, pred: impl Fn(&Finding) -> bool) -> bool {
        self.findings().any(|(_, f)| pred(f))
    }

    pub(crate) fn recompute_status(&mut self) {
        self.status = self
            .findings()
            .filter_map(|(_, f)| f.status())
            .max()
            .unwrap_or(Status::Valid);
    }
}

impl fmt::Display for ValidationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{} at {}", self.status, self.time)?;
        for c in &self.path {
            let role = if c.trust_anchor {
                " (trust anchor)"
            } else {
                ""
            };
            writeln!(f, "  {}{role}", c.subject)?;
            for finding in &c.findings {
                writeln!(f, "    - {}", finding.message)?;
            }
        }
        Ok(())
    }
}
