//! The validated-chain cache: [`ChainCache`].

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use sha2::{Digest as _, Sha256};

use super::{Certificate, Status, UnixTime, ValidationOptions, ValidationReport, Validator};

/// How the cache has done.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Lookups answered from the cache.
    pub hits: u64,
    /// Lookups validated in full.
    pub misses: u64,
    /// Entries held.
    pub entries: usize,
}

struct Entry {
    report: ValidationReport,
    /// The verdict holds for times in `from..until`.
    from: UnixTime,
    until: UnixTime,
}

#[derive(Default)]
struct Inner {
    map: HashMap<[u8; 32], Entry>,
    order: VecDeque<[u8; 32]>,
    hits: u64,
    misses: u64,
}

/// A bounded cache of successful path validations, shareable between threads, for services
/// that verify many documents signed by the same few certificates.
///
/// An entry is keyed by everything the verdict depends on except the time — the end-entity
/// certificate, every certificate, CRL and OCSP response the validator could use (trust
/// anchors, intermediates, CRLs, OCSP responses: their SHA-256 fingerprints) and the validation
/// options — and it holds the window of times in which the same inputs must give the same
/// verdict: inside every path certificate's validity, inside every CRL's and OCSP
/// SingleResponse's thisUpdate..nextUpdate, and before the revocation date (or earlier
/// invalidityDate) of any CRL entry naming a path certificate and any OCSP revocation time. A lookup at a time outside the window, a
/// new CRL, another trust store or other options misses, and the validation runs in full.
/// Only *valid* results are cached: invalid and indeterminate ones are always recomputed.
///
/// The cache is opt-in ([`crate::cms::Verifier::with_cache`]): it is state the service owns,
/// bounded by its capacity, and a service decides how long verdicts may be shared between
/// requests. It is never less strict than validating afresh.
///
/// ```
/// # #[cfg(any(feature = "aws-lc-rs", feature = "rustcrypto"))] {
/// use signflow::crypto::CryptoProvider;
/// use signflow::pki::{Certificate, ChainCache, Crl, Status, TrustStore, UnixTime,
///                     ValidationOptions, Validator};
///
/// let mut trust = TrustStore::new();
/// trust.add_pem_or_der(include_bytes!("../../testdata/pki/root-ca.pem"))?;
/// let inter = Certificate::all_from_pem_or_der(include_bytes!("../../testdata/pki/intermediate-ca.pem"))?;
/// let mut crls = Crl::all_from_pem_or_der(include_bytes!("../../testdata/pki/root-ca.crl.pem"))?;
/// crls.extend(Crl::all_from_pem_or_der(include_bytes!("../../testdata/pki/intermediate-ca.crl.pem"))?);
/// let leaf = Certificate::from_der(include_bytes!("../../testdata/pki/leaf-rsa.der"))?;
/// let validator = Validator::new(CryptoProvider::all_compiled()[0], &trust, inter, crls);
/// let cache = ChainCache::new(1024);
/// let options = ValidationOptions::at(UnixTime::from_utc(2027, 1, 1, 0, 0, 0));
/// let first = cache.validate(&validator, &leaf, &options);   // validated, cached
/// let again = cache.validate(&validator, &leaf, &options);   // from the cache
/// assert_eq!((first.status, again.status), (Status::Valid, Status::Valid));
/// assert_eq!(cache.stats().hits, 1);
/// // Years later, outside the certificates' validity: validated afresh, and invalid.
/// let later = ValidationOptions::at(UnixTime::from_utc(2040, 1, 1, 0, 0, 0));
/// assert_ne!(cache.validate(&validator, &leaf, &later).status, Status::Valid);
/// # }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ChainCache {
    inner: Mutex<Inner>,
    pub(super) capacity: usize,
}

impl core::fmt::Debug for ChainCache {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ChainCache")
            .field("capacity", &self.capacity)
            .field("stats", &self.stats())
            .finish()
    }
}

