//! CAdES (ETSI EN 319 122-1; ETSI TS 101 733) on verification: a signer's signature
//! time-stamps, the proven signing time they give, and the [`CadesLevel`] the signer reaches.
//!
//! A signature time-stamp (`id-aa-signatureTimeStampToken`, an unsigned attribute) is an
//! RFC 3161 token over the SignerInfo's signature value: it proves the signature existed at
//! the token's genTime (plus its accuracy). The earliest valid one is the *proven signing
//! time*; the signer's certificate is validated there as a trusted time, so a certificate that
//! expired or was revoked later leaves the signature valid. A token that does not verify is an
//! advisory finding: it never makes a result better than CAdES-BES rules would, and since
//! anyone can append unsigned attributes, never worse either.

use core::fmt;

pub mod archive;
pub mod long_term;
pub use archive::extend_to_archive_v3;
pub use long_term::extend_to_x_long_type1;

use serde::Serialize;

use super::error::CmsError;
use super::oid;
use super::report::{CmsFinding, SignerReport};
use super::signed_data::{SignedData, SignerInfo};
use super::verify::Verifier;
use crate::crypto::CryptoProvider;
use crate::crypto::HashAlgorithm;
use crate::pki::{Status, UnixTime, ValidationOptions};
use crate::tsp::{Imprint, TimeStampToken, TimeStamper, TimestampReport, TspError};

/// Most signature time-stamps verified per signer: each costs a CMS verification and a path
/// validation; more are reported as not checked.
pub const MAX_SIGNATURE_TIMESTAMPS: usize = 4;

/// The CAdES level a signer reaches (ETSI TS 101 733 / EN 319 122-1 names), spelled in text and
/// JSON as the standards do: `"CAdES-BES"`, `"CAdES-EPES"`, `"CAdES-T"`, …
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[non_exhaustive]
pub enum CadesLevel {
    /// Basic electronic signature: signed content-type, message-digest and
    /// signing-certificate(-v2) binding the signer's certificate.
    #[serde(rename = "CAdES-BES")]
    Bes,
    /// BES with a signed signature-policy-identifier.
    #[serde(rename = "CAdES-EPES")]
    Epes,
    /// With a valid signature time-stamp.
    #[serde(rename = "CAdES-T")]
    T,
    /// With complete certificate and revocation references.
    #[serde(rename = "CAdES-C")]
    C,
    /// With the certificate and revocation values and a time-stamp over the C data.
    #[serde(rename = "CAdES-X Long Type 1")]
    XLongType1,
    /// With the values and a time-stamp over the references only.
    #[serde(rename = "CAdES-X Long Type 2")]
    XLongType2,
    /// With an archive time-stamp.
    #[serde(rename = "CAdES-A")]
    A,
}

impl CadesLevel {
    /// The level's name as the standards spell it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Bes => "CAdES-BES",
            Self::Epes => "CAdES-EPES",
            Self::T => "CAdES-T",
            Self::C => "CAdES-C",
            Self::XLongType1 => "CAdES-X Long Type 1",
            Self::XLongType2 => "CAdES-X Long Type 2",
            Self::A => "CAdES-A",
        }
    }
}

impl fmt::Display for CadesLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a time-stamp of a signer stamps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TimestampKind {
    /// `id-aa-signatureTimeStampToken`: over the SignerInfo's signature value (CAdES-T).
    SignatureTimestamp,
    /// `id-aa-ets-escTimeStamp`: over the signature value, the signature time-stamps and the
    /// complete references (CAdES-X Type 1).
    CadesCTimestamp,
    /// `id-aa-ets-certCRLTimestamp`: over the complete references (CAdES-X Type 2).
    CertCrlTimestamp,
    /// `id-aa-ets-archiveTimestampV3`: over the content's hash, the signer's signed fields and
    /// an index of the certificates, CRLs and unsigned attributes present (CAdES-A; ETSI EN
    /// 319 122-1 §5.5.3).
    ArchiveTimestampV3,
}

impl fmt::Display for TimestampKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::SignatureTimestamp => "signature time-stamp",
            Self::CadesCTimestamp => "CAdES-C time-stamp",
            Self::CertCrlTimestamp => "time-stamp over the certificate and CRL references",
            Self::ArchiveTimestampV3 => "archive time-stamp v3",
        })
    }
}

/// One time-stamp of a signer, verified.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct SignerTimestamp {
    /// What it stamps.
    pub kind: TimestampKind,
    /// Its verdict: the imprint, the TSA's signature and the TSA certificate's path.
    pub status: Status,
    /// Its genTime, RFC 3339 with the token's fraction of a second.
    pub time: String,
    /// The latest instant genTime and the token's accuracy allow: what the stamped data is
    /// proven to have existed by.
    pub proven_by: UnixTime,
    /// The TSA: its certificate's subject when found, else the name the token gives.
    pub tsa: Option<String>,
    /// The full verification.
    pub report: TimestampReport,
}

