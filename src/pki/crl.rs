//! Certificate revocation lists (RFC 5280 §5), parsed once and indexed by serial number so a
//! lookup costs one hash probe whatever the CRL's size.

use core::ops::Range;
use std::sync::Arc;

use x509_parser::extensions::ParsedExtension;
use x509_parser::oid_registry::{
    OID_X509_EXT_DELTA_CRL_INDICATOR, OID_X509_EXT_FRESHEST_CRL, OID_X509_EXT_ISSUER,
};
use x509_parser::prelude::FromDer;
use x509_parser::revocation_list::CertificateRevocationList;

use super::certificate::{hex, tlv_len};
use super::error::PkiError;
use super::name::{DistinguishedName, GeneralName};
use super::serial_index::SerialIndex;
use super::time::UnixTime;
use crate::crypto::{CryptoError, SignatureAlgorithm};

/// Largest CRL accepted: 1,000,000 entries take about 32 MiB of DER; allow some room.
pub const MAX_CRL_LEN: usize = 256 * 1024 * 1024;

/// CRLReason (RFC 5280 §5.3.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum RevocationReason {
    /// unspecified (0), also used when the entry has no reason code.
    Unspecified,
    /// keyCompromise (1).
    KeyCompromise,
    /// cACompromise (2).
    CaCompromise,
    /// affiliationChanged (3).
    AffiliationChanged,
    /// superseded (4).
    Superseded,
    /// cessationOfOperation (5).
    CessationOfOperation,
    /// certificateHold (6): suspended, may be released by removeFromCRL in a delta CRL.
    CertificateHold,
    /// removeFromCRL (8): only in delta CRLs; the certificate is no longer on hold.
    RemoveFromCrl,
    /// privilegeWithdrawn (9).
    PrivilegeWithdrawn,
    /// aACompromise (10).
    AaCompromise,
}

impl RevocationReason {
    fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            0 => Self::Unspecified,
            1 => Self::KeyCompromise,
            2 => Self::CaCompromise,
            3 => Self::AffiliationChanged,
            4 => Self::Superseded,
            5 => Self::CessationOfOperation,
            6 => Self::CertificateHold,
            8 => Self::RemoveFromCrl,
            9 => Self::PrivilegeWithdrawn,
            10 => Self::AaCompromise,
            _ => return None,
        })
    }

    /// The ReasonFlags bit for this reason (RFC 5280 §4.2.1.13 numbers privilegeWithdrawn 7
    /// and aACompromise 8, unlike the CRLReason codes); `0` for unspecified and removeFromCRL,
    /// which no ReasonFlags bit names.
    pub fn flag(self) -> u16 {
        match self {
            Self::Unspecified | Self::RemoveFromCrl => 0,
            Self::KeyCompromise => 1 << 1,
            Self::CaCompromise => 1 << 2,
            Self::AffiliationChanged => 1 << 3,
            Self::Superseded => 1 << 4,
            Self::CessationOfOperation => 1 << 5,
            Self::CertificateHold => 1 << 6,
            Self::PrivilegeWithdrawn => 1 << 7,
            Self::AaCompromise => 1 << 8,
        }
    }
}

/// One revoked certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RevokedEntry {
    /// When the certificate was revoked.
    pub revocation_date: UnixTime,
    /// Why (unspecified when the entry says nothing).
    pub reason: RevocationReason,
    /// When the key is known or suspected to have been compromised.
    pub invalidity_date: Option<UnixTime>,
}

/// The IssuingDistributionPoint extension (RFC 5280 §5.2.5).
#[derive(Clone, Debug, Default)]
pub struct IssuingDistributionPoint {
    /// The distribution point's names (fullName, or nameRelativeToCRLIssuer resolved).
    pub names: Vec<GeneralName>,
    /// onlyContainsUserCerts.
    pub only_user_certs: bool,
    /// onlyContainsCACerts.
    pub only_ca_certs: bool,
    /// onlySomeReasons.
    pub only_some_reasons: Option<u16>,
    /// indirectCRL.
    pub indirect: bool,
    /// onlyContainsAttributeCerts.
    pub only_attribute_certs: bool,
}

/// A parsed, indexed CRL. Cloning is cheap (the parsed CRL and its index are shared), so
/// verifiers can hand their CRLs to every validation without copying a large CRL.
#[derive(Clone, Debug)]
pub struct Crl(Arc<CrlData>);

