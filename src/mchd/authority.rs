//! The authority to sign: the principal's signature on the МЧД, and a document signer checked
//! against the МЧД — one [`LegalVerdict`] per signer.

use std::collections::HashSet;
use std::fmt;

use serde::Serialize;

use super::parse::MchdError;
use super::{Date, PowerOfAttorney, Principal, Representative};
use crate::cms::{CmsFinding, SignerReport, TimestampKind, VerifyReport};
use crate::pki::russian::RussianAttributes;
use crate::pki::{Certificate, Status, UnixTime};
use crate::requisites::{Inn, Ogrn};
use crate::xmldsig::XmlVerification;

/// What the caller knows of an МЧД's revocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RevocationStatus {
    /// Not revoked, as far as the caller's source says.
    NotRevoked,
    /// Revoked (since, when known).
    Revoked {
        /// When it was revoked, if known.
        since: Option<UnixTime>,
    },
    /// The caller's source could not say (a registry that did not answer): indeterminate.
    Unknown,
}

/// The revocation status of МЧД, as the caller knows it: a service implements this against
/// the ФНС registry (or its cache). signflow never asks anyone by itself.
pub trait MchdRevocation {
    /// The status of the МЧД with the GUID `number` (lower case) at `time` (the signing time
    /// the verdict is judged at).
    fn status(&self, number: &str, time: UnixTime) -> RevocationStatus;
}

/// A list of revoked МЧД GUIDs, the whole of the caller's knowledge: a GUID on it is revoked,
/// any other is not. Read from text with one GUID a line (`#` comments and blank lines
/// ignored), as the CLI's `--mchd-revoked FILE`.
#[derive(Clone, Debug, Default)]
pub struct RevokedList {
    numbers: HashSet<String>,
}

/// The most GUIDs a [`RevokedList`] reads from text (10 million: the registry's scale).
pub const MAX_REVOKED: usize = 10_000_000;

impl RevokedList {
    /// A list of these GUIDs.
    pub fn new<I: IntoIterator<Item = S>, S: AsRef<str>>(numbers: I) -> Self {
        Self {
            numbers: numbers
                .into_iter()
                .map(|s| s.as_ref().trim().to_ascii_lowercase())
                .collect(),
        }
    }

    /// Reads one GUID a line.
    ///
    /// # Errors
    /// [`MchdError::BadAttribute`] naming the line that is not a GUID, [`MchdError::Limit`]
    /// past [`MAX_REVOKED`] lines.
    pub fn parse(text: &str) -> Result<Self, MchdError> {
        let mut numbers = HashSet::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if numbers.len() >= MAX_REVOKED {
                return Err(MchdError::Limit {
                    element: "revoked GUID",
                    limit: MAX_REVOKED,
                });
            }
            let b = line.as_bytes();
            let ok = b.len() == 36
                && b.iter().enumerate().all(|(i, c)| match i {
                    8 | 13 | 18 | 23 => *c == b'-',
                    _ => c.is_ascii_hexdigit(),
                });
            if !ok {
                return Err(MchdError::BadAttribute {
                    element: format!("revocation list, line {}", n + 1),
                    attribute: "НомДовер",
                    value: line.chars().take(64).collect(),
                    expected: "a GUID",
                });
            }
            numbers.insert(line.to_ascii_lowercase());
        }
        Ok(Self { numbers })
    }

    /// How many GUIDs the list holds.
    pub fn len(&self) -> usize {
        self.numbers.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.numbers.is_empty()
    }
}

impl MchdRevocation for RevokedList {
    fn status(&self, number: &str, _time: UnixTime) -> RevocationStatus {
        if self.numbers.contains(&number.to_ascii_lowercase()) {
            RevocationStatus::Revoked { since: None }
        } else {
            RevocationStatus::NotRevoked
        }
    }
}

/// The signer of the МЧД's signature found to be its principal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PrincipalSigner {
    /// Its position among the SignerInfos of the МЧД's signature.
    pub index: usize,
    /// Its certificate's subject.
    pub subject: String,
    /// The principal it was bound to, described.
    pub principal: String,
}