impl SignerTimestamp {
    /// A token of `kind`, as its verification `report` found it.
    pub(crate) fn from_report(kind: TimestampKind, report: TimestampReport) -> Self {
        Self {
            kind,
            status: report.status,
            time: report.gen_time_rfc3339.clone(),
            proven_by: report.time_bounds().1,
            tsa: report.signer.clone().or_else(|| report.tsa.clone()),
            report,
        }
    }

    /// The sentences of the findings that made the token not valid.
    pub(crate) fn reasons(&self) -> Vec<String> {
        self.report
            .findings
            .iter()
            .filter(|f| f.finding.status().is_some())
            .map(|f| f.message.clone())
            .collect()
    }
}

/// The archive attribute types this version does not verify (archive-time-stamp-v3 it does,
/// [`archive`]).
const HIGHER_LEVEL_ATTRIBUTES: [(&str, &str); 2] = [
    ("1.2.840.113549.1.9.16.2.27", "archive-time-stamp"),
    ("1.2.840.113549.1.9.16.2.48", "archive-time-stamp-v2"),
];

/// Verifies every signature time-stamp of `si` (at most [`MAX_SIGNATURE_TIMESTAMPS`]) through
/// `verifier`, the TSA certificates validated with `policy`'s rules at each genTime; records
/// each in `r.timestamps` and returns the earliest instant a valid one proves the signature
/// existed by.
pub(super) fn signature_timestamps(
    verifier: &Verifier<'_>,
    provider: &CryptoProvider,
    policy: &ValidationOptions,
    sd: &SignedData,
    si: &SignerInfo,
    r: &mut SignerReport,
) -> Option<UnixTime> {
    let signature = sd.bytes(&si.signature);
    let values = si
        .unsigned
        .iter()
        .filter(|a| a.oid == oid::SIGNATURE_TIME_STAMP_TOKEN)
        .flat_map(|a| a.values.iter());
    let mut proven: Option<UnixTime> = None;
    for (i, value) in values.enumerate() {
        if i == MAX_SIGNATURE_TIMESTAMPS {
            r.add(CmsFinding::SignatureTimestampUnusable {
                reason: format!(
                    "more than {MAX_SIGNATURE_TIMESTAMPS} signature time-stamps: the rest \
                     were not checked"
                ),
            });
            break;
        }
        let token = match TimeStampToken::from_der(sd.bytes(value)) {
            Ok(t) => t,
            Err(e) => {
                r.add(CmsFinding::SignatureTimestampUnusable {
                    reason: e.to_string(),
                });
                continue;
            }
        };
        let report = token.check_with(verifier, provider, policy, Imprint::Data(signature), None);
        let stamp = SignerTimestamp::from_report(TimestampKind::SignatureTimestamp, report);
        if stamp.status == Status::Valid {
            proven = Some(proven.map_or(stamp.proven_by, |p| p.min(stamp.proven_by)));
        } else {
            r.add(CmsFinding::SignatureTimestampNotValid {
                time: stamp.time.clone(),
                status: stamp.status,
                reasons: stamp.reasons(),
            });
        }
        r.timestamps.push(stamp);
    }
    if let (Some(claimed), Some(proven)) = (r.signing_time, proven)
        && claimed > proven
    {
        r.add(CmsFinding::SigningTimeAfterTimestamp { claimed, proven });
    }
    proven
}

/// The level `si` reaches: BES when its signed attributes bind the signer's certificate, EPES
/// with a signature policy, T with a valid signature time-stamp (`stamped`), and
/// `long_term` (C, X Long Type 1 or 2, from [`long_term::check`]) above that; A when it is X
/// Long and an archive-time-stamp-v3 is valid (`archived`, from [`archive::check`]). The
/// older archive attributes are reported as not verified rather than counted.
pub(super) fn level(
    si: &SignerInfo,
    r: &mut SignerReport,
    stamped: bool,
    long_term: Option<CadesLevel>,
    archived: bool,
) -> Option<CadesLevel> {
    let present: Vec<String> = HIGHER_LEVEL_ATTRIBUTES
        .iter()
        .filter(|(o, _)| si.unsigned.iter().any(|a| a.oid.to_string() == *o))
        .map(|(_, name)| (*name).to_owned())
        .collect();
    if !present.is_empty() {
        r.add(CmsFinding::LevelAttributesNotVerified {
            attributes: present,
        });
    }
    if si.signed_attrs.is_none() || !r.signing_certificate_bound {
        return None;
    }
    let below = if stamped {
        long_term.unwrap_or(CadesLevel::T)
    } else if si
        .signed_attr(oid::SIGNATURE_POLICY_IDENTIFIER)
        .next()
        .is_some()
    {
        CadesLevel::Epes
    } else {
        CadesLevel::Bes
    };
    if !archived {
        return Some(below);
    }
    if matches!(below, CadesLevel::XLongType1 | CadesLevel::XLongType2) {
        return Some(CadesLevel::A);
    }
    r.add(CmsFinding::LongTermAttributeUnusable {
        attribute: TimestampKind::ArchiveTimestampV3.to_string(),
        reason: format!(
            "it is valid, but the signature under it is {below}, not CAdES-X Long: it seals no \
             validation data, so it does not make CAdES-A"
        ),
    });
    Some(below)
}

