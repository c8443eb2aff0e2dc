//! `--mchd FILE [--mchd-sig FILE] [--power CODE] [--mchd-revoked FILE]` for `verify cms`,
//! `verify xml` and `verify pdf` alike, and how the МЧД's legal verdicts and
//! `--require-qualified` fold into a command's exit status: authority and qualification can
//! only make a result worse, never better.

use std::path::PathBuf;

use serde_json::Value;
use signflow::cms::{Verifier, VerifyOptions};
use signflow::limits::InputKind;
use signflow::mchd::{
    AuthorityRequest, DocumentSigner, LegalVerdict, MchdRefusal, MchdRevocation, PowerOfAttorney,
    RevocationStatus, RevokedList, authorise_signer, check_principal_signature,
};
use signflow::pki::{Status, UnixTime};
use signflow::tsl::QualifiedStatus;
use signflow::verdict::{LegalStanding, legal_standing};

use crate::exit::{Failure, Status as Exit};
use crate::input;
use crate::out::{Out, warn};
use crate::tsl::LoadedList;

/// The МЧД flags.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct MchdArgs {
    /// A machine-readable power of attorney (МЧД, EMCHD_1) the signers sign under: each signer
    /// also gets a legal verdict, and a valid signature not authorised by it is invalid (1).
    #[arg(long, value_name = "FILE")]
    pub mchd: Option<PathBuf>,
    /// The МЧД's detached CMS signature (default: the МЧД's path with .sig appended).
    #[arg(long, value_name = "FILE", requires = "mchd")]
    pub mchd_sig: Option<PathBuf>,
    /// A power code (МашПолн/@КодПолн) the МЧД must grant.
    #[arg(long, value_name = "CODE", requires = "mchd")]
    pub power: Option<String>,
    /// The revoked МЧД, one GUID a line. Without it the МЧД's revocation status is unknown
    /// and the legal verdict indeterminate (3): signflow never asks the registry itself.
    #[arg(long, value_name = "FILE", requires = "mchd")]
    pub mchd_revoked: Option<PathBuf>,
}

/// Revocation status of an МЧД when the command line gives no list: unknown.
struct NoRevocationList;

impl MchdRevocation for NoRevocationList {
    fn status(&self, _number: &str, _time: UnixTime) -> RevocationStatus {
        RevocationStatus::Unknown
    }
}

