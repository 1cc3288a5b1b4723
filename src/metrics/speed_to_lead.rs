//! Speed to lead (SPEC §3): how quickly the company answers a client who turns up.
//!
//! A *lead* is a client's inbound contact (`direction = in`) with no contact with that client in
//! the 30 days before it, or a deal created with no contact in the 30 days before it. An inbound
//! contact and a deal at the same moment are one lead (the contact's); a deal with any contact at
//! its own moment is not a lead of its own. Contacts at one moment are one moment: two inbound
//! calls logged at the same second are one lead. Leads are counted in the period.
//!
//! The *response* is the client's first outbound contact strictly after the lead, up to as-of;
//! none by then is *never*. Hours to respond are taken over answered leads (median and p90,
//! linear interpolation, as the cycle quantiles); the shares are of all leads and cumulative up
//! to 24 h: `within_5m ≤ within_1h ≤ within_24h`, and `within_24h + later + never = 1`.
//!
//! Each lead is counted for its manager (the responder, else the client's owner, else the
//! manager of the lead's deal), its channel (the inbound contact's; `(new deal)` for a lead
//! that is a deal alone) and its campaign (the contact's, else its deal's, else the client's),
//! and the company. The win rate by response bucket follows each lead's next deal (the client's
//! first deal created at or after the lead): won ÷ (won + lost) as of as-of.

use crate::schema::names::{CAMPAIGN_ID, CLIENT_ID, DEAL_ID, MANAGER_ID};
use polars::prelude::*;

use super::snapshot::{Snapshot, moment};
use crate::error::{PolarsContext, Result};
use crate::tables::Tables;

/// Days without a contact before an inbound contact that make it a new lead.
pub const QUIET_DAYS: i64 = 30;
const DAY_MS: i64 = 86_400_000;
const HOUR_MS: f64 = 3_600_000.0;

/// What the figure needs of the contacts, given the period (for the loader's window): the
/// quiet days before the period start up to the end.
pub fn contact_window_start_ms(period_start_ms: i64) -> i64 {
    period_start_ms - QUIET_DAYS * DAY_MS
}

/// The speed-to-lead tables.
pub struct SpeedToLead {
    /// SPEC §6 `speed_to_lead`: level, group, leads, median_hours, p90_hours, within_5m,
    /// within_1h, within_24h, later, never, then answered.
    pub table: DataFrame,
    /// Win rate of the leads' next deals by response bucket: bucket, leads, with_deal, won,
    /// lost, win_rate, open (next deals still open at as-of, which a short period has many of).
    pub win_rate: DataFrame,
    /// Every lead of the period: client_id, lead_at, kind, manager_id, channel, campaign_id,
    /// responded_at, hours_to_respond, next_deal_id, next_deal_status.
    pub leads: DataFrame,
}

fn text(name: &str) -> Expr {
    col(name).cast(DataType::String)
}

/// `e` of the client's nearest row holding one: with `forward` the last at or before the row
/// `shift` rows back, else the first at or after the row `shift` rows on (`shift` -1: the
/// next). The events are sorted by client, so this is one fill over the whole frame that
/// stops at the client's edge (the value found must be of the row's own client): the same as
/// a fill over each client, without grouping the events by client once per column.
fn in_client(e: Expr, shift: i64, forward: bool) -> Expr {
    let owner = when(e.clone().is_not_null())
        .then(col(CLIENT_ID))
        .otherwise(lit(NULL).cast(DataType::String));
    let fill = |x: Expr| {
        let x = if shift == 0 { x } else { x.shift(lit(shift)) };
        x.fill_null_with_strategy(if forward {
            FillNullStrategy::Forward(None)
        } else {
            FillNullStrategy::Backward(None)
        })
    };
    when(fill(owner).eq(col(CLIENT_ID)))
        .then(fill(e))
        .otherwise(lit(NULL))
}

