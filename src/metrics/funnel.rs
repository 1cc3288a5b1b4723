//! The funnel (SPEC §3): reached, visited, lost here, step and cumulative conversion per
//! stage, and the win rate, in cohort mode (deals created in the period) or flow mode
//! (progress made in the period), optionally by manager, segment, campaign or month.

use crate::schema::names::{CAMPAIGN_ID, DEAL_ID, MANAGER_ID};
use polars::prelude::*;

use super::JoinOn;

use super::snapshot::{Snapshot, in_period};
use super::{GROUP, GroupBy, Mode, amount_sum, over, rate};
use crate::error::{Error, PolarsContext, Result};
use crate::tables::status;

/// The funnel's tables.
pub struct FunnelTables {
    pub funnel: DataFrame,
    pub win_rate: DataFrame,
}

/// Compute the funnel and win rate.
pub fn funnel(snap: &Snapshot, mode: Mode, by: Option<GroupBy>) -> Result<FunnelTables> {
    let parts = match mode {
        Mode::Cohort => cohort_parts(snap, by)?,
        Mode::Flow => flow_parts(snap, by)?,
    };
    let funnel = assemble(snap, &parts, by.is_some())?;
    let grouped = by.is_some();
    // What a director means by "the win rate of June": the deals closed in June. The
    // cohort's (deals created in the period, closed by its end) follows as a second scope.
    let closed_in = snap
        .deals
        .clone()
        .lazy()
        .filter(
            col("closed_at")
                .is_not_null()
                .and(super::snapshot::in_period(col("closed_at"), &snap.period))
                .and(crate::tables::status::closed()),
        )
        .with_column(group_expr(snap, by, col("closed_at"))?.alias(GROUP));
    let mut scopes = vec![(SCOPE_CLOSED, win_rate(closed_in, grouped)?)];
    if mode == Mode::Cohort {
        scopes.push((SCOPE_COHORT, win_rate(parts.closed, grouped)?));
    }
    let mut frames = Vec::new();
    for (scope, mut df) in scopes {
        df.insert_column(0, Column::new("scope".into(), vec![scope; df.height()]))
            .ctx("win rate scope")?;
        frames.push(df.lazy());
    }
    let win_rate = concat(frames, UnionArgs::default())
        .ctx("win rate scopes")?
        .collect()
        .ctx("win rate scopes")?;
    Ok(FunnelTables { funnel, win_rate })
}

/// The `scope` of the win-rate row of deals closed in the period.
pub const SCOPE_CLOSED: &str = "closed in the period";
/// The `scope` of the cohort's win-rate row.
pub const SCOPE_COHORT: &str = "cohort";

/// The pieces both modes produce, each carrying the group column.
pub(crate) struct Parts {
    /// GROUP, stage_index, reached_n: deals whose reach *ends* at that stage.
    pub reach_ends: LazyFrame,
    /// GROUP, stage_index, visited (None without stage_history).
    pub visited: Option<LazyFrame>,
    /// Lost deals: GROUP, stage_index, amount, loss_reason, deal_id.
    pub lost: LazyFrame,
    /// Closed deals: GROUP, status, amount.
    pub closed: LazyFrame,
    /// Every group that has deals, for the grid.
    pub groups: LazyFrame,
}

/// Cohort mode: the deals created in the period, as of its end.
pub(crate) fn cohort_parts(snap: &Snapshot, by: Option<GroupBy>) -> Result<Parts> {
    let key = group_expr(snap, by, col("created_at"))?;
    let deals = snap.cohort().with_column(key.alias(GROUP));
    let reach_ends = deals
        .clone()
        .filter(col("furthest_index").is_not_null())
        .group_by([col(GROUP), col("furthest_index").alias("stage_index")])
        .agg([len().alias("reached_n")]);
    let visited = snap.entries.as_ref().map(|e| {
        e.clone()
            .lazy()
            .filter(col("stage_index").is_not_null())
            .join_on(
                deals.clone().select([col(DEAL_ID), col(GROUP)]),
                &[DEAL_ID],
                JoinType::Inner,
            )
            .group_by([col(GROUP), col("stage_index")])
            .agg([col(DEAL_ID).n_unique().alias("visited")])
    });
    let lost = deals.clone().filter(status::lost()).select([
        col(GROUP),
        col("stage_index"),
        col("amount"),
        col("loss_reason"),
        col(DEAL_ID),
    ]);
    let closed = deals
        .clone()
        .filter(crate::tables::status::closed())
        .select([col(GROUP), col("status"), col("amount")]);
    let groups = groups_of(by, deals.select([col(GROUP)]));
    Ok(Parts {
        reach_ends,
        visited,
        lost,
        closed,
        groups,
    })
}

