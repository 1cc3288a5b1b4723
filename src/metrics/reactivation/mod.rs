//! Reactivation candidates (SPEC §3), RFM scores and the BG/NBD probability of being alive.
//!
//! Everything is judged as of the end of the period, in whole calendar days, and nothing
//! dated after it is read:
//! - a purchase is a won deal (at its close date) or, with `purchases = "payments"`, a
//!   positive payment (at its date). Purchases on the same day are one purchase occasion;
//!   a won deal whose payments were refunded in full is no purchase;
//! - lifetime revenue = purchases' amounts plus the refunds on them (refunds are negative);
//!   typical amount = the median purchase, half-up to the kopeck;
//! - a client with ≥ 2 purchase days is due after its own mean gap between purchases
//!   × factor; a client with one purchase after the company's median gap (all gaps between
//!   consecutive purchase days of all clients, pooled) × factor, or `default_gap_days` when
//!   nobody has bought twice; never sooner than `floor_days`;
//! - a candidate is a client past that threshold with no open deal as of the end;
//! - the owner is the client's `manager_id`, else the manager of the client's latest deal;
//!   an owner who has left by then is flagged for reassignment;
//! - RFM: quintile scores 1–5 over every client who has bought (recency reversed: the most
//!   recent buyers score 5); tied values share the lowest score their rank allows. The
//!   segment comes from the R × F grid in [`segment`];
//! - BG/NBD ([`super::bgnbd`]) is fitted on the same clients in weeks; P(alive) and the
//!   purchases expected over `horizon_days`; expected value = expected purchases × typical
//!   amount (an estimate, rounded to the kopeck). Candidates are ranked by it.
//!
//! The RFM scores and segments are in [`rfm`], the BG/NBD fit and its notes in [`fit`].

mod fit;
mod rfm;

use crate::i18n::Note;
use crate::schema::names::{CLIENT_ID, MANAGER_ID};
use fit::fit_of;
pub use rfm::{SEGMENTS, segment};
use rfm::{quintile, rfm_of, segments_of};

use polars::prelude::*;

use super::bgnbd::{Fit, Summary};
pub use super::purchases::{as_of_day, purchase_summary, purchases};
use super::snapshot::Snapshot;
use super::{JoinOn, floats, ints, round_to as round, texts};
use crate::config::{PurchaseSource, ReactivationConfig};
use crate::error::{PolarsContext, Result};
use crate::money;
use crate::tables::Tables;
use crate::tables::status;

/// What `crmstat reactivation` produces.
pub struct Reactivation {
    /// The candidates, ranked (SPEC §6 `reactivation` columns, then extras).
    pub candidates: DataFrame,
    /// Clients per RFM segment: how many, how many are candidates, revenue.
    pub segments: DataFrame,
    /// Every buyer with R, F, M scores and segment.
    pub rfm: DataFrame,
    /// The fitted BG/NBD parameters (one row) or `None` with the reason in `notes`.
    pub fit: Option<Fit>,
    /// Clients the model was fitted on and how many had a repeat purchase.
    pub fitted_on: (usize, usize),
    pub notes: Vec<Note>,
}

/// The median of all gaps (days) between consecutive purchase days of the same client.
fn company_median_gap(purchases: LazyFrame) -> Result<Option<f64>> {
    let gaps = purchases
        .filter(col("bought"))
        .select([col(CLIENT_ID), col("day")])
        .unique(None, UniqueKeepStrategy::First)
        .sort([CLIENT_ID, "day"], SortMultipleOptions::default())
        .with_column((col("day") - super::shifted_within(col("day"), CLIENT_ID, 1)).alias("gap"))
        .select([col("gap").cast(DataType::Float64).median()])
        .collect()
        .ctx("company median gap")?;
    Ok(floats(&gaps, "gap")?.first().copied().flatten())
}

