//! Verifying a time-stamp token: what it stamps ([`Imprint`]), what was found
//! ([`TspFinding`]) and the verdict ([`TimestampReport`]).

use core::fmt;

use serde::Serialize;

use super::oid::{EXT_KEY_USAGE, ID_KP_TIME_STAMPING};
use super::tstinfo::rfc3339;
use super::{Accuracy, TimeStampToken};
use crate::cms::{CmsFinding, Verifier, VerifyOptions, VerifyReport};
use crate::crypto::{CryptoProvider, HashAlgorithm};
use crate::der_util;
use crate::pki::{
    Certificate, GeneralName, Status, TimeAssurance, TrustContext, UnixTime, ValidationOptions,
};
use crate::report::{Reported, Sentence};

/// What the caller says a token stamps.
#[derive(Clone, Copy, Debug)]
pub enum Imprint<'a> {
    /// The stamped bytes themselves, hashed with the token's messageImprint algorithm.
    Data(&'a [u8]),
    /// Their digest, made with `algorithm` (which must be the token's).
    Digest(HashAlgorithm, &'a [u8]),
}

/// One thing found wrong (or worth knowing) about a time-stamp token.
/// [`TspFinding::status`] says whether it makes the result invalid or indeterminate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum TspFinding {
    /// The messageImprint is not the digest of the caller's bytes (or not the caller's digest).
    ImprintMismatch {
        /// The token's hash algorithm.
        algorithm: String,
    },
    /// The caller gave a digest made with another algorithm than the token's.
    ImprintAlgorithmMismatch {
        /// The token's.
        token: String,
        /// The caller's.
        given: String,
    },
    /// The messageImprint's hash algorithm is not one signflow computes.
    UnsupportedImprintAlgorithm {
        /// Its OID.
        oid: String,
    },
    /// The messageImprint uses a legacy hash the trust context's policy refuses.
    ImprintAlgorithmNotAllowed {
        /// The algorithm.
        algorithm: String,
    },
    /// The messageImprint uses a legacy hash the policy accepts (reported).
    WeakImprintAlgorithm {
        /// The algorithm.
        algorithm: String,
    },
    /// The caller sent a nonce and the token carries none.
    NonceMissing,
    /// The token's nonce is not the caller's.
    NonceMismatch,
    /// RFC 3161 §2.4.2: a TSTInfo extension marked critical that signflow does not know.
    UnknownCriticalExtension {
        /// Its OID.
        oid: String,
    },
    /// RFC 3161 §2.4.1: a token has exactly one SignerInfo.
    SignerCount {
        /// How many it has.
        count: usize,
    },
    /// The CMS signature over the TSTInfo is not valid or could not be checked (the `cms`
    /// report says why).
    CmsSignature {
        /// The CMS verdict.
        status: Status,
    },
    /// The CMS verification could not run at all.
    CmsError {
        /// Why.
        reason: String,
    },
    /// RFC 3161 §2.4.1: no ESS signing-certificate(-v2) attribute binds the TSA certificate.
    SigningCertificateNotBound,
    /// RFC 3161 §2.3: the TSA certificate has no extendedKeyUsage id-kp-timeStamping.
    NotTimeStampingCertificate,
    /// RFC 3161 §2.3: the TSA certificate lists other key purposes than id-kp-timeStamping.
    ExtraKeyPurposes {
        /// The purposes, dotted.
        purposes: Vec<String>,
    },
    /// RFC 3161 §2.3: the TSA certificate's extendedKeyUsage is not critical.
    KeyUsageNotCritical,
    /// RFC 3161 §2.4.2: the TSTInfo's `tsa` name is none of the TSA certificate's subject
    /// names.
    TsaNameMismatch {
        /// The name the token gives.
        tsa: String,
    },
    /// Part of what the token stamps is no longer there as it was stamped (an archive
    /// time-stamp's hash index names an element the signature no longer holds).
    StampedDataChanged {
        /// What changed.
        reason: String,
    },
}

impl TspFinding {
    /// Whether this finding makes the result invalid or indeterminate (`None`: advisory).
    pub fn status(&self) -> Option<Status> {
        match self {
            Self::WeakImprintAlgorithm { .. } => None,
            Self::UnsupportedImprintAlgorithm { .. } | Self::CmsError { .. } => {
                Some(Status::Indeterminate)
            }
            Self::CmsSignature { status } => Some(*status),
            _ => Some(Status::Invalid),
        }
    }

