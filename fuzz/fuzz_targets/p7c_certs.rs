//! Certs-only PKCS #7 (`.p7c`, what `pki::online` accepts from a caIssuers URL) from hostile
//! bytes: `Certificate::all_from_certs_only_pkcs7` never panics, never returns more than asked,
//! every certificate it returns is one the certificate parser takes again byte for byte, and
//! when the CMS parser also reads the input as SignedData the two find as many certificates.
//! (Not the same bytes: given a certificate with a non-minimal length inside, the CMS parser
//! hands back a re-encoded copy, while this reader returns the bytes as received, which is
//! what checking the certificate's signature needs. This target found that difference.)
#![no_main]

use libfuzzer_sys::fuzz_target;
use signflow::cms::SignedData;
use signflow::pki::Certificate;

/// What `pki::online` asks for (its pool of certificates).
const MAX: usize = 64;

fuzz_target!(|data: &[u8]| {
    // The first byte picks a small cap now and then, so the cap itself is exercised.
    let max = match data.first() {
        Some(b) if b % 8 == 0 => usize::from(b / 8 % 4),
        _ => MAX,
    };
    let Ok(certs) = Certificate::all_from_certs_only_pkcs7(data, max) else {
        return;
    };
    assert!(certs.len() <= max);
    for c in &certs {
        let again = Certificate::from_der(c.der()).expect("a returned certificate parses again");
        assert_eq!(again.der(), c.der());
    }
    if let Ok(sd) = SignedData::from_ber(data) {
        let theirs = sd.certificates_der().take(max).count();
        assert_eq!(certs.len(), theirs, "the CMS parser finds other certificates");
    }
});
