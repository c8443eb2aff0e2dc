//! What a path validation asks: [`ValidationOptions`], with the revocation mode and what
//! vouches for the validation time.

use std::collections::BTreeSet;

use super::certificate::{ANY_POLICY, KeyUsage};
use super::time::UnixTime;
use crate::crypto::{HashAlgorithm, HashPolicy};

/// Whether revocation is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RevocationMode {
    /// Every certificate below the trust anchor must be covered by a usable CRL; otherwise the
    /// result is indeterminate. The safe default.
    Required,
    /// Only the end-entity certificate must be covered by a usable CRL; the CA certificates
    /// of the path are not checked. This is what OpenSSL's `X509_V_FLAG_CRL_CHECK` (without
    /// `CRL_CHECK_ALL`) and xmlsec's `--verify-crls` do, for PKIs whose roots publish no CRL
    /// for their intermediates. Weaker than [`RevocationMode::Required`]: a revoked
    /// intermediate goes unnoticed.
    EndEntityOnly,
    /// Revocation is not checked (the report then cannot say "not revoked").
    Off,
}

/// What vouches for [`ValidationOptions::time`]: whether a certificate revoked *after* it may
/// still be judged valid then.
///
/// A revocation says that from some moment on the key must not be trusted; a signature dated before
/// that moment is good only if something other than the signer proves the date. A date the signer
/// wrote itself (CMS signing-time) proves nothing: whoever holds the key — the thief, after a key
/// compromise, or the former holder, after any revocation — can write any date. So with
/// [`TimeAssurance::Claimed`] a path certificate revoked after the time is never valid: it gets
/// [`Finding::RevokedAfterClaimedTime`](super::Finding::RevokedAfterClaimedTime), indeterminate (as
/// ETSI EN 319 102-1's REVOKED_NO_POE: a later proof of existence, such as a timestamp, may still
/// settle it). This holds for every reason code, `unspecified` and `superseded` included: the CRL
/// does not say that the key stayed safe. (RFC 5280 §5.3.2's invalidityDate, when present, moves
/// the revocation earlier for every assurance: at or after it the certificate is revoked.)
///
/// A time proven by a signature time-stamp is [`TimeAssurance::Trusted`] too: the CMS verifier
/// validates a CAdES-T signer at its earliest valid stamp's time (see [`crate::cms::cades`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeAssurance {
    /// The caller vouches for the time: its clock, or a time it has proof of.
    #[default]
    Trusted,
    /// The time is a claim nothing proves (a signer's own signing-time attribute).
    Claimed,
}