impl ChainCache {
    /// A cache holding at most `capacity` verdicts (the oldest go first).
    pub fn new(capacity: usize) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            capacity: capacity.max(1),
        }
    }

    /// Hits, misses and size so far.
    pub fn stats(&self) -> CacheStats {
        let inner = self.lock();
        CacheStats {
            hits: inner.hits,
            misses: inner.misses,
            entries: inner.map.len(),
        }
    }

    /// Forgets every verdict.
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.map.clear();
        inner.order.clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// [`Validator::validate`], answered from the cache when the same inputs were found valid
    /// and `options.time` lies in that verdict's window.
    pub fn validate(
        &self,
        validator: &Validator<'_>,
        end_entity: &Certificate,
        options: &ValidationOptions,
    ) -> ValidationReport {
        let key = key(validator, end_entity, options);
        let t = options.time;
        {
            let mut inner = self.lock();
            let hit = inner
                .map
                .get(&key)
                .filter(|e| e.from <= t && t < e.until)
                .map(|e| e.report.clone());
            if let Some(mut report) = hit {
                inner.hits += 1;
                report.time = t;
                return report;
            }
            inner.misses += 1;
        }
        let report = validator.validate(end_entity, options);
        if report.status == Status::Valid
            && let Some((from, until)) = window(validator, end_entity, &report)
            && from <= t
            && t < until
        {
            let mut inner = self.lock();
            if inner
                .map
                .insert(
                    key,
                    Entry {
                        report: report.clone(),
                        from,
                        until,
                    },
                )
                .is_none()
            {
                inner.order.push_back(key);
            }
            while inner.map.len() > self.capacity {
                match inner.order.pop_front() {
                    Some(old) => {
                        inner.map.remove(&old);
                    }
                    None => break,
                }
            }
        }
        report
    }
}

/// Everything the verdict depends on but the time.
fn key(
    validator: &Validator<'_>,
    end_entity: &Certificate,
    options: &ValidationOptions,
) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"signflow-chain-cache-v1\0");
    h.update(end_entity.fingerprint_sha256());
    fn fingerprints<'c>(
        h: &mut Sha256,
        tag: u8,
        certs: impl Iterator<Item = &'c Certificate> + Clone,
    ) {
        h.update([tag]);
        h.update((certs.clone().count() as u64).to_be_bytes());
        for c in certs {
            h.update(c.fingerprint_sha256());
        }
    }
    fingerprints(&mut h, b'T', validator.trust().anchors().iter());
    fingerprints(&mut h, b'I', validator.intermediates());
    h.update([b'C']);
    h.update((validator.crls().count() as u64).to_be_bytes());
    for crl in validator.crls() {
        h.update(crl.fingerprint_sha256());
    }
    h.update([b'O']);
    h.update((validator.ocsp_responses().count() as u64).to_be_bytes());
    for response in validator.ocsp_responses() {
        h.update(response.fingerprint_sha256());
    }
    let mut timeless = options.clone();
    timeless.time = UnixTime(0);
    h.update(format!("{timeless:?}").as_bytes());
    h.finalize().into()
}

/// The times in which `report` (valid) stays the verdict, or `None` if a path certificate
/// cannot be matched to the inputs (then nothing is cached).
fn window(
    validator: &Validator<'_>,
    end_entity: &Certificate,
    report: &ValidationReport,
) -> Option<(UnixTime, UnixTime)> {
    let mut from = UnixTime(i64::MIN);
    let mut until = UnixTime(i64::MAX);
    let pool: Vec<&Certificate> = core::iter::once(end_entity)
        .chain(validator.intermediates())
        .chain(validator.trust().anchors())
        .collect();
    for step in &report.path {
        let cert = pool.iter().find(|c| {
            c.serial_hex() == step.serial
                && c.subject().to_string() == step.subject
                && c.not_before() == step.not_before
                && c.not_after() == step.not_after
        })?;
        from = from.max(cert.not_before());
        until = until.min(UnixTime(cert.not_after().0.saturating_add(1)));
        for crl in validator.crls() {
            if let Some(e) = crl.lookup(cert.issuer(), cert.serial()) {
                until = until.min(super::revocation::effective_revocation(e));
            }
        }
    }
    for crl in validator.crls() {
        from = from.max(crl.this_update());
        if let Some(next) = crl.next_update() {
            until = until.min(next);
        }
    }
    // OCSP answers, as CRLs: inside every SingleResponse's thisUpdate..nextUpdate (or its
    // one-day use without nextUpdate), and before any revocation time they give.
    for single in validator.ocsp_responses().flat_map(|r| r.responses()) {
        from = from.max(single.this_update);
        let last = single.next_update.unwrap_or(UnixTime(
            single
                .this_update
                .0
                .saturating_add(super::MAX_AGE_WITHOUT_NEXT_UPDATE),
        ));
        until = until.min(last);
        if let super::CertStatus::Revoked { time, .. } = single.status {
            until = until.min(time);
        }
    }
    Some((from, until))
}
