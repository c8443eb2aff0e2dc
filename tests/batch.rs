//! Batch verification: every file gets the verdict a one-file verification gives, in input
//! order, whatever the number of threads; discovery pairs detached signatures with content.

mod common;

use std::path::{Path, PathBuf};

use signflow::batch::{BatchInput, BatchVerifier, Outcome, discover};
use signflow::cms::{SignedData, Verifier, VerifyOptions};
use signflow::crypto::CryptoProvider;
use signflow::pki::{Certificate, Crl, TrustStore, UnixTime};

fn at() -> UnixTime {
    UnixTime::from_utc(2027, 1, 1, 0, 0, 0)
}

fn material() -> (TrustStore, Vec<Certificate>, Vec<Crl>) {
    let mut trust = TrustStore::new();
    trust
        .add_pem_or_der(&common::read("pki/root-ca.pem"))
        .unwrap();
    let certs = Certificate::all_from_pem_or_der(&common::read("pki/intermediate-ca.pem")).unwrap();
    let mut crls = Crl::all_from_pem_or_der(&common::read("pki/root-ca.crl.pem")).unwrap();
    crls.extend(Crl::all_from_pem_or_der(&common::read("pki/intermediate-ca.crl.pem")).unwrap());
    (trust, certs, crls)
}

/// testdata/cms's signatures as `*.p7s` (detached ones next to their content), the xmlsec1
/// sample, a file that is not a signature, and a detached signature without content.
fn corpus(dir: &Path) {
    for entry in std::fs::read_dir(common::testdata("cms")).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "der") {
            let stem = p.file_stem().unwrap().to_str().unwrap();
            std::fs::copy(&p, dir.join(format!("{stem}.p7s"))).unwrap();
            if stem.contains("detached") && stem != "ber-detached" {
                std::fs::copy(common::testdata("cms/content.txt"), dir.join(stem)).unwrap();
            }
        }
    }
    let sub = dir.join("xml");
    std::fs::create_dir(&sub).unwrap();
    std::fs::copy(
        common::testdata("xmldsig/xmlsec1-signed-rsa.xml"),
        sub.join("signed.xml"),
    )
    .unwrap();
    std::fs::write(dir.join("garbage.p7s"), b"not a signature").unwrap();
    std::fs::copy(
        common::testdata("cms/rsa-detached.der"),
        dir.join("lonely.p7s"),
    )
    .unwrap();
}

#[test]
fn batch_verdicts_match_single_verification_in_order() {
    let provider = CryptoProvider::all_compiled()[0];
    let dir = tempfile::tempdir().unwrap();
    corpus(dir.path());
    let inputs = discover(&[dir.path().to_path_buf()]);
    assert!(inputs.len() >= 25, "{}", inputs.len());
    // Detached signatures found their content; the content files are not inputs.
    for i in &inputs {
        if let BatchInput::Cms { signature, content } = i {
            let name = signature.file_stem().unwrap().to_str().unwrap();
            assert_eq!(
                content.is_some(),
                name.contains("detached") && name != "ber-detached", // (BER, content attached)
                "{name}"
            );
        }
    }
    let (trust, certs, crls) = material();
    let verifier = BatchVerifier::new(provider, trust.clone(), certs.clone(), crls.clone(), at());
    let seen = std::sync::atomic::AtomicUsize::new(0);
    let results = verifier.verify_all(&inputs, |_| {
        seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    });
    assert_eq!(seen.into_inner(), inputs.len());
    assert_eq!(results.len(), inputs.len());

    let single = Verifier::new(provider, &trust, certs, crls);
    for (input, r) in inputs.iter().zip(&results) {
        assert_eq!(r.path, input.path(), "results come back in input order");
        let name = r.path.file_name().unwrap().to_str().unwrap();
        let expected = match input {
            BatchInput::Cms { signature, content } => {
                match SignedData::from_ber(&std::fs::read(signature).unwrap()) {
                    Err(_) => Outcome::FormatError,
                    Ok(sd) => {
                        let mut file = content.as_ref().map(|c| std::fs::File::open(c).unwrap());
                        let detached = file.as_mut().map(|f| f as &mut dyn std::io::Read);
                        if sd.is_detached() && detached.is_none() {
                            Outcome::FormatError
                        } else {
                            single
                                .verify(&sd, detached, &VerifyOptions::at(at()))
                                .unwrap()
                                .status
                                .into()
                        }
                    }
                }
            }
            BatchInput::Xml { .. } => Outcome::Valid,
        };
        assert_eq!(r.outcome, expected, "{name}: {:?}", r.reasons);
        assert_eq!(r.reasons.is_empty(), r.outcome == Outcome::Valid, "{name}");
    }
    let by_name = |n: &str| {
        results
            .iter()
            .find(|r| r.path.file_name().unwrap() == n)
            .unwrap()
    };
    assert_eq!(by_name("rsa-detached.p7s").outcome, Outcome::Valid);
    assert_eq!(by_name("signed.xml").outcome, Outcome::Valid);
    assert_eq!(
        by_name("revoked-signer-attached.p7s").outcome,
        Outcome::Invalid
    );
    assert!(by_name("revoked-signer-attached.p7s").reasons[0].contains("revoked"));
    assert_eq!(
        by_name("expired-signer-attached.p7s").outcome,
        Outcome::Invalid
    );
    assert_eq!(by_name("garbage.p7s").outcome, Outcome::FormatError);
    let lonely = by_name("lonely.p7s");
    assert_eq!(lonely.outcome, Outcome::FormatError);
    assert!(
        lonely.reasons[0].contains("without its content"),
        "{lonely:?}"
    );

    // The same verdicts on one thread.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let one = pool.install(|| verifier.verify_all(&inputs, |_| {}));
    let outcomes = |rs: &[signflow::batch::BatchResult]| -> Vec<(PathBuf, Outcome)> {
        rs.iter().map(|r| (r.path.clone(), r.outcome)).collect()
    };
    assert_eq!(outcomes(&one), outcomes(&results));
}
