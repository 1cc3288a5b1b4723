//! The monthly report's headline: the period's key figures, the same figures for the
//! previous period and a year earlier, the last twelve months as trends, and the funnel's
//! leaks as facts a sentence can be written from.
//!
//! Everything is read from one snapshot as of the end of the report's period: a deal
//! closed in an earlier span is closed for good by then, so earlier spans need no snapshot
//! of their own (a deal's open/closed state at an earlier end is rebuilt from created_at and
//! closed_at).

use crate::schema::names::DEAL_ID;
use polars::prelude::*;

use super::snapshot::{Snapshot, days_between, in_period, moment};
use crate::error::{PolarsContext, Result};
use crate::money;
use crate::period::Period;
use crate::tables::status;

/// The key figures of one span.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    pub period: Period,
    /// Deals created in the span.
    pub deals_created: i64,
    /// Deals won in the span (closed won, by close date).
    pub deals_won: i64,
    /// Deals lost in the span (by close date).
    pub deals_lost: i64,
    /// Amount of the deals won in the span, in minor units (of those that have one).
    pub won_minor: i128,
    /// Won deals whose amount is recorded: `won_minor` covers these of `deals_won`.
    pub won_with_amount: i64,
    /// won / (won + lost) of the deals closed in the span; `None` when none closed, or
    /// when the export records no lost deal at all (a win rate would be 100 % by omission).
    pub win_rate: Option<f64>,
    /// The export records no lost deal at all (an export of wins only).
    pub no_losses_recorded: bool,
    /// Won ÷ created of the deals created in the span (what can be said without losses).
    pub cohort_conversion: Option<f64>,
    /// Payments dated in the span, refunds subtracted, in minor units; `None` without a
    /// payments table.
    pub paid_minor: Option<i128>,
    /// Deals open at the end of the span (created before it ended, not closed by then).
    pub open_at_end: i64,
    /// Median days from creation to close of the deals won in the span.
    pub median_cycle_days: Option<f64>,
}

/// The key figures of `span`, which must end no later than the snapshot's period.
pub fn figures(snap: &Snapshot, payments: Option<&DataFrame>, span: &Period) -> Result<Figures> {
    let row = deal_sums(snap, span)?;
    let int = |name: &str| -> Result<i64> {
        Ok(super::ints(&row, name)?
            .first()
            .copied()
            .flatten()
            .unwrap_or(0))
    };
    let (won_n, lost_n) = (int("won")?, int("lost")?);
    let paid_minor = payments.map(|p| paid_in(p, span)).transpose()?;
    let no_losses = int("lost_ever")? == 0 && snap.deals.height() > 0;
    let created = int("created")?;
    Ok(Figures {
        no_losses_recorded: no_losses,
        cohort_conversion: (created > 0)
            .then(|| int("cohort_won").unwrap_or(0) as f64 / created as f64),
        period: span.clone(),
        deals_created: int("created")?,
        deals_won: won_n,
        deals_lost: lost_n,
        won_minor: sum_of(&row, "won_minor")?,
        won_with_amount: int("won_with_amount")?,
        win_rate: (won_n + lost_n > 0 && !no_losses)
            .then(|| won_n as f64 / (won_n + lost_n) as f64),
        paid_minor,
        open_at_end: int("open")?,
        median_cycle_days: super::floats(&row, "median_cycle")?
            .first()
            .copied()
            .flatten()
            .map(|d| super::round_to(d, 1)),
    })
}

/// One row of the span's deal counts and sums: created, won (with an amount), the
/// cohort's wins, lost (in the span and ever), the won amount exactly, open at the end and
/// the median cycle of the wins.
fn deal_sums(snap: &Snapshot, span: &Period) -> Result<DataFrame> {
    let end = moment(span.end_ms());
    let closed_in = col("closed_at")
        .is_not_null()
        .and(in_period(col("closed_at"), span));
    let won = closed_in.clone().and(status::won());
    let lost = closed_in.and(status::lost());
    let open_at_end = col("created_at")
        .lt(end.clone())
        .and(col("closed_at").is_null().or(col("closed_at").gt_eq(end)));
    snap.deals
        .clone()
        .lazy()
        .select([
            in_period(col("created_at"), span)
                .sum()
                .cast(DataType::Int64)
                .alias("created"),
            won.clone().sum().cast(DataType::Int64).alias("won"),
            won.clone()
                .and(col("amount").is_not_null())
                .sum()
                .cast(DataType::Int64)
                .alias("won_with_amount"),
            in_period(col("created_at"), span)
                .and(status::won())
                .sum()
                .cast(DataType::Int64)
                .alias("cohort_won"),
            status::lost()
                .sum()
                .cast(DataType::Int64)
                .alias("lost_ever"),
            lost.sum().cast(DataType::Int64).alias("lost"),
            // Summed as exact decimals (i128), never in i64.
            col("amount")
                .cast(money::dtype())
                .filter(won.clone())
                .sum()
                .alias("won_minor"),
            open_at_end.sum().cast(DataType::Int64).alias("open"),
            days_between(col("created_at"), col("closed_at"))
                .filter(won)
                .median()
                .alias("median_cycle"),
        ])
        .collect()
        .ctx("headline figures")
}

/// The payments dated in the span, exactly.
fn paid_in(payments: &DataFrame, span: &Period) -> Result<i128> {
    let paid = payments
        .clone()
        .lazy()
        .filter(in_period(col("paid_at"), span))
        .select([col("amount").cast(money::dtype()).sum().alias("paid")])
        .collect()
        .ctx("paid in the span")?;
    sum_of(&paid, "paid")
}

