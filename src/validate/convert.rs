//! Turning text columns into typed ones. Every value that does not parse becomes a problem
//! for its row; nothing is dropped quietly.

use polars::prelude::*;

use super::Checking;
use crate::config::Config;
use crate::error::{PolarsContext, Result};
use crate::input::values::{parse_date, parse_datetime, parse_money, parse_number};
use crate::input::{RawTable, csv::TRAILING};
use crate::money;
use crate::schema::{Column as Spec, Kind};

/// Type every canonical column of a raw table; collect parse and missing-value problems.
pub fn convert(raw: RawTable, config: &Config) -> Result<Checking> {
    let RawTable {
        spec,
        file,
        frame,
        lines,
        skipped_lines,
        ..
    } = raw;
    let mut checking = Checking::new(spec, file, frame.height(), lines, skipped_lines);
    let zero_missing = config.table(spec.name).zero_amount_is_missing;
    let mut columns: Vec<Column> = Vec::with_capacity(frame.width());
    for c in frame.columns() {
        let name = c.name().as_str();
        if name == TRAILING {
            check_trailing(c, &mut checking)?;
            continue;
        }
        match spec.column(name) {
            Some(def) => {
                let text = c.str().ctx(format!("{}: column {name}", checking.file))?;
                let zero = zero_missing && name == "amount";
                columns.push(typed(
                    text,
                    def,
                    &config.datetime_formats,
                    zero,
                    &mut checking,
                ));
            }
            None => columns.push(c.clone()),
        }
    }
    for def in spec.columns {
        if frame.column(def.name).is_err() {
            columns.push(Column::full_null(
                def.name.into(),
                frame.height(),
                &dtype_of(def.kind),
            ));
        }
    }
    checking.frame = DataFrame::new(frame.height(), columns).ctx(checking.file.clone())?;
    Ok(checking)
}

/// The polars type a canonical column kind is stored as.
pub fn dtype_of(kind: Kind) -> DataType {
    match kind {
        Kind::Datetime => DataType::Datetime(TimeUnit::Milliseconds, None),
        Kind::Date => DataType::Date,
        Kind::Money => money::dtype(),
        Kind::Number => DataType::Float64,
        Kind::Id | Kind::Text | Kind::Status | Kind::Direction => DataType::String,
    }
}

fn check_trailing(c: &Column, checking: &mut Checking) -> Result<()> {
    let text = c.str().ctx("trailing column")?;
    for (pos, v) in text.iter().enumerate() {
        if let Some(v) = v.filter(|v| !v.trim().is_empty()) {
            checking.reject(
                pos,
                "(after the last column)",
                v,
                "value after the last header column",
            );
        }
    }
    Ok(())
}

fn typed(
    text: &StringChunked,
    def: &Spec,
    formats: &[String],
    zero_missing: bool,
    ch: &mut Checking,
) -> Column {
    let name = def.name;
    let values = text
        .iter()
        .map(|v| v.map(str::trim).filter(|v| !v.is_empty()));
    let missing = |pos: usize, ch: &mut Checking| {
        if def.required {
            ch.reject(pos, name, "", "required value is missing");
        }
    };
    match def.kind {
        Kind::Id | Kind::Text => {
            let out: StringChunked = values
                .enumerate()
                .map(|(pos, v)| {
                    if v.is_none() {
                        missing(pos, ch);
                    }
                    v
                })
                .collect();
            out.with_name(name.into()).into_column()
        }
        Kind::Status | Kind::Direction => {
            let allowed: &[&str] = if def.kind == Kind::Status {
                &["open", "won", "lost"]
            } else {
                &["in", "out"]
            };
            let out: StringChunked = values
                .enumerate()
                .map(|(pos, v)| {
                    let v = v?;
                    let lower = v.to_lowercase();
                    if allowed.contains(&lower.as_str()) {
                        Some(lower)
                    } else {
                        ch.reject(
                            pos,
                            name,
                            v,
                            &format!("must be one of {}", allowed.join(", ")),
                        );
                        None
                    }
                })
                .collect();
            out.with_name(name.into()).into_column()
        }
        Kind::Datetime => {
            let out: Int64Chunked = values
                .enumerate()
                .map(|(pos, v)| match v {
                    None => {
                        missing(pos, ch);
                        None
                    }
                    Some(v) => match parse_datetime(v, formats) {
                        Some(dt) => Some(dt.and_utc().timestamp_millis()),
                        None => {
                            ch.reject(pos, name, v, "cannot parse as a date/time");
                            None
                        }
                    },
                })
                .collect();
            out.with_name(name.into())
                .into_datetime(TimeUnit::Milliseconds, None)
                .into_column()
        }
        Kind::Date => {
            let epoch = chrono::NaiveDate::default();
            let out: Int32Chunked = values
                .enumerate()
                .map(|(pos, v)| match v {
                    None => {
                        missing(pos, ch);
                        None
                    }
                    Some(v) => match parse_date(v, formats) {
                        Some(d) => i32::try_from((d - epoch).num_days()).ok(),
                        None => {
                            ch.reject(pos, name, v, "cannot parse as a date");
                            None
                        }
                    },
                })
                .collect();
            out.with_name(name.into()).into_date().into_column()
        }
        Kind::Money => {
            let minor: Vec<Option<i64>> = values
                .enumerate()
                .map(|(pos, v)| match v {
                    None => {
                        missing(pos, ch);
                        None
                    }
                    Some(v) => match parse_money(v) {
                        Ok(0) if zero_missing => None,
                        Ok(m) => Some(m),
                        Err(e) => {
                            ch.reject(pos, name, v, &e.to_string());
                            None
                        }
                    },
                })
                .collect();
            money::column(name, minor)
        }
        Kind::Number => {
            let out: Float64Chunked = values
                .enumerate()
                .map(|(pos, v)| match v {
                    None => {
                        missing(pos, ch);
                        None
                    }
                    Some(v) => {
                        let n = parse_number(v);
                        if n.is_none() {
                            ch.reject(pos, name, v, "not a number");
                        }
                        n
                    }
                })
                .collect();
            out.with_name(name.into()).into_column()
        }
    }
}
