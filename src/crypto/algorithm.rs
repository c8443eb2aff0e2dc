//! Algorithm identifiers: hashes, signature schemes and their ASN.1 encodings.
//!
//! X.509 (RFC 5280 §4.1.1.2), CMS (RFC 5652 §10.1) and PKCS#8 name algorithms with an
//! `AlgorithmIdentifier`:
//!
//! ```text
//! AlgorithmIdentifier  ::=  SEQUENCE  {
//!      algorithm               OBJECT IDENTIFIER,
//!      parameters              ANY DEFINED BY algorithm OPTIONAL  }
//! ```
//!
//! This module maps those to the closed set of [`SignatureAlgorithm`]s and [`HashAlgorithm`]s
//! the providers implement, reading RSA-PSS parameters (RFC 4055 §3.1) from the identifier.

use core::fmt;

use const_oid::ObjectIdentifier;
use der::asn1::{AnyRef, Null};
use der::{Decode, Encode, Sequence};
use spki::AlgorithmIdentifierRef;

use super::CryptoError;
use super::pure_sig::{MlDsaLevel, SlhDsaSet};

/// Object identifiers used by the crypto layer.
pub mod oid {
    use const_oid::ObjectIdentifier as Oid;

    /// `rsaEncryption` (RFC 8017).
    pub const RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
    /// `md5WithRSAEncryption` (RFC 3279): broken, verify-only behind `allow_md5`.
    pub const MD5_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.4");
    /// `sha1WithRSAEncryption`.
    pub const SHA1_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.5");
    /// `sha256WithRSAEncryption`.
    pub const SHA256_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
    /// `sha384WithRSAEncryption`.
    pub const SHA384_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.12");
    /// `sha512WithRSAEncryption`.
    pub const SHA512_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.13");
    /// `id-RSASSA-PSS` (RFC 4055).
    pub const RSASSA_PSS: Oid = Oid::new_unwrap("1.2.840.113549.1.1.10");
    /// `id-mgf1` (RFC 4055).
    pub const MGF1: Oid = Oid::new_unwrap("1.2.840.113549.1.1.8");
    /// `id-ecPublicKey` (RFC 5480).
    pub const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
    /// `secp256r1` / P-256.
    pub const SECP256R1: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
    /// `secp384r1` / P-384.
    pub const SECP384R1: Oid = Oid::new_unwrap("1.3.132.0.34");
    /// `secp521r1` / P-521.
    pub const SECP521R1: Oid = Oid::new_unwrap("1.3.132.0.35");
    /// `ecdsa-with-SHA1`.
    pub const ECDSA_WITH_SHA1: Oid = Oid::new_unwrap("1.2.840.10045.4.1");
    /// `ecdsa-with-SHA256`.
    pub const ECDSA_WITH_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
    /// `ecdsa-with-SHA384`.
    pub const ECDSA_WITH_SHA384: Oid = Oid::new_unwrap("1.2.840.10045.4.3.3");
    /// `ecdsa-with-SHA512`.
    pub const ECDSA_WITH_SHA512: Oid = Oid::new_unwrap("1.2.840.10045.4.3.4");
    /// `id-dsa` (RFC 3279).
    pub const DSA: Oid = Oid::new_unwrap("1.2.840.10040.4.1");
    /// `id-dsa-with-sha1` (RFC 3279).
    pub const DSA_WITH_SHA1: Oid = Oid::new_unwrap("1.2.840.10040.4.3");
    /// `id-dsa-with-sha256` (RFC 5758).
    pub const DSA_WITH_SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.3.2");
    /// `id-Ed25519` (RFC 8410).
    pub const ED25519: Oid = Oid::new_unwrap("1.3.101.112");
    /// `id-Ed448` (RFC 8410).
    pub const ED448: Oid = Oid::new_unwrap("1.3.101.113");
    /// `id-md5` (RFC 1321).
    pub const MD5: Oid = Oid::new_unwrap("1.2.840.113549.2.5");
    /// `id-sha1`.
    pub const SHA1: Oid = Oid::new_unwrap("1.3.14.3.2.26");
    /// `id-sha224`.
    pub const SHA224: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.4");
    /// `id-sha256`.
    pub const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
    /// `id-sha384`.
    pub const SHA384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.2");
    /// `id-sha512`.
    pub const SHA512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");
    /// `id-sha3-224` (FIPS 202; NIST CSOR).
    pub const SHA3_224: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.7");
    /// `id-sha3-256`.
    pub const SHA3_256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.8");
    /// `id-sha3-384`.
    pub const SHA3_384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.9");
    /// `id-sha3-512`.
    pub const SHA3_512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.10");
    /// `ripemd160` (TeleTrusT, ISO/IEC 10118-3).
    pub const RIPEMD160: Oid = Oid::new_unwrap("1.3.36.3.2.1");
    /// `id-tc26-gost3411-12-256`: GOST R 34.11-2012 (Streebog), 256-bit (RFC 9215).
    pub const STREEBOG256: Oid = Oid::new_unwrap("1.2.643.7.1.1.2.2");
    /// `id-tc26-gost3411-12-512`: GOST R 34.11-2012 (Streebog), 512-bit.
    pub const STREEBOG512: Oid = Oid::new_unwrap("1.2.643.7.1.1.2.3");
    /// `id-GostR3411-94` (RFC 4357): GOST R 34.11-94.
    pub const GOST94: Oid = Oid::new_unwrap("1.2.643.2.2.9");
    /// `id-GostR3411-94-with-GostR3410-2001` (RFC 4491).
    pub const SIGN_GOST2001: Oid = Oid::new_unwrap("1.2.643.2.2.3");
    /// `id-tc26-gost3410-12-256`: GOST R 34.10-2012 public key, 256-bit.
    pub const GOST2012_256: Oid = Oid::new_unwrap("1.2.643.7.1.1.1.1");
    /// `id-tc26-gost3410-12-512`: GOST R 34.10-2012 public key, 512-bit.
    pub const GOST2012_512: Oid = Oid::new_unwrap("1.2.643.7.1.1.1.2");
    /// `id-tc26-signwithdigest-gost3410-12-256`.
    pub const SIGN_GOST2012_256: Oid = Oid::new_unwrap("1.2.643.7.1.1.3.2");
    /// `id-tc26-signwithdigest-gost3410-12-512`.
    pub const SIGN_GOST2012_512: Oid = Oid::new_unwrap("1.2.643.7.1.1.3.3");
}

