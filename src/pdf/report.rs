//! Verification of every signature in a PDF, and its report.

use std::fmt;

use serde::Serialize;

use super::PdfError;
use super::signatures::{Coverage, PdfSignature, SignatureKind, SignedPdf};
use crate::cms::{SignedData, Verifier, VerifyOptions, VerifyReport};
use crate::pki::{Certificate, Crl, OcspResponse, Status, TrustContext};
use crate::report::{Reported, Sentence};
use crate::tsp::{Imprint, TimeStampToken, TimestampReport};

/// One thing found wrong (or worth knowing) about a PDF or one of its signatures.
/// [`PdfFinding::status`] says what it does to the verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum PdfFinding {
    /// The PDF has no signature field with a value.
    NoSignatures,
    /// The /ByteRange does not cover the file except exactly this signature's /Contents.
    ByteRangeInvalid {
        /// Why.
        reason: String,
    },
    /// /Contents is not a CMS signature or time-stamp token.
    ContentsUnreadable {
        /// Why.
        reason: String,
    },
    /// A /SubFilter signflow does not verify (`adbe.pkcs7.sha1`, `adbe.x509.rsa_sha1`, …).
    UnsupportedSubFilter {
        /// The /SubFilter.
        sub_filter: String,
    },
    /// Updates after the signature changed the document's content (or removed objects):
    /// what is shown is not what was signed.
    ContentChangedAfterSigning {
        /// The objects changed.
        objects: Vec<u32>,
    },
    /// Updates after the signature added or changed annotations or form fields; whether that
    /// was allowed depends on DocMDP / FieldMDP permissions, which signflow does not evaluate.
    AnnotationsChangedAfterSigning {
        /// The objects changed.
        objects: Vec<u32>,
    },
    /// What updates after the signature did do is reported and allowed: signatures,
    /// time-stamps, DSS.
    SignedRevisionExtended {
        /// Incremental updates after it.
        revisions: usize,
    },
    /// An item of the DSS could not be parsed and was not used.
    IgnoredDssItem {
        /// Certificate, CRL, OCSP response or stream.
        what: String,
        /// Why.
        reason: String,
    },
}

impl PdfFinding {
    /// Invalid, indeterminate, or `None` for findings that only inform.
    pub fn status(&self) -> Option<Status> {
        match self {
            Self::ByteRangeInvalid { .. }
            | Self::ContentsUnreadable { .. }
            | Self::ContentChangedAfterSigning { .. }
            | Self::NoSignatures => Some(Status::Invalid),
            Self::UnsupportedSubFilter { .. } | Self::AnnotationsChangedAfterSigning { .. } => {
                Some(Status::Indeterminate)
            }
            Self::SignedRevisionExtended { .. } | Self::IgnoredDssItem { .. } => None,
        }
    }
}

fn list(objects: &[u32]) -> String {
    objects
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Sentence for PdfFinding {
    fn sentence(&self) -> String {
        match self {
            Self::NoSignatures => "the PDF has no signatures".into(),
            Self::ByteRangeInvalid { reason } => format!("the /ByteRange is not sound: {reason}"),
            Self::ContentsUnreadable { reason } => {
                format!("the signature's /Contents cannot be read: {reason}")
            }
            Self::UnsupportedSubFilter { sub_filter } => {
                format!("/SubFilter {sub_filter} is not supported")
            }
            Self::ContentChangedAfterSigning { objects } => format!(
                "the document's content was changed after signing (objects {})",
                list(objects)
            ),
            Self::AnnotationsChangedAfterSigning { objects } => format!(
                "annotations or form fields were added or changed after signing (objects {}); \
                 DocMDP/FieldMDP permissions are not evaluated",
                list(objects)
            ),
            Self::SignedRevisionExtended { revisions } => format!(
                "{revisions} incremental update(s) after this signature add only signatures, \
                 time-stamps, validation material or metadata"
            ),
            Self::IgnoredDssItem { what, reason } => format!("DSS {what} ignored: {reason}"),
        }
    }
}

/// The DSS as verification used it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct DssSummary {
    /// Certificates parsed (added to the untrusted intermediates).
    pub certificates: usize,
    /// CRLs parsed (revocation sources).
    pub crls: usize,
    /// OCSP responses parsed (revocation sources).
    pub ocsp_responses: usize,
    /// Entries of /VRI.
    pub vri_entries: usize,
}

