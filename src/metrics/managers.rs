//! Manager KPIs (SPEC §3), each against the company average, and the discipline figures
//! behind them: contacts by kind, overdue tasks, follow-up after the invoice stage, and
//! handoffs along the conveyor (stage_history.manager_id).
//!
//! Every KPI is computed per *key*: the manager, or with `--by team` the team (a team's
//! figures are its members' deals and contacts taken together, not an average of them).
//! Who is counted in the company average: everyone on the roster who worked some part of
//! the period (hired before its end, not left before its start) or had any activity in it.

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
    pub notes: Vec<String>,
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
            col("manager_id"),
            col("name"),
            col("team"),
            col("hired_on"),
            col("left_on"),
            col("monthly_plan"),
        ]),
        None => {
            let mut ids = vec![tables.deals.clone().lazy().select([col("manager_id")])];
            // When only some contacts were kept, the loader gave every contact's manager.
            let contacts = match &tables.contact_managers {
                Some(m) => Some(m.clone().into_frame()),
                None => tables.contacts.clone(),
            };
            for t in [&contacts, &tables.stage_history].into_iter().flatten() {
                ids.push(t.clone().lazy().select([col("manager_id")]));
            }
            concat(ids, UnionArgs::default())
                .ctx("manager ids")?
                .filter(col("manager_id").is_not_null())
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
        .sort(["manager_id"], SortMultipleOptions::default())
        .collect()
        .ctx("managers roster")?;
    // A manager's plans row for a month overrides monthly_plan for that month (SPEC §1).
    let (by_manager, _) = super::pacing::plan_rows(tables)?;
    let ids = super::texts(&frame, "manager_id")?;
    let plans: Vec<Option<i128>> =
        money::minor_units(frame.column("monthly_plan").ctx("monthly_plan")?)?
            .into_iter()
            .zip(&ids)
            .map(|(m, id)| match id {
                Some(id) if by_manager.keys().any(|(_, who)| who == id) => period_plan_with(
                    m,
                    |month| by_manager.get(&(month, id.clone())).copied(),
                    period,
                ),
                _ => m.map(|m| period_plan(m, period)),
            })
            .collect();
    frame
        .with_column(money::column("period_plan", plans))
        .ctx("period plan")?;
    Ok(frame)
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

/// One block of KPI columns keyed by [`KEY`]: joined onto the roster, or, when the table it
/// needs is missing, its columns left empty.
enum Block {
    Join {
        frame: Box<LazyFrame>,
        /// Applied after the join (e.g. no payment is a paid amount of 0).
        then: Vec<Expr>,
    },
    Empty(Vec<Expr>),
}

impl Block {
    fn join(frame: LazyFrame) -> Block {
        Block::Join {
            frame: Box::new(frame),
            then: Vec::new(),
        }
    }

    /// Empty columns of the given names and types.
    fn empty(columns: &[(&str, DataType)]) -> Block {
        Block::Empty(
            columns
                .iter()
                .map(|(name, dtype)| lit(NULL).cast(dtype.clone()).alias(*name))
                .collect(),
        )
    }
}

/// manager_id → key (the manager itself, or the team), and joining a frame onto it.
struct Keys {
    keys: LazyFrame,
}

impl Keys {
    fn new(roster: &DataFrame, group: ManagerGroup) -> Keys {
        let keys = roster.clone().lazy().select([
            col("manager_id"),
            match group {
                ManagerGroup::Manager => col("manager_id"),
                ManagerGroup::Team => col("team").fill_null(lit("(no team)")),
            }
            .alias(KEY),
        ]);
        Keys { keys }
    }

    /// A frame with `manager_id`, keyed (managers not in the roster left out).
    fn on(&self, lf: LazyFrame) -> LazyFrame {
        lf.join_on(self.keys.clone(), &["manager_id"], JoinType::Inner)
    }
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
            .select([col("deal_id"), col("discount_pct")]),
        &["deal_id"],
        JoinType::Left,
    ));
    let contacts = tables
        .contacts
        .as_ref()
        .map(|c| keys.on(contacts_in(c, period)));
    if tables.payments.is_none() {
        notes.push("paid amount needs the payments table; left empty".into());
    }
    if contacts.is_none() {
        notes.push("contacts, tasks and clients contacted need the contacts table".into());
    }
    let handoffs = match &tables.stage_history {
        Some(h) => Some(handoffs(h, &snap.deals, tables.contacts.as_ref(), period)?),
        None => {
            notes.push("handoffs need stage_history with manager_id; not computed".into());
            None
        }
    };
    let mut blocks = vec![
        Block::join(deal_block(&deals, period)),
        Block::join(clients_block(&deals, contacts.as_ref())?),
        paid_block(tables, &keys, period)?,
        contacts_block(contacts.as_ref()),
        tasks_block(tables, &keys, period),
        followup_block(followup, &keys),
    ];
    blocks.extend(handoffs_blocks(handoffs.as_ref(), &keys));
    blocks.push(Block::join(losses_block(&deals, snap, period)?));
    let mut kpis = roster_block(roster, &keys, group, period);
    for block in blocks {
        kpis = match block {
            Block::Join { frame, then } => kpis
                .join_on(*frame, &[KEY], JoinType::Left)
                .with_columns(then),
            Block::Empty(columns) => kpis.with_columns(columns),
        };
    }
    let present = Present {
        contacts: tables.contacts.is_some(),
        followup: followup.is_some(),
        handoffs: handoffs.is_some(),
    };
    let frame = finish(kpis, basis, present)?;
    let mut frame = with_avg_won(frame)?;
    let total =
        |name: &str| -> Result<i64> { Ok(super::ints(&frame, name)?.into_iter().flatten().sum()) };
    let (won, known) = (total("deals_won")?, total("won_with_amount")?);
    if known < won {
        notes.push(format!(
            "won_amount covers the won deals with an amount: {known} of {won} (won_with_amount); \
             a manager whose won deals have none shows it empty, not 0"
        ));
    }
    let key_name = match group {
        ManagerGroup::Manager => "manager_id",
        ManagerGroup::Team => "team",
    };
    let deviations = deviations(&frame, key_name)?;
    let average = average_row(&frame)?;
    // Counts become fractional in the average row, so the column is a float throughout.
    frame = frame
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
        .ctx("managers table")?;
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

