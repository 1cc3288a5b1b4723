//! Customer lifetime value (SPEC §3): the Gamma-Gamma spend model for what a purchase is
//! worth, the BG/NBD model for how many purchases are to come, discounted month by month.
//!
//! CLV = E[M] × Σ_{i=1..H} (E[N(t_i)] − E[N(t_{i−1})]) / (1 + d)^i, with t_i the end of month
//! i after as-of (a month is 365.25/12 days), E[N(t)] a client's expected purchases in
//! (as-of, as-of + t] under BG/NBD, E[M] their expected mean purchase under Gamma-Gamma, H
//! the horizon and d the monthly discount rate (`[clv]`).
//!
//! Purchases are those of reactivation (won deals at their close, or payments), counted by
//! day: a client's repeat purchases are their purchase days after the first, and their mean
//! purchase m̄ is the mean of those days' amounts (the convention of Fader & Hardie and of
//! lifetimes: the first purchase is left out of the spend model).

use crate::i18n::Note;
use crate::schema::names::CLIENT_ID;
use polars::prelude::*;

use super::bgnbd::{self, Summary};
use super::gammagamma::{self, Buyer};
use super::purchases::{as_of_day, purchase_summary, purchases};
use super::snapshot::Snapshot;
use super::{floats, texts};
use crate::config::{ClvConfig, PurchaseSource};
use crate::error::{PolarsContext, Result};
use crate::money;
use crate::tables::Tables;

/// Days in the average month.
pub const MONTH_DAYS: f64 = 365.25 / 12.0;

/// The CLV figure.
pub struct Clv {
    /// SPEC §6 `clv`: one row per buyer, highest CLV first.
    pub clv: DataFrame,
    /// The fitted parameters of both models (parameter, value).
    pub fit: DataFrame,
    /// Client id → CLV in minor units, for the tables that add it (reactivation, campaigns).
    pub by_client: std::collections::HashMap<String, Option<i128>>,
    /// The BG/NBD fit on every buyer (sorted by client_id), reused by reactivation's p_alive.
    pub bgnbd: Option<bgnbd::Fit>,
    pub notes: Vec<Note>,
}

impl Clv {
    /// The mean CLV over the buyers who have one, in minor units, and how many they are.
    pub fn mean(&self) -> Option<(i128, usize)> {
        let known: Vec<i128> = self.by_client.values().flatten().copied().collect();
        (!known.is_empty()).then(|| {
            let n = known.len();
            (
                crate::money::div_round(known.iter().sum::<i128>(), n as i128, false),
                n,
            )
        })
    }
}

/// Σ_{i=1..months} (N(t_i) − N(t_{i−1})) / (1 + d)^i: the discounted purchases of the horizon,
/// `n(t)` giving the expected purchases by t weeks from now (n(0) = 0).
pub fn discounted_purchases(n: impl Fn(f64) -> Option<f64>, months: u32, d: f64) -> Option<f64> {
    let month_weeks = MONTH_DAYS / 7.0;
    let mut total = 0.0;
    let mut before = 0.0;
    for i in 1..=months {
        let now = n(f64::from(i) * month_weeks)?;
        total += (now - before) / (1.0 + d).powi(i as i32);
        before = now;
    }
    Some(total)
}

/// Per client (from purchases: client_id, day, bought, amount_minor): the mean amount of
/// their purchase days after the first (minor units, column `mean_minor`), and how
/// many of those days have a known amount.
pub fn repeat_means(bought: &DataFrame) -> Result<DataFrame> {
    bought
        .clone()
        .lazy()
        .filter(col("bought"))
        .group_by([col(CLIENT_ID), col("day")])
        .agg([
            col("amount_minor")
                .cast(DataType::Float64)
                .sum()
                .alias("day_amount"),
            col("amount_minor").count().alias("known"),
        ])
        .sort([CLIENT_ID, "day"], SortMultipleOptions::default())
        .group_by([col(CLIENT_ID)])
        .agg([
            // The first purchase day is left out (known amount or not); then the days with
            // no known amount.
            col("day_amount")
                .slice(lit(1), lit(u32::MAX))
                .filter(col("known").slice(lit(1), lit(u32::MAX)).gt(lit(0)))
                .mean()
                .alias("mean_minor"),
            col("known")
                .slice(lit(1), lit(u32::MAX))
                .gt(lit(0))
                .sum()
                .alias("repeat_days_with_amount"),
        ])
        .collect()
        .ctx("repeat purchases")
}

/// One buyer's figures: summary row, E[M], expected purchases over the horizon, P(alive), CLV
/// (money in currency units).
struct Row(usize, Option<f64>, Option<f64>, Option<f64>, Option<f64>);

