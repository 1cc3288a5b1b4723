//! Cohort retention (SPEC §3): clients grouped by the month (or quarter) of their first
//! purchase; for each period k since, the clients still active — a purchase in period k or
//! later, as of the as-of date — as a share of the cohort, and the revenue of period k as a
//! share of the cohort's revenue in period 0. Each cohort's "still active" curve is fitted
//! with the shifted-beta-geometric model (`sbg`), which projects it forward.
//!
//! "Still active" is a survival curve by construction (it never rises), which is what the sBG
//! describes: a client counts as lost after their last purchase. The latest periods of a
//! cohort are the least settled — a client may yet buy again — so the fit reads them as
//! they stand on the as-of date.

use crate::i18n::Note;
use crate::schema::names::CLIENT_ID;
use std::collections::BTreeMap;

use polars::prelude::*;

use super::ints;
use super::purchases::purchases;
use super::sbg;
use super::snapshot::Snapshot;
use crate::config::PurchaseSource;
use crate::error::{PolarsContext, Result};
use crate::money;
use crate::tables::Tables;

/// Months or quarters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grain {
    Month,
    Quarter,
}

impl Grain {
    /// The period of a date as one number counting from year 0.
    fn ordinal(self, year: Expr, month: Expr) -> Expr {
        match self {
            Grain::Month => year * lit(12i32) + month - lit(1i32),
            Grain::Quarter => year * lit(4i32) + (month - lit(1i32)).floor_div(lit(3i32)),
        }
    }

    /// The label of a period number: `2024-03` or `2024-Q1`.
    pub fn label(self, ordinal: i64) -> String {
        match self {
            Grain::Month => format!(
                "{}-{:02}",
                ordinal.div_euclid(12),
                ordinal.rem_euclid(12) + 1
            ),
            Grain::Quarter => format!("{}-Q{}", ordinal.div_euclid(4), ordinal.rem_euclid(4) + 1),
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Grain::Month => "month",
            Grain::Quarter => "quarter",
        }
    }
}

/// Periods the sBG projection runs to.
pub const HORIZON: usize = 12;

/// One cohort's curve.
#[derive(Debug, Clone, PartialEq)]
pub struct Cohort {
    pub period: i64,
    pub clients: u64,
    /// Clients still active in period 0, 1, … up to the as-of period.
    pub active: Vec<u64>,
    /// Revenue of period 0, 1, … in minor units.
    pub revenue: Vec<i128>,
}

/// The retention figure.
pub struct Retention {
    pub cohorts: Vec<Cohort>,
    /// SPEC §6 `retention`.
    pub table: DataFrame,
    /// Per cohort: clients, periods, α, β, log-likelihood, projected share at HORIZON, why
    /// not fitted.
    pub fit: DataFrame,
    /// Per cohort and period 0..=HORIZON: observed and projected share still active.
    pub projection: DataFrame,
    pub notes: Vec<Note>,
}

/// The cohorts from purchases with a period number `p` per row (client_id, p, amount_minor),
/// up to the as-of period `last`.
pub fn cohorts(rows: LazyFrame, last: i64) -> Result<Vec<Cohort>> {
    let per_client = rows.clone().group_by([col(CLIENT_ID)]).agg([
        col("p").min().alias("first"),
        col("p").max().alias("latest"),
    ]);
    let spans = per_client
        .clone()
        .group_by([col("first"), (col("latest") - col("first")).alias("span")])
        .agg([len().cast(DataType::Int64).alias("clients")])
        .collect()
        .ctx("cohort spans")?;
    let revenue = rows
        .join(
            per_client,
            [col(CLIENT_ID)],
            [col(CLIENT_ID)],
            JoinArgs::new(JoinType::Inner),
        )
        .group_by([col("first"), (col("p") - col("first")).alias("k")])
        .agg([money::sum_minor(col("amount_minor")).alias("revenue")])
        .collect()
        .ctx("cohort revenue")?;
    let mut by: BTreeMap<i64, Cohort> = BTreeMap::new();
    let (firsts, spans_k, counts) = (
        ints(&spans, "first")?,
        ints(&spans, "span")?,
        ints(&spans, "clients")?,
    );
    for i in 0..spans.height() {
        let (Some(first), Some(span), Some(n)) = (firsts[i], spans_k[i], counts[i]) else {
            continue;
        };
        if first > last {
            continue;
        }
        let periods = (last - first + 1) as usize;
        let c = by.entry(first).or_insert_with(|| Cohort {
            period: first,
            clients: 0,
            active: vec![0; periods],
            revenue: vec![0; periods],
        });
        c.clients += n as u64;
        // Active in every period up to the client's latest purchase.
        for k in 0..=(span as usize).min(periods - 1) {
            c.active[k] += n as u64;
        }
    }
    let (rf, rk) = (ints(&revenue, "first")?, ints(&revenue, "k")?);
    let rv = money::minors(revenue.column("revenue").ctx("revenue")?)?;
    for i in 0..revenue.height() {
        let (Some(first), Some(k)) = (rf[i], rk[i]) else {
            continue;
        };
        if let Some(c) = by.get_mut(&first) {
            if let Some(slot) = c.revenue.get_mut(k as usize) {
                *slot += rv[i].unwrap_or(0);
            }
        }
    }
    Ok(by.into_values().collect())
}

