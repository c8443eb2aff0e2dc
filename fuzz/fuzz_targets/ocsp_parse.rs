//! OCSP responses (RFC 6960) from hostile bytes: parsing never panics, and whatever parses is
//! used as a revocation source for the test CA's leaves (CertID match, responder
//! authorisation, signatures, freshness) without panicking.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use signflow::crypto::aws_lc;
use signflow::pki::{Certificate, OcspResponse, TrustContext, UnixTime};

fn leaves() -> &'static [Certificate] {
    static LEAVES: OnceLock<Vec<Certificate>> = OnceLock::new();
    LEAVES.get_or_init(|| {
        [
            &include_bytes!("../../testdata/ocsp/leaf-good.pem")[..],
            include_bytes!("../../testdata/ocsp/leaf-revoked.pem"),
            include_bytes!("../../testdata/ocsp/gost-leaf.pem"),
        ]
        .iter()
        .flat_map(|pem| Certificate::all_from_pem_or_der(pem).unwrap())
        .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(responses) = OcspResponse::all_from_pem_or_der(data) else {
        return;
    };
    let Some(first) = responses.first() else {
        return;
    };
    let time = first.responses().first().map_or(UnixTime(0), |s| {
        UnixTime(s.this_update.0.saturating_add(60))
    });
    let context = TrustContext::builder()
        .provider(&aws_lc::DEFAULT_PROVIDER)
        .anchors_pem_or_der(include_bytes!("../../testdata/ocsp/ca.pem"))
        .unwrap()
        .anchors_pem_or_der(include_bytes!("../../testdata/ocsp/gost-ca.pem"))
        .unwrap()
        .ocsp_responses(responses.clone())
        .build();
    for leaf in leaves() {
        let report = context
            .validator()
            .validate(leaf, &context.validation_at(time));
        let _ = report.to_string();
    }
});
