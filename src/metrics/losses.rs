//! Where deals are lost (SPEC §3): lost count, amount and rate per stage, reasons × stage,
//! the stage with the largest drop, deals stalled past their stage's usual time, and
//! deals that reached the invoice stage without a follow-up contact in time.

use crate::i18n::Note;
use crate::schema::names::{CLIENT_ID, DEAL_ID, MANAGER_ID};
use polars::prelude::*;

use super::JoinOn;

use super::durations::visits;
use super::funnel::{Parts, cohort_parts, flow_parts, reach_grid};
use super::snapshot::{Snapshot, days_between, in_period, moment};
use super::{Mode, amount_sum, days, rate};
use crate::error::{PolarsContext, Result};
use crate::stages::Stages;
use crate::tables::status;

/// Everything `crmstat losses` reports.
pub struct Losses {
    pub losses: DataFrame,
    pub loss_reasons: DataFrame,
    pub biggest_drop: DataFrame,
    pub stalled: DataFrame,
    /// Every lost deal counted in `losses`: deal_id, stage (where it was lost).
    pub lost_deals: DataFrame,
    /// `None` when the contacts table or stage_history is missing (the note says which).
    pub followup: Option<Followup>,
    pub notes: Vec<Note>,
}

/// Follow-up after the invoice stage.
pub struct Followup {
    pub summary: DataFrame,
    pub breaches: DataFrame,
    /// Every invoice entry in the period: deal_id, manager_id, judged (its window has
    /// passed or a contact came), in_time.
    pub entries: DataFrame,
}

/// Compute the loss figures.
pub fn losses(
    snap: &Snapshot,
    stages: &Stages,
    mode: Mode,
    contacts: Option<&DataFrame>,
    followup_days: f64,
) -> Result<Losses> {
    let parts = match mode {
        Mode::Cohort => cohort_parts(snap, None)?,
        Mode::Flow => flow_parts(snap, None)?,
    };
    let grid = reach_grid(snap, &parts)?.collect().ctx("reach per stage")?;
    let mut notes = Vec::new();
    let followup = match (contacts, &snap.entries, stages.invoice_index()) {
        (None, _, _) => {
            notes.push(Note::new(
                "follow-up breaches need the contacts table; not computed",
                "для проверки контакта после счёта нужна таблица contacts; не посчитано",
            ));
            None
        }
        (_, None, _) => {
            notes.push(Note::new(
                "follow-up breaches need stage_history (when each deal entered the invoice stage); not computed",
                "для проверки контакта после счёта нужна история этапов (stage_history: когда сделка вошла в этап счёта); не посчитано",
            ));
            None
        }
        (_, _, None) => {
            notes.push(Note::new(
                "no invoice stage: name it with [funnel] invoice_stage in crmstat.toml; follow-up not computed",
                "этап счёта не известен: задайте [funnel] invoice_stage в crmstat.toml; контакт после счёта не посчитан",
            ));
            None
        }
        (Some(c), Some(_), Some(i)) => Some(followup(snap, c, i as i32, followup_days)?),
    };
    Ok(Losses {
        losses: per_stage(&grid, &parts)?,
        loss_reasons: reasons(snap, &parts)?,
        biggest_drop: biggest_drop(&grid)?,
        stalled: stalled(snap)?,
        lost_deals: parts
            .lost
            .clone()
            .join_on(
                snap.stage_frame()?.lazy(),
                &["stage_index"],
                JoinType::Inner,
            )
            .select([col(DEAL_ID), col("stage")])
            .collect()
            .ctx("lost deals")?,
        followup,
        notes,
    })
}

fn per_stage(grid: &DataFrame, parts: &Parts) -> Result<DataFrame> {
    let lost = parts.lost.clone().group_by([col("stage_index")]).agg([
        len().cast(DataType::Int64).alias("lost"),
        amount_sum(col("amount")).alias("lost_amount"),
    ]);
    grid.clone()
        .lazy()
        .join_on(lost, &["stage_index"], JoinType::Left)
        .with_column(col("lost").fill_null(lit(0i64)))
        .sort(["stage_index"], SortMultipleOptions::default())
        .select([
            col("stage"),
            col("lost"),
            col("lost_amount"),
            rate(col("lost"), col("reached")).alias("loss_rate"),
            col("reached"),
        ])
        .collect()
        .ctx("losses per stage")
}

