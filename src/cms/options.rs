//! What a CMS verification asks: [`VerifyOptions`] and the [`ValidationTime`] it validates at.

use crate::pki::{UnixTime, ValidationOptions};

/// Which time the signer's certificate is validated at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValidationTime {
    /// [`ValidationOptions::time`] (the caller's; default now).
    Given,
    /// The signing-time the signer claims in its signed attributes, where there is one and it
    /// is not later than the given time (else the given time: a signature cannot be younger
    /// than its verification). Nothing vouches for it: the report says so, and the path is
    /// validated with [`TimeAssurance::Claimed`](crate::pki::TimeAssurance::Claimed), so a
    /// certificate revoked after the claimed time is never valid at it.
    ClaimedSigningTime,
}

/// What a verification asks.
///
/// Made with [`VerifyOptions::at`] or [`VerifyOptions::with_validation`], then changed with
/// the `with_*` methods (or by assigning its public fields): more options may join, so it
/// cannot be written as a struct literal outside signflow.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct VerifyOptions {
    /// Path validation inputs; `validation.time` is the validation time.
    pub validation: ValidationOptions,
    /// Whether to validate at the claimed signing-time instead.
    pub time: ValidationTime,
    /// Most bytes of detached content buffered for a signer that needs the content itself
    /// (Ed25519 without signed attributes); beyond it that signer is indeterminate.
    pub max_buffered_content: usize,
    /// Most SignerInfos (counter-signatures included, in document order) whose signatures are
    /// checked and certificates validated; each one beyond is indeterminate with
    /// [`CmsFinding::TooManySigners`](super::CmsFinding::TooManySigners). Bounds the work of one
    /// message: each signer may cost a path validation. (Parsing accepts up to
    /// [`super::MAX_SIGNERS`].)
    pub max_signers: usize,
    /// Whether signature time-stamps (CAdES-T, `id-aa-signatureTimeStampToken`) are verified
    /// and the earliest valid one's time becomes the proven signing time the signer's
    /// certificate is validated at (when it is not later than the given time). On by default;
    /// off, every signer is judged as CAdES-BES would be. Tokens themselves are verified with
    /// it off: a token's own time-stamps are never followed.
    pub signature_timestamps: bool,
}

impl VerifyOptions {
    /// Defaults for verifying at `time`: a signer's certificate checks
    /// ([`ValidationOptions::at`], revocation required), the given time, 64 MiB of buffering,
    /// 16 signers.
    pub fn at(time: UnixTime) -> Self {
        Self {
            validation: ValidationOptions::at(time),
            time: ValidationTime::Given,
            max_buffered_content: 64 * 1024 * 1024,
            max_signers: 16,
            signature_timestamps: true,
        }
    }

    /// [`VerifyOptions::at`]`(validation.time)` validating certificates as `validation` says
    /// (e.g. a [`TrustContext`](crate::pki::TrustContext)'s policy:
    /// [`TrustContext::validation_at`](crate::pki::TrustContext::validation_at)).
    pub fn with_validation(validation: ValidationOptions) -> Self {
        Self {
            validation,
            ..Self::at(UnixTime(0))
        }
    }

    /// These options, validating certificates as `validation` says (its time included).
    #[must_use]
    pub fn validating(mut self, validation: ValidationOptions) -> Self {
        self.validation = validation;
        self
    }

    /// These options, validating at the time `time` says ([`VerifyOptions::time`]).
    #[must_use]
    pub fn with_time(mut self, time: ValidationTime) -> Self {
        self.time = time;
        self
    }

    /// These options, buffering at most `bytes` of detached content
    /// ([`VerifyOptions::max_buffered_content`]).
    #[must_use]
    pub fn with_max_buffered_content(mut self, bytes: usize) -> Self {
        self.max_buffered_content = bytes;
        self
    }

    /// These options, checking at most `signers` SignerInfos ([`VerifyOptions::max_signers`]).
    #[must_use]
    pub fn with_max_signers(mut self, signers: usize) -> Self {
        self.max_signers = signers;
        self
    }

    /// These options, following signature time-stamps or not
    /// ([`VerifyOptions::signature_timestamps`]).
    #[must_use]
    pub fn with_signature_timestamps(mut self, follow: bool) -> Self {
        self.signature_timestamps = follow;
        self
    }
}
