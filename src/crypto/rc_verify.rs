//! RSA and ECDSA verification on RustCrypto crates (`rsa`, `p256`, `p384`, `p521`) with every
//! hash signflow knows but the GOST ones: SHA-1, SHA-2, SHA-3 and RIPEMD-160.
//!
//! The rustcrypto backend verifies all its RSA and ECDSA signatures here. The AWS-LC backend
//! comes here for the combinations AWS-LC's Rust API does not offer — RSA and ECDSA with
//! SHA-224, SHA-3 or RIPEMD-160, RSA-PSS with SHA-1 or under 2048 bits, ECDSA P-384 with SHA-1
//! and RSA PKCS#1 SHA-384 under 2048 bits — which XMLDSig 1.1 and RFC 9231 name and old
//! documents use. These are verification only: no backend signs with them.

use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::signature::hazmat::PrehashVerifier;

use super::{
    CryptoError, Digest, EcdsaEncoding, HashAlgorithm, KeyKind, PublicKeyInfo, SignatureAlgorithm,
};

/// Runs `$body` with `$D` bound to the RustCrypto type of `$hash`; returns an
/// unsupported-algorithm error from the enclosing function for the GOST hashes (which go
/// through `native`).
macro_rules! with_hash {
    ($hash:expr, $D:ident => $body:expr) => {
        match $hash {
            #[cfg(feature = "extra-algorithms")]
            HashAlgorithm::Md5 => {
                type $D = md5::Md5;
                $body
            }
            HashAlgorithm::Sha1 => {
                type $D = sha1::Sha1;
                $body
            }
            HashAlgorithm::Sha224 => {
                type $D = sha2::Sha224;
                $body
            }
            HashAlgorithm::Sha256 => {
                type $D = sha2::Sha256;
                $body
            }
            HashAlgorithm::Sha384 => {
                type $D = sha2::Sha384;
                $body
            }
            HashAlgorithm::Sha512 => {
                type $D = sha2::Sha512;
                $body
            }
            HashAlgorithm::Sha3_224 => {
                type $D = sha3::Sha3_224;
                $body
            }
            HashAlgorithm::Sha3_256 => {
                type $D = sha3::Sha3_256;
                $body
            }
            HashAlgorithm::Sha3_384 => {
                type $D = sha3::Sha3_384;
                $body
            }
            HashAlgorithm::Sha3_512 => {
                type $D = sha3::Sha3_512;
                $body
            }
            #[cfg(feature = "extra-algorithms")]
            HashAlgorithm::Ripemd160 => {
                type $D = ripemd::Ripemd160;
                $body
            }
            #[cfg(not(feature = "extra-algorithms"))]
            other @ (HashAlgorithm::Md5 | HashAlgorithm::Ripemd160) => {
                return Err(super::algorithm::not_compiled(other));
            }
            other @ (HashAlgorithm::Streebog256
            | HashAlgorithm::Streebog512
            | HashAlgorithm::Gost94) => {
                return Err(CryptoError::unsupported(format!(
                    "{other} with this scheme"
                )));
            }
        }
    };
}
#[cfg(feature = "rustcrypto")]
pub(crate) use with_hash;

pub(crate) fn bad<E>(_: E) -> CryptoError {
    CryptoError::BadSignature
}

/// The RSA public key of `key` (PKCS#1 `RSAPublicKey`).
pub(crate) fn rsa_key(key: &PublicKeyInfo<'_>) -> Result<rsa::RsaPublicKey, CryptoError> {
    rsa::RsaPublicKey::from_pkcs1_der(key.key)
        .map_err(|_| CryptoError::InvalidPublicKey("RSA key rejected by the rsa crate"))
}

/// `data`'s digest with `hash`.
pub(crate) fn hash_once(hash: HashAlgorithm, data: &[u8]) -> Result<Digest, CryptoError> {
    Ok(with_hash!(hash, D => Digest::new(hash, &<D as sha2::Digest>::digest(data))))
}

/// Verifies an RSA or ECDSA signature over `message`.
pub(crate) fn verify(
    alg: &SignatureAlgorithm,
    key: &PublicKeyInfo<'_>,
    message: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    let hash = alg
        .hash()
        .ok_or_else(|| CryptoError::unsupported(format!("{alg} over a digest")))?;
    let digest = hash_once(hash, message)?;
    verify_digest(alg, key, digest.as_ref(), signature)
}

/// Verifies an RSA or ECDSA signature over a digest the caller computed.
pub(crate) fn verify_digest(
    alg: &SignatureAlgorithm,
    key: &PublicKeyInfo<'_>,
    digest: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    if let Some(hash) = alg.hash()
        && digest.len() != hash.output_len()
    {
        return Err(CryptoError::DigestLength {
            expected: hash.output_len(),
            actual: digest.len(),
        });
    }
    match alg {
        SignatureAlgorithm::RsaPkcs1(h) => {
            let sig = rsa::pkcs1v15::Signature::try_from(signature).map_err(bad)?;
            with_hash!(h, D => rsa::pkcs1v15::VerifyingKey::<D>::new(rsa_key(key)?)
                .verify_prehash(digest, &sig)
                .map_err(bad))
        }
        SignatureAlgorithm::RsaPss(p) if p.is_verifiable() => {
            let sig = rsa::pss::Signature::try_from(signature).map_err(bad)?;
            let pk = rsa_key(key)?;
            with_hash!(p.hash, D => rsa::pss::VerifyingKey::<D>::new_with_salt_len(pk, p.salt_len)
                .verify_prehash(digest, &sig)
                .map_err(bad))
        }
        SignatureAlgorithm::Ecdsa { encoding, .. } => {
            macro_rules! ecdsa {
                ($curve:ident) => {{
                    let vk =
                        $curve::ecdsa::VerifyingKey::from_sec1_bytes(key.key).map_err(|_| {
                            CryptoError::InvalidPublicKey("EC point is not on the curve")
                        })?;
                    let sig = match encoding {
                        EcdsaEncoding::Der => $curve::ecdsa::Signature::from_der(signature),
                        EcdsaEncoding::Fixed => $curve::ecdsa::Signature::from_slice(signature),
                    }
                    .map_err(bad)?;
                    vk.verify_prehash(digest, &sig).map_err(bad)
                }};
            }
            match key.kind {
                KeyKind::EcP256 => ecdsa!(p256),
                KeyKind::EcP384 => ecdsa!(p384),
                KeyKind::EcP521 => ecdsa!(p521),
                _ => Err(CryptoError::KeyMismatch {
                    key: key.kind.name(),
                    algorithm: *alg,
                }),
            }
        }
        _ => Err(CryptoError::unsupported(format!("{alg} over a digest"))),
    }
}
