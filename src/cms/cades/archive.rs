//! CAdES-A with archive-time-stamp-v3 (ETSI EN 319 122-1 V1.1.1 §5.5.2–5.5.3): read and
//! checked on verification, and made by [`extend_to_archive_v3`].
//!
//! An archive-time-stamp-v3 (`id-aa-ets-archiveTimestampV3`, 0.4.0.1733.2.4) is an unsigned
//! attribute of the signer whose value is an RFC 3161 token. Its messageImprint is the hash
//! (with the token's imprint algorithm) of the concatenation of
//!
//! 1. `SignedData.encapContentInfo.eContentType` (its whole TLV);
//! 2. the hash of the signed content (the eContent's octets, or the detached content), made
//!    with the same algorithm;
//! 3. the SignerInfo's `version`, `sid`, `digestAlgorithm`, `signedAttrs`,
//!    `signatureAlgorithm` and `signature`, as encoded, in their order;
//! 4. the `ATSHashIndexV3` carried by the token's own SignerInfo as its unsigned attribute
//!    `ats-hash-index-v3` (`id-aa-ATSHashIndex-v3`, 0.4.0.19122.1.5):
//!
//! ```text
//! ATSHashIndexV3 ::= SEQUENCE {
//!     hashIndAlgorithm        AlgorithmIdentifier DEFAULT {algorithm id-sha256},
//!     certificatesHashIndex   SEQUENCE OF OCTET STRING,
//!     crlsHashIndex           SEQUENCE OF OCTET STRING,
//!     unsignedAttrsHashIndex  SEQUENCE OF OCTET STRING }
//! ```
//!
//! with one hash per element of `SignedData.certificates` and of `SignedData.crls` (the whole
//! CertificateChoices / RevocationInfoChoice TLV) and one per *value* of every unsigned
//! attribute of the signer (the attrType's TLV followed by that value's TLV), as they were when
//! the stamp was requested. On verification every hash the index lists must name an element
//! still there byte for byte — anything added later is simply not covered — and the imprint
//! must match the concatenation above with the index as carried: so an archived attribute,
//! certificate or CRL that was altered or removed, altered content, or an altered signer field
//! each make the stamp invalid.
//!
//! The older archive-time-stamp (TS 101 733 v1, `.2.27`) and archive-time-stamp-v2
//! (`.2.48`) are not verified: they are reported as such and never counted.
//!
//! A broken archive stamp is an advisory finding, like every CAdES-C/X problem: the level
//! stays what the lower levels give, and the verdict is neither better nor worse.

use std::io::Read;

use super::super::der::{self as tlv, OCTET_STRING, Reader, SEQUENCE};
use super::super::error::CmsError;
use super::super::oid;
use super::super::report::{CmsFinding, SignerReport, VerifyReport};
use super::super::signed_data::{SignedData, SignerInfo};
use super::super::verify::{Verifier, digest_algorithm};
use super::{CadesLevel, SignerTimestamp, TimestampKind};
use crate::crypto::{CryptoProvider, HashAlgorithm};
use crate::der_util::hex;
use crate::pki::{Status, ValidationOptions};
use crate::tsp::{Imprint, TimeStampToken, TimeStamper, TspError, TspFinding};

/// Most archive-time-stamp-v3 tokens verified per signer; more are reported as not checked.
pub const MAX_ARCHIVE_TIMESTAMPS: usize = 4;
/// Most hashes read from each of an ATSHashIndexV3's three lists.
pub const MAX_INDEX_ENTRIES: usize = 1024;

/// An ATSHashIndexV3, read.
#[derive(Debug)]
struct HashIndex {
    hash: HashAlgorithm,
    certificates: Vec<Vec<u8>>,
    crls: Vec<Vec<u8>>,
    unsigned: Vec<Vec<u8>>,
}