/// Why a signature is not authorised by the МЧД (or why that cannot be known).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum MchdRefusal {
    /// The document signature itself is not valid: there is nothing to authorise.
    #[error("the document signature is {status}")]
    DocumentSignature {
        /// Its status.
        status: Status,
    },
    /// The МЧД's signature does not match its bytes: the МЧД was altered after signing (or
    /// the signature is not over this file).
    #[error("the МЧД was altered after it was signed (its signature does not match the file)")]
    Tampered,
    /// No signer of the МЧД's signature is its principal.
    #[error("the МЧД is not signed by its principal {principal}: {reason}")]
    NotSignedByPrincipal {
        /// The principal, described.
        principal: String,
        /// What the signers' certificates say instead.
        reason: String,
    },
    /// The principal's signature on the МЧД is not valid (its certificate's path, say).
    #[error("the principal's signature on the МЧД is not valid: {reason}")]
    PrincipalSignatureInvalid {
        /// Why.
        reason: String,
    },
    /// The principal's signature on the МЧД could not be decided.
    #[error("the principal's signature on the МЧД is indeterminate: {reason}")]
    PrincipalSignatureIndeterminate {
        /// Why.
        reason: String,
    },
    /// This version cannot bind a certificate to this kind of principal.
    #[error("the МЧД's principal {principal} cannot be checked (a foreign organisation)")]
    PrincipalNotCheckable {
        /// The principal, described.
        principal: String,
    },
    /// The document signer is none of the МЧД's representatives (data mismatch).
    #[error(
        "data mismatch: the signer (INN {inn}, SNILS {snils}) is not a representative named in the МЧД"
    )]
    NotARepresentative {
        /// The signer certificate's ИНН ФЛ (`-` when absent).
        inn: String,
        /// The signer certificate's СНИЛС (`-` when absent).
        snils: String,
    },
    /// The representatives may only act jointly; one signature does not suffice.
    #[error(
        "the МЧД grants its powers to the representatives jointly: one signature does not suffice"
    )]
    JointPowers,
    /// The document signature carries no signing time to judge the МЧД's period at.
    #[error("the document signature has no signing time: the МЧД's period cannot be checked")]
    NoSigningTime,
    /// Signed before the МЧД came into force.
    #[error(
        "the МЧД was not yet valid at the signing time {at} ({time_source}): valid from {from}"
    )]
    NotYetValid {
        /// The signing time.
        at: UnixTime,
        /// Where that time comes from.
        time_source: SigningTimeSource,
        /// The first day of validity.
        from: Date,
    },
    /// Signed after the МЧД expired.
    #[error("the МЧД had expired at the signing time {at} ({time_source}): valid until {until}")]
    Expired {
        /// The signing time.
        at: UnixTime,
        /// Where that time comes from.
        time_source: SigningTimeSource,
        /// The last day of validity.
        until: Date,
    },
    /// The power asked for is not granted.
    #[error("the МЧД does not grant the power {code} (it grants: {granted})")]
    PowerMissing {
        /// The code asked for.
        code: String,
        /// The codes granted, comma-separated.
        granted: String,
    },
    /// The caller's revocation source says the МЧД is revoked.
    #[error("the МЧД {number} is revoked")]
    Revoked {
        /// Its GUID.
        number: String,
    },
    /// The caller's revocation source could not say.
    #[error("the revocation status of the МЧД {number} is unknown")]
    RevocationUnknown {
        /// Its GUID.
        number: String,
    },
}

impl MchdRefusal {
    /// The status the refusal gives: indeterminate when something needed is missing,
    /// otherwise invalid.
    pub fn status(&self) -> Status {
        match self {
            Self::DocumentSignature { status } => *status,
            Self::PrincipalSignatureIndeterminate { .. }
            | Self::PrincipalNotCheckable { .. }
            | Self::NoSigningTime
            | Self::RevocationUnknown { .. } => Status::Indeterminate,
            _ => Status::Invalid,
        }
    }
}

/// Where the signing time a verdict is judged at comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SigningTimeSource {
    /// A valid signature time-stamp (CAdES-T): a proven time.
    Timestamp,
    /// The signer's own signing-time attribute: claimed, vouched for by nobody.
    Claimed,
    /// The time the service that received the signature recorded it at (the document flow's
    /// time of the step, [`DocumentSigner::recorded_time`]): the signature existed then, as a
    /// time-stamp would prove, on the service's word.
    Recorded,
    /// None.
    None,
}

impl fmt::Display for SigningTimeSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Timestamp => "proven by a time-stamp",
            Self::Claimed => "claimed by the signer",
            Self::Recorded => "recorded by the flow",
            Self::None => "no signing time",
        })
    }
}