/// What the caller asks of a validation (RFC 5280 §6.1.1 inputs and signflow's limits).
///
/// Made with [`ValidationOptions::at`], then changed with the `with_*` methods (or by
/// assigning its public fields): more options may join, so it cannot be written as a struct
/// literal outside signflow. There is no `Default`: a validation needs its time.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ValidationOptions {
    /// The time at which the certificate must be valid.
    pub time: UnixTime,
    /// What vouches for [`ValidationOptions::time`] (default: the caller).
    pub time_assurance: TimeAssurance,
    /// user-initial-policy-set (dotted OIDs; `anyPolicy` by default).
    pub initial_policy_set: BTreeSet<String>,
    /// initial-explicit-policy.
    pub require_explicit_policy: bool,
    /// initial-policy-mapping-inhibit.
    pub inhibit_policy_mapping: bool,
    /// initial-any-policy-inhibit.
    pub inhibit_any_policy: bool,
    /// Key usages of which the end certificate must allow at least one (empty: no check).
    /// Default: digitalSignature or nonRepudiation, as for a signer.
    pub end_entity_key_usage: Vec<u16>,
    /// Extended key usages the end certificate must carry (anyExtendedKeyUsage satisfies any).
    pub required_eku: Vec<String>,
    /// Maximum number of certificates below the trust anchor.
    pub max_depth: usize,
    /// Revocation checking.
    pub revocation: RevocationMode,
    /// Accept CRLs whose nextUpdate has passed (default: no — such a CRL gives indeterminate).
    pub accept_stale_crls: bool,
    /// Do not hold certificates to their validity periods (notBefore/notAfter), as OpenSSL's
    /// `X509_V_FLAG_NO_CHECK_TIME` and xmlsec's `--X509-skip-time-checks`; a certificate outside
    /// its period gets the advisory
    /// [`Finding::ValidityPeriodIgnored`](super::Finding::ValidityPeriodIgnored) instead of
    /// [`Finding::Expired`](super::Finding::Expired) /
    /// [`Finding::NotYetValid`](super::Finding::NotYetValid). CRLs are still read at
    /// [`ValidationOptions::time`]. **Off by default**: an expired certificate's key may have
    /// leaked since; prefer validating at the time the signature was made.
    pub ignore_validity_periods: bool,
    /// Also enforce the certificate and CRL profile of RFC 5280 §4-5 that CAs MUST follow
    /// (critical basicConstraints on CAs, key identifiers, cRLNumber, non-empty CA subjects...),
    /// like OpenSSL's `X509_V_FLAG_X509_STRICT`. Off by default: §6 does not require it and old
    /// PKIs (NIST PKITS among them) break some of these rules.
    pub strict: bool,
    /// Which legacy hashes certificate and CRL signatures may use (reported as weak): SHA-1
    /// (and RIPEMD-160) with [`HashPolicy::allow_sha1`], MD5 (`md5WithRSAEncryption`, as some
    /// old PKIs issued) with [`HashPolicy::allow_md5`]. **None by default**: MD5 collisions
    /// forged a CA certificate in 2008; allow it only to read archives signed before that, at
    /// their own time.
    pub hashes: HashPolicy,
    /// Smallest RSA modulus accepted in the path (default 2048).
    pub min_rsa_bits: usize,
    /// Budget of signature verifications for one validation (bounds hostile input).
    pub max_signature_checks: usize,
    /// Budget of path-building steps for one validation.
    pub max_path_steps: usize,
    /// Budget of the rest of one validation's work that input can amplify: each comparison of a
    /// name with a name-constraint subtree, and each node, parent edge and expected policy of the
    /// policy graphs (RFC 9618) costs one unit. Beyond it the validation gives up with
    /// [`Finding::WorkLimitExceeded`](super::Finding::WorkLimitExceeded) (indeterminate). The
    /// default, 1,000,000, is a few tenths of a second at most; real paths use a few hundred units.
    pub max_work: u64,
}

impl ValidationOptions {
    /// Defaults for validating a signer's certificate at `time`.
    pub fn at(time: UnixTime) -> Self {
        Self {
            time,
            time_assurance: TimeAssurance::Trusted,
            initial_policy_set: BTreeSet::from([ANY_POLICY.to_owned()]),
            require_explicit_policy: false,
            inhibit_policy_mapping: false,
            inhibit_any_policy: false,
            end_entity_key_usage: vec![KeyUsage::DIGITAL_SIGNATURE, KeyUsage::NON_REPUDIATION],
            required_eku: Vec::new(),
            max_depth: 10,
            revocation: RevocationMode::Required,
            accept_stale_crls: false,
            ignore_validity_periods: false,
            strict: false,
            hashes: HashPolicy::STRICT,
            min_rsa_bits: 2048,
            max_signature_checks: 200,
            max_path_steps: 2_000,
            max_work: 1_000_000,
        }
    }

    /// Whether a signature with `hash` is accepted, as [`ValidationOptions::hashes`] says
    /// ([`HashPolicy::allows`]).
    pub fn allows_hash(&self, hash: HashAlgorithm) -> bool {
        self.hashes.allows(hash)
    }

    /// These options at `time` (the validation time).
    #[must_use]
    pub fn with_time(mut self, time: UnixTime) -> Self {
        self.time = time;
        self
    }

    /// These options, with [`ValidationOptions::time_assurance`] (what vouches for the time) set to
    /// `value`.
    #[must_use]
    pub fn with_time_assurance(mut self, value: TimeAssurance) -> Self {
        self.time_assurance = value;
        self
    }

    /// These options, with [`ValidationOptions::initial_policy_set`] (user-initial-policy-set) set
    /// to `value`.
    #[must_use]
    pub fn with_initial_policy_set(
        mut self,
        value: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        self.initial_policy_set = value.into_iter().map(Into::into).collect();
        self
    }