/// The leads of the period with their responses; `None` when there are no contacts. The
/// events of each client in time ([`events`]), the leads among them with the response and
/// next deal ([`flag_leads`]), then each lead's manager, channel and campaign.
pub fn leads(tables: &Tables, snap: &Snapshot) -> Result<Option<DataFrame>> {
    let Some(contacts) = &tables.contacts else {
        return Ok(None);
    };
    let flagged = flag_leads(
        events(contacts, snap)?,
        snap.period.start_ms(),
        snap.period.end_ms(),
    );
    let owners = match &tables.clients {
        Some(c) => c.clone().lazy().select([
            text(CLIENT_ID).alias(CLIENT_ID),
            text(MANAGER_ID).alias("owner"),
            text(CAMPAIGN_ID).alias("client_campaign"),
        ]),
        None => df!(
            CLIENT_ID => Vec::<String>::new(),
            "owner" => Vec::<String>::new(),
            "client_campaign" => Vec::<String>::new(),
        )
        .ctx("owners")?
        .lazy(),
    };
    let lead_deal = |e: Expr| {
        when(col("is_deal"))
            .then(e)
            .otherwise(lit(NULL).cast(DataType::String))
    };
    let hours = (col("responded_at").cast(DataType::Int64) - col("at").cast(DataType::Int64))
        .cast(DataType::Float64)
        / lit(HOUR_MS);
    let frame = flagged
        .join(
            owners,
            [col(CLIENT_ID)],
            [col(CLIENT_ID)],
            JoinArgs::new(JoinType::Left),
        )
        .select([
            col(CLIENT_ID),
            col("at").alias("lead_at"),
            when(col("inbound"))
                .then(lit("inbound contact"))
                .otherwise(lit("new deal"))
                .alias("kind"),
            coalesce(&[
                col("responder"),
                col("owner"),
                lead_deal(col("deal_manager")),
            ])
            .fill_null(lit("(no manager)"))
            .alias(MANAGER_ID),
            when(col("inbound"))
                .then(col("channel").fill_null(lit("(no channel)")))
                .otherwise(lit("(new deal)"))
                .alias("channel"),
            coalesce(&[
                col("contact_campaign"),
                lead_deal(col("deal_campaign")),
                col("client_campaign"),
            ])
            .fill_null(lit("(no campaign)"))
            .alias(CAMPAIGN_ID),
            col("responded_at"),
            hours.alias("hours_to_respond"),
            col("next_deal_id"),
            col("next_deal_status"),
        ])
        .sort(["lead_at", CLIENT_ID], SortMultipleOptions::default())
        .collect()
        .ctx("speed to lead")?;
    Ok(Some(frame))
}

