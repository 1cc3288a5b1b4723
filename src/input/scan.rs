//! How a table is read for volume: a lazy polars scan of its file (CSV, Parquet, Arrow IPC)
//! or of a frame already in memory (Excel, an import profile's tables), with canonical
//! column names and each row's record number. Nothing is read until validation streams the
//! scan; CSV values arrive as text, Parquet and Arrow columns with their own types.
//!
//! CSV that is not UTF-8 is transcoded once, in a streaming pass, into a temporary UTF-8
//! file that is scanned instead (and removed when the table is done).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use encoding_rs::{Encoding, UTF_8, WINDOWS_1251};
use polars::prelude::*;

use super::csv::{TRAILING, encoding_by_name, unique_names};
use super::{LineSource, ROW, RawTable};
use crate::config::Config;
use crate::error::{Error, PolarsContext, Result};
use crate::schema::TableSpec;

thread_local! {
    static QUIET_PANIC: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Run `f`, turning a panic inside it (a reader library meeting a corrupt file) into an
/// `Err` without printing the panic message.
pub fn quiet_unwind<T>(f: impl FnOnce() -> T) -> std::thread::Result<T> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET_PANIC.with(std::cell::Cell::get) {
                previous(info);
            }
        }));
    });
    QUIET_PANIC.with(|q| q.set(true));
    let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    QUIET_PANIC.with(|q| q.set(false));
    out
}

const JOINED_SUFFIX: &str = "__joined";

/// A second file joined onto a table: its canonical columns as text, one row per key
/// (the first; the repeats are problems), and what was wrong with its rows.
pub struct Joined {
    pub file: String,
    pub key: String,
    /// Canonical columns it brings (the key first).
    pub columns: Vec<String>,
    pub frame: DataFrame,
    /// (line, column, value, reason) of the rows left out.
    pub problems: Vec<(u64, String, String, String)>,
    pub read: usize,
    /// Keys with their line, to find those the main table does not have.
    pub keys: Vec<(String, u64)>,
}

impl Joined {
    fn read(
        path: &Path,
        j: &crate::config::JoinConfig,
        spec: &'static TableSpec,
        config: &Config,
    ) -> Result<Joined> {
        let file = super::file_label(path);
        let (frame, header, lines) = super::read_frame(path, config, None)?;
        let mut mapping = j.columns.clone();
        mapping.entry(j.on.clone()).or_insert_with(|| j.on.clone());
        let mut columns = vec![j.on.clone()];
        columns.extend(mapping.keys().filter(|c| **c != j.on).cloned());
        let mut picked = Vec::new();
        for c in &columns {
            let wanted = &mapping[c];
            let Some(h) = super::find_header(&header, wanted) else {
                return Err(Error::BadFile {
                    file: file.clone(),
                    problem: format!(
                        "no column `{wanted}`, which [tables.{}.join.columns] maps to {c}; the headers are: {}",
                        spec.name,
                        super::shown_headers(&header)
                    ),
                    fix: format!("correct [tables.{}.join.columns] {c} = \"…\"", spec.name),
                });
            };
            let column = frame
                .column(h)
                .ctx(h.to_string())?
                .cast(&DataType::String)
                .ctx(h.to_string())?;
            picked.push(column.with_name(c.as_str().into()));
        }
        let frame = DataFrame::new(frame.height(), picked).ctx(file.clone())?;
        let ids: Vec<Option<String>> = frame
            .column(&j.on)
            .ctx(j.on.clone())?
            .str()
            .ctx(j.on.clone())?
            .iter()
            .map(|v| v.map(|v| v.trim().to_string()).filter(|v| !v.is_empty()))
            .collect();
        let rows: Vec<u32> = (0..frame.height() as u32).collect();
        let line_of = lines.lines_of(&rows);
        let mut first: std::collections::HashMap<String, u64> = Default::default();
        let mut keep = Vec::with_capacity(ids.len());
        let mut problems = Vec::new();
        let mut keys = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            let line = line_of.get(i).copied().unwrap_or(0);
            match id {
                None => {
                    problems.push((
                        line,
                        j.on.clone(),
                        String::new(),
                        format!("the key {} is missing: the row joins nothing", j.on),
                    ));
                    keep.push(false);
                }
                Some(id) => match first.get(id) {
                    Some(l) => {
                        problems.push((
                            line,
                            j.on.clone(),
                            id.clone(),
                            format!("{} repeated in the joined file; first on line {l} (that row is the one joined)", j.on),
                        ));
                        keep.push(false);
                    }
                    None => {
                        first.insert(id.clone(), line);
                        keys.push((id.clone(), line));
                        keep.push(true);
                    }
                },
            }
        }
        let mask = BooleanChunked::from_slice("keep".into(), &keep);
        let mut frame = frame.filter(&mask).ctx(file.clone())?;
        let trimmed = Column::new(
            j.on.as_str().into(),
            ids.into_iter()
                .zip(&keep)
                .filter(|(_, k)| **k)
                .map(|(v, _)| v)
                .collect::<Vec<_>>(),
        );
        frame.with_column(trimmed).ctx(file.clone())?;
        Ok(Joined {
            file,
            key: j.on.clone(),
            columns,
            frame,
            problems,
            read: keep.len(),
            keys,
        })
    }
}

