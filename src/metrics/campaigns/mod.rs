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

use crate::i18n::Note;
use crate::schema::names::{CAMPAIGN_ID, CLIENT_ID, DEAL_ID};
use polars::prelude::*;

use super::snapshot::{DAY_MS, Snapshot, in_period, moment};
use super::stats::{Z95, enough_for_z, holm, two_proportion_p, wilson};
use super::{JoinOn, floats, ints, round_to as round, texts};
use crate::config::{Attribution, CampaignsConfig, CostRule};
use crate::error::{PolarsContext, Result};
use crate::money;
use crate::tables::Tables;
use crate::tables::status;

mod attribution;
mod rows;

use attribution::*;
use rows::*;

/// The campaigns table and what the reader should know.
pub struct Campaigns {
    pub campaigns: DataFrame,
    pub notes: Vec<Note>,
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

/// The campaigns table for a snapshot: the period's deals with what each paid and whether
/// it made a new customer ([`cohort_deals`]), attributed to campaigns and summed
/// ([`by_campaign`]), the clients a campaign brought who opened no deal, and each listed
/// campaign with the cost that falls in the period ([`listed`]).
pub fn campaigns(
    tables: &Tables,
    snap: &Snapshot,
    how: Attribution,
    cfg: &CampaignsConfig,
    clv: Option<&std::collections::HashMap<String, Option<i128>>>,
) -> Result<Campaigns> {
    let mut notes = Vec::new();
    let cohort = snap.cohort().select([
        col(DEAL_ID),
        col(CLIENT_ID),
        col(CAMPAIGN_ID),
        col("created_at"),
        col("closed_at"),
        col("status"),
        money::minor_expr("amount").alias("amount_minor"),
    ]);
    let deals = cohort_deals(tables, snap, &cohort, &mut notes)?;
    let w = weights(tables, snap, &cohort, how, cfg.lookback_days)?;
    let by_campaign = by_campaign(deals, w, clv)?;
    // Clients a campaign brought in the period who opened no deal in it.
    let activity = match &tables.clients {
        Some(c) => {
            let acquired = c
                .clone()
                .lazy()
                .filter(
                    in_period(col("created_at"), &snap.period).and(col(CAMPAIGN_ID).is_not_null()),
                )
                .join_on(
                    cohort.clone().select([col(CLIENT_ID)]),
                    &[CLIENT_ID],
                    JoinType::Anti,
                )
                .group_by([col(CAMPAIGN_ID)])
                .agg([len().cast(DataType::Float64).alias("clients_without_deal")]);
            by_campaign.join(
                acquired,
                [col(CAMPAIGN_ID)],
                [col(CAMPAIGN_ID)],
                JoinArgs::new(JoinType::Full).with_coalesce(JoinCoalesce::CoalesceColumns),
            )
        }
        None => by_campaign.with_column(lit(0.0).alias("clients_without_deal")),
    }
    .collect()
    .ctx("campaign activity")?;
    let listed = listed(tables, snap, cfg, &mut notes)?;
    let rows = assemble(&activity, &listed, tables.payments.is_some())?;
    let won: f64 = rows.iter().map(|r| r.won).sum();
    let known: f64 = rows.iter().map(|r| r.won_with_amount).sum();
    if known + 1e-9 < won {
        let (known, won) = (round(known, 2), round(won, 2));
        notes.push(Note::new(
            format!(
                "won_amount covers the won deals with an amount: {known} of {won} (weighted by attribution, \
                 won_with_amount); a campaign whose won deals have none shows it empty, not 0"
            ),
            format!(
                "сумма выигранных сделок учитывает только сделки с суммой: {known} из {won} (с весами атрибуции, \
                 won_with_amount); у кампании, чьи выигранные сделки без сумм, она пуста, а не 0"
            ),
        ));
    }
    Ok(Campaigns {
        campaigns: table(rows)?,
        notes,
    })
}

/// The period's deals (`cohort`) with new_customer (the deal that made its client a paying
/// customer: the first with money paid by as-of, or won without a payments table),
/// days_to_win and paid_minor (paid up to as-of; empty without payments).
fn cohort_deals(
    tables: &Tables,
    snap: &Snapshot,
    cohort: &LazyFrame,
    notes: &mut Vec<Note>,
) -> Result<LazyFrame> {
    let as_of = moment(snap.period.end_ms());
    // Money paid up to as-of, per deal; which deal made each client a paying customer.
    let all_deals = snap.deals.clone().lazy();
    let (paid, paying) = match &tables.payments {
        Some(p) => {
            let paid = p
                .clone()
                .lazy()
                .filter(col("paid_at").lt(as_of))
                .group_by([col(DEAL_ID)])
                .agg([money::sum_minor(money::minor_expr("amount")).alias("paid_minor")]);
            let paid = paid_per_deal(paid)?;
            let paying = all_deals
                .clone()
                .join_on(paid.clone(), &[DEAL_ID], JoinType::Inner)
                .filter(col("paid_minor").gt(lit(0i64)));
            (Some(paid), paying)
        }
        None => {
            notes.push(Note::new(
                "no payments table: paid amount, ROMI and cost per customer need payments; \
                 paying customers are taken as clients with a won deal",
                "нет таблицы платежей: оплаты, ROMI и стоимость клиента без неё не считаются; \
                 платящими клиентами считаются клиенты с выигранной сделкой",
            ));
            (None, all_deals.filter(status::won()))
        }
    };
    let first_paying = paying
        .sort(["created_at", DEAL_ID], SortMultipleOptions::default())
        .group_by([col(CLIENT_ID)])
        .agg([col(DEAL_ID).first().alias("first_paying_deal")]);
    let deals = cohort
        .clone()
        .join_on(first_paying, &[CLIENT_ID], JoinType::Left)
        .with_columns([
            col(DEAL_ID)
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
    Ok(match paid {
        Some(p) => deals
            .join_on(p, &[DEAL_ID], JoinType::Left)
            .with_column(col("paid_minor").fill_null(lit(0i64))),
        None => deals.with_column(lit(NULL).cast(DataType::Int64).alias("paid_minor")),
    })
}

/// The deals attributed by their weights `w` (deal_id, campaign_id, k, n, is_last) and
/// summed per campaign: deals, won, lost, open (weights), money split to the kopeck (each
/// deal's parts add up to its amount exactly), new customers, median days to win, and the
/// acquired clients' lifetime value weighted by attribution.
fn by_campaign(
    deals: LazyFrame,
    w: LazyFrame,
    clv: Option<&std::collections::HashMap<String, Option<i128>>>,
) -> Result<LazyFrame> {
    let share = |m: &str| -> Result<Expr> {
        // floor(a·k / n) without forming a·k (an amount times k may not fit an i64):
        // a = q·n + r with 0 ≤ r < n, so floor(a·k / n) = q·k + floor(r·k / n).
        let q = col(m).floor_div(col("n"));
        let r = col(m) - q.clone() * col("n");
        let floor = q * col("k") + (r * col("k")).floor_div(col("n"));
        let left = col(m) - super::over(floor.clone().sum(), DEAL_ID)?;
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
        df!(CLIENT_ID => ids, "clv_minor" => values)
            .ctx("clv per client")?
            .lazy()
    };
    let acquired_clv = col("new_customer").and(col("clv_minor").is_not_null());
    Ok(deals
        .drop(cols([CAMPAIGN_ID]))
        .join(
            clv_frame,
            [col(CLIENT_ID)],
            [col(CLIENT_ID)],
            JoinArgs::new(JoinType::Left),
        )
        .join_on(w, &[DEAL_ID], JoinType::Inner)
        .with_columns([
            weight.alias("w"),
            share("amount_minor")?.alias("amount_share"),
            share("paid_minor")?.alias("paid_share"),
        ])
        .group_by([col(CAMPAIGN_ID)])
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
        ]))
}

/// The campaigns table's campaigns with the part of their cost that falls in the period;
/// a note names those without dates (their cost cannot be placed).
fn listed(
    tables: &Tables,
    snap: &Snapshot,
    cfg: &CampaignsConfig,
    notes: &mut Vec<Note>,
) -> Result<Vec<Listed>> {
    let p_start = snap.period.start_ms().div_euclid(DAY_MS as i64) as i32;
    let p_end = snap.period.end_ms().div_euclid(DAY_MS as i64) as i32;
    let mut listed: Vec<Listed> = Vec::new();
    let mut undated = Vec::new();
    if let Some(c) = &tables.campaigns {
        let ids = texts(c, CAMPAIGN_ID)?;
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
        let undated = undated.join(", ");
        notes.push(Note::new(
            format!(
                "campaigns without started_on/ended_on: {undated}; their cost cannot be placed in a period, \
                 so cost and ROMI are left empty"
            ),
            format!(
                "кампании без started_on/ended_on: {undated}; их расходы не отнести к периоду, \
                 поэтому расходы и ROMI пусты"
            ),
        ));
    }
    Ok(listed)
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
