//! The crypto provider boundary.
//!
//! Every signature check, signature, digest and random byte in signflow goes through a
//! [`CryptoProvider`]: a plain struct of `&'static dyn` traits, shaped like rustls'
//! `CryptoProvider`. Keys cross the boundary as bytes (SubjectPublicKeyInfo DER for public keys,
//! PKCS#8 DER for private keys), so backends can be swapped without touching the formats above.
//!
//! Backends, one per cargo feature, each with a `DEFAULT_PROVIDER`:
//!
//! | feature      | module                | what it is                                        |
//! |--------------|-----------------------|---------------------------------------------------|
//! | `aws-lc-rs`  | [`aws_lc`] (default)  | AWS-LC through `aws-lc-rs`                        |
//! | `rustcrypto` | [`rustcrypto`]        | pure Rust: `rsa` 0.10, `p256`, `p384`, `p521` (verify), `ed25519-dalek`, `sha2` |
//!
//! The symmetric primitives no backend offers live in crate-private modules here, on RustCrypto
//! crates whatever the backend: `mac` (HMAC over the provider's digests, constant-time
//! comparison), `symmetric` (the KDFs, ciphers and MACs of password-based encryption: PBKDF2,
//! the RFC 7292 KDF, AES / triple DES / RC2 CBC, the GOST ciphers) and `keywrap` (AES and
//! triple-DES key unwrap, RSA key transport, ML-KEM decapsulation).
//!
//! # Example
//! ```
//! # #[cfg(any(feature = "aws-lc-rs", feature = "rustcrypto"))] {
//! use signflow::crypto::{CryptoProvider, SignatureAlgorithm};
//!
//! // The installed provider, else the compiled-in backend.
//! let provider = CryptoProvider::current();
//! let key_pem = include_str!("../../testdata/pki/leaf-ecdsa-p256.key.pem");
//! let key = provider.load_private_key_pem(key_pem)?;
//! let sig = key.sign(&SignatureAlgorithm::ECDSA_SHA256, b"act no. 17")?;
//! provider.verify(&SignatureAlgorithm::ECDSA_SHA256, key.public_key_der(), b"act no. 17", &sig)?;
//! assert!(provider
//!     .verify(&SignatureAlgorithm::ECDSA_SHA256, key.public_key_der(), b"act no. 18", &sig)
//!     .is_err());
//! # }
//! # Ok::<(), signflow::crypto::CryptoError>(())
//! ```

use core::fmt::Debug;
use std::sync::OnceLock;

mod algorithm;
mod dsa;
mod error;
mod hash_policy;
pub(crate) mod keywrap;
pub(crate) mod mac;
mod native;
mod public_key;
mod pure_sig;
mod rc_verify;
pub(crate) mod symmetric;

pub mod gost;

#[cfg(feature = "aws-lc-rs")]
pub mod aws_lc;
#[cfg(feature = "rustcrypto")]
pub mod rustcrypto;

pub use algorithm::{EcdsaEncoding, HashAlgorithm, PssParams, SignatureAlgorithm, oid};
pub use error::CryptoError;
pub use hash_policy::HashPolicy;
pub use public_key::{
    KeyKind, MAX_RSA_BITS, MIN_RSA_SIGN_BITS, MIN_RSA_VERIFY_BITS, PublicKeyInfo,
    ecdsa_der_to_fixed, ecdsa_fixed_to_der, inherit_dsa_parameters,
};
pub use pure_sig::{MlDsaLevel, SlhDsaSet};

