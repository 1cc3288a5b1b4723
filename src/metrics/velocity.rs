//! Sales velocity (SPEC §3): how much money the open pipeline turns into per day.
//!
//! velocity_per_day = open deals at as-of × win rate × average won amount ÷ mean days to win,
//!
//! the last three over the deals closed in the 12 months before as-of (win rate = won ÷ won +
//! lost; the average over won deals with an amount; days from creation to the win), per
//! manager, per segment and for the company, each factor beside the product. A group with no
//! deal closed in the window has no velocity (empty, not 0); one that closed deals and won
//! none has 0; one whose wins have no amount has none (the average is unknown).

use crate::schema::names::MANAGER_ID;
use polars::prelude::*;

use super::snapshot::{Snapshot, days_between, moment};
use super::{floats, texts};
use crate::error::{PolarsContext, Result};
use crate::money;
use crate::tables::status;

/// The window the rates are taken over, in months before as-of.
pub const WINDOW_MONTHS: u32 = 12;

/// The SPEC §6 `velocity` table: level, group, open_deals, win_rate, avg_won_amount,
/// mean_days_to_win, velocity_per_day, then won_deals and closed_deals.
pub fn velocity(snap: &Snapshot) -> Result<DataFrame> {
    let as_of = snap.period.as_of();
    let from = as_of
        .checked_sub_months(chrono::Months::new(WINDOW_MONTHS))
        .unwrap_or(as_of);
    let from_ms = from.and_utc().timestamp_millis();
    let end = snap.period.end_ms();
    let in_window = col("closed_at")
        .gt_eq(moment(from_ms))
        .and(col("closed_at").lt(moment(end)));
    let won = status::won().and(in_window.clone());
    let lost = status::lost().and(in_window);
    let figures = |key: Expr| {
        snap.deals
            .clone()
            .lazy()
            .group_by([key.alias("group")])
            .agg([
                crate::tables::status::open()
                    .sum()
                    .cast(DataType::Int64)
                    .alias("open_deals"),
                won.clone().sum().cast(DataType::Int64).alias("won_deals"),
                (won.clone().sum() + lost.clone().sum())
                    .cast(DataType::Int64)
                    .alias("closed_deals"),
                money::sum_minor(money::minor_expr("amount").filter(won.clone()))
                    .alias("won_minor"),
                col("amount")
                    .filter(won.clone())
                    .count()
                    .cast(DataType::Int64)
                    .alias("won_with_amount"),
                days_between(col("created_at"), col("closed_at"))
                    .filter(won.clone())
                    .mean()
                    .alias("mean_days_to_win"),
            ])
    };
    let levels = [
        ("manager", figures(col(MANAGER_ID).cast(DataType::String))),
        (
            "segment",
            figures(
                col("segment")
                    .cast(DataType::String)
                    .fill_null(lit("(no segment)")),
            ),
        ),
        ("company", figures(lit("company"))),
    ];
    let mut parts = Vec::new();
    for (level, lf) in levels {
        let mut f = lf
            .sort(
                ["group"],
                SortMultipleOptions::default().with_nulls_last(true),
            )
            .collect()
            .ctx("velocity")?;
        f.with_column(Column::new("level".into(), vec![level; f.height()]))
            .ctx("velocity")?;
        parts.push(f);
    }
    let mut all = parts.remove(0);
    for p in parts {
        all.vstack_mut(&p).ctx("velocity")?;
    }
    table(&all)
}

fn table(all: &DataFrame) -> Result<DataFrame> {
    let ints = |name: &str| super::ints(all, name);
    let (open, won, closed, with_amount) = (
        ints("open_deals")?,
        ints("won_deals")?,
        ints("closed_deals")?,
        ints("won_with_amount")?,
    );
    let won_minor = money::minors(all.column("won_minor").ctx("won_minor")?)?;
    let days = floats(all, "mean_days_to_win")?;
    let n = all.height();
    let mut rate = Vec::with_capacity(n);
    let mut avg = Vec::with_capacity(n);
    let mut per_day = Vec::with_capacity(n);
    for i in 0..n {
        let r = match (won[i], closed[i]) {
            (Some(w), Some(c)) if c > 0 => Some(w as f64 / c as f64),
            _ => None,
        };
        // The average won deal, exact to the kopeck (half-up), over deals with an amount.
        let a = match (won_minor[i], with_amount[i]) {
            (Some(m), Some(k)) if k > 0 => Some(money::div_round(m, i128::from(k), false)),
            _ => None,
        };
        let v = match (open[i], r, a, days[i]) {
            (Some(o), Some(r), Some(a), Some(d)) if d > 0.0 => {
                Some((o as f64 * r * a as f64 / d).round() as i128)
            }
            // Closed deals but no win in the window: the pipeline is expected to bring 0.
            (Some(_), Some(0.0), _, _) => Some(0),
            _ => None,
        };
        rate.push(r);
        avg.push(a);
        per_day.push(v);
    }
    DataFrame::new(
        n,
        vec![
            Column::new("level".into(), texts(all, "level")?),
            Column::new("group".into(), texts(all, "group")?),
            Column::new("open_deals".into(), open.clone()),
            Column::new("win_rate".into(), rate),
            money::column("avg_won_amount", avg),
            Column::new(
                "mean_days_to_win".into(),
                days.iter()
                    .map(|d| d.map(|d| super::round_to(d, 2)))
                    .collect::<Vec<_>>(),
            ),
            money::column("velocity_per_day", per_day),
            Column::new("won_deals".into(), won),
            Column::new("closed_deals".into(), closed),
        ],
    )
    .ctx("velocity table")
}