/// One signature (or document time-stamp) of a PDF, verified.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct PdfSignatureReport {
    /// The verdict: the worst of the findings, the coverage and the CMS or token report.
    pub status: Status,
    /// The field's fully qualified name.
    pub field_name: String,
    /// Signature or document time-stamp.
    pub kind: SignatureKind,
    /// /SubFilter.
    pub sub_filter: String,
    /// /ByteRange as written.
    pub byte_range: Vec<i64>,
    /// The claimed signing time (/M), unverified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claimed_time: Option<String>,
    /// How the byte range covers the file; what was appended after it.
    pub coverage: Coverage,
    /// Findings about the PDF side of the signature.
    pub findings: Vec<Reported<PdfFinding>>,
    /// The CMS verification (signatures).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cms: Option<VerifyReport>,
    /// The token verification (document time-stamps).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<TimestampReport>,
}

/// Every signature of a PDF, verified.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct PdfReport {
    /// The worst signature verdict (invalid when there is none).
    pub status: Status,
    /// The file's length in bytes.
    pub length: usize,
    /// Cross-reference sections: the original and each incremental update.
    pub revisions: usize,
    /// Findings about the file as a whole.
    pub findings: Vec<Reported<PdfFinding>>,
    /// The DSS, when the file has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dss: Option<DssSummary>,
    /// One report per signature, in /Fields order.
    pub signatures: Vec<PdfSignatureReport>,
}

/// The length of the DER (or BER) element at the start of `bytes`: /Contents is zero-padded.
fn element_len(bytes: &[u8]) -> Option<usize> {
    let first = *bytes.get(1)?;
    if first < 0x80 {
        return Some(2 + usize::from(first));
    }
    let count = usize::from(first & 0x7f);
    if count == 0 || count > 4 {
        return None; // indefinite length: found by the BER reader
    }
    let len = bytes
        .get(2..2 + count)?
        .iter()
        .fold(0usize, |l, b| (l << 8) | usize::from(*b));
    Some(2 + count + len)
}

/// /Contents without its zero padding.
fn unpadded(contents: &[u8]) -> &[u8] {
    match element_len(contents) {
        Some(len) if len <= contents.len() => &contents[..len],
        _ => {
            // Indefinite length: keep up to the end-of-contents octets.
            let end = contents.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
            let mut end = (end + 2).min(contents.len());
            // An element ending in a zero byte keeps its own zeros before the EOC.
            while end < contents.len() && end % 2 == 1 {
                end += 1;
            }
            &contents[..end]
        }
    }
}

