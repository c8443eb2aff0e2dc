//! Whether an OCSP response may be used for a certificate, and what it says (RFC 6960 §3.2,
//! §4.2.2.2).
//!
//! A SingleResponse is used for a certificate when
//! - its CertID matches: the serial number, and the issuer's name and key hashed with the
//!   CertID's own hash algorithm (SHA-1, SHA-2, Streebog: whatever the provider computes);
//! - it is fresh: its nextUpdate is not before the validation time (a response without
//!   nextUpdate only when its thisUpdate is at most [`MAX_AGE_WITHOUT_NEXT_UPDATE`] seconds
//!   before it). A thisUpdate *after* the validation time is newer knowledge about that time and
//!   is used, as a CRL issued later is: a revocation after the validation time then counts as
//!   a CRL entry does (none with a trusted time, [`super::super::TimeAssurance::Claimed`]:
//!   indeterminate);
//! - neither it nor the response carries a critical extension signflow does not process;
//! - its status is good or revoked (unknown is no answer);
//! - the response is signed by an authorised responder (§4.2.2.2): the CA that issued the
//!   certificate (ResponderID naming it, signature under the key that signed the certificate),
//!   or a delegated responder whose certificate — carried in the response or among the
//!   validator's untrusted certificates — the same CA issued (its signature verified under
//!   that CA's key), with extended key usage id-kp-OCSPSigning, key usage (if any) allowing
//!   digitalSignature or nonRepudiation, no unknown critical extension, valid when it signed
//!   (producedAt), and either id-pkix-ocsp-nocheck or a usable CRL saying it is not revoked at
//!   the validation time (its own OCSP answers are not asked: a responder cannot vouch for
//!   itself). Signature hashes obey the validation's [`super::super::ValidationOptions::hashes`].

use super::super::certificate::{Certificate, KeyUsage};
use super::super::crl::{RevocationReason, RevokedEntry, cmp_uint};
use super::super::options::TimeAssurance;
use super::super::revocation::{RevocationContext, RevocationStatus};
use super::super::validate::Validator;
use super::{
    CertId, CertStatus, ID_KP_OCSP_SIGNING, ID_PKIX_OCSP_NOCHECK, OcspResponse, ResponderId,
    SingleResponse, subject_public_key_bits,
};
use crate::crypto::HashAlgorithm;

/// How long (seconds) a response without nextUpdate is used after its thisUpdate: one day.
pub const MAX_AGE_WITHOUT_NEXT_UPDATE: i64 = 24 * 60 * 60;

/// What the OCSP responses say about one certificate.
pub(in crate::pki) enum OcspVerdict {
    /// A usable response decided (the worst, if several did).
    Decided(RevocationStatus),
    /// Responses about the certificate were found, none usable: why not.
    NotUsable(Vec<String>),
    /// No response is about the certificate.
    NoResponse,
}

fn severity(s: &RevocationStatus) -> u8 {
    match s {
        RevocationStatus::Revoked(_) => 3,
        RevocationStatus::RevokedAfterClaimedTime(_) => 2,
        RevocationStatus::Unknown(_) => 1,
        RevocationStatus::Good => 0,
    }
}

