//! Batch verification: many signature files checked in parallel (rayon), each to one of
//! valid / invalid / format error / indeterminate with the reasons.
//!
//! [`discover`] turns files and directories into [`BatchInput`]s by extension: `.p7s`, `.p7m`,
//! `.p7b`, `.cms`, `.sig` are CMS (a detached signature's content is the file with that
//! extension removed, when it exists: `act.pdf.p7s` → `act.pdf`), `.xml` is XMLDSig.
//! [`BatchVerifier::verify_all`] checks them on rayon's pool, one file per task, and reports
//! each result as it is made (for a progress bar) and all of them in input order.
//!
//! ```
//! # #[cfg(any(feature = "aws-lc-rs", feature = "rustcrypto"))] {
//! use signflow::batch::{BatchInput, BatchVerifier, Outcome, discover};
//! use signflow::crypto::CryptoProvider;
//! use signflow::pki::{Certificate, Crl, TrustStore, UnixTime};
//!
//! let mut trust = TrustStore::new();
//! trust.add_pem_or_der(include_bytes!("../testdata/pki/root-ca.pem"))?;
//! let intermediates =
//!     Certificate::all_from_pem_or_der(include_bytes!("../testdata/pki/intermediate-ca.pem"))?;
//! let mut crls = Crl::all_from_pem_or_der(include_bytes!("../testdata/pki/root-ca.crl.pem"))?;
//! crls.extend(Crl::all_from_pem_or_der(
//!     include_bytes!("../testdata/pki/intermediate-ca.crl.pem"),
//! )?);
//! let verifier = BatchVerifier::new(
//!     CryptoProvider::all_compiled()[0], trust, intermediates, crls,
//!     UnixTime::from_utc(2027, 1, 1, 0, 0, 0),
//! );
//! let inputs = [BatchInput::Cms {
//!     signature: "testdata/cms/rsa-detached.der".into(),
//!     content: Some("testdata/cms/content.txt".into()),
//! }];
//! let results = verifier.verify_all(&inputs, |_| {});
//! assert_eq!(results[0].outcome, Outcome::Valid);
//! // Directories are walked: `*.p7s` next to its content, `*.xml` with XMLDSig.
//! let found = discover(&["testdata/xmldsig".into()]);
//! assert!(found.iter().all(|i| matches!(i, BatchInput::Xml { .. })));
//! # }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;

use crate::cms::{SignedData, Verifier, VerifyOptions};
use crate::crypto::CryptoProvider;
use crate::pki::{Certificate, Crl, Status, TrustStore, UnixTime};

/// Largest file a batch reads, in bytes (larger files are format errors).
pub const MAX_FILE_LEN: u64 = 1 << 30;

/// Extensions read as CMS signatures.
pub const CMS_EXTENSIONS: &[&str] = &["p7s", "p7m", "p7b", "cms", "sig"];

/// One thing to verify.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BatchInput {
    /// A CMS signature, with the detached content's file if there is one.
    Cms {
        /// The signature file.
        signature: PathBuf,
        /// The content, for a detached signature.
        content: Option<PathBuf>,
    },
    /// An XML document with an XML signature.
    Xml {
        /// The document.
        path: PathBuf,
    },
}

impl BatchInput {
    /// The file the result is reported under.
    pub fn path(&self) -> &Path {
        match self {
            Self::Cms { signature, .. } => signature,
            Self::Xml { path } => path,
        }
    }
}

/// The verdict on one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every signature and certificate checked out.
    Valid,
    /// A signature or certificate check failed.
    Invalid,
    /// The file is not a signature of the kind its name says (or cannot be read).
    FormatError,
    /// No conclusion (e.g. revocation status unknown, unsupported algorithm).
    Indeterminate,
}

impl Outcome {
    /// Every outcome, in report order.
    pub const ALL: [Outcome; 4] = [
        Self::Valid,
        Self::Invalid,
        Self::FormatError,
        Self::Indeterminate,
    ];

    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Invalid => "invalid",
            Self::FormatError => "format error",
            Self::Indeterminate => "indeterminate",
        }
    }
}

impl From<Status> for Outcome {
    fn from(s: Status) -> Self {
        match s {
            Status::Valid => Self::Valid,
            Status::Invalid => Self::Invalid,
            Status::Indeterminate => Self::Indeterminate,
        }
    }
}

/// The result for one file.
#[derive(Clone, Debug, Serialize)]
pub struct BatchResult {
    /// The file.
    pub path: PathBuf,
    /// "cms" or "xml".
    pub format: &'static str,
    /// The verdict.
    pub outcome: Outcome,
    /// Why, when not valid (one sentence per finding).
    pub reasons: Vec<String>,
    /// The signers' certificate subjects.
    pub signers: Vec<String>,
}

/// Finds the inputs among `paths`: files as they are (by extension; others skipped),
/// directories walked recursively in name order. A file that is another signature's
/// detached content is not an input of its own.
pub fn discover(paths: &[PathBuf]) -> Vec<BatchInput> {
    let mut files = Vec::new();
    for p in paths {
        walk(p, &mut files);
    }
    let mut inputs = Vec::new();
    for f in &files {
        let ext = f
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        if CMS_EXTENSIONS.contains(&ext.as_str()) {
            let content = f.with_extension("");
            let content = (content != *f && content.is_file()).then_some(content);
            inputs.push(BatchInput::Cms {
                signature: f.clone(),
                content,
            });
        } else if ext == "xml" {
            inputs.push(BatchInput::Xml { path: f.clone() });
        }
    }
    inputs
}

