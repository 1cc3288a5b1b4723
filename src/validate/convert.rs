//! Typing canonical columns inside the scan. Text values are parsed by crmstat's own rules
//! (`input::values`) in a function the streaming engine runs on each part of the file in
//! parallel; Parquet and Arrow columns that already have the type are cast, not parsed.
//! A value that does not parse becomes empty here; [`failure`] says why, for the rows the
//! check finds empty with a text beside them.

use std::sync::Arc;

use chrono::Datelike;
use polars::prelude::*;

use crate::dates::{parse_date, parse_datetime};
use crate::input::values::parse_number;
use crate::money;
use crate::money::parse_money;
use crate::schema::{Column as Spec, Kind};

/// The polars type a canonical column kind is stored as.
pub fn dtype_of(kind: Kind) -> DataType {
    match kind {
        Kind::Datetime => DataType::Datetime(TimeUnit::Milliseconds, None),
        Kind::Date | Kind::Month => DataType::Date,
        Kind::Money => money::dtype(),
        Kind::Number => DataType::Float64,
        Kind::Id | Kind::Text | Kind::Status | Kind::Direction => DataType::String,
    }
}

/// How values are read: extra datetime formats, and whether an amount of 0 is "not recorded".
#[derive(Clone)]
pub struct Rules {
    pub formats: Arc<Vec<String>>,
    pub zero_missing: bool,
    /// The plausible years of a date, inclusive.
    pub years: (i32, i32),
    /// The company's currency as a code, when the config names it: a deal in another one
    /// is rejected, since amounts in different currencies are never added. Without it the
    /// first currency the deals name is the company's.
    pub currency: Option<String>,
    /// The owner of an open deal the export leaves without one (`[import]
    /// default_manager`): it counts for the company and under this id per manager.
    pub default_manager: String,
}

/// A currency as a code: `₽`, `руб.`, `RUR` → `RUB`; `$` → `USD`; `€` → `EUR`; any other
/// text upper-cased.
pub fn currency_code(text: &str) -> String {
    let t = text.trim().trim_end_matches('.').to_uppercase();
    match t.as_str() {
        "₽" | "РУБ" | "RUR" | "Р" | "РУБЛЬ" | "РУБЛИ" => "RUB".into(),
        "$" | "US$" => "USD".into(),
        "€" => "EUR".into(),
        "£" => "GBP".into(),
        "₸" | "ТЕНГЕ" => "KZT".into(),
        // Names as CRMs write them: «Российский рубль», «Доллар США», «Евро».
        _ if t.contains("РУБЛ") || t.contains("RUBLE") || t.contains("ROUBLE") => "RUB".into(),
        _ if t.contains("ДОЛЛАР США") || t.contains("US DOLLAR") => "USD".into(),
        _ if t.contains("ЕВРО") || t == "EURO" => "EUR".into(),
        _ => t,
    }
}

impl Rules {
    pub(crate) fn plausible(&self, year: i32) -> bool {
        (self.years.0..=self.years.1).contains(&year)
    }
}

/// The allowed values of a status or direction column.
pub fn allowed(kind: Kind) -> &'static [&'static str] {
    if kind == Kind::Status {
        &["open", "won", "lost"]
    } else {
        &["in", "out"]
    }
}

/// The typed value of canonical column `def`, from a column of type `from`.
pub fn typed(def: &Spec, from: &DataType, rules: &Rules) -> Expr {
    let name = def.name;
    let c = col(name);
    let target = dtype_of(def.kind);
    match (def.kind, from) {
        (_, DataType::String) => text_to(def.kind, rules.clone(), c),
        (Kind::Datetime, DataType::Datetime(_, None) | DataType::Date) => {
            plausible(c.cast(target.clone()), &target, rules)
        }
        (Kind::Date, DataType::Date) => plausible(c, &DataType::Date, rules),
        // A month given as a date is its month (its first day).
        (Kind::Month, DataType::Date | DataType::Datetime(_, None)) => text_to(
            def.kind,
            rules.clone(),
            c.cast(DataType::Date).cast(DataType::String),
        ),
        (Kind::Date, DataType::Datetime(_, None)) => {
            plausible(c.cast(DataType::Date), &DataType::Date, rules)
        }
        (Kind::Money, DataType::Decimal(_, s)) if *s <= money::SCALE => {
            if rules.zero_missing {
                let m = c.cast(target.clone());
                when(m.clone().eq(lit(0).cast(target.clone())))
                    .then(lit(NULL).cast(target))
                    .otherwise(m)
            } else {
                c.cast(target)
            }
        }
        (Kind::Id | Kind::Text, dt) if dt.is_integer() => c.cast(DataType::String),
        (Kind::Number, dt) if dt.is_integer() || *dt == DataType::Float64 => {
            c.cast(DataType::Float64)
        }
        // Anything else is read through its text, like a CSV value (a float amount, a
        // decimal with more places, a time zone): the same rules, the same messages.
        _ => text_to(def.kind, rules.clone(), c.cast(DataType::String)),
    }
}

