//! Algorithms both backends take from signflow's own code rather than from their library:
//! GOST R 34.10-2012 and Streebog (`gost`), verify-only DSA (`dsa`), and the verify-only
//! context schemes of `pure_sig` (ML-DSA, SLH-DSA, Ed448, Ed25519ph/ctx). A backend with its
//! own implementation (a CryptoPro CSP binding, say) simply does not call into here.

use super::gost::{self, KeyAlgorithm};
use super::{
    CryptoError, Digest, HashAlgorithm, Hasher, KeyKind, PublicKeyInfo, SecureRandom,
    SignatureAlgorithm, SigningKey, check_signing,
};

/// Verifies `alg` over `message` when it is one of the native algorithms; `None` otherwise.
pub(crate) fn verify(
    alg: &SignatureAlgorithm,
    key: &PublicKeyInfo<'_>,
    message: &[u8],
    signature: &[u8],
) -> Option<Result<(), CryptoError>> {
    if let Some(result) = super::pure_sig::verify(alg, key, &[], message, signature) {
        return Some(result);
    }
    match alg {
        SignatureAlgorithm::Dsa(hash) => Some(
            super::dsa::digest(*hash, message)
                .and_then(|digest| super::dsa::verify_prehashed(key, &digest, signature)),
        ),
        SignatureAlgorithm::Gost2012_256
        | SignatureAlgorithm::Gost2012_512
        | SignatureAlgorithm::Gost2001 => Some(
            gost::PublicKey::from_spki_der(key.spki)
                .and_then(|k| k.verify_message(message, signature))
                .map_err(CryptoError::from),
        ),
        _ => None,
    }
}

/// As [`verify`], over a digest the caller computed.
pub(crate) fn verify_prehashed(
    alg: &SignatureAlgorithm,
    key: &PublicKeyInfo<'_>,
    digest: &[u8],
    signature: &[u8],
) -> Option<Result<(), CryptoError>> {
    match alg {
        SignatureAlgorithm::Dsa(_) => Some(super::dsa::verify_prehashed(key, digest, signature)),
        SignatureAlgorithm::Gost2012_256
        | SignatureAlgorithm::Gost2012_512
        | SignatureAlgorithm::Gost2001 => Some(
            gost::PublicKey::from_spki_der(key.spki)
                .and_then(|k| k.verify_digest(digest, signature))
                .map_err(CryptoError::from),
        ),
        _ => None,
    }
}

/// A RustCrypto hash both backends use from signflow's side: SHA-224 (`sha2`), SHA-3
/// (`sha3`) and RIPEMD-160 (`ripemd`), for XMLDSig digests and HMAC (no backend signs with
/// them).
struct RcDigest<D>(HashAlgorithm, D);

impl<D: sha2::Digest + Send + 'static> Hasher for RcDigest<D> {
    fn update(&mut self, data: &[u8]) {
        sha2::Digest::update(&mut self.1, data);
    }

    fn finalize(self: Box<Self>) -> Digest {
        Digest::new(self.0, &sha2::Digest::finalize(self.1))
    }
}

fn rc_digest<D: sha2::Digest + Send + 'static>(alg: HashAlgorithm) -> Option<Box<dyn Hasher>> {
    Some(Box::new(RcDigest(alg, D::new())))
}

enum StreebogState {
    S256(gost::Streebog256),
    S512(gost::Streebog512),
    Gost94(gost::Gost94CryptoPro),
}

struct StreebogHasher(StreebogState);

impl Hasher for StreebogHasher {
    fn update(&mut self, data: &[u8]) {
        match &mut self.0 {
            StreebogState::S256(h) => h.update(data),
            StreebogState::S512(h) => h.update(data),
            StreebogState::Gost94(h) => h.update(data),
        }
    }

    fn finalize(self: Box<Self>) -> Digest {
        match self.0 {
            StreebogState::S256(h) => Digest::new(HashAlgorithm::Streebog256, &h.finalize()),
            StreebogState::S512(h) => Digest::new(HashAlgorithm::Streebog512, &h.finalize()),
            StreebogState::Gost94(h) => Digest::new(HashAlgorithm::Gost94, &h.finalize()),
        }
    }
}

/// A hasher for the digests signflow computes itself (Streebog, GOST R 34.11-94, SHA-224,
/// SHA-3; RIPEMD-160 and MD5 with the `extra-algorithms` feature); `None` for the others,
/// which the backend provides. Backends call [`HashAlgorithm::check_compiled`] first.
pub(crate) fn hasher(alg: HashAlgorithm) -> Option<Box<dyn Hasher>> {
    match alg {
        HashAlgorithm::Streebog256 => Some(Box::new(StreebogHasher(StreebogState::S256(
            gost::Streebog256::new(),
        )))),
        HashAlgorithm::Streebog512 => Some(Box::new(StreebogHasher(StreebogState::S512(
            gost::Streebog512::new(),
        )))),
        HashAlgorithm::Gost94 => Some(Box::new(StreebogHasher(StreebogState::Gost94(
            gost::Gost94CryptoPro::new(),
        )))),
        HashAlgorithm::Sha224 => rc_digest::<sha2::Sha224>(alg),
        HashAlgorithm::Sha3_224 => rc_digest::<sha3::Sha3_224>(alg),
        HashAlgorithm::Sha3_256 => rc_digest::<sha3::Sha3_256>(alg),
        HashAlgorithm::Sha3_384 => rc_digest::<sha3::Sha3_384>(alg),
        HashAlgorithm::Sha3_512 => rc_digest::<sha3::Sha3_512>(alg),
        #[cfg(feature = "extra-algorithms")]
        HashAlgorithm::Ripemd160 => rc_digest::<ripemd::Ripemd160>(alg),
        #[cfg(feature = "extra-algorithms")]
        HashAlgorithm::Md5 => rc_digest::<md5::Md5>(alg),
        _ => None,
    }
}

/// A GOST private key signing through the backend's random source.
struct GostSigningKey {
    key: gost::PrivateKey,
    kind: KeyKind,
    public_der: Vec<u8>,
    random: &'static dyn SecureRandom,
}

impl core::fmt::Debug for GostSigningKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("GostSigningKey")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// Loads a GOST PKCS#8 key (any of the GOST engine's encodings).
pub(crate) fn load_gost_pkcs8(
    der: &[u8],
    random: &'static dyn SecureRandom,
) -> Result<Box<dyn SigningKey>, CryptoError> {
    let key = gost::PrivateKey::from_pkcs8_der(der)?;
    let kind = KeyKind::Gost {
        algorithm: key.algorithm(),
        params: key.params(),
    };
    let public_der = key.public_key().to_spki_der();
    Ok(Box::new(GostSigningKey {
        key,
        kind,
        public_der,
        random,
    }))
}

impl SigningKey for GostSigningKey {
    fn public_key_der(&self) -> &[u8] {
        &self.public_der
    }

    fn kind(&self) -> KeyKind {
        self.kind
    }

    fn sign(&self, alg: &SignatureAlgorithm, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        check_signing(self.kind, &self.public_der, alg)?;
        if self.key.algorithm() == KeyAlgorithm::Gost2001 {
            return Err(CryptoError::VerifyOnly(*alg));
        }
        Ok(self.key.sign_message(message, self.random)?)
    }
}
