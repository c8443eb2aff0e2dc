//! Passwords: only from an environment variable or a file, never from the command line, where
//! other users could read them in the process list.

use std::path::PathBuf;

use clap::Args;
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
    pub fn read(&self) -> Result<Option<Zeroizing<String>>, Failure> {
        if let Some(var) = &self.password_env {
            return std::env::var(var)
                .map(|v| Some(Zeroizing::new(v)))
                .map_err(|_| {
                    Failure::new(
                        Status::Usage,
                        format!("environment variable {var} is not set"),
                    )
                });
        }
        if let Some(path) = &self.password_file {
            let text =
                Zeroizing::new(std::fs::read_to_string(path).map_err(|e| Failure::io(path, e))?);
            let line = text.lines().next().unwrap_or("");
            return Ok(Some(Zeroizing::new(line.to_owned())));
        }
        Ok(None)
    }
}
