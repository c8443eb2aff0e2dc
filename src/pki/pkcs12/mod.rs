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
//! | GOST ([RFC 9548], Р 50.1.112-2016, OpenSSL's GOST engine; `pkcs12/gost.rs`, the ciphers in `crypto/symmetric/gost.rs`) | MAC HMAC-Streebog-256/512 keyed by the last 32 of 96 bytes of PBKDF2-HMAC-Streebog over the UTF-8 password; PBES2 with PBKDF2-HMAC-Streebog-256/512 (or the SHA PRFs) and GOST 28147-89 CFB (S-boxes Test, CryptoPro-A/B/C, TC26-Z; not CryptoPro-D; CryptoPro key meshing), Kuznyechik or Magma CTR-ACPKM and CTR-ACPKM-OMAC |
//! | bags | keyBag, pkcs8ShroudedKeyBag, certBag (X.509), safeContentsBag; CRL, secret and unknown bags are counted and skipped |
//!
//! [`to_der_gost`] writes the TC26 profile (`pkcs12/gost_write.rs`).
//!
//! The module's parts: `asn1.rs` (the PFX, ContentInfo, SafeBag and parameter structures),
//! `scheme.rs` (which OID selects which key derivation and cipher), `reader.rs` (the MAC, the
//! parts and bags, the password forms and the work budget), `chain.rs` (pairing the key with
//! its certificate, the chain order); the KDFs, ciphers and MACs themselves are in
//! `crypto/symmetric/`.
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
use der::Decode;
use zeroize::Zeroizing;

use crate::crypto::{CryptoError, CryptoProvider, SigningKey};

mod asn1;
mod chain;
mod gost;
mod gost_write;
mod reader;
mod scheme;
#[cfg(test)]
mod tests;

pub use gost_write::{GostPbeCipher, to_der_gost};

use asn1::{Content, ContentInfo, ID_SIGNED_DATA, Pfx, for_each_element};
use reader::{Pkcs12Reader, announced_in_file, check_announced};

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
    /// The certificate of `key` (its DER: [`Certificate::der`](crate::pki::Certificate::der)).
    pub certificate: crate::pki::Certificate,
    /// The certificates above it found in the file: the certificate's issuer first, then that
    /// one's issuer, up towards the root (included if the file has it).
    pub chain: Vec<crate::pki::Certificate>,
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
/// let der = include_bytes!("../../../testdata/pki/leaf-rsa.p12");
/// let p12 = Pkcs12::from_der(der, "signflow-test")?;
/// assert_eq!(p12.certificates().len(), 3);
/// assert_eq!(p12.info().mac.as_ref().map(|m| m.algorithm.as_str()), Some("HMAC-SHA256"));
///
/// let provider = CryptoProvider::current();
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
    /// let der = include_bytes!("../../../testdata/pki/leaf-rsa.p12");
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
    /// let der = include_bytes!("../../../testdata/pki/leaf-rsa-legacy.p12");
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
    /// let der = include_bytes!("../../../testdata/pki/leaf-rsa.p12");
    /// let p12 = Pkcs12::from_der(der, "signflow-test")?;
    /// let provider = CryptoProvider::current();
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

        let mut parsed: Vec<Option<crate::pki::Certificate>> = self
            .certificates
            .iter()
            .map(|c| crate::pki::Certificate::from_der(&c.der).ok())
            .collect();
        let matches_key = |p: &Option<crate::pki::Certificate>| {
            p.as_ref()
                .is_some_and(|p| chain::same_public_key(p.spki_der(), key.public_key_der()))
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

        let chain = chain::build_chain(&parsed, leaf);
        let leaf_bag = self
            .certificates
            .get(leaf)
            .ok_or(Pkcs12Error::NoMatchingCertificate)?;
        // The certificates already parsed are handed back, not parsed again.
        let certificate = parsed
            .get_mut(leaf)
            .and_then(Option::take)
            .ok_or(Pkcs12Error::NoMatchingCertificate)?;
        Ok(Identity {
            certificate,
            chain: chain
                .iter()
                .filter_map(|&i| parsed.get_mut(i).and_then(Option::take))
                .collect(),
            key,
            friendly_name: key_bag
                .friendly_name
                .clone()
                .or_else(|| leaf_bag.friendly_name.clone()),
        })
    }
}
