//! Signing steps taken for an organisation under a power of attorney (МЧД, [`crate::mchd`]):
//! since 1 September 2024 an employee signs with a *personal* certificate (ИНН ФЛ, СНИЛС, no
//! organisation INN or OGRN) together with an МЧД signed by the organisation's director.
//!
//! A step under an МЧД passes when, besides the document signature's own checks and the
//! member's binding to the signer certificate:
//! - the МЧД reads ([`PowerOfAttorney::parse`]) and its one principal is the acting
//!   organisation (INN and OGRN);
//! - its detached CMS signature verifies over the file at the step's time, by a certificate
//!   bound to the organisation by INNLE/OGRN ([`mchd::check_principal_signature`]);
//! - the document signer's ИНН ФЛ and СНИЛС are a representative's, the step's time is within
//!   the МЧД's period, every power code the organisation requires for the document's kind is
//!   granted, and the flow's revocation source ([`super::Flow::with_mchd_revocation`]) knows
//!   it as not revoked ([`mchd::authorise_signer`], judged at the step's time,
//!   [`mchd::SigningTimeSource::Recorded`]).
//!
//! Anything else refuses the step, journaled as `signing_refused` with the reason. The МЧД and
//! its signature are stored as blobs with the step and named in its [`MchdRecord`]; the audit
//! checks them again from the store (revocation as the step recorded it: an МЧД revoked later
//! does not undo a step taken before).

use std::sync::Arc;

use crate::cms::{SignedData, Verifier, VerifyOptions};
use crate::mchd::{
    self, AuthorityRequest, DocumentSigner, LegalVerdict, MchdRefusal, MchdRevocation,
    PowerOfAttorney, Principal, RevocationStatus,
};
use crate::pki::{Status, UnixTime};

use super::model::{DocumentKind, MchdRecord, Organisation};
use super::sha256_hex;
use super::signature::{FoundSigner, SignatureCheck};

/// A power of attorney presented with a signing step: the МЧД file (EMCHD_1 XML, exactly as
/// signed) and its detached CMS signature by the principal (its director).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MchdEvidence {
    /// The МЧД file's bytes.
    pub document: Vec<u8>,
    /// Its CMS signature (detached, or attached over exactly these bytes).
    pub signature: Vec<u8>,
}

/// The flow's source of МЧД revocation status.
pub(super) type Revocation = Arc<dyn MchdRevocation + Send + Sync>;

/// What an МЧД check needs, owned, so that it can run on the blocking pool.
pub(super) struct MchdInput {
    /// The МЧД and its signature.
    pub evidence: MchdEvidence,
    /// The acting organisation.
    pub organisation: Organisation,
    /// The document's kind.
    pub kind: DocumentKind,
    /// The power codes the organisation requires for it.
    pub required: Vec<String>,
    /// The document signer selected (signature valid, bound to the member).
    pub signer: FoundSigner,
    /// The step's time.
    pub at: UnixTime,
}

/// Revocation as a step recorded it: the audit re-checks everything else of an МЧД, but its
/// revocation status belonged to the step's time.
pub(super) struct AsRecorded;

impl MchdRevocation for AsRecorded {
    fn status(&self, _number: &str, _time: UnixTime) -> RevocationStatus {
        RevocationStatus::NotRevoked
    }
}

/// Revocation when the flow was given no source: unknown, so every МЧД is refused.
struct NoSource;

impl MchdRevocation for NoSource {
    fn status(&self, _number: &str, _time: UnixTime) -> RevocationStatus {
        RevocationStatus::Unknown
    }
}

/// [`check`] off the async executor: on tokio's blocking pool inside a runtime (a CMS
/// verification and a path validation), here outside one.
pub(super) async fn check_off_executor(
    check: &SignatureCheck,
    input: MchdInput,
    revocation: Option<Revocation>,
) -> Result<MchdRecord, String> {
    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    if check.verifies() && tokio::runtime::Handle::try_current().is_ok() {
        let check = check.clone();
        let joined = tokio::task::spawn_blocking(move || {
            let source: &dyn MchdRevocation = match &revocation {
                Some(r) => r.as_ref(),
                None => &NoSource,
            };
            self::check(&check, &input, source)
        })
        .await;
        return joined.unwrap_or_else(|e| Err(format!("the МЧД check did not finish: {e}")));
    }
    let source: &dyn MchdRevocation = match &revocation {
        Some(r) => r.as_ref(),
        None => &NoSource,
    };
    self::check(check, &input, source)
}

