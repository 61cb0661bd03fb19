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

/// One input a run needs before it can go on (exit 3), for machines: what it is, where it
/// goes, and the answers-file entry (and, for a secret, the variable) that supplies it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct InputNeeded {
    /// `secret`, `connection`, `value`, `conflict`, `confirmation`.
    pub what: String,
    /// The provider, node or question it belongs to.
    #[serde(rename = "where")]
    pub location: String,
    /// What a person is asked.
    pub prompt: String,
    /// The answers-file entry, table header and `key = value` on two lines (valid TOML).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answers_entry: Option<String>,
    /// The environment variable that supplies a secret instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub env_var: Option<String>,
    /// The flag that supplies it instead (`--yes` for a confirmation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flag: Option<String>,
}

/// An error whose message says what happened, where, and what to do.
#[derive(Debug)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
    /// With [`ErrorKind::NeedsInput`]: each input needed, machine-readable.
    pub input_needed: Vec<InputNeeded>,
}

impl Error {
    fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into(), input_needed: Vec::new() }
    }
    pub fn failed(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Failed, message)
    }
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Usage, message)
    }
    pub fn needs_input(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NeedsInput, message)
    }
    /// Exit 3 with the list of what is needed.
    pub fn needs(message: impl Into<String>, input_needed: Vec<InputNeeded>) -> Self {
        Self { input_needed, ..Self::new(ErrorKind::NeedsInput, message) }
    }
    pub fn verify_failed(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::VerifyFailed, message)
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
