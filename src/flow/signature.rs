//! Signatures in the flow: what each signing step signs, how the flow checks it, and helpers
//! for the signing side.
//!
//! | step   | the actor signs (detached CMS)                      | checked against            |
//! |--------|-----------------------------------------------------|----------------------------|
//! | send   | the current version's content                       | the sender organisation    |
//! | accept | the receipt text [`receipt`] (document id, version, hashes) | the recipient      |
//! | sign   | a co-signature: the sender's CMS plus the recipient's SignerInfo | both, in one CMS |
//!
//! A signature passes when the CMS verifies (every signer valid, certificates validated with
//! revocation at the transition time, [`crate::cms::Verifier`]) *and* one of its signers'
//! certificates carries the acting organisation's INN and OGRN
//! ([`crate::pki::russian::RussianAttributes::check_organisation`]).

use crate::cms::{Content, SignOptions, SignedData, Signer, Verifier, VerifyOptions};
use crate::crypto::{CryptoProvider, SigningKey};
use crate::pki::russian::RussianAttributes;
use crate::pki::{Certificate, Crl, Status, TrustStore, UnixTime};
use crate::requisites::{Inn, Ogrn};

use super::machine::DocumentState;
use super::model::{Organisation, SignerRecord};

/// How the flow checks signatures on signing steps.
#[derive(Debug)]
#[non_exhaustive]
pub enum SignatureCheck {
    /// Verify every signature and its certificate path, and bind the certificate to the
    /// organisation. What a service must use.
    Verify(Box<TrustMaterial>),
    /// Record signatures as given (still parsed, still bound to the organisation by the
    /// certificate's INN/OGRN, but not cryptographically verified), marked `verified: false` in
    /// the journal. For benchmarks and for deployments that verify before the flow sees the
    /// signature.
    TrustCaller,
}

/// What signatures are verified with.
#[derive(Debug)]
pub struct TrustMaterial {
    /// The crypto backend.
    pub provider: &'static CryptoProvider,
    /// Trust anchors.
    pub trust: TrustStore,
    /// Untrusted intermediates.
    pub certificates: Vec<Certificate>,
    /// CRLs (revocation is required: a signer without current revocation information is
    /// indeterminate, and refused).
    pub crls: Vec<Crl>,
}

/// The receipt a recipient signs to accept a version: a short UTF-8 text naming the document,
/// the version and its hashes, so that the signed receipt stands on its own.
pub fn receipt(state: &DocumentState) -> Vec<u8> {
    let v = state.current();
    format!(
        "signflow receipt v1\ndocument: {}\nversion: {}\nsha256: {}\nstreebog256: {}\nsender: {}\nrecipient: {}\n",
        state.id, v.number, v.sha256, v.streebog256, state.sender, state.recipient
    )
    .into_bytes()
}

/// A checked signer.
pub(super) struct Checked {
    pub record: SignerRecord,
    /// SHA-256 fingerprints of every signer certificate in the CMS.
    pub signers: Vec<String>,
}

