//! Plan pacing (SPEC §3): will each manager, team and the company meet the period's plan?
//!
//! As of a moment inside the period (the snapshot's as-of; its start is the period's):
//! - plan: per month, the `plans` row of the manager (or team), else the manager's
//!   `monthly_plan`; a team without a row of its own has the sum of its managers'; the
//!   company's is the sum of the teams' and of the managers without a team. A month the
//!   period covers only in part counts the part of its plan its days cover, and a manager
//!   who joins or leaves inside the period the part of the days employed (the roster's).
//! - won: the amount of the deals won from the period start to as-of (exact);
//! - attainment = won ÷ plan; expected_by_now = plan × elapsed ÷ the period's length;
//!   gap = plan − won (negative when the plan is beaten);
//! - pipeline: the deals open at as-of whose expected close falls between as-of and the
//!   period's end, and weighted by p as in the forecast;
//! - coverage = pipeline ÷ gap (empty when the plan is met), required_coverage = 1 ÷ the win
//!   rate of the deals closed in the 12 months before as-of (won ÷ (won + lost)).

use crate::i18n::Note;
use crate::schema::names::MANAGER_ID;
use std::collections::BTreeMap;

use polars::prelude::*;

use super::forecast;
use super::plans::plan_rows;
use super::snapshot::{Snapshot, moment};
use crate::config::ProbabilitySource;
use crate::error::{PolarsContext, Result};
use crate::money;
use crate::period::Period;
use crate::tables::Tables;
use crate::tables::status;

/// One row's figures before they become a table.
#[derive(Debug, Default, Clone)]
struct Row {
    plan: Option<i128>,
    won: i128,
    pipeline: i128,
    weighted: i128,
    /// Open at as-of with the expected close already past (left out of the pipeline).
    overdue: i128,
    closed: i64,
    wins: i64,
}

/// The SPEC §6 `pacing` table: manager_id, team, plan, won, attainment, expected_by_now,
/// gap, pipeline, weighted_pipeline, coverage, required_coverage, then level, elapsed_share
/// and overdue_pipeline (open deals whose expected close passed before as-of).
pub struct Pacing {
    pub pacing: DataFrame,
    pub notes: Vec<Note>,
}

/// The months `period` touches, each with the share of its days inside the period.
fn months(period: &Period) -> Vec<(chrono::NaiveDate, f64)> {
    use chrono::Datelike;
    let mut out = Vec::new();
    let mut m = Period::month_of(period.start);
    while m.start < period.end {
        let from = m.start.max(period.start);
        let to = m.end.min(period.end);
        let share =
            (to - from).num_milliseconds() as f64 / (m.end - m.start).num_milliseconds() as f64;
        out.push((m.start.date().with_day(1).unwrap_or(m.start.date()), share));
        match m.next() {
            Some(n) => m = n,
            None => break,
        }
    }
    out
}

/// `amount × share` in minor units, exact when the share is whole.
fn part(amount: i128, share: f64) -> i128 {
    if share >= 1.0 {
        amount
    } else {
        (amount as f64 * share).round() as i128
    }
}

/// Per manager: won in [start, as-of), and closed / won in the 12 months before as-of.
fn outcomes(snap: &Snapshot) -> Result<BTreeMap<String, (i128, i64, i64)>> {
    let as_of = snap.period.end_ms();
    let from = snap
        .period
        .end
        .checked_sub_months(chrono::Months::new(forecast::WINDOW_MONTHS))
        .unwrap_or(snap.period.end)
        .and_utc()
        .timestamp_millis();
    let won_now = status::won()
        .and(col("closed_at").gt_eq(moment(snap.period.start_ms())))
        .and(col("closed_at").lt(moment(as_of)));
    let trailing = col("closed_at")
        .gt_eq(moment(from))
        .and(col("closed_at").lt(moment(as_of)));
    let f = snap
        .deals
        .clone()
        .lazy()
        .group_by([col(MANAGER_ID).cast(DataType::String).alias(MANAGER_ID)])
        .agg([
            money::sum_minor(
                money::minor_expr("amount")
                    .fill_null(lit(0i64))
                    .filter(won_now),
            )
            .alias("won"),
            trailing
                .clone()
                .and(crate::tables::status::closed())
                .sum()
                .cast(DataType::Int64)
                .alias("closed"),
            trailing
                .and(status::won())
                .sum()
                .cast(DataType::Int64)
                .alias("wins"),
        ])
        .collect()
        .ctx("pacing outcomes")?;
    let ids = super::texts(&f, MANAGER_ID)?;
    let won = money::minors(f.column("won").ctx("won")?)?;
    let closed = super::ints(&f, "closed")?;
    let wins = super::ints(&f, "wins")?;
    Ok((0..f.height())
        .filter_map(|i| {
            let id = ids[i].clone()?;
            Some((
                id,
                (
                    won[i].unwrap_or(0),
                    closed[i].unwrap_or(0),
                    wins[i].unwrap_or(0),
                ),
            ))
        })
        .collect())
}

