//! Path building and path validation per RFC 5280 §6.1 (policies per RFC 9618), with CRL
//! revocation per §6.3 (`revocation`).

use std::borrow::Cow;
use std::cell::Cell;

use super::certificate::{ANY_EXTENDED_KEY_USAGE, ANY_POLICY, Certificate, KeyUsage};
use super::crl::Crl;
use super::memo::SignatureMemo;
use super::name::{DistinguishedName, NameConstraints, constrained_names, describe};
use super::ocsp::OcspResponse;
use super::options::{RevocationMode, ValidationOptions};
use super::policy::PolicyGraph;
use super::report::{CertificateReport, Finding, Status, ValidationReport};
use super::revocation::{RevocationContext, RevocationStatus};
use super::time::UnixTime;
use super::trust::TrustStore;
use crate::crypto::CryptoProvider;

/// RFC 5280 §6.1.3 (a)(2): `cert`'s validity period holds `opts.time` (or, when the options
/// ignore validity periods, an advisory finding says it does not).
fn check_validity(cert: &Certificate, opts: &ValidationOptions, report: &mut CertificateReport) {
    let (not_before, not_after, time) = (cert.not_before(), cert.not_after(), opts.time);
    if time <= not_after && time >= not_before {
        return;
    }
    report.add(if opts.ignore_validity_periods {
        Finding::ValidityPeriodIgnored {
            not_before,
            not_after,
            time,
        }
    } else if time > not_after {
        Finding::Expired { not_after, time }
    } else {
        Finding::NotYetValid { not_before, time }
    });
}

/// Validates certificates against a trust store, with intermediates and CRLs.
///
/// # Example
/// ```
/// # #[cfg(any(feature = "aws-lc-rs", feature = "rustcrypto"))] {
/// use signflow::crypto::CryptoProvider;
/// use signflow::pki::{Certificate, Crl, Status, TrustStore, UnixTime, ValidationOptions, Validator};
///
/// let mut trust = TrustStore::new();
/// trust.add_pem_or_der(include_bytes!("../../testdata/pki/root-ca.pem"))?;
/// let intermediates = Certificate::all_from_pem_or_der(include_bytes!("../../testdata/pki/intermediate-ca.pem"))?;
/// let mut crls = Crl::all_from_pem_or_der(include_bytes!("../../testdata/pki/root-ca.crl.pem"))?;
/// crls.extend(Crl::all_from_pem_or_der(include_bytes!("../../testdata/pki/intermediate-ca.crl.pem"))?);
/// let provider = CryptoProvider::all_compiled()[0];
/// let validator = Validator::new(provider, &trust, intermediates, crls);
///
/// let leaf = Certificate::all_from_pem_or_der(include_bytes!("../../testdata/pki/leaf-revoked.pem"))?.remove(0);
/// let report = validator.validate(&leaf, &ValidationOptions::at(UnixTime::now()));
/// assert_eq!(report.status, Status::Invalid);
/// # }
/// # Ok::<(), signflow::pki::PkiError>(())
/// ```
#[derive(Debug)]
pub struct Validator<'a> {
    pub(super) provider: &'a CryptoProvider,
    pub(super) trust: &'a TrustStore,
    pub(super) intermediates: Cow<'a, [Certificate]>,
    pub(super) crls: Cow<'a, [Crl]>,
    /// Certificates one signer of a message carries (CAdES certificate-values), searched
    /// after `intermediates` and before `message_certificates`.
    pub(super) signer_certificates: &'a [Certificate],
    /// CRLs one signer carries (CAdES revocation-values), after `crls`.
    pub(super) signer_crls: &'a [Crl],
    /// OCSP responses one signer carries, after `ocsp`.
    pub(super) signer_ocsp: &'a [OcspResponse],
    /// Certificates one message carries, searched after `intermediates`.
    pub(super) message_certificates: Cow<'a, [Certificate]>,
    /// CRLs one message carries, searched after `crls`.
    pub(super) message_crls: Cow<'a, [Crl]>,
    /// OCSP responses ([`Validator::with_ocsp_responses`]).
    pub(super) ocsp: Cow<'a, [OcspResponse]>,
    /// OCSP responses one message carries ([`Validator::with_message_ocsp`]).
    pub(super) message_ocsp: Cow<'a, [OcspResponse]>,
    /// Signatures this verification already found valid ([`Validator::with_signature_memo`]).
    pub(super) memo: Option<&'a SignatureMemo>,
}

