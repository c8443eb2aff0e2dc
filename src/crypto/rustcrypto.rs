//! The pure-Rust backend on RustCrypto crates.
//!
//! RSA uses `rsa` 0.10 (a release candidate): its arithmetic on `crypto-bigint` is constant-time,
//! which closes the Marvin timing attack (RUSTSEC-2023-0071) that `rsa` 0.9 carries for
//! private-key operations, and verifies about 2.7× faster than 0.9. ECDSA uses `p256`/`p384`
//! (RFC 6979 deterministic nonces when signing) and `p521` (verification only), Ed25519
//! `ed25519-dalek`.

use pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer, Verifier as _};
use sha2::Digest as _;
use spki::EncodePublicKey;

use super::rc_verify::{self, bad, with_hash};
use super::{
    CryptoError, CryptoProvider, Digest, DigestProvider, EcdsaEncoding, HashAlgorithm, Hasher,
    KeyKind, KeyLoader, PublicKeyInfo, SecureRandom, SignatureAlgorithm, SignatureVerifier,
    SigningKey, check_signing, pkcs8_key_kind, verify_only_key,
};

/// The RustCrypto provider.
pub const DEFAULT_PROVIDER: CryptoProvider = CryptoProvider {
    name: "rustcrypto",
    verifier: &Verifier,
    key_loader: &Loader,
    digests: &Digests,
    random: &Random,
};

#[derive(Debug)]
struct Verifier;

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
        match alg.hash() {
            None => {
                let pk: [u8; 32] = key
                    .key
                    .try_into()
                    .map_err(|_| CryptoError::InvalidPublicKey("Ed25519 key must be 32 bytes"))?;
                let vk = ed25519_dalek::VerifyingKey::from_bytes(&pk)
                    .map_err(|_| CryptoError::InvalidPublicKey("Ed25519 point does not decode"))?;
                let sig = ed25519_dalek::Signature::from_slice(signature).map_err(bad)?;
                vk.verify(message, &sig).map_err(bad)
            }
            Some(_) => rc_verify::verify(alg, key, message, signature),
        }
    }

    fn verify_prehashed(
        &self,
        alg: &SignatureAlgorithm,
        key: &PublicKeyInfo<'_>,
        digest: &[u8],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        if let Some(result) = super::native::verify_prehashed(alg, key, digest, signature) {
            return result;
        }
        rc_verify::verify_digest(alg, key, digest, signature)
    }
}

#[derive(Debug)]
struct Digests;

struct RcHasher<D>(HashAlgorithm, D);

impl<D: sha2::Digest + Send + 'static> Hasher for RcHasher<D> {
    fn update(&mut self, data: &[u8]) {
        self.1.update(data);
    }

    fn finalize(self: Box<Self>) -> Digest {
        Digest::new(self.0, &self.1.finalize())
    }
}

impl DigestProvider for Digests {
    fn hasher(&self, alg: HashAlgorithm) -> Result<Box<dyn Hasher>, CryptoError> {
        alg.check_compiled()?;
        if let Some(h) = super::native::hasher(alg) {
            return Ok(h);
        }
        Ok(with_hash!(alg, D => Box::new(RcHasher(alg, D::new()))))
    }
}

#[derive(Debug)]
struct Random;

impl SecureRandom for Random {
    fn fill(&self, dest: &mut [u8]) -> Result<(), CryptoError> {
        getrandom::fill(dest).map_err(|_| CryptoError::Backend("getrandom failed"))
    }
}

#[derive(Debug)]
struct Loader;

/// Private key material; each type zeroizes itself on drop.
enum Secret {
    Rsa(rsa::RsaPrivateKey),
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    Ed25519(ed25519_dalek::SigningKey),
}

struct RcSigningKey {
    secret: Secret,
    kind: KeyKind,
    public_der: Vec<u8>,
}

impl core::fmt::Debug for RcSigningKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RcSigningKey")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

fn invalid<E: core::fmt::Display>(e: E) -> CryptoError {
    CryptoError::InvalidPrivateKey(e.to_string())
}

fn spki_der(doc: Result<spki::Document, spki::Error>) -> Result<Vec<u8>, CryptoError> {
    doc.map(|d| d.as_bytes().to_vec())
        .map_err(|_| CryptoError::Backend("public key encoding failed"))
}