/// Contacts that happened in the period: a task counts when done; one never done, not.
fn contacts_in(contacts: &DataFrame, period: &Period) -> LazyFrame {
    contacts
        .clone()
        .lazy()
        .filter(col("due_at").is_null().or(col("done_at").is_not_null()))
        .with_column(coalesce(&[col("done_at"), col("at")]).alias("moment"))
        .filter(in_period(col("moment"), period))
}

fn closed_here(period: &Period) -> Expr {
    col("closed_at")
        .is_not_null()
        .and(in_period(col("closed_at"), period))
}

fn lost_here(period: &Period) -> Expr {
    closed_here(period).and(status::lost())
}

/// Who the rows are: the manager's name, team, whether active or in the roster in the
/// period, and the plans (a team sums its managers').
fn roster_block(
    roster: &DataFrame,
    keys: &Keys,
    group: ManagerGroup,
    period: &Period,
) -> LazyFrame {
    let kpis = roster
        .clone()
        .lazy()
        .join_on(keys.keys.clone(), &["manager_id"], JoinType::Inner);
    match group {
        ManagerGroup::Manager => kpis.select([
            col(KEY),
            col("name"),
            col("team"),
            col("active"),
            in_roster(period).alias("worked"),
            col("monthly_plan"),
            col("period_plan"),
        ]),
        ManagerGroup::Team => kpis.group_by([col(KEY)]).agg([
            col(KEY).first().alias("name"),
            col(KEY).first().alias("team"),
            col("active").any(true).alias("active"),
            in_roster(period).any(true).alias("worked"),
            amount_sum(col("monthly_plan")).alias("monthly_plan"),
            amount_sum(col("period_plan")).alias("period_plan"),
        ]),
    }
}

/// Open, created, won and lost deals, the won amount, cycle and discount.
fn deal_block(deals: &LazyFrame, period: &Period) -> LazyFrame {
    let closed_here = closed_here(period);
    let won_here = closed_here.clone().and(status::won());
    let cycle = days_between(col("created_at"), col("closed_at"));
    deals.clone().group_by([col(KEY)]).agg([
        status::open().sum().alias("open_deals"),
        in_period(col("created_at"), period)
            .sum()
            .alias("deals_created"),
        won_here.clone().sum().alias("deals_won"),
        lost_here(period).sum().alias("deals_lost"),
        amount_sum(col("amount").filter(won_here.clone())).alias("won_amount"),
        col("amount")
            .filter(won_here.clone())
            .count()
            .cast(DataType::Int64)
            .alias("won_with_amount"),
        days(cycle.clone().filter(closed_here.clone()).mean()).alias("mean_cycle_days"),
        days(cycle.filter(closed_here).median()).alias("median_cycle_days"),
        col("discount_pct")
            .filter(won_here)
            .mean()
            .round(2, RoundMode::HalfToEven)
            .alias("avg_discount_pct"),
    ])
}

