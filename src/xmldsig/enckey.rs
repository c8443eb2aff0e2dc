//! HMAC keys carried encrypted in a signature's KeyInfo (XML Encryption 1.1 §3.5.1
//! `xenc:EncryptedKey`, and xmlsec's ML-KEM `as:EncapsulationMechanism`), decrypted with a
//! key-decryption key the caller gives ([`KeyDecryptionKey`]).
//!
//! The document only carries the wrapped key and names the algorithm; the key that unwraps it
//! always comes from the caller, so a key never comes from the document alone.
//!
//! | EncryptionMethod | what it is |
//! |---|---|
//! | `xmlenc#kw-aes128`, `#kw-aes192`, `#kw-aes256` | RFC 3394 AES key wrap |
//! | `xmlenc#kw-tripledes` | CMS triple-DES key wrap (RFC 3217, XML Encryption §5.6.2) |
//! | `xmlenc#rsa-1_5` | RSAES-PKCS1-v1_5 key transport |
//! | `xmlenc#rsa-oaep-mgf1p`, `xmlenc11#rsa-oaep` | RSAES-OAEP (DigestMethod SHA-1 … SHA-512, MGF1 with SHA-1 or as `xenc11:MGF` says, OAEPparams as the label) |
//! | xmlsec's `xmldsig-more#ml-kem-512`, `-768`, `-1024` | ML-KEM decapsulation (FIPS 203): the shared secret is the key (feature `extra-algorithms`; without it refused as unsupported) |

use std::fmt;

use der::Decode;
use thiserror::Error;
use zeroize::Zeroizing;

use super::tree::{Document, NodeId};
use super::verify::{DSIG_NS, XMLSEC_MORE_NS, decode_base64};
use crate::crypto::HashAlgorithm;
use crate::crypto::keywrap;

/// The XML Encryption namespace (`EncryptedKey`, `CipherData`, `OAEPparams`).
pub const XENC_NS: &str = "http://www.w3.org/2001/04/xmlenc#";
/// The XML Encryption 1.1 namespace (`rsa-oaep`, `MGF`).
const XENC11_NS: &str = "http://www.w3.org/2009/xmlenc11#";

const KW_AES128: &str = "http://www.w3.org/2001/04/xmlenc#kw-aes128";
const KW_AES192: &str = "http://www.w3.org/2001/04/xmlenc#kw-aes192";
const KW_AES256: &str = "http://www.w3.org/2001/04/xmlenc#kw-aes256";
const KW_TRIPLEDES: &str = "http://www.w3.org/2001/04/xmlenc#kw-tripledes";
const RSA_1_5: &str = "http://www.w3.org/2001/04/xmlenc#rsa-1_5";
const RSA_OAEP_MGF1P: &str = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";
const RSA_OAEP_11: &str = "http://www.w3.org/2009/xmlenc11#rsa-oaep";
const ML_KEM_512: &str = "http://www.aleksey.com/xmlsec/2025/12/xmldsig-more#ml-kem-512";
const ML_KEM_768: &str = "http://www.aleksey.com/xmlsec/2025/12/xmldsig-more#ml-kem-768";
const ML_KEM_1024: &str = "http://www.aleksey.com/xmlsec/2025/12/xmldsig-more#ml-kem-1024";

const OID_RSA: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_ML_KEM_512: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.4.1");
const OID_ML_KEM_768: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.4.2");
const OID_ML_KEM_1024: der::oid::ObjectIdentifier =
    der::oid::ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.4.3");

/// Largest CipherValue read (bytes): an ML-KEM-1024 ciphertext is 1568, an RSA-16384 one 2048.
const MAX_CIPHER_LEN: usize = 4096;

/// Why a key could not be loaded, or an encrypted key not decrypted.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyDecryptionError {
    /// The key-decryption key is not one signflow can use (malformed, or of another kind).
    #[error("not a usable key-decryption key: {0}")]
    InvalidKey(String),
    /// The EncryptionMethod (or its digest / MGF) is not supported.
    #[error("unsupported key encryption algorithm {0}")]
    UnsupportedAlgorithm(String),
    /// The EncryptedKey (or EncapsulationMechanism) is malformed.
    #[error("malformed {0}")]
    Malformed(&'static str),
    /// None of the caller's keys fits the algorithm (and the KeyName, when there is one).
    #[error("no key-decryption key given for {0}")]
    NoMatchingKey(String),
    /// Decryption failed: the key is not the one the key was encrypted for, or the encrypted
    /// key was altered.
    #[error("decryption failed with {algorithm} (wrong key or altered ciphertext)")]
    DecryptionFailed {
        /// The EncryptionMethod URI.
        algorithm: String,
    },
}