/// Reads an ATSHashIndexV3 (bounded; the algorithm must be one signflow computes).
fn read_hash_index(value: &tlv::Tlv<'_>) -> Result<HashIndex, String> {
    let err = |e: tlv::DerError| e.to_string();
    if value.tag != SEQUENCE {
        return Err("the ats-hash-index-v3 is not a SEQUENCE".into());
    }
    let mut r = Reader::contents_of(value);
    let first = r.any("ATSHashIndexV3").map_err(err)?;
    let mut lists = Vec::with_capacity(3);
    // hashIndAlgorithm DEFAULT sha256: an AlgorithmIdentifier starts with an OID, a list with
    // an OCTET STRING (or is empty).
    let hash = if first.tag == SEQUENCE && first.value.first() == Some(&tlv::OID) {
        digest_algorithm(first.raw)?
    } else {
        lists.push(first);
        HashAlgorithm::Sha256
    };
    while lists.len() < 3 {
        lists.push(r.expect(SEQUENCE, "ATSHashIndexV3 list").map_err(err)?);
    }
    r.finish("ATSHashIndexV3").map_err(err)?;
    let read = |t: &tlv::Tlv<'_>| -> Result<Vec<Vec<u8>>, String> {
        let mut out = Vec::new();
        for e in tlv::elements(t, "ATSHashIndexV3 entries", MAX_INDEX_ENTRIES)
            .map_err(|e| e.to_string())?
        {
            if e.tag != OCTET_STRING {
                return Err("an ATSHashIndexV3 entry is not an OCTET STRING".into());
            }
            out.push(e.value.to_vec());
        }
        Ok(out)
    };
    let (c, l, u) = (read(&lists[0])?, read(&lists[1])?, read(&lists[2])?);
    Ok(HashIndex {
        hash,
        certificates: c,
        crls: l,
        unsigned: u,
    })
}

/// The hashes an ATSHashIndexV3 made now, with `hash`, would list: every certificate, every
/// CRL (RevocationInfoChoice) and every value of every unsigned attribute of `si`.
fn current_entries(
    provider: &CryptoProvider,
    hash: HashAlgorithm,
    sd: &SignedData,
    si: &SignerInfo,
) -> Result<[Vec<Vec<u8>>; 3], CmsError> {
    let digest = |bytes: &[u8]| -> Result<Vec<u8>, CmsError> {
        Ok(provider.digest(hash, bytes)?.as_ref().to_vec())
    };
    let certificates = sd
        .certificates
        .iter()
        .map(|r| digest(sd.bytes(r)))
        .collect::<Result<Vec<_>, _>>()?;
    let crls = sd
        .crls
        .iter()
        .map(|r| digest(sd.bytes(r)))
        .collect::<Result<Vec<_>, _>>()?;
    let mut unsigned = Vec::new();
    for a in &si.unsigned {
        let (attribute, _) = tlv::read_tlv(sd.bytes(&a.raw))?;
        let attr_type = Reader::contents_of(&attribute).any("attrType")?;
        for v in &a.values {
            let mut hasher = provider.digests.hasher(hash)?;
            hasher.update(attr_type.raw);
            hasher.update(sd.bytes(v));
            unsigned.push(hasher.finalize().as_ref().to_vec());
        }
    }
    Ok([certificates, crls, unsigned])
}

/// ATSHashIndexV3's DER (hashIndAlgorithm left out when it is the default SHA-256, as DER
/// requires).
fn encode_hash_index(hash: HashAlgorithm, entries: &[Vec<Vec<u8>>; 3]) -> Vec<u8> {
    let mut fields = Vec::new();
    if hash != HashAlgorithm::Sha256 {
        fields.push(hash.algorithm_identifier_der());
    }
    for list in entries {
        let octets: Vec<Vec<u8>> = list.iter().map(|h| tlv::tlv(OCTET_STRING, h)).collect();
        fields.push(tlv::tlv(SEQUENCE, &octets.concat()));
    }
    tlv::tlv(SEQUENCE, &fields.concat())
}

/// What an archive-time-stamp-v3 stamps (EN 319 122-1 §5.5.3): eContentType, the content's
/// hash, the signer's fields from version through signature, and the hash index.
fn imprint_data(sd: &SignedData, si: &SignerInfo, content_hash: &[u8], index: &[u8]) -> Vec<u8> {
    let mut data = tlv::encode_oid(&sd.content_type());
    data.extend_from_slice(content_hash);
    data.extend_from_slice(sd.bytes(&si.before_unsigned));
    data.extend_from_slice(index);
    data
}

