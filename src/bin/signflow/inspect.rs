//! `signflow inspect`: what a certificate, CRL or PKCS#12 file holds.

use std::path::PathBuf;

use clap::Args;
use serde_json::{Value, json};
use signflow::crypto::{CryptoProvider, PublicKeyInfo};
use signflow::pki::{Certificate, Crl};

use crate::exit::{Failure, Status};
use crate::input;
use crate::secrets::PasswordArgs;

#[derive(Args, Debug)]
pub struct InspectArgs {
    /// A certificate, CRL (PEM or DER) or PKCS#12 file.
    file: PathBuf,
    #[command(flatten)]
    password: PasswordArgs,
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Key type in words: "RSA-2048", "ECDSA P-256", ...
fn key_description(spki: &[u8]) -> String {
    match PublicKeyInfo::parse(spki) {
        Ok(info) => match info.kind {
            signflow::crypto::KeyKind::Rsa { bits, .. } => format!("RSA-{bits}"),
            k @ signflow::crypto::KeyKind::Gost { params, .. } => {
                format!("{}, parameter set {}", k.name(), params.name())
            }
            k => k.name().to_owned(),
        },
        Err(e) => format!("unknown ({e})"),
    }
}

pub fn certificate_json(c: &Certificate) -> Value {
    let ext = c.extensions();
    let russian = signflow::pki::russian::RussianAttributes::from_certificate(c);
    let russian = (russian != Default::default()).then(|| {
        let mut v = serde_json::to_value(&russian).unwrap_or_default();
        v["qualified"] = russian.is_qualified().into();
        v["requisites_valid"] = match russian.validate() {
            Ok(()) => Value::Bool(true),
            Err(e) => Value::String(e.to_string()),
        };
        v
    });
    json!({
        "russian": russian,
        "type": "certificate",
        "subject": c.subject().to_string(),
        "issuer": c.issuer().to_string(),
        "serial": c.serial_hex(),
        "not_before": c.not_before().to_string(),
        "not_after": c.not_after().to_string(),
        "key": key_description(c.spki_der()),
        "signature_algorithm": c.signature_algorithm().map(|a| a.to_string()).unwrap_or_else(|e| e.to_string()),
        "sha256_fingerprint": hex(&c.fingerprint_sha256()),
        "ca": ext.basic_constraints.map(|(ca, len)| json!({"ca": ca, "path_len": len})),
        "key_usage": ext.key_usage.map(|k| k.names()),
        "extended_key_usage": ext.extended_key_usage,
        "policies": ext.policies,
        "extensions": ext.present.iter().map(|(oid, critical)| json!({"oid": oid, "critical": critical})).collect::<Vec<_>>(),
    })
}

pub fn crl_json(c: &Crl) -> Value {
    json!({
        "type": "crl",
        "issuer": c.issuer().to_string(),
        "this_update": c.this_update().to_string(),
        "next_update": c.next_update().map(|t| t.to_string()),
        "number": c.number_hex(),
        "delta_of": c.delta_base().map(hex),
        "entries": c.len(),
        "signature_algorithm": c.signature_algorithm().map(|a| a.to_string()).unwrap_or_else(|e| e.to_string()),
        "issuing_distribution_point": c.issuing_distribution_point().is_some(),
    })
}

fn print_human(v: &Value) {
    let Some(obj) = v.as_object() else { return };
    for (k, val) in obj {
        match val {
            Value::Null => {}
            Value::String(s) => println!("{k:>22}: {s}"),
            other => println!("{k:>22}: {other}"),
        }
    }
    println!();
}

pub fn run(
    provider: &CryptoProvider,
    args: &InspectArgs,
    json_out: bool,
) -> Result<Status, Failure> {
    let bytes = input::read(&args.file)?;
    let objects = signflow::pem::decode_objects(&bytes)
        .map_err(|e| Failure::new(Status::FormatError, format!("{}: {e}", args.file.display())))?;
    let mut out = Vec::new();
    for obj in &objects {
        let value = match obj.label.as_deref() {
            Some("CERTIFICATE") | Some("X509 CERTIFICATE") | Some("TRUSTED CERTIFICATE") => {
                certificate_json(
                    &Certificate::from_der(&obj.der)
                        .map_err(|e| Failure::new(Status::FormatError, e.to_string()))?,
                )
            }
            Some("X509 CRL") => crl_json(
                &Crl::from_der(&obj.der)
                    .map_err(|e| Failure::new(Status::FormatError, e.to_string()))?,
            ),
            Some("PKCS12") | None => {
                match (Certificate::from_der(&obj.der), Crl::from_der(&obj.der)) {
                    (Ok(c), _) => certificate_json(&c),
                    (_, Ok(c)) => crl_json(&c),
                    _ => crate::p12::inspect(provider, &obj.der, &args.password)?,
                }
            }
            Some(other) => {
                return Err(Failure::new(
                    Status::FormatError,
                    format!(
                        "{}: cannot inspect a \"{other}\" PEM block",
                        args.file.display()
                    ),
                ));
            }
        };
        out.push(value);
    }
    if json_out {
        println!(
            "{}",
            json!({"command": "inspect", "file": args.file.display().to_string(), "objects": out})
        );
    } else {
        out.iter().for_each(print_human);
    }
    Ok(Status::Valid)
}