/// A typed date or datetime (of `dtype`), empty where its year is outside the plausible
/// years. Compared with the first moments of the first and the next-to-last year, not
/// through `dt().year()` (a calendar conversion of every value of 10M contacts).
fn plausible(e: Expr, dtype: &DataType, rules: &Rules) -> Expr {
    let first_day =
        |year: i32| chrono::NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(chrono::NaiveDate::MAX);
    let bound = |year: i32| -> Expr {
        let day = first_day(year);
        match dtype {
            DataType::Date => {
                let days = (day - chrono::NaiveDate::default()).num_days();
                lit(days as i32).cast(DataType::Date)
            }
            _ => lit(day
                .and_time(chrono::NaiveTime::MIN)
                .and_utc()
                .timestamp_millis())
            .cast(dtype.clone()),
        }
    };
    let (low, high) = (bound(rules.years.0), bound(rules.years.1.saturating_add(1)));
    when(e.clone().lt(low).or(e.clone().gt_eq(high)))
        .then(lit(NULL))
        .otherwise(e)
}

/// The column as it was read, kept beside the typed one for messages. A typed source
/// (a Parquet date, a number) stays typed: the pass turns a value into text only where it
/// reports it (casting every date of 10M contacts to text took a fifth of a report).
pub fn text(def: &Spec) -> Expr {
    col(def.name)
}

fn output(kind: Kind) -> impl Fn(&Schema, &Field) -> PolarsResult<Field> + Send + Sync {
    let dtype = dtype_of(kind);
    move |_, f| Ok(Field::new(f.name().clone(), dtype.clone()))
}

/// A value that trimming leaves as it is, and not empty.
fn is_trimmed(v: &str) -> bool {
    let b = v.as_bytes();
    match (b.first(), b.last()) {
        (Some(f), Some(l)) => ![*f, *l]
            .iter()
            .any(|c| !c.is_ascii() || c.is_ascii_whitespace() || *c == 0x0B),
        _ => false,
    }
}

fn trimmed(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|v| !v.is_empty())
}

/// Parse text by the rules of `kind`.
fn text_to(kind: Kind, rules: Rules, e: Expr) -> Expr {
    e.map(
        move |c: Column| {
            let s = c.str()?.clone();
            let name = c.name().clone();
            let values = s.iter().map(trimmed);
            let out: Column = match kind {
                // Most ids need no trimming: then the column is used as it is, uncopied.
                Kind::Id | Kind::Text if s.iter().all(|v| v.is_none_or(is_trimmed)) => {
                    return Ok(c);
                }
                Kind::Id | Kind::Text => {
                    let ca: StringChunked = values.collect();
                    ca.into_column()
                }
                Kind::Status | Kind::Direction => {
                    let ok = allowed(kind);
                    let ca: StringChunked = values
                        .map(|v| {
                            let lower = v?.to_lowercase();
                            ok.contains(&lower.as_str()).then_some(lower)
                        })
                        .collect();
                    ca.into_column()
                }
                Kind::Datetime => {
                    let ca: Int64Chunked = values
                        .map(|v| {
                            parse_datetime(v?, &rules.formats)
                                .filter(|dt| rules.plausible(dt.year()))
                                .map(|dt| dt.and_utc().timestamp_millis())
                        })
                        .collect();
                    ca.into_datetime(TimeUnit::Milliseconds, None).into_column()
                }
                Kind::Date => {
                    let epoch = chrono::NaiveDate::default();
                    let ca: Int32Chunked = values
                        .map(|v| {
                            let d = parse_date(v?, &rules.formats)
                                .filter(|d| rules.plausible(d.year()))?;
                            i32::try_from((d - epoch).num_days()).ok()
                        })
                        .collect();
                    ca.into_date().into_column()
                }
                Kind::Month => {
                    let epoch = chrono::NaiveDate::default();
                    let ca: Int32Chunked = values
                        .map(|v| {
                            let d = parse_month(v?).filter(|d| rules.plausible(d.year()))?;
                            i32::try_from((d - epoch).num_days()).ok()
                        })
                        .collect();
                    ca.into_date().into_column()
                }
                Kind::Money => {
                    let zero = rules.zero_missing;
                    money::column(
                        "",
                        values.map(|v| match parse_money(v?) {
                            Ok(0) if zero => None,
                            Ok(m) => Some(m),
                            Err(_) => None,
                        }),
                    )
                }
                Kind::Number => {
                    let ca: Float64Chunked = values.map(|v| parse_number(v?)).collect();
                    ca.into_column()
                }
            };
            Ok(out.with_name(name))
        },
        output(kind),
    )
}

