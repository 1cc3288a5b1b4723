//! Deals as they stood at the as-of moment: status, current stage, the furthest stage
//! reached and, for lost deals, the stage they were lost at. Every funnel, loss and
//! duration figure starts from these facts, so the rules live in one place:
//! - a deal closed after as-of is open as of then;
//! - a won deal passed every stage; a lost deal passed up to its loss stage;
//! - a skipped stage counts as passed (reached), not as visited;
//! - an open deal with no stage and no history is at the first stage;
//! - the loss stage is the deal's stage when that is a funnel stage, else its last stage in
//!   stage_history, else `[funnel] lost_at` (default: the stage before the won stage).

use crate::i18n::Note;
use crate::schema::names::{CAMPAIGN_ID, CLIENT_ID, DEAL_ID, MANAGER_ID};
use polars::prelude::*;

use super::JoinOn;

use crate::error::{Error, PolarsContext, Result};
use crate::period::Period;
use crate::stages::Stages;
use crate::tables::Tables;
use crate::tables::status;

/// Milliseconds in a day, for durations in days.
pub const DAY_MS: f64 = 86_400_000.0;

/// The deals and stage entries of a run, as of the end of its period.
pub struct Snapshot {
    /// One row per deal created before as-of: deal_id, client_id, manager_id,
    /// campaign_id (the deal's, else its client's), segment, created_at, closed_at (null
    /// when still open as of), status, amount, loss_reason, stage_index (current stage;
    /// for a lost deal its loss stage), furthest_index, expected_close_at, probability
    /// (amount, expected close and owner as of the period's end, by [`super::state`]).
    pub deals: DataFrame,
    /// Stage entries before as-of with their stage_index (null for won/lost-named
    /// stages): deal_id, stage, stage_index, entered_at. `None` without stage_history.
    pub entries: Option<DataFrame>,
    /// The funnel stages in order.
    pub stages: Vec<String>,
    /// False when no stage order was configured or inferred: `stages` are then the deals'
    /// stage names by name, enough to name a stage but not for the funnel or losses.
    pub ordered: bool,
    /// The last stage before the won stage (where won deals were while open).
    pub last_open_index: Option<i32>,
    pub period: Period,
    /// What the reader should know about assumptions made for this snapshot.
    pub notes: Vec<Note>,
    /// With owner changes in `deal_changes`: each changed deal's owner as of the period's
    /// end (deal_id, manager_id), over all deals (see [`super::state::owners_at`]).
    pub owner_changes: Option<DataFrame>,
}

const ASSUMED: &str = "loss_stage_assumed";
const STALE: &str = "__stale";

/// A note on stage entries dated after their deal closed (an export that logs stage moves
/// of closed deals, or a wrong close date): their time in stage ends at the close.
fn entries_after_close(entries: &DataFrame, deals: &DataFrame) -> Result<Option<Note>> {
    let late = entries
        .clone()
        .lazy()
        .join_on(
            deals
                .clone()
                .lazy()
                .select([col(DEAL_ID), col("closed_at")]),
            &[DEAL_ID],
            JoinType::Inner,
        )
        .filter(col("entered_at").gt(col("closed_at")))
        .sort([DEAL_ID, "entered_at"], SortMultipleOptions::default())
        .collect()
        .ctx("stage entries after the close")?;
    if late.height() == 0 {
        return Ok(None);
    }
    let first = |name: &str| -> Result<String> {
        Ok(late
            .column(name)
            .ctx(name)?
            .get(0)
            .map(|v| v.to_string().trim_matches('"').to_string())
            .unwrap_or_default())
    };
    let (n, deal, stage) = (late.height(), first(DEAL_ID)?, first("stage")?);
    let (entered, closed) = (first("entered_at")?, first("closed_at")?);
    Ok(Some(Note::new(
        format!(
            "{n} stage entries are dated after their deal closed (e.g. deal {deal} entered {stage} at {entered}, \
             closed {closed}); their time in stage ends at the close"
        ),
        format!(
            "входов в этап после закрытия сделки: {n} (например, сделка {deal} вошла в {stage} {entered}, \
             закрыта {closed}); их время на этапе кончается в момент закрытия"
        ),
    )))
}

