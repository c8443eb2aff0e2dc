//! The trust and policy flags every verifying command takes (`verify-chain`, `verify cms`,
//! `verify xml`, `verify-batch`), parsed by one clap struct and mapped to the library's options
//! here only (README, "CLI conventions").

use signflow::crypto::{CryptoProvider, HashPolicy};
use signflow::pki::{RevocationMode, TrustContext, ValidationOptions};

use crate::exit::{Failure, Status};
use crate::input::{self, TrustArgs};

/// `--trust --untrusted --crl --ocsp --at --no-revocation --accept-stale-crls --allow-sha1
/// --allow-md5 --strict`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct VerifyPolicyArgs {
    /// --trust (at least one), --untrusted, --crl, --ocsp.
    #[command(flatten)]
    pub material: TrustArgs,
    /// Validation time, RFC 3339 (default: now).
    #[arg(long, value_name = "RFC3339")]
    pub at: Option<String>,
    /// Skip revocation checking.
    #[arg(long)]
    pub no_revocation: bool,
    /// Accept CRLs whose nextUpdate has passed.
    #[arg(long)]
    pub accept_stale_crls: bool,
    /// Accept SHA-1 in certificate, CRL and document signatures and digests (and RIPEMD-160
    /// in XML): old documents and PKIs; reported as weak.
    #[arg(long)]
    pub allow_sha1: bool,
    /// Accept MD5 digests, HMAC and signatures, and MD5-signed certificates (broken: only for
    /// old archives trusted by other means; reported as weak).
    #[arg(long)]
    pub allow_md5: bool,
    /// Enforce the RFC 5280 certificate profile as well as its path validation (critical
    /// basicConstraints on CAs, key identifiers, cRLNumber, ...), like OpenSSL's
    /// `-x509_strict`.
    #[arg(long)]
    pub strict: bool,
}

impl VerifyPolicyArgs {
    /// Usage error (64) unless at least one `--trust` is given.
    pub fn require_trust(&self) -> Result<(), Failure> {
        if self.material.trust.is_empty() {
            return Err(Failure::new(
                Status::Usage,
                "at least one --trust FILE|DIR is required",
            ));
        }
        Ok(())
    }

    /// The path-validation options these flags ask for (the one place they are mapped).
    pub fn validation(&self) -> Result<ValidationOptions, Failure> {
        let mut v = ValidationOptions::at(input::time(self.at.as_deref())?);
        if self.no_revocation {
            v.revocation = RevocationMode::Off;
        }
        v.accept_stale_crls = self.accept_stale_crls;
        v.hashes = HashPolicy::STRICT
            .with_sha1(self.allow_sha1)
            .with_md5(self.allow_md5);
        v.strict = self.strict;
        Ok(v)
    }

    /// The trust context these flags name: `--trust`, `--untrusted` and `--crl` loaded, the
    /// policy of [`VerifyPolicyArgs::validation`], the commands' one provider.
    pub fn context(&self, provider: &'static CryptoProvider) -> Result<TrustContext, Failure> {
        self.context_with(provider, Vec::new(), Vec::new())
    }

    /// [`Self::context`], with an accredited-CA list's qualified roots added as anchors and
    /// its CA certificates as untrusted material when `--tsl` gave one.
    pub fn context_for(
        &self,
        provider: &'static CryptoProvider,
        list: Option<&signflow::tsl::AccreditedCaList>,
    ) -> Result<TrustContext, Failure> {
        match list {
            Some(list) => self.context_with(
                provider,
                list.qualified_roots().into_iter().cloned().collect(),
                list.ca_certificates().into_iter().cloned().collect(),
            ),
            None => self.context(provider),
        }
    }

    /// [`VerifyPolicyArgs::context`] with more anchors and intermediates (an accredited-CA
    /// list's roots and CA certificates, `--tsl`).
    pub fn context_with(
        &self,
        provider: &'static CryptoProvider,
        anchors: Vec<signflow::pki::Certificate>,
        intermediates: Vec<signflow::pki::Certificate>,
    ) -> Result<TrustContext, Failure> {
        let (trust, certificates, crls) = self.material.load()?;
        let ocsp = self.material.load_ocsp()?;
        let mut builder = TrustContext::builder().provider(provider).anchors(trust);
        for anchor in anchors {
            builder = builder.anchor(anchor);
        }
        Ok(builder
            .intermediates(certificates.into_iter().chain(intermediates))
            .crls(crls)
            .ocsp_responses(ocsp)
            .policy(self.validation()?)
            .build())
    }

    /// CMS verification options around [`VerifyPolicyArgs::validation`].
    pub fn cms(&self) -> Result<signflow::cms::VerifyOptions, Failure> {
        let validation = self.validation()?;
        let mut options = signflow::cms::VerifyOptions::at(validation.time);
        options.validation = validation;
        Ok(options)
    }

    /// XMLDSig verification options around [`VerifyPolicyArgs::validation`]: the SHA-1 and MD5
    /// switches cover the document's digests and signature method as well.
    pub fn xml(&self) -> Result<signflow::xmldsig::VerifyOptions, Failure> {
        Ok(signflow::xmldsig::VerifyOptions::with_validation(
            self.validation()?,
        ))
    }
}
