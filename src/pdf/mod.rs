//! Signed PDFs (ISO 32000-1 §12.8, PAdES — ETSI EN 319 142-1): every signature field's
//! signature or document time-stamp, its /ByteRange checked against the file, its CMS
//! verified by [`crate::cms`] (CAdES levels, signature time-stamps, proven signing time) or
//! its RFC 3161 token by [`crate::tsp`], with the document security store (DSS: /Certs,
//! /CRLs, /OCSPs, VRI) as untrusted validation material.
//!
//! | module     | holds                                                                     |
//! |------------|---------------------------------------------------------------------------|
//! | `syntax`   | the object tokenizer and parser (bounded nesting, entries, string spans)   |
//! | `document` | cross-reference tables and streams, `/Prev` chains, object streams, Flate  |
//! | `signatures` | [`SignedPdf`]: signature fields, [`Coverage`] of each /ByteRange, [`Dss`] |
//! | `report`   | [`PdfReport`], [`PdfSignatureReport`], [`PdfFinding`]                      |
//!
//! A minimal reader rather than a PDF crate: signature checking needs the byte offsets of
//! each /Contents string and of each cross-reference section (which revision defined what),
//! which general PDF crates (lopdf, pdf) parse past and do not expose, and a hostile file
//! must stay within the limits below; the reader only reads what signatures need.
//!
//! What changed after a signature is told from the cross-reference sections written after
//! its signed bytes: objects redefined or added there are classified (another signature, a
//! DSS, the form and annotation lists that adding a signature rewrites, annotations, other
//! content). Content changed after signing makes the signature invalid; annotations and form
//! fields added make it indeterminate (whether they were allowed depends on DocMDP / FieldMDP
//! permissions, which signflow does not evaluate); signatures, time-stamps and DSS added are
//! reported and change nothing.
//!
//! # Example
//! ```
//! # #[cfg(any(feature = "aws-lc-rs", feature = "rustcrypto"))] {
//! use signflow::cms::VerifyOptions;
//! use signflow::pdf::SignedPdf;
//! use signflow::pki::{Status, TrustContext, UnixTime};
//!
//! let context = TrustContext::builder()
//!     .anchors_pem_or_der(include_bytes!("../../testdata/pki/root-ca.pem"))?
//!     .intermediates_pem_or_der(include_bytes!("../../testdata/pki/intermediate-ca.pem"))?
//!     .crls_pem_or_der(include_bytes!("../../testdata/pki/root-ca.crl.pem"))?
//!     .crls_pem_or_der(include_bytes!("../../testdata/pki/intermediate-ca.crl.pem"))?
//!     .build();
//! // Signed by pyHanko (testdata/pdf/generate.py), adbe.pkcs7.detached, ECDSA P-256.
//! let pdf = SignedPdf::parse(include_bytes!("../../testdata/pdf/ecdsa-adbe.pdf"))?;
//! let options = VerifyOptions::with_validation(context.validation_at(UnixTime::from_utc(2027, 1, 1, 0, 0, 0)));
//! let report = pdf.verify(&context, &options)?;
//! assert_eq!(report.status, Status::Valid, "{report}");
//! assert_eq!(report.signatures[0].field_name, "Approval");
//! assert!(report.signatures[0].coverage.covers_whole_document);
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod document;
mod report;
mod signatures;
mod syntax;

pub use report::{DssSummary, PdfFinding, PdfReport, PdfSignatureReport};
pub use signatures::{Change, ChangeKind, Coverage, Dss, PdfSignature, SignatureKind, SignedPdf};

/// Largest PDF accepted, in bytes (the file is held in memory).
pub const MAX_PDF_LEN: usize = 512 * 1024 * 1024;
/// Most cross-reference sections (revisions) followed through `/Prev`.
pub const MAX_REVISIONS: usize = 4096;
/// Most cross-reference entries over all sections.
pub const MAX_OBJECTS: usize = 4 * 1024 * 1024;
/// Deepest nesting of arrays and dictionaries.
pub const MAX_NESTING: usize = 64;
/// Most entries in one dictionary or array.
pub const MAX_DICT_ENTRIES: usize = 65_536;
/// Largest decoded stream, in bytes.
pub const MAX_STREAM_LEN: usize = 64 * 1024 * 1024;
/// Largest ratio of a stream's decoded length to its encoded length (below 64 KiB decoded,
/// any ratio). Flate's best is about 1032:1, reached only by runs of one byte; real
/// cross-reference, object and DSS streams stay far below 256.
pub const MAX_INFLATE_RATIO: usize = 256;
/// Most bytes decompressed for one document, over all its streams.
pub const MAX_DECOMPRESSED_TOTAL: usize = 256 * 1024 * 1024;
/// Longest chain of references followed (`1 0 R` naming `2 0 R` naming …).
pub const MAX_REF_HOPS: usize = 32;
/// Most form fields visited (the /Fields tree, /Kids included).
pub const MAX_FIELDS: usize = 10_000;
/// Most items read from the DSS (certificates, CRLs and OCSP responses together).
pub const MAX_DSS_ITEMS: usize = 4096;
/// Most objects classified per signature when telling what changed after it.
pub const MAX_CHANGED_OBJECTS: usize = 100_000;

/// A file that is not a PDF signflow can read, or that breaks a limit.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PdfError {
    /// No `%PDF-` header in the first KiB.
    #[error("not a PDF file (no %PDF- header)")]
    NotPdf,
    /// Larger than [`MAX_PDF_LEN`].
    #[error("the PDF is {len} bytes, more than the {max} accepted")]
    TooLarge {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The file's structure is broken at `offset`.
    #[error("malformed PDF at byte {offset}: {reason}")]
    Malformed {
        /// Where (a file offset; 0 when inside a compressed stream).
        offset: usize,
        /// What was wrong.
        reason: String,
    },
    /// Arrays or dictionaries nested deeper than [`MAX_NESTING`].
    #[error("PDF objects nested deeper than {max}")]
    TooDeep {
        /// The limit.
        max: usize,
    },
    /// More of something than its limit allows.
    #[error("more {what} than the {max} accepted")]
    TooMany {
        /// What there were too many of.
        what: &'static str,
        /// The limit.
        max: usize,
    },
    /// A stream filter other than FlateDecode where signflow needed the stream's data.
    #[error("unsupported stream filter {0}")]
    UnsupportedFilter(String),
    /// A Flate stream that does not decompress.
    #[error("a Flate stream is corrupt or its predictor parameters are wrong")]
    Inflate,
    /// A stream that decompresses to more than its limit (size, ratio or document budget).
    #[error("a stream decompresses to more than {limit} bytes (the limit for it)")]
    DecompressionLimit {
        /// The limit that applied.
        limit: usize,
    },
}