/// A key that decrypts the HMAC key a signature carries in KeyInfo as an `xenc:EncryptedKey`
/// (or xmlsec's ML-KEM `EncapsulationMechanism`): a symmetric key-encryption key (AES key wrap,
/// triple-DES key wrap), an RSA private key (PKCS#1 v1.5, OAEP) or an ML-KEM decapsulation
/// key. Bound to a KeyName with [`KeyDecryptionKey::with_name`], it only opens an encrypted
/// key whose KeyInfo names it; unnamed, it is tried on every encrypted key of its kind.
///
/// Give it in [`super::VerifyOptions::key_decryption`]. The key bytes are cleared when
/// dropped and never printed.
///
/// # Example
/// ```
/// use signflow::xmldsig::{KeyDecryptionKey, VerifyOptions};
/// use signflow::pki::UnixTime;
///
/// let mut options = VerifyOptions::at(UnixTime::from_utc(2026, 1, 1, 0, 0, 0));
/// // An AES-128 key-encryption key, used for EncryptedKeys whose KeyInfo says <KeyName>job</KeyName>.
/// options
///     .key_decryption
///     .push(KeyDecryptionKey::symmetric(*b"abcdefghijklmnop").with_name("job"));
/// assert_eq!(options.key_decryption[0].name(), Some("job"));
/// // A PKCS#8 that is no key is refused.
/// assert!(KeyDecryptionKey::from_pkcs8_der(b"not a key").is_err());
/// ```
#[derive(Clone)]
pub struct KeyDecryptionKey {
    name: Option<String>,
    kind: Kind,
}

#[derive(Clone)]
enum Kind {
    Symmetric(Zeroizing<Vec<u8>>),
    Rsa(Box<rsa::RsaPrivateKey>),
    #[cfg(feature = "extra-algorithms")]
    MlKem512(Box<ml_kem::DecapsulationKey<ml_kem::MlKem512>>),
    #[cfg(feature = "extra-algorithms")]
    MlKem768(Box<ml_kem::DecapsulationKey<ml_kem::MlKem768>>),
    #[cfg(feature = "extra-algorithms")]
    MlKem1024(Box<ml_kem::DecapsulationKey<ml_kem::MlKem1024>>),
}

impl Kind {
    fn label(&self) -> String {
        match self {
            Self::Symmetric(k) => format!("symmetric, {} bytes", k.len()),
            Self::Rsa(_) => "RSA".into(),
            #[cfg(feature = "extra-algorithms")]
            Self::MlKem512(_) => "ML-KEM-512".into(),
            #[cfg(feature = "extra-algorithms")]
            Self::MlKem768(_) => "ML-KEM-768".into(),
            #[cfg(feature = "extra-algorithms")]
            Self::MlKem1024(_) => "ML-KEM-1024".into(),
        }
    }
}

/// The forms of an ML-KEM `privateKey` OCTET STRING (draft-ietf-lamps-kyber-certificates):
/// `seed [0] IMPLICIT OCTET STRING (64)`, `expandedKey OCTET STRING`, or
/// `both SEQUENCE { seed, expandedKey }`.
#[cfg(feature = "extra-algorithms")]
enum MlKemPrivate<'a> {
    Seed(&'a [u8]),
    Expanded(&'a [u8]),
    Both(&'a [u8], &'a [u8]),
}

#[cfg(feature = "extra-algorithms")]
fn ml_kem_invalid(what: &str) -> KeyDecryptionError {
    KeyDecryptionError::InvalidKey(format!("ML-KEM private key: {what}"))
}

#[cfg(feature = "extra-algorithms")]
fn ml_kem_private(private: &[u8]) -> Result<MlKemPrivate<'_>, KeyDecryptionError> {
    use der::Tagged;
    let err = |e: der::Error| ml_kem_invalid(&e.to_string());
    let any = der::AnyRef::from_der(private).map_err(err)?;
    match any.tag() {
        der::Tag::ContextSpecific {
            number,
            constructed: false,
        } if number.value() == 0 => Ok(MlKemPrivate::Seed(any.value())),
        der::Tag::OctetString => Ok(MlKemPrivate::Expanded(any.value())),
        der::Tag::Sequence => {
            let mut reader = der::SliceReader::new(any.value()).map_err(err)?;
            let seed = <&der::asn1::OctetStringRef>::decode(&mut reader).map_err(err)?;
            let expanded = <&der::asn1::OctetStringRef>::decode(&mut reader).map_err(err)?;
            der::Reader::finish(reader).map_err(err)?;
            Ok(MlKemPrivate::Both(seed.as_bytes(), expanded.as_bytes()))
        }
        _ => Err(ml_kem_invalid("neither seed, expanded key nor both")),
    }
}

