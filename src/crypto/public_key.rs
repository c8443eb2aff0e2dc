//! SubjectPublicKeyInfo inspection shared by the backends.
//!
//! ```text
//! SubjectPublicKeyInfo  ::=  SEQUENCE  {
//!      algorithm            AlgorithmIdentifier,
//!      subjectPublicKey     BIT STRING  }
//! ```
//! (RFC 5280 §4.1.2.7.) Backends take the key as SPKI DER; this module checks the key's
//! algorithm against the requested signature algorithm once, for every backend alike.

use der::asn1::UintRef;
use der::{Decode, Sequence};
use spki::SubjectPublicKeyInfoRef;

use super::algorithm::oid;
use super::{CryptoError, SignatureAlgorithm};
use crate::der_util::push_len;

/// The family and parameters of a public key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyKind {
    /// RSA (`rsaEncryption`, or `id-RSASSA-PSS` for a PSS-only key) with its modulus size.
    Rsa {
        /// Modulus length in bits.
        bits: usize,
        /// The key is an `id-RSASSA-PSS` key and may only verify RSA-PSS signatures.
        pss_only: bool,
    },
    /// ECDSA over NIST P-256.
    EcP256,
    /// ECDSA over NIST P-384.
    EcP384,
    /// ECDSA over NIST P-521: verification only (no backend loads P-521 private keys).
    EcP521,
    /// Ed25519.
    Ed25519,
    /// Ed448 (verification only).
    Ed448,
    /// ML-DSA (FIPS 204) at the given level (verification only).
    MlDsa(super::MlDsaLevel),
    /// SLH-DSA (FIPS 205) with the given parameter set (verification only).
    SlhDsa(super::SlhDsaSet),
    /// DSA (verification only), with domain parameters in the SPKI.
    Dsa,
    /// GOST R 34.10-2012 (or 2001, verify-only) on the named parameter set.
    Gost {
        /// 2001, 2012-256 or 2012-512.
        algorithm: super::gost::KeyAlgorithm,
        /// The curve.
        params: super::gost::ParamSet,
    },
}

impl KeyKind {
    /// A short name for messages ("RSA-2048", "P-256", ...).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Rsa { .. } => "RSA",
            Self::EcP256 => "ECDSA P-256",
            Self::EcP384 => "ECDSA P-384",
            Self::EcP521 => "ECDSA P-521",
            Self::Ed25519 => "Ed25519",
            Self::Ed448 => "Ed448",
            Self::MlDsa(level) => level.name(),
            Self::SlhDsa(set) => set.name(),
            Self::Dsa => "DSA",
            Self::Gost {
                algorithm: super::gost::KeyAlgorithm::Gost2012_512,
                ..
            } => "GOST R 34.10-2012 (512)",
            Self::Gost {
                algorithm: super::gost::KeyAlgorithm::Gost2012_256,
                ..
            } => "GOST R 34.10-2012 (256)",
            Self::Gost { .. } => "GOST R 34.10-2001",
        }
    }

    /// Field size in bytes of an EC key (the width of `r` and of `s`).
    pub const fn ec_field_len(&self) -> Option<usize> {
        match self {
            Self::EcP256 => Some(32),
            Self::EcP384 => Some(48),
            Self::EcP521 => Some(66),
            _ => None,
        }
    }
}

/// Smallest RSA modulus accepted for verification (NIST PKITS and older CAs still use 1024).
pub const MIN_RSA_VERIFY_BITS: usize = 1024;
/// Largest RSA modulus accepted (bounds the cost of a hostile key).
pub const MAX_RSA_BITS: usize = 8192;
/// Smallest RSA modulus accepted for new signatures.
pub const MIN_RSA_SIGN_BITS: usize = 2048;

/// A parsed SubjectPublicKeyInfo: the key kind and the raw `subjectPublicKey` bits.
#[derive(Clone, Copy, Debug)]
pub struct PublicKeyInfo<'a> {
    /// Key family and parameters.
    pub kind: KeyKind,
    /// The contents of `subjectPublicKey`: `RSAPublicKey` DER, an uncompressed or compressed
    /// EC point, or the 32 bytes of an Ed25519 key.
    pub key: &'a [u8],
    /// The whole SubjectPublicKeyInfo DER.
    pub spki: &'a [u8],
}

#[derive(Sequence)]
struct RsaPublicKeyAsn1<'a> {
    modulus: UintRef<'a>,
    public_exponent: UintRef<'a>,
}

