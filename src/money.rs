//! Money in tables: an exact `Decimal(38, 2)` column, built from whole minor units
//! (kopecks, cents). Sums stay decimal in polars; no amount is ever summed as a float.

use polars::prelude::*;

/// Decimal places of every money column.
pub const SCALE: usize = 2;
/// Precision of every money column.
pub const PRECISION: usize = 38;

/// The dtype of money columns.
pub fn dtype() -> DataType {
    DataType::Decimal(PRECISION, SCALE)
}

/// A money column from minor units.
pub fn column<T: Into<i128>>(name: &str, minor: impl IntoIterator<Item = Option<T>>) -> Column {
    let ca: Int128Chunked = minor.into_iter().map(|v| v.map(Into::into)).collect();
    ca.with_name(name.into())
        .into_decimal_unchecked(PRECISION, SCALE)
        .into_series()
        .into_column()
}

/// The values of a money column in minor units (any decimal scale is brought to 2 places;
/// integer columns are taken as whole units).
pub fn minor_units(c: &Column) -> crate::Result<Vec<Option<i128>>> {
    use crate::error::PolarsContext;
    let name = c.name().to_string();
    let c = c.cast(&dtype()).ctx(format!("{name} as money"))?;
    let phys = c.to_physical_repr();
    Ok(phys
        .i128()
        .ctx(format!("{name} as money"))?
        .iter()
        .collect())
}

/// A money column's value in minor units, as an Int64 expression (exact: the decimal's
/// physical integer at scale 2; one amount always fits, `parse_money` refuses larger). Never
/// `.sum()` it: add minor units with [`sum_minor`].
pub fn minor_expr(c: &str) -> Expr {
    col(c).cast(dtype()).to_physical().cast(DataType::Int64)
}

/// The exact sum of an integer minor-unit expression: added as a `Decimal(38, 0)` (an i128),
/// so two amounts that each fit an i64 never wrap; empty (not 0) when no value is known. Read
/// the result with [`minors`].
pub fn sum_minor(e: Expr) -> Expr {
    let minor = DataType::Decimal(PRECISION, 0);
    when(e.clone().count().gt(lit(0)))
        .then(e.cast(minor.clone()).sum())
        .otherwise(lit(NULL).cast(minor))
}

/// The values of a minor-unit column (an integer, or a `Decimal(_, 0)` from [`sum_minor`]) as
/// i128, exactly.
pub fn minors(c: &Column) -> crate::Result<Vec<Option<i128>>> {
    use crate::error::PolarsContext;
    let name = c.name().to_string();
    let c = c
        .cast(&DataType::Decimal(PRECISION, 0))
        .ctx(format!("{name} in minor units"))?;
    Ok(c.to_physical_repr()
        .i128()
        .ctx(format!("{name} in minor units"))?
        .iter()
        .collect())
}

/// Divide `value` by `by` (> 0), rounding halves away from zero or to even.
pub fn div_round(value: i128, by: i128, half_even: bool) -> i128 {
    let q = value.div_euclid(by);
    let r = value.rem_euclid(by);
    // value = q·by + r with 0 ≤ r < by; compare the remainder with half of `by`.
    match (2 * r).cmp(&by) {
        std::cmp::Ordering::Less => q,
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Equal => {
            if half_even {
                if q % 2 == 0 { q } else { q + 1 }
            } else if value >= 0 {
                q + 1
            } else {
                q
            }
        }
    }
}

/// Format a decimal's raw value with its scale: (123450, 2) → `1234.50`.
pub fn format_decimal(value: i128, scale: usize) -> String {
    if scale == 0 {
        return value.to_string();
    }
    let sign = if value < 0 { "-" } else { "" };
    let abs = value.unsigned_abs();
    let div = 10u128.pow(scale as u32);
    format!("{sign}{}.{:0width$}", abs / div, abs % div, width = scale)
}

// Money as text: parsing as exports write it, and formatting as crmstat writes it.

