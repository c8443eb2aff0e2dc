//! The crate's top-level error.
//!
//! Each module has its own error enum ([`crate::crypto::CryptoError`], [`crate::pem::PemError`]);
//! [`Error`] gathers them for callers that do not need to tell modules apart.

/// Any error signflow returns.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A cryptographic operation failed.
    #[error(transparent)]
    Crypto(#[from] crate::crypto::CryptoError),
    /// PEM or DER input could not be read.
    #[error(transparent)]
    Pem(#[from] crate::pem::PemError),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file concerned.
        path: std::path::PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}