pub(super) struct Budget {
    signatures: Cell<usize>,
    steps: Cell<usize>,
    /// Units of [`ValidationOptions::max_work`] left.
    work: Cell<u64>,
    /// CRL signer certificates whose own validation is under way (cycle breaker: a CRL signer
    /// may be covered by the very CRL it signs, PKITS 4.14.30).
    pub(super) signers_in_progress: std::cell::RefCell<Vec<Vec<u8>>>,
}

impl Budget {
    pub(super) fn take_signature(&self) -> bool {
        match self.signatures.get().checked_sub(1) {
            Some(v) => {
                self.signatures.set(v);
                true
            }
            None => false,
        }
    }
    /// Takes `units` of work; `false` (taking nothing) when fewer are left.
    fn take_work(&self, units: u64) -> bool {
        match self.work.get().checked_sub(units) {
            Some(v) => {
                self.work.set(v);
                true
            }
            None => false,
        }
    }
    fn take_step(&self) -> bool {
        match self.steps.get().checked_sub(1) {
            Some(v) => {
                self.steps.set(v);
                true
            }
            None => false,
        }
    }
}

/// A candidate path: indexes of certificates from the end entity upward, and the anchor.
struct Candidate<'c> {
    certs: Vec<&'c Certificate>,
    anchor: Option<&'c Certificate>,
}

impl<'a> Validator<'a> {
    /// A validator over `trust`, with untrusted `intermediates` to build paths from and `crls`.
    pub fn new(
        provider: &'a CryptoProvider,
        trust: &'a TrustStore,
        intermediates: Vec<Certificate>,
        crls: Vec<Crl>,
    ) -> Self {
        Self {
            provider,
            trust,
            intermediates: Cow::Owned(intermediates),
            crls: Cow::Owned(crls),
            signer_certificates: &[],
            signer_crls: &[],
            signer_ocsp: &[],
            message_certificates: Cow::Borrowed(&[]),
            message_crls: Cow::Borrowed(&[]),
            ocsp: Cow::Borrowed(&[]),
            message_ocsp: Cow::Borrowed(&[]),
            memo: None,
        }
    }

    /// A validator over `trust`, borrowing the untrusted `intermediates` and the `crls`
    /// (a [`super::TrustContext`]'s: [`super::TrustContext::validator`]) instead of owning
    /// copies.
    pub fn borrowed(
        provider: &'a CryptoProvider,
        trust: &'a TrustStore,
        intermediates: &'a [Certificate],
        crls: &'a [Crl],
    ) -> Self {
        Self {
            provider,
            trust,
            intermediates: Cow::Borrowed(intermediates),
            crls: Cow::Borrowed(crls),
            signer_certificates: &[],
            signer_crls: &[],
            signer_ocsp: &[],
            message_certificates: Cow::Borrowed(&[]),
            message_crls: Cow::Borrowed(&[]),
            ocsp: Cow::Borrowed(&[]),
            message_ocsp: Cow::Borrowed(&[]),
            memo: None,
        }
    }

    /// This validator also building paths from `certificates` and checking `crls` that one
    /// message carries (a SignedData's, a KeyInfo's), beside its own — which stay borrowed.
    #[must_use]
    pub fn with_message_material(
        mut self,
        certificates: impl Into<Cow<'a, [Certificate]>>,
        crls: impl Into<Cow<'a, [Crl]>>,
    ) -> Self {
        self.message_certificates = certificates.into();
        self.message_crls = crls.into();
        self
    }

    /// This validator also taking revocation status from the OCSP `responses` (RFC 6960),
    /// wherever it takes it from CRLs: a usable response about a certificate decides its status
    /// unless a CRL revokes it ([`super::RevocationSource`] in the report says which did). The
    /// validator's own responses, like its CRLs (a [`super::TrustContext`]'s); replaces any
    /// given before.
    #[must_use]
    pub fn with_ocsp_responses(mut self, responses: impl Into<Cow<'a, [OcspResponse]>>) -> Self {
        self.ocsp = responses.into();
        self
    }

