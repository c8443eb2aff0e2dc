//! PKCS#12 ([RFC 7292]) import: a signer's private key, its certificate and chain from a `.p12`
//! / `.pfx` file.
//!
//! [`Pkcs12::from_der`] checks the file's MAC, decrypts every encrypted part and collects all
//! certificates and private keys; [`Pkcs12::identity`] pairs the key with its certificate and
//! orders the chain; [`Pkcs12::info`] says how the file is protected (what `signflow inspect`
//! prints).
//!
//! # Supported
//!
//! | part | algorithms |
//! |---|---|
//! | integrity (MAC, RFC 7292 §5) | HMAC with SHA-1, SHA-224, SHA-256, SHA-384, SHA-512, keyed by the Appendix B KDF; files without a MAC (`-nomac`) load too |
//! | integrity, PBMAC1 ([RFC 9579]) | PBKDF2 (HMAC-SHA1/224/256/384/512) keying HMAC-SHA1/224/256/384/512 (OpenSSL 3.4's `-pbmac1_pbkdf2`) |
//! | encryption, PBES2 ([RFC 8018]) | PBKDF2 with HMAC-SHA1/224/256/384/512 and AES-128/192/256-CBC or DES-EDE3-CBC |
//! | encryption, RFC 7292 Appendix C | `pbeWithSHAAnd3-KeyTripleDES-CBC`, `pbeWithSHAAnd2-KeyTripleDES-CBC`, `pbeWithSHAAnd128BitRC2-CBC`, `pbeWithSHAAnd40BitRC2-CBC` |
//! | GOST ([RFC 9548], Р 50.1.112-2016, OpenSSL's GOST engine; `pkcs12_gost.rs`) | MAC HMAC-Streebog-256/512 keyed by the last 32 of 96 bytes of PBKDF2-HMAC-Streebog over the UTF-8 password; PBES2 with PBKDF2-HMAC-Streebog-256/512 (or the SHA PRFs) and GOST 28147-89 CFB (S-boxes Test, CryptoPro-A/B/C, TC26-Z; not CryptoPro-D; CryptoPro key meshing), Kuznyechik or Magma CTR-ACPKM and CTR-ACPKM-OMAC |
//! | bags | keyBag, pkcs8ShroudedKeyBag, certBag (X.509), safeContentsBag; CRL, secret and unknown bags are counted and skipped |
//!
//! [`to_der_gost`] writes the TC26 profile (`pkcs12_gost_write.rs`).
//!
//! Not supported (refused with [`Pkcs12Error::UnsupportedAlgorithm`] naming the OID): public-key
//! integrity and privacy modes (`signedData` / `envelopedData`), the RC4 PBEs, PKCS#5 v1.5
//! PBES1, scrypt, RC2 or DES under PBES2, GOST R 34.11-94 MACs, SHA-3 MACs, CryptoPro's own
//! key bag (1.2.840.113549.1.12.1.80).
//!
//! # Passwords
//!
//! PBES2, PBMAC1 and the GOST MAC derive keys from the password's UTF-8 bytes. The RFC 7292 MAC and PBEs use
//! the password as a BMPString: UTF-16BE followed by two zero bytes (characters outside the BMP
//! as surrogate pairs, as OpenSSL does). The empty password is therefore the two bytes `00 00`,
//! as OpenSSL writes it; since some tools use zero bytes instead, both are tried. For a
//! non-ASCII password the "each UTF-8 byte is one character" form written by OpenSSL before
//! 1.1.0 is tried as well. When the file has a MAC, the form that verifies it decrypts the rest;
//! without a MAC, each encrypted part tries the forms in turn.
//!
//! # Bounds
//!
//! A file is untrusted input. It is refused with [`Pkcs12Error::LimitExceeded`] when it is larger
//! than [`MAX_FILE_SIZE`], holds more than [`MAX_BAGS`] bags (or more than [`MAX_BAGS`] parts in
//! its AuthenticatedSafe), nests safeContentsBags deeper than [`MAX_SAFE_CONTENTS_DEPTH`], names
//! an iteration count above [`MAX_ITERATIONS`], or when its key derivations together would run
//! more than [`ITERATION_BUDGET`] hash-chain iterations. The work a file announces in the clear
//! (its MAC, its encrypted parts, the shrouded key bags of its plain parts) is added up before
//! the first key is derived, and so is that of the bags an encrypted part reveals, before
//! theirs: a file over the budget is refused without spending it. Nothing in this module
//! panics on any input.
//!
//! # Encoding
//!
//! The structure is read with the `der` crate's BER rules (DER plus indefinite lengths and
//! constructed OCTET STRINGs, which older Java and NSS files use); certificates and keys inside
//! must be DER.
//!
//! [RFC 7292]: https://www.rfc-editor.org/rfc/rfc7292
//! [RFC 8018]: https://www.rfc-editor.org/rfc/rfc8018
//! [RFC 9579]: https://www.rfc-editor.org/rfc/rfc9579
//! [RFC 9548]: https://www.rfc-editor.org/rfc/rfc9548

use core::fmt;

use const_oid::ObjectIdentifier;
use der::asn1::{Any, OctetString, SetOfVec};
use der::{
    Decode, DecodeValue, Encode, EncodingRules, FixedTag, Header, Reader, Sequence, SliceReader,
    Tag, TagMode, TagNumber, Tagged,
};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attribute;
use zeroize::Zeroizing;

use crate::crypto::{CryptoError, CryptoProvider, PublicKeyInfo, SigningKey};

#[path = "pkcs12_gost.rs"]
mod gost;
#[path = "pkcs12_gost_write.rs"]
mod gost_write;

pub use gost_write::{GostPbeCipher, to_der_gost};

/// Largest file accepted: 16 MiB.
pub const MAX_FILE_SIZE: usize = 16 * 1024 * 1024;

/// Largest iteration count accepted for any one key derivation (PBKDF2, the RFC 7292 KDF or
/// the MAC key). OpenSSL writes 2048; some vendors use 100,000–600,000.
pub const MAX_ITERATIONS: u32 = 10_000_000;

/// The per-file budget of hash-chain iterations across all key derivations, including the
/// retries with the alternative password forms. A derivation that needs `n` output blocks of
/// its hash costs `n × iterations` (AES-256 from PBKDF2-HMAC-SHA1 is two blocks; the MAC key is
/// one). Enough for a MAC and several encrypted parts at hundreds of thousands of iterations
/// each; a hostile file cannot make loading take more than a few seconds.
pub const ITERATION_BUDGET: u64 = 20_000_000;

/// Most SafeBags accepted in one file (nested ones included); also the most ContentInfos in the
/// AuthenticatedSafe.
pub const MAX_BAGS: usize = 1_000;

/// Deepest SafeContents nesting accepted: the SafeContents of an AuthenticatedSafe part is depth
/// 1, a safeContentsBag inside it depth 2, and so on. RFC 7292 producers do not nest at all.
pub const MAX_SAFE_CONTENTS_DEPTH: usize = 3;

/// Why a PKCS#12 file could not be read or used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Pkcs12Error {
    /// The password is wrong: the MAC does not verify or, in a file without a MAC, an encrypted
    /// part does not decrypt (bad padding or not the expected structure).
    #[error("the PKCS#12 password is wrong")]
    WrongPassword,
    /// The file is corrupt, truncated or not PKCS#12; `reason` names the part.
    #[error("the PKCS#12 file is malformed: {reason}")]
    Malformed {
        /// What is wrong, and where.
        reason: String,
    },
    /// The file uses an algorithm or mode this module does not implement.
    #[error("the PKCS#12 file uses an unsupported {what}: {}", describe_oid(.oid))]
    UnsupportedAlgorithm {
        /// The algorithm's OID, dotted.
        oid: String,
        /// What the OID was used for ("encryption scheme", "MAC digest algorithm", …).
        what: &'static str,
    },
    /// The file holds no private key.
    #[error("the PKCS#12 file holds no private key")]
    NoPrivateKey,
    /// The file holds no certificate.
    #[error("the PKCS#12 file holds no certificate")]
    NoCertificate,
    /// No certificate in the file carries the private key's public key.
    #[error("no certificate in the PKCS#12 file matches its private key")]
    NoMatchingCertificate,
    /// The file exceeds one of this module's bounds (see the module documentation).
    #[error("the PKCS#12 file exceeds the limit on {what}")]
    LimitExceeded {
        /// The bound exceeded, with its value.
        what: &'static str,
    },
    /// The private key decrypted but the crypto provider cannot load it (an unsupported curve,
    /// an RSA key too small to sign with, …).
    #[error("the private key in the PKCS#12 file cannot be used: {source}")]
    UnusableKey {
        /// The provider's reason.
        #[source]
        source: CryptoError,
    },
}