/// The whole reactivation figure.
pub fn reactivation(
    tables: &Tables,
    snap: &Snapshot,
    roster: &DataFrame,
    cfg: &ReactivationConfig,
    clv: Option<&super::clv::Clv>,
) -> Result<Reactivation> {
    let mut notes = Vec::new();
    let (summary, today, one_purchase_gap) = buyers(tables, snap, cfg, &mut notes)?;
    let xs = floats(&summary, "x")?;
    let txs = floats(&summary, "t_x")?;
    let ts = floats(&summary, "T")?;
    let data: Vec<Summary> = xs
        .iter()
        .zip(&txs)
        .zip(&ts)
        .map(|((x, t_x), t)| Summary {
            x: x.unwrap_or(0.0),
            t_x: t_x.unwrap_or(0.0),
            t: t.unwrap_or(0.0),
        })
        .collect();
    let repeaters = data.iter().filter(|s| s.x > 0.0).count();
    let fit = fit_of(&data, clv, &mut notes);
    let scored = scored(summary, &data, fit.as_ref(), cfg, clv)?;
    let all = judged(scored, tables, snap, roster, cfg, today, one_purchase_gap)?;
    let segments_table = segments_of(&all)?;
    let candidates = candidates_of(&all, cfg)?;
    let rfm = rfm_of(all)?;
    let n_one = candidates
        .column("gap_basis")
        .ctx("gap_basis")?
        .str()
        .ctx("gap_basis")?
        .iter()
        .filter(|g| *g == Some("company median gap"))
        .count();
    if candidates.height() == 0 {
        let n = data.len();
        notes.push(Note::new(
            format!("no client is overdue without an open deal ({n} buyers looked at)"),
            format!("ни один клиент без открытой сделки не просрочил свой интервал (просмотрено покупателей: {n})"),
        ));
    } else {
        let (n, gap) = (candidates.height(), round(one_purchase_gap, 1));
        notes.push(Note::new(
            format!(
                "{n} candidates ({n_one} with one purchase, judged on the company median gap of {gap} days, \
                 where BG/NBD p_alive is 1 by definition); ranked by lifetime value where it is known, then by expected value"
            ),
            format!(
                "кандидатов на возврат: {n} (с одной покупкой: {n_one}, их судят по медианному интервалу компании \
                 {gap} дн., и P(активен) по BG/NBD для них по определению 1); порядок — по пожизненной ценности (CLV), \
                 где она известна, затем по ожидаемой ценности"
            ),
        ));
    }
    Ok(Reactivation {
        candidates,
        segments: segments_table,
        rfm,
        fit,
        fitted_on: (data.len(), repeaters),
        notes,
    })
}

/// Every buyer's purchase summary with R, F, M scores, the as-of day, and the gap a
/// one-purchase client is judged on (the company median, else `default_gap_days`).
fn buyers(
    tables: &Tables,
    snap: &Snapshot,
    cfg: &ReactivationConfig,
    notes: &mut Vec<Note>,
) -> Result<(DataFrame, i32, f64)> {
    let source = match (cfg.purchases, &tables.payments) {
        (PurchaseSource::Payments, None) => {
            notes.push(Note::new(
                "purchases = \"payments\" but there is no payments table: won deals were used",
                "purchases = \"payments\", но таблицы payments нет: покупками взяты выигранные сделки",
            ));
            PurchaseSource::Deals
        }
        (s, _) => s,
    };
    let today = as_of_day(snap);
    let bought = purchases(tables, snap, source)?
        .collect()
        .ctx("purchases")?;
    let median_gap = company_median_gap(bought.clone().lazy())?;
    let one_purchase_gap = match median_gap {
        Some(g) => g,
        None => {
            let days = cfg.default_gap_days;
            notes.push(Note::new(
                format!("nobody has bought twice yet: one-purchase clients are due after default_gap_days = {days}"),
                format!(
                    "никто ещё не купил дважды: клиентов с одной покупкой ждут обратно через default_gap_days = {days}"
                ),
            ));
            cfg.default_gap_days
        }
    };
    let summary = purchase_summary(bought.lazy(), today)
        .with_columns([
            quintile(lit(0i32) - (lit(today) - col("last_day"))).alias("r_score"),
            quintile(col("purchases")).alias("f_score"),
            // Ranked by order only (a float keeps the order of minor units).
            quintile(col("revenue_minor").cast(DataType::Float64)).alias("m_score"),
        ])
        .collect()
        .ctx("purchase summary")?;
    let total =
        |name: &str| -> Result<i64> { Ok(ints(&summary, name)?.into_iter().flatten().sum()) };
    let (all_purchases, known) = (total("purchases")?, total("purchases_with_amount")?);
    if known < all_purchases {
        notes.push(Note::new(
            format!(
                "lifetime revenue covers the purchases with an amount: {known} of {all_purchases} purchases \
                 (purchases_with_amount); a client with none shows it empty, not 0, and gets no m_score"
            ),
            format!(
                "выручка за всё время учитывает только покупки с суммой: {known} из {all_purchases} \
                 (purchases_with_amount); у клиента без сумм она пуста, а не 0, и m_score не считается"
            ),
        ));
    }

    Ok((summary, today, one_purchase_gap))
}

