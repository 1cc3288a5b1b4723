//! How long deals take (SPEC §3): the cycle of deals closed in the period (won and lost
//! apart), Kaplan–Meier time to close with open deals censored, and time in stage per
//! visit from stage_history (a visit ends at the next entry or at the close; a visit still
//! open at as-of is censored).

use crate::schema::names::DEAL_ID;
use polars::prelude::*;

use super::JoinOn;

use super::days;
use super::snapshot::{Snapshot, days_between, in_period, moment};
use super::survival::{KaplanMeier, kaplan_meier};
use crate::error::{PolarsContext, Result};
use crate::tables::status;

/// Everything `crmstat durations` reports.
pub struct Durations {
    pub cycle: DataFrame,
    pub time_to_close: KaplanMeier,
    pub stage_durations: DataFrame,
    pub stage_time_per_deal: DataFrame,
    /// Cycle days of deals closed in the period, for the histogram: (won, lost).
    pub cycle_days: (Vec<f64>, Vec<f64>),
}

/// Compute all duration figures.
pub fn durations(snap: &Snapshot) -> Result<Durations> {
    let closed = closed_in_period(snap)?;
    let cycle = cycle_table(&closed)?;
    let cycle_days = (
        outcome_days(&closed, "won")?,
        outcome_days(&closed, "lost")?,
    );
    let time_to_close = time_to_close(snap)?;
    let visits = visits(snap)?;
    let in_p = visits
        .clone()
        .lazy()
        .filter(in_period(col("entered_at"), &snap.period));
    Ok(Durations {
        cycle,
        time_to_close,
        stage_durations: stage_durations(snap, in_p.clone())?,
        stage_time_per_deal: per_deal(snap, in_p)?,
        cycle_days,
    })
}

fn closed_in_period(snap: &Snapshot) -> Result<DataFrame> {
    snap.deals
        .clone()
        .lazy()
        .filter(
            col("closed_at")
                .is_not_null()
                .and(in_period(col("closed_at"), &snap.period)),
        )
        .select([
            col("status").alias("outcome"),
            days_between(col("created_at"), col("closed_at")).alias("days"),
        ])
        .collect()
        .ctx("cycle of closed deals")
}

fn outcome_days(closed: &DataFrame, outcome: &str) -> Result<Vec<f64>> {
    let df = closed
        .clone()
        .lazy()
        .filter(col("outcome").eq(lit(outcome)))
        .collect()
        .ctx("cycle days")?;
    Ok(df
        .column("days")
        .ctx("days")?
        .f64()
        .ctx("days")?
        .into_no_null_iter()
        .collect())
}

/// count, mean, median, p25, p75, p90 of `days` (linear interpolation between ranks).
pub fn day_stats(days_col: &str) -> Vec<Expr> {
    let q = |p: f64, name: &str| {
        days(col(days_col).quantile(lit(p), QuantileMethod::Linear)).alias(name)
    };
    vec![
        days(col(days_col).mean()).alias("mean_days"),
        q(0.5, "median_days"),
        q(0.25, "p25_days"),
        q(0.75, "p75_days"),
        q(0.9, "p90_days"),
    ]
}

/// A row for won and for lost, even when there are none (count 0, figures empty).
fn cycle_table(closed: &DataFrame) -> Result<DataFrame> {
    let outcomes = df!("outcome" => ["won", "lost"]).ctx("outcomes")?;
    let mut aggs = vec![len().cast(DataType::Int64).alias("deals")];
    aggs.extend(day_stats("days"));
    let stats = closed.clone().lazy().group_by([col("outcome")]).agg(aggs);
    outcomes
        .lazy()
        .join_on(stats, &["outcome"], JoinType::Left)
        .with_column(col("deals").fill_null(lit(0i64)))
        .select([
            col("outcome"),
            col("deals"),
            col("mean_days"),
            col("median_days"),
            col("p25_days"),
            col("p75_days"),
            col("p90_days"),
        ])
        .collect()
        .ctx("cycle table")
}

/// Deals created in the period: days to close, or days open at as-of (censored).
fn time_to_close(snap: &Snapshot) -> Result<KaplanMeier> {
    let end = moment(snap.period.end_ms());
    let df = snap
        .cohort()
        .select([
            (days_between(col("created_at"), coalesce(&[col("closed_at"), end]))
                .floor()
                .cast(DataType::Int64))
            .alias("days"),
            col("closed_at").is_not_null().alias("closed"),
        ])
        .collect()
        .ctx("time to close")?;
    let d: Vec<i64> = df
        .column("days")
        .ctx("days")?
        .i64()
        .ctx("days")?
        .into_no_null_iter()
        .collect();
    let c: Vec<bool> = df
        .column("closed")
        .ctx("closed")?
        .bool()
        .ctx("closed")?
        .iter()
        .map(|v| v.unwrap_or(false))
        .collect();
    Ok(kaplan_meier(&d, &c))
}