    /// This validator also taking the OCSP `responses` one message carries (a CAdES
    /// revocation-values attribute, a PDF's DSS), borrowed or owned, after its own
    /// ([`Validator::with_ocsp_responses`]), which stay as they are; replaces any message
    /// responses given before.
    #[must_use]
    pub fn with_message_ocsp(mut self, responses: impl Into<Cow<'a, [OcspResponse]>>) -> Self {
        self.message_ocsp = responses.into();
        self
    }

    /// This validator also using the `certificates`, `crls` and OCSP `responses` one signer of
    /// a message carries (CAdES certificate-values and revocation-values), borrowed: searched
    /// after the validator's own and before the message's, as if appended to the validator's.
    #[must_use]
    pub(crate) fn with_signer_material(
        mut self,
        certificates: &'a [Certificate],
        crls: &'a [Crl],
        responses: &'a [OcspResponse],
    ) -> Self {
        self.signer_certificates = certificates;
        self.signer_crls = crls;
        self.signer_ocsp = responses;
        self
    }

    /// This validator checking signatures through `memo`: one already found valid in the same
    /// verification is not checked again (see [`SignatureMemo`]).
    #[must_use]
    pub(crate) fn with_signature_memo(mut self, memo: &'a SignatureMemo) -> Self {
        self.memo = Some(memo);
        self
    }

    /// [`CryptoProvider::verify`] through the signature memo when there is one.
    pub(super) fn verify_signed(
        &self,
        alg: &crate::crypto::SignatureAlgorithm,
        spki: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), crate::crypto::CryptoError> {
        match self.memo {
            Some(memo) => memo.verify(self.provider, alg, spki, message, signature),
            None => self.provider.verify(alg, spki, message, signature),
        }
    }

    /// The OCSP responses: the validator's, then a signer's (a CAdES signer's
    /// revocation-values, when verifying CMS), then the message's.
    pub fn ocsp_responses(&self) -> impl Iterator<Item = &OcspResponse> + Clone {
        self.ocsp
            .iter()
            .chain(self.signer_ocsp)
            .chain(self.message_ocsp.iter())
    }

    /// The trust anchors.
    pub fn trust(&self) -> &TrustStore {
        self.trust
    }

    /// The untrusted certificates paths may be built from: the validator's, then a signer's
    /// (a CAdES signer's certificate-values, when verifying CMS), then the message's
    /// ([`Validator::with_message_material`]).
    pub fn intermediates(&self) -> impl Iterator<Item = &Certificate> + Clone {
        self.intermediates
            .iter()
            .chain(self.signer_certificates)
            .chain(self.message_certificates.iter())
    }

    /// The CRLs: the validator's, then a signer's, then the message's.
    pub fn crls(&self) -> impl Iterator<Item = &Crl> + Clone {
        self.crls
            .iter()
            .chain(self.signer_crls)
            .chain(self.message_crls.iter())
    }

    /// Validates `end_entity` at `options.time`: builds candidate paths to a trust anchor and
    /// returns the report of the first valid one, else of the best failing one.
    pub fn validate(
        &self,
        end_entity: &Certificate,
        options: &ValidationOptions,
    ) -> ValidationReport {
        let budget = Budget {
            signatures: Cell::new(options.max_signature_checks),
            steps: Cell::new(options.max_path_steps),
            work: Cell::new(options.max_work),
            signers_in_progress: std::cell::RefCell::new(Vec::new()),
        };
        self.validate_with(end_entity, options, &budget, 0, None)
    }

    pub(super) fn validate_with(
        &self,
        end_entity: &Certificate,
        options: &ValidationOptions,
        budget: &Budget,
        recursion: usize,
        required_anchor: Option<&Certificate>,
    ) -> ValidationReport {
        let mut candidates = Vec::new();
        let mut exhausted = false;
        self.build(
            &mut vec![end_entity],
            options,
            budget,
            &mut candidates,
            &mut exhausted,
        );
        let mut best: Option<ValidationReport> = None;
        for cand in &candidates {
            if let (Some(req), Some(anchor)) = (required_anchor, cand.anchor)
                && req.der() != anchor.der()
            {
                continue;
            }
            let report = self.check_path(cand, options, budget, recursion);
            if report.status == Status::Valid {
                return report;
            }
            let better = match &best {
                None => true,
                Some(b) => rank(&report) < rank(b),
            };
            if better {
                best = Some(report);
            }
        }
        let mut report = best.unwrap_or_else(|| {
            let mut r = ValidationReport {
                status: Status::Invalid,
                time: options.time,
                path: vec![CertificateReport::new(end_entity, false)],
                policies: Vec::new(),
            };
            r.path[0].add(Finding::UntrustedRoot {
                issuer: end_entity.issuer().to_string(),
            });
            r
        });
        if exhausted && let Some(top) = report.path.last_mut() {
            top.add(Finding::BudgetExceeded);
        }
        report.recompute_status();
        report
    }

