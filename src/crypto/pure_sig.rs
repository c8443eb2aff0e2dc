//! Signature schemes that take the message itself and an optional context string, verified on
//! RustCrypto crates for every backend (verification only: no backend loads their private
//! keys): ML-DSA (FIPS 204, `ml-dsa`), SLH-DSA (FIPS 205, `slh-dsa`), Ed448 and Ed448ph
//! (RFC 8032 §5.2, `ed448-goldilocks`), Ed25519ph (`ed25519-dalek`) and Ed25519ctx (RFC 8032
//! §5.1, on `curve25519-dalek`'s arithmetic, which `ed25519-dalek` does not expose for it).
//!
//! Pure Ed25519 without a context stays with the backends. ML-DSA, SLH-DSA and Ed448 are
//! compiled in with the `extra-algorithms` feature only; without it they are refused as
//! unsupported (the identifiers and key kinds stay known, so the refusal can name them).

use const_oid::ObjectIdentifier as Oid;
use sha2::Digest as _;

use super::{CryptoError, KeyKind, PublicKeyInfo, SignatureAlgorithm};

/// Longest context string (FIPS 204 §5.2, FIPS 205 §10.2, RFC 8032 §5).
pub const MAX_CONTEXT_LEN: usize = 255;

/// The three ML-DSA parameter sets of FIPS 204.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MlDsaLevel {
    /// ML-DSA-44 (security category 2).
    MlDsa44,
    /// ML-DSA-65 (category 3).
    MlDsa65,
    /// ML-DSA-87 (category 5).
    MlDsa87,
}

impl MlDsaLevel {
    const ALL: [(Self, &'static str, &'static str); 3] = [
        (Self::MlDsa44, "ML-DSA-44", "2.16.840.1.101.3.4.3.17"),
        (Self::MlDsa65, "ML-DSA-65", "2.16.840.1.101.3.4.3.18"),
        (Self::MlDsa87, "ML-DSA-87", "2.16.840.1.101.3.4.3.19"),
    ];

    /// The FIPS 204 name ("ML-DSA-65").
    pub fn name(self) -> &'static str {
        Self::ALL[self as usize].1
    }

    /// The `id-ml-dsa-*` object identifier (NIST CSOR; RFC 9881), which names both the key and
    /// the signature algorithm.
    pub fn oid(self) -> Oid {
        Oid::new_unwrap(Self::ALL[self as usize].2)
    }

    /// The parameter set `oid` names.
    pub fn from_oid(oid: Oid) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(_, _, o)| Oid::new_unwrap(o) == oid)
            .map(|(l, _, _)| *l)
    }
}

/// The twelve SLH-DSA parameter sets of FIPS 205 (pure signing).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(non_camel_case_types)]
pub enum SlhDsaSet {
    /// SLH-DSA-SHA2-128s.
    Sha2_128s,
    /// SLH-DSA-SHA2-128f.
    Sha2_128f,
    /// SLH-DSA-SHA2-192s.
    Sha2_192s,
    /// SLH-DSA-SHA2-192f.
    Sha2_192f,
    /// SLH-DSA-SHA2-256s.
    Sha2_256s,
    /// SLH-DSA-SHA2-256f.
    Sha2_256f,
    /// SLH-DSA-SHAKE-128s.
    Shake128s,
    /// SLH-DSA-SHAKE-128f.
    Shake128f,
    /// SLH-DSA-SHAKE-192s.
    Shake192s,
    /// SLH-DSA-SHAKE-192f.
    Shake192f,
    /// SLH-DSA-SHAKE-256s.
    Shake256s,
    /// SLH-DSA-SHAKE-256f.
    Shake256f,
}

impl SlhDsaSet {
    /// Every set, in the order of its `id-slh-dsa-*` OID (…3.4.3.20 to …3.4.3.31).
    const ALL: [(Self, &'static str); 12] = [
        (Self::Sha2_128s, "SLH-DSA-SHA2-128s"),
        (Self::Sha2_128f, "SLH-DSA-SHA2-128f"),
        (Self::Sha2_192s, "SLH-DSA-SHA2-192s"),
        (Self::Sha2_192f, "SLH-DSA-SHA2-192f"),
        (Self::Sha2_256s, "SLH-DSA-SHA2-256s"),
        (Self::Sha2_256f, "SLH-DSA-SHA2-256f"),
        (Self::Shake128s, "SLH-DSA-SHAKE-128s"),
        (Self::Shake128f, "SLH-DSA-SHAKE-128f"),
        (Self::Shake192s, "SLH-DSA-SHAKE-192s"),
        (Self::Shake192f, "SLH-DSA-SHAKE-192f"),
        (Self::Shake256s, "SLH-DSA-SHAKE-256s"),
        (Self::Shake256f, "SLH-DSA-SHAKE-256f"),
    ];

    /// The FIPS 205 name ("SLH-DSA-SHA2-128f").
    pub fn name(self) -> &'static str {
        Self::ALL[self as usize].1
    }