/// Flow mode: each deal counts at a stage in the period in which it first got that far
/// (entries in stage_history; a win counts as reaching every stage, a loss as reaching the
/// loss stage). Summed over consecutive periods, flow counts equal cohort counts.
pub(crate) fn flow_parts(snap: &Snapshot, by: Option<GroupBy>) -> Result<Parts> {
    let Some(entries) = &snap.entries else {
        return Err(Error::Usage(
            "flow mode counts stage entries and needs the stage_history table; use --mode cohort"
                .into(),
        ));
    };
    let period = &snap.period;
    let deals = snap.deals.clone().lazy();
    let progress = flow_progress(snap, entries, by)?;
    let group_of_deal = |frame: LazyFrame, when_col: &str| -> Result<LazyFrame> {
        let key = match by {
            Some(GroupBy::Month) => col(when_col).dt().strftime("%Y-%m"),
            _ => group_expr(snap, by, col(when_col))?,
        };
        Ok(frame.with_column(key.alias(GROUP)))
    };
    let with_deal = progress.join_on(deal_groups(&deals), &[DEAL_ID], JoinType::Inner);
    let with_group = match by {
        Some(GroupBy::Month) => with_deal.with_column(col("bucket").alias(GROUP)),
        _ => group_of_deal(with_deal, DEAL_ID)?,
    };
    // A deal that moved from prev to cur passed stages prev+1..=cur; as reach "ends", it
    // adds +1 at cur and -1 at prev (the cumulative sum from the top then counts it once
    // for each stage in between).
    let plus = with_group
        .clone()
        .group_by([col(GROUP), col("cur").alias("stage_index")])
        .agg([len().cast(DataType::Int64).alias("reached_n")]);
    let minus = with_group
        .filter(col("prev").gt_eq(lit(0)))
        .group_by([col(GROUP), col("prev").alias("stage_index")])
        .agg([(-len().cast(DataType::Int64)).alias("reached_n")]);
    let reach_ends = concat([plus, minus], UnionArgs::default())
        .ctx("flow reach")?
        .group_by([col(GROUP), col("stage_index")])
        .agg([col("reached_n").sum()]);
    let in_p = |c: &str| in_period(col(c), period);
    let visited = {
        let e = entries
            .clone()
            .lazy()
            .filter(col("stage_index").is_not_null().and(in_p("entered_at")));
        let e = e.join_on(deal_groups(&deals), &[DEAL_ID], JoinType::Inner);
        let e = group_of_deal(e, "entered_at")?;
        Some(
            e.group_by([col(GROUP), col("stage_index")])
                .agg([col(DEAL_ID).n_unique().alias("visited")]),
        )
    };
    let closed_in = group_of_deal(
        deals.filter(col("closed_at").is_not_null().and(in_p("closed_at"))),
        "closed_at",
    )?;
    let lost = closed_in.clone().filter(status::lost()).select([
        col(GROUP),
        col("stage_index"),
        col("amount"),
        col("loss_reason"),
        col(DEAL_ID),
    ]);
    let closed = closed_in.select([col(GROUP), col("status"), col("amount")]);
    let groups = concat(
        [
            reach_ends.clone().select([col(GROUP)]),
            closed.clone().select([col(GROUP)]),
        ],
        UnionArgs::default(),
    )
    .ctx("flow groups")?;
    let groups = groups_of(by, groups);
    Ok(Parts {
        reach_ends,
        visited,
        lost,
        closed,
        groups,
    })
}

