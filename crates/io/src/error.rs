//! One error type for the engine, classified by what the user must do next.

use std::fmt;

/// What kind of failure, which decides the process exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad input, a refused operation, an I/O failure: exit 1.
    Failed,
    /// The command was used wrongly (missing selector key, bad flag combination): exit 2.
    Usage,
    /// A person must answer something first (conflict, secret, confirmation): exit 3.
    NeedsInput,
    /// Verify found remaining work: exit 4.
    VerifyFailed,
}

impl ErrorKind {
    pub fn exit_code(self) -> i32 {
        match self {
            ErrorKind::Failed => 1,
            ErrorKind::Usage => 2,
            ErrorKind::NeedsInput => 3,
            ErrorKind::VerifyFailed => 4,
        }
    }
}

/// An error whose message says what happened, where, and what to do.
#[derive(Debug)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
}

impl Error {
    pub fn failed(message: impl Into<String>) -> Self {
        Self { kind: ErrorKind::Failed, message: message.into() }
    }
    pub fn usage(message: impl Into<String>) -> Self {
        Self { kind: ErrorKind::Usage, message: message.into() }
    }
    pub fn needs_input(message: impl Into<String>) -> Self {
        Self { kind: ErrorKind::NeedsInput, message: message.into() }
    }
    pub fn verify_failed(message: impl Into<String>) -> Self {
        Self { kind: ErrorKind::VerifyFailed, message: message.into() }
    }
    /// A file that is no longer what this run read: nothing more is written from it.
    pub fn changed_while_running(path: impl std::fmt::Display) -> Self {
        Self::failed(format!(
            "{path} changed while handover-migrate was running; nothing more was written from it. Run the command again"
        ))
    }
    /// An I/O error on a path, with the path in the message.
    pub fn io(action: &str, path: &std::path::Path, err: std::io::Error) -> Self {
        Self::failed(format!("cannot {action} {}: {err}", path.display()))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;