fn reasons(snap: &Snapshot, parts: &Parts) -> Result<DataFrame> {
    parts
        .lost
        .clone()
        .with_column(
            col("loss_reason")
                .fill_null(lit("(not given)"))
                .alias("reason"),
        )
        .group_by([col("stage_index"), col("reason")])
        .agg([
            len().cast(DataType::Int64).alias("lost"),
            amount_sum(col("amount")).alias("lost_amount"),
        ])
        .join_on(
            snap.stage_frame()?.lazy(),
            &["stage_index"],
            JoinType::Inner,
        )
        .sort_by_exprs(
            [col("stage_index"), col("lost"), col("reason")],
            SortMultipleOptions::default().with_order_descending_multi([false, true, false]),
        )
        .select([col("stage"), col("reason"), col("lost"), col("lost_amount")])
        .collect()
        .ctx("loss reasons")
}

/// The stage after which the most deals drop out: reached(s) − reached(next).
fn biggest_drop(grid: &DataFrame) -> Result<DataFrame> {
    grid.clone()
        .lazy()
        .sort(["stage_index"], SortMultipleOptions::default())
        .with_columns([
            col("stage").shift(lit(-1)).alias("next_stage"),
            col("reached").shift(lit(-1)).alias("reached_next"),
        ])
        .filter(col("reached_next").is_not_null())
        .with_column((col("reached") - col("reached_next")).alias("drop"))
        .sort_by_exprs(
            [col("drop"), col("stage_index")],
            SortMultipleOptions::default().with_order_descending_multi([true, false]),
        )
        .limit(1)
        .with_column(rate(col("drop"), col("reached")).alias("drop_rate"))
        .select([
            col("stage"),
            col("next_stage"),
            col("reached"),
            col("reached_next"),
            col("drop"),
            col("drop_rate"),
        ])
        .collect()
        .ctx("biggest drop")
}

/// Open deals whose current visit is longer than the stage's p90 over completed visits.
fn stalled(snap: &Snapshot) -> Result<DataFrame> {
    let visits = visits(snap)?.lazy();
    let p90 = visits
        .clone()
        .filter(col("open").not())
        .group_by([col("stage_index")])
        .agg([col("days")
            .quantile(lit(0.9), QuantileMethod::Linear)
            .alias("stage_p90_days")]);
    let open_deals = snap
        .deals
        .clone()
        .lazy()
        .filter(status::open())
        .select([col(DEAL_ID), col(MANAGER_ID)]);
    visits
        .filter(col("open"))
        .join_on(open_deals, &[DEAL_ID], JoinType::Inner)
        .join_on(p90, &["stage_index"], JoinType::Inner)
        .filter(col("days").gt(col("stage_p90_days")))
        .join_on(
            snap.stage_frame()?.lazy(),
            &["stage_index"],
            JoinType::Inner,
        )
        .sort_by_exprs(
            [col("days"), col(DEAL_ID)],
            SortMultipleOptions::default().with_order_descending_multi([true, false]),
        )
        .select([
            col(DEAL_ID),
            col(MANAGER_ID),
            col("stage"),
            col("entered_at"),
            days(col("days")).alias("days_in_stage"),
            days(col("stage_p90_days")).alias("stage_p90_days"),
        ])
        .collect()
        .ctx("stalled deals")
}

/// The `n` most frequent loss reasons over every stage of a loss_reasons table (reason,
/// lost), most lost first and ties by name.
pub fn top_reasons(reasons: &DataFrame, n: u32) -> Result<DataFrame> {
    reasons
        .clone()
        .lazy()
        .group_by([col("reason")])
        .agg([col("lost").sum()])
        .sort_by_exprs(
            [col("lost"), col("reason")],
            SortMultipleOptions::default().with_order_descending_multi([true, false]),
        )
        .limit(n)
        .collect()
        .ctx("top reasons")
}