/// Flag columns of the rows a `[tables.<table>.defaults]` value filled: `__default_<column>`.
pub const DEFAULT_FLAG: &str = "__default_";

/// A reader of a CSV file's records as the line lookup counts them: no header, any number
/// of fields.
///
/// Records end at a line feed only, as polars ends them (the scanned file always ends its
/// lines with one: a CR-only file is rewritten first): a bare CR inside a value is part of
/// the value, not a line break that would shift every later line number. A CRLF line's CR
/// stays at the end of its last field (see [`blank_record`]).
fn records(delimiter: u8, f: std::fs::File) -> csv::Reader<BufReader<std::fs::File>> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(BufReader::with_capacity(1 << 20, f))
}

/// A record that is not a row: every field empty (a blank line, delimiters only, `""`), the
/// last one possibly just the CR of a CRLF line.
fn blank_record(record: &csv::ByteRecord) -> bool {
    let n = record.len();
    record
        .iter()
        .enumerate()
        .all(|(i, f)| f.is_empty() || (i + 1 == n && f == b"\r"))
}

/// Short CSV rows as a reader thread finds them (see [`TableSource::short_rows`]).
pub struct ShortRows {
    /// The header's width.
    pub width: usize,
    receive: std::sync::mpsc::Receiver<(Vec<(u32, usize)>, u32)>,
    found: std::collections::VecDeque<(u32, usize)>,
    /// Rows below this one have been read.
    upto: u32,
}

impl ShortRows {
    /// The number of fields of `row` when it is short. Rows must be asked in increasing
    /// order; this waits until the reader has come past `row`.
    pub fn fields(&mut self, row: u32) -> Option<usize> {
        while self.upto <= row {
            match self.receive.recv() {
                Ok((rows, upto)) => {
                    self.found.extend(rows);
                    self.upto = upto;
                }
                Err(_) => {
                    self.upto = u32::MAX;
                }
            }
        }
        while self.found.front().is_some_and(|(r, _)| *r < row) {
            self.found.pop_front();
        }
        match self.found.front() {
            Some(&(r, fields)) if r == row => Some(fields),
            _ => None,
        }
    }
}

/// One table's file, ready to be scanned.
pub struct TableSource {
    pub spec: &'static TableSpec,
    /// The file name as messages show it.
    pub file: String,
    pub lines: LineSource,
    /// Canonical column → the export header it came from.
    pub sources: Vec<(String, String)>,
    /// Export columns that map to no canonical column: (name in the scan, header).
    pub extras: Vec<String>,
    /// The scan has a [`TRAILING`] column (a trailing delimiter).
    pub trailing: bool,
    /// Lines that repeat the header can occur (CSV text).
    pub may_repeat_header: bool,
    /// The file has bytes that are not of its encoding (a UTF-8 file with a few bad
    /// bytes): they read as U+FFFD and the rows holding them are rejected.
    pub bad_bytes: bool,
    /// Record numbers (as in `ROW`) of lines that are not data, known before the scan.
    pub skipped_rows: Vec<u32>,
    origin: Origin,
    /// The table's `[tables.<table>]` settings when they have defaults or a status rule.
    pub table_config: Option<crate::config::TableConfig>,
    /// The second file joined onto this one (`[tables.<table>.join]`).
    pub joined: Option<Joined>,
    /// A transcoded copy, removed on drop.
    _temp: Option<TempFile>,
}

enum Origin {
    Csv {
        path: PathBuf,
        delimiter: u8,
        /// Column names of the file (unique), in order.
        names: Vec<String>,
    },
    Parquet(PathBuf),
    Ipc(PathBuf),
    Frame(DataFrame),
}

/// A temporary file deleted when dropped.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

impl TableSource {
    /// Open a table's file: its header, delimiter and encoding, and the column mapping.
    pub fn open(path: &Path, spec: &'static TableSpec, config: &Config) -> Result<TableSource> {
        let mut source = Self::open_file(path, spec, config)?;
        let tc = config.table(spec.name);
        if let Some(j) = &tc.join {
            let dir = path.parent().unwrap_or(Path::new("."));
            source.joined = Some(Joined::read(&dir.join(&j.file), j, spec, config)?);
        }
        if !tc.defaults.is_empty() || tc.status_from.is_some() || tc.join.is_some() {
            source.table_config = Some(tc);
        }
        Ok(source)
    }

