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

mod encoding;
mod joined;
mod lines;
mod open;

use encoding::*;
pub use joined::Joined;
use joined::*;
pub use lines::{ShortRows, csv_record_lines};
use open::*;

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

/// Flag columns of the rows a `[tables.<table>.defaults]` value filled: `__default_<column>`.
pub const DEFAULT_FLAG: &str = "__default_";

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

    /// Drop from a Parquet or Arrow scan the canonical columns no figure reads
    /// ([`crate::schema::UNREAD`]): never decoded, they read as empty. A typed file's text
    /// column can reject nothing (its bytes are UTF-8 by the format), so no check is lost;
    /// a CSV's are still read (a bad byte there rejects its row).
    pub fn leave_out_unread(&mut self) {
        if !matches!(self.origin, Origin::Parquet(_) | Origin::Ipc(_)) {
            return;
        }
        let table = self.spec.name;
        self.sources
            .retain(|(canonical, _)| !crate::schema::UNREAD.contains(&(table, canonical.as_str())));
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
                // A glued export repeats the header with its byte-order mark. Compared on
                // the value's trimmed slice (`strip_chars` made a trimmed copy of every
                // value of every column: a sixth of reading 10M contacts).
                let h = h.clone();
                col(canonical.as_str()).map(
                    move |c: Column| {
                        let is_header: BooleanChunked = c
                            .str()?
                            .iter()
                            .map(|v| {
                                v.is_some_and(|v| {
                                    v.len() >= h.len()
                                        && v.trim_matches([' ', '\t', '\r', '\n', '\u{feff}']) == h
                                })
                            })
                            .collect();
                        Ok(is_header.with_name(c.name().clone()).into_column())
                    },
                    |_, f| Ok(Field::new(f.name().clone(), DataType::Boolean)),
                )
            })
            .reduce(|a, b| a.and(b))
            .map(|flag| flag.fill_null(lit(false)))
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
