//! Campaign effectiveness (SPEC §3): what each campaign brought in the period, at what cost,
//! and whether its conversion really differs from the rest.
//!
//! Rules (README, "crmstat campaigns"):
//! - the deals of a period are the deals created in it (the cohort), followed to the end of
//!   the period: won, lost or still open then; money paid on them up to then;
//! - attribution `first`: the deal's campaign, else its client's. `last` and `linear` look at
//!   the campaign touches of the deal: that first campaign (at the deal's creation, or the
//!   client's registration when the campaign is the client's), every contact with a
//!   campaign_id on the deal, and every contact with a campaign_id with the client and no
//!   deal from `lookback_days` before the deal's creation; all up to the deal's close (or the
//!   end of the period while open). `last` credits the latest touch, `linear` gives every
//!   touch an equal share (a campaign touched twice of four gets half). Counts become
//!   fractions; money is split in whole kopecks, the leftover kopecks to the latest touch, so
//!   campaigns add up to the company exactly;
//! - leads = deals opened + clients the campaign brought in the period who opened no deal
//!   in it (a new client with a deal is one lead, not two);
//! - conversion = won / deals with a Wilson 95 % interval; the p-value is the pooled
//!   two-proportion z-test of the campaign's deals against all other deals of the period;
//!   significant = p < 0.05; the verdict says it in words and warns when there are fewer than
//!   5 expected wins or losses on either side (the z-test is unreliable there); p_holm is
//!   the Holm-adjusted p for reading many campaigns at once;
//! - cost in the period: by `[campaigns] cost`, `spread` (default) puts the cost evenly on
//!   the campaign's days, started_on to ended_on inclusive, rounded so that the parts of any
//!   split of time add up to the whole cost exactly; `start` puts it all in the period of
//!   started_on. A campaign with one date runs that day; with none its cost is unknown;
//! - ROMI = (paid − cost) / cost; cost per lead = cost / leads; cost per customer = cost /
//!   new paying clients (clients whose first paid deal — first won deal without a payments
//!   table — is one of the campaign's deals of the period); median days to win over the
//!   campaign's won deals.

use polars::prelude::*;

use super::snapshot::{DAY_MS, Snapshot, in_period, moment};
use super::stats::{Z95, enough_for_z, holm, two_proportion_p, wilson};
use super::{JoinOn, floats, ints, round_to as round, texts};
use crate::config::{Attribution, CampaignsConfig, CostRule};
use crate::error::{PolarsContext, Result};
use crate::money;
use crate::tables::Tables;
use crate::tables::status;

/// The campaigns table and what the reader should know.
pub struct Campaigns {
    pub campaigns: DataFrame,
    pub notes: Vec<String>,
}

/// The label of the row of deals no campaign brought.
pub const NO_CAMPAIGN: &str = "(no campaign)";

/// A campaign's cost that falls in the period `[p_start, p_end)` (days since the epoch).
/// `start`/`end` are its first and last day (inclusive); `None` when it has neither.
pub fn cost_in_period(
    cost: i128,
    start: Option<i32>,
    end: Option<i32>,
    p_start: i32,
    p_end: i32,
    rule: CostRule,
) -> Option<i128> {
    let (s, e) = match (start, end) {
        (None, None) => return None,
        (Some(s), None) | (None, Some(s)) => (s, s),
        (Some(s), Some(e)) => (s.min(e), s.max(e)),
    };
    Some(match rule {
        CostRule::Start => {
            if (p_start..p_end).contains(&s) {
                cost
            } else {
                0
            }
        }
        CostRule::Spread => {
            let days = i128::from(e - s + 1);
            let upto = |d: i32| i128::from(d - s).clamp(0, days);
            // Rounded cumulative cost at each boundary: parts telescope to the whole.
            let at = |d: i32| money::div_round(cost * upto(d), days, false);
            at(p_end) - at(p_start)
        }
    })
}

