//! Handoffs along the conveyor: a deal passed from one manager to the next (stage_history's
//! manager_id), and the hours to the new owner's first contact.

use super::*;
use crate::schema::names::{CLIENT_ID, DEAL_ID, MANAGER_ID};

/// Handoffs in the period: consecutive stage entries of a deal under different managers.
pub(super) fn handoffs(
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
                .and(col(MANAGER_ID).is_not_null()),
        )
        .sort(
            [DEAL_ID, "entered_at"],
            SortMultipleOptions::default().with_maintain_order(true),
        )
        .with_column(
            crate::metrics::shifted_within(col(MANAGER_ID), DEAL_ID, 1).alias("from_manager_id"),
        )
        .filter(
            col("from_manager_id")
                .is_not_null()
                .and(col("from_manager_id").neq(col(MANAGER_ID)))
                .and(in_period(col("entered_at"), period)),
        )
        .join_on(
            deals.clone().lazy().select([col(DEAL_ID), col(CLIENT_ID)]),
            &[DEAL_ID],
            JoinType::Inner,
        )
        .select([
            col(DEAL_ID),
            col(CLIENT_ID),
            col("from_manager_id"),
            col(MANAGER_ID).alias("to_manager_id"),
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
                    col(CLIENT_ID),
                    col(MANAGER_ID).alias("to_manager_id"),
                    coalesce(&[col("done_at"), col("at")]).alias("contact_at"),
                ])
                .filter(col("contact_at").lt(end));
            let first = entries
                .clone()
                .join_on(touches, &[CLIENT_ID, "to_manager_id"], JoinType::Inner)
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
        .sort(["handed_at", DEAL_ID], SortMultipleOptions::default())
        .drop(cols(["handoff"]))
        .collect()
        .ctx("handoffs")
}