/// What is asked of the МЧД besides "is this signer a representative".
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct AuthorityRequest {
    /// A machine-readable power code (`КодПолн`) that must be granted; `None`: any.
    pub power: Option<String>,
}

impl AuthorityRequest {
    /// Asks for nothing beyond a valid МЧД naming the signer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Also requires the power `code`.
    #[must_use]
    pub fn with_power(mut self, code: impl Into<String>) -> Self {
        self.power = Some(code.into());
        self
    }
}

/// The legal verdict on one document signer under an МЧД.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct LegalVerdict {
    /// Valid: signed on behalf of the principal by a representative entitled to; invalid or
    /// indeterminate with `refusal` saying why.
    pub status: Status,
    /// The principal, described ("ООО "Ромашка" (INN …, OGRN …)").
    pub principal: String,
    /// The document signer (the representative's name from the МЧД when matched, else the
    /// certificate's subject).
    pub signer: String,
    /// The МЧД's GUID.
    pub mchd: String,
    /// Its first day of validity.
    pub valid_from: Date,
    /// Its last day of validity.
    pub valid_until: Date,
    /// The machine-readable powers it grants.
    pub powers: Vec<String>,
    /// The power asked for, if any.
    pub required_power: Option<String>,
    /// The signing time judged at.
    pub signing_time: Option<UnixTime>,
    /// Where it comes from.
    pub signing_time_source: SigningTimeSource,
    /// The МЧД's signer found to be the principal, when found.
    pub principal_signer: Option<PrincipalSigner>,
    /// Why not, when not valid.
    pub refusal: Option<MchdRefusal>,
    /// The verdict as a sentence.
    pub sentence: String,
}

impl fmt::Display for LegalVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sentence)
    }
}

fn describe_attrs(attrs: &RussianAttributes) -> String {
    let mut parts = Vec::new();
    if let Some(v) = attrs.organisation_inn() {
        parts.push(format!("INN {v}"));
    } else if let Some(v) = &attrs.inn {
        parts.push(format!("INN {v}"));
    }
    if let Some(v) = attrs.ogrn.as_ref().or(attrs.ogrnip.as_ref()) {
        parts.push(format!("OGRN {v}"));
    }
    if let Some(v) = &attrs.snils {
        parts.push(format!("SNILS {v}"));
    }
    if parts.is_empty() {
        "no INN, OGRN or SNILS".into()
    } else {
        parts.join(", ")
    }
}

/// Checks that `attrs` (a certificate's) belong to `principal`.
fn binds(attrs: &RussianAttributes, principal: &Principal) -> Result<(), String> {
    match principal {
        Principal::Organisation {
            organisation,
            directors,
            ..
        } => {
            let (Some(inn), Some(ogrn)) = (&organisation.inn, &organisation.ogrn) else {
                return Err("the МЧД gives the organisation no INN and OGRN".into());
            };
            let inn = Inn::parse(inn).map_err(|e| e.to_string())?;
            let ogrn = Ogrn::parse(ogrn).map_err(|e| e.to_string())?;
            attrs
                .check_organisation(&inn, &ogrn)
                .map_err(|e| e.to_string())?;
            // The person signing must be one the МЧД names as acting without a power of
            // attorney, where it names them by SNILS or INN.
            let named: Vec<_> = directors
                .iter()
                .filter(|d| d.snils.is_some() || d.inn.is_some())
                .collect();
            if !named.is_empty()
                && !named.iter().any(|d| {
                    d.snils
                        .as_ref()
                        .is_none_or(|s| attrs.snils.as_ref() == Some(s))
                        && d.inn.as_ref().is_none_or(|i| attrs.inn.as_ref() == Some(i))
                })
            {
                return Err(format!(
                    "data mismatch: the certificate ({}) is not the person the МЧД names as \
                     acting without a power of attorney",
                    describe_attrs(attrs)
                ));
            }
            Ok(())
        }
        Principal::Entrepreneur { person, ogrnip, .. } => {
            if person.inn.is_none() || attrs.inn != person.inn {
                return Err(format!(
                    "data mismatch: the certificate's INN is {}, the entrepreneur's {}",
                    attrs.inn.as_deref().unwrap_or("absent"),
                    person.inn.as_deref().unwrap_or("absent")
                ));
            }
            match &attrs.ogrnip {
                Some(o) if o != ogrnip => Err(format!(
                    "data mismatch: the certificate's OGRNIP is {o}, the МЧД's {ogrnip}"
                )),
                _ => Ok(()),
            }
        }
        Principal::Person { person } => {
            let inn_ok = person
                .inn
                .as_ref()
                .is_none_or(|i| attrs.inn.as_ref() == Some(i));
            let snils_ok = person
                .snils
                .as_ref()
                .is_none_or(|s| attrs.snils.as_ref() == Some(s));
            if (person.inn.is_some() || person.snils.is_some()) && inn_ok && snils_ok {
                Ok(())
            } else {
                Err(format!(
                    "data mismatch: the certificate ({}) is not the principal",
                    describe_attrs(attrs)
                ))
            }
        }
        Principal::ForeignOrganisation { .. } => Err("a foreign organisation".into()),
    }
}

