//! Revocation per RFC 5280 §6.3: which CRLs cover a certificate, whether they are usable
//! (fresh, understood, signed by a valid CRL signer), and what they say; and OCSP responses
//! (RFC 6960, `super::ocsp`) beside them.

use std::collections::BTreeSet;

use super::certificate::{ANY_POLICY, Certificate, KeyUsage};
use super::crl::{Crl, RevocationReason, RevokedEntry, cmp_uint};
use super::name::{DistinguishedName, GeneralName};
use super::ocsp::verify::OcspVerdict;
use super::options::{TimeAssurance, ValidationOptions};
use super::report::{RevocationSource, Status};
use super::validate::{Budget, Validator};

/// Every ReasonFlags bit (keyCompromise (1) ... aACompromise (8)).
const ALL_REASONS: u16 = 0b1_1111_1110;
const MAX_CRL_SIGNER_RECURSION: usize = 2;

pub(super) enum RevocationStatus {
    Good,
    /// Revoked at the validation time (or compromised by it: the entry's invalidityDate).
    Revoked(RevokedEntry),
    /// Revoked after the validation time, which is only claimed
    /// ([`TimeAssurance::Claimed`]): nothing shows the signature was made before.
    RevokedAfterClaimedTime(RevokedEntry),
    Unknown(String),
}

/// When the entry makes the certificate untrustworthy: its revocation date, or the earlier
/// invalidityDate (RFC 5280 §5.3.2: when the key is known or suspected to have been
/// compromised, or the certificate otherwise became invalid).
pub(super) fn effective_revocation(e: &RevokedEntry) -> super::time::UnixTime {
    e.invalidity_date
        .map_or(e.revocation_date, |d| d.min(e.revocation_date))
}

/// What a revocation check runs under: the certificate's issuer and the key that signed the
/// certificate (the working public key, which a DSA key may have inherited parameters into),
/// the path's trust anchor, the options, the path's work budget and how deep in CRL-signer
/// validations the check is.
#[derive(Clone, Copy)]
pub(super) struct RevocationContext<'c> {
    pub issuer: &'c Certificate,
    pub issuer_spki: &'c [u8],
    pub anchor: &'c Certificate,
    pub opts: &'c ValidationOptions,
    pub budget: &'c Budget,
    pub recursion: usize,
}

/// A revocation check's outcome: the status, which source decided it, and why OCSP responses
/// about the certificate were not used.
pub(super) struct RevocationCheck {
    pub status: RevocationStatus,
    pub source: Option<RevocationSource>,
    pub ocsp_notes: Vec<String>,
}

