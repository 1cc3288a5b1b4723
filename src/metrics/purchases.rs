//! Purchases: what a client bought and when (won deals or payments, by config), and each
//! client's purchase summary as of a day. Shared by reactivation, lifetime value and
//! retention.

use crate::schema::names::{CLIENT_ID, DEAL_ID};
use polars::prelude::*;

use super::JoinOn;
use super::snapshot::{DAY_MS, Snapshot};
use crate::config::PurchaseSource;
use crate::error::Result;
use crate::money;
use crate::tables::Tables;
use crate::tables::status;

/// Days since the epoch of a datetime column.
fn day(c: &str) -> Expr {
    col(c).cast(DataType::Date).cast(DataType::Int32)
}

/// The last calendar day of the period as days since the epoch (the as-of day).
pub fn as_of_day(snap: &Snapshot) -> i32 {
    ((snap.period.end_ms() - 1).div_euclid(DAY_MS as i64)) as i32
}

/// Purchases before as-of: client_id, deal_id, day (days since epoch), bought (a purchase,
/// not only a refund), amount_minor (empty when unknown), and refunds (refund_minor, ≤ 0)
/// that reduce revenue.
pub fn purchases(tables: &Tables, snap: &Snapshot, source: PurchaseSource) -> Result<LazyFrame> {
    let end = super::snapshot::moment(snap.period.end_ms());
    let deals = snap
        .deals
        .clone()
        .lazy()
        .select([col(DEAL_ID), col(CLIENT_ID)]);
    let payments = tables.payments.as_ref().map(|p| {
        p.clone()
            .lazy()
            .filter(col("paid_at").lt(end.clone()))
            .join_on(deals.clone(), &[DEAL_ID], JoinType::Inner)
            .select([
                col(DEAL_ID),
                col(CLIENT_ID),
                day("paid_at").alias("day"),
                money::minor_expr("amount").alias("minor"),
            ])
    });
    let zero = || lit(0i64);
    Ok(match (source, payments) {
        (PurchaseSource::Payments, Some(p)) => p.with_columns([
            when(col("minor").gt(zero()))
                .then(col("minor"))
                .otherwise(lit(NULL).cast(DataType::Int64))
                .alias("amount_minor"),
            when(col("minor").lt(zero()))
                .then(col("minor"))
                .otherwise(zero())
                .alias("refund_minor"),
            col("minor").gt(zero()).alias("bought"),
        ]),
        (_, payments) => {
            let won = snap.deals.clone().lazy().filter(status::won()).select([
                col(DEAL_ID),
                col(CLIENT_ID),
                day("closed_at").alias("day"),
                money::minor_expr("amount").alias("amount_minor"),
            ]);
            match payments {
                None => won.with_columns([zero().alias("refund_minor"), lit(true).alias("bought")]),
                Some(p) => {
                    let per_deal = p.group_by([col(DEAL_ID)]).agg([
                        money::sum_minor(col("minor")).alias("net"),
                        money::sum_minor(
                            when(col("minor").lt(zero()))
                                .then(col("minor"))
                                .otherwise(zero()),
                        )
                        .alias("refund_minor"),
                    ]);
                    won.join_on(per_deal, &[DEAL_ID], JoinType::Left)
                        // Refunded in full: returned, not bought.
                        .filter(
                            col("refund_minor")
                                .lt(zero())
                                .and(col("net").lt_eq(zero()))
                                .not()
                                .or(col("refund_minor").is_null()),
                        )
                        .with_columns([
                            col("refund_minor").fill_null(zero()),
                            lit(true).alias("bought"),
                        ])
                        .drop(cols(["net"]))
                }
            }
        }
    }
    .filter(col("bought").or(col("refund_minor").lt(zero()))))
}

/// Per client, from purchases (client_id, day, bought, amount_minor, refund_minor): purchases
/// (distinct purchase days), first_day, last_day, revenue_minor, typical_minor, and the
/// BG/NBD summary in weeks as of `as_of_day`: x, t_x, T.
pub fn purchase_summary(purchases: LazyFrame, as_of_day: i32) -> LazyFrame {
    let bought = col("bought");
    purchases
        .group_by([col(CLIENT_ID)])
        .agg([
            col("day")
                .filter(bought.clone())
                .n_unique()
                .alias("purchases"),
            col("day").filter(bought.clone()).min().alias("first_day"),
            col("day").filter(bought.clone()).max().alias("last_day"),
            money::sum_minor(
                when(bought.clone())
                    .then(col("amount_minor").fill_null(lit(0i64)))
                    .otherwise(lit(0i64))
                    .cast(DataType::Decimal(money::PRECISION, 0))
                    + col("refund_minor").cast(DataType::Decimal(money::PRECISION, 0)),
            )
            .alias("revenue_minor"),
            col("day")
                .filter(bought.clone().and(col("amount_minor").is_not_null()))
                .n_unique()
                .alias("purchases_with_amount"),
            col("amount_minor")
                .filter(bought.clone())
                .median()
                .alias("typical"),
        ])
        .filter(col("purchases").gt(lit(0)))
        .with_columns([
            // No purchase with an amount: the revenue is unknown, not 0.
            when(col("purchases_with_amount").gt(lit(0)))
                .then(col("revenue_minor"))
                .otherwise(lit(NULL).cast(DataType::Decimal(money::PRECISION, 0)))
                .alias("revenue_minor"),
            // The median of whole kopecks is exact in f64 (a half at most); round half-up.
            (col("typical") + lit(0.5))
                .floor()
                .cast(DataType::Int64)
                .alias("typical_minor"),
            (col("purchases").cast(DataType::Float64) - lit(1.0)).alias("x"),
            ((col("last_day") - col("first_day")).cast(DataType::Float64) / lit(7.0)).alias("t_x"),
            ((lit(as_of_day) - col("first_day")).cast(DataType::Float64) / lit(7.0)).alias("T"),
        ])
        .drop(cols(["typical"]))
        .sort([CLIENT_ID], SortMultipleOptions::default())
}