/// Checks signatures. Implementations take the key as SubjectPublicKeyInfo DER.
///
/// Callers normally use [`CryptoProvider::verify`], which checks the algorithm and key once
/// before calling the backend.
pub trait SignatureVerifier: Send + Sync + Debug {
    /// Verifies `signature` over `message` with `key`.
    ///
    /// # Errors
    /// [`CryptoError::BadSignature`] if it does not verify; other variants for bad input.
    fn verify(
        &self,
        alg: &SignatureAlgorithm,
        key: &PublicKeyInfo<'_>,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError>;

    /// Verifies `signature` over a message whose `digest` the caller computed (streaming).
    /// Not available for Ed25519, which signs the message itself.
    ///
    /// # Errors
    /// As [`SignatureVerifier::verify`].
    fn verify_prehashed(
        &self,
        alg: &SignatureAlgorithm,
        key: &PublicKeyInfo<'_>,
        digest: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError>;

    /// Verifies `signature` over `message` under a context string (ML-DSA, SLH-DSA, Ed448,
    /// Ed25519ph and Ed25519ctx take one; at most 255 bytes).
    ///
    /// The default verifies those schemes on signflow's RustCrypto implementations (the same
    /// for every backend; ML-DSA, SLH-DSA and Ed448 only with the `extra-algorithms` feature,
    /// refused as unsupported without it) and passes an empty context for any other algorithm to
    /// [`SignatureVerifier::verify`]; a backend with its own implementations overrides it.
    ///
    /// # Errors
    /// As [`SignatureVerifier::verify`]; [`CryptoError::UnsupportedAlgorithm`] for a non-empty
    /// context with an algorithm that takes none, [`CryptoError::Malformed`] for a context
    /// over 255 bytes.
    fn verify_with_context(
        &self,
        alg: &SignatureAlgorithm,
        key: &PublicKeyInfo<'_>,
        context: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        if let Some(result) = pure_sig::verify(alg, key, context, message, signature) {
            return result;
        }
        if context.is_empty() {
            self.verify(alg, key, message, signature)
        } else {
            Err(CryptoError::unsupported(format!(
                "{alg} takes no context string"
            )))
        }
    }
}

/// Loads private keys from PKCS#8 DER (RFC 5958 `OneAsymmetricKey`).
pub trait KeyLoader: Send + Sync + Debug {
    /// Loads an unencrypted PKCS#8 private key.
    ///
    /// # Errors
    /// [`CryptoError::InvalidPrivateKey`] for malformed keys, [`CryptoError::UnsupportedAlgorithm`]
    /// naming an unknown key algorithm.
    fn load_pkcs8(&self, der: &[u8]) -> Result<Box<dyn SigningKey>, CryptoError>;
}

/// A private key able to sign. Key material is zeroized when the key is dropped.
pub trait SigningKey: Send + Sync + Debug {
    /// The matching public key as SubjectPublicKeyInfo DER.
    fn public_key_der(&self) -> &[u8];

    /// Key family and parameters.
    fn kind(&self) -> KeyKind;

    /// The algorithm to use when the caller has no preference: RSA PKCS#1 v1.5 with SHA-256,
    /// ECDSA with the curve's hash (SHA-256 for P-256, SHA-384 for P-384), Ed25519.
    fn default_algorithm(&self) -> SignatureAlgorithm {
        match self.kind() {
            KeyKind::Rsa {
                pss_only: false, ..
            } => SignatureAlgorithm::RSA_PKCS1_SHA256,
            KeyKind::Rsa { pss_only: true, .. } => SignatureAlgorithm::RSA_PSS_SHA256,
            KeyKind::EcP384 => SignatureAlgorithm::ECDSA_SHA384,
            // No backend loads P-521 private keys; the arm keeps the match total.
            KeyKind::EcP521 => SignatureAlgorithm::ECDSA_SHA512,
            KeyKind::EcP256 => SignatureAlgorithm::ECDSA_SHA256,
            KeyKind::Ed25519 => SignatureAlgorithm::Ed25519,
            // No backend loads DSA, Ed448, ML-DSA or SLH-DSA private keys; the arms keep the
            // match total.
            KeyKind::Dsa => SignatureAlgorithm::Dsa(HashAlgorithm::Sha256),
            KeyKind::Ed448 => SignatureAlgorithm::Ed448,
            KeyKind::MlDsa(level) => SignatureAlgorithm::MlDsa(level),
            KeyKind::SlhDsa(set) => SignatureAlgorithm::SlhDsa(set),
            KeyKind::Gost {
                algorithm: gost::KeyAlgorithm::Gost2012_512,
                ..
            } => SignatureAlgorithm::Gost2012_512,
            KeyKind::Gost { .. } => SignatureAlgorithm::Gost2012_256,
        }
    }

    /// Signs `message` with `alg`.
    ///
    /// # Errors
    /// [`CryptoError::KeyMismatch`] if the key cannot make `alg` signatures,
    /// [`CryptoError::VerifyOnly`] for SHA-1, [`CryptoError::UnsupportedAlgorithm`] for
    /// combinations the backend cannot sign (ECDSA P-256 with SHA-512, say).
    fn sign(&self, alg: &SignatureAlgorithm, message: &[u8]) -> Result<Vec<u8>, CryptoError>;
}

/// Creates streaming hashers.
pub trait DigestProvider: Send + Sync + Debug {
    /// Starts a new hash computation.
    ///
    /// # Errors
    /// [`CryptoError::UnsupportedAlgorithm`] if the backend lacks `alg`.
    fn hasher(&self, alg: HashAlgorithm) -> Result<Box<dyn Hasher>, CryptoError>;
}

/// A running hash computation (`update` as often as needed, then `finalize`).
pub trait Hasher: Send {
    /// Feeds more data.
    fn update(&mut self, data: &[u8]);
    /// Finishes and returns the digest.
    fn finalize(self: Box<Self>) -> Digest;
}

/// Source of cryptographically secure random bytes.
pub trait SecureRandom: Send + Sync + Debug {
    /// Fills `dest` with random bytes.
    ///
    /// # Errors
    /// [`CryptoError::Backend`] if the system generator fails.
    fn fill(&self, dest: &mut [u8]) -> Result<(), CryptoError>;
}

/// A finished digest: up to 64 bytes, kept inline (no allocation on the verify path).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Digest {
    algorithm: HashAlgorithm,
    bytes: [u8; 64],
}

impl Digest {
    /// Wraps digest bytes computed by a backend.
    ///
    /// # Panics
    /// If `bytes` is not `algorithm.output_len()` long: backends produce exact lengths.
    pub fn new(algorithm: HashAlgorithm, bytes: &[u8]) -> Self {
        assert_eq!(
            bytes.len(),
            algorithm.output_len(),
            "digest length of {algorithm}"
        );
        let mut buf = [0u8; 64];
        buf[..bytes.len()].copy_from_slice(bytes);
        Self {
            algorithm,
            bytes: buf,
        }
    }

