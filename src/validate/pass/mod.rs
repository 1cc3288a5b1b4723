//! One table's streaming pass: the scan's parts arrive in file order; each part's rows are
//! checked (values that did not parse, missing required values, a value after the last
//! column, the table's own row checks, duplicate ids, references to other tables) and the
//! good rows that the command needs are kept. Problems remember their record number;
//! line numbers are found once the pass is over, for those rows only.

use crate::schema::names::MANAGER_ID;
use std::sync::Arc;

use polars::prelude::*;

use super::convert::{self, Rules};
use super::keys::{KeyIndex, KeySet};
pub use super::problems::{PartProblems, Reason, RowProblem};
use super::report::{Problem, TableCount};
use super::{checks, dtype_of};
use crate::error::{Error, PolarsContext, Result};
use crate::input::scan::TableSource;
use crate::input::{ROW, csv::TRAILING};
use crate::schema::{self, Column as Spec, Reference, TableSpec};
use crate::stages::Stages;
use crate::tables::status;

mod part;
mod refs;

use refs::{KEY_HASH, id_hashes, ref_name, reference_codes};

/// Column flagging a line that repeats the header.
pub const HEADER: &str = "__repeated_header";
/// Column saying whether the command needs the row (its window).
pub const KEEP: &str = "__keep";

/// Name of the text beside a typed column.
pub fn text_name(column: &str) -> String {
    format!("__text_{column}")
}