fn describe_oid(oid: &str) -> String {
    let name = ObjectIdentifier::new(oid)
        .ok()
        .and_then(|o| const_oid::db::DB.by_oid(&o));
    match name {
        Some(name) => format!("{name} ({oid})"),
        None => oid.to_owned(),
    }
}

fn malformed(reason: impl Into<String>) -> Pkcs12Error {
    Pkcs12Error::Malformed {
        reason: reason.into(),
    }
}

fn unsupported(oid: &ObjectIdentifier, what: &'static str) -> Pkcs12Error {
    Pkcs12Error::UnsupportedAlgorithm {
        oid: oid.to_string(),
        what,
    }
}

/// A certificate from a certBag, with the bag's attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Pkcs12Certificate {
    /// The X.509 certificate, DER.
    pub der: Vec<u8>,
    /// The bag's friendlyName attribute (PKCS#9), if any.
    pub friendly_name: Option<String>,
    /// The bag's localKeyId attribute (PKCS#9), if any: equal on a key and its certificate.
    pub local_key_id: Option<Vec<u8>>,
}

/// A private key from a keyBag or pkcs8ShroudedKeyBag, decrypted, with the bag's attributes.
///
/// The key bytes are zeroized when this is dropped; `Debug` does not print them.
#[non_exhaustive]
pub struct Pkcs12PrivateKey {
    /// The key as unencrypted PKCS#8 (`PrivateKeyInfo` / `OneAsymmetricKey`) DER.
    pub pkcs8_der: Zeroizing<Vec<u8>>,
    /// The bag's friendlyName attribute, if any.
    pub friendly_name: Option<String>,
    /// The bag's localKeyId attribute, if any.
    pub local_key_id: Option<Vec<u8>>,
    /// Whether the key came from a pkcs8ShroudedKeyBag (encrypted) rather than a plain keyBag.
    pub shrouded: bool,
}

impl fmt::Debug for Pkcs12PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs12PrivateKey")
            .field(
                "pkcs8_der",
                &format_args!("<{} bytes redacted>", self.pkcs8_der.len()),
            )
            .field("friendly_name", &self.friendly_name)
            .field("local_key_id", &self.local_key_id)
            .field("shrouded", &self.shrouded)
            .finish()
    }
}

/// How a PKCS#12 file is protected: what `signflow inspect` prints.
///
/// `Display` gives a few human-readable lines; serialize it for `--json`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Pkcs12Info {
    /// The integrity MAC, or `None` for a file without one.
    pub mac: Option<MacInfo>,
    /// Every encrypted part, in file order.
    pub encrypted_parts: Vec<EncryptedPart>,
    /// Number of certificates read.
    pub certificates: usize,
    /// Number of private keys read.
    pub private_keys: usize,
    /// Number of bags skipped (CRL, secret, non-X.509 certificate and unknown bags).
    pub skipped_bags: usize,
}

/// The MAC of a PKCS#12 file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct MacInfo {
    /// E.g. `"HMAC-SHA256"`.
    pub algorithm: String,
    /// Iteration count of the MAC key derivation.
    pub iterations: u32,
}

/// One encrypted part of a PKCS#12 file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct EncryptedPart {
    /// What is encrypted.
    pub part: EncryptedPartKind,
    /// E.g. `"PBES2 PBKDF2-HMAC-SHA256 AES-256-CBC"` or `"pbeWithSHAAnd40BitRC2-CBC"`.
    pub algorithm: String,
    /// Iteration count of the key derivation.
    pub iterations: u32,
}

/// The kinds of encrypted parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EncryptedPartKind {
    /// An `encryptedData` SafeContents (where OpenSSL and most tools put the certificates).
    SafeContents,
    /// A pkcs8ShroudedKeyBag (one private key).
    ShroudedKeyBag,
}

impl fmt::Display for EncryptedPartKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::SafeContents => "encrypted SafeContents",
            Self::ShroudedKeyBag => "shrouded key bag",
        })
    }
}

impl Pkcs12Info {
    /// The first encrypted SafeContents (normally the certificates' encryption), if any.
    pub fn certificate_encryption(&self) -> Option<&EncryptedPart> {
        self.encrypted_parts
            .iter()
            .find(|p| p.part == EncryptedPartKind::SafeContents)
    }

    /// The first shrouded key bag's encryption, if any.
    pub fn key_encryption(&self) -> Option<&EncryptedPart> {
        self.encrypted_parts
            .iter()
            .find(|p| p.part == EncryptedPartKind::ShroudedKeyBag)
    }
}

impl fmt::Display for Pkcs12Info {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.mac {
            Some(mac) => writeln!(f, "MAC: {}, {} iterations", mac.algorithm, mac.iterations)?,
            None => writeln!(f, "MAC: none")?,
        }
        for part in &self.encrypted_parts {
            writeln!(
                f,
                "{}: {}, {} iterations",
                part.part, part.algorithm, part.iterations
            )?;
        }
        write!(
            f,
            "{} certificate(s), {} private key(s)",
            self.certificates, self.private_keys
        )?;
        if self.skipped_bags > 0 {
            write!(f, ", {} other bag(s) skipped", self.skipped_bags)?;
        }
        Ok(())
    }
}

/// A signer's identity from a PKCS#12 file: the private key, its certificate and the chain.
#[derive(Debug)]
#[non_exhaustive]
pub struct Identity {
    /// The certificate of `key`, DER.
    pub certificate: Vec<u8>,
    /// The certificates above it found in the file, DER: the certificate's issuer first, then
    /// that one's issuer, up towards the root (included if the file has it).
    pub chain: Vec<Vec<u8>>,
    /// The private key, loaded through the crypto provider.
    pub key: Box<dyn SigningKey>,
    /// The key's friendlyName, else the certificate's.
    pub friendly_name: Option<String>,
}

/// The decrypted contents of a PKCS#12 file.
///
/// # Example
/// ```
/// # #[cfg(any(feature = "aws-lc-rs", feature = "rustcrypto"))] {
/// use signflow::crypto::CryptoProvider;
/// use signflow::pki::pkcs12::Pkcs12;
///
/// let der = include_bytes!("../../testdata/pki/leaf-rsa.p12");
/// let p12 = Pkcs12::from_der(der, "signflow-test")?;
/// assert_eq!(p12.certificates().len(), 3);
/// assert_eq!(p12.info().mac.as_ref().map(|m| m.algorithm.as_str()), Some("HMAC-SHA256"));
///
/// let provider = CryptoProvider::get_default()
///     .or_else(|| CryptoProvider::all_compiled().first().copied())
///     .expect("a backend is compiled in");
/// let id = p12.identity(provider)?;
/// assert_eq!(id.friendly_name.as_deref(), Some("leaf-rsa"));
/// assert_eq!(id.chain.len(), 2); // intermediate, root
/// let sig = id.key.sign(&id.key.default_algorithm(), b"act no. 17")
///     .expect("the key signs");
/// # let _ = sig;
/// # }
/// # Ok::<(), signflow::pki::pkcs12::Pkcs12Error>(())
/// ```
#[derive(Debug)]
pub struct Pkcs12 {
    certificates: Vec<Pkcs12Certificate>,
    private_keys: Vec<Pkcs12PrivateKey>,
    info: Pkcs12Info,
}