impl core::ops::Deref for Crl {
    type Target = CrlData;
    fn deref(&self) -> &CrlData {
        &self.0
    }
}

/// The fields of a [`Crl`] (reachable only through its methods).
#[derive(Debug)]
pub struct CrlData {
    der: Vec<u8>,
    /// SHA-256 of `der`, computed once (caches key on it).
    fingerprint: [u8; 32],
    /// SHA-256 of the SubjectPublicKeyInfos this CRL's signature was found to verify under:
    /// a large CRL's signature (a hash over its whole body) is checked once per key.
    verified_by: std::sync::Mutex<Vec<[u8; 32]>>,
    tbs: Range<usize>,
    signature_algorithm_der: Range<usize>,
    signature: Vec<u8>,
    issuer: DistinguishedName,
    this_update: UnixTime,
    next_update: Option<UnixTime>,
    number: Option<Vec<u8>>,
    delta_base: Option<Vec<u8>>,
    idp: Option<IssuingDistributionPoint>,
    authority_key_id: Option<Vec<u8>>,
    /// Certificate issuers named by entries of an indirect CRL; index 0 is the CRL issuer.
    entry_issuers: Vec<DistinguishedName>,
    /// serial → (index into entry_issuers, entry).
    entries: SerialIndex,
    unknown_critical: Vec<String>,
    number_critical: bool,
}

fn integer_content(value: &[u8]) -> Option<Vec<u8>> {
    let total = tlv_len(value)?;
    let header = if value.get(1)? & 0x80 == 0 {
        2
    } else {
        2 + (value[1] & 0x7f) as usize
    };
    (value.first() == Some(&0x02) && header <= total).then(|| value[header..total].to_vec())
}

fn strip_zeros(mut b: &[u8]) -> &[u8] {
    while let [0, rest @ ..] = b {
        if rest.is_empty() {
            break;
        }
        b = rest;
    }
    b
}

