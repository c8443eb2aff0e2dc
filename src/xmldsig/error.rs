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
    /// The document's encoding (its XML declaration's `encoding`, or a byte-order mark) is
    /// one signflow has no table for: UTF-32, EBCDIC, or a label the WHATWG Encoding Standard
    /// does not know. Holds the label.
    #[error("the document's encoding {0:?} is not supported")]
    UnsupportedEncoding(String),
    /// The document's bytes are not valid in its encoding, or its XML declaration contradicts
    /// its byte-order mark (or what its first bytes show).
    #[error("character encoding: {0}")]
    Encoding(String),
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
    /// A Relationships transform (OOXML) is malformed.
    #[error("relationships transform: {0}")]
    Relationship(#[from] super::opc::RelationshipError),
}

impl XmlError {
    /// Whether the error says the input is not an XML signature signflow can read (every
    /// variant but [`XmlError::Io`], an output failure): [`crate::cms::CmsError::is_format_error`]'s
    /// counterpart. The CLI maps these to exit status 2.
    pub fn is_format_error(&self) -> bool {
        !matches!(self, Self::Io(_))
    }
}

/// Why a document could not be signed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SignError {
    /// The input is not a document signflow accepts (or the signed result did not parse).
    #[error(transparent)]
    Xml(#[from] XmlError),
    /// An Id value occurs on more than one element: no verifier would accept a signature over
    /// such a document.
    #[error("the Id {0:?} occurs more than once in the document")]
    DuplicateId(String),
    /// No element has the Id the reference names.
    #[error("no element has the Id {0:?}")]
    NoSuchId(String),
    /// The Signature cannot go where asked.
    #[error("cannot place the signature: {0}")]
    Placement(String),
    /// The key is not the certificate's.
    #[error("the private key does not belong to the signer's certificate")]
    KeyMismatch,
    /// XMLDSig has no URI for the algorithm, or it is not used for signing (SHA-1).
    #[error("unsupported for XML signing: {0}")]
    UnsupportedAlgorithm(String),
    /// The signed document would exceed a parsing limit ([`super::SignOptions::limits`], by
    /// default the verifier's): it would not verify, so it is not written.
    #[error(
        "the signed document would exceed the verifier's limit on {0}; it would not verify \
         (raise the limit on both sides, or sign less)"
    )]
    ExceedsLimits(&'static str),
    /// The key could not sign (or a digest was unavailable).
    #[error("signing failed: {0}")]
    Crypto(#[from] crate::crypto::CryptoError),
    /// The time-stamp authority refused, could not be reached, or answered another request
    /// ([`super::add_xades_timestamp`]).
    #[error("time-stamping failed: {0}")]
    Timestamp(Box<crate::tsp::TspError>),
}

impl From<std::io::Error> for SignError {
    fn from(e: std::io::Error) -> Self {
        Self::Xml(XmlError::Io(e))
    }
}

#[cfg(test)]
mod tests {
    use super::XmlError;

    #[test]
    fn format_errors_are_told_from_output_failures() {
        let Err(malformed) = crate::xmldsig::Document::parse(b"<a><b></a>") else {
            panic!("malformed XML is refused");
        };
        assert!(malformed.is_format_error(), "{malformed}");
        assert!(XmlError::Doctype.is_format_error());
        let io = XmlError::Io(std::io::Error::other("closed"));
        assert!(!io.is_format_error());
    }
}
