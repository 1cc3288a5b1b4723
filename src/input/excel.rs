//! Excel workbooks (`.xlsx`) through calamine: the first sheet, first row as header. Cells
//! become text in the forms the value parsers read (dates as ISO, numbers in shortest form).

use std::path::Path;

use calamine::{Data, Reader, open_workbook_auto};
use polars::prelude::*;

use super::LineSource;
use crate::error::{Error, PolarsContext, Result};

/// Read a sheet of a workbook (the first unless `sheet` names one) into text columns.
pub fn excel_frame(
    path: &Path,
    file: &str,
    sheet: Option<&crate::config::Sheet>,
) -> Result<(DataFrame, Vec<String>, LineSource)> {
    use crate::config::Sheet;
    let bad = |problem: String| Error::BadFile {
        file: file.into(),
        problem,
        fix: "save the table as .xlsx with the header in the first row, or export it as CSV".into(),
    };
    let mut book =
        open_workbook_auto(path).map_err(|e| bad(format!("cannot open workbook: {e}")))?;
    let names = book.sheet_names();
    let listed = || {
        names
            .iter()
            .enumerate()
            .map(|(i, n)| format!("{} «{n}»", i + 1))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let index = match sheet {
        None => 0,
        Some(Sheet::Number(n)) if *n >= 1 && *n <= names.len() => n - 1,
        Some(Sheet::Name(want)) if names.iter().any(|n| n.trim() == want.trim()) => names
            .iter()
            .position(|n| n.trim() == want.trim())
            .unwrap_or(0),
        Some(s) => {
            let asked = match s {
                Sheet::Number(n) => format!("sheet = {n}"),
                Sheet::Name(n) => format!("sheet = \"{n}\""),
            };
            return Err(Error::BadFile {
                file: file.into(),
                problem: format!("no such sheet ({asked}); the workbook's sheets are: {}", listed()),
                fix: "name one of them in crmstat.toml: [tables.<table>] sheet = \"…\" (or its number from 1)".into(),
            });
        }
    };
    let sheet_name = names.get(index).cloned().unwrap_or_default();
    let range = book
        .worksheet_range_at(index)
        .ok_or_else(|| bad("the workbook has no sheet".into()))?
        .map_err(|e| bad(format!("cannot read the sheet «{sheet_name}»: {e}")))?;
    let first_row = range.start().map_or(0, |(r, _)| u64::from(r));
    let mut rows = range.rows();
    let header: Vec<String> = rows
        .next()
        .ok_or_else(|| bad(format!("the sheet «{sheet_name}» is empty")))?
        .iter()
        .enumerate()
        .map(|(i, c)| match cell_text(c) {
            Some(t) => t.trim().to_string(),
            None => format!("__column_{}", i + 1),
        })
        .collect();
    let header = super::csv::unique_names(&header);
    let mut columns: Vec<Vec<Option<String>>> = vec![Vec::new(); header.len()];
    for row in rows {
        for (i, column) in columns.iter_mut().enumerate() {
            column.push(row.get(i).and_then(cell_text));
        }
    }
    let height = columns.first().map_or(0, Vec::len);
    let series: Vec<Column> = header
        .iter()
        .zip(columns)
        .map(|(name, values)| Column::new(name.as_str().into(), values))
        .collect();
    let df = DataFrame::new(height, series).ctx(format!("{file}: building the table"))?;
    // Data record 0 sits on the sheet row after the header; rows count from 1.
    Ok((df, header, LineSource::Offset(first_row + 2)))
}

fn cell_text(cell: &Data) -> Option<String> {
    match cell {
        Data::Empty => None,
        Data::String(s) if s.trim().is_empty() => None,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Some(s.clone()),
        Data::Int(i) => Some(i.to_string()),
        Data::Float(f) => Some(f.to_string()),
        Data::Bool(b) => Some(b.to_string()),
        Data::DateTime(dt) => {
            let (y, mo, d, h, mi, s, _) = dt.to_ymd_hms_milli();
            Some(format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}"))
        }
        Data::Error(e) => Some(format!("#{e:?}")),
    }
}