impl Pkcs12 {
    /// Parses a PKCS#12 file (DER, or BER with indefinite lengths), verifies its MAC with
    /// `password` and decrypts every part.
    ///
    /// # Errors
    /// - [`Pkcs12Error::WrongPassword`] if the MAC does not verify, or, in a file without a MAC,
    ///   an encrypted part does not decrypt with `password`;
    /// - [`Pkcs12Error::Malformed`] for a corrupt, truncated or non-PKCS#12 input;
    /// - [`Pkcs12Error::UnsupportedAlgorithm`] naming the OID of an algorithm or mode not
    ///   supported (see the module documentation);
    /// - [`Pkcs12Error::LimitExceeded`] if the file exceeds a bound (size, bags, nesting,
    ///   iteration count or budget).
    ///
    /// # Example
    /// ```
    /// use signflow::pki::pkcs12::{Pkcs12, Pkcs12Error};
    ///
    /// let der = include_bytes!("../../testdata/pki/leaf-rsa.p12");
    /// let p12 = Pkcs12::from_der(der, "signflow-test")?;
    /// assert_eq!(p12.private_keys().len(), 1);
    /// assert!(matches!(Pkcs12::from_der(der, "wrong"), Err(Pkcs12Error::WrongPassword)));
    /// # Ok::<(), Pkcs12Error>(())
    /// ```
    pub fn from_der(der: &[u8], password: &str) -> Result<Self, Pkcs12Error> {
        if der.len() > MAX_FILE_SIZE {
            return Err(Pkcs12Error::LimitExceeded {
                what: "file size (at most 16 MiB)",
            });
        }
        let pfx = Pfx::from_ber(der)
            .map_err(|e| malformed(format!("the PFX structure cannot be decoded: {e}")))?;
        let auth_safe = match pfx.auth_safe.content {
            Content::Data(data) => data,
            _ if pfx.auth_safe.content_type == ID_SIGNED_DATA => {
                return Err(unsupported(
                    &ID_SIGNED_DATA,
                    "integrity mode (public-key signedData)",
                ));
            }
            _ => {
                return Err(malformed(format!(
                    "the authSafe has content type {}, not data",
                    describe_oid(&pfx.auth_safe.content_type.to_string())
                )));
            }
        };
        let auth_safe = auth_safe.as_bytes();

        let mut reader = Pkcs12Reader::new(password);
        check_announced(
            announced_in_file(pfx.mac_data.as_ref(), auth_safe),
            reader.budget,
        )?;
        if let Some(mac_data) = &pfx.mac_data {
            reader.verify_mac(mac_data, auth_safe)?;
        }

        let mut count = 0usize;
        for_each_element(auth_safe, "the AuthenticatedSafe", |r| {
            count += 1;
            if count > MAX_BAGS {
                return Err(Pkcs12Error::LimitExceeded {
                    what: "parts in the AuthenticatedSafe (at most 1,000)",
                });
            }
            let ci = ContentInfo::decode(r).map_err(|e| {
                malformed(format!(
                    "AuthenticatedSafe part {count} cannot be decoded: {e}"
                ))
            })?;
            reader.read_part(ci, count)
        })?;

        let Pkcs12Reader {
            mac,
            encrypted_parts,
            certificates,
            private_keys,
            skipped_bags,
            ..
        } = reader;
        let info = Pkcs12Info {
            mac,
            encrypted_parts,
            certificates: certificates.len(),
            private_keys: private_keys.len(),
            skipped_bags,
        };
        Ok(Self {
            certificates,
            private_keys,
            info,
        })
    }

    /// Every certificate in the file, in file order.
    pub fn certificates(&self) -> &[Pkcs12Certificate] {
        &self.certificates
    }

    /// Every private key in the file, in file order.
    pub fn private_keys(&self) -> &[Pkcs12PrivateKey] {
        &self.private_keys
    }

    /// How the file is protected: MAC, encryption algorithms and iteration counts.
    ///
    /// # Example
    /// ```
    /// use signflow::pki::pkcs12::Pkcs12;
    ///
    /// let der = include_bytes!("../../testdata/pki/leaf-rsa-legacy.p12");
    /// let info = Pkcs12::from_der(der, "signflow-test")?.info().clone();
    /// assert_eq!(info.mac.as_ref().map(|m| m.algorithm.as_str()), Some("HMAC-SHA1"));
    /// let certs = info.certificate_encryption().expect("certificates are encrypted");
    /// assert_eq!(certs.algorithm, "pbeWithSHAAnd40BitRC2-CBC");
    /// assert_eq!(certs.iterations, 2048);
    /// # Ok::<(), signflow::pki::pkcs12::Pkcs12Error>(())
    /// ```
    pub fn info(&self) -> &Pkcs12Info {
        &self.info
    }