impl<'a> PublicKeyInfo<'a> {
    /// Parses SPKI DER.
    ///
    /// # Errors
    /// [`CryptoError::InvalidPublicKey`] for malformed DER, [`CryptoError::UnsupportedAlgorithm`]
    /// naming the key algorithm or curve OID.
    pub fn parse(spki_der: &'a [u8]) -> Result<Self, CryptoError> {
        let spki = SubjectPublicKeyInfoRef::from_der(spki_der)
            .map_err(|_| CryptoError::InvalidPublicKey("not a DER SubjectPublicKeyInfo"))?;
        let key = spki
            .subject_public_key
            .as_bytes()
            .ok_or(CryptoError::InvalidPublicKey(
                "subjectPublicKey has unused bits",
            ))?;
        let params = spki.algorithm.parameters;
        let kind = match spki.algorithm.oid {
            oid::RSA_ENCRYPTION | oid::RSASSA_PSS => {
                let pss_only = spki.algorithm.oid == oid::RSASSA_PSS;
                if !pss_only && !params.is_some_and(|p| p.is_null()) && params.is_some() {
                    return Err(CryptoError::InvalidPublicKey(
                        "rsaEncryption parameters must be NULL",
                    ));
                }
                let rsa = RsaPublicKeyAsn1::from_der(key)
                    .map_err(|_| CryptoError::InvalidPublicKey("not a DER RSAPublicKey"))?;
                let bits = bit_len(rsa.modulus.as_bytes());
                if !(MIN_RSA_VERIFY_BITS..=MAX_RSA_BITS).contains(&bits) {
                    return Err(CryptoError::InvalidPublicKey(
                        "RSA modulus outside 1024..=8192 bits",
                    ));
                }
                let e = rsa.public_exponent.as_bytes();
                if e.len() > 8 || e.last().is_none_or(|b| b & 1 == 0) || bit_len(e) < 2 {
                    return Err(CryptoError::InvalidPublicKey(
                        "RSA public exponent is invalid",
                    ));
                }
                KeyKind::Rsa { bits, pss_only }
            }
            oid::EC_PUBLIC_KEY => {
                let curve = params
                    .ok_or(CryptoError::InvalidPublicKey("EC key names no curve"))?
                    .decode_as::<const_oid::ObjectIdentifier>()
                    .map_err(|_| {
                        CryptoError::unsupported("EC key with explicit curve parameters")
                    })?;
                match curve {
                    oid::SECP256R1 => KeyKind::EcP256,
                    oid::SECP384R1 => KeyKind::EcP384,
                    oid::SECP521R1 => KeyKind::EcP521,
                    other => {
                        return Err(CryptoError::unsupported(format!("elliptic curve {other}")));
                    }
                }
            }
            oid::ED25519 => {
                if params.is_some() || key.len() != 32 {
                    return Err(CryptoError::InvalidPublicKey(
                        "Ed25519 key must be 32 bytes",
                    ));
                }
                KeyKind::Ed25519
            }
            oid::GOST2012_256 | oid::GOST2012_512 | super::gost::oid::GOST3410_2001 => {
                let key = super::gost::PublicKey::from_spki_der(spki_der)?;
                KeyKind::Gost {
                    algorithm: key.algorithm(),
                    params: key.params(),
                }
            }
            oid::DSA => {
                if params.is_none() {
                    return Err(CryptoError::InvalidPublicKey(
                        "DSA key without domain parameters (inherit them from the issuer, RFC 5280 §6.1.4 (f))",
                    ));
                }
                KeyKind::Dsa
            }
            other => match super::pure_sig::key_kind(other, key) {
                _ if params.is_some() => {
                    return Err(CryptoError::unsupported(format!(
                        "public key algorithm {other} with parameters"
                    )));
                }
                Some(kind) => kind?,
                None => {
                    return Err(CryptoError::unsupported(format!(
                        "public key algorithm {other}"
                    )));
                }
            },
        };
        Ok(Self {
            kind,
            key,
            spki: spki_der,
        })
    }

    /// Checks that this key may verify or create signatures of `alg`.
    ///
    /// # Errors
    /// [`CryptoError::KeyMismatch`] if the key family does not fit the algorithm.
    pub fn check_algorithm(&self, alg: &SignatureAlgorithm) -> Result<(), CryptoError> {
        let fits = matches!(
            (self.kind, alg),
            (
                KeyKind::Rsa {
                    pss_only: false,
                    ..
                },
                SignatureAlgorithm::RsaPkcs1(_)
            ) | (KeyKind::Rsa { .. }, SignatureAlgorithm::RsaPss(_))
                | (
                    KeyKind::EcP256 | KeyKind::EcP384 | KeyKind::EcP521,
                    SignatureAlgorithm::Ecdsa { .. }
                )
                | (
                    KeyKind::Ed25519,
                    SignatureAlgorithm::Ed25519
                        | SignatureAlgorithm::Ed25519ph
                        | SignatureAlgorithm::Ed25519ctx
                )
                | (
                    KeyKind::Ed448,
                    SignatureAlgorithm::Ed448 | SignatureAlgorithm::Ed448ph
                )
                | (KeyKind::Dsa, SignatureAlgorithm::Dsa(_))
                | (
                    KeyKind::Gost {
                        algorithm: super::gost::KeyAlgorithm::Gost2012_256,
                        ..
                    },
                    SignatureAlgorithm::Gost2012_256
                )
                | (
                    KeyKind::Gost {
                        algorithm: super::gost::KeyAlgorithm::Gost2012_512,
                        ..
                    },
                    SignatureAlgorithm::Gost2012_512
                )
                | (
                    KeyKind::Gost {
                        algorithm: super::gost::KeyAlgorithm::Gost2001,
                        ..
                    },
                    SignatureAlgorithm::Gost2001
                )
        ) || matches!((self.kind, alg), (KeyKind::MlDsa(k), SignatureAlgorithm::MlDsa(a)) if k == *a)
            || matches!((self.kind, alg), (KeyKind::SlhDsa(k), SignatureAlgorithm::SlhDsa(a)) if k == *a);
        if fits {
            Ok(())
        } else {
            Err(CryptoError::KeyMismatch {
                key: self.kind.name(),
                algorithm: *alg,
            })
        }
    }
}