/// The summary with p_alive, expected purchases and value over the horizon, the client's
/// lifetime value and the RFM segment.
fn scored(
    summary: DataFrame,
    data: &[Summary],
    fit: Option<&Fit>,
    cfg: &ReactivationConfig,
    clv: Option<&super::clv::Clv>,
) -> Result<DataFrame> {
    let horizon_weeks = cfg.horizon_days / 7.0;
    let (p_alive, expected): (Vec<Option<f64>>, Vec<Option<f64>>) = data
        .iter()
        .map(|s| match fit {
            Some(f) => (
                Some(f.params.p_alive(s)),
                f.params.expected_purchases(s, horizon_weeks),
            ),
            None => (None, None),
        })
        .unzip();
    let typical = ints(&summary, "typical_minor")?;
    let value: Vec<Option<i64>> = expected
        .iter()
        .zip(&typical)
        .map(|(e, t)| match (e, t) {
            (Some(e), Some(t)) => Some((e * *t as f64).round() as i64),
            _ => None,
        })
        .collect();
    let segments: Vec<&str> = {
        let r = summary.column("r_score").ctx("r_score")?.u32().ctx("r")?;
        let f = summary.column("f_score").ctx("f_score")?.u32().ctx("f")?;
        r.iter()
            .zip(f.iter())
            .map(|(r, f)| segment(r.unwrap_or(1), f.unwrap_or(1)))
            .collect()
    };
    let mut scored = summary;
    scored
        .with_column(Column::new("p_alive".into(), p_alive))
        .ctx("p_alive")?;
    scored
        .with_column(Column::new("expected_purchases".into(), expected))
        .ctx("expected")?;
    scored
        .with_column(Column::new("expected_minor".into(), value))
        .ctx("expected value")?;
    // The client's lifetime value (crmstat clv), when it could be computed.
    let clv_minor: Vec<Option<i64>> = texts(&scored, CLIENT_ID)?
        .iter()
        .map(|id| {
            let v = clv?.by_client.get(id.as_deref()?)?.as_ref()?;
            i64::try_from(*v).ok()
        })
        .collect();
    scored
        .with_column(Column::new("clv_minor".into(), clv_minor))
        .ctx("clv")?;
    scored
        .with_column(Column::new("rfm_segment".into(), segments))
        .ctx("segments")?;

    Ok(scored)
}

/// Each buyer with its owner (the client's, else its last deal's manager), whether the owner
/// is active, whether it has an open deal, its gap, threshold and days overdue, and whether
/// it is a candidate (SPEC §3).
fn judged(
    scored: DataFrame,
    tables: &Tables,
    snap: &Snapshot,
    roster: &DataFrame,
    cfg: &ReactivationConfig,
    today: i32,
    one_purchase_gap: f64,
) -> Result<DataFrame> {
    // Owner, activity and open deals.
    let deals = snap.deals.clone().lazy();
    let open = deals
        .clone()
        .filter(status::open())
        .select([col(CLIENT_ID)])
        .unique(None, UniqueKeepStrategy::First)
        .with_column(lit(true).alias("has_open_deal"));
    let last_deal_manager = deals
        .sort(["created_at"], SortMultipleOptions::default())
        .group_by([col(CLIENT_ID)])
        .agg([col(MANAGER_ID).last().alias("deal_manager")]);
    let clients = match &tables.clients {
        Some(c) => {
            c.clone()
                .lazy()
                .select([col(CLIENT_ID), col("name"), col(MANAGER_ID).alias("owner")])
        }
        None => scored.clone().lazy().select([
            col(CLIENT_ID),
            lit(NULL).cast(DataType::String).alias("name"),
            lit(NULL).cast(DataType::String).alias("owner"),
        ]),
    };
    let managers = roster.clone().lazy().select([
        col(MANAGER_ID),
        col("name").alias("manager_name"),
        col("active").alias("manager_active"),
    ]);
    let factor = cfg.factor;
    let gap = when(col("purchases").gt_eq(lit(2)))
        .then(
            (col("last_day") - col("first_day")).cast(DataType::Float64)
                / (col("purchases").cast(DataType::Float64) - lit(1.0)),
        )
        .otherwise(lit(NULL).cast(DataType::Float64));
    let all = scored
        .lazy()
        .join_on(clients, &[CLIENT_ID], JoinType::Left)
        .join_on(last_deal_manager, &[CLIENT_ID], JoinType::Left)
        .join_on(open, &[CLIENT_ID], JoinType::Left)
        .with_columns([
            coalesce(&[col("owner"), col("deal_manager")]).alias(MANAGER_ID),
            col("has_open_deal").fill_null(lit(false)),
            gap.alias("mean_gap_days"),
            (lit(today) - col("last_day")).alias("days_since_last"),
        ])
        .join_on(managers, &[MANAGER_ID], JoinType::Left)
        .with_columns([super::greater(
            coalesce(&[col("mean_gap_days"), lit(one_purchase_gap)]) * lit(factor),
            lit(cfg.floor_days),
        )
        .alias("threshold_days")])
        .with_columns([
            (col("days_since_last").cast(DataType::Float64) - col("threshold_days")).alias("over"),
        ])
        .with_column(
            col("over")
                .gt(lit(0.0))
                .and(col("has_open_deal").not())
                .alias("candidate"),
        )
        .collect()
        .ctx("reactivation")?;
    Ok(all)
}

