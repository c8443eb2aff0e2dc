//! `--tsl FILE [--tsl-signer CERT]`: the Минцифры accredited-CA list, for the qualified
//! decision of `verify cms|xml|pdf` (its roots become trust anchors, its CA certificates
//! untrusted intermediates), its own XMLDSig checked when a signer is named, and the list's
//! view in `inspect`.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use signflow::crypto::CryptoProvider;
use signflow::pki::{Status as Verdict, TrustContext};
use signflow::tsl::{
    AccreditedCaList, ListSignature, QualifiedOptions, TslError, TslLimits, TslSignatureError,
};
use signflow::xmldsig::{ParseLimits, Verifier};

use crate::exit::{Failure, Status};
use crate::input;
use crate::out::Out;
use crate::policy::VerifyPolicyArgs;

/// The most bytes of a list whose signature is checked (it is held whole, as a tree): the
/// real list is 60–80 MB.
const MAX_SIGNED_LIST: u64 = 256 * 1024 * 1024;

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
    /// The list operator's certificate, or a CA its certificate chains to (repeatable; needs
    /// --tsl): the list's own XMLDSig must verify to it, else the list is refused (1). Without
    /// it the list is used unchecked, and the report says so.
    #[arg(long, value_name = "CERT", requires = "tsl")]
    pub tsl_signer: Vec<PathBuf>,
}

/// A list as a command uses it, with what is known of its signature.
pub struct LoadedList {
    /// The list (read from the signed bytes when its signature was checked).
    pub list: AccreditedCaList,
    /// Whether its signature was checked.
    pub signature: ListSignature,
}

impl LoadedList {
    /// The list's part of a JSON report: `signature` (`valid` with its `signer`, or
    /// `not_checked` with whether the list is `signed`), `version`, `date`.
    pub fn json(&self) -> Value {
        let mut value = serde_json::to_value(&self.signature).unwrap_or_else(|_| json!({}));
        value["version"] = self.list.version.clone().into();
        value["date"] = self.list.date.map(|t| t.to_string()).into();
        value
    }

    /// The list's line of a text report.
    pub fn line(&self) -> String {
        format!(
            "accredited-CA list, version {}: {}",
            self.list.version, self.signature
        )
    }
}

impl TslArgs {
    /// The list of `--tsl`, if given (2 if malformed, 74 if unreadable), its signature
    /// verified to `--tsl-signer` under `policy`'s revocation and time settings when one is
    /// given (1 if it does not verify or the list is unsigned).
    pub fn load(
        &self,
        provider: &'static CryptoProvider,
        policy: &VerifyPolicyArgs,
    ) -> Result<Option<LoadedList>, Failure> {
        let Some(path) = self.tsl.as_deref() else {
            return Ok(None);
        };
        if self.tsl_signer.is_empty() {
            let list = load(path)?;
            let signature = ListSignature::NotChecked {
                signed: list.signed,
            };
            crate::out::warn(format_args!(
                "{}: the accredited-CA list's signature was not checked (no --tsl-signer)",
                path.display()
            ));
            return Ok(Some(LoadedList { list, signature }));
        }
        let mut anchors = Vec::new();
        for signer in &self.tsl_signer {
            anchors.extend(input::certificates(signer)?);
        }
        let context = anchors
            .into_iter()
            .fold(TrustContext::builder().provider(provider), |b, c| {
                b.anchor(c)
            })
            .policy(policy.validation()?)
            .build();
        let (_, intermediates, crls) = policy.material.load()?;
        let mut options = policy.xml()?;
        options.limits = ParseLimits {
            max_size: MAX_SIGNED_LIST as usize,
            max_nodes: 64_000_000,
            ..ParseLimits::default()
        };
        let verifier = Verifier::new(provider, context.anchors(), &intermediates, &crls, options);
        let bytes = read_bounded(path)?;
        let verified = AccreditedCaList::from_signed_xml(&bytes, &verifier, &TslLimits::default())
            .map_err(|e| signature_failure(path, e))?;
        let signature = verified.signature();
        Ok(Some(LoadedList {
            list: verified.list,
            signature,
        }))
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

/// Reads a list whole, at most [`MAX_SIGNED_LIST`] bytes (2 beyond, 74 if unreadable).
fn read_bounded(path: &Path) -> Result<Vec<u8>, Failure> {
    use std::io::Read as _;
    let file = std::fs::File::open(path)
        .map_err(|e| Failure::io_doing(path, "cannot read the accredited-CA list", e))?;
    let mut bytes = Vec::new();
    file.take(MAX_SIGNED_LIST + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::io_doing(path, "cannot read the accredited-CA list", e))?;
    if bytes.len() as u64 > MAX_SIGNED_LIST {
        return Err(Failure::new(
            Status::FormatError,
            format!(
                "{}: the accredited-CA list is larger than {MAX_SIGNED_LIST} bytes",
                path.display()
            ),
        ));
    }
    Ok(bytes)
}

/// A list whose signature fails is refused (1), whatever the verifier's status (an
/// indeterminate signature does not make the list usable either); a malformed one is 2.
fn signature_failure(path: &Path, e: TslSignatureError) -> Failure {
    let status = match &e {
        TslSignatureError::Xml(signflow::xmldsig::XmlError::Io(_))
        | TslSignatureError::List(TslError::Io(_)) => Status::Io,
        e if e.is_format_error() => Status::FormatError,
        _ => Status::Invalid,
    };
    let note = match &e {
        TslSignatureError::NotValid {
            status: Verdict::Indeterminate,
            ..
        } => " (refused: the list cannot be used unless its signature is valid)",
        _ => "",
    };
    Failure::new(status, format!("{}: {e}{note}", path.display()))
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