/// An ML-KEM decapsulation key of parameter set `$p` from `$private` (see [`MlKemPrivate`]);
/// a seed and an expanded key given together must agree.
#[cfg(feature = "extra-algorithms")]
macro_rules! ml_kem_key {
    ($p:ty, $private:expr) => {{
        #[allow(deprecated)] // The expanded form is legacy, but keys are still written with it.
        {
            use ml_kem::ExpandedKeyEncoding;
            let from_seed = |seed: &[u8]| {
                ml_kem::Seed::try_from(seed)
                    .map(ml_kem::DecapsulationKey::<$p>::from_seed)
                    .map_err(|_| ml_kem_invalid("the seed is not 64 bytes"))
            };
            match ml_kem_private($private)? {
                MlKemPrivate::Seed(seed) => from_seed(seed)?,
                MlKemPrivate::Expanded(bytes) => {
                    let arr = ml_kem::array::Array::try_from(bytes)
                        .map_err(|_| ml_kem_invalid("the expanded key has the wrong length"))?;
                    ml_kem::DecapsulationKey::<$p>::from_expanded_bytes(&arr)
                        .map_err(|_| ml_kem_invalid("the expanded key does not validate"))?
                }
                MlKemPrivate::Both(seed, expanded) => {
                    let key = from_seed(seed)?;
                    if key.to_expanded_bytes().as_slice() != expanded {
                        return Err(ml_kem_invalid("the seed and the expanded key disagree"));
                    }
                    key
                }
            }
        }
    }};
}

impl fmt::Debug for KeyDecryptionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyDecryptionKey({}", self.kind.label())?;
        if let Some(n) = &self.name {
            write!(f, ", name {n:?}")?;
        }
        f.write_str(")")
    }
}

impl KeyDecryptionKey {
    /// A symmetric key-encryption key: 16, 24 or 32 bytes for the AES key wraps, 24 for the
    /// triple-DES key wrap.
    pub fn symmetric(key: impl Into<Vec<u8>>) -> Self {
        Self {
            name: None,
            kind: Kind::Symmetric(Zeroizing::new(key.into())),
        }
    }

