//! RFC 3161 time-stamp tokens, responses and requests from hostile bytes: parsing never
//! panics, whatever parses can be verified (imprint, nonce, CMS signature, TSA certificate)
//! without panicking, and a request that parses encodes back to what parses the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signflow::crypto::aws_lc;
use signflow::pki::TrustContext;
use signflow::tsp::{Imprint, TimeStampRequest, TimeStampToken, TstInfo};

fuzz_target!(|data: &[u8]| {
    let _ = TstInfo::from_der(data);
    if let Ok(request) = TimeStampRequest::from_der(data) {
        let again = TimeStampRequest::from_der(&request.to_der()).expect("re-encoded request");
        assert_eq!(again, request);
    }
    if let Ok(token) = TimeStampToken::parse(data) {
        let context = TrustContext::builder()
            .provider(&aws_lc::DEFAULT_PROVIDER)
            .build();
        let report = token.verify_with_nonce(&context, Imprint::Data(data), &[1, 2, 3]);
        let _ = report.to_string();
        let _ = report.time_bounds();
        let _ = token.info().gen_time_rfc3339();
    }
});
