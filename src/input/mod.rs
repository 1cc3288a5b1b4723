//! Reading a data folder (SPEC §1): finding each table's file, decoding it, and mapping the
//! export's headers onto canonical column names. Everything comes out as text columns; the
//! typed, checked tables are made by [`crate::validate`].

pub mod csv;
pub mod excel;
pub mod scan;
pub mod values;

pub use excel::excel_frame;

use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::config::Config;
use crate::error::{Error, PolarsContext, Result};
use crate::schema::TableSpec;

/// Column holding each row's record number in its file (0 = first data record).
pub const ROW: &str = "__row";

/// One table as read from its file: text columns, canonical names where mapped.
pub struct RawTable {
    pub spec: &'static TableSpec,
    /// The file name as messages show it.
    pub file: String,
    pub frame: DataFrame,
    pub lines: LineSource,
    /// Lines that were not data (repeated header lines), reported but not counted as rows.
    pub skipped_lines: Vec<u64>,
    /// Canonical column → the export header it came from (for messages).
    pub sources: Vec<(String, String)>,
}

/// How a record number becomes a line number for messages.
#[derive(Clone)]
pub enum LineSource {
    /// CSV text: records are located on demand (values may span lines).
    /// The file is read again when line numbers are needed (only when there are problems),
    /// so its text is not kept in memory meanwhile.
    Csv {
        path: PathBuf,
        encoding: Option<&'static encoding_rs::Encoding>,
        delimiter: u8,
    },
    /// Line = record number + offset (Parquet/Arrow rows count from 1; Excel rows as shown).
    Offset(u64),
}

impl LineSource {
    /// Line numbers for the given record numbers, in the same order.
    pub fn lines_of(&self, rows: &[u32]) -> Vec<u64> {
        match self {
            LineSource::Offset(off) => rows.iter().map(|r| u64::from(*r) + off).collect(),
            LineSource::Csv {
                path,
                encoding: None,
                delimiter,
            } => scan::csv_record_lines(path, *delimiter, rows),
            LineSource::Csv {
                path,
                encoding,
                delimiter,
            } => {
                let starts = match std::fs::read(path) {
                    Ok(bytes) => csv::record_lines(&csv::decode(bytes, *encoding).0, *delimiter),
                    Err(_) => Vec::new(),
                };
                rows.iter()
                    .map(|r| starts.get(*r as usize + 1).copied().unwrap_or(0))
                    .collect()
            }
        }
    }
}

/// Find the file of a table in the data folder: the configured name, else
/// `<table>.csv|parquet|arrow|ipc|feather|xlsx` (names compared ignoring case).
pub fn locate(dir: &Path, spec: &TableSpec, config: &Config) -> Result<Option<PathBuf>> {
    let configured = config.table(spec.name).file;
    if let Some(name) = configured {
        let path = dir.join(&name);
        if path.is_file() {
            return Ok(Some(path));
        }
        return Err(Error::BadFile {
            file: path.display().to_string(),
            problem: format!(
                "[tables.{}] file names this file, but it does not exist",
                spec.name
            ),
            fix: "correct the file name in crmstat.toml or add the file".into(),
        });
    }
    let entries =
        std::fs::read_dir(dir).map_err(|e| Error::io(dir, "cannot list the data folder", e))?;
    let named: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| matches_table(p, spec.name))
        .collect();
    // A folder or a link to nothing under a table's name is not "no such table".
    if let Some(p) = named.iter().find(|p| !p.is_file()) {
        let what = if p.is_dir() {
            "is a folder, not a file"
        } else {
            "is a link to a file that does not exist"
        };
        return Err(Error::BadFile {
            file: p.display().to_string(),
            problem: format!("{what}, so the {} table cannot be read", spec.name),
            fix: "put the table's file there (or remove it and name the file with [tables.<table>] file = \"…\")".into(),
        });
    }
    let mut found = named;
    found.sort();
    match found.len() {
        0 => Ok(None),
        1 => Ok(found.pop()),
        _ => Err(Error::BadFile {
            file: found
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" and "),
            problem: format!("more than one file for table {}", spec.name),
            fix: format!(
                "keep one, or name it with [tables.{}] file = \"…\" in crmstat.toml",
                spec.name
            ),
        }),
    }
}

const EXTENSIONS: [&str; 6] = ["csv", "parquet", "arrow", "ipc", "feather", "xlsx"];

