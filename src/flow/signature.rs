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
//! revocation at the transition time, [`crate::cms::Verifier`]), one of its signers'
//! certificates carries the acting organisation's INN and OGRN
//! ([`crate::pki::russian::RussianAttributes::check_organisation`]) *and* that certificate is
//! the acting member's ([`bind_member`]). Every other step is proven by the member's signature
//! over a [`super::notice::Notice`], checked the same way without the organisation binding
//! (a registration instead needs the director's certificate to carry the organisation's INN
//! and OGRN).

use crate::SigningIdentity;
use crate::cms::{SignOptions, SignedData, Verifier, VerifyOptions};
use crate::pki::russian::RussianAttributes;
use crate::pki::{Certificate, Status, TrustContext, UnixTime};
use crate::requisites::{Inn, Ogrn};

use super::machine::DocumentState;
use super::model::{Member, MemberIdentity, Organisation, SignerRecord};
use super::notice::{Notice, Proof};

/// How the flow checks signatures on signing steps.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum SignatureCheck {
    /// Verify every signature and its certificate path with the context's material and
    /// policy (revocation required by default: a signer without current revocation
    /// information is indeterminate, and refused), and bind the certificate to the
    /// organisation. What a service must use. The context is shared (an `Arc` inside): the
    /// flow hands it to the blocking pool for each verification without copying it.
    Verify(TrustContext),
    /// Record signatures as given (still parsed, still bound to the organisation by the
    /// certificate's INN/OGRN, but not cryptographically verified), marked `verified: false` in
    /// the journal. For benchmarks and for deployments that verify before the flow sees the
    /// signature.
    TrustCaller,
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

/// A signer of a CMS as the check found it, with its certificate.
#[derive(Clone, Debug)]
pub(super) struct FoundSigner {
    /// What the journal records of it.
    pub record: SignerRecord,
    /// Its certificate (`None` if the CMS and the trust material do not carry it).
    pub certificate: Option<Certificate>,
}

/// Bytes a verification on the blocking pool takes and gives back (so the caller keeps them
/// without a copy).
pub(super) struct Checked {
    /// The signers found, or why the signature does not count.
    pub result: Result<Vec<FoundSigner>, String>,
    /// The signed content, as given.
    pub content: Vec<u8>,
}

impl SignatureCheck {
    /// Verify with `context` ([`SignatureCheck::Verify`]).
    pub fn verify(context: TrustContext) -> Self {
        Self::Verify(context)
    }

    /// [`Self::signers`] off the async executor: under [`SignatureCheck::Verify`] the
    /// verification (CMS signature, certificate path, CRLs: milliseconds of CPU) runs on
    /// tokio's blocking pool when called inside a tokio runtime, so that a flow's async methods
    /// never hold a worker thread for it; outside a runtime, and for
    /// [`SignatureCheck::TrustCaller`] (a parse only), it runs here.
    pub(super) async fn signers_off_executor(
        &self,
        cms: &[u8],
        content: Vec<u8>,
        at: UnixTime,
    ) -> Checked {
        #[cfg(any(feature = "sqlite", feature = "postgres"))]
        if self.verifies() && tokio::runtime::Handle::try_current().is_ok() {
            let check = self.clone();
            let cms = cms.to_vec();
            let joined = tokio::task::spawn_blocking(move || {
                let result = check.signers(&cms, &content, at);
                Checked { result, content }
            })
            .await;
            return joined.unwrap_or_else(|e| Checked {
                result: Err(format!("the verification did not finish: {e}")),
                content: Vec::new(),
            });
        }
        let result = self.signers(cms, &content, at);
        Checked { result, content }
    }

    /// Whether signatures are verified cryptographically (not taken on trust).
    pub fn verifies(&self) -> bool {
        matches!(self, Self::Verify(_))
    }

