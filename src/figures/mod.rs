//! The figures layer: for each figure command, the tables, charts and notes it gives
//! ([`Results`]), computed from the loaded tables by the metrics. Commands (`cmd/`) parse,
//! load, call these and write; the report (`cmd/report.rs`) calls the same functions for its
//! sections. Nothing here reads arguments, paths or writers.

pub mod campaigns;
pub mod clv;
pub mod diff;
pub mod durations;
pub mod forecast;
pub mod funnel;
pub mod losses;
pub mod managers;
pub mod pacing;
pub mod payroll;
pub mod pipeline;
pub mod reactivation;
pub mod retention;

use crate::chart::Chart;
use crate::output::NamedTable;
use crate::period::Period;

/// Results of a figure command: tables, charts and notes for the reader.
pub struct Results {
    /// The command's name: the workbook is `<book>.xlsx` with `--format xlsx`.
    pub book: &'static str,
    pub heading: String,
    pub tables: Vec<NamedTable>,
    pub charts: Vec<Chart>,
    pub notes: Vec<String>,
}

/// The heading of a figure's report: what, for which period, as of when.
pub fn heading(what: &str, period: &Period, extra: &str) -> String {
    let as_of = period.as_of() - chrono::Duration::milliseconds(1);
    format!(
        "{what} — {} ({extra}as of end of {})",
        period.label,
        as_of.date()
    )
}