/// Per cohort deal and campaign: k (touches of the campaign), n (touches of the deal) and
/// whether the campaign holds the deal's latest touch.
fn weights(
    tables: &Tables,
    snap: &Snapshot,
    cohort: &LazyFrame,
    how: Attribution,
    lookback_days: f64,
) -> Result<LazyFrame> {
    let one = |lf: LazyFrame| {
        lf.select([
            col("deal_id"),
            col("campaign_id"),
            lit(1i64).cast(DataType::Int64).alias("k"),
            lit(1i64).cast(DataType::Int64).alias("n"),
            lit(true).alias("is_last"),
        ])
    };
    if how == Attribution::First {
        return Ok(one(cohort.clone()));
    }
    let as_of = moment(snap.period.end_ms());
    let own = tables
        .deals
        .clone()
        .lazy()
        .select([col("deal_id"), col("campaign_id").alias("own_campaign")]);
    let client_created = match &tables.clients {
        Some(c) => c.clone().lazy().select([
            col("client_id"),
            col("created_at").alias("client_created_at"),
        ]),
        None => cohort.clone().select([
            col("client_id"),
            lit(NULL)
                .cast(DataType::Datetime(TimeUnit::Milliseconds, None))
                .alias("client_created_at"),
        ]),
    }
    .unique(Some(cols(["client_id"])), UniqueKeepStrategy::First);
    let first = cohort
        .clone()
        .filter(col("campaign_id").is_not_null())
        .join_on(own, &["deal_id"], JoinType::Left)
        .join_on(client_created, &["client_id"], JoinType::Left)
        .select([
            col("deal_id"),
            col("campaign_id"),
            when(col("own_campaign").is_not_null())
                .then(col("created_at"))
                .otherwise(coalesce(&[col("client_created_at"), col("created_at")]))
                .alias("at"),
        ]);
    let mut touches = vec![first];
    if let Some(contacts) = &tables.contacts {
        let ends = cohort.clone().select([
            col("deal_id"),
            col("client_id"),
            col("created_at"),
            coalesce(&[col("closed_at"), as_of.clone()]).alias("end"),
        ]);
        let c = contacts
            .clone()
            .lazy()
            .filter(col("campaign_id").is_not_null().and(col("at").lt(as_of)))
            .select([
                col("deal_id").alias("touch_deal"),
                col("client_id"),
                col("campaign_id"),
                col("at"),
            ]);
        let tied = c
            .clone()
            .filter(col("touch_deal").is_not_null())
            .join(
                ends.clone(),
                [col("touch_deal")],
                [col("deal_id")],
                JoinArgs::new(JoinType::Inner),
            )
            .filter(col("at").lt_eq(col("end")))
            .select([
                col("touch_deal").alias("deal_id"),
                col("campaign_id"),
                col("at"),
            ]);
        let lookback =
            lit((lookback_days * DAY_MS) as i64).cast(DataType::Duration(TimeUnit::Milliseconds));
        let untied = c
            .filter(col("touch_deal").is_null())
            .join_on(ends, &["client_id"], JoinType::Inner)
            .filter(
                col("at")
                    .lt_eq(col("end"))
                    .and(col("at").gt_eq(col("created_at") - lookback)),
            )
            .select([col("deal_id"), col("campaign_id"), col("at")]);
        touches.push(tied);
        touches.push(untied);
    }
    let grouped = concat(touches, UnionArgs::default())
        .ctx("campaign touches")?
        .group_by([col("deal_id"), col("campaign_id")])
        .agg([
            len().cast(DataType::Int64).alias("k"),
            col("at").max().alias("last_at"),
        ])
        .sort_by_exprs(
            [col("deal_id"), col("last_at"), col("campaign_id")],
            SortMultipleOptions::default().with_order_descending_multi([false, true, false]),
        );
    let w = grouped.with_columns([
        super::over(col("k").sum(), "deal_id")?.alias("n"),
        col("campaign_id")
            .eq(super::over(col("campaign_id").first(), "deal_id")?)
            .alias("is_last"),
    ]);
    let w = match how {
        Attribution::Last => one(w.filter(col("is_last"))),
        _ => w.select([
            col("deal_id"),
            col("campaign_id"),
            col("k"),
            col("n"),
            col("is_last"),
        ]),
    };
    // Deals no campaign touched stay whole in the "no campaign" row.
    let untouched = one(cohort
        .clone()
        .join_on(
            w.clone().select([col("deal_id")]),
            &["deal_id"],
            JoinType::Anti,
        )
        .with_column(lit(NULL).cast(DataType::String).alias("campaign_id")));
    concat([w, untouched], UnionArgs::default()).ctx("attribution weights")
}

