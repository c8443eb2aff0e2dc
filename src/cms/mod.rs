//! CMS (PKCS #7) SignedData: verification and signing (RFC 5652), CAdES-BES signed attributes
//! (RFC 5035 signing-certificate-v2), detached and streamed content.
//!
//! | module        | holds                                                                  |
//! |---------------|------------------------------------------------------------------------|
//! | `ber`         | BER → DER normalization (indefinite lengths, chunked OCTET STRINGs)    |
//! | `der`         | the raw TLV reader and writer the rest is built on                     |
//! | `signed_data` | [`SignedData`]: parsed once, every element located in its DER          |
//! | [`verify`]    | [`Verifier`], [`VerifyOptions`]                                        |
//! | `report`      | [`VerifyReport`], [`SignerReport`], [`CmsFinding`] (re-exported by [`verify`]) |
//! | [`sign`]      | [`Signer`], [`SignOptions`], [`ToBeSigned`]: sign, co-sign, counter-sign |
//! | `error`       | [`CmsError`]: format errors and failed calls, apart from verdicts      |
//!
//! A verification ends in exactly one of: a [`VerifyReport`] whose [`status`](VerifyReport::status)
//! is valid, invalid or indeterminate (with per-signer findings saying why), or a [`CmsError`]
//! for input that is not a CMS signature ([`CmsError::is_format_error`]).
//!
//! # Example
//! ```
//! # #[cfg(any(feature = "aws-lc-rs", feature = "rustcrypto"))] {
//! use signflow::cms::{SignedData, Verifier, VerifyOptions};
//! use signflow::crypto::CryptoProvider;
//! use signflow::pki::{Certificate, Crl, Status, TrustStore, UnixTime};
//!
//! let provider = CryptoProvider::all_compiled()[0];
//! let mut trust = TrustStore::new();
//! trust.add_pem_or_der(include_bytes!("../../testdata/pki/root-ca.pem"))?;
//! let untrusted =
//!     Certificate::all_from_pem_or_der(include_bytes!("../../testdata/pki/intermediate-ca.pem"))?;
//! let mut crls = Crl::all_from_pem_or_der(include_bytes!("../../testdata/pki/root-ca.crl.pem"))?;
//! crls.extend(Crl::all_from_pem_or_der(
//!     include_bytes!("../../testdata/pki/intermediate-ca.crl.pem"),
//! )?);
//! let verifier = Verifier::new(provider, &trust, untrusted, crls);
//! let options = VerifyOptions::at(UnixTime::from_utc(2027, 1, 1, 0, 0, 0));
//!
//! // A detached signature made by `openssl cms -sign`, content streamed from any `Read`.
//! let sig = SignedData::from_ber(include_bytes!("../../testdata/cms/rsa-detached.der"))?;
//! let mut content: &[u8] = include_bytes!("../../testdata/cms/content.txt");
//! let report = verifier.verify(&sig, Some(&mut content), &options)?;
//! assert_eq!(report.status, Status::Valid);
//! assert!(report.signers[0].subject.as_deref().unwrap().contains("Signer RSA"));
//!
//! // The same signature over other content is invalid, and says why.
//! let mut altered: &[u8] = b"Act of acceptance no. 18";
//! let report = verifier.verify(&sig, Some(&mut altered), &options)?;
//! assert_eq!(report.status, Status::Invalid);
//! assert!(report.signers[0].has(|f| matches!(f, signflow::cms::CmsFinding::DigestMismatch { .. })));
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod ber;
pub mod cades;
pub(crate) mod der;
mod error;
mod options;
mod report;
pub(crate) use report::write_qualified;
pub mod sign;
mod signed_data;
pub mod verify;

pub use cades::{CadesLevel, SignerTimestamp, TimestampKind};
pub use error::CmsError;
pub use sign::{Content, SignOptions, Signer, SignerIdentifierKind, ToBeSigned};
pub use signed_data::{PEM_LABELS, SignedData};
pub use verify::{
    CmsFinding, ReportedCmsFinding, SignerReport, TimeSource, ValidationTime, Verifier,
    VerifyOptions, VerifyReport,
};