/// Why a present value did not become a typed one; `None` when that is no problem (an
/// amount of 0 read as not recorded).
pub fn failure(def: &Spec, value: &str, rules: &Rules) -> Option<String> {
    Some(match def.kind {
        Kind::Id | Kind::Text => return None,
        Kind::Status | Kind::Direction => {
            format!("must be one of {}", allowed(def.kind).join(", "))
        }
        Kind::Datetime | Kind::Date => match parse_datetime(value, &rules.formats) {
            Some(d) if !rules.plausible(d.year()) => format!(
                "the year {} is outside the plausible years {}–{} (a placeholder?); [input] years = [{}, {}] in crmstat.toml widens them",
                d.year(),
                rules.years.0,
                rules.years.1,
                rules.years.0.min(d.year()),
                rules.years.1.max(d.year())
            ),
            _ if def.kind == Kind::Date => "cannot parse as a date".into(),
            _ => "cannot parse as a date/time".into(),
        },
        Kind::Money => match parse_money(value) {
            Ok(0) if rules.zero_missing => return None,
            Ok(_) => return None,
            Err(e) => e.to_string(),
        },
        Kind::Number => "not a number".into(),
        Kind::Month => match parse_month(value) {
            Some(d) if !rules.plausible(d.year()) => format!(
                "the year {} is outside the plausible years {}–{}",
                d.year(),
                rules.years.0,
                rules.years.1
            ),
            _ => "not a month (use 2024-03, or 03.2024)".into(),
        },
    })
}

/// A month as `2024-03`, `2024-3`, `03.2024` or `2024-03-01` (any day: its month).
pub fn parse_month(v: &str) -> Option<chrono::NaiveDate> {
    let v = v.trim();
    let ym = |y: &str, m: &str| -> Option<chrono::NaiveDate> {
        let (y, m) = (y.parse::<i32>().ok()?, m.parse::<u32>().ok()?);
        (y >= 1000).then_some(())?;
        chrono::NaiveDate::from_ymd_opt(y, m, 1)
    };
    if let Some((y, m)) = v.split_once('-') {
        if !m.contains('-') {
            return ym(y, m);
        }
    }
    if let Some((m, y)) = v.split_once('.') {
        if !y.contains('.') {
            return ym(y, m);
        }
    }
    parse_date(v, &[]).and_then(|d| chrono::NaiveDate::from_ymd_opt(d.year(), d.month(), 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plausible years' edges on typed values: the first moment of the first year and
    /// the last of the last are kept, a millisecond either side is not; dates likewise.
    #[test]
    fn typed_values_at_the_edges_of_the_plausible_years() {
        let rules = Rules {
            formats: Arc::new(Vec::new()),
            zero_missing: false,
            years: (2000, 2030),
            currency: None,
            default_manager: String::new(),
        };
        let ms = |y, m, d, h, mi, s, milli| {
            chrono::NaiveDate::from_ymd_opt(y, m, d)
                .unwrap()
                .and_hms_milli_opt(h, mi, s, milli)
                .unwrap()
                .and_utc()
                .timestamp_millis()
        };
        let values = [
            ms(1999, 12, 31, 23, 59, 59, 999),
            ms(2000, 1, 1, 0, 0, 0, 0),
            ms(2030, 12, 31, 23, 59, 59, 999),
            ms(2031, 1, 1, 0, 0, 0, 0),
        ];
        let at = Int64Chunked::from_slice("at".into(), &values)
            .into_datetime(TimeUnit::Milliseconds, None)
            .into_column();
        // Which of the four values the typed column keeps, read as `kind`.
        let kept = |column: Column, kind: Kind| -> Vec<bool> {
            let def = Spec {
                name: "at",
                kind,
                required: false,
            };
            let dtype = column.dtype().clone();
            DataFrame::new(4, vec![column])
                .unwrap()
                .lazy()
                .select([typed(&def, &dtype, &rules).alias("at")])
                .collect()
                .unwrap()
                .column("at")
                .unwrap()
                .is_not_null()
                .iter()
                .map(|v| v == Some(true))
                .collect()
        };
        assert_eq!(kept(at.clone(), Kind::Datetime), [false, true, true, false]);
        // As dates: 1999-12-31 out, 2000-01-01 and 2030-12-31 in, 2031-01-01 out.
        let dates = at.cast(&DataType::Date).unwrap();
        assert_eq!(kept(dates, Kind::Date), [false, true, true, false]);
    }
}