impl Validator<'_> {
    /// The revocation status of `cert`, issued by `ctx.issuer`, from OCSP responses and CRLs.
    ///
    /// A usable OCSP response saying revoked decides. Otherwise the CRLs are consulted too, and
    /// the worse of the two answers counts: a CRL listing the certificate outweighs an OCSP
    /// "good" (revocation is final). An OCSP response that is stale, unknown, badly signed or
    /// from an unauthorised responder is not used; the notes say why.
    pub(super) fn revocation_status(
        &self,
        cert: &Certificate,
        ctx: &RevocationContext<'_>,
    ) -> RevocationCheck {
        let (ocsp, ocsp_notes) = match self.ocsp_status(cert, ctx) {
            OcspVerdict::Decided(status) => (Some(status), Vec::new()),
            OcspVerdict::NotUsable(notes) => (None, notes),
            OcspVerdict::NoResponse => (None, Vec::new()),
        };
        let check = |status, source| RevocationCheck {
            status,
            source,
            ocsp_notes: ocsp_notes.clone(),
        };
        if let Some(status @ RevocationStatus::Revoked(_)) = ocsp {
            return check(status, Some(RevocationSource::Ocsp));
        }
        let crl = self.crl_status(cert, ctx);
        match (ocsp, crl) {
            (_, status @ RevocationStatus::Revoked(_)) => {
                check(status, Some(RevocationSource::Crl))
            }
            (Some(status @ RevocationStatus::RevokedAfterClaimedTime(_)), _) => {
                check(status, Some(RevocationSource::Ocsp))
            }
            (_, status @ RevocationStatus::RevokedAfterClaimedTime(_)) => {
                check(status, Some(RevocationSource::Crl))
            }
            (Some(status), _) => check(status, Some(RevocationSource::Ocsp)),
            (None, RevocationStatus::Good) => {
                check(RevocationStatus::Good, Some(RevocationSource::Crl))
            }
            (None, RevocationStatus::Unknown(reason)) if ocsp_notes.is_empty() => {
                check(RevocationStatus::Unknown(reason), None)
            }
            (None, RevocationStatus::Unknown(reason)) => check(
                RevocationStatus::Unknown(format!(
                    "no usable OCSP response ({}); {reason}",
                    ocsp_notes.join("; ")
                )),
                None,
            ),
        }
    }

    /// RFC 5280 §6.3: the revocation status of `cert`, issued by `ctx.issuer`, from the CRLs.
    pub(super) fn crl_status(
        &self,
        cert: &Certificate,
        ctx: &RevocationContext<'_>,
    ) -> RevocationStatus {
        let opts = ctx.opts;
        let default_dp = [super::certificate::DistributionPoint {
            full_name: Vec::new(),
            relative_name: None,
            reasons: None,
            crl_issuer: Vec::new(),
        }];
        let dps: &[_] = if cert.extensions().crl_distribution_points.is_empty() {
            &default_dp
        } else {
            &cert.extensions().crl_distribution_points
        };
        let mut mask = 0u16;
        let mut notes: Vec<String> = Vec::new();
        for crl in self.crls().filter(|c| c.delta_base().is_none()) {
            for dp in dps {
                if !in_scope(cert, dp, crl) {
                    continue;
                }
                let idp_reasons = crl
                    .issuing_distribution_point()
                    .and_then(|i| i.only_some_reasons)
                    .unwrap_or(ALL_REASONS);
                let interim = idp_reasons & dp.reasons.unwrap_or(ALL_REASONS) & ALL_REASONS;
                if interim & !mask == 0 {
                    continue;
                }
                if let Err(note) = self.usable_crl(crl, ctx) {
                    notes.push(note);
                    continue;
                }
                // Delta CRLs for this complete CRL.
                let deltas: Vec<&Crl> = self
                    .crls()
                    .filter(|d| d.delta_base().is_some() && d.issuer() == crl.issuer())
                    .filter(|d| match (d.delta_base(), crl.number()) {
                        (Some(base), Some(num)) => cmp_uint(base, num).is_le(),
                        _ => false,
                    })
                    .filter(|d| in_scope(cert, dp, d))
                    .filter(|d| self.usable_crl(d, ctx).is_ok())
                    .collect();
                let entry_issuer = cert.issuer();
                let mut entry = crl.lookup(entry_issuer, cert.serial()).copied();
                for d in &deltas {
                    if let Some(e) = d.lookup(entry_issuer, cert.serial()) {
                        entry = if e.reason == RevocationReason::RemoveFromCrl {
                            None
                        } else {
                            Some(*e)
                        };
                    }
                }
                if let Some(e) = entry
                    && e.reason != RevocationReason::RemoveFromCrl
                {
                    if effective_revocation(&e) <= opts.time {
                        return RevocationStatus::Revoked(e);
                    }
                    if opts.time_assurance == TimeAssurance::Claimed {
                        return RevocationStatus::RevokedAfterClaimedTime(e);
                    }
                }
                mask |= interim;
            }
        }
        if mask & ALL_REASONS == ALL_REASONS {
            RevocationStatus::Good
        } else if notes.is_empty() {
            RevocationStatus::Unknown(format!(
                "no CRL from \"{}\" covers the certificate",
                cert.issuer()
            ))
        } else {
            RevocationStatus::Unknown(notes.join("; "))
        }
    }

    /// Checks a CRL's freshness, extensions and signature (finding a signer per §6.3.3 (f)).
    fn usable_crl(&self, crl: &Crl, ctx: &RevocationContext<'_>) -> Result<(), String> {
        let RevocationContext {
            issuer,
            issuer_spki,
            anchor,
            opts,
            budget,
            recursion,
        } = *ctx;
        // A CRL issued after the validation time is newer knowledge about that time and is
        // used (entries revoked after the validation time are then ignored, §6.3 (a)(3) of
        // historical validation); a CRL whose nextUpdate has passed is stale.
        if let Some(next) = crl.next_update()
            && next < opts.time
            && !opts.accept_stale_crls
        {
            return Err(format!(
                "the CRL from \"{}\" expired at {next}",
                crl.issuer()
            ));
        }
        if let Some(oid) = crl.unknown_critical().first() {
            return Err(format!(
                "the CRL has an unsupported critical extension {oid}"
            ));
        }
        if opts.strict && crl.number_nonconformant() {
            return Err("the CRL's cRLNumber is missing or critical (RFC 5280 §5.2.3)".into());
        }
        let Ok(alg) = crl.signature_algorithm() else {
            return Err("the CRL's signature algorithm is not supported".into());
        };
        if alg.hash().is_some_and(|h| !opts.allows_hash(h)) {
            return Err(format!(
                "the CRL is signed with {alg}, which is not allowed"
            ));
        }
        let crl_sign_ok = |c: &Certificate| {
            c.extensions()
                .key_usage
                .is_none_or(|ku| ku.allows(KeyUsage::CRL_SIGN))
        };
        let verifies = |spki: &[u8]| {
            if crl.verified_by(spki) {
                return true;
            }
            let ok = budget.take_signature()
                && self
                    .verify_signed(&alg, spki, crl.tbs_der(), crl.signature())
                    .is_ok();
            if ok {
                crl.remember_verified_by(spki);
            }
            ok
        };
        // The certificate's issuer, when it issued the CRL too.
        if crl.issuer() == issuer.subject() && verifies(issuer_spki) {
            return if crl_sign_ok(issuer) {
                Ok(())
            } else {
                Err("the CRL issuer's key usage lacks cRLSign".into())
            };
        }
        // Another certificate of the same anchor that carries the CRL key.
        if recursion >= MAX_CRL_SIGNER_RECURSION {
            return Err("CRL signer path too deep".into());
        }
        let pool = self.intermediates().chain(self.trust.anchors());
        for signer in pool.filter(|c| c.subject() == crl.issuer() && c.der() != issuer.der()) {
            if !crl_sign_ok(signer) || !verifies(signer.spki_der()) {
                continue;
            }
            if signer.der() == anchor.der()
                || budget
                    .signers_in_progress
                    .borrow()
                    .iter()
                    .any(|d| d == signer.der())
            {
                return Ok(());
            }
            let mut signer_opts = opts.clone();
            signer_opts.end_entity_key_usage = vec![KeyUsage::CRL_SIGN];
            signer_opts.required_eku.clear();
            signer_opts.initial_policy_set = BTreeSet::from([ANY_POLICY.to_owned()]);
            signer_opts.require_explicit_policy = false;
            budget
                .signers_in_progress
                .borrow_mut()
                .push(signer.der().to_vec());
            let report =
                self.validate_with(signer, &signer_opts, budget, recursion + 1, Some(anchor));
            budget.signers_in_progress.borrow_mut().pop();
            if report.status == Status::Valid {
                return Ok(());
            }
        }
        Err(format!(
            "no valid signer for the CRL from \"{}\"",
            crl.issuer()
        ))
    }
}