/// A message digest algorithm.
///
/// Match with a wildcard arm: more algorithms may join.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashAlgorithm {
    /// MD5: **broken** (chosen-prefix collisions are cheap; forged CA certificates exist). Only
    /// ever used to verify old documents, each time behind an opt-in of its own
    /// (`allow_md5`), separate from SHA-1's; reported as weak. Never signed with.
    Md5,
    /// SHA-1: accepted for verification of old signatures only, and reported as weak.
    Sha1,
    /// SHA-224: digests, HMAC, and verification of RSA and ECDSA signatures.
    Sha224,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
    /// SHA3-224 (FIPS 202): digests, and verification of RSA and ECDSA signatures.
    Sha3_224,
    /// SHA3-256: as SHA3-224.
    Sha3_256,
    /// SHA3-384: as SHA3-224.
    Sha3_384,
    /// SHA3-512: as SHA3-224.
    Sha3_512,
    /// RIPEMD-160: legacy, treated like SHA-1 — digests and HMAC of old signatures only,
    /// reported as weak and refused unless the caller accepts SHA-1. Not broken (no collision
    /// is known), but its 160-bit output gives 80-bit collision resistance, below the 112-bit
    /// floor current policies set (NIST SP 800-57, ETSI TS 119 312), and it was never widely
    /// reviewed as a successor.
    Ripemd160,
    /// GOST R 34.11-2012 (Streebog), 256-bit digest.
    Streebog256,
    /// GOST R 34.11-2012 (Streebog), 512-bit digest.
    Streebog512,
    /// GOST R 34.11-94 with the CryptoPro parameters: legacy (withdrawn in Russia since 2019),
    /// for verifying GOST R 34.10-2001 signatures only.
    Gost94,
}

impl HashAlgorithm {
    /// Every hash algorithm the crate knows, in a stable order.
    pub const ALL: [HashAlgorithm; 14] = [
        Self::Md5,
        Self::Sha1,
        Self::Sha224,
        Self::Sha256,
        Self::Sha384,
        Self::Sha512,
        Self::Sha3_224,
        Self::Sha3_256,
        Self::Sha3_384,
        Self::Sha3_512,
        Self::Ripemd160,
        Self::Streebog256,
        Self::Streebog512,
        Self::Gost94,
    ];

    /// Length of the digest in bytes.
    pub const fn output_len(self) -> usize {
        match self {
            Self::Md5 => 16,
            Self::Sha1 | Self::Ripemd160 => 20,
            Self::Sha224 | Self::Sha3_224 => 28,
            Self::Sha256 | Self::Sha3_256 => 32,
            Self::Sha384 | Self::Sha3_384 => 48,
            Self::Sha512 | Self::Sha3_512 | Self::Streebog512 => 64,
            Self::Streebog256 | Self::Gost94 => 32,
        }
    }

    /// Whether this is one of the GOST hashes (Streebog, GOST R 34.11-94), which only the GOST
    /// signature schemes take.
    pub const fn is_gost(self) -> bool {
        matches!(self, Self::Streebog256 | Self::Streebog512 | Self::Gost94)
    }

    /// Whether this is a SHA-1/SHA-2 hash (the ones RSA, ECDSA and DSA sign with).
    pub const fn is_sha(self) -> bool {
        matches!(
            self,
            Self::Sha1 | Self::Sha256 | Self::Sha384 | Self::Sha512
        )
    }

    /// Whether the algorithm is too weak to create new signatures with (collisions are known,
    /// or the output too short): SHA-1, RIPEMD-160 and MD5.
    pub const fn is_weak(self) -> bool {
        matches!(self, Self::Sha1 | Self::Ripemd160 | Self::Md5)
    }

    /// Whether the algorithm is broken outright (MD5): weak, and accepted only where the caller
    /// allows MD5 itself — allowing SHA-1 does not allow it.
    pub const fn is_broken(self) -> bool {
        matches!(self, Self::Md5)
    }

    /// Whether the hash is one of the legacy algorithms outside the document-signature core
    /// (MD5, RIPEMD-160), compiled in only with the `extra-algorithms` cargo feature.
    pub const fn is_extra(self) -> bool {
        matches!(self, Self::Md5 | Self::Ripemd160)
    }

