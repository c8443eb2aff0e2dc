//! Errors of the GOST module.

use const_oid::ObjectIdentifier;

use super::{KeyAlgorithm, ParamSet};
use crate::crypto::CryptoError;

/// What went wrong in a GOST R 34.10 / 34.11 operation.
///
/// Converts into [`CryptoError`] for the provider boundary (see the `From` impl for the
/// mapping).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GostError {
    /// The signature does not verify with this key and digest (GOST R 34.10-2012 §6.2 step 7:
    /// `R ≠ r`).
    #[error("GOST signature does not verify")]
    BadSignature,
    /// `r` or `s` (named) is zero or not below the group order `q`: no signature has that form
    /// (GOST R 34.10-2012 §6.2 step 1).
    #[error("GOST signature is invalid: {0} is zero or not below the group order q")]
    SignatureOutOfRange(&'static str),
    /// The parameter set OID is not one of the supported curves.
    #[error("unsupported GOST R 34.10 parameter set {0}")]
    UnsupportedParamSet(ObjectIdentifier),
    /// The key algorithm OID is not a GOST R 34.10-2001/2012 key.
    #[error("unsupported key algorithm {0} (expected a GOST R 34.10-2001 or 34.10-2012 key)")]
    UnsupportedAlgorithm(ObjectIdentifier),
    /// A parameter set of one size was named for a key algorithm of the other size (a 512-bit
    /// curve in a 256-bit key, say).
    #[error("parameter set {param_set} cannot be used with {algorithm} keys")]
    ParamSetMismatch {
        /// The key algorithm.
        algorithm: KeyAlgorithm,
        /// The parameter set it named.
        param_set: ParamSet,
    },
    /// The public key is not a point of the curve's prime-order subgroup, or is badly encoded.
    #[error("invalid GOST public key: {0}")]
    InvalidPublicKey(&'static str),
    /// The private key is out of range (`0 < d < q` is required) or badly encoded.
    #[error("invalid GOST private key: {0}")]
    InvalidPrivateKey(&'static str),
    /// An input has the wrong length for the parameter set.
    #[error("GOST {what} is {actual} bytes, {expected} expected")]
    BadLength {
        /// What had the wrong length ("digest", "signature", "public key", "private key").
        what: &'static str,
        /// Length the parameter set needs.
        expected: usize,
        /// Length that was given.
        actual: usize,
    },
    /// A DER structure (SubjectPublicKeyInfo, PKCS#8, key parameters) is malformed.
    #[error("malformed GOST key structure: {0}")]
    Malformed(&'static str),
    /// The operation is not available (hashing with GOST R 34.11-94, say).
    #[error("not supported: {0}")]
    Unsupported(&'static str),
    /// The caller's random number generator failed.
    #[error("random number generator failed: {0}")]
    Random(CryptoError),
}

impl From<GostError> for CryptoError {
    /// Maps onto the provider's error: both signature failures become
    /// [`CryptoError::BadSignature`], key errors the key variants, a digest of the wrong length
    /// [`CryptoError::DigestLength`], unknown OIDs [`CryptoError::UnsupportedAlgorithm`] naming
    /// them.
    fn from(e: GostError) -> Self {
        match e {
            GostError::BadSignature | GostError::SignatureOutOfRange(_) => Self::BadSignature,
            GostError::UnsupportedParamSet(_)
            | GostError::UnsupportedAlgorithm(_)
            | GostError::Unsupported(_) => Self::UnsupportedAlgorithm(e.to_string()),
            GostError::ParamSetMismatch { .. } => {
                Self::InvalidPublicKey("GOST parameter set does not fit the key algorithm")
            }
            GostError::InvalidPublicKey(m) => Self::InvalidPublicKey(m),
            GostError::InvalidPrivateKey(_) => Self::InvalidPrivateKey(e.to_string()),
            GostError::BadLength {
                what: "digest",
                expected,
                actual,
            } => Self::DigestLength { expected, actual },
            GostError::BadLength {
                what: "signature", ..
            } => Self::BadSignature,
            GostError::BadLength {
                what: "public key", ..
            } => Self::InvalidPublicKey("GOST public key has the wrong length"),
            GostError::BadLength { .. } => Self::InvalidPrivateKey(e.to_string()),
            GostError::Malformed(m) => Self::Malformed(m),
            GostError::Random(inner) => inner,
        }
    }
}
