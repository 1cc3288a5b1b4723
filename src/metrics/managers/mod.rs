//! Manager KPIs (SPEC §3), each against the company average, and the discipline figures
//! behind them: contacts by kind, overdue tasks, follow-up after the invoice stage, and
//! handoffs along the conveyor (stage_history.manager_id).
//!
//! Every KPI is computed per *key*: the manager, or with `--by team` the team (a team's
//! figures are its members' deals and contacts taken together, not an average of them).
//! Who is counted in the company average: everyone on the roster who worked some part of
//! the period (hired before its end, not left before its start) or had any activity in it.

use crate::i18n::Note;
use crate::schema::names::{DEAL_ID, MANAGER_ID};
use polars::prelude::*;

use super::JoinOn;
use super::snapshot::{Snapshot, days_between, in_period, moment};
use super::{amount_sum, days, rate};
use crate::config::Basis;
use crate::error::{PolarsContext, Result};
use crate::money;
use crate::period::Period;
use crate::tables::Tables;
use crate::tables::status;

/// Name of the key column while KPIs are computed.
mod blocks;
mod compare;
mod handoffs;

use blocks::*;
use compare::*;
use handoffs::handoffs;

const KEY: &str = "key";

/// What the KPIs are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManagerGroup {
    Manager,
    Team,
}

/// Every table `crmstat managers` writes.
pub struct ManagerKpis {
    /// One row per manager (or team), then the company-average row (SPEC §6 managers).
    pub managers: DataFrame,
    /// Per manager and KPI: value, average, ratio to the average, z-score.
    pub deviations: DataFrame,
    /// Contacts in the period per manager and kind.
    pub contacts_by_kind: DataFrame,
    /// Handoffs in the period, with the wait until the new manager's first contact.
    pub handoffs: Option<DataFrame>,
    pub notes: Vec<Note>,
}

/// The KPIs compared with the average, in the order shown.
pub const KPIS: &[&str] = &[
    "open_deals",
    "clients_in_work",
    "deals_created",
    "deals_won",
    "deals_lost",
    "win_rate",
    "won_amount",
    "paid_amount",
    "avg_won_amount",
    "mean_cycle_days",
    "median_cycle_days",
    "contacts",
    "followup_compliance",
    "overdue_tasks",
    "avg_discount_pct",
    "plan_attainment",
];

/// Count columns: 0 (not empty) for a manager with nothing in the period.
const COUNTS: &[&str] = &[
    "open_deals",
    "clients_in_work",
    "deals_created",
    "deals_won",
    "deals_lost",
    "contacts",
    "tasks_due",
    "overdue_tasks",
    "invoice_entries",
    "handoffs_out",
    "handoffs_in",
    "won_with_amount",
];

