//! CMS verification of hostile input, attached and detached: an error or a report, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signflow::cms::{SignedData, Verifier, VerifyOptions};
use signflow::pki::{TrustStore, UnixTime};

fuzz_target!(|data: &[u8]| {
    let trust = TrustStore::new();
    let verifier = Verifier::new(
        &signflow::crypto::aws_lc::DEFAULT_PROVIDER,
        &trust,
        Vec::new(),
        Vec::new(),
    );
    let options = VerifyOptions::at(UnixTime(1_800_000_000));
    if let Ok(sd) = SignedData::from_ber(data) {
        let _ = verifier.verify(&sd, None, &options);
        let mut detached: &[u8] = b"Act of acceptance no. 17";
        let _ = verifier.verify(&sd, Some(&mut detached), &options);
    }
});
