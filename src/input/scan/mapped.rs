//! A table's scan under canonical names: the export's headers mapped onto the canonical
//! columns, a joined second file, `[tables.<table>.defaults]` and the deals' status from
//! the export's words.

use polars::prelude::*;

use std::sync::Arc;

use super::*;
use crate::config::StatusFrom;
use crate::error::{Error, PolarsContext, Result};

impl TableSource {
    /// `[tables.<table>.defaults]` and `[tables.deals.status_from]` applied to the scan:
    /// a default fills a column the file lacks or the rows that leave it empty (a flag
    /// column `__default_<column>` marks those rows, for the load report); the status is
    /// derived from the export's words and columns.
    pub(super) fn with_config(&self, mut lf: LazyFrame) -> Result<LazyFrame> {
        let Some(tc) = &self.table_config else {
            return Ok(lf);
        };
        if let Some(j) = &self.joined {
            lf = self.joined_onto(lf, j)?;
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
            lf = lf.with_column(self.status_from(sf, has)?.alias("status"));
        }
        Ok(lf)
    }

    /// The joined second file on the scan: a left join keeping the main file's order
    /// (record numbers stay in order); the joined file's value wins where it has one.
    fn joined_onto(&self, lf: LazyFrame, j: &Joined) -> Result<LazyFrame> {
        let main = lf
            .clone()
            .collect_schema()
            .ctx(format!("{}: reading the columns", self.file))?;
        let right = j.frame.clone().lazy();
        let mut args = JoinArgs::new(JoinType::Left).with_suffix(Some(JOINED_SUFFIX.into()));
        args.maintain_order = MaintainOrderJoin::Left;
        let lf = lf.join(
            right,
            [col(j.key.as_str()).cast(DataType::String)],
            [col(j.key.as_str())],
            args,
        );
        let exprs: Vec<Expr> = j
            .columns
            .iter()
            .filter(|c| **c != j.key && main.get(c.as_str()).is_some())
            .map(|c| {
                let joined = format!("{c}{JOINED_SUFFIX}");
                coalesce(&[col(joined.as_str()), col(c.as_str()).cast(DataType::String)])
                    .alias(c.as_str())
            })
            .collect();
        Ok(if exprs.is_empty() {
            lf
        } else {
            lf.with_columns(exprs)
        })
    }

    /// The deals' status from `[tables.deals.status_from]`: the export's words mapped
    /// (`values`), else won or lost where `won_when` or `lost_when` has a value, else open.
    /// `has` tells whether the scan has a column (from the file or a default).
    fn status_from(&self, sf: &StatusFrom, has: impl Fn(&str) -> bool) -> Result<Expr> {
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
        Ok(match derived {
            Some(d) => coalesce(&[mapped, d, lit("open")]),
            None => mapped,
        })
    }

    /// The CSV as text columns under its own header names (the header line skipped),
    /// blank lines left out.
    fn scan_csv(
        &self,
        path: &std::path::Path,
        delimiter: u8,
        names: &[String],
    ) -> Result<LazyFrame> {
        let file = &self.file;
        let schema: Schema = names
            .iter()
            .map(|n| Field::new(n.as_str().into(), DataType::String))
            .collect();
        let lf = LazyCsvReader::new(pl_path(path)?)
            .with_has_header(false)
            .with_skip_rows(1)
            .with_schema(Some(Arc::new(schema)))
            .with_separator(delimiter)
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
        Ok(lf.filter(any))
    }

    /// The file's columns under their canonical names (the export's extras after them).
    pub(super) fn scan_mapped(&self) -> Result<LazyFrame> {
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
            } => self.scan_csv(path, *delimiter, names)?,
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
}
