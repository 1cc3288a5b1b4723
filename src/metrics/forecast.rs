//! The forecast (SPEC §3): what will be won in a window, and how good such forecasts were.
//!
//! Projection for a window W made at a moment m:
//!
//! projection = won in W before m + Σ over deals open at m whose expected close falls in W of
//! amount × p,
//!
//! where p is the win rate of deals that reached the deal's stage at m (won ÷ (won + lost) over
//! the deals closed in the 12 months before m, reached as in the funnel: furthest stage at or
//! past it), or the CRM's own probability (`[forecast] probability = "crm"`, percent ÷ 100; a
//! deal without one gets its stage's rate). The weighted sum is exact per distinct p: the
//! amounts of a p are added in minor units, multiplied by p once and rounded to the kopeck.
//! An empty amount counts as 0.
//!
//! The stage at m is the last stage entry before m (stage_history), else the current stage.
//! Amount and expected close are today's values: without `deal_changes` the past cannot be
//! rebuilt, and the backtest says so (it is optimistic where a CRM resets the expected close
//! when a deal closes).
//!
//! Backtest: the projection made at the start of each of the 12 months before the period, for
//! that month, against the amount won in it: error = forecast − actual, abs_pct_error =
//! |error| ÷ actual (empty when nothing was won). MAPE = the mean of abs_pct_error, bias = the
//! mean of error ÷ actual (signed: positive = the forecasts ran high), over the months with
//! an actual.

use crate::i18n::Note;
use crate::schema::names::MANAGER_ID;
use polars::prelude::*;

use super::snapshot::{Snapshot, moment};
use super::state::Past;
pub use crate::config::ProbabilitySource;
use crate::error::{PolarsContext, Result};
use crate::money;
use crate::period::Period;
use crate::tables::status;

/// Months of closed deals the stage win rates are measured on, and months backtested.
pub const WINDOW_MONTHS: u32 = 12;

/// One projection.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    pub won_so_far: i128,
    pub open_deals: i64,
    pub open_amount: i128,
    pub weighted_amount: i128,
}

impl Projection {
    pub fn projection(&self) -> i128 {
        self.won_so_far + self.weighted_amount
    }
}

/// The win rate of each stage index over the deals closed in the 12 months before `at_ms`.
pub fn stage_win_rates(snap: &Snapshot, at_ms: i64) -> Result<Vec<Option<f64>>> {
    let at = chrono::DateTime::from_timestamp_millis(at_ms)
        .map(|d| d.naive_utc())
        .unwrap_or(snap.period.start);
    let from = at
        .checked_sub_months(chrono::Months::new(WINDOW_MONTHS))
        .unwrap_or(at)
        .and_utc()
        .timestamp_millis();
    let closed = col("closed_at")
        .gt_eq(moment(from))
        .and(col("closed_at").lt(moment(at_ms)))
        .and(crate::tables::status::closed());
    let n = snap.stages.len();
    let mut exprs = Vec::new();
    for s in 0..n {
        let reached = closed
            .clone()
            .and(col("furthest_index").gt_eq(lit(s as i32)));
        exprs.push(reached.clone().sum().alias(format!("reached_{s}")));
        exprs.push(reached.and(status::won()).sum().alias(format!("won_{s}")));
    }
    if exprs.is_empty() {
        return Ok(Vec::new());
    }
    let sums = snap
        .deals
        .clone()
        .lazy()
        .select(exprs)
        .collect()
        .ctx("stage win rates")?;
    let count = |name: String| -> Result<u64> {
        let c = sums.column(&name).ctx("stage win rates")?;
        let v = c.cast(&DataType::UInt64).ctx("stage win rates")?;
        Ok(v.u64().ctx("stage win rates")?.get(0).unwrap_or(0))
    };
    (0..n)
        .map(|s| {
            let (reached, won) = (count(format!("reached_{s}"))?, count(format!("won_{s}"))?);
            Ok((reached > 0).then(|| won as f64 / reached as f64))
        })
        .collect()
}

/// The projection for `window` made at `at_ms`.
pub fn project(
    snap: &Snapshot,
    past: &Past,
    window: &Period,
    at_ms: i64,
    source: ProbabilitySource,
) -> Result<Projection> {
    let (ws, we) = (window.start_ms(), window.end_ms());
    let won_so_far = won_between(snap, ws, we.min(at_ms))?;
    let rates = stage_win_rates(snap, at_ms)?;
    let open = pipeline(past, &rates, (ws, we), at_ms, source, None)?;
    Ok(Projection {
        won_so_far,
        open_deals: open.iter().map(|p| p.deals).sum(),
        open_amount: open.iter().map(|p| p.amount).sum(),
        weighted_amount: open.iter().map(|p| p.weighted).sum(),
    })
}

