//! PKCS#12 in the CLI: opening files with the password conventions, and `inspect`.

use std::path::Path;

use serde_json::{Value, json};
use signflow::crypto::CryptoProvider;
use signflow::pki::Certificate;
use signflow::pki::pkcs12::{Pkcs12, Pkcs12Error};

use crate::exit::{Failure, Status};
use crate::secrets::PasswordArgs;

/// Maps PKCS#12 errors to the CLI's exit statuses: a wrong password and a file that holds no
/// usable key and certificate are 4, everything about the file's encoding is a format error
/// (2), named with what the file's structure is when it is not PKCS#12.
pub fn failure(path: &Path, der: &[u8], e: Pkcs12Error) -> Failure {
    match e {
        Pkcs12Error::WrongPassword
        | Pkcs12Error::NoPrivateKey
        | Pkcs12Error::NoCertificate
        | Pkcs12Error::NoMatchingCertificate
        | Pkcs12Error::UnusableKey { .. } => {
            Failure::new(Status::KeyError, format!("{}: {e}", path.display()))
        }
        _ => crate::input::format_error(path, "a PKCS#12 file", der, e),
    }
}

/// Opens a PKCS#12 file with the password from `--password-env`/`--password-file` (the empty
/// password when neither is given).
pub fn open(path: &Path, der: &[u8], password: &PasswordArgs) -> Result<Pkcs12, Failure> {
    let pw = password.read()?;
    Pkcs12::from_der(der, pw.as_ref().map_or("", |p| p.as_str())).map_err(|e| failure(path, der, e))
}

/// Describes a PKCS#12 file for `inspect`.
pub fn inspect(
    provider: &CryptoProvider,
    path: &Path,
    der: &[u8],
    password: &PasswordArgs,
) -> Result<Value, Failure> {
    let p12 = open(path, der, password)?;
    let certificates: Vec<Value> = p12
        .certificates()
        .iter()
        .map(|c| match Certificate::from_der(&c.der) {
            Ok(cert) => {
                let mut v = crate::inspect::certificate_json(&cert);
                v["friendly_name"] = c.friendly_name.clone().into();
                v
            }
            Err(e) => json!({"error": e.to_string()}),
        })
        .collect();
    let identity = p12.identity(provider).ok().map(|id| {
        json!({
            "key": id.key.kind().name(),
            "friendly_name": id.friendly_name,
            "chain_length": id.chain.len(),
        })
    });
    Ok(json!({
        "type": "pkcs12",
        "protection": serde_json::to_value(p12.info()).unwrap_or_default(),
        "identity": identity,
        "certificates": certificates,
    }))
}
