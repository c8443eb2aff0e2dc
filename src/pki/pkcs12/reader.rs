//! Reading a PFX: the MAC, the AuthenticatedSafe's parts and their bags, the password forms
//! tried, and the key-derivation work budget (the iteration bounds, what a file announces in
//! the clear and what each derivation is charged).

use der::asn1::SetOfVec;
use der::{Decode, Encode, Tag, Tagged};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attribute;
use zeroize::Zeroizing;

use super::asn1::{
    Content, ContentInfo, ID_ENVELOPED_DATA, ID_PBMAC1, PKCS9_FRIENDLY_NAME, PKCS9_LOCAL_KEY_ID,
    SafeBag, decode_any, for_each_element,
};
use super::scheme::{Pbkdf2, Scheme};
use super::{
    EncryptedPart, EncryptedPartKind, ITERATION_BUDGET, MAX_BAGS, MAX_ITERATIONS,
    MAX_SAFE_CONTENTS_DEPTH, MacInfo, Pkcs12Certificate, Pkcs12Error, Pkcs12PrivateKey, malformed,
    unsupported,
};
use crate::crypto::symmetric::HmacHash;

/// One encoding of the password (see the module documentation, "Passwords").
pub(super) struct PasswordForm {
    /// BMPString with the terminating `00 00`, or the zero-length alternative.
    pub(super) bmp: Zeroizing<Vec<u8>>,
    /// Bytes for PBKDF2.
    pub(super) utf8: Zeroizing<Vec<u8>>,
}

pub(super) fn password_forms(password: &str) -> Vec<PasswordForm> {
    let utf8 = || Zeroizing::new(password.as_bytes().to_vec());
    let mut bmp = Zeroizing::new(Vec::with_capacity(password.len() * 2 + 2));
    for unit in password.encode_utf16() {
        bmp.extend_from_slice(&unit.to_be_bytes());
    }
    bmp.extend_from_slice(&[0, 0]);
    let mut forms = vec![PasswordForm { bmp, utf8: utf8() }];
    if password.is_empty() {
        forms.push(PasswordForm {
            bmp: Zeroizing::new(Vec::new()),
            utf8: utf8(),
        });
    }
    if !password.is_ascii() {
        let mut bmp = Zeroizing::new(Vec::with_capacity(password.len() * 2 + 2));
        for &b in password.as_bytes() {
            bmp.extend_from_slice(&[0, b]);
        }
        bmp.extend_from_slice(&[0, 0]);
        forms.push(PasswordForm { bmp, utf8: utf8() });
    }
    forms
}

pub(super) struct Pkcs12Reader {
    pub(super) forms: Vec<PasswordForm>,
    /// The form that verified the MAC; `None` without a MAC.
    pub(super) mac_form: Option<usize>,
    /// Without a MAC: the form that last decrypted something (tried first next time).
    pub(super) last_good_form: usize,
    pub(super) budget: u64,
    pub(super) bags: usize,
    pub(super) mac: Option<MacInfo>,
    pub(super) encrypted_parts: Vec<EncryptedPart>,
    pub(super) certificates: Vec<Pkcs12Certificate>,
    pub(super) private_keys: Vec<Pkcs12PrivateKey>,
    pub(super) skipped_bags: usize,
}

impl Pkcs12Reader {
    pub(super) fn new(password: &str) -> Self {
        Self {
            forms: password_forms(password),
            mac_form: None,
            last_good_form: 0,
            budget: ITERATION_BUDGET,
            bags: 0,
            mac: None,
            encrypted_parts: Vec::new(),
            certificates: Vec::new(),
            private_keys: Vec::new(),
            skipped_bags: 0,
        }
    }

    /// Verifies the MAC (RFC 7292 §5) over the authSafe contents and fixes the password form.
    pub(super) fn verify_mac(
        &mut self,
        mac_data: &pkcs12::MacData,
        auth_safe: &[u8],
    ) -> Result<(), Pkcs12Error> {
        let alg = &mac_data.mac.algorithm;
        if alg.oid == ID_PBMAC1 {
            return self.verify_pbmac1(alg, mac_data.mac.digest.as_bytes(), auth_safe);
        }
        let hash = HmacHash::from_digest_oid(&alg.oid)
            .ok_or_else(|| unsupported(&alg.oid, "MAC digest algorithm"))?;
        let iterations = check_iterations(i64::from(mac_data.iterations), "MAC")?;
        let expected = mac_data.mac.digest.as_bytes();
        if expected.len() != hash.output_len() {
            return Err(malformed(format!(
                "the MAC value is {} bytes long, HMAC-{} gives {}",
                expected.len(),
                hash.name(),
                hash.output_len()
            )));
        }
        let salt = mac_data.mac_salt.as_bytes();
        self.mac = Some(MacInfo {
            algorithm: format!("HMAC-{}", hash.name()),
            iterations,
        });
        let mut tried: Vec<&[u8]> = Vec::new();
        for (i, form) in self.forms.iter().enumerate() {
            // The GOST MAC key comes from PBKDF2 over the UTF-8 password (RFC 9548 §5).
            let secret = if hash.is_gost() {
                &form.utf8
            } else {
                &form.bmp
            };
            if tried.contains(&secret.as_slice()) {
                continue;
            }
            tried.push(secret);
            charge(&mut self.budget, iterations, hash.mac_key_blocks())?;
            if hash.verify_pkcs12_mac(secret, salt, iterations, auth_safe, expected) {
                self.mac_form = Some(i);
                return Ok(());
            }
        }
        Err(Pkcs12Error::WrongPassword)
    }

