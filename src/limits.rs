//! Input-size caps: how many bytes a reader takes from a file before it refuses the file.
//!
//! Every file signflow reads whole — certificates, CRLs, keys, passwords, PKCS#12 files, CMS
//! signatures, XML documents, documents to sign — is read through [`InputLimits`], which stops
//! at the cap plus one byte: `/dev/zero` given as a certificate costs 16 MiB and a clear
//! [`InputError::TooLarge`], not all the memory there is. Inputs that are legitimately large
//! and need not be in memory (a detached signature's content) are streamed instead and have no
//! cap.
//!
//! The default caps, one per [`InputKind`], sit at or above what the parsers themselves accept
//! in DER, so the cap never refuses a file the parser would take:
//!
//! | kind | default | why |
//! |---|---|---|
//! | certificate file | 16 MiB | a bundle of thousands of certificates (each at most 256 KiB) |
//! | CRL file | 256 MiB | the CRL parser's own limit: the largest CAs' CRLs are 100+ MB |
//! | private key file | 1 MiB | the largest keys (SLH-DSA, RSA-8192, PEM) are a few KiB |
//! | password file | 64 KiB | a password, with room for any passphrase |
//! | PKCS#12 file | 16 MiB | the PKCS#12 parser's own limit |
//! | CMS signature | 512 MiB | the CMS parser's own limit (attached content is inside) |
//! | XML document | 64 MiB | the XML parser's default limit |
//! | document | 512 MiB | content signed attached (a CMS holds at most 512 MiB) |
//! | any | 512 MiB | a file of a kind not known before it is read (`inspect`) |
//!
//! ```
//! use signflow::limits::{InputError, InputKind, InputLimits};
//!
//! let limits = InputLimits::default().with(InputKind::Certificate, 1024);
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("big.pem");
//! std::fs::write(&path, vec![b'A'; 1025])?;
//! let err = limits.read_file(&path, InputKind::Certificate).unwrap_err();
//! assert!(matches!(err, InputError::TooLarge { limit: 1024, .. }));
//! assert!(err.to_string().contains("certificate file"), "{err}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;

/// What a file is read as: each kind has its own cap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum InputKind {
    /// Certificates, PEM or DER (one, a chain or a bundle of trust anchors).
    Certificate,
    /// Certificate revocation lists, PEM or DER.
    Crl,
    /// A private key (PKCS#8, PEM or DER).
    PrivateKey,
    /// A password file.
    Password,
    /// A PKCS#12 file.
    Pkcs12,
    /// A CMS (PKCS #7) signature, DER, BER or PEM.
    Cms,
    /// An XML document.
    Xml,
    /// A document read whole: content signed attached, a flow document, a detached XML
    /// reference's content.
    Document,
    /// A file whose kind is known only once it has been read (`signflow inspect`).
    Any,
}

impl InputKind {
    /// Every kind.
    pub const ALL: [InputKind; 9] = [
        Self::Certificate,
        Self::Crl,
        Self::PrivateKey,
        Self::Password,
        Self::Pkcs12,
        Self::Cms,
        Self::Xml,
        Self::Document,
        Self::Any,
    ];

    /// The short name (`certificate`, `crl`, `key`, `password`, `pkcs12`, `cms`, `xml`,
    /// `document`, `any`), as the CLI's `--max-input KIND=SIZE` spells it.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Certificate => "certificate",
            Self::Crl => "crl",
            Self::PrivateKey => "key",
            Self::Password => "password",
            Self::Pkcs12 => "pkcs12",
            Self::Cms => "cms",
            Self::Xml => "xml",
            Self::Document => "document",
            Self::Any => "any",
        }
    }

    /// The kind a [`name`](Self::name) names.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(name))
    }

    /// The default cap, in bytes (see the module documentation for the reasons).
    pub const fn default_limit(self) -> u64 {
        match self {
            Self::Certificate | Self::Pkcs12 => 16 * MIB,
            Self::Crl => 256 * MIB,
            Self::PrivateKey => MIB,
            Self::Password => PASSWORD_LIMIT,
            Self::Xml => 64 * MIB,
            Self::Cms | Self::Document | Self::Any => 512 * MIB,
        }
    }

    /// Whether the file holds a secret: read so that no copy is left behind in freed memory.
    pub const fn is_secret(self) -> bool {
        matches!(self, Self::PrivateKey | Self::Password)
    }
}