/// Clients in work: with an open deal, or contacted in the period.
fn clients_block(deals: &LazyFrame, contacts: Option<&LazyFrame>) -> Result<LazyFrame> {
    let open_clients = deals
        .clone()
        .filter(status::open())
        .select([col(KEY), col("client_id")]);
    let clients = match contacts {
        Some(c) => concat(
            [open_clients, c.clone().select([col(KEY), col("client_id")])],
            UnionArgs::default(),
        )
        .ctx("clients in work")?,
        None => open_clients,
    };
    Ok(clients
        .group_by([col(KEY)])
        .agg([col("client_id").n_unique().alias("clients_in_work")]))
}

/// Payments dated in the period on the manager's deals.
/// The owner is the one who held the deal at the period's end (payroll's rule).
fn paid_block(tables: &Tables, keys: &Keys, period: &Period) -> Result<Block> {
    let Some(p) = &tables.payments else {
        return Ok(Block::empty(&[("paid_amount", money::dtype())]));
    };
    let owners = super::snapshot::owners_at(tables, period.end_ms())?;
    let paid = keys
        .on(p
            .clone()
            .lazy()
            .filter(in_period(col("paid_at"), period))
            .join_on(owners, &["deal_id"], JoinType::Inner))
        .group_by([col(KEY)])
        .agg([amount_sum(col("amount")).alias("paid_amount")]);
    Ok(Block::Join {
        frame: Box::new(paid),
        then: vec![col("paid_amount").fill_null(lit(0).cast(money::dtype()))],
    })
}

/// Contacts in the period.
fn contacts_block(contacts: Option<&LazyFrame>) -> Block {
    match contacts {
        Some(c) => Block::join(
            c.clone()
                .group_by([col(KEY)])
                .agg([len().alias("contacts")]),
        ),
        None => Block::empty(&[("contacts", DataType::UInt32)]),
    }
}

/// Contacts in the period by kind, per key.
fn kinds_by_key(contacts: Option<&LazyFrame>) -> LazyFrame {
    match contacts {
        Some(c) => c
            .clone()
            .with_column(col("kind").fill_null(lit("(not given)")))
            .group_by([col(KEY), col("kind")])
            .agg([len().cast(DataType::Int64).alias("contacts")])
            .sort([KEY, "kind"], SortMultipleOptions::default()),
        None => DataFrame::empty_with_schema(&Schema::from_iter([
            Field::new(KEY.into(), DataType::String),
            Field::new("kind".into(), DataType::String),
            Field::new("contacts".into(), DataType::Int64),
        ]))
        .lazy(),
    }
}

/// Tasks due in the period: overdue when done after the due time or not done by as-of.
fn tasks_block(tables: &Tables, keys: &Keys, period: &Period) -> Block {
    let Some(c) = &tables.contacts else {
        return Block::empty(&[
            ("tasks_due", DataType::UInt32),
            ("overdue_tasks", DataType::UInt32),
        ]);
    };
    let tasks = keys
        .on(c.clone().lazy().filter(
            col("due_at")
                .is_not_null()
                .and(in_period(col("due_at"), period)),
        ))
        .with_column(
            col("done_at")
                .is_null()
                .or(col("done_at").gt_eq(moment(period.end_ms())))
                .or(col("done_at").gt(col("due_at")))
                .alias("overdue"),
        )
        .group_by([col(KEY)])
        .agg([
            len().alias("tasks_due"),
            col("overdue").sum().alias("overdue_tasks"),
        ]);
    Block::join(tasks)
}

/// Follow-up after the invoice stage, judged entries only.
fn followup_block(followup: Option<&DataFrame>, keys: &Keys) -> Block {
    let Some(f) = followup else {
        return Block::empty(&[
            ("invoice_entries", DataType::UInt32),
            ("followup_compliance", DataType::Float64),
        ]);
    };
    Block::join(
        keys.on(f.clone().lazy())
            .group_by([col(KEY)])
            .agg([
                col("judged").sum().alias("invoice_entries"),
                col("judged").and(col("in_time")).sum().alias("followed_up"),
            ])
            .with_column(
                rate(col("followed_up"), col("invoice_entries")).alias("followup_compliance"),
            )
            .select([col(KEY), col("invoice_entries"), col("followup_compliance")]),
    )
}