    fn open_file(path: &Path, spec: &'static TableSpec, config: &Config) -> Result<TableSource> {
        let file = super::file_label(path);
        match super::extension(path).as_str() {
            "csv" => open_csv(path, &file, spec, config),
            "xlsx" => {
                let sheet = config.table(spec.name).sheet;
                let (frame, header, lines) = super::excel_frame(path, &file, sheet.as_ref())?;
                from_frame(frame, &header, spec, config, &file, lines)
            }
            ext => {
                let lf = if ext == "parquet" {
                    LazyFrame::scan_parquet(pl_path(path)?, ScanArgsParquet::default())
                } else {
                    LazyFrame::scan_ipc(pl_path(path)?, Default::default(), Default::default())
                };
                let bad = |problem: String| {
                    Error::BadFile {
                    file: file.clone(),
                    problem,
                    fix: "check that the file is a complete Parquet or Arrow IPC file; write it again"
                        .into(),
                }
                };
                // A corrupt footer can make the reader panic: that is a bad file, not a crash.
                let schema = quiet_unwind(|| lf.and_then(|mut lf| lf.collect_schema()))
                    .map_err(|_| bad("cannot be read: its metadata is corrupt".into()))?
                    .map_err(|e| {
                        bad(format!("cannot be read: {}", crate::error::polars_text(&e)))
                    })?;
                let header: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
                let (sources, extras) = map_columns(&header, spec, config, &file)?;
                // A nested column can stay in the file unused, but cannot hold a value.
                for (canonical, from) in &sources {
                    let Some(dtype) = schema.get(from.as_str()) else {
                        continue;
                    };
                    if dtype.is_nested() || matches!(dtype, DataType::Binary) {
                        return Err(Error::BadFile {
                            file: file.clone(),
                            problem: format!(
                                "{from}: a {dtype} column cannot be read as {canonical} (one value a row is needed)"
                            ),
                            fix: format!(
                                "write {from} as a plain column (text, number or date), or map {canonical} to another column in [tables.{}] columns",
                                spec.name
                            ),
                        });
                    }
                }
                let origin = if ext == "parquet" {
                    Origin::Parquet(path.into())
                } else {
                    Origin::Ipc(path.into())
                };
                Ok(TableSource {
                    spec,
                    file,
                    lines: LineSource::Offset(1),
                    sources,
                    extras,
                    trailing: false,
                    may_repeat_header: false,
                    bad_bytes: false,
                    skipped_rows: Vec::new(),
                    origin,
                    _temp: None,
                    table_config: None,
                    joined: None,
                })
            }
        }
    }

    /// A table built in memory (an import profile's): its frame already has canonical
    /// names and `ROW`.
    pub fn from_raw(raw: RawTable) -> TableSource {
        let RawTable {
            spec,
            file,
            frame,
            lines,
            skipped_lines,
            sources,
        } = raw;
        let extras = frame
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .filter(|n| n != ROW && n != TRAILING && spec.column(n).is_none())
            .collect();
        let trailing = frame.column(TRAILING).is_ok();
        let _ = skipped_lines;
        TableSource {
            spec,
            file,
            lines,
            sources,
            extras,
            trailing,
            may_repeat_header: false,
            bad_bytes: false,
            skipped_rows: Vec::new(),
            origin: Origin::Frame(frame),
            _temp: None,
            table_config: None,
            joined: None,
        }
    }

    /// Whether a canonical column comes from the file.
    pub fn has(&self, canonical: &str) -> bool {
        match &self.origin {
            Origin::Frame(f) => f.column(canonical).is_ok(),
            _ => self.sources.iter().any(|(c, _)| c == canonical),
        }
    }

    /// The scan: canonical columns (present ones, in schema order), the extras, the
    /// trailing column, and `ROW` (the record number among non-blank records).
    pub fn scan(&self) -> Result<LazyFrame> {
        let lf = self.scan_mapped()?;
        self.with_config(lf)
    }

