//! One answer for "is this signature valid?", whatever the format: a [`Verdict`] — valid,
//! invalid, indeterminate or format error — with the reasons as sentences (the first one
//! first), and each signer's certificate, subject and Russian attributes (INN, INNLE, OGRN,
//! OGRNIP, SNILS), and per signer the combined legal verdict ([`LegalStanding`]): whom the
//! signature binds — the organisation by its own certificate, the organisation through a power
//! of attorney ([`Verdict::with_mchd`]), or the person only — and whether it is qualified.
//!
//! [`verify`] (and [`verify_detached`], [`verify_at`]) take bytes — a CMS signature (DER, BER
//! or PEM) or an XML document with an XML signature, told apart by their first bytes — and a
//! [`TrustContext`], and never fail: what cannot be read is a [`Outcome::FormatError`]
//! verdict. A verdict is also made from a report already in hand:
//! [`Verdict::from_cms`], [`Verdict::from_xml`].
//!
//! ```
//! use signflow::pki::{TrustContext, UnixTime};
//! use signflow::verdict::{self, Outcome};
//!
//! let context = TrustContext::builder()
//!     .anchors_pem_or_der(include_bytes!("../testdata/pki/root-ca.pem"))?
//!     .intermediates_pem_or_der(include_bytes!("../testdata/pki/intermediate-ca.pem"))?
//!     .crls_pem_or_der(include_bytes!("../testdata/pki/root-ca.crl.pem"))?
//!     .crls_pem_or_der(include_bytes!("../testdata/pki/intermediate-ca.crl.pem"))?
//!     .build();
//! let at = UnixTime::from_utc(2027, 1, 1, 0, 0, 0);
//!
//! let good = verdict::verify_at(&context, include_bytes!("../testdata/cms/rsa-attached.der"), None, at);
//! assert_eq!(good.outcome, Outcome::Valid, "{good}");
//! assert!(good.signer().is_some());
//!
//! let garbage = verdict::verify_at(&context, b"not a signature", None, at);
//! assert_eq!(garbage.outcome, Outcome::FormatError);
//! println!("{}", garbage.reason().unwrap_or_default());
//! # Ok::<(), signflow::Error>(())
//! ```

use core::fmt;

use serde::Serialize;

use crate::cms::{self, SignedData};
use crate::pki::russian::RussianAttributes;
use crate::pki::{Certificate, Status, TrustContext, UnixTime, ValidationReport};
use crate::xmldsig;

/// The verdict's kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every signature and certificate checked out.
    Valid,
    /// A signature or certificate check failed.
    Invalid,
    /// The input is not a signature signflow can read (or not of the kind expected).
    FormatError,
    /// No conclusion (e.g. revocation status unknown, unsupported algorithm).
    Indeterminate,
}

impl Outcome {
    /// Every outcome, in report order.
    pub const ALL: [Outcome; 4] = [
        Self::Valid,
        Self::Invalid,
        Self::FormatError,
        Self::Indeterminate,
    ];

    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Invalid => "invalid",
            Self::FormatError => "format error",
            Self::Indeterminate => "indeterminate",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<Status> for Outcome {
    fn from(s: Status) -> Self {
        match s {
            Status::Valid => Self::Valid,
            Status::Invalid => Self::Invalid,
            Status::Indeterminate => Self::Indeterminate,
        }
    }
}

/// What the input was.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureFormat {
    /// CMS / PKCS#7 SignedData (CAdES).
    Cms,
    /// An XML document with an XML signature.
    Xml,
}

impl fmt::Display for SignatureFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Cms => "CMS",
            Self::Xml => "XML",
        })
    }
}

/// One signer, as a verdict names it.
#[derive(Clone, Debug, Serialize)]
pub struct SignerSummary {
    /// The certificate's subject.
    pub subject: String,
    /// Its issuer.
    pub issuer: String,
    /// Its serial number, hex.
    pub serial: String,
    /// The certificate (not serialized; its subject, issuer and serial are).
    #[serde(skip)]
    pub certificate: Certificate,
    /// What the certificate says about its Russian owner.
    pub russian: RussianAttributes,
    /// The signing time the signature claims (CMS signing-time, XAdES SigningTime), if any.
    pub signing_time: Option<UnixTime>,
    /// The time a valid signature time-stamp proves the signature existed by (CAdES-T,
    /// XAdES-T and above), if any: the time the certificate was validated at.
    pub proven_signing_time: Option<UnixTime>,
    /// The CAdES level the signer reaches (`None` for XML signatures and CMS without a
    /// signing-certificate binding).
    pub level: Option<cms::CadesLevel>,
    /// The XAdES level an XML signer reaches (`None` for CMS, and for XML signatures without
    /// qualifying properties that make one).
    pub xades_level: Option<xmldsig::XadesLevel>,
    /// Whether the signature is qualified, when an accredited-CA list was consulted
    /// ([`crate::tsl`]); `None` otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qualified: Option<crate::tsl::QualifiedStatus>,
    /// The combined legal verdict: whom the signature binds, by whom, on what basis (the
    /// organisation's own certificate, an МЧД — after [`Verdict::with_mchd`] —, or the person
    /// only), and whether it is qualified.
    pub legal: LegalStanding,
}

