//! crmstat: an analytics and reporting engine over CRM exports.
//!
//! It reads a folder of exported tables (deals, stage history, clients, managers,
//! contacts, payments, campaigns), validates them against the contract of `SPEC.md`, and
//! computes the figures sales directors, marketers and payroll act on: the funnel, where
//! deals are lost, how long they take. The binary in `src/main.rs` is a thin shell around
//! [`cmd::run`].

pub mod config;
pub mod dates;
pub mod error;
pub mod figures;
pub mod input;
pub mod money;
pub mod schema;
pub mod stages;
pub mod tables;
pub mod validate;

pub use error::{Error, Result};

/// `eprintln!` that never panics: a closed stderr (`crmstat … 2>&1 | head -1`) is not an
/// error of the run, as a closed stdout is not.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}
pub mod chart;
pub mod cli;
pub mod cmd;
pub mod generate;
pub mod i18n;
pub mod import;
pub mod metrics;
pub mod output;
pub mod period;
pub mod report;
