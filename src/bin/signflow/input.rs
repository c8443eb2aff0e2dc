//! Reading the CLI's inputs: files of certificates and CRLs (PEM or DER), times, and every
//! file read whole, within the caps `--max-input` sets (README, "CLI conventions").

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use signflow::limits::{InputKind, InputLimits};
use signflow::pem::ObjectKind;
use signflow::pki::{Certificate, Crl, OcspResponse, TrustStore, UnixTime};

use crate::exit::{Failure, Status};

static LIMITS: OnceLock<InputLimits> = OnceLock::new();

/// Sets the caps from `--max-input` values: `SIZE` for every kind, `KIND=SIZE` for one (later
/// ones win). Called once, before any command runs.
pub fn configure(max_input: &[String]) -> Result<(), Failure> {
    let usage = |m: String| Failure::new(Status::Usage, format!("--max-input: {m}"));
    let mut limits = InputLimits::default();
    for value in max_input {
        match value.split_once('=') {
            Some((name, size)) => {
                let kind = InputKind::from_name(name.trim()).ok_or_else(|| {
                    let names: Vec<&str> = InputKind::ALL.iter().map(|k| k.name()).collect();
                    usage(format!(
                        "unknown kind {name:?} (expected one of {})",
                        names.join(", ")
                    ))
                })?;
                limits.set(
                    kind,
                    signflow::limits::parse_size(size).map_err(|e| usage(e.to_string()))?,
                );
            }
            None => {
                limits = InputLimits::uniform(
                    signflow::limits::parse_size(value).map_err(|e| usage(e.to_string()))?,
                )
            }
        }
    }
    // Set once by main; a second call (none today) keeps the first.
    let _ = LIMITS.set(limits);
    Ok(())
}

/// The caps in force.
pub fn limits() -> InputLimits {
    LIMITS.get().copied().unwrap_or_default()
}

/// Reads a document whole (74 if it cannot be read, 2 over its cap).
pub fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    read_as(path, InputKind::Document)
}

/// Reads a file whole as `kind` (74 if it cannot be read, 2 over its cap).
pub fn read_as(path: &Path, kind: InputKind) -> Result<Vec<u8>, Failure> {
    Ok(limits().read_file(path, kind)?)
}

/// Reads a key or password file into memory wiped on drop (74 if it cannot be read, 2 over its
/// cap).
pub fn read_secret(path: &Path, kind: InputKind) -> Result<zeroize::Zeroizing<Vec<u8>>, Failure> {
    Ok(limits().read_secret(path, kind)?)
}

/// What the first object of a PEM or DER file is, by its label or its structure, when that is
/// one [`signflow::pem::identify`] knows.
pub fn structure_of(bytes: &[u8]) -> Option<ObjectKind> {
    let obj = signflow::pem::decode_objects(bytes)
        .ok()?
        .into_iter()
        .next()?;
    let kind = obj
        .label
        .as_deref()
        .and_then(ObjectKind::from_label)
        .unwrap_or_else(|| signflow::pem::identify(&obj.der));
    (kind != ObjectKind::Unknown).then_some(kind)
}

/// "PATH: read as a certificate file (its structure is that of a CMS SignedData): REASON": a
/// format error
/// (exit 2) naming the file, what it was read as, and what it holds when that can be told.
pub fn format_error(
    path: &Path,
    what: &str,
    bytes: &[u8],
    reason: impl std::fmt::Display,
) -> Failure {
    let holds = structure_of(bytes).map_or(String::new(), |k| {
        format!(" (its structure is that of {k})")
    });
    Failure::new(
        Status::FormatError,
        format!("{}: read as {what}{holds}: {reason}", path.display()),
    )
}

/// Every certificate of a PEM or DER file (at least one).
pub fn certificates(path: &Path) -> Result<Vec<Certificate>, Failure> {
    let bytes = read_as(path, InputKind::Certificate)?;
    let certs = Certificate::all_from_pem_or_der(&bytes)
        .map_err(|e| format_error(path, "a certificate file", &bytes, e))?;
    if certs.is_empty() {
        return Err(format_error(
            path,
            "a certificate file",
            &bytes,
            "no certificate in it",
        ));
    }
    Ok(certs)
}

/// Every CRL of a PEM or DER file.
pub fn crls(path: &Path) -> Result<Vec<Crl>, Failure> {
    let bytes = read_as(path, InputKind::Crl)?;
    Crl::all_from_pem_or_der(&bytes).map_err(|e| format_error(path, "a CRL file", &bytes, e))
}

/// Every OCSP response of a file: DER as `openssl ocsp -respout` writes it (or PEM blocks
/// labelled `OCSP RESPONSE`), read within the CRLs' input cap (revocation data alike).
pub fn ocsp_responses(path: &Path) -> Result<Vec<OcspResponse>, Failure> {
    let bytes = read_as(path, InputKind::Crl)?;
    OcspResponse::all_from_pem_or_der(&bytes)
        .map_err(|e| format_error(path, "an OCSP response", &bytes, e))
}