    /// Whether this build can compute the hash: always, except for the
    /// [`HashAlgorithm::is_extra`] ones without the `extra-algorithms` feature.
    pub const fn is_compiled(self) -> bool {
        cfg!(feature = "extra-algorithms") || !self.is_extra()
    }

    /// Checks that this build can compute the hash ([`HashAlgorithm::is_compiled`]).
    ///
    /// # Errors
    /// [`CryptoError::UnsupportedAlgorithm`] naming the hash and the `extra-algorithms`
    /// feature that would provide it.
    pub fn check_compiled(self) -> Result<(), CryptoError> {
        if self.is_compiled() {
            Ok(())
        } else {
            Err(not_compiled(self))
        }
    }

    /// The algorithm's object identifier.
    pub const fn oid(self) -> ObjectIdentifier {
        match self {
            Self::Md5 => oid::MD5,
            Self::Sha1 => oid::SHA1,
            Self::Sha224 => oid::SHA224,
            Self::Sha256 => oid::SHA256,
            Self::Sha384 => oid::SHA384,
            Self::Sha512 => oid::SHA512,
            Self::Sha3_224 => oid::SHA3_224,
            Self::Sha3_256 => oid::SHA3_256,
            Self::Sha3_384 => oid::SHA3_384,
            Self::Sha3_512 => oid::SHA3_512,
            Self::Ripemd160 => oid::RIPEMD160,
            Self::Streebog256 => oid::STREEBOG256,
            Self::Streebog512 => oid::STREEBOG512,
            Self::Gost94 => oid::GOST94,
        }
    }

    /// Looks a hash algorithm up by object identifier.
    ///
    /// # Errors
    /// [`CryptoError::UnsupportedAlgorithm`] naming the OID if it is not a known digest.
    pub fn from_oid(oid: &ObjectIdentifier) -> Result<Self, CryptoError> {
        Self::ALL
            .into_iter()
            .find(|h| h.oid() == *oid)
            .ok_or_else(|| CryptoError::unsupported(format!("digest algorithm {oid}")))
    }

    /// Reads a digest `AlgorithmIdentifier` (parameters absent or NULL, RFC 5754 §2).
    ///
    /// # Errors
    /// [`CryptoError::Malformed`] for bad DER or parameters other than NULL,
    /// [`CryptoError::UnsupportedAlgorithm`] for an unknown digest.
    pub fn from_algorithm_identifier(ai: &AlgorithmIdentifierRef<'_>) -> Result<Self, CryptoError> {
        let hash = Self::from_oid(&ai.oid)?;
        match ai.parameters {
            None => Ok(hash),
            Some(p) if p.is_null() => Ok(hash),
            Some(_) => Err(CryptoError::Malformed(
                "digest algorithm parameters must be absent or NULL",
            )),
        }
    }

    /// DER encoding of the `AlgorithmIdentifier` for this digest (parameters absent, as RFC 5754
    /// recommends for SHA-2).
    pub fn algorithm_identifier_der(self) -> Vec<u8> {
        encode_algorithm_identifier(self.oid(), None)
    }

    /// Short name, as OpenSSL spells it (`sha256`).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Md5 => "MD5",
            Self::Sha1 => "SHA-1",
            Self::Sha224 => "SHA-224",
            Self::Sha256 => "SHA-256",
            Self::Sha384 => "SHA-384",
            Self::Sha512 => "SHA-512",
            Self::Sha3_224 => "SHA3-224",
            Self::Sha3_256 => "SHA3-256",
            Self::Sha3_384 => "SHA3-384",
            Self::Sha3_512 => "SHA3-512",
            Self::Ripemd160 => "RIPEMD-160",
            Self::Streebog256 => "Streebog-256",
            Self::Streebog512 => "Streebog-512",
            Self::Gost94 => "GOST R 34.11-94",
        }
    }
}

impl fmt::Display for HashAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How an ECDSA signature's `(r, s)` pair is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EcdsaEncoding {
    /// `Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }` in DER (X.509, CMS).
    Der,
    /// Fixed-width big-endian `r ‖ s` (IEEE P1363; XMLDSig, JOSE).
    Fixed,
}

/// RSASSA-PSS parameters (RFC 8017 §9.1).
///
/// The providers support the profile RFC 4055 §3.1 and most deployments use: MGF1 with the same
/// hash as the message, a salt as long as the hash output and the trailer field `0xbc`. They
/// sign with SHA-256/384/512 ([`PssParams::is_standard`]) and verify with any non-GOST hash
/// ([`PssParams::is_verifiable`]: SHA-1, SHA-224, SHA-3 and RIPEMD-160 too, for the XMLDSig
/// URIs of RFC 9231 §2.3.10).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PssParams {
    /// Hash of the message (and of the encoded message `M'`).
    pub hash: HashAlgorithm,
    /// Hash used by the MGF1 mask generation function.
    pub mgf1_hash: HashAlgorithm,
    /// Salt length in bytes.
    pub salt_len: usize,
}

impl PssParams {
    /// The standard parameters for `hash`: MGF1 with the same hash, salt = hash length.
    pub const fn for_hash(hash: HashAlgorithm) -> Self {
        Self {
            hash,
            mgf1_hash: hash,
            salt_len: hash.output_len(),
        }
    }

