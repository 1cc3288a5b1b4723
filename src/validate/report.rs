//! What validation found: every problem with its file, line, column and value; rows read,
//! used and rejected per table; notes about what was skipped or assumed.

use crate::i18n::Note;
use std::fmt;

use polars::prelude::*;

use crate::error::{PolarsContext, Result};

/// One problem with one value of one row.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub table: &'static str,
    pub file: String,
    pub line: u64,
    pub column: String,
    pub value: String,
    pub reason: String,
    /// False for warnings: the row is still used (the note says what was changed).
    pub rejects_row: bool,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefix = if self.rejects_row { "" } else { "warning: " };
        write!(
            f,
            "{}:{}: {}: {prefix}{} ({})",
            self.file,
            self.line,
            self.column,
            self.reason,
            shorten(&self.value)
        )
    }
}

fn shorten(value: &str) -> String {
    if value.chars().count() > 60 {
        let s: String = value.chars().take(57).collect();
        format!("\"{s}…\"")
    } else {
        format!("\"{value}\"")
    }
}

/// Rows of one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableCount {
    pub table: &'static str,
    pub file: String,
    pub read: usize,
    pub used: usize,
    pub rejected: usize,
}

/// The outcome of validating a data folder.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub problems: Vec<Problem>,
    pub counts: Vec<TableCount>,
    /// Things a user should know that are not row problems (repeated header lines
    /// skipped, stage order inferred, tables absent...).
    pub notes: Vec<Note>,
    /// The currency of the deals' amounts when their `currency` column or the config
    /// names it.
    pub currency: Option<String>,
    /// The ids of the deals rows that were rejected (`diff` tells a deal it could not read
    /// from one that is new).
    pub rejected_deals: Vec<String>,
}

impl Report {
    /// Rows rejected over all tables.
    pub fn rejected(&self) -> usize {
        self.counts.iter().map(|c| c.rejected).sum()
    }

    /// Problems that reject a row.
    pub fn rejections(&self) -> impl Iterator<Item = &Problem> {
        self.problems.iter().filter(|p| p.rejects_row)
    }

    /// The one-line summary every command prints: `deals 100 read = 98 used + 2 rejected; …`.
    pub fn summary_line(&self) -> String {
        let parts: Vec<String> = self
            .counts
            .iter()
            .map(|c| {
                format!(
                    "{} {} read = {} used + {} rejected",
                    c.table, c.read, c.used, c.rejected
                )
            })
            .collect();
        format!("rows: {}", parts.join("; "))
    }

    /// The rejects table (SPEC §6): table, file, line, column, value, reason.
    pub fn rejects_frame(&self) -> Result<DataFrame> {
        let rows: Vec<&Problem> = self.rejections().collect();
        let text =
            |f: fn(&Problem) -> String| -> Vec<String> { rows.iter().map(|p| f(p)).collect() };
        let lines: Vec<u64> = rows.iter().map(|p| p.line).collect();
        df!(
            "table" => text(|p| p.table.to_string()),
            "file" => text(|p| p.file.clone()),
            "line" => lines,
            "column" => text(|p| p.column.clone()),
            "value" => text(|p| p.value.clone()),
            "reason" => text(|p| p.reason.clone()),
        )
        .ctx("building the rejects table")
    }

    /// The per-table counts as a table: table, file, read, used, rejected.
    pub fn counts_frame(&self) -> Result<DataFrame> {
        let c = &self.counts;
        df!(
            "table" => c.iter().map(|c| c.table.to_string()).collect::<Vec<_>>(),
            "file" => c.iter().map(|c| c.file.clone()).collect::<Vec<_>>(),
            "read" => c.iter().map(|c| c.read as u64).collect::<Vec<_>>(),
            "used" => c.iter().map(|c| c.used as u64).collect::<Vec<_>>(),
            "rejected" => c.iter().map(|c| c.rejected as u64).collect::<Vec<_>>(),
        )
        .ctx("building the counts table")
    }
}
