//! Whether a signature is qualified (63-FZ art. 5 p. 4): decided at the proven signing time
//! from the accredited-CA list, the signer certificate's path and its profile (Order of the FSB
//! of Russia No. 795).
//!
//! A signer is qualified when every one of these holds at the decision time (the earliest valid
//! signature time-stamp's, else the signing time the signer claims, else the validation time —
//! [`QualifiedStatus::time_source`] says which):
//! - the certificate path validated, and it ends at a self-signed certificate of the list or at
//!   a root the caller designates ([`QualifiedOptions::qualified_roots`]);
//! - the issuing CA's certificate is in the list, and that CA's accreditation was in force
//!   (`Действует` is the latest status whose `ДействуетС` is not after the time);
//! - the certificate has the qualified profile: subjectSignTool (1.2.643.100.111),
//!   issuerSignTool (1.2.643.100.112), a KC1–KC3 class policy (1.2.643.100.113.1–3),
//!   identificationKind (1.2.643.100.114) 0–3 where present, the owner's SNILS or OGRN/OGRNIP,
//!   and every INN, OGRN, OGRNIP and SNILS well-formed with its check digit;
//! - its key is a GOST R 34.10-2012 key.
//!
//! Every failed condition is a [`QualifiedFinding`]; `qualified` is true only without any.

use der::Decode;
use serde::Serialize;

use super::AccreditedCaList;
use crate::pki::russian::{RussianAttributes, oid};
use crate::pki::{Certificate, Status, UnixTime, ValidationReport};
use crate::report::{Reported, Sentence};

/// identificationKind: how the owner was identified when the certificate was issued.
pub const ID_IDENTIFICATION_KIND: &str = "1.2.643.100.114";
/// GOST R 34.10-2012 with a 256-bit key.
pub const ID_GOST_2012_256: &str = "1.2.643.7.1.1.1.1";
/// GOST R 34.10-2012 with a 512-bit key.
pub const ID_GOST_2012_512: &str = "1.2.643.7.1.1.1.2";

/// The class policies a qualified certificate carries (of the signature tools KC1–KC3).
const QUALIFIED_CLASSES: [&str; 3] = ["KC1", "KC2", "KC3"];

/// What the caller adds to the list.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct QualifiedOptions {
    /// Roots the caller designates as qualified, besides the list's own.
    pub qualified_roots: Vec<Certificate>,
}

/// Where the decision time came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum QualifiedTimeSource {
    /// The earliest valid signature time-stamp: a proven time.
    SignatureTimestamp,
    /// The signing time the signer claims (nothing proves it).
    ClaimedSigningTime,
    /// Neither: the time the certificate was validated at.
    ValidationTime,
}

/// One reason a signer is not qualified.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum QualifiedFinding {
    /// The signer certificate was not found, or its path was not validated.
    NoPath,
    /// The path did not validate.
    PathNotValid {
        /// Its status.
        status: Status,
    },
    /// The path ends at a root that is neither in the list nor designated by the caller.
    RootNotQualified {
        /// The root's subject (or the last certificate's issuer when no root was reached).
        root: String,
    },
    /// The issuing CA's certificate is not in the list.
    IssuerNotListed {
        /// The issuing certificate's subject.
        issuer: String,
    },
    /// The issuing CA was not accredited at the time.
    NotAccredited {
        /// The CA's name in the list.
        authority: String,
        /// The status in force then (`None`: none yet).
        status: Option<String>,
        /// Since when.
        since: Option<UnixTime>,
        /// The decision time.
        time: UnixTime,
    },
    /// The certificate's key is not a GOST R 34.10-2012 key.
    NotGostKey {
        /// The key's algorithm OID.
        algorithm: String,
    },
    /// A part of the qualified profile is missing.
    ProfileMissing {
        /// Which.
        element: &'static str,
    },
    /// A part of the qualified profile is present but wrong.
    ProfileInvalid {
        /// Which.
        element: &'static str,
        /// What is wrong.
        detail: String,
    },
}

impl Sentence for QualifiedFinding {
    fn sentence(&self) -> String {
        match self {
            Self::NoPath => "not qualified: the signer certificate's path was not validated".into(),
            Self::PathNotValid { status } => {
                format!("not qualified: the signer certificate's path is {status}")
            }
            Self::RootNotQualified { root } => format!(
                "not qualified: the path ends at \"{root}\", which is not a root of the \
                 accredited-CA list"
            ),
            Self::IssuerNotListed { issuer } => format!(
                "not qualified: the issuing CA certificate \"{issuer}\" is not in the \
                 accredited-CA list"
            ),
            Self::NotAccredited {
                authority,
                status,
                since,
                time,
            } => match (status, since) {
                (Some(s), Some(since)) => format!(
                    "not qualified: the accreditation of {authority} was \"{s}\" since {since}, \
                     not in force at {time}"
                ),
                _ => format!("not qualified: {authority} was not yet accredited at {time}"),
            },
            Self::NotGostKey { algorithm } => format!(
                "not qualified: the signer's key ({algorithm}) is not a GOST R 34.10-2012 key"
            ),
            Self::ProfileMissing { element } => format!(
                "not qualified: the certificate has no {element} (Order of the FSB of Russia \
                 No. 795)"
            ),
            Self::ProfileInvalid { element, detail } => {
                format!("not qualified: the certificate's {element} is not valid: {detail}")
            }
        }
    }
}