/// Checks that `input.signer` signs for `input.organisation` under the МЧД (see the module
/// documentation), and returns what the journal records of it.
///
/// # Errors
/// A sentence saying why the МЧД does not authorise the step.
pub(super) fn check(
    check: &SignatureCheck,
    input: &MchdInput,
    revocation: &dyn MchdRevocation,
) -> Result<MchdRecord, String> {
    let MchdInput {
        evidence,
        organisation: org,
        kind,
        required,
        signer,
        at,
    } = input;
    let SignatureCheck::Verify(context) = check else {
        return Err(
            "an МЧД is accepted only by a flow that verifies signatures (SignatureCheck::Verify)"
                .into(),
        );
    };
    let poa = PowerOfAttorney::parse(&evidence.document)
        .map_err(|e| format!("the МЧД cannot be read: {e}"))?;
    let is_org = |p: &Principal| match p {
        Principal::Organisation { organisation, .. } => {
            organisation.inn.as_deref() == Some(org.inn.as_str())
                && organisation.ogrn.as_deref() == Some(org.ogrn.as_str())
        }
        _ => false,
    };
    if poa.principals.len() != 1 || !poa.principals.iter().all(is_org) {
        let named: Vec<String> = poa.principals.iter().map(Principal::describe).collect();
        return Err(format!(
            "the МЧД {} is issued by {}, not by the acting organisation {} (INN {}, OGRN {})",
            poa.number,
            named.join(", "),
            org.name,
            org.inn,
            org.ogrn
        ));
    }
    let sd = SignedData::from_ber(&evidence.signature)
        .map_err(|e| format!("the МЧД's signature is not a CMS signature: {e}"))?;
    let options = VerifyOptions::with_validation(context.validation_at(*at));
    let verifier = Verifier::from_context(context);
    let report = if sd.is_detached() {
        Some(verifier.verify_detached_bytes(&sd, &evidence.document, &options))
    } else if sd.content() == Some(&evidence.document[..]) {
        Some(verifier.verify(&sd, None, &options))
    } else {
        None
    };
    let principal = match report {
        Some(Ok(report)) => mchd::check_principal_signature(&poa, &report),
        Some(Err(e)) => {
            return Err(format!("the МЧД's signature cannot be verified: {e}"));
        }
        // An attached signature over other bytes than the МЧД: not its signature.
        None => Err(MchdRefusal::Tampered),
    };
    let document_signer = DocumentSigner::recorded(
        Status::Valid,
        signer.certificate.as_ref(),
        signer.record.subject.clone(),
        *at,
    );
    let requests: Vec<AuthorityRequest> = if required.is_empty() {
        vec![AuthorityRequest::new()]
    } else {
        required
            .iter()
            .map(|c| AuthorityRequest::new().with_power(c.clone()))
            .collect()
    };
    let mut last: Option<LegalVerdict> = None;
    for request in &requests {
        let verdict =
            mchd::authorise_signer(&poa, &principal, &document_signer, request, revocation);
        if verdict.status != Status::Valid {
            return Err(verdict.sentence);
        }
        last = Some(verdict);
    }
    let verdict = last.ok_or_else(|| "no МЧД verdict".to_owned())?;
    let sentence = if required.is_empty() {
        format!(
            "{}; the organisation requires no power for {} documents: any valid МЧД of it naming \
             the signer is accepted",
            verdict.sentence,
            kind.as_str()
        )
    } else {
        format!(
            "{}; the organisation requires for {} documents: {}",
            verdict.sentence,
            kind.as_str(),
            required.join(", ")
        )
    };
    Ok(MchdRecord {
        number: poa.number.clone(),
        document: sha256_hex(&evidence.document),
        signature: sha256_hex(&evidence.signature),
        principal: verdict.principal.clone(),
        representative: verdict.signer.clone(),
        principal_signer: verdict
            .principal_signer
            .as_ref()
            .map(|p| p.subject.clone())
            .unwrap_or_default(),
        valid_from: verdict.valid_from.to_string(),
        valid_until: verdict.valid_until.to_string(),
        required_powers: required.clone(),
        verdict: sentence,
    })
}
