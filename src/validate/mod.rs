//! Validation (SPEC §5): read every table of a data folder, type its values, check rows
//! and references, and split good rows from rejects. Every problem is reported as
//! `file:line: column: what is wrong (value)` and counted; nothing is dropped quietly.

mod checks;
mod convert;
mod report;

use std::collections::BTreeMap;
use std::path::Path;

use polars::prelude::*;

pub use convert::dtype_of;
pub use report::{Problem, Report, TableCount};

use crate::config::Config;
use crate::error::{Error, PolarsContext, Result};
use crate::input::{self, LineSource, ROW};
use crate::schema::{self, TableSpec};
use crate::stages::Stages;
use crate::tables::Tables;

/// A data folder after validation: the good rows, typed, and the report.
pub struct Loaded {
    pub tables: Tables,
    pub stages: Stages,
    pub report: Report,
}

/// One table while it is being checked.
pub struct Checking {
    pub spec: &'static TableSpec,
    pub file: String,
    pub frame: DataFrame,
    lines: LineSource,
    skipped_lines: Vec<u64>,
    read: usize,
    problems: Vec<RowProblem>,
    rejected: Vec<bool>,
}

/// The keys of a table other tables refer to.
pub struct KeySet {
    pub used: Series,
    pub rejected: Series,
}

struct RowProblem {
    pos: usize,
    column: String,
    value: String,
    reason: String,
    rejects: bool,
}

impl Checking {
    fn new(
        spec: &'static TableSpec,
        file: String,
        rows: usize,
        lines: LineSource,
        skipped: Vec<u64>,
    ) -> Self {
        Checking {
            spec,
            file,
            frame: DataFrame::empty(),
            lines,
            skipped_lines: skipped,
            read: rows,
            problems: Vec::new(),
            rejected: vec![false; rows],
        }
    }

    /// Reject the row at `pos` for a reason.
    pub fn reject(&mut self, pos: usize, column: &str, value: &str, reason: &str) {
        self.add(pos, column, value, reason, true);
    }

    /// Warn about the row at `pos` (it is still used).
    pub fn warn(&mut self, pos: usize, column: &str, value: &str, reason: &str) {
        self.add(pos, column, value, reason, false);
    }

    fn add(&mut self, pos: usize, column: &str, value: &str, reason: &str, rejects: bool) {
        if rejects {
            self.rejected[pos] = true;
        }
        self.problems.push(RowProblem {
            pos,
            column: column.into(),
            value: value.into(),
            reason: reason.into(),
            rejects,
        });
    }

    /// Whether the row at `pos` is rejected so far.
    pub fn is_rejected(&self, pos: usize) -> bool {
        self.rejected[pos]
    }

    /// A text column of the frame.
    pub fn text(&self, name: &str) -> Result<StringChunked> {
        Ok(self
            .frame
            .column(name)
            .ctx(name.to_string())?
            .str()
            .ctx(name.to_string())?
            .clone())
    }

    /// Key values of rows that survive, and of rows that were rejected (and whose key no
    /// surviving row has), as columns for `is_in` checks.
    fn keys(&self, column: &str) -> Result<KeySet> {
        let keep: BooleanChunked = self.rejected.iter().map(|r| !r).collect();
        let values = self
            .frame
            .column(column)
            .ctx(column.to_string())?
            .as_materialized_series()
            .clone();
        let unique = |mask: &BooleanChunked| -> Result<Series> {
            values
                .filter(mask)
                .and_then(|s| s.drop_nulls().unique())
                .ctx(format!("{column} keys"))
        };
        let used = unique(&keep)?;
        let rejected = unique(&!&keep)?;
        Ok(KeySet { used, rejected })
    }