impl MchdArgs {
    /// The legal verdict of every signer under `--mchd`, when given: the МЧД parsed (2 when
    /// malformed), its detached CMS signature verified by `verifier` with `options` (the
    /// command's trust material and policy) and bound to its principal.
    pub fn verdicts(
        &self,
        verifier: &Verifier<'_>,
        options: &VerifyOptions,
        signers: &[DocumentSigner<'_>],
    ) -> Result<Option<Vec<LegalVerdict>>, Failure> {
        let Some(mchd_path) = &self.mchd else {
            return Ok(None);
        };
        let bytes = input::read_as(mchd_path, InputKind::Xml)?;
        let mchd = PowerOfAttorney::parse(&bytes).map_err(|e| {
            Failure::new(Exit::FormatError, format!("{}: {e}", mchd_path.display()))
        })?;
        let sig_path = self.mchd_sig.clone().unwrap_or_else(|| {
            let mut p = mchd_path.as_os_str().to_owned();
            p.push(".sig");
            PathBuf::from(p)
        });
        let sig = crate::cms::read_signed_data(&sig_path)?;
        let principal = if sig.is_detached() {
            let sig_report = verifier
                .verify_detached_bytes(&sig, &bytes, options)
                .map_err(|e| crate::cms::cms_failure(e, &sig_path))?;
            check_principal_signature(&mchd, &sig_report)
        } else if sig.content() == Some(&bytes[..]) {
            let sig_report = verifier
                .verify(&sig, None, options)
                .map_err(|e| crate::cms::cms_failure(e, &sig_path))?;
            check_principal_signature(&mchd, &sig_report)
        } else {
            // An attached signature over other bytes than the МЧД file: not its signature.
            Err(MchdRefusal::Tampered)
        };
        let revoked: Box<dyn MchdRevocation> = match &self.mchd_revoked {
            Some(path) => {
                let text = input::read_as(path, InputKind::Document)?;
                let text = String::from_utf8(text).map_err(|_| {
                    Failure::new(
                        Exit::FormatError,
                        format!("{}: not UTF-8 text (one GUID a line)", path.display()),
                    )
                })?;
                Box::new(RevokedList::parse(&text).map_err(|e| {
                    Failure::new(Exit::FormatError, format!("{}: {e}", path.display()))
                })?)
            }
            None => Box::new(NoRevocationList),
        };
        let request = match &self.power {
            Some(code) => AuthorityRequest::new().with_power(code.clone()),
            None => AuthorityRequest::new(),
        };
        Ok(Some(
            signers
                .iter()
                .map(|signer| {
                    authorise_signer(&mchd, &principal, signer, &request, revoked.as_ref())
                })
                .collect(),
        ))
    }
}

/// The combined legal verdict of each signer (the library's [`legal_standing`]): its
/// signature's status, its qualified decision (`qualified`, in the same order) and its МЧД
/// verdict (`legal`, when `--mchd` gave one).
pub fn standings(
    signers: &[DocumentSigner<'_>],
    qualified: &[Option<&QualifiedStatus>],
    legal: Option<&Vec<LegalVerdict>>,
) -> Vec<LegalStanding> {
    signers
        .iter()
        .enumerate()
        .map(|(i, s)| {
            legal_standing(
                s.status,
                s.certificate,
                qualified.get(i).copied().flatten(),
                legal.and_then(|l| l.get(i)),
            )
        })
        .collect()
}

/// Prints a verification report with what `--tsl`, `--mchd` and `--online` added to it: in
/// JSON the report with `command`, `tsl`, `legal` (the МЧД verdicts), `standing` (the combined
/// legal verdicts, with `--tsl` or `--mchd`) and `online`; in text the report followed by the
/// list's line, the fetches and one line per signer's combined legal verdict.
///
/// # Errors
/// Exit 74 when the report cannot be serialised or written.
pub fn report<R: serde::Serialize + std::fmt::Display>(
    json: bool,
    command: &str,
    report: &R,
    list: Option<&LoadedList>,
    legal: Option<&Vec<LegalVerdict>>,
    standing: &[LegalStanding],
    fetched: Option<Value>,
) -> Result<(), Failure> {
    // The combined verdict is printed when there is something to combine.
    let standing = if list.is_some() || legal.is_some() {
        standing
    } else {
        &[]
    };
    let mut out = Out::stdout();
    if json {
        let mut value =
            serde_json::to_value(report).map_err(|e| Failure::new(Exit::Io, e.to_string()))?;
        value["command"] = command.into();
        if let Some(list) = list {
            value["tsl"] = list.json();
        }
        if let Some(legal) = legal {
            value["legal"] =
                serde_json::to_value(legal).map_err(|e| Failure::new(Exit::Io, e.to_string()))?;
        }
        if !standing.is_empty() {
            value["standing"] = serde_json::to_value(standing)
                .map_err(|e| Failure::new(Exit::Io, e.to_string()))?;
        }
        if let Some(fetched) = fetched {
            value["online"] = fetched;
        }
        return out.json(&value);
    }
    out.text(report)?;
    if let Some(list) = list {
        out.line(format_args!("{}", list.line()))?;
    }
    crate::online::print(&mut out, fetched.as_ref())?;
    for (n, verdict) in standing.iter().enumerate() {
        out.line(format_args!(
            "legal verdict, signer {}: {}: {verdict}",
            n + 1,
            verdict.status
        ))?;
    }
    Ok(())
}

/// The command's status: the signature's, made worse by any legal verdict, and invalid when
/// `--require-qualified` asks for qualification that `qualified` (one flag a signer) lacks.
pub fn fold(
    status: Status,
    legal: Option<&Vec<LegalVerdict>>,
    require_qualified: bool,
    qualified: &[bool],
) -> Status {
    let status = legal
        .into_iter()
        .flatten()
        .map(|v| v.status)
        .fold(status, Status::max);
    if status == Status::Valid && require_qualified && qualified.iter().any(|q| !q) {
        warn(format_args!(
            "--require-qualified: a signer's signature is not qualified"
        ));
        Status::Invalid
    } else {
        status
    }
}