    /// Whether signatures with these parameters can be verified: the profile of
    /// [`PssParams::for_hash`] with any non-GOST hash.
    pub fn is_verifiable(&self) -> bool {
        *self == Self::for_hash(self.hash) && !self.hash.is_gost() && !self.hash.is_broken()
    }

    /// Whether these parameters are the profile new signatures use: [`PssParams::for_hash`]
    /// with SHA-256, SHA-384 or SHA-512.
    pub fn is_standard(&self) -> bool {
        *self == Self::for_hash(self.hash)
            && self.hash.is_sha()
            && !matches!(self.hash, HashAlgorithm::Sha1)
    }
}

/// A signature scheme: what the provider must compute or check, independent of the key.
///
/// The curve of an ECDSA key and the size of an RSA key come from the key itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureAlgorithm {
    /// RSASSA-PKCS1-v1_5 (RFC 8017 §8.2) with the given hash.
    RsaPkcs1(HashAlgorithm),
    /// RSASSA-PSS (RFC 8017 §8.1).
    RsaPss(PssParams),
    /// ECDSA over P-256 or P-384 (the key decides) with the given hash and encoding.
    Ecdsa {
        /// Hash of the message.
        hash: HashAlgorithm,
        /// Signature encoding.
        encoding: EcdsaEncoding,
    },
    /// Ed25519 (RFC 8032, PureEdDSA: signs the message itself, not a digest).
    Ed25519,
    /// Ed25519ph (RFC 8032 §5.1, HashEdDSA: the SHA-512 of the message is signed), with an
    /// optional context string: verification only.
    Ed25519ph,
    /// Ed25519ctx (RFC 8032 §5.1: Ed25519 with a non-empty context string): verification only.
    Ed25519ctx,
    /// Ed448 (RFC 8032 §5.2, PureEdDSA with an optional context string): verification only.
    Ed448,
    /// Ed448ph (RFC 8032 §5.2, the SHAKE256/64 of the message is signed): verification only.
    Ed448ph,
    /// ML-DSA (FIPS 204, pure, optional context string): verification only.
    MlDsa(MlDsaLevel),
    /// SLH-DSA (FIPS 205, pure, optional context string): verification only.
    SlhDsa(SlhDsaSet),
    /// DSA (FIPS 186-4) with the given hash: verification of old certificates and CRLs only.
    Dsa(HashAlgorithm),
    /// GOST R 34.10-2012 with a 256-bit key and Streebog-256 (s ‖ r, big-endian halves).
    Gost2012_256,
    /// GOST R 34.10-2012 with a 512-bit key and Streebog-512.
    Gost2012_512,
    /// GOST R 34.10-2001 with GOST R 34.11-94: legacy, verification only (signing refuses it).
    Gost2001,
}

impl SignatureAlgorithm {
    /// RSA PKCS#1 v1.5 with SHA-256.
    pub const RSA_PKCS1_SHA256: Self = Self::RsaPkcs1(HashAlgorithm::Sha256);
    /// RSA PKCS#1 v1.5 with SHA-384.
    pub const RSA_PKCS1_SHA384: Self = Self::RsaPkcs1(HashAlgorithm::Sha384);
    /// RSA PKCS#1 v1.5 with SHA-512.
    pub const RSA_PKCS1_SHA512: Self = Self::RsaPkcs1(HashAlgorithm::Sha512);
    /// RSA-PSS with SHA-256, MGF1-SHA-256, 32-byte salt.
    pub const RSA_PSS_SHA256: Self = Self::RsaPss(PssParams::for_hash(HashAlgorithm::Sha256));
    /// RSA-PSS with SHA-384, MGF1-SHA-384, 48-byte salt.
    pub const RSA_PSS_SHA384: Self = Self::RsaPss(PssParams::for_hash(HashAlgorithm::Sha384));
    /// RSA-PSS with SHA-512, MGF1-SHA-512, 64-byte salt.
    pub const RSA_PSS_SHA512: Self = Self::RsaPss(PssParams::for_hash(HashAlgorithm::Sha512));
    /// ECDSA with SHA-256, DER-encoded.
    pub const ECDSA_SHA256: Self = Self::Ecdsa {
        hash: HashAlgorithm::Sha256,
        encoding: EcdsaEncoding::Der,
    };
    /// ECDSA with SHA-384, DER-encoded.
    pub const ECDSA_SHA384: Self = Self::Ecdsa {
        hash: HashAlgorithm::Sha384,
        encoding: EcdsaEncoding::Der,
    };
    /// ECDSA with SHA-512, DER-encoded.
    pub const ECDSA_SHA512: Self = Self::Ecdsa {
        hash: HashAlgorithm::Sha512,
        encoding: EcdsaEncoding::Der,
    };

    /// The message hash, or `None` for Ed25519, which hashes internally.
    pub const fn hash(&self) -> Option<HashAlgorithm> {
        match self {
            Self::RsaPkcs1(h) | Self::Ecdsa { hash: h, .. } | Self::Dsa(h) => Some(*h),
            Self::RsaPss(p) => Some(p.hash),
            Self::Ed25519
            | Self::Ed25519ph
            | Self::Ed25519ctx
            | Self::Ed448
            | Self::Ed448ph
            | Self::MlDsa(_)
            | Self::SlhDsa(_) => None,
            Self::Gost2012_256 => Some(HashAlgorithm::Streebog256),
            Self::Gost2012_512 => Some(HashAlgorithm::Streebog512),
            Self::Gost2001 => Some(HashAlgorithm::Gost94),
        }
    }