    /// Depth-first search for paths from `chain`'s top to an anchor.
    fn build<'c>(
        &'c self,
        chain: &mut Vec<&'c Certificate>,
        options: &ValidationOptions,
        budget: &Budget,
        out: &mut Vec<Candidate<'c>>,
        exhausted: &mut bool,
    ) {
        let top = chain[chain.len() - 1];
        let mut found_any = false;
        for anchor in self.trust.anchors() {
            if !budget.take_step() {
                *exhausted = true;
                return;
            }
            if anchor.der() == top.der() && chain.len() == 1 {
                // The end entity is itself trusted.
                out.push(Candidate {
                    certs: Vec::new(),
                    anchor: Some(anchor),
                });
                return;
            }
            if anchor.subject() == top.issuer() && key_id_compatible(top, anchor) {
                out.push(Candidate {
                    certs: chain.clone(),
                    anchor: Some(anchor),
                });
                found_any = true;
            }
        }
        // Self-issued certificates do not count towards max_depth, so allow slack here; the
        // step budget bounds the search either way.
        if chain.len() > 2 * options.max_depth + 1 {
            return;
        }
        let mut issuers: Vec<&Certificate> = self
            .intermediates()
            .filter(|c| c.subject() == top.issuer() && key_id_compatible(top, c))
            .filter(|c| !chain.iter().any(|x| x.der() == c.der()))
            .collect();
        // The same certificate given many times (a bundle, a list, a hostile message) is one
        // issuer: tried once, not once per copy.
        let mut seen = std::collections::HashSet::new();
        issuers.retain(|c| seen.insert(c.der()));
        // Certificates whose SKI matches the AKI first.
        issuers.sort_by_key(|c| !aki_matches(top, c));
        for issuer in issuers {
            if !budget.take_step() {
                *exhausted = true;
                return;
            }
            found_any = true;
            chain.push(issuer);
            self.build(chain, options, budget, out, exhausted);
            chain.pop();
        }
        if !found_any {
            out.push(Candidate {
                certs: chain.clone(),
                anchor: None,
            });
        }
    }

    /// RFC 5280 §6.1 on one candidate path.
    ///
    /// Every certificate signature of the path is checked first (RFC 9618 §5.1): a path with a
    /// signature that does not verify is reported with the cheap checks only — never the CRLs,
    /// name constraints or policies, whose work forged certificates could otherwise multiply.
    /// Name-constraint comparisons and policy-graph work are charged to the validation's
    /// [`ValidationOptions::max_work`].
    fn check_path(
        &self,
        cand: &Candidate<'_>,
        opts: &ValidationOptions,
        budget: &Budget,
        recursion: usize,
    ) -> ValidationReport {
        // Reports end-entity first; processing goes anchor-side first.
        let mut reports: Vec<CertificateReport> = cand
            .certs
            .iter()
            .map(|c| CertificateReport::new(c, false))
            .collect();
        let mut policies_out = Vec::new();
        let path: Vec<&Certificate> = cand.certs.iter().rev().copied().collect();
        let n = path.len();
        let Some(anchor) = cand.anchor else {
            let top = cand.certs.last().copied();
            if let Some(top) = top {
                let idx = reports.len() - 1;
                reports[idx].add(Finding::UntrustedRoot {
                    issuer: top.issuer().to_string(),
                });
            }
            return finish(reports, None, opts.time, policies_out);
        };
        let report_idx = |i: usize| n - 1 - i; // path index -> reports index

        // (a)(1) every signature, before anything that costs more.
        let signatures_ok = {
            let mut key: std::borrow::Cow<'_, [u8]> = anchor.spki_der().into();
            let mut ok = true;
            for (i, cert) in path.iter().enumerate() {
                let r = report_idx(i);
                if let Some(f) = self.check_signature(cert, &key, budget, opts, &mut reports[r]) {
                    reports[r].add(f);
                    ok = false;
                    break;
                }
                // §6.1.4 (d)-(f): a DSA key without parameters inherits the issuer's.
                key = match crate::crypto::inherit_dsa_parameters(cert.spki_der(), &key) {
                    Some(completed) => completed.into(),
                    None => cert.spki_der().into(),
                };
            }
            ok
        };

        // §6.1.2 initialization.
        let mut graph = PolicyGraph::new();
        let mut policy_work = graph.work();
        let mut constraints = NameConstraints::default();
        let init = |flag: bool| if flag { 0 } else { n + 1 };
        let mut explicit_policy = init(opts.require_explicit_policy);
        let mut inhibit_any = init(opts.inhibit_any_policy);
        let mut policy_mapping = init(opts.inhibit_policy_mapping);
        let mut working_spki: std::borrow::Cow<'_, [u8]> = anchor.spki_der().into();
        let mut working_issuer: &DistinguishedName = anchor.subject();
        let mut working_issuer_cert: &Certificate = anchor;
        let mut max_path_length = n;
        let mut anchor_report = CertificateReport::new(anchor, true);
        self.check_anchor(anchor, opts, &mut anchor_report);
        if let Some((permitted_sub, excluded_sub)) = &anchor.extensions().name_constraints {
            // RFC 5937: the anchor's own name constraints bind the path.
            constraints.add(permitted_sub.as_deref(), excluded_sub);
        }
        // Self-issued intermediates do not count (as for pathLenConstraint, §6.1.4 (l)).
        let depth = path
            .iter()
            .enumerate()
            .filter(|(i, c)| *i + 1 == n || !c.is_self_issued())
            .count();
        if depth > opts.max_depth {
            reports[0].add(Finding::MaxDepthExceeded {
                max_depth: opts.max_depth,
            });
        }
        // The expensive steps run only on a path whose signatures verify, and stop for good
        // once the work budget is spent.
        let mut expensive = signatures_ok;

        for (i, cert) in path.iter().enumerate() {
            let r = report_idx(i);
            let is_last = i + 1 == n;
            let self_issued = cert.is_self_issued();
            check_key(cert, opts, &mut reports[r]);
            if opts.strict {
                check_profile(cert, false, &mut reports[r]);
            }
            // A CA's extended key usage constrains what it may certify.
            if !is_last && let Some(ca_eku) = &cert.extensions().extended_key_usage {
                for required in &opts.required_eku {
                    if !ca_eku
                        .iter()
                        .any(|x| x == required || x == ANY_EXTENDED_KEY_USAGE)
                    {
                        reports[r].add(Finding::ExtendedKeyUsageMissing {
                            required: required.clone(),
                        });
                    }
                }
            }
            // (a)(2) validity
            check_validity(cert, opts, &mut reports[r]);
            // (a)(4) name chaining
            if cert.issuer() != working_issuer {
                reports[r].add(Finding::NameChaining);
            }
            // (a)(3) revocation
            if expensive
                && (opts.revocation == RevocationMode::Required
                    || (opts.revocation == RevocationMode::EndEntityOnly && is_last))
            {
                let ctx = RevocationContext {
                    issuer: working_issuer_cert,
                    issuer_spki: &working_spki,
                    anchor,
                    opts,
                    budget,
                    recursion,
                };
                let check = self.revocation_status(cert, &ctx);
                reports[r].revocation_source = check.source;
                if !matches!(check.status, RevocationStatus::Unknown(_)) {
                    for reason in check.ocsp_notes {
                        reports[r].add(Finding::OcspResponseNotUsed { reason });
                    }
                }
                match check.status {
                    RevocationStatus::Good => {}
                    RevocationStatus::Revoked(e) => reports[r].add(Finding::Revoked {
                        reason: e.reason,
                        revocation_date: e.revocation_date,
                        invalidity_date: e.invalidity_date,
                    }),
                    RevocationStatus::RevokedAfterClaimedTime(e) => {
                        reports[r].add(Finding::RevokedAfterClaimedTime {
                            reason: e.reason,
                            revocation_date: e.revocation_date,
                            invalidity_date: e.invalidity_date,
                            claimed_time: opts.time,
                        })
                    }
                    RevocationStatus::Unknown(reason) => {
                        reports[r].add(Finding::RevocationUnknown { reason })
                    }
                }
            }
            // (b), (c) name constraints
            if expensive && (!self_issued || is_last) {
                for name in constrained_names(cert.subject(), &cert.extensions().subject_alt_names)
                {
                    if !budget.take_work(constraints.cost(&name)) {
                        reports[r].add(Finding::WorkLimitExceeded {
                            work: "name constraints".into(),
                            limit: opts.max_work,
                        });
                        expensive = false;
                        break;
                    }
                    if !constraints.permits(&name) {
                        reports[r].add(Finding::NameConstraintViolation {
                            name: describe(&name),
                        });
                    }
                }
            }
            // (d), (e) policies
            if expensive {
                match &cert.extensions().policies {
                    Some(policies) if !graph.is_null() => {
                        let any_allowed = inhibit_any > 0 || (!is_last && self_issued);
                        graph.process_certificate(policies, any_allowed);
                    }
                    Some(_) => {}
                    None => graph.set_null(),
                }
                if !charge_policy_work(&graph, &mut policy_work, budget) {
                    reports[r].add(Finding::WorkLimitExceeded {
                        work: "certificate policies".into(),
                        limit: opts.max_work,
                    });
                    expensive = false;
                }
                // (f)
                if expensive && explicit_policy == 0 && graph.is_null() {
                    reports[r].add(Finding::PolicyNotAcceptable);
                }
            }

            if is_last {
                break;
            }
            // §6.1.4 preparation for the next certificate.
            if let Some(mappings) = &cert.extensions().policy_mappings {
                if mappings
                    .iter()
                    .any(|(a, b)| a == ANY_POLICY || b == ANY_POLICY)
                {
                    reports[r].add(Finding::InvalidPolicyMapping);
                } else if expensive {
                    graph.apply_mappings(mappings, policy_mapping > 0);
                    if !charge_policy_work(&graph, &mut policy_work, budget) {
                        reports[r].add(Finding::WorkLimitExceeded {
                            work: "certificate policies".into(),
                            limit: opts.max_work,
                        });
                        expensive = false;
                    }
                }
            }
            working_issuer = cert.subject();
            // §6.1.4 (d)-(f): a DSA key without parameters inherits the issuer's.
            working_spki =
                match crate::crypto::inherit_dsa_parameters(cert.spki_der(), &working_spki) {
                    Some(completed) => completed.into(),
                    None => cert.spki_der().into(),
                };
            working_issuer_cert = cert;
            if let Some((permitted_sub, excluded_sub)) = &cert.extensions().name_constraints {
                constraints.add(permitted_sub.as_deref(), excluded_sub);
            }
            if !self_issued {
                explicit_policy = explicit_policy.saturating_sub(1);
                policy_mapping = policy_mapping.saturating_sub(1);
                inhibit_any = inhibit_any.saturating_sub(1);
            }
            if let Some((require, inhibit)) = cert.extensions().policy_constraints {
                if let Some(req) = require {
                    explicit_policy = explicit_policy.min(req as usize);
                }
                if let Some(inh) = inhibit {
                    policy_mapping = policy_mapping.min(inh as usize);
                }
            }
            if let Some(skip) = cert.extensions().inhibit_any_policy {
                inhibit_any = inhibit_any.min(skip as usize);
            }
            // (k) CA
            if cert.version() != 2 || !cert.is_ca() {
                reports[r].add(Finding::NotCa);
            }
            // (l), (m) path length
            if !self_issued {
                if max_path_length == 0 {
                    reports[r].add(Finding::PathLengthExceeded);
                }
                max_path_length = max_path_length.saturating_sub(1);
            }
            if let Some((_, Some(len))) = cert.extensions().basic_constraints {
                max_path_length = max_path_length.min(len as usize);
            }
            // (n) key usage
            if let Some(ku) = cert.extensions().key_usage
                && !ku.allows(KeyUsage::KEY_CERT_SIGN)
            {
                reports[r].add(Finding::KeyUsageNotAllowed {
                    needed: vec!["keyCertSign".into()],
                });
            }
            // (o) unknown critical extensions
            for oid in &cert.extensions().unknown_critical {
                reports[r].add(Finding::UnknownCriticalExtension { oid: oid.clone() });
            }
        }

        // §6.1.5 wrap-up on the end certificate.
        if let Some(ee) = path.last() {
            let r = report_idx(n - 1);
            explicit_policy = explicit_policy.saturating_sub(1);
            if let Some((Some(0), _)) = ee.extensions().policy_constraints {
                explicit_policy = 0;
            }
            for oid in &ee.extensions().unknown_critical {
                reports[r].add(Finding::UnknownCriticalExtension { oid: oid.clone() });
            }
            if expensive {
                let user_set = graph.user_constrained_policy_set(&opts.initial_policy_set);
                if !charge_policy_work(&graph, &mut policy_work, budget) {
                    reports[r].add(Finding::WorkLimitExceeded {
                        work: "certificate policies".into(),
                        limit: opts.max_work,
                    });
                } else if explicit_policy == 0 && user_set.is_empty() {
                    reports[r].add(Finding::PolicyNotAcceptable);
                }
                policies_out = user_set.into_iter().collect();
            }
            if !opts.end_entity_key_usage.is_empty()
                && let Some(ku) = ee.extensions().key_usage
                && !opts.end_entity_key_usage.iter().any(|b| ku.allows(*b))
            {
                let needed = opts
                    .end_entity_key_usage
                    .iter()
                    .flat_map(|b| KeyUsage(*b).names())
                    .map(str::to_owned)
                    .collect();
                reports[r].add(Finding::KeyUsageNotAllowed { needed });
            }
            for required in &opts.required_eku {
                let ok = ee
                    .extensions()
                    .extended_key_usage
                    .as_ref()
                    // Without the extension the key may serve any purpose (RFC 5280 §4.2.1.12).
                    .is_none_or(|p| {
                        p.iter()
                            .any(|x| x == required || x == ANY_EXTENDED_KEY_USAGE)
                    });
                if !ok {
                    reports[r].add(Finding::ExtendedKeyUsageMissing {
                        required: required.clone(),
                    });
                }
            }
        }
        finish(reports, Some(anchor_report), opts.time, policies_out)
    }

    /// Checks on the trust anchor certificate: validity and critical extensions always (as
    /// OpenSSL, Go and webpki do), CA-ness and the profile in strict mode.
    fn check_anchor(
        &self,
        anchor: &Certificate,
        opts: &ValidationOptions,
        report: &mut CertificateReport,
    ) {
        check_validity(anchor, opts, report);
        for oid in &anchor.extensions().unknown_critical {
            report.add(Finding::UnknownCriticalExtension { oid: oid.clone() });
        }
        check_key(anchor, opts, report);
        if opts.strict {
            if anchor.version() == 2 && !anchor.is_ca() {
                report.add(Finding::NotCa);
            }
            if let Some(ku) = anchor.extensions().key_usage
                && !ku.allows(KeyUsage::KEY_CERT_SIGN)
            {
                report.add(Finding::KeyUsageNotAllowed {
                    needed: vec!["keyCertSign".into()],
                });
            }
            check_profile(anchor, true, report);
        }
    }

    /// Verifies `cert`'s signature with the issuer key `spki`, spending budget; returns the
    /// finding if it fails.
    fn check_signature(
        &self,
        cert: &Certificate,
        spki: &[u8],
        budget: &Budget,
        opts: &ValidationOptions,
        report: &mut CertificateReport,
    ) -> Option<Finding> {
        let (tbs, signature) = (cert.tbs_der(), cert.signature());
        let alg = match cert.signature_algorithm() {
            Ok(a) => a,
            Err(e) => {
                return Some(Finding::UnsupportedAlgorithm {
                    detail: e.to_string(),
                });
            }
        };
        if !budget.take_signature() {
            return Some(Finding::BudgetExceeded);
        }
        if let Some(hash) = alg.hash().filter(|h| h.is_weak()) {
            if !opts.allows_hash(hash) {
                return Some(Finding::AlgorithmNotAllowed {
                    algorithm: alg.to_string(),
                });
            }
            report.add(Finding::WeakAlgorithm {
                algorithm: alg.to_string(),
            });
        }
        match self.verify_signed(&alg, spki, tbs, signature) {
            Ok(()) => None,
            Err(crate::crypto::CryptoError::BadSignature) => Some(Finding::BadSignature),
            Err(e @ crate::crypto::CryptoError::UnsupportedAlgorithm(_)) => {
                Some(Finding::UnsupportedAlgorithm {
                    detail: e.to_string(),
                })
            }
            Err(_) => Some(Finding::BadSignature),
        }
    }
}