    /// Checks the detached `cms` over `content` at `at`: under [`SignatureCheck::Verify`] every
    /// signer must verify with a valid certificate path and revocation; under
    /// [`SignatureCheck::TrustCaller`] the CMS is only parsed. Returns its signers.
    pub(super) fn signers(
        &self,
        cms: &[u8],
        content: &[u8],
        at: UnixTime,
    ) -> Result<Vec<FoundSigner>, String> {
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
            Self::Verify(context) => {
                let options = VerifyOptions::with_validation(context.validation_at(at));
                let report = Verifier::from_context(context)
                    .verify_detached_bytes(&sd, content, &options)
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
        let pool: Vec<&Certificate> = match self {
            Self::Verify(context) => embedded.iter().chain(context.intermediates()).collect(),
            Self::TrustCaller => embedded.iter().collect(),
        };
        Ok(signers
            .into_iter()
            .map(|(fp, subject, algorithm)| FoundSigner {
                certificate: pool
                    .iter()
                    .find(|c| hex::encode(c.fingerprint_sha256()) == fp)
                    .map(|c| (*c).clone()),
                record: SignerRecord {
                    subject,
                    certificate_sha256: fp,
                    algorithm,
                    verified: self.verifies(),
                    mchd: None,
                },
            })
            .collect())
    }
}

/// Why a certificate does not prove a member's or an organisation's identity
/// ([`bind_member`], [`bind_organisation`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BindingError {
    /// The member was added without a certificate identity (before steps were signed, or by a
    /// service), so nothing can prove their steps.
    #[error(
        "{user} has no certificate bound (added before steps were signed, or by a service): an \
         administrator must add them again with their certificate"
    )]
    NoIdentity {
        /// The member.
        user: String,
    },
    /// The certificate is another person's (or another certificate than the one bound).
    #[error("{user}'s steps are proven by {bound}, not by {presented}")]
    OtherIdentity {
        /// The member.
        user: String,
        /// The identity bound to the member.
        bound: String,
        /// The identity of the certificate presented.
        presented: String,
    },
    /// The organisation's own INN or OGRN in the store is not a valid requisite.
    #[error("the organisation's requisites are invalid: {0}")]
    OrganisationRequisites(String),
    /// The certificate does not carry the organisation's INN (INNLE) and OGRN.
    #[error("{0}")]
    OtherOrganisation(String),
}

/// Checks that `certificate` proves `member`'s identity: the one place a signer is matched to
/// the member whose step it signs.
///
/// # Errors
/// [`BindingError::NoIdentity`] when no identity is bound, [`BindingError::OtherIdentity`]
/// when the certificate is another person's or another certificate.
pub fn bind_member(member: &Member, certificate: &Certificate) -> Result<(), BindingError> {
    match &member.identity {
        None => Err(BindingError::NoIdentity {
            user: member.user.clone(),
        }),
        Some(identity) if identity.is_proven_by(certificate) => Ok(()),
        Some(identity) => Err(BindingError::OtherIdentity {
            user: member.user.clone(),
            bound: identity.to_string(),
            presented: MemberIdentity::of(certificate).to_string(),
        }),
    }
}

/// Checks that `certificate` carries `organisation`'s INN (INNLE) and OGRN: the binding every
/// signing step (send, accept, sign) and a director's registration need.
///
/// # Errors
/// [`BindingError::OtherOrganisation`] naming the attribute that is missing or differs;
/// [`BindingError::OrganisationRequisites`] when the stored organisation's own requisites are
/// not valid.
pub fn bind_organisation(
    organisation: &Organisation,
    certificate: &Certificate,
) -> Result<(), BindingError> {
    let requisites =
        |e: &dyn std::fmt::Display| BindingError::OrganisationRequisites(e.to_string());
    let inn = Inn::parse(&organisation.inn).map_err(|e| requisites(&e))?;
    let ogrn = Ogrn::parse(&organisation.ogrn).map_err(|e| requisites(&e))?;
    RussianAttributes::from_certificate(certificate)
        .check_organisation(&inn, &ogrn)
        .map_err(|e| BindingError::OtherOrganisation(e.to_string()))
}

/// Who a signature must be from.
#[derive(Clone, Copy, Debug)]
pub(super) struct Expected<'a> {
    /// The acting member (`None`: any signer, e.g. a director registering).
    pub member: Option<&'a Member>,
    /// The organisation whose INN and OGRN the certificate must carry, if any.
    pub organisation: Option<&'a Organisation>,
    /// Fingerprints of signers that do not count (the sender's, in a co-signature).
    pub exclude: &'a [String],
}