    /// Whether signatures with this algorithm are only accepted for verification (SHA-1), and
    /// should be reported as weak.
    pub fn is_weak(&self) -> bool {
        self.hash().is_some_and(HashAlgorithm::is_weak)
    }

    /// Whether signflow verifies this algorithm but never signs with it: DSA, GOST R 34.10-2001,
    /// the HashEdDSA and context variants of EdDSA, Ed448, ML-DSA and SLH-DSA (no backend
    /// loads their private keys).
    pub const fn is_verify_only(&self) -> bool {
        matches!(
            self,
            Self::Dsa(_)
                | Self::Gost2001
                | Self::Ed25519ph
                | Self::Ed25519ctx
                | Self::Ed448
                | Self::Ed448ph
                | Self::MlDsa(_)
                | Self::SlhDsa(_)
        )
    }

    /// Whether the algorithm lies outside the document-signature core and is compiled in only
    /// with the `extra-algorithms` cargo feature: Ed448, Ed448ph, ML-DSA, SLH-DSA, and any
    /// scheme over MD5 or RIPEMD-160. (Ed25519ph and Ed25519ctx are core: they run on
    /// `ed25519-dalek`.)
    pub const fn is_extra(&self) -> bool {
        match self {
            Self::Ed448 | Self::Ed448ph | Self::MlDsa(_) | Self::SlhDsa(_) => true,
            other => match other.hash() {
                Some(h) => h.is_extra(),
                None => false,
            },
        }
    }

    /// Whether this build can verify the algorithm: always, except for the
    /// [`SignatureAlgorithm::is_extra`] ones without the `extra-algorithms` feature.
    pub const fn is_compiled(&self) -> bool {
        cfg!(feature = "extra-algorithms") || !self.is_extra()
    }

    /// Checks that this build can verify the algorithm ([`SignatureAlgorithm::is_compiled`]).
    ///
    /// # Errors
    /// [`CryptoError::UnsupportedAlgorithm`] naming the algorithm and the `extra-algorithms`
    /// feature that would provide it.
    pub fn check_compiled(&self) -> Result<(), CryptoError> {
        if self.is_compiled() {
            Ok(())
        } else {
            Err(not_compiled(self))
        }
    }

    /// The same algorithm with another ECDSA encoding (identity for other schemes).
    pub const fn with_ecdsa_encoding(self, encoding: EcdsaEncoding) -> Self {
        match self {
            Self::Ecdsa { hash, .. } => Self::Ecdsa { hash, encoding },
            other => other,
        }
    }

    /// Checks that a provider may be asked to verify this algorithm: RSA and ECDSA with any
    /// non-GOST hash (SHA-1, SHA-2, SHA-3, RIPEMD-160), RSA-PSS in the profile of
    /// [`PssParams::for_hash`], DSA with SHA-1/SHA-2 — and, for the
    /// [`SignatureAlgorithm::is_extra`] ones, only in a build with the `extra-algorithms`
    /// feature. Called by the provider before dispatching to a backend; signing checks the
    /// narrower [`SignatureAlgorithm::check_signable`].
    ///
    /// # Errors
    /// [`CryptoError::UnsupportedAlgorithm`] naming the parameters that are not supported
    /// (or the feature that is not compiled in).
    pub fn check_supported(&self) -> Result<(), CryptoError> {
        self.check_compiled()?;
        match self {
            Self::RsaPss(p) if !p.is_verifiable() => Err(CryptoError::unsupported(format!(
                "RSA-PSS with {}, MGF1-{} and a {}-byte salt (supported: MGF1 of the message's \
                 hash and salt = hash length)",
                p.hash, p.mgf1_hash, p.salt_len
            ))),
            Self::RsaPkcs1(h) | Self::Ecdsa { hash: h, .. } if h.is_gost() => Err(
                CryptoError::unsupported(format!("{self}: GOST hashes go with GOST keys only")),
            ),
            Self::Dsa(h) if !h.is_sha() => Err(CryptoError::unsupported(format!(
                "{self}: only SHA-1/SHA-2 go with DSA"
            ))),
            Self::Ecdsa {
                hash: HashAlgorithm::Md5,
                ..
            } => Err(CryptoError::unsupported(format!(
                "{self}: MD5 goes with RSA PKCS#1 v1.5 only"
            ))),
            _ => Ok(()),
        }
    }

    /// Checks that new signatures may be made with this algorithm: as
    /// [`SignatureAlgorithm::check_supported`], and RSA and ECDSA with SHA-1/SHA-2 only, RSA-PSS
    /// in the standard profile ([`PssParams::is_standard`]). SHA-224, SHA-3 and RIPEMD-160
    /// signatures are verified for interoperability, never made.
    ///
    /// # Errors
    /// [`CryptoError::UnsupportedAlgorithm`] naming what is not supported for signing.
    pub fn check_signable(&self) -> Result<(), CryptoError> {
        self.check_supported()?;
        match self {
            Self::RsaPss(p) if !p.is_standard() => Err(CryptoError::unsupported(format!(
                "signing {self} (RSA-PSS signs with SHA-256/384/512)"
            ))),
            Self::RsaPkcs1(h) | Self::Ecdsa { hash: h, .. } if !h.is_sha() => Err(
                CryptoError::unsupported(format!("signing {self}: only SHA-1/SHA-2 sign")),
            ),
            _ => Ok(()),
        }
    }