    /// `[tables.<table>.defaults]` and `[tables.deals.status_from]` applied to the scan:
    /// a default fills a column the file lacks or the rows that leave it empty (a flag
    /// column `__default_<column>` marks those rows, for the load report); the status is
    /// derived from the export's words and columns.
    fn with_config(&self, mut lf: LazyFrame) -> Result<LazyFrame> {
        let Some(tc) = &self.table_config else {
            return Ok(lf);
        };
        if let Some(j) = &self.joined {
            // Left join, keeping the main file's order (record numbers stay in order); the
            // joined file's value wins where it has one.
            let main = lf
                .collect_schema()
                .ctx(format!("{}: reading the columns", self.file))?;
            let right = j.frame.clone().lazy();
            let mut args = JoinArgs::new(JoinType::Left).with_suffix(Some(JOINED_SUFFIX.into()));
            args.maintain_order = MaintainOrderJoin::Left;
            lf = lf.join(
                right,
                [col(j.key.as_str()).cast(DataType::String)],
                [col(j.key.as_str())],
                args,
            );
            let mut exprs = Vec::new();
            for c in j.columns.iter().filter(|c| **c != j.key) {
                if main.get(c.as_str()).is_some() {
                    let joined = format!("{c}{JOINED_SUFFIX}");
                    exprs.push(
                        coalesce(&[col(joined.as_str()), col(c.as_str()).cast(DataType::String)])
                            .alias(c.as_str()),
                    );
                }
            }
            if !exprs.is_empty() {
                lf = lf.with_columns(exprs);
            }
        }
        if tc.defaults.is_empty() && tc.status_from.is_none() {
            return Ok(lf);
        }
        let schema = lf
            .collect_schema()
            .ctx(format!("{}: reading the columns", self.file))?;
        let mut exprs = Vec::new();
        for (column, value) in &tc.defaults {
            let (filled, empty) = if schema.get(column.as_str()).is_some() {
                let x = col(column.as_str()).cast(DataType::String);
                let empty = x.clone().is_null().or(x.clone().eq(lit("")));
                (
                    when(empty.clone()).then(lit(value.clone())).otherwise(x),
                    empty,
                )
            } else {
                (lit(value.clone()), lit(true))
            };
            exprs.push(filled.alias(column.as_str()));
            exprs.push(empty.alias(format!("{DEFAULT_FLAG}{column}")));
        }
        if !exprs.is_empty() {
            lf = lf.with_columns(exprs);
        }
        if let Some(sf) = &tc.status_from {
            let has = |c: &str| schema.get(c).is_some() || tc.defaults.contains_key(c);
            for c in [&sf.won_when, &sf.lost_when].into_iter().flatten() {
                if !has(c) {
                    return Err(Error::BadFile {
                        file: self.file.clone(),
                        problem: format!(
                            "[tables.deals.status_from] names {c}, which this file does not have"
                        ),
                        fix: format!("map a header onto it: [tables.deals.columns] {c} = \"…\""),
                    });
                }
            }
            let words: std::collections::HashMap<String, String> = sf
                .values
                .iter()
                .map(|(k, v)| (k.trim().to_lowercase(), v.clone()))
                .collect();
            let base = if has("status") {
                col("status").cast(DataType::String)
            } else {
                lit(NULL).cast(DataType::String)
            };
            let mapped = if words.is_empty() {
                base
            } else {
                base.map(
                    move |c: Column| {
                        let s = c.str()?;
                        let out: StringChunked = s
                            .iter()
                            .map(|v| {
                                v.map(|v| {
                                    words
                                        .get(&v.trim().to_lowercase())
                                        .cloned()
                                        .unwrap_or_else(|| v.to_string())
                                })
                            })
                            .collect();
                        Ok(out.with_name(c.name().clone()).into_column())
                    },
                    |_, f| Ok(Field::new(f.name().clone(), DataType::String)),
                )
            };
            let present = |c: &str| {
                let x = col(c).cast(DataType::String);
                x.clone().is_not_null().and(x.neq(lit("")))
            };
            let mut derived: Option<Expr> = None;
            let mut chain = |cond: Expr, status: &str| {
                derived = Some(match derived.take() {
                    None => when(cond)
                        .then(lit(status.to_string()))
                        .otherwise(lit(NULL)),
                    Some(d) => when(cond).then(lit(status.to_string())).otherwise(d),
                });
            };
            // Won is checked last so that it wins over a lost marker on the same row.
            if let Some(c) = &sf.lost_when {
                chain(present(c), "lost");
            }
            if let Some(c) = &sf.won_when {
                chain(present(c), "won");
            }
            let status = match derived {
                Some(d) => coalesce(&[mapped, d, lit("open")]),
                None => mapped,
            };
            lf = lf.with_column(status.alias("status"));
        }
        Ok(lf)
    }

    /// The file's columns under their canonical names (the export's extras after them).
    fn scan_mapped(&self) -> Result<LazyFrame> {
        let file = &self.file;
        let mut select: Vec<Expr> = vec![col(ROW)];
        let lf = match &self.origin {
            Origin::Frame(f) => {
                select.extend(
                    self.spec
                        .columns
                        .iter()
                        .filter(|c| f.column(c.name).is_ok())
                        .map(|c| col(c.name)),
                );
                select.extend(self.extras.iter().map(|e| col(e.as_str())));
                if self.trailing {
                    select.push(col(TRAILING));
                }
                return Ok(f.clone().lazy().select(select));
            }
            Origin::Csv {
                path,
                delimiter,
                names,
            } => {
                let schema: Schema = names
                    .iter()
                    .map(|n| Field::new(n.as_str().into(), DataType::String))
                    .collect();
                let lf = LazyCsvReader::new(pl_path(path)?)
                    .with_has_header(false)
                    .with_skip_rows(1)
                    .with_schema(Some(Arc::new(schema)))
                    .with_separator(*delimiter)
                    .with_quote_char(Some(b'"'))
                    .with_missing_is_null(true)
                    .with_raise_if_empty(false)
                    .finish()
                    .ctx(format!("{file}: reading"))?;
                // A blank line (or one of delimiters only, or `""`) is not a row: the same
                // rule as the line lookup's (every field empty).
                // Only a first field can hold the `""` of such a line (the others are
                // missing), so only it is compared with "".
                let any = names
                    .iter()
                    .enumerate()
                    .map(|(i, n)| {
                        let c = col(n.as_str());
                        if i == 0 {
                            c.clone().is_not_null().and(c.neq(lit("")))
                        } else {
                            c.is_not_null()
                        }
                    })
                    .reduce(|a, b| a.or(b))
                    .unwrap_or(lit(false));
                lf.filter(any)
            }
            Origin::Parquet(path) => {
                LazyFrame::scan_parquet(pl_path(path)?, ScanArgsParquet::default())
                    .ctx(format!("{file}: reading"))?
            }
            Origin::Ipc(path) => {
                LazyFrame::scan_ipc(pl_path(path)?, Default::default(), Default::default())
                    .ctx(format!("{file}: reading"))?
            }
        };
        let lf = lf.with_row_index(ROW, None);
        for (canonical, header) in &self.sources {
            select.push(col(header.as_str()).alias(canonical.as_str()));
        }
        for e in &self.extras {
            // An unmapped column named like a canonical one keeps its data as export_<name>.
            let name = if self.spec.column(e).is_some() {
                format!("export_{e}")
            } else {
                e.clone()
            };
            select.push(col(e.as_str()).alias(name));
        }
        if self.trailing {
            select.push(col(TRAILING));
        }
        Ok(lf.select(select))
    }

