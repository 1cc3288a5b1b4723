//! The one error type of crmstat. Every variant carries the context a person needs to act:
//! the file, what was expected, and what to change.

use std::path::PathBuf;

/// Errors that stop a run. Row-level data problems are not errors: they are collected as
/// [`crate::validate::Problem`]s and the run goes on with the good rows.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or folder could not be read or written.
    #[error("{path}: {action}: {source}")]
    Io {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: std::io::Error,
    },
    /// The config file is missing, unreadable or invalid.
    #[error("{path}: {message}")]
    Config { path: PathBuf, message: String },
    /// A whole input file cannot be used (missing required column, unreadable format...).
    #[error("{file}: {problem}\n  fix: {fix}")]
    BadFile {
        file: String,
        problem: String,
        fix: String,
    },
    /// The user asked for something that cannot be done (bad flag combination, bad period...).
    #[error("{0}")]
    Usage(String),
    /// Data errors found while `--strict` (or `validate`) was in force; the report was printed.
    #[error("{rejected} row(s) rejected; see the problems listed above")]
    DataErrors { rejected: usize },
    /// A failure inside polars, with what crmstat was doing at the time.
    #[error("{context}: {source}")]
    Polars {
        context: String,
        #[source]
        source: polars::error::PolarsError,
    },
    /// A chart could not be drawn.
    #[error("chart {path}: {message}")]
    Chart { path: PathBuf, message: String },
}

impl Error {
    /// The process exit code for this error, as SPEC §5 defines them:
    /// 1 for data errors under `--strict` or `validate`, 2 for usage and I/O problems.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::DataErrors { .. } => 1,
            _ => 2,
        }
    }

    /// Shorthand for an I/O error on a path.
    pub fn io(path: impl Into<PathBuf>, action: &'static str, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            action,
            source,
        }
    }
}

/// Attach "what we were doing" to polars errors.
pub trait PolarsContext<T> {
    /// Wrap a polars error with a description of the step that failed.
    fn ctx(self, context: impl Into<String>) -> Result<T>;
}

impl<T> PolarsContext<T> for std::result::Result<T, polars::error::PolarsError> {
    fn ctx(self, context: impl Into<String>) -> Result<T> {
        self.map_err(|source| Error::Polars {
            context: context.into(),
            source,
        })
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A polars error as a person reads it: its first paragraph, without the hints meant for
/// Python users (`infer_schema_length`, `ignore_errors`, …) that crmstat has no use for.
pub fn polars_text(e: &dyn std::fmt::Display) -> String {
    let text = e.to_string();
    let cut = text
        .find("You might want to try")
        .or_else(|| text.find("\n\nThe current offset"))
        .map_or(text.as_str(), |i| &text[..i]);
    cut.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn python_hints_are_dropped() {
        let e = polars::prelude::polars_err!(ComputeError:
            "could not parse `x` as dtype `i64` at column 'a' (column number 1)\n\n\
             The current offset in the file is 5 bytes.\n\nYou might want to try:\n\
             - increasing `infer_schema_length` (e.g. `infer_schema_length=10000`),\n\
             - setting `ignore_errors` to `True`,");
        let t = super::polars_text(&e);
        assert!(
            t.contains("could not parse `x` as dtype `i64` at column 'a'"),
            "{t}"
        );
        assert!(
            !t.contains("infer_schema_length") && !t.contains("ignore_errors"),
            "{t}"
        );
    }
}