/// Why the funnel and losses need a stage order.
pub const STAGE_ORDER_UNKNOWN: &str = "the stage order is unknown: list the stages in crmstat.toml \
     ([funnel] stages = [\"…\", …]) or provide stage_history";

/// The deals' stage names that are not won- or lost-named, sorted by name.
fn deal_stage_names(tables: &Tables, stages: &Stages) -> Result<Vec<String>> {
    let names = tables
        .deals
        .clone()
        .lazy()
        .select([col("stage").cast(DataType::String)])
        .filter(col("stage").is_not_null())
        .unique(None, UniqueKeepStrategy::Any)
        .collect()
        .ctx("stage names")?;
    let mut out: Vec<String> = super::texts(&names, "stage")?
        .into_iter()
        .flatten()
        .filter(|s| stages.outcome(s).is_none())
        .collect();
    out.sort();
    Ok(out)
}

impl Snapshot {
    /// The funnel and losses need the stages in order; fails when they are only known by
    /// name.
    pub fn require_order(&self) -> Result<()> {
        if self.ordered {
            Ok(())
        } else {
            Err(Error::Usage(STAGE_ORDER_UNKNOWN.into()))
        }
    }

    /// Build the snapshot: each deal created before as-of with its state at as-of (status,
    /// close, amount, expected close and owner), its current and furthest stage and the
    /// stage it was lost at. Fails when the stage order is unknown.
    pub fn build(tables: &Tables, stages: &Stages, period: &Period) -> Result<Snapshot> {
        let by_name;
        let stages = if stages.known() {
            stages
        } else {
            by_name = stages.by_name(deal_stage_names(tables, stages)?);
            &by_name
        };
        let stage_frame = stage_index_frame(&stages.order)?;
        let end = lit(period.end_ms()).cast(DataType::Datetime(TimeUnit::Milliseconds, None));
        let entries = match &tables.stage_history {
            Some(h) => Some(
                h.clone()
                    .lazy()
                    .filter(col("entered_at").lt(end.clone()))
                    .select([col(DEAL_ID), col("stage"), col("entered_at")])
                    .join_on(stage_frame.clone().lazy(), &["stage"], JoinType::Left)
                    .sort(
                        [DEAL_ID, "entered_at", "stage_index"],
                        SortMultipleOptions::default()
                            .with_nulls_last(true)
                            .with_maintain_order(true),
                    )
                    .collect()
                    .ctx("reading stage entries")?,
            ),
            None => None,
        };
        let (deals, owner_changes) = as_of_values(base_deals(tables)?, tables, period.end_ms())?;
        let mut deals = deals.filter(col("created_at").lt(end.clone())).join_on(
            stage_frame
                .lazy()
                .select([col("stage"), col("stage_index").alias("deal_stage_index")]),
            &["stage"],
            JoinType::Left,
        );
        deals = match &entries {
            Some(e) => deals.join_on(history_summary(e)?, &[DEAL_ID], JoinType::Left),
            None => deals.with_columns([
                lit(NULL).cast(DataType::Int32).alias("hist_max"),
                lit(NULL).cast(DataType::Int32).alias("hist_last"),
            ]),
        };
        let deals = with_status_at(deals, stages, &end);
        let deals = with_stale(deals, stages, &end);
        let deals = with_stage_indexes(deals, stages)
            .collect()
            .ctx("building the deal snapshot")?;
        let (deals, notes) = flagged_notes(deals, stages, entries.as_ref())?;
        Ok(Snapshot {
            notes,
            deals,
            entries,
            stages: stages.order.clone(),
            ordered: !stages.unordered,
            last_open_index: stages.last_open_index().map(|i| i as i32),
            period: period.clone(),
            owner_changes,
        })
    }

    /// Deals created in the period (the cohort).
    pub fn cohort(&self) -> LazyFrame {
        self.deals
            .clone()
            .lazy()
            .filter(in_period(col("created_at"), &self.period))
    }

    /// Stage names with their 0-based index, as a frame to join on.
    pub fn stage_frame(&self) -> Result<DataFrame> {
        stage_index_frame(&self.stages)
    }
}

