//! Attribution: which campaigns a deal is credited to and with what weight (first touch,
//! last touch, or linear over the touches), per the config.

use super::*;
use crate::schema::names::{CAMPAIGN_ID, CLIENT_ID, DEAL_ID};

/// One touch per deal with its own campaign: k = n = 1, the deal's latest touch.
fn one(lf: LazyFrame) -> LazyFrame {
    lf.select([
        col(DEAL_ID),
        col(CAMPAIGN_ID),
        lit(1i64).cast(DataType::Int64).alias("k"),
        lit(1i64).cast(DataType::Int64).alias("n"),
        lit(true).alias("is_last"),
    ])
}

/// Per cohort deal and campaign: k (touches of the campaign), n (touches of the deal) and
/// whether the campaign holds the deal's latest touch.
pub(super) fn weights(
    tables: &Tables,
    snap: &Snapshot,
    cohort: &LazyFrame,
    how: Attribution,
    lookback_days: f64,
) -> Result<LazyFrame> {
    if how == Attribution::First {
        return Ok(one(cohort.clone()));
    }
    let as_of = moment(snap.period.end_ms());
    let mut touches = vec![first_touches(tables, cohort)];
    if let Some(contacts) = &tables.contacts {
        touches.extend(contact_touches(contacts, cohort, as_of, lookback_days));
    }
    let grouped = concat(touches, UnionArgs::default())
        .ctx("campaign touches")?
        .group_by([col(DEAL_ID), col(CAMPAIGN_ID)])
        .agg([
            len().cast(DataType::Int64).alias("k"),
            col("at").max().alias("last_at"),
        ])
        .sort_by_exprs(
            [col(DEAL_ID), col("last_at"), col(CAMPAIGN_ID)],
            SortMultipleOptions::default().with_order_descending_multi([false, true, false]),
        );
    let w = grouped.with_columns([
        crate::metrics::over(col("k").sum(), DEAL_ID)?.alias("n"),
        col(CAMPAIGN_ID)
            .eq(crate::metrics::over(col(CAMPAIGN_ID).first(), DEAL_ID)?)
            .alias("is_last"),
    ]);
    let w = match how {
        Attribution::Last => one(w.filter(col("is_last"))),
        _ => w.select([
            col(DEAL_ID),
            col(CAMPAIGN_ID),
            col("k"),
            col("n"),
            col("is_last"),
        ]),
    };
    // Deals no campaign touched stay whole in the "no campaign" row.
    let untouched = one(cohort
        .clone()
        .join_on(w.clone().select([col(DEAL_ID)]), &[DEAL_ID], JoinType::Anti)
        .with_column(lit(NULL).cast(DataType::String).alias(CAMPAIGN_ID)));
    concat([w, untouched], UnionArgs::default()).ctx("attribution weights")
}

/// The first touch of each cohort deal with a campaign: dated at the deal's creation when
/// the campaign is the deal's own, else at the client's (the campaign that brought them).
fn first_touches(tables: &Tables, cohort: &LazyFrame) -> LazyFrame {
    let own = tables
        .deals
        .clone()
        .lazy()
        .select([col(DEAL_ID), col(CAMPAIGN_ID).alias("own_campaign")]);
    let client_created = match &tables.clients {
        Some(c) => c
            .clone()
            .lazy()
            .select([col(CLIENT_ID), col("created_at").alias("client_created_at")]),
        None => cohort.clone().select([
            col(CLIENT_ID),
            lit(NULL)
                .cast(DataType::Datetime(TimeUnit::Milliseconds, None))
                .alias("client_created_at"),
        ]),
    }
    .unique(Some(cols([CLIENT_ID])), UniqueKeepStrategy::First);
    cohort
        .clone()
        .filter(col(CAMPAIGN_ID).is_not_null())
        .join_on(own, &[DEAL_ID], JoinType::Left)
        .join_on(client_created, &[CLIENT_ID], JoinType::Left)
        .select([
            col(DEAL_ID),
            col(CAMPAIGN_ID),
            when(col("own_campaign").is_not_null())
                .then(col("created_at"))
                .otherwise(coalesce(&[col("client_created_at"), col("created_at")]))
                .alias("at"),
        ])
}

/// The campaign touches among the contacts before as-of, up to each deal's close: those
/// tied to the deal, and the client's untied ones from `lookback_days` before the deal
/// was created.
fn contact_touches(
    contacts: &DataFrame,
    cohort: &LazyFrame,
    as_of: Expr,
    lookback_days: f64,
) -> [LazyFrame; 2] {
    let ends = cohort.clone().select([
        col(DEAL_ID),
        col(CLIENT_ID),
        col("created_at"),
        coalesce(&[col("closed_at"), as_of.clone()]).alias("end"),
    ]);
    let c = contacts
        .clone()
        .lazy()
        .filter(col(CAMPAIGN_ID).is_not_null().and(col("at").lt(as_of)))
        .select([
            col(DEAL_ID).alias("touch_deal"),
            col(CLIENT_ID),
            col(CAMPAIGN_ID),
            col("at"),
        ]);
    let tied = c
        .clone()
        .filter(col("touch_deal").is_not_null())
        .join(
            ends.clone(),
            [col("touch_deal")],
            [col(DEAL_ID)],
            JoinArgs::new(JoinType::Inner),
        )
        .filter(col("at").lt_eq(col("end")))
        .select([
            col("touch_deal").alias(DEAL_ID),
            col(CAMPAIGN_ID),
            col("at"),
        ]);
    let lookback =
        lit((lookback_days * DAY_MS) as i64).cast(DataType::Duration(TimeUnit::Milliseconds));
    let untied = c
        .filter(col("touch_deal").is_null())
        .join_on(ends, &[CLIENT_ID], JoinType::Inner)
        .filter(
            col("at")
                .lt_eq(col("end"))
                .and(col("at").gt_eq(col("created_at") - lookback)),
        )
        .select([col(DEAL_ID), col(CAMPAIGN_ID), col("at")]);
    [tied, untied]
}
