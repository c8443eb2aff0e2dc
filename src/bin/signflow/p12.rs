//! PKCS#12 in the CLI. (The import module lands with the certificates issue.)

use serde_json::Value;
use signflow::crypto::CryptoProvider;

use crate::exit::{Failure, Status};
use crate::secrets::PasswordArgs;

/// Describes a PKCS#12 file for `inspect`.
pub fn inspect(
    _provider: &CryptoProvider,
    _der: &[u8],
    _password: &PasswordArgs,
) -> Result<Value, Failure> {
    Err(Failure::new(
        Status::FormatError,
        "not a certificate or CRL, and PKCS#12 inspection is not available yet",
    ))
}
