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
pub fn column(name: &str, minor: impl IntoIterator<Item = Option<i64>>) -> Column {
    let ca: Int128Chunked = minor.into_iter().map(|v| v.map(i128::from)).collect();
    ca.with_name(name.into())
        .into_decimal_unchecked(PRECISION, SCALE)
        .into_series()
        .into_column()
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
    fn decimals_are_formatted_with_their_scale() {
        assert_eq!(format_decimal(123450, 2), "1234.50");
        assert_eq!(format_decimal(-5, 2), "-0.05");
        assert_eq!(format_decimal(7, 0), "7");
    }
}