/// On what basis a signer signs ([`LegalStanding::basis`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum LegalBasis {
    /// The certificate carries the organisation's INN (INNLE) and OGRN: its director (or
    /// whoever the organisation's own certificate names), acting without a power of attorney.
    Organisation,
    /// A personal certificate under a power of attorney (МЧД) that authorises it.
    Mchd,
    /// A personal certificate without a power of attorney: the signature binds the person only.
    Personal,
    /// A personal certificate under an МЧД that does not authorise it (why: the МЧД verdict).
    NotAuthorised,
}

/// The combined legal verdict on one signer — "qualified signature of ORG (INN, OGRN) by
/// PERSON, director" / "… by PERSON under МЧД GUID (valid FROM–TO; powers …)" / why not — made
/// by [`legal_standing`] from the signature's status, the signer's certificate, the qualified
/// decision ([`crate::tsl`]) and the МЧД verdict ([`crate::mchd::authorise_signer`]).
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct LegalStanding {
    /// Valid when the signature is valid and, under an МЧД, authorised by it; otherwise the
    /// worse of the two. A qualified decision does not change it (see [`Self::qualified`]).
    pub status: Status,
    /// On what basis the signer signs.
    pub basis: LegalBasis,
    /// Whether the signature is qualified: `None` when no accredited-CA list was consulted.
    pub qualified: Option<bool>,
    /// The organisation signed for, described (`None` for a personal signature).
    pub organisation: Option<String>,
    /// The person who signed (the certificate's common name, or the МЧД's representative).
    pub person: String,
    /// The МЧД's GUID, when signed under one.
    pub mchd: Option<String>,
    /// The verdict as a sentence.
    pub sentence: String,
}

impl fmt::Display for LegalStanding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sentence)
    }
}

