//! DSA (FIPS 186-4) verification, for old certificates and CRLs only: signflow never signs
//! with DSA. Shared by both backends (AWS-LC's Rust API has no DSA); built on RustCrypto `dsa`.

use der::Decode;
use dsa::signature::hazmat::PrehashVerifier;
use sha2::Digest as _;

use super::{CryptoError, HashAlgorithm, PublicKeyInfo};

/// Hashes `message` with `hash` for DSA (SHA-1 and SHA-2 in practice).
///
/// # Errors
/// [`CryptoError::UnsupportedAlgorithm`] for a hash this build leaves out
/// ([`HashAlgorithm::is_compiled`]).
pub(crate) fn digest(hash: HashAlgorithm, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
    Ok(match hash {
        #[cfg(feature = "extra-algorithms")]
        HashAlgorithm::Md5 => md5::Md5::digest(message).to_vec(),
        HashAlgorithm::Sha1 => sha1::Sha1::digest(message).to_vec(),
        HashAlgorithm::Sha224 => sha2::Sha224::digest(message).to_vec(),
        HashAlgorithm::Sha256 => sha2::Sha256::digest(message).to_vec(),
        HashAlgorithm::Sha384 => sha2::Sha384::digest(message).to_vec(),
        HashAlgorithm::Sha512 => sha2::Sha512::digest(message).to_vec(),
        HashAlgorithm::Sha3_224 => sha3::Sha3_224::digest(message).to_vec(),
        HashAlgorithm::Sha3_256 => sha3::Sha3_256::digest(message).to_vec(),
        HashAlgorithm::Sha3_384 => sha3::Sha3_384::digest(message).to_vec(),
        HashAlgorithm::Sha3_512 => sha3::Sha3_512::digest(message).to_vec(),
        #[cfg(feature = "extra-algorithms")]
        HashAlgorithm::Ripemd160 => ripemd::Ripemd160::digest(message).to_vec(),
        #[cfg(not(feature = "extra-algorithms"))]
        other @ (HashAlgorithm::Md5 | HashAlgorithm::Ripemd160) => {
            return Err(super::algorithm::not_compiled(other));
        }
        HashAlgorithm::Streebog256 => super::gost::streebog256(message).to_vec(),
        HashAlgorithm::Streebog512 => super::gost::streebog512(message).to_vec(),
        HashAlgorithm::Gost94 => super::gost::gost94_cryptopro(message).to_vec(),
    })
}

/// Verifies a DER `Dss-Sig-Value` over a digest with the key's SubjectPublicKeyInfo (which
/// must carry the domain parameters, inherited ones included).
pub(crate) fn verify_prehashed(
    key: &PublicKeyInfo<'_>,
    digest: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    let spki = spki::SubjectPublicKeyInfoRef::from_der(key.spki)
        .map_err(|_| CryptoError::InvalidPublicKey("not a DER SubjectPublicKeyInfo"))?;
    let vk = dsa::VerifyingKey::try_from(spki)
        .map_err(|_| CryptoError::InvalidPublicKey("DSA key or domain parameters rejected"))?;
    let sig = dsa::Signature::from_der(signature).map_err(|_| CryptoError::BadSignature)?;
    vk.verify_prehash(digest, &sig)
        .map_err(|_| CryptoError::BadSignature)
}
