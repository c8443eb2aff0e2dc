//! Batch verification: many signature files checked in parallel (rayon), each to one of
//! valid / invalid / format error / indeterminate with the reasons.
//!
//! [`discover`] turns files and directories into [`BatchInput`]s by extension: `.p7s`, `.p7m`,
//! `.p7b`, `.cms`, `.sig` are CMS (a detached signature's content is the file with that
//! extension removed, when it exists: `act.pdf.p7s` → `act.pdf`), `.xml` is XMLDSig.
//! [`discover_with`] walks as [`WalkOptions`] say and reports what it left out: only regular
//! files are inputs; symbolic links inside directories are not followed unless asked (and then
//! each directory is walked once, by device and inode, so loops and diamonds cost nothing);
//! FIFOs, sockets and devices are skipped (reading them could hang or never end); directories
//! deeper than [`WalkOptions::max_depth`] are not entered.
//! Files are read through [`InputLimits`] (CMS signatures and XML documents each up to their
//! cap; a detached signature's content is streamed, whatever its size).
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
use crate::limits::{InputError, InputKind, InputLimits, read_capped_into};
use crate::pki::{Certificate, Crl, TrustContext, TrustStore, UnixTime, ValidationOptions};

/// Largest file a batch reads by default, in bytes (larger files are format errors): the
/// default cap of [`InputKind::Cms`]; XML documents have their own, smaller cap
/// ([`InputKind::Xml`]). [`BatchVerifier::with_limits`] sets others.
pub const MAX_FILE_LEN: u64 = InputKind::Cms.default_limit();

/// How deep [`discover_with`] walks below a named directory by default.
pub const DEFAULT_MAX_DEPTH: usize = 32;

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

pub use crate::verdict::Outcome;

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

/// How [`discover_with`] walks directories.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WalkOptions {
    /// Follow symbolic links met inside directories (those named in `paths` are always
    /// followed: naming them is asking for them). Default: no.
    pub follow_symlinks: bool,
    /// How many directory levels below a named directory are entered: its subdirectories are
    /// level 1, theirs 2, ...; 0 takes only the files directly in it. Default:
    /// [`DEFAULT_MAX_DEPTH`].
    pub max_depth: usize,
}

impl Default for WalkOptions {
    fn default() -> Self {
        Self {
            follow_symlinks: false,
            max_depth: DEFAULT_MAX_DEPTH,
        }
    }
}

/// Why [`discover_with`] left an entry out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
#[non_exhaustive]
pub enum SkipReason {
    /// A symbolic link inside a directory, not followed ([`WalkOptions::follow_symlinks`]).
    Symlink,
    /// Not a regular file or directory: a FIFO, socket or device.
    NotRegular {
        /// "a FIFO", "a socket", "a character device", ...
        what: &'static str,
    },
    /// A directory deeper than [`WalkOptions::max_depth`].
    TooDeep {
        /// The limit.
        max_depth: usize,
    },
    /// A directory already walked: a symbolic-link loop, or a second link to it.
    AlreadyWalked,
    /// The entry could not be examined or the directory listed.
    Unreadable {
        /// The I/O error.
        error: String,
    },
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Symlink => f.write_str("a symbolic link, not followed"),
            Self::NotRegular { what } => write!(f, "{what}, not a regular file"),
            Self::TooDeep { max_depth } => {
                write!(f, "a directory deeper than the maximum depth {max_depth}")
            }
            Self::AlreadyWalked => f.write_str(
                "a directory already walked (a symbolic-link loop or a second link to it)",
            ),
            Self::Unreadable { error } => write!(f, "cannot be read: {error}"),
        }
    }
}

/// An entry [`discover_with`] left out, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// The entry.
    pub path: PathBuf,
    /// Why it was left out.
    #[serde(flatten)]
    pub reason: SkipReason,
}

