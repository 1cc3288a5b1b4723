//! One table's streaming pass: the scan's parts arrive in file order; each part's rows are
//! checked (values that did not parse, missing required values, a value after the last
//! column, the table's own row checks, duplicate ids, references to other tables) and the
//! good rows that the command needs are kept. Problems remember their record number;
//! line numbers are found once the pass is over, for those rows only.

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

/// Column flagging a line that repeats the header.
pub const HEADER: &str = "__repeated_header";
/// Column saying whether the command needs the row (its window).
pub const KEEP: &str = "__keep";

/// Name of the text beside a typed column.
pub fn text_name(column: &str) -> String {
    format!("__text_{column}")
}

/// Column of the hashes of a table's ids.
const KEY_HASH: &str = "__key_hash";

/// The hash of each id (empty for an empty id), computed where the part is read.
fn id_hashes(column: &str) -> Expr {
    col(column).map(
        |c: Column| {
            use std::hash::BuildHasher;
            // The same hash for the same id in every part (a fixed-key hasher).
            let hasher = std::hash::BuildHasherDefault::<std::hash::DefaultHasher>::default();
            let s = c.str()?;
            let out: UInt64Chunked = s
                .iter()
                .map(|v| v.map(|v| hasher.hash_one(v.as_bytes())))
                .collect();
            Ok(out.with_name(c.name().clone()).into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::UInt64)),
    )
}

/// Name of the reference codes of a column.
fn ref_name(column: &str) -> String {
    format!("__ref_{column}")
}

