//! Reading the CLI's inputs: files of certificates and CRLs (PEM or DER), times.

use std::path::Path;

use std::path::PathBuf;

use signflow::pki::{Certificate, Crl, TrustStore, UnixTime};

use crate::exit::{Failure, Status};

/// Reads a file, mapping failures to exit status 74.
pub fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| Failure::io(path, e))
}

/// Every certificate of a PEM or DER file (at least one).
pub fn certificates(path: &Path) -> Result<Vec<Certificate>, Failure> {
    let certs = Certificate::all_from_pem_or_der(&read(path)?)
        .map_err(|e| Failure::new(Status::FormatError, format!("{}: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(Failure::new(
            Status::FormatError,
            format!("{}: no certificate", path.display()),
        ));
    }
    Ok(certs)
}

/// Every CRL of a PEM or DER file.
pub fn crls(path: &Path) -> Result<Vec<Crl>, Failure> {
    Crl::all_from_pem_or_der(&read(path)?)
        .map_err(|e| Failure::new(Status::FormatError, format!("{}: {e}", path.display())))
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
    /// the result indeterminate (unless the command offers --no-revocation).
    #[arg(long, value_name = "FILE")]
    pub crl: Vec<PathBuf>,
}

impl TrustArgs {
    /// Loads the trust anchors, untrusted certificates and CRLs.
    pub fn load(&self) -> Result<(TrustStore, Vec<Certificate>, Vec<Crl>), Failure> {
        trust_material(&self.trust, &self.untrusted, &self.crl)
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
        store
            .add_path(t)
            .map_err(|e| Failure::new(Status::FormatError, e.to_string()))?;
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