impl SignedPdf<'_> {
    /// Verifies every signature: /ByteRange coverage and what was appended after it, then the
    /// CMS ([`Verifier`], with `options`) or the RFC 3161 document time-stamp
    /// ([`TimeStampToken::verify`]) over the bytes the range covers. The DSS's certificates,
    /// CRLs and OCSP responses join `context`'s untrusted material.
    ///
    /// # Errors
    /// [`PdfError`] when the file's structure cannot be read as far as its signatures. Every
    /// verdict — including invalid and indeterminate — is an `Ok` report.
    pub fn verify(
        &self,
        context: &TrustContext,
        options: &VerifyOptions,
    ) -> Result<PdfReport, PdfError> {
        let data = self.bytes();
        let signatures = self.signatures()?;
        let mut findings: Vec<Reported<PdfFinding>> = Vec::new();
        let mut certificates = context.intermediates().to_vec();
        let mut crls = context.crls().to_vec();
        let mut ocsp = context.ocsp_responses().to_vec();
        let dss = self.dss()?.map(|dss| {
            let mut summary = DssSummary {
                vri_entries: dss.vri_entries,
                ..DssSummary::default()
            };
            for der in &dss.certificates {
                match Certificate::from_der(der) {
                    Ok(c) => {
                        certificates.push(c);
                        summary.certificates += 1;
                    }
                    Err(e) => findings.push(Reported::new(PdfFinding::IgnoredDssItem {
                        what: "certificate".into(),
                        reason: e.to_string(),
                    })),
                }
            }
            for der in &dss.crls {
                match Crl::from_der(der) {
                    Ok(c) => {
                        crls.push(c);
                        summary.crls += 1;
                    }
                    Err(e) => findings.push(Reported::new(PdfFinding::IgnoredDssItem {
                        what: "CRL".into(),
                        reason: e.to_string(),
                    })),
                }
            }
            for der in &dss.ocsp_responses {
                match OcspResponse::from_der(der) {
                    Ok(r) => {
                        ocsp.push(r);
                        summary.ocsp_responses += 1;
                    }
                    Err(e) => findings.push(Reported::new(PdfFinding::IgnoredDssItem {
                        what: "OCSP response".into(),
                        reason: e.to_string(),
                    })),
                }
            }
            for n in &dss.unreadable {
                findings.push(Reported::new(PdfFinding::IgnoredDssItem {
                    what: format!("stream {n}"),
                    reason: "unreadable".into(),
                }));
            }
            summary
        });
        let context = if dss.is_some() {
            TrustContext::builder()
                .provider(context.provider())
                .anchors(context.anchors().clone())
                .intermediates(certificates)
                .crls(crls)
                .ocsp_responses(ocsp)
                .policy(options.validation.clone())
                .build()
        } else {
            context.clone()
        };
        if signatures.is_empty() {
            findings.push(Reported::new(PdfFinding::NoSignatures));
        }
        let reports = signatures
            .iter()
            .map(|s| self.verify_one(s, data, &context, options))
            .collect::<Result<Vec<_>, _>>()?;
        let status = findings
            .iter()
            .filter_map(|f| f.finding.status())
            .chain(reports.iter().map(|r| r.status))
            .max()
            .unwrap_or(Status::Valid);
        Ok(PdfReport {
            status,
            length: data.len(),
            revisions: self.revisions(),
            findings,
            dss,
            signatures: reports,
        })
    }

    fn verify_one(
        &self,
        signature: &PdfSignature,
        data: &[u8],
        context: &TrustContext,
        options: &VerifyOptions,
    ) -> Result<PdfSignatureReport, PdfError> {
        let coverage = self.coverage(signature)?;
        let mut findings = Vec::new();
        if let Some(reason) = &coverage.byte_range_problem {
            findings.push(PdfFinding::ByteRangeInvalid {
                reason: reason.clone(),
            });
        }
        let objects_of = |wanted: Option<crate::pki::Status>| -> Vec<u32> {
            coverage
                .changes
                .iter()
                .filter(|c| c.kind.status() == wanted)
                .map(|c| c.object)
                .collect()
        };
        let changed = objects_of(Some(Status::Invalid));
        let annotated = objects_of(Some(Status::Indeterminate));
        if !changed.is_empty() {
            findings.push(PdfFinding::ContentChangedAfterSigning { objects: changed });
        }
        if !annotated.is_empty() {
            findings.push(PdfFinding::AnnotationsChangedAfterSigning { objects: annotated });
        }
        if coverage.appended_revisions > 0
            && coverage.changes.iter().all(|c| c.kind.status().is_none())
        {
            findings.push(PdfFinding::SignedRevisionExtended {
                revisions: coverage.appended_revisions,
            });
        }

        let mut cms = None;
        let mut timestamp = None;
        if coverage.byte_range_valid {
            #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)]
            let r: Vec<usize> = signature.byte_range.iter().map(|&v| v as usize).collect();
            let mut signed = Vec::with_capacity(r[1] + r[3]);
            signed.extend_from_slice(&data[r[0]..r[0] + r[1]]);
            signed.extend_from_slice(&data[r[2]..r[2] + r[3]]);
            let contents = unpadded(&signature.contents);
            match signature.sub_filter.as_str() {
                "adbe.pkcs7.detached" | "ETSI.CAdES.detached" => {
                    match SignedData::from_ber(contents) {
                        Ok(sd) => match Verifier::from_context(context)
                            .verify_detached_bytes(&sd, &signed, options)
                        {
                            Ok(report) => cms = Some(report),
                            Err(e) => findings.push(PdfFinding::ContentsUnreadable {
                                reason: e.to_string(),
                            }),
                        },
                        Err(e) => findings.push(PdfFinding::ContentsUnreadable {
                            reason: e.to_string(),
                        }),
                    }
                }
                "ETSI.RFC3161" => match TimeStampToken::from_der(contents) {
                    Ok(token) => timestamp = Some(token.verify(context, Imprint::Data(&signed))),
                    Err(e) => findings.push(PdfFinding::ContentsUnreadable {
                        reason: e.to_string(),
                    }),
                },
                other => findings.push(PdfFinding::UnsupportedSubFilter {
                    sub_filter: other.to_owned(),
                }),
            }
        }
        let status = findings
            .iter()
            .filter_map(PdfFinding::status)
            .chain(cms.as_ref().map(|r| r.status))
            .chain(timestamp.as_ref().map(|r| r.status))
            .max()
            .unwrap_or(Status::Valid);
        Ok(PdfSignatureReport {
            status,
            field_name: signature.field_name.clone(),
            kind: signature.kind,
            sub_filter: signature.sub_filter.clone(),
            byte_range: signature.byte_range.clone(),
            claimed_time: signature.claimed_time.clone(),
            coverage,
            findings: findings.into_iter().map(Reported::new).collect(),
            cms,
            timestamp,
        })
    }
}