impl KeyLoader for Loader {
    fn load_pkcs8(&self, der: &[u8]) -> Result<Box<dyn SigningKey>, CryptoError> {
        let kind = pkcs8_key_kind(der)?;
        let (secret, public_der, kind) = match kind {
            KeyKind::Gost { .. } => return super::native::load_gost_pkcs8(der, &Random),
            KeyKind::Dsa
            | KeyKind::EcP521
            | KeyKind::Ed448
            | KeyKind::MlDsa(_)
            | KeyKind::SlhDsa(_) => return Err(verify_only_key(kind)),
            KeyKind::Rsa { .. } => {
                let k = rsa::RsaPrivateKey::from_pkcs8_der(der).map_err(invalid)?;
                let public = rsa::RsaPublicKey::from(&k);
                let spki = spki_der(public.to_public_key_der())?;
                let bits = PublicKeyInfo::parse(&spki)?.kind;
                (Secret::Rsa(k), spki, bits)
            }
            KeyKind::EcP256 => {
                let k = p256::ecdsa::SigningKey::from_pkcs8_der(der).map_err(invalid)?;
                let spki = spki_der(k.verifying_key().to_public_key_der())?;
                (Secret::P256(k), spki, kind)
            }
            KeyKind::EcP384 => {
                let k = p384::ecdsa::SigningKey::from_pkcs8_der(der).map_err(invalid)?;
                let spki = spki_der(k.verifying_key().to_public_key_der())?;
                (Secret::P384(k), spki, kind)
            }
            KeyKind::Ed25519 => {
                let k = ed25519_dalek::SigningKey::from_pkcs8_der(der).map_err(invalid)?;
                let spki = spki_der(k.verifying_key().to_public_key_der())?;
                (Secret::Ed25519(k), spki, kind)
            }
        };
        Ok(Box::new(RcSigningKey {
            secret,
            kind,
            public_der,
        }))
    }
}

impl SigningKey for RcSigningKey {
    fn public_key_der(&self) -> &[u8] {
        &self.public_der
    }

    fn kind(&self) -> KeyKind {
        self.kind
    }

    fn sign(&self, alg: &SignatureAlgorithm, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        check_signing(self.kind, &self.public_der, alg)?;
        let failed = |_| CryptoError::Backend("signing failed");
        let curve_hash_only = |curve_hash: HashAlgorithm| {
            CryptoError::unsupported(format!(
                "signing {alg} with a {} key (sign with {curve_hash})",
                self.kind.name()
            ))
        };
        macro_rules! ecdsa_sign {
            ($k:expr, $curve:ident, $curve_hash:expr, $hash:expr, $encoding:expr) => {{
                if $hash != $curve_hash {
                    return Err(curve_hash_only($curve_hash));
                }
                let sig: $curve::ecdsa::Signature = $k.try_sign(message).map_err(failed)?;
                Ok(match $encoding {
                    EcdsaEncoding::Der => sig.to_der().to_bytes().to_vec(),
                    EcdsaEncoding::Fixed => sig.to_bytes().to_vec(),
                })
            }};
        }
        match (&self.secret, alg) {
            (Secret::Rsa(k), SignatureAlgorithm::RsaPkcs1(h)) => {
                with_hash!(h, D => Ok(rsa::pkcs1v15::SigningKey::<D>::new(k.clone())
                    .try_sign(message)
                    .map_err(failed)?
                    .to_vec()))
            }
            (Secret::Rsa(k), SignatureAlgorithm::RsaPss(p)) => {
                with_hash!(p.hash, D => Ok(rsa::pss::SigningKey::<D>::new_with_salt_len(k.clone(), p.salt_len)
                    .try_sign(message)
                    .map_err(failed)?
                    .to_vec()))
            }
            (Secret::P256(k), SignatureAlgorithm::Ecdsa { hash, encoding }) => {
                ecdsa_sign!(k, p256, HashAlgorithm::Sha256, *hash, encoding)
            }
            (Secret::P384(k), SignatureAlgorithm::Ecdsa { hash, encoding }) => {
                ecdsa_sign!(k, p384, HashAlgorithm::Sha384, *hash, encoding)
            }
            (Secret::Ed25519(k), SignatureAlgorithm::Ed25519) => {
                Ok(k.sign(message).to_bytes().to_vec())
            }
            _ => Err(CryptoError::KeyMismatch {
                key: self.kind.name(),
                algorithm: *alg,
            }),
        }
    }
}