    /// The algorithm that produced this digest.
    pub fn algorithm(&self) -> HashAlgorithm {
        self.algorithm
    }
}

impl AsRef<[u8]> for Digest {
    fn as_ref(&self) -> &[u8] {
        &self.bytes[..self.algorithm.output_len()]
    }
}

impl Debug for Digest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Digest({}, ", self.algorithm)?;
        for b in self.as_ref() {
            write!(f, "{b:02x}")?;
        }
        f.write_str(")")
    }
}

/// A set of crypto backends: signature verification, private keys, digests and randomness.
///
/// Build one with struct update syntax to mix backends:
/// ```
/// # #[cfg(all(feature = "aws-lc-rs", feature = "rustcrypto"))] {
/// use signflow::crypto::{CryptoProvider, aws_lc, rustcrypto};
/// let mixed = CryptoProvider {
///     name: "aws-lc-rs verify, rustcrypto digests",
///     digests: rustcrypto::DEFAULT_PROVIDER.digests,
///     ..aws_lc::DEFAULT_PROVIDER
/// };
/// # let _ = mixed; }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct CryptoProvider {
    /// Name shown in reports and benchmarks.
    pub name: &'static str,
    /// Signature verification.
    pub verifier: &'static dyn SignatureVerifier,
    /// Private key loading (and through it, signing).
    pub key_loader: &'static dyn KeyLoader,
    /// Message digests.
    pub digests: &'static dyn DigestProvider,
    /// Random bytes.
    pub random: &'static dyn SecureRandom,
}

static INSTALLED: OnceLock<CryptoProvider> = OnceLock::new();

impl CryptoProvider {
    /// Makes `self` the process-wide default returned by [`CryptoProvider::get_default`].
    ///
    /// # Errors
    /// Returns the provider already installed if there is one (the first install wins).
    pub fn install_default(self) -> Result<(), CryptoProvider> {
        INSTALLED
            .set(self)
            .map_err(|_| *INSTALLED.get().expect("set"))
    }

