//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// Path of a file under `testdata/`.
pub fn testdata(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(rel)
}

/// Reads a file under `testdata/`.
pub fn read(rel: &str) -> Vec<u8> {
    std::fs::read(testdata(rel)).unwrap_or_else(|e| panic!("testdata/{rel}: {e}"))
}

/// Instantiates the enclosed test items once per compiled crypto backend, in a module named
/// after the backend, with `provider()` returning that backend's provider.
#[macro_export]
macro_rules! per_provider {
    ($($body:tt)*) => {
        #[cfg(feature = "aws-lc-rs")]
        mod aws_lc_rs {
            #[allow(unused_imports)]
            use super::*;
            fn provider() -> &'static signflow::crypto::CryptoProvider {
                &signflow::crypto::aws_lc::DEFAULT_PROVIDER
            }
            $($body)*
        }
        #[cfg(feature = "rustcrypto")]
        mod rustcrypto {
            #[allow(unused_imports)]
            use super::*;
            fn provider() -> &'static signflow::crypto::CryptoProvider {
                &signflow::crypto::rustcrypto::DEFAULT_PROVIDER
            }
            $($body)*
        }
    };
}
