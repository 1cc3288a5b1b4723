//! The pipeline waterfall and slippage (SPEC §3), from the state of each deal at a moment.
//!
//! The state of a deal at a moment t is [`super::state`]'s one rule; [`DealHistory::at`]
//! applies it to one deal's amount and expected close.
//!
//! The waterfall of a window W from d0 (the period start) to d1 (as-of) follows every deal
//! that was in W's pipeline (open, expected to close in W) at some moment of [d0, d1), and every
//! deal won in it (a lost one only if it was in the pipeline). Each enters once — *start* (in
//! the pipeline at d0), else *created* (created in the period), else *pulled_in* (open at d0
//! outside the pipeline) — and leaves once: *won* or *lost* (closed in the period), else *end*
//! (in the pipeline at d1), else *pushed_out* (open at d1 outside it). It enters with its amount
//! at d0 (start, pulled_in) or at creation (created) and leaves with its amount at its close or
//! at d1; a rise adds to *increased*, a fall to *decreased*. An empty amount counts as 0. So
//! start + created + pulled_in = won + lost + pushed_out + end (deals), and
//! start + created + pulled_in + increased − decreased = won + lost + pushed_out + end (money).

use crate::schema::names::{DEAL_ID, MANAGER_ID};
use std::collections::HashMap;

use polars::prelude::*;

use super::snapshot::Snapshot;
use super::state::{Changes, value_at};
use super::{ints, texts};
use crate::error::{PolarsContext, Result};
use crate::money;
use crate::period::Period;
use crate::tables::Tables;

const DAY_MS: i64 = 86_400_000;

/// The waterfall's buckets, in the order of the table.
pub const BUCKETS: [&str; 9] = [
    "start",
    "created",
    "pulled_in",
    "increased",
    "decreased",
    "won",
    "lost",
    "pushed_out",
    "end",
];

/// What is known of one deal over time.
#[derive(Debug, Clone, Default)]
pub struct DealHistory {
    pub created: i64,
    pub closed: Option<i64>,
    pub status: String,
    pub amount: Option<i128>,
    pub expected: Option<i64>,
    pub amount_changes: Changes<i128>,
    pub expected_changes: Changes<i64>,
}

impl DealHistory {
    /// Open at `t`: created at or before it and not yet closed.
    pub fn open_at(&self, t: i64) -> bool {
        self.created <= t && self.closed.is_none_or(|c| t < c)
    }

    /// (amount, expected close) at `t`.
    pub fn at(&self, t: i64) -> (Option<i128>, Option<i64>) {
        (
            value_at(&self.amount_changes, self.amount, t),
            value_at(&self.expected_changes, self.expected, t),
        )
    }

    fn in_window(&self, t: i64, w: (i64, i64)) -> bool {
        self.open_at(t) && self.at(t).1.is_some_and(|e| e >= w.0 && e < w.1)
    }

    /// In W's pipeline at some moment of [d0, d1): at d0, at its creation, or after one of
    /// its expected-close changes in the period.
    fn ever_in(&self, w: (i64, i64), d0: i64, d1: i64) -> bool {
        let mut moments = vec![d0.max(self.created)];
        moments.extend(
            self.expected_changes
                .iter()
                .map(|c| c.0)
                .filter(|t| *t >= d0 && *t < d1),
        );
        moments
            .into_iter()
            .filter(|t| *t < d1)
            .any(|t| self.in_window(t, w))
    }
}

/// Every deal open at some moment of [d0, d1) with its history (amount and expected close
/// changes from `deal_changes`).
pub fn histories(tables: &Tables, snap: &Snapshot) -> Result<HashMap<String, DealHistory>> {
    let (d0, d1) = (snap.period.start_ms(), snap.period.end_ms());
    let deals = snap
        .deals
        .clone()
        .lazy()
        .filter(
            col("closed_at")
                .is_null()
                .or(col("closed_at").gt_eq(super::snapshot::moment(d0))),
        )
        .select([
            col(DEAL_ID).cast(DataType::String),
            col("created_at").cast(DataType::Int64).alias("created"),
            col("closed_at").cast(DataType::Int64).alias("closed"),
            col("status").cast(DataType::String),
            money::minor_expr("amount").alias("amount_minor"),
            col("expected_close_at")
                .cast(DataType::Int64)
                .alias("expected"),
        ])
        .collect()
        .ctx("pipeline deals")?;
    let ids = texts(&deals, DEAL_ID)?;
    let created = ints(&deals, "created")?;
    let closed = ints(&deals, "closed")?;
    let status = texts(&deals, "status")?;
    let amount = ints(&deals, "amount_minor")?;
    let expected = ints(&deals, "expected")?;
    let mut out: HashMap<String, DealHistory> = HashMap::with_capacity(deals.height());
    for i in 0..deals.height() {
        let (Some(id), Some(c)) = (ids[i].clone(), created[i]) else {
            continue;
        };
        if c >= d1 {
            continue;
        }
        out.insert(
            id,
            DealHistory {
                created: c,
                closed: closed[i],
                status: status[i].clone().unwrap_or_default(),
                amount: amount[i].map(i128::from),
                expected: expected[i],
                ..DealHistory::default()
            },
        );
    }
    for (id, c) in tables.change_log()?.deals() {
        if let Some(h) = out.get_mut(id) {
            h.amount_changes = c.amount.clone();
            h.expected_changes = c.expected.clone();
        }
    }
    Ok(out)
}

