//! Verification of SignedData: every SignerInfo (RFC 5652 §5.4, §5.6, §11), the signer
//! certificate's path at the validation time ([`crate::pki::Validator`]), and the
//! signing-certificate attributes of ESS and CAdES (RFC 2634 §5.4, RFC 5035 §3).
//!
//! For each SignerInfo the verifier
//!
//! 1. reads the digest and signature algorithms (CMS's bare `rsaEncryption`, `id-dsa` and
//!    `id-ecPublicKey` name the signature with the digest algorithm);
//! 2. with signed attributes: requires exactly one content-type equal to eContentType (none in a
//!    counter-signature) and exactly one message-digest equal to the content's digest, reads the
//!    claimed signing-time, and checks the signature over the signed attributes **as received**
//!    with the `[0]` tag replaced by SET (RFC 5652 §5.4; a non-DER encoding is retried in DER
//!    form and reported); without them, checks the signature over the content (from the
//!    streamed digest; Ed25519 needs the content itself, buffered up to a limit);
//! 3. finds the signer certificate by issuerAndSerialNumber or subjectKeyIdentifier among the
//!    embedded certificates, the caller's certificates and the trust anchors;
//! 4. checks signing-certificate(-v2): the first ESSCertID must hash to the signer certificate;
//! 5. validates the certificate's path with the CRLs at the validation time (the caller's, or
//!    optionally the signing-time the signer claims — reported as unverified).
//!
//! Detached content is read once, in [`CHUNK_SIZE`] chunks, through every
//! digest the signers need: memory does not grow with the content.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::io::Read;

use const_oid::ObjectIdentifier;
use der::Decode;
use spki::AlgorithmIdentifierRef;

use super::cades::{self, long_term};
use super::der::{self as tlv, OCTET_STRING, Reader, SEQUENCE, SET, oid_name, uint_digits};
use super::error::CmsError;
pub use super::options::{ValidationTime, VerifyOptions};
pub use super::report::{CmsFinding, ReportedCmsFinding, SignerReport, TimeSource, VerifyReport};
use super::signed_data::{Attribute, Sid, SignedData, SignerInfo};
use super::{CHUNK_SIZE, MAX_NESTING, oid};
use crate::crypto::{
    CryptoError, CryptoProvider, Digest, EcdsaEncoding, HashAlgorithm, SignatureAlgorithm,
    oid as crypto_oid,
};
use crate::der_util::hex;
use crate::pki::{
    Certificate, ChainCache, Crl, DistinguishedName, OcspResponse, SignatureMemo, Status,
    TimeAssurance, TrustContext, TrustStore, UnixTime, ValidationOptions, ValidationReport,
    Validator,
};

/// Most certificates tried as the signer's for one SignerInfo (several may carry its issuer and
/// serial or key identifier; each costs a signature check).
const MAX_SIGNER_CANDIDATES: usize = 4;

/// Verifies SignedData against a trust store, with untrusted certificates and CRLs to build
/// and check paths (the SignedData's own certificates and CRLs are added per message).
///
/// See the [module documentation](self) for what is checked, and [`super`] for an example.
#[derive(Debug)]
pub struct Verifier<'a> {
    provider: &'a CryptoProvider,
    trust: &'a TrustStore,
    certificates: Cow<'a, [Certificate]>,
    crls: Cow<'a, [Crl]>,
    /// OCSP responses (RFC 6960), a revocation source beside the CRLs.
    ocsp: Cow<'a, [OcspResponse]>,
    cache: Option<&'a ChainCache>,
    /// The signatures the verification under way found valid (set for its duration only).
    memo: Option<&'a SignatureMemo>,
    /// One signer's CAdES certificate-values and revocation-values, borrowed: untrusted
    /// material after the caller's (set for that signer's checks only).
    values: Option<&'a long_term::SignerValues>,
}

/// Where detached content comes from.
enum Detached<'r> {
    /// None given (the content must be attached).
    Absent,
    /// Read once in chunks.
    Reader(&'r mut dyn Read),
    /// Already in memory.
    Bytes(&'r [u8]),
}

/// Digests (and, when a signer needs it, the bytes) of what the signatures cover.
struct Covered<'c> {
    digests: Vec<Digest>,
    bytes: Option<Cow<'c, [u8]>>,
    length: u64,
    buffer_limit: Option<usize>,
}

impl<'c> Covered<'c> {
    fn from_bytes(provider: &CryptoProvider, bytes: &'c [u8], needs: &Needs) -> Self {
        let digests = needs
            .hashes
            .iter()
            .filter_map(|h| provider.digest(*h, bytes).ok())
            .collect();
        Self {
            digests,
            bytes: Some(Cow::Borrowed(bytes)),
            length: bytes.len() as u64,
            buffer_limit: None,
        }
    }

    fn stream(
        provider: &CryptoProvider,
        reader: &mut dyn Read,
        needs: &Needs,
        max_buffered: usize,
    ) -> Result<Self, CmsError> {
        let mut hashers: Vec<_> = needs
            .hashes
            .iter()
            .filter_map(|h| provider.digests.hasher(*h).ok())
            .collect();
        let mut raw = needs.raw.then(Vec::new);
        let mut over = false;
        let mut buf = vec![0u8; CHUNK_SIZE];
        let mut length = 0u64;
        loop {
            let n = match reader.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(CmsError::Io(e)),
            };
            let chunk = &buf[..n];
            for h in &mut hashers {
                h.update(chunk);
            }
            length += n as u64;
            if let Some(r) = &mut raw {
                if r.len() + n > max_buffered {
                    raw = None;
                    over = true;
                } else {
                    r.extend_from_slice(chunk);
                }
            }
        }
        Ok(Self {
            digests: hashers.into_iter().map(|h| h.finalize()).collect(),
            bytes: raw.map(Cow::Owned),
            length,
            buffer_limit: over.then_some(max_buffered),
        })
    }

    fn digest(&self, h: HashAlgorithm) -> Option<&Digest> {
        self.digests.iter().find(|d| d.algorithm() == h)
    }
}

