//! The trust context: everything a verification trusts and checks against, built once and
//! shared by every verifier (path validation, CMS, batch, the document flow).

use std::sync::Arc;

use crate::crypto::CryptoProvider;

use super::{
    Certificate, ChainCache, Crl, OcspError, OcspResponse, PkiError, TrustStore, UnixTime,
    ValidationOptions, Validator,
};

/// The trust material and policy every verification of a service shares.
///
/// A [`TrustContext`] holds the crypto provider, the trust anchors, the untrusted intermediates
/// paths may be built from, the CRLs, the default validation policy and, optionally, a
/// [`ChainCache`], and OCSP responses beside the CRLs. It is an `Arc` inside: cloning it is a reference-count increment, it is
/// `Send + Sync + 'static`, and a service keeps one in its state and hands it to each request
/// without copying certificates. Verifiers borrow it ([`TrustContext::validator`],
/// [`crate::cms::Verifier::from_context`]).
///
/// ```
/// use signflow::pki::{Certificate, TrustContext, UnixTime};
///
/// let context = TrustContext::builder()
///     .anchors_pem_or_der(include_bytes!("../../testdata/pki/root-ca.pem"))?
///     .intermediates_pem_or_der(include_bytes!("../../testdata/pki/intermediate-ca.pem"))?
///     .crls_pem_or_der(include_bytes!("../../testdata/pki/root-ca.crl.pem"))?
///     .crls_pem_or_der(include_bytes!("../../testdata/pki/intermediate-ca.crl.pem"))?
///     .chain_cache(1024)
///     .build();
/// let leaf = Certificate::all_from_pem_or_der(include_bytes!("../../testdata/pki/leaf-rsa.pem"))?.remove(0);
/// let shared = context.clone(); // an Arc: no certificate is copied
/// let report = shared.validator().validate(&leaf, &shared.validation_at(UnixTime::now()));
/// assert_eq!(report.status, signflow::pki::Status::Valid, "{report}");
/// # Ok::<(), signflow::pki::PkiError>(())
/// ```
#[derive(Clone, Debug)]
pub struct TrustContext {
    inner: Arc<Material>,
}

/// What a [`TrustContext`] holds.
#[derive(Debug)]
struct Material {
    provider: &'static CryptoProvider,
    anchors: TrustStore,
    intermediates: Vec<Certificate>,
    crls: Vec<Crl>,
    ocsp: Vec<OcspResponse>,
    policy: ValidationOptions,
    cache: Option<ChainCache>,
}

/// Builds a [`TrustContext`]: [`TrustContext::builder`], then the anchors, intermediates,
/// CRLs, policy, cache and provider it needs, then [`TrustContextBuilder::build`].
#[derive(Debug, Default)]
#[must_use]
pub struct TrustContextBuilder {
    provider: Option<&'static CryptoProvider>,
    anchors: TrustStore,
    intermediates: Vec<Certificate>,
    crls: Vec<Crl>,
    ocsp: Vec<OcspResponse>,
    policy: Option<ValidationOptions>,
    cache_capacity: Option<usize>,
}

impl TrustContextBuilder {
    /// Uses `provider` for every signature and digest (default: the installed provider, or
    /// the one compiled-in backend, or — with both backends compiled in and none installed —
    /// the first of [`CryptoProvider::all_compiled`]).
    pub fn provider(mut self, provider: &'static CryptoProvider) -> Self {
        self.provider = Some(provider);
        self
    }

    /// Adds the trust anchors of `anchors`.
    pub fn anchors(mut self, anchors: TrustStore) -> Self {
        if self.anchors.is_empty() {
            self.anchors = anchors;
        } else {
            for anchor in anchors.into_anchors() {
                self.anchors.add(anchor);
            }
        }
        self
    }

    /// Adds one trust anchor.
    pub fn anchor(mut self, anchor: Certificate) -> Self {
        self.anchors.add(anchor);
        self
    }

    /// Adds the trust anchors in `input` (PEM, possibly several, or one DER certificate).
    ///
    /// # Errors
    /// [`PkiError`] if `input` holds no certificate or a malformed one.
    pub fn anchors_pem_or_der(mut self, input: &[u8]) -> Result<Self, PkiError> {
        self.anchors.add_pem_or_der(input)?;
        Ok(self)
    }

    /// Adds untrusted certificates paths may be built from.
    pub fn intermediates(mut self, certificates: impl IntoIterator<Item = Certificate>) -> Self {
        self.intermediates.extend(certificates);
        self
    }

    /// Adds the untrusted certificates in `input` (PEM or DER).
    ///
    /// # Errors
    /// [`PkiError`] if `input` holds no certificate or a malformed one.
    pub fn intermediates_pem_or_der(mut self, input: &[u8]) -> Result<Self, PkiError> {
        self.intermediates
            .extend(Certificate::all_from_pem_or_der(input)?);
        Ok(self)
    }

    /// Adds CRLs.
    pub fn crls(mut self, crls: impl IntoIterator<Item = Crl>) -> Self {
        self.crls.extend(crls);
        self
    }

    /// Adds the CRLs in `input` (PEM or DER).
    ///
    /// # Errors
    /// [`PkiError`] if `input` holds no CRL or a malformed one.
    pub fn crls_pem_or_der(mut self, input: &[u8]) -> Result<Self, PkiError> {
        self.crls.extend(Crl::all_from_pem_or_der(input)?);
        Ok(self)
    }

    /// Adds OCSP responses (RFC 6960): a revocation source wherever the CRLs are one
    /// ([`Validator::with_ocsp_responses`]).
    pub fn ocsp_responses(mut self, responses: impl IntoIterator<Item = OcspResponse>) -> Self {
        self.ocsp.extend(responses);
        self
    }