/// Per deal and bucket of the period (the period, or its months by month) in which the
/// deal got further than before: `cur`, the furthest stage reached by then, and `prev`,
/// the furthest before (-1: none). Stage entries count, and a close: a win reaches the
/// last stage, a loss its stage.
fn flow_progress(snap: &Snapshot, entries: &DataFrame, by: Option<GroupBy>) -> Result<LazyFrame> {
    let n = snap.stages.len() as i32;
    let period = &snap.period;
    let closes = snap
        .deals
        .clone()
        .lazy()
        .filter(col("closed_at").is_not_null())
        .select([
            col(DEAL_ID),
            col("closed_at").alias("entered_at"),
            when(status::won())
                .then(lit(n - 1))
                .otherwise(col("stage_index"))
                .alias("stage_index"),
        ]);
    let events = concat(
        [
            entries
                .clone()
                .lazy()
                .filter(col("stage_index").is_not_null())
                .select([col(DEAL_ID), col("entered_at"), col("stage_index")]),
            closes,
        ],
        UnionArgs::default(),
    )
    .ctx("flow events")?;
    // Bucket: "" before the period, else the month (by month) or the period itself.
    let bucket_label = match by {
        Some(GroupBy::Month) => col("entered_at").dt().strftime("%Y-%m"),
        _ => lit(period.label.clone()),
    };
    let bucket = when(col("entered_at").lt(super::snapshot::moment(period.start_ms())))
        .then(lit(""))
        .otherwise(bucket_label);
    Ok(events
        .with_column(bucket.alias("bucket"))
        .group_by([col(DEAL_ID), col("bucket")])
        .agg([col("stage_index").max().alias("bucket_max")])
        .sort([DEAL_ID, "bucket"], SortMultipleOptions::default())
        .with_column(over(col("bucket_max").cum_max(false), DEAL_ID)?.alias("cur"))
        .with_column(
            super::shifted_within(col("cur"), DEAL_ID, 1)
                .fill_null(lit(-1))
                .alias("prev"),
        )
        .filter(col("bucket").neq(lit("")).and(col("cur").gt(col("prev")))))
}

/// The groups of the grid: the one "all" group without `--by` (so an empty period still
/// lists every stage), else the groups that have something to show.
fn groups_of(by: Option<GroupBy>, present: LazyFrame) -> LazyFrame {
    match by {
        None => df!(GROUP => ["all"]).map(|d| d.lazy()).unwrap_or(present),
        Some(_) => present.unique(None, UniqueKeepStrategy::Any),
    }
}

/// The columns a deal can be grouped by, keyed by deal_id.
fn deal_groups(deals: &LazyFrame) -> LazyFrame {
    deals.clone().select([
        col(DEAL_ID),
        col(MANAGER_ID),
        col("segment"),
        col(CAMPAIGN_ID),
    ])
}

/// The grouping value of a deal. `when` is the moment a month grouping uses.
fn group_expr(snap: &Snapshot, by: Option<GroupBy>, when: Expr) -> Result<Expr> {
    let none = |e: Expr| e.fill_null(lit("(none)"));
    Ok(match by {
        None => lit("all"),
        Some(GroupBy::Manager) => none(col(MANAGER_ID)),
        Some(GroupBy::Campaign) => none(col(CAMPAIGN_ID)),
        Some(GroupBy::Month) => when.dt().strftime("%Y-%m"),
        Some(GroupBy::Segment) => {
            if snap
                .deals
                .column("segment")
                .map(|c| c.null_count() == c.len())
                .unwrap_or(true)
            {
                return Err(Error::Usage(
                    "--by segment needs the clients table with a segment column".into(),
                ));
            }
            none(col("segment"))
        }
    })
}

/// The funnel table from the parts: a row per group and stage, in stage order.
pub(crate) fn reach_grid(snap: &Snapshot, parts: &Parts) -> Result<LazyFrame> {
    let stage_frame = snap.stage_frame()?;
    let grid = parts.groups.clone().cross_join(stage_frame.lazy(), None);
    Ok(grid
        .join_on(
            parts.reach_ends.clone(),
            &[GROUP, "stage_index"],
            JoinType::Left,
        )
        .sort([GROUP, "stage_index"], SortMultipleOptions::default())
        .with_column(
            over(
                col("reached_n")
                    .fill_null(lit(0))
                    .cast(DataType::Int64)
                    .cum_sum(true),
                GROUP,
            )?
            .alias("reached"),
        ))
}