/// Handoffs along the conveyor: out, and in with the median hours to the first contact
/// after (two blocks: a manager may have handoffs on one side only).
fn handoffs_blocks(handoffs: Option<&DataFrame>, keys: &Keys) -> Vec<Block> {
    let Some(h) = handoffs else {
        return vec![Block::empty(&[
            ("handoffs_out", DataType::UInt32),
            ("handoffs_in", DataType::UInt32),
            ("median_hours_to_first_contact", DataType::Float64),
        ])];
    };
    let side = |id: &str| {
        keys.on(h.clone().lazy().rename([id], ["manager_id"], true))
            .group_by([col(KEY)])
    };
    let out = side("from_manager_id").agg([len().alias("handoffs_out")]);
    let inn = side("to_manager_id").agg([
        len().alias("handoffs_in"),
        col("hours_to_first_contact")
            .median()
            .round(1, RoundMode::HalfToEven)
            .alias("median_hours_to_first_contact"),
    ]);
    vec![Block::join(out), Block::join(inn)]
}

/// The top loss reason and the top loss stage of the deals lost in the period (most lost,
/// ties by name).
fn losses_block(deals: &LazyFrame, snap: &Snapshot, period: &Period) -> Result<LazyFrame> {
    let lost = deals.clone().filter(lost_here(period)).join_on(
        snap.stage_frame()?.lazy(),
        &["stage_index"],
        JoinType::Left,
    );
    let top = |what: &str, alias: &str| {
        lost.clone()
            .with_column(col(what).fill_null(lit("(not given)")).alias("what"))
            .group_by([col(KEY), col("what")])
            .agg([len().alias("n")])
            .sort_by_exprs(
                [col(KEY), col("n"), col("what")],
                SortMultipleOptions::default().with_order_descending_multi([false, true, false]),
            )
            .group_by_stable([col(KEY)])
            .agg([col("what").first().alias(alias)])
    };
    // Both are keyed by the same managers (every lost deal has a reason and a stage, or
    // "(not given)"), so one join of the two is the same as two joins onto the roster.
    Ok(top("loss_reason", "top_loss_reason").join_on(
        top("stage", "top_loss_stage"),
        &[KEY],
        JoinType::Left,
    ))
}

/// Which tables the blocks had (a count that needs a missing one is empty, not 0).
struct Present {
    contacts: bool,
    followup: bool,
    handoffs: bool,
}

/// The figures made of several blocks (win rate, plan attainment, worked), with counts as
/// integers and empty where their table is missing; sorted by key.
fn finish(kpis: LazyFrame, basis: Basis, present: Present) -> Result<DataFrame> {
    let count_cols: Vec<Expr> = COUNTS
        .iter()
        .map(|c| col(*c).cast(DataType::Int64).fill_null(lit(0i64)))
        .collect();
    let basis_col = match basis {
        Basis::Paid => "paid_amount",
        Basis::Won => "won_amount",
    };
    kpis.with_columns(count_cols)
        .with_columns([
            // Nothing won is a real zero; won deals without any amount are unknown, not 0.
            when(col("deals_won").eq(lit(0)))
                .then(col("won_amount").fill_null(lit(0).cast(money::dtype())))
                .otherwise(col("won_amount"))
                .alias("won_amount"),
            blank_unless(present.contacts, "contacts"),
            blank_unless(present.contacts, "tasks_due"),
            blank_unless(present.contacts, "overdue_tasks"),
            blank_unless(present.followup, "invoice_entries"),
            blank_unless(present.handoffs, "handoffs_out"),
            blank_unless(present.handoffs, "handoffs_in"),
        ])
        .with_columns([
            rate(col("deals_won"), col("deals_won") + col("deals_lost")).alias("win_rate"),
            rate(col(basis_col), col("period_plan")).alias("plan_attainment"),
        ])
        .with_column(
            col("worked")
                .or(col("deals_created").gt(lit(0)))
                .or(col("open_deals").gt(lit(0)))
                .or((col("deals_won") + col("deals_lost")).gt(lit(0)))
                .or(col("contacts").fill_null(lit(0)).gt(lit(0)))
                // A placeholder owner such as `(unassigned)` is nobody to compare.
                .and(is_placeholder(col(KEY)).not())
                .alias("worked"),
        )
        .sort([KEY], SortMultipleOptions::default())
        .collect()
        .ctx("manager KPIs")
}

