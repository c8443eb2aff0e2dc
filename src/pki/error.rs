//! Errors of loading PKI objects. (Validation outcomes are not errors: they are
//! [`super::ValidationReport`]s.)

/// Why a certificate, CRL or trust store could not be loaded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PkiError {
    /// The input is not a certificate.
    #[error("malformed certificate: {reason}")]
    MalformedCertificate {
        /// What was wrong.
        reason: String,
    },
    /// The input is not a DER X.501 Name.
    #[error("malformed Name: {reason}")]
    MalformedName {
        /// What was wrong.
        reason: String,
    },
    /// The input is not a CRL.
    #[error("malformed CRL: {reason}")]
    MalformedCrl {
        /// What was wrong.
        reason: String,
    },
    /// The input is not a certs-only PKCS #7 / CMS SignedData (a `.p7c`).
    #[error("malformed certs-only PKCS #7: {reason}")]
    MalformedCertsOnly {
        /// What was wrong.
        reason: String,
    },
    /// PEM/DER framing was wrong.
    #[error(transparent)]
    Pem(#[from] crate::pem::PemError),
    /// A file or directory could not be read.
    #[error("{path}: {reason}")]
    Io {
        /// The path.
        path: String,
        /// The I/O error.
        reason: String,
    },
    /// A validation option is invalid (e.g. an empty initial policy set).
    #[error("invalid validation options: {0}")]
    InvalidOptions(String),
}