fn assemble(snap: &Snapshot, parts: &Parts, grouped: bool) -> Result<DataFrame> {
    let mut lf = reach_grid(snap, parts)?;
    lf = match &parts.visited {
        Some(v) => lf
            .join_on(v.clone(), &[GROUP, "stage_index"], JoinType::Left)
            .with_column(col("visited").fill_null(lit(0)).cast(DataType::Int64)),
        None => lf.with_column(lit(NULL).cast(DataType::Int64).alias("visited")),
    };
    let lost = parts
        .lost
        .clone()
        .group_by([col(GROUP), col("stage_index")])
        .agg([len().alias("lost_here")]);
    lf = lf
        .join_on(lost, &[GROUP, "stage_index"], JoinType::Left)
        .with_column(col("lost_here").fill_null(lit(0)).cast(DataType::Int64))
        .sort([GROUP, "stage_index"], SortMultipleOptions::default())
        .with_columns([
            rate(over(col("reached").shift(lit(-1)), GROUP)?, col("reached"))
                .alias("step_conversion"),
            rate(col("reached"), over(col("reached").first(), GROUP)?)
                .alias("cumulative_conversion"),
        ]);
    let mut columns = vec![
        col("stage"),
        (col("stage_index") + lit(1)).alias("stage_index"),
        col("reached"),
        col("visited"),
        col("lost_here"),
        col("step_conversion"),
        col("cumulative_conversion"),
    ];
    if grouped {
        columns.insert(0, col(GROUP));
    }
    lf.select(columns).collect().ctx("computing the funnel")
}

/// Win rate among closed deals: by count and by amount.
pub(crate) fn win_rate(closed: LazyFrame, grouped: bool) -> Result<DataFrame> {
    let won = status::won();
    let lost = status::lost();
    let lf = closed
        .group_by([col(GROUP)])
        .agg([
            len().cast(DataType::Int64).alias("deals_closed"),
            won.clone().sum().cast(DataType::Int64).alias("won"),
            lost.clone().sum().cast(DataType::Int64).alias("lost"),
            amount_sum(col("amount").filter(won)).alias("won_amount"),
            amount_sum(col("amount").filter(lost)).alias("lost_amount"),
        ])
        .sort([GROUP], SortMultipleOptions::default())
        .with_columns([
            rate(col("won"), col("deals_closed")).alias("win_rate_count"),
            rate(
                col("won_amount").cast(DataType::Float64),
                col("won_amount").cast(DataType::Float64)
                    + col("lost_amount").cast(DataType::Float64),
            )
            .alias("win_rate_amount"),
        ]);
    let mut columns = vec![
        col("deals_closed"),
        col("won"),
        col("lost"),
        col("win_rate_count"),
        col("won_amount"),
        col("lost_amount"),
        col("win_rate_amount"),
    ];
    if grouped {
        columns.insert(0, col(GROUP));
    }
    let df = lf.select(columns).collect().ctx("computing the win rate")?;
    if df.height() == 0 && !grouped {
        return empty_win_rate();
    }
    Ok(df)
}

/// No closed deal: one row of zeros, rates empty (not zero: nothing to divide).
fn empty_win_rate() -> Result<DataFrame> {
    let m = |n: &str| crate::money::column(n, [Some(0i64)]);
    DataFrame::new(
        1,
        vec![
            Column::new("deals_closed".into(), [0i64]),
            Column::new("won".into(), [0i64]),
            Column::new("lost".into(), [0i64]),
            Column::full_null("win_rate_count".into(), 1, &DataType::Float64),
            m("won_amount"),
            m("lost_amount"),
            Column::full_null("win_rate_amount".into(), 1, &DataType::Float64),
        ],
    )
    .ctx("empty win rate")
}