/// The qualified decision on one signer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct QualifiedStatus {
    /// Whether the signature is qualified.
    pub qualified: bool,
    /// The time it was decided at.
    pub time: UnixTime,
    /// Where that time came from.
    pub time_source: QualifiedTimeSource,
    /// The accredited CA that issued the certificate, by its name in the list.
    pub authority: Option<String>,
    /// Why not, when not qualified (empty when qualified).
    pub findings: Vec<Reported<QualifiedFinding>>,
}

impl QualifiedStatus {
    /// Whether a finding matches `pred`.
    pub fn has(&self, pred: impl Fn(&QualifiedFinding) -> bool) -> bool {
        self.findings.iter().any(|f| pred(&f.finding))
    }
}

/// Decides whether one signer is qualified.
///
/// `path` is the signer certificate's validation report (end entity first); `proven` the
/// earliest valid signature time-stamp's time, `claimed` the signing time the signer claims,
/// `validation_time` what is used when neither is known.
pub fn assess(
    list: &AccreditedCaList,
    options: &QualifiedOptions,
    signer: &Certificate,
    path: Option<&ValidationReport>,
    proven: Option<UnixTime>,
    claimed: Option<UnixTime>,
    validation_time: UnixTime,
) -> QualifiedStatus {
    let (time, time_source) = match (proven, claimed) {
        (Some(t), _) => (t, QualifiedTimeSource::SignatureTimestamp),
        (None, Some(t)) => (t, QualifiedTimeSource::ClaimedSigningTime),
        (None, None) => (validation_time, QualifiedTimeSource::ValidationTime),
    };
    let mut findings = Vec::new();
    let mut authority = None;

    match path {
        None => findings.push(QualifiedFinding::NoPath),
        Some(report) => {
            if report.status != Status::Valid {
                findings.push(QualifiedFinding::PathNotValid {
                    status: report.status,
                });
            }
            // The root.
            match report.path.last().filter(|c| c.trust_anchor) {
                Some(root) => {
                    let is_root = |c: &Certificate| {
                        c.subject().to_string() == root.subject && c.serial_hex() == root.serial
                    };
                    if !(list.qualified_roots().into_iter().any(is_root)
                        || options.qualified_roots.iter().any(is_root))
                    {
                        findings.push(QualifiedFinding::RootNotQualified {
                            root: root.subject.clone(),
                        });
                    }
                }
                None => findings.push(QualifiedFinding::RootNotQualified {
                    root: report
                        .path
                        .last()
                        .map_or_else(|| signer.issuer().to_string(), |c| c.issuer.clone()),
                }),
            }
            // The issuing CA.
            match report.path.get(1) {
                Some(issuing) => {
                    let listed = list.listed().find(|(_, c)| {
                        c.certificate.subject().to_string() == issuing.subject
                            && c.certificate.serial_hex() == issuing.serial
                    });
                    match listed {
                        None => findings.push(QualifiedFinding::IssuerNotListed {
                            issuer: issuing.subject.clone(),
                        }),
                        Some((ca, _)) => {
                            authority = Some(ca.name.clone());
                            if !ca.accredited_at(time) {
                                let now = ca.status_at(time);
                                findings.push(QualifiedFinding::NotAccredited {
                                    authority: ca.name.clone(),
                                    status: now.map(|s| s.state.word().to_owned()),
                                    since: now.and_then(|s| s.since),
                                    time,
                                });
                            }
                        }
                    }
                }
                None => findings.push(QualifiedFinding::IssuerNotListed {
                    issuer: signer.issuer().to_string(),
                }),
            }
        }
    }

    // The key.
    let algorithm = spki::SubjectPublicKeyInfoRef::from_der(signer.spki_der())
        .map(|s| s.algorithm.oid.to_string())
        .unwrap_or_else(|_| "unreadable".into());
    if algorithm != ID_GOST_2012_256 && algorithm != ID_GOST_2012_512 {
        findings.push(QualifiedFinding::NotGostKey { algorithm });
    }

    profile(signer, &mut findings);

    QualifiedStatus {
        qualified: findings.is_empty(),
        time,
        time_source,
        authority,
        findings: findings.into_iter().map(Reported::new).collect(),
    }
}