/// What a pass needs from the run.
pub struct Setup {
    pub rules: Rules,
    pub stages: Arc<Stages>,
    /// The tables this one refers to that have been checked, with their ids.
    pub targets: Vec<(&'static Reference, Arc<KeySet>)>,
    /// Keep the rows at all (not for `validate`, which only reports).
    pub keep_rows: bool,
    /// Keep the export's extra columns (for SQL queries and conversion).
    pub keep_extras: bool,
    /// Write the rows kept to this Parquet file as they come instead of keeping them in
    /// memory (conversion of tables of any size).
    pub write_to: Option<std::path::PathBuf>,
    /// Which rows the command needs (contacts of the period's windows); `None`: all.
    pub window: Option<Expr>,
    /// Collect the distinct manager ids of the rows used (contacts, for a roster without
    /// a managers table).
    pub manager_ids: bool,
    /// Keep out of the frame the columns read only for their checks
    /// ([`schema::CHECKED_ONLY`]); they read as empty afterwards.
    pub leave_checked_only: bool,
}

/// The outcome of a pass.
pub struct Checked {
    pub frame: DataFrame,
    pub problems: Vec<RowProblem>,
    /// Record numbers of lines that repeated the header.
    pub header_rows: Vec<u32>,
    pub count: TableCount,
    /// Ids of the rows kept and rejected, when other tables refer to this one.
    pub keys: Option<KeySet>,
    pub manager_ids: Option<KeyIndex>,
    /// The currency the deals' amounts are in (named by the config, else by the first
    /// deal that names one).
    pub currency: Option<String>,
    /// Open deals without an owner in the export, given the default one.
    pub owners_filled: usize,
    /// Rows whose value came from `[tables.<table>.defaults]`, per column.
    pub defaults_filled: std::collections::BTreeMap<String, usize>,
}

/// The state of a pass while parts arrive.
struct State {
    spec: &'static TableSpec,
    present: Vec<&'static Spec>,
    trailing: bool,
    setup: Setup,
    problems: Vec<RowProblem>,
    header_rows: Vec<u32>,
    read: usize,
    rejected: usize,
    kept: Vec<DataFrame>,
    output: Vec<String>,
    first_seen: Option<KeyIndex>,
    keys: Option<KeySet>,
    manager_ids: Option<KeyIndex>,
    writer: Option<polars::io::parquet::write::BatchedWriter<std::fs::File>>,
    /// (hash of the id, row) of every row, for finding duplicate ids after the pass
    /// (large tables no other table refers to).
    deferred: Option<Vec<(u64, u32)>>,
    /// Rows rejected during the pass (so a duplicate found after it is counted once).
    rejected_rows: Vec<u32>,
    /// CSV rows with fewer fields than the header (row, fields), the header's width, and
    /// how far the parts have come through them.
    short: Option<crate::input::scan::ShortRows>,
    /// The file has bytes not of its encoding (read as U+FFFD).
    bad_bytes: bool,
    /// Open deals given the default owner.
    owners_filled: usize,
    /// Rows whose value came from `[tables.<table>.defaults]`, per column.
    defaults_filled: std::collections::BTreeMap<String, usize>,
}

/// Stream the table through the checks.
///
/// Long on purpose: it builds the one lazy plan of the pass (the typed and text columns,
/// the owner and status rules, the id hashes and reference codes), runs it part by part
/// and finishes the counts; each step feeds the next's column names.
pub fn run(source: &TableSource, setup: Setup) -> Result<Checked> {
    let spec = source.spec;
    let file = source.file.clone();
    let mut lf = source.scan()?;
    let schema = lf
        .collect_schema()
        .ctx(format!("{file}: reading the columns"))?;
    let present: Vec<&'static Spec> = spec
        .columns
        .iter()
        .filter(|c| schema.get(c.name).is_some())
        .collect();
    let mut exprs: Vec<Expr> = Vec::new();
    if let Some(flag) = source.repeated_header() {
        exprs.push(flag.alias(HEADER));
    }
    for def in &present {
        let from = schema.get(def.name).cloned().unwrap_or(DataType::String);
        exprs.push(convert::text(def).alias(text_name(def.name)));
        exprs.push(convert::typed(def, &from, &setup.rules).alias(def.name));
    }
    // The checks see every canonical column; those the file lacks are empty.
    for def in spec.columns.iter().filter(|c| schema.get(c.name).is_none()) {
        exprs.push(lit(NULL).cast(dtype_of(def.kind)).alias(def.name));
    }
    let mut lf = lf.with_columns(exprs);
    // An open deal may have no owner: it gets the default one (SPEC: counts for the
    // company, under `(unassigned)` per manager). A closed deal still needs its owner.
    if spec.name == "deals" && schema.get(MANAGER_ID).is_some() {
        let open = col("closed_at")
            .is_null()
            .and(col("status").is_null().or(status::open()));
        lf = lf.with_column(
            when(col(MANAGER_ID).is_null().and(open))
                .then(lit(setup.rules.default_manager.clone()))
                .otherwise(col(MANAGER_ID))
                .alias(MANAGER_ID),
        );
    }
    // References, looked up on polars' threads: 0 known or empty, 1 unknown, 2 a rejected row.
    let refs: Vec<Expr> = setup
        .targets
        .iter()
        .map(|(r, target)| {
            // The default owner of open deals is no row of the managers table.
            let exempt = (r.column == MANAGER_ID && r.target == "managers")
                .then(|| setup.rules.default_manager.clone());
            reference_codes(r.column, target.clone(), exempt).alias(ref_name(r.column))
        })
        .collect();
    if !refs.is_empty() {
        lf = lf.with_columns(refs);
    }
    if let Some(w) = &setup.window {
        lf = lf.with_column(w.clone().fill_null(lit(false)).alias(KEEP));
    }
    // As before the pass: the canonical columns of the file, the extras, then the
    // canonical columns the file lacks (empty, or filled by the checks: status).
    let mut output: Vec<String> = present.iter().map(|c| c.name.to_string()).collect();
    if setup.keep_extras {
        output.extend(source.extra_names());
    }
    output.extend(
        spec.columns
            .iter()
            .filter(|c| schema.get(c.name).is_none())
            .map(|c| c.name.to_string()),
    );
    let is_target = schema::REFERENCES.iter().any(|r| r.target == spec.name);
    // Ids of a large table no other refers to are hashed on polars' threads and their
    // duplicates found by sorting after the pass; a table others refer to (or one
    // written as it goes) is checked row by row.
    let defer = spec.key.is_some() && !is_target && setup.write_to.is_none();
    if let (true, Some(key)) = (defer, spec.key) {
        lf = lf.with_column(id_hashes(key).alias(KEY_HASH));
        if setup.keep_rows {
            output.push(ROW.to_string());
        }
        // Its duplicates are found from the hashes and values read back from the file, so
        // an id no figure reads is not kept (16 bytes a row of 100M contacts).
        if setup.leave_checked_only {
            output.retain(|c| !schema::CHECKED_ONLY.contains(&(spec.name, c.as_str())));
        }
    }
    let first_seen = spec.key.filter(|_| !defer).map(|_| KeyIndex::default());
    let manager_ids = setup.manager_ids.then(KeyIndex::default);
    let mut s = State {
        spec,
        present,
        trailing: source.trailing,
        setup,
        problems: Vec::new(),
        header_rows: source.skipped_rows.clone(),
        read: 0,
        rejected: 0,
        kept: Vec::new(),
        output,
        first_seen,
        keys: is_target.then(KeySet::default),
        manager_ids,
        writer: None,
        deferred: None,
        rejected_rows: Vec::new(),
        short: source.short_rows(),
        bad_bytes: source.bad_bytes,
        owners_filled: 0,
        defaults_filled: Default::default(),
    };
    if defer {
        s.deferred = Some(Vec::with_capacity(source.estimated_rows().unwrap_or(0)));
    }
    if let (Some(seen), Some(rows)) = (s.first_seen.as_mut(), source.estimated_rows()) {
        if std::env::var_os("CRMSTAT_TRACE").is_some() {
            crate::say!("trace: {}: about {rows} rows", spec.name);
        }
        seen.reserve(rows);
    }
    // The scan runs on polars' threads and hands each part over a short channel (so a
    // slow check holds the reading back instead of parts piling up in memory); the checks
    // run here, in file order, while the next parts are read.
    let (send, receive) = std::sync::mpsc::sync_channel::<DataFrame>(2);
    let callback = PlanCallback::new(move |part: DataFrame| {
        // A closed channel means the checks stopped: stop reading.
        Ok(send.send(part).is_err())
    });
    let plan = lf.sink_batches(callback, true, std::num::NonZeroUsize::new(100_000));
    let reader = std::thread::spawn(move || -> PolarsResult<()> {
        plan?.collect_with_engine(Engine::Streaming).map(|_| ())
    });
    let (mut busy, mut parts) = (0.0, 0usize);
    let mut failed = None;
    for part in receive.iter() {
        let t = std::time::Instant::now();
        if let Err(e) = s.part(part) {
            failed = Some(e);
            break;
        }
        busy += t.elapsed().as_secs_f64();
        parts += 1;
    }
    drop(receive);
    let streamed = reader
        .join()
        .unwrap_or_else(|_| Err(polars_err!(ComputeError: "the reader of {} stopped", file)));
    if let Some(e) = failed {
        return Err(e);
    }
    if std::env::var_os("CRMSTAT_TRACE").is_some() {
        crate::say!(
            "trace: {}: {parts} parts, {busy:.2} s in the checks",
            spec.name
        );
    }
    if let Err(e) = streamed {
        return Err(match source.first_ragged() {
            Some((line, fields, width)) => Error::BadFile {
                file: format!("{file}:{line}"),
                problem: format!("this line has {fields} fields but the header has {width}"),
                fix: "quote values that contain the delimiter, or remove the stray delimiter"
                    .into(),
            },
            None => match source.first_stray_quote() {
                Some(line) => Error::BadFile {
                    file: format!("{file}:{line}"),
                    problem: "a stray quote (\") inside a value; the file cannot be read past it"
                        .into(),
                    fix: "quote the whole value and double the quotes inside it (\"Зв\"\"онок\"), or remove the quote"
                        .into(),
                },
                None => read_error(&file, e),
            },
        });
    }
    let duplicates = s.deferred_duplicates(source)?;
    let mut frame = s.frame()?;
    if s.deferred.is_some() && frame.column(ROW).is_ok() {
        if !duplicates.is_empty() {
            let dups = Series::new("dups".into(), duplicates);
            frame = frame
                .lazy()
                .filter(col(ROW).is_in(lit(dups).implode(false), false).not())
                .collect()
                .ctx("dropping duplicate rows")?;
        }
        frame = frame.drop(ROW).ctx(ROW)?;
    }
    Ok(Checked {
        frame,
        problems: std::mem::take(&mut s.problems),
        header_rows: std::mem::take(&mut s.header_rows),
        count: TableCount {
            table: spec.name,
            file,
            read: s.read,
            used: s.read - s.rejected,
            rejected: s.rejected,
        },
        keys: s.keys.take(),
        manager_ids: s.manager_ids.take(),
        currency: s.setup.rules.currency.take(),
        owners_filled: s.owners_filled,
        defaults_filled: std::mem::take(&mut s.defaults_filled),
    })
}

/// A file polars could not read to the end, as a message a person can act on.
fn read_error(file: &str, e: PolarsError) -> Error {
    Error::BadFile {
        file: file.into(),
        problem: format!("cannot be read: {}", crate::error::polars_text(&e)),
        fix: "check the delimiter and quoting, or set [input] delimiter in crmstat.toml".into(),
    }
}

/// A column's values as text (a typed one, such as a Parquet column kept as it was read,
/// is cast).
fn text_values(frame: &DataFrame, name: &str) -> Result<StringChunked> {
    let c = frame.column(name).ctx(name.to_string())?;
    let c = match c.dtype() {
        DataType::String => c.clone(),
        _ => c.cast(&DataType::String).ctx(name.to_string())?,
    };
    Ok(c.str().ctx(name.to_string())?.clone())
}

/// The rows where `mask` holds and the column's text at each: only those rows are cast
/// when the column is typed.
fn text_where(
    frame: &DataFrame,
    name: &str,
    mask: &BooleanChunked,
) -> Result<(Vec<usize>, StringChunked)> {
    let at: Vec<usize> = mask
        .iter()
        .enumerate()
        .filter_map(|(i, m)| (m == Some(true)).then_some(i))
        .collect();
    let c = frame.column(name).ctx(name.to_string())?;
    let picked = c.filter(mask).ctx(name.to_string())?;
    let text = match picked.dtype() {
        DataType::String => picked,
        _ => picked.cast(&DataType::String).ctx(name.to_string())?,
    };
    Ok((at, text.str().ctx(name.to_string())?.clone()))
}

impl State {
    /// A frame with no rows and the columns kept.
    fn empty_frame(&self) -> DataFrame {
        let fields: Vec<Field> = self
            .output
            .iter()
            .map(|name| {
                let dtype = match self.spec.column(name) {
                    Some(c) => dtype_of(c.kind),
                    None if name == ROW => IDX_DTYPE,
                    None => DataType::String,
                };
                Field::new(name.as_str().into(), dtype)
            })
            .collect();
        DataFrame::empty_with_schema(&Schema::from_iter(fields))
    }