/// The managers of a run: the managers table, else every manager id the data names.
/// Columns: manager_id, name, team, hired_on, left_on, active (not left before as-of),
/// monthly_plan, period_plan (the monthly plan over the period's months, prorated by days
/// for part months).
pub fn roster(tables: &Tables, period: &Period) -> Result<DataFrame> {
    let as_of_day = (period.end_ms() / super::snapshot::DAY_MS as i64) as i32;
    let base = match &tables.managers {
        Some(m) => m.clone().lazy().select([
            col(MANAGER_ID),
            col("name"),
            col("team"),
            col("hired_on"),
            col("left_on"),
            col("monthly_plan"),
        ]),
        None => {
            let mut ids = vec![tables.deals.clone().lazy().select([col(MANAGER_ID)])];
            // When only some contacts were kept, the loader gave every contact's manager.
            let contacts = match &tables.contact_managers {
                Some(m) => Some(m.clone().into_frame()),
                None => tables.contacts.clone(),
            };
            for t in [&contacts, &tables.stage_history].into_iter().flatten() {
                ids.push(t.clone().lazy().select([col(MANAGER_ID)]));
            }
            concat(ids, UnionArgs::default())
                .ctx("manager ids")?
                .filter(col(MANAGER_ID).is_not_null())
                .unique(None, UniqueKeepStrategy::First)
                .with_columns([
                    lit(NULL).cast(DataType::String).alias("name"),
                    lit(NULL).cast(DataType::String).alias("team"),
                    lit(NULL).cast(DataType::Date).alias("hired_on"),
                    lit(NULL).cast(DataType::Date).alias("left_on"),
                    lit(NULL).cast(money::dtype()).alias("monthly_plan"),
                ])
        }
    };
    let mut frame = base
        .with_column(
            col("left_on")
                .is_null()
                .or(col("left_on").cast(DataType::Int32).gt_eq(lit(as_of_day)))
                .alias("active"),
        )
        .sort([MANAGER_ID], SortMultipleOptions::default())
        .collect()
        .ctx("managers roster")?;
    // A manager's plans row for a month overrides monthly_plan for that month (SPEC §1).
    let (by_manager, _) = super::plans::plan_rows(tables)?;
    let ids = super::texts(&frame, MANAGER_ID)?;
    let days = |name: &str| -> Result<Vec<Option<i32>>> {
        let c = frame
            .column(name)
            .ctx(name)?
            .cast(&DataType::Int32)
            .ctx(name)?;
        Ok(c.i32().ctx(name)?.iter().collect())
    };
    let (hired, left) = (days("hired_on")?, days("left_on")?);
    let plans: Vec<Option<i128>> =
        money::minor_units(frame.column("monthly_plan").ctx("monthly_plan")?)?
            .into_iter()
            .zip(&ids)
            .enumerate()
            .map(|(i, (m, id))| {
                let window = employed(period, hired[i], left[i]);
                match id {
                    Some(id) if by_manager.keys().any(|(_, who)| who == id) => period_plan_with(
                        m,
                        |month| by_manager.get(&(month, id.clone())).copied(),
                        &window,
                    ),
                    _ => m.map(|m| period_plan(m, &window)),
                }
            })
            .collect();
    frame
        .with_column(money::column("period_plan", plans))
        .ctx("period plan")?;
    Ok(frame)
}

/// The part of `period` a manager was employed in (hired_on through left_on, whole days;
/// days since the epoch), so a plan counts only for the days worked: a manager who joins on
/// 21 June or leaves on 10 June has a third of June's plan. A manager employed on no day of
/// the period keeps the whole period: pacing leaves a manager gone before the period out,
/// and payroll still needs that manager's plan-keyed rate to claw back a refund.
pub fn employed(period: &Period, hired: Option<i32>, left: Option<i32>) -> Period {
    let day = |d: i32| {
        (chrono::NaiveDate::default() + chrono::Duration::days(i64::from(d)))
            .and_time(chrono::NaiveTime::MIN)
    };
    let start = hired.map_or(period.start, |h| period.start.max(day(h)));
    let end = left.map_or(period.end, |l| period.end.min(day(l.saturating_add(1))));
    if start < end {
        Period {
            start,
            end,
            label: period.label.clone(),
        }
    } else {
        period.clone()
    }
}

/// A monthly plan over the period: whole months count fully, part months by their share
/// of days (rounded half-up to the kopeck).
pub fn period_plan(monthly: i128, period: &Period) -> i128 {
    period_plan_with(Some(monthly), |_| None, period).unwrap_or(0)
}

/// [`period_plan`] where a month may have its own plan (`month_plan(first day)`), else
/// `monthly`; empty when no month has any.
pub fn period_plan_with(
    monthly: Option<i128>,
    month_plan: impl Fn(chrono::NaiveDate) -> Option<i128>,
    period: &Period,
) -> Option<i128> {
    use chrono::{Datelike, NaiveDate};
    let (start, end) = (period.start, period.end);
    let mut total: Option<i128> = None;
    let mut month = NaiveDate::from_ymd_opt(start.year(), start.month(), 1);
    while let Some(m) = month {
        let m_start = m.and_time(chrono::NaiveTime::MIN);
        if m_start >= end {
            break;
        }
        let next = m.checked_add_months(chrono::Months::new(1));
        let Some(n) = next else { break };
        let m_end = n.and_time(chrono::NaiveTime::MIN);
        let covered = (end.min(m_end) - start.max(m_start)).num_seconds();
        let whole = (m_end - m_start).num_seconds();
        if let Some(plan) = month_plan(m).or(monthly) {
            let part = money::div_round(plan * i128::from(covered), i128::from(whole), false);
            total = Some(total.unwrap_or(0) + part);
        }
        month = next;
    }
    total
}