/// Every moment a client was in touch in the contact window up to as-of (whether inbound,
/// with the first inbound channel and campaign by name, and the outbound contact's manager)
/// and every deal created in the period, one frame sorted by client and time (at one
/// moment the contacts before the deals).
fn events(contacts: &DataFrame, snap: &Snapshot) -> Result<LazyFrame> {
    let as_of = snap.period.end_ms();
    let start = snap.period.start_ms();
    let inbound = text("direction").eq(lit("in"));
    let outbound = text("direction").eq(lit("out"));
    let moments = contacts
        .clone()
        .lazy()
        .filter(
            col("at")
                .lt(moment(as_of))
                .and(col("at").gt_eq(moment(contact_window_start_ms(start))))
                .and(col(CLIENT_ID).is_not_null()),
        )
        .group_by([text(CLIENT_ID).alias(CLIENT_ID), col("at")])
        .agg([
            inbound.clone().any(true).alias("inbound"),
            outbound.clone().any(true).alias("outbound"),
            text("channel")
                .filter(inbound.clone())
                .min()
                .alias("channel"),
            text(CAMPAIGN_ID)
                .filter(inbound.clone())
                .min()
                .alias("contact_campaign"),
            text(MANAGER_ID)
                .filter(outbound.clone())
                .min()
                .alias("out_manager"),
        ])
        .with_columns([
            lit(false).alias("is_deal"),
            lit(NULL).cast(DataType::String).alias(DEAL_ID),
            lit(NULL).cast(DataType::String).alias("deal_status"),
            lit(NULL).cast(DataType::String).alias("deal_campaign"),
            lit(NULL).cast(DataType::String).alias("deal_manager"),
        ]);
    let deals = snap
        .deals
        .clone()
        .lazy()
        // Deals created before the period are neither leads nor a lead's next deal.
        .filter(
            col(CLIENT_ID)
                .is_not_null()
                .and(col("created_at").gt_eq(moment(start))),
        )
        .select([
            text(CLIENT_ID).alias(CLIENT_ID),
            col("created_at").alias("at"),
            lit(false).alias("inbound"),
            lit(false).alias("outbound"),
            lit(NULL).cast(DataType::String).alias("channel"),
            lit(NULL).cast(DataType::String).alias("contact_campaign"),
            lit(NULL).cast(DataType::String).alias("out_manager"),
            lit(true).alias("is_deal"),
            text(DEAL_ID).alias(DEAL_ID),
            text("status").alias("deal_status"),
            text(CAMPAIGN_ID).alias("deal_campaign"),
            text(MANAGER_ID).alias("deal_manager"),
        ]);
    Ok(concat(
        [moments, deals],
        UnionArgs {
            to_supertypes: true,
            ..Default::default()
        },
    )
    .ctx("speed to lead events")?
    // A client's events in time; at one moment the contacts before the deals.
    .sort(
        [CLIENT_ID, "at", "is_deal", DEAL_ID],
        SortMultipleOptions::default().with_nulls_last(true),
    ))
}

/// The leads among a client's `events` (an inbound contact or a new deal with no contact in
/// the QUIET_DAYS before, inside the period) with the first later outbound moment and its
/// manager, and the first deal at or after the lead.
fn flag_leads(events: LazyFrame, start: i64, as_of: i64) -> LazyFrame {
    let contact_at = when(col("is_deal").not())
        .then(col("at"))
        .otherwise(lit(NULL).cast(DataType::Datetime(TimeUnit::Milliseconds, None)));
    let out_at = when(col("outbound"))
        .then(col("at"))
        .otherwise(lit(NULL).cast(DataType::Datetime(TimeUnit::Milliseconds, None)));
    let deal_at = when(col("is_deal"))
        .then(col("at"))
        .otherwise(lit(NULL).cast(DataType::Datetime(TimeUnit::Milliseconds, None)));
    let previous_contact = in_client(contact_at, 1, true);
    let quiet = previous_contact
        .clone()
        .is_null()
        .or(
            (col("at").cast(DataType::Int64) - previous_contact.cast(DataType::Int64))
                .gt(lit(QUIET_DAYS * DAY_MS)),
        );
    let lead = (col("inbound").or(col("is_deal")))
        .and(quiet)
        .and(col("at").gt_eq(moment(start)))
        .and(col("at").lt(moment(as_of)));
    // The first outbound moment after this row (strictly later: the row's own is skipped) and
    // its manager; the first deal at or after it.
    let next = |e: Expr| in_client(e, -1, false);
    let here_or_next = |e: Expr| in_client(e, 0, false);
    events
        .with_columns([
            lead.alias("lead"),
            next(out_at).alias("responded_at"),
            next(col("out_manager")).alias("responder"),
            here_or_next(deal_at).alias("next_deal_at"),
            here_or_next(col(DEAL_ID)).alias("next_deal_id"),
            here_or_next(col("deal_status")).alias("next_deal_status"),
            here_or_next(col("deal_campaign")).alias("next_deal_campaign"),
            here_or_next(col("deal_manager")).alias("next_deal_manager"),
        ])
        .filter(col("lead"))
}

/// The response bucket of a lead (exclusive buckets, for the win rate).
fn bucket() -> Expr {
    let h = col("hours_to_respond");
    when(h.clone().is_null())
        .then(lit("never"))
        .when(h.clone().lt_eq(lit(5.0 / 60.0)))
        .then(lit("within 5 min"))
        .when(h.clone().lt_eq(lit(1.0)))
        .then(lit("5 min to 1 h"))
        .when(h.lt_eq(lit(24.0)))
        .then(lit("1 h to 24 h"))
        .otherwise(lit("later"))
}