/// Decides whether the МЧД's detached signature (`report`: [`crate::cms::Verifier`]'s report
/// over the МЧД file's exact bytes) was made by its principal: a signer whose certificate
/// binds to every principal of the МЧД — an organisation by INNLE/OGRN (and, where the МЧД
/// names the director by SNILS or INN, that person), an entrepreneur by INN (and OGRNIP), a
/// person by INN/SNILS — and whose signature is valid.
///
/// # Errors
/// [`MchdRefusal::Tampered`] when a signature does not match the file,
/// [`MchdRefusal::NotSignedByPrincipal`], [`MchdRefusal::PrincipalSignatureInvalid`],
/// [`MchdRefusal::PrincipalSignatureIndeterminate`], [`MchdRefusal::PrincipalNotCheckable`].
pub fn check_principal_signature(
    mchd: &PowerOfAttorney,
    report: &VerifyReport,
) -> Result<PrincipalSigner, MchdRefusal> {
    if report.has(|f| {
        matches!(
            f,
            CmsFinding::DigestMismatch { .. } | CmsFinding::BadSignature
        )
    }) {
        return Err(MchdRefusal::Tampered);
    }
    let mut found = None;
    for principal in &mchd.principals {
        if matches!(principal, Principal::ForeignOrganisation { .. }) {
            return Err(MchdRefusal::PrincipalNotCheckable {
                principal: principal.describe(),
            });
        }
        let mut reasons = Vec::new();
        let mut bound = None;
        for (index, signer) in report.signers.iter().enumerate() {
            let Some(cert) = &signer.signer_certificate else {
                reasons.push(format!("signer {} has no certificate", index + 1));
                continue;
            };
            let attrs = RussianAttributes::from_certificate(cert);
            match binds(&attrs, principal) {
                Ok(()) => {
                    bound = Some((index, signer));
                    break;
                }
                Err(r) => reasons.push(r),
            }
        }
        let Some((index, signer)) = bound else {
            return Err(MchdRefusal::NotSignedByPrincipal {
                principal: principal.describe(),
                reason: if reasons.is_empty() {
                    "the signature has no signers".into()
                } else {
                    reasons.join("; ")
                },
            });
        };
        let why = || {
            let sentences: Vec<String> = signer
                .findings
                .iter()
                .filter(|f| f.finding.status().is_some())
                .map(|f| f.finding.sentence())
                .collect();
            if sentences.is_empty() {
                signer.status.to_string()
            } else {
                sentences.join("; ")
            }
        };
        match signer.status {
            Status::Valid => {}
            Status::Invalid => {
                return Err(MchdRefusal::PrincipalSignatureInvalid { reason: why() });
            }
            Status::Indeterminate => {
                return Err(MchdRefusal::PrincipalSignatureIndeterminate { reason: why() });
            }
        }
        found.get_or_insert(PrincipalSigner {
            index,
            subject: signer.subject.clone().unwrap_or_default(),
            principal: principal.describe(),
        });
    }
    found.ok_or(MchdRefusal::NotSignedByPrincipal {
        principal: String::new(),
        reason: "the МЧД names no principal".into(),
    })
}