/// Largest CMS input accepted, in bytes (attached content is held in memory).
pub const MAX_CMS_LEN: usize = 512 * 1024 * 1024;
/// Deepest BER/DER nesting accepted.
pub const MAX_NESTING: usize = 64;
/// Most SignerInfos accepted in one SignedData, counter-signatures included.
pub const MAX_SIGNERS: usize = 64;
/// Most certificates accepted in one SignedData.
pub const MAX_CERTIFICATES: usize = 256;
/// Most CRLs accepted in one SignedData.
pub const MAX_CRLS: usize = 256;
/// Most attributes in one SignerInfo's signed (or unsigned) attributes.
pub const MAX_ATTRIBUTES: usize = 64;
/// Most values of one attribute.
pub const MAX_ATTRIBUTE_VALUES: usize = 64;
/// Most digest algorithms listed in one SignedData.
pub const MAX_DIGEST_ALGORITHMS: usize = 32;
/// Deepest nesting of counter-signatures (a counter-signature of a counter-signature…).
pub const MAX_COUNTER_SIGNATURE_DEPTH: usize = 4;
/// Size of the chunks in which detached content is read and hashed.
pub const CHUNK_SIZE: usize = 64 * 1024;

/// Object identifiers of CMS content types and attributes.
pub mod oid {
    use const_oid::ObjectIdentifier as Oid;

    /// `id-data` (RFC 5652 §4).
    pub const ID_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
    /// `id-signedData` (RFC 5652 §5.1).
    pub const ID_SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
    /// `id-contentType` attribute (RFC 5652 §11.1).
    pub const CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
    /// `id-messageDigest` attribute (RFC 5652 §11.2).
    pub const MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
    /// `id-signingTime` attribute (RFC 5652 §11.3).
    pub const SIGNING_TIME: Oid = Oid::new_unwrap("1.2.840.113549.1.9.5");
    /// `id-countersignature` attribute (RFC 5652 §11.4).
    pub const COUNTER_SIGNATURE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.6");
    /// `smimeCapabilities` attribute (RFC 8551 §2.5.2).
    pub const SMIME_CAPABILITIES: Oid = Oid::new_unwrap("1.2.840.113549.1.9.15");
    /// `id-aa-signingCertificate` (RFC 2634 §5.4, ESSCertID with SHA-1).
    pub const SIGNING_CERTIFICATE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.12");
    /// `id-aa-signingCertificateV2` (RFC 5035 §3).
    pub const SIGNING_CERTIFICATE_V2: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.47");
    /// `id-aa-ets-sigPolicyId`, the signature-policy-identifier (CAdES-EPES; RFC 5126 §5.8.1).
    pub const SIGNATURE_POLICY_IDENTIFIER: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.15");
    /// `id-aa-signatureTimeStampToken` (CAdES-T; RFC 3161 Appendix A, RFC 5126 §6.1.1).
    pub const SIGNATURE_TIME_STAMP_TOKEN: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.14");
    /// `id-aa-ets-certificateRefs`, complete-certificate-references (CAdES-C; RFC 5126 §6.2.1).
    pub const CERTIFICATE_REFS: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.21");
    /// `id-aa-ets-revocationRefs`, complete-revocation-references (CAdES-C; RFC 5126 §6.2.2).
    pub const REVOCATION_REFS: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.22");
    /// `id-aa-ets-certValues`, certificate-values (CAdES-X Long; RFC 5126 §6.3.3).
    pub const CERTIFICATE_VALUES: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.23");
    /// `id-aa-ets-revocationValues`, revocation-values (CAdES-X Long; RFC 5126 §6.3.4).
    pub const REVOCATION_VALUES: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.24");
    /// `id-aa-ets-escTimeStamp`, the CAdES-C time-stamp (CAdES-X Type 1; RFC 5126 §6.3.5).
    pub const ESC_TIME_STAMP: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.25");
    /// `id-aa-ets-certCRLTimestamp`, time-stamped certificates and CRLs references (CAdES-X
    /// Type 2; RFC 5126 §6.3.6).
    pub const CERT_CRL_TIMESTAMP: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.26");
    /// `id-aa-ets-archiveTimestampV3`, archive-time-stamp-v3 (CAdES-A; ETSI EN 319 122-1
    /// §5.5.3).
    pub const ARCHIVE_TIMESTAMP_V3: Oid = Oid::new_unwrap("0.4.0.1733.2.4");
    /// `id-aa-ATSHashIndex-v3`, ats-hash-index-v3 (ETSI EN 319 122-1 §5.5.2): an unsigned
    /// attribute of an archive-time-stamp-v3's own SignerInfo.
    pub const ATS_HASH_INDEX_V3: Oid = Oid::new_unwrap("0.4.0.19122.1.5");
}
