//! Errors of the crypto layer.

use super::SignatureAlgorithm;

/// What went wrong in a cryptographic operation.
///
/// A caller can tell apart a signature that does not verify ([`CryptoError::BadSignature`]) from
/// input that is not what it claims to be ([`CryptoError::Malformed`],
/// [`CryptoError::InvalidPublicKey`]) and from an algorithm this build cannot handle
/// ([`CryptoError::UnsupportedAlgorithm`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// The signature does not verify with this key and message.
    #[error("signature does not verify")]
    BadSignature,
    /// The algorithm, parameters or curve are not supported; the text names them (OID or name).
    #[error("unsupported algorithm: {0}")]
    UnsupportedAlgorithm(String),
    /// The public key is not a valid SubjectPublicKeyInfo for its algorithm.
    #[error("invalid public key: {0}")]
    InvalidPublicKey(&'static str),
    /// The private key is not a valid PKCS#8 key, or its algorithm is unknown.
    #[error("invalid private key: {0}")]
    InvalidPrivateKey(String),
    /// The key cannot be used with the requested algorithm (an RSA key for ECDSA, say).
    #[error("a {key} key cannot be used for {algorithm}")]
    KeyMismatch {
        /// The kind of key that was given.
        key: &'static str,
        /// The algorithm that was requested.
        algorithm: SignatureAlgorithm,
    },
    /// The algorithm is accepted for verifying old signatures only (SHA-1).
    #[error("{0} is accepted for verification only, not for new signatures")]
    VerifyOnly(SignatureAlgorithm),
    /// A prehashed digest has the wrong length for its algorithm.
    #[error("digest is {actual} bytes, {expected} expected")]
    DigestLength {
        /// Length the algorithm needs.
        expected: usize,
        /// Length that was given.
        actual: usize,
    },
    /// An algorithm identifier or other encoded input is malformed.
    #[error("malformed input: {0}")]
    Malformed(&'static str),
    /// The backend failed to produce a signature or random bytes.
    #[error("crypto backend failure: {0}")]
    Backend(&'static str),
}

impl CryptoError {
    pub(crate) fn unsupported(what: impl Into<String>) -> Self {
        Self::UnsupportedAlgorithm(what.into())
    }
}