    /// Move the problems into the report and return the good rows.
    fn finish(self, report: &mut Report) -> Result<DataFrame> {
        let rows: Vec<u32> = self
            .frame
            .column(ROW)
            .ctx(ROW)?
            .idx()
            .ctx(ROW)?
            .into_no_null_iter()
            .collect();
        let positions: Vec<u32> = self.problems.iter().map(|p| rows[p.pos]).collect();
        let lines = if positions.is_empty() {
            Vec::new()
        } else {
            self.lines.lines_of(&positions)
        };
        let mut found: Vec<Problem> = Vec::with_capacity(self.problems.len());
        for (p, line) in self.problems.into_iter().zip(lines) {
            found.push(Problem {
                table: self.spec.name,
                file: self.file.clone(),
                line,
                column: p.column,
                value: p.value,
                reason: p.reason,
                rejects_row: p.rejects,
            });
        }
        // In file order: a person fixes an export from top to bottom.
        found.sort_by_key(|p| p.line);
        report.problems.extend(found);
        for line in &self.skipped_lines {
            report.notes.push(format!(
                "{}:{line}: repeated header line skipped",
                self.file
            ));
        }
        let keep: BooleanChunked = self.rejected.iter().map(|r| !r).collect();
        let good = self
            .frame
            .filter(&keep)
            .ctx("keeping good rows")?
            .drop(ROW)
            .ctx(ROW)?;
        let rejected = self.rejected.iter().filter(|r| **r).count();
        report.counts.push(TableCount {
            table: self.spec.name,
            file: self.file,
            read: self.read,
            used: self.read - rejected,
            rejected,
        });
        Ok(good)
    }
}

/// Read and validate every table in `dir`.
pub fn load(dir: &Path, config: &Config) -> Result<Loaded> {
    if !dir.is_dir() {
        return Err(Error::Usage(format!(
            "{}: no such data folder; pass --data DIR with the exported tables",
            dir.display()
        )));
    }
    if config.profile.is_some() {
        let imported = crate::import::read(dir, config)?;
        let mut config = config.clone();
        config.funnel = imported.funnel;
        let mut loaded = load_raw(imported.tables, &config)?;
        loaded.report.notes.extend(imported.mapping.notes);
        return Ok(loaded);
    }
    let mut raws = Vec::new();
    for spec in schema::ALL {
        if let Some(path) = input::locate(dir, spec, config)? {
            raws.push(input::read_table(&path, spec, config)?);
        }
    }
    if !raws.iter().any(|r| r.spec.name == "deals") {
        return Err(Error::BadFile {
            file: dir.join("deals.csv").display().to_string(),
            problem: "no deals table in the data folder (deals is the one required table)".into(),
            fix: "add deals.csv (or .parquet/.arrow/.xlsx), or name the file with [tables.deals] file = \"…\"".into(),
        });
    }
    load_raw(raws, config)
}

/// Validate tables already read (from canonical files, or built by an import profile).
pub fn load_raw(raws: Vec<input::RawTable>, config: &Config) -> Result<Loaded> {
    let mut checking: BTreeMap<&'static str, Checking> = BTreeMap::new();
    for raw in raws {
        let name = raw.spec.name;
        checking.insert(name, convert::convert(raw, config)?);
    }
    if !checking.contains_key("deals") {
        return Err(Error::Usage("no deals table".into()));
    }
    let mut report = Report::default();
    let stages = Stages::resolve(
        &config.funnel,
        checking
            .get("stage_history")
            .map(checks::history_sequence)
            .transpose()?
            .as_deref(),
    );
    report.notes.extend(checks::stage_notes(&stages));
    for c in checking.values_mut() {
        checks::row_checks(c, &stages)?;
    }
    let mut keys: BTreeMap<&'static str, KeySet> = BTreeMap::new();
    let mut frames: BTreeMap<&'static str, DataFrame> = BTreeMap::new();
    let absent: Vec<&str> = schema::ALL
        .iter()
        .map(|t| t.name)
        .filter(|t| !checking.contains_key(t))
        .collect();
    if !absent.is_empty() {
        report.notes.push(format!(
            "not in the data folder: {} (figures that need them say so)",
            absent.join(", ")
        ));
    }
    for spec in schema::ALL {
        let Some(mut c) = checking.remove(spec.name) else {
            continue;
        };
        checks::duplicate_keys(&mut c)?;
        checks::references(&mut c, &keys)?;
        if let Some(key) = spec.key {
            keys.insert(spec.name, c.keys(key)?);
        }
        frames.insert(spec.name, c.finish(&mut report)?);
    }
    let tables = Tables::from_frames(frames)?;
    Ok(Loaded {
        tables,
        stages,
        report,
    })
}
