//! Format errors: the input is not an XML signature signflow can read.

use thiserror::Error;

/// Why a document could not be read as an XML signature (as opposed to a signature that was
/// read and found invalid, which is a [`super::XmlVerification`] with its findings).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum XmlError {
    /// The document has a document type declaration; DTDs (and with them entity declarations
    /// and external references) are refused, so no entity is ever expanded or fetched.
    #[error("document type declarations are not accepted (no DTDs, no entities)")]
    Doctype,
    /// A parsing limit was exceeded.
    #[error("the document exceeds the limit on {0}")]
    Limit(&'static str),
    /// The input is not well-formed XML.
    #[error("malformed XML: {0}")]
    Malformed(String),
    /// No `ds:Signature` element in the document.
    #[error("the document holds no ds:Signature element")]
    NoSignature,
    /// A required element of the signature is missing or appears more than once.
    #[error("the signature's {0} element is missing or repeated")]
    Structure(&'static str),
    /// Base64 content could not be decoded.
    #[error("the {0} element is not valid base64")]
    Base64(&'static str),
    /// Writing canonical output failed.
    #[error("writing canonical output failed: {0}")]
    Io(#[from] std::io::Error),
}