    /// A private key from unencrypted PKCS#8 DER: RSA (for `rsa-1_5` and the OAEP methods) or,
    /// with the `extra-algorithms` feature, ML-KEM-512/768/1024 (seed, expanded key, or both —
    /// then they must agree).
    ///
    /// # Errors
    /// [`KeyDecryptionError::InvalidKey`] for anything else (ML-KEM in a build without the
    /// `extra-algorithms` feature included) or a malformed key.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyDecryptionError> {
        let invalid = |e: &dyn fmt::Display| KeyDecryptionError::InvalidKey(e.to_string());
        let info = pkcs8::PrivateKeyInfoRef::from_der(der).map_err(|e| invalid(&e))?;
        let private = info.private_key.as_bytes();
        let kind = match info.algorithm.oid {
            OID_RSA => {
                use pkcs8::DecodePrivateKey;
                Kind::Rsa(Box::new(
                    rsa::RsaPrivateKey::from_pkcs8_der(der).map_err(|e| invalid(&e))?,
                ))
            }
            #[cfg(feature = "extra-algorithms")]
            OID_ML_KEM_512 => Kind::MlKem512(Box::new(ml_kem_key!(ml_kem::MlKem512, private))),
            #[cfg(feature = "extra-algorithms")]
            OID_ML_KEM_768 => Kind::MlKem768(Box::new(ml_kem_key!(ml_kem::MlKem768, private))),
            #[cfg(feature = "extra-algorithms")]
            OID_ML_KEM_1024 => Kind::MlKem1024(Box::new(ml_kem_key!(ml_kem::MlKem1024, private))),
            #[cfg(not(feature = "extra-algorithms"))]
            OID_ML_KEM_512 | OID_ML_KEM_768 | OID_ML_KEM_1024 => {
                let _ = private;
                return Err(KeyDecryptionError::InvalidKey(
                    "ML-KEM private keys are not compiled in (enable the `extra-algorithms` \
                     feature)"
                        .into(),
                ));
            }
            other => {
                return Err(KeyDecryptionError::InvalidKey(format!(
                    "private key algorithm {other}"
                )));
            }
        };
        Ok(Self { name: None, kind })
    }

    /// Binds the key to a KeyName: it then only opens encrypted keys whose KeyInfo names it.
    #[must_use]
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The KeyName the key is bound to, if any.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
}

/// An encrypted key read from KeyInfo.
#[derive(Debug)]
pub(crate) struct EncryptedKey {
    /// EncryptionMethod (or EncapsulationMechanism) Algorithm.
    pub algorithm: String,
    /// KeyInfo/KeyName, if any.
    pub key_name: Option<String>,
    cipher: Vec<u8>,
    oaep_digest: Option<String>,
    oaep_mgf: Option<String>,
    oaep_params: Vec<u8>,
}

/// The encrypted keys among the children of `key_info` (`xenc:EncryptedKey`,
/// `as:EncapsulationMechanism`), each read or with why it cannot be.
pub(crate) fn encrypted_keys(
    doc: &Document,
    key_info: NodeId,
) -> Vec<Result<EncryptedKey, KeyDecryptionError>> {
    let Some(el) = doc.element(key_info) else {
        return Vec::new();
    };
    el.children()
        .filter(|&c| {
            doc.is_named(c, XENC_NS, "EncryptedKey")
                || doc.is_named(c, XMLSEC_MORE_NS, "EncapsulationMechanism")
        })
        .map(|c| read_encrypted_key(doc, c))
        .collect()
}

/// Exactly one child, or none.
fn at_most_one(
    doc: &Document,
    parent: NodeId,
    ns: &'static str,
    local: &'static str,
) -> Result<Option<NodeId>, KeyDecryptionError> {
    let mut it = doc.children_named(parent, ns, local);
    match (it.next(), it.next()) {
        (first, None) => Ok(first),
        _ => Err(KeyDecryptionError::Malformed(local)),
    }
}

fn attribute(doc: &Document, el: NodeId, name: &str) -> Option<String> {
    doc.element(el)
        .and_then(|e| e.attribute(name))
        .map(str::to_owned)
}

