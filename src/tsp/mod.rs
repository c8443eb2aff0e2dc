//! RFC 3161 time-stamp tokens: parse ([`TimeStampToken`], [`TstInfo`]), verify
//! ([`TimeStampToken::verify`] → [`TimestampReport`]) and issue ([`Authority`]).
//!
//! | module    | holds                                                                     |
//! |-----------|---------------------------------------------------------------------------|
//! | `tstinfo` | [`TstInfo`] (RFC 3161 §2.4.2), [`Accuracy`], the TimeStampResp reader      |
//! | `verify`  | [`Imprint`], [`TimestampReport`], [`TspFinding`]                          |
//! | `authority` | [`TimeStampRequest`] and the [`Authority`] that answers it with tokens   |
//! | `http`    | RFC 3161 over HTTP: [`http::serve`]; with `network`, `HttpTimeStamper`   |
//! | `error`   | [`TspError`]: input that is not a granted time-stamp token                |
//!
//! A token is a CMS SignedData whose eContent is a TSTInfo; it is verified as the CMS module
//! verifies any SignedData (the TSA certificate's path validated at the token's genTime, in
//! the caller's [`TrustContext`](crate::pki::TrustContext)), plus what RFC 3161 adds: the
//! messageImprint over the caller's bytes (or digest), the TSA certificate's critical
//! extendedKeyUsage id-kp-timeStamping (§2.3), the ESS signing-certificate(-v2) binding
//! (§2.4.1) and the nonce when the caller sent one.
//!
//! # Example
//! ```
//! # #[cfg(any(feature = "aws-lc-rs", feature = "rustcrypto"))] {
//! use signflow::pki::{Status, TrustContext};
//! use signflow::tsp::{Imprint, TimeStampToken};
//!
//! let context = TrustContext::builder()
//!     .anchors_pem_or_der(include_bytes!("../../testdata/pki/root-ca.pem"))?
//!     .crls_pem_or_der(include_bytes!("../../testdata/pki/root-ca.crl.pem"))?
//!     .crls_pem_or_der(include_bytes!("../../testdata/pki/intermediate-ca.crl.pem"))?
//!     .build();
//! // A reply of `openssl ts -reply` (a TimeStampResp); a bare token (`-token_out`) parses too.
//! let token = TimeStampToken::parse(include_bytes!("../../testdata/tsp/sha256.tsr"))?;
//! let data = include_bytes!("../../testdata/tsp/data.txt");
//! let report = token.verify(&context, Imprint::Data(data));
//! assert_eq!(report.status, Status::Valid, "{report}");
//! assert_eq!(report.gen_time, token.info().gen_time);
//!
//! let report = token.verify(&context, Imprint::Data(b"other bytes"));
//! assert_eq!(report.status, Status::Invalid);
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod authority;
mod error;
pub mod http;
mod tstinfo;
mod verify;

pub use authority::{
    Authority, MAX_REQUEST_LEN, Refusal, TimeStampRequest, TimeStamper, stamp_data,
};
pub use error::TspError;
#[cfg(feature = "network")]
pub use http::HttpTimeStamper;
pub use tstinfo::{Accuracy, PkiStatus, TstInfo};
pub use verify::{Imprint, TimestampReport, TspFinding};

use crate::cms::SignedData;

/// Largest time-stamp token or TimeStampResp accepted, in bytes (a token carries the TSA's
/// certificates, seldom more than a few KiB).
pub const MAX_TOKEN_LEN: usize = 1024 * 1024;
/// Most extensions read from one TSTInfo.
pub const MAX_EXTENSIONS: usize = 32;

/// Object identifiers of RFC 3161.
pub mod oid {
    use const_oid::ObjectIdentifier as Oid;

