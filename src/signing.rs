//! One way to sign: a [`SigningIdentity`] — a private key, its certificate and the chain above
//! it, with the crypto provider that holds the key — taken by every signing API: CMS
//! ([`SigningIdentity::sign_cms`], [`SigningIdentity::cms_signer`]), XMLDSig
//! ([`SigningIdentity::sign_xml`]) and the document flow ([`crate::flow::FlowSigner::new`]).
//!
//! Build one from a key and certificates ([`SigningIdentity::new`]), or from a PKCS#12 file
//! ([`SigningIdentity::from_pkcs12`]). It owns everything it holds and is `Send + Sync`, so a
//! service keeps one in its shared state.
//!
//! # Example
//! ```
//! use signflow::SigningIdentity;
//! use signflow::pki::{Certificate, UnixTime};
//!
//! let identity = SigningIdentity::from_pkcs12(
//!     include_bytes!("../testdata/pki/leaf-rsa.p12"),
//!     include_str!("../testdata/pki/PASSWORD").trim(),
//! )?;
//! let at = UnixTime::from_utc(2026, 11, 23, 12, 0, 0);
//!
//! // CAdES-BES, detached, with a signing time:
//! let cms = identity.sign_cms_detached(b"act no. 17", &signflow::cms::SignOptions::at(at))?;
//! assert!(cms.content().is_none());
//!
//! // An enveloped XML signature with the same key:
//! let xml = identity.sign_xml(b"<act n=\"17\"/>", &signflow::xmldsig::SignOptions::default())?;
//! assert!(xml.windows(9).any(|w| w == b"Signature"));
//! # Ok::<(), signflow::Error>(())
//! ```

use std::sync::Arc;

use crate::cms::{self, CmsError, Content, SignedData};
use crate::crypto::{CryptoError, CryptoProvider, PublicKeyInfo, SigningKey};
use crate::pki::Certificate;
use crate::pki::pkcs12::{Pkcs12, Pkcs12Error};
use crate::xmldsig;