/// What a set of signers needs of the content.
#[derive(Default)]
struct Needs {
    hashes: Vec<HashAlgorithm>,
    raw: bool,
}

impl Needs {
    fn add(&mut self, sd: &SignedData, si: &SignerInfo) {
        let digest = digest_algorithm(sd.bytes(&si.digest_algorithm)).ok();
        if si.signed_attrs.is_some() {
            if let Some(h) = digest {
                self.push(h);
            }
            return;
        }
        if let Ok(alg) = cms_signature_algorithm(sd.bytes(&si.signature_algorithm), digest) {
            match alg.hash() {
                Some(h) => self.push(h),
                None => self.raw = true,
            }
        }
    }

    fn push(&mut self, h: HashAlgorithm) {
        if !self.hashes.contains(&h) {
            self.hashes.push(h);
        }
    }
}

/// Per-message context of the signer checks.
struct Env<'e> {
    validator: Validator<'e>,
    /// The message's own certificates and CRLs (also in `validator`), for per-signer
    /// validators with CAdES values.
    embedded: &'e [Certificate],
    message_crls: &'e [Crl],
    /// Where signer certificates are looked for: embedded, given, trust anchors.
    pool: Vec<&'e Certificate>,
    content_type: ObjectIdentifier,
    options: &'e VerifyOptions,
    /// SignerInfos seen so far (counter-signatures included), against `max_signers`.
    signers_seen: Cell<usize>,
    /// Path validations of this message by (certificate fingerprint, time, assurance): the
    /// validator's inputs are the same for every signer of one message, so a certificate that
    /// signs several times (duplicate SignerInfos) is validated once.
    validations: RefCell<HashMap<PathKey, ValidationReport>>,
}

type PathKey = ([u8; 32], UnixTime, TimeAssurance);

/// The sid, decoded for matching.
pub(super) enum SidKey {
    IssuerSerial(Option<DistinguishedName>, Vec<u8>),
    KeyId(Vec<u8>),
}

impl SidKey {
    pub(super) fn matches(&self, cert: &Certificate) -> bool {
        match self {
            Self::IssuerSerial(Some(issuer), serial) => {
                uint_digits(cert.serial()) == serial.as_slice() && cert.issuer() == issuer
            }
            Self::IssuerSerial(None, _) => false,
            Self::KeyId(id) => cert.extensions().subject_key_id.as_deref() == Some(id.as_slice()),
        }
    }
}

impl<'a> Verifier<'a> {
    /// A verifier over `trust`, with untrusted `certificates` (intermediates, and signer
    /// certificates a SignedData may leave out) and `crls`.
    pub fn new(
        provider: &'a CryptoProvider,
        trust: &'a TrustStore,
        certificates: Vec<Certificate>,
        crls: Vec<Crl>,
    ) -> Self {
        Self {
            provider,
            trust,
            certificates: Cow::Owned(certificates),
            crls: Cow::Owned(crls),
            ocsp: Cow::Borrowed(&[]),
            cache: None,
            memo: None,
            values: None,
        }
    }

    /// A verifier over `context`'s provider, anchors, intermediates and CRLs, answering from
    /// its chain cache when it keeps one — borrowed, nothing copied. Verify with options from
    /// [`VerifyOptions::with_validation`]`(context.validation_at(time))` to apply the context's
    /// policy.
    ///
    /// ```
    /// use signflow::cms::{SignedData, Verifier, VerifyOptions};
    /// use signflow::pki::{Status, TrustContext, UnixTime};
    ///
    /// let context = TrustContext::builder()
    ///     .anchors_pem_or_der(include_bytes!("../../testdata/pki/root-ca.pem"))?
    ///     .intermediates_pem_or_der(include_bytes!("../../testdata/pki/intermediate-ca.pem"))?
    ///     .crls_pem_or_der(include_bytes!("../../testdata/pki/root-ca.crl.pem"))?
    ///     .crls_pem_or_der(include_bytes!("../../testdata/pki/intermediate-ca.crl.pem"))?
    ///     .build();
    /// let message = SignedData::from_ber(include_bytes!("../../testdata/cms/rsa-detached.der"))?;
    /// let options =
    ///     VerifyOptions::with_validation(context.validation_at(UnixTime::from_utc(2027, 1, 1, 0, 0, 0)));
    /// let content = include_bytes!("../../testdata/cms/content.txt");
    /// let report = Verifier::from_context(&context).verify_detached_bytes(&message, content, &options)?;
    /// assert_eq!(report.status, Status::Valid, "{report}");
    /// let signer = report.signers[0].signer_certificate.as_ref().expect("found");
    /// assert!(signer.subject().to_string().contains("RSA"));
    /// # Ok::<(), signflow::Error>(())
    /// ```
    pub fn from_context(context: &'a TrustContext) -> Self {
        Self {
            provider: context.provider(),
            trust: context.anchors(),
            certificates: Cow::Borrowed(context.intermediates()),
            crls: Cow::Borrowed(context.crls()),
            ocsp: Cow::Borrowed(context.ocsp_responses()),
            cache: context.chain_cache(),
            memo: None,
            values: None,
        }
    }

