//! Certificate revocation lists (RFC 5280 §5), parsed once and indexed by serial number so a
//! lookup costs one hash probe whatever the CRL's size.

use core::ops::Range;
use std::sync::Arc;

use super::certificate::{algorithm_identifier, general_names, read_extensions};
use super::error::PkiError;
use super::name::{DistinguishedName, GeneralName};
use super::serial_index::SerialIndex;
use super::time::UnixTime;
use crate::crypto::{CryptoError, SignatureAlgorithm};
use crate::der_util::{self, BIT_STRING, DerError, INTEGER, Reader, SEQUENCE, Tlv, cons, hex};

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
    pub(crate) fn from_code(code: u8) -> Option<Self> {
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

/// The contents of the INTEGER an extension value holds.
fn integer_content(value: &[u8]) -> Option<Vec<u8>> {
    let mut r = Reader::der(value);
    let int = r.expect(INTEGER, "INTEGER").ok()?;
    r.finish("INTEGER").ok()?;
    Some(int.value.to_vec())
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
        parse_crl(der).map_err(malformed)
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

/// The structure of a CertificateList (RFC 5280 §5.1), in DER, indexed as it is read.
fn parse_crl(der: &[u8]) -> Result<Crl, String> {
    let bad = |e: DerError| format!("not a DER CRL: {e}");
    let mut top = Reader::der(der);
    let list = top.expect(SEQUENCE, "CertificateList").map_err(bad)?;
    if !top.is_empty() {
        return Err("trailing data after the CRL".into());
    }
    let mut c = top.enter(&list);
    let tbs = c.expect(SEQUENCE, "tbsCertList").map_err(bad)?;
    let outer_alg = c.expect(SEQUENCE, "signatureAlgorithm").map_err(bad)?;
    algorithm_identifier(&outer_alg, &c).map_err(bad)?;
    let signature = c.expect(BIT_STRING, "signatureValue").map_err(bad)?;
    let signature = der_util::bit_string(signature.value, "signatureValue").map_err(bad)?;
    c.finish("CertificateList").map_err(bad)?;

    let mut t = c.enter(&tbs);
    if let Some(version) = t.optional(INTEGER, "version").map_err(bad)? {
        der_util::der_u32(&version, INTEGER, "version").map_err(bad)?;
    }
    let inner_alg = t.expect(SEQUENCE, "signature").map_err(bad)?;
    if inner_alg.raw != outer_alg.raw {
        return Err("signature algorithm differs inside and outside tbsCertList".into());
    }
    let issuer = t.expect(SEQUENCE, "issuer").map_err(bad)?;
    let issuer = DistinguishedName::decode(&issuer, &t).map_err(bad)?;
    fn time(tlv: &Tlv<'_>, what: &str) -> Result<UnixTime, String> {
        der_util::x509_time(tlv).map_err(|e| format!("bad {what}: {e}"))
    }
    let this_update = time(&t.any("thisUpdate").map_err(bad)?, "thisUpdate")?;
    let next_update = match t.peek_tag() {
        Some(der_util::UTC_TIME | der_util::GENERALIZED_TIME) => {
            Some(time(&t.any("nextUpdate").map_err(bad)?, "nextUpdate")?)
        }
        _ => None,
    };
    let revoked = t.optional(SEQUENCE, "revokedCertificates").map_err(bad)?;
    let extensions = match t.optional(cons(0), "crlExtensions").map_err(bad)? {
        Some(wrapper) => {
            let mut w = t.enter(&wrapper);
            let list = w.expect(SEQUENCE, "crlExtensions").map_err(bad)?;
            w.finish("crlExtensions").map_err(bad)?;
            read_extensions(&list, &w).map_err(bad)?
        }
        None => Vec::new(),
    };
    t.finish("tbsCertList").map_err(bad)?;

    // Serials are at most 20 octets (RFC 5280 §4.1.2.2), usually 16–20, and an entry with
    // such a serial takes 30 to 40 octets of DER: room for the entries without regrowing.
    let revoked_len = revoked.map_or(0, |r| r.value.len());
    let mut out = CrlData {
        der: Vec::new(),
        fingerprint: [0; 32],
        verified_by: Default::default(),
        tbs: tbs.range(),
        signature_algorithm_der: outer_alg.range(),
        signature: signature.to_vec(),
        issuer: issuer.clone(),
        this_update,
        next_update,
        number: None,
        delta_base: None,
        idp: None,
        authority_key_id: None,
        entry_issuers: vec![issuer.clone()],
        entries: SerialIndex::with_capacity(revoked_len / 24, revoked_len * 3 / 4),
        unknown_critical: Vec::new(),
        number_critical: false,
    };
    for ext in &extensions {
        let oid = ext.oid.as_str();
        let malformed_ext = |e: DerError| format!("{oid} is malformed: {e}");
        match oid {
            // cRLNumber
            "2.5.29.20" => {
                let mut r = Reader::der(ext.value);
                let n = r.expect(INTEGER, "cRLNumber").map_err(malformed_ext)?;
                r.finish("cRLNumber").map_err(malformed_ext)?;
                if n.value.is_empty() || n.value[0] & 0x80 != 0 {
                    return Err("cRLNumber is not a non-negative INTEGER".into());
                }
                out.number = Some(der_util::uint_digits(n.value).to_vec());
                out.number_critical = ext.critical;
            }
            "2.5.29.35" => {
                let mut r = Reader::der(ext.value);
                let seq = r
                    .expect(SEQUENCE, "authorityKeyIdentifier")
                    .map_err(malformed_ext)?;
                r.finish("authorityKeyIdentifier").map_err(malformed_ext)?;
                out.authority_key_id = r
                    .enter(&seq)
                    .optional(der_util::prim(0), "keyIdentifier")
                    .map_err(malformed_ext)?
                    .map(|k| k.value.to_vec());
            }
            // issuingDistributionPoint
            "2.5.29.28" => out.idp = Some(issuing_distribution_point(ext.value, &issuer)?),
            // deltaCRLIndicator
            "2.5.29.27" => {
                out.delta_base = Some(
                    integer_content(ext.value).ok_or_else(|| "bad deltaCRLIndicator".to_owned())?,
                )
            }
            // issuerAltName; freshestCRL (locations only)
            "2.5.29.18" | "2.5.29.46" => {}
            _ => {
                if ext.critical {
                    out.unknown_critical.push(oid.to_owned());
                }
            }
        }
    }
    let mut current_issuer = 0u32;
    if let Some(revoked) = revoked {
        let mut entries = t.enter(&revoked);
        while !entries.is_empty() {
            let entry = entries.expect(SEQUENCE, "revoked entry").map_err(bad)?;
            let mut f = entries.enter(&entry);
            let serial = f.expect(INTEGER, "userCertificate").map_err(bad)?;
            let revocation_date = time(&f.any("revocationDate").map_err(bad)?, "revocationDate")?;
            let mut reason = RevocationReason::Unspecified;
            let mut invalidity_date = None;
            if let Some(list) = f.optional(SEQUENCE, "crlEntryExtensions").map_err(bad)? {
                for ext in read_extensions(&list, &f).map_err(bad)? {
                    let malformed_ext = |e: DerError| format!("{} is malformed: {e}", ext.oid);
                    match ext.oid.as_str() {
                        // reasonCode
                        "2.5.29.21" => {
                            let mut r = Reader::der(ext.value);
                            let code = r
                                .expect(der_util::ENUMERATED, "reasonCode")
                                .map_err(malformed_ext)?;
                            r.finish("reasonCode").map_err(malformed_ext)?;
                            let code = der_util::der_u32(&code, der_util::ENUMERATED, "reasonCode")
                                .map_err(malformed_ext)?;
                            reason = u8::try_from(code)
                                .ok()
                                .and_then(RevocationReason::from_code)
                                .ok_or_else(|| format!("unknown reason code {code}"))?;
                        }
                        // invalidityDate
                        "2.5.29.24" => {
                            let mut r = Reader::der(ext.value);
                            let date = r
                                .expect(der_util::GENERALIZED_TIME, "invalidityDate")
                                .map_err(malformed_ext)?;
                            r.finish("invalidityDate").map_err(malformed_ext)?;
                            invalidity_date = Some(time(&date, "invalidityDate")?);
                        }
                        // certificateIssuer
                        "2.5.29.29" => {
                            let names = general_names(ext.value, "certificateIssuer")
                                .map_err(|e| format!("bad certificateIssuer: {e}"))?;
                            let dn = names.into_iter().find_map(|g| match g {
                                GeneralName::Directory(d) => Some(d),
                                _ => None,
                            });
                            let dn = dn.ok_or_else(|| {
                                "certificateIssuer names no directory name".to_owned()
                            })?;
                            current_issuer = match out.entry_issuers.iter().position(|d| *d == dn) {
                                Some(i) => i as u32,
                                None => {
                                    out.entry_issuers.push(dn);
                                    (out.entry_issuers.len() - 1) as u32
                                }
                            };
                        }
                        oid => {
                            if ext.critical && !out.unknown_critical.iter().any(|o| o == oid) {
                                out.unknown_critical.push(oid.to_owned());
                            }
                        }
                    }
                }
            }
            f.finish("revoked entry").map_err(bad)?;
            let record = RevokedEntry {
                revocation_date,
                reason,
                invalidity_date,
            };
            out.entries
                .push(serial.value, current_issuer, record)
                .map_err(|_| "too many entries to index".to_owned())?;
        }
    }
    out.entries.build();
    out.der = der.to_vec();
    out.fingerprint = {
        use sha2::Digest as _;
        sha2::Sha256::digest(der).into()
    };
    Ok(Crl(Arc::new(out)))
}

/// Decodes an IssuingDistributionPoint extension value (RFC 5280 §5.2.5).
fn issuing_distribution_point(
    value: &[u8],
    issuer: &DistinguishedName,
) -> Result<IssuingDistributionPoint, String> {
    let bad = |e: DerError| format!("issuingDistributionPoint is malformed: {e}");
    let mut r = Reader::der(value);
    let seq = r
        .expect(SEQUENCE, "issuingDistributionPoint")
        .map_err(bad)?;
    r.finish("issuingDistributionPoint").map_err(bad)?;
    let mut f = r.enter(&seq);
    let mut idp = IssuingDistributionPoint::default();
    if let Some(wrapper) = f.optional(cons(0), "distributionPoint").map_err(bad)? {
        let mut w = f.enter(&wrapper);
        let name = w.any("DistributionPointName").map_err(bad)?;
        w.finish("distributionPoint").map_err(bad)?;
        let (full, relative) = super::certificate::decode_dp_name(&name, &w, issuer)?;
        idp.names = full;
        idp.names.extend(relative.map(GeneralName::Directory));
    }
    let mut flag = |n: u8, what: &str| -> Result<bool, String> {
        match f.optional(der_util::prim(n), what).map_err(bad)? {
            Some(b) => der_util::der_bool(&b, what).map_err(bad),
            None => Ok(false),
        }
    };
    idp.only_user_certs = flag(1, "onlyContainsUserCerts")?;
    idp.only_ca_certs = flag(2, "onlyContainsCACerts")?;
    if let Some(reasons) = f
        .optional(der_util::prim(3), "onlySomeReasons")
        .map_err(bad)?
    {
        idp.only_some_reasons = Some(super::certificate::reason_flags(
            &reasons,
            "onlySomeReasons",
        )?);
    }
    let mut flag = |n: u8, what: &str| -> Result<bool, String> {
        match f.optional(der_util::prim(n), what).map_err(bad)? {
            Some(b) => der_util::der_bool(&b, what).map_err(bad),
            None => Ok(false),
        }
    };
    idp.indirect = flag(4, "indirectCRL")?;
    idp.only_attribute_certs = flag(5, "onlyContainsAttributeCerts")?;
    f.finish("issuingDistributionPoint").map_err(bad)?;
    Ok(idp)
}