/// The win-back list: candidates by lifetime value, then expected value and days overdue,
/// with the action for each (call, or reassign). Long: one line per output column.
fn candidates_of(all: &DataFrame, cfg: &ReactivationConfig) -> Result<DataFrame> {
    let day_to_date = |c: &str| col(c).cast(DataType::Date);
    let candidates = all
        .clone()
        .lazy()
        .filter(col("candidate"))
        // By lifetime value, then expected value and days overdue (SPEC §3, issue 15).
        .sort_by_exprs(
            [
                col("clv_minor"),
                col("expected_minor"),
                col("over"),
                col(CLIENT_ID),
            ],
            SortMultipleOptions::default()
                .with_order_descending_multi([true, true, true, false])
                .with_nulls_last(true),
        )
        .select([
            col(CLIENT_ID),
            col("name"),
            col(MANAGER_ID),
            col("manager_active"),
            day_to_date("last_day").alias("last_purchase_at"),
            col("purchases").cast(DataType::UInt32),
            col("mean_gap_days").round(2, RoundMode::HalfToEven),
            col("threshold_days").round(2, RoundMode::HalfToEven),
            col("days_since_last"),
            col("over")
                .round(2, RoundMode::HalfToEven)
                .alias("days_overdue"),
            col("revenue_minor"),
            col("typical_minor"),
            col("r_score"),
            col("f_score"),
            col("m_score"),
            col("rfm_segment"),
            col("p_alive"),
            col("expected_purchases"),
            col("expected_minor"),
            col("manager_name"),
            when(col(MANAGER_ID).is_null())
                .then(lit("assign an owner"))
                .when(col("manager_active").eq(lit(false)))
                .then(lit("reassign: the owner has left"))
                .when(col("manager_active").is_null())
                .then(lit("reassign: the owner is not in managers"))
                .otherwise(lit("call"))
                .alias("action"),
            day_to_date("first_day").alias("first_purchase_at"),
            when(col("purchases").gt_eq(lit(2)))
                .then(lit("own mean gap"))
                .otherwise(lit("company median gap"))
                .alias("gap_basis"),
            col("purchases_with_amount").cast(DataType::UInt32),
            col("clv_minor"),
        ])
        .collect()
        .ctx("reactivation candidates")?;
    let horizon = format!("expected_purchases_{}d", cfg.horizon_days);
    let mut candidates = with_money(
        candidates,
        &[
            ("revenue_minor", "lifetime_revenue"),
            ("typical_minor", "typical_amount"),
            ("expected_minor", "expected_value"),
            ("clv_minor", "clv"),
        ],
    )?;
    candidates
        .rename("expected_purchases", horizon.as_str().into())
        .ctx("rename")?;
    Ok(candidates)
}

/// Replace Int64 minor-unit columns by money columns, keeping their place.
pub(super) fn with_money(mut frame: DataFrame, renames: &[(&str, &str)]) -> Result<DataFrame> {
    for (from, to) in renames {
        let minor = money::minors(frame.column(from).ctx(from.to_string())?)?;
        let idx = frame
            .get_column_index(from)
            .ok_or_else(|| crate::error::Error::Usage(format!("no column {from}")))?;
        frame
            .replace_column(idx, money::column(to, minor))
            .ctx(to.to_string())?;
    }
    Ok(frame)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_purchase_without_an_amount_still_counts() {
        // Client X: a purchase with no amount on day 10 and one of 300.00 on day 40, plus a
        // refund of 50.00 on day 45; as of day 100: 2 purchases, revenue 250.00, typical =
        // the known amount, x = 1, t_x = 30/7, T = 90/7.
        let frame = df!(
            CLIENT_ID => ["X", "X", "X"],
            "day" => [10i32, 40, 45],
            "bought" => [true, true, false],
            "amount_minor" => [None, Some(30_000i64), None],
            "refund_minor" => [0i64, 0, -5_000],
        )
        .unwrap();
        let s = purchase_summary(frame.lazy(), 100).collect().unwrap();
        let get = |c: &str| s.column(c).unwrap().get(0).unwrap().to_string();
        assert_eq!(get("purchases"), "2");
        assert_eq!(get("revenue_minor"), "25000");
        assert_eq!(get("typical_minor"), "30000");
        let num = |c: &str| s.column(c).unwrap().f64().unwrap().get(0).unwrap();
        assert_eq!(num("x"), 1.0);
        assert_eq!(num("t_x"), 30.0 / 7.0);
        assert_eq!(num("T"), 90.0 / 7.0);
    }
}
