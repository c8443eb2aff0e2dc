//! Standard output for every command: writes that fail (a closed pipe, a full disk) become the
//! CLI's exit status 74 instead of the panic `println!` would give.
//!
//! Use: `let mut out = Out::stdout();` then `out.line(x)?` (a line), `out.text(x)?` (as is),
//! `out.json(&value)?` (one JSON document on a line). Each call flushes, so an error surfaces at
//! the write that caused it and nothing is left to fail silently at exit. A reader that went
//! away (`| head -c 10`) ends the command with 74 and no message; anything else (`> /dev/full`)
//! with 74 and the reason on stderr.

use std::fmt::Display;
use std::io::Write;

use crate::exit::Failure;

/// The command's standard output.
pub struct Out {
    inner: Box<dyn Write>,
}

impl Out {
    /// Standard output, locked for the life of this value.
    pub fn stdout() -> Self {
        Self {
            inner: Box::new(std::io::stdout().lock()),
        }
    }

    /// Writes `text` as it is.
    pub fn text(&mut self, text: impl Display) -> Result<(), Failure> {
        write!(self.inner, "{text}")
            .and_then(|()| self.inner.flush())
            .map_err(Failure::output)
    }

    /// Writes `text` and a newline.
    pub fn line(&mut self, text: impl Display) -> Result<(), Failure> {
        writeln!(self.inner, "{text}")
            .and_then(|()| self.inner.flush())
            .map_err(Failure::output)
    }

    /// Writes one JSON document on a line.
    pub fn json(&mut self, value: &serde_json::Value) -> Result<(), Failure> {
        self.line(value)
    }
}

/// A warning on stderr. Errors writing it are ignored: stderr is where they would be reported,
/// and they do not change what the command concluded.
pub fn warn(message: impl Display) {
    let _ = writeln!(std::io::stderr(), "signflow: {message}");
}
