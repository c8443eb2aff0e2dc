//! Errors of the CMS module.
//!
//! A verification has three outcomes, and they are kept apart by type: a
//! [`VerifyReport`](super::VerifyReport) whose status is *valid*, *invalid* or *indeterminate*,
//! and a [`CmsError`] when the input could not be read as a CMS signature at all
//! ([`CmsError::is_format_error`]) or the call itself was wrong (detached content missing, I/O).

use crate::crypto::CryptoError;

/// Why CMS input could not be read, or a signature could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CmsError {
    /// The input is not BER/DER, is truncated, or does not have the CMS structure.
    #[error("malformed CMS: {reason}")]
    Malformed {
        /// What is wrong, and where.
        reason: String,
    },
    /// The input is a CMS ContentInfo, but not of a SignedData.
    #[error("the CMS content type is {content_type}, not signedData (1.2.840.113549.1.7.2)")]
    NotSignedData {
        /// The content type found, dotted.
        content_type: String,
    },
    /// A structure this module does not handle (an unknown version, say).
    #[error("unsupported CMS structure: {what}")]
    Unsupported {
        /// What is unsupported.
        what: String,
    },
    /// The input exceeds one of the module's bounds (size, nesting, signers, certificates…).
    #[error("the CMS input exceeds the limit on {what} ({limit})")]
    LimitExceeded {
        /// What was counted.
        what: &'static str,
        /// The bound.
        limit: usize,
    },
    /// PEM framing is wrong.
    #[error(transparent)]
    Pem(#[from] crate::pem::PemError),
    /// The signature is detached and no content was given to check it against.
    #[error("the signature is detached: the signed content must be given to verify it")]
    ContentRequired,
    /// The signature contains its content and detached content was given too.
    #[error("the signature contains its content; no separate content may be given")]
    ContentConflict,
    /// There is no signer at the index asked for (counter-signing).
    #[error("there is no signer {index}: the SignedData has {count}")]
    NoSuchSigner {
        /// The index asked for.
        index: usize,
        /// How many signers there are.
        count: usize,
    },
    /// Co-signing: the content given is not what the existing signer number `signer` (from 1)
    /// signed — its message-digest (or, without signed attributes, its signature) does not
    /// match. Adding a signature over other content would make the whole SignedData invalid.
    #[error(
        "the content is not the document the existing signature covers (signer {signer}'s \
         digest does not match it)"
    )]
    CosignContentMismatch {
        /// The existing signer, counted from 1.
        signer: usize,
    },
    /// Co-signing: no existing signer could be checked against the content (no
    /// message-digest attribute, and no embedded certificate or supported algorithm to check
    /// the signature itself with), so the content cannot be confirmed.
    #[error(
        "the content cannot be confirmed: no existing signer carries a message-digest or a \
         signature that can be checked here"
    )]
    CosignContentUnconfirmed,
    /// Adding a time-stamp: the token does not stamp what it would be attached to (its
    /// messageImprint is not the digest of that signer's signature value).
    #[error("the time-stamp token does not stamp signer {signer}'s signature value")]
    TimestampMismatch {
        /// The signer, counted from 1.
        signer: usize,
    },
    /// Extending a signature to a higher CAdES level: signer `signer` cannot be extended from
    /// the verification given (it did not verify, has no valid signature time-stamp, already
    /// carries the level's attributes, or its validation data cannot be found).
    #[error("signer {signer} cannot be extended: {reason}")]
    NotExtendable {
        /// The signer, counted from 1.
        signer: usize,
        /// Why not.
        reason: String,
    },
    /// The private key does not belong to the signer certificate.
    #[error("the private key does not match the signer certificate's public key")]
    KeyMismatch,
    /// Signing failed in the crypto provider (unusable key, unsupported algorithm, …).
    #[error("signing failed: {0}")]
    Crypto(#[from] CryptoError),
    /// Reading the content failed.
    #[error("reading the content: {0}")]
    Io(#[from] std::io::Error),
}

impl CmsError {
    /// Whether the error says the input is not a (supported) CMS signature: malformed,
    /// truncated, not SignedData, an unsupported structure or beyond a limit. The CLI maps
    /// these to exit status 2.
    pub fn is_format_error(&self) -> bool {
        matches!(
            self,
            Self::Malformed { .. }
                | Self::NotSignedData { .. }
                | Self::Unsupported { .. }
                | Self::LimitExceeded { .. }
                | Self::Pem(_)
        )
    }
}