/// The whole retention figure as of the snapshot.
pub fn retention(
    tables: &Tables,
    snap: &Snapshot,
    grain: Grain,
    source: PurchaseSource,
) -> Result<Retention> {
    let mut notes = Vec::new();
    let source = match (source, &tables.payments) {
        (PurchaseSource::Payments, None) => PurchaseSource::Deals,
        (s, _) => s,
    };
    let date = col("day").cast(DataType::Date);
    let rows = purchases(tables, snap, source)?
        .filter(col("bought"))
        .select([
            col(CLIENT_ID),
            grain
                .ordinal(
                    date.clone().dt().year(),
                    date.dt().month().cast(DataType::Int32),
                )
                .cast(DataType::Int64)
                .alias("p"),
            col("amount_minor"),
        ]);
    let last_day = (snap.period.as_of() - chrono::Duration::days(1)).date();
    let last = {
        use chrono::Datelike;
        let (y, m) = (i64::from(last_day.year()), i64::from(last_day.month()));
        match grain {
            Grain::Month => y * 12 + m - 1,
            Grain::Quarter => y * 4 + (m - 1) / 3,
        }
    };
    let cohorts = cohorts(rows, last)?;
    let table = table(&cohorts, grain)?;
    let (fit, projection) = fits(&cohorts, grain, &mut notes)?;
    if cohorts.is_empty() {
        notes.push(Note::new(
            "no purchase before as-of: no cohort to follow",
            "до даты отчёта нет ни одной покупки: когорт нет",
        ));
    }
    Ok(Retention {
        cohorts,
        table,
        fit,
        projection,
        notes,
    })
}

fn table(cohorts: &[Cohort], grain: Grain) -> Result<DataFrame> {
    let mut cohort = Vec::new();
    let (mut index, mut clients, mut active, mut share) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut revenue, mut revenue_share) = (Vec::new(), Vec::new());
    for c in cohorts {
        for k in 0..c.active.len() {
            cohort.push(grain.label(c.period));
            index.push(k as u32);
            clients.push(c.clients);
            active.push(c.active[k]);
            share.push(c.active[k] as f64 / c.clients as f64);
            revenue.push(Some(c.revenue[k]));
            revenue_share
                .push((c.revenue[0] > 0).then(|| c.revenue[k] as f64 / c.revenue[0] as f64));
        }
    }
    let n = cohort.len();
    DataFrame::new(
        n,
        vec![
            Column::new("cohort".into(), cohort),
            Column::new("period_index".into(), index),
            Column::new("clients".into(), clients),
            Column::new("active".into(), active),
            Column::new("active_share".into(), share),
            money::column("revenue", revenue),
            Column::new("revenue_share".into(), revenue_share),
        ],
    )
    .ctx("retention table")
}

/// The sBG fit of each cohort's active curve (a note on how many have none) and the
/// observed and projected share still active per period.
fn fits(cohorts: &[Cohort], grain: Grain, notes: &mut Vec<Note>) -> Result<(DataFrame, DataFrame)> {
    let fitted: Vec<std::result::Result<sbg::Fit, sbg::FitError>> = cohorts
        .iter()
        .map(|c| sbg::fit(&c.active.iter().map(|&a| a as f64).collect::<Vec<_>>()))
        .collect();
    let survival: Vec<Option<Vec<f64>>> = fitted
        .iter()
        .map(|f| f.as_ref().ok().map(|f| f.params.survival(HORIZON)))
        .collect();
    let unfitted = fitted.iter().filter(|f| f.is_err()).count();
    if unfitted > 0 {
        let all = cohorts.len();
        notes.push(Note::new(
            format!(
                "{unfitted} of {all} cohorts have no sBG fit (followed for fewer than 2 periods, nobody left, everybody \
                 left in the first period, or the fit did not converge); each one's reason is in retention_fit.why"
            ),
            format!(
                "у {unfitted} из {all} когорт нет подгонки sBG (наблюдались меньше 2 периодов, никто не ушёл, все ушли \
                 в первом периоде или подгонка не сошлась); причина каждой — в retention_fit.why"
            ),
        ));
    }
    Ok((
        fit_frame(cohorts, &fitted, &survival, grain)?,
        projection_frame(cohorts, &survival, grain)?,
    ))
}

