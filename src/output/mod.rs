//! Writing result tables (SPEC §6): one trait, one file per format, chosen by `--format`.
//! Writers take a `&mut dyn Write`, so tests capture output in memory. Files are written
//! under a temporary name and renamed, so an interrupted run never leaves a half-written
//! table that looks whole.

mod csv;
pub mod json;
mod markdown;
mod parquet;
mod xlsx;

use std::io::Write;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::{Error, Result};

pub use markdown::markdown_table;
pub use xlsx::write_workbook;

/// Output formats of result tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
    Markdown,
    Parquet,
    /// Excel: figure commands write one workbook with a sheet per table.
    Xlsx,
}

/// Writes one table in one format.
pub trait TableWriter {
    /// File extension, without the dot.
    fn extension(&self) -> &'static str;
    /// Write the whole table.
    fn write(&self, frame: &mut DataFrame, out: &mut dyn Write) -> Result<()>;
}

/// The writer for a format.
pub fn writer(format: Format) -> Box<dyn TableWriter> {
    match format {
        Format::Csv => Box::new(csv::CsvTable),
        Format::Json => Box::new(json::JsonTable),
        Format::Markdown => Box::new(markdown::MarkdownTable),
        Format::Parquet => Box::new(parquet::ParquetTable),
        Format::Xlsx => Box::new(xlsx::XlsxTable),
    }
}

/// A result table with its file name and a title for people.
pub struct NamedTable {
    /// File stem, as SPEC §6 names the table (`funnel`, `win_rate`…).
    pub name: String,
    pub title: String,
    pub frame: DataFrame,
    /// A row-level list (deals, breaches): on the terminal only its first rows are shown.
    pub detail: bool,
}

impl NamedTable {
    /// A summary table.
    pub fn new(name: &str, title: &str, frame: DataFrame) -> Self {
        NamedTable {
            name: name.into(),
            title: title.into(),
            frame,
            detail: false,
        }
    }

    /// A row-level table.
    pub fn detail(name: &str, title: &str, frame: DataFrame) -> Self {
        NamedTable {
            detail: true,
            ..NamedTable::new(name, title, frame)
        }
    }
}

/// Create the output folder (before any heavy work) and check that it takes files.
pub fn prepare_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::io(dir, "cannot create the output folder", e))?;
    let probe = dir.join(".crmstat-write-test");
    std::fs::write(&probe, b"")
        .map_err(|e| Error::io(dir, "cannot write into the output folder", e))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

/// Write a file through a temporary name, then rename it into place.
pub fn write_atomic(path: &Path, fill: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
    let tmp = path.with_extension(format!(
        "{}.tmp",
        path.extension().and_then(|e| e.to_str()).unwrap_or("out")
    ));
    let file = std::fs::File::create(&tmp).map_err(|e| Error::io(&tmp, "cannot create", e))?;
    let mut buffered = std::io::BufWriter::new(file);
    fill(&mut buffered)?;
    buffered
        .flush()
        .map_err(|e| Error::io(&tmp, "cannot write", e))?;
    drop(buffered);
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, "cannot move into place", e))
}

/// Write each table to `dir/<name>.<ext>`; returns the paths written.
pub fn write_tables(dir: &Path, format: Format, tables: &mut [NamedTable]) -> Result<Vec<PathBuf>> {
    let w = writer(format);
    let mut written = Vec::new();
    for t in tables.iter_mut() {
        let path = dir.join(format!("{}.{}", t.name, w.extension()));
        write_atomic(&path, |out| w.write(&mut t.frame, out))?;
        written.push(path);
    }
    Ok(written)
}

/// Write tables as the sheets of `dir/<book>.xlsx`; returns the path written.
pub fn write_book(dir: &Path, book: &str, tables: &[&NamedTable]) -> Result<PathBuf> {
    let path = dir.join(format!("{book}.xlsx"));
    write_atomic(&path, |out| write_workbook(tables, out))?;
    Ok(path)
}

/// Rows shown on the terminal for a row-level table.
pub const DETAIL_ROWS: usize = 20;

/// Print tables as Markdown sections (row-level tables cut to their first rows).
pub fn print_markdown(tables: &[NamedTable], out: &mut dyn Write) -> Result<()> {
    let io = |e| Error::io("<stdout>", "cannot write", e);
    for t in tables {
        writeln!(out, "## {}\n", t.title).map_err(io)?;
        let shown = if t.detail && t.frame.height() > DETAIL_ROWS {
            t.frame.head(Some(DETAIL_ROWS))
        } else {
            t.frame.clone()
        };
        out.write_all(markdown_table(&shown).as_bytes())
            .map_err(io)?;
        if shown.height() < t.frame.height() {
            writeln!(
                out,
                "\n… and {} more rows; use --out DIR to write all {} rows of {}.",
                t.frame.height() - shown.height(),
                t.frame.height(),
                t.name
            )
            .map_err(io)?;
        }
        writeln!(out).map_err(io)?;
    }
    Ok(())
}

/// A cell as text for people and JSON: money with its two places, datetimes without
/// seconds when they are zero, floats in shortest form. `None` for an empty cell.
pub fn cell_text(value: &AnyValue) -> Option<String> {
    Some(match value {
        AnyValue::Null => return None,
        AnyValue::String(s) => s.to_string(),
        AnyValue::StringOwned(s) => s.to_string(),
        AnyValue::Boolean(b) => b.to_string(),
        AnyValue::Decimal(v, _, scale) => crate::money::format_decimal(*v, *scale),
        AnyValue::Float64(f) => float_text(*f),
        AnyValue::Float32(f) => float_text(f64::from(*f)),
        AnyValue::Datetime(ms, TimeUnit::Milliseconds, _) => datetime_text(*ms),
        AnyValue::Date(d) => {
            (chrono::NaiveDate::default() + chrono::Days::new(*d as u64)).to_string()
        }
        other => other.to_string().trim_matches('"').to_string(),
    })
}

fn float_text(f: f64) -> String {
    if f.is_finite() {
        format!("{f}")
    } else {
        String::new()
    }
}

fn datetime_text(ms: i64) -> String {
    match chrono::DateTime::from_timestamp_millis(ms) {
        Some(dt) => {
            let dt = dt.naive_utc();
            if dt.time() == chrono::NaiveTime::MIN {
                dt.format("%Y-%m-%d").to_string()
            } else {
                dt.format("%Y-%m-%d %H:%M:%S").to_string()
            }
        }
        None => ms.to_string(),
    }
}