    /// This verifier also taking revocation status from the OCSP `responses` (borrowed or
    /// owned), as [`Validator::with_ocsp_responses`] does; [`Verifier::from_context`] takes the
    /// context's.
    #[must_use]
    pub fn with_ocsp_responses(mut self, responses: impl Into<Cow<'a, [OcspResponse]>>) -> Self {
        self.ocsp = responses.into();
        self
    }

    /// Answers signer-certificate validations from `cache` when it can (see
    /// [`ChainCache`]): a repeat verification with the same signer, trust material and CRLs,
    /// inside the verdict's window, then costs the content's digest and the signature check.
    #[must_use]
    pub fn with_cache(mut self, cache: &'a ChainCache) -> Self {
        self.cache = Some(cache);
        self
    }

    /// The provider.
    pub(super) fn provider(&self) -> &'a CryptoProvider {
        self.provider
    }

    /// The caller's certificates, CRLs, OCSP responses and anchors.
    pub(super) fn material(&self) -> (&[Certificate], &[Crl], &[OcspResponse], &TrustStore) {
        (&self.certificates, &self.crls, &self.ocsp, self.trust)
    }

    /// This verifier, borrowed (nothing copied), checking signatures through `memo` and, when
    /// `values` is given, with one signer's CAdES values added to its untrusted material (else
    /// keeping the values it has). The chain cache stays: its key covers every certificate, CRL
    /// and OCSP response a validator can use, the signer's values included, so a verdict found
    /// with other material is never a hit.
    fn layered<'b>(
        &'b self,
        memo: Option<&'b SignatureMemo>,
        values: Option<&'b long_term::SignerValues>,
    ) -> Verifier<'b> {
        Verifier {
            provider: self.provider,
            trust: self.trust,
            certificates: Cow::Borrowed(&self.certificates),
            crls: Cow::Borrowed(&self.crls),
            ocsp: Cow::Borrowed(&self.ocsp),
            cache: self.cache,
            memo: memo.or(self.memo),
            values: values.or(self.values),
        }
    }

    /// A validator over this verifier's own material and, when set, a signer's values.
    fn own_validator(&self) -> Validator<'_> {
        let validator =
            Validator::borrowed(self.provider, self.trust, &self.certificates, &self.crls)
                .with_ocsp_responses(&self.ocsp[..]);
        let validator = match self.values {
            Some(v) => validator.with_signer_material(&v.certificates, &v.crls, &v.ocsp),
            None => validator,
        };
        match self.memo {
            Some(memo) => validator.with_signature_memo(memo),
            None => validator,
        }
    }

    /// A validator over this verifier's material and the message's.
    fn signer_validator<'v>(&'v self, env: &Env<'v>) -> Validator<'v> {
        self.own_validator()
            .with_message_material(env.embedded, env.message_crls)
    }

    /// Verifies every SignerInfo of `signed_data`. `detached` is the content of a detached
    /// signature, read once in chunks; it must be `None` when the content is attached.
    ///
    /// # Errors
    /// [`CmsError::ContentRequired`] for a detached signature without `detached`,
    /// [`CmsError::ContentConflict`] for content given to an attached one, [`CmsError::Io`] if
    /// reading the content fails. Every verdict — including invalid and indeterminate — is an
    /// `Ok` report.
    pub fn verify(
        &self,
        signed_data: &SignedData,
        detached: Option<&mut dyn Read>,
        options: &VerifyOptions,
    ) -> Result<VerifyReport, CmsError> {
        let detached = match detached {
            Some(reader) => Detached::Reader(reader),
            None => Detached::Absent,
        };
        self.verify_content(signed_data, detached, options)
    }

    /// Verifies a detached signature over `content` already in memory: digested where it
    /// lies, without the chunked copy a reader needs.
    ///
    /// # Errors
    /// As [`Verifier::verify`].
    pub fn verify_detached_bytes(
        &self,
        signed_data: &SignedData,
        content: &[u8],
        options: &VerifyOptions,
    ) -> Result<VerifyReport, CmsError> {
        self.verify_content(signed_data, Detached::Bytes(content), options)
    }

    fn verify_content(
        &self,
        signed_data: &SignedData,
        detached: Detached<'_>,
        options: &VerifyOptions,
    ) -> Result<VerifyReport, CmsError> {
        // One memo for the whole verification: the message's signers, their time-stamp tokens
        // and every path they validate share the certificates and CRLs they have in common.
        if self.memo.is_none() {
            let memo = SignatureMemo::new();
            return self
                .layered(Some(&memo), None)
                .verify_content(signed_data, detached, options);
        }
        let sd = signed_data;
        let mut findings: Vec<CmsFinding> = Vec::new();
        let mut embedded = Vec::new();
        for (index, der) in sd.certificates_der().enumerate() {
            match Certificate::from_der(der) {
                Ok(c) => embedded.push(c),
                Err(e) => findings.push(CmsFinding::IgnoredCertificate {
                    index,
                    reason: e.to_string(),
                }),
            }
        }
        let mut message_crls = Vec::new();
        for (index, der) in sd.crls_der().enumerate() {
            match Crl::from_der(der) {
                Ok(c) => message_crls.push(c),
                Err(e) => findings.push(CmsFinding::IgnoredCrl {
                    index,
                    reason: e.to_string(),
                }),
            }
        }
        // The verifier's certificates and CRLs stay borrowed; the message's own are added.
        let validator = self
            .own_validator()
            .with_message_material(&embedded[..], &message_crls[..]);
        let pool: Vec<&Certificate> = embedded
            .iter()
            .chain(self.certificates.iter())
            .chain(self.values.iter().flat_map(|v| &v.certificates))
            .chain(self.trust.anchors())
            .collect();
        let env = Env {
            validator,
            embedded: &embedded,
            message_crls: &message_crls,
            pool,
            content_type: sd.content_type(),
            options,
            signers_seen: Cell::new(0),
            validations: RefCell::new(HashMap::new()),
        };

        let mut needs = Needs::default();
        for si in &sd.signers {
            needs.add(sd, si);
            if options.signature_timestamps {
                // Archive time-stamps stamp the content's hash made with their own algorithm.
                for h in cades::archive::content_hashes(sd, si) {
                    needs.push(h);
                }
            }
        }
        let covered = match (sd.content(), detached) {
            (Some(_), Detached::Reader(_) | Detached::Bytes(_)) => {
                return Err(CmsError::ContentConflict);
            }
            (None, Detached::Absent) => return Err(CmsError::ContentRequired),
            (Some(content), Detached::Absent) | (None, Detached::Bytes(content)) => {
                Covered::from_bytes(self.provider, content, &needs)
            }
            (None, Detached::Reader(reader)) => {
                Covered::stream(self.provider, reader, &needs, options.max_buffered_content)?
            }
        };

        if sd.signers.is_empty() {
            findings.push(CmsFinding::NoSigners);
        }
        let signers: Vec<SignerReport> = sd
            .signers
            .iter()
            .map(|si| self.verify_signer(&env, sd, si, &covered, false))
            .collect();
        let status = findings
            .iter()
            .filter_map(CmsFinding::status)
            .chain(signers.iter().map(SignerReport::worst))
            .max()
            .unwrap_or(Status::Valid);
        Ok(VerifyReport {
            status,
            content_type: oid_name(&sd.content_type()),
            detached: sd.is_detached(),
            content_length: covered.length,
            findings: findings.into_iter().map(Into::into).collect(),
            signers,
        })
    }

    fn verify_signer(
        &self,
        env: &Env<'_>,
        sd: &SignedData,
        si: &SignerInfo,
        covered: &Covered<'_>,
        counter: bool,
    ) -> SignerReport {
        let sid = sid_key(sd, &si.sid);
        let digest_der = sd.bytes(&si.digest_algorithm);
        let sig_der = sd.bytes(&si.signature_algorithm);
        let digest = digest_algorithm(digest_der);
        let sig_alg = cms_signature_algorithm(sig_der, digest.as_ref().ok().copied());
        let mut r = SignerReport {
            status: Status::Valid,
            signer: describe_sid(sd, &si.sid),
            subject: None,
            certificate_sha256: None,
            signer_certificate: None,
            digest_algorithm: match &digest {
                Ok(h) => h.name().to_owned(),
                Err(_) => algorithm_name(digest_der),
            },
            signature_algorithm: match &sig_alg {
                Ok(a) => a.to_string(),
                Err(_) => algorithm_name(sig_der),
            },
            digest: digest.as_ref().ok().copied(),
            signature: sig_alg.as_ref().ok().copied(),
            signing_time: None,
            validation_time: env.options.validation.time,
            validation_time_source: TimeSource::Given,
            signed_attributes: si.signed.iter().map(|a| attribute_name(&a.oid)).collect(),
            signing_certificate_bound: false,
            findings: Vec::new(),
            certificate: None,
            counter_signatures: Vec::new(),
            level: None,
            timestamps: Vec::new(),
            qualified: None,
        };
        env.signers_seen.set(env.signers_seen.get() + 1);
        if env.signers_seen.get() > env.options.max_signers {
            r.add(CmsFinding::TooManySigners {
                limit: env.options.max_signers,
            });
            r.status = Status::Indeterminate;
            return r;
        }
        if let Err(detail) = &digest {
            r.add(CmsFinding::UnsupportedAlgorithm {
                detail: detail.clone(),
            });
        }
        let sig_alg = match sig_alg.and_then(|a| {
            a.check_supported().map_err(|e| e.to_string())?;
            Ok(a)
        }) {
            Ok(a) => {
                let weak_digest = digest.as_ref().is_ok_and(|h| h.is_weak());
                if a.is_weak() || weak_digest {
                    let algorithm = if weak_digest && !a.is_weak() {
                        r.digest_algorithm.clone()
                    } else {
                        a.to_string()
                    };
                    let allowed = a
                        .hash()
                        .is_none_or(|h| env.options.validation.allows_hash(h))
                        && digest
                            .as_ref()
                            .map_or(true, |h| env.options.validation.allows_hash(*h));
                    r.add(if allowed {
                        CmsFinding::WeakAlgorithm { algorithm }
                    } else {
                        CmsFinding::AlgorithmNotAllowed { algorithm }
                    });
                }
                Some(a)
            }
            Err(detail) => {
                r.add(CmsFinding::UnsupportedAlgorithm { detail });
                None
            }
        };

        // The bytes the signature covers when there are signed attributes.
        let signed_bytes: Option<Vec<u8>> = si.signed_attrs.as_ref().map(|range| {
            let mut bytes = sd.bytes(range).to_vec();
            bytes[0] = SET;
            bytes
        });
        if signed_bytes.is_some() {
            self.check_signed_attributes(env, sd, si, covered, counter, &mut r);
        } else if !counter && env.content_type != oid::ID_DATA {
            // RFC 5652 §5.3: signedAttrs MUST be present for content other than id-data.
            r.add(CmsFinding::MissingAttribute {
                attribute: "content-type (signed attributes are required for content other \
                            than id-data)"
                    .into(),
            });
        }

        let mut candidates: Vec<&Certificate> = Vec::new();
        for c in env.pool.iter().copied().filter(|c| sid.matches(c)) {
            if candidates.len() < MAX_SIGNER_CANDIDATES
                && !candidates.iter().any(|x| x.der() == c.der())
            {
                candidates.push(c);
            }
        }
        let signature = sd.bytes(&si.signature);
        let mut chosen: Option<&Certificate> = None;
        // Whether the signature was checked and did not verify (with any candidate).
        let mut refuted = false;
        if let Some(alg) = &sig_alg {
            let mut first_failure = None;
            for cand in &candidates {
                let spki = effective_spki(cand, &env.pool);
                match self.check_signature(alg, &spki, signature, signed_bytes.as_deref(), covered)
                {
                    Ok(reencoded) => {
                        if reencoded {
                            r.add(CmsFinding::SignedAttributesNotDer);
                        }
                        chosen = Some(cand);
                        first_failure = None;
                        break;
                    }
                    Err(f) => {
                        first_failure.get_or_insert(f);
                    }
                }
            }
            if let Some(f) = first_failure {
                refuted = matches!(
                    f,
                    CmsFinding::BadSignature | CmsFinding::UnusableSignerKey { .. }
                );
                r.add(f);
            }
        }
        let cert = chosen.or_else(|| candidates.first().copied());
        let mut stamped = false;
        let mut long_term_level = None;
        let mut archived = false;
        match cert {
            None => r.add(CmsFinding::SignerCertificateNotFound {
                signer: r.signer.clone(),
            }),
            Some(cert) => {
                r.subject = Some(cert.subject().to_string());
                r.certificate_sha256 = Some(hex(&cert.fingerprint_sha256()));
                r.signer_certificate = Some(cert.clone());
                self.check_signing_certificate(sd, si, cert, &mut r);
                let mut opts = env.options.validation.clone();
                let cades_checks = !counter && !refuted && env.options.signature_timestamps;
                // CAdES certificate-values and revocation-values: untrusted material for this
                // signer's paths (its TSAs' included) and revocation.
                let values = if cades_checks {
                    long_term::signer_values(sd, si, &mut r)
                } else {
                    long_term::SignerValues::default()
                };
                let extended = (!values.is_empty()).then(|| self.layered(None, Some(&values)));
                let verifier = extended.as_ref().unwrap_or(self);
                // A time-stamped signature existed by the stamp's time: validated there, as
                // a trusted time (a forged signature's stamps are not worth checking).
                let proven = cades_checks
                    .then(|| {
                        cades::signature_timestamps(verifier, self.provider, &opts, sd, si, &mut r)
                    })
                    .flatten();
                stamped = proven.is_some();
                if let Some(t) = proven
                    && t <= opts.time
                {
                    opts.time = t;
                    opts.time_assurance = TimeAssurance::Trusted;
                    r.validation_time = t;
                    r.validation_time_source = TimeSource::SignatureTimestamp;
                } else if env.options.time == ValidationTime::ClaimedSigningTime
                    && let Some(t) = r.signing_time
                    && t <= opts.time
                {
                    opts.time = t;
                    // Nothing vouches for the signer's own date (see TimeAssurance).
                    opts.time_assurance = TimeAssurance::Claimed;
                    r.validation_time = t;
                    r.validation_time_source = TimeSource::ClaimedSigningTime;
                }
                // A signature that does not verify says nothing about its certificate: its
                // path is not validated (a forged path must not cost a validation).
                if !refuted {
                    let report = match &extended {
                        None => self.validate_path(env, cert, &opts),
                        Some(v) => {
                            let validator = v.signer_validator(env);
                            match v.cache {
                                Some(cache) => cache.validate(&validator, cert, &opts),
                                None => validator.validate(cert, &opts),
                            }
                        }
                    };
                    match report.status {
                        Status::Valid => {}
                        Status::Invalid => r.add(CmsFinding::CertificateInvalid {
                            report: Box::new(report.clone()),
                        }),
                        Status::Indeterminate => r.add(CmsFinding::CertificateIndeterminate {
                            report: Box::new(report.clone()),
                        }),
                    }
                    r.certificate = Some(report);
                }
                if cades_checks {
                    let available = long_term::Available {
                        certificates: self
                            .certificates
                            .iter()
                            .chain(&values.certificates)
                            .chain(env.embedded)
                            .chain(self.trust.anchors())
                            .collect(),
                        crls: self
                            .crls
                            .iter()
                            .chain(&values.crls)
                            .chain(env.message_crls)
                            .collect(),
                        ocsp: self.ocsp.iter().chain(&values.ocsp).collect(),
                    };
                    let path = r.certificate.clone();
                    let input = long_term::LongTermInput {
                        values: &values,
                        available: &available,
                        stamped,
                        path: path.as_ref(),
                        policy: &env.options.validation,
                    };
                    long_term_level =
                        long_term::check(verifier, self.provider, sd, si, &input, &mut r);
                    let content_hash =
                        |h: HashAlgorithm| covered.digest(h).map(|d| d.as_ref().to_vec());
                    archived = cades::archive::check(
                        verifier,
                        self.provider,
                        &env.options.validation,
                        sd,
                        si,
                        &content_hash,
                        &mut r,
                    );
                }
            }
        }

        if !counter {
            r.level = cades::level(si, &mut r, stamped, long_term_level, archived);
        }
        for cs in &si.counter_signers {
            let mut needs = Needs::default();
            needs.add(sd, cs);
            let target = Covered::from_bytes(self.provider, signature, &needs);
            r.counter_signatures
                .push(self.verify_signer(env, sd, cs, &target, true));
        }
        r.status = r
            .findings
            .iter()
            .filter_map(|f| f.finding.status())
            .max()
            .unwrap_or(Status::Valid);
        r
    }

    /// Validates `cert`'s path with `opts`, once per message for each (certificate, time,
    /// assurance), through the chain cache when there is one.
    fn validate_path(
        &self,
        env: &Env<'_>,
        cert: &Certificate,
        opts: &ValidationOptions,
    ) -> ValidationReport {
        let key = (cert.fingerprint_sha256(), opts.time, opts.time_assurance);
        if let Some(report) = env.validations.borrow().get(&key) {
            return report.clone();
        }
        let report = match self.cache {
            Some(cache) => cache.validate(&env.validator, cert, opts),
            None => env.validator.validate(cert, opts),
        };
        env.validations.borrow_mut().insert(key, report.clone());
        report
    }

    /// Checks the signature; `Ok(true)` when it verified only over the DER re-encoding of the
    /// signed attributes.
    fn check_signature(
        &self,
        alg: &SignatureAlgorithm,
        spki: &[u8],
        signature: &[u8],
        signed_attrs: Option<&[u8]>,
        covered: &Covered<'_>,
    ) -> Result<bool, CmsFinding> {
        let p = self.provider;
        match signed_attrs {
            Some(bytes) => match p.verify(alg, spki, bytes, signature) {
                Ok(()) => Ok(false),
                Err(CryptoError::BadSignature) => match super::ber::canonical(bytes, MAX_NESTING) {
                    Ok(der) if der != bytes && p.verify(alg, spki, &der, signature).is_ok() => {
                        Ok(true)
                    }
                    _ => Err(CmsFinding::BadSignature),
                },
                Err(e) => Err(crypto_finding(e)),
            },
            None => match alg.hash() {
                Some(h) => {
                    let digest =
                        covered
                            .digest(h)
                            .ok_or_else(|| CmsFinding::UnsupportedAlgorithm {
                                detail: format!("the provider cannot compute {h}"),
                            })?;
                    p.verify_prehashed(alg, spki, digest.as_ref(), signature)
                        .map(|()| false)
                        .map_err(crypto_finding)
                }
                None => match &covered.bytes {
                    Some(content) => p
                        .verify(alg, spki, content, signature)
                        .map(|()| false)
                        .map_err(crypto_finding),
                    None => Err(CmsFinding::ContentNotBuffered {
                        limit: covered.buffer_limit.unwrap_or(0),
                    }),
                },
            },
        }
    }

    /// RFC 5652 §11.1–11.3 on the signed attributes; records the claimed signing time.
    fn check_signed_attributes(
        &self,
        env: &Env<'_>,
        sd: &SignedData,
        si: &SignerInfo,
        covered: &Covered<'_>,
        counter: bool,
        r: &mut SignerReport,
    ) {
        for once in [
            oid::CONTENT_TYPE,
            oid::MESSAGE_DIGEST,
            oid::SIGNING_TIME,
            oid::SIGNING_CERTIFICATE,
            oid::SIGNING_CERTIFICATE_V2,
        ] {
            if si.signed_attr(once).count() > 1 {
                r.add(CmsFinding::DuplicateAttribute {
                    attribute: attribute_name(&once),
                });
            }
        }
        if si.signed_attr(oid::COUNTER_SIGNATURE).next().is_some() {
            r.add(CmsFinding::ForbiddenAttribute {
                attribute: "countersignature".into(),
                reason: "it must be an unsigned attribute (RFC 5652 §11.4)".into(),
            });
        }

        let content_type = si.signed_attr(oid::CONTENT_TYPE).next();
        match (content_type, counter) {
            (Some(_), true) => r.add(CmsFinding::ForbiddenAttribute {
                attribute: "content-type".into(),
                reason: "a counter-signature has no content type (RFC 5652 §11.1)".into(),
            }),
            (None, true) => {}
            (None, false) => r.add(CmsFinding::MissingAttribute {
                attribute: "content-type".into(),
            }),
            (Some(a), false) => match single_value(sd, a, "content-type")
                .and_then(|v| tlv::oid(&v, "content-type").map_err(|e| e.to_string()))
            {
                Ok(found) if found == env.content_type => {}
                Ok(found) => r.add(CmsFinding::ContentTypeMismatch {
                    expected: oid_name(&env.content_type),
                    found: oid_name(&found),
                }),
                Err(reason) => r.add(CmsFinding::MalformedAttribute {
                    attribute: "content-type".into(),
                    reason,
                }),
            },
        }

        match si.signed_attr(oid::MESSAGE_DIGEST).next() {
            None => r.add(CmsFinding::MissingAttribute {
                attribute: "message-digest".into(),
            }),
            Some(a) => match single_value(sd, a, "message-digest") {
                Ok(v) if v.tag == OCTET_STRING => {
                    if let Some(h) = r.digest {
                        match covered.digest(h) {
                            Some(d) if d.as_ref() == v.value => {}
                            Some(_) => r.add(CmsFinding::DigestMismatch {
                                algorithm: h.name().into(),
                            }),
                            None => r.add(CmsFinding::UnsupportedAlgorithm {
                                detail: format!("the provider cannot compute {h}"),
                            }),
                        }
                    }
                }
                Ok(_) => r.add(CmsFinding::MalformedAttribute {
                    attribute: "message-digest".into(),
                    reason: "not an OCTET STRING".into(),
                }),
                Err(reason) => r.add(CmsFinding::MalformedAttribute {
                    attribute: "message-digest".into(),
                    reason,
                }),
            },
        }

        if let Some(a) = si.signed_attr(oid::SIGNING_TIME).next() {
            match single_value(sd, a, "signing-time").and_then(|v| tlv::time(&v)) {
                Ok(t) => r.signing_time = Some(t),
                Err(reason) => r.add(CmsFinding::MalformedAttribute {
                    attribute: "signing-time".into(),
                    reason,
                }),
            }
        }
    }

    /// ESS signing-certificate (SHA-1 ESSCertID) and signing-certificate-v2 (ESSCertIDv2): the
    /// first certificate identifier must be the signer's (RFC 5035 §3, RFC 2634 §5.4).
    fn check_signing_certificate(
        &self,
        sd: &SignedData,
        si: &SignerInfo,
        cert: &Certificate,
        r: &mut SignerReport,
    ) {
        let mut bound = false;
        let mut ok = true;
        for (attr_oid, v2) in [
            (oid::SIGNING_CERTIFICATE_V2, true),
            (oid::SIGNING_CERTIFICATE, false),
        ] {
            let Some(attr) = si.signed_attr(attr_oid).next() else {
                continue;
            };
            let name = attribute_name(&attr_oid);
            match self.ess_matches(sd, attr, v2, cert) {
                Ok(true) => bound = true,
                Ok(false) => {
                    ok = false;
                    r.add(CmsFinding::SigningCertificateMismatch { attribute: name });
                }
                Err(EssError::Unsupported(detail)) => {
                    ok = false;
                    r.add(CmsFinding::UnsupportedAlgorithm { detail });
                }
                Err(EssError::Malformed(reason)) => {
                    ok = false;
                    r.add(CmsFinding::MalformedAttribute {
                        attribute: name,
                        reason,
                    });
                }
            }
        }
        r.signing_certificate_bound = bound && ok;
    }

    fn ess_matches(
        &self,
        sd: &SignedData,
        attr: &Attribute,
        v2: bool,
        cert: &Certificate,
    ) -> Result<bool, EssError> {
        let bad = |s: &str| EssError::Malformed(s.to_owned());
        let value = single_value(sd, attr, "signing certificate").map_err(EssError::Malformed)?;
        if value.tag != SEQUENCE {
            return Err(bad("not a SEQUENCE"));
        }
        let mut r = Reader::new(value.value);
        let certs = r
            .expect(SEQUENCE, "certs")
            .map_err(|e| bad(&e.to_string()))?;
        let mut ids = Reader::new(certs.value);
        let id = ids
            .expect(SEQUENCE, "ESSCertID")
            .map_err(|e| bad(&e.to_string()))?;
        let mut f = Reader::new(id.value);
        let hash = if v2 && f.peek_tag() == Some(SEQUENCE) {
            let ai = f.any("hashAlgorithm").map_err(|e| bad(&e.to_string()))?;
            digest_algorithm(ai.raw).map_err(EssError::Unsupported)?
        } else if v2 {
            HashAlgorithm::Sha256
        } else {
            HashAlgorithm::Sha1
        };
        let cert_hash = f
            .expect(OCTET_STRING, "certHash")
            .map_err(|e| bad(&e.to_string()))?;
        let digest = self
            .provider
            .digest(hash, cert.der())
            .map_err(|e| EssError::Unsupported(e.to_string()))?;
        if digest.as_ref() != cert_hash.value {
            return Ok(false);
        }
        // IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber CertificateSerialNumber }
        if let Some(is) = f
            .optional(SEQUENCE, "issuerSerial")
            .map_err(|e| bad(&e.to_string()))?
        {
            let mut isr = Reader::new(is.value);
            let names = isr
                .expect(SEQUENCE, "issuer")
                .map_err(|e| bad(&e.to_string()))?;
            let serial = isr
                .expect(tlv::INTEGER, "serialNumber")
                .map_err(|e| bad(&e.to_string()))?;
            if uint_digits(serial.value) != uint_digits(cert.serial()) {
                return Ok(false);
            }
            let names =
                tlv::elements(&names, "general names", 16).map_err(|e| bad(&e.to_string()))?;
            let issuer_named = names.iter().any(|n| {
                n.tag == tlv::cons(4)
                    && DistinguishedName::from_der(n.value).is_ok_and(|dn| dn == *cert.issuer())
            });
            if !issuer_named {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

enum EssError {
    Unsupported(String),
    Malformed(String),
}

fn crypto_finding(e: CryptoError) -> CmsFinding {
    match e {
        CryptoError::BadSignature | CryptoError::Malformed(_) => CmsFinding::BadSignature,
        CryptoError::UnsupportedAlgorithm(detail) => CmsFinding::UnsupportedAlgorithm { detail },
        other => CmsFinding::UnusableSignerKey {
            detail: other.to_string(),
        },
    }
}

pub(super) fn single_value<'s>(
    sd: &'s SignedData,
    attr: &Attribute,
    name: &str,
) -> Result<tlv::Tlv<'s>, String> {
    if attr.values.len() != 1 {
        return Err(format!(
            "{name} must have exactly one value, it has {}",
            attr.values.len()
        ));
    }
    tlv::read_tlv(sd.bytes(&attr.values[0]))
        .map(|(v, _)| v)
        .map_err(|e| e.to_string())
}

pub(super) fn sid_key(sd: &SignedData, sid: &Sid) -> SidKey {
    match sid {
        Sid::IssuerSerial { issuer, serial } => SidKey::IssuerSerial(
            DistinguishedName::from_der(sd.bytes(issuer)).ok(),
            uint_digits(sd.bytes(serial)).to_vec(),
        ),
        Sid::KeyId(id) => SidKey::KeyId(sd.bytes(id).to_vec()),
    }
}

fn describe_sid(sd: &SignedData, sid: &Sid) -> String {
    match sid {
        Sid::IssuerSerial { issuer, serial } => {
            let issuer = DistinguishedName::from_der(sd.bytes(issuer))
                .map_or_else(|_| hex(sd.bytes(issuer)), |dn| dn.to_string());
            format!(
                "issuer \"{issuer}\", serial {}",
                hex(uint_digits(sd.bytes(serial)))
            )
        }
        Sid::KeyId(id) => format!("subjectKeyIdentifier {}", hex(sd.bytes(id))),
    }
}

/// The signer's SubjectPublicKeyInfo, with DSA domain parameters inherited from the issuer
/// when the certificate omits them (RFC 3279 §2.3.2).
pub(super) fn effective_spki<'c>(cert: &'c Certificate, pool: &[&Certificate]) -> Cow<'c, [u8]> {
    let mut current = cert;
    for _ in 0..4 {
        let Some(issuer) = pool
            .iter()
            .find(|c| c.subject() == current.issuer() && c.der() != current.der())
        else {
            break;
        };
        if let Some(spki) =
            crate::crypto::inherit_dsa_parameters(cert.spki_der(), issuer.spki_der())
        {
            return Cow::Owned(spki);
        }
        current = issuer;
    }
    Cow::Borrowed(cert.spki_der())
}

