//! Certificates and CRLs from hostile bytes: parsing never panics, and whatever parses can be
//! inspected (names, extensions, lookups) and validated against itself without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signflow::crypto::aws_lc;
use signflow::pki::{Certificate, Crl, TrustStore, UnixTime, ValidationOptions, Validator};

fuzz_target!(|data: &[u8]| {
    if let Ok(cert) = Certificate::from_der(data) {
        let _ = cert.signature_algorithm();
        let _ = signflow::pki::russian::RussianAttributes::from_certificate(&cert);
        let mut trust = TrustStore::new();
        trust.add(cert.clone());
        let validator = Validator::new(
            &aws_lc::DEFAULT_PROVIDER,
            &trust,
            vec![cert.clone()],
            Vec::new(),
        );
        let _ = validator.validate(&cert, &ValidationOptions::at(UnixTime(1_800_000_000)));
    }
    if let Ok(crl) = Crl::from_der(data) {
        let _ = crl.lookup(crl.issuer(), &[1]);
        let _ = crl.signature_algorithm();
    }
});
