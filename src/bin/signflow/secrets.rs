//! Passwords: only from an environment variable or a file, never from the command line, where
//! other users could read them in the process list.

use std::path::PathBuf;

use clap::Args;
use signflow::limits::InputKind;
use zeroize::Zeroizing;

use crate::exit::{Failure, Status};

/// `--password-env VAR` / `--password-file FILE`, shared by every command that opens a key.
#[derive(Args, Debug, Clone, Default)]
pub struct PasswordArgs {
    /// Read the password from this environment variable.
    #[arg(long, value_name = "VAR", conflicts_with = "password_file")]
    pub password_env: Option<String>,
    /// Read the password from the first line of this file.
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
}

impl PasswordArgs {
    /// The password, if one was given; `Ok(None)` when neither option was used.
    ///
    /// A password file is read within its cap (64 KiB unless `--max-input password=SIZE`
    /// says otherwise); its first line is the password (a trailing newline is not part of
    /// it). A password that is not UTF-8 text (file or variable) is exit 4, "wrong password or
    /// unusable key": the file was read, and it is the credentials that cannot be used
    /// (PKCS#12 passwords are Unicode text), not the document or the signature (2) nor the
    /// disk (74).
    pub fn read(&self) -> Result<Option<Zeroizing<String>>, Failure> {
        if let Some(var) = &self.password_env {
            return match std::env::var(var) {
                Ok(v) => Ok(Some(Zeroizing::new(v))),
                Err(std::env::VarError::NotPresent) => Err(Failure::new(
                    Status::Usage,
                    format!("environment variable {var} is not set"),
                )),
                Err(std::env::VarError::NotUnicode(_)) => Err(Failure::new(
                    Status::KeyError,
                    format!("environment variable {var}: the password is not UTF-8 text"),
                )),
            };
        }
        if let Some(path) = &self.password_file {
            let bytes = crate::input::read_secret(path, InputKind::Password)?;
            let text = std::str::from_utf8(&bytes).map_err(|_| {
                Failure::new(
                    Status::KeyError,
                    format!(
                        "{}: the password file is not UTF-8 text, so it holds no usable password",
                        path.display()
                    ),
                )
            })?;
            let line = text.lines().next().unwrap_or("");
            return Ok(Some(Zeroizing::new(line.to_owned())));
        }
        Ok(None)
    }
}
