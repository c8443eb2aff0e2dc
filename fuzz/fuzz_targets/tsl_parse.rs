//! The accredited-CA list reader on hostile input: an error or a list, never a panic, and
//! within small limits (counts, text lengths, depth) an error rather than unbounded work. A
//! list that parses is also queried the way the qualified decision queries it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signflow::pki::UnixTime;
use signflow::tsl::{AccreditedCaList, TslLimits};

fuzz_target!(|data: &[u8]| {
    let mut limits = TslLimits::default();
    limits.max_authorities = 64;
    limits.max_certificates = 64;
    limits.max_history = 64;
    limits.max_text = 4096;
    limits.max_depth = 16;
    if let Ok(list) = AccreditedCaList::from_reader(data, &limits) {
        let _ = list.qualified_roots().len();
        let _ = list.ca_certificates().len();
        let _ = list.crl_addresses();
        for ca in &list.authorities {
            let _ = ca.accredited_at(UnixTime(1_800_000_000));
        }
    }
});