    /// Reads a signature `AlgorithmIdentifier` as found in X.509 `signatureAlgorithm` and CMS
    /// `SignerInfo.signatureAlgorithm` (ECDSA signatures are then DER-encoded).
    ///
    /// CMS also allows the bare key algorithm (`rsaEncryption`) with the digest named
    /// elsewhere; pass that digest as `cms_digest`.
    ///
    /// # Errors
    /// [`CryptoError::Malformed`] for bad DER or parameters, [`CryptoError::UnsupportedAlgorithm`]
    /// naming an unknown OID.
    ///
    /// # Example
    /// ```
    /// use signflow::crypto::{HashAlgorithm, SignatureAlgorithm};
    /// let der = SignatureAlgorithm::RSA_PSS_SHA384.algorithm_identifier_der()?;
    /// let back = SignatureAlgorithm::from_algorithm_identifier_der(&der, None)?;
    /// assert_eq!(back, SignatureAlgorithm::RSA_PSS_SHA384);
    /// # Ok::<(), signflow::crypto::CryptoError>(())
    /// ```
    pub fn from_algorithm_identifier_der(
        der: &[u8],
        cms_digest: Option<HashAlgorithm>,
    ) -> Result<Self, CryptoError> {
        let ai = AlgorithmIdentifierRef::from_der(der).map_err(|_| {
            CryptoError::Malformed("signature AlgorithmIdentifier is not valid DER")
        })?;
        Self::from_algorithm_identifier(&ai, cms_digest)
    }

    /// As [`Self::from_algorithm_identifier_der`], from a decoded identifier.
    ///
    /// # Errors
    /// As [`Self::from_algorithm_identifier_der`].
    pub fn from_algorithm_identifier(
        ai: &AlgorithmIdentifierRef<'_>,
        cms_digest: Option<HashAlgorithm>,
    ) -> Result<Self, CryptoError> {
        let absent_or_null = ai.parameters.is_none_or(|p| p.is_null());
        let ecdsa = |hash| Self::Ecdsa {
            hash,
            encoding: EcdsaEncoding::Der,
        };
        let alg = match ai.oid {
            oid::MD5_WITH_RSA => Self::RsaPkcs1(HashAlgorithm::Md5),
            oid::SHA1_WITH_RSA => Self::RsaPkcs1(HashAlgorithm::Sha1),
            oid::SHA256_WITH_RSA => Self::RsaPkcs1(HashAlgorithm::Sha256),
            oid::SHA384_WITH_RSA => Self::RsaPkcs1(HashAlgorithm::Sha384),
            oid::SHA512_WITH_RSA => Self::RsaPkcs1(HashAlgorithm::Sha512),
            oid::RSA_ENCRYPTION => match cms_digest {
                Some(h) => Self::RsaPkcs1(h),
                None => return Err(CryptoError::Malformed("rsaEncryption names no digest")),
            },
            oid::RSASSA_PSS => {
                let params = ai
                    .parameters
                    .ok_or(CryptoError::Malformed("RSASSA-PSS parameters are missing"))?;
                return Ok(Self::RsaPss(decode_pss_params(params)?));
            }
            oid::ECDSA_WITH_SHA1 => ecdsa(HashAlgorithm::Sha1),
            oid::ECDSA_WITH_SHA256 => ecdsa(HashAlgorithm::Sha256),
            oid::ECDSA_WITH_SHA384 => ecdsa(HashAlgorithm::Sha384),
            oid::ECDSA_WITH_SHA512 => ecdsa(HashAlgorithm::Sha512),
            oid::ED25519 => Self::Ed25519,
            oid::DSA_WITH_SHA1 => Self::Dsa(HashAlgorithm::Sha1),
            oid::DSA_WITH_SHA256 => Self::Dsa(HashAlgorithm::Sha256),
            oid::SIGN_GOST2012_256 => Self::Gost2012_256,
            oid::SIGN_GOST2012_512 => Self::Gost2012_512,
            oid::SIGN_GOST2001 => Self::Gost2001,
            oid::ED448 => Self::Ed448,
            other => match (MlDsaLevel::from_oid(other), SlhDsaSet::from_oid(other)) {
                (Some(level), _) => Self::MlDsa(level),
                (_, Some(set)) => Self::SlhDsa(set),
                _ => {
                    return Err(CryptoError::unsupported(format!(
                        "signature algorithm {other}"
                    )));
                }
            },
        };
        // RFC 5758 §3.2 and RFC 8410 §3: ECDSA and EdDSA identifiers carry no parameters, nor
        // do ML-DSA's and SLH-DSA's (RFC 9881 §2, RFC 9909 §3);
        // RFC 8017 A.2.4: PKCS#1 identifiers carry NULL (absence is tolerated, as OpenSSL does).
        let params_ok = match alg {
            Self::Ecdsa { .. }
            | Self::Ed25519
            | Self::Ed448
            | Self::MlDsa(_)
            | Self::SlhDsa(_)
            | Self::Dsa(_) => ai.parameters.is_none(),
            // RFC 9215 §3.1 says absent; OpenSSL's GOST engine writes NULL. Accept both.
            _ => absent_or_null,
        };
        if !params_ok {
            return Err(CryptoError::Malformed(
                "unexpected signature algorithm parameters",
            ));
        }
        Ok(alg)
    }