    /// Write a part to the Parquet file (opened with the first part).
    fn write(&mut self, mut part: DataFrame) -> Result<()> {
        let Some(path) = &self.setup.write_to else {
            return Ok(());
        };
        part.rechunk_mut();
        if self.writer.is_none() {
            let file =
                std::fs::File::create(path).map_err(|e| Error::io(path, "cannot create", e))?;
            self.writer = Some(
                ParquetWriter::new(file)
                    .batched(part.schema())
                    .ctx(format!("writing {}", path.display()))?,
            );
        }
        if let Some(w) = self.writer.as_mut() {
            w.write_batch(&part)
                .ctx(format!("writing {}", path.display()))?;
        }
        Ok(())
    }

    /// The rows kept, in file order, with every canonical column (absent ones empty)
    /// followed by the extras, as before the pass.
    fn frame(&mut self) -> Result<DataFrame> {
        if let Some(path) = self.setup.write_to.clone() {
            // Written part by part: an empty table gets its schema, then the file is closed.
            if self.writer.is_none() {
                self.write(self.empty_frame())?;
            }
            if let Some(w) = self.writer.take() {
                w.finish().ctx(format!("writing {}", path.display()))?;
            }
            return Ok(self.empty_frame());
        }
        let mut parts = std::mem::take(&mut self.kept).into_iter();
        let mut frame = match parts.next() {
            Some(first) => {
                let mut all = first;
                for p in parts {
                    all.vstack_mut_owned(p).ctx("joining the parts")?;
                }
                all.rechunk_mut();
                all
            }
            None => self.empty_frame(),
        };
        let height = frame.height();
        for def in self.spec.columns {
            if frame.column(def.name).is_err() {
                frame
                    .with_column(Column::full_null(
                        def.name.into(),
                        height,
                        &dtype_of(def.kind),
                    ))
                    .ctx(def.name)?;
            }
        }
        Ok(frame)
    }
}

/// Problems with their lines, in file order, and the notes of a pass.
pub fn located(checked: &mut Checked, source: &TableSource) -> (Vec<Problem>, Vec<String>) {
    let mut wanted: Vec<u32> = checked.problems.iter().map(|p| p.row).collect();
    for p in &checked.problems {
        if let Reason::Duplicate { first, .. } = p.reason {
            wanted.push(first);
        }
    }
    wanted.extend(checked.header_rows.iter().copied());
    wanted.sort_unstable();
    wanted.dedup();
    let lines: std::collections::HashMap<u32, u64> = if wanted.is_empty() {
        Default::default()
    } else {
        wanted
            .iter()
            .copied()
            .zip(source.lines.lines_of(&wanted))
            .collect()
    };
    let line = |row: u32| lines.get(&row).copied().unwrap_or(0);
    let found: Vec<(u8, Problem)> = std::mem::take(&mut checked.problems)
        .into_iter()
        .map(|p| {
            (
                p.rank,
                Problem {
                    table: source.spec.name,
                    file: source.file.clone(),
                    line: line(p.row),
                    column: p.column,
                    value: p.value,
                    reason: match p.reason {
                        Reason::Text(t) => t,
                        Reason::Duplicate { key, first } => {
                            format!("duplicate {key}; first seen on line {}", line(first))
                        }
                    },
                    rejects_row: p.rejects,
                },
            )
        })
        .collect();
    // In file order: a person fixes an export from top to bottom.
    let mut found: Vec<(u8, Problem)> = found;
    found.sort_by_key(|(rank, p)| (p.line, *rank));
    let found: Vec<Problem> = found.into_iter().map(|(_, p)| p).collect();
    let notes = checked
        .header_rows
        .iter()
        .map(|r| format!("{}:{}: repeated header line skipped", source.file, line(*r)))
        .collect();
    (found, notes)
}