impl fmt::Display for InputKind {
    /// "a certificate file", "a CRL file", ...: what the file was read as.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Certificate => "a certificate file",
            Self::Crl => "a CRL file",
            Self::PrivateKey => "a private key file",
            Self::Password => "a password file",
            Self::Pkcs12 => "a PKCS#12 file",
            Self::Cms => "a CMS signature",
            Self::Xml => "an XML document",
            Self::Document => "a document",
            Self::Any => "a file to inspect",
        })
    }
}

/// The cap on password files whatever [`InputLimits::uniform`] is given: no password is larger.
pub const PASSWORD_LIMIT: u64 = 64 * KIB;

/// One cap per [`InputKind`]; [`Default`] gives each kind its
/// [`default_limit`](InputKind::default_limit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InputLimits {
    caps: [u64; InputKind::ALL.len()],
}

impl Default for InputLimits {
    fn default() -> Self {
        Self {
            caps: InputKind::ALL.map(InputKind::default_limit),
        }
    }
}

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// Opening or reading the file failed.
    #[error("{}: {}", path.display(), self.reason())]
    Io {
        /// The file.
        path: PathBuf,
        /// What it was read as.
        kind: InputKind,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is larger than the cap for its kind; reading stopped one byte past the cap.
    #[error("{}: {}", path.display(), self.reason())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// What it was read as.
        kind: InputKind,
        /// The cap, in bytes.
        limit: u64,
    },
}

impl InputError {
    /// The file.
    pub fn path(&self) -> &Path {
        match self {
            Self::Io { path, .. } | Self::TooLarge { path, .. } => path,
        }
    }

    /// What the file was read as.
    pub fn kind(&self) -> InputKind {
        match self {
            Self::Io { kind, .. } | Self::TooLarge { kind, .. } => *kind,
        }
    }

    /// The message without the file's name (for callers that name it themselves).
    pub fn reason(&self) -> String {
        match self {
            Self::Io { kind, source, .. } => format!("cannot read it as {kind}: {source}"),
            Self::TooLarge { kind, limit, .. } => format!(
                "read as {kind}, it is larger than the {} allowed for one",
                format_size(*limit)
            ),
        }
    }
}

impl InputLimits {
    /// The default caps.
    pub fn new() -> Self {
        Self::default()
    }

    /// The same cap for every kind, except that password files stay at most
    /// [`PASSWORD_LIMIT`].
    pub fn uniform(cap: u64) -> Self {
        let mut limits = Self {
            caps: [cap; InputKind::ALL.len()],
        };
        limits.set(InputKind::Password, cap.min(PASSWORD_LIMIT));
        limits
    }

    fn index(kind: InputKind) -> usize {
        InputKind::ALL
            .iter()
            .position(|k| *k == kind)
            .unwrap_or(InputKind::ALL.len() - 1)
    }

    /// The cap for `kind`, in bytes.
    pub fn get(&self, kind: InputKind) -> u64 {
        self.caps[Self::index(kind)]
    }

    /// Sets the cap for `kind`.
    pub fn set(&mut self, kind: InputKind, cap: u64) -> &mut Self {
        self.caps[Self::index(kind)] = cap;
        self
    }

    /// These limits with the cap for `kind` set to `cap`.
    #[must_use]
    pub fn with(mut self, kind: InputKind, cap: u64) -> Self {
        self.set(kind, cap);
        self
    }

    /// Reads `path` whole as `kind`, stopping one byte past the cap (a regular file whose size
    /// is already over the cap is refused before any read).
    ///
    /// # Errors
    /// [`InputError::Io`] if the file cannot be opened or read, [`InputError::TooLarge`] if it
    /// holds more than the cap.
    pub fn read_file(&self, path: &Path, kind: InputKind) -> Result<Vec<u8>, InputError> {
        if kind.is_secret() {
            return self
                .read_secret(path, kind)
                .map(|mut s| std::mem::take(&mut *s));
        }
        let (mut file, hint) = open(path, kind)?;
        let cap = self.get(kind);
        if hint > cap {
            return Err(too_large(path, kind, cap));
        }
        let mut buf = Vec::new();
        buf.reserve_exact(initial_capacity(hint, cap));
        match read_capped_into(&mut file, cap, &mut buf) {
            Ok(true) => Ok(buf),
            Ok(false) => Err(too_large(path, kind, cap)),
            Err(source) => Err(io_error(path, kind, source)),
        }
    }