/// Status and close as of `end` (closed later: still open), the stage a lost deal was lost
/// at and the stage an open one stands at.
fn with_status_at(deals: LazyFrame, stages: &Stages, end: &Expr) -> LazyFrame {
    let default_loss = stages
        .default_loss_index()
        .map_or(lit(NULL).cast(DataType::Int32), |i| lit(i as i32));
    let last_open = stages
        .last_open_index()
        .map_or(lit(NULL).cast(DataType::Int32), |i| lit(i as i32));
    let closed_by = col("closed_at")
        .is_not_null()
        .and(col("closed_at").lt(end.clone()));
    let status = when(closed_by.clone())
        .then(col("status"))
        .otherwise(lit("open"));
    // A deal is lost at a stage before the won stage, whatever its history says.
    let loss_index = coalesce(&[col("deal_stage_index"), col("hist_last"), default_loss]);
    let loss_index = match stages.last_open_index() {
        Some(last) => super::lesser(loss_index, lit(last as i32)),
        None => loss_index,
    };
    // An open deal with no stage and no history is in the funnel all the same: at its
    // first stage.
    let open_index = when(status::open())
        .then(coalesce(&[
            col("hist_last"),
            col("deal_stage_index"),
            lit(0i32),
        ]))
        .otherwise(coalesce(&[
            col("hist_last"),
            when(status::lost())
                .then(loss_index.clone())
                .otherwise(last_open),
        ]));
    deals.with_columns([
        status.alias("status"),
        when(closed_by)
            .then(col("closed_at"))
            .otherwise(lit(NULL))
            .alias("closed_at"),
        loss_index.alias("loss_index"),
        open_index.alias("open_index"),
    ])
}

/// `[funnel] stale_after_days`: an open deal older than that is lost at its stage, on the
/// day it went stale.
fn with_stale(deals: LazyFrame, stages: &Stages, end: &Expr) -> LazyFrame {
    match stages.stale_after_days {
        Some(days) => {
            let ms = (days * DAY_MS).round() as i64;
            let stale_at = (col("created_at").cast(DataType::Int64) + lit(ms))
                .cast(DataType::Datetime(TimeUnit::Milliseconds, None));
            let stale = col("status")
                .eq(lit("open"))
                .and(stale_at.clone().lt(end.clone()));
            deals.with_columns([
                when(stale.clone())
                    .then(lit("lost"))
                    .otherwise(col("status"))
                    .alias("status"),
                when(stale.clone())
                    .then(stale_at)
                    .otherwise(col("closed_at"))
                    .alias("closed_at"),
                when(stale.clone())
                    .then(col("open_index"))
                    .otherwise(col("loss_index"))
                    .alias("loss_index"),
                when(stale.clone())
                    .then(lit(format!("stale: open over {days} days")))
                    .otherwise(col("loss_reason").cast(DataType::String))
                    .alias("loss_reason"),
                stale.alias(STALE),
            ])
        }
        None => deals.with_column(lit(false).alias(STALE)),
    }
}

/// The stage index (won: the last; lost: where it was lost; open: where it stands) and the
/// furthest stage reached, with the snapshot's columns.
fn with_stage_indexes(deals: LazyFrame, stages: &Stages) -> LazyFrame {
    let n = stages.order.len() as i32;
    deals
        .with_columns([
            when(status::won())
                .then(lit(n - 1))
                .when(status::lost())
                .then(col("loss_index"))
                .otherwise(col("open_index"))
                .alias("stage_index"),
            when(status::won())
                .then(lit(n - 1))
                .when(status::lost())
                // A stage it really entered before going back counts; the won
                // stage does not (a deal lost after "Closed Won" was reopened).
                .then(super::greater(
                    match stages.last_open_index() {
                        Some(last) => when(col("hist_max").gt(lit(last as i32)))
                            .then(lit(last as i32))
                            .otherwise(col("hist_max")),
                        None => col("hist_max"),
                    },
                    col("loss_index"),
                ))
                .otherwise(super::greater(col("hist_max"), col("open_index")))
                .alias("furthest_index"),
        ])
        .select([
            col(DEAL_ID),
            col(CLIENT_ID),
            col(MANAGER_ID),
            col(CAMPAIGN_ID),
            col("segment"),
            col("created_at"),
            col("closed_at"),
            col("status"),
            col("amount"),
            col("loss_reason"),
            col("expected_close_at"),
            col("probability"),
            col("stage_index").cast(DataType::Int32),
            col("furthest_index").cast(DataType::Int32),
            col(STALE),
            col("status")
                .eq(lit("lost"))
                .and(col("deal_stage_index").is_null())
                .and(col("hist_last").is_null())
                .alias(ASSUMED),
        ])
}