/// The imprint hash algorithms of `si`'s archive-time-stamp-v3 tokens (at most
/// [`MAX_ARCHIVE_TIMESTAMPS`]): the content must be hashed with them too.
pub(in crate::cms) fn content_hashes(sd: &SignedData, si: &SignerInfo) -> Vec<HashAlgorithm> {
    archive_values(si)
        .take(MAX_ARCHIVE_TIMESTAMPS)
        .filter_map(|v| TimeStampToken::from_der(sd.bytes(v)).ok())
        .filter_map(|t| t.info().hash_algorithm)
        .collect()
}

fn archive_values(si: &SignerInfo) -> impl Iterator<Item = &core::ops::Range<usize>> {
    si.unsigned
        .iter()
        .filter(|a| a.oid == oid::ARCHIVE_TIMESTAMP_V3)
        .flat_map(|a| a.values.iter())
}

/// Whether every hash `index` lists names an element `sd`/`si` still hold; else which does not.
fn check_index(
    provider: &CryptoProvider,
    sd: &SignedData,
    si: &SignerInfo,
    index: &HashIndex,
) -> Result<(), String> {
    let [certificates, crls, unsigned] = current_entries(provider, index.hash, sd, si)
        .map_err(|e| format!("the hash index cannot be recomputed: {e}"))?;
    for (listed, present, what) in [
        (&index.certificates, &certificates, "certificate"),
        (&index.crls, &crls, "CRL or revocation value"),
        (&index.unsigned, &unsigned, "unsigned attribute value"),
    ] {
        for (i, h) in listed.iter().enumerate() {
            if !present.contains(h) {
                return Err(format!(
                    "the {what} archived as {} {} (entry {} of its ats-hash-index-v3) is no \
                     longer in the signature",
                    index.hash.name(),
                    hex(h),
                    i + 1
                ));
            }
        }
    }
    Ok(())
}

/// Verifies `si`'s archive-time-stamp-v3 tokens (at most [`MAX_ARCHIVE_TIMESTAMPS`]), the
/// content hashed by `content_hash`; records each in `r.timestamps` and returns whether one
/// is valid. Archive attributes this version does not verify are left to
/// [`super::level`] to report.
pub(in crate::cms) fn check(
    verifier: &Verifier<'_>,
    provider: &CryptoProvider,
    policy: &ValidationOptions,
    sd: &SignedData,
    si: &SignerInfo,
    content_hash: &dyn Fn(HashAlgorithm) -> Option<Vec<u8>>,
    r: &mut SignerReport,
) -> bool {
    let unusable = |r: &mut SignerReport, reason: String| {
        r.add(CmsFinding::LongTermAttributeUnusable {
            attribute: TimestampKind::ArchiveTimestampV3.to_string(),
            reason,
        });
    };
    let mut valid = false;
    for (i, value) in archive_values(si).enumerate() {
        if i == MAX_ARCHIVE_TIMESTAMPS {
            unusable(
                r,
                format!("more than {MAX_ARCHIVE_TIMESTAMPS}: the rest were not checked"),
            );
            break;
        }
        let token = match TimeStampToken::from_der(sd.bytes(value)) {
            Ok(t) => t,
            Err(e) => {
                unusable(r, e.to_string());
                continue;
            }
        };
        let (index_der, index) = match hash_index_of(&token) {
            Ok(found) => found,
            Err(reason) => {
                unusable(r, reason);
                continue;
            }
        };
        let Some(hash) = token.info().hash_algorithm else {
            unusable(
                r,
                format!(
                    "its imprint hash {} is not supported",
                    token.info().hash_algorithm_oid
                ),
            );
            continue;
        };
        let Some(content) = content_hash(hash) else {
            unusable(
                r,
                format!("the content was not hashed with {}", hash.name()),
            );
            continue;
        };
        let data = imprint_data(sd, si, &content, &index_der);
        let mut report = token.check_with(verifier, provider, policy, Imprint::Data(&data), None);
        if let Err(reason) = check_index(provider, sd, si, &index) {
            report.add(TspFinding::StampedDataChanged { reason });
        }
        let stamp = SignerTimestamp::from_report(TimestampKind::ArchiveTimestampV3, report);
        if stamp.status == Status::Valid {
            valid = true;
        } else {
            r.add(CmsFinding::LongTermTimestampNotValid {
                timestamp: TimestampKind::ArchiveTimestampV3,
                time: stamp.time.clone(),
                status: stamp.status,
                reasons: stamp.reasons(),
            });
        }
        r.timestamps.push(stamp);
    }
    valid
}

