//! Cells in the reader's language: the locale, how a column is formatted, and the curated
//! view of a table.

use polars::prelude::*;

use super::*;
use crate::error::{PolarsContext, Result};
use crate::i18n::{self, Lang, pick, tr};
use html::Table;

/// Language and currency symbol of the report.
#[derive(Clone)]
pub struct Locale {
    pub lang: Lang,
    pub symbol: String,
}

impl Locale {
    pub(super) fn money(&self, minor: i128) -> String {
        i18n::money(minor, &self.symbol, self.lang)
    }
    pub(super) fn int(&self, v: i64) -> String {
        i18n::number(v as f64, 0, self.lang)
    }
    pub(super) fn pct(&self, v: f64) -> String {
        i18n::percent(v, self.lang)
    }
}

/// How a column's cells are written.
#[derive(Clone, Copy)]
pub enum Fmt {
    Text,
    /// A word the report translates (verdicts, actions, outcomes, segments).
    Word,
    Int,
    Money,
    Percent,
    /// A number with one decimal.
    Num1,
    /// A count: whole, or with one decimal when it is a fraction (linear attribution).
    Count,
    /// A date (the day of a datetime).
    Date,
    /// Money summed over part of the rows it stands for: `(k of n deals)` follows the amount
    /// when the first column (rows with an amount) is below the second (all rows).
    MoneyOf(&'static str, &'static str),
}

/// A column shown on the page: its name in the table, its label (English key), format.
pub struct Col(pub &'static str, pub &'static str, pub Fmt);

/// The curated view of a table: the listed columns that exist, in the reader's language.
pub fn table(
    frame: &DataFrame,
    caption: &str,
    cols: &[Col],
    loc: &Locale,
    limit: Option<usize>,
) -> Result<Table> {
    let cols: Vec<&Col> = cols.iter().filter(|c| frame.column(c.0).is_ok()).collect();
    let n = limit.map_or(frame.height(), |l| l.min(frame.height()));
    let columns: Vec<Vec<String>> = cols
        .iter()
        .map(|c| cells(frame, c, loc, n))
        .collect::<Result<_>>()?;
    let rows = (0..n)
        .map(|i| columns.iter().map(|c| c[i].clone()).collect())
        .collect();
    let footer = (n < frame.height()).then(|| {
        pick(
            loc.lang,
            format!(
                "First {} of {} rows; all of them are in tables/ (CSV).",
                loc.int(n as i64),
                loc.int(frame.height() as i64)
            ),
            format!(
                "Первые {} из {} строк; все — в папке tables/ (CSV).",
                loc.int(n as i64),
                loc.int(frame.height() as i64)
            ),
        )
    });
    Ok(Table {
        caption: caption.to_string(),
        head: cols.iter().map(|c| tr(loc.lang, c.1)).collect(),
        numeric: cols
            .iter()
            .map(|c| !matches!(c.2, Fmt::Text | Fmt::Word | Fmt::Date))
            .collect(),
        rows,
        footer,
    })
}

/// The first `n` cells of a column as the page shows them, in the column's format.
fn cells(frame: &DataFrame, c: &Col, loc: &Locale, n: usize) -> Result<Vec<String>> {
    let column = frame.column(c.0).ctx(c.0)?;
    Ok(match c.2 {
        Fmt::Money => crate::money::minor_units(column)?
            .into_iter()
            .take(n)
            .map(|v| v.map(|m| loc.money(m)).unwrap_or_default())
            .collect(),
        Fmt::MoneyOf(known, all) => {
            let counts = |name: &str| -> Result<Vec<Option<f64>>> {
                match frame.column(name) {
                    Ok(_) => crate::metrics::floats(frame, name),
                    Err(_) => Ok(vec![None; frame.height()]),
                }
            };
            let (known, all) = (counts(known)?, counts(all)?);
            crate::money::minor_units(column)?
                .into_iter()
                .take(n)
                .enumerate()
                .map(|(i, v)| match (v, known[i], all[i]) {
                    (None, ..) => String::new(),
                    (Some(m), Some(k), Some(a))
                        if k < a && k.fract() == 0.0 && a.fract() == 0.0 =>
                    {
                        format!(
                            "{} ({})",
                            loc.money(m),
                            pick(
                                loc.lang,
                                format!(
                                    "{} of {}",
                                    i18n::number(k, 0, loc.lang),
                                    i18n::number(a, 0, loc.lang)
                                ),
                                format!(
                                    "{} из {}",
                                    i18n::number(k, 0, loc.lang),
                                    i18n::number(a, 0, loc.lang)
                                ),
                            )
                        )
                    }
                    (Some(m), ..) => loc.money(m),
                })
                .collect()
        }
        Fmt::Int | Fmt::Percent | Fmt::Num1 | Fmt::Count => crate::metrics::floats(frame, c.0)?
            .into_iter()
            .take(n)
            .map(|v| match (v, c.2) {
                (None, _) => String::new(),
                (Some(v), Fmt::Int) => i18n::number(v, 0, loc.lang),
                (Some(v), Fmt::Percent) => loc.pct(v),
                (Some(v), Fmt::Count) if v.fract() == 0.0 => i18n::number(v, 0, loc.lang),
                (Some(v), _) => i18n::number(v, 1, loc.lang),
            })
            .collect(),
        Fmt::Text | Fmt::Word | Fmt::Date => (0..n)
            .map(|i| {
                let v = column.get(i).unwrap_or(AnyValue::Null);
                let text = crate::output::cell_text(&v).unwrap_or_default();
                match c.2 {
                    Fmt::Word => tr(loc.lang, &text),
                    Fmt::Date => text.chars().take(10).collect(),
                    _ => text,
                }
            })
            .collect(),
    })
}
