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
/// physical integer at scale 2).
pub fn minor_expr(c: &str) -> Expr {
    col(c).cast(dtype()).to_physical().cast(DataType::Int64)
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
}
