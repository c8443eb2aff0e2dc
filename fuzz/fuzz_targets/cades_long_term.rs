//! CAdES-C/X/A unsigned attributes of hostile input (complete references, certificate and
//! revocation values, CAdES-C and certCRL time-stamps, archive-time-stamp-v3 with the
//! ats-hash-index-v3 inside its token): seeded with the X-L1 and the CAdES-A of
//! testdata/cades, verified against its real content and root, so a mutated unsigned
//! attribute (which no signature covers) reaches the long-term and archive parsers and
//! checks. An error or a report, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signflow::cms::{SignedData, Verifier, VerifyOptions};
use signflow::pki::{Certificate, TrustStore, UnixTime};

fuzz_target!(|data: &[u8]| {
    let provider = &signflow::crypto::aws_lc::DEFAULT_PROVIDER;
    let mut trust = TrustStore::new();
    if let Ok(mut roots) =
        Certificate::all_from_pem_or_der(include_bytes!("../../testdata/pki/root-ca.pem"))
    {
        trust.add(roots.remove(0));
    }
    let verifier = Verifier::new(provider, &trust, Vec::new(), Vec::new());
    let options = VerifyOptions::at(UnixTime(1_860_000_000));
    if let Ok(sd) = SignedData::from_pem_or_ber_vec(data.to_vec()) {
        let content = include_bytes!("../../testdata/cades/data.txt");
        if sd.is_detached() {
            let _ = verifier.verify_detached_bytes(&sd, content, &options);
        } else {
            let _ = verifier.verify(&sd, None, &options);
        }
    }
});
