//! The AWS-LC backend (`aws-lc-rs`), the default.
//!
//! RSA verification accepts 1024–8192-bit moduli. Where AWS-LC's Rust API has no verification
//! algorithm for a combination signflow accepts — RSA PKCS#1 v1.5 with SHA-384 under 2048 bits,
//! RSA-PSS under 2048 bits or with SHA-1, ECDSA P-384 with SHA-1, and RSA or ECDSA with
//! SHA-224, SHA-3 or RIPEMD-160 — the signature is verified on RustCrypto instead
//! (`rc_verify`), so both backends accept the same set.

use aws_lc_rs::digest;
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::{SecureRandom as _, SystemRandom};
use aws_lc_rs::signature::{self as sig, KeyPair as _, VerificationAlgorithm};

use super::{
    CryptoError, CryptoProvider, Digest, DigestProvider, EcdsaEncoding, HashAlgorithm, Hasher,
    KeyKind, KeyLoader, PublicKeyInfo, SecureRandom, SignatureAlgorithm, SignatureVerifier,
    SigningKey, check_signing, ecdsa_fixed_to_der, pkcs8_key_kind, verify_only_key,
};

/// The AWS-LC provider.
pub const DEFAULT_PROVIDER: CryptoProvider = CryptoProvider {
    name: "aws-lc-rs",
    verifier: &Verifier,
    key_loader: &Loader,
    digests: &Digests,
    random: &Random,
};

#[derive(Debug)]
struct Verifier;

/// AWS-LC's algorithm for `alg` with a `kind` key; `None` where AWS-LC lacks the combination
/// and [`super::rc_verify`] verifies it instead.
fn verification_algorithm(
    alg: &SignatureAlgorithm,
    kind: KeyKind,
) -> Result<Option<&'static dyn VerificationAlgorithm>, CryptoError> {
    use HashAlgorithm::*;
    let va: &'static dyn VerificationAlgorithm = match (alg, kind) {
        // AWS-LC has SHA-384 PKCS#1 and RSA-PSS for 2048-bit keys and up only.
        (
            SignatureAlgorithm::RsaPkcs1(Sha384) | SignatureAlgorithm::RsaPss(_),
            KeyKind::Rsa { bits, .. },
        ) if bits < 2048 => {
            return Ok(None);
        }
        (SignatureAlgorithm::RsaPkcs1(h), KeyKind::Rsa { .. }) => match h {
            Sha1 => &sig::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
            Sha256 => &sig::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
            Sha384 => &sig::RSA_PKCS1_2048_8192_SHA384,
            Sha512 => &sig::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
            _ => return Ok(None),
        },
        (SignatureAlgorithm::RsaPss(p), KeyKind::Rsa { .. }) => match p.hash {
            Sha256 => &sig::RSA_PSS_2048_8192_SHA256,
            Sha384 => &sig::RSA_PSS_2048_8192_SHA384,
            Sha512 => &sig::RSA_PSS_2048_8192_SHA512,
            _ => return Ok(None),
        },
        // Fixed-width signatures are converted to DER first, so only ASN.1 variants are used.
        (SignatureAlgorithm::Ecdsa { hash, .. }, KeyKind::EcP256) => match hash {
            Sha1 => &sig::ECDSA_P256_SHA1_ASN1,
            Sha256 => &sig::ECDSA_P256_SHA256_ASN1,
            Sha384 => &sig::ECDSA_P256_SHA384_ASN1,
            Sha512 => &sig::ECDSA_P256_SHA512_ASN1,
            _ => return Ok(None),
        },
        (SignatureAlgorithm::Ecdsa { hash, .. }, KeyKind::EcP384) => match hash {
            Sha256 => &sig::ECDSA_P384_SHA256_ASN1,
            Sha384 => &sig::ECDSA_P384_SHA384_ASN1,
            Sha512 => &sig::ECDSA_P384_SHA512_ASN1,
            _ => return Ok(None),
        },
        (SignatureAlgorithm::Ecdsa { hash, .. }, KeyKind::EcP521) => match hash {
            Sha1 => &sig::ECDSA_P521_SHA1_ASN1,
            Sha256 => &sig::ECDSA_P521_SHA256_ASN1,
            Sha384 => &sig::ECDSA_P521_SHA384_ASN1,
            Sha512 => &sig::ECDSA_P521_SHA512_ASN1,
            _ => return Ok(None),
        },
        (SignatureAlgorithm::Ed25519, KeyKind::Ed25519) => &sig::ED25519,
        _ => {
            return Err(CryptoError::unsupported(format!(
                "{alg} with a {} key",
                kind.name()
            )));
        }
    };
    Ok(Some(va))
}