/// The open pipeline of one group: deals open at a moment and expected to close in a window.
#[derive(Debug, Clone, PartialEq)]
pub struct Pipe {
    pub group: Option<String>,
    pub deals: i64,
    /// Minor units; an empty amount counts as 0.
    pub amount: i128,
    /// Σ amount × p, exact per distinct p and rounded to the minor unit.
    pub weighted: i128,
}

/// The deals open at `at_ms` whose expected close falls in `[ws, we)`, per value of the deal
/// column `by` (one group without), with their amount weighted by p; the deals, their stage,
/// amount, expected close and owner as `past` has them then, the stage win rates as of
/// `at_ms` ([`stage_win_rates`]).
pub fn pipeline(
    past: &Past,
    rates: &[Option<f64>],
    (ws, we): (i64, i64),
    at_ms: i64,
    source: ProbabilitySource,
    by: Option<&str>,
) -> Result<Vec<Pipe>> {
    let rate_frame = df!(
        "stage_at" => (0..rates.len() as i32).collect::<Vec<_>>(),
        "stage_p" => rates,
    )
    .ctx("stage rates")?;
    let amount = col("amount_minor").fill_null(lit(0i64));
    let open_at = col("created_at").lt(moment(at_ms)).and(
        col("closed_at")
            .is_null()
            .or(col("closed_at").gt_eq(moment(at_ms))),
    );
    let expected_in = col("expected_close_at")
        .gt_eq(moment(ws))
        .and(col("expected_close_at").lt(moment(we)));
    let group = match by {
        Some(c) => col(c).cast(DataType::String),
        None => lit(NULL).cast(DataType::String),
    };
    let p = match source {
        ProbabilitySource::Stages => col("stage_p"),
        ProbabilitySource::Crm => coalesce(&[
            (col("probability").cast(DataType::Float64) / lit(100.0)).clip(lit(0.0), lit(1.0)),
            col("stage_p"),
        ]),
    };
    // With deal_changes, a deal's amount, expected close and owner are those it had then;
    // `open_at` leaves out the rows the filter below would, before building their columns.
    let deals = past
        .open_at(at_ms, (ws, we), by == Some(MANAGER_ID))?
        .lazy();
    let by_p = deals
        .filter(open_at.and(expected_in))
        .join(
            rate_frame.lazy(),
            [col("stage_at")],
            [col("stage_at")],
            JoinArgs::new(JoinType::Left),
        )
        .group_by([group.alias("group"), p.fill_null(lit(0.0)).alias("p")])
        .agg([
            len().cast(DataType::Int64).alias("deals"),
            money::sum_minor(amount).alias("amount"),
        ])
        .sort(["group", "p"], SortMultipleOptions::default())
        .collect()
        .ctx("open pipeline")?;
    let groups = super::texts(&by_p, "group")?;
    let ps = super::floats(&by_p, "p")?;
    let deals = super::ints(&by_p, "deals")?;
    let amounts = money::minors(by_p.column("amount").ctx("amount")?)?;
    let mut out: Vec<Pipe> = Vec::new();
    for (((g, p), n), a) in groups.iter().zip(&ps).zip(&deals).zip(&amounts) {
        let a = a.unwrap_or(0);
        if out.last().is_none_or(|last| &last.group != g) {
            out.push(Pipe {
                group: g.clone(),
                deals: 0,
                amount: 0,
                weighted: 0,
            });
        }
        if let Some(last) = out.last_mut() {
            last.deals += n.unwrap_or(0);
            last.amount += a;
            last.weighted += (a as f64 * p.unwrap_or(0.0)).round() as i128;
        }
    }
    Ok(out)
}

/// The forecast tables.
pub struct Forecast {
    /// SPEC §6 `forecast`: window, won_so_far, open_deals, open_amount, weighted_amount,
    /// projection, then backtest_mape and backtest_bias.
    pub forecast: DataFrame,
    /// SPEC §6 `forecast_backtest`: month, forecast, actual, error, abs_pct_error.
    pub backtest: DataFrame,
    /// Mean absolute percentage error and bias of the backtest (empty without an actual).
    pub mape: Option<f64>,
    pub bias: Option<f64>,
    pub notes: Vec<Note>,
}

/// The amount of the deals won in `[from, to)` (an empty amount as 0), exactly.
fn won_between(snap: &Snapshot, from: i64, to: i64) -> Result<i128> {
    let won = crate::tables::status::won()
        .and(col("closed_at").gt_eq(moment(from)))
        .and(col("closed_at").lt(moment(to)));
    let f = snap
        .deals
        .clone()
        .lazy()
        .select([
            money::sum_minor(money::minor_expr("amount").fill_null(lit(0i64)).filter(won))
                .alias("won"),
        ])
        .collect()
        .ctx("won")?;
    Ok(money::minors(f.column("won").ctx("won")?)?
        .first()
        .copied()
        .flatten()
        .unwrap_or(0))
}

