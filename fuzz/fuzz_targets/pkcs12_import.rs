//! PKCS#12 import with a fixed password: never panics, and iteration bounds keep each input fast.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signflow::pki::pkcs12::Pkcs12;

fuzz_target!(|data: &[u8]| {
    if let Ok(p12) = Pkcs12::from_der(data, "signflow-test") {
        let _ = p12.identity(&signflow::crypto::aws_lc::DEFAULT_PROVIDER);
        let _ = p12.info().to_string();
    }
});
