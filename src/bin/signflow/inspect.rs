//! `signflow inspect`: what a file is and what it holds — certificates, CRLs, PKCS#12 files,
//! CMS SignedData, PKCS#8 and public keys, certificate requests, XML documents — or that it is
//! none of these.
//!
//! The kind comes from the PEM label, or for DER from the structure ([`signflow::pem::identify`]),
//! never from trying parsers in turn: a CMS signature is called a CMS signature, and a file that
//! is a certificate but does not parse is called a malformed certificate.

use ::hex::encode as hex;
use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::{Value, json};
use signflow::cms::SignedData;
use signflow::crypto::{CryptoProvider, PublicKeyInfo};
use signflow::limits::InputKind;
use signflow::pem::{ObjectKind, PemObject};
use signflow::pki::{Certificate, Crl};

use crate::exit::{Failure, Status};
use crate::input;
use crate::out::Out;
use crate::secrets::PasswordArgs;

#[derive(Args, Debug)]
pub struct InspectArgs {
    /// A certificate, CRL, PKCS#12 file, CMS signature, key (PKCS#8 or public), certificate
    /// request or XML document (an МЧД is shown field by field); PEM (several objects) or DER.
    file: PathBuf,
    #[command(flatten)]
    password: PasswordArgs,
}

/// What `inspect` recognises, for the message when a file is none of them.
const RECOGNISED: &str = "a certificate, CRL, PKCS#12 file, CMS signature, PKCS#8 or public \
                          key, certificate request or XML document";

/// Key type in words: "RSA-2048", "ECDSA P-256", ...
fn kind_description(kind: signflow::crypto::KeyKind) -> String {
    match kind {
        signflow::crypto::KeyKind::Rsa { bits, .. } => format!("RSA-{bits}"),
        k @ signflow::crypto::KeyKind::Gost { params, .. } => {
            format!("{}, parameter set {}", k.name(), params.name())
        }
        k => k.name().to_owned(),
    }
}

/// A SubjectPublicKeyInfo's key type in words.
fn key_description(spki: &[u8]) -> String {
    match PublicKeyInfo::parse(spki) {
        Ok(info) => kind_description(info.kind),
        Err(e) => format!("unknown ({e})"),
    }
}

/// The name of a certificate extension, for those RFC 5280 and the Russian qualified-certificate
/// rules (FSB Order 795) define.
fn extension_name(oid: &str) -> Option<&'static str> {
    use signflow::pki::russian::oid as ru;
    Some(match oid {
        ru::SUBJECT_SIGN_TOOL => "subjectSignTool",
        ru::ISSUER_SIGN_TOOL => "issuerSignTool",
        "2.5.29.14" => "subjectKeyIdentifier",
        "2.5.29.15" => "keyUsage",
        "2.5.29.17" => "subjectAltName",
        "2.5.29.18" => "issuerAltName",
        "2.5.29.19" => "basicConstraints",
        "2.5.29.30" => "nameConstraints",
        "2.5.29.31" => "cRLDistributionPoints",
        "2.5.29.32" => "certificatePolicies",
        "2.5.29.33" => "policyMappings",
        "2.5.29.35" => "authorityKeyIdentifier",
        "2.5.29.36" => "policyConstraints",
        "2.5.29.37" => "extKeyUsage",
        "2.5.29.46" => "freshestCRL",
        "2.5.29.54" => "inhibitAnyPolicy",
        "2.5.29.16" => "privateKeyUsagePeriod",
        "1.3.6.1.5.5.7.1.1" => "authorityInfoAccess",
        "1.3.6.1.5.5.7.1.11" => "subjectInfoAccess",
        "1.3.6.1.5.5.7.1.3" => "qcStatements",
        _ => return None,
    })
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
        "sha256_fingerprint": hex(c.fingerprint_sha256()),
        "ca": ext.basic_constraints.map(|(ca, len)| json!({"ca": ca, "path_len": len})),
        "key_usage": ext.key_usage.map(|k| k.names()),
        "extended_key_usage": ext.extended_key_usage,
        "policies": ext.policies,
        "extensions": ext.present.iter().map(|(oid, critical)| json!({"oid": oid, "name": extension_name(oid), "critical": critical})).collect::<Vec<_>>(),
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