/// Per value of an id column: 0 when it is empty or a used id of the target, 1 when the
/// target has no such id, 2 when the target's row with it was rejected.
fn reference_codes(column: &str, target: Arc<KeySet>, exempt: Option<String>) -> Expr {
    col(column).map(
        move |c: Column| {
            let s = c.str()?;
            let codes: UInt32Chunked = s
                .iter()
                .map(|v| {
                    Some(match v {
                        Some(v) if exempt.as_deref() == Some(v) => 0,
                        Some(v) if !target.used.contains(v) => {
                            if target.rejected.contains(v) {
                                2
                            } else {
                                1
                            }
                        }
                        _ => 0u32,
                    })
                })
                .collect();
            Ok(codes.with_name(c.name().clone()).into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::UInt32)),
    )
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
        exprs.push(convert::text(def, &from).alias(text_name(def.name)));
        exprs.push(convert::typed(def, &from, &setup.rules).alias(def.name));
    }
    // The checks see every canonical column; those the file lacks are empty.
    for def in spec.columns.iter().filter(|c| schema.get(c.name).is_none()) {
        exprs.push(lit(NULL).cast(dtype_of(def.kind)).alias(def.name));
    }
    let mut lf = lf.with_columns(exprs);
    // An open deal may have no owner: it gets the default one (SPEC: counts for the
    // company, under `(unassigned)` per manager). A closed deal still needs its owner.
    if spec.name == "deals" && schema.get("manager_id").is_some() {
        let open = col("closed_at")
            .is_null()
            .and(col("status").is_null().or(status::open()));
        lf = lf.with_column(
            when(col("manager_id").is_null().and(open))
                .then(lit(setup.rules.default_manager.clone()))
                .otherwise(col("manager_id"))
                .alias("manager_id"),
        );
    }
    // References, looked up on polars' threads: 0 known or empty, 1 unknown, 2 a rejected row.
    let refs: Vec<Expr> = setup
        .targets
        .iter()
        .map(|(r, target)| {
            // The default owner of open deals is no row of the managers table.
            let exempt = (r.column == "manager_id" && r.target == "managers")
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

fn text_values(frame: &DataFrame, name: &str) -> Result<StringChunked> {
    Ok(frame
        .column(name)
        .ctx(name.to_string())?
        .str()
        .ctx(name.to_string())?
        .clone())
}

impl State {
    fn part(&mut self, mut part: DataFrame) -> Result<()> {
        if let Ok(h) = part.column(HEADER) {
            let mask = h.bool().ctx(HEADER)?.clone();
            if mask.any() {
                let rows = part.column(ROW).ctx(ROW)?.idx().ctx(ROW)?.clone();
                for (r, m) in rows.iter().zip(mask.iter()) {
                    if let (Some(r), Some(true)) = (r, m) {
                        self.header_rows.push(r);
                    }
                }
                part = part.filter(&!&mask).ctx("dropping repeated headers")?;
            }
        }
        let n = part.height();
        if n == 0 {
            return Ok(());
        }
        self.read += n;
        for c in part.columns() {
            if let Some(column) = c.name().strip_prefix(crate::input::scan::DEFAULT_FLAG) {
                let filled = c.bool().ctx(column)?.sum().unwrap_or(0) as usize;
                *self.defaults_filled.entry(column.to_string()).or_default() += filled;
            }
        }
        let rows: Vec<u32> = part
            .column(ROW)
            .ctx(ROW)?
            .idx()
            .ctx(ROW)?
            .into_no_null_iter()
            .collect();
        let mut rejected = vec![false; n];
        let mut p = PartProblems {
            rows: &rows,
            references: false,
            out: &mut self.problems,
            rejected: &mut rejected,
        };
        // Lines cut short: their missing fields would read as empty values.
        if let Some(short) = self.short.as_mut() {
            for (pos, r) in rows.iter().enumerate() {
                if let Some(fields) = short.fields(*r) {
                    let width = short.width;
                    p.reject(
                        pos,
                        "(row)",
                        "",
                        &format!(
                            "the line has {fields} of the header's {width} fields: cut off or missing delimiters"
                        ),
                    );
                }
            }
        }
        // A deal in another currency than the company's: never added to the others.
        if self.spec.name == "deals" {
            if let (Ok(text), Ok(owner)) = (
                text_values(&part, &text_name("manager_id")),
                text_values(&part, "manager_id"),
            ) {
                self.owners_filled += text
                    .iter()
                    .zip(owner.iter())
                    .filter(|(t, o)| t.is_none_or(|t| t.trim().is_empty()) && o.is_some())
                    .count();
            }
            if let Ok(c) = part.column("currency") {
                let c = c.str().ctx("currency")?;
                for (pos, v) in c.iter().enumerate() {
                    let Some(v) = v.map(str::trim).filter(|v| !v.is_empty()) else {
                        continue;
                    };
                    let own = self
                        .setup
                        .rules
                        .currency
                        .get_or_insert_with(|| convert::currency_code(v))
                        .clone();
                    if convert::currency_code(v) != own {
                        p.reject(
                            pos,
                            "currency",
                            v,
                            &format!(
                                "the amount is in {} but the company's currency is {own}: amounts in different currencies are never added; convert the amounts, or run this currency's deals with currency = \"{}\" in crmstat.toml",
                                convert::currency_code(v),
                                convert::currency_code(v)
                            ),
                        );
                    }
                }
            }
        }
        // Bytes that are not UTF-8 in a UTF-8 file: the value is not what was exported.
        if self.bad_bytes {
            for def in &self.present {
                let text = text_values(&part, &text_name(def.name))?;
                for (pos, v) in text.iter().enumerate() {
                    if let Some(v) = v.filter(|v| v.contains('\u{FFFD}')) {
                        p.reject(
                            pos,
                            def.name,
                            v,
                            "bytes that are not UTF-8 (shown as \u{FFFD}) in a UTF-8 file; save the export as UTF-8 again",
                        );
                    }
                }
            }
        }
        // Values: missing where required, or present but not of their type.
        for def in &self.present {
            let typed = part.column(def.name).ctx(def.name)?;
            let nulls = typed.is_null();
            if !nulls.any() {
                continue;
            }
            let text = text_values(&part, &text_name(def.name))?;
            for (pos, (is_null, v)) in nulls.iter().zip(text.iter()).enumerate() {
                if is_null != Some(true) {
                    continue;
                }
                match v.map(str::trim).filter(|v| !v.is_empty()) {
                    None if def.required => {
                        p.reject(pos, def.name, "", "required value is missing")
                    }
                    None => {}
                    Some(v) => {
                        if let Some(reason) = convert::failure(def, v, &self.setup.rules) {
                            p.reject(pos, def.name, v, &reason);
                        }
                    }
                }
            }
        }
        if self.trailing {
            let text = text_values(&part, TRAILING)?;
            for (pos, v) in text.iter().enumerate() {
                if let Some(v) = v.filter(|v| !v.trim().is_empty()) {
                    p.reject(
                        pos,
                        "(after the last column)",
                        v,
                        "value after the last header column",
                    );
                }
            }
        }
        checks::row_checks(self.spec, &mut part, &mut p, &self.setup.stages)?;
        if let (Some(key), Some(seen)) = (self.spec.key, self.first_seen.as_mut()) {
            let ids = text_values(&part, key)?;
            for (pos, v) in ids.iter().enumerate() {
                if let Some(v) = v {
                    if let Some(first) = seen.insert(v, rows[pos]) {
                        p.add(pos, key, v, Reason::Duplicate { key, first }, true);
                    }
                }
            }
        }
        p.references = true;
        for (r, _) in &self.setup.targets {
            let codes = part.column(&ref_name(r.column)).ctx(r.column)?;
            let codes = codes.u32().ctx(r.column)?;
            if codes.max().unwrap_or(0) == 0 {
                continue;
            }
            let values = text_values(&part, r.column)?;
            for (pos, code) in codes.iter().enumerate() {
                let reason = match code {
                    Some(1) => {
                        format!("unknown {}: no such {} in {}", r.column, r.column, r.target)
                    }
                    Some(2) => format!("refers to a {} row that was rejected", r.target),
                    _ => continue,
                };
                p.reject(pos, r.column, values.get(pos).unwrap_or(""), &reason);
            }
        }
        self.rejected += rejected.iter().filter(|r| **r).count();
        if let Some(pairs) = self.deferred.as_mut() {
            let hashes = part.column(KEY_HASH).ctx(KEY_HASH)?;
            let hashes = hashes.u64().ctx(KEY_HASH)?;
            for (pos, h) in hashes.iter().enumerate() {
                if let Some(h) = h {
                    pairs.push((h, rows[pos]));
                }
            }
            self.rejected_rows.extend(
                rejected
                    .iter()
                    .zip(&rows)
                    .filter(|(r, _)| **r)
                    .map(|(_, row)| *row),
            );
        }
        if let (Some(key), Some(keys)) = (self.spec.key, self.keys.as_mut()) {
            let ids = text_values(&part, key)?;
            for (pos, v) in ids.iter().enumerate() {
                if let Some(v) = v {
                    let set = if rejected[pos] {
                        &mut keys.rejected
                    } else {
                        &mut keys.used
                    };
                    set.insert(v, rows[pos]);
                }
            }
        }
        if let Some(ids) = self.manager_ids.as_mut() {
            let managers = text_values(&part, "manager_id")?;
            for (pos, v) in managers.iter().enumerate() {
                if let (Some(v), false) = (v, rejected[pos]) {
                    ids.insert(v, rows[pos]);
                }
            }
        }
        if !self.setup.keep_rows {
            return Ok(());
        }
        let mut keep: BooleanChunked = rejected.iter().map(|r| !r).collect();
        if let Ok(w) = part.column(KEEP) {
            keep = &keep & w.bool().ctx(KEEP)?;
        }
        let names: Vec<&str> = self.output.iter().map(String::as_str).collect();
        let kept = part
            .filter(&keep)
            .ctx("keeping good rows")?
            .select(names)
            .ctx("keeping good rows")?;
        if self.setup.write_to.is_some() {
            self.write(kept)?;
        } else if kept.height() > 0 {
            self.kept.push(kept);
        }
        Ok(())
    }

    /// Duplicate ids found after the pass: rows sorted by (hash, row); rows sharing a
    /// hash read back and compared by value; a later row with the value of an earlier one
    /// is rejected as a duplicate of it. Returns the duplicate rows.
    fn deferred_duplicates(&mut self, source: &TableSource) -> Result<Vec<u32>> {
        use rayon::prelude::*;
        let (Some(pairs), Some(key)) = (self.deferred.as_mut(), self.spec.key) else {
            return Ok(Vec::new());
        };
        pairs.par_sort_unstable();
        let mut candidates: Vec<u32> = Vec::new();
        for run in pairs.chunk_by(|a, b| a.0 == b.0).filter(|r| r.len() > 1) {
            candidates.extend(run.iter().map(|p| p.1));
        }
        if candidates.is_empty() {
            return Ok(Vec::new());
        }
        let def = self
            .spec
            .column(key)
            .ok_or_else(|| Error::Usage(format!("no {key} column")))?;
        let mut lf = source.scan()?;
        let from = lf
            .collect_schema()
            .ctx(format!("{}: reading", source.file))?
            .get(key)
            .cloned()
            .unwrap_or(DataType::String);
        let wanted = Series::new("rows".into(), candidates.clone());
        let values = lf
            .filter(col(ROW).is_in(lit(wanted).implode(false), false))
            .select([
                col(ROW),
                convert::typed(def, &from, &self.setup.rules).alias(key),
            ])
            .collect()
            .ctx(format!("{}: reading the repeated ids", source.file))?;
        let rows = values.column(ROW).ctx(ROW)?.idx().ctx(ROW)?.clone();
        let ids = values.column(key).ctx(key)?.str().ctx(key)?.clone();
        let value_of: std::collections::HashMap<u32, String> = rows
            .iter()
            .zip(ids.iter())
            .filter_map(|(r, v)| Some((r?, v?.to_string())))
            .collect();
        let already: std::collections::HashSet<u32> = self.rejected_rows.iter().copied().collect();
        let mut duplicates = Vec::new();
        for run in pairs.chunk_by(|a, b| a.0 == b.0).filter(|r| r.len() > 1) {
            let mut first: std::collections::HashMap<&str, u32> = Default::default();
            for &(_, row) in run {
                let Some(v) = value_of.get(&row) else {
                    continue;
                };
                match first.get(v.as_str()) {
                    Some(&f) => {
                        self.problems.push(RowProblem {
                            row,
                            rank: 1,
                            column: key.into(),
                            value: v.clone(),
                            reason: Reason::Duplicate { key, first: f },
                            rejects: true,
                        });
                        if !already.contains(&row) {
                            self.rejected += 1;
                        }
                        duplicates.push(row);
                    }
                    None => {
                        first.insert(v, row);
                    }
                }
            }
        }
        Ok(duplicates)
    }

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