impl SignatureCheck {
    /// Checks `cms` (detached) over `content` at `at`: it must verify and one signer must be
    /// bound to `organisation`, other than the signers in `exclude`. Returns that signer.
    pub(super) fn check(
        &self,
        cms: &[u8],
        content: &[u8],
        at: UnixTime,
        organisation: &Organisation,
        exclude: &[String],
    ) -> Result<Checked, String> {
        let sd = SignedData::from_ber(cms).map_err(|e| format!("not a CMS signature: {e}"))?;
        if !sd.is_detached() {
            return Err("the CMS signature must be detached (the content is in the store)".into());
        }
        let embedded: Vec<Certificate> = sd
            .certificates_der()
            .filter_map(|d| Certificate::from_der(d).ok())
            .collect();
        // (certificate fingerprint, subject, algorithm) of each signer.
        let signers: Vec<(String, String, String)> = match self {
            Self::Verify(tm) => {
                let verifier = Verifier::new(
                    tm.provider,
                    &tm.trust,
                    tm.certificates.clone(),
                    tm.crls.clone(),
                );
                let report = verifier
                    .verify_detached_bytes(&sd, content, &VerifyOptions::at(at))
                    .map_err(|e| format!("the CMS signature cannot be verified: {e}"))?;
                if report.status != Status::Valid {
                    let mut reasons: Vec<String> =
                        report.findings.iter().map(|f| f.message.clone()).collect();
                    for s in &report.signers {
                        reasons.extend(s.findings.iter().map(|f| f.message.clone()));
                        if let Some(c) = &s.certificate {
                            reasons.extend(c.findings().map(|(_, f)| f.sentence()));
                        }
                    }
                    reasons.dedup();
                    return Err(format!(
                        "the signature is {}: {}",
                        report.status,
                        reasons.join("; ")
                    ));
                }
                report
                    .signers
                    .iter()
                    .map(|s| {
                        (
                            s.certificate_sha256.clone().unwrap_or_default(),
                            s.subject.clone().unwrap_or_default(),
                            s.signature_algorithm.clone(),
                        )
                    })
                    .collect()
            }
            Self::TrustCaller => embedded
                .iter()
                .map(|c| {
                    (
                        hex::encode(c.fingerprint_sha256()),
                        c.subject().to_string(),
                        c.signature_algorithm()
                            .map(|a| format!("{a:?}"))
                            .unwrap_or_default(),
                    )
                })
                .collect(),
        };
        let inn = Inn::parse(&organisation.inn).map_err(|e| e.to_string())?;
        let ogrn = Ogrn::parse(&organisation.ogrn).map_err(|e| e.to_string())?;
        let pool: Vec<&Certificate> = match self {
            Self::Verify(tm) => embedded.iter().chain(tm.certificates.iter()).collect(),
            Self::TrustCaller => embedded.iter().collect(),
        };
        let mut mismatches = Vec::new();
        for (fp, subject, algorithm) in &signers {
            if exclude.contains(fp) {
                continue;
            }
            let Some(cert) = pool
                .iter()
                .find(|c| hex::encode(c.fingerprint_sha256()) == *fp)
            else {
                continue;
            };
            match RussianAttributes::from_certificate(cert).check_organisation(&inn, &ogrn) {
                Ok(()) => {
                    return Ok(Checked {
                        record: SignerRecord {
                            subject: subject.clone(),
                            certificate_sha256: fp.clone(),
                            algorithm: algorithm.clone(),
                            verified: matches!(self, Self::Verify(_)),
                        },
                        signers: signers.iter().map(|s| s.0.clone()).collect(),
                    });
                }
                Err(e) => mismatches.push(format!("{subject}: {e}")),
            }
        }
        Err(format!(
            "no signer's certificate is bound to organisation {} (INN {}, OGRN {}){}",
            organisation.name,
            organisation.inn,
            organisation.ogrn,
            if mismatches.is_empty() {
                String::new()
            } else {
                format!(": {}", mismatches.join("; "))
            }
        ))
    }
}

/// The signing side's helper: a key, its certificate and chain, producing the detached CMS
/// signatures the flow's steps take.
///
/// ```no_run
/// # async fn f(flow: &signflow::flow::Flow<signflow::flow::SqliteStore>, id: &str,
/// #            signer: &signflow::flow::FlowSigner<'_>) -> Result<(), Box<dyn std::error::Error>> {
/// let doc = flow.document(id).await?;
/// let content = flow.content(&doc, doc.current().number).await?;
/// let signature = signer.sign(&content)?;
/// flow.send(id, "ivanov", &signature).await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct FlowSigner<'a> {
    /// The crypto backend.
    pub provider: &'a CryptoProvider,
    /// The private key.
    pub key: &'a dyn SigningKey,
    /// Its certificate.
    pub certificate: &'a Certificate,
    /// The chain above it (issuer first).
    pub chain: &'a [Certificate],
    /// The signing-time attribute to put in.
    pub at: UnixTime,
}

impl FlowSigner<'_> {
    fn signer(&self) -> Signer<'_> {
        Signer::new(
            self.provider,
            self.certificate,
            self.chain,
            SignOptions::at(self.at),
        )
    }

    /// A detached CAdES-BES signature over `content` (for send, and for accept over the
    /// [`receipt`]).
    ///
    /// # Errors
    /// As [`Signer::sign`].
    pub fn sign(&self, content: &[u8]) -> Result<Vec<u8>, crate::cms::CmsError> {
        let mut reader = content;
        Ok(self
            .signer()
            .sign(self.key, Content::Detached(&mut reader))?
            .into_der())
    }

    /// Adds this signer to the detached CMS `existing` over `content` (for sign).
    ///
    /// # Errors
    /// As [`Signer::cosign`].
    pub fn cosign(&self, existing: &[u8], content: &[u8]) -> Result<Vec<u8>, crate::cms::CmsError> {
        let sd = SignedData::from_ber(existing)?;
        let mut reader = content;
        Ok(self
            .signer()
            .cosign(self.key, &sd, Some(&mut reader))?
            .into_der())
    }
}
