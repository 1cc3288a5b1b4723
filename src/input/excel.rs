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

/// A number cell as Excel shows it: rounded to 15 significant digits, Excel's own precision,
/// so `=0.1+0.2` (stored as 0.30000000000000004) reads as 0.3 and not as an amount with 17
/// decimals; a value with real extra decimals (0.1234) keeps them, and a value with 2
/// decimals or fewer is never rounded.
pub fn excel_number(f: f64) -> String {
    let exact = f.to_string();
    // Up to 2 decimals already (any amount typed or written as such): take it as it is.
    let decimals = exact.split_once('.').map_or(0, |(_, d)| d.len());
    if !f.is_finite() || decimals <= 2 || exact.contains('e') {
        return exact;
    }
    format!("{f:.14e}")
        .parse::<f64>()
        .map_or_else(|_| f.to_string(), |r| r.to_string())
}

fn cell_text(cell: &Data) -> Option<String> {
    match cell {
        Data::Empty => None,
        Data::String(s) if s.trim().is_empty() => None,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Some(s.clone()),
        Data::Int(i) => Some(i.to_string()),
        Data::Float(f) => Some(excel_number(*f)),
        Data::Bool(b) => Some(b.to_string()),
        Data::DateTime(dt) => {
            let (y, mo, d, h, mi, s, _) = dt.to_ymd_hms_milli();
            Some(format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}"))
        }
        Data::Error(e) => Some(format!("#{e:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::excel_number;

    #[test]
    fn numbers_read_at_excel_precision() {
        assert_eq!(excel_number(0.1 + 0.2), "0.3");
        assert_eq!(excel_number(1234.5), "1234.5");
        assert_eq!(excel_number(0.1234), "0.1234");
        assert_eq!(excel_number(1.005 * 1000.0), "1005");
        assert_eq!(excel_number(90_000_000_000_000.0), "90000000000000");
        assert_eq!(excel_number(-12.34), "-12.34");
        // More digits than Excel keeps, written by a program: exact, not rounded.
        assert_eq!(excel_number(12_345_678_901_234.56), "12345678901234.56");
    }
}