    /// Adds the OCSP response in `input`: DER, as `openssl ocsp -respout` writes it (or PEM
    /// blocks labelled `OCSP RESPONSE`).
    ///
    /// # Errors
    /// [`OcspError`] if `input` is not a successful basic OCSP response.
    pub fn ocsp_der(mut self, input: &[u8]) -> Result<Self, OcspError> {
        self.ocsp.extend(OcspResponse::all_from_pem_or_der(input)?);
        Ok(self)
    }

    /// Validates with `policy` (its time is replaced by each verification's:
    /// [`TrustContext::validation_at`]) instead of [`ValidationOptions::at`]'s defaults
    /// (revocation required, no SHA-1 or MD5).
    pub fn policy(mut self, policy: ValidationOptions) -> Self {
        self.policy = Some(policy);
        self
    }

    /// Keeps valid path verdicts in a [`ChainCache`] of `capacity` entries, shared by every
    /// verifier made from the context.
    pub fn chain_cache(mut self, capacity: usize) -> Self {
        self.cache_capacity = Some(capacity);
        self
    }

    /// The context.
    pub fn build(self) -> TrustContext {
        let provider = self.provider.unwrap_or_else(CryptoProvider::current);
        TrustContext {
            inner: Arc::new(Material {
                provider,
                anchors: self.anchors,
                intermediates: self.intermediates,
                crls: self.crls,
                ocsp: self.ocsp,
                policy: self
                    .policy
                    .unwrap_or_else(|| ValidationOptions::at(UnixTime(0))),
                cache: self.cache_capacity.map(ChainCache::new),
            }),
        }
    }
}

impl TrustContext {
    /// A builder (no anchors, intermediates or CRLs yet; default policy and provider).
    pub fn builder() -> TrustContextBuilder {
        TrustContextBuilder::default()
    }

    /// The crypto provider.
    pub fn provider(&self) -> &'static CryptoProvider {
        self.inner.provider
    }

    /// The trust anchors.
    pub fn anchors(&self) -> &TrustStore {
        &self.inner.anchors
    }

    /// The untrusted certificates paths may be built from.
    pub fn intermediates(&self) -> &[Certificate] {
        &self.inner.intermediates
    }

    /// The CRLs.
    pub fn crls(&self) -> &[Crl] {
        &self.inner.crls
    }

    /// The OCSP responses.
    pub fn ocsp_responses(&self) -> &[OcspResponse] {
        &self.inner.ocsp
    }

    /// The chain cache, when the context keeps one.
    pub fn chain_cache(&self) -> Option<&ChainCache> {
        self.inner.cache.as_ref()
    }

    /// The context's policy at `time`: the validation options every verifier made from the
    /// context starts from.
    pub fn validation_at(&self, time: UnixTime) -> ValidationOptions {
        ValidationOptions {
            time,
            ..self.inner.policy.clone()
        }
    }

    /// This context with more untrusted material: certificates paths may be built from, CRLs
    /// and OCSP responses (what [`crate::pki::online`] fetched, for instance). Anchors, policy
    /// and provider stay; the material is copied into a new context (with a fresh chain cache
    /// of the same capacity, when there is one).
    pub fn with_material(
        &self,
        certificates: impl IntoIterator<Item = Certificate>,
        crls: impl IntoIterator<Item = Crl>,
        ocsp: impl IntoIterator<Item = OcspResponse>,
    ) -> TrustContext {
        let m = &self.inner;
        let mut intermediates = m.intermediates.clone();
        intermediates.extend(certificates);
        let mut all_crls = m.crls.clone();
        all_crls.extend(crls);
        let mut all_ocsp = m.ocsp.clone();
        all_ocsp.extend(ocsp);
        TrustContext {
            inner: Arc::new(Material {
                provider: m.provider,
                anchors: m.anchors.clone(),
                intermediates,
                crls: all_crls,
                ocsp: all_ocsp,
                policy: m.policy.clone(),
                cache: m.cache.as_ref().map(|c| ChainCache::new(c.capacity)),
            }),
        }
    }

    /// A path validator over the context's material, borrowing it (nothing is copied).
    pub fn validator(&self) -> Validator<'_> {
        Validator::borrowed(
            self.inner.provider,
            &self.inner.anchors,
            &self.inner.intermediates,
            &self.inner.crls,
        )
        .with_ocsp_responses(&self.inner.ocsp[..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_shareable<T: Send + Sync + 'static>() {}

    #[test]
    fn a_context_is_shared_not_copied() {
        assert_shareable::<TrustContext>();
        let context = TrustContext::builder()
            .anchors_pem_or_der(include_bytes!("../../testdata/pki/root-ca.pem"))
            .unwrap()
            .intermediates_pem_or_der(include_bytes!("../../testdata/pki/intermediate-ca.pem"))
            .unwrap()
            .build();
        let clone = context.clone();
        assert!(Arc::ptr_eq(&context.inner, &clone.inner));
        let validator = clone.validator();
        let borrowed = validator.intermediates().next().unwrap();
        assert!(core::ptr::eq(&context.intermediates()[0], borrowed));
        assert!(context.chain_cache().is_none());
        assert!(context.builder_policy_is_default());
    }

    impl TrustContext {
        fn builder_policy_is_default(&self) -> bool {
            let at = UnixTime(1_700_000_000);
            format!("{:?}", self.validation_at(at)) == format!("{:?}", ValidationOptions::at(at))
        }
    }

    #[test]
    fn malformed_material_is_refused() {
        assert!(TrustContext::builder().anchors_pem_or_der(b"junk").is_err());
        assert!(TrustContext::builder().crls_pem_or_der(b"").is_err());
    }
}
