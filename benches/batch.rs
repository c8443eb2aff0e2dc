//! Batch verification scaling: the same 128 CMS files (RSA-2048 and ECDSA P-256, attached and
//! detached, with path validation and CRLs) verified by `BatchVerifier::verify_all` on rayon
//! pools of 1 and 2 threads (the machine's cores).
//!
//! ```sh
//! cargo bench --bench batch -- --warm-up-time 1 --measurement-time 5
//! ```

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use signflow::batch::{BatchVerifier, Outcome, discover};
use signflow::crypto::CryptoProvider;
use signflow::pki::{Certificate, Crl, TrustStore, UnixTime};

const FILES: usize = 128;

fn testdata(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(rel)
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let sources = [
        ("cms/rsa-attached.der", None),
        ("cms/ecdsa-attached.der", None),
        ("cms/rsa-detached.der", Some("cms/content.txt")),
        ("cms/ecdsa-detached.der", Some("cms/content.txt")),
    ];
    for i in 0..FILES {
        let (sig, content) = sources[i % sources.len()];
        std::fs::copy(testdata(sig), dir.path().join(format!("{i:03}.p7s"))).unwrap();
        if let Some(c) = content {
            std::fs::copy(testdata(c), dir.path().join(format!("{i:03}"))).unwrap();
        }
    }
    let mut trust = TrustStore::new();
    trust
        .add_pem_or_der(&std::fs::read(testdata("pki/root-ca.pem")).unwrap())
        .unwrap();
    let certs = Certificate::all_from_pem_or_der(
        &std::fs::read(testdata("pki/intermediate-ca.pem")).unwrap(),
    )
    .unwrap();
    let mut crls =
        Crl::all_from_pem_or_der(&std::fs::read(testdata("pki/root-ca.crl.pem")).unwrap()).unwrap();
    crls.extend(
        Crl::all_from_pem_or_der(&std::fs::read(testdata("pki/intermediate-ca.crl.pem")).unwrap())
            .unwrap(),
    );
    let verifier = BatchVerifier::new(
        CryptoProvider::all_compiled()[0],
        trust,
        certs,
        crls,
        UnixTime::from_utc(2027, 1, 1, 0, 0, 0),
    );
    let inputs = discover(&[dir.path().to_path_buf()]);
    assert_eq!(inputs.len(), FILES);
    let results = verifier.verify_all(&inputs, |_| {});
    assert!(results.iter().all(|r| r.outcome == Outcome::Valid));

    let mut group = c.benchmark_group("batch/cms-128-files");
    group.throughput(Throughput::Elements(FILES as u64));
    group.sample_size(20);
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        group.bench_function(
            format!("{threads}-thread{}", if threads == 1 { "" } else { "s" }),
            |b| b.iter(|| pool.install(|| verifier.verify_all(&inputs, |_| {}))),
        );
    }
    group.finish();
}

criterion_group!(batch, bench);
criterion_main!(batch);
