//! PKCS#12 in the CLI: opening files with the password conventions, and `inspect`.

use serde_json::{Value, json};
use signflow::crypto::CryptoProvider;
use signflow::pki::Certificate;
use signflow::pki::pkcs12::{Pkcs12, Pkcs12Error};

use crate::exit::{Failure, Status};
use crate::secrets::PasswordArgs;

/// Maps PKCS#12 errors to the CLI's exit statuses: wrong password and unusable keys are 4,
/// everything about the file itself is a format error.
pub fn failure(e: Pkcs12Error) -> Failure {
    let status = match e {
        Pkcs12Error::WrongPassword
        | Pkcs12Error::NoPrivateKey
        | Pkcs12Error::NoMatchingCertificate
        | Pkcs12Error::UnusableKey { .. } => Status::KeyError,
        _ => Status::FormatError,
    };
    Failure::new(status, format!("PKCS#12: {e}"))
}

/// Opens a PKCS#12 file with the password from `--password-env`/`--password-file` (the empty
/// password when neither is given).
pub fn open(der: &[u8], password: &PasswordArgs) -> Result<Pkcs12, Failure> {
    let pw = password.read()?;
    Pkcs12::from_der(der, pw.as_ref().map_or("", |p| p.as_str())).map_err(failure)
}

/// Describes a PKCS#12 file for `inspect`.
pub fn inspect(
    provider: &CryptoProvider,
    der: &[u8],
    password: &PasswordArgs,
) -> Result<Value, Failure> {
    let p12 = open(der, password)?;
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