/// The snapshot's notes from its flags (stale deals, losses at an assumed stage, no loss
/// at all, entries after close, stages by name), and the deals without the flag columns.
fn flagged_notes(
    deals: DataFrame,
    stages: &Stages,
    entries: Option<&DataFrame>,
) -> Result<(DataFrame, Vec<Note>)> {
    let assumed = deals
        .column(ASSUMED)
        .ctx(ASSUMED)?
        .bool()
        .ctx(ASSUMED)?
        .sum()
        .unwrap_or(0);
    let stale = deals
        .column(STALE)
        .ctx(STALE)?
        .bool()
        .ctx(STALE)?
        .sum()
        .unwrap_or(0);
    let deals = deals.drop(ASSUMED).ctx(ASSUMED)?.drop(STALE).ctx(STALE)?;
    let mut notes = Vec::new();
    if let (true, Some(days)) = (stale > 0, stages.stale_after_days) {
        notes.push(Note::new(
            format!("{stale} open deals older than {days} days count as lost at their stage ([funnel] stale_after_days)"),
            format!(
                "открытые сделки старше {days} дн. ({stale}) считаются проигранными на своём этапе ([funnel] stale_after_days)"
            ),
        ));
    }
    if let (true, Some(i)) = (assumed > 0, stages.default_loss_index()) {
        let (why, why_ru) = if stages.lost_at_configured() {
            ("as [funnel] lost_at says", "так задано в [funnel] lost_at")
        } else {
            (
                "the stage before the won stage; set [funnel] lost_at in crmstat.toml if that is wrong",
                "последний перед выигрышем; если это не так, задайте [funnel] lost_at в crmstat.toml",
            )
        };
        let at = &stages.order[i];
        notes.push(Note::new(
            format!("{assumed} lost deals record no stage they were lost at; counted as lost at {at} ({why})"),
            format!(
                "у проигранных сделок ({assumed}) не записан этап проигрыша; они считаются проигранными на этапе {at} ({why_ru})"
            ),
        ));
    }
    let lost_ever = deals
        .column("status")
        .ctx("status")?
        .str()
        .ctx("status")?
        .iter()
        .any(|s| s == Some("lost"));
    if !lost_ever && deals.height() > 0 {
        notes.push(Note::new(
            "the export records no lost deal at all: a win rate would be 100 % by omission and is not shown on the \
             headline; check that lost deals were exported (or name the lost stages: [funnel] lost_stages)",
            "в выгрузке нет ни одной проигранной сделки: доля выигранных была бы 100 % из-за пропуска и не показана \
             в сводке; проверьте, что проигранные сделки выгружены (или назовите этапы проигрыша: [funnel] lost_stages)",
        ));
    }
    if let Some(e) = entries {
        if let Some(note) = entries_after_close(e, &deals)? {
            notes.push(note);
        }
    }
    if stages.unordered {
        notes.push(Note::new(
            "stages are listed by name, not in funnel order (no [funnel] stages and no stage_history)",
            "этапы перечислены по названию, а не в порядке воронки (нет [funnel] stages и stage_history)",
        ));
    }
    Ok((deals, notes))
}

/// `expr` falls inside the period.
pub fn in_period(expr: Expr, period: &Period) -> Expr {
    let start = lit(period.start_ms()).cast(DataType::Datetime(TimeUnit::Milliseconds, None));
    let end = lit(period.end_ms()).cast(DataType::Datetime(TimeUnit::Milliseconds, None));
    expr.clone().gt_eq(start).and(expr.lt(end))
}

/// Days between two datetime expressions, as a float.
pub fn days_between(from: Expr, to: Expr) -> Expr {
    (to.cast(DataType::Int64) - from.cast(DataType::Int64)).cast(DataType::Float64) / lit(DAY_MS)
}

/// A datetime literal for a moment given in milliseconds.
pub fn moment(ms: i64) -> Expr {
    lit(ms).cast(DataType::Datetime(TimeUnit::Milliseconds, None))
}