fn cms_json(sd: &SignedData) -> Value {
    let certificates: Vec<Value> = sd
        .certificates_der()
        .map(|der| match Certificate::from_der(der) {
            Ok(c) => c.subject().to_string().into(),
            Err(e) => json!({"error": e.to_string()}),
        })
        .collect();
    json!({
        "type": "cms_signed_data",
        "version": sd.version(),
        "content_type": sd.content_type().to_string(),
        "detached": sd.is_detached(),
        "content_bytes": sd.content().map(<[u8]>::len),
        "signers": sd.signer_count(),
        "certificates": certificates,
        "crls": sd.crls_der().count(),
    })
}

/// The XML document's root and signatures, if `bytes` is XML (after an optional byte order mark
/// and white space, it starts with `<`).
fn xml_json(path: &Path, bytes: &[u8]) -> Option<Result<Value, Failure>> {
    let text = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let utf16 = [&[0xFF, 0xFE][..], &[0xFE, 0xFF], b"<\0", b"\0<"]
        .iter()
        .any(|p| bytes.starts_with(p));
    if !utf16 && !text.trim_ascii_start().starts_with(b"<") {
        return None;
    }
    const DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
    let decoded = match signflow::xmldsig::XmlText::decode(bytes, &Default::default()) {
        Ok(d) => d,
        Err(e) => return Some(Err(input::format_error(path, "an XML document", bytes, e))),
    };
    Some(
        match signflow::xmldsig::Document::parse_text(&decoded, &Default::default()) {
            Ok(doc) if doc.is_named(doc.root(), signflow::mchd::NAMESPACE, "Доверенность") => {
                match signflow::mchd::PowerOfAttorney::parse(bytes) {
                    Ok(mchd) => {
                        let mut v = serde_json::to_value(&mchd).unwrap_or_default();
                        v["type"] = "mchd".into();
                        v["summary"] = mchd.to_string().into();
                        Ok(v)
                    }
                    Err(e) => Err(Failure::new(
                        Status::FormatError,
                        format!("{}: {e}", path.display()),
                    )),
                }
            }
            Ok(doc) => {
                let root = doc.element(doc.root()).map(|e| e.name().to_owned());
                let signatures = doc
                    .nodes()
                    .filter_map(|(id, _)| doc.element(id))
                    .filter(|e| {
                        e.local_name() == "Signature"
                            && doc.lookup_namespace(e.id(), e.prefix()) == Some(DSIG)
                    })
                    .count();
                Ok(json!({"type": "xml", "root": root, "xml_signatures": signatures}))
            }
            Err(e) => Err(input::format_error(path, "an XML document", bytes, e)),
        },
    )
}

/// One PEM block or DER object.
fn object_json(
    provider: &CryptoProvider,
    path: &Path,
    obj: &PemObject,
    password: &PasswordArgs,
) -> Result<Value, Failure> {
    let kind = match obj.label.as_deref() {
        Some(label) => ObjectKind::from_label(label).ok_or_else(|| {
            Failure::new(
                Status::FormatError,
                format!(
                    "{}: a \"{label}\" PEM block, which is not {RECOGNISED}",
                    path.display()
                ),
            )
        })?,
        None => signflow::pem::identify(&obj.der),
    };
    let malformed = |e: &dyn std::fmt::Display| {
        Failure::new(
            Status::FormatError,
            format!("{}: {kind} that does not parse: {e}", path.display()),
        )
    };
    Ok(match kind {
        ObjectKind::Certificate => {
            certificate_json(&Certificate::from_der(&obj.der).map_err(|e| malformed(&e))?)
        }
        ObjectKind::Crl => crl_json(&Crl::from_der(&obj.der).map_err(|e| malformed(&e))?),
        ObjectKind::Pkcs12 => crate::p12::inspect(provider, path, &obj.der, password)?,
        ObjectKind::CmsSignedData => {
            cms_json(&SignedData::from_ber(&obj.der).map_err(|e| malformed(&e))?)
        }
        ObjectKind::PrivateKey => {
            // Loading the key is the one way to tell its algorithm for every kind signflow
            // signs with; nothing of the key is printed.
            let key: Value = match provider.load_private_key_der(&obj.der) {
                Ok(key) => kind_description(key.kind()).into(),
                Err(e) => format!("not usable by signflow ({e})").into(),
            };
            json!({"type": "private_key", "format": "PKCS#8", "key": key})
        }
        ObjectKind::PublicKey => json!({"type": "public_key", "key": key_description(&obj.der)}),
        other => {
            let Some(name) = (match other {
                ObjectKind::CertificateRequest => Some("certificate_request"),
                ObjectKind::EncryptedPrivateKey => Some("encrypted_private_key"),
                ObjectKind::RsaPrivateKey => Some("pkcs1_rsa_private_key"),
                ObjectKind::EcPrivateKey => Some("sec1_ec_private_key"),
                ObjectKind::CmsOther => Some("cms_content_info"),
                _ => None,
            }) else {
                return Err(Failure::new(
                    Status::FormatError,
                    format!(
                        "{}: signflow recognises none of {RECOGNISED} in it",
                        path.display()
                    ),
                ));
            };
            let note = match other {
                ObjectKind::RsaPrivateKey | ObjectKind::EcPrivateKey => Some(
                    "OpenSSL's traditional format: signflow signs with PKCS#8 keys \
                     (openssl pkcs8 -topk8 -nocrypt converts it)",
                ),
                ObjectKind::EncryptedPrivateKey => {
                    Some("signflow signs with unencrypted PKCS#8 keys or PKCS#12 files")
                }
                _ => None,
            };
            json!({"type": name, "description": kind.description(), "note": note})
        }
    })
}