/// The backtest: for each of the last WINDOW_MONTHS months the data reach, the projection
/// made at its start against what was won in it; with the mean absolute percentage error
/// and the mean signed error (bias) over the months with a win.
fn backtest(
    snap: &Snapshot,
    past: &Past,
    source: ProbabilitySource,
) -> Result<(DataFrame, Option<f64>, Option<f64>)> {
    let first = snap
        .deals
        .column("created_at")
        .ctx("created_at")?
        .to_physical_repr()
        .i64()
        .ctx("created_at")?
        .min()
        .and_then(chrono::DateTime::from_timestamp_millis)
        .map(|d| d.naive_utc());
    let mut months = Vec::new();
    for k in (1..=WINDOW_MONTHS).rev() {
        if let Some(m) = snap.period.month_before(k) {
            // Months before the data begin are left out.
            if first.is_some_and(|f| f < m.end) {
                months.push(m);
            }
        }
    }
    let mut month = Vec::new();
    let (mut fc, mut act, mut err, mut ape) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for m in &months {
        let f = project(snap, past, m, m.start_ms(), source)?.projection();
        let a = won_between(snap, m.start_ms(), m.end_ms())?;
        month.push(m.label.clone());
        fc.push(Some(f));
        act.push(Some(a));
        err.push(Some(f - a));
        ape.push((a > 0).then(|| (f - a).abs() as f64 / a as f64));
    }
    let signed: Vec<f64> = err
        .iter()
        .zip(&act)
        .filter_map(|(e, a)| match (e, a) {
            (Some(e), Some(a)) if *a > 0 => Some(*e as f64 / *a as f64),
            _ => None,
        })
        .collect();
    let known: Vec<f64> = ape.iter().flatten().copied().collect();
    let mean = |v: &[f64]| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
    let (mape, bias) = (mean(&known), mean(&signed));
    let backtest = DataFrame::new(
        month.len(),
        vec![
            Column::new("month".into(), month),
            money::column("forecast", fc),
            money::column("actual", act),
            money::column("error", err),
            Column::new("abs_pct_error".into(), ape),
        ],
    )
    .ctx("forecast backtest")?;
    Ok((backtest, mape, bias))
}

/// The projection for the period and the next one, and the backtest of the 12 months before.
pub fn forecast(
    snap: &Snapshot,
    source: ProbabilitySource,
    log: Option<&super::state::ChangeLog>,
) -> Result<Forecast> {
    let mut notes = Vec::new();
    let expected = snap
        .deals
        .column("expected_close_at")
        .ctx("expected_close_at")?
        .null_count();
    if expected == snap.deals.height() {
        notes.push(Note::new(
            "no deal has an expected close date (deals.expected_close_at): the forecast counts only what was won",
            "ни у одной сделки нет ожидаемой даты закрытия (deals.expected_close_at): прогноз учитывает только выигранное",
        ));
    }
    if log.is_none_or(|l| l.is_empty()) {
        notes.push(Note::new(
            "without deal_changes, past amounts and expected close dates are today's values: the backtest is rebuilt \
             from them and runs optimistic where the CRM moves the expected close to the day a deal closes",
            "без deal_changes прошлые суммы и ожидаемые даты закрытия — сегодняшние: проверка на истории строится по ним \
             и завышена там, где CRM переносит ожидаемое закрытие на день закрытия сделки",
        ));
    }
    let as_of = snap.period.end_ms();
    let mut windows = vec![snap.period.clone()];
    if let Some(n) = snap.period.next() {
        windows.push(n);
    }
    let past = Past::new(&snap.deals, snap.entries.as_ref(), log)?;
    let (backtest, mape, bias) = backtest(snap, &past, source)?;
    let mut rows: Vec<(String, Projection)> = Vec::new();
    for w in &windows {
        rows.push((w.label.clone(), project(snap, &past, w, as_of, source)?));
    }
    let n = rows.len();
    let forecast = DataFrame::new(
        n,
        vec![
            Column::new(
                "window".into(),
                rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>(),
            ),
            money::column("won_so_far", rows.iter().map(|r| Some(r.1.won_so_far))),
            Column::new(
                "open_deals".into(),
                rows.iter().map(|r| r.1.open_deals).collect::<Vec<_>>(),
            ),
            money::column("open_amount", rows.iter().map(|r| Some(r.1.open_amount))),
            money::column(
                "weighted_amount",
                rows.iter().map(|r| Some(r.1.weighted_amount)),
            ),
            money::column("projection", rows.iter().map(|r| Some(r.1.projection()))),
            Column::new("backtest_mape".into(), vec![mape; n]),
            Column::new("backtest_bias".into(), vec![bias; n]),
        ],
    )
    .ctx("forecast")?;
    Ok(Forecast {
        forecast,
        backtest,
        mape,
        bias,
        notes,
    })
}