    /// Verifies a PBMAC1 MAC ([RFC 9579]): HMAC keyed by PBKDF2 over the password's UTF-8
    /// bytes; the MacData's macSalt and iterations are ignored, as the RFC says.
    ///
    /// [RFC 9579]: https://www.rfc-editor.org/rfc/rfc9579
    fn verify_pbmac1(
        &mut self,
        alg: &AlgorithmIdentifierOwned,
        expected: &[u8],
        auth_safe: &[u8],
    ) -> Result<(), Pkcs12Error> {
        let params = alg
            .parameters
            .as_ref()
            .ok_or_else(|| malformed("PBMAC1 has no parameters"))?;
        // PBMAC1-params has the shape of PBES2-params: keyDerivationFunc, messageAuthScheme.
        let params: pkcs12::pbe_params::Pbes2Params = decode_any(params, "PBMAC1 parameters")?;
        let kdf = Pbkdf2::parse(&params.kdf, "PBMAC1")?;
        let mac_hash = HmacHash::from_hmac_oid(&params.encryption.oid)
            .ok_or_else(|| unsupported(&params.encryption.oid, "PBMAC1 MAC algorithm"))?;
        // RFC 9579 requires keyLength; bound it (it sets the PBKDF2 work).
        let key_len = kdf
            .key_length
            .ok_or_else(|| malformed("PBMAC1's PBKDF2 parameters have no keyLength"))?;
        if !(1..=64).contains(&key_len) {
            return Err(malformed(format!(
                "PBMAC1 keyLength {key_len} is outside 1..=64"
            )));
        }
        if expected.len() != mac_hash.output_len() {
            return Err(malformed(format!(
                "the MAC value is {} bytes long, HMAC-{} gives {}",
                expected.len(),
                mac_hash.name(),
                mac_hash.output_len()
            )));
        }
        self.mac = Some(MacInfo {
            algorithm: format!(
                "PBMAC1 PBKDF2-HMAC-{} HMAC-{}",
                kdf.prf.name(),
                mac_hash.name()
            ),
            iterations: kdf.iterations,
        });
        let blocks = key_len.div_ceil(kdf.prf.output_len());
        let mut tried: Vec<&[u8]> = Vec::new();
        for (i, form) in self.forms.iter().enumerate() {
            if tried.contains(&form.utf8.as_slice()) {
                continue;
            }
            tried.push(&form.utf8);
            charge(&mut self.budget, kdf.iterations, blocks)?;
            let mut key = Zeroizing::new(vec![0u8; key_len]);
            kdf.prf
                .pbkdf2(&form.utf8, &kdf.salt, kdf.iterations, &mut key);
            if mac_hash.hmac_verify(&key, auth_safe, expected) {
                self.mac_form = Some(i);
                return Ok(());
            }
        }
        Err(Pkcs12Error::WrongPassword)
    }

    /// Reads one ContentInfo of the AuthenticatedSafe.
    pub(super) fn read_part(&mut self, ci: ContentInfo, index: usize) -> Result<(), Pkcs12Error> {
        match ci.content {
            Content::Data(data) => self.read_safe_contents(data.as_bytes(), 1),
            Content::EncryptedData(ed) => {
                let eci = &ed.enc_content_info;
                let ciphertext = eci.encrypted_content.as_ref().ok_or_else(|| {
                    malformed(format!(
                        "the encryptedData of AuthenticatedSafe part {index} has no \
                         encryptedContent"
                    ))
                })?;
                let plain = self.decrypt(
                    &eci.content_enc_alg,
                    ciphertext.as_bytes(),
                    EncryptedPartKind::SafeContents,
                    safe_contents_shape_ok,
                )?;
                // The bags just revealed announce their work: refuse before deriving any.
                check_announced(announced_in_safe_contents(&plain, 1, &mut 0), self.budget)?;
                self.read_safe_contents(&plain, 1)
            }
            Content::Other if ci.content_type == ID_ENVELOPED_DATA => Err(unsupported(
                &ID_ENVELOPED_DATA,
                "privacy mode (public-key envelopedData)",
            )),
            Content::Other => Err(unsupported(
                &ci.content_type,
                "AuthenticatedSafe content type",
            )),
        }
    }