/// The campaigns table for a snapshot.
pub fn campaigns(
    tables: &Tables,
    snap: &Snapshot,
    how: Attribution,
    cfg: &CampaignsConfig,
    clv: Option<&std::collections::HashMap<String, Option<i128>>>,
) -> Result<Campaigns> {
    let mut notes = Vec::new();
    let as_of = moment(snap.period.end_ms());
    let cohort = snap.cohort().select([
        col("deal_id"),
        col("client_id"),
        col("campaign_id"),
        col("created_at"),
        col("closed_at"),
        col("status"),
        money::minor_expr("amount").alias("amount_minor"),
    ]);
    // Money paid up to as-of, per deal; which deal made each client a paying customer.
    let all_deals = snap.deals.clone().lazy();
    let (paid, paying) = match &tables.payments {
        Some(p) => {
            let paid = p
                .clone()
                .lazy()
                .filter(col("paid_at").lt(as_of))
                .group_by([col("deal_id")])
                .agg([money::sum_minor(money::minor_expr("amount")).alias("paid_minor")]);
            let paid = paid_per_deal(paid)?;
            let paying = all_deals
                .clone()
                .join_on(paid.clone(), &["deal_id"], JoinType::Inner)
                .filter(col("paid_minor").gt(lit(0i64)));
            (Some(paid), paying)
        }
        None => {
            notes.push(
                "no payments table: paid amount, ROMI and cost per customer need payments; \
                 paying customers are taken as clients with a won deal"
                    .into(),
            );
            (None, all_deals.filter(status::won()))
        }
    };
    let first_paying = paying
        .sort(["created_at", "deal_id"], SortMultipleOptions::default())
        .group_by([col("client_id")])
        .agg([col("deal_id").first().alias("first_paying_deal")]);
    let mut deals = cohort
        .clone()
        .join_on(first_paying, &["client_id"], JoinType::Left)
        .with_columns([
            col("deal_id")
                .eq(col("first_paying_deal"))
                .fill_null(lit(false))
                .alias("new_customer"),
            when(status::won())
                .then(super::snapshot::days_between(
                    col("created_at"),
                    col("closed_at"),
                ))
                .otherwise(lit(NULL).cast(DataType::Float64))
                .alias("days_to_win"),
        ]);
    deals = match paid {
        Some(p) => deals
            .join_on(p, &["deal_id"], JoinType::Left)
            .with_column(col("paid_minor").fill_null(lit(0i64))),
        None => deals.with_column(lit(NULL).cast(DataType::Int64).alias("paid_minor")),
    };
    let w = weights(tables, snap, &cohort, how, cfg.lookback_days)?;
    let share = |m: &str| -> Result<Expr> {
        // floor(a·k / n) without forming a·k (an amount times k may not fit an i64):
        // a = q·n + r with 0 ≤ r < n, so floor(a·k / n) = q·k + floor(r·k / n).
        let q = col(m).floor_div(col("n"));
        let r = col(m) - q.clone() * col("n");
        let floor = q * col("k") + (r * col("k")).floor_div(col("n"));
        let left = col(m) - super::over(floor.clone().sum(), "deal_id")?;
        Ok(floor + when(col("is_last")).then(left).otherwise(lit(0i64)))
    };
    let won = status::won();
    let weight = col("k").cast(DataType::Float64) / col("n").cast(DataType::Float64);
    // Each client's lifetime value (crmstat clv) in minor units, where known.
    let clv_frame = {
        let (ids, values): (Vec<String>, Vec<Option<f64>>) = clv
            .map(|m| {
                m.iter()
                    .map(|(id, v)| (id.clone(), v.map(|v| v as f64)))
                    .unzip()
            })
            .unwrap_or_default();
        df!("client_id" => ids, "clv_minor" => values)
            .ctx("clv per client")?
            .lazy()
    };
    let acquired_clv = col("new_customer").and(col("clv_minor").is_not_null());
    let by_campaign = deals
        .drop(cols(["campaign_id"]))
        .join(
            clv_frame,
            [col("client_id")],
            [col("client_id")],
            JoinArgs::new(JoinType::Left),
        )
        .join_on(w, &["deal_id"], JoinType::Inner)
        .with_columns([
            weight.alias("w"),
            share("amount_minor")?.alias("amount_share"),
            share("paid_minor")?.alias("paid_share"),
        ])
        .group_by([col("campaign_id")])
        .agg([
            col("w").sum().alias("deals"),
            col("w").filter(won.clone()).sum().alias("won"),
            col("w").filter(status::lost()).sum().alias("lost"),
            col("w").filter(status::open()).sum().alias("open"),
            money::sum_minor(col("amount_share").filter(won.clone())).alias("won_minor"),
            col("w")
                .filter(won.clone().and(col("amount_minor").is_not_null()))
                .sum()
                .alias("won_with_amount"),
            money::sum_minor(col("paid_share")).alias("paid_minor"),
            col("w")
                .filter(col("new_customer"))
                .sum()
                .alias("new_customers"),
            col("days_to_win").median().alias("median_days_to_win"),
            (col("w") * col("clv_minor"))
                .filter(acquired_clv.clone())
                .sum()
                .alias("clv_weighted"),
            col("w").filter(acquired_clv).sum().alias("clv_weight"),
        ]);
    // Clients a campaign brought in the period who opened no deal in it.
    let activity = match &tables.clients {
        Some(c) => {
            let acquired = c
                .clone()
                .lazy()
                .filter(
                    in_period(col("created_at"), &snap.period)
                        .and(col("campaign_id").is_not_null()),
                )
                .join_on(
                    cohort.clone().select([col("client_id")]),
                    &["client_id"],
                    JoinType::Anti,
                )
                .group_by([col("campaign_id")])
                .agg([len().cast(DataType::Float64).alias("clients_without_deal")]);
            by_campaign.join(
                acquired,
                [col("campaign_id")],
                [col("campaign_id")],
                JoinArgs::new(JoinType::Full).with_coalesce(JoinCoalesce::CoalesceColumns),
            )
        }
        None => by_campaign.with_column(lit(0.0).alias("clients_without_deal")),
    }
    .collect()
    .ctx("campaign activity")?;

    // The campaigns themselves, with the cost that falls in the period.
    let p_start = snap.period.start_ms().div_euclid(DAY_MS as i64) as i32;
    let p_end = snap.period.end_ms().div_euclid(DAY_MS as i64) as i32;
    let mut listed: Vec<Listed> = Vec::new();
    let mut undated = Vec::new();
    if let Some(c) = &tables.campaigns {
        let ids = texts(c, "campaign_id")?;
        let names = texts(c, "name")?;
        let channels = texts(c, "channel")?;
        let day_of = |name: &str| -> Result<Vec<Option<i32>>> {
            Ok(ints(c, name)?
                .into_iter()
                .map(|d| d.map(|d| d as i32))
                .collect())
        };
        let (starts, ends) = (day_of("started_on")?, day_of("ended_on")?);
        let costs = money::minor_units(c.column("cost").ctx("cost")?)?;
        for i in 0..c.height() {
            let Some(id) = ids[i].clone() else { continue };
            let cost = costs[i].and_then(|cost| {
                let part = cost_in_period(cost, starts[i], ends[i], p_start, p_end, cfg.cost);
                if part.is_none() {
                    undated.push(id.clone());
                }
                part
            });
            listed.push(Listed {
                id,
                name: names[i].clone(),
                channel: channels[i].clone(),
                cost,
            });
        }
    }
    if !undated.is_empty() {
        notes.push(format!(
            "campaigns without started_on/ended_on: {}; their cost cannot be placed in a period, \
             so cost and ROMI are left empty",
            undated.join(", ")
        ));
    }
    let rows = assemble(&activity, &listed, tables.payments.is_some())?;
    let won: f64 = rows.iter().map(|r| r.won).sum();
    let known: f64 = rows.iter().map(|r| r.won_with_amount).sum();
    if known + 1e-9 < won {
        notes.push(format!(
            "won_amount covers the won deals with an amount: {} of {} (weighted by attribution, \
             won_with_amount); a campaign whose won deals have none shows it empty, not 0",
            round(known, 2),
            round(won, 2)
        ));
    }
    Ok(Campaigns {
        campaigns: table(rows)?,
        notes,
    })
}

