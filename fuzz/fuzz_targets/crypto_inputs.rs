//! Hostile public keys, algorithm identifiers and signatures through both backends: every input
//! must give `Ok` or an error, never a panic, and the backends must agree on acceptance.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signflow::crypto::{CryptoProvider, SignatureAlgorithm, aws_lc, rustcrypto};

fuzz_target!(|data: &[u8]| {
    // Layout: [alg_len][alg DER][key_len][key DER][signature ...]; the message is fixed.
    let mut rest = data;
    let mut take = |n: usize| {
        let n = n.min(rest.len());
        let (a, b) = rest.split_at(n);
        rest = b;
        a
    };
    let alg_len = take(1).first().copied().unwrap_or(0) as usize;
    let alg_der = take(alg_len);
    let key_len = u16::from_be_bytes([
        take(1).first().copied().unwrap_or(0),
        take(1).first().copied().unwrap_or(0),
    ]) as usize;
    let key_der = take(key_len);
    let signature = take(usize::MAX);
    let _ = signflow::crypto::PublicKeyInfo::parse(key_der);
    let Ok(alg) = SignatureAlgorithm::from_algorithm_identifier_der(alg_der, None) else {
        return;
    };
    let _ = alg.algorithm_identifier_der();
    let providers: [&CryptoProvider; 2] =
        [&aws_lc::DEFAULT_PROVIDER, &rustcrypto::DEFAULT_PROVIDER];
    let results: Vec<bool> = providers
        .iter()
        .map(|p| p.verify(&alg, key_der, b"fuzz message", signature).is_ok())
        .collect();
    assert_eq!(results[0], results[1], "backends disagree on {alg}");
});