    /// DER encoding of this algorithm's `AlgorithmIdentifier` for X.509 and CMS.
    ///
    /// # Errors
    /// [`CryptoError::UnsupportedAlgorithm`] for combinations no OID names (RSA with
    /// Streebog, say).
    pub fn algorithm_identifier_der(&self) -> Result<Vec<u8>, CryptoError> {
        use HashAlgorithm as H;
        self.check_supported()?;
        let null = Null.to_der().expect("NULL encodes");
        let none = || CryptoError::unsupported(format!("no object identifier names {self}"));
        Ok(match self {
            Self::RsaPkcs1(h) => {
                let oid = match h {
                    H::Sha1 => oid::SHA1_WITH_RSA,
                    H::Sha256 => oid::SHA256_WITH_RSA,
                    H::Sha384 => oid::SHA384_WITH_RSA,
                    H::Sha512 => oid::SHA512_WITH_RSA,
                    _ => return Err(none()),
                };
                encode_algorithm_identifier(oid, Some(&null))
            }
            Self::RsaPss(p) => {
                encode_algorithm_identifier(oid::RSASSA_PSS, Some(&encode_pss_params(p)))
            }
            Self::Ecdsa { hash, .. } => {
                let oid = match hash {
                    H::Sha1 => oid::ECDSA_WITH_SHA1,
                    H::Sha256 => oid::ECDSA_WITH_SHA256,
                    H::Sha384 => oid::ECDSA_WITH_SHA384,
                    H::Sha512 => oid::ECDSA_WITH_SHA512,
                    _ => return Err(none()),
                };
                encode_algorithm_identifier(oid, None)
            }
            Self::Ed25519 => encode_algorithm_identifier(oid::ED25519, None),
            Self::Ed448 => encode_algorithm_identifier(oid::ED448, None),
            Self::MlDsa(level) => encode_algorithm_identifier(level.oid(), None),
            Self::SlhDsa(set) => encode_algorithm_identifier(set.oid(), None),
            Self::Ed25519ph | Self::Ed25519ctx | Self::Ed448ph => return Err(none()),
            Self::Dsa(H::Sha1) => encode_algorithm_identifier(oid::DSA_WITH_SHA1, None),
            Self::Dsa(H::Sha256) => encode_algorithm_identifier(oid::DSA_WITH_SHA256, None),
            Self::Dsa(_) => return Err(none()),
            Self::Gost2012_256 => encode_algorithm_identifier(oid::SIGN_GOST2012_256, None),
            Self::Gost2012_512 => encode_algorithm_identifier(oid::SIGN_GOST2012_512, None),
            Self::Gost2001 => encode_algorithm_identifier(oid::SIGN_GOST2001, None),
        })
    }
}

impl fmt::Display for SignatureAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::RsaPkcs1(h) => write!(f, "RSA PKCS#1 v1.5 with {h}"),
            Self::RsaPss(p) if p.is_verifiable() => write!(f, "RSA-PSS with {}", p.hash),
            Self::RsaPss(p) => write!(
                f,
                "RSA-PSS with {}, MGF1-{}, {}-byte salt",
                p.hash, p.mgf1_hash, p.salt_len
            ),
            Self::Ecdsa {
                hash,
                encoding: EcdsaEncoding::Der,
            } => write!(f, "ECDSA with {hash}"),
            Self::Ecdsa {
                hash,
                encoding: EcdsaEncoding::Fixed,
            } => {
                write!(f, "ECDSA with {hash} (r||s)")
            }
            Self::Ed25519 => f.write_str("Ed25519"),
            Self::Ed25519ph => f.write_str("Ed25519ph"),
            Self::Ed25519ctx => f.write_str("Ed25519ctx"),
            Self::Ed448 => f.write_str("Ed448"),
            Self::Ed448ph => f.write_str("Ed448ph"),
            Self::MlDsa(level) => f.write_str(level.name()),
            Self::SlhDsa(set) => f.write_str(set.name()),
            Self::Dsa(h) => write!(f, "DSA with {h}"),
            Self::Gost2012_256 => f.write_str("GOST R 34.10-2012 (256) with Streebog-256"),
            Self::Gost2012_512 => f.write_str("GOST R 34.10-2012 (512) with Streebog-512"),
            Self::Gost2001 => f.write_str("GOST R 34.10-2001 with GOST R 34.11-94"),
        }
    }
}

/// ```text
/// RSASSA-PSS-params ::= SEQUENCE {
///     hashAlgorithm      [0] HashAlgorithm DEFAULT sha1,
///     maskGenAlgorithm   [1] MaskGenAlgorithm DEFAULT mgf1SHA1,
///     saltLength         [2] INTEGER DEFAULT 20,
///     trailerField       [3] TrailerField DEFAULT trailerFieldBC }
/// ```
#[derive(Sequence)]
struct RsaPssParamsAsn1<'a> {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    hash: Option<AlgorithmIdentifierRef<'a>>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    mask_gen: Option<AlgorithmIdentifierRef<'a>>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    salt_len: Option<u32>,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    trailer: Option<u32>,
}

/// Largest salt we accept when decoding: longer than any hash, far below any sane modulus.
const MAX_PSS_SALT: u32 = 1024;