/// Stage visits before as-of: deal_id, stage_index, entered_at, exited_at (null while
/// open), days (to exit, or to as-of while open), open. Without stage_history each deal
/// has one visit: its stage while open, from creation to close.
pub fn visits(snap: &Snapshot) -> Result<DataFrame> {
    let end = moment(snap.period.end_ms());
    let deals = snap.deals.clone().lazy();
    let raw = match &snap.entries {
        Some(e) => e
            .clone()
            .lazy()
            .sort([DEAL_ID, "entered_at"], SortMultipleOptions::default())
            .with_column(super::shifted_within(col("entered_at"), DEAL_ID, -1).alias("next_at"))
            .filter(col("stage_index").is_not_null())
            .join_on(
                deals.select([col(DEAL_ID), col("closed_at")]),
                &[DEAL_ID],
                JoinType::Inner,
            )
            // A visit ends at the close at the latest; an entry dated after the close
            // (noted by the snapshot) is a visit of no time.
            .with_columns([
                super::lesser(
                    coalesce(&[col("next_at"), col("closed_at")]),
                    coalesce(&[col("closed_at"), col("next_at")]),
                )
                .alias("exited_at"),
                super::lesser(
                    col("entered_at"),
                    coalesce(&[col("closed_at"), col("entered_at")]),
                )
                .alias("entered_at"),
            ]),
        None => {
            let last_open = snap
                .last_open_index
                .map_or(lit(NULL).cast(DataType::Int32), lit);
            deals.filter(col("stage_index").is_not_null()).select([
                col(DEAL_ID),
                when(status::won())
                    .then(last_open)
                    .otherwise(col("stage_index"))
                    .alias("stage_index"),
                col("created_at").alias("entered_at"),
                col("closed_at").alias("exited_at"),
            ])
        }
    };
    raw.select([
        col(DEAL_ID),
        col("stage_index"),
        col("entered_at"),
        col("exited_at"),
        days_between(col("entered_at"), coalesce(&[col("exited_at"), end])).alias("days"),
        col("exited_at").is_null().alias("open"),
    ])
    .collect()
    .ctx("stage visits")
}

/// Per stage: visits begun in the period; statistics over the completed ones.
fn stage_durations(snap: &Snapshot, visits: LazyFrame) -> Result<DataFrame> {
    let completed = col("days").filter(col("open").not());
    let q = |p: f64| days(completed.clone().quantile(lit(p), QuantileMethod::Linear));
    let stats = visits.group_by([col("stage_index")]).agg([
        len().cast(DataType::Int64).alias("visits"),
        days(completed.clone().mean()).alias("mean_days"),
        q(0.5).alias("median_days"),
        q(0.9).alias("p90_days"),
        col("open")
            .not()
            .sum()
            .cast(DataType::Int64)
            .alias("completed_visits"),
        col("open").sum().cast(DataType::Int64).alias("open_visits"),
    ]);
    snap.stage_frame()?
        .lazy()
        .join_on(stats, &["stage_index"], JoinType::Left)
        .with_columns([
            col("visits").fill_null(lit(0i64)),
            col("completed_visits").fill_null(lit(0i64)),
            col("open_visits").fill_null(lit(0i64)),
        ])
        .sort(["stage_index"], SortMultipleOptions::default())
        .select([
            col("stage"),
            col("visits"),
            col("mean_days"),
            col("median_days"),
            col("p90_days"),
            col("completed_visits"),
            col("open_visits"),
        ])
        .collect()
        .ctx("time in stage")
}

/// Per deal and stage: visits, the latest visit's days, all visits' days, and whether the
/// latest visit is still open.
fn per_deal(snap: &Snapshot, visits: LazyFrame) -> Result<DataFrame> {
    visits
        .sort([DEAL_ID, "entered_at"], SortMultipleOptions::default())
        .group_by([col(DEAL_ID), col("stage_index")])
        .agg([
            len().cast(DataType::Int64).alias("visits"),
            days(col("days").last()).alias("latest_days"),
            days(col("days").sum()).alias("cumulative_days"),
            col("open").last().alias("open"),
        ])
        .join_on(
            snap.stage_frame()?.lazy(),
            &["stage_index"],
            JoinType::Inner,
        )
        .sort([DEAL_ID, "stage_index"], SortMultipleOptions::default())
        .select([
            col(DEAL_ID),
            col("stage"),
            col("visits"),
            col("latest_days"),
            col("cumulative_days"),
            col("open"),
        ])
        .collect()
        .ctx("time in stage per deal")
}