    /// True on a line that repeats the header (glued exports), for a text source that can
    /// have one: every mapped column holds its own header.
    pub fn repeated_header(&self) -> Option<Expr> {
        if !self.may_repeat_header {
            return None;
        }
        self.sources
            .iter()
            .filter(|(_, h)| !h.is_empty())
            .map(|(canonical, h)| {
                // A glued export repeats the header with its byte-order mark.
                col(canonical.as_str())
                    .str()
                    .strip_chars(lit(" \t\r\n\u{feff}"))
                    .eq(lit(h.as_str()))
            })
            .reduce(|a, b| a.and(b))
            .map(|flag| flag.fill_null(lit(false)))
    }

    /// The first CSV line with more or fewer fields than the header, as (line, fields,
    /// header fields): why polars could not read the file.
    pub fn first_ragged(&self) -> Option<(u64, usize, usize)> {
        let Origin::Csv {
            path,
            delimiter,
            names,
        } = &self.origin
        else {
            return None;
        };
        let f = std::fs::File::open(path).ok()?;
        let mut reader = records(*delimiter, f);
        let mut record = csv::ByteRecord::new();
        let mut index: u32 = 0;
        while let Ok(true) = reader.read_byte_record(&mut record) {
            if blank_record(&record) {
                continue;
            }
            if record.len() != names.len() && index > 0 {
                let line = csv_record_lines(path, *delimiter, &[index - 1])
                    .first()
                    .copied()
                    .unwrap_or(0);
                return Some((line, record.len(), names.len()));
            }
            index += 1;
        }
        None
    }

    /// The first line with a stray quote — a `"` inside a value that does not start with
    /// one (`Зв"онок`), or a lone `"` inside a quoted value followed by more text — which
    /// polars cannot read: a diagnostic for its error, which names no line.
    pub fn first_stray_quote(&self) -> Option<u64> {
        let Origin::Csv {
            path, delimiter, ..
        } = &self.origin
        else {
            return None;
        };
        let f = std::fs::File::open(path).ok()?;
        stray_quote_line(std::io::BufReader::new(f), *delimiter)
    }

    /// The CSV rows with fewer fields than the header, found by a reader thread that runs
    /// beside the scan (polars reads the missing fields of a short row as empty, so a
    /// truncated line — a cut-off export — would pass as a row; these are rejected
    /// instead). A row that lacks only the trailing delimiter of a file that ends its
    /// lines with one is whole. `None` for sources that are not CSV files.
    pub fn short_rows(&self) -> Option<ShortRows> {
        let Origin::Csv {
            path,
            delimiter,
            names,
        } = &self.origin
        else {
            return None;
        };
        let width = names.len() - usize::from(self.trailing);
        let (send, receive) = std::sync::mpsc::sync_channel(64);
        let (path, delimiter) = (path.clone(), *delimiter);
        std::thread::spawn(move || {
            let Ok(f) = std::fs::File::open(&path) else {
                let _ = send.send((Vec::new(), u32::MAX));
                return;
            };
            let mut reader = records(delimiter, f);
            let mut record = csv::ByteRecord::new();
            let mut index: u32 = 0;
            let mut short = Vec::new();
            while let Ok(true) = reader.read_byte_record(&mut record) {
                let blank = blank_record(&record);
                if blank {
                    continue;
                }
                if record.len() < width && index > 0 {
                    short.push((index - 1, record.len()));
                }
                index += 1;
                if index % (1 << 16) == 0
                    && send.send((std::mem::take(&mut short), index - 1)).is_err()
                {
                    return;
                }
            }
            let _ = send.send((short, u32::MAX));
        });
        Some(ShortRows {
            width,
            receive,
            found: std::collections::VecDeque::new(),
            upto: 0,
        })
    }

    /// About how many rows the file has (from its size and its first lines), to size the
    /// id sets once.
    pub fn estimated_rows(&self) -> Option<usize> {
        match &self.origin {
            Origin::Csv { path, .. } => {
                let size = std::fs::metadata(path).ok()?.len() as usize;
                let first = head(path, 1 << 16).ok()?;
                let lines = first.iter().filter(|b| **b == b'\n').count().max(1);
                Some(size / (first.len() / lines).max(1))
            }
            Origin::Frame(f) => Some(f.height()),
            _ => None,
        }
    }