    /// `id-ct-TSTInfo` (RFC 3161 §2.4.2): the eContentType of a time-stamp token.
    pub const ID_CT_TST_INFO: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.1.4");
    /// `id-kp-timeStamping` (RFC 3161 §2.3): the TSA certificate's only extended key usage.
    pub const ID_KP_TIME_STAMPING: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.8");
    /// `id-ce-extKeyUsage` (RFC 5280 §4.2.1.12).
    pub const EXT_KEY_USAGE: Oid = Oid::new_unwrap("2.5.29.37");
}

/// A parsed RFC 3161 time-stamp token: the CMS SignedData and its decoded TSTInfo.
#[derive(Clone, Debug)]
pub struct TimeStampToken {
    signed_data: SignedData,
    info: TstInfo,
}

impl TimeStampToken {
    /// Parses a TimeStampToken (a CMS ContentInfo of SignedData, BER or DER) whose
    /// eContentType is id-ct-TSTInfo.
    ///
    /// # Errors
    /// [`TspError::TooLarge`] beyond [`MAX_TOKEN_LEN`], [`TspError::Cms`] for input that is not
    /// a CMS SignedData, [`TspError::NotTstInfo`] for another eContentType,
    /// [`TspError::NoContent`] if the TSTInfo is absent, [`TspError::Malformed`] for a TSTInfo
    /// that is not DER or not RFC 3161's structure.
    pub fn from_der(input: &[u8]) -> Result<Self, TspError> {
        check_len(input.len())?;
        let signed_data = SignedData::from_ber(input)?;
        Self::from_signed_data(signed_data)
    }

    /// A token from an already parsed SignedData (a signature-time-stamp attribute's value,
    /// say).
    ///
    /// # Errors
    /// As [`TimeStampToken::from_der`], from the content type on.
    pub fn from_signed_data(signed_data: SignedData) -> Result<Self, TspError> {
        let content_type = signed_data.content_type();
        if content_type != oid::ID_CT_TST_INFO {
            return Err(TspError::NotTstInfo {
                content_type: content_type.to_string(),
            });
        }
        let content = signed_data.content().ok_or(TspError::NoContent)?;
        let info = TstInfo::from_der(content)?;
        Ok(Self { signed_data, info })
    }

    /// Parses a TimeStampResp (RFC 3161 §2.4.2, as `openssl ts -reply` writes it) and returns
    /// its token.
    ///
    /// # Errors
    /// [`TspError::NotGranted`] when the status is neither granted nor grantedWithMods,
    /// [`TspError::NoToken`] for a granted response without a token, [`TspError::Malformed`]
    /// for a response that is not DER, and the errors of [`TimeStampToken::from_der`] for the
    /// token.
    pub fn from_response(input: &[u8]) -> Result<Self, TspError> {
        check_len(input.len())?;
        let token = tstinfo::response_token(input)?;
        Self::from_der(token)
    }

    /// Parses either a TimeStampResp or a bare TimeStampToken, told apart by structure (a
    /// response starts with its PKIStatusInfo, a token with its content type).
    ///
    /// # Errors
    /// As [`TimeStampToken::from_response`] or [`TimeStampToken::from_der`].
    pub fn parse(input: &[u8]) -> Result<Self, TspError> {
        check_len(input.len())?;
        if tstinfo::looks_like_response(input) {
            Self::from_response(input)
        } else {
            Self::from_der(input)
        }
    }

    /// The decoded TSTInfo.
    pub fn info(&self) -> &TstInfo {
        &self.info
    }

    /// The CMS SignedData the token is.
    pub fn signed_data(&self) -> &SignedData {
        &self.signed_data
    }

    /// The token's DER (the SignedData ContentInfo, BER normalized).
    pub fn der(&self) -> &[u8] {
        self.signed_data.der()
    }
}

fn check_len(len: usize) -> Result<(), TspError> {
    if len > MAX_TOKEN_LEN {
        return Err(TspError::TooLarge {
            len,
            max: MAX_TOKEN_LEN,
        });
    }
    Ok(())
}
