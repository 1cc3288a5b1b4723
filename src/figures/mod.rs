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
use crate::i18n::Note;
use crate::output::NamedTable;
use crate::period::Period;
use crate::schema::names::MANAGER_ID;

/// Results of a figure command: tables, charts and notes for the reader.
pub struct Results {
    /// The command's name: the workbook is `<book>.xlsx` with `--format xlsx`.
    pub book: &'static str,
    pub heading: String,
    pub tables: Vec<NamedTable>,
    pub charts: Vec<Chart>,
    pub notes: Vec<Note>,
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

/// `frame` with `name` last: on its manager rows (every row, or those whose `level` is
/// "manager"), the manager's name from the managers table, else the id in `id`; on the other
/// rows the value of `id` (a team, segment or channel), empty where that is empty. For the
/// page and charts, which name managers as people do; the columns before it are unchanged.
pub fn with_manager_names(
    frame: &polars::prelude::DataFrame,
    id: &str,
    manager_level: bool,
    tables: &crate::tables::Tables,
) -> crate::error::Result<polars::prelude::DataFrame> {
    use crate::error::PolarsContext;
    use polars::prelude::*;
    let names = match &tables.managers {
        Some(m) => m
            .clone()
            .lazy()
            .select([col(MANAGER_ID).alias("__id"), col("name").alias("__name")]),
        None => DataFrame::empty_with_schema(&Schema::from_iter([
            Field::new("__id".into(), DataType::String),
            Field::new("__name".into(), DataType::String),
        ]))
        .lazy(),
    };
    let named = coalesce(&[col("__name"), col(id)]);
    let name = if manager_level {
        when(col("level").eq(lit("manager")))
            .then(named)
            .otherwise(col(id))
    } else {
        named
    };
    frame
        .clone()
        .lazy()
        .join(
            names,
            [col(id)],
            [col("__id")],
            JoinArgs::new(JoinType::Left),
        )
        .with_column(name.alias("name"))
        .drop(cols(["__name"]))
        .collect()
        .ctx("the managers' names")
}