    /// A sentence for people.
    pub fn sentence(&self) -> String {
        match self {
            Self::ImprintMismatch { algorithm } => {
                format!("the token's message imprint ({algorithm}) does not match the stamped data")
            }
            Self::ImprintAlgorithmMismatch { token, given } => {
                format!("the token's imprint is {token}, the digest given is {given}")
            }
            Self::UnsupportedImprintAlgorithm { oid } => {
                format!("the imprint hash algorithm {oid} is not supported")
            }
            Self::ImprintAlgorithmNotAllowed { algorithm } => {
                format!("the imprint uses {algorithm}, which the policy does not accept")
            }
            Self::WeakImprintAlgorithm { algorithm } => {
                format!("the imprint uses the weak hash {algorithm} (accepted by the policy)")
            }
            Self::NonceMissing => "the request's nonce is missing from the token".into(),
            Self::NonceMismatch => "the token's nonce is not the request's".into(),
            Self::UnknownCriticalExtension { oid } => {
                format!("the TSTInfo has an unknown critical extension {oid}")
            }
            Self::SignerCount { count } => {
                format!("a time-stamp token has exactly one signer, this one has {count}")
            }
            Self::CmsSignature { status } => {
                format!("the TSA's signature on the token is {status}")
            }
            Self::CmsError { reason } => {
                format!("the TSA's signature could not be checked: {reason}")
            }
            Self::SigningCertificateNotBound => {
                "no ESS signing-certificate attribute binds the TSA certificate (RFC 3161 §2.4.1)"
                    .into()
            }
            Self::NotTimeStampingCertificate => {
                "the TSA certificate lacks the extended key usage timeStamping (RFC 3161 §2.3)"
                    .into()
            }
            Self::ExtraKeyPurposes { purposes } => format!(
                "the TSA certificate has key purposes besides timeStamping: {}",
                purposes.join(", ")
            ),
            Self::KeyUsageNotCritical => {
                "the TSA certificate's extended key usage is not critical (RFC 3161 §2.3)".into()
            }
            Self::TsaNameMismatch { tsa } => format!(
                "the token names its TSA {tsa}, which is not a subject name of the TSA certificate"
            ),
            Self::StampedDataChanged { reason } => {
                format!("what the token stamps has changed since: {reason}")
            }
        }
    }
}

impl Sentence for TspFinding {
    fn sentence(&self) -> String {
        TspFinding::sentence(self)
    }
}

/// The verdict on a time-stamp token.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct TimestampReport {
    /// Valid only if the imprint, nonce, TSA signature, TSA certificate (at genTime) and its
    /// RFC 3161 profile all check; otherwise the worst finding's status.
    pub status: Status,
    /// genTime, to the second (only proven when `status` is valid).
    pub gen_time: UnixTime,
    /// genTime's fraction of a second, in nanoseconds.
    pub gen_time_nanos: u32,
    /// genTime as RFC 3339 with its fraction.
    pub gen_time_rfc3339: String,
    /// The accuracy, if the token gives one.
    pub accuracy: Option<Accuracy>,
    /// The TSA policy, dotted.
    pub policy: String,
    /// The serial number, hex.
    pub serial: String,
    /// The imprint's hash algorithm (name, or OID).
    pub hash_algorithm: String,
    /// The nonce, hex.
    pub nonce: Option<String>,
    /// The TSA name the token gives (`tsa`), if any.
    pub tsa: Option<String>,
    /// The TSA certificate's subject, if it was found.
    pub signer: Option<String>,
    /// The TSA certificate, if it was found.
    #[serde(skip)]
    pub signer_certificate: Option<Certificate>,
    /// Findings, in the order they were made.
    pub findings: Vec<Reported<TspFinding>>,
    /// The CMS verification of the token's signature (the TSA certificate's path included).
    pub cms: Option<VerifyReport>,
}

impl TimestampReport {
    /// Whether a finding matches `pred`.
    pub fn has(&self, pred: impl Fn(&TspFinding) -> bool) -> bool {
        self.findings.iter().any(|f| pred(&f.finding))
    }

    /// The interval genTime ± accuracy, rounded outward to whole seconds: the true time lies
    /// in it if the token is valid. Without accuracy, genTime itself (rounded outward).
    pub fn time_bounds(&self) -> (UnixTime, UnixTime) {
        const NANOS: i128 = 1_000_000_000;
        let at = i128::from(self.gen_time.0) * NANOS + i128::from(self.gen_time_nanos);
        let accuracy = i128::from(self.accuracy.map_or(0, Accuracy::as_micros)) * 1_000;
        let clamp =
            |v: i128| UnixTime(i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX }));
        (
            clamp((at - accuracy).div_euclid(NANOS)),
            clamp((at + accuracy + NANOS - 1).div_euclid(NANOS)),
        )
    }

    pub(crate) fn add(&mut self, finding: TspFinding) {
        if let Some(s) = finding.status() {
            self.status = self.status.max(s);
        }
        self.findings.push(finding.into());
    }
}