/// `--at`: RFC 3339, or now.
pub fn time(at: Option<&str>) -> Result<UnixTime, Failure> {
    match at {
        None => Ok(UnixTime::now()),
        Some(s) => UnixTime::parse_rfc3339(s)
            .map_err(|e| Failure::new(Status::Usage, format!("--at: {e}"))),
    }
}

/// `--trust`, `--untrusted`, `--crl`: what every verifying command validates paths with.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct TrustArgs {
    /// Trust anchors: a PEM/DER file or a directory of them (repeatable).
    #[arg(long, value_name = "FILE|DIR")]
    pub trust: Vec<PathBuf>,
    /// Untrusted certificates: intermediates, or a signer certificate a signature leaves out
    /// (repeatable).
    #[arg(long, value_name = "FILE")]
    pub untrusted: Vec<PathBuf>,
    /// CRLs (repeatable). Without a CRL covering each certificate, revocation is unknown and
    /// the result indeterminate (unless --no-revocation, where the command offers it).
    #[arg(long, value_name = "FILE")]
    pub crl: Vec<PathBuf>,
    /// OCSP responses (RFC 6960), DER as `openssl ocsp -respout` writes them (repeatable): a
    /// revocation source beside the CRLs. A stale, unknown or unauthorised response is not
    /// used (the report says why).
    #[arg(long, value_name = "FILE")]
    pub ocsp: Vec<PathBuf>,
}

impl TrustArgs {
    /// Loads the trust anchors, untrusted certificates and CRLs.
    pub fn load(&self) -> Result<(TrustStore, Vec<Certificate>, Vec<Crl>), Failure> {
        trust_material(&self.trust, &self.untrusted, &self.crl)
    }

    /// Loads the OCSP responses of `--ocsp` (2 if one is not a response, 74 if unreadable).
    pub fn load_ocsp(&self) -> Result<Vec<OcspResponse>, Failure> {
        let mut out = Vec::new();
        for path in &self.ocsp {
            out.extend(ocsp_responses(path)?);
        }
        Ok(out)
    }
}

/// What `--trust`, `--untrusted` and `--crl` name: trust anchors (files or directories),
/// untrusted certificates and CRLs, loaded for a validator.
pub fn trust_material(
    trust: &[PathBuf],
    untrusted: &[PathBuf],
    crl: &[PathBuf],
) -> Result<(TrustStore, Vec<Certificate>, Vec<Crl>), Failure> {
    let mut store = TrustStore::new();
    for t in trust {
        add_trust(&mut store, t)?;
    }
    let mut certificates = Vec::new();
    for u in untrusted {
        certificates.extend(self::certificates(u)?);
    }
    let mut crls = Vec::new();
    for c in crl {
        crls.extend(self::crls(c)?);
    }
    Ok((store, certificates, crls))
}

/// `--trust FILE|DIR`: the certificates of a file, or those of the `.pem`, `.crt`, `.cer` and
/// `.der` regular files of a directory (not recursive; keys and CRLs there are skipped), as
/// [`TrustStore::add_path`] takes them, but each file read within the `--max-input` cap and
/// failures given the contract's statuses (74 unreadable, 2 not certificates).
fn add_trust(store: &mut TrustStore, path: &Path) -> Result<(), Failure> {
    let meta = std::fs::metadata(path)
        .map_err(|e| Failure::io_doing(path, "cannot read the trust anchors", e))?;
    if !meta.is_dir() {
        self::certificates(path)?
            .into_iter()
            .for_each(|c| store.add(c));
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .and_then(|rd| rd.map(|e| e.map(|e| e.path())).collect())
        .map_err(|e| Failure::io_doing(path, "cannot list the trust anchors' directory", e))?;
    entries.sort();
    let mut found = 0;
    for p in entries {
        let ext = p
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        if !(p.is_file() && matches!(ext.as_str(), "pem" | "crt" | "cer" | "der")) {
            continue;
        }
        let bytes = read_as(&p, InputKind::Certificate)?;
        // A directory may also hold keys and CRLs: take the certificates only.
        let Ok(objects) = signflow::pem::decode_objects(&bytes) else {
            continue;
        };
        for obj in objects {
            let is_cert_label = matches!(
                obj.label.as_deref(),
                Some("CERTIFICATE" | "TRUSTED CERTIFICATE")
            );
            if obj.label.is_none() || is_cert_label {
                match Certificate::from_der(&obj.der) {
                    Ok(c) => {
                        store.add(c);
                        found += 1;
                    }
                    Err(e) if is_cert_label => {
                        return Err(format_error(&p, "a certificate file", &bytes, e));
                    }
                    Err(_) => {} // a DER file that is not a certificate (a CRL, say)
                }
            }
        }
    }
    if found == 0 {
        // Validation would only say "no path to a trust anchor" for every certificate.
        return Err(Failure::new(
            Status::FormatError,
            format!(
                "{}: read as a directory of trust anchors: no certificate in its .pem, .crt, \
                 .cer or .der files",
                path.display()
            ),
        ));
    }
    Ok(())
}