fn decode_pss_params(params: AnyRef<'_>) -> Result<PssParams, CryptoError> {
    let bad = CryptoError::Malformed("RSASSA-PSS parameters are not valid DER");
    let p: RsaPssParamsAsn1<'_> = params.decode_as().map_err(|_| bad.clone())?;
    let hash = match &p.hash {
        Some(ai) => HashAlgorithm::from_algorithm_identifier(ai)?,
        None => HashAlgorithm::Sha1,
    };
    let mgf1_hash = match &p.mask_gen {
        Some(mgf) if mgf.oid == oid::MGF1 => {
            let inner = mgf
                .parameters
                .ok_or(CryptoError::Malformed("MGF1 names no hash"))?;
            let inner: AlgorithmIdentifierRef<'_> = inner.decode_as().map_err(|_| bad)?;
            HashAlgorithm::from_algorithm_identifier(&inner)?
        }
        Some(mgf) => {
            return Err(CryptoError::unsupported(format!(
                "mask generation function {}",
                mgf.oid
            )));
        }
        None => HashAlgorithm::Sha1,
    };
    let salt_len = p.salt_len.unwrap_or(20);
    if salt_len > MAX_PSS_SALT {
        return Err(CryptoError::Malformed(
            "RSASSA-PSS salt length is implausibly large",
        ));
    }
    if p.trailer.unwrap_or(1) != 1 {
        return Err(CryptoError::unsupported(
            "RSASSA-PSS trailer field other than 0xbc",
        ));
    }
    Ok(PssParams {
        hash,
        mgf1_hash,
        salt_len: salt_len as usize,
    })
}

fn encode_pss_params(p: &PssParams) -> Vec<u8> {
    let null = Null.to_der().expect("NULL encodes");
    let hash_ai = encode_algorithm_identifier(p.hash.oid(), Some(&null));
    let mgf_hash_ai = encode_algorithm_identifier(p.mgf1_hash.oid(), Some(&null));
    let mgf_ai = encode_algorithm_identifier(oid::MGF1, Some(&mgf_hash_ai));
    let hash_ref = AlgorithmIdentifierRef::from_der(&hash_ai).expect("own encoding");
    let mgf_ref = AlgorithmIdentifierRef::from_der(&mgf_ai).expect("own encoding");
    RsaPssParamsAsn1 {
        hash: Some(hash_ref),
        mask_gen: Some(mgf_ref),
        salt_len: Some(p.salt_len as u32),
        trailer: None,
    }
    .to_der()
    .expect("PSS parameters encode")
}

/// Encodes `SEQUENCE { oid, params }` where `params` is already-encoded DER (or absent).
fn encode_algorithm_identifier(oid: ObjectIdentifier, params_der: Option<&[u8]>) -> Vec<u8> {
    let parameters = params_der.map(|p| AnyRef::from_der(p).expect("own DER"));
    AlgorithmIdentifierRef { oid, parameters }
        .to_der()
        .expect("AlgorithmIdentifier encodes")
}

/// The refusal of an algorithm this build leaves out (see [`SignatureAlgorithm::is_extra`]).
pub(crate) fn not_compiled(what: impl core::fmt::Display) -> CryptoError {
    CryptoError::unsupported(format!(
        "{what} is not compiled in (enable the `extra-algorithms` feature)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pss_identifier_round_trips_and_defaults_apply() {
        for alg in [
            SignatureAlgorithm::RSA_PSS_SHA256,
            SignatureAlgorithm::RSA_PSS_SHA384,
            SignatureAlgorithm::RSA_PSS_SHA512,
        ] {
            let der = alg.algorithm_identifier_der().unwrap();
            assert_eq!(
                SignatureAlgorithm::from_algorithm_identifier_der(&der, None).unwrap(),
                alg
            );
        }
        // `SEQUENCE { id-RSASSA-PSS, SEQUENCE {} }`: every field takes its SHA-1 default.
        let empty = [
            0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a, 0x30,
            0x00,
        ];
        let alg = SignatureAlgorithm::from_algorithm_identifier_der(&empty, None).unwrap();
        assert_eq!(
            alg,
            SignatureAlgorithm::RsaPss(PssParams {
                hash: HashAlgorithm::Sha1,
                mgf1_hash: HashAlgorithm::Sha1,
                salt_len: 20
            })
        );
        // Verifiable (as weak, like every SHA-1 signature), never made.
        assert!(alg.check_supported().is_ok());
        assert!(alg.is_weak());
        assert!(matches!(
            alg.check_signable(),
            Err(CryptoError::UnsupportedAlgorithm(_))
        ));
    }

    #[test]
    fn ecdsa_identifier_with_parameters_is_malformed() {
        let mut der = SignatureAlgorithm::ECDSA_SHA256
            .algorithm_identifier_der()
            .unwrap();
        // Append a NULL parameter and fix the SEQUENCE length.
        der.extend_from_slice(&[0x05, 0x00]);
        der[1] += 2;
        assert!(matches!(
            SignatureAlgorithm::from_algorithm_identifier_der(&der, None),
            Err(CryptoError::Malformed(_))
        ));
    }

    #[test]
    fn unknown_oid_is_named() {
        let der = encode_algorithm_identifier(ObjectIdentifier::new_unwrap("1.2.3.4"), None);
        let err = SignatureAlgorithm::from_algorithm_identifier_der(&der, None).unwrap_err();
        assert!(err.to_string().contains("1.2.3.4"), "{err}");
    }
}
