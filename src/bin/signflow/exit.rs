//! Exit statuses: the contract scripts rely on (README, "CLI conventions").

use std::process::ExitCode;

use signflow::limits::InputError;

/// What a `signflow` run concluded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// 0: the signature (or every step) is valid.
    Valid = 0,
    /// 1: a signature is invalid.
    Invalid = 1,
    /// 2: the input is not what it claims to be (or is larger than its `--max-input` cap).
    FormatError = 2,
    /// 3: no conclusion could be reached (e.g. revocation status unknown).
    Indeterminate = 3,
    /// 4: wrong password or unusable key.
    KeyError = 4,
    /// 5: another writer changed the document first (flow commands): run it again.
    Conflict = 5,
    /// 64: the command line is wrong (EX_USAGE).
    Usage = 64,
    /// 74: reading or writing a file, or writing standard output, failed (EX_IOERR).
    Io = 74,
}

impl From<signflow::pki::Status> for Status {
    /// A verdict's exit status: 0 valid, 1 invalid, 3 indeterminate.
    fn from(s: signflow::pki::Status) -> Self {
        match s {
            signflow::pki::Status::Valid => Self::Valid,
            signflow::pki::Status::Invalid => Self::Invalid,
            signflow::pki::Status::Indeterminate => Self::Indeterminate,
        }
    }
}

impl From<Status> for ExitCode {
    fn from(s: Status) -> Self {
        ExitCode::from(s as u8)
    }
}

/// A failure that ends the command with a status and a one-line message on stderr.
#[derive(Debug)]
pub struct Failure {
    pub status: Status,
    pub message: String,
    /// Print no message: standard output's reader went away (`| head`), nobody is listening.
    pub quiet: bool,
}

impl Failure {
    pub fn new(status: Status, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            quiet: false,
        }
    }

    /// Opening, reading or writing `path` failed: 74.
    pub fn io(path: &std::path::Path, e: std::io::Error) -> Self {
        Self::new(Status::Io, format!("{}: {e}", path.display()))
    }

    /// Doing `what` with `path` failed ("cannot write the signature"): 74.
    pub fn io_doing(path: &std::path::Path, what: &str, e: std::io::Error) -> Self {
        Self::new(Status::Io, format!("{}: {what}: {e}", path.display()))
    }

    /// Writing standard output failed: 74, quietly when the reader went away.
    pub fn output(e: std::io::Error) -> Self {
        Self {
            quiet: e.kind() == std::io::ErrorKind::BrokenPipe,
            ..Self::new(Status::Io, format!("standard output: {e}"))
        }
    }
}

impl From<InputError> for Failure {
    /// A file that cannot be read is 74; one over its cap is 2 (a format refusal: no file of
    /// that kind is that large), with the option that raises the cap.
    fn from(e: InputError) -> Self {
        match &e {
            InputError::TooLarge { kind, .. } => Self::new(
                Status::FormatError,
                format!("{e} (--max-input {}=SIZE raises the cap)", kind.name()),
            ),
            _ => Self::new(Status::Io, e.to_string()),
        }
    }
}

impl From<signflow::crypto::CryptoError> for Failure {
    fn from(e: signflow::crypto::CryptoError) -> Self {
        use signflow::crypto::CryptoError as E;
        let status = match e {
            E::BadSignature => Status::Invalid,
            E::InvalidPrivateKey(_) | E::KeyMismatch { .. } | E::VerifyOnly(_) => Status::KeyError,
            _ => Status::FormatError,
        };
        Self::new(status, e.to_string())
    }
}

impl From<signflow::pem::PemError> for Failure {
    fn from(e: signflow::pem::PemError) -> Self {
        Self::new(Status::FormatError, e.to_string())
    }
}