/// A count column left empty when the table it needs is missing.
fn blank_unless(present: bool, name: &str) -> Expr {
    if present {
        col(name)
    } else {
        lit(NULL).cast(DataType::Int64).alias(name)
    }
}

/// Worked some part of the period: hired before its end and not left before its start.
fn in_roster(period: &Period) -> Expr {
    let day = |ms: i64| lit((ms / super::snapshot::DAY_MS as i64) as i32);
    let hired = col("hired_on").is_null().or(col("hired_on")
        .cast(DataType::Int32)
        .lt(day(period.end_ms())));
    let not_gone = col("left_on").is_null().or(col("left_on")
        .cast(DataType::Int32)
        .gt_eq(day(period.start_ms())));
    hired.and(not_gone)
}

fn output_columns(group: ManagerGroup) -> Vec<Expr> {
    let mut cols = match group {
        ManagerGroup::Manager => vec![col(KEY).alias("manager_id"), col("name")],
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

/// avg_won_amount = won_amount / won deals with an amount (a won deal without one is not
/// taken as 0), exact to the kopeck (half-up).
fn with_avg_won(mut frame: DataFrame) -> Result<DataFrame> {
    let won = money::minor_units(frame.column("won_amount").ctx("won_amount")?)?;
    let n = super::ints(&frame, "won_with_amount")?;
    let avg: Vec<Option<i128>> = won
        .iter()
        .zip(&n)
        .map(|(w, n)| match (w, n) {
            (Some(w), Some(n)) if *n > 0 => Some(money::div_round(*w, i128::from(*n), false)),
            _ => None,
        })
        .collect();
    frame
        .with_column(money::column("avg_won_amount", avg))
        .ctx("average won deal")?;
    Ok(frame)
}

fn worked(frame: &DataFrame) -> Result<Vec<bool>> {
    Ok(frame
        .column("worked")
        .ctx("worked")?
        .bool()
        .ctx("worked")?
        .iter()
        .map(|v| v.unwrap_or(false))
        .collect())
}

/// An id in parentheses, like the default owner `(unassigned)`: a placeholder for "no
/// manager", listed in per-manager tables but never counted in the company average.
fn is_placeholder(id: Expr) -> Expr {
    let id = id.cast(DataType::String);
    id.clone()
        .str()
        .starts_with(lit("("))
        .and(id.str().ends_with(lit(")")))
        .fill_null(lit(false))
}

/// Mean and population standard deviation of the values of counted rows.
fn mean_sd(v: &[Option<f64>], counted: &[bool]) -> (Option<f64>, Option<f64>) {
    let xs: Vec<f64> = v
        .iter()
        .zip(counted)
        .filter_map(|(x, c)| if *c { *x } else { None })
        .collect();
    if xs.is_empty() {
        return (None, None);
    }
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    (Some(mean), (xs.len() > 1 && var > 0.0).then(|| var.sqrt()))
}

fn round_to(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

/// The long table of deviations: one row per key and KPI.
fn deviations(frame: &DataFrame, key_name: &str) -> Result<DataFrame> {
    let counted = worked(frame)?;
    let keys = super::texts(frame, KEY)?;
    let (mut k, mut kpi, mut value, mut avg, mut ratio, mut z) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    for name in KPIS {
        let v = super::floats(frame, name)?;
        let (mean, sd) = mean_sd(&v, &counted);
        for (i, x) in v.iter().enumerate() {
            k.push(keys[i].clone());
            kpi.push(*name);
            value.push(*x);
            avg.push(mean);
            // Only those counted in the average are compared with it.
            let x = if counted[i] { *x } else { None };
            ratio.push(match (x, mean) {
                (Some(x), Some(m)) if m != 0.0 => Some(x / m),
                _ => None,
            });
            z.push(match (x, mean, sd) {
                (Some(x), Some(m), Some(s)) => Some((x - m) / s),
                _ => None,
            });
        }
    }
    let n = k.len();
    DataFrame::new(
        n,
        vec![
            Column::new(key_name.into(), k),
            Column::new("kpi".into(), kpi),
            Column::new("value".into(), value),
            Column::new("average".into(), avg),
            Column::new("ratio_to_average".into(), ratio),
            Column::new("z_score".into(), z),
        ],
    )
    .ctx("deviations")
}

/// The company-average row: the mean over counted rows of every KPI (money exact to the
/// kopeck, counts and days to 2 places, rates to 4).
fn average_row(frame: &DataFrame) -> Result<DataFrame> {
    let counted = worked(frame)?;
    let mut cols = Vec::new();
    for c in frame.columns() {
        let name = c.name().as_str();
        let col = if c.dtype().is_decimal() {
            let v = money::minor_units(c)?;
            let xs: Vec<i128> = v
                .iter()
                .zip(&counted)
                .filter_map(|(x, k)| if *k { *x } else { None })
                .collect();
            let mean = (!xs.is_empty())
                .then(|| money::div_round(xs.iter().sum::<i128>(), xs.len() as i128, false) as i64);
            money::column(name, [mean])
        } else if c.dtype().is_primitive_numeric() {
            let (mean, _) = mean_sd(&super::floats(frame, name)?, &counted);
            let places = if name.contains("rate")
                || name.contains("compliance")
                || name.contains("attainment")
            {
                4
            } else {
                2
            };
            Column::new(name.into(), [mean.map(|m| round_to(m, places))])
        } else {
            let text = match name {
                KEY => Some("(company average)"),
                "name" => Some("Company average"),
                _ => None,
            };
            Column::new(name.into(), [text])
                .cast(c.dtype())
                .ctx("average row")?
        };
        cols.push(col);
    }
    let avg = DataFrame::new(1, cols).ctx("average row")?;
    avg.lazy()
        .with_column(lit(false).alias("worked"))
        .collect()
        .ctx("average row")
}

/// Handoffs in the period: consecutive stage entries of a deal under different managers.
fn handoffs(
    history: &DataFrame,
    deals: &DataFrame,
    contacts: Option<&DataFrame>,
    period: &Period,
) -> Result<DataFrame> {
    let end = moment(period.end_ms());
    let entries = history
        .clone()
        .lazy()
        .filter(
            col("entered_at")
                .lt(end.clone())
                .and(col("manager_id").is_not_null()),
        )
        .sort(
            ["deal_id", "entered_at"],
            SortMultipleOptions::default().with_maintain_order(true),
        )
        .with_column(
            super::over(col("manager_id").shift(lit(1)), "deal_id")?.alias("from_manager_id"),
        )
        .filter(
            col("from_manager_id")
                .is_not_null()
                .and(col("from_manager_id").neq(col("manager_id")))
                .and(in_period(col("entered_at"), period)),
        )
        .join_on(
            deals
                .clone()
                .lazy()
                .select([col("deal_id"), col("client_id")]),
            &["deal_id"],
            JoinType::Inner,
        )
        .select([
            col("deal_id"),
            col("client_id"),
            col("from_manager_id"),
            col("manager_id").alias("to_manager_id"),
            col("stage"),
            col("entered_at").alias("handed_at"),
        ])
        .with_row_index("handoff", None);
    let with_first = match contacts {
        Some(c) => {
            let touches = c
                .clone()
                .lazy()
                .filter(col("due_at").is_null().or(col("done_at").is_not_null()))
                .select([
                    col("client_id"),
                    col("manager_id").alias("to_manager_id"),
                    coalesce(&[col("done_at"), col("at")]).alias("contact_at"),
                ])
                .filter(col("contact_at").lt(end));
            let first = entries
                .clone()
                .join_on(touches, &["client_id", "to_manager_id"], JoinType::Inner)
                .filter(col("contact_at").gt_eq(col("handed_at")))
                .group_by([col("handoff")])
                .agg([col("contact_at").min().alias("first_contact_at")]);
            entries.join_on(first, &["handoff"], JoinType::Left)
        }
        None => entries.with_column(
            lit(NULL)
                .cast(DataType::Datetime(TimeUnit::Milliseconds, None))
                .alias("first_contact_at"),
        ),
    };
    with_first
        .with_column(
            (days_between(col("handed_at"), col("first_contact_at")) * lit(24.0))
                .round(1, RoundMode::HalfToEven)
                .alias("hours_to_first_contact"),
        )
        .sort(["handed_at", "deal_id"], SortMultipleOptions::default())
        .drop(cols(["handoff"]))
        .collect()
        .ctx("handoffs")
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
}