fn bit_len(be: &[u8]) -> usize {
    let be = strip_leading_zeros(be);
    match be.first() {
        None => 0,
        Some(b) => be.len() * 8 - b.leading_zeros() as usize,
    }
}

fn strip_leading_zeros(mut be: &[u8]) -> &[u8] {
    while let [0, rest @ ..] = be {
        be = rest;
    }
    be
}

/// Converts a fixed-width `r ‖ s` ECDSA signature into DER `Ecdsa-Sig-Value`.
///
/// # Errors
/// [`CryptoError::BadSignature`] if the length is not exactly twice the field size.
pub fn ecdsa_fixed_to_der(sig: &[u8], field_len: usize) -> Result<Vec<u8>, CryptoError> {
    if sig.len() != 2 * field_len {
        return Err(CryptoError::BadSignature);
    }
    let (r, s) = sig.split_at(field_len);
    let mut body = Vec::with_capacity(sig.len() + 8);
    for int in [r, s] {
        let int = strip_leading_zeros(int);
        let pad = int.first().is_none_or(|b| b & 0x80 != 0);
        body.push(0x02);
        push_len(&mut body, int.len() + usize::from(pad));
        if pad {
            body.push(0);
        }
        body.extend_from_slice(int);
    }
    let mut out = Vec::with_capacity(body.len() + 4);
    out.push(0x30);
    push_len(&mut out, body.len());
    out.extend_from_slice(&body);
    Ok(out)
}

/// Converts DER `Ecdsa-Sig-Value` into fixed-width `r ‖ s`.
///
/// # Errors
/// [`CryptoError::BadSignature`] for invalid DER or integers wider than the field.
pub fn ecdsa_der_to_fixed(sig: &[u8], field_len: usize) -> Result<Vec<u8>, CryptoError> {
    #[derive(Sequence)]
    struct EcdsaSig<'a> {
        r: UintRef<'a>,
        s: UintRef<'a>,
    }
    let parsed = EcdsaSig::from_der(sig).map_err(|_| CryptoError::BadSignature)?;
    let mut out = vec![0u8; 2 * field_len];
    for (i, int) in [parsed.r, parsed.s].into_iter().enumerate() {
        let bytes = strip_leading_zeros(int.as_bytes());
        if bytes.len() > field_len {
            return Err(CryptoError::BadSignature);
        }
        let end = (i + 1) * field_len;
        out[end - bytes.len()..end].copy_from_slice(bytes);
    }
    Ok(out)
}

/// RFC 5280 §6.1.4 (f): a DSA key whose SPKI omits the domain parameters takes them from the
/// issuer's key. Returns the completed SPKI, or `None` when nothing is to be inherited.
pub fn inherit_dsa_parameters(spki_der: &[u8], issuer_spki_der: &[u8]) -> Option<Vec<u8>> {
    use der::Encode;
    let child = SubjectPublicKeyInfoRef::from_der(spki_der).ok()?;
    if child.algorithm.oid != oid::DSA || child.algorithm.parameters.is_some() {
        return None;
    }
    let issuer = SubjectPublicKeyInfoRef::from_der(issuer_spki_der).ok()?;
    if issuer.algorithm.oid != oid::DSA || issuer.algorithm.parameters.is_none() {
        return None;
    }
    SubjectPublicKeyInfoRef {
        algorithm: issuer.algorithm,
        subject_public_key: child.subject_public_key,
    }
    .to_der()
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_and_der_ecdsa_encodings_convert_both_ways() {
        let mut fixed = vec![0u8; 64];
        fixed[0] = 0x80; // r needs a leading zero in DER
        fixed[63] = 1; // s = 1
        let der = ecdsa_fixed_to_der(&fixed, 32).unwrap();
        assert_eq!(der[2..5], [0x02, 33, 0x00]);
        assert_eq!(ecdsa_der_to_fixed(&der, 32).unwrap(), fixed);
        assert_eq!(
            ecdsa_fixed_to_der(&fixed[..63], 32),
            Err(CryptoError::BadSignature)
        );
    }

    #[test]
    fn garbage_is_not_a_public_key() {
        for input in [&b""[..], b"\x30\x00", b"\x30\x80\x00\x00", &[0x30; 40]] {
            assert!(PublicKeyInfo::parse(input).is_err());
        }
    }
}