/// Why a money value was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoneyError {
    NotANumber,
    TooManyDecimals,
    TooLarge,
}

impl std::fmt::Display for MoneyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            MoneyError::NotANumber => "not a money amount",
            MoneyError::TooManyDecimals => "money has more than 2 decimal places",
            MoneyError::TooLarge => "money amount too large",
        })
    }
}

/// Parse money to whole minor units (kopecks, cents) exactly: `1234.50`, `1 234,50`,
/// `1234,5`, `-15`, `1,234.50`, `1.234,50`, `1'234.50`. With both `.` and `,` the last one
/// is the decimal mark; a single `,` or `.` is a decimal mark; repeated ones group
/// thousands. Spaces (also non-breaking), apostrophes, and the `.`/`,` that is not the
/// decimal mark group thousands only as written by people: a first group of 1–3 digits,
/// then groups of exactly 3, one kind of separator throughout (`1.2.3`, `12,34,56`,
/// `1 2`, `,,5` are refused). More than two decimals are refused unless the extra digits
/// are zeros (`12.5000`).
pub fn parse_money(text: &str) -> Result<i64, MoneyError> {
    let s = text.trim();
    let (negative, rest) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let rest = rest.trim_start();
    let (whole, frac) = split_decimal(rest);
    let whole = ungrouped(whole).ok_or(MoneyError::NotANumber)?;
    if whole.is_empty() && frac.is_empty() {
        return Err(MoneyError::NotANumber);
    }
    if !frac.bytes().all(|c| c.is_ascii_digit()) {
        return Err(MoneyError::NotANumber);
    }
    if frac.len() > 2 && frac[2..].bytes().any(|c| c != b'0') {
        return Err(MoneyError::TooManyDecimals);
    }
    let mut minor: i64 = 0;
    let frac2 = frac.bytes().chain(std::iter::repeat(b'0')).take(2);
    for c in whole.bytes().chain(frac2) {
        minor = minor
            .checked_mul(10)
            .and_then(|m| m.checked_add(i64::from(c - b'0')))
            .ok_or(MoneyError::TooLarge)?;
    }
    Ok(if negative { -minor } else { minor })
}

/// Split at the decimal mark: the last of `.` and `,` when both appear, else a `.` or `,`
/// that appears once.
fn split_decimal(s: &str) -> (&str, &str) {
    let dots = s.matches('.').count();
    let commas = s.matches(',').count();
    let decimal_at = match (s.rfind('.'), s.rfind(',')) {
        (Some(d), Some(c)) => Some(d.max(c)),
        (Some(d), None) if dots == 1 => Some(d),
        (None, Some(c)) if commas == 1 => Some(c),
        _ => None,
    };
    match decimal_at {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    }
}

/// The digits of a whole part written with or without thousands separators; `None` when
/// it is not digits grouped by threes with one kind of separator.
fn ungrouped(whole: &str) -> Option<String> {
    fn kind(c: char) -> Option<u8> {
        match c {
            ' ' | '\u{a0}' | '\u{202f}' => Some(0),
            '\'' | '’' => Some(1),
            ',' => Some(2),
            '.' => Some(3),
            _ => None,
        }
    }
    let mut digits = String::with_capacity(whole.len());
    let mut sep: Option<u8> = None;
    let mut group = 0usize;
    let mut first = true;
    for c in whole.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            group += 1;
            continue;
        }
        let k = kind(c)?;
        if sep.is_some_and(|s| s != k) {
            return None;
        }
        // The group before a separator: 1–3 digits first, exactly 3 after.
        let fits = if first {
            (1..=3).contains(&group)
        } else {
            group == 3
        };
        if !fits {
            return None;
        }
        sep = Some(k);
        first = false;
        group = 0;
    }
    (sep.is_none() || group == 3).then_some(digits)
}