pub(super) fn digest_algorithm(der: &[u8]) -> Result<HashAlgorithm, String> {
    let ai = AlgorithmIdentifierRef::from_der(der)
        .map_err(|_| "the digest AlgorithmIdentifier is not valid DER".to_owned())?;
    HashAlgorithm::from_algorithm_identifier(&ai).map_err(|e| e.to_string())
}

/// A SignerInfo's signature algorithm. Besides the X.509 identifiers, CMS signers write the bare
/// key algorithm with the digest in digestAlgorithm: `rsaEncryption` (RFC 3370 §3.2), `id-dsa`,
/// `id-ecPublicKey` and the GOST R 34.10-2012 key identifiers.
pub(super) fn cms_signature_algorithm(
    der: &[u8],
    digest: Option<HashAlgorithm>,
) -> Result<SignatureAlgorithm, String> {
    let ai = AlgorithmIdentifierRef::from_der(der)
        .map_err(|_| "the signature AlgorithmIdentifier is not valid DER".to_owned())?;
    let needs_digest = || format!("{} names no digest", oid_name(&ai.oid));
    match ai.oid {
        crypto_oid::DSA => digest.map(SignatureAlgorithm::Dsa).ok_or_else(needs_digest),
        // CryptoPro and the OpenSSL GOST engine name the key algorithm (RFC 4490 §3.2).
        crypto_oid::GOST2012_256 => Ok(SignatureAlgorithm::Gost2012_256),
        crypto_oid::GOST2012_512 => Ok(SignatureAlgorithm::Gost2012_512),
        crypto_oid::EC_PUBLIC_KEY => digest
            .map(|hash| SignatureAlgorithm::Ecdsa {
                hash,
                encoding: EcdsaEncoding::Der,
            })
            .ok_or_else(needs_digest),
        _ => SignatureAlgorithm::from_algorithm_identifier(&ai, digest).map_err(|e| e.to_string()),
    }
}

fn algorithm_name(der: &[u8]) -> String {
    AlgorithmIdentifierRef::from_der(der)
        .map(|ai| oid_name(&ai.oid))
        .unwrap_or_else(|_| "(malformed AlgorithmIdentifier)".into())
}

fn attribute_name(o: &ObjectIdentifier) -> String {
    match *o {
        oid::CONTENT_TYPE => "content-type".into(),
        oid::MESSAGE_DIGEST => "message-digest".into(),
        oid::SIGNING_TIME => "signing-time".into(),
        oid::COUNTER_SIGNATURE => "countersignature".into(),
        oid::SMIME_CAPABILITIES => "smime-capabilities".into(),
        oid::SIGNING_CERTIFICATE => "signing-certificate".into(),
        oid::SIGNING_CERTIFICATE_V2 => "signing-certificate-v2".into(),
        other => oid_name(&other),
    }
}