/// Every manager's (or team's) KPIs for the period: one block of columns per concern
/// (deals, clients, payments, contacts, tasks, follow-up, handoffs, losses), each keyed by
/// the manager and joined once onto the roster.
pub fn manager_kpis(
    tables: &Tables,
    snap: &Snapshot,
    roster: &DataFrame,
    group: ManagerGroup,
    basis: Basis,
    followup: Option<&DataFrame>,
) -> Result<ManagerKpis> {
    let period = &snap.period;
    let mut notes = Vec::new();
    let keys = Keys::new(roster, group);
    let deals = keys.on(snap.deals.clone().lazy().join_on(
        tables
            .deals
            .clone()
            .lazy()
            .select([col(DEAL_ID), col("discount_pct")]),
        &[DEAL_ID],
        JoinType::Left,
    ));
    let contacts = tables
        .contacts
        .as_ref()
        .map(|c| keys.on(contacts_in(c, period)));
    missing_tables(tables, &mut notes);
    let handoffs = match &tables.stage_history {
        Some(h) => Some(handoffs(h, &snap.deals, tables.contacts.as_ref(), period)?),
        None => None,
    };
    let mut blocks = vec![
        Block::join(deal_block(&deals, period)),
        Block::join(clients_block(&deals, contacts.as_ref())?),
        paid_block(tables, &keys, snap),
        contacts_block(contacts.as_ref()),
        tasks_block(tables, &keys, period),
        followup_block(followup, &keys),
    ];
    blocks.extend(handoffs_blocks(handoffs.as_ref(), &keys));
    blocks.push(Block::join(losses_block(&deals, snap, period)?));
    let kpis =
        blocks
            .into_iter()
            .fold(
                roster_block(roster, &keys, group, period),
                |kpis, block| match block {
                    Block::Join { frame, then } => kpis
                        .join_on(*frame, &[KEY], JoinType::Left)
                        .with_columns(then),
                    Block::Empty(columns) => kpis.with_columns(columns),
                },
            );
    let present = Present {
        contacts: tables.contacts.is_some(),
        followup: followup.is_some(),
        handoffs: handoffs.is_some(),
    };
    let frame = finish(kpis, basis, present)?;
    let frame = with_avg_won(frame)?;
    notes.extend(won_amount_note(&frame)?);
    let key_name = match group {
        ManagerGroup::Manager => MANAGER_ID,
        ManagerGroup::Team => "team",
    };
    let deviations = deviations(&frame, key_name)?;
    let frame = with_average(frame, group)?;
    let contacts_by_kind = kinds_by_key(contacts.as_ref())
        .rename([KEY], [key_name], true)
        .collect()
        .ctx("contacts by kind")?;
    Ok(ManagerKpis {
        managers: frame,
        deviations,
        contacts_by_kind,
        handoffs,
        notes,
    })
}

/// A note when some won deals have no amount: won_amount covers only those with one.
fn won_amount_note(frame: &DataFrame) -> Result<Option<Note>> {
    let total =
        |name: &str| -> Result<i64> { Ok(super::ints(frame, name)?.into_iter().flatten().sum()) };
    let (won, known) = (total("deals_won")?, total("won_with_amount")?);
    Ok((known < won).then(|| {
        Note::new(
            format!(
                "won_amount covers the won deals with an amount: {known} of {won} (won_with_amount); \
                 a manager whose won deals have none shows it empty, not 0"
            ),
            format!(
                "сумма выигранных сделок учитывает только сделки с суммой: {known} из {won} (won_with_amount); \
                 у менеджера, чьи выигранные сделки без сумм, она пуста, а не 0"
            ),
        )
    }))
}