impl fmt::Display for TimestampReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: time-stamp {} (serial {}, policy {}, {})",
            self.status, self.gen_time_rfc3339, self.serial, self.policy, self.hash_algorithm
        )?;
        if let Some(a) = self.accuracy {
            writeln!(f, "  accuracy {a}")?;
        }
        if let Some(tsa) = &self.tsa {
            writeln!(f, "  TSA name: {tsa}")?;
        }
        if let Some(signer) = &self.signer {
            writeln!(f, "  signed by: {signer}")?;
        }
        for finding in &self.findings {
            writeln!(f, "  - {}", finding.message)?;
        }
        if let Some(cms) = &self.cms
            && cms.status != Status::Valid
        {
            for line in cms.to_string().lines() {
                writeln!(f, "    {line}")?;
            }
        }
        Ok(())
    }
}

fn general_name(name: &GeneralName) -> String {
    match name {
        GeneralName::Directory(dn) => dn.to_string(),
        GeneralName::Dns(s) => format!("DNS:{s}"),
        GeneralName::Uri(s) => format!("URI:{s}"),
        GeneralName::Rfc822(s) => format!("email:{s}"),
        GeneralName::Ip(ip) => format!("IP:{}", der_util::hex(ip)),
        GeneralName::Other(n) => format!("[{n}]"),
    }
}

impl TimeStampToken {
    /// Verifies the token as stamping `imprint`: see [`TimeStampToken::verify_with_nonce`],
    /// without the nonce check.
    pub fn verify(&self, context: &TrustContext, imprint: Imprint<'_>) -> TimestampReport {
        self.check_with(
            &Verifier::from_context(context),
            context.provider(),
            &context.validation_at(self.info.gen_time),
            imprint,
            None,
        )
    }

    /// Verifies the token as the answer to a request for `imprint` with `nonce` (an INTEGER's
    /// big-endian octets; leading zeros ignored): the messageImprint (its hash accepted by
    /// the context's policy), the nonce, the TSA's CMS signature with the TSA certificate's
    /// path validated at genTime in `context`, the ESS signing-certificate binding and the
    /// TSA certificate's critical, sole extendedKeyUsage id-kp-timeStamping.
    pub fn verify_with_nonce(
        &self,
        context: &TrustContext,
        imprint: Imprint<'_>,
        nonce: &[u8],
    ) -> TimestampReport {
        self.check_with(
            &Verifier::from_context(context),
            context.provider(),
            &context.validation_at(self.info.gen_time),
            imprint,
            Some(nonce),
        )
    }