/// The exact money sum in the first row of `frame` (0 when empty).
fn sum_of(frame: &DataFrame, name: &str) -> Result<i128> {
    Ok(money::minor_units(frame.column(name).ctx(name)?)?
        .first()
        .copied()
        .flatten()
        .unwrap_or(0))
}

/// The twelve calendar months ending with the month the period ends in.
pub fn last_months(period: &Period, n: usize) -> Vec<Period> {
    let last = Period::month_of(period.end - chrono::Duration::milliseconds(1));
    let mut months = vec![last];
    while months.len() < n {
        let Some(first) = months.first() else { break };
        let prev = Period::month_of(first.start - chrono::Duration::milliseconds(1));
        months.insert(0, prev);
    }
    months
}

/// The monthly trends table: month, deals_created, deals_won, deals_lost, won_amount,
/// win_rate, paid_amount (empty without payments).
pub fn trends(
    snap: &Snapshot,
    payments: Option<&DataFrame>,
    months: &[Period],
) -> Result<DataFrame> {
    let rows: Vec<Figures> = months
        .iter()
        .map(|m| figures(snap, payments, m))
        .collect::<Result<_>>()?;
    let frame = DataFrame::new(
        rows.len(),
        vec![
            Column::new(
                "month".into(),
                rows.iter()
                    .map(|f| f.period.label.clone())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "deals_created".into(),
                rows.iter().map(|f| f.deals_created).collect::<Vec<_>>(),
            ),
            Column::new(
                "deals_won".into(),
                rows.iter().map(|f| f.deals_won).collect::<Vec<_>>(),
            ),
            Column::new(
                "deals_lost".into(),
                rows.iter().map(|f| f.deals_lost).collect::<Vec<_>>(),
            ),
            // Empty, not 0, for a month whose wins all lack an amount.
            money::column(
                "won_amount",
                rows.iter()
                    .map(|f| (f.deals_won == 0 || f.won_with_amount > 0).then_some(f.won_minor)),
            ),
            Column::new(
                "win_rate".into(),
                rows.iter().map(|f| f.win_rate).collect::<Vec<_>>(),
            ),
            money::column(
                "paid_amount",
                rows.iter()
                    .map(|f| f.paid_minor.and_then(|p| i64::try_from(p).ok())),
            ),
        ],
    )
    .ctx("trends table")?;
    Ok(frame)
}

/// One stage's leak: how many of the deals that reached it were lost there and, at the
/// invoice stage, how many of those lost had no contact within the follow-up window.
#[derive(Debug, Clone, PartialEq)]
pub struct Leak {
    pub stage: String,
    pub reached: i64,
    pub lost: i64,
    /// lost / reached.
    pub rate: f64,
    /// Lost deals at the invoice stage with a follow-up breach; `None` at other stages or
    /// when follow-up could not be judged.
    pub no_contact: Option<i64>,
}

/// The stages that lost the most deals (at most `top`, largest share first; stages with a
/// loss only), plus the invoice stage when it lost any and follow-up was judged.
/// `losses` is the losses table (stage, lost, reached), `lost_deals` (deal_id, stage),
/// `breaches` the follow-up breaches (deal_id).
pub fn leaks(
    losses: &DataFrame,
    lost_deals: &DataFrame,
    breaches: Option<&DataFrame>,
    invoice_stage: Option<&str>,
    top: usize,
) -> Result<Vec<Leak>> {
    let stages = super::texts(losses, "stage")?;
    let lost = super::ints(losses, "lost")?;
    let reached = super::ints(losses, "reached")?;
    let mut all: Vec<Leak> = (0..losses.height())
        .filter_map(|i| {
            let (l, r) = (lost[i].unwrap_or(0), reached[i].unwrap_or(0));
            (l > 0 && r > 0).then(|| Leak {
                stage: stages[i].clone().unwrap_or_default(),
                reached: r,
                lost: l,
                rate: l as f64 / r as f64,
                no_contact: None,
            })
        })
        .collect();
    all.sort_by(|a, b| {
        b.rate
            .total_cmp(&a.rate)
            .then(b.lost.cmp(&a.lost))
            .then(a.stage.cmp(&b.stage))
    });
    let mut chosen: Vec<Leak> = all.iter().take(top).cloned().collect();
    if let (Some(invoice), Some(breaches)) = (invoice_stage, breaches) {
        if let Some(leak) = all.iter().find(|l| l.stage == invoice) {
            let ids = breaches.column(DEAL_ID).ctx("breaches")?;
            let n = lost_deals
                .clone()
                .lazy()
                .filter(col("stage").eq(lit(invoice)).and(col(DEAL_ID).is_in(
                    lit(ids.as_materialized_series().clone()).implode(false),
                    false,
                )))
                .select([len().cast(DataType::Int64).alias("n")])
                .collect()
                .ctx("lost without follow-up")?;
            let n = super::ints(&n, "n")?
                .first()
                .copied()
                .flatten()
                .unwrap_or(0);
            match chosen.iter_mut().find(|l| l.stage == invoice) {
                Some(l) => l.no_contact = Some(n),
                None => chosen.push(Leak {
                    no_contact: Some(n),
                    ..leak.clone()
                }),
            }
        }
    }
    Ok(chosen)
}