/// The combined legal verdict on one signer: `status` is its signature's, `certificate` its
/// certificate, `qualified` the accredited-CA list's decision (when one was consulted), `mchd`
/// the verdict under the power of attorney it signs under (when one was presented).
pub fn legal_standing(
    status: Status,
    certificate: Option<&Certificate>,
    qualified: Option<&crate::tsl::QualifiedStatus>,
    mchd: Option<&crate::mchd::LegalVerdict>,
) -> LegalStanding {
    let attrs = certificate
        .map(RussianAttributes::from_certificate)
        .unwrap_or_default();
    let first = |oid: &str| {
        certificate.and_then(|c| c.subject().attribute_displays(oid).into_iter().next())
    };
    let person = first("2.5.4.3")
        .or_else(|| certificate.map(|c| c.subject().to_string()))
        .unwrap_or_else(|| "an unknown signer".to_owned());
    let kind = match qualified {
        Some(q) if q.qualified => "qualified signature",
        _ => "signature",
    };
    let qualified_note = match qualified {
        Some(q) if !q.qualified => {
            let why: Vec<&str> = q.findings.iter().map(|f| f.message.as_str()).collect();
            format!(
                "; not qualified{}",
                if why.is_empty() {
                    String::new()
                } else {
                    format!(": {}", why.join("; "))
                }
            )
        }
        Some(_) => String::new(),
        None => "; qualified status not assessed (no accredited-CA list)".to_owned(),
    };
    let unusable = |s: Status| {
        if s == Status::Valid {
            String::new()
        } else {
            format!("the signature is {s}: ")
        }
    };
    let (basis, organisation, person, sentence, status) = match mchd {
        Some(v) if v.status == Status::Valid => (
            LegalBasis::Mchd,
            Some(v.principal.clone()),
            v.signer.clone(),
            format!(
                "{}{kind} of {} by {} under МЧД {} (valid {}–{}; powers {}){qualified_note}",
                unusable(status),
                v.principal,
                v.signer,
                v.mchd,
                v.valid_from,
                v.valid_until,
                if v.powers.is_empty() {
                    "as text".to_owned()
                } else {
                    v.powers.join(", ")
                }
            ),
            status,
        ),
        Some(v) => (
            LegalBasis::NotAuthorised,
            Some(v.principal.clone()),
            v.signer.clone(),
            format!("{}{}{qualified_note}", unusable(status), v.sentence),
            status.max(v.status),
        ),
        None => match (attrs.organisation_inn(), &attrs.ogrn) {
            (Some(inn), Some(ogrn)) => {
                let name = first("2.5.4.10").unwrap_or_else(|| "the organisation".to_owned());
                let role = first("2.5.4.12").unwrap_or_else(|| "director".to_owned());
                let organisation = format!("{name} (INN {inn}, OGRN {ogrn})");
                (
                    LegalBasis::Organisation,
                    Some(organisation.clone()),
                    person.clone(),
                    format!(
                        "{}{kind} of {organisation} by {person}, {role} (the organisation's own \
                         certificate: no power of attorney needed){qualified_note}",
                        unusable(status)
                    ),
                    status,
                )
            }
            _ => {
                let mut ids = Vec::new();
                if let Some(inn) = &attrs.inn {
                    ids.push(format!("INN {inn}"));
                }
                if let Some(snils) = &attrs.snils {
                    ids.push(format!("SNILS {snils}"));
                }
                let ids = if ids.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", ids.join(", "))
                };
                (
                    LegalBasis::Personal,
                    None,
                    person.clone(),
                    format!(
                        "{}{kind} of {person}{ids} for themselves: the certificate names no \
                         organisation and no МЧД was presented{qualified_note}",
                        unusable(status)
                    ),
                    status,
                )
            }
        },
    };
    LegalStanding {
        status,
        basis,
        qualified: qualified.map(|q| q.qualified),
        organisation,
        person,
        mchd: mchd.map(|v| v.mchd.clone()),
        sentence,
    }
}

impl SignerSummary {
    fn with_status(
        certificate: &Certificate,
        signing_time: Option<UnixTime>,
        status: Status,
        qualified: Option<&crate::tsl::QualifiedStatus>,
    ) -> Self {
        Self {
            subject: certificate.subject().to_string(),
            issuer: certificate.issuer().to_string(),
            serial: certificate.serial_hex(),
            russian: RussianAttributes::from_certificate(certificate),
            certificate: certificate.clone(),
            signing_time,
            proven_signing_time: None,
            level: None,
            xades_level: None,
            qualified: qualified.cloned(),
            legal: legal_standing(status, Some(certificate), qualified, None),
        }
    }

    fn from_cms(certificate: &Certificate, signer: &cms::SignerReport) -> Self {
        Self {
            proven_signing_time: signer
                .timestamps
                .iter()
                .filter(|t| t.status == Status::Valid)
                .map(|t| t.proven_by)
                .min(),
            level: signer.level,
            ..Self::with_status(
                certificate,
                signer.signing_time,
                signer.status,
                signer.qualified.as_ref(),
            )
        }
    }
}

/// The answer to "is this signature valid?".
#[derive(Clone, Debug, Serialize)]
pub struct Verdict {
    /// Valid, invalid, indeterminate or format error.
    pub outcome: Outcome,
    /// What the input was (`None` when it could not be told).
    pub format: Option<SignatureFormat>,
    /// Why, when not valid: one sentence per finding, the deciding one first, without
    /// repetitions. Empty when valid.
    pub reasons: Vec<String>,
    /// The signers whose certificates were found, in the signature's order.
    pub signers: Vec<SignerSummary>,
}

impl Verdict {
    /// Whether the outcome is [`Outcome::Valid`].
    pub fn is_valid(&self) -> bool {
        self.outcome == Outcome::Valid
    }

    /// The first reason, as a sentence (`None` when valid).
    pub fn reason(&self) -> Option<&str> {
        self.reasons.first().map(String::as_str)
    }

    /// The first signer.
    pub fn signer(&self) -> Option<&SignerSummary> {
        self.signers.first()
    }