/// Brings an ECDSA signature to DER; other signatures pass through.
fn der_signature<'s>(
    alg: &SignatureAlgorithm,
    key: &PublicKeyInfo<'_>,
    signature: &'s [u8],
) -> Result<std::borrow::Cow<'s, [u8]>, CryptoError> {
    match (alg, key.kind.ec_field_len()) {
        (
            SignatureAlgorithm::Ecdsa {
                encoding: EcdsaEncoding::Fixed,
                ..
            },
            Some(n),
        ) => Ok(ecdsa_fixed_to_der(signature, n)?.into()),
        _ => Ok(signature.into()),
    }
}

impl SignatureVerifier for Verifier {
    fn verify(
        &self,
        alg: &SignatureAlgorithm,
        key: &PublicKeyInfo<'_>,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        if let Some(result) = super::native::verify(alg, key, message, signature) {
            return result;
        }
        let Some(va) = verification_algorithm(alg, key.kind)? else {
            return super::rc_verify::verify(alg, key, message, signature);
        };
        let signature = der_signature(alg, key, signature)?;
        va.verify_sig(key.key, message, &signature)
            .map_err(|_| CryptoError::BadSignature)
    }

    fn verify_prehashed(
        &self,
        alg: &SignatureAlgorithm,
        key: &PublicKeyInfo<'_>,
        digest_bytes: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        if let Some(result) = super::native::verify_prehashed(alg, key, digest_bytes, signature) {
            return result;
        }
        let Some(va) = verification_algorithm(alg, key.kind)? else {
            return super::rc_verify::verify_digest(alg, key, digest_bytes, signature);
        };
        let hash = alg
            .hash()
            .ok_or_else(|| CryptoError::unsupported("prehashed Ed25519"))?;
        let digest = digest::Digest::import_less_safe(digest_bytes, digest_algorithm(hash)?)
            .map_err(|_| CryptoError::DigestLength {
                expected: hash.output_len(),
                actual: digest_bytes.len(),
            })?;
        let signature = der_signature(alg, key, signature)?;
        va.verify_digest_sig(key.key, &digest, &signature)
            .map_err(|_| CryptoError::BadSignature)
    }
}

fn digest_algorithm(hash: HashAlgorithm) -> Result<&'static digest::Algorithm, CryptoError> {
    Ok(match hash {
        HashAlgorithm::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
        HashAlgorithm::Sha256 => &digest::SHA256,
        HashAlgorithm::Sha384 => &digest::SHA384,
        HashAlgorithm::Sha512 => &digest::SHA512,
        other => return Err(CryptoError::unsupported(format!("{other} in AWS-LC"))),
    })
}

#[derive(Debug)]
struct Digests;

struct AwsHasher(HashAlgorithm, digest::Context);

impl DigestProvider for Digests {
    fn hasher(&self, alg: HashAlgorithm) -> Result<Box<dyn Hasher>, CryptoError> {
        alg.check_compiled()?;
        if let Some(h) = super::native::hasher(alg) {
            return Ok(h);
        }
        Ok(Box::new(AwsHasher(
            alg,
            digest::Context::new(digest_algorithm(alg)?),
        )))
    }
}

impl Hasher for AwsHasher {
    fn update(&mut self, data: &[u8]) {
        self.1.update(data);
    }

    fn finalize(self: Box<Self>) -> Digest {
        Digest::new(self.0, self.1.finish().as_ref())
    }
}

#[derive(Debug)]
struct Random;

impl SecureRandom for Random {
    fn fill(&self, dest: &mut [u8]) -> Result<(), CryptoError> {
        SystemRandom::new()
            .fill(dest)
            .map_err(|_| CryptoError::Backend("system random failed"))
    }
}

#[derive(Debug)]
struct Loader;

/// The key pairs AWS-LC holds for one private key. ECDSA key pairs are bound to one hash and
/// encoding, so both encodings of the curve's own hash are prepared.
enum Pair {
    Rsa(sig::RsaKeyPair),
    Ecdsa {
        der: sig::EcdsaKeyPair,
        fixed: sig::EcdsaKeyPair,
        hash: HashAlgorithm,
    },
    Ed25519(sig::Ed25519KeyPair),
}

/// An AWS-LC private key (AWS-LC clears key memory when the key pair is freed).
struct AwsSigningKey {
    pair: Pair,
    kind: KeyKind,
    public_der: Vec<u8>,
}

impl core::fmt::Debug for AwsSigningKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AwsSigningKey")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

fn rejected(e: aws_lc_rs::error::KeyRejected) -> CryptoError {
    CryptoError::InvalidPrivateKey(format!("AWS-LC rejected the key: {e}"))
}

fn spki_of<B: AsRef<[u8]>, D: core::ops::Deref<Target = B>>(
    der: Result<D, aws_lc_rs::error::Unspecified>,
) -> Result<Vec<u8>, CryptoError> {
    der.map(|d| (*d).as_ref().to_vec())
        .map_err(|_| CryptoError::Backend("public key encoding failed"))
}

