//! The campaigns table: each campaign's row (deals, won, money split to the kopeck, cost,
//! conversion with its interval and test) assembled from the attributed activity.

use super::*;
use crate::schema::names::{CAMPAIGN_ID, DEAL_ID};

/// A campaign as the campaigns table lists it.
pub(super) struct Listed {
    pub(super) id: String,
    pub(super) name: Option<String>,
    pub(super) channel: Option<String>,
    pub(super) cost: Option<i128>,
}

/// One output row before statistics.
pub(super) struct Row {
    pub(super) id: Option<String>,
    pub(super) name: String,
    pub(super) channel: Option<String>,
    pub(super) leads: f64,
    pub(super) deals: f64,
    pub(super) won: f64,
    pub(super) lost: f64,
    pub(super) open: f64,
    pub(super) won_minor: Option<i128>,
    pub(super) won_with_amount: f64,
    /// The acquired clients' mean CLV in minor units (a model estimate).
    pub(super) mean_clv: Option<f64>,
    pub(super) paid_minor: Option<i128>,
    pub(super) cost: Option<i128>,
    pub(super) new_customers: f64,
    pub(super) median_days_to_win: Option<f64>,
}

pub(super) fn assemble(
    activity: &DataFrame,
    listed: &[Listed],
    has_payments: bool,
) -> Result<Vec<Row>> {
    let ids = texts(activity, CAMPAIGN_ID)?;
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
            rows.push(idle(l, has_payments));
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

/// The row of a campaign that spent money in the period and brought nothing.
fn idle(l: &Listed, has_payments: bool) -> Row {
    Row {
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
    }
}

/// The money paid per deal (deal_id, paid_minor as an exact sum) as Int64 minor units, or an
/// error naming the deals whose payments add up to more than one amount can hold.
pub(super) fn paid_per_deal(paid: LazyFrame) -> Result<LazyFrame> {
    let frame = paid.collect().ctx("payments per deal")?;
    let sums = money::minors(frame.column("paid_minor").ctx("paid_minor")?)?;
    let ids = crate::metrics::texts(&frame, DEAL_ID)?;
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
pub(super) fn cost_per(cost: Option<i128>, count: f64) -> Option<i64> {
    const SIX: f64 = 1_000_000.0;
    let by = (count * SIX).round() as i128;
    match cost {
        Some(c) if by > 0 => Some(money::div_round(c * SIX as i128, by, false) as i64),
        _ => None,
    }
}

/// Each campaign's conversion against all other deals: its 95 % interval, the rest's
/// conversion, the two-proportion test and its verdict.
struct Compared {
    conversion: Vec<Option<f64>>,
    low: Vec<Option<f64>>,
    high: Vec<Option<f64>>,
    rest: Vec<Option<f64>>,
    p: Vec<Option<f64>>,
    significant: Vec<Option<bool>>,
    verdict: Vec<&'static str>,
}

fn compared(rows: &[Row]) -> Compared {
    let total_deals: f64 = rows.iter().map(|r| r.deals).sum();
    let total_won: f64 = rows.iter().map(|r| r.won).sum();
    let mut c = Compared {
        conversion: Vec::new(),
        low: Vec::new(),
        high: Vec::new(),
        rest: Vec::new(),
        p: Vec::new(),
        significant: Vec::new(),
        verdict: Vec::new(),
    };
    for r in rows {
        let (n2, x2) = (total_deals - r.deals, total_won - r.won);
        c.conversion.push((r.deals > 0.0).then(|| r.won / r.deals));
        let ci = wilson(r.won, r.deals, Z95);
        c.low.push(ci.map(|c| c.0));
        c.high.push(ci.map(|c| c.1));
        c.rest.push((n2 > 0.0).then(|| x2 / n2));
        let pv = two_proportion_p(r.won, r.deals, x2, n2);
        // Full precision (SPEC §6): rounding is for the Markdown, HTML and xlsx views.
        c.p.push(pv);
        c.significant.push(pv.map(|v| v < 0.05));
        c.verdict.push(match pv {
            None if r.deals <= 0.0 => "no deals",
            None => "nothing to compare with",
            Some(_) if !enough_for_z(r.won, r.deals, x2, n2) => "too few deals to tell",
            Some(v) if v < 0.05 && r.won / r.deals > x2 / n2 => "better than the rest",
            Some(v) if v < 0.05 => "worse than the rest",
            Some(_) => "no real difference",
        });
    }
    c
}

/// The campaigns table of SPEC §6 from the rows.
///
/// Kept whole (it runs over 80 lines): it is the table's column list, in SPEC §6's order.
pub(super) fn table(rows: Vec<Row>) -> Result<DataFrame> {
    let Compared {
        conversion,
        low,
        high,
        rest,
        p,
        significant,
        verdict,
    } = compared(&rows);
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
            CAMPAIGN_ID.into(),
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