/// Each entry into the invoice stage in the period with its deal, client, manager, the
/// next contact with the client (a done task when done; a planned one is no contact), the
/// hours to it, whether it came in time and whether the entry can be judged by the end of
/// the period.
fn judged_entries(
    snap: &Snapshot,
    contacts: &DataFrame,
    invoice: i32,
    window_days: f64,
) -> Result<DataFrame> {
    let end = snap.period.end_ms();
    let window_ms = (window_days * super::snapshot::DAY_MS) as i64;
    let entries = snap
        .entries
        .clone()
        .unwrap_or_default()
        .lazy()
        .filter(
            col("stage_index")
                .eq(lit(invoice))
                .and(in_period(col("entered_at"), &snap.period)),
        )
        .join_on(
            snap.deals
                .clone()
                .lazy()
                .select([col(DEAL_ID), col(CLIENT_ID), col(MANAGER_ID)]),
            &[DEAL_ID],
            JoinType::Inner,
        )
        .select([
            col(DEAL_ID),
            col(CLIENT_ID),
            col(MANAGER_ID),
            col("entered_at").alias("invoice_at"),
        ])
        .with_row_index("entry", None);
    // A planned task that was not done is not a contact; a done one counts when done.
    let touches = contacts
        .clone()
        .lazy()
        .filter(col("due_at").is_null().or(col("done_at").is_not_null()))
        .select([
            col(CLIENT_ID),
            coalesce(&[col("done_at"), col("at")]).alias("contact_at"),
        ])
        .filter(col("contact_at").lt(moment(end)));
    let next = entries
        .clone()
        .join_on(touches, &[CLIENT_ID], JoinType::Inner)
        .filter(col("contact_at").gt_eq(col("invoice_at")))
        .group_by([col("entry")])
        .agg([col("contact_at").min().alias("next_contact_at")]);
    let hours = days_between(col("invoice_at"), col("next_contact_at")) * lit(24.0);
    let window_end = (col("invoice_at").cast(DataType::Int64) + lit(window_ms)).lt_eq(lit(end));
    let in_time = hours
        .clone()
        .lt_eq(lit(window_days * 24.0))
        .fill_null(lit(false));
    entries
        .join_on(next, &["entry"], JoinType::Left)
        .with_columns([
            (hours.round(1, RoundMode::HalfToEven)).alias("hours_to_contact"),
            in_time.clone().alias("in_time"),
            window_end.or(in_time).alias("judged"),
        ])
        .collect()
        .ctx("follow-up")
}

/// Entries into the invoice stage in the period, each judged once its window has passed
/// (or a contact came): was there a contact with the client within `window_days`?
pub fn followup(
    snap: &Snapshot,
    contacts: &DataFrame,
    invoice: i32,
    window_days: f64,
) -> Result<Followup> {
    let judged = judged_entries(snap, contacts, invoice, window_days)?;
    let breaches = judged
        .clone()
        .lazy()
        .filter(col("judged").and(col("in_time").not()))
        .sort(["invoice_at", DEAL_ID], SortMultipleOptions::default())
        .select([
            col(DEAL_ID),
            col(CLIENT_ID),
            col(MANAGER_ID),
            col("invoice_at"),
            col("next_contact_at"),
            col("hours_to_contact"),
        ])
        .collect()
        .ctx("follow-up breaches")?;
    let per_entry = judged
        .clone()
        .lazy()
        .select([col(DEAL_ID), col(MANAGER_ID), col("judged"), col("in_time")])
        .collect()
        .ctx("follow-up entries")?;
    let summary = judged
        .lazy()
        .select([
            len().cast(DataType::Int64).alias("invoice_entries"),
            col("judged").sum().cast(DataType::Int64).alias("judged"),
            col("judged")
                .and(col("in_time").not())
                .sum()
                .cast(DataType::Int64)
                .alias("breaches"),
            col("judged")
                .not()
                .sum()
                .cast(DataType::Int64)
                .alias("pending"),
        ])
        .with_columns([
            rate(col("breaches"), col("judged")).alias("breach_rate"),
            lit(window_days).alias("window_days"),
        ])
        .collect()
        .ctx("follow-up summary")?;
    Ok(Followup {
        summary,
        breaches,
        entries: per_entry,
    })
}
