//! [`Verifier`]: XMLDSig verification over a [`TrustContext`]'s material, borrowed.

use super::error::XmlError;
use super::options::VerifyOptions;
use super::report::XmlVerification;
use super::verify::{TrustInputs, verify_document};
use crate::crypto::CryptoProvider;
use crate::pki::{Certificate, ChainCache, Crl, OcspResponse, TrustContext, TrustStore, UnixTime};

/// Verifies XML signatures against one set of trust material with one set of options.
///
/// Made from a [`TrustContext`] ([`Verifier::from_context`]), it borrows the context's
/// provider, anchors, intermediates, CRLs and chain cache: nothing is copied per document,
/// and the [`XmlVerification`] it returns is owned (it may leave the thread that verified).
///
/// ```
/// # #[cfg(any(feature = "aws-lc-rs", feature = "rustcrypto"))] {
/// use signflow::pki::{Status, TrustContext, UnixTime};
/// use signflow::xmldsig::Verifier;
///
/// let context = TrustContext::builder()
///     .anchors_pem_or_der(include_bytes!("../../testdata/pki/root-ca.pem"))?
///     .intermediates_pem_or_der(include_bytes!("../../testdata/pki/intermediate-ca.pem"))?
///     .crls_pem_or_der(include_bytes!("../../testdata/pki/root-ca.crl.pem"))?
///     .crls_pem_or_der(include_bytes!("../../testdata/pki/intermediate-ca.crl.pem"))?
///     .build();
/// let xml = include_bytes!("../../testdata/xmldsig/xmlsec1-signed-rsa.xml");
/// let verifier = Verifier::from_context(&context).at(UnixTime::from_utc(2027, 1, 1, 0, 0, 0));
/// let result = verifier.verify(xml)?;
/// assert_eq!(result.status, Status::Valid, "{result}");
/// // The signed data: the canonical bytes the digest covered, not a fresh look-up.
/// assert!(result.references[0].canonical.starts_with(b"<Act xmlns=\"urn:signflow:test\""));
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Verifier<'a> {
    provider: &'a CryptoProvider,
    trust: &'a TrustStore,
    intermediates: &'a [Certificate],
    crls: &'a [Crl],
    ocsp: &'a [OcspResponse],
    cache: Option<&'a ChainCache>,
    options: VerifyOptions,
}

impl<'a> Verifier<'a> {
    /// A verifier over `trust`, with untrusted `intermediates` and `crls` (all borrowed),
    /// verifying with `options`.
    pub fn new(
        provider: &'a CryptoProvider,
        trust: &'a TrustStore,
        intermediates: &'a [Certificate],
        crls: &'a [Crl],
        options: VerifyOptions,
    ) -> Self {
        Self {
            provider,
            trust,
            intermediates,
            crls,
            ocsp: &[],
            cache: None,
            options,
        }
    }

    /// A verifier over `context`'s provider, anchors, intermediates and CRLs, answering from
    /// its chain cache when it keeps one — borrowed, nothing copied. It verifies now, with the
    /// context's policy ([`TrustContext::validation_at`]) for the signer's certificate and the
    /// policy's hash switches ([`crate::pki::ValidationOptions::hashes`]) for the document's
    /// digests and signature method too; [`Verifier::at`] sets another time,
    /// [`Verifier::with_options`] other options.
    pub fn from_context(context: &'a TrustContext) -> Self {
        let validation = context.validation_at(UnixTime::now());
        let options = VerifyOptions::with_validation(validation);
        Self {
            provider: context.provider(),
            trust: context.anchors(),
            intermediates: context.intermediates(),
            crls: context.crls(),
            ocsp: context.ocsp_responses(),
            cache: context.chain_cache(),
            options,
        }
    }

    /// This verifier validating the signer's certificate at `time` (its other options kept).
    #[must_use]
    pub fn at(mut self, time: UnixTime) -> Self {
        self.options.validation.time = time;
        self
    }

    /// This verifier verifying with `options` instead.
    #[must_use]
    pub fn with_options(mut self, options: VerifyOptions) -> Self {
        self.options = options;
        self
    }

    /// This verifier also taking revocation status from the OCSP `responses`
    /// ([`crate::pki::Validator::with_ocsp_responses`]); [`Verifier::from_context`] takes the
    /// context's.
    #[must_use]
    pub fn with_ocsp_responses(mut self, responses: &'a [OcspResponse]) -> Self {
        self.ocsp = responses;
        self
    }

    /// Answers signer-certificate validations from `cache` when it can (see [`ChainCache`]).
    #[must_use]
    pub fn with_cache(mut self, cache: &'a ChainCache) -> Self {
        self.cache = Some(cache);
        self
    }

    /// The options it verifies with.
    pub fn options(&self) -> &VerifyOptions {
        &self.options
    }

    /// The options it verifies with, to change (detached content, say).
    pub fn options_mut(&mut self) -> &mut VerifyOptions {
        &mut self.options
    }

    /// Verifies the first XML signature of `xml`, as [`verify()`](super::verify()) describes.
    ///
    /// # Errors
    /// [`XmlError`] when the document or the signature cannot be read at all; everything else
    /// (bad digests, bad signature, untrusted certificate) is a finding in the result.
    pub fn verify(&self, xml: &[u8]) -> Result<XmlVerification, XmlError> {
        let inputs = TrustInputs {
            trust: self.trust,
            intermediates: self.intermediates,
            crls: self.crls,
            ocsp: self.ocsp,
            cache: self.cache,
        };
        verify_document(self.provider, xml, &inputs, &self.options)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send<T: Send + 'static>() {}

    #[test]
    fn results_are_owned_and_the_context_borrowed() {
        assert_send::<XmlVerification>();
        let context = TrustContext::builder()
            .anchors_pem_or_der(include_bytes!("../../testdata/pki/root-ca.pem"))
            .unwrap()
            .intermediates_pem_or_der(include_bytes!("../../testdata/pki/intermediate-ca.pem"))
            .unwrap()
            .build();
        let verifier = Verifier::from_context(&context);
        assert!(core::ptr::eq(
            verifier.intermediates,
            context.intermediates()
        ));
        assert!(core::ptr::eq(verifier.trust, context.anchors()));
    }
}