/// RFC 5280 §6.3.3 (b): whether `crl` covers `cert` for distribution point `dp`.
fn in_scope(cert: &Certificate, dp: &super::certificate::DistributionPoint, crl: &Crl) -> bool {
    let dir_names = |names: &[GeneralName]| -> Vec<DistinguishedName> {
        names
            .iter()
            .filter_map(|g| {
                if let GeneralName::Directory(d) = g {
                    Some(d.clone())
                } else {
                    None
                }
            })
            .collect()
    };
    let idp = crl.issuing_distribution_point();
    // (b)(1) issuer
    if dp.crl_issuer.is_empty() {
        if crl.issuer() != cert.issuer() {
            return false;
        }
    } else {
        if !idp.is_some_and(|i| i.indirect) {
            return false;
        }
        if !dir_names(&dp.crl_issuer).iter().any(|d| d == crl.issuer()) {
            return false;
        }
    }
    let Some(idp) = idp else { return true };
    // (b)(2)(i) names
    if !idp.names.is_empty() {
        let mut dp_names: Vec<GeneralName> = dp.full_name.clone();
        if let Some(rel) = &dp.relative_name {
            dp_names.push(GeneralName::Directory(rel.clone()));
        }
        let candidates = if dp_names.is_empty() {
            dp.crl_issuer.clone()
        } else {
            dp_names
        };
        if !idp.names.iter().any(|n| candidates.contains(n)) {
            return false;
        }
    }
    // (b)(2)(ii)-(iv)
    if idp.only_user_certs && cert.is_ca() {
        return false;
    }
    if idp.only_ca_certs && !cert.is_ca() {
        return false;
    }
    !idp.only_attribute_certs
}