fn stage_index_frame(order: &[String]) -> Result<DataFrame> {
    df!(
        "stage" => order.to_vec(),
        "stage_index" => (0..order.len() as i32).collect::<Vec<_>>(),
    )
    .ctx("stage table")
}

/// Deals with the client's segment and the effective campaign.
fn base_deals(tables: &Tables) -> Result<LazyFrame> {
    let deals = tables.deals.clone().lazy();
    Ok(match &tables.clients {
        Some(c) => deals
            .join_on(
                c.clone().lazy().select([
                    col(CLIENT_ID),
                    col("segment"),
                    col(CAMPAIGN_ID).alias("client_campaign_id"),
                ]),
                &[CLIENT_ID],
                JoinType::Left,
            )
            .with_column(
                coalesce(&[col(CAMPAIGN_ID), col("client_campaign_id")]).alias(CAMPAIGN_ID),
            ),
        None => deals.with_column(lit(NULL).cast(DataType::String).alias("segment")),
    })
}

/// With `deal_changes`, each deal's amount, expected close and owner as of `at_ms` (the
/// state rule of [`super::state`]): a change made after as-of is not used.
/// Also gives the owner as of `at_ms` of every deal whose owner changed (deal_id,
/// manager_id), for figures over all deals.
fn as_of_values(
    deals: LazyFrame,
    tables: &Tables,
    at_ms: i64,
) -> Result<(LazyFrame, Option<DataFrame>)> {
    let log = tables.change_log()?;
    if log.is_empty() {
        return Ok((deals, None));
    }
    let state = super::state::state_at(&log, at_ms)?;
    let owners = super::state::owner_changes(&state)?;
    Ok((super::state::with_state(deals, state, true), owners))
}

/// Per deal: the furthest stage entered and the stage of the latest entry. The entries come
/// sorted by deal, moment and stage (see `build`), so a deal's entries are one run and its
/// last is its latest (of two at one moment, the further): read in one pass instead of a
/// group-by on the text ids (2.8 s for the 13M entries of 5M deals).
fn history_summary(entries: &DataFrame) -> Result<LazyFrame> {
    let ids = entries.column(DEAL_ID).ctx(DEAL_ID)?.str().ctx(DEAL_ID)?;
    let stage = entries
        .column("stage_index")
        .ctx("stage_index")?
        .i32()
        .ctx("stage_index")?;
    let (mut id, mut max, mut last): (Vec<Option<&str>>, Vec<i32>, Vec<i32>) =
        (Vec::new(), Vec::new(), Vec::new());
    for (d, s) in ids.iter().zip(stage.iter()) {
        let Some(s) = s else { continue };
        match (id.last(), max.last_mut(), last.last_mut()) {
            (Some(prev), Some(m), Some(l)) if *prev == d => {
                *m = (*m).max(s);
                *l = s;
            }
            _ => {
                id.push(d);
                max.push(s);
                last.push(s);
            }
        }
    }
    Ok(df!(DEAL_ID => id, "hist_max" => max, "hist_last" => last)
        .ctx("stage history summary")?
        .lazy())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Entries as `build` sorts them, by hand: d1 enters stages 0, 2, then back to 1 (furthest
    /// 2, latest 1); d2 a won/lost-named stage (no index), then 1; d3 only unindexed stages
    /// (no summary); d4 two entries at one moment, 0 then 1 (latest: the further).
    #[test]
    fn history_summary_takes_each_deals_furthest_and_latest_stage() {
        let entries = df!(
            DEAL_ID => ["d1", "d1", "d1", "d2", "d2", "d3", "d4", "d4"],
            "stage_index" => [Some(0i32), Some(2), Some(1), None, Some(1), None, Some(0), Some(1)],
        )
        .unwrap();
        let s = history_summary(&entries).unwrap().collect().unwrap();
        let ids: Vec<Option<&str>> = s.column(DEAL_ID).unwrap().str().unwrap().iter().collect();
        let ints =
            |c: &str| -> Vec<Option<i32>> { s.column(c).unwrap().i32().unwrap().iter().collect() };
        assert_eq!(ids, [Some("d1"), Some("d2"), Some("d4")]);
        assert_eq!(ints("hist_max"), [Some(2), Some(1), Some(1)]);
        assert_eq!(ints("hist_last"), [Some(1), Some(1), Some(1)]);
    }
}