/// The waterfall, and each followed deal's way in and out.
pub struct Waterfall {
    /// SPEC §6 `pipeline_waterfall`: bucket, deals, amount.
    pub waterfall: DataFrame,
    /// deal_id, entered, left, amount_in, amount_out.
    pub deals: DataFrame,
}

/// How a deal passes through the window's pipeline in the period `(d0, d1)`: how it
/// entered (start, created, pulled in) and left (won, lost, end, pushed out), with its
/// amount then (empty as 0); `None` for a deal never in it and not won in it.
fn passage(
    h: &DealHistory,
    (d0, d1): (i64, i64),
    w: (i64, i64),
) -> Option<(&'static str, &'static str, i128, i128)> {
    let closed_in = h.closed.filter(|c| *c >= d0 && *c < d1);
    // Every win of the period is followed (SPEC), when it falls in the window: following
    // next month's pipeline through this month leaves this month's wins out.
    let won_in = closed_in.is_some_and(|c| c >= w.0 && c < w.1) && h.status == "won";
    let was_in = h.ever_in(w, d0, d1);
    if !(was_in || won_in) {
        return None;
    }
    let (enter, amount_in) = if h.open_at(d0) && h.created < d0 && h.in_window(d0, w) {
        ("start", h.at(d0).0)
    } else if h.created >= d0 {
        ("created", h.at(h.created).0)
    } else {
        ("pulled_in", h.at(d0).0)
    };
    let (leave, amount_out) = match closed_in {
        Some(c) => (if h.status == "won" { "won" } else { "lost" }, h.at(c).0),
        None if h.in_window(d1, w) => ("end", h.at(d1).0),
        None => ("pushed_out", h.at(d1).0),
    };
    Some((
        enter,
        leave,
        amount_in.unwrap_or(0),
        amount_out.unwrap_or(0),
    ))
}

/// The waterfall of `window` over the snapshot's period.
pub fn waterfall(
    histories: &HashMap<String, DealHistory>,
    period: &Period,
    window: &Period,
) -> Result<Waterfall> {
    let (d0, d1) = (period.start_ms(), period.end_ms());
    let w = (window.start_ms(), window.end_ms());
    let mut counts = [0i64; 9];
    let mut money_ = [0i128; 9];
    let idx = |b: &str| BUCKETS.iter().position(|x| *x == b).unwrap_or(0);
    let mut rows: Vec<(String, &str, &str, i128, i128)> = Vec::new();
    let mut ids: Vec<&String> = histories.keys().collect();
    ids.sort();
    for id in ids {
        let Some((enter, leave, a_in, a_out)) = passage(&histories[id], (d0, d1), w) else {
            continue;
        };
        counts[idx(enter)] += 1;
        money_[idx(enter)] += a_in;
        counts[idx(leave)] += 1;
        money_[idx(leave)] += a_out;
        if a_out > a_in {
            money_[idx("increased")] += a_out - a_in;
        } else {
            money_[idx("decreased")] += a_in - a_out;
        }
        rows.push((id.clone(), enter, leave, a_in, a_out));
    }
    let waterfall = DataFrame::new(
        BUCKETS.len(),
        vec![
            Column::new("bucket".into(), BUCKETS.to_vec()),
            Column::new(
                "deals".into(),
                BUCKETS
                    .iter()
                    .enumerate()
                    .map(|(i, b)| (!matches!(*b, "increased" | "decreased")).then_some(counts[i]))
                    .collect::<Vec<_>>(),
            ),
            money::column("amount", money_.iter().map(|m| Some(*m))),
        ],
    )
    .ctx("pipeline waterfall")?;
    let deals = DataFrame::new(
        rows.len(),
        vec![
            Column::new(
                DEAL_ID.into(),
                rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>(),
            ),
            Column::new(
                "entered".into(),
                rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            ),
            Column::new("left".into(), rows.iter().map(|r| r.2).collect::<Vec<_>>()),
            money::column("amount_in", rows.iter().map(|r| Some(r.3))),
            money::column("amount_out", rows.iter().map(|r| Some(r.4))),
        ],
    )
    .ctx("pipeline deals")?;
    Ok(Waterfall { waterfall, deals })
}