/// The key of `cert` is strong enough (RSA size; strict: a whole number of bytes).
fn check_key(cert: &Certificate, opts: &ValidationOptions, report: &mut CertificateReport) {
    if let Ok(info) = crate::crypto::PublicKeyInfo::parse(cert.spki_der())
        && let crate::crypto::KeyKind::Rsa { bits, .. } = info.kind
    {
        if bits < opts.min_rsa_bits {
            report.add(Finding::WeakKey {
                detail: format!("RSA-{bits} is below the minimum of {}", opts.min_rsa_bits),
            });
        } else if opts.strict && bits % 8 != 0 {
            report.add(Finding::WeakKey {
                detail: format!("RSA modulus of {bits} bits is not a whole number of bytes"),
            });
        }
    }
}

/// Strict profile rules for every certificate of the path, the anchor included.
fn check_profile(cert: &Certificate, is_anchor: bool, report: &mut CertificateReport) {
    for rule in &cert.extensions().profile_violations {
        report.add(Finding::ProfileViolation {
            rule: (*rule).to_owned(),
        });
    }
    if !is_anchor && !cert.is_self_issued() && cert.extensions().authority_key_id.is_none() {
        report.add(Finding::ProfileViolation {
            rule: "authorityKeyIdentifier missing (RFC 5280 §4.2.1.1)".into(),
        });
    }
    let ext = cert.extensions();
    if cert.is_self_issued()
        && is_anchor
        && let (Some(aki), Some(ski)) = (&ext.authority_key_id, &ext.subject_key_id)
        && aki != ski
    {
        report.add(Finding::ProfileViolation { rule: "self-signed certificate whose authorityKeyIdentifier is not its subjectKeyIdentifier".into() });
    }
    if crate::crypto::PublicKeyInfo::parse(cert.spki_der())
        .is_ok_and(|k| k.kind == crate::crypto::KeyKind::Dsa)
    {
        report.add(Finding::WeakKey {
            detail: "DSA keys are withdrawn (FIPS 186-5); accepted only outside strict mode".into(),
        });
    }
    if cert.is_ca() {
        if cert.extensions().subject_key_id.is_none() {
            report.add(Finding::ProfileViolation {
                rule: "subjectKeyIdentifier missing in a CA certificate (RFC 5280 §4.2.1.2)".into(),
            });
        }
        if cert.subject().is_empty() {
            report.add(Finding::ProfileViolation {
                rule: "CA certificate with an empty subject (RFC 5280 §4.1.2.6)".into(),
            });
        }
    }
}

