//! Markdown tables: what commands print without `--out`, and `--format markdown` files.
//! Numbers are right-aligned; empty cells stay empty.

use std::io::Write;

use polars::prelude::*;

use super::{TableWriter, cell_text};
use crate::error::{Error, Result};

pub struct MarkdownTable;

impl TableWriter for MarkdownTable {
    fn extension(&self) -> &'static str {
        "md"
    }

    fn write(&self, frame: &mut DataFrame, out: &mut dyn Write) -> Result<()> {
        out.write_all(markdown_table(frame).as_bytes())
            .map_err(|e| Error::io("<output>", "cannot write Markdown", e))
    }
}

/// Render a table as GitHub-flavoured Markdown.
pub fn markdown_table(frame: &DataFrame) -> String {
    let columns = frame.columns();
    if columns.is_empty() {
        return "(no columns)\n".into();
    }
    let numeric: Vec<bool> = columns
        .iter()
        .map(|c| c.dtype().is_primitive_numeric() || c.dtype().is_decimal())
        .collect();
    let mut cells: Vec<Vec<String>> = vec![columns.iter().map(|c| c.name().to_string()).collect()];
    for i in 0..frame.height() {
        cells.push(
            columns
                .iter()
                .map(|c| {
                    let v = c.get(i).unwrap_or(AnyValue::Null);
                    // For people: fractions to 4 places (files keep full precision).
                    let v = match v {
                        AnyValue::Float64(f) => AnyValue::Float64(crate::metrics::round_to(f, 4)),
                        other => other,
                    };
                    cell_text(&v)
                        .unwrap_or_default()
                        .replace('|', "\\|")
                        .replace('\n', " ")
                })
                .collect(),
        );
    }
    let widths: Vec<usize> = (0..columns.len())
        .map(|j| {
            cells
                .iter()
                .map(|r| r[j].chars().count())
                .max()
                .unwrap_or(0)
                .max(3)
        })
        .collect();
    let mut out = String::new();
    for (i, row) in cells.iter().enumerate() {
        out.push('|');
        for (j, cell) in row.iter().enumerate() {
            let pad = widths[j] - cell.chars().count();
            if numeric[j] && i > 0 {
                out.push_str(&format!(" {}{} |", " ".repeat(pad), cell));
            } else {
                out.push_str(&format!(" {}{} |", cell, " ".repeat(pad)));
            }
        }
        out.push('\n');
        if i == 0 {
            out.push('|');
            for (j, w) in widths.iter().enumerate() {
                let dashes = "-".repeat(*w);
                out.push_str(&if numeric[j] {
                    format!(" {}: |", &dashes[1..])
                } else {
                    format!(" {dashes} |")
                });
            }
            out.push('\n');
        }
    }
    if frame.height() == 0 {
        out.push_str("\n(no rows)\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_right_money_exact_empty_cells_empty() {
        let df = DataFrame::new(
            2,
            vec![
                Column::new("stage".into(), ["Первичный звонок", "Won"]),
                Column::new("rate".into(), [Some(0.25), None]),
                crate::money::column("amount", [Some(123450), Some(5)]),
            ],
        )
        .unwrap();
        let md = markdown_table(&df);
        let expected = "\
| stage            | rate | amount  |
| ---------------- | ---: | ------: |
| Первичный звонок | 0.25 | 1234.50 |
| Won              |      |    0.05 |
";
        assert_eq!(md, expected);
    }
}