/// Compares two big-endian unsigned integers.
pub(crate) fn cmp_uint(a: &[u8], b: &[u8]) -> core::cmp::Ordering {
    let (a, b) = (strip_zeros(a), strip_zeros(b));
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

impl Crl {
    /// Parses a DER CRL and indexes its entries.
    ///
    /// # Errors
    /// [`PkiError::MalformedCrl`] saying what is wrong.
    ///
    /// # Example
    /// ```
    /// use signflow::pki::Crl;
    /// let crl = Crl::from_der(include_bytes!("../../testdata/pki/intermediate-ca.crl.der"))?;
    /// assert_eq!(crl.len(), 1);
    /// # Ok::<(), signflow::pki::PkiError>(())
    /// ```
    pub fn from_der(der: &[u8]) -> Result<Self, PkiError> {
        let malformed = |reason: String| PkiError::MalformedCrl { reason };
        if der.len() > MAX_CRL_LEN {
            return Err(malformed(format!(
                "{} bytes is larger than the limit",
                der.len()
            )));
        }
        let (rest, crl) = CertificateRevocationList::from_der(der)
            .map_err(|e| malformed(format!("not a DER CRL: {e}")))?;
        if !rest.is_empty() {
            return Err(malformed("trailing data after the CRL".into()));
        }
        let tbs_raw: &[u8] = crl.tbs_cert_list.as_ref();
        let start = tbs_raw.as_ptr() as usize - der.as_ptr() as usize;
        let tbs = start..start + tbs_raw.len();
        let alg_len =
            tlv_len(&der[tbs.end..]).ok_or_else(|| malformed("bad signatureAlgorithm".into()))?;
        if crl.tbs_cert_list.signature != crl.signature_algorithm {
            return Err(malformed(
                "signature algorithm differs inside and outside tbsCertList".into(),
            ));
        }
        let issuer = DistinguishedName::from_x509(&crl.tbs_cert_list.issuer);
        let mut out = CrlData {
            der: Vec::new(),
            fingerprint: [0; 32],
            verified_by: Default::default(),
            tbs: tbs.clone(),
            signature_algorithm_der: tbs.end..tbs.end + alg_len,
            signature: crl.signature_value.data.to_vec(),
            issuer: issuer.clone(),
            this_update: UnixTime(crl.tbs_cert_list.this_update.timestamp()),
            next_update: crl
                .tbs_cert_list
                .next_update
                .map(|t| UnixTime(t.timestamp())),
            number: None,
            delta_base: None,
            idp: None,
            authority_key_id: None,
            entry_issuers: vec![issuer.clone()],
            entries: SerialIndex::with_capacity(
                crl.tbs_cert_list.revoked_certificates.len(),
                // Serials are at most 20 octets (RFC 5280 §4.1.2.2), usually 16–20.
                crl.tbs_cert_list.revoked_certificates.len() * 20,
            ),
            unknown_critical: Vec::new(),
            number_critical: false,
        };
        for ext in crl.tbs_cert_list.extensions() {
            match ext.parsed_extension() {
                ParsedExtension::CRLNumber(n) => {
                    out.number = Some(n.to_bytes_be());
                    out.number_critical = ext.critical;
                }
                ParsedExtension::AuthorityKeyIdentifier(aki) => {
                    out.authority_key_id = aki.key_identifier.as_ref().map(|k| k.0.to_vec())
                }
                ParsedExtension::IssuingDistributionPoint(_) => {
                    use der::Decode;
                    let idp = x509_cert::ext::pkix::crl::dp::IssuingDistributionPoint::from_der(
                        ext.value,
                    )
                    .map_err(|e| {
                        malformed(format!("issuingDistributionPoint is malformed: {e}"))
                    })?;
                    let (full, relative) = super::certificate::decode_dp_name(
                        idp.distribution_point.as_ref(),
                        &issuer,
                    )
                    .map_err(malformed)?;
                    let mut names = full;
                    names.extend(relative.map(GeneralName::Directory));
                    out.idp = Some(IssuingDistributionPoint {
                        names,
                        only_user_certs: idp.only_contains_user_certs,
                        only_ca_certs: idp.only_contains_ca_certs,
                        only_some_reasons: idp.only_some_reasons.map(|r| r.bits()),
                        indirect: idp.indirect_crl,
                        only_attribute_certs: idp.only_contains_attribute_certs,
                    });
                }
                _ if ext.oid == OID_X509_EXT_DELTA_CRL_INDICATOR => {
                    out.delta_base = Some(
                        integer_content(ext.value)
                            .ok_or_else(|| malformed("bad deltaCRLIndicator".into()))?,
                    )
                }
                ParsedExtension::IssuerAlternativeName(_) => {}
                _ if ext.oid == OID_X509_EXT_FRESHEST_CRL => {} // locations only
                _ => {
                    if ext.critical {
                        out.unknown_critical.push(ext.oid.to_id_string());
                    }
                }
            }
        }
        let mut current_issuer = 0u32;
        for entry in crl.iter_revoked_certificates() {
            let mut reason = RevocationReason::Unspecified;
            let mut invalidity_date = None;
            for ext in entry.extensions() {
                match ext.parsed_extension() {
                    ParsedExtension::ReasonCode(code) => {
                        reason = RevocationReason::from_code(code.0)
                            .ok_or_else(|| malformed(format!("unknown reason code {}", code.0)))?
                    }
                    ParsedExtension::InvalidityDate(t) => {
                        invalidity_date = Some(UnixTime(t.timestamp()))
                    }
                    _ if ext.oid == OID_X509_EXT_ISSUER => {
                        let (_, names) =
                            x509_parser::extensions::SubjectAlternativeName::from_der(ext.value)
                                .map_err(|e| malformed(format!("bad certificateIssuer: {e}")))?;
                        let dn = names.general_names.iter().find_map(|g| {
                            match GeneralName::from_x509(g) {
                                GeneralName::Directory(d) => Some(d),
                                _ => None,
                            }
                        });
                        let dn = dn.ok_or_else(|| {
                            malformed("certificateIssuer names no directory name".into())
                        })?;
                        current_issuer = match out.entry_issuers.iter().position(|d| *d == dn) {
                            Some(i) => i as u32,
                            None => {
                                out.entry_issuers.push(dn);
                                (out.entry_issuers.len() - 1) as u32
                            }
                        };
                    }
                    _ => {
                        // Named only when it matters: formatting an OID allocates.
                        if ext.critical {
                            let oid = ext.oid.to_id_string();
                            if !out.unknown_critical.contains(&oid) {
                                out.unknown_critical.push(oid);
                            }
                        }
                    }
                }
            }
            let record = RevokedEntry {
                revocation_date: UnixTime(entry.revocation_date.timestamp()),
                reason,
                invalidity_date,
            };
            out.entries
                .push(entry.raw_serial(), current_issuer, record)
                .map_err(|_| malformed("too many entries to index".into()))?;
        }
        out.entries.build();
        out.der = der.to_vec();
        out.fingerprint = {
            use sha2::Digest as _;
            sha2::Sha256::digest(der).into()
        };
        Ok(Crl(Arc::new(out)))
    }

    /// Parses every CRL in PEM (several blocks) or DER input.
    ///
    /// # Errors
    /// [`PkiError::Pem`] or [`PkiError::MalformedCrl`].
    pub fn all_from_pem_or_der(input: &[u8]) -> Result<Vec<Self>, PkiError> {
        crate::pem::decode_labelled(input, &["X509 CRL"], "a CRL")?
            .iter()
            .map(|d| Self::from_der(d))
            .collect()
    }

    /// Looks up a certificate by issuer and serial number (content octets of the INTEGER).
    /// For direct CRLs `issuer` is the CRL's issuer; indirect CRLs name other issuers per entry.
    pub fn lookup(&self, issuer: &DistinguishedName, serial: &[u8]) -> Option<&RevokedEntry> {
        self.entries.get(serial, |i| {
            self.entry_issuers.get(i as usize) == Some(issuer)
        })
    }

    /// Whether the signature was already found to verify under `spki` (DER).
    pub(crate) fn verified_by(&self, spki: &[u8]) -> bool {
        use sha2::Digest as _;
        let key: [u8; 32] = sha2::Sha256::digest(spki).into();
        self.verified_by
            .lock()
            .map(|v| v.contains(&key))
            .unwrap_or(false)
    }

    /// Records that the signature verifies under `spki` (DER).
    pub(crate) fn remember_verified_by(&self, spki: &[u8]) {
        use sha2::Digest as _;
        let key: [u8; 32] = sha2::Sha256::digest(spki).into();
        if let Ok(mut v) = self.verified_by.lock()
            && !v.contains(&key)
            && v.len() < 16
        {
            v.push(key);
        }
    }

    /// SHA-256 of the CRL's DER (computed when parsed).
    pub fn fingerprint_sha256(&self) -> [u8; 32] {
        self.fingerprint
    }

    /// The whole CRL, DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }
    /// The signed part, DER.
    pub fn tbs_der(&self) -> &[u8] {
        &self.der[self.tbs.clone()]
    }
    /// The signature algorithm.
    ///
    /// # Errors
    /// [`CryptoError::UnsupportedAlgorithm`] naming the OID.
    pub fn signature_algorithm(&self) -> Result<SignatureAlgorithm, CryptoError> {
        SignatureAlgorithm::from_algorithm_identifier_der(
            &self.der[self.signature_algorithm_der.clone()],
            None,
        )
    }
    /// The signature bits.
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }
    /// The issuer.
    pub fn issuer(&self) -> &DistinguishedName {
        &self.issuer
    }
    /// thisUpdate.
    pub fn this_update(&self) -> UnixTime {
        self.this_update
    }
    /// nextUpdate.
    pub fn next_update(&self) -> Option<UnixTime> {
        self.next_update
    }
    /// cRLNumber (big-endian), if present.
    pub fn number(&self) -> Option<&[u8]> {
        self.number.as_deref()
    }
    /// The cRLNumber in hex, for reports.
    pub fn number_hex(&self) -> Option<String> {
        self.number.as_deref().map(hex)
    }
    /// For a delta CRL, the BaseCRLNumber of the complete CRL it updates.
    pub fn delta_base(&self) -> Option<&[u8]> {
        self.delta_base.as_deref()
    }
    /// The IssuingDistributionPoint, if present.
    pub fn issuing_distribution_point(&self) -> Option<&IssuingDistributionPoint> {
        self.idp.as_ref()
    }
    /// authorityKeyIdentifier keyIdentifier.
    pub fn authority_key_id(&self) -> Option<&[u8]> {
        self.authority_key_id.as_deref()
    }
    /// Critical extensions this crate does not process; such a CRL is not used.
    pub fn unknown_critical(&self) -> &[String] {
        &self.unknown_critical
    }
    /// RFC 5280 §5.2.3 violations: the cRLNumber is missing or critical (strict validation
    /// refuses such CRLs).
    pub fn number_nonconformant(&self) -> bool {
        self.number.is_none() || self.number_critical
    }
    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    /// Whether the CRL revokes nothing.
    pub fn is_empty(&self) -> bool {
        self.entries.len() == 0
    }
}