    fn read_safe_contents(&mut self, bytes: &[u8], depth: usize) -> Result<(), Pkcs12Error> {
        if depth > MAX_SAFE_CONTENTS_DEPTH {
            return Err(Pkcs12Error::LimitExceeded {
                what: "safeContentsBag nesting (at most 3 levels of SafeContents)",
            });
        }
        for_each_element(bytes, "a SafeContents", |r| {
            self.bags += 1;
            if self.bags > MAX_BAGS {
                return Err(Pkcs12Error::LimitExceeded {
                    what: "bags (at most 1,000)",
                });
            }
            let n = self.bags;
            let bag = SafeBag::decode(r)
                .map_err(|e| malformed(format!("SafeBag {n} cannot be decoded: {e}")))?;
            self.read_bag(bag, depth)
        })
    }

    fn read_bag(&mut self, bag: SafeBag, depth: usize) -> Result<(), Pkcs12Error> {
        let n = self.bags;
        let (friendly_name, local_key_id) = bag_attributes(bag.bag_attributes.as_ref());
        match bag.bag_id {
            pkcs12::PKCS_12_KEY_BAG_OID => {
                let der = Zeroizing::new(
                    bag.bag_value
                        .to_der()
                        .map_err(|e| malformed(format!("keyBag {n} cannot be read: {e}")))?,
                );
                if !pkcs8_shape_ok(&der) {
                    return Err(malformed(format!(
                        "keyBag {n} does not hold a DER PKCS#8 private key"
                    )));
                }
                self.private_keys.push(Pkcs12PrivateKey {
                    pkcs8_der: der,
                    friendly_name,
                    local_key_id,
                    shrouded: false,
                });
            }
            pkcs12::PKCS_12_PKCS8_KEY_BAG_OID => {
                let what = format!("pkcs8ShroudedKeyBag {n}");
                let epki: pkcs12::pbe_params::EncryptedPrivateKeyInfo =
                    decode_any(&bag.bag_value, &what)?;
                let der = self.decrypt(
                    &epki.encryption_algorithm,
                    epki.encrypted_data.as_bytes(),
                    EncryptedPartKind::ShroudedKeyBag,
                    pkcs8_shape_ok,
                )?;
                self.private_keys.push(Pkcs12PrivateKey {
                    pkcs8_der: der,
                    friendly_name,
                    local_key_id,
                    shrouded: true,
                });
            }
            pkcs12::PKCS_12_CERT_BAG_OID => {
                let what = format!("certBag {n}");
                let cert_bag: pkcs12::CertBag = decode_any(&bag.bag_value, &what)?;
                if cert_bag.cert_id != pkcs12::PKCS_12_X509_CERT_OID {
                    self.skipped_bags += 1;
                    return Ok(());
                }
                let der = cert_bag.cert_value.as_bytes();
                let is_sequence =
                    der::AnyRef::from_der(der).is_ok_and(|a| a.tag() == Tag::Sequence);
                if !is_sequence {
                    return Err(malformed(format!("{what} does not hold a DER certificate")));
                }
                self.certificates.push(Pkcs12Certificate {
                    der: der.to_vec(),
                    friendly_name,
                    local_key_id,
                });
            }
            pkcs12::PKCS_12_SAFE_CONTENTS_BAG_OID => {
                let inner = bag
                    .bag_value
                    .to_der()
                    .map_err(|e| malformed(format!("safeContentsBag {n} cannot be read: {e}")))?;
                self.read_safe_contents(&inner, depth + 1)?;
            }
            _ => self.skipped_bags += 1,
        }
        Ok(())
    }