/// The Order No. 795 profile of the certificate.
fn profile(signer: &Certificate, findings: &mut Vec<QualifiedFinding>) {
    let russian = RussianAttributes::from_certificate(signer);
    if signer.extension_value(oid::SUBJECT_SIGN_TOOL).is_none() {
        findings.push(QualifiedFinding::ProfileMissing {
            element: "subjectSignTool (1.2.643.100.111)",
        });
    } else if russian.subject_sign_tool.is_none() {
        findings.push(QualifiedFinding::ProfileInvalid {
            element: "subjectSignTool (1.2.643.100.111)",
            detail: "not a UTF8String".into(),
        });
    }
    if signer.extension_value(oid::ISSUER_SIGN_TOOL).is_none() {
        findings.push(QualifiedFinding::ProfileMissing {
            element: "issuerSignTool (1.2.643.100.112)",
        });
    } else if russian.issuer_sign_tool.is_none() {
        findings.push(QualifiedFinding::ProfileInvalid {
            element: "issuerSignTool (1.2.643.100.112)",
            detail: "not a SEQUENCE of four UTF8Strings".into(),
        });
    }
    if !russian
        .class_policies
        .iter()
        .any(|c| QUALIFIED_CLASSES.contains(&c.as_str()))
    {
        findings.push(QualifiedFinding::ProfileMissing {
            element: "KC1–KC3 class policy (1.2.643.100.113.1–3)",
        });
    }
    if let Some(value) = signer.extension_value(ID_IDENTIFICATION_KIND) {
        match der::asn1::Int::from_der(value)
            .ok()
            .and_then(|i| match i.as_bytes() {
                [b] => Some(*b),
                _ => None,
            }) {
            Some(0..=3) => {}
            _ => findings.push(QualifiedFinding::ProfileInvalid {
                element: "identificationKind (1.2.643.100.114)",
                detail: "not an INTEGER 0 to 3".into(),
            }),
        }
    }
    if russian.snils.is_none() && russian.ogrn.is_none() && russian.ogrnip.is_none() {
        findings.push(QualifiedFinding::ProfileMissing {
            element: "owner's SNILS or OGRN/OGRNIP",
        });
    }
    if let Err(e) = russian.validate() {
        findings.push(QualifiedFinding::ProfileInvalid {
            element: "requisites (INN, OGRN, SNILS)",
            detail: e.to_string(),
        });
    }
}

/// Decides for every signer of a CMS verification report whether it is qualified, and records
/// the decision in [`crate::cms::SignerReport::qualified`] (counter-signatures are not
/// judged). The decision time is the earliest valid signature time-stamp's, else the claimed
/// signing time, else the validation time.
pub fn assess_cms(
    report: &mut crate::cms::VerifyReport,
    list: &AccreditedCaList,
    options: &QualifiedOptions,
) {
    for signer in &mut report.signers {
        let proven = signer
            .timestamps
            .iter()
            .filter(|t| t.status == Status::Valid)
            .map(|t| t.proven_by)
            .min();
        signer.qualified = Some(match &signer.signer_certificate {
            Some(cert) => assess(
                list,
                options,
                cert,
                signer.certificate.as_ref(),
                proven,
                signer.signing_time,
                signer.validation_time,
            ),
            None => no_signer(proven, signer.signing_time, signer.validation_time),
        });
    }
}

/// Decides whether the signer of a verified XML signature is qualified, and records the
/// decision in [`crate::xmldsig::XmlVerification::qualified`]. The decision time is the XAdES
/// SignatureTimeStamp's proven time, else the XAdES SigningTime the signer claims, else
/// `validation_time` (the time the signer's certificate was validated at).
pub fn assess_xml(
    verification: &mut crate::xmldsig::XmlVerification,
    list: &AccreditedCaList,
    options: &QualifiedOptions,
    validation_time: UnixTime,
) {
    let xades = verification.xades.as_ref();
    let proven = xades.and_then(|x| x.proven_signing_time);
    let claimed = xades.and_then(|x| x.signing_time);
    verification.qualified = Some(match &verification.signer {
        Some(cert) => assess(
            list,
            options,
            cert,
            verification.certificate.as_ref(),
            proven,
            claimed,
            validation_time,
        ),
        None => no_signer(proven, claimed, validation_time),
    });
}

/// Decides for the CMS signers of every signature of a verified PDF whether they are qualified
/// ([`assess_cms`] on each signature's CMS report; document time-stamps are not judged).
pub fn assess_pdf(
    report: &mut crate::pdf::PdfReport,
    list: &AccreditedCaList,
    options: &QualifiedOptions,
) {
    for signature in &mut report.signatures {
        if signature.kind != crate::pdf::SignatureKind::Signature {
            continue;
        }
        if let Some(cms) = signature.cms.as_mut() {
            assess_cms(cms, list, options);
        }
    }
}

/// The decision on a signer whose certificate is unknown: not qualified.
fn no_signer(
    proven: Option<UnixTime>,
    claimed: Option<UnixTime>,
    validation_time: UnixTime,
) -> QualifiedStatus {
    let (time, time_source) = match (proven, claimed) {
        (Some(t), _) => (t, QualifiedTimeSource::SignatureTimestamp),
        (None, Some(t)) => (t, QualifiedTimeSource::ClaimedSigningTime),
        (None, None) => (validation_time, QualifiedTimeSource::ValidationTime),
    };
    QualifiedStatus {
        qualified: false,
        time,
        time_source,
        authority: None,
        findings: vec![Reported::new(QualifiedFinding::NoPath)],
    }
}