fn matches_table(path: &Path, table: &str) -> bool {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let ext = path
        .extension()
        .and_then(|s| s.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    stem.eq_ignore_ascii_case(table) && EXTENSIONS.contains(&ext.as_str())
}

/// A file's name as messages show it.
pub fn file_label(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// A file's extension in lower case ("" when it has none).
pub fn extension(path: &Path) -> String {
    path.extension()
        .and_then(|s| s.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Read a table's file into text columns with canonical names.
pub fn read_table(path: &Path, spec: &'static TableSpec, config: &Config) -> Result<RawTable> {
    let file = file_label(path);
    let ext = extension(path);
    let (frame, header, lines) = match ext.as_str() {
        "csv" => read_csv(path, &file, config)?,
        "parquet" => binary_frame(read_parquet(path), &file)?,
        "xlsx" => crate::input::excel_frame(path, &file, config.table(spec.name).sheet.as_ref())?,
        _ => binary_frame(read_ipc(path), &file)?,
    };
    let mut raw = map_columns(frame, &header, spec, config, &file, lines)?;
    if ext == "csv" {
        drop_repeated_headers(&mut raw)?;
    }
    Ok(raw)
}

pub type Framed = (DataFrame, Vec<String>, LineSource);

/// Any supported file as text-or-typed columns with its header and line numbers (small
/// files read whole: a joined second file).
pub fn read_frame(
    path: &Path,
    config: &Config,
    sheet: Option<&crate::config::Sheet>,
) -> Result<Framed> {
    let file = file_label(path);
    if !path.is_file() {
        return Err(Error::BadFile {
            file,
            problem: "no such file".into(),
            fix: "correct `file` in crmstat.toml, or put the file in the data folder".into(),
        });
    }
    match extension(path).as_str() {
        "csv" => read_csv(path, &file, config),
        "parquet" => binary_frame(read_parquet(path), &file),
        "xlsx" => crate::input::excel_frame(path, &file, sheet),
        _ => binary_frame(read_ipc(path), &file),
    }
}

fn read_csv(path: &Path, file: &str, config: &Config) -> Result<Framed> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, "cannot read", e))?;
    let forced = csv::encoding_by_name(&config.input.encoding);
    let (text, encoding) = csv::decode(bytes, forced);
    let delimiter = config
        .delimiter_byte()
        .unwrap_or_else(|| csv::detect_delimiter(&text));
    let decoded = csv::DecodedCsv {
        text,
        delimiter,
        encoding,
    };
    let (frame, header) = csv::read_text_frame(file, &decoded)?;
    // Line numbers are found again with the encoding this read used.
    let used = csv::encoding_by_name(encoding);
    let lines = LineSource::Csv {
        path: path.to_path_buf(),
        encoding: used,
        delimiter,
    };
    Ok((frame, header, lines))
}

fn read_parquet(path: &Path) -> std::result::Result<DataFrame, String> {
    let f = std::fs::File::open(path).map_err(|e| e.to_string())?;
    ParquetReader::new(f).finish().map_err(|e| e.to_string())
}

fn read_ipc(path: &Path) -> std::result::Result<DataFrame, String> {
    let f = std::fs::File::open(path).map_err(|e| e.to_string())?;
    IpcReader::new(f).finish().map_err(|e| e.to_string())
}

/// Parquet and Arrow frames: every column cast to text so one parser serves all inputs.
fn binary_frame(read: std::result::Result<DataFrame, String>, file: &str) -> Result<Framed> {
    let df = read.map_err(|e| Error::BadFile {
        file: file.into(),
        problem: format!("cannot be read: {}", crate::error::polars_text(&e)),
        fix: "check that the file is a complete Parquet or Arrow IPC file".into(),
    })?;
    let header: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let columns = df
        .columns()
        .iter()
        .map(|c| c.cast(&DataType::String))
        .collect::<PolarsResult<Vec<_>>>()
        .ctx(format!("{file}: converting columns to text"))?;
    let df = DataFrame::new(df.height(), columns).ctx(file.to_string())?;
    Ok((df, header, LineSource::Offset(1)))
}

/// Rename mapped headers to canonical names; keep unmapped extra columns as they are.
fn map_columns(
    frame: DataFrame,
    header: &[String],
    spec: &'static TableSpec,
    config: &Config,
    file: &str,
    lines: LineSource,
) -> Result<RawTable> {
    let mapping = config.table(spec.name).columns;
    let mut selected: Vec<Column> = Vec::new();
    let mut used: Vec<&str> = Vec::new();
    let mut sources = Vec::new();
    for column in spec.columns {
        let wanted = mapping.get(column.name).map(String::as_str);
        let found = find_header(header, wanted.unwrap_or(column.name));
        match (found, wanted) {
            (Some(h), _) => {
                let c = frame.column(h).ctx(file.to_string())?.clone();
                selected.push(c.with_name(column.name.into()));
                used.push(h);
                sources.push((column.name.to_string(), h.to_string()));
            }
            (None, Some(w)) => {
                return Err(Error::BadFile {
                    file: file.into(),
                    problem: format!(
                        "no column `{w}`, which crmstat.toml maps to {}; the headers are: {}",
                        column.name,
                        shown_headers(header)
                    ),
                    fix: format!(
                        "correct [tables.{}.columns] {} = \"…\"",
                        spec.name, column.name
                    ),
                });
            }
            (None, None) if column.required => {
                return Err(missing_required(spec, column.name, header, file));
            }
            (None, None) => {}
        }
    }
    // Unmapped columns are kept as text; one named like a canonical column that was
    // mapped from another header keeps its data under `export_<name>`.
    for h in header.iter().filter(|h| !used.contains(&h.as_str())) {
        let c = frame.column(h).ctx(file.to_string())?.clone();
        selected.push(if spec.column(h).is_some() {
            c.with_name(format!("export_{h}").into())
        } else {
            c
        });
    }
    let mut frame = DataFrame::new(frame.height(), selected).ctx(file.to_string())?;
    frame = frame
        .with_row_index(ROW.into(), None)
        .ctx(file.to_string())?;
    Ok(RawTable {
        spec,
        file: file.into(),
        frame,
        lines,
        skipped_lines: Vec::new(),
        sources,
    })
}

pub(crate) fn find_header<'a>(header: &'a [String], name: &str) -> Option<&'a str> {
    header
        .iter()
        .find(|h| h.as_str() == name)
        .or_else(|| {
            header
                .iter()
                .find(|h| h.trim().eq_ignore_ascii_case(name.trim()))
        })
        .map(String::as_str)
}