/// A campaign as the campaigns table lists it.
struct Listed {
    id: String,
    name: Option<String>,
    channel: Option<String>,
    cost: Option<i128>,
}

/// One output row before statistics.
struct Row {
    id: Option<String>,
    name: String,
    channel: Option<String>,
    leads: f64,
    deals: f64,
    won: f64,
    lost: f64,
    open: f64,
    won_minor: Option<i128>,
    won_with_amount: f64,
    /// The acquired clients' mean CLV in minor units (a model estimate).
    mean_clv: Option<f64>,
    paid_minor: Option<i128>,
    cost: Option<i128>,
    new_customers: f64,
    median_days_to_win: Option<f64>,
}

fn assemble(activity: &DataFrame, listed: &[Listed], has_payments: bool) -> Result<Vec<Row>> {
    let ids = texts(activity, "campaign_id")?;
    let num = |name: &str| -> Result<Vec<f64>> {
        Ok(floats(activity, name)?
            .into_iter()
            .map(|v| v.unwrap_or(0.0))
            .collect())
    };
    let (deals, won, lost, open) = (num("deals")?, num("won")?, num("lost")?, num("open")?);
    let (new_customers, without) = (num("new_customers")?, num("clients_without_deal")?);
    let with_amount = num("won_with_amount")?;
    let (clv_sum, clv_weight) = (num("clv_weighted")?, num("clv_weight")?);
    let median = floats(activity, "median_days_to_win")?;
    let int = |name: &str| -> Result<Vec<Option<i128>>> {
        money::minors(activity.column(name).ctx(name.to_string())?)
    };
    let (won_minor, paid_minor) = (int("won_minor")?, int("paid_minor")?);
    let mut rows: Vec<Row> = Vec::new();
    for i in 0..activity.height() {
        let meta = ids[i]
            .as_ref()
            .and_then(|id| listed.iter().find(|l| &l.id == id));
        rows.push(Row {
            id: ids[i].clone(),
            name: match (&ids[i], meta.and_then(|m| m.name.clone())) {
                (None, _) => NO_CAMPAIGN.to_string(),
                (Some(_), Some(n)) => n,
                (Some(id), None) => id.clone(),
            },
            channel: meta.and_then(|m| m.channel.clone()),
            leads: deals[i] + without[i],
            deals: deals[i],
            won: won[i],
            lost: lost[i],
            open: open[i],
            // Nothing won is a real zero; won deals without any amount are unknown, not 0.
            won_minor: if deals[i] > 0.0 && (won[i] <= 0.0 || with_amount[i] > 0.0) {
                Some(won_minor[i].unwrap_or(0))
            } else {
                None
            },
            won_with_amount: with_amount[i],
            mean_clv: (clv_weight[i] > 0.0).then(|| clv_sum[i] / clv_weight[i]),
            paid_minor: if has_payments {
                Some(paid_minor[i].unwrap_or(0))
            } else {
                None
            },
            cost: meta.and_then(|m| m.cost),
            new_customers: new_customers[i],
            median_days_to_win: median[i],
        });
    }
    // Campaigns that spent money in the period but brought nothing still show.
    for l in listed {
        if rows.iter().any(|r| r.id.as_deref() == Some(l.id.as_str())) {
            continue;
        }
        if l.cost.is_some_and(|c| c > 0) {
            rows.push(Row {
                id: Some(l.id.clone()),
                name: l.name.clone().unwrap_or_else(|| l.id.clone()),
                channel: l.channel.clone(),
                leads: 0.0,
                deals: 0.0,
                won: 0.0,
                lost: 0.0,
                open: 0.0,
                won_minor: None,
                won_with_amount: 0.0,
                mean_clv: None,
                paid_minor: has_payments.then_some(0),
                cost: l.cost,
                new_customers: 0.0,
                median_days_to_win: None,
            });
        }
    }
    rows.sort_by(|a, b| match (&a.id, &b.id) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (Some(_), None) => std::cmp::Ordering::Less,
        (Some(x), Some(y)) => x.cmp(y),
    });
    Ok(rows)
}