impl Validator<'_> {
    /// The status of `cert` (issued by `ctx.issuer`) from the validator's OCSP responses.
    pub(in crate::pki) fn ocsp_status(
        &self,
        cert: &Certificate,
        ctx: &RevocationContext<'_>,
    ) -> OcspVerdict {
        let mut notes = Vec::new();
        let mut decided: Option<RevocationStatus> = None;
        let issuer_key = subject_public_key_bits(ctx.issuer.spki_der());
        for response in self.ocsp_responses() {
            for single in response.responses() {
                if cmp_uint(&single.cert_id.serial, cert.serial()).is_ne()
                    || !self.cert_id_matches(&single.cert_id, cert, issuer_key)
                {
                    continue;
                }
                match self.usable_single(response, single, ctx) {
                    Ok(status) => {
                        if decided
                            .as_ref()
                            .is_none_or(|d| severity(&status) > severity(d))
                        {
                            decided = Some(status);
                        }
                    }
                    Err(note) => {
                        if !notes.contains(&note) {
                            notes.push(note);
                        }
                    }
                }
            }
        }
        match decided {
            Some(status) => OcspVerdict::Decided(status),
            None if notes.is_empty() => OcspVerdict::NoResponse,
            None => OcspVerdict::NotUsable(notes),
        }
    }

    /// Whether `id` names `cert` issued under the key bits `issuer_key`, hashed with the
    /// CertID's own algorithm.
    fn cert_id_matches(&self, id: &CertId, cert: &Certificate, issuer_key: Option<&[u8]>) -> bool {
        let (Some(hash), Some(key)) = (id.hash_algorithm, issuer_key) else {
            return false;
        };
        let digest = |data: &[u8]| self.provider.digest(hash, data).ok();
        digest(cert.issuer().as_der()).is_some_and(|d| d.as_ref() == id.issuer_name_hash)
            && digest(key).is_some_and(|d| d.as_ref() == id.issuer_key_hash)
    }

    /// Freshness, extensions, status and responder of one matching SingleResponse.
    fn usable_single(
        &self,
        response: &OcspResponse,
        single: &SingleResponse,
        ctx: &RevocationContext<'_>,
    ) -> Result<RevocationStatus, String> {
        let time = ctx.opts.time;
        match single.next_update {
            Some(next) if next < time => {
                return Err(format!(
                    "the OCSP response is stale: its nextUpdate {next} is before the validation time {time}"
                ));
            }
            None if single.this_update.0 < time.0.saturating_sub(MAX_AGE_WITHOUT_NEXT_UPDATE) => {
                return Err(format!(
                    "the OCSP response has no nextUpdate and its thisUpdate {} is more than a day before the validation time {time}",
                    single.this_update
                ));
            }
            _ => {}
        }
        if let Some(oid) = single
            .unknown_critical
            .first()
            .or(response.unknown_critical().first())
        {
            return Err(format!(
                "the OCSP response has an unsupported critical extension {oid}"
            ));
        }
        if single.status == CertStatus::Unknown {
            return Err("the OCSP responder does not know the certificate (status unknown)".into());
        }
        self.authorised(response, ctx)?;
        match single.status {
            CertStatus::Good | CertStatus::Unknown => Ok(RevocationStatus::Good),
            CertStatus::Revoked { time: at, reason } => {
                let reason = reason.unwrap_or(RevocationReason::Unspecified);
                if reason == RevocationReason::RemoveFromCrl {
                    return Err("the OCSP response says revoked with reason removeFromCRL".into());
                }
                let entry = RevokedEntry {
                    revocation_date: at,
                    reason,
                    invalidity_date: None,
                };
                Ok(if at <= time {
                    RevocationStatus::Revoked(entry)
                } else if ctx.opts.time_assurance == TimeAssurance::Claimed {
                    RevocationStatus::RevokedAfterClaimedTime(entry)
                } else {
                    RevocationStatus::Good
                })
            }
        }
    }

    /// §4.2.2.2: the response is signed by the CA itself or by a delegated responder of it.
    fn authorised(
        &self,
        response: &OcspResponse,
        ctx: &RevocationContext<'_>,
    ) -> Result<(), String> {
        let opts = ctx.opts;
        let alg = response
            .signature_algorithm()
            .map_err(|e| format!("the OCSP response's signature algorithm: {e}"))?;
        if alg.hash().is_some_and(|h| !opts.allows_hash(h)) {
            return Err(format!(
                "the OCSP response is signed with {alg}, which is not allowed"
            ));
        }
        let verifies = |spki: &[u8]| {
            ctx.budget.take_signature()
                && self
                    .verify_signed(&alg, spki, response.tbs_der(), response.signature())
                    .is_ok()
        };
        let id = response.responder_id();
        if self.responder_is(id, ctx.issuer) {
            return if verifies(ctx.issuer_spki) {
                Ok(())
            } else {
                Err(format!(
                    "the OCSP response's signature does not verify under the key of \"{}\"",
                    ctx.issuer.subject()
                ))
            };
        }
        let mut why = Vec::new();
        let candidates = response
            .certificates()
            .iter()
            .chain(self.intermediates())
            .filter(|c| self.responder_is(id, c));
        for (seen, candidate) in candidates.enumerate() {
            if seen >= 8 {
                break;
            }
            if let Err(e) = self.delegated_responder(candidate, response, ctx) {
                why.push(e);
                continue;
            }
            if verifies(candidate.spki_der()) {
                return Ok(());
            }
            why.push(format!(
                "the OCSP response's signature does not verify under the key of \"{}\"",
                candidate.subject()
            ));
        }
        if why.is_empty() {
            Err(format!(
                "the OCSP responder is neither \"{}\" nor a responder certificate the response or the untrusted certificates carry",
                ctx.issuer.subject()
            ))
        } else {
            Err(why.join("; "))
        }
    }

    /// Whether `id` names `cert`.
    fn responder_is(&self, id: &ResponderId, cert: &Certificate) -> bool {
        match id {
            ResponderId::ByName(name) => cert.subject() == name,
            ResponderId::ByKey(hash) => subject_public_key_bits(cert.spki_der())
                .and_then(|bits| self.provider.digest(HashAlgorithm::Sha1, bits).ok())
                .is_some_and(|d| d.as_ref() == hash.as_slice()),
        }
    }

    /// A delegated responder certificate: issued by the CA, for OCSP signing, valid, not
    /// revoked (or id-pkix-ocsp-nocheck).
    fn delegated_responder(
        &self,
        responder: &Certificate,
        response: &OcspResponse,
        ctx: &RevocationContext<'_>,
    ) -> Result<(), String> {
        let who = responder.subject();
        let refuse = |what: &str| Err(format!("the OCSP responder \"{who}\" {what}"));
        if responder.issuer() != ctx.issuer.subject() {
            return refuse(&format!(
                "was not issued by \"{}\", the certificate's issuer",
                ctx.issuer.subject()
            ));
        }
        let ext = responder.extensions();
        if !ext
            .extended_key_usage
            .as_ref()
            .is_some_and(|p| p.iter().any(|x| x == ID_KP_OCSP_SIGNING))
        {
            return refuse("lacks the extended key usage id-kp-OCSPSigning");
        }
        if ext.key_usage.is_some_and(|ku| {
            !ku.allows(KeyUsage::DIGITAL_SIGNATURE) && !ku.allows(KeyUsage::NON_REPUDIATION)
        }) {
            return refuse("has a key usage without digitalSignature");
        }
        if let Some(oid) = ext.unknown_critical.first() {
            return refuse(&format!("has an unsupported critical extension {oid}"));
        }
        let at = response.produced_at();
        if at < responder.not_before() || at > responder.not_after() {
            return refuse(&format!("was not valid when it signed the response ({at})"));
        }
        let Ok(alg) = responder.signature_algorithm() else {
            return refuse("has a certificate signature algorithm signflow does not support");
        };
        if alg.hash().is_some_and(|h| !ctx.opts.allows_hash(h)) {
            return refuse(&format!("is certified with {alg}, which is not allowed"));
        }
        if !ctx.budget.take_signature()
            || self
                .verify_signed(
                    &alg,
                    ctx.issuer_spki,
                    responder.tbs_der(),
                    responder.signature(),
                )
                .is_err()
        {
            return refuse("has a certificate whose signature does not verify under the CA's key");
        }
        if responder.extension_value(ID_PKIX_OCSP_NOCHECK).is_some() {
            return Ok(());
        }
        match self.crl_status(responder, ctx) {
            RevocationStatus::Good => Ok(()),
            RevocationStatus::Revoked(_) | RevocationStatus::RevokedAfterClaimedTime(_) => {
                refuse("is revoked")
            }
            RevocationStatus::Unknown(reason) => refuse(&format!(
                "has no id-pkix-ocsp-nocheck and its revocation status is unknown ({reason})"
            )),
        }
    }
}