    /// The `id-slh-dsa-*` object identifier (NIST CSOR; RFC 9909), which names both the key
    /// and the signature algorithm.
    pub fn oid(self) -> Oid {
        let arc = 20 + self as u32;
        Oid::new_unwrap("2.16.840.1.101.3.4.3")
            .push_arc(arc)
            .expect("a short OID takes one more arc")
    }

    /// The parameter set `oid` names.
    pub fn from_oid(oid: Oid) -> Option<Self> {
        Self::ALL.iter().map(|(s, _)| *s).find(|s| s.oid() == oid)
    }
}

/// The key kind of an SPKI whose algorithm OID is one of this module's (`None` otherwise); the
/// key's length is checked against the parameter set.
pub(crate) fn key_kind(oid: Oid, key: &[u8]) -> Option<Result<KeyKind, CryptoError>> {
    let (kind, len) = if oid == super::oid::ED448 {
        (KeyKind::Ed448, 57)
    } else if let Some(level) = MlDsaLevel::from_oid(oid) {
        let len = match level {
            MlDsaLevel::MlDsa44 => 1312,
            MlDsaLevel::MlDsa65 => 1952,
            MlDsaLevel::MlDsa87 => 2592,
        };
        (KeyKind::MlDsa(level), len)
    } else if let Some(set) = SlhDsaSet::from_oid(oid) {
        // 2n bytes: n = 16, 24, 32 for the 128, 192 and 256 sets.
        let n = [16, 16, 24, 24, 32, 32][set as usize % 6];
        (KeyKind::SlhDsa(set), 2 * n)
    } else {
        return None;
    };
    Some(if key.len() == len {
        Ok(kind)
    } else {
        Err(CryptoError::InvalidPublicKey(
            "public key length does not fit its parameter set",
        ))
    })
}

/// One scheme's verification: `(key, context, message, signature)`.
type SchemeVerifier = fn(&[u8], &[u8], &[u8], &[u8]) -> Result<(), CryptoError>;

