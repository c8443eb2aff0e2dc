//! The crate's top-level error.
//!
//! Each module has its own error type, which callers that care match on; [`Error`] gathers
//! every one of them (`?` converts) for callers that do not need to tell modules apart:
//!
//! | module | errors |
//! |---|---|
//! | `crypto` | [`crate::crypto::CryptoError`], [`crate::crypto::gost::GostError`] |
//! | `pem`, `limits` | [`crate::pem::PemError`], [`crate::limits::InputError`] |
//! | `pki` | [`crate::pki::PkiError`], [`crate::pki::pkcs12::Pkcs12Error`], [`crate::pki::TimeParseError`], [`crate::pki::OcspError`] |
//! | `cms` | [`crate::cms::CmsError`] |
//! | `xmldsig` | [`crate::xmldsig::XmlError`], [`crate::xmldsig::SignError`], [`crate::xmldsig::KeyDecryptionError`], [`crate::xmldsig::RelationshipError`] |
//! | `signing` | [`crate::signing::IdentityError`] |
//! | `tsp` | [`crate::tsp::TspError`] |
//! | `pdf` | [`crate::pdf::PdfError`] |
//! | `requisites` | [`crate::requisites::RequisiteError`] |
//! | `batch` | [`crate::batch::DiscoverError`] |
//! | `flow` | [`crate::flow::FlowError`], [`crate::flow::StoreError`], [`crate::flow::notice::NoticeError`], [`crate::flow::BindingError`], [`crate::flow::NoticeMismatch`] |

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
    /// An OCSP response could not be read.
    #[error(transparent)]
    Ocsp(#[from] crate::pki::OcspError),
    /// A PKCS#12 file could not be opened.
    #[error(transparent)]
    Pkcs12(#[from] crate::pki::pkcs12::Pkcs12Error),
    /// A CMS signature could not be read, made or checked.
    #[error(transparent)]
    Cms(#[from] crate::cms::CmsError),
    /// A time-stamp token or response could not be read.
    #[error(transparent)]
    Tsp(#[from] crate::tsp::TspError),
    /// A PDF could not be read far enough to find its signatures.
    #[error(transparent)]
    Pdf(#[from] crate::pdf::PdfError),
    /// A signing identity could not be made (key and certificate do not match, PKCS#12).
    #[error(transparent)]
    Identity(#[from] crate::signing::IdentityError),
    /// A Russian requisite is not valid.
    #[error(transparent)]
    Requisite(#[from] crate::requisites::RequisiteError),
    /// A GOST key, parameter set or signature could not be used.
    #[error(transparent)]
    Gost(#[from] crate::crypto::gost::GostError),
    /// An input was over its limit or could not be read.
    #[error(transparent)]
    Input(#[from] crate::limits::InputError),
    /// A time was not an RFC 3339 time.
    #[error(transparent)]
    Time(#[from] crate::pki::TimeParseError),
    /// An XML signature could not be read or checked.
    #[error(transparent)]
    Xml(#[from] crate::xmldsig::XmlError),
    /// A machine-readable power of attorney (МЧД) could not be read.
    #[error(transparent)]
    Mchd(#[from] crate::mchd::MchdError),
    /// An XML signature could not be made.
    #[error(transparent)]
    XmlSign(#[from] crate::xmldsig::SignError),
    /// A key carried encrypted in an XML signature could not be opened.
    #[error(transparent)]
    KeyDecryption(#[from] crate::xmldsig::KeyDecryptionError),
    /// An OOXML Relationships transform could not be applied.
    #[error(transparent)]
    Relationship(#[from] crate::xmldsig::RelationshipError),
    /// A path named to the batch verifier could not be examined.
    #[error(transparent)]
    Discover(#[from] crate::batch::DiscoverError),
    /// A document flow step failed or was refused.
    #[error(transparent)]
    Flow(#[from] crate::flow::FlowError),
    /// The document flow's store failed.
    #[error(transparent)]
    Store(#[from] crate::flow::StoreError),
    /// A flow notice could not be read.
    #[error(transparent)]
    Notice(#[from] crate::flow::notice::NoticeError),
    /// A notice did not say what the step needs.
    #[error(transparent)]
    NoticeMismatch(#[from] crate::flow::NoticeMismatch),
    /// A signer's certificate does not belong to the member or organisation.
    #[error(transparent)]
    Binding(#[from] crate::flow::BindingError),
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

#[cfg(test)]
mod tests {
    use super::Error;

    /// Module errors reach the crate error through `?`, each as its own variant, with the
    /// module error's message.
    #[test]
    fn module_errors_convert() {
        fn lift<E: Into<Error>>(e: E) -> Error {
            e.into()
        }
        let time = crate::pki::UnixTime::parse_rfc3339("yesterday").unwrap_err();
        let message = time.to_string();
        let e = lift(time);
        assert!(matches!(e, Error::Time(_)), "{e:?}");
        assert_eq!(e.to_string(), message);
        let store = crate::flow::StoreError::Corrupt("head missing".into());
        assert!(matches!(lift(store), Error::Store(_)));
        let flow = crate::flow::FlowError::Corrupt("x".into());
        assert!(matches!(lift(flow), Error::Flow(_)));
        let requisite = crate::requisites::Inn::parse("7707083894").unwrap_err();
        assert!(matches!(lift(requisite), Error::Requisite(_)));
    }
}