    /// Decrypts one encrypted part, trying the password forms (see "Passwords" in the module
    /// documentation); `valid` checks the plaintext's structure.
    pub(super) fn decrypt(
        &mut self,
        alg: &AlgorithmIdentifierOwned,
        ciphertext: &[u8],
        part: EncryptedPartKind,
        valid: impl Fn(&[u8]) -> bool,
    ) -> Result<Zeroizing<Vec<u8>>, Pkcs12Error> {
        let scheme = Scheme::parse(alg)?;
        scheme.check_ciphertext(ciphertext, part)?;
        let order: Vec<usize> = match self.mac_form {
            Some(i) => vec![i],
            None => core::iter::once(self.last_good_form)
                .chain((0..self.forms.len()).filter(|&i| i != self.last_good_form))
                .collect(),
        };
        let mut tried: Vec<&[u8]> = Vec::new();
        let mut result = None;
        for i in order {
            let Some(form) = self.forms.get(i) else {
                continue;
            };
            let secret: &[u8] = if scheme.uses_bmp_password() {
                &form.bmp
            } else {
                &form.utf8
            };
            if tried.contains(&secret) {
                continue;
            }
            tried.push(secret);
            if let Some(plain) = scheme.decrypt(secret, ciphertext, &mut self.budget)?
                && valid(&plain)
            {
                result = Some((i, plain));
                break;
            }
        }
        let Some((i, plain)) = result else {
            return Err(if self.mac_form.is_some() {
                malformed(format!(
                    "the {part} does not decrypt with the password that verified the MAC"
                ))
            } else {
                Pkcs12Error::WrongPassword
            });
        };
        self.last_good_form = i;
        self.encrypted_parts.push(EncryptedPart {
            part,
            algorithm: scheme.name(),
            iterations: scheme.iterations(),
        });
        Ok(plain)
    }
}

/// Whether decrypted bytes are a SafeContents: a SEQUENCE OF SafeBag.
pub(super) fn safe_contents_shape_ok(plain: &[u8]) -> bool {
    for_each_element(plain, "the plaintext", |r| {
        SafeBag::decode(r)
            .map(drop)
            .map_err(|_| Pkcs12Error::WrongPassword)
    })
    .is_ok()
}

/// Whether decrypted bytes are a DER PKCS#8 private key.
pub(super) fn pkcs8_shape_ok(plain: &[u8]) -> bool {
    pkcs8::PrivateKeyInfoRef::from_der(plain).is_ok()
}

/// friendlyName and localKeyId from a bag's attributes (first value of each; others ignored).
/// The name is read from a BMPString (or, leniently, a UTF8String); trailing NULs are dropped.
pub(super) fn bag_attributes(
    attrs: Option<&SetOfVec<Attribute>>,
) -> (Option<String>, Option<Vec<u8>>) {
    let mut friendly_name = None;
    let mut local_key_id = None;
    for attr in attrs.into_iter().flat_map(|a| a.iter()) {
        let Some(value) = attr.values.iter().next() else {
            continue;
        };
        match attr.oid {
            PKCS9_FRIENDLY_NAME if friendly_name.is_none() => {
                friendly_name = match value.tag() {
                    Tag::BmpString => {
                        let units: Vec<u16> = value
                            .value()
                            .chunks(2)
                            .map(|c| match c {
                                [hi, lo] => u16::from_be_bytes([*hi, *lo]),
                                _ => 0xFFFD,
                            })
                            .collect();
                        Some(String::from_utf16_lossy(&units))
                    }
                    Tag::Utf8String => Some(String::from_utf8_lossy(value.value()).into_owned()),
                    _ => None,
                };
            }
            PKCS9_LOCAL_KEY_ID if local_key_id.is_none() && value.tag() == Tag::OctetString => {
                local_key_id = Some(value.value().to_vec());
            }
            _ => {}
        }
    }
    // Some producers (Windows, for one) count the BMPString's terminating NUL as part of the name.
    if let Some(name) = &mut friendly_name {
        let trimmed = name.trim_end_matches('\0').len();
        name.truncate(trimmed);
    }
    (friendly_name, local_key_id)
}

pub(super) fn check_iterations(n: i64, what: &str) -> Result<u32, Pkcs12Error> {
    if n < 1 {
        return Err(malformed(format!(
            "the {what} iteration count {n} is not positive"
        )));
    }
    u32::try_from(n)
        .ok()
        .filter(|&n| n <= MAX_ITERATIONS)
        .ok_or(Pkcs12Error::LimitExceeded {
            what: "iteration count (at most 10,000,000)",
        })
}

pub(super) fn check_iterations_u64(n: u64, what: &str) -> Result<u32, Pkcs12Error> {
    check_iterations(i64::try_from(n).unwrap_or(i64::MAX), what)
}

/// The bound [`ITERATION_BUDGET`] names in [`Pkcs12Error::LimitExceeded`].
const BUDGET_EXCEEDED: Pkcs12Error = Pkcs12Error::LimitExceeded {
    what: "key-derivation work (at most 20,000,000 iterations per file)",
};