    /// The process-wide default: the installed provider, or else the compiled-in backend when
    /// exactly one backend feature is enabled. With both backends compiled in and none
    /// installed this is `None`: the caller must choose.
    pub fn get_default() -> Option<&'static CryptoProvider> {
        if let Some(p) = INSTALLED.get() {
            return Some(p);
        }
        #[cfg(all(feature = "aws-lc-rs", not(feature = "rustcrypto")))]
        return Some(&aws_lc::DEFAULT_PROVIDER);
        #[cfg(all(feature = "rustcrypto", not(feature = "aws-lc-rs")))]
        return Some(&rustcrypto::DEFAULT_PROVIDER);
        #[allow(unreachable_code)]
        None
    }

    /// The provider to use when the caller names none: the installed one
    /// ([`CryptoProvider::install_default`]), else the compiled-in backend — AWS-LC when both
    /// are compiled in. Every API that takes an optional provider resolves it here, so a
    /// service installs one at startup (or lets the build decide) and passes none afterwards.
    ///
    /// ```
    /// use signflow::crypto::CryptoProvider;
    /// let provider = CryptoProvider::current();
    /// assert!(CryptoProvider::all_compiled().iter().any(|p| p.name == provider.name));
    /// ```
    pub fn current() -> &'static CryptoProvider {
        if let Some(p) = Self::get_default() {
            return p;
        }
        #[cfg(feature = "aws-lc-rs")]
        return &aws_lc::DEFAULT_PROVIDER;
        #[cfg(all(feature = "rustcrypto", not(feature = "aws-lc-rs")))]
        return &rustcrypto::DEFAULT_PROVIDER;
    }

    /// Every backend compiled into this build, for tests and benchmarks that cover them all.
    #[allow(clippy::vec_init_then_push)] // each push is behind its own feature
    pub fn all_compiled() -> Vec<&'static CryptoProvider> {
        let mut all: Vec<&'static CryptoProvider> = Vec::new();
        #[cfg(feature = "aws-lc-rs")]
        all.push(&aws_lc::DEFAULT_PROVIDER);
        #[cfg(feature = "rustcrypto")]
        all.push(&rustcrypto::DEFAULT_PROVIDER);
        all
    }

    /// Verifies `signature` over `message` with the public key `spki_der` (SubjectPublicKeyInfo
    /// DER).
    ///
    /// # Errors
    /// [`CryptoError::BadSignature`] if the signature does not verify;
    /// [`CryptoError::InvalidPublicKey`], [`CryptoError::KeyMismatch`] or
    /// [`CryptoError::UnsupportedAlgorithm`] if the key or algorithm cannot be used.
    pub fn verify(
        &self,
        alg: &SignatureAlgorithm,
        spki_der: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        let key = Self::prepare(alg, spki_der)?;
        self.verifier.verify(alg, &key, message, signature)
    }

    /// Verifies `signature` over `message` under a `context` string, for the schemes that take
    /// one (ML-DSA, SLH-DSA, Ed448, Ed448ph, Ed25519ph, Ed25519ctx); an empty context is the
    /// same as [`CryptoProvider::verify`].
    ///
    /// # Errors
    /// As [`CryptoProvider::verify`]; see [`SignatureVerifier::verify_with_context`].
    pub fn verify_with_context(
        &self,
        alg: &SignatureAlgorithm,
        spki_der: &[u8],
        context: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        let key = Self::prepare(alg, spki_der)?;
        self.verifier
            .verify_with_context(alg, &key, context, message, signature)
    }

    /// Verifies `signature` given the message's `digest` rather than the message (for content
    /// streamed through a [`Hasher`]). Ed25519 has no prehashed form and is refused.
    ///
    /// # Errors
    /// As [`CryptoProvider::verify`]; also [`CryptoError::DigestLength`].
    pub fn verify_prehashed(
        &self,
        alg: &SignatureAlgorithm,
        spki_der: &[u8],
        digest: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        let key = Self::prepare(alg, spki_der)?;
        let hash = alg.hash().ok_or_else(|| {
            CryptoError::unsupported("Ed25519 signs the message itself, not a digest")
        })?;
        if digest.len() != hash.output_len() {
            return Err(CryptoError::DigestLength {
                expected: hash.output_len(),
                actual: digest.len(),
            });
        }
        self.verifier.verify_prehashed(alg, &key, digest, signature)
    }

    fn prepare<'a>(
        alg: &SignatureAlgorithm,
        spki_der: &'a [u8],
    ) -> Result<PublicKeyInfo<'a>, CryptoError> {
        alg.check_supported()?;
        let key = PublicKeyInfo::parse(spki_der)?;
        key.check_algorithm(alg)?;
        Ok(key)
    }

    /// Loads an unencrypted PKCS#8 private key from DER.
    ///
    /// # Errors
    /// See [`KeyLoader::load_pkcs8`].
    pub fn load_private_key_der(&self, der: &[u8]) -> Result<Box<dyn SigningKey>, CryptoError> {
        self.key_loader.load_pkcs8(der)
    }

    /// Loads an unencrypted PKCS#8 private key from PEM (`-----BEGIN PRIVATE KEY-----`).
    ///
    /// # Errors
    /// [`CryptoError::InvalidPrivateKey`] if the text is not a PKCS#8 PEM block; otherwise as
    /// [`KeyLoader::load_pkcs8`].
    pub fn load_private_key_pem(&self, pem: &str) -> Result<Box<dyn SigningKey>, CryptoError> {
        let (label, der) = pem_rfc7468_decode(pem)?;
        if label != "PRIVATE KEY" {
            return Err(CryptoError::InvalidPrivateKey(format!(
                "expected a PKCS#8 \"PRIVATE KEY\" PEM block, found \"{label}\""
            )));
        }
        let der = zeroize::Zeroizing::new(der);
        self.key_loader.load_pkcs8(&der)
    }

    /// Hashes `data` in one call.
    ///
    /// # Errors
    /// [`CryptoError::UnsupportedAlgorithm`] if the backend lacks `alg`.
    pub fn digest(&self, alg: HashAlgorithm, data: &[u8]) -> Result<Digest, CryptoError> {
        let mut h = self.digests.hasher(alg)?;
        h.update(data);
        Ok(h.finalize())
    }
}

