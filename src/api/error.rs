//! The error of a whole operation, split by what the caller should do: bad input (the CLI's
//! exit code 2, Python's `taosim.InputError`), an interruption asked for by the caller, or
//! anything else (exit code 1). A leaf file, shared by every operation and by the CLI.
//!
//! May depend on: anyhow, thiserror.

/// Failures of an operation.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input, in one line naming the field, option or file: exit code 2.
    #[error("{0}")]
    Input(String),
    /// The caller asked to stop ([`super::Progress::cancelled`]); nothing was published.
    #[error("interrupted")]
    Cancelled,
    /// Anything else: exit code 1.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl Error {
    /// An [`Error::Other`] from any displayable error.
    pub fn other(e: impl std::fmt::Display) -> Error {
        Error::Other(anyhow::anyhow!("{e}"))
    }
}
