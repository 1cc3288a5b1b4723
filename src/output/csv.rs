//! CSV output: UTF-8, comma-separated, a header line; money with two places.
//! Text cells that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`,
//! tab or carriage return) are written with a leading `'`, so opening a table in Excel can
//! never execute what a CRM user typed into a field (CSV injection).

use std::io::Write;

use polars::prelude::*;

use super::TableWriter;
use crate::error::{PolarsContext, Result};

pub struct CsvTable;

impl TableWriter for CsvTable {
    fn extension(&self) -> &'static str {
        "csv"
    }

    fn write(&self, frame: &mut DataFrame, out: &mut dyn Write) -> Result<()> {
        let mut safe = guard_formulas(frame)?;
        CsvWriter::new(out)
            .include_header(true)
            .with_datetime_format(Some("%Y-%m-%d %H:%M:%S".into()))
            .finish(&mut safe)
            .ctx("writing CSV")
    }
}

/// Characters that make a spreadsheet treat a cell as a formula.
const FORMULA_START: [&str; 6] = ["=", "+", "-", "@", "\t", "\r"];

/// The frame with every text cell that starts like a formula prefixed with `'`.
pub fn guard_formulas(frame: &DataFrame) -> Result<DataFrame> {
    let text: Vec<String> = frame
        .columns()
        .iter()
        .filter(|c| c.dtype() == &DataType::String)
        .map(|c| c.name().to_string())
        .collect();
    if text.is_empty() {
        return Ok(frame.clone());
    }
    let guarded: Vec<Expr> = text
        .iter()
        .map(|name| {
            let c = col(name.as_str());
            let risky = FORMULA_START
                .iter()
                .map(|s| c.clone().str().starts_with(lit(*s)))
                .reduce(|a, b| a.or(b))
                .unwrap_or(lit(false));
            when(risky)
                .then(concat_str([lit("'"), c.clone()], "", false))
                .otherwise(c)
                .alias(name.as_str())
        })
        .collect();
    frame
        .clone()
        .lazy()
        .with_columns(guarded)
        .collect()
        .ctx("guarding CSV cells")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_like_text_is_escaped_and_numbers_are_not() {
        let mut df = df!(
            "reason" => [Some("=HYPERLINK(\"x\")"), Some("+7 999"), Some("-"), Some("@a"), Some("ok"), None],
            "amount" => [-1i64, 2, 3, 4, 5, 6],
        )
        .unwrap();
        let mut out = Vec::new();
        CsvTable.write(&mut df, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "reason,amount\n\"'=HYPERLINK(\"\"x\"\")\",-1\n'+7 999,2\n'-,3\n'@a,4\nok,5\n,6\n"
        );
    }
}