const BUCKETS: [&str; 5] = [
    "within 5 min",
    "5 min to 1 h",
    "1 h to 24 h",
    "later",
    "never",
];

/// The win rate of the leads' next deals per response bucket (every bucket listed, in
/// order; a bucket without leads shows zeros).
fn win_rate_by_bucket(leads: &DataFrame) -> Result<DataFrame> {
    let order = df!(
        "bucket" => BUCKETS.to_vec(),
        "bucket_index" => (0..BUCKETS.len() as u32).collect::<Vec<_>>(),
    )
    .ctx("buckets")?;
    let status = col("next_deal_status");
    let won = status
        .clone()
        .eq(lit(crate::tables::status::WON))
        .sum()
        .cast(DataType::Int64);
    let lost = status
        .clone()
        .eq(lit(crate::tables::status::LOST))
        .sum()
        .cast(DataType::Int64);
    order
        .lazy()
        .join(
            leads.clone().lazy().with_column(bucket().alias("bucket")),
            [col("bucket")],
            [col("bucket")],
            JoinArgs::new(JoinType::Left),
        )
        .group_by([col("bucket_index"), col("bucket")])
        .agg([
            col(CLIENT_ID).count().cast(DataType::Int64).alias("leads"),
            status
                .clone()
                .is_not_null()
                .sum()
                .cast(DataType::Int64)
                .alias("with_deal"),
            won.clone().alias("won"),
            lost.clone().alias("lost"),
            super::rate(won.clone(), won + lost).alias("win_rate"),
            status
                .clone()
                .eq(lit("open"))
                .sum()
                .cast(DataType::Int64)
                .alias("open"),
        ])
        .sort(["bucket_index"], SortMultipleOptions::default())
        .drop(cols(["bucket_index"]))
        .collect()
        .ctx("speed to lead win rate")
}

/// The speed-to-lead figure; `None` without contacts.
pub fn speed_to_lead(tables: &Tables, snap: &Snapshot) -> Result<Option<SpeedToLead>> {
    let Some(leads) = leads(tables, snap)? else {
        return Ok(None);
    };
    let h = col("hours_to_respond");
    // Empty, not NaN, for a group without leads (the company row of a period without any).
    let share = |cond: Expr| super::rate(cond.sum(), len());
    let figures = |key: Expr, level: &str| {
        leads
            .clone()
            .lazy()
            .group_by([key.alias("group")])
            .agg([
                len().cast(DataType::Int64).alias("leads"),
                h.clone().median().alias("median_hours"),
                h.clone()
                    .quantile(lit(0.9), QuantileMethod::Linear)
                    .alias("p90_hours"),
                share(h.clone().lt_eq(lit(5.0 / 60.0))).alias("within_5m"),
                share(h.clone().lt_eq(lit(1.0))).alias("within_1h"),
                share(h.clone().lt_eq(lit(24.0))).alias("within_24h"),
                share(h.clone().gt(lit(24.0))).alias("later"),
                share(h.clone().is_null()).alias("never"),
                h.clone()
                    .is_not_null()
                    .sum()
                    .cast(DataType::Int64)
                    .alias("answered"),
            ])
            .sort(["group"], SortMultipleOptions::default())
            .select([lit(level.to_string()).alias("level"), all().as_expr()])
    };
    let parts = [
        figures(col(MANAGER_ID), "manager"),
        figures(col("channel"), "channel"),
        figures(col(CAMPAIGN_ID), "campaign"),
        figures(lit("company"), "company"),
    ];
    let table = concat(parts, UnionArgs::default())
        .ctx("speed to lead table")?
        .collect()
        .ctx("speed to lead table")?;
    let win_rate = win_rate_by_bucket(&leads)?;
    Ok(Some(SpeedToLead {
        table,
        win_rate,
        leads,
    }))
}