/// The money paid per deal (deal_id, paid_minor as an exact sum) as Int64 minor units, or an
/// error naming the deals whose payments add up to more than one amount can hold.
fn paid_per_deal(paid: LazyFrame) -> Result<LazyFrame> {
    let frame = paid.collect().ctx("payments per deal")?;
    let sums = money::minors(frame.column("paid_minor").ctx("paid_minor")?)?;
    let ids = super::texts(&frame, "deal_id")?;
    let too_large: Vec<String> = sums
        .iter()
        .zip(&ids)
        .filter(|(v, _)| v.is_some_and(|v| i64::try_from(v).is_err()))
        .map(|(_, id)| id.clone().unwrap_or_default())
        .take(5)
        .collect();
    if !too_large.is_empty() {
        return Err(crate::error::Error::Usage(format!(
            "payments.csv: amount: the payments of deal {} add up to more than {}, too large to \
             add; check the amounts",
            too_large.join(", "),
            money::format_decimal(i128::from(i64::MAX), money::SCALE)
        )));
    }
    let minor: Vec<Option<i64>> = sums
        .into_iter()
        .map(|v| v.and_then(|v| i64::try_from(v).ok()))
        .collect();
    let mut frame = frame;
    frame
        .replace_column(
            frame
                .get_column_index("paid_minor")
                .ok_or_else(|| crate::error::Error::Usage("no column paid_minor".into()))?,
            Column::new("paid_minor".into(), minor),
        )
        .ctx("paid_minor")?;
    Ok(frame.lazy())
}