/// The CLV of every buyer as of the snapshot: the purchase summaries, the two model fits,
/// each buyer's expected mean purchase, purchases, P(alive) and discounted value.
pub fn clv(
    tables: &Tables,
    snap: &Snapshot,
    cfg: &ClvConfig,
    source: PurchaseSource,
) -> Result<Clv> {
    let mut notes = Vec::new();
    let source = match (source, &tables.payments) {
        (PurchaseSource::Payments, None) => PurchaseSource::Deals,
        (s, _) => s,
    };
    let today = as_of_day(snap);
    let bought = purchases(tables, snap, source)?
        .collect()
        .ctx("purchases")?;
    // Summaries with the BG/NBD columns, joined to the repeat means by the day sort
    // (both grouped by client_id; joined, not assumed in step).
    let summary = purchase_summary(bought.clone().lazy(), today)
        .join(
            repeat_means(&bought)?.lazy(),
            [col(CLIENT_ID)],
            [col(CLIENT_ID)],
            JoinArgs::new(JoinType::Left),
        )
        .sort([CLIENT_ID], SortMultipleOptions::default())
        .collect()
        .ctx("purchase summary")?;
    let ids = texts(&summary, CLIENT_ID)?;
    let means = floats(&summary, "mean_minor")?;
    let purchases_n = floats(&summary, "purchases")?;
    let (data, buyers) = model_inputs(&summary, &means)?;
    let (bg, gg) = fits(&data, &buyers, &mut notes);
    let mut rows = per_client(&data, &buyers, bg, gg, cfg);
    // Highest CLV first, then by id.
    rows.sort_by(|a, b| {
        b.4.unwrap_or(f64::NEG_INFINITY)
            .total_cmp(&a.4.unwrap_or(f64::NEG_INFINITY))
            .then_with(|| ids[a.0].cmp(&ids[b.0]))
    });
    let to_minor = |units: Option<f64>| units.map(|u| (u * 100.0).round() as i128);
    let mut by_client = std::collections::HashMap::new();
    for r in &rows {
        if let Some(id) = &ids[r.0] {
            by_client.insert(id.clone(), to_minor(r.4));
        }
    }
    let frame = clv_table(&rows, &ids, &purchases_n, &means, &data, cfg)?;
    let fit = fit_table(bg, gg, summary.height(), cfg)?;
    Ok(Clv {
        clv: frame,
        fit,
        by_client,
        bgnbd: bg,
        notes,
    })
}

/// The buyers as the two models see them: BG/NBD's (x, t_x, T) summaries and the spend
/// model's repeat purchases with a known amount; `means` are the repeat means in minor units.
fn model_inputs(summary: &DataFrame, means: &[Option<f64>]) -> Result<(Vec<Summary>, Vec<Buyer>)> {
    let (xs, txs, ts) = (
        floats(summary, "x")?,
        floats(summary, "t_x")?,
        floats(summary, "T")?,
    );
    let data: Vec<Summary> = (0..summary.height())
        .map(|i| Summary {
            x: xs[i].unwrap_or(0.0),
            t_x: txs[i].unwrap_or(0.0),
            t: ts[i].unwrap_or(0.0),
        })
        .collect();
    // The spend model sees the repeat days with a known amount (x of them, mean m̄ in currency
    // units, so its v reads as money); a client without one gets the population mean.
    let known = floats(summary, "repeat_days_with_amount")?;
    let buyers: Vec<Buyer> = (0..summary.height())
        .map(|i| match (known[i], means[i]) {
            (Some(k), Some(m)) if k > 0.0 => Buyer {
                x: k,
                mean_value: m / 100.0,
            },
            _ => Buyer {
                x: 0.0,
                mean_value: 0.0,
            },
        })
        .collect();
    Ok((data, buyers))
}

/// What a BG/NBD fit at the edge of its parameters means for the CLV, by the side that ran
/// there ([`bgnbd::Edge`]).
fn edge_note(p: &bgnbd::Params, edge: bgnbd::Edge) -> Note {
    let (a, b) = (format!("{:.3e}", p.a), format!("{:.3e}", p.b));
    let head = format!(
        "the BG/NBD fit behind the expected purchases ran to the edge of its parameters (a = {a}, b = {b}): "
    );
    let ru = format!(
        "модель BG/NBD для ожидаемых покупок упёрлась в край параметров (a = {a}, b = {b}): "
    );
    match edge {
        bgnbd::Edge::NoDropOut => Note::new(
            head + "the data show (almost) no client dropping out, so the CLV counts every buyer as still buying at their rate",
            ru + "по данным (почти) никто из клиентов не уходит, поэтому CLV считает каждого покупателя покупающим дальше в его темпе",
        ),
        bgnbd::Edge::SameDropOut(chance) => Note::new(
            format!(
                "{head}every buyer has the same chance of stopping after a purchase ({chance:.1} %), so the CLV gives every buyer that chance"
            ),
            format!(
                "{ru}у всех покупателей одна и та же вероятность уйти после покупки ({chance:.1} %), и CLV считает её одинаковой для всех"
            ),
        ),
        bgnbd::Edge::Other => Note::new(
            head + "the data do not tell buyers apart on one side of the model; the CLV follows from these values, read it with care",
            ru + "данные не различают покупателей по одной из сторон модели; CLV следует из этих значений, читайте его осторожно",
        ),
    }
}