impl SignedData {
    /// The signature value of signer `index` (the octets a signature time-stamp stamps), or
    /// `None` if there is no such signer.
    pub fn signature_value(&self, index: usize) -> Option<&[u8]> {
        self.signers.get(index).map(|si| self.bytes(&si.signature))
    }

    /// This SignedData with `value` (one DER element) added to signer `index`'s unsigned
    /// attribute `attribute`: one more value when the signer has that attribute, else a new
    /// attribute. Everything else is kept byte for byte, so the signatures still verify. This
    /// is how CAdES extends a signature; [`add_signature_timestamp`] is its checked form for
    /// signature time-stamps.
    ///
    /// # Errors
    /// [`CmsError::NoSuchSigner`]; [`CmsError::Malformed`] when `value` is not exactly one
    /// DER element; [`CmsError::LimitExceeded`] if the result exceeds a bound.
    pub fn with_unsigned_attribute(
        &self,
        index: usize,
        attribute: const_oid::ObjectIdentifier,
        value: Vec<u8>,
    ) -> Result<SignedData, CmsError> {
        let (_, rest) = super::der::read_tlv(&value)?;
        if !rest.is_empty() {
            return Err(super::der::malformed(
                "an attribute value must be one DER element",
            ));
        }
        super::sign::with_unsigned_value(self, index, attribute, value, Vec::new())
    }
}

/// `signed_data` with `token` attached to signer `signer_index` as a signature time-stamp
/// (an unsigned `id-aa-signatureTimeStampToken`; CAdES-BES becomes CAdES-T). Everything
/// already there is kept byte for byte, other time-stamps included.
///
/// The token is checked to stamp that signer's signature value (its messageImprint, hashed
/// with `provider`); its signature and TSA are checked when the result is verified.
///
/// # Errors
/// [`CmsError::NoSuchSigner`]; [`CmsError::TimestampMismatch`] when the token stamps
/// something else; [`CmsError::Crypto`] when `provider` cannot compute the token's imprint
/// hash; [`CmsError::LimitExceeded`] if the result exceeds a bound.
pub fn add_signature_timestamp(
    signed_data: &SignedData,
    signer_index: usize,
    token: &TimeStampToken,
    provider: &CryptoProvider,
) -> Result<SignedData, CmsError> {
    let signature = signed_data
        .signature_value(signer_index)
        .ok_or(CmsError::NoSuchSigner {
            index: signer_index,
            count: signed_data.signer_count(),
        })?;
    let info = token.info();
    let hash = info.hash_algorithm.ok_or_else(|| CmsError::Unsupported {
        what: format!("the time-stamp's imprint hash {}", info.hash_algorithm_oid),
    })?;
    if provider.digest(hash, signature)?.as_ref() != info.hashed_message.as_slice() {
        return Err(CmsError::TimestampMismatch {
            signer: signer_index + 1,
        });
    }
    signed_data.with_unsigned_attribute(
        signer_index,
        oid::SIGNATURE_TIME_STAMP_TOKEN,
        token.der().to_vec(),
    )
}

/// `signed_data` with a signature time-stamp from `stamper` on every signer (CAdES-BES or
/// -EPES becomes CAdES-T): for each, a request for the `hash` of its signature value with a
/// fresh random nonce, the answer checked to carry that imprint and nonce, then attached as in
/// [`add_signature_timestamp`]. The tokens' signatures and TSA paths are checked when the
/// result is verified.
///
/// # Errors
/// [`TspError::Refused`] and the stamper's other errors; [`TspError::NotTheRequested`] for a
/// token that answers another request; [`TspError::Cms`] when `provider` cannot hash or draw
/// a nonce, or the result exceeds a bound.
pub fn timestamp_signers(
    signed_data: &SignedData,
    stamper: &dyn TimeStamper,
    hash: HashAlgorithm,
    provider: &CryptoProvider,
) -> Result<SignedData, TspError> {
    let mut out = signed_data.clone();
    for index in 0..signed_data.signer_count() {
        let signature = signed_data
            .signature_value(index)
            .ok_or(CmsError::NoSuchSigner {
                index,
                count: signed_data.signer_count(),
            })?;
        let token = crate::tsp::stamp_data(stamper, provider, hash, signature)?;
        out = add_signature_timestamp(&out, index, &token, provider)?;
    }
    Ok(out)
}