/// `cost / count` in minor units, half-up; counts may be fractions of six places.
fn cost_per(cost: Option<i128>, count: f64) -> Option<i64> {
    const SIX: f64 = 1_000_000.0;
    let by = (count * SIX).round() as i128;
    match cost {
        Some(c) if by > 0 => Some(money::div_round(c * SIX as i128, by, false) as i64),
        _ => None,
    }
}

fn table(rows: Vec<Row>) -> Result<DataFrame> {
    let total_deals: f64 = rows.iter().map(|r| r.deals).sum();
    let total_won: f64 = rows.iter().map(|r| r.won).sum();
    let mut conversion = Vec::new();
    let (mut low, mut high, mut p) = (Vec::new(), Vec::new(), Vec::new());
    let (mut rest, mut significant, mut verdict) = (Vec::new(), Vec::new(), Vec::new());
    for r in &rows {
        let (n2, x2) = (total_deals - r.deals, total_won - r.won);
        conversion.push((r.deals > 0.0).then(|| r.won / r.deals));
        let ci = wilson(r.won, r.deals, Z95);
        low.push(ci.map(|c| c.0));
        high.push(ci.map(|c| c.1));
        rest.push((n2 > 0.0).then(|| x2 / n2));
        let pv = two_proportion_p(r.won, r.deals, x2, n2);
        // Full precision (SPEC §6): rounding is for the Markdown, HTML and xlsx views.
        p.push(pv);
        significant.push(pv.map(|v| v < 0.05));
        verdict.push(match pv {
            None if r.deals <= 0.0 => "no deals",
            None => "nothing to compare with",
            Some(_) if !enough_for_z(r.won, r.deals, x2, n2) => "too few deals to tell",
            Some(v) if v < 0.05 && r.won / r.deals > x2 / n2 => "better than the rest",
            Some(v) if v < 0.05 => "worse than the rest",
            Some(_) => "no real difference",
        });
    }
    let p_holm: Vec<Option<f64>> = holm(&p);
    // Attribution weights are fractions of a deal; 9 places only drop the float noise of
    // their sums (0.30000000000000004).
    let count = |f: fn(&Row) -> f64| rows.iter().map(|r| round(f(r), 9)).collect::<Vec<f64>>();
    let romi: Vec<Option<f64>> = rows
        .iter()
        .map(|r| match (r.paid_minor, r.cost) {
            (Some(paid), Some(cost)) if cost > 0 => Some((paid - cost) as f64 / cost as f64),
            _ => None,
        })
        .collect();
    let columns = vec![
        Column::new(
            "campaign_id".into(),
            rows.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            "name".into(),
            rows.iter().map(|r| r.name.clone()).collect::<Vec<_>>(),
        ),
        Column::new("leads".into(), count(|r| r.leads)),
        Column::new("deals".into(), count(|r| r.deals)),
        Column::new("won".into(), count(|r| r.won)),
        Column::new("conversion".into(), conversion),
        Column::new("conversion_ci_low".into(), low),
        Column::new("conversion_ci_high".into(), high),
        Column::new("p_value".into(), p),
        money::column("won_amount", rows.iter().map(|r| r.won_minor)),
        money::column("paid_amount", rows.iter().map(|r| r.paid_minor)),
        money::column("cost", rows.iter().map(|r| r.cost)),
        Column::new("romi".into(), romi),
        money::column(
            "cost_per_lead",
            rows.iter().map(|r| cost_per(r.cost, r.leads)),
        ),
        money::column(
            "cost_per_customer",
            rows.iter().map(|r| cost_per(r.cost, r.new_customers)),
        ),
        Column::new(
            "median_days_to_win".into(),
            rows.iter()
                .map(|r| r.median_days_to_win.map(|d| round(d, 2)))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "channel".into(),
            rows.iter().map(|r| r.channel.clone()).collect::<Vec<_>>(),
        ),
        Column::new("lost".into(), count(|r| r.lost)),
        Column::new("open".into(), count(|r| r.open)),
        Column::new("new_customers".into(), count(|r| r.new_customers)),
        Column::new("rest_conversion".into(), rest),
        Column::new("significant".into(), significant),
        Column::new("verdict".into(), verdict),
        Column::new("p_holm".into(), p_holm),
        Column::new("won_with_amount".into(), count(|r| r.won_with_amount)),
        money::column(
            "mean_clv_new_customers",
            rows.iter().map(|r| r.mean_clv.map(|v| v.round() as i128)),
        ),
        // What a new paying client is worth against what one cost (> 1: the campaign's
        // clients are expected to bring back more than their acquisition cost).
        Column::new(
            "clv_to_cost_per_customer".into(),
            rows.iter()
                .map(|r| match (r.mean_clv, cost_per(r.cost, r.new_customers)) {
                    (Some(v), Some(c)) if c > 0 => Some(v / c as f64),
                    _ => None,
                })
                .collect::<Vec<_>>(),
        ),
    ];
    DataFrame::new(rows.len(), columns).ctx("campaigns table")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_cost_adds_up_across_periods() {
        // 1 000.00 over 21 days (day 0 to day 20). Period [0, 12) has 12 days:
        // 100000 · 12 / 21 = 57142.857 → 571.43; [12, 31) the rest: 100000 − 57143 = 428.57.
        let c = |a, b| cost_in_period(100_000, Some(0), Some(20), a, b, CostRule::Spread);
        assert_eq!(c(0, 12), Some(57_143));
        assert_eq!(c(12, 31), Some(42_857));
        // Three parts of 7 days each: 333.33, 333.34, 333.33 — never a kopeck lost.
        assert_eq!(c(0, 7), Some(33_333));
        assert_eq!(c(7, 14), Some(33_334));
        assert_eq!(c(14, 21), Some(33_333));
        assert_eq!(c(-100, 0), Some(0));
        assert_eq!(c(-5, 100), Some(100_000));
    }

    #[test]
    fn start_rule_and_missing_dates() {
        let s = |a, b| cost_in_period(100_000, Some(10), Some(40), a, b, CostRule::Start);
        assert_eq!(s(0, 31), Some(100_000));
        assert_eq!(s(31, 60), Some(0));
        // One date: a one-day campaign. None: unknown.
        assert_eq!(
            cost_in_period(500, None, Some(5), 0, 10, CostRule::Spread),
            Some(500)
        );
        assert_eq!(
            cost_in_period(500, None, None, 0, 10, CostRule::Spread),
            None
        );
    }

    #[test]
    fn cost_per_fractional_count() {
        // 100.00 / 3 leads = 33.33; / 1.5 = 66.67; / 0 → empty.
        assert_eq!(cost_per(Some(10_000), 3.0), Some(3_333));
        assert_eq!(cost_per(Some(10_000), 1.5), Some(6_667));
        assert_eq!(cost_per(Some(10_000), 0.0), None);
    }
}
