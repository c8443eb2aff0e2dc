//! The GOST decoders of PKCS#12 import (GOST 28147-89 CFB, Kuznyechik/Magma CTR-ACPKM(-OMAC),
//! Streebog MACs and PBKDF2): seeded with the GOST engine's files, the MAC-less ones reaching
//! the ciphers and their parameters directly. The first byte picks the password (the engine
//! files' or the RFC 9548 examples'). Never panics; every input stays within the work budget.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signflow::pki::pkcs12::Pkcs12;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let password = if first & 1 == 0 {
        "signflow-gost"
    } else {
        "Пароль для PFX"
    };
    if let Ok(p12) = Pkcs12::from_der(rest, password) {
        let _ = p12.identity(&signflow::crypto::aws_lc::DEFAULT_PROVIDER);
        let _ = p12.info().to_string();
    }
});