/// Pacing as of the snapshot's as-of inside `period`: each manager's row (plan, won, trailing
/// closes and wins, open pipeline to the period's end), then the teams and the company.
pub fn pacing(
    tables: &Tables,
    snap: &Snapshot,
    period: &Period,
    source: ProbabilitySource,
) -> Result<Pacing> {
    let mut notes = Vec::new();
    let (rows, team_of) = manager_rows(tables, snap, period, source)?;
    let (team_rows, company) = teams_and_company(tables, period, &rows, &team_of)?;
    if company.plan.is_none() {
        notes.push(Note::new(
            "no plan: neither a plans table nor managers.monthly_plan; plan, attainment, gap and coverage are left empty",
            "плана нет: ни таблицы plans, ни managers.monthly_plan; план, выполнение, отставание и покрытие пусты",
        ));
    }
    let as_of = snap.period.end_ms();
    let elapsed = ((as_of - period.start_ms()) as f64
        / (period.end_ms() - period.start_ms()).max(1) as f64)
        .clamp(0.0, 1.0);
    let mut all: Vec<(&str, Option<String>, Option<String>, Row)> = Vec::new();
    for (id, r) in rows {
        let team = team_of.get(&id).cloned().flatten();
        all.push(("manager", Some(id), team, r));
    }
    for (team, r) in team_rows {
        all.push(("team", None, Some(team), r));
    }
    all.push(("company", None, None, company));
    Ok(Pacing {
        pacing: pacing_frame(&all, elapsed)?,
        notes,
    })
}

/// Whose team each manager is in.
type TeamOf = BTreeMap<String, Option<String>>;

/// Each manager's row: the roster's period plan (none for one who left before the period),
/// plan rows of managers not in the roster, won so far and the trailing closes and wins, and
/// the open pipeline from as-of to the period's end.
fn manager_rows(
    tables: &Tables,
    snap: &Snapshot,
    period: &Period,
    source: ProbabilitySource,
) -> Result<(BTreeMap<String, Row>, TeamOf)> {
    let (mut rows, mut team_of) = planned_rows(tables, period)?;
    for (id, (won, closed, wins)) in outcomes(snap)? {
        let r = rows.entry(id.clone()).or_default();
        team_of.entry(id).or_insert(None);
        r.won = won;
        r.closed = closed;
        r.wins = wins;
    }
    pipelines(snap, period, source, &mut rows, &mut team_of)?;
    Ok((rows, team_of))
}

/// A row per manager with a plan: the roster's period plan (none for one who left before the
/// period), and the plan rows of managers not in the roster; each manager's team.
fn planned_rows(tables: &Tables, period: &Period) -> Result<(BTreeMap<String, Row>, TeamOf)> {
    let roster = super::managers::roster(tables, period)?;
    let ids = super::texts(&roster, MANAGER_ID)?;
    let teams = super::texts(&roster, "team")?;
    // Each manager's plan: the roster's period plan (the plans row of each month, else
    // monthly_plan).
    let period_plans = money::minor_units(roster.column("period_plan").ctx("period_plan")?)?;
    let (plan_by_manager, _) = plan_rows(tables)?;
    let months = months(period);
    let mut team_of: TeamOf = BTreeMap::new();
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    // A manager who left before the period has no plan in it (the roster keeps the plan for
    // payroll's attainment; pacing does not count it into the team's or company's).
    let left: Vec<Option<i32>> = roster
        .column("left_on")
        .ctx("left_on")?
        .cast(&DataType::Int32)
        .ctx("left_on")?
        .i32()
        .ctx("left_on")?
        .iter()
        .collect();
    let start_day = (period.start_ms().div_euclid(86_400_000)) as i32;
    for i in 0..roster.height() {
        let Some(id) = ids[i].clone() else { continue };
        let gone = left[i].is_some_and(|d| d < start_day);
        let plan = if gone { None } else { period_plans[i] };
        team_of.insert(id.clone(), teams[i].clone());
        rows.insert(
            id,
            Row {
                plan,
                ..Row::default()
            },
        );
    }
    // Managers with a plan row but not in the roster.
    for (_, id) in plan_by_manager.keys() {
        if !rows.contains_key(id) {
            let mut plan = None;
            for (m, share) in &months {
                if let Some(p) = plan_by_manager.get(&(*m, id.clone())) {
                    plan = Some(plan.unwrap_or(0) + part(*p, *share));
                }
            }
            team_of.insert(id.clone(), None);
            rows.insert(
                id.clone(),
                Row {
                    plan,
                    ..Row::default()
                },
            );
        }
    }
    Ok((rows, team_of))
}

