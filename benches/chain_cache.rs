//! The validated-chain cache: the test PKI's RSA leaf validated with both CRLs, cold (a fresh
//! `Validator::validate`) and answered from a `ChainCache`; and a detached CMS verification
//! of 1 KiB with and without the cache.
//!
//! ```sh
//! cargo bench --bench chain_cache -- --warm-up-time 1 --measurement-time 3
//! ```

use criterion::{Criterion, criterion_group, criterion_main};
use signflow::cms::{SignedData, Verifier, VerifyOptions};
use signflow::crypto::CryptoProvider;
use signflow::pki::{
    Certificate, ChainCache, Crl, Status, TrustStore, UnixTime, ValidationOptions, Validator,
};

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(format!("{}/testdata/{rel}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn bench(c: &mut Criterion) {
    let provider = CryptoProvider::all_compiled()[0];
    let mut trust = TrustStore::new();
    trust.add_pem_or_der(&read("pki/root-ca.pem")).unwrap();
    let inter = Certificate::all_from_pem_or_der(&read("pki/intermediate-ca.pem")).unwrap();
    let mut crls = Crl::all_from_pem_or_der(&read("pki/root-ca.crl.pem")).unwrap();
    crls.extend(Crl::all_from_pem_or_der(&read("pki/intermediate-ca.crl.pem")).unwrap());
    let leaf = Certificate::from_der(&read("pki/leaf-rsa.der")).unwrap();
    let options = ValidationOptions::at(UnixTime::from_utc(2027, 1, 1, 0, 0, 0));
    let validator = Validator::new(provider, &trust, inter.clone(), crls.clone());
    let cache = ChainCache::new(1024);
    assert_eq!(
        cache.validate(&validator, &leaf, &options).status,
        Status::Valid
    );

    let mut g = c.benchmark_group("chain/test-pki-rsa-leaf-with-crls");
    g.bench_function("cold", |b| {
        b.iter(|| {
            let v = Validator::new(provider, &trust, inter.clone(), crls.clone());
            v.validate(&leaf, &options)
        })
    });
    g.bench_function("cached", |b| {
        b.iter(|| cache.validate(&validator, &leaf, &options))
    });
    g.finish();

    let sd = SignedData::from_ber(&read("cms/rsa-detached.der")).unwrap();
    let content = read("cms/content.txt");
    let vopts = VerifyOptions::at(UnixTime::from_utc(2027, 1, 1, 0, 0, 0));
    let plain = Verifier::new(provider, &trust, inter.clone(), crls.clone());
    let cms_cache = ChainCache::new(1024);
    let cached = Verifier::new(provider, &trust, inter, crls).with_cache(&cms_cache);
    let mut g = c.benchmark_group("cms/detached-rsa-verify");
    for (name, verifier) in [("no-cache", &plain), ("cached-chain", &cached)] {
        let mut r: &[u8] = &content;
        assert_eq!(
            verifier.verify(&sd, Some(&mut r), &vopts).unwrap().status,
            Status::Valid
        );
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut r: &[u8] = &content;
                verifier.verify(&sd, Some(&mut r), &vopts).unwrap()
            })
        });
    }
    g.finish();
}

criterion_group!(chain_cache, bench);
criterion_main!(chain_cache);