    /// Reads `path` whole as `kind` into memory that is wiped when dropped, and that leaves no
    /// copy behind while it grows (keys, passwords).
    ///
    /// # Errors
    /// As [`InputLimits::read_file`].
    pub fn read_secret(
        &self,
        path: &Path,
        kind: InputKind,
    ) -> Result<Zeroizing<Vec<u8>>, InputError> {
        let (mut file, hint) = open(path, kind)?;
        let cap = self.get(kind);
        if hint > cap {
            return Err(too_large(path, kind, cap));
        }
        let want = usize::try_from(cap.saturating_add(1)).unwrap_or(usize::MAX);
        let mut buf = Zeroizing::new(Vec::with_capacity(initial_capacity(hint, cap)));
        const CHUNK: usize = 64 * 1024;
        loop {
            if buf.len() == buf.capacity() {
                // Grow by copying into a new buffer: the old one is wiped as it is dropped.
                let grown = buf.capacity().saturating_mul(2).clamp(CHUNK, want.max(1));
                let mut bigger = Vec::with_capacity(grown.max(buf.len() + 1));
                bigger.extend_from_slice(&buf);
                buf = Zeroizing::new(bigger);
            }
            let start = buf.len();
            let end = buf.capacity().min(start.saturating_add(CHUNK));
            buf.resize(end, 0);
            match file.read(&mut buf[start..]) {
                Ok(0) => {
                    buf.truncate(start);
                    return Ok(buf);
                }
                Ok(n) => buf.truncate(start + n),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => buf.truncate(start),
                Err(source) => {
                    buf.truncate(start);
                    return Err(io_error(path, kind, source));
                }
            }
            if buf.len() as u64 > cap {
                return Err(too_large(path, kind, cap));
            }
        }
    }
}

fn open(path: &Path, kind: InputKind) -> Result<(std::fs::File, u64), InputError> {
    let file = std::fs::File::open(path).map_err(|e| io_error(path, kind, e))?;
    // The size of a regular file sizes the buffer once; pipes and devices say nothing.
    let hint = file
        .metadata()
        .ok()
        .filter(std::fs::Metadata::is_file)
        .map_or(0, |m| m.len());
    Ok((file, hint))
}

fn initial_capacity(hint: u64, cap: u64) -> usize {
    let n = if hint == 0 {
        8 * KIB
    } else {
        hint.saturating_add(1)
    };
    usize::try_from(n.min(cap.saturating_add(1))).unwrap_or(usize::MAX)
}

fn io_error(path: &Path, kind: InputKind, source: std::io::Error) -> InputError {
    InputError::Io {
        path: path.to_path_buf(),
        kind,
        source,
    }
}

fn too_large(path: &Path, kind: InputKind, limit: u64) -> InputError {
    InputError::TooLarge {
        path: path.to_path_buf(),
        kind,
        limit,
    }
}

/// Appends what `reader` yields to `buf`, reading at most `cap + 1` bytes: `Ok(true)` when the
/// reader ended within the cap, `Ok(false)` when it holds more (then `buf` holds `cap + 1`
/// bytes more than before).
///
/// # Errors
/// The reader's I/O errors.
pub fn read_capped_into(
    reader: &mut dyn Read,
    cap: u64,
    buf: &mut Vec<u8>,
) -> std::io::Result<bool> {
    let n = reader.take(cap.saturating_add(1)).read_to_end(buf)?;
    Ok(n as u64 <= cap)
}

/// A size in words: "64 MiB", "1.5 GiB", "100 bytes".
pub fn format_size(n: u64) -> String {
    const UNITS: [(u64, &str); 4] = [
        (1 << 40, "TiB"),
        (1 << 30, "GiB"),
        (1 << 20, "MiB"),
        (1 << 10, "KiB"),
    ];
    for (unit, name) in UNITS {
        if n >= unit {
            return if n.is_multiple_of(unit) {
                format!("{} {name}", n / unit)
            } else {
                format!("{n} bytes ({:.1} {name})", n as f64 / unit as f64)
            };
        }
    }
    if n == 1 {
        "1 byte".to_owned()
    } else {
        format!("{n} bytes")
    }
}

/// Why a size could not be read ([`parse_size`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SizeError {
    /// It does not start with a number.
    #[error("{0:?} is not a size (a number of bytes, optionally with K, M, G or T)")]
    NotANumber(String),
    /// The suffix is none of K, M, G, T (and their spellings).
    #[error("{text:?}: unknown size suffix {suffix:?} (expected K, M, G or T)")]
    UnknownSuffix {
        /// The size as written.
        text: String,
        /// The suffix.
        suffix: String,
    },
    /// It does not fit in 64 bits.
    #[error("{0:?} is too large")]
    TooLarge(String),
}