/// Slippage per deal and per manager.
pub struct Slippage {
    /// SPEC §6 `slippage`: deal_id, manager_id, slips, days_pushed,
    /// first_expected_close_at, expected_close_at.
    pub deals: DataFrame,
    /// manager_id, deals_slipped, slips, days_pushed.
    pub managers: DataFrame,
}

/// deal_id, manager_id, slips, days pushed, first and last expected close.
type SlipRow = (String, Option<String>, i64, f64, Option<i64>, Option<i64>);

/// Per deal that slipped in the period: its owner, the days with a slip, the days pushed
/// in all, and its expected close at the period's start (or creation) and end.
fn slip_rows(
    histories: &HashMap<String, DealHistory>,
    owners: &HashMap<String, String>,
    period: &Period,
) -> Vec<SlipRow> {
    let (d0, d1) = (period.start_ms(), period.end_ms());
    let mut rows: Vec<SlipRow> = Vec::new();
    for (id, h) in histories {
        let mut days: Vec<i64> = Vec::new();
        let mut pushed = 0.0;
        for (t, old, new) in &h.expected_changes {
            if *t < d0 || *t >= d1 {
                continue;
            }
            if let (Some(o), Some(n)) = (old, new) {
                if n > o {
                    pushed += (n - o) as f64 / DAY_MS as f64;
                    let day = t.div_euclid(DAY_MS);
                    if days.last() != Some(&day) {
                        days.push(day);
                    }
                }
            }
        }
        if days.is_empty() {
            continue;
        }
        let first = h.at(d0.max(h.created)).1;
        let last = h.at(d1).1;
        rows.push((
            id.clone(),
            owners.get(id).cloned(),
            days.len() as i64,
            pushed,
            first,
            last,
        ));
    }
    rows
}

/// Slips in the period: changes of the expected close to a later date, at most one a day per
/// deal; days pushed add every such change (new − old), same-day ones too.
pub fn slippage(
    histories: &HashMap<String, DealHistory>,
    owners: &HashMap<String, String>,
    period: &Period,
) -> Result<Slippage> {
    let mut rows = slip_rows(histories, owners, period);
    rows.sort_by(|a, b| b.3.total_cmp(&a.3).then_with(|| a.0.cmp(&b.0)));
    let dt = |name: &str, v: Vec<Option<i64>>| -> Result<Column> {
        Column::new(name.into(), v)
            .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
            .ctx(name.to_string())
    };
    let deals = DataFrame::new(
        rows.len(),
        vec![
            Column::new(
                DEAL_ID.into(),
                rows.iter().map(|r| r.0.clone()).collect::<Vec<_>>(),
            ),
            Column::new(
                MANAGER_ID.into(),
                rows.iter().map(|r| r.1.clone()).collect::<Vec<_>>(),
            ),
            Column::new("slips".into(), rows.iter().map(|r| r.2).collect::<Vec<_>>()),
            Column::new(
                "days_pushed".into(),
                rows.iter().map(|r| r.3).collect::<Vec<_>>(),
            ),
            dt(
                "first_expected_close_at",
                rows.iter().map(|r| r.4).collect(),
            )?,
            dt("expected_close_at", rows.iter().map(|r| r.5).collect())?,
        ],
    )
    .ctx("slippage")?;
    let managers = deals
        .clone()
        .lazy()
        .group_by([col(MANAGER_ID)])
        .agg([
            len().cast(DataType::Int64).alias("deals_slipped"),
            col("slips").sum().alias("slips"),
            col("days_pushed").sum().alias("days_pushed"),
        ])
        .sort(
            [MANAGER_ID],
            SortMultipleOptions::default().with_nulls_last(true),
        )
        .collect()
        .ctx("slippage per manager")?;
    Ok(Slippage { deals, managers })
}