/// The BG/NBD fit (purchases and drop-out) and the Gamma-Gamma fit (spend), each `None` with
/// the reason in `notes`; a note on how far spend follows frequency.
fn fits(
    data: &[Summary],
    buyers: &[Buyer],
    notes: &mut Vec<Note>,
) -> (Option<bgnbd::Fit>, Option<gammagamma::Fit>) {
    let started = std::time::Instant::now();
    crate::validate::trace("clv: purchase summary", started);
    let bg = match bgnbd::fit(data) {
        Ok(f) => {
            if let Some(edge) = f.params.edge() {
                notes.push(edge_note(&f.params, edge));
            }
            Some(f)
        }
        Err(e) => {
            notes.push(Note::new(
                format!("{e}; expected purchases, p_alive and CLV are left empty"),
                format!(
                    "{}; ожидаемые покупки, P(активен) и CLV не посчитаны",
                    e.russian()
                ),
            ));
            None
        }
    };
    crate::validate::trace("clv: BG/NBD fit", started);
    let gg = match gammagamma::fit(buyers) {
        Ok(f) => Some(f),
        Err(e) => {
            notes.push(Note::new(
                format!("{e}; the expected mean purchase and CLV are left empty"),
                format!(
                    "{}; ожидаемая средняя покупка и CLV не посчитаны",
                    e.russian()
                ),
            ));
            None
        }
    };
    crate::validate::trace("clv: Gamma-Gamma fit", started);
    if let Some(r) = gammagamma::frequency_spend_correlation(buyers) {
        let large = r.abs() >= 0.3;
        notes.push(Note::new(
            format!(
                "Gamma-Gamma assumes spend per purchase does not depend on how often a client buys: the correlation of \
                 repeat purchases and mean purchase among repeat buyers is {r:.3}{}",
                if large { " — not small: read the CLV with care" } else { "" }
            ),
            format!(
                "модель Gamma-Gamma предполагает, что сумма покупки не зависит от того, как часто клиент покупает: \
                 корреляция числа повторных покупок и средней покупки у повторных покупателей {r:.3}{}",
                if large { " — не мала, читайте CLV осторожно" } else { "" }
            ),
        ));
    }
    (bg, gg)
}

/// Each buyer's row: (index, expected mean purchase, expected purchases over the horizon,
/// P(alive), CLV in currency units).
fn per_client(
    data: &[Summary],
    buyers: &[Buyer],
    bg: Option<bgnbd::Fit>,
    gg: Option<gammagamma::Fit>,
    cfg: &ClvConfig,
) -> Vec<Row> {
    let horizon_weeks = f64::from(cfg.horizon_months) * MONTH_DAYS / 7.0;
    let mut rows: Vec<Row> = Vec::new();
    for i in 0..data.len() {
        let s = &data[i];
        let expected_mean =
            gg.and_then(|g| g.params.expected_mean(buyers[i].x, buyers[i].mean_value));
        let p_alive = bg.map(|f| f.params.p_alive(s));
        let expected = bg.and_then(|f| f.params.expected_purchases(s, horizon_weeks));
        // Only worth the 12 expectations a client when there is a spend to multiply.
        let discounted = bg.filter(|_| expected_mean.is_some()).and_then(|f| {
            discounted_purchases(
                |t| f.params.expected_purchases(s, t),
                cfg.horizon_months,
                cfg.discount_monthly,
            )
        });
        let value = match (expected_mean, discounted) {
            (Some(m), Some(n)) if m.is_finite() && n.is_finite() => Some(m * n),
            _ => None,
        };
        rows.push(Row(i, expected_mean, expected, p_alive, value));
    }
    rows
}