/// The ats-hash-index-v3 of `token`'s signer (exactly one attribute with one value): its DER
/// and its reading.
fn hash_index_of(token: &TimeStampToken) -> Result<(Vec<u8>, HashIndex), String> {
    let sd = token.signed_data();
    let si = sd
        .signers
        .first()
        .ok_or_else(|| "the token has no signer".to_owned())?;
    let mut found = si
        .unsigned
        .iter()
        .filter(|a| a.oid == oid::ATS_HASH_INDEX_V3);
    let attribute = found
        .next()
        .ok_or_else(|| "the token carries no ats-hash-index-v3".to_owned())?;
    if found.next().is_some() || attribute.values.len() != 1 {
        return Err("the token's ats-hash-index-v3 is not exactly one value".into());
    }
    let der = sd.bytes(&attribute.values[0]).to_vec();
    let (value, _) = tlv::read_tlv(&der).map_err(|e| e.to_string())?;
    let index = read_hash_index(&value)?;
    Ok((der, index))
}

/// The hash of the signed content with `hash`: the eContent's octets when attached, else
/// `detached` read to its end in chunks.
fn hash_content(
    provider: &CryptoProvider,
    hash: HashAlgorithm,
    sd: &SignedData,
    detached: Option<&mut dyn Read>,
) -> Result<Vec<u8>, TspError> {
    if let Some(content) = sd.content() {
        return Ok(provider
            .digest(hash, content)
            .map_err(CmsError::from)?
            .as_ref()
            .to_vec());
    }
    let reader = detached.ok_or(CmsError::NotExtendable {
        signer: 1,
        reason: "its content is detached and was not given".into(),
    })?;
    let mut hasher = provider.digests.hasher(hash).map_err(CmsError::from)?;
    let mut buf = vec![0u8; super::super::CHUNK_SIZE];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(CmsError::Io(e).into()),
        };
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finalize().as_ref().to_vec())
}

