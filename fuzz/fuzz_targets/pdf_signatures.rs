//! Signed-PDF reading from hostile bytes: cross-reference tables and streams, object streams,
//! Flate, the /Fields tree, /ByteRange coverage, the DSS and verification never panic and stay
//! within the reader's limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signflow::cms::VerifyOptions;
use signflow::crypto::aws_lc;
use signflow::pdf::SignedPdf;
use signflow::pki::{TrustContext, UnixTime};

fuzz_target!(|data: &[u8]| {
    let Ok(pdf) = SignedPdf::parse(data) else {
        return;
    };
    let _ = pdf.dss();
    if let Ok(signatures) = pdf.signatures() {
        for signature in &signatures {
            let _ = pdf.coverage(signature);
        }
    }
    let context = TrustContext::builder()
        .provider(&aws_lc::DEFAULT_PROVIDER)
        .build();
    let options = VerifyOptions::at(UnixTime::from_utc(2027, 1, 1, 0, 0, 0));
    if let Ok(report) = pdf.verify(&context, &options) {
        let _ = report.to_string();
    }
});