/// Each manager's open pipeline from as-of to the period's end, and the open deals whose
/// expected close passed before as-of.
fn pipelines(
    snap: &Snapshot,
    period: &Period,
    source: ProbabilitySource,
    rows: &mut BTreeMap<String, Row>,
    team_of: &mut TeamOf,
) -> Result<()> {
    let as_of = snap.period.end_ms();
    // Open deals expected to close from as-of to the period's end (the pipeline), and those
    // whose expected close passed before as-of: not pipeline of the period (they slipped),
    // shown beside it so a rep's stale dates are not read as an empty pipeline. One
    // measurement of the stage win rates serves both.
    let rates = forecast::stage_win_rates(snap, as_of)?;
    // The snapshot's deals are already as of its end: no change log.
    let past = super::state::Past::new(&snap.deals, snap.entries.as_ref(), None)?;
    let by = Some(MANAGER_ID);
    let window = (as_of, period.end_ms());
    let ahead = forecast::pipeline(&past, &rates, window, as_of, source, by)?;
    let overdue = forecast::pipeline(&past, &rates, (0, as_of), as_of, source, by)?;
    for (p, is_overdue) in ahead
        .into_iter()
        .map(|p| (p, false))
        .chain(overdue.into_iter().map(|p| (p, true)))
    {
        let Some(id) = p.group else { continue };
        let r = rows.entry(id.clone()).or_default();
        team_of.entry(id).or_insert(None);
        if is_overdue {
            r.overdue = p.amount;
        } else {
            r.pipeline = p.amount;
            r.weighted = p.weighted;
        }
    }
    Ok(())
}

/// The teams (their own plan rows, else the sum of their managers') and the company (the sum
/// of the teams and of the managers without a team).
fn teams_and_company(
    tables: &Tables,
    period: &Period,
    rows: &BTreeMap<String, Row>,
    team_of: &TeamOf,
) -> Result<(BTreeMap<String, Row>, Row)> {
    let (_, plan_by_team) = plan_rows(tables)?;
    let months = months(period);
    // Teams: their own plan rows, else the sum of their managers'.
    let mut team_rows: BTreeMap<String, Row> = BTreeMap::new();
    let add = |into: &mut Row, r: &Row| {
        into.won += r.won;
        into.pipeline += r.pipeline;
        into.weighted += r.weighted;
        into.overdue += r.overdue;
        into.closed += r.closed;
        into.wins += r.wins;
    };
    for (id, r) in rows {
        if let Some(Some(team)) = team_of.get(id) {
            let t = team_rows.entry(team.clone()).or_default();
            add(t, r);
            if let Some(p) = r.plan {
                t.plan = Some(t.plan.unwrap_or(0) + p);
            }
        }
    }
    for (team, t) in team_rows.iter_mut() {
        let mut own: Option<i128> = None;
        for (m, share) in &months {
            if let Some(p) = plan_by_team.get(&(*m, team.clone())) {
                own = Some(own.unwrap_or(0) + part(*p, *share));
            }
        }
        if own.is_some() {
            t.plan = own;
        }
    }
    let mut company = Row::default();
    for t in team_rows.values() {
        add(&mut company, t);
        if let Some(p) = t.plan {
            company.plan = Some(company.plan.unwrap_or(0) + p);
        }
    }
    for (id, r) in rows {
        if !matches!(team_of.get(id), Some(Some(_))) {
            add(&mut company, r);
            if let Some(p) = r.plan {
                company.plan = Some(company.plan.unwrap_or(0) + p);
            }
        }
    }
    Ok((team_rows, company))
}

/// The pacing table of every row, with the period's elapsed share.
fn pacing_frame(
    all: &[(&str, Option<String>, Option<String>, Row)],
    elapsed: f64,
) -> Result<DataFrame> {
    let n = all.len();
    let plan: Vec<Option<i128>> = all.iter().map(|r| r.3.plan).collect();
    let won: Vec<Option<i128>> = all.iter().map(|r| Some(r.3.won)).collect();
    let gap: Vec<Option<i128>> = all.iter().map(|r| r.3.plan.map(|p| p - r.3.won)).collect();
    DataFrame::new(
        n,
        vec![
            Column::new(
                MANAGER_ID.into(),
                all.iter().map(|r| r.1.clone()).collect::<Vec<_>>(),
            ),
            Column::new(
                "team".into(),
                all.iter().map(|r| r.2.clone()).collect::<Vec<_>>(),
            ),
            money::column("plan", plan.clone()),
            money::column("won", won),
            Column::new(
                "attainment".into(),
                all.iter()
                    .map(|r| match r.3.plan {
                        Some(p) if p > 0 => Some(r.3.won as f64 / p as f64),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            ),
            money::column(
                "expected_by_now",
                plan.iter().map(|p| p.map(|p| part(p, elapsed))),
            ),
            money::column("gap", gap.clone()),
            money::column("pipeline", all.iter().map(|r| Some(r.3.pipeline))),
            money::column("weighted_pipeline", all.iter().map(|r| Some(r.3.weighted))),
            Column::new(
                "coverage".into(),
                all.iter()
                    .zip(&gap)
                    .map(|(r, g)| match g {
                        Some(g) if *g > 0 => Some(r.3.pipeline as f64 / *g as f64),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "required_coverage".into(),
                all.iter()
                    .map(|r| (r.3.wins > 0).then(|| r.3.closed as f64 / r.3.wins as f64))
                    .collect::<Vec<_>>(),
            ),
            Column::new("level".into(), all.iter().map(|r| r.0).collect::<Vec<_>>()),
            Column::new("elapsed_share".into(), vec![elapsed; n]),
            money::column("overdue_pipeline", all.iter().map(|r| Some(r.3.overdue))),
        ],
    )
    .ctx("pacing")
}