/// `signed_data` with an archive-time-stamp-v3 from `stamper` on every signer (CAdES-A over
/// CAdES-X Long): for each, the ATSHashIndexV3 of what is there now (every certificate, CRL
/// and unsigned attribute value, hashed with `hash`), a request for the `hash` of the
/// concatenation EN 319 122-1 §5.5.3 defines with a fresh nonce, and the token — with the hash
/// index added as its signer's unsigned ats-hash-index-v3 — attached as an unsigned attribute.
/// Everything already there is kept byte for byte, earlier archive time-stamps included (a
/// new one archives them: that is how an archive is renewed before its algorithms weaken).
///
/// `report` is the verification of `signed_data`: every signer must be valid and at least
/// CAdES-X Long Type 1 (or Type 2) in it, so that the values the archive stamp seals are the
/// ones the validation used. `detached` is the signed content when it is not attached.
///
/// # Errors
/// [`TspError::Cms`] with [`CmsError::NotExtendable`] when a signer is not valid CAdES-X Long
/// in `report` (or the report is of another signature), or the content is detached and not
/// given; [`TspError::Refused`] and the stamper's other errors; [`TspError::NotTheRequested`]
/// for a token that answers another request; [`TspError::Cms`] when `provider` cannot hash or
/// draw a nonce, the content cannot be read, or the result exceeds a bound.
pub fn extend_to_archive_v3(
    signed_data: &SignedData,
    report: &VerifyReport,
    detached: Option<&mut dyn Read>,
    stamper: &dyn TimeStamper,
    hash: HashAlgorithm,
    provider: &CryptoProvider,
) -> Result<SignedData, TspError> {
    if report.signers.len() != signed_data.signer_count() {
        return Err(CmsError::NotExtendable {
            signer: 1,
            reason: "the verification report is not of this signature".into(),
        }
        .into());
    }
    for (index, r) in report.signers.iter().enumerate() {
        let refuse = |reason: String| CmsError::NotExtendable {
            signer: index + 1,
            reason,
        };
        if r.status != Status::Valid {
            return Err(refuse(format!("its verification is {}", r.status)).into());
        }
        if r.level < Some(CadesLevel::XLongType1) {
            return Err(refuse(format!(
                "it is {}, not CAdES-X Long: the archive time-stamp would seal no validation \
                 data",
                r.level.map_or("not CAdES", CadesLevel::name)
            ))
            .into());
        }
    }
    let content = hash_content(provider, hash, signed_data, detached)?;
    let mut out = signed_data.clone();
    for index in 0..signed_data.signer_count() {
        let si = &out.signers[index];
        let entries = current_entries(provider, hash, &out, si)?;
        let index_der = encode_hash_index(hash, &entries);
        let data = imprint_data(&out, si, &content, &index_der);
        let token = crate::tsp::stamp_data(stamper, provider, hash, &data)?;
        let with_index =
            token
                .signed_data()
                .with_unsigned_attribute(0, oid::ATS_HASH_INDEX_V3, index_der)?;
        out = out.with_unsigned_attribute(
            index,
            oid::ARCHIVE_TIMESTAMP_V3,
            with_index.der().to_vec(),
        )?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_index_round_trips_with_and_without_the_default_algorithm() {
        let entries = [
            vec![vec![1u8; 32]],
            vec![],
            vec![vec![2u8; 32], vec![3u8; 32]],
        ];
        for hash in [HashAlgorithm::Sha256, HashAlgorithm::Sha512] {
            let der = encode_hash_index(hash, &entries);
            let (t, _) = tlv::read_tlv(&der).unwrap();
            let index = read_hash_index(&t).unwrap();
            assert_eq!(index.hash, hash);
            assert_eq!(index.certificates, entries[0]);
            assert_eq!(index.crls, entries[1]);
            assert_eq!(index.unsigned, entries[2]);
        }
        // DER: the default algorithm is left out.
        assert_eq!(
            encode_hash_index(HashAlgorithm::Sha256, &entries)[2],
            SEQUENCE
        );
        assert_eq!(encode_hash_index(HashAlgorithm::Sha256, &entries)[3], 0x22);
    }

    #[test]
    fn hostile_hash_indexes_are_refused_not_panicking() {
        for bytes in [
            &[0x30, 0x00][..],
            &[0x30, 0x02, 0x30, 0x00],
            &[0x30, 0x06, 0x30, 0x00, 0x30, 0x00, 0x30, 0x02],
            &[0x30, 0x08, 0x30, 0x02, 0x02, 0x00, 0x30, 0x00, 0x30, 0x00],
            &[0x30, 0x08, 0x30, 0x00, 0x30, 0x00, 0x30, 0x00, 0x30, 0x00],
            &[0x04, 0x00],
        ] {
            if let Ok((t, _)) = tlv::read_tlv(bytes) {
                assert!(read_hash_index(&t).is_err(), "{bytes:?}");
            }
        }
        let many: Vec<u8> = std::iter::repeat_n([0x04u8, 0x00], MAX_INDEX_ENTRIES + 1)
            .flatten()
            .collect();
        let list = tlv::tlv_parts(SEQUENCE, &[&many]);
        let empty = tlv::tlv(SEQUENCE, &[]);
        let der = tlv::tlv_parts(SEQUENCE, &[&list, &empty, &empty]);
        let (t, _) = tlv::read_tlv(&der).unwrap();
        assert!(read_hash_index(&t).is_err());
    }
}
