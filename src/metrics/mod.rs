//! The figures of SPEC §3. Metrics take tables in and give tables out; they never see
//! clap, paths or writers. One file per metric family.

pub mod bgnbd;
pub mod campaigns;
pub mod clv;
pub mod durations;
pub mod forecast;
pub mod funnel;
pub mod gammagamma;
pub mod headline;
pub mod losses;
pub mod managers;
pub mod optimize;
pub mod pacing;
pub mod payroll;
pub mod pipeline;
pub mod plans;
pub mod purchases;
pub mod reactivation;
pub mod retention;
pub mod sbg;
pub mod snapshot;
pub mod speed_to_lead;
pub mod state;
pub mod stats;
pub mod survival;
pub mod velocity;

use crate::schema::names::{CAMPAIGN_ID, MANAGER_ID};
use polars::prelude::*;

/// Name of the grouping column while a `--by` figure is computed; renamed on output.
pub const GROUP: &str = "group";

/// Cohort or flow counting of the funnel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Deals created in the period, followed to the end of the period.
    Cohort,
    /// Progress made in the period: stage entries, wins and losses dated in it.
    Flow,
}

/// What `--by` groups a figure by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Manager,
    Segment,
    Campaign,
    Month,
}

impl GroupBy {
    /// The name of the grouping column in output tables.
    pub fn column(self) -> &'static str {
        match self {
            GroupBy::Manager => MANAGER_ID,
            GroupBy::Segment => "segment",
            GroupBy::Campaign => CAMPAIGN_ID,
            GroupBy::Month => "month",
        }
    }
}

/// `num / den` as a fraction at full precision (SPEC §6: rounding is for Markdown, HTML and
/// xlsx formats); empty when `den` is 0 or empty.
pub fn rate(num: Expr, den: Expr) -> Expr {
    let den = den.cast(DataType::Float64);
    when(den.clone().gt(lit(0.0)))
        .then(num.cast(DataType::Float64) / den)
        .otherwise(lit(NULL).cast(DataType::Float64))
}

/// Exact sum of a money expression; empty (not zero) when no value is known.
pub fn amount_sum(amount: Expr) -> Expr {
    when(amount.clone().count().gt(lit(0)))
        .then(amount.sum())
        .otherwise(lit(NULL).cast(crate::money::dtype()))
}

/// Days rounded to 2 places for output.
pub fn days(expr: Expr) -> Expr {
    expr.round(2, RoundMode::HalfToEven)
}

/// `expr` evaluated within each group of the column `by` (a window expression).
pub fn over(expr: Expr, by: &str) -> crate::Result<Expr> {
    use crate::error::PolarsContext;
    expr.over([col(by)]).ctx(format!("window over {by}"))
}

/// `e` shifted `n` rows (1: the previous row, -1: the next) within the runs of equal `by` of
/// a frame sorted by `by` (non-empty): empty where the row `n` away is another `by`'s. The
/// same as `e.shift(n).over(by)` without grouping (a window over the 2.5M stage entries of
/// a million deals took 3 s).
pub fn shifted_within(e: Expr, by: &str, n: i64) -> Expr {
    when(col(by).shift(lit(n)).eq(col(by)))
        .then(e.shift(lit(n)))
        .otherwise(lit(NULL))
}

/// The larger of two expressions, ignoring an empty one.
pub fn greater(a: Expr, b: Expr) -> Expr {
    pick(a, b, Expr::gt)
}

/// The smaller of two expressions, ignoring an empty one.
pub fn lesser(a: Expr, b: Expr) -> Expr {
    pick(a, b, Expr::lt)
}

/// `a` where `prefer(a, b)` holds or `b` is empty, else `b`.
fn pick(a: Expr, b: Expr, prefer: fn(Expr, Expr) -> Expr) -> Expr {
    when(a.clone().is_null())
        .then(b.clone())
        .when(b.clone().is_null().or(prefer(a.clone(), b.clone())))
        .then(a)
        .otherwise(b)
}

/// A column as optional text, one entry per row.
pub fn texts(frame: &DataFrame, name: &str) -> crate::Result<Vec<Option<String>>> {
    use crate::error::PolarsContext;
    let c = frame
        .column(name)
        .ctx(name.to_string())?
        .cast(&DataType::String)
        .ctx(name.to_string())?;
    Ok(c.str()
        .ctx(name.to_string())?
        .iter()
        .map(|v| v.map(str::to_string))
        .collect())
}

/// A numeric column as optional floats (for charts, averages and z-scores, never money
/// sums), one entry per row.
pub fn floats(frame: &DataFrame, name: &str) -> crate::Result<Vec<Option<f64>>> {
    use crate::error::PolarsContext;
    let c = frame
        .column(name)
        .ctx(name.to_string())?
        .cast(&DataType::Float64)
        .ctx(name.to_string())?;
    Ok(c.f64().ctx(name.to_string())?.iter().collect())
}

/// An integer column as optional i64 (minor units, days), one entry per row.
pub fn ints(frame: &DataFrame, name: &str) -> crate::Result<Vec<Option<i64>>> {
    use crate::error::PolarsContext;
    let c = frame
        .column(name)
        .ctx(name.to_string())?
        .cast(&DataType::Int64)
        .ctx(name.to_string())?;
    Ok(c.i64().ctx(name.to_string())?.iter().collect())
}

/// `v` rounded to `places` decimals (for rates and counts shown, never money).
pub fn round_to(v: f64, places: i32) -> f64 {
    let m = 10f64.powi(places);
    (v * m).round() / m
}

/// Joins on equally named key columns, the only kind the metrics need.
pub trait JoinOn {
    /// `self` joined with `other` where every column of `keys` is equal.
    fn join_on(self, other: LazyFrame, keys: &[&str], how: JoinType) -> LazyFrame;
}

impl JoinOn for LazyFrame {
    fn join_on(self, other: LazyFrame, keys: &[&str], how: JoinType) -> LazyFrame {
        let on: Vec<Expr> = keys.iter().map(|k| col(*k)).collect();
        self.join(other, on.clone(), on, JoinArgs::new(how))
    }
}