/// What [`discover_with`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Discovery {
    /// The inputs, in walk order (each directory's entries by name).
    pub inputs: Vec<BatchInput>,
    /// The entries left out, in walk order.
    pub skipped: Vec<Skipped>,
}

/// A path named to [`discover_with`] could not be examined.
#[derive(Debug, thiserror::Error)]
#[error("{}: {source}", path.display())]
pub struct DiscoverError {
    /// The path as named.
    pub path: PathBuf,
    /// The I/O error (no such file, permission denied, ...).
    #[source]
    pub source: std::io::Error,
}

/// Finds the inputs among `paths` with the default [`WalkOptions`]: files as they are (by
/// extension; others skipped), directories walked in name order. A file that is another
/// signature's detached content is not an input of its own. Paths that cannot be examined,
/// and the entries [`discover_with`] would report as skipped, are left out.
pub fn discover(paths: &[PathBuf]) -> Vec<BatchInput> {
    paths
        .iter()
        .filter_map(|p| discover_with(std::slice::from_ref(p), &WalkOptions::default()).ok())
        .flat_map(|d| d.inputs)
        .collect()
}

/// Finds the inputs among `paths` as [`discover`] does, walking as `options` say, and reports
/// what it left out.
///
/// # Errors
/// [`DiscoverError`] for the first named path that does not exist or cannot be examined.
pub fn discover_with(paths: &[PathBuf], options: &WalkOptions) -> Result<Discovery, DiscoverError> {
    let mut walk = Walk {
        options: *options,
        files: Vec::new(),
        skipped: Vec::new(),
        walked: std::collections::HashSet::new(),
    };
    for p in paths {
        // Named paths are followed, whatever they are links to.
        let meta = std::fs::metadata(p).map_err(|source| DiscoverError {
            path: p.clone(),
            source,
        })?;
        walk.entry(p, &meta, 0);
    }
    let mut inputs = Vec::new();
    for f in &walk.files {
        let ext = f
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        if CMS_EXTENSIONS.contains(&ext.as_str()) {
            let content = f.with_extension("");
            // Content is streamed: any regular file will do (is_file follows a link and
            // refuses FIFOs and devices, which could hang or never end).
            let content = (content != *f && content.is_file()).then_some(content);
            inputs.push(BatchInput::Cms {
                signature: f.clone(),
                content,
            });
        } else if ext == "xml" {
            inputs.push(BatchInput::Xml { path: f.clone() });
        }
    }
    Ok(Discovery {
        inputs,
        skipped: walk.skipped,
    })
}

