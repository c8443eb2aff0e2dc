//! The crate's top-level error.
//!
//! Each module has its own error enum ([`crate::crypto::CryptoError`], [`crate::pem::PemError`],
//! [`crate::pki::PkiError`], [`crate::pki::pkcs12::Pkcs12Error`], [`crate::cms::CmsError`],
//! [`crate::requisites::RequisiteError`]);
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
    /// A certificate, CRL or trust store could not be loaded.
    #[error(transparent)]
    Pki(#[from] crate::pki::PkiError),
    /// A PKCS#12 file could not be opened.
    #[error(transparent)]
    Pkcs12(#[from] crate::pki::pkcs12::Pkcs12Error),
    /// A CMS signature could not be read, made or checked.
    #[error(transparent)]
    Cms(#[from] crate::cms::CmsError),
    /// A Russian requisite is not valid.
    #[error(transparent)]
    Requisite(#[from] crate::requisites::RequisiteError),
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
