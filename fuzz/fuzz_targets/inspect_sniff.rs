//! What `signflow inspect` and the CLI's error messages use to tell a file's kind: PEM/DER
//! splitting, then [`signflow::pem::identify`] on each object (and on the raw bytes, as DER or
//! BER). Never panics, and never contradicts the parsers: whatever parses as a certificate, a
//! CRL or a CMS SignedData is identified as one. `--max-input` sizes are parsed too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signflow::pem::{ObjectKind, decode_objects, identify};
use signflow::pki::{Certificate, Crl};

fn check(der: &[u8]) {
    let kind = identify(der);
    assert_eq!(kind, identify(der), "identify is a function of its input");
    if Certificate::from_der(der).is_ok() {
        assert_eq!(
            kind,
            ObjectKind::Certificate,
            "a parsed certificate: {der:02x?}"
        );
    }
    if Crl::from_der(der).is_ok() {
        assert_eq!(kind, ObjectKind::Crl, "a parsed CRL: {der:02x?}");
    }
    if signflow::cms::SignedData::from_ber(der).is_ok() {
        assert_eq!(
            kind,
            ObjectKind::CmsSignedData,
            "a parsed SignedData: {der:02x?}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    check(data);
    if let Ok(objects) = decode_objects(data) {
        for obj in &objects {
            if obj.label.is_none() {
                continue; // the raw input, checked above
            }
            let _ = obj.label.as_deref().and_then(ObjectKind::from_label);
            check(&obj.der);
        }
    }
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(n) = signflow::limits::parse_size(text)
    {
        let _ = signflow::limits::format_size(n);
    }
});