/// The `clv` table, rows in the given order.
fn clv_table(
    rows: &[Row],
    ids: &[Option<String>],
    purchases_n: &[Option<f64>],
    means: &[Option<f64>],
    data: &[Summary],
    cfg: &ClvConfig,
) -> Result<DataFrame> {
    let to_minor = |units: Option<f64>| units.map(|u| (u * 100.0).round() as i128);
    DataFrame::new(
        rows.len(),
        vec![
            Column::new(
                CLIENT_ID.into(),
                rows.iter().map(|r| ids[r.0].clone()).collect::<Vec<_>>(),
            ),
            Column::new(
                "purchases".into(),
                rows.iter()
                    .map(|r| purchases_n[r.0].map(|p| p as u32))
                    .collect::<Vec<_>>(),
            ),
            money::column(
                "mean_purchase",
                rows.iter().map(|r| {
                    (data[r.0].x > 0.0)
                        .then(|| means[r.0].map(|m| m.round() as i128))
                        .flatten()
                }),
            ),
            money::column("expected_mean_purchase", rows.iter().map(|r| to_minor(r.1))),
            Column::new(
                format!("expected_purchases_{}m", cfg.horizon_months).into(),
                rows.iter().map(|r| r.2).collect::<Vec<_>>(),
            ),
            Column::new(
                "p_alive".into(),
                rows.iter().map(|r| r.3).collect::<Vec<_>>(),
            ),
            money::column("clv", rows.iter().map(|r| to_minor(r.4))),
        ],
    )
    .ctx("clv table")
}

/// The `clv_fit` table: both models' parameters and the run's settings.
fn fit_table(
    bg: Option<bgnbd::Fit>,
    gg: Option<gammagamma::Fit>,
    buyers: usize,
    cfg: &ClvConfig,
) -> Result<DataFrame> {
    let mut parameter: Vec<&str> = Vec::new();
    let mut value: Vec<f64> = Vec::new();
    if let Some(f) = bg {
        parameter.extend([
            "bgnbd_r",
            "bgnbd_alpha",
            "bgnbd_a",
            "bgnbd_b",
            "bgnbd_log_likelihood",
        ]);
        value.extend([
            f.params.r,
            f.params.alpha,
            f.params.a,
            f.params.b,
            f.log_likelihood,
        ]);
    }
    if let Some(f) = gg {
        parameter.extend([
            "gg_p",
            "gg_q",
            "gg_v",
            "gg_log_likelihood",
            "gg_repeat_buyers",
        ]);
        value.extend([
            f.params.p,
            f.params.q,
            f.params.v,
            f.log_likelihood,
            f.buyers as f64,
        ]);
    }
    parameter.extend(["buyers", "horizon_months", "discount_monthly"]);
    value.extend([
        buyers as f64,
        f64::from(cfg.horizon_months),
        cfg.discount_monthly,
    ]);
    df!("parameter" => parameter, "value" => value).ctx("clv fit")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeat_means_by_hand() {
        // K1: day 1 (100), day 5 (30 + 10 on one day = 40), day 9 (60): repeat days 5 and 9,
        // mean (40 + 60) / 2 = 50. K2: day 1 (80), day 3 (no amount): no repeat day with an
        // amount, so no mean (its spend is the population's, never 0). K3: day 1 (no amount),
        // day 4 (20), day 6 (40): the first day is day 1 all the same, so (20 + 40) / 2 = 30.
        let bought = df!(
            CLIENT_ID => ["K1", "K1", "K1", "K1", "K2", "K2", "K3", "K3", "K3"],
            "day" => [1i32, 5, 5, 9, 1, 3, 1, 4, 6],
            "bought" => [true; 9],
            "amount_minor" => [Some(100i64), Some(30), Some(10), Some(60), Some(80), None, None, Some(20), Some(40)],
        )
        .unwrap();
        let m = repeat_means(&bought)
            .unwrap()
            .sort([CLIENT_ID], SortMultipleOptions::default())
            .unwrap();
        assert_eq!(
            floats(&m, "mean_minor").unwrap(),
            [Some(50.0), None, Some(30.0)]
        );
        assert_eq!(
            floats(&m, "repeat_days_with_amount").unwrap(),
            [Some(2.0), Some(0.0), Some(2.0)]
        );
    }

    #[test]
    fn three_months_discounted_by_hand() {
        // One expected purchase a month (n(t) = t / month): 1/1.01 + 1/1.01² + 1/1.01³
        // = 0.990099 + 0.980296 + 0.970590 = 2.940985.
        let month_weeks = MONTH_DAYS / 7.0;
        let n = |t: f64| Some(t / month_weeks);
        let v = discounted_purchases(n, 3, 0.01).unwrap();
        let want = 1.0 / 1.01 + 1.0 / 1.01f64.powi(2) + 1.0 / 1.01f64.powi(3);
        assert!((v - want).abs() < 1e-12, "{v}");
        assert!((want - 2.940985).abs() < 1e-6);
        // No discount: the purchases themselves.
        assert!((discounted_purchases(n, 3, 0.0).unwrap() - 3.0).abs() < 1e-12);
        // A model that cannot say: no value.
        assert_eq!(discounted_purchases(|_| None, 3, 0.01), None);
    }
}
