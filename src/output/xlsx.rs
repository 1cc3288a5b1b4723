//! Excel output: a workbook with one sheet per table. Money cells are numbers in a
//! `#,##0.00` format, rates are numbers shown as percents, datetimes are Excel dates, the
//! header row is bold and frozen, and column widths follow the content. Text is always
//! written as text, never as a formula. The workbook's creation date is fixed, so the
//! same tables give the same bytes.

use std::io::Write;

use polars::prelude::*;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use super::{NamedTable, TableWriter, cell_text};
use crate::error::{Error, Result};

pub struct XlsxTable;

impl TableWriter for XlsxTable {
    fn extension(&self) -> &'static str {
        "xlsx"
    }

    fn write(&self, frame: &mut DataFrame, out: &mut dyn Write) -> Result<()> {
        let table = NamedTable::new("data", "data", frame.clone());
        write_workbook(&[&table], out)
    }
}

/// Excel's row limit, header included.
const MAX_ROWS: usize = 1_048_576;

/// Write tables as the sheets of one workbook, in the order given.
pub fn write_workbook(tables: &[&NamedTable], out: &mut dyn Write) -> Result<()> {
    let xl = |e: XlsxError| Error::Usage(format!("Excel output: {e}"));
    let mut book = Workbook::new();
    let epoch = ExcelDateTime::from_ymd(2000, 1, 1).map_err(xl)?;
    book.set_properties(
        &DocProperties::new()
            .set_creation_datetime(&epoch)
            .set_author("crmstat"),
    );
    let formats = Formats::new();
    let mut used: Vec<String> = Vec::new();
    for t in tables {
        if t.frame.height() >= MAX_ROWS {
            return Err(Error::Usage(format!(
                "{}: {} rows do not fit an Excel sheet (at most {}); use --format csv or parquet",
                t.name,
                t.frame.height(),
                MAX_ROWS - 1
            )));
        }
        let sheet = book.add_worksheet();
        sheet.set_name(sheet_name(&t.name, &used)).map_err(xl)?;
        used.push(sheet_name(&t.name, &used));
        fill(sheet, &t.frame, &formats).map_err(xl)?;
    }
    let bytes = book.save_to_buffer().map_err(xl)?;
    out.write_all(&bytes)
        .map_err(|e| Error::io("<output>", "cannot write the workbook", e))
}

/// A valid, unique sheet name (at most 31 characters, none of `[]:*?/\`).
fn sheet_name(name: &str, used: &[String]) -> String {
    let clean: String = name
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .take(31)
        .collect();
    let mut candidate = clean.clone();
    let mut n = 2;
    while used.iter().any(|u| u.eq_ignore_ascii_case(&candidate)) {
        let suffix = format!("_{n}");
        candidate = format!(
            "{}{suffix}",
            clean.chars().take(31 - suffix.len()).collect::<String>()
        );
        n += 1;
    }
    candidate
}

struct Formats {
    header: Format,
    money: Format,
    integer: Format,
    percent: Format,
    datetime: Format,
    date: Format,
}

impl Formats {
    fn new() -> Self {
        Formats {
            header: Format::new().set_bold(),
            money: Format::new().set_num_format("#,##0.00"),
            integer: Format::new().set_num_format("0"),
            percent: Format::new().set_num_format("0.00%"),
            datetime: Format::new().set_num_format("yyyy-mm-dd hh:mm"),
            date: Format::new().set_num_format("yyyy-mm-dd"),
        }
    }
}

/// Excel's limit on the characters of one cell.
const MAX_CELL_CHARS: usize = 32_767;

/// A text that fits one Excel cell: a longer one (a pasted e-mail thread as a loss reason) is
/// cut, and the cell says so and where the whole text is.
fn fit_cell(text: &str) -> std::borrow::Cow<'_, str> {
    let n = text.chars().count();
    if n <= MAX_CELL_CHARS {
        return text.into();
    }
    let mark = format!(
        " … [cut: {n} characters are more than an Excel cell holds; the whole text is in the CSV or Parquet table]"
    );
    let keep = MAX_CELL_CHARS - mark.chars().count();
    let mut out: String = text.chars().take(keep).collect();
    out.push_str(&mark);
    out.into()
}

/// A column that holds a fraction shown as a percent.
fn is_rate(name: &str) -> bool {
    [
        "rate",
        "conversion",
        "compliance",
        "attainment",
        "survival",
        "ci_low",
        "ci_high",
    ]
    .iter()
    .any(|k| name.contains(k))
        && !name.ends_with("_days")
}

fn fill(
    sheet: &mut Worksheet,
    frame: &DataFrame,
    f: &Formats,
) -> std::result::Result<(), XlsxError> {
    for (j, c) in frame.columns().iter().enumerate() {
        let j = j as u16;
        let name = c.name().as_str();
        sheet.write_string_with_format(0, j, name, &f.header)?;
        let rate = is_rate(name);
        // Width from the header and the first rows' text.
        let mut width = name.chars().count();
        for i in 0..frame.height() {
            let row = i as u32 + 1;
            let v = c.get(i).unwrap_or(AnyValue::Null);
            if i < 1000 {
                width = width.max(cell_text(&v).map_or(0, |t| t.chars().count()));
            }
            match &v {
                AnyValue::Null => {}
                AnyValue::Decimal(raw, _, scale) => {
                    let text = crate::money::format_decimal(*raw, *scale);
                    let number: f64 = text.parse().unwrap_or_default();
                    sheet.write_number_with_format(row, j, number, &f.money)?;
                }
                AnyValue::Boolean(b) => {
                    sheet.write_boolean(row, j, *b)?;
                }
                AnyValue::Datetime(ms, TimeUnit::Milliseconds, _) => {
                    let dt = ExcelDateTime::from_timestamp(ms.div_euclid(1000))?;
                    sheet.write_datetime_with_format(row, j, &dt, &f.datetime)?;
                }
                AnyValue::Date(d) => {
                    let dt = ExcelDateTime::from_timestamp(i64::from(*d) * 86_400)?;
                    sheet.write_datetime_with_format(row, j, &dt, &f.date)?;
                }
                AnyValue::Float64(x) if rate => {
                    sheet.write_number_with_format(row, j, *x, &f.percent)?;
                }
                AnyValue::Float64(x) => {
                    sheet.write_number(row, j, *x)?;
                }
                v if v.is_integer() => {
                    let x = v.extract::<i64>().unwrap_or_default() as f64;
                    sheet.write_number_with_format(row, j, x, &f.integer)?;
                }
                v => {
                    let text = cell_text(v).unwrap_or_default();
                    sheet.write_string(row, j, fit_cell(&text).as_ref())?;
                }
            }
        }
        sheet.set_column_width(j, (width.clamp(6, 60) + 2) as f64)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

#[cfg(test)]
mod cell_tests {
    use super::{MAX_CELL_CHARS, fit_cell};

    #[test]
    fn long_text_is_cut_to_excels_limit_and_says_so() {
        let long = "я".repeat(40_000);
        let cut = fit_cell(&long);
        assert_eq!(cut.chars().count(), MAX_CELL_CHARS);
        assert!(cut.ends_with("the whole text is in the CSV or Parquet table]"));
        assert!(cut.contains("[cut: 40000 characters"));
        assert_eq!(fit_cell("short"), "short");
        let exact = "x".repeat(MAX_CELL_CHARS);
        assert_eq!(fit_cell(&exact).chars().count(), MAX_CELL_CHARS);
        assert!(!fit_cell(&exact).contains("[cut"));
    }
}