pub(crate) fn shown_headers(header: &[String]) -> String {
    header
        .iter()
        .filter(|h| h.as_str() != csv::TRAILING)
        .map(|h| format!("`{h}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn missing_required(
    spec: &TableSpec,
    column: &str,
    header: &[String],
    file: &str,
) -> Error {
    Error::BadFile {
        file: file.into(),
        problem: format!(
            "required column `{column}` is missing; the headers are: {}",
            shown_headers(header)
        ),
        fix: format!(
            "map your export's header onto it in crmstat.toml: [tables.{}.columns] {column} = \"<header>\"",
            spec.name
        ),
    }
}

/// Remove lines that repeat the header (exports glued together), remembering their lines.
fn drop_repeated_headers(raw: &mut RawTable) -> Result<()> {
    let names: Vec<(String, String)> = raw
        .sources
        .iter()
        .filter(|(_, h)| !h.is_empty())
        .cloned()
        .collect();
    if names.is_empty() {
        return Ok(());
    }
    let mut is_header = lit(true);
    for (canonical, h) in &names {
        is_header = is_header.and(
            col(canonical.as_str())
                .str()
                .strip_chars(lit(NULL))
                .eq(lit(h.as_str())),
        );
    }
    let flagged = raw
        .frame
        .clone()
        .lazy()
        .select([col(ROW), is_header.fill_null(false).alias("h")])
        .collect()
        .ctx(format!("{}: checking for repeated headers", raw.file))?;
    let mask = flagged.column("h").ctx("mask")?.bool().ctx("mask")?.clone();
    if mask.any() {
        let rows: Vec<u32> = flagged
            .filter(&mask)
            .ctx("filter")?
            .column(ROW)
            .ctx("rows")?
            .idx()
            .ctx("rows")?
            .into_no_null_iter()
            .collect();
        raw.skipped_lines = raw.lines.lines_of(&rows);
        raw.frame = raw.frame.filter(&!&mask).ctx("filter")?;
    }
    Ok(())
}