/// A document signer as the МЧД check sees it, whatever the signature's format: its status,
/// certificate and signing times. Made from a CMS signer ([`DocumentSigner::from_cms`]), an XML
/// signature ([`DocumentSigner::from_xml`]) or a PDF signature's CMS signer.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct DocumentSigner<'a> {
    /// The document signature's status.
    pub status: Status,
    /// The signer's certificate, when known.
    pub certificate: Option<&'a Certificate>,
    /// How to name the signer when the МЧД does not (its certificate's subject, say).
    pub label: String,
    /// The earliest instant a valid signature time-stamp proves.
    pub proven_time: Option<UnixTime>,
    /// The signing time the signer claims.
    pub claimed_time: Option<UnixTime>,
    /// The time a service recorded the signature at when it received it (the document
    /// flow's step time): when given, the verdict is judged at it, before the proven and the
    /// claimed times (the service checked the signer's certificate at that time too).
    pub recorded_time: Option<UnixTime>,
}

impl<'a> DocumentSigner<'a> {
    /// A CMS signer (also a PDF signature's): the proven time is its earliest valid signature
    /// time-stamp's, the claimed one its signing-time attribute.
    pub fn from_cms(signer: &'a SignerReport) -> Self {
        Self {
            status: signer.status,
            certificate: signer.signer_certificate.as_ref(),
            label: signer
                .subject
                .clone()
                .unwrap_or_else(|| signer.signer.clone()),
            proven_time: signer
                .timestamps
                .iter()
                .filter(|t| {
                    t.kind == TimestampKind::SignatureTimestamp && t.status == Status::Valid
                })
                .map(|t| t.proven_by)
                .min(),
            claimed_time: signer.signing_time,
            recorded_time: None,
        }
    }

    /// An XML signature: the proven time is its XAdES SignatureTimeStamp's, the claimed one
    /// its XAdES SigningTime (a plain XMLDSig has neither).
    pub fn from_xml(verification: &'a XmlVerification) -> Self {
        let xades = verification.xades.as_ref();
        Self {
            status: verification.status,
            certificate: verification.signer.as_ref(),
            label: verification
                .signer
                .as_ref()
                .map_or_else(|| "the XML signer".to_owned(), |c| c.subject().to_string()),
            proven_time: xades.and_then(|x| x.proven_signing_time),
            claimed_time: xades.and_then(|x| x.signing_time),
            recorded_time: None,
        }
    }

    /// A signer whose signature a service verified itself and recorded at `at` (the document
    /// flow's step): judged at that time ([`SigningTimeSource::Recorded`]).
    pub fn recorded(
        status: Status,
        certificate: Option<&'a Certificate>,
        label: String,
        at: UnixTime,
    ) -> Self {
        Self {
            status,
            certificate,
            label,
            proven_time: None,
            claimed_time: None,
            recorded_time: Some(at),
        }
    }

    /// The signing time judged at: proven, else claimed.
    fn signing_time(&self) -> (Option<UnixTime>, SigningTimeSource) {
        if let Some(t) = self.recorded_time {
            return (Some(t), SigningTimeSource::Recorded);
        }
        match (self.proven_time, self.claimed_time) {
            (Some(t), _) => (Some(t), SigningTimeSource::Timestamp),
            (None, Some(t)) => (Some(t), SigningTimeSource::Claimed),
            (None, None) => (None, SigningTimeSource::None),
        }
    }
}

/// The legal verdict on document signer `signer` under `mchd`: `principal` is
/// [`check_principal_signature`]'s answer for the МЧД's signature, `revocation` the caller's
/// revocation source. Checks, in order: the document signature is valid, the principal signed
/// the МЧД, the signer certificate's ИНН ФЛ and СНИЛС equal a representative's, the powers are
/// not joint, the signing time (proven by a time-stamp, else claimed — the verdict says which)
/// is within ДатаВыдДовер..СрокДейст, the power asked for is granted, the МЧД is not revoked.
pub fn authorise(
    mchd: &PowerOfAttorney,
    principal: &Result<PrincipalSigner, MchdRefusal>,
    signer: &SignerReport,
    request: &AuthorityRequest,
    revocation: &dyn MchdRevocation,
) -> LegalVerdict {
    authorise_signer(
        mchd,
        principal,
        &DocumentSigner::from_cms(signer),
        request,
        revocation,
    )
}