/// A directory's identity: device and inode where there are such things.
#[cfg(unix)]
fn dir_key(_path: &Path, meta: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt as _;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn dir_key(path: &Path, _meta: &std::fs::Metadata) -> Option<PathBuf> {
    std::fs::canonicalize(path).ok()
}

#[cfg(unix)]
type DirKey = (u64, u64);
#[cfg(not(unix))]
type DirKey = PathBuf;

struct Walk {
    options: WalkOptions,
    files: Vec<PathBuf>,
    skipped: Vec<Skipped>,
    walked: std::collections::HashSet<DirKey>,
}

impl Walk {
    fn skip(&mut self, path: &Path, reason: SkipReason) {
        self.skipped.push(Skipped {
            path: path.to_path_buf(),
            reason,
        });
    }

    /// One entry at `depth` (0 for a named path), its metadata as the walk sees it (a link's
    /// own when links are not followed).
    fn entry(&mut self, path: &Path, meta: &std::fs::Metadata, depth: usize) {
        let ft = meta.file_type();
        if ft.is_file() {
            self.files.push(path.to_path_buf());
        } else if ft.is_dir() {
            self.dir(path, meta, depth);
        } else if ft.is_symlink() {
            self.skip(path, SkipReason::Symlink);
        } else {
            self.skip(
                path,
                SkipReason::NotRegular {
                    what: special_file_kind(&ft),
                },
            );
        }
    }

    fn dir(&mut self, path: &Path, meta: &std::fs::Metadata, depth: usize) {
        if depth > self.options.max_depth {
            let max_depth = self.options.max_depth;
            return self.skip(path, SkipReason::TooDeep { max_depth });
        }
        if let Some(key) = dir_key(path, meta)
            && !self.walked.insert(key)
        {
            return self.skip(path, SkipReason::AlreadyWalked);
        }
        let unreadable = |e: std::io::Error| SkipReason::Unreadable {
            error: e.to_string(),
        };
        let mut entries: Vec<PathBuf> = match std::fs::read_dir(path) {
            Ok(rd) => rd.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(e) => return self.skip(path, unreadable(e)),
        };
        entries.sort();
        for e in entries {
            let meta = if self.options.follow_symlinks {
                std::fs::metadata(&e)
            } else {
                std::fs::symlink_metadata(&e)
            };
            match meta {
                Ok(meta) => self.entry(&e, &meta, depth + 1),
                Err(err) => self.skip(&e, unreadable(err)),
            }
        }
    }
}

#[cfg(unix)]
fn special_file_kind(ft: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    if ft.is_fifo() {
        "a FIFO"
    } else if ft.is_socket() {
        "a socket"
    } else if ft.is_block_device() {
        "a block device"
    } else if ft.is_char_device() {
        "a character device"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn special_file_kind(_ft: &std::fs::FileType) -> &'static str {
    "a special file"
}

/// Verifies many files against one set of trust material, in parallel.
#[derive(Debug)]
pub struct BatchVerifier {
    context: TrustContext,
    validation: ValidationOptions,
    limits: InputLimits,
}

/// Reads a signature file whole within its cap, refusing anything but a regular file when it
/// is opened (the walk saw a regular file, but it may have been replaced since).
fn read(path: &Path, kind: InputKind, limits: &InputLimits) -> Result<Vec<u8>, String> {
    let io = |source: std::io::Error| {
        InputError::Io {
            path: path.to_path_buf(),
            kind,
            source,
        }
        .to_string()
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(format!("{}: not a regular file", path.display()));
    }
    let limit = limits.get(kind);
    let too_large = || {
        InputError::TooLarge {
            path: path.to_path_buf(),
            kind,
            limit,
        }
        .to_string()
    };
    if meta.len() > limit {
        return Err(too_large());
    }
    let mut buf = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0).saturating_add(1));
    if read_capped_into(&mut file, limit, &mut buf).map_err(io)? {
        Ok(buf)
    } else {
        Err(too_large())
    }
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
        let context = TrustContext::builder()
            .provider(provider)
            .anchors(trust)
            .intermediates(certificates)
            .crls(crls)
            .build();
        Self::from_context(context, time)
    }

    /// A verifier over `context` (shared, not copied), checking at `time` with the context's
    /// policy ([`TrustContext::validation_at`]) and answering from its chain cache when it
    /// keeps one.
    pub fn from_context(context: TrustContext, time: UnixTime) -> Self {
        Self {
            validation: context.validation_at(time),
            context,
            limits: InputLimits::default(),
        }
    }

    /// This verifier validating certificates as `validation` says (its time included)
    /// instead of [`ValidationOptions::at`] the time given to [`BatchVerifier::new`]. Its
    /// `hashes` policy also admits its legacy hashes in XML digests and signature
    /// methods, as they do in CMS.
    #[must_use]
    pub fn with_validation(mut self, validation: ValidationOptions) -> Self {
        self.validation = validation;
        self
    }

    /// This verifier reading each file within `limits` (CMS signatures as
    /// [`InputKind::Cms`], XML documents as [`InputKind::Xml`]) instead of the defaults.
    #[must_use]
    pub fn with_limits(mut self, limits: InputLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Verifies every input on rayon's global pool, calling `each` as each result is made
    /// (from any thread), and returns the results in input order.
    pub fn verify_all(
        &self,
        inputs: &[BatchInput],
        each: impl Fn(&BatchResult) + Sync,
    ) -> Vec<BatchResult> {
        let cms = Verifier::from_context(&self.context);
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
        let sd = SignedData::from_pem_or_ber_vec(read(signature, InputKind::Cms, &self.limits)?)
            .map_err(|e| e.to_string())?;
        let mut options = VerifyOptions::at(self.validation.time);
        options.validation = self.validation.clone();
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
        let verdict = crate::verdict::Verdict::from_cms(&report);
        let signers = report
            .signers
            .iter()
            .filter_map(|s| s.subject.clone())
            .collect();
        Ok((verdict.outcome, verdict.reasons, signers))
    }

    fn xml(&self, path: &Path) -> Result<(Outcome, Vec<String>, Vec<String>), String> {
        let bytes = read(path, InputKind::Xml, &self.limits)?;
        // Borrows the context's material: only the options are the batch's own.
        let verifier = crate::xmldsig::Verifier::from_context(&self.context).with_options(
            // Only the verdict is reported: the signed data is digested, not kept.
            crate::xmldsig::VerifyOptions::with_validation(self.validation.clone())
                .with_keep_signed_data(false),
        );
        let v = verifier.verify(&bytes).map_err(|e| e.to_string())?;
        let verdict = crate::verdict::Verdict::from_xml(&v);
        let signers = verdict.signers.into_iter().map(|s| s.subject).collect();
        Ok((verdict.outcome, verdict.reasons, signers))
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    /// A tree with a link loop, a diamond, a device link and a deep branch.
    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::write(root.join("a/b/s.p7s"), b"x").unwrap();
        std::fs::write(root.join("top.xml"), b"x").unwrap();
        symlink("../..", root.join("a/b/loop")).unwrap();
        symlink("a", root.join("diamond")).unwrap();
        symlink("/dev/null", root.join("null.p7s")).unwrap();
        dir
    }

    #[test]
    fn links_are_reported_not_followed_by_default() {
        let dir = tree();
        let d = discover_with(&[dir.path().to_path_buf()], &WalkOptions::default()).unwrap();
        assert_eq!(d.inputs.len(), 2, "{d:?}");
        let links = d.skipped.iter().filter(|s| s.reason == SkipReason::Symlink);
        assert_eq!(links.count(), 3, "{d:?}");
    }

    #[test]
    fn followed_links_visit_each_directory_once() {
        let dir = tree();
        let options = WalkOptions {
            follow_symlinks: true,
            ..WalkOptions::default()
        };
        let d = discover_with(&[dir.path().to_path_buf()], &options).unwrap();
        // s.p7s once (the diamond and the loop lead back to walked directories).
        assert_eq!(d.inputs.len(), 2, "{d:?}");
        let again = d
            .skipped
            .iter()
            .filter(|s| s.reason == SkipReason::AlreadyWalked);
        assert_eq!(again.count(), 2, "{d:?}");
        assert!(
            d.skipped.iter().any(|s| s.reason
                == SkipReason::NotRegular {
                    what: "a character device"
                }),
            "{d:?}"
        );
    }

    #[test]
    fn depth_is_bounded_and_missing_paths_are_errors() {
        let dir = tree();
        let options = WalkOptions {
            max_depth: 0,
            ..WalkOptions::default()
        };
        let d = discover_with(&[dir.path().to_path_buf()], &options).unwrap();
        assert_eq!(d.inputs.len(), 1, "only top.xml: {d:?}");
        assert!(matches!(
            d.skipped[0].reason,
            SkipReason::TooDeep { max_depth: 0 }
        ));
        let missing = dir.path().join("missing");
        let err =
            discover_with(std::slice::from_ref(&missing), &WalkOptions::default()).unwrap_err();
        assert_eq!(err.path, missing);
        // discover() leaves such paths out.
        assert!(discover(&[missing]).is_empty());
    }
}