/// Verifies `alg` over `message` with `context` when `alg` is one of this module's schemes;
/// `None` otherwise (and for pure Ed25519, which the backends verify).
pub(crate) fn verify(
    alg: &SignatureAlgorithm,
    key: &PublicKeyInfo<'_>,
    context: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Option<Result<(), CryptoError>> {
    let run = |f: SchemeVerifier| {
        Some(if context.len() > MAX_CONTEXT_LEN {
            Err(CryptoError::Malformed(
                "context string longer than 255 bytes",
            ))
        } else {
            f(key.key, context, message, signature)
        })
    };
    match (alg, key.kind) {
        (SignatureAlgorithm::Ed25519ph, KeyKind::Ed25519) => run(ed25519ph),
        (SignatureAlgorithm::Ed25519ctx, KeyKind::Ed25519) => run(ed25519ctx),
        #[cfg(not(feature = "extra-algorithms"))]
        (
            SignatureAlgorithm::Ed448
            | SignatureAlgorithm::Ed448ph
            | SignatureAlgorithm::MlDsa(_)
            | SignatureAlgorithm::SlhDsa(_),
            _,
        ) => Some(Err(super::algorithm::not_compiled(alg))),
        #[cfg(feature = "extra-algorithms")]
        (SignatureAlgorithm::Ed448, KeyKind::Ed448) => run(ed448),
        #[cfg(feature = "extra-algorithms")]
        (SignatureAlgorithm::Ed448ph, KeyKind::Ed448) => run(ed448ph),
        #[cfg(feature = "extra-algorithms")]
        (SignatureAlgorithm::MlDsa(l), KeyKind::MlDsa(k)) if *l == k => run(match l {
            MlDsaLevel::MlDsa44 => ml_dsa_verify::<ml_dsa::MlDsa44>,
            MlDsaLevel::MlDsa65 => ml_dsa_verify::<ml_dsa::MlDsa65>,
            MlDsaLevel::MlDsa87 => ml_dsa_verify::<ml_dsa::MlDsa87>,
        }),
        #[cfg(feature = "extra-algorithms")]
        (SignatureAlgorithm::SlhDsa(s), KeyKind::SlhDsa(k)) if *s == k => run(match s {
            SlhDsaSet::Sha2_128s => slh_dsa_verify::<slh_dsa::Sha2_128s>,
            SlhDsaSet::Sha2_128f => slh_dsa_verify::<slh_dsa::Sha2_128f>,
            SlhDsaSet::Sha2_192s => slh_dsa_verify::<slh_dsa::Sha2_192s>,
            SlhDsaSet::Sha2_192f => slh_dsa_verify::<slh_dsa::Sha2_192f>,
            SlhDsaSet::Sha2_256s => slh_dsa_verify::<slh_dsa::Sha2_256s>,
            SlhDsaSet::Sha2_256f => slh_dsa_verify::<slh_dsa::Sha2_256f>,
            SlhDsaSet::Shake128s => slh_dsa_verify::<slh_dsa::Shake128s>,
            SlhDsaSet::Shake128f => slh_dsa_verify::<slh_dsa::Shake128f>,
            SlhDsaSet::Shake192s => slh_dsa_verify::<slh_dsa::Shake192s>,
            SlhDsaSet::Shake192f => slh_dsa_verify::<slh_dsa::Shake192f>,
            SlhDsaSet::Shake256s => slh_dsa_verify::<slh_dsa::Shake256s>,
            SlhDsaSet::Shake256f => slh_dsa_verify::<slh_dsa::Shake256f>,
        }),
        (SignatureAlgorithm::Ed25519ph | SignatureAlgorithm::Ed25519ctx, kind) => {
            Some(Err(CryptoError::KeyMismatch {
                key: kind.name(),
                algorithm: *alg,
            }))
        }
        #[cfg(feature = "extra-algorithms")]
        (
            SignatureAlgorithm::Ed448
            | SignatureAlgorithm::Ed448ph
            | SignatureAlgorithm::MlDsa(_)
            | SignatureAlgorithm::SlhDsa(_),
            kind,
        ) => Some(Err(CryptoError::KeyMismatch {
            key: kind.name(),
            algorithm: *alg,
        })),
        _ => None,
    }
}

fn bad<E>(_: E) -> CryptoError {
    CryptoError::BadSignature
}

fn ed25519_key(key: &[u8]) -> Result<ed25519_dalek::VerifyingKey, CryptoError> {
    let bytes: &[u8; 32] = key
        .try_into()
        .map_err(|_| CryptoError::InvalidPublicKey("Ed25519 key must be 32 bytes"))?;
    ed25519_dalek::VerifyingKey::from_bytes(bytes)
        .map_err(|_| CryptoError::InvalidPublicKey("Ed25519 point does not decode"))
}

/// Ed25519ph: HashEdDSA over SHA-512(message), `dom2(1, context)`.
fn ed25519ph(key: &[u8], context: &[u8], message: &[u8], sig: &[u8]) -> Result<(), CryptoError> {
    let vk = ed25519_key(key)?;
    let sig = ed25519_dalek::Signature::from_slice(sig).map_err(bad)?;
    let prehash = ed25519_dalek::Sha512::new().chain_update(message);
    vk.verify_prehashed(prehash, Some(context), &sig)
        .map_err(bad)
}

/// Ed25519ctx (RFC 8032 §5.1.7 with `dom2(0, context)`): `[S]B = R + [k]A`, checked as
/// ed25519-dalek checks pure Ed25519 (canonical S, R compared in its encoding).
fn ed25519ctx(key: &[u8], context: &[u8], message: &[u8], sig: &[u8]) -> Result<(), CryptoError> {
    use curve25519_dalek::edwards::EdwardsPoint;
    use curve25519_dalek::scalar::Scalar;
    let vk = ed25519_key(key)?;
    let (a, a_bytes) = (vk.to_edwards(), vk.to_bytes());
    let sig: &[u8; 64] = sig.try_into().map_err(bad)?;
    let (r_bytes, s_bytes) = sig.split_at(32);
    let s = Option::<Scalar>::from(Scalar::from_canonical_bytes(
        s_bytes.try_into().map_err(bad)?,
    ))
    .ok_or(CryptoError::BadSignature)?;
    let k: [u8; 64] = sha2::Sha512::new()
        .chain_update(b"SigEd25519 no Ed25519 collisions")
        .chain_update([0, context.len() as u8])
        .chain_update(context)
        .chain_update(r_bytes)
        .chain_update(a_bytes)
        .chain_update(message)
        .finalize()
        .into();
    let k = Scalar::from_bytes_mod_order_wide(&k);
    let r = EdwardsPoint::vartime_double_scalar_mul_basepoint(&k, &-a, &s);
    if r.compress().as_bytes() == r_bytes {
        Ok(())
    } else {
        Err(CryptoError::BadSignature)
    }
}

#[cfg(feature = "extra-algorithms")]
fn ed448_parts(
    key: &[u8],
    sig: &[u8],
) -> Result<(ed448_goldilocks::VerifyingKey, ed448_goldilocks::Signature), CryptoError> {
    let bytes: &[u8; 57] = key
        .try_into()
        .map_err(|_| CryptoError::InvalidPublicKey("Ed448 key must be 57 bytes"))?;
    // RFC 8032 §5.2.3: a point is 56 bytes of y and one byte whose top bit is x's sign; the
    // other seven bits are zero. ed448-goldilocks ignores them, which would let anyone make
    // new encodings of a valid signature's R (Wycheproof ed448 tc 63-65), so check them here.
    if bytes[56] & 0x7f != 0 {
        return Err(CryptoError::InvalidPublicKey(
            "Ed448 key encoding has non-zero unused bits",
        ));
    }
    if sig.len() == 114 && sig[56] & 0x7f != 0 {
        return Err(CryptoError::BadSignature);
    }
    let vk = ed448_goldilocks::VerifyingKey::from_bytes(bytes)
        .map_err(|_| CryptoError::InvalidPublicKey("Ed448 point does not decode"))?;
    let sig = ed448_goldilocks::Signature::from_slice(sig).map_err(bad)?;
    Ok((vk, sig))
}

#[cfg(feature = "extra-algorithms")]
fn ed448(key: &[u8], context: &[u8], message: &[u8], sig: &[u8]) -> Result<(), CryptoError> {
    let (vk, sig) = ed448_parts(key, sig)?;
    vk.verify_ctx(&sig, context, message).map_err(bad)
}

#[cfg(feature = "extra-algorithms")]
/// Ed448ph: HashEdDSA over SHAKE256(message, 64 bytes), `dom4(1, context)`.
fn ed448ph(key: &[u8], context: &[u8], message: &[u8], sig: &[u8]) -> Result<(), CryptoError> {
    use ed448_goldilocks::shake::{Shake256, Update};
    let (vk, sig) = ed448_parts(key, sig)?;
    let mut shake = Shake256::default();
    shake.update(message);
    let prehash = ed448_goldilocks::PreHasherXof::from(shake);
    vk.verify_prehashed(&sig, Some(context), prehash)
        .map_err(bad)
}

#[cfg(feature = "extra-algorithms")]
fn ml_dsa_verify<P: ml_dsa::MlDsaParams>(
    key: &[u8],
    context: &[u8],
    message: &[u8],
    sig: &[u8],
) -> Result<(), CryptoError> {
    let enc = ml_dsa::EncodedVerifyingKey::<P>::try_from(key)
        .map_err(|_| CryptoError::InvalidPublicKey("ML-DSA key has the wrong length"))?;
    let vk = ml_dsa::VerifyingKey::<P>::decode(&enc);
    let sig = ml_dsa::Signature::<P>::try_from(sig).map_err(bad)?;
    if vk.verify_with_context(message, context, &sig) {
        Ok(())
    } else {
        Err(CryptoError::BadSignature)
    }
}

#[cfg(feature = "extra-algorithms")]
fn slh_dsa_verify<P: slh_dsa::ParameterSet>(
    key: &[u8],
    context: &[u8],
    message: &[u8],
    sig: &[u8],
) -> Result<(), CryptoError> {
    let vk = slh_dsa::VerifyingKey::<P>::try_from(key)
        .map_err(|_| CryptoError::InvalidPublicKey("SLH-DSA key has the wrong length"))?;
    let sig = slh_dsa::Signature::<P>::try_from(sig).map_err(bad)?;
    vk.try_verify_with_context(message, context, &sig)
        .map_err(bad)
}