    /// Names of the extra columns as the scan gives them.
    pub fn extra_names(&self) -> Vec<String> {
        match &self.origin {
            Origin::Frame(_) => self.extras.clone(),
            _ => self
                .extras
                .iter()
                .map(|e| {
                    if self.spec.column(e).is_some() {
                        format!("export_{e}")
                    } else {
                        e.clone()
                    }
                })
                .collect(),
        }
    }
}

fn pl_path(path: &Path) -> Result<PlRefPath> {
    let s = path.to_str().ok_or_else(|| {
        Error::Usage(format!(
            "{}: the path is not valid UTF-8; rename the file or folder",
            path.display()
        ))
    })?;
    Ok(PlRefPath::new(s))
}

/// The first lines of a file as text (at least `want` bytes, whole lines), for the header,
/// the delimiter and a check of the encoding.
fn head(path: &Path, want: usize) -> Result<Vec<u8>> {
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, "cannot read", e))?;
    let mut r = BufReader::with_capacity(1 << 16, f);
    let mut out = Vec::with_capacity(want + 4096);
    while out.len() < want {
        let n = r
            .read_until(b'\n', &mut out)
            .map_err(|e| Error::io(path, "cannot read", e))?;
        if n == 0 {
            break;
        }
    }
    Ok(out)
}

/// Whether the bytes are UTF-8 (a character cut at the end does not count against it).
fn utf8_prefix(bytes: &[u8]) -> bool {
    match std::str::from_utf8(bytes) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    }
}

/// The encoding to read a CSV file with, and whether it has bytes that are not of it
/// (read as U+FFFD, the rows that hold them rejected): forced by the config; else a BOM
/// means UTF-8 (whatever bytes follow); valid UTF-8 is UTF-8; a file whose first lines
/// are UTF-8 with letters beyond ASCII is UTF-8 with a few bad bytes; anything else is
/// Windows-1251 (older Russian exports). The whole file is checked in a streaming pass
/// only when its beginning is UTF-8.
fn choose_encoding(
    path: &Path,
    first: &[u8],
    config: &Config,
) -> Result<(&'static Encoding, bool)> {
    if let Some(e) = encoding_by_name(&config.input.encoding) {
        return Ok((e, false));
    }
    let bom = first.starts_with(b"\xEF\xBB\xBF");
    if !bom && !utf8_prefix(first) {
        return Ok((WINDOWS_1251, false));
    }
    if whole_file_is_utf8(path)? {
        return Ok((UTF_8, false));
    }
    if bom || !first.is_ascii() {
        return Ok((UTF_8, true));
    }
    Ok((WINDOWS_1251, false))
}

fn whole_file_is_utf8(path: &Path) -> Result<bool> {
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, "cannot read", e))?;
    let mut buf = vec![0u8; 1 << 20];
    let mut carry = 0usize;
    loop {
        let n = f
            .read(&mut buf[carry..])
            .map_err(|e| Error::io(path, "cannot read", e))?;
        if n == 0 {
            return Ok(carry == 0);
        }
        let end = carry + n;
        match std::str::from_utf8(&buf[..end]) {
            Ok(_) => carry = 0,
            Err(e) if e.error_len().is_none() => {
                // A character cut at the end of the buffer: keep its bytes.
                let valid = e.valid_up_to();
                buf.copy_within(valid..end, 0);
                carry = end - valid;
            }
            Err(_) => return Ok(false),
        }
    }
}

/// Write the file as UTF-8 to a temporary file (streaming): decoded from `encoding`
/// (bytes not of it become U+FFFD), and with every CR a line break when the file ends its
/// lines with a bare CR (old Mac and Excel exports).
fn transcode(path: &Path, encoding: &'static Encoding, cr_lines: bool) -> Result<TempFile> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let name = format!(
        "crmstat-{}-{}-{}.utf8.csv",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        super::file_label(path)
    );
    let tmp = TempFile(std::env::temp_dir().join(name));
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, "cannot read", e))?;
    let mut reader = encoding_rs_io::DecodeReaderBytesBuilder::new()
        .encoding(Some(encoding))
        .bom_override(true)
        .utf8_passthru(false)
        .build(f);
    let out = std::fs::File::create(&tmp.0).map_err(|e| Error::io(&tmp.0, "cannot create", e))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, out);
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = reader
            .read(&mut buf)
            .map_err(|e| Error::io(path, "cannot decode", e))?;
        if n == 0 {
            break;
        }
        if cr_lines {
            for b in &mut buf[..n] {
                if *b == b'\r' {
                    *b = b'\n';
                }
            }
        }
        out.write_all(&buf[..n])
            .map_err(|e| Error::io(&tmp.0, "cannot write", e))?;
    }
    out.flush()
        .map_err(|e| Error::io(&tmp.0, "cannot write", e))?;
    Ok(tmp)
}

