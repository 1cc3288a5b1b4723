//! RFM: quintile scores 1–5 for recency, frequency and money over every client who has
//! bought, and the segment of each R × F cell.

use crate::schema::names::{CLIENT_ID, MANAGER_ID};
use polars::prelude::*;

use super::with_money;
use crate::error::{PolarsContext, Result};
use crate::metrics::JoinOn;
use crate::money;

/// The RFM segment of an R and F score (1–5 each). The grid (rows R, columns F):
///
/// | R \ F | 1 | 2 | 3 | 4 | 5 |
/// |---|---|---|---|---|---|
/// | 5 | New customers | Potential loyalists | Potential loyalists | Champions | Champions |
/// | 4 | Promising | Potential loyalists | Potential loyalists | Loyal | Loyal |
/// | 3 | About to sleep | About to sleep | Need attention | Loyal | Loyal |
/// | 2 | Hibernating | Hibernating | At risk | At risk | Can't lose them |
/// | 1 | Hibernating | Hibernating | At risk | At risk | Can't lose them |
pub fn segment(r: u32, f: u32) -> &'static str {
    match (r, f) {
        (1..=2, 1..=2) => "Hibernating",
        (1..=2, 3..=4) => "At risk",
        (1..=2, _) => "Can't lose them",
        (3, 1..=2) => "About to sleep",
        (3, 3) => "Need attention",
        (3..=4, 4..=5) => "Loyal",
        (4, 1) => "Promising",
        (5, 1) => "New customers",
        (4..=5, 2..=3) => "Potential loyalists",
        _ => "Champions",
    }
}

/// Every segment name in the order of the grid, best first.
pub const SEGMENTS: [&str; 10] = [
    "Champions",
    "Loyal",
    "Potential loyalists",
    "New customers",
    "Promising",
    "Need attention",
    "About to sleep",
    "At risk",
    "Can't lose them",
    "Hibernating",
];

/// Quintile score 1–5 of `expr` (higher value, higher score); ties share the lowest.
pub(super) fn quintile(expr: Expr) -> Expr {
    let rank = expr
        .clone()
        .rank(
            RankOptions {
                method: RankMethod::Min,
                descending: false,
            },
            None,
        )
        .cast(DataType::Float64);
    // Ranked among the known values (an unknown revenue gets no score).
    let n = expr.clone().count().cast(DataType::Float64);
    (lit(1.0) + (lit(5.0) * (rank - lit(1.0)) / n).floor()).cast(DataType::UInt32)
}

/// Clients per RFM segment, in the grid's order.
pub(super) fn segments_of(all: &DataFrame) -> Result<DataFrame> {
    let segments_table = all
        .clone()
        .lazy()
        .group_by([col("rfm_segment")])
        .agg([
            len().cast(DataType::UInt32).alias("clients"),
            col("candidate")
                .cast(DataType::UInt32)
                .sum()
                .alias("candidates"),
            money::sum_minor(col("revenue_minor")).alias("revenue_minor"),
            col("p_alive").mean().alias("mean_p_alive"),
        ])
        .join_on(
            df!("rfm_segment" => SEGMENTS.to_vec(), "order" => (0..SEGMENTS.len() as u32).collect::<Vec<_>>())
                .ctx("segments")?
                .lazy(),
            &["rfm_segment"],
            JoinType::Left,
        )
        .sort(["order"], SortMultipleOptions::default())
        .select([
            col("rfm_segment").alias("segment"),
            col("clients"),
            col("candidates"),
            col("revenue_minor"),
            col("mean_p_alive"),
        ])
        .collect()
        .ctx("segments")?;
    let segments_table = with_money(segments_table, &[("revenue_minor", "revenue")])?;

    Ok(segments_table)
}

/// Every buyer with R, F, M scores and segment.
pub(super) fn rfm_of(all: DataFrame) -> Result<DataFrame> {
    let day_to_date = |c: &str| col(c).cast(DataType::Date);
    let rfm = all
        .lazy()
        .select([
            col(CLIENT_ID),
            col("name"),
            col(MANAGER_ID),
            day_to_date("last_day").alias("last_purchase_at"),
            col("days_since_last"),
            col("purchases").cast(DataType::UInt32),
            col("revenue_minor"),
            col("r_score"),
            col("f_score"),
            col("m_score"),
            col("rfm_segment"),
            col("p_alive"),
            col("candidate"),
            col("purchases_with_amount").cast(DataType::UInt32),
        ])
        .collect()
        .ctx("rfm")?;
    let rfm = with_money(rfm, &[("revenue_minor", "lifetime_revenue")])?;

    Ok(rfm)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cell_of_the_grid_has_a_named_segment() {
        for r in 1..=5 {
            for f in 1..=5 {
                assert!(SEGMENTS.contains(&segment(r, f)), "{r}{f}");
            }
        }
        assert_eq!(segment(5, 5), "Champions");
        assert_eq!(segment(1, 5), "Can't lose them");
        assert_eq!(segment(2, 3), "At risk");
        assert_eq!(segment(1, 1), "Hibernating");
        assert_eq!(segment(5, 1), "New customers");
        assert_eq!(segment(3, 3), "Need attention");
        assert_eq!(segment(4, 4), "Loyal");
    }
}