/// One row per cohort: its fit's parameters and likelihood, the share projected at the
/// horizon, or why it has no fit.
fn fit_frame(
    cohorts: &[Cohort],
    fitted: &[std::result::Result<sbg::Fit, sbg::FitError>],
    survival: &[Option<Vec<f64>>],
    grain: Grain,
) -> Result<DataFrame> {
    let ok = |f: &std::result::Result<sbg::Fit, sbg::FitError>| f.as_ref().ok().copied();
    let columns = vec![
        Column::new(
            "cohort".into(),
            cohorts
                .iter()
                .map(|c| grain.label(c.period))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "clients".into(),
            cohorts.iter().map(|c| c.clients).collect::<Vec<_>>(),
        ),
        Column::new(
            "periods".into(),
            cohorts
                .iter()
                .map(|c| c.active.len() as u32)
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "alpha".into(),
            fitted
                .iter()
                .map(|f| ok(f).map(|f| f.params.alpha))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "beta".into(),
            fitted
                .iter()
                .map(|f| ok(f).map(|f| f.params.beta))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "log_likelihood".into(),
            fitted
                .iter()
                .map(|f| ok(f).map(|f| f.log_likelihood))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            format!("projected_share_{HORIZON}").into(),
            survival
                .iter()
                .map(|s| s.as_ref().map(|s| s[HORIZON]))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "why".into(),
            fitted
                .iter()
                .map(|f| f.as_ref().err().map(|e| e.to_string()))
                .collect::<Vec<_>>(),
        ),
    ];
    DataFrame::new(cohorts.len(), columns).ctx("retention fit")
}

/// Per cohort and period since the first purchase (at least to the horizon): the share
/// observed still active and the share the fit projects.
fn projection_frame(
    cohorts: &[Cohort],
    survival: &[Option<Vec<f64>>],
    grain: Grain,
) -> Result<DataFrame> {
    let (mut p_cohort, mut p_index, mut p_observed, mut p_projected) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (c, survival) in cohorts.iter().zip(survival) {
        for k in 0..=HORIZON.max(c.active.len() - 1) {
            p_cohort.push(grain.label(c.period));
            p_index.push(k as u32);
            p_observed.push(c.active.get(k).map(|&a| a as f64 / c.clients as f64));
            p_projected.push(survival.as_ref().and_then(|s| s.get(k).copied()));
        }
    }
    let m = p_cohort.len();
    DataFrame::new(
        m,
        vec![
            Column::new("cohort".into(), p_cohort),
            Column::new("period_index".into(), p_index),
            Column::new("observed_share".into(), p_observed),
            Column::new("projected_share".into(), p_projected),
        ],
    )
    .ctx("retention projection")
}

#[cfg(test)]
mod tests {
    use super::super::texts;
    use super::*;

    #[test]
    fn two_cohorts_by_hand() {
        // January (period 2024·12 + 0): K1 buys in Jan and Mar, K2 in Jan only, K3 in Jan and
        // Feb. February: K4 in Feb and Mar. As of March.
        // January: 3 clients; active k=0: 3, k=1 (Feb or later): K1, K3 = 2, k=2 (Mar or
        // later): K1 = 1. Revenue: Jan 100+200+300 = 600, Feb 50 (K3), Mar 10 (K1).
        // February: 1 client, active 1, 1; revenue Feb 70, Mar 30.
        let jan = 2024 * 12;
        let rows = df!(
            CLIENT_ID => ["K1", "K1", "K2", "K3", "K3", "K4", "K4"],
            "p" => [jan, jan + 2, jan, jan, jan + 1, jan + 1, jan + 2],
            "amount_minor" => [100i64, 10, 200, 300, 50, 70, 30],
        )
        .unwrap();
        let c = cohorts(rows.lazy(), jan + 2).unwrap();
        assert_eq!(
            c,
            vec![
                Cohort {
                    period: jan,
                    clients: 3,
                    active: vec![3, 2, 1],
                    revenue: vec![600, 50, 10],
                },
                Cohort {
                    period: jan + 1,
                    clients: 1,
                    active: vec![1, 1],
                    revenue: vec![70, 30],
                },
            ]
        );
        let t = table(&c, Grain::Month).unwrap();
        let share = super::super::floats(&t, "active_share").unwrap();
        assert_eq!(
            share,
            [
                Some(1.0),
                Some(2.0 / 3.0),
                Some(1.0 / 3.0),
                Some(1.0),
                Some(1.0)
            ]
        );
        let rs = super::super::floats(&t, "revenue_share").unwrap();
        assert_eq!(rs[1], Some(50.0 / 600.0));
        assert_eq!(texts(&t, "cohort").unwrap()[3].as_deref(), Some("2024-02"));
        // A cohort of one client followed for one period: no fit, and it says why.
        let mut notes = Vec::new();
        let (fit, _) = fits(&c, Grain::Month, &mut notes).unwrap();
        let why = texts(&fit, "why").unwrap();
        assert!(
            why[1].as_deref().unwrap().contains("at least 2 periods"),
            "{why:?}"
        );
        assert_eq!(notes.len(), 1);
    }

    #[test]
    fn quarter_labels() {
        assert_eq!(Grain::Quarter.label(2024 * 4), "2024-Q1");
        assert_eq!(Grain::Quarter.label(2024 * 4 + 3), "2024-Q4");
        assert_eq!(Grain::Month.label(2024 * 12 + 11), "2024-12");
    }
}