fn print_human(out: &mut Out, v: &Value) -> Result<(), Failure> {
    let Some(obj) = v.as_object() else {
        return Ok(());
    };
    if let (Some("mchd"), Some(summary)) = (
        obj.get("type").and_then(Value::as_str),
        obj.get("summary").and_then(Value::as_str),
    ) {
        return out.text(summary);
    }
    // What the object is first, then the rest by name.
    let first = obj.get_key_value("type");
    for (k, val) in first
        .into_iter()
        .chain(obj.iter().filter(|(k, _)| *k != "type"))
    {
        match val {
            Value::Null => {}
            Value::String(s) => out.line(format_args!("{k:>22}: {s}"))?,
            other => out.line(format_args!("{k:>22}: {other}"))?,
        }
    }
    out.line("")
}

pub fn run(
    provider: &CryptoProvider,
    args: &InspectArgs,
    json_out: bool,
) -> Result<Status, Failure> {
    let path = &args.file;
    let bytes = input::read_as(path, InputKind::Any)?;
    if crate::tsl::looks_like_list(&bytes) {
        let list = signflow::tsl::AccreditedCaList::from_reader(
            &bytes[..],
            &signflow::tsl::TslLimits::default(),
        )
        .map_err(|e| Failure::new(Status::FormatError, format!("{}: {e}", path.display())))?;
        let mut out = Out::stdout();
        if json_out {
            out.json(&json!({
                "command": "inspect",
                "file": path.display().to_string(),
                "objects": [crate::tsl::list_json(&list)],
            }))?;
        } else {
            crate::tsl::print_list(&mut out, &list)?;
        }
        return Ok(Status::Valid);
    }
    let values = match xml_json(path, &bytes) {
        Some(xml) => vec![xml?],
        None => {
            // Bare base64 (a CMS signature from CryptoPro's plug-in or `cryptcp -base64`).
            let bare =
                signflow::pem::decode_bare_base64(&bytes).map(|der| PemObject { label: None, der });
            let objects = bare
                .map(|o| Ok(vec![o]))
                .unwrap_or_else(|| signflow::pem::decode_objects(&bytes));
            let objects = objects.map_err(|e| {
                Failure::new(
                    Status::FormatError,
                    format!(
                        "{}: signflow recognises none of {RECOGNISED} in it ({e})",
                        path.display()
                    ),
                )
            })?;
            objects
                .iter()
                .map(|obj| object_json(provider, path, obj, &args.password))
                .collect::<Result<Vec<_>, _>>()?
        }
    };
    let mut out = Out::stdout();
    if json_out {
        out.json(
            &json!({"command": "inspect", "file": path.display().to_string(), "objects": values}),
        )?;
    } else {
        for v in &values {
            print_human(&mut out, v)?;
        }
    }
    Ok(Status::Valid)
}
