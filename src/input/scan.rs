//! How a table is read for volume: a lazy polars scan of its file (CSV, Parquet, Arrow IPC)
//! or of a frame already in memory (Excel, an import profile's tables), with canonical
//! column names and each row's record number. Nothing is read until validation streams the
//! scan; CSV values arrive as text, Parquet and Arrow columns with their own types.
//!
//! CSV that is not UTF-8 is transcoded once, in a streaming pass, into a temporary UTF-8
//! file that is scanned instead (and removed when the table is done).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

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
mod mapped;
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