/// Why a [`SigningIdentity`] could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// The private key is not the one whose public key the certificate carries.
    #[error("the private key does not belong to the certificate ({subject})")]
    KeyMismatch {
        /// The certificate's subject.
        subject: String,
    },
    /// The key or the certificate's public key could not be read.
    #[error("unusable key: {0}")]
    Key(#[from] CryptoError),
    /// The PKCS#12 file could not be opened (wrong password, corrupt file, unsupported
    /// algorithm: [`Pkcs12Error`] says which).
    #[error(transparent)]
    Pkcs12(#[from] Pkcs12Error),
}

/// A private key with its certificate and the chain above it: what every signing API takes.
///
/// Cheap to clone (the key is shared); `Send + Sync + 'static`.
#[derive(Clone, Debug)]
pub struct SigningIdentity {
    provider: &'static CryptoProvider,
    key: Arc<dyn SigningKey>,
    certificate: Certificate,
    chain: Vec<Certificate>,
}

impl SigningIdentity {
    /// An identity from `key`, its `certificate` and the `chain` above it (issuer first; put
    /// into signatures so that verifiers can build the path). The provider is
    /// [`CryptoProvider::current`]; [`SigningIdentity::with_provider`] names another.
    ///
    /// # Errors
    /// [`IdentityError::KeyMismatch`] when `key` is not the certificate's;
    /// [`IdentityError::Key`] when either public key cannot be read.
    pub fn new(
        key: Box<dyn SigningKey>,
        certificate: Certificate,
        chain: Vec<Certificate>,
    ) -> Result<Self, IdentityError> {
        let cert_key = PublicKeyInfo::parse(certificate.spki_der())?;
        let own = PublicKeyInfo::parse(key.public_key_der())?;
        if cert_key.key != own.key {
            return Err(IdentityError::KeyMismatch {
                subject: certificate.subject().to_string(),
            });
        }
        Ok(Self {
            provider: CryptoProvider::current(),
            key: Arc::from(key),
            certificate,
            chain,
        })
    }

    /// Opens the PKCS#12 (PFX) file `der` with `password` and takes its key, the key's
    /// certificate and the chain found in the file, through [`CryptoProvider::current`].
    ///
    /// # Errors
    /// [`IdentityError::Pkcs12`] when the file cannot be opened (its error tells a wrong
    /// password from a corrupt file or an unsupported algorithm), or has no key with a
    /// certificate; [`IdentityError::KeyMismatch`] as [`SigningIdentity::new`].
    pub fn from_pkcs12(der: &[u8], password: &str) -> Result<Self, IdentityError> {
        let provider = CryptoProvider::current();
        let identity = Pkcs12::from_der(der, password)?.identity(provider)?;
        Ok(Self::new(identity.key, identity.certificate, identity.chain)?.with_provider(provider))
    }

    /// Signs with `provider` instead of [`CryptoProvider::current`] (the key must come from
    /// it).
    #[must_use]
    pub fn with_provider(mut self, provider: &'static CryptoProvider) -> Self {
        self.provider = provider;
        self
    }

    /// The crypto provider.
    pub fn provider(&self) -> &'static CryptoProvider {
        self.provider
    }

    /// The private key.
    pub fn key(&self) -> &dyn SigningKey {
        &*self.key
    }

    /// The signer's certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// The certificates above it, issuer first.
    pub fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    /// A CMS signer for this identity with `options`, for what the one-call methods do not
    /// cover: two-step signing ([`cms::Signer::prepare`]), streamed detached content,
    /// counter-signing.
    pub fn cms_signer(&self, options: cms::SignOptions) -> cms::Signer<'_> {
        cms::Signer::new(self.provider, &self.certificate, &self.chain, options)
    }

    /// A CMS SignedData with `content` inside it (attached), signed as `options` say.
    ///
    /// # Errors
    /// As [`cms::Signer::sign`].
    pub fn sign_cms(
        &self,
        content: &[u8],
        options: &cms::SignOptions,
    ) -> Result<SignedData, CmsError> {
        self.cms_signer(options.clone())
            .sign(self.key(), Content::Attached(content))
    }

    /// A detached CMS SignedData over `content` (the content is not in it), signed as
    /// `options` say.
    ///
    /// # Errors
    /// As [`cms::Signer::sign`].
    pub fn sign_cms_detached(
        &self,
        content: &[u8],
        options: &cms::SignOptions,
    ) -> Result<SignedData, CmsError> {
        let mut reader = content;
        self.cms_signer(options.clone())
            .sign(self.key(), Content::Detached(&mut reader))
    }

    /// Adds this identity's SignerInfo to `existing` (co-signing). `detached` is the content
    /// when `existing` does not carry it; either way the content is checked against the
    /// existing signers' digests first.
    ///
    /// # Errors
    /// As [`cms::Signer::cosign`].
    pub fn cosign_cms(
        &self,
        existing: &SignedData,
        detached: Option<&[u8]>,
        options: &cms::SignOptions,
    ) -> Result<SignedData, CmsError> {
        let mut reader = detached.unwrap_or_default();
        let detached = detached.map(|_| &mut reader as &mut dyn std::io::Read);
        self.cms_signer(options.clone())
            .cosign(self.key(), existing, detached)
    }

    /// Signs the XML document `xml` as `options` say (enveloped by default) and returns the
    /// signed document.
    ///
    /// # Errors
    /// As [`xmldsig::sign`].
    pub fn sign_xml(
        &self,
        xml: &[u8],
        options: &xmldsig::SignOptions,
    ) -> Result<Vec<u8>, xmldsig::SignError> {
        xmldsig::sign(
            self.provider,
            self.key(),
            &self.certificate,
            &self.chain,
            xml,
            options,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWORD: &str = include_str!("../testdata/pki/PASSWORD");

    #[test]
    fn identity_is_shareable() {
        fn shareable<T: Send + Sync + 'static>() {}
        shareable::<SigningIdentity>();
    }

    #[test]
    fn a_foreign_key_is_refused() {
        let p12 = SigningIdentity::from_pkcs12(
            include_bytes!("../testdata/pki/leaf-rsa.p12"),
            PASSWORD.trim(),
        )
        .unwrap();
        let other = CryptoProvider::current()
            .load_private_key_pem(include_str!("../testdata/pki/leaf-ecdsa-p256.key.pem"))
            .unwrap();
        let err = SigningIdentity::new(other, p12.certificate().clone(), Vec::new()).unwrap_err();
        assert!(matches!(err, IdentityError::KeyMismatch { .. }), "{err}");
    }

    #[test]
    fn a_wrong_password_is_named() {
        let err =
            SigningIdentity::from_pkcs12(include_bytes!("../testdata/pki/leaf-rsa.p12"), "nope")
                .unwrap_err();
        assert!(
            matches!(err, IdentityError::Pkcs12(Pkcs12Error::WrongPassword)),
            "{err:?}"
        );
    }
}