fn read_encrypted_key(doc: &Document, el: NodeId) -> Result<EncryptedKey, KeyDecryptionError> {
    let kem = doc.is_named(el, XMLSEC_MORE_NS, "EncapsulationMechanism");
    let (algorithm, method) = if kem {
        (
            attribute(doc, el, "Algorithm").ok_or(KeyDecryptionError::Malformed(
                "EncapsulationMechanism Algorithm",
            ))?,
            None,
        )
    } else {
        let m = at_most_one(doc, el, XENC_NS, "EncryptionMethod")?
            .ok_or(KeyDecryptionError::Malformed("EncryptionMethod"))?;
        (
            attribute(doc, m, "Algorithm")
                .ok_or(KeyDecryptionError::Malformed("EncryptionMethod Algorithm"))?,
            Some(m),
        )
    };
    let key_name = match at_most_one(doc, el, DSIG_NS, "KeyInfo")? {
        Some(ki) => {
            at_most_one(doc, ki, DSIG_NS, "KeyName")?.map(|n| doc.text(n).trim().to_owned())
        }
        None => None,
    };
    let cipher_data = at_most_one(doc, el, XENC_NS, "CipherData")?
        .ok_or(KeyDecryptionError::Malformed("CipherData"))?;
    let cipher_value = at_most_one(doc, cipher_data, XENC_NS, "CipherValue")?
        .ok_or(KeyDecryptionError::Malformed("CipherData (no CipherValue)"))?;
    let text = doc.text(cipher_value);
    if text.len() > MAX_CIPHER_LEN * 2 {
        return Err(KeyDecryptionError::Malformed("CipherValue (too long)"));
    }
    let cipher = decode_base64(&text).ok_or(KeyDecryptionError::Malformed("CipherValue"))?;
    let (mut oaep_digest, mut oaep_mgf, mut oaep_params) = (None, None, Vec::new());
    if let Some(m) = method {
        if let Some(d) = at_most_one(doc, m, DSIG_NS, "DigestMethod")? {
            oaep_digest = Some(
                attribute(doc, d, "Algorithm")
                    .ok_or(KeyDecryptionError::Malformed("DigestMethod Algorithm"))?,
            );
        }
        if let Some(g) = at_most_one(doc, m, XENC11_NS, "MGF")? {
            oaep_mgf = Some(
                attribute(doc, g, "Algorithm")
                    .ok_or(KeyDecryptionError::Malformed("MGF Algorithm"))?,
            );
        }
        if let Some(p) = at_most_one(doc, m, XENC_NS, "OAEPparams")? {
            oaep_params =
                decode_base64(&doc.text(p)).ok_or(KeyDecryptionError::Malformed("OAEPparams"))?;
        }
    }
    Ok(EncryptedKey {
        algorithm,
        key_name,
        cipher,
        oaep_digest,
        oaep_mgf,
        oaep_params,
    })
}

/// Decrypts `ek` with the first of `keys` that fits its algorithm and KeyName and opens it.
///
/// # Errors
/// Why none did: the last decryption failure, or no fitting key, or an unsupported method.
pub(crate) fn decrypt(
    ek: &EncryptedKey,
    keys: &[KeyDecryptionKey],
) -> Result<Zeroizing<Vec<u8>>, KeyDecryptionError> {
    let alg = ek.algorithm.as_str();
    if !matches!(
        alg,
        KW_AES128
            | KW_AES192
            | KW_AES256
            | KW_TRIPLEDES
            | RSA_1_5
            | RSA_OAEP_MGF1P
            | RSA_OAEP_11
            | ML_KEM_512
            | ML_KEM_768
            | ML_KEM_1024
    ) {
        return Err(KeyDecryptionError::UnsupportedAlgorithm(alg.to_owned()));
    }
    if !cfg!(feature = "extra-algorithms") && matches!(alg, ML_KEM_512 | ML_KEM_768 | ML_KEM_1024) {
        return Err(KeyDecryptionError::UnsupportedAlgorithm(format!(
            "{alg} is not compiled in (enable the `extra-algorithms` feature)"
        )));
    }
    let mut last = None;
    for key in keys {
        if let (Some(want), Some(have)) = (&ek.key_name, &key.name)
            && want != have
        {
            continue;
        }
        if ek.key_name.is_none() && key.name.is_some() && matches!(key.kind, Kind::Symmetric(_)) {
            // A named secret key is only used where the document names it.
            continue;
        }
        match decrypt_with(ek, &key.kind) {
            Ok(Some(k)) => return Ok(k),
            Ok(None) => {}
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        KeyDecryptionError::NoMatchingKey(match &ek.key_name {
            Some(n) => format!("{alg} (KeyName {n:?})"),
            None => alg.to_owned(),
        })
    }))
}

