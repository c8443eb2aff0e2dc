//! Errors of the time-stamp module: input that is not a granted RFC 3161 token. Verdicts on a
//! token that parsed are [`TimestampReport`](super::TimestampReport)s, never errors.

use crate::cms::CmsError;

/// Why input could not be read as a granted time-stamp token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TspError {
    /// The input is larger than [`MAX_TOKEN_LEN`](super::MAX_TOKEN_LEN).
    #[error("time-stamp input of {len} bytes exceeds the {max}-byte limit")]
    TooLarge {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The token is not a CMS SignedData.
    #[error("time-stamp token: {0}")]
    Cms(#[from] CmsError),
    /// The SignedData encapsulates another content type than id-ct-TSTInfo.
    #[error(
        "the token's content type is {content_type}, not id-ct-TSTInfo (1.2.840.113549.1.9.16.1.4)"
    )]
    NotTstInfo {
        /// The content type found, dotted.
        content_type: String,
    },
    /// The SignedData is detached: the TSTInfo is missing.
    #[error("the time-stamp token carries no TSTInfo (detached SignedData)")]
    NoContent,
    /// The TSTInfo or the TimeStampResp is not DER or not RFC 3161's structure.
    #[error("malformed time-stamp {what}: {reason}")]
    Malformed {
        /// `TSTInfo` or `TimeStampResp`.
        what: &'static str,
        /// What is wrong, and where.
        reason: String,
    },
    /// The TimeStampResp's status is not granted (RFC 3161 §2.4.2 PKIStatus).
    #[error("the time-stamp response was not granted: {status}{}{}",
        text.as_deref().map(|t| format!(" ({t})")).unwrap_or_default(),
        fail_info.as_deref().map(|f| format!("; failure: {f}")).unwrap_or_default())]
    NotGranted {
        /// The PKIStatus.
        status: super::PkiStatus,
        /// The statusString, joined.
        text: Option<String>,
        /// The PKIFailureInfo bits, named.
        fail_info: Option<String>,
    },
    /// A token does not answer the request it was asked for (another imprint or nonce).
    #[error("the time-stamp token does not answer the request: its {what} differs")]
    NotTheRequested {
        /// `messageImprint` or `nonce`.
        what: &'static str,
    },
    /// The TSA could not be reached or did not answer with a response (HTTP, with the
    /// `network` feature).
    #[error("the time-stamping authority at {url}: {reason}")]
    Network {
        /// The TSA's URL.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// An [`Authority`](super::Authority) declined to stamp.
    #[error("the time-stamping authority declined: {0:?}")]
    Refused(super::Refusal),
    /// The TimeStampResp is granted but holds no token.
    #[error("the time-stamp response is granted but holds no token")]
    NoToken,
}

impl TspError {
    /// Whether the input was not a (well-formed) token or response, as opposed to a
    /// well-formed response that refused to stamp.
    pub fn is_format_error(&self) -> bool {
        !matches!(
            self,
            Self::NotGranted { .. } | Self::Refused(_) | Self::Network { .. }
        )
    }
}
