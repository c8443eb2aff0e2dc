//! The validated-chain cache: a cached answer is always the answer a fresh validation gives
//! (PKITS at its own time and at times around it, the test PKI across years), repeats hit,
//! and anything that could change the verdict misses.

mod common;

use signflow::cms::{SignedData, Verifier, VerifyOptions};
use signflow::crypto::CryptoProvider;
use signflow::pki::{
    Certificate, ChainCache, Crl, Status, TrustStore, UnixTime, ValidationOptions, Validator,
};

fn provider() -> &'static CryptoProvider {
    CryptoProvider::all_compiled()[0]
}

const YEAR: i64 = 365 * 86_400;

#[test]
fn cached_verdicts_equal_fresh_ones_on_pkits() {
    let mut hits = 0;
    let mut uncached = Vec::new();
    for case in common::pkits_cases() {
        let trust = case.trust();
        let validator = Validator::new(provider(), &trust, case.untrusted(), case.crls.clone());
        let leaf = case.certs.last().unwrap();
        let cache = ChainCache::new(64);
        let mut any_valid = false;
        for dt in [0, 0, -20 * YEAR, -YEAR, YEAR, 20 * YEAR, 0] {
            let mut options = case.options.clone();
            options.time = UnixTime(case.options.time.0 + dt);
            let fresh = validator.validate(leaf, &options);
            let cached = cache.validate(&validator, leaf, &options);
            assert_eq!(cached.status, fresh.status, "{} at {dt:+}", case.id);
            any_valid |= fresh.status == Status::Valid;
            assert_eq!(cached.time, options.time);
            assert_eq!(
                cached.path.iter().map(|c| &c.subject).collect::<Vec<_>>(),
                fresh.path.iter().map(|c| &c.subject).collect::<Vec<_>>(),
                "{}",
                case.id
            );
        }
        hits += cache.stats().hits;
        if case.expected_valid && cache.stats().hits < 2 {
            // Kept out on purpose: a path certificate named in some CRL (e.g. on hold, then
            // removed by a delta CRL) gets no window.
            uncached.push(case.id.clone());
        }
        if !any_valid {
            assert_eq!(
                cache.stats().entries,
                0,
                "{}: only valid verdicts are kept",
                case.id
            );
        }
    }
    assert!(hits > 100, "{hits}");
    eprintln!("valid PKITS paths not cached: {uncached:?}");
    assert!(uncached.len() <= 10, "{uncached:?}");
}

fn pki() -> (TrustStore, Vec<Certificate>, Vec<Crl>) {
    let mut trust = TrustStore::new();
    trust
        .add_pem_or_der(&common::read("pki/root-ca.pem"))
        .unwrap();
    let inter = Certificate::all_from_pem_or_der(&common::read("pki/intermediate-ca.pem")).unwrap();
    let mut crls = Crl::all_from_pem_or_der(&common::read("pki/root-ca.crl.pem")).unwrap();
    crls.extend(Crl::all_from_pem_or_der(&common::read("pki/intermediate-ca.crl.pem")).unwrap());
    (trust, inter, crls)
}

#[test]
fn anything_that_could_change_the_verdict_misses() {
    let (trust, inter, crls) = pki();
    let leaf = Certificate::from_der(&common::read("pki/leaf-rsa.der")).unwrap();
    let at = UnixTime::from_utc(2027, 1, 1, 0, 0, 0);
    let cache = ChainCache::new(16);
    let validator = Validator::new(provider(), &trust, inter.clone(), crls.clone());
    let options = ValidationOptions::at(at);
    assert_eq!(
        cache.validate(&validator, &leaf, &options).status,
        Status::Valid
    );
    assert_eq!(
        cache.validate(&validator, &leaf, &options).status,
        Status::Valid
    );
    assert_eq!(cache.stats().hits, 1);

    // Without the intermediate's CRL: indeterminate, from a fresh validation.
    let fewer = Validator::new(provider(), &trust, inter.clone(), crls[..1].to_vec());
    assert_eq!(
        cache.validate(&fewer, &leaf, &options).status,
        Status::Indeterminate
    );
    // Other options.
    let mut strict = options.clone();
    strict.min_rsa_bits = 4096;
    assert_eq!(
        cache.validate(&validator, &leaf, &strict).status,
        Status::Invalid
    );
    // After the leaf's notAfter (2036-01-01).
    let late = ValidationOptions::at(UnixTime::from_utc(2036, 6, 1, 0, 0, 0));
    assert_ne!(
        cache.validate(&validator, &leaf, &late).status,
        Status::Valid
    );
    // Another trust store.
    let empty = TrustStore::new();
    let untrusted = Validator::new(provider(), &empty, inter, crls);
    assert_ne!(
        cache.validate(&untrusted, &leaf, &options).status,
        Status::Valid
    );
    assert_eq!(cache.stats().hits, 1, "none of these came from the cache");
    // The revoked leaf is never answered from the cache.
    let revoked = Certificate::all_from_pem_or_der(&common::read("pki/leaf-revoked.pem")).unwrap();
    for _ in 0..2 {
        assert_eq!(
            cache.validate(&validator, &revoked[0], &options).status,
            Status::Invalid
        );
    }
    assert_eq!(cache.stats().hits, 1);
}

#[test]
fn cms_verifier_with_cache_hits_on_repeats() {
    let (trust, inter, crls) = pki();
    let cache = ChainCache::new(16);
    let verifier = Verifier::new(provider(), &trust, inter, crls).with_cache(&cache);
    let sd = SignedData::from_ber(&common::read("cms/rsa-detached.der")).unwrap();
    let options = VerifyOptions::at(UnixTime::from_utc(2027, 1, 1, 0, 0, 0));
    for _ in 0..3 {
        let mut content: &[u8] = &common::read("cms/content.txt");
        let report = verifier.verify(&sd, Some(&mut content), &options).unwrap();
        assert_eq!(report.status, Status::Valid);
    }
    // A tampered content is still caught (the cache holds certificate verdicts only).
    let mut altered: &[u8] = b"something else";
    let report = verifier.verify(&sd, Some(&mut altered), &options).unwrap();
    assert_eq!(report.status, Status::Invalid);
    assert_eq!(cache.stats().misses, 1);
    assert_eq!(cache.stats().hits, 3);
}