fn open_csv(
    path: &Path,
    file: &str,
    spec: &'static TableSpec,
    config: &Config,
) -> Result<TableSource> {
    let first = head(path, 1 << 16)?;
    let (encoding, lossy) = choose_encoding(path, &first, config)?;
    // Lines ended by a bare CR: the first lines hold a CR and no line feed.
    let cr_lines = first.contains(&b'\r') && !first.contains(&b'\n');
    let (scanned, temp, first) = if encoding == UTF_8 && !lossy && !cr_lines {
        (path.to_path_buf(), None, first)
    } else {
        let tmp = transcode(path, encoding, cr_lines)?;
        let first = head(&tmp.0, 1 << 16)?;
        (tmp.0.clone(), Some(tmp), first)
    };
    let text = String::from_utf8_lossy(first.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&first));
    let delimiter = config
        .delimiter_byte()
        .unwrap_or_else(|| super::csv::detect_delimiter(&text));
    let (mut names, width) = super::csv::header_and_width(&text, delimiter);
    if names.is_empty() {
        return Err(Error::BadFile {
            file: file.into(),
            problem: "the file is empty: no header line".into(),
            fix: "export the table again with its header line".into(),
        });
    }
    let mut trailing = false;
    if names.last().is_some_and(|n| n.is_empty()) {
        names.pop();
        names.push(TRAILING.into());
        trailing = true;
    } else if width == Some(names.len() + 1) {
        names.push(TRAILING.into());
        trailing = true;
    }
    let names = unique_names(&names);
    let (sources, extras) = map_columns(&names, spec, config, file)?;
    Ok(TableSource {
        spec,
        file: file.into(),
        lines: LineSource::Csv {
            path: scanned.clone(),
            encoding: None,
            delimiter,
        },
        sources,
        extras,
        trailing,
        may_repeat_header: true,
        bad_bytes: lossy,
        skipped_rows: Vec::new(),
        origin: Origin::Csv {
            path: scanned,
            delimiter,
            names,
        },
        _temp: temp,
        table_config: None,
        joined: None,
    })
}

/// An in-memory text frame (Excel) with its header.
fn from_frame(
    frame: DataFrame,
    header: &[String],
    spec: &'static TableSpec,
    config: &Config,
    file: &str,
    lines: LineSource,
) -> Result<TableSource> {
    let (sources, extras) = map_columns(header, spec, config, file)?;
    let mut columns: Vec<Column> = Vec::new();
    for (canonical, h) in &sources {
        let c = frame.column(h).ctx(file.to_string())?.clone();
        columns.push(c.with_name(canonical.as_str().into()));
    }
    let mut extra_names = Vec::new();
    for e in &extras {
        let c = frame.column(e).ctx(file.to_string())?.clone();
        let name = if spec.column(e).is_some() {
            format!("export_{e}")
        } else {
            e.clone()
        };
        extra_names.push(name.clone());
        columns.push(c.with_name(name.into()));
    }
    let mut frame = DataFrame::new(frame.height(), columns).ctx(file.to_string())?;
    frame = frame
        .with_row_index(ROW.into(), None)
        .ctx(file.to_string())?;
    Ok(TableSource {
        spec,
        file: file.into(),
        lines,
        sources,
        extras: extra_names,
        trailing: false,
        may_repeat_header: false,
        // Read whole and decoded already: a U+FFFD in a value marks a byte of another
        // encoding (the check finds none in a clean file).
        bad_bytes: true,
        skipped_rows: Vec::new(),
        origin: Origin::Frame(frame),
        _temp: None,
        table_config: None,
        joined: None,
    })
}

/// (canonical column, export header) pairs, and the headers no canonical column takes.
type Mapped = (Vec<(String, String)>, Vec<String>);

/// Which header each canonical column comes from, and the headers left over. A mapped
/// header that is missing, or a required column without a header, stops the run.
fn map_columns(
    header: &[String],
    spec: &'static TableSpec,
    config: &Config,
    file: &str,
) -> Result<Mapped> {
    let mapping = config.table(spec.name).columns;
    let mut sources = Vec::new();
    let mut used: Vec<&str> = Vec::new();
    for column in spec.columns {
        let wanted = mapping.get(column.name).map(String::as_str);
        match (
            super::find_header(header, wanted.unwrap_or(column.name)),
            wanted,
        ) {
            (Some(h), _) => {
                used.push(h);
                sources.push((column.name.to_string(), h.to_string()));
            }
            (None, Some(w)) => {
                return Err(Error::BadFile {
                    file: file.into(),
                    problem: format!(
                        "no column `{w}`, which crmstat.toml maps to {}; the headers are: {}",
                        column.name,
                        super::shown_headers(header)
                    ),
                    fix: format!(
                        "correct [tables.{}.columns] {} = \"…\"",
                        spec.name, column.name
                    ),
                });
            }
            (None, None)
                if column.required
                    && !config.table(spec.name).defaults.contains_key(column.name)
                    && !config
                        .table(spec.name)
                        .join
                        .is_some_and(|j| j.columns.contains_key(column.name)) =>
            {
                return Err(super::missing_required(spec, column.name, header, file));
            }
            (None, None) => {}
        }
    }
    let extras = header
        .iter()
        .filter(|h| !used.contains(&h.as_str()) && h.as_str() != TRAILING)
        .cloned()
        .collect();
    Ok((sources, extras))
}

