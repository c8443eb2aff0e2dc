//! The list's own XMLDSig signature: the list operator's (Минцифры России's) signature over
//! the whole accredited-CA list, checked with [`crate::xmldsig::Verifier`] before anything in the
//! list is used.
//!
//! Whom to trust is the caller's: the [`Verifier`] carries the trust anchors the signer's
//! certificate must chain to — the operator's certificate itself or the CA that issued it,
//! obtained by other means than the list (the list's own roots cannot vouch for the list).
//!
//! What is read is what was signed: the list is parsed from the canonical bytes the signature's
//! Reference digested (URI `""` or the root element by Id, after its transforms), never from
//! the file again — an element a transform left out, or one added outside the signed part,
//! is not in the result.

use serde::Serialize;

use super::{AccreditedCaList, ROOT_ELEMENT, TslError, TslLimits};
use crate::pki::Status;
use crate::xmldsig::{Verifier, XmlError, XmlVerification};

/// Why a list's signature did not let the list be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TslSignatureError {
    /// The list carries no XMLDSig `Signature`.
    #[error("the accredited-CA list is not signed (it has no XMLDSig Signature)")]
    Unsigned,
    /// The document or its signature cannot be read as XMLDSig.
    #[error("the accredited-CA list's signature cannot be read: {0}")]
    Xml(#[source] XmlError),
    /// The signature was checked and is not valid: it does not match the list (an edited
    /// entry), its signer is not trusted, its certificate has expired….
    #[error("the accredited-CA list's signature is {status}: {reasons}")]
    NotValid {
        /// Invalid or indeterminate.
        status: Status,
        /// The verifier's findings, as sentences.
        reasons: String,
        /// The whole verification.
        verification: Box<XmlVerification>,
    },
    /// The signature is valid but covers only part of the document, not the list.
    #[error(
        "the accredited-CA list's signature does not cover the list: no Reference selects the \
         whole document or its <{ROOT_ELEMENT}> root element"
    )]
    NotWholeList,
    /// The signed part is not a well-formed list.
    #[error(transparent)]
    List(#[from] TslError),
}

impl TslSignatureError {
    /// The status the error gives a decision that needs the list: indeterminate when the
    /// signature could not be decided, otherwise invalid. (A format error is
    /// [`TslSignatureError::Xml`] or [`TslSignatureError::List`].)
    pub fn status(&self) -> Status {
        match self {
            Self::NotValid { status, .. } => *status,
            _ => Status::Invalid,
        }
    }

    /// Whether the list (or its signature) is malformed rather than refused.
    pub fn is_format_error(&self) -> bool {
        match self {
            Self::Xml(XmlError::Io(_)) => false,
            Self::Xml(_) => true,
            Self::List(e) => !matches!(e, TslError::Io(_)),
            _ => false,
        }
    }
}

/// Whether, and by whom, a list's signature was checked — what a report says about the list
/// it used.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "signature", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ListSignature {
    /// Verified: the operator's signature holds over the whole list.
    Valid {
        /// The signer certificate's subject.
        signer: String,
    },
    /// Not checked: the caller named no signer to trust. `signed` says whether the list
    /// carries a signature at all.
    NotChecked {
        /// Whether the list has a Signature element.
        signed: bool,
    },
}

impl std::fmt::Display for ListSignature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Valid { signer } => write!(f, "signature verified (signed by {signer})"),
            Self::NotChecked { signed: true } => {
                f.write_str("signed, but its signature was NOT checked (no list signer given)")
            }
            Self::NotChecked { signed: false } => {
                f.write_str("unsigned; its signature was NOT checked (no list signer given)")
            }
        }
    }
}

/// A list whose signature was verified, with the verification.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct VerifiedList {
    /// The list, as read from the signed bytes.
    pub list: AccreditedCaList,
    /// The XMLDSig verification of its signature (valid).
    pub verification: XmlVerification,
}

impl VerifiedList {
    /// What a report says of the list's signature.
    pub fn signature(&self) -> ListSignature {
        ListSignature::Valid {
            signer: self
                .verification
                .signer
                .as_ref()
                .map(|c| c.subject().to_string())
                .unwrap_or_default(),
        }
    }
}