fn pem_rfc7468_decode(pem: &str) -> Result<(String, Vec<u8>), CryptoError> {
    let (label, der) = der::pem::decode_vec(pem.as_bytes())
        .map_err(|e| CryptoError::InvalidPrivateKey(format!("not a PEM block: {e}")))?;
    Ok((label.to_owned(), der))
}

/// Reads the algorithm of a PKCS#8 key: the key kind it will be (curve from the parameters).
pub(crate) fn pkcs8_key_kind(der: &[u8]) -> Result<KeyKind, CryptoError> {
    use der::Decode;
    let info = pkcs8::PrivateKeyInfoRef::from_der(der)
        .map_err(|e| CryptoError::InvalidPrivateKey(format!("not a DER PKCS#8 key: {e}")))?;
    match info.algorithm.oid {
        oid::RSA_ENCRYPTION => Ok(KeyKind::Rsa {
            bits: 0,
            pss_only: false,
        }),
        oid::EC_PUBLIC_KEY => {
            let curve = info
                .algorithm
                .parameters
                .and_then(|p| p.decode_as::<const_oid::ObjectIdentifier>().ok())
                .ok_or_else(|| CryptoError::InvalidPrivateKey("EC key names no curve".into()))?;
            match curve {
                oid::SECP256R1 => Ok(KeyKind::EcP256),
                oid::SECP384R1 => Ok(KeyKind::EcP384),
                oid::SECP521R1 => Err(CryptoError::unsupported(
                    "P-521 private keys (P-521 is verify-only)",
                )),
                other => Err(CryptoError::unsupported(format!("elliptic curve {other}"))),
            }
        }
        oid::ED25519 => Ok(KeyKind::Ed25519),
        oid::GOST2012_256 | oid::GOST2012_512 | gost::oid::GOST3410_2001 => {
            let key = gost::PrivateKey::from_pkcs8_der(der)?;
            Ok(KeyKind::Gost {
                algorithm: key.algorithm(),
                params: key.params(),
            })
        }
        other => Err(CryptoError::unsupported(format!(
            "private key algorithm {other}"
        ))),
    }
}

/// Checks a signing request common to all backends: the key fits, SHA-1 is refused.
/// The error for loading a private key of a kind signflow only verifies with.
pub(crate) fn verify_only_key(kind: KeyKind) -> CryptoError {
    CryptoError::unsupported(format!(
        "{} private keys ({} is verify-only)",
        kind.name(),
        kind.name()
    ))
}

pub(crate) fn check_signing(
    kind: KeyKind,
    public_key_der: &[u8],
    alg: &SignatureAlgorithm,
) -> Result<(), CryptoError> {
    alg.check_signable()?;
    if let KeyKind::Rsa { bits, .. } = kind
        && bits < MIN_RSA_SIGN_BITS
    {
        return Err(CryptoError::InvalidPrivateKey(format!(
            "RSA-{bits} is too small to sign with (minimum {MIN_RSA_SIGN_BITS} bits)"
        )));
    }
    let info = PublicKeyInfo {
        kind,
        key: public_key_der,
        spki: public_key_der,
    };
    info.check_algorithm(alg)?;
    if alg.is_weak() || alg.is_verify_only() {
        return Err(CryptoError::VerifyOnly(*alg));
    }
    Ok(())
}
