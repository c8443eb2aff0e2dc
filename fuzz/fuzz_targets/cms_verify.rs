//! CMS verification of hostile input, attached and detached: an error or a report, never a panic.
//! Also at the signer's claimed signing time with a bound of two signers (the per-message
//! validation memo and `max_signers`), and the co-signing check of a content against the
//! existing signers (message digests, or signatures with embedded certificates).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use signflow::cms::{SignOptions, SignedData, Signer, ValidationTime, Verifier, VerifyOptions};
use signflow::pki::{Certificate, TrustStore, UnixTime};

fn cosigner() -> &'static Certificate {
    static LEAF: OnceLock<Certificate> = OnceLock::new();
    LEAF.get_or_init(|| {
        Certificate::all_from_pem_or_der(include_bytes!("../../testdata/pki/leaf-ecdsa-p256.pem"))
            .expect("the test leaf parses")
            .remove(0)
    })
}

fuzz_target!(|data: &[u8]| {
    let provider = &signflow::crypto::aws_lc::DEFAULT_PROVIDER;
    let trust = TrustStore::new();
    let verifier = Verifier::new(provider, &trust, Vec::new(), Vec::new());
    let mut options = VerifyOptions::at(UnixTime(1_800_000_000));
    if let Ok(sd) = SignedData::from_pem_or_ber_vec(data.to_vec()) {
        let _ = verifier.verify(&sd, None, &options);
        let mut detached: &[u8] = b"Act of acceptance no. 17";
        let _ = verifier.verify(&sd, Some(&mut detached), &options);
        options.time = ValidationTime::ClaimedSigningTime;
        options.max_signers = 2;
        let mut detached: &[u8] = b"Act of acceptance no. 17";
        let content = sd
            .is_detached()
            .then_some(&mut detached as &mut dyn std::io::Read);
        let _ = verifier.verify(&sd, content, &options);
        let signer = Signer::new(
            provider,
            cosigner(),
            &[],
            SignOptions::at(UnixTime(1_800_000_000)),
        );
        let mut detached: &[u8] = b"Act of acceptance no. 17";
        let content = sd
            .is_detached()
            .then_some(&mut detached as &mut dyn std::io::Read);
        let _ = signer.prepare_cosign(None, &sd, content);
    }
});