/// Notes on the tables the KPIs need and the folder lacks (payments, contacts, stage history).
fn missing_tables(tables: &Tables, notes: &mut Vec<Note>) {
    if tables.payments.is_none() {
        notes.push(Note::new(
            "paid amount needs the payments table; left empty",
            "для суммы оплат нужна таблица payments; не посчитано",
        ));
    }
    if tables.contacts.is_none() {
        notes.push(Note::new(
            "contacts, tasks and clients contacted need the contacts table",
            "для контактов, задач и охвата клиентов нужна таблица contacts",
        ));
    }
    if tables.stage_history.is_none() {
        notes.push(Note::new(
            "handoffs need stage_history with manager_id; not computed",
            "для передач сделок нужна история этапов с manager_id; не посчитано",
        ));
    }
}

/// The KPI table with the average row last, in SPEC §6's column order.
fn with_average(frame: DataFrame, group: ManagerGroup) -> Result<DataFrame> {
    let average = average_row(&frame)?;
    // Counts become fractional in the average row, so the column is a float throughout.
    frame
        .lazy()
        .with_columns(
            COUNTS
                .iter()
                .map(|c| col(*c).cast(DataType::Float64))
                .collect::<Vec<_>>(),
        )
        .collect()
        .ctx("managers table")?
        .vstack(&average)
        .ctx("average row")?
        .lazy()
        .select(output_columns(group))
        .collect()
        .ctx("managers table")
}

fn output_columns(group: ManagerGroup) -> Vec<Expr> {
    let mut cols = match group {
        ManagerGroup::Manager => vec![col(KEY).alias(MANAGER_ID), col("name")],
        ManagerGroup::Team => vec![col(KEY).alias("team")],
    };
    // SPEC §6 order: the KPIs, with the plan just before its attainment.
    cols.push(col("active"));
    for kpi in KPIS {
        if *kpi == "plan_attainment" {
            cols.push(col("monthly_plan"));
        }
        cols.push(col(*kpi));
    }
    if group == ManagerGroup::Manager {
        cols.push(col("team"));
    }
    cols.extend(
        [
            "period_plan",
            "won_with_amount",
            "tasks_due",
            "invoice_entries",
            "handoffs_out",
            "handoffs_in",
            "median_hours_to_first_contact",
            "top_loss_reason",
            "top_loss_stage",
            "worked",
        ]
        .map(col),
    );
    cols
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_cover_whole_and_part_months() {
        let p = |s: &str| Period::resolve(Some(s), None, None, None, None).unwrap();
        assert_eq!(period_plan(100_000, &p("2024-03")), 100_000);
        assert_eq!(period_plan(100_000, &p("2024-Q1")), 300_000);
        // 1–10 March: 10 of 31 days → 1000.00 × 10/31 = 322.580… → 322.58.
        let part =
            Period::resolve(None, Some("2024-03-01"), Some("2024-03-10"), None, None).unwrap();
        assert_eq!(period_plan(100_000, &part), 32_258);
    }

    #[test]
    fn plans_cover_only_the_days_employed() {
        // June 2024 has 30 days; a plan of 3,000.00 is 100.00 a day.
        let june = Period::resolve(Some("2024-06"), None, None, None, None).unwrap();
        let day = |s: &str| {
            let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
            Some((d - chrono::NaiveDate::default()).num_days() as i32)
        };
        let plan = |hired, left| period_plan(300_000, &employed(&june, hired, left));
        // Left on 10 June: 1–10 June, 10 days → 1,000.00.
        assert_eq!(plan(None, day("2024-06-10")), 100_000);
        // Joined on 21 June: 21–30 June, 10 days.
        assert_eq!(plan(day("2024-06-21"), None), 100_000);
        // 5–14 June: 10 days.
        assert_eq!(plan(day("2024-06-05"), day("2024-06-14")), 100_000);
        // The first day only.
        assert_eq!(plan(None, day("2024-06-01")), 10_000);
        // Employed the whole month, or on none of its days (left in May, joins in July): whole.
        assert_eq!(plan(day("2023-01-01"), day("2024-06-30")), 300_000);
        assert_eq!(plan(None, day("2024-05-20")), 300_000);
        assert_eq!(plan(day("2024-07-01"), None), 300_000);
    }
}