fn walk(p: &Path, out: &mut Vec<PathBuf>) {
    if p.is_dir() {
        let Ok(rd) = std::fs::read_dir(p) else {
            out.push(p.to_path_buf()); // reported as unreadable below
            return;
        };
        let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for e in entries {
            walk(&e, out);
        }
    } else {
        out.push(p.to_path_buf());
    }
}

/// Verifies many files against one set of trust material, in parallel.
#[derive(Debug)]
pub struct BatchVerifier {
    provider: &'static CryptoProvider,
    trust: TrustStore,
    certificates: Vec<Certificate>,
    crls: Vec<Crl>,
    time: UnixTime,
}

/// Drops repeated reasons and those already said inside a longer one, keeping the order.
fn unique(reasons: &mut Vec<String>) {
    let all = reasons.clone();
    let mut seen = std::collections::HashSet::new();
    reasons.retain(|r| {
        let inside_another = all
            .iter()
            .any(|o| o.len() > r.len() && o.contains(r.as_str()));
        !inside_another && seen.insert(r.clone())
    });
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    let len = std::fs::metadata(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .len();
    if len > MAX_FILE_LEN {
        return Err(format!(
            "{} is larger than {MAX_FILE_LEN} bytes",
            path.display()
        ));
    }
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

impl BatchVerifier {
    /// A verifier over `trust`, with untrusted `certificates` and `crls`, checking at `time`
    /// with the default policy (revocation required).
    pub fn new(
        provider: &'static CryptoProvider,
        trust: TrustStore,
        certificates: Vec<Certificate>,
        crls: Vec<Crl>,
        time: UnixTime,
    ) -> Self {
        Self {
            provider,
            trust,
            certificates,
            crls,
            time,
        }
    }

    /// Verifies every input on rayon's global pool, calling `each` as each result is made
    /// (from any thread), and returns the results in input order.
    pub fn verify_all(
        &self,
        inputs: &[BatchInput],
        each: impl Fn(&BatchResult) + Sync,
    ) -> Vec<BatchResult> {
        let cms = Verifier::new(
            self.provider,
            &self.trust,
            self.certificates.clone(),
            self.crls.clone(),
        );
        inputs
            .par_iter()
            .map(|input| {
                let r = self.verify_one(&cms, input);
                each(&r);
                r
            })
            .collect()
    }

    /// Verifies one input (what [`BatchVerifier::verify_all`] runs per file).
    pub fn verify_one(&self, cms: &Verifier<'_>, input: &BatchInput) -> BatchResult {
        let (format, result) = match input {
            BatchInput::Cms { signature, content } => ("cms", self.cms(cms, signature, content)),
            BatchInput::Xml { path } => ("xml", self.xml(path)),
        };
        let (outcome, reasons, signers) = match result {
            Ok(r) => r,
            Err(e) => (Outcome::FormatError, vec![e], Vec::new()),
        };
        BatchResult {
            path: input.path().to_path_buf(),
            format,
            outcome,
            reasons,
            signers,
        }
    }

    fn cms(
        &self,
        verifier: &Verifier<'_>,
        signature: &Path,
        content: &Option<PathBuf>,
    ) -> Result<(Outcome, Vec<String>, Vec<String>), String> {
        let sd = SignedData::from_ber_vec(read(signature)?).map_err(|e| e.to_string())?;
        let options = VerifyOptions::at(self.time);
        let report = match (sd.is_detached(), content) {
            (false, _) => verifier.verify(&sd, None, &options),
            (true, Some(c)) => {
                let mut file =
                    std::fs::File::open(c).map_err(|e| format!("{}: {e}", c.display()))?;
                verifier.verify(&sd, Some(&mut file), &options)
            }
            (true, None) => {
                return Err(format!(
                    "a detached signature without its content ({} is missing)",
                    signature.with_extension("").display()
                ));
            }
        }
        .map_err(|e| e.to_string())?;
        let mut reasons: Vec<String> = report.findings.iter().map(|f| f.message.clone()).collect();
        for s in &report.signers {
            reasons.extend(s.findings.iter().map(|f| f.message.clone()));
            if let Some(c) = &s.certificate {
                reasons.extend(c.findings().map(|(_, f)| f.sentence()));
            }
        }
        if report.status == Status::Valid {
            reasons.clear();
        }
        unique(&mut reasons);
        let signers = report
            .signers
            .iter()
            .filter_map(|s| s.subject.clone())
            .collect();
        Ok((report.status.into(), reasons, signers))
    }

    fn xml(&self, path: &Path) -> Result<(Outcome, Vec<String>, Vec<String>), String> {
        let bytes = read(path)?;
        let options = crate::xmldsig::VerifyOptions::at(self.time);
        let v = crate::xmldsig::verify(
            self.provider,
            &bytes,
            &self.trust,
            &self.certificates,
            &self.crls,
            &options,
        )
        .map_err(|e| e.to_string())?;
        let mut reasons: Vec<String> = if v.status == Status::Valid {
            Vec::new()
        } else {
            v.findings.iter().map(|f| f.to_string()).collect()
        };
        if let Some(c) = v.certificate.as_ref().filter(|_| v.status != Status::Valid) {
            reasons.extend(c.findings().map(|(_, f)| f.sentence()));
        }
        unique(&mut reasons);
        let signers = v.signer.iter().map(|c| c.subject().to_string()).collect();
        Ok((v.status.into(), reasons, signers))
    }
}