/// Picks the signer among `signers` that is what `expected` asks for.
///
/// # Errors
/// A sentence naming each signer and why it does not fit.
pub(super) fn select<'s>(
    signers: &'s [FoundSigner],
    expected: Expected<'_>,
) -> Result<&'s FoundSigner, String> {
    let mut not_organisation = Vec::new();
    let mut not_member = Vec::new();
    let candidates = signers
        .iter()
        .filter(|s| !expected.exclude.contains(&s.record.certificate_sha256));
    for s in candidates {
        let subject = &s.record.subject;
        let Some(cert) = &s.certificate else {
            not_organisation.push(format!(
                "{subject}: the certificate is not in the signature"
            ));
            continue;
        };
        if let Some(org) = expected.organisation
            && let Err(e) = bind_organisation(org, cert)
        {
            not_organisation.push(format!("{subject}: {e}"));
            continue;
        }
        if let Some(member) = expected.member
            && let Err(e) = bind_member(member, cert)
        {
            not_member.push(e.to_string());
            continue;
        }
        return Ok(s);
    }
    match (expected.organisation, expected.member) {
        (_, Some(member)) if !not_member.is_empty() => Err(format!(
            "the signature is not {}'s: {}",
            member.user,
            not_member.join("; ")
        )),
        (Some(org), _) => Err(format!(
            "no signer's certificate is bound to organisation {} (INN {}, OGRN {}){}",
            org.name,
            org.inn,
            org.ogrn,
            if not_organisation.is_empty() {
                String::new()
            } else {
                format!(
                    ": {} (an employee signing with a personal certificate presents the \
                     organisation's МЧД with the step)",
                    not_organisation.join("; ")
                )
            }
        )),
        _ if not_organisation.is_empty() => Err("the CMS names no signer".into()),
        _ => Err(not_organisation.join("; ")),
    }
}

/// The signing side's helper: a [`SigningIdentity`] and a signing time, producing the
/// detached CMS signatures the flow's steps take.
///
/// ```no_run
/// # async fn f(flow: &signflow::flow::Flow<signflow::flow::SqliteStore>, id: &str,
/// #            identity: &signflow::SigningIdentity, at: signflow::pki::UnixTime)
/// #            -> Result<(), Box<dyn std::error::Error>> {
/// use signflow::flow::FlowSigner;
/// let signer = FlowSigner::new(identity, at);
/// let doc = flow.document(id).await?;
/// let content = flow.content(&doc, doc.current().number).await?;
/// let signature = signer.sign(&content)?;
/// flow.send(id, "ivanov", &signature).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct FlowSigner<'a> {
    identity: &'a SigningIdentity,
    at: UnixTime,
}

impl<'a> FlowSigner<'a> {
    /// Signs as `identity`, with `at` as every signature's signing-time attribute.
    pub fn new(identity: &'a SigningIdentity, at: UnixTime) -> Self {
        Self { identity, at }
    }

    /// The identity it signs as.
    pub fn identity(&self) -> &'a SigningIdentity {
        self.identity
    }

    /// The signing time it puts in.
    pub fn at(&self) -> UnixTime {
        self.at
    }

    /// A detached CAdES-BES signature over `content` (for send, and for accept over the
    /// [`receipt`]).
    ///
    /// # Errors
    /// As [`SigningIdentity::sign_cms_detached`].
    pub fn sign(&self, content: &[u8]) -> Result<Vec<u8>, crate::cms::CmsError> {
        Ok(self
            .identity
            .sign_cms_detached(content, &SignOptions::at(self.at))?
            .into_der())
    }

    /// Signs `notice` (detached CMS over [`Notice::to_bytes`]): the proof of a step that
    /// carries no document signature of its own.
    ///
    /// # Errors
    /// As [`SigningIdentity::sign_cms_detached`].
    pub fn prove(&self, notice: &Notice) -> Result<Proof, crate::cms::CmsError> {
        let notice = notice.to_bytes();
        let signature = self.sign(&notice)?;
        Ok(Proof::Signed { notice, signature })
    }

    /// Adds this signer to the detached CMS `existing` over `content` (for sign).
    ///
    /// # Errors
    /// As [`SigningIdentity::cosign_cms`].
    pub fn cosign(&self, existing: &[u8], content: &[u8]) -> Result<Vec<u8>, crate::cms::CmsError> {
        let sd = SignedData::from_ber(existing)?;
        Ok(self
            .identity
            .cosign_cms(&sd, Some(content), &SignOptions::at(self.at))?
            .into_der())
    }
}