    /// The verdict with the signers' powers of attorney judged: `mchd` holds the МЧД verdict
    /// of each signer in [`Verdict::signers`]' order ([`crate::mchd::authorise_signer`];
    /// `None` for a signer that presented none). Each signer's [`SignerSummary::legal`] says
    /// whom it signed for under which МЧД, or why not; a signer not authorised makes a valid
    /// outcome invalid (or indeterminate, when the МЧД's status could not be decided), with
    /// the reason first. Never makes the outcome better.
    #[must_use]
    pub fn with_mchd(mut self, mchd: &[Option<crate::mchd::LegalVerdict>]) -> Self {
        let mut refusals = Vec::new();
        for (signer, verdict) in self.signers.iter_mut().zip(mchd) {
            let Some(verdict) = verdict else { continue };
            signer.legal = legal_standing(
                signer.legal.status,
                Some(&signer.certificate),
                signer.qualified.as_ref(),
                Some(verdict),
            );
            if verdict.status != Status::Valid {
                refusals.push((verdict.status, verdict.sentence.clone()));
            }
        }
        for (status, sentence) in refusals.into_iter().rev() {
            let worse: Outcome = status.into();
            if self.outcome == Outcome::Valid
                || (self.outcome == Outcome::Indeterminate && worse == Outcome::Invalid)
            {
                self.outcome = worse;
            }
            self.reasons.insert(0, sentence);
        }
        unique(&mut self.reasons);
        self
    }

    /// A format-error verdict saying `reason`.
    pub fn format_error(format: Option<SignatureFormat>, reason: impl Into<String>) -> Self {
        Self {
            outcome: Outcome::FormatError,
            format,
            reasons: vec![reason.into()],
            signers: Vec::new(),
        }
    }

    /// An indeterminate verdict for a verification that could not finish (an I/O or crypto
    /// backend failure, not the input's fault).
    fn failed(format: SignatureFormat, reason: String) -> Self {
        Self {
            outcome: Outcome::Indeterminate,
            format: Some(format),
            reasons: vec![reason],
            signers: Vec::new(),
        }
    }

    /// The verdict of a CMS verification report: its status, the message's findings, then
    /// each signer's and its certificate path's.
    pub fn from_cms(report: &cms::VerifyReport) -> Self {
        let mut reasons = Vec::new();
        if report.status != Status::Valid {
            reasons.extend(report.findings.iter().map(|f| f.message.clone()));
            for s in &report.signers {
                // The signer that decided the status first.
                if s.status == report.status {
                    signer_reasons(s, &mut reasons);
                }
            }
            for s in report.signers.iter().filter(|s| s.status != report.status) {
                signer_reasons(s, &mut reasons);
            }
        }
        unique(&mut reasons);
        let signers = report
            .signers
            .iter()
            .filter_map(|s| {
                s.signer_certificate
                    .as_ref()
                    .map(|c| SignerSummary::from_cms(c, s))
            })
            .collect();
        Self {
            outcome: report.status.into(),
            format: Some(SignatureFormat::Cms),
            reasons,
            signers,
        }
    }

    /// The verdict of an XML signature verification.
    pub fn from_xml(verification: &xmldsig::XmlVerification) -> Self {
        let mut reasons = Vec::new();
        if verification.status != Status::Valid {
            reasons.extend(
                verification
                    .findings
                    .iter()
                    .filter(|f| f.finding.status().is_some())
                    .map(|f| f.message.clone()),
            );
            if let Some(c) = &verification.certificate {
                path_reasons(c, &mut reasons);
            }
            reasons.extend(verification.findings.iter().map(|f| f.message.clone()));
        }
        unique(&mut reasons);
        Self {
            outcome: verification.status.into(),
            format: Some(SignatureFormat::Xml),
            reasons,
            signers: verification
                .signer
                .iter()
                .map(|c| {
                    let summary = |time| {
                        SignerSummary::with_status(
                            c,
                            time,
                            verification.status,
                            verification.qualified.as_ref(),
                        )
                    };
                    match &verification.xades {
                        None => summary(None),
                        Some(x) => SignerSummary {
                            proven_signing_time: x.proven_signing_time,
                            xades_level: x.level,
                            ..summary(x.signing_time)
                        },
                    }
                })
                .collect(),
        }
    }
}

fn signer_reasons(s: &cms::SignerReport, reasons: &mut Vec<String>) {
    reasons.extend(
        s.findings
            .iter()
            .filter(|f| f.finding.status().is_some())
            .map(|f| f.message.clone()),
    );
    if let Some(c) = &s.certificate {
        path_reasons(c, reasons);
    }
    reasons.extend(s.findings.iter().map(|f| f.message.clone()));
}

