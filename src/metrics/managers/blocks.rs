//! The blocks of columns of the managers table, one per concern (deals, clients, payments,
//! contacts, tasks, follow-up, handoffs, losses), each keyed by manager and joined once onto
//! the roster by [`super::manager_kpis`]; and the figures made of several blocks.

use super::*;
use crate::schema::names::{CLIENT_ID, DEAL_ID, MANAGER_ID};

/// One block of KPI columns keyed by [`KEY`]: joined onto the roster, or, when the table it
/// needs is missing, its columns left empty.
pub(super) enum Block {
    Join {
        frame: Box<LazyFrame>,
        /// Applied after the join (e.g. no payment is a paid amount of 0).
        then: Vec<Expr>,
    },
    Empty(Vec<Expr>),
}

impl Block {
    pub(super) fn join(frame: LazyFrame) -> Block {
        Block::Join {
            frame: Box::new(frame),
            then: Vec::new(),
        }
    }

    /// Empty columns of the given names and types.
    pub(super) fn empty(columns: &[(&str, DataType)]) -> Block {
        Block::Empty(
            columns
                .iter()
                .map(|(name, dtype)| lit(NULL).cast(dtype.clone()).alias(*name))
                .collect(),
        )
    }
}

/// manager_id → key (the manager itself, or the team), and joining a frame onto it.
pub(super) struct Keys {
    keys: LazyFrame,
}

impl Keys {
    pub(super) fn new(roster: &DataFrame, group: ManagerGroup) -> Keys {
        let keys = roster.clone().lazy().select([
            col(MANAGER_ID),
            match group {
                ManagerGroup::Manager => col(MANAGER_ID),
                ManagerGroup::Team => col("team").fill_null(lit("(no team)")),
            }
            .alias(KEY),
        ]);
        Keys { keys }
    }

    /// A frame with `manager_id`, keyed (managers not in the roster left out).
    pub(super) fn on(&self, lf: LazyFrame) -> LazyFrame {
        lf.join_on(self.keys.clone(), &[MANAGER_ID], JoinType::Inner)
    }
}

/// Contacts that happened in the period: a task counts when done; one never done, not.
pub(super) fn contacts_in(contacts: &DataFrame, period: &Period) -> LazyFrame {
    contacts
        .clone()
        .lazy()
        .filter(col("due_at").is_null().or(col("done_at").is_not_null()))
        .with_column(coalesce(&[col("done_at"), col("at")]).alias("moment"))
        .filter(in_period(col("moment"), period))
}

pub(super) fn closed_here(period: &Period) -> Expr {
    col("closed_at")
        .is_not_null()
        .and(in_period(col("closed_at"), period))
}

pub(super) fn lost_here(period: &Period) -> Expr {
    closed_here(period).and(status::lost())
}

/// Who the rows are: the manager's name, team, whether active or in the roster in the
/// period, and the plans (a team sums its managers').
pub(super) fn roster_block(
    roster: &DataFrame,
    keys: &Keys,
    group: ManagerGroup,
    period: &Period,
) -> LazyFrame {
    let kpis = roster
        .clone()
        .lazy()
        .join_on(keys.keys.clone(), &[MANAGER_ID], JoinType::Inner);
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
pub(super) fn deal_block(deals: &LazyFrame, period: &Period) -> LazyFrame {
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
pub(super) fn clients_block(deals: &LazyFrame, contacts: Option<&LazyFrame>) -> Result<LazyFrame> {
    let open_clients = deals
        .clone()
        .filter(status::open())
        .select([col(KEY), col(CLIENT_ID)]);
    let clients = match contacts {
        Some(c) => concat(
            [open_clients, c.clone().select([col(KEY), col(CLIENT_ID)])],
            UnionArgs::default(),
        )
        .ctx("clients in work")?,
        None => open_clients,
    };
    Ok(clients
        .group_by([col(KEY)])
        .agg([col(CLIENT_ID).n_unique().alias("clients_in_work")]))
}

/// Payments dated in the period on the manager's deals. The owner is the one who held the
/// deal at the period's end (payroll's rule).
pub(super) fn paid_block(tables: &Tables, keys: &Keys, snap: &Snapshot) -> Block {
    let Some(p) = &tables.payments else {
        return Block::empty(&[("paid_amount", money::dtype())]);
    };
    let period = &snap.period;
    let owners = crate::metrics::state::owners_at(tables, snap.owner_changes.as_ref());
    let paid = keys
        .on(p
            .clone()
            .lazy()
            .filter(in_period(col("paid_at"), period))
            .join_on(owners, &[DEAL_ID], JoinType::Inner))
        .group_by([col(KEY)])
        .agg([amount_sum(col("amount")).alias("paid_amount")]);
    Block::Join {
        frame: Box::new(paid),
        then: vec![col("paid_amount").fill_null(lit(0).cast(money::dtype()))],
    }
}

/// Contacts in the period.
pub(super) fn contacts_block(contacts: Option<&LazyFrame>) -> Block {
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
pub(super) fn kinds_by_key(contacts: Option<&LazyFrame>) -> LazyFrame {
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
pub(super) fn tasks_block(tables: &Tables, keys: &Keys, period: &Period) -> Block {
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
pub(super) fn followup_block(followup: Option<&DataFrame>, keys: &Keys) -> Block {
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
pub(super) fn handoffs_blocks(handoffs: Option<&DataFrame>, keys: &Keys) -> Vec<Block> {
    let Some(h) = handoffs else {
        return vec![Block::empty(&[
            ("handoffs_out", DataType::UInt32),
            ("handoffs_in", DataType::UInt32),
            ("median_hours_to_first_contact", DataType::Float64),
        ])];
    };
    let side = |id: &str| {
        keys.on(h.clone().lazy().rename([id], [MANAGER_ID], true))
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
pub(super) fn losses_block(
    deals: &LazyFrame,
    snap: &Snapshot,
    period: &Period,
) -> Result<LazyFrame> {
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
pub(super) struct Present {
    pub(super) contacts: bool,
    pub(super) followup: bool,
    pub(super) handoffs: bool,
}

/// The figures made of several blocks (win rate, plan attainment, worked), with counts as
/// integers and empty where their table is missing; sorted by key.
pub(super) fn finish(kpis: LazyFrame, basis: Basis, present: Present) -> Result<DataFrame> {
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
pub(super) fn blank_unless(present: bool, name: &str) -> Expr {
    if present {
        col(name)
    } else {
        lit(NULL).cast(DataType::Int64).alias(name)
    }
}

/// Worked some part of the period: hired before its end and not left before its start.
pub(super) fn in_roster(period: &Period) -> Expr {
    let day = |ms: i64| lit((ms / crate::metrics::snapshot::DAY_MS as i64) as i32);
    let hired = col("hired_on").is_null().or(col("hired_on")
        .cast(DataType::Int32)
        .lt(day(period.end_ms())));
    let not_gone = col("left_on").is_null().or(col("left_on")
        .cast(DataType::Int32)
        .gt_eq(day(period.start_ms())));
    hired.and(not_gone)
}