    /// The checks of [`TimeStampToken::verify_with_nonce`] through `verifier` (its anchors,
    /// certificates, CRLs and cache), the TSA certificate validated with `policy` at genTime
    /// (as trusted time). Signature time-stamps inside the token's own SignedData are not
    /// followed: a token is never verified through another token.
    pub(crate) fn check_with(
        &self,
        verifier: &Verifier<'_>,
        provider: &CryptoProvider,
        policy: &ValidationOptions,
        imprint: Imprint<'_>,
        nonce: Option<&[u8]>,
    ) -> TimestampReport {
        let info = &self.info;
        let hash_algorithm = info.hash_algorithm.map_or_else(
            || info.hash_algorithm_oid.to_string(),
            |h| h.name().to_owned(),
        );
        let mut report = TimestampReport {
            status: Status::Valid,
            gen_time: info.gen_time,
            gen_time_nanos: info.gen_time_nanos,
            gen_time_rfc3339: rfc3339(info.gen_time, info.gen_time_nanos),
            accuracy: info.accuracy,
            policy: info.policy.clone(),
            serial: info.serial_hex(),
            hash_algorithm: hash_algorithm.clone(),
            nonce: info.nonce.as_deref().map(der_util::hex),
            tsa: info.tsa.as_ref().map(general_name),
            signer: None,
            signer_certificate: None,
            findings: Vec::new(),
            cms: None,
        };
        let mut validation = policy.clone();
        validation.time = info.gen_time;
        validation.time_assurance = TimeAssurance::Trusted;

        // messageImprint.
        match info.hash_algorithm {
            None => report.add(TspFinding::UnsupportedImprintAlgorithm {
                oid: info.hash_algorithm_oid.to_string(),
            }),
            Some(hash) => {
                if !validation.allows_hash(hash) {
                    report.add(TspFinding::ImprintAlgorithmNotAllowed {
                        algorithm: hash_algorithm.clone(),
                    });
                } else if hash.is_weak() {
                    report.add(TspFinding::WeakImprintAlgorithm {
                        algorithm: hash_algorithm.clone(),
                    });
                }
                let matches = match imprint {
                    Imprint::Data(data) => match provider.digest(hash, data) {
                        Ok(d) => Some(d.as_ref() == info.hashed_message.as_slice()),
                        Err(_) => {
                            report.add(TspFinding::UnsupportedImprintAlgorithm {
                                oid: info.hash_algorithm_oid.to_string(),
                            });
                            None
                        }
                    },
                    Imprint::Digest(given, digest) if given == hash => {
                        Some(digest == info.hashed_message.as_slice())
                    }
                    Imprint::Digest(given, _) => {
                        report.add(TspFinding::ImprintAlgorithmMismatch {
                            token: hash_algorithm.clone(),
                            given: given.name().to_owned(),
                        });
                        None
                    }
                };
                if matches == Some(false) {
                    report.add(TspFinding::ImprintMismatch {
                        algorithm: hash_algorithm.clone(),
                    });
                }
            }
        }

        // nonce.
        if let Some(expected) = nonce {
            match &info.nonce {
                None => report.add(TspFinding::NonceMissing),
                Some(n) if n.as_slice() != der_util::uint_digits(expected) => {
                    report.add(TspFinding::NonceMismatch);
                }
                Some(_) => {}
            }
        }

        for (oid, critical) in &info.extensions {
            if *critical {
                report.add(TspFinding::UnknownCriticalExtension { oid: oid.clone() });
            }
        }

        // The TSA's signature, its certificate validated at genTime.
        let count = self.signed_data.signer_count();
        if count != 1 {
            report.add(TspFinding::SignerCount { count });
        }
        let options = VerifyOptions::with_validation(validation).with_signature_timestamps(false);
        match verifier.verify(&self.signed_data, None, &options) {
            Err(e) => report.add(TspFinding::CmsError {
                reason: e.to_string(),
            }),
            Ok(cms) => {
                if cms.status != Status::Valid {
                    report.add(TspFinding::CmsSignature { status: cms.status });
                }
                if let Some(signer) = cms.signers.first() {
                    let mismatch =
                        signer.has(|f| matches!(f, CmsFinding::SigningCertificateMismatch { .. }));
                    if !signer.signing_certificate_bound && !mismatch {
                        report.add(TspFinding::SigningCertificateNotBound);
                    }
                    if let Some(cert) = &signer.signer_certificate {
                        check_tsa_certificate(cert, &mut report);
                        if let Some(name) = &info.tsa
                            && !names_subject(cert, name)
                        {
                            report.add(TspFinding::TsaNameMismatch {
                                tsa: general_name(name),
                            });
                        }
                        report.signer = Some(cert.subject().to_string());
                        report.signer_certificate = Some(cert.clone());
                    }
                }
                report.cms = Some(cms);
            }
        }
        report
    }
}

/// Whether `name` is the certificate's subject or one of its subjectAltNames.
fn names_subject(cert: &Certificate, name: &GeneralName) -> bool {
    match name {
        GeneralName::Directory(dn) if dn == cert.subject() => true,
        _ => cert.extensions().subject_alt_names.contains(name),
    }
}

/// RFC 3161 §2.3: one extendedKeyUsage, critical, with id-kp-timeStamping only.
fn check_tsa_certificate(cert: &Certificate, report: &mut TimestampReport) {
    let ext = cert.extensions();
    let stamping = ID_KP_TIME_STAMPING.to_string();
    match &ext.extended_key_usage {
        Some(purposes) if purposes.contains(&stamping) => {
            let others: Vec<String> = purposes
                .iter()
                .filter(|p| **p != stamping)
                .cloned()
                .collect();
            if !others.is_empty() {
                report.add(TspFinding::ExtraKeyPurposes { purposes: others });
            }
            let eku = EXT_KEY_USAGE.to_string();
            if ext
                .present
                .iter()
                .any(|(oid, critical)| *oid == eku && !critical)
            {
                report.add(TspFinding::KeyUsageNotCritical);
            }
        }
        _ => report.add(TspFinding::NotTimeStampingCertificate),
    }
}