/// Parses a size as the CLI takes it: a number of bytes with an optional suffix, `K`, `M`, `G`
/// or `T` (powers of 1024; `KiB`, `KB`, `k` and the like spell the same).
///
/// # Errors
/// [`SizeError`] saying what is wrong, for a size that is not a number with a known suffix or
/// does not fit in 64 bits.
pub fn parse_size(text: &str) -> Result<u64, SizeError> {
    let t = text.trim();
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return Err(SizeError::NotANumber(text.into()));
    }
    let number: u64 = t[..digits]
        .parse()
        .map_err(|_| SizeError::TooLarge(text.into()))?;
    let shift = match t[digits..].trim_start().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        "t" | "tb" | "tib" => 40,
        other => {
            return Err(SizeError::UnknownSuffix {
                text: text.into(),
                suffix: other.into(),
            });
        }
    };
    number
        .checked_mul(1 << shift)
        .ok_or_else(|| SizeError::TooLarge(text.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_are_at_least_what_the_parsers_accept() {
        let d = InputLimits::default();
        // The parsers' limits (src/pki/crl.rs MAX_CRL_LEN, src/pki/certificate.rs
        // MAX_CERTIFICATE_LEN are not reachable from here).
        assert!(d.get(InputKind::Crl) >= 256 * MIB);
        assert!(d.get(InputKind::Cms) >= crate::cms::MAX_CMS_LEN as u64);
        assert!(d.get(InputKind::Pkcs12) >= crate::pki::pkcs12::MAX_FILE_SIZE as u64);
        assert!(d.get(InputKind::Xml) >= crate::xmldsig::ParseLimits::default().max_size as u64);
        assert!(d.get(InputKind::Certificate) >= 256 * KIB);
        assert!(d.get(InputKind::Document) <= d.get(InputKind::Cms));
    }

    #[test]
    fn sizes_parse_with_binary_suffixes() {
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("1k"), Ok(1024));
        assert_eq!(parse_size("3 GiB"), Ok(3 << 30));
        assert_eq!(parse_size("100"), Ok(100));
        assert!(parse_size("M").is_err());
        assert!(parse_size("12Q").is_err());
        assert!(parse_size("99999999999T").is_err());
        assert_eq!(format_size(64 << 20), "64 MiB");
        assert_eq!(format_size(100), "100 bytes");
    }

    #[test]
    fn reading_stops_one_byte_past_the_cap() {
        let mut endless = std::io::repeat(0);
        let mut buf = Vec::new();
        assert!(!read_capped_into(&mut endless, 1000, &mut buf).unwrap());
        assert_eq!(buf.len(), 1001);
        let mut short: &[u8] = b"abc";
        let mut buf = Vec::new();
        assert!(read_capped_into(&mut short, 3, &mut buf).unwrap());
        assert_eq!(buf, b"abc");
    }

    #[test]
    fn secrets_and_files_read_whole_within_the_cap() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let data: Vec<u8> = (0..200_000u32).map(|i| i as u8).collect();
        std::fs::write(&path, &data).unwrap();
        let limits = InputLimits::uniform(200_000);
        assert_eq!(limits.read_file(&path, InputKind::Document).unwrap(), data);
        let limits = limits.with(InputKind::PrivateKey, 200_000);
        assert_eq!(
            *limits.read_secret(&path, InputKind::PrivateKey).unwrap(),
            data
        );
        let small = InputLimits::uniform(199_999);
        for kind in [InputKind::Document, InputKind::PrivateKey] {
            let err = small.read_file(&path, kind).unwrap_err();
            assert!(matches!(err, InputError::TooLarge { limit: 199_999, .. }));
        }
        // Passwords stay small whatever the uniform cap.
        assert_eq!(
            InputLimits::uniform(1 << 30).get(InputKind::Password),
            PASSWORD_LIMIT
        );
        let err = limits
            .read_file(&dir.path().join("missing"), InputKind::Crl)
            .unwrap_err();
        assert!(matches!(err, InputError::Io { .. }), "{err}");
        assert!(err.to_string().contains("a CRL file"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn dev_zero_is_refused_at_the_cap() {
        let limits = InputLimits::uniform(1 << 20);
        for kind in InputKind::ALL {
            let err = limits.read_file(Path::new("/dev/zero"), kind).unwrap_err();
            assert!(
                matches!(err, InputError::TooLarge { .. }),
                "{kind:?}: {err}"
            );
        }
    }
}