impl AccreditedCaList {
    /// Verifies the list's XMLDSig signature with `verifier` (whose trust anchors say whom the
    /// list must be signed by) and reads the list from the bytes that signature covers.
    ///
    /// The whole list must be signed: a Reference with URI `""` or one selecting the root
    /// element, whose digest matched. `verifier`'s parse limits apply to the document (the
    /// real list is 60–80 MB: raise [`crate::xmldsig::ParseLimits::max_size`] above the default
    /// 64 MiB for it), `limits` to the list read from the signed bytes.
    ///
    /// ```
    /// # #[cfg(any(feature = "aws-lc-rs", feature = "rustcrypto"))] {
    /// use signflow::pki::{RevocationMode, TrustContext, UnixTime};
    /// use signflow::tsl::{AccreditedCaList, TslLimits, TslSignatureError};
    /// use signflow::xmldsig::Verifier;
    ///
    /// // The operator's certificate, obtained by other means than the list.
    /// let context = TrustContext::builder()
    ///     .anchors_pem_or_der(include_bytes!("../../testdata/tsl/tsl-operator.pem"))?
    ///     .build();
    /// let mut verifier = Verifier::from_context(&context).at(UnixTime::from_utc(2027, 1, 1, 0, 0, 0));
    /// verifier.options_mut().validation.revocation = RevocationMode::Off;
    /// let signed = include_bytes!("../../testdata/tsl/tsl-signed.xml");
    /// let verified = AccreditedCaList::from_signed_xml(signed, &verifier, &TslLimits::default())?;
    /// assert_eq!(verified.list.authorities.len(), 4);
    ///
    /// // One CA entry edited after signing: refused.
    /// let tampered = include_bytes!("../../testdata/tsl/tsl-signed-tampered.xml");
    /// let err = AccreditedCaList::from_signed_xml(tampered, &verifier, &TslLimits::default())
    ///     .unwrap_err();
    /// assert!(matches!(err, TslSignatureError::NotValid { .. }), "{err}");
    /// # }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`TslSignatureError::Unsigned`] without a Signature; [`TslSignatureError::NotValid`]
    /// when it does not verify (altered list, untrusted signer…);
    /// [`TslSignatureError::NotWholeList`] when it covers only a part;
    /// [`TslSignatureError::Xml`] and [`TslSignatureError::List`] when the document is
    /// malformed.
    pub fn from_signed_xml(
        xml: &[u8],
        verifier: &Verifier<'_>,
        limits: &TslLimits,
    ) -> Result<VerifiedList, TslSignatureError> {
        if xml.len() as u64 > limits.max_bytes {
            return Err(TslError::Limit {
                what: "bytes",
                limit: limits.max_bytes,
            }
            .into());
        }
        let verification = verifier.verify(xml).map_err(|e| match e {
            XmlError::NoSignature => TslSignatureError::Unsigned,
            other => TslSignatureError::Xml(other),
        })?;
        if verification.status != Status::Valid {
            let reasons: Vec<String> = verification
                .findings
                .iter()
                .filter(|f| f.finding.status().is_some())
                .map(|f| f.message.clone())
                .collect();
            return Err(TslSignatureError::NotValid {
                status: verification.status,
                reasons: if reasons.is_empty() {
                    verification.status.to_string()
                } else {
                    reasons.join("; ")
                },
                verification: Box::new(verification),
            });
        }
        let whole = verification
            .references
            .iter()
            .filter(|r| r.digest_matches)
            .find(|r| match &r.element {
                // URI "": the whole document, after its transforms.
                None => r.uri.is_empty(),
                Some(e) => {
                    r.uri.starts_with('#') && e.local_name == ROOT_ELEMENT && e.namespace.is_none()
                }
            })
            .ok_or(TslSignatureError::NotWholeList)?;
        let mut list = AccreditedCaList::from_reader(&whole.canonical[..], limits)?;
        list.signed = true;
        Ok(VerifiedList { list, verification })
    }
}