/// Format minor units as a decimal with two places: `123450` → `1234.50`.
pub fn format_money(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_column_sums_exactly() {
        // 0.10 + 0.20 = 0.30 exactly; as floats this would be 0.30000000000000004.
        let c = column("amount", [Some(10), Some(20), None]);
        let df = DataFrame::new(3, vec![c]).unwrap();
        let total = df.lazy().select([col("amount").sum()]).collect().unwrap();
        let v = total.column("amount").unwrap().get(0).unwrap();
        assert_eq!(v.to_string().trim(), "0.30");
        assert_eq!(total.column("amount").unwrap().dtype(), &dtype());
    }

    #[test]
    fn rounding_halves_both_ways() {
        // 2.5 → 3 (half-up) / 2 (half-even); 3.5 → 4 / 4; −2.5 → −3 / −2; 2.4 → 2; −2.6 → −3.
        assert_eq!(div_round(25, 10, false), 3);
        assert_eq!(div_round(25, 10, true), 2);
        assert_eq!(div_round(35, 10, true), 4);
        assert_eq!(div_round(-25, 10, false), -3);
        assert_eq!(div_round(-25, 10, true), -2);
        assert_eq!(div_round(24, 10, false), 2);
        assert_eq!(div_round(-26, 10, true), -3);
        assert_eq!(div_round(-24, 10, false), -2);
    }

    #[test]
    fn decimals_are_formatted_with_their_scale() {
        assert_eq!(format_decimal(123450, 2), "1234.50");
        assert_eq!(format_decimal(-5, 2), "-0.05");
        assert_eq!(format_decimal(7, 0), "7");
    }

    #[test]
    fn money_forms() {
        assert_eq!(parse_money("1234.50"), Ok(123450));
        assert_eq!(parse_money("1 234,50"), Ok(123450));
        assert_eq!(parse_money("1\u{a0}234,5"), Ok(123450));
        assert_eq!(parse_money("1234,5"), Ok(123450));
        assert_eq!(parse_money("1,234.50"), Ok(123450));
        assert_eq!(parse_money("1.234,50"), Ok(123450));
        assert_eq!(parse_money("1,234,567"), Ok(123456700));
        assert_eq!(parse_money("-15"), Ok(-1500));
        assert_eq!(parse_money("0.07"), Ok(7));
        assert_eq!(parse_money("12.5000"), Ok(1250));
        assert_eq!(parse_money(",5"), Ok(50));
        assert_eq!(parse_money("1'234.50"), Ok(123450));
        assert_eq!(parse_money("1 234 567,00"), Ok(123456700));
        assert_eq!(parse_money("- 15"), Ok(-1500));
        assert_eq!(parse_money("123 456"), Ok(12345600));
    }

    /// Issue 17 item 5: thousands groups are 3 digits after a first group of 1–3.
    #[test]
    fn malformed_grouping_is_refused() {
        for bad in [
            "1.2.3",
            "12,34,56",
            "1,23,4.50",
            "1.2,50",
            "1'2'3",
            ",,5",
            "1 2",
            "1234 567",
            "1 234.567,50",
            "1,234 567",
            "1,,234",
            "1.234.5",
        ] {
            assert_eq!(parse_money(bad), Err(MoneyError::NotANumber), "{bad:?}");
        }
    }

    #[test]
    fn money_refusals() {
        assert_eq!(parse_money("12.345"), Err(MoneyError::TooManyDecimals));
        assert_eq!(parse_money("abc"), Err(MoneyError::NotANumber));
        assert_eq!(parse_money("1.2.3,4,5"), Err(MoneyError::NotANumber));
        assert_eq!(parse_money("-"), Err(MoneyError::NotANumber));
        assert_eq!(
            parse_money("99999999999999999999"),
            Err(MoneyError::TooLarge)
        );
    }

    #[test]
    fn money_formatting() {
        assert_eq!(format_money(123450), "1234.50");
        assert_eq!(format_money(-7), "-0.07");
        assert_eq!(format_money(0), "0.00");
    }
}
