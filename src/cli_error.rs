//! The command line's error type, split by exit code: a leaf file, so that the subcommand files
//! and `cli` can share it without importing one another in a circle.
//!
//! May depend on: anyhow, thiserror.

/// Failures of a command, split by exit code.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad input: exit code 2.
    #[error("{0}")]
    Input(String),
    /// Anything else: exit code 1.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}