/// Orders failing reports: prefer paths that reached an anchor, then paths whose signatures
/// verify (a path with a bad signature was checked no further, so it has fewer findings), then
/// fewer findings.
fn rank(r: &ValidationReport) -> (Status, bool, bool, usize) {
    let reached = r.path.last().is_some_and(|c| c.trust_anchor);
    let forged = r.has(|f| matches!(f, Finding::BadSignature));
    (r.status, !reached, forged, r.findings().count())
}

/// Charges the policy graph's work since the last charge; `false` once the budget is spent.
fn charge_policy_work(graph: &PolicyGraph, charged: &mut u64, budget: &Budget) -> bool {
    let spent = graph.work().saturating_sub(*charged);
    *charged = graph.work();
    budget.take_work(spent)
}

fn finish(
    mut reports: Vec<CertificateReport>,
    anchor: Option<CertificateReport>,
    time: UnixTime,
    policies: Vec<String>,
) -> ValidationReport {
    reports.extend(anchor);
    let mut report = ValidationReport {
        status: Status::Valid,
        time,
        path: reports,
        policies,
    };
    report.recompute_status();
    report
}

fn aki_matches(child: &Certificate, issuer: &Certificate) -> bool {
    matches!((&child.extensions().authority_key_id, &issuer.extensions().subject_key_id), (Some(a), Some(s)) if a == s)
}

/// False only when both key identifiers are present and differ (RFC 5280 §4.2.1.1 hint).
fn key_id_compatible(child: &Certificate, issuer: &Certificate) -> bool {
    match (
        &child.extensions().authority_key_id,
        &issuer.extensions().subject_key_id,
    ) {
        (Some(a), Some(s)) => a == s,
        _ => true,
    }
}