/// `Ok(None)` when the key is not of the algorithm's kind.
fn decrypt_with(
    ek: &EncryptedKey,
    kind: &Kind,
) -> Result<Option<Zeroizing<Vec<u8>>>, KeyDecryptionError> {
    let alg = ek.algorithm.as_str();
    let failed = || KeyDecryptionError::DecryptionFailed {
        algorithm: alg.to_owned(),
    };
    let out = match (alg, kind) {
        (KW_AES128, Kind::Symmetric(k)) if k.len() == 16 => keywrap::aes_unwrap(k, &ek.cipher),
        (KW_AES192, Kind::Symmetric(k)) if k.len() == 24 => keywrap::aes_unwrap(k, &ek.cipher),
        (KW_AES256, Kind::Symmetric(k)) if k.len() == 32 => keywrap::aes_unwrap(k, &ek.cipher),
        (KW_TRIPLEDES, Kind::Symmetric(k)) if k.len() == 24 => keywrap::tdes_unwrap(k, &ek.cipher),
        (RSA_1_5, Kind::Rsa(k)) => keywrap::rsa_pkcs1v15_decrypt(k, &ek.cipher),
        (RSA_OAEP_MGF1P | RSA_OAEP_11, Kind::Rsa(k)) => return oaep(ek, k).map(Some),
        #[cfg(feature = "extra-algorithms")]
        (ML_KEM_512, Kind::MlKem512(k)) => keywrap::kem_decapsulate(&**k, &ek.cipher),
        #[cfg(feature = "extra-algorithms")]
        (ML_KEM_768, Kind::MlKem768(k)) => keywrap::kem_decapsulate(&**k, &ek.cipher),
        #[cfg(feature = "extra-algorithms")]
        (ML_KEM_1024, Kind::MlKem1024(k)) => keywrap::kem_decapsulate(&**k, &ek.cipher),
        _ => return Ok(None),
    };
    out.map(Some).ok_or_else(failed)
}

/// RSAES-OAEP with the EncryptionMethod's DigestMethod (default SHA-1), MGF1 hash
/// (`rsa-oaep-mgf1p`: SHA-1; `xenc11#rsa-oaep`: its `MGF`, default SHA-1) and OAEPparams.
fn oaep(
    ek: &EncryptedKey,
    key: &rsa::RsaPrivateKey,
) -> Result<Zeroizing<Vec<u8>>, KeyDecryptionError> {
    let digest = match ek.oaep_digest.as_deref() {
        None | Some("http://www.w3.org/2000/09/xmldsig#sha1") => HashAlgorithm::Sha1,
        Some("http://www.w3.org/2001/04/xmldsig-more#sha224") => HashAlgorithm::Sha224,
        Some("http://www.w3.org/2001/04/xmlenc#sha256") => HashAlgorithm::Sha256,
        Some("http://www.w3.org/2001/04/xmldsig-more#sha384") => HashAlgorithm::Sha384,
        Some("http://www.w3.org/2001/04/xmlenc#sha512") => HashAlgorithm::Sha512,
        Some(other) => {
            return Err(KeyDecryptionError::UnsupportedAlgorithm(format!(
                "OAEP DigestMethod {other}"
            )));
        }
    };
    let mgf = match (ek.algorithm.as_str(), ek.oaep_mgf.as_deref()) {
        (RSA_OAEP_MGF1P, None) | (_, None | Some("http://www.w3.org/2009/xmlenc11#mgf1sha1")) => {
            HashAlgorithm::Sha1
        }
        (RSA_OAEP_11, Some("http://www.w3.org/2009/xmlenc11#mgf1sha224")) => HashAlgorithm::Sha224,
        (RSA_OAEP_11, Some("http://www.w3.org/2009/xmlenc11#mgf1sha256")) => HashAlgorithm::Sha256,
        (RSA_OAEP_11, Some("http://www.w3.org/2009/xmlenc11#mgf1sha384")) => HashAlgorithm::Sha384,
        (RSA_OAEP_11, Some("http://www.w3.org/2009/xmlenc11#mgf1sha512")) => HashAlgorithm::Sha512,
        (_, Some(other)) => {
            return Err(KeyDecryptionError::UnsupportedAlgorithm(format!(
                "OAEP MGF {other}"
            )));
        }
    };
    keywrap::rsa_oaep_decrypt(key, digest, mgf, &ek.oaep_params, &ek.cipher).ok_or_else(|| {
        KeyDecryptionError::DecryptionFailed {
            algorithm: ek.algorithm.clone(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_or_odd_inputs_do_not_panic() {
        #[cfg(feature = "extra-algorithms")]
        {
            assert!(ml_kem_private(&[]).is_err());
            assert!(matches!(
                ml_kem_private(&[0x80, 0x01, 0x00]),
                Ok(MlKemPrivate::Seed([0]))
            ));
        }
        assert!(KeyDecryptionKey::from_pkcs8_der(&[0x30, 0x00]).is_err());
    }
}