    /// These options, with [`ValidationOptions::require_explicit_policy`] (initial-explicit-policy)
    /// set to `value`.
    #[must_use]
    pub fn with_require_explicit_policy(mut self, value: bool) -> Self {
        self.require_explicit_policy = value;
        self
    }

    /// These options, with [`ValidationOptions::inhibit_policy_mapping`]
    /// (initial-policy-mapping-inhibit) set to `value`.
    #[must_use]
    pub fn with_inhibit_policy_mapping(mut self, value: bool) -> Self {
        self.inhibit_policy_mapping = value;
        self
    }

    /// These options, with [`ValidationOptions::inhibit_any_policy`] (initial-any-policy-inhibit)
    /// set to `value`.
    #[must_use]
    pub fn with_inhibit_any_policy(mut self, value: bool) -> Self {
        self.inhibit_any_policy = value;
        self
    }

    /// These options, with [`ValidationOptions::end_entity_key_usage`] (the key usages of which the
    /// end certificate must allow one) set to `value`.
    #[must_use]
    pub fn with_end_entity_key_usage(mut self, value: impl Into<Vec<u16>>) -> Self {
        self.end_entity_key_usage = value.into();
        self
    }

    /// These options, with [`ValidationOptions::required_eku`] (the extended key usages the end
    /// certificate must carry) set to `value`.
    #[must_use]
    pub fn with_required_eku(mut self, value: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.required_eku = value.into_iter().map(Into::into).collect();
        self
    }

    /// These options, with [`ValidationOptions::max_depth`] (the most certificates below the trust
    /// anchor) set to `value`.
    #[must_use]
    pub fn with_max_depth(mut self, value: usize) -> Self {
        self.max_depth = value;
        self
    }

    /// These options, with [`ValidationOptions::revocation`] (revocation checking) set to `value`.
    #[must_use]
    pub fn with_revocation(mut self, value: RevocationMode) -> Self {
        self.revocation = value;
        self
    }

    /// These options, with [`ValidationOptions::accept_stale_crls`] (whether CRLs past their
    /// nextUpdate are accepted) set to `value`.
    #[must_use]
    pub fn with_accept_stale_crls(mut self, value: bool) -> Self {
        self.accept_stale_crls = value;
        self
    }

    /// These options, with [`ValidationOptions::ignore_validity_periods`] (whether validity periods
    /// are ignored (advisory findings instead)) set to `value`.
    #[must_use]
    pub fn with_ignore_validity_periods(mut self, value: bool) -> Self {
        self.ignore_validity_periods = value;
        self
    }

    /// These options, with [`ValidationOptions::strict`] (whether the RFC 5280 profile is enforced
    /// too) set to `value`.
    #[must_use]
    pub fn with_strict(mut self, value: bool) -> Self {
        self.strict = value;
        self
    }

    /// These options, with [`ValidationOptions::hashes`] (the legacy hashes accepted) set to
    /// `value`.
    #[must_use]
    pub fn with_hashes(mut self, value: HashPolicy) -> Self {
        self.hashes = value;
        self
    }

    /// These options, with [`ValidationOptions::min_rsa_bits`] (the smallest RSA modulus accepted)
    /// set to `value`.
    #[must_use]
    pub fn with_min_rsa_bits(mut self, value: usize) -> Self {
        self.min_rsa_bits = value;
        self
    }

    /// These options, with [`ValidationOptions::max_signature_checks`] (the budget of signature
    /// verifications) set to `value`.
    #[must_use]
    pub fn with_max_signature_checks(mut self, value: usize) -> Self {
        self.max_signature_checks = value;
        self
    }

    /// These options, with [`ValidationOptions::max_path_steps`] (the budget of path-building
    /// steps) set to `value`.
    #[must_use]
    pub fn with_max_path_steps(mut self, value: usize) -> Self {
        self.max_path_steps = value;
        self
    }

    /// These options, with [`ValidationOptions::max_work`] (the work budget) set to `value`.
    #[must_use]
    pub fn with_max_work(mut self, value: u64) -> Self {
        self.max_work = value;
        self
    }
}