impl KeyLoader for Loader {
    fn load_pkcs8(&self, der: &[u8]) -> Result<Box<dyn SigningKey>, CryptoError> {
        let kind = pkcs8_key_kind(der)?;
        let (pair, public_der, kind) = match kind {
            KeyKind::Gost { .. } => return super::native::load_gost_pkcs8(der, &Random),
            KeyKind::Dsa
            | KeyKind::EcP521
            | KeyKind::Ed448
            | KeyKind::MlDsa(_)
            | KeyKind::SlhDsa(_) => return Err(verify_only_key(kind)),
            KeyKind::Rsa { .. } => {
                let pair = sig::RsaKeyPair::from_pkcs8(der).map_err(rejected)?;
                let bits = pair.public_modulus_len() * 8;
                let spki = spki_of(pair.public_key().as_der())?;
                (
                    Pair::Rsa(pair),
                    spki,
                    KeyKind::Rsa {
                        bits,
                        pss_only: false,
                    },
                )
            }
            KeyKind::EcP256 | KeyKind::EcP384 => {
                let (der_alg, fixed_alg, hash) = if kind == KeyKind::EcP256 {
                    (
                        &sig::ECDSA_P256_SHA256_ASN1_SIGNING,
                        &sig::ECDSA_P256_SHA256_FIXED_SIGNING,
                        HashAlgorithm::Sha256,
                    )
                } else {
                    (
                        &sig::ECDSA_P384_SHA384_ASN1_SIGNING,
                        &sig::ECDSA_P384_SHA384_FIXED_SIGNING,
                        HashAlgorithm::Sha384,
                    )
                };
                let der_pair = sig::EcdsaKeyPair::from_pkcs8(der_alg, der).map_err(rejected)?;
                let fixed = sig::EcdsaKeyPair::from_pkcs8(fixed_alg, der).map_err(rejected)?;
                let spki = spki_of(der_pair.public_key().as_der())?;
                (
                    Pair::Ecdsa {
                        der: der_pair,
                        fixed,
                        hash,
                    },
                    spki,
                    kind,
                )
            }
            KeyKind::Ed25519 => {
                let pair =
                    sig::Ed25519KeyPair::from_pkcs8_maybe_unchecked(der).map_err(rejected)?;
                let spki = spki_of(pair.public_key().as_der())?;
                (Pair::Ed25519(pair), spki, kind)
            }
        };
        Ok(Box::new(AwsSigningKey {
            pair,
            kind,
            public_der,
        }))
    }
}

impl SigningKey for AwsSigningKey {
    fn public_key_der(&self) -> &[u8] {
        &self.public_der
    }

    fn kind(&self) -> KeyKind {
        self.kind
    }

    fn sign(&self, alg: &SignatureAlgorithm, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        check_signing(self.kind, &self.public_der, alg)?;
        let rng = SystemRandom::new();
        let failed = |_| CryptoError::Backend("signing failed");
        match (&self.pair, alg) {
            (
                Pair::Rsa(pair),
                SignatureAlgorithm::RsaPkcs1(h)
                | SignatureAlgorithm::RsaPss(super::PssParams { hash: h, .. }),
            ) => {
                let encoding: &'static dyn sig::RsaEncoding = match (alg, h) {
                    (SignatureAlgorithm::RsaPkcs1(_), HashAlgorithm::Sha256) => {
                        &sig::RSA_PKCS1_SHA256
                    }
                    (SignatureAlgorithm::RsaPkcs1(_), HashAlgorithm::Sha384) => {
                        &sig::RSA_PKCS1_SHA384
                    }
                    (SignatureAlgorithm::RsaPkcs1(_), HashAlgorithm::Sha512) => {
                        &sig::RSA_PKCS1_SHA512
                    }
                    (_, HashAlgorithm::Sha256) => &sig::RSA_PSS_SHA256,
                    (_, HashAlgorithm::Sha384) => &sig::RSA_PSS_SHA384,
                    (_, HashAlgorithm::Sha512) => &sig::RSA_PSS_SHA512,
                    _ => return Err(CryptoError::VerifyOnly(*alg)),
                };
                let mut out = vec![0u8; pair.public_modulus_len()];
                pair.sign(encoding, &rng, message, &mut out)
                    .map_err(failed)?;
                Ok(out)
            }
            (Pair::Ecdsa { der, fixed, hash }, SignatureAlgorithm::Ecdsa { hash: h, encoding }) => {
                if h != hash {
                    return Err(CryptoError::unsupported(format!(
                        "signing {alg} with a {} key (sign with {hash})",
                        self.kind.name()
                    )));
                }
                let pair = if *encoding == EcdsaEncoding::Der {
                    der
                } else {
                    fixed
                };
                Ok(pair.sign(&rng, message).map_err(failed)?.as_ref().to_vec())
            }
            (Pair::Ed25519(pair), SignatureAlgorithm::Ed25519) => {
                Ok(pair.sign(message).as_ref().to_vec())
            }
            _ => Err(CryptoError::KeyMismatch {
                key: self.kind.name(),
                algorithm: *alg,
            }),
        }
    }
}
