//! `--tsl FILE`: the Минцифры accredited-CA list, for the qualified decision of `verify cms`
//! (its roots become trust anchors, its CA certificates untrusted intermediates), and the
//! list's view in `inspect`.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use signflow::tsl::{AccreditedCaList, QualifiedOptions, TslError, TslLimits};

use crate::exit::{Failure, Status};
use crate::input;
use crate::out::Out;

/// `--tsl --qualified-root --require-qualified`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct TslArgs {
    /// The accredited-CA list (Минцифры TSL XML): each signer is reported `qualified` or not,
    /// with the reasons; its roots are trusted and its CA certificates used for paths.
    #[arg(long, value_name = "FILE")]
    pub tsl: Option<PathBuf>,
    /// A root to count as qualified besides the list's own (repeatable; needs --tsl).
    #[arg(long, value_name = "FILE", requires = "tsl")]
    pub qualified_root: Vec<PathBuf>,
    /// Exit 1 when a signature verifies but a signer is not qualified (needs --tsl).
    #[arg(long, requires = "tsl")]
    pub require_qualified: bool,
}

impl TslArgs {
    /// The list of `--tsl`, if given (2 if malformed, 74 if unreadable).
    pub fn load(&self) -> Result<Option<AccreditedCaList>, Failure> {
        self.tsl.as_deref().map(load).transpose()
    }

    /// The caller's additions (`--qualified-root`).
    pub fn options(&self) -> Result<QualifiedOptions, Failure> {
        let mut options = QualifiedOptions::default();
        for path in &self.qualified_root {
            options.qualified_roots.extend(input::certificates(path)?);
        }
        Ok(options)
    }
}

/// Reads a list (streamed), mapping its errors to the CLI's exit statuses.
pub fn load(path: &Path) -> Result<AccreditedCaList, Failure> {
    AccreditedCaList::from_file(path, &TslLimits::default()).map_err(|e| match e {
        TslError::Io(io) => Failure::io_doing(path, "cannot read the accredited-CA list", io),
        other => Failure::new(Status::FormatError, format!("{}: {other}", path.display())),
    })
}

/// Whether `bytes` look like the list: its root element within the first 4 KiB.
pub fn looks_like_list(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    let root = format!("<{}", signflow::tsl::ROOT_ELEMENT);
    head.windows(root.len()).any(|w| w == root.as_bytes())
}

/// The list as `inspect` shows it: one entry per CA with its current status.
pub fn list_json(list: &AccreditedCaList) -> Value {
    let cas: Vec<Value> = list
        .authorities
        .iter()
        .map(|ca| {
            json!({
                "name": ca.name,
                "inn": ca.inn,
                "ogrn": ca.ogrn,
                "registry_number": ca.registry_number,
                "status": ca.status.as_ref().map(|s| s.state.word()),
                "since": ca.status.as_ref().and_then(|s| s.since).map(|t| t.to_string()),
                "history": ca.history.iter().map(|s| json!({
                    "status": s.state.word(),
                    "since": s.since.map(|t| t.to_string()),
                })).collect::<Vec<_>>(),
                "certificates": ca.certificates().map(|c| json!({
                    "subject": c.certificate.subject().to_string(),
                    "serial": c.certificate.serial_hex(),
                    "thumbprint": c.thumbprint,
                    "not_before": c.certificate.not_before().to_string(),
                    "not_after": c.certificate.not_after().to_string(),
                })).collect::<Vec<_>>(),
                "crl_addresses": ca.keys.iter().flat_map(|k| k.crl_addresses.iter()).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "type": "accredited_ca_list",
        "version": list.version,
        "date": list.date.map(|t| t.to_string()),
        "signed": list.signed,
        "authorities": cas,
    })
}

/// The list for people: one line per CA, its certificates under it.
pub fn print_list(out: &mut Out, list: &AccreditedCaList) -> Result<(), Failure> {
    out.line(format_args!(
        "accredited-CA list, version {}{}{}: {} CA(s), {} certificate(s), {} CRL address(es)",
        list.version,
        list.date.map_or_else(String::new, |d| format!(" of {d}")),
        if list.signed { ", signed" } else { "" },
        list.authorities.len(),
        list.listed().count(),
        list.crl_addresses().len()
    ))?;
    for ca in &list.authorities {
        let status = ca.status.as_ref().map_or_else(
            || "no status".to_owned(),
            |s| match s.since {
                Some(t) => format!("{} since {t}", s.state.word()),
                None => s.state.word().to_owned(),
            },
        );
        out.line(format_args!(
            "  {} (INN {}, OGRN {}, no. {}): {status}",
            ca.name, ca.inn, ca.ogrn, ca.registry_number
        ))?;
        for c in ca.certificates() {
            out.line(format_args!(
                "    {} (serial {}, {} – {})",
                c.certificate.subject(),
                c.certificate.serial_hex(),
                c.certificate.not_before(),
                c.certificate.not_after()
            ))?;
        }
    }
    Ok(())
}