/// [`authorise`] for a signer of any format ([`DocumentSigner`]: a CMS signer, an XML
/// signature, a PDF signature's signer), with the same checks in the same order.
pub fn authorise_signer(
    mchd: &PowerOfAttorney,
    principal: &Result<PrincipalSigner, MchdRefusal>,
    signer: &DocumentSigner<'_>,
    request: &AuthorityRequest,
    revocation: &dyn MchdRevocation,
) -> LegalVerdict {
    let (time, source) = signer.signing_time();
    let principal_text = mchd
        .principals
        .iter()
        .map(super::Principal::describe)
        .collect::<Vec<_>>()
        .join(", ");
    let attrs = signer
        .certificate
        .map(RussianAttributes::from_certificate)
        .unwrap_or_default();
    let representative = mchd.representatives.iter().find_map(|r| match r {
        Representative::Person { person } | Representative::Entrepreneur { person, .. } => {
            let given = person.inn.is_some() || person.snils.is_some();
            let inn_ok = person
                .inn
                .as_ref()
                .is_none_or(|i| attrs.inn.as_ref() == Some(i));
            let snils_ok = person
                .snils
                .as_ref()
                .is_none_or(|s| attrs.snils.as_ref() == Some(s));
            (given && inn_ok && snils_ok).then(|| person.full_name())
        }
        _ => None,
    });
    let mut verdict = LegalVerdict {
        status: Status::Valid,
        principal: principal_text,
        signer: representative
            .clone()
            .unwrap_or_else(|| signer.label.clone()),
        mchd: mchd.number.clone(),
        valid_from: mchd.issued_on,
        valid_until: mchd.valid_until,
        powers: mchd.power_codes().into_iter().map(str::to_owned).collect(),
        required_power: request.power.clone(),
        signing_time: time,
        signing_time_source: source,
        principal_signer: principal.as_ref().ok().cloned(),
        refusal: None,
        sentence: String::new(),
    };
    let refusal = (|| {
        if signer.status != Status::Valid {
            return Some(MchdRefusal::DocumentSignature {
                status: signer.status,
            });
        }
        if let Err(r) = principal {
            return Some(r.clone());
        }
        if representative.is_none() {
            return Some(MchdRefusal::NotARepresentative {
                inn: attrs.inn.clone().unwrap_or_else(|| "-".into()),
                snils: attrs.snils.clone().unwrap_or_else(|| "-".into()),
            });
        }
        if mchd.joint_powers && mchd.representatives.len() > 1 {
            return Some(MchdRefusal::JointPowers);
        }
        let Some(at) = time else {
            return Some(MchdRefusal::NoSigningTime);
        };
        if at < mchd.valid_from_time() {
            return Some(MchdRefusal::NotYetValid {
                at,
                time_source: source,
                from: mchd.issued_on,
            });
        }
        if at >= mchd.valid_to_time() {
            return Some(MchdRefusal::Expired {
                at,
                time_source: source,
                until: mchd.valid_until,
            });
        }
        if let Some(code) = &request.power
            && !mchd.grants(code)
        {
            return Some(MchdRefusal::PowerMissing {
                code: code.clone(),
                granted: mchd.power_codes().join(", "),
            });
        }
        match revocation.status(&mchd.number, at) {
            RevocationStatus::NotRevoked => None,
            // A revocation after the signing time leaves the signature authorised only when a
            // time-stamp proves that time: a claimed time could be written to suit.
            RevocationStatus::Revoked { since: Some(when) }
                if at < when
                    && matches!(
                        source,
                        SigningTimeSource::Timestamp | SigningTimeSource::Recorded
                    ) =>
            {
                None
            }
            RevocationStatus::Revoked { .. } => Some(MchdRefusal::Revoked {
                number: mchd.number.clone(),
            }),
            RevocationStatus::Unknown => Some(MchdRefusal::RevocationUnknown {
                number: mchd.number.clone(),
            }),
        }
    })();
    verdict.sentence = match &refusal {
        None => format!(
            "signature of {} by {} under МЧД {} (valid {}–{}; powers {}; signing time {} {})",
            verdict.principal,
            verdict.signer,
            verdict.mchd,
            verdict.valid_from,
            verdict.valid_until,
            if verdict.powers.is_empty() {
                "as text".to_owned()
            } else {
                verdict.powers.join(", ")
            },
            time.map(|t| t.to_string()).unwrap_or_default(),
            source
        ),
        Some(r) => format!(
            "not authorised to sign for {} under МЧД {}: {r}",
            verdict.principal, verdict.mchd
        ),
    };
    if let Some(r) = refusal {
        verdict.status = r.status();
        verdict.refusal = Some(r);
    }
    verdict
}