/// Takes `iterations × blocks` from the budget.
pub(super) fn charge(budget: &mut u64, iterations: u32, blocks: usize) -> Result<(), Pkcs12Error> {
    take(
        budget,
        u64::from(iterations).saturating_mul(u64::try_from(blocks).unwrap_or(u64::MAX)),
    )
}

/// Takes `cost` iterations from the budget.
pub(super) fn take(budget: &mut u64, cost: u64) -> Result<(), Pkcs12Error> {
    *budget = budget.checked_sub(cost).ok_or(BUDGET_EXCEEDED)?;
    Ok(())
}

/// Refuses, before any key is derived, work announced in the clear that the budget cannot
/// cover: a file of 20 bags at 10,000,000 iterations each is refused at once, not after two of
/// them have been derived.
pub(super) fn check_announced(announced: u64, budget: u64) -> Result<(), Pkcs12Error> {
    if announced > budget {
        Err(BUDGET_EXCEEDED)
    } else {
        Ok(())
    }
}

/// The key-derivation work a SafeContents announces before anything in it is decrypted: one
/// attempt (one password form) for each pkcs8ShroudedKeyBag, through plain safeContentsBags. A
/// lower bound of the work to come; what cannot be decoded counts nothing here (reading it
/// reports the error).
pub(super) fn announced_in_safe_contents(bytes: &[u8], depth: usize, bags: &mut usize) -> u64 {
    if depth > MAX_SAFE_CONTENTS_DEPTH {
        return 0;
    }
    let mut total = 0u64;
    let _ = for_each_element(bytes, "a SafeContents", |r| {
        *bags += 1;
        if *bags > MAX_BAGS {
            return Err(malformed("too many bags"));
        }
        let bag = SafeBag::decode(r).map_err(|_| malformed("undecodable bag"))?;
        match bag.bag_id {
            pkcs12::PKCS_12_PKCS8_KEY_BAG_OID => {
                let epki: Option<pkcs12::pbe_params::EncryptedPrivateKeyInfo> =
                    decode_any(&bag.bag_value, "").ok();
                if let Some(scheme) = epki.and_then(|e| Scheme::parse(&e.encryption_algorithm).ok())
                {
                    total = total.saturating_add(scheme.cost());
                }
            }
            pkcs12::PKCS_12_SAFE_CONTENTS_BAG_OID => {
                if let Ok(inner) = bag.bag_value.to_der() {
                    total =
                        total.saturating_add(announced_in_safe_contents(&inner, depth + 1, bags));
                }
            }
            _ => {}
        }
        Ok(())
    });
    total
}

/// The key-derivation work a file announces in the clear: the MAC's, each encrypted part's and
/// each shroudedKeyBag of the plain parts (one password form each).
pub(super) fn announced_in_file(mac_data: Option<&pkcs12::MacData>, auth_safe: &[u8]) -> u64 {
    let mut total = mac_data.map_or(0, mac_cost);
    let mut bags = 0usize;
    let mut parts = 0usize;
    let _ = for_each_element(auth_safe, "the AuthenticatedSafe", |r| {
        parts += 1;
        if parts > MAX_BAGS {
            return Err(malformed("too many parts"));
        }
        let ci = ContentInfo::decode(r).map_err(|_| malformed("undecodable part"))?;
        let work = match ci.content {
            Content::Data(data) => announced_in_safe_contents(data.as_bytes(), 1, &mut bags),
            Content::EncryptedData(ed) => Scheme::parse(&ed.enc_content_info.content_enc_alg)
                .map_or(0, |scheme| scheme.cost()),
            Content::Other => 0,
        };
        total = total.saturating_add(work);
        Ok(())
    });
    total
}

/// The MAC key derivation's work (one password form), 0 when its parameters do not parse.
pub(super) fn mac_cost(mac_data: &pkcs12::MacData) -> u64 {
    let alg = &mac_data.mac.algorithm;
    if alg.oid != ID_PBMAC1 {
        let blocks = HmacHash::from_digest_oid(&alg.oid).map_or(1, HmacHash::mac_key_blocks);
        return u64::from(mac_data.iterations.max(0).unsigned_abs()).saturating_mul(blocks as u64);
    }
    let params = alg
        .parameters
        .as_ref()
        .and_then(|p| decode_any::<pkcs12::pbe_params::Pbes2Params>(p, "").ok());
    let Some(kdf) = params.and_then(|p| Pbkdf2::parse(&p.kdf, "PBMAC1").ok()) else {
        return 0;
    };
    let blocks = kdf
        .key_length
        .unwrap_or(0)
        .clamp(1, 64)
        .div_ceil(kdf.prf.output_len());
    u64::from(kdf.iterations).saturating_mul(blocks as u64)
}
