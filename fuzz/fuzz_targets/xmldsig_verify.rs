//! XMLDSig verification of hostile documents against a fixed trust store (the test PKI's root,
//! intermediate and CRLs). Never a panic, and:
//! - both crypto providers give the same verdict and as many findings;
//! - a valid result has every reference digest matching, a signer certificate with its path
//!   report, and no finding that makes it invalid or indeterminate;
//! - a key the caller vouches for (the RSA leaf's) gives no more than a verdict too, and so
//!   do the document's KeyValue, an encrypted HMAC key and the OPC Relationships transform.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signflow::crypto::{aws_lc, rustcrypto};
use signflow::pki::{Certificate, Crl, Status, TrustStore, UnixTime};
use signflow::xmldsig::{
    KeyDecryptionKey, KeySource, ParseLimits, VerifyOptions, XmlVerification, verify,
};

struct Pki {
    trust: TrustStore,
    intermediates: Vec<Certificate>,
    crls: Vec<Crl>,
    leaf_spki: Vec<u8>,
}

fn pki() -> &'static Pki {
    static PKI: std::sync::OnceLock<Pki> = std::sync::OnceLock::new();
    PKI.get_or_init(|| {
        let mut trust = TrustStore::new();
        trust
            .add_pem_or_der(include_bytes!("../../testdata/pki/root-ca.pem"))
            .expect("root");
        let intermediates = Certificate::all_from_pem_or_der(include_bytes!(
            "../../testdata/pki/intermediate-ca.pem"
        ))
        .expect("intermediate");
        let mut crls =
            Crl::all_from_pem_or_der(include_bytes!("../../testdata/pki/root-ca.crl.pem"))
                .expect("root CRL");
        crls.extend(
            Crl::all_from_pem_or_der(include_bytes!("../../testdata/pki/intermediate-ca.crl.pem"))
                .expect("intermediate CRL"),
        );
        let leaf =
            Certificate::all_from_pem_or_der(include_bytes!("../../testdata/pki/leaf-rsa.pem"))
                .expect("leaf")
                .remove(0);
        Pki {
            trust,
            intermediates,
            crls,
            leaf_spki: leaf.spki_der().to_vec(),
        }
    })
}

fn check(result: &XmlVerification) {
    if result.status == Status::Valid {
        assert!(!result.references.is_empty(), "valid without references");
        assert!(result.references.iter().all(|r| r.digest_matches));
        assert!(result.findings.iter().all(|f| f.finding.status().is_none()));
        assert!(result.signature_algorithm.is_some());
    }
}

fuzz_target!(|data: &[u8]| {
    let pki = pki();
    let mut options = VerifyOptions::at(UnixTime::from_utc(2027, 1, 1, 0, 0, 0));
    options.limits = ParseLimits {
        max_size: 1 << 20,
        max_nodes: 1 << 16,
        ..ParseLimits::default()
    };
    options.detached = vec![("act.txt".into(), b"Act of acceptance no. 17".to_vec())];
    let run = |provider, options: &VerifyOptions| {
        verify(
            provider,
            data,
            &pki.trust,
            &pki.intermediates,
            &pki.crls,
            options,
        )
    };
    let a = run(&aws_lc::DEFAULT_PROVIDER, &options);
    let b = run(&rustcrypto::DEFAULT_PROVIDER, &options);
    match (&a, &b) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.status, b.status, "providers disagree");
            assert_eq!(a.findings.len(), b.findings.len(), "providers disagree");
            check(a);
            if a.status == Status::Valid {
                assert!(a.signer.is_some() && a.certificate.is_some());
            }
        }
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
        _ => panic!("one provider refused the document and the other did not"),
    }
    if a.is_err() {
        return;
    }
    options.key = KeySource::TrustedPublicKey(pki.leaf_spki.clone());
    if let Ok(r) = run(&aws_lc::DEFAULT_PROVIDER, &options) {
        check(&r);
    }
    // The document's own KeyValue, an encrypted HMAC key opened with a fixed AES key, and
    // the Relationships transform's legacy mode over an XML part: parsers of their own.
    options.key = KeySource::KeyValue;
    options.key_decryption = vec![KeyDecryptionKey::symmetric([7u8; 16])];
    options.relationship_legacy = true;
    options.detached.push((
        "_rels/.rels".into(),
        br#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="t" Target="a.xml"/></Relationships>"#.to_vec(),
    ));
    if let Ok(r) = run(&aws_lc::DEFAULT_PROVIDER, &options) {
        check(&r);
    }
    options.key = KeySource::KeyInfo;
    if let Ok(r) = run(&aws_lc::DEFAULT_PROVIDER, &options) {
        check(&r);
    }
});