impl fmt::Display for PdfReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: PDF, {} bytes, {} revision(s), {} signature(s)",
            self.status,
            self.length,
            self.revisions,
            self.signatures.len()
        )?;
        for finding in &self.findings {
            writeln!(f, "  - {}", finding.message)?;
        }
        if let Some(dss) = &self.dss {
            writeln!(
                f,
                "  DSS: {} certificate(s), {} CRL(s), {} OCSP response(s), {} VRI entr(ies)",
                dss.certificates, dss.crls, dss.ocsp_responses, dss.vri_entries
            )?;
        }
        for (i, s) in self.signatures.iter().enumerate() {
            writeln!(
                f,
                "signature {} \"{}\": {} ({}, {})",
                i + 1,
                s.field_name,
                s.status,
                match s.kind {
                    SignatureKind::Signature => "signature",
                    SignatureKind::DocumentTimestamp => "document time-stamp",
                },
                s.sub_filter
            )?;
            writeln!(f, "  byte range: {:?}", s.byte_range)?;
            let c = &s.coverage;
            if c.covers_whole_document {
                writeln!(f, "  covers the whole document")?;
            } else if c.byte_range_valid {
                writeln!(
                    f,
                    "  covers revision ending at byte {}; {} byte(s), {} update(s) appended after it",
                    c.signed_end, c.appended_bytes, c.appended_revisions
                )?;
                for change in &c.changes {
                    writeln!(f, "    object {}: {}", change.object, change.kind.name())?;
                }
            }
            for finding in &s.findings {
                writeln!(f, "  - {}", finding.message)?;
            }
            if let Some(cms) = &s.cms {
                for line in cms.to_string().lines() {
                    writeln!(f, "  {line}")?;
                }
            }
            if let Some(ts) = &s.timestamp {
                for line in ts.to_string().lines() {
                    writeln!(f, "  {line}")?;
                }
            }
        }
        Ok(())
    }
}