fn path_reasons(report: &ValidationReport, reasons: &mut Vec<String>) {
    reasons.extend(
        report
            .findings()
            .filter(|(_, f)| f.status().is_some())
            .map(|(_, f)| f.sentence()),
    );
}

/// Drops repeated reasons and those already said inside a longer one, keeping the order.
pub(crate) fn unique(reasons: &mut Vec<String>) {
    let all = reasons.clone();
    let mut seen = std::collections::HashSet::new();
    reasons.retain(|r| {
        let inside_another = all
            .iter()
            .any(|o| o.len() > r.len() && o.contains(r.as_str()));
        !inside_another && seen.insert(r.clone())
    });
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.format {
            Some(format) => write!(f, "{format} signature: {}", self.outcome)?,
            None => write!(f, "{}", self.outcome)?,
        }
        if let Some(reason) = self.reason() {
            write!(f, ": {reason}")?;
        }
        for s in &self.signers {
            write!(f, "\n  signer: {}", s.subject)?;
            let r = &s.russian;
            for (name, value) in [
                ("INN", &r.inn),
                ("INNLE", &r.inn_le),
                ("OGRN", &r.ogrn),
                ("OGRNIP", &r.ogrnip),
                ("SNILS", &r.snils),
            ] {
                if let Some(v) = value {
                    write!(f, " {name}={v}")?;
                }
            }
        }
        Ok(())
    }
}

/// Verifies `signature` — attached CMS or an XML document — against `context`, now.
///
/// See [`verify_at`].
pub fn verify(context: &TrustContext, signature: &[u8]) -> Verdict {
    verify_at(context, signature, None, UnixTime::now())
}

/// Verifies the detached CMS `signature` over `content` against `context`, now.
///
/// See [`verify_at`].
pub fn verify_detached(context: &TrustContext, signature: &[u8], content: &[u8]) -> Verdict {
    verify_at(context, signature, Some(content), UnixTime::now())
}

/// Verifies `signature` against `context` with certificates validated at `at` under the
/// context's policy ([`TrustContext::validation_at`]): a CMS SignedData (DER, BER or PEM;
/// `detached` is its content when it does not carry it) or an XML document with an enveloped
/// or enveloping XML signature (told apart by the first non-blank byte, `<`).
///
/// Never fails: unreadable input, a detached CMS signature without its content and content
/// given for an XML document are [`Outcome::FormatError`] verdicts saying so.
pub fn verify_at(
    context: &TrustContext,
    signature: &[u8],
    detached: Option<&[u8]>,
    at: UnixTime,
) -> Verdict {
    let start = signature
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(signature)
        .trim_ascii_start();
    if start.starts_with(b"<") {
        if detached.is_some() {
            return Verdict::format_error(
                Some(SignatureFormat::Xml),
                "content was given beside an XML document: detached XML references are \
                 verified with xmldsig::VerifyOptions::detached",
            );
        }
        return verify_xml(context, signature, at);
    }
    let cms = |reason: String| Verdict::format_error(Some(SignatureFormat::Cms), reason);
    let message = match SignedData::from_pem_or_ber(signature) {
        Ok(m) => m,
        Err(e) => {
            return Verdict::format_error(
                None,
                format!("neither a CMS signature nor an XML document: {e}"),
            );
        }
    };
    let options = cms::VerifyOptions::with_validation(context.validation_at(at));
    let verifier = cms::Verifier::from_context(context);
    let report = match (message.is_detached(), detached) {
        (true, None) => {
            return cms("a detached signature without its content".into());
        }
        (false, Some(_)) => {
            return cms("content was given, but the signature carries its own".into());
        }
        (false, None) => verifier.verify(&message, None, &options),
        (true, Some(content)) => verifier.verify_detached_bytes(&message, content, &options),
    };
    match report {
        Ok(report) => Verdict::from_cms(&report),
        Err(e) if e.is_format_error() => cms(e.to_string()),
        Err(e) => Verdict::failed(SignatureFormat::Cms, e.to_string()),
    }
}

fn verify_xml(context: &TrustContext, document: &[u8], at: UnixTime) -> Verdict {
    match xmldsig::Verifier::from_context(context)
        .at(at)
        .verify(document)
    {
        Ok(v) => Verdict::from_xml(&v),
        Err(e) if e.is_format_error() => {
            Verdict::format_error(Some(SignatureFormat::Xml), e.to_string())
        }
        Err(e) => Verdict::failed(SignatureFormat::Xml, e.to_string()),
    }
}