/// Line numbers of records, by reading the file again (only when there is something to
/// report). `rows` are record numbers among the non-blank records (record 0 is the
/// header); the result is in the same order, 0 where a record was not found.
pub fn csv_record_lines(path: &Path, delimiter: u8, rows: &[u32]) -> Vec<u64> {
    if rows.is_empty() {
        return Vec::new();
    }
    let mut wanted: Vec<u32> = rows.iter().map(|r| r + 1).collect();
    wanted.sort_unstable();
    wanted.dedup();
    // Pass 1: the byte where each wanted record starts.
    let Ok(f) = std::fs::File::open(path) else {
        return vec![0; rows.len()];
    };
    let mut reader = records(delimiter, f);
    let mut record = csv::ByteRecord::new();
    let mut starts: Vec<(u32, u64)> = Vec::with_capacity(wanted.len());
    let mut index: u32 = 0;
    let mut next = 0usize;
    while next < wanted.len() {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            _ => break,
        }
        if blank_record(&record) {
            continue; // a blank record is not a row (see `TableSource::scan`)
        }
        if index == wanted[next] {
            starts.push((index, record.position().map_or(0, |p| p.byte())));
            next += 1;
        }
        index += 1;
    }
    // Pass 2: count line breaks before each start (moved past the line break the csv
    // crate reports a record to start at).
    let mut lines: std::collections::HashMap<u32, u64> = std::collections::HashMap::new();
    if let Ok(f) = std::fs::File::open(path) {
        let mut r = BufReader::with_capacity(1 << 20, f);
        let (mut pos, mut line) = (0u64, 1u64);
        let mut k = 0usize;
        let mut pending_skip = false;
        let mut target = starts.first().map(|s| s.1);
        loop {
            let buf = match r.fill_buf() {
                Ok(b) if !b.is_empty() => b,
                _ => break,
            };
            let mut i = 0usize;
            while i < buf.len() {
                let Some(t) = target else { break };
                let here = pos + i as u64;
                if !pending_skip && here < t {
                    // Count line breaks up to the target in one go.
                    let upto = ((t - pos) as usize).min(buf.len());
                    line += buf[i..upto].iter().filter(|b| **b == b'\n').count() as u64;
                    i = upto;
                    continue;
                }
                pending_skip = true;
                if matches!(buf[i], b'\r' | b'\n') {
                    if buf[i] == b'\n' {
                        line += 1;
                    }
                    i += 1;
                    continue;
                }
                // The record starts here.
                while let Some(&(row, s)) = starts.get(k) {
                    if s != t {
                        break;
                    }
                    lines.insert(row, line);
                    k += 1;
                }
                pending_skip = false;
                target = starts.get(k).map(|s| s.1);
            }
            let n = buf.len();
            pos += n as u64;
            r.consume(n);
            if target.is_none() {
                break;
            }
        }
        // Records whose start is the end of the file.
        while let Some(&(row, _)) = starts.get(k) {
            lines.insert(row, line);
            k += 1;
        }
    }
    rows.iter()
        .map(|r| lines.get(&(r + 1)).copied().unwrap_or(0))
        .collect()
}

/// The physical line (from 1) of the first stray quote in CSV bytes, see
/// [`TableSource::first_stray_quote`].
fn stray_quote_line(reader: impl std::io::BufRead, delimiter: u8) -> Option<u64> {
    let (mut line, mut quoted, mut field_start, mut after_quote) = (1u64, false, true, false);
    for b in reader.bytes() {
        let b = b.ok()?;
        if after_quote {
            // A quote inside a quoted value: doubled, or the value's end.
            after_quote = false;
            if b == b'"' {
                continue;
            }
            quoted = false;
            if b != delimiter && b != b'\n' && b != b'\r' {
                return Some(line);
            }
        }
        match b {
            b'\n' => {
                line += 1;
                if !quoted {
                    field_start = true;
                }
            }
            b'"' if quoted => after_quote = true,
            b'"' if field_start => {
                quoted = true;
                field_start = false;
            }
            b'"' => return Some(line),
            b'\r' if !quoted => field_start = true,
            _ if b == delimiter && !quoted => field_start = true,
            _ => field_start = false,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::stray_quote_line;

    #[test]
    fn stray_quotes_are_found_on_their_line() {
        let find = |t: &str| stray_quote_line(t.as_bytes(), b',');
        assert_eq!(find("a,b\n1,2\n3,Зв\"онок\n"), Some(3));
        assert_eq!(find("a,b\n1,\"x\"y\n"), Some(2));
        // Quoted values with doubled quotes, delimiters and line breaks are fine.
        assert_eq!(
            find("a,b\n1,\"He said \"\"hi\"\", then, left\"\n2,\"two\nlines\"\r\n3,x\n"),
            None
        );
        assert_eq!(find("a,b\n\"1\",\"\"\n"), None);
        assert_eq!(stray_quote_line("a;b\n1;x\"\n".as_bytes(), b';'), Some(2));
    }
}
