//! МЧД (EMCHD_1) parsing of hostile input: an error or a power of attorney, never a panic;
//! what parses is displayed and serialized, and its revocation list reader is fed the same
//! bytes as text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signflow::mchd::{PowerOfAttorney, RevokedList};

fuzz_target!(|data: &[u8]| {
    if let Ok(mchd) = PowerOfAttorney::parse(data) {
        let _ = mchd.to_string();
        let _ = serde_json::to_string(&mchd);
        let _ = mchd.valid_from_time();
        let _ = mchd.valid_to_time();
        for principal in &mchd.principals {
            let _ = principal.describe();
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = RevokedList::parse(text);
    }
});