    /// Pairs the (first) private key with its certificate and orders the chain.
    ///
    /// The key is loaded through `provider`. Its certificate is the one with the same
    /// localKeyId whose public key matches the key's; failing that, any certificate whose
    /// SubjectPublicKeyInfo matches. The chain follows issuer names (with the
    /// authorityKeyIdentifier preferring among certificates of the same subject) from the
    /// certificate's issuer up to a self-issued certificate or until no issuer is in the file;
    /// certificates not on it stay only in [`Pkcs12::certificates`].
    ///
    /// # Errors
    /// [`Pkcs12Error::NoPrivateKey`], [`Pkcs12Error::NoCertificate`],
    /// [`Pkcs12Error::NoMatchingCertificate`], or [`Pkcs12Error::UnusableKey`] if the provider
    /// cannot load the key.
    ///
    /// # Example
    /// ```
    /// # #[cfg(any(feature = "aws-lc-rs", feature = "rustcrypto"))] {
    /// use signflow::crypto::CryptoProvider;
    /// use signflow::pki::pkcs12::Pkcs12;
    ///
    /// let der = include_bytes!("../../testdata/pki/leaf-rsa.p12");
    /// let p12 = Pkcs12::from_der(der, "signflow-test")?;
    /// let provider = CryptoProvider::get_default()
    ///     .or_else(|| CryptoProvider::all_compiled().first().copied())
    ///     .expect("a backend is compiled in");
    /// let id = p12.identity(provider)?;
    /// // The key's public key is the certificate's: sign, then verify with the certificate.
    /// let alg = id.key.default_algorithm();
    /// let sig = id.key.sign(&alg, b"act no. 17").expect("the key signs");
    /// provider
    ///     .verify(&alg, id.key.public_key_der(), b"act no. 17", &sig)
    ///     .expect("the signature verifies");
    /// assert_eq!(id.chain.len(), 2); // intermediate, then root
    /// # }
    /// # Ok::<(), signflow::pki::pkcs12::Pkcs12Error>(())
    /// ```
    pub fn identity(&self, provider: &CryptoProvider) -> Result<Identity, Pkcs12Error> {
        let key_bag = self.private_keys.first().ok_or(Pkcs12Error::NoPrivateKey)?;
        if self.certificates.is_empty() {
            return Err(Pkcs12Error::NoCertificate);
        }
        let key = provider
            .load_private_key_der(&key_bag.pkcs8_der)
            .map_err(|source| Pkcs12Error::UnusableKey { source })?;

        let parsed: Vec<Option<super::Certificate>> = self
            .certificates
            .iter()
            .map(|c| super::Certificate::from_der(&c.der).ok())
            .collect();
        let matches_key = |p: &Option<super::Certificate>| {
            p.as_ref()
                .is_some_and(|p| same_public_key(p.spki_der(), key.public_key_der()))
        };
        let by_key_id = key_bag.local_key_id.as_ref().and_then(|id| {
            self.certificates
                .iter()
                .zip(&parsed)
                .position(|(c, p)| c.local_key_id.as_ref() == Some(id) && matches_key(p))
        });
        let leaf = by_key_id
            .or_else(|| parsed.iter().position(matches_key))
            .ok_or(Pkcs12Error::NoMatchingCertificate)?;

        let chain = build_chain(&parsed, leaf);
        let leaf_bag = self
            .certificates
            .get(leaf)
            .ok_or(Pkcs12Error::NoMatchingCertificate)?;
        Ok(Identity {
            certificate: leaf_bag.der.clone(),
            chain: chain
                .iter()
                .filter_map(|&i| self.certificates.get(i).map(|c| c.der.clone()))
                .collect(),
            key,
            friendly_name: key_bag
                .friendly_name
                .clone()
                .or_else(|| leaf_bag.friendly_name.clone()),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Certificates: pairing and chain order
// ---------------------------------------------------------------------------------------------

/// Whether two SubjectPublicKeyInfo encodings carry the same key (byte-equal, or the same key
/// kind and key bits when the encodings differ, e.g. in the parameters' form).
fn same_public_key(a: &[u8], b: &[u8]) -> bool {
    if a == b {
        return true;
    }
    match (PublicKeyInfo::parse(a), PublicKeyInfo::parse(b)) {
        (Ok(a), Ok(b)) => a.kind == b.kind && a.key == b.key,
        _ => false,
    }
}

/// Indexes of the chain above `leaf`: issuer first, towards the root.
fn build_chain(parsed: &[Option<super::Certificate>], leaf: usize) -> Vec<usize> {
    let mut used = vec![false; parsed.len()];
    if let Some(u) = used.get_mut(leaf) {
        *u = true;
    }
    let mut chain = Vec::new();
    let mut current = leaf;
    while let Some(Some(cur)) = parsed.get(current) {
        if cur.is_self_issued() {
            break; // self-issued: the root
        }
        let candidates: Vec<usize> = parsed
            .iter()
            .enumerate()
            .filter(|&(i, p)| {
                !used.get(i).copied().unwrap_or(true)
                    && p.as_ref().is_some_and(|p| p.subject() == cur.issuer())
            })
            .map(|(i, _)| i)
            .collect();
        let by_key_id = cur.extensions().authority_key_id.as_ref().and_then(|aki| {
            candidates.iter().copied().find(|&i| {
                parsed
                    .get(i)
                    .and_then(|p| p.as_ref())
                    .and_then(|p| p.extensions().subject_key_id.as_ref())
                    == Some(aki)
            })
        });
        let Some(next) = by_key_id.or_else(|| candidates.first().copied()) else {
            break;
        };
        if let Some(u) = used.get_mut(next) {
            *u = true;
        }
        chain.push(next);
        current = next;
    }
    chain
}

// ---------------------------------------------------------------------------------------------
// ASN.1 structures not in (or awkward in) the pkcs12 crate
// ---------------------------------------------------------------------------------------------

const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const ID_ENVELOPED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.3");
const ID_ENCRYPTED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.6");

const PKCS9_FRIENDLY_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.20");
const PKCS9_LOCAL_KEY_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.21");

const ID_PBES2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.13");
const ID_PBKDF2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.12");
const ID_PBMAC1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.5.14");

/// The `PFX` type ([RFC 7292 Section 4]), decoded by hand: the `pkcs12` crate's `Pfx` keeps
/// the authSafe content as an `Any`, which loses the segments of a BER constructed OCTET STRING.
///
/// ```text
/// PFX ::= SEQUENCE {
///     version     INTEGER {v3(3)}(v3,...),
///     authSafe    ContentInfo,
///     macData     MacData OPTIONAL
/// }
/// ```
///
/// [RFC 7292 Section 4]: https://www.rfc-editor.org/rfc/rfc7292#section-4
struct Pfx {
    auth_safe: ContentInfo,
    mac_data: Option<pkcs12::MacData>,
}

impl<'a> DecodeValue<'a> for Pfx {
    type Error = der::Error;

    fn decode_value<R: Reader<'a>>(reader: &mut R, _header: Header) -> der::Result<Self> {
        let _version: pkcs12::pfx::Version = reader.decode()?;
        let pfx = Self {
            auth_safe: reader.decode()?,
            mac_data: reader.decode()?,
        };
        no_more_fields(reader)?;
        Ok(pfx)
    }
}

impl FixedTag for Pfx {
    const TAG: Tag = Tag::Sequence;
}

/// The `ContentInfo` type ([RFC 5652 Section 3]) with the content decoded by its type: data as
/// an OCTET STRING (reassembled from BER segments), encryptedData as `EncryptedData`.
///
/// ```text
/// ContentInfo ::= SEQUENCE {
///     contentType  ContentType,
///     content      [0] EXPLICIT ANY DEFINED BY contentType }
/// ```
///
/// [RFC 5652 Section 3]: https://www.rfc-editor.org/rfc/rfc5652#section-3
struct ContentInfo {
    content_type: ObjectIdentifier,
    content: Content,
}

enum Content {
    Data(OctetString),
    EncryptedData(Box<cms::encrypted_data::EncryptedData>),
    Other,
}

impl<'a> DecodeValue<'a> for ContentInfo {
    type Error = der::Error;

    fn decode_value<R: Reader<'a>>(reader: &mut R, _header: Header) -> der::Result<Self> {
        fn explicit0<'a, R, T>(reader: &mut R) -> der::Result<T>
        where
            R: Reader<'a>,
            T: DecodeValue<'a, Error = der::Error> + FixedTag + 'a,
        {
            reader
                .context_specific::<T>(TagNumber(0), TagMode::Explicit)?
                .ok_or_else(|| {
                    der::Error::from(der::ErrorKind::TagUnexpected {
                        expected: Some(Tag::ContextSpecific {
                            constructed: true,
                            number: TagNumber(0),
                        }),
                        actual: T::TAG,
                    })
                })
        }
        let content_type: ObjectIdentifier = reader.decode()?;
        let content = match content_type {
            ID_DATA => Content::Data(explicit0(reader)?),
            ID_ENCRYPTED_DATA => Content::EncryptedData(Box::new(explicit0(reader)?)),
            _ => {
                let _skipped: Any = reader.decode()?;
                Content::Other
            }
        };
        no_more_fields(reader)?;
        Ok(Self {
            content_type,
            content,
        })
    }
}

/// Refuses fields after the last one a hand-decoded SEQUENCE defines.
fn no_more_fields<'a, R: Reader<'a>>(reader: &mut R) -> der::Result<()> {
    if reader.is_finished() {
        return Ok(());
    }
    let kind = der::ErrorKind::TrailingData {
        decoded: reader.position(),
        remaining: reader.remaining_len(),
    };
    Err(reader.error(kind))
}

impl FixedTag for ContentInfo {
    const TAG: Tag = Tag::Sequence;
}

/// The `SafeBag` type ([RFC 7292 Section 4.2]). The `pkcs12` crate's `SafeBag` keeps the
/// `[0]` wrapper in `bag_value` and always sorts the attributes; this one is plain derive.
///
/// ```text
/// SafeBag ::= SEQUENCE {
///     bagId          BAG-TYPE.&id ({PKCS12BagSet}),
///     bagValue       [0] EXPLICIT BAG-TYPE.&Type({PKCS12BagSet}{@bagId}),
///     bagAttributes  SET OF PKCS12Attribute OPTIONAL
/// }
/// ```
///
/// [RFC 7292 Section 4.2]: https://www.rfc-editor.org/rfc/rfc7292#section-4.2
#[derive(Sequence)]
struct SafeBag {
    bag_id: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    bag_value: Any,
    bag_attributes: Option<SetOfVec<Attribute>>,
}

/// `PBKDF2-params` ([RFC 8018 Appendix A.2]). The `pkcs12` crate's version requires the `prf`
/// field, which DER omits when it is the default (HMAC-SHA1).
///
/// ```text
/// PBKDF2-params ::= SEQUENCE {
///     salt CHOICE {
///         specified OCTET STRING,
///         otherSource AlgorithmIdentifier {{PBKDF2-SaltSources}}
///     },
///     iterationCount INTEGER (1..MAX),
///     keyLength INTEGER (1..MAX) OPTIONAL,
///     prf AlgorithmIdentifier {{PBKDF2-PRFs}} DEFAULT algid-hmacWithSHA1
/// }
/// ```
///
/// [RFC 8018 Appendix A.2]: https://www.rfc-editor.org/rfc/rfc8018#appendix-A.2
#[derive(Sequence)]
struct Pbkdf2Params {
    salt: Any,
    iteration_count: u64,
    key_length: Option<u64>,
    prf: Option<AlgorithmIdentifierOwned>,
}

/// `pkcs-12PbeParams` ([RFC 7292 Appendix C]), with a wider iteration type than the `pkcs12`
/// crate's `i32` so that huge counts are reported as such.
///
/// ```text
/// pkcs-12PbeParams ::= SEQUENCE {
///     salt        OCTET STRING,
///     iterations  INTEGER
/// }
/// ```
///
/// [RFC 7292 Appendix C]: https://www.rfc-editor.org/rfc/rfc7292#appendix-C
#[derive(Sequence)]
struct Pkcs12PbeParams {
    salt: OctetString,
    iterations: u64,
}

/// Decodes `T` from an `Any` (the value of an explicitly tagged or open-type field).
fn decode_any<'a, T>(any: &'a Any, what: &str) -> Result<T, Pkcs12Error>
where
    T: der::Choice<'a> + DecodeValue<'a, Error = der::Error>,
{
    any.decode_as_encoding::<T>(EncodingRules::Ber)
        .map_err(|e| malformed(format!("{what} cannot be decoded: {e}")))
}

/// Walks the `SEQUENCE OF` in `bytes` (DER or BER), calling `f` with the reader at each
/// element in turn; `f` must consume exactly one element. Nothing is copied.
fn for_each_element<'a>(
    bytes: &'a [u8],
    what: &str,
    mut f: impl FnMut(&mut SliceReader<'a>) -> Result<(), Pkcs12Error>,
) -> Result<(), Pkcs12Error> {
    enum Stop {
        Der(der::Error),
        Element(Pkcs12Error),
    }
    impl From<der::Error> for Stop {
        fn from(e: der::Error) -> Self {
            Self::Der(e)
        }
    }
    let mut r = SliceReader::new_with_encoding_rules(bytes, EncodingRules::Ber)
        .map_err(|e| malformed(format!("{what} cannot be read: {e}")))?;
    let walked = r.sequence(|r| {
        while !r.is_finished() {
            f(r).map_err(Stop::Element)?;
        }
        Ok::<(), Stop>(())
    });
    match walked {
        Ok(()) => r
            .finish()
            .map_err(|e| malformed(format!("{what} is followed by other data: {e}"))),
        Err(Stop::Der(e)) => Err(malformed(format!("{what} cannot be decoded: {e}"))),
        Err(Stop::Element(e)) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------------
// Reading: MAC, parts, bags
// ---------------------------------------------------------------------------------------------

/// One encoding of the password (see the module documentation, "Passwords").
struct PasswordForm {
    /// BMPString with the terminating `00 00`, or the zero-length alternative.
    bmp: Zeroizing<Vec<u8>>,
    /// Bytes for PBKDF2.
    utf8: Zeroizing<Vec<u8>>,
}

fn password_forms(password: &str) -> Vec<PasswordForm> {
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

struct Pkcs12Reader {
    forms: Vec<PasswordForm>,
    /// The form that verified the MAC; `None` without a MAC.
    mac_form: Option<usize>,
    /// Without a MAC: the form that last decrypted something (tried first next time).
    last_good_form: usize,
    budget: u64,
    bags: usize,
    mac: Option<MacInfo>,
    encrypted_parts: Vec<EncryptedPart>,
    certificates: Vec<Pkcs12Certificate>,
    private_keys: Vec<Pkcs12PrivateKey>,
    skipped_bags: usize,
}

impl Pkcs12Reader {
    fn new(password: &str) -> Self {
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
    fn verify_mac(
        &mut self,
        mac_data: &pkcs12::MacData,
        auth_safe: &[u8],
    ) -> Result<(), Pkcs12Error> {
        let alg = &mac_data.mac.algorithm;
        if alg.oid == ID_PBMAC1 {
            return self.verify_pbmac1(alg, mac_data.mac.digest.as_bytes(), auth_safe);
        }
        let hash = Hash::from_digest_oid(&alg.oid)
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
        let mac_hash = Hash::from_hmac_oid(&params.encryption.oid)
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
    fn read_part(&mut self, ci: ContentInfo, index: usize) -> Result<(), Pkcs12Error> {
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
    fn decrypt(
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
fn safe_contents_shape_ok(plain: &[u8]) -> bool {
    for_each_element(plain, "the plaintext", |r| {
        SafeBag::decode(r)
            .map(drop)
            .map_err(|_| Pkcs12Error::WrongPassword)
    })
    .is_ok()
}

/// Whether decrypted bytes are a DER PKCS#8 private key.
fn pkcs8_shape_ok(plain: &[u8]) -> bool {
    pkcs8::PrivateKeyInfoRef::from_der(plain).is_ok()
}

/// friendlyName and localKeyId from a bag's attributes (first value of each; others ignored).
/// The name is read from a BMPString (or, leniently, a UTF8String); trailing NULs are dropped.
fn bag_attributes(attrs: Option<&SetOfVec<Attribute>>) -> (Option<String>, Option<Vec<u8>>) {
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

fn check_iterations(n: i64, what: &str) -> Result<u32, Pkcs12Error> {
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

fn check_iterations_u64(n: u64, what: &str) -> Result<u32, Pkcs12Error> {
    check_iterations(i64::try_from(n).unwrap_or(i64::MAX), what)
}

/// The bound [`ITERATION_BUDGET`] names in [`Pkcs12Error::LimitExceeded`].
const BUDGET_EXCEEDED: Pkcs12Error = Pkcs12Error::LimitExceeded {
    what: "key-derivation work (at most 20,000,000 iterations per file)",
};

/// Takes `iterations × blocks` from the budget.
fn charge(budget: &mut u64, iterations: u32, blocks: usize) -> Result<(), Pkcs12Error> {
    take(
        budget,
        u64::from(iterations).saturating_mul(u64::try_from(blocks).unwrap_or(u64::MAX)),
    )
}

/// Takes `cost` iterations from the budget.
fn take(budget: &mut u64, cost: u64) -> Result<(), Pkcs12Error> {
    *budget = budget.checked_sub(cost).ok_or(BUDGET_EXCEEDED)?;
    Ok(())
}

/// Refuses, before any key is derived, work announced in the clear that the budget cannot
/// cover: a file of 20 bags at 10,000,000 iterations each is refused at once, not after two of
/// them have been derived.
fn check_announced(announced: u64, budget: u64) -> Result<(), Pkcs12Error> {
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
fn announced_in_safe_contents(bytes: &[u8], depth: usize, bags: &mut usize) -> u64 {
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
fn announced_in_file(mac_data: Option<&pkcs12::MacData>, auth_safe: &[u8]) -> u64 {
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
fn mac_cost(mac_data: &pkcs12::MacData) -> u64 {
    let alg = &mac_data.mac.algorithm;
    if alg.oid != ID_PBMAC1 {
        let blocks = Hash::from_digest_oid(&alg.oid).map_or(1, Hash::mac_key_blocks);
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

// ---------------------------------------------------------------------------------------------
// Algorithms
// ---------------------------------------------------------------------------------------------

/// A hash for the MAC or the PBKDF2 PRF.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Hash {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
    /// HMAC-Streebog (GOST R 34.11-2012), in `pkcs12_gost.rs`.
    Streebog(gost::Streebog),
}

impl Hash {
    fn is_gost(self) -> bool {
        matches!(self, Self::Streebog(_))
    }

    /// PBKDF2 output blocks the MAC key takes (RFC 7292's KDF: one; GOST: 96 bytes' worth).
    fn mac_key_blocks(self) -> usize {
        match self {
            Self::Streebog(s) => s.mac_key_blocks(),
            _ => 1,
        }
    }

    fn from_digest_oid(oid: &ObjectIdentifier) -> Option<Self> {
        use const_oid::db::rfc5912::{ID_SHA_1, ID_SHA_224, ID_SHA_256, ID_SHA_384, ID_SHA_512};
        Some(match *oid {
            ID_SHA_1 => Self::Sha1,
            ID_SHA_224 => Self::Sha224,
            ID_SHA_256 => Self::Sha256,
            ID_SHA_384 => Self::Sha384,
            ID_SHA_512 => Self::Sha512,
            gost::STREEBOG_256 => Self::Streebog(gost::Streebog::B256),
            gost::STREEBOG_512 => Self::Streebog(gost::Streebog::B512),
            _ => return None,
        })
    }

    fn from_hmac_oid(oid: &ObjectIdentifier) -> Option<Self> {
        // RFC 8018 Appendix B.1: hmacWithSHA1 … hmacWithSHA512 under rsadsi digestAlgorithm.
        const HMAC_SHA1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.7");
        const HMAC_SHA224: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.8");
        const HMAC_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.9");
        const HMAC_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.10");
        const HMAC_SHA512: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.2.11");
        Some(match *oid {
            HMAC_SHA1 => Self::Sha1,
            HMAC_SHA224 => Self::Sha224,
            HMAC_SHA256 => Self::Sha256,
            HMAC_SHA384 => Self::Sha384,
            HMAC_SHA512 => Self::Sha512,
            gost::HMAC_STREEBOG_256 => Self::Streebog(gost::Streebog::B256),
            gost::HMAC_STREEBOG_512 => Self::Streebog(gost::Streebog::B512),
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "SHA1",
            Self::Sha224 => "SHA224",
            Self::Sha256 => "SHA256",
            Self::Sha384 => "SHA384",
            Self::Sha512 => "SHA512",
            Self::Streebog(s) => s.name(),
        }
    }

    fn output_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha224 => 28,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
            Self::Streebog(s) => s.output_len(),
        }
    }

    /// RFC 7292 §5 / Appendix B.4: HMAC keyed by the Appendix B KDF (ID 3) with this hash;
    /// with Streebog, keyed as RFC 9548 §5 says (then `bmp_password` is the UTF-8 password).
    fn verify_pkcs12_mac(
        self,
        bmp_password: &[u8],
        salt: &[u8],
        iterations: u32,
        data: &[u8],
        expected: &[u8],
    ) -> bool {
        fn kdf<D>(pw: &[u8], salt: &[u8], iter: u32) -> Zeroizing<Vec<u8>>
        where
            D: sha2::Digest
                + sha2::digest::FixedOutputReset
                + sha2::digest::block_api::BlockSizeUser,
        {
            let rounds = i32::try_from(iter).unwrap_or(i32::MAX);
            Zeroizing::new(pkcs12::kdf::derive_key::<D>(
                pw,
                salt,
                pkcs12::kdf::Pkcs12KeyType::Mac,
                rounds,
                <D as sha2::Digest>::output_size(),
            ))
        }
        let key = match self {
            Self::Sha1 => kdf::<sha1::Sha1>(bmp_password, salt, iterations),
            Self::Sha224 => kdf::<sha2::Sha224>(bmp_password, salt, iterations),
            Self::Sha256 => kdf::<sha2::Sha256>(bmp_password, salt, iterations),
            Self::Sha384 => kdf::<sha2::Sha384>(bmp_password, salt, iterations),
            Self::Sha512 => kdf::<sha2::Sha512>(bmp_password, salt, iterations),
            Self::Streebog(s) => s.mac_key(bmp_password, salt, iterations),
        };
        self.hmac_verify(&key, data, expected)
    }

    /// HMAC with this hash over `data`, compared with `expected` in constant time.
    fn hmac_verify(self, key: &[u8], data: &[u8], expected: &[u8]) -> bool {
        match self {
            Self::Sha1 => hmac_verify_with::<sha1::Sha1>(key, data, expected),
            Self::Sha224 => hmac_verify_with::<sha2::Sha224>(key, data, expected),
            Self::Sha256 => hmac_verify_with::<sha2::Sha256>(key, data, expected),
            Self::Sha384 => hmac_verify_with::<sha2::Sha384>(key, data, expected),
            Self::Sha512 => hmac_verify_with::<sha2::Sha512>(key, data, expected),
            Self::Streebog(s) => s.hmac_verify(key, data, expected),
        }
    }

    fn pbkdf2(self, password: &[u8], salt: &[u8], iterations: u32, out: &mut [u8]) {
        use pbkdf2::pbkdf2_hmac;
        match self {
            Self::Sha1 => pbkdf2_hmac::<sha1::Sha1>(password, salt, iterations, out),
            Self::Sha224 => pbkdf2_hmac::<sha2::Sha224>(password, salt, iterations, out),
            Self::Sha256 => pbkdf2_hmac::<sha2::Sha256>(password, salt, iterations, out),
            Self::Sha384 => pbkdf2_hmac::<sha2::Sha384>(password, salt, iterations, out),
            Self::Sha512 => pbkdf2_hmac::<sha2::Sha512>(password, salt, iterations, out),
            Self::Streebog(s) => s.pbkdf2(password, salt, iterations, out),
        }
    }
}

/// A block cipher in CBC mode under PBES2.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pbes2Cipher {
    Aes128,
    Aes192,
    Aes256,
    DesEde3,
}

impl Pbes2Cipher {
    fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        use const_oid::db::rfc5911::{ID_AES_128_CBC, ID_AES_192_CBC, ID_AES_256_CBC};
        const DES_EDE3_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.3.7");
        Some(match *oid {
            ID_AES_128_CBC => Self::Aes128,
            ID_AES_192_CBC => Self::Aes192,
            ID_AES_256_CBC => Self::Aes256,
            DES_EDE3_CBC => Self::DesEde3,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Self::Aes128 => "AES-128-CBC",
            Self::Aes192 => "AES-192-CBC",
            Self::Aes256 => "AES-256-CBC",
            Self::DesEde3 => "DES-EDE3-CBC",
        }
    }

    fn key_len(self) -> usize {
        match self {
            Self::Aes128 => 16,
            Self::Aes192 | Self::DesEde3 => 24,
            Self::Aes256 => 32,
        }
    }

    fn block_len(self) -> usize {
        match self {
            Self::DesEde3 => 8,
            _ => 16,
        }
    }

    fn decrypt(self, key: &[u8], iv: &[u8], data: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        use cbc::cipher::KeyInit;
        match self {
            Self::Aes128 => cbc_decrypt(aes::Aes128::new_from_slice(key).ok()?, iv, data),
            Self::Aes192 => cbc_decrypt(aes::Aes192::new_from_slice(key).ok()?, iv, data),
            Self::Aes256 => cbc_decrypt(aes::Aes256::new_from_slice(key).ok()?, iv, data),
            Self::DesEde3 => cbc_decrypt(des::TdesEde3::new_from_slice(key).ok()?, iv, data),
        }
    }
}

/// The RFC 7292 Appendix C password-based encryption schemes (all with the SHA-1 KDF).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pkcs12Pbe {
    TripleDes3Key,
    TripleDes2Key,
    Rc2With128Bit,
    Rc2With40Bit,
}

impl Pkcs12Pbe {
    fn from_oid(oid: &ObjectIdentifier) -> Option<Self> {
        Some(match *oid {
            pkcs12::PKCS_12_PBE_WITH_SHAAND3_KEY_TRIPLE_DES_CBC => Self::TripleDes3Key,
            pkcs12::PKCS_12_PBE_WITH_SHAAND2_KEY_TRIPLE_DES_CBC => Self::TripleDes2Key,
            pkcs12::PKCS_12_PBE_WITH_SHAAND128_BIT_RC2_CBC => Self::Rc2With128Bit,
            pkcs12::PKCS_12_PBEWITH_SHAAND40_BIT_RC2_CBC => Self::Rc2With40Bit,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Self::TripleDes3Key => "pbeWithSHAAnd3-KeyTripleDES-CBC",
            Self::TripleDes2Key => "pbeWithSHAAnd2-KeyTripleDES-CBC",
            Self::Rc2With128Bit => "pbeWithSHAAnd128BitRC2-CBC",
            Self::Rc2With40Bit => "pbeWithSHAAnd40BitRC2-CBC",
        }
    }

    fn key_len(self) -> usize {
        match self {
            Self::TripleDes3Key => 24,
            Self::TripleDes2Key | Self::Rc2With128Bit => 16,
            Self::Rc2With40Bit => 5,
        }
    }

    fn decrypt(self, key: &[u8], iv: &[u8], data: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        use cbc::cipher::KeyInit;
        match self {
            Self::TripleDes3Key => cbc_decrypt(des::TdesEde3::new_from_slice(key).ok()?, iv, data),
            Self::TripleDes2Key => cbc_decrypt(des::TdesEde2::new_from_slice(key).ok()?, iv, data),
            Self::Rc2With128Bit | Self::Rc2With40Bit => {
                if key.is_empty() || key.len() > 128 {
                    return None;
                }
                let bits = key.len() * 8;
                cbc_decrypt(rc2::Rc2::new_with_eff_key_len(key, bits), iv, data)
            }
        }
    }
}

/// CBC decryption with PKCS#7 padding. `None` if the IV length is wrong or the padding is bad.
fn cbc_decrypt<C>(cipher: C, iv: &[u8], data: &[u8]) -> Option<Zeroizing<Vec<u8>>>
where
    C: cbc::cipher::BlockCipherDecrypt,
{
    use cbc::cipher::{BlockModeDecrypt, InnerIvInit, block_padding::Pkcs7};
    let decryptor = cbc::Decryptor::<C>::inner_iv_slice_init(cipher, iv).ok()?;
    let mut buf = Zeroizing::new(data.to_vec());
    let len = decryptor.decrypt_padded::<Pkcs7>(&mut buf).ok()?.len();
    buf.truncate(len);
    Some(buf)
}

/// Parsed PBKDF2 parameters (for PBES2 and PBMAC1).
struct Pbkdf2 {
    prf: Hash,
    salt: Vec<u8>,
    iterations: u32,
    key_length: Option<usize>,
}

impl Pbkdf2 {
    /// Parses the key derivation AlgorithmIdentifier of `scheme` ("PBES2" or "PBMAC1").
    fn parse(kdf: &AlgorithmIdentifierOwned, scheme: &'static str) -> Result<Self, Pkcs12Error> {
        if kdf.oid != ID_PBKDF2 {
            return Err(unsupported(
                &kdf.oid,
                if scheme == "PBMAC1" {
                    "PBMAC1 key derivation function"
                } else {
                    "PBES2 key derivation function"
                },
            ));
        }
        let params = kdf
            .parameters
            .as_ref()
            .ok_or_else(|| malformed(format!("{scheme}'s PBKDF2 has no parameters")))?;
        let params: Pbkdf2Params = decode_any(params, "PBKDF2 parameters")?;
        let salt = if params.salt.tag() == Tag::OctetString {
            params.salt.value().to_vec()
        } else {
            let source: AlgorithmIdentifierOwned = decode_any(&params.salt, "PBKDF2 salt")?;
            return Err(unsupported(&source.oid, "PBKDF2 salt source"));
        };
        let prf = match &params.prf {
            None => Hash::Sha1,
            Some(prf) => Hash::from_hmac_oid(&prf.oid)
                .ok_or_else(|| unsupported(&prf.oid, "PBKDF2 pseudo-random function"))?,
        };
        let key_length = match params.key_length {
            None => None,
            Some(len) => Some(
                usize::try_from(len)
                    .ok()
                    .filter(|&l| l <= 1024)
                    .ok_or_else(|| malformed(format!("PBKDF2 keyLength {len} is too large")))?,
            ),
        };
        Ok(Self {
            prf,
            salt,
            iterations: check_iterations_u64(params.iteration_count, "PBKDF2")?,
            key_length,
        })
    }
}

/// A parsed encryption AlgorithmIdentifier.
enum Scheme {
    Pbes2 {
        prf: Hash,
        salt: Vec<u8>,
        iterations: u32,
        cipher: Pbes2Cipher,
        iv: Vec<u8>,
    },
    Pkcs12 {
        pbe: Pkcs12Pbe,
        salt: Vec<u8>,
        iterations: u32,
    },
    /// PBES2 with a GOST cipher (`pkcs12_gost.rs`).
    Gost {
        prf: Hash,
        salt: Vec<u8>,
        iterations: u32,
        cipher: gost::GostCipher,
    },
}

impl Scheme {
    fn parse(alg: &AlgorithmIdentifierOwned) -> Result<Self, Pkcs12Error> {
        if alg.oid == ID_PBES2 {
            return Self::parse_pbes2(alg);
        }
        let pbe = Pkcs12Pbe::from_oid(&alg.oid)
            .ok_or_else(|| unsupported(&alg.oid, "encryption scheme"))?;
        let params = alg
            .parameters
            .as_ref()
            .ok_or_else(|| malformed(format!("{} has no parameters", pbe.name())))?;
        let params: Pkcs12PbeParams = decode_any(params, &format!("{} parameters", pbe.name()))?;
        Ok(Self::Pkcs12 {
            pbe,
            salt: params.salt.as_bytes().to_vec(),
            iterations: check_iterations_u64(params.iterations, pbe.name())?,
        })
    }

    fn parse_pbes2(alg: &AlgorithmIdentifierOwned) -> Result<Self, Pkcs12Error> {
        let params = alg
            .parameters
            .as_ref()
            .ok_or_else(|| malformed("PBES2 has no parameters"))?;
        let params: pkcs12::pbe_params::Pbes2Params = decode_any(params, "PBES2 parameters")?;
        if params.kdf.oid != ID_PBKDF2 {
            return Err(unsupported(
                &params.kdf.oid,
                "PBES2 key derivation function",
            ));
        }
        if let Some(cipher) = gost::GostCipher::parse(&params.encryption)? {
            let kdf = Pbkdf2::parse(&params.kdf, "PBES2")?;
            if kdf.key_length.is_some_and(|len| len != cipher.key_len()) {
                return Err(malformed(format!(
                    "PBKDF2 keyLength does not fit {}",
                    cipher.name()
                )));
            }
            return Ok(Self::Gost {
                prf: kdf.prf,
                salt: kdf.salt,
                iterations: kdf.iterations,
                cipher,
            });
        }
        let cipher = Pbes2Cipher::from_oid(&params.encryption.oid)
            .ok_or_else(|| unsupported(&params.encryption.oid, "PBES2 cipher"))?;
        let kdf = Pbkdf2::parse(&params.kdf, "PBES2")?;
        if let Some(len) = kdf.key_length
            && len != cipher.key_len()
        {
            return Err(malformed(format!(
                "PBKDF2 keyLength {len} does not fit {}",
                cipher.name()
            )));
        }
        let iv = params
            .encryption
            .parameters
            .as_ref()
            .ok_or_else(|| malformed(format!("{} has no IV", cipher.name())))?;
        let iv: OctetString = decode_any(iv, &format!("the {} IV", cipher.name()))?;
        if iv.as_bytes().len() != cipher.block_len() {
            return Err(malformed(format!(
                "the {} IV is {} bytes long, not {}",
                cipher.name(),
                iv.as_bytes().len(),
                cipher.block_len()
            )));
        }
        Ok(Self::Pbes2 {
            prf: kdf.prf,
            salt: kdf.salt,
            iterations: kdf.iterations,
            cipher,
            iv: iv.as_bytes().to_vec(),
        })
    }

    fn name(&self) -> String {
        match self {
            Self::Pbes2 { prf, cipher, .. } => {
                format!("PBES2 PBKDF2-HMAC-{} {}", prf.name(), cipher.name())
            }
            Self::Pkcs12 { pbe, .. } => pbe.name().to_owned(),
            Self::Gost { prf, cipher, .. } => {
                format!("PBES2 PBKDF2-HMAC-{} {}", prf.name(), cipher.name())
            }
        }
    }

    fn iterations(&self) -> u32 {
        match self {
            Self::Pbes2 { iterations, .. }
            | Self::Pkcs12 { iterations, .. }
            | Self::Gost { iterations, .. } => *iterations,
        }
    }

    fn uses_bmp_password(&self) -> bool {
        matches!(self, Self::Pkcs12 { .. })
    }

    /// Hash-chain iterations one decryption attempt costs: PBKDF2 runs one chain per output
    /// block of its PRF; the RFC 7292 KDF (SHA-1, 20-byte blocks) one per key block and one
    /// for the IV.
    fn cost(&self) -> u64 {
        let (iterations, blocks) = match self {
            Self::Pbes2 {
                prf,
                iterations,
                cipher,
                ..
            } => (*iterations, cipher.key_len().div_ceil(prf.output_len())),
            Self::Pkcs12 {
                pbe, iterations, ..
            } => (*iterations, pbe.key_len().div_ceil(20) + 1),
            Self::Gost {
                prf,
                iterations,
                cipher,
                ..
            } => (*iterations, cipher.key_len().div_ceil(prf.output_len())),
        };
        u64::from(iterations).saturating_mul(blocks as u64)
    }

    fn block_len(&self) -> usize {
        match self {
            Self::Pbes2 { cipher, .. } => cipher.block_len(),
            Self::Pkcs12 { .. } => 8,
            // Stream modes: any length.
            Self::Gost { .. } => 1,
        }
    }

    /// A ciphertext that is empty or not whole blocks is corrupt whatever the password.
    fn check_ciphertext(&self, data: &[u8], part: EncryptedPartKind) -> Result<(), Pkcs12Error> {
        if let Self::Gost { cipher, .. } = self
            && data.len() < cipher.min_len()
        {
            return Err(malformed(format!(
                "the {part}'s ciphertext is {} bytes long, shorter than {}'s {}",
                data.len(),
                cipher.name(),
                cipher.min_len()
            )));
        }
        let bs = self.block_len();
        if data.is_empty() || !data.len().is_multiple_of(bs) {
            return Err(malformed(format!(
                "the {part}'s ciphertext is {} bytes long, not a positive multiple of {bs}",
                data.len()
            )));
        }
        Ok(())
    }

    /// Decrypts with one password form. `Ok(None)` if the padding is wrong (a wrong password,
    /// most likely).
    fn decrypt(
        &self,
        secret: &[u8],
        data: &[u8],
        budget: &mut u64,
    ) -> Result<Option<Zeroizing<Vec<u8>>>, Pkcs12Error> {
        match self {
            Self::Pbes2 {
                prf,
                salt,
                iterations,
                cipher,
                iv,
            } => {
                take(budget, self.cost())?;
                let mut key = Zeroizing::new(vec![0u8; cipher.key_len()]);
                prf.pbkdf2(secret, salt, *iterations, &mut key);
                Ok(cipher.decrypt(&key, iv, data))
            }
            Self::Pkcs12 {
                pbe,
                salt,
                iterations,
            } => {
                use pkcs12::kdf::{Pkcs12KeyType, derive_key};
                let key_len = pbe.key_len();
                take(budget, self.cost())?;
                let rounds = i32::try_from(*iterations).unwrap_or(i32::MAX);
                let key = Zeroizing::new(derive_key::<sha1::Sha1>(
                    secret,
                    salt,
                    Pkcs12KeyType::EncryptionKey,
                    rounds,
                    key_len,
                ));
                let iv = derive_key::<sha1::Sha1>(secret, salt, Pkcs12KeyType::Iv, rounds, 8);
                Ok(pbe.decrypt(&key, &iv, data))
            }
            Self::Gost {
                prf,
                salt,
                iterations,
                cipher,
            } => {
                take(budget, self.cost())?;
                let mut key = Zeroizing::new(vec![0u8; cipher.key_len()]);
                prf.pbkdf2(secret, salt, *iterations, &mut key);
                Ok(cipher.decrypt(&key, data))
            }
        }
    }
}

/// HMAC with hash `D` over `data`, compared with `expected` in constant time (the MACs of
/// every PKCS#12 profile, GOST's included).
pub(super) fn hmac_verify_with<D: hmac::EagerHash>(
    key: &[u8],
    data: &[u8],
    expected: &[u8],
) -> bool {
    use hmac::{KeyInit, Mac};
    let Ok(mut mac) = <hmac::Hmac<D> as KeyInit>::new_from_slice(key) else {
        return false;
    };
    mac.update(data);
    mac.verify_slice(expected).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(rel: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata")
            .join(rel);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// Decrypts an EncryptedPrivateKeyInfo (`openssl pkcs8 -topk8` output) the way a shrouded
    /// key bag is decrypted.
    fn decrypt_pk8(
        der: &[u8],
        password: &str,
    ) -> Result<(String, Zeroizing<Vec<u8>>), Pkcs12Error> {
        let epki = pkcs12::pbe_params::EncryptedPrivateKeyInfo::from_der(der).expect("DER");
        let mut reader = Pkcs12Reader::new(password);
        let plain = reader.decrypt(
            &epki.encryption_algorithm,
            epki.encrypted_data.as_bytes(),
            EncryptedPartKind::ShroudedKeyBag,
            pkcs8_shape_ok,
        )?;
        let name = reader.encrypted_parts[0].algorithm.clone();
        Ok((name, plain))
    }

    #[test]
    fn every_pbes2_prf_and_cipher_and_every_pkcs12_pbe() {
        let expected_key = {
            let pem = String::from_utf8(read("pki/leaf-rsa.key.pem")).unwrap();
            der::pem::decode_vec(pem.as_bytes()).unwrap().1
        };
        for (file, name) in [
            (
                "pbes2-sha1-aes128.pk8",
                "PBES2 PBKDF2-HMAC-SHA1 AES-128-CBC",
            ),
            (
                "pbes2-sha224-aes192.pk8",
                "PBES2 PBKDF2-HMAC-SHA224 AES-192-CBC",
            ),
            (
                "pbes2-sha256-aes256.pk8",
                "PBES2 PBKDF2-HMAC-SHA256 AES-256-CBC",
            ),
            (
                "pbes2-sha384-aes256.pk8",
                "PBES2 PBKDF2-HMAC-SHA384 AES-256-CBC",
            ),
            (
                "pbes2-sha512-aes256.pk8",
                "PBES2 PBKDF2-HMAC-SHA512 AES-256-CBC",
            ),
            (
                "pbes2-sha1-des-ede3.pk8",
                "PBES2 PBKDF2-HMAC-SHA1 DES-EDE3-CBC",
            ),
            ("pbe-sha1-3des.pk8", "pbeWithSHAAnd3-KeyTripleDES-CBC"),
            ("pbe-sha1-2des.pk8", "pbeWithSHAAnd2-KeyTripleDES-CBC"),
            ("pbe-sha1-rc2-128.pk8", "pbeWithSHAAnd128BitRC2-CBC"),
            ("pbe-sha1-rc2-40.pk8", "pbeWithSHAAnd40BitRC2-CBC"),
        ] {
            let der = read(&format!("pkcs12/{file}"));
            let (got_name, key) = decrypt_pk8(&der, "signflow-test").unwrap();
            assert_eq!(got_name, name, "{file}");
            assert_eq!(key.as_slice(), expected_key.as_slice(), "{file}");
            assert!(
                matches!(
                    decrypt_pk8(&der, "signflow-tesT"),
                    Err(Pkcs12Error::WrongPassword)
                ),
                "{file} with a wrong password"
            );
        }
    }

    #[test]
    fn unsupported_schemes_name_their_oid() {
        for (file, oid, what) in [
            (
                "pbes2-scrypt-aes256.pk8",
                "1.3.6.1.4.1.11591.4.11",
                "PBES2 key derivation function",
            ),
            (
                "pbes1-md5-des.pk8",
                "1.2.840.113549.1.5.3",
                "encryption scheme",
            ),
        ] {
            let der = read(&format!("pkcs12/{file}"));
            match decrypt_pk8(&der, "signflow-test") {
                Err(Pkcs12Error::UnsupportedAlgorithm { oid: o, what: w }) => {
                    assert_eq!((o.as_str(), w), (oid, what), "{file}");
                }
                other => panic!("{file}: {other:?}"),
            }
        }
    }

    #[test]
    fn password_forms_follow_openssl() {
        let forms = password_forms("");
        assert_eq!(forms.len(), 2);
        assert_eq!(forms[0].bmp.as_slice(), &[0, 0]);
        assert!(forms[1].bmp.is_empty());
        let forms = password_forms("ab");
        assert_eq!(forms.len(), 1);
        assert_eq!(forms[0].bmp.as_slice(), &[0, b'a', 0, b'b', 0, 0]);
        assert_eq!(forms[0].utf8.as_slice(), b"ab");
        // Outside the BMP: a surrogate pair, as OpenSSL's OPENSSL_utf82uni writes it.
        let forms = password_forms("я😀");
        assert_eq!(
            forms[0].bmp.as_slice(),
            &[0x04, 0x4F, 0xD8, 0x3D, 0xDE, 0x00, 0, 0]
        );
        // The pre-1.1.0 OpenSSL form: each UTF-8 byte a character.
        assert_eq!(forms[1].bmp.as_slice()[..4], [0, 0xD1, 0, 0x8F]);
    }

    /// Which password form verifies the MAC of a file.
    fn mac_form(rel: &str, password: &str) -> Option<usize> {
        let pfx = Pfx::from_ber(&read(rel)).unwrap();
        let Content::Data(auth_safe) = pfx.auth_safe.content else {
            panic!("{rel}: not data");
        };
        let mut reader = Pkcs12Reader::new(password);
        reader
            .verify_mac(pfx.mac_data.as_ref().unwrap(), auth_safe.as_bytes())
            .unwrap();
        reader.mac_form
    }

    #[test]
    fn the_password_form_that_verifies_the_mac() {
        // OpenSSL's empty password: the BMPString terminator 00 00.
        assert_eq!(mac_form("pki/leaf-rsa-empty-password.p12", ""), Some(0));
        // pyca/cryptography with no password: the zero-length string.
        assert_eq!(
            mac_form("pkcs12/cryptography-vectors/name-1-no-pwd.p12", ""),
            Some(1)
        );
        // UTF-16BE for non-ASCII; "bytes as characters" for the old encoding.
        assert_eq!(
            mac_form("pkcs12/nonascii-password.p12", "пароль-тест"),
            Some(0)
        );
        assert_eq!(
            mac_form("pkcs12/latin1-password-legacy.p12", "пароль"),
            Some(1)
        );
    }

    #[test]
    fn identity_pairs_by_public_key_when_local_key_ids_are_missing_or_wrong() {
        let Some(provider) = CryptoProvider::all_compiled().first().copied() else {
            return;
        };
        let rsa = Pkcs12::from_der(&read("pki/leaf-rsa.p12"), "signflow-test").unwrap();
        let ed = Pkcs12::from_der(&read("pki/leaf-ed25519.p12"), "signflow-test").unwrap();
        let leaf = rsa.certificates[0].der.clone();
        let copy_key = |k: &Pkcs12PrivateKey, id: Option<Vec<u8>>| Pkcs12PrivateKey {
            pkcs8_der: k.pkcs8_der.clone(),
            friendly_name: None,
            local_key_id: id,
            shrouded: k.shrouded,
        };
        let strip = |c: &Pkcs12Certificate| Pkcs12Certificate {
            local_key_id: None,
            ..c.clone()
        };
        // No localKeyId anywhere; the leaf last, after the ed25519 leaf and the root.
        let certs = vec![
            strip(&ed.certificates[0]),
            strip(&rsa.certificates[2]),
            strip(&rsa.certificates[1]),
            strip(&rsa.certificates[0]),
        ];
        let p12 = Pkcs12 {
            certificates: certs.clone(),
            private_keys: vec![copy_key(&rsa.private_keys[0], None)],
            info: rsa.info.clone(),
        };
        let id = p12.identity(provider).unwrap();
        assert_eq!(id.certificate, leaf);
        assert_eq!(
            id.chain,
            [
                rsa.certificates[1].der.clone(),
                rsa.certificates[2].der.clone()
            ]
        );
        assert_eq!(id.friendly_name.as_deref(), Some("leaf-rsa"));
        // The key claims the ed25519 leaf's localKeyId: the public key decides.
        let mut certs_with_id = certs.clone();
        certs_with_id[0].local_key_id = Some(b"key-1".to_vec());
        let p12 = Pkcs12 {
            certificates: certs_with_id,
            private_keys: vec![copy_key(&rsa.private_keys[0], Some(b"key-1".to_vec()))],
            info: rsa.info.clone(),
        };
        assert_eq!(p12.identity(provider).unwrap().certificate, leaf);
        // The RSA key with only the ed25519 file's certificates.
        let p12 = Pkcs12 {
            certificates: ed.certificates.clone(),
            private_keys: vec![copy_key(&rsa.private_keys[0], None)],
            info: rsa.info.clone(),
        };
        assert!(matches!(
            p12.identity(provider),
            Err(Pkcs12Error::NoMatchingCertificate)
        ));
    }

    #[test]
    fn budget_and_iteration_bounds() {
        assert!(matches!(
            check_iterations(0, "MAC"),
            Err(Pkcs12Error::Malformed { .. })
        ));
        assert!(matches!(
            check_iterations(-5, "MAC"),
            Err(Pkcs12Error::Malformed { .. })
        ));
        assert_eq!(check_iterations(10_000_000, "MAC").unwrap(), 10_000_000);
        assert!(matches!(
            check_iterations(10_000_001, "MAC"),
            Err(Pkcs12Error::LimitExceeded { .. })
        ));
        assert!(matches!(
            check_iterations_u64(u64::MAX, "PBKDF2"),
            Err(Pkcs12Error::LimitExceeded { .. })
        ));
        let mut budget = ITERATION_BUDGET;
        charge(&mut budget, 10_000_000, 2).unwrap();
        assert_eq!(budget, 0);
        assert!(matches!(
            charge(&mut budget, 1, 1),
            Err(Pkcs12Error::LimitExceeded { .. })
        ));
    }
}
