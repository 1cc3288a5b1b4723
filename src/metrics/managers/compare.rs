//! Managers against each other: the company-average row, each manager's z-score per KPI,
//! and who counts (worked in the period, not a placeholder owner).

use super::*;

/// avg_won_amount = won_amount / won deals with an amount (a won deal without one is not
/// taken as 0), exact to the kopeck (half-up).
pub(super) fn with_avg_won(mut frame: DataFrame) -> Result<DataFrame> {
    let won = money::minor_units(frame.column("won_amount").ctx("won_amount")?)?;
    let n = crate::metrics::ints(&frame, "won_with_amount")?;
    let avg: Vec<Option<i128>> = won
        .iter()
        .zip(&n)
        .map(|(w, n)| match (w, n) {
            (Some(w), Some(n)) if *n > 0 => Some(money::div_round(*w, i128::from(*n), false)),
            _ => None,
        })
        .collect();
    frame
        .with_column(money::column("avg_won_amount", avg))
        .ctx("average won deal")?;
    Ok(frame)
}

pub(super) fn worked(frame: &DataFrame) -> Result<Vec<bool>> {
    Ok(frame
        .column("worked")
        .ctx("worked")?
        .bool()
        .ctx("worked")?
        .iter()
        .map(|v| v.unwrap_or(false))
        .collect())
}

/// An id in parentheses, like the default owner `(unassigned)`: a placeholder for "no
/// manager", listed in per-manager tables but never counted in the company average.
pub(super) fn is_placeholder(id: Expr) -> Expr {
    let id = id.cast(DataType::String);
    id.clone()
        .str()
        .starts_with(lit("("))
        .and(id.str().ends_with(lit(")")))
        .fill_null(lit(false))
}

/// Mean and population standard deviation of the values of counted rows.
pub(super) fn mean_sd(v: &[Option<f64>], counted: &[bool]) -> (Option<f64>, Option<f64>) {
    let xs: Vec<f64> = v
        .iter()
        .zip(counted)
        .filter_map(|(x, c)| if *c { *x } else { None })
        .collect();
    if xs.is_empty() {
        return (None, None);
    }
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    (Some(mean), (xs.len() > 1 && var > 0.0).then(|| var.sqrt()))
}

pub(super) fn round_to(x: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (x * f).round() / f
}

/// The long table of deviations: one row per key and KPI.
pub(super) fn deviations(frame: &DataFrame, key_name: &str) -> Result<DataFrame> {
    let counted = worked(frame)?;
    let keys = crate::metrics::texts(frame, KEY)?;
    let (mut k, mut kpi, mut value, mut avg, mut ratio, mut z) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    for name in KPIS {
        let v = crate::metrics::floats(frame, name)?;
        let (mean, sd) = mean_sd(&v, &counted);
        for (i, x) in v.iter().enumerate() {
            k.push(keys[i].clone());
            kpi.push(*name);
            value.push(*x);
            avg.push(mean);
            // Only those counted in the average are compared with it.
            let x = if counted[i] { *x } else { None };
            ratio.push(match (x, mean) {
                (Some(x), Some(m)) if m != 0.0 => Some(x / m),
                _ => None,
            });
            z.push(match (x, mean, sd) {
                (Some(x), Some(m), Some(s)) => Some((x - m) / s),
                _ => None,
            });
        }
    }
    let n = k.len();
    DataFrame::new(
        n,
        vec![
            Column::new(key_name.into(), k),
            Column::new("kpi".into(), kpi),
            Column::new("value".into(), value),
            Column::new("average".into(), avg),
            Column::new("ratio_to_average".into(), ratio),
            Column::new("z_score".into(), z),
        ],
    )
    .ctx("deviations")
}

/// The company-average row: the mean over counted rows of every KPI (money exact to the
/// kopeck, counts and days to 2 places, rates to 4).
pub(super) fn average_row(frame: &DataFrame) -> Result<DataFrame> {
    let counted = worked(frame)?;
    let mut cols = Vec::new();
    for c in frame.columns() {
        let name = c.name().as_str();
        let col = if c.dtype().is_decimal() {
            let v = money::minor_units(c)?;
            let xs: Vec<i128> = v
                .iter()
                .zip(&counted)
                .filter_map(|(x, k)| if *k { *x } else { None })
                .collect();
            let mean = (!xs.is_empty())
                .then(|| money::div_round(xs.iter().sum::<i128>(), xs.len() as i128, false) as i64);
            money::column(name, [mean])
        } else if c.dtype().is_primitive_numeric() {
            let (mean, _) = mean_sd(&crate::metrics::floats(frame, name)?, &counted);
            let places = if name.contains("rate")
                || name.contains("compliance")
                || name.contains("attainment")
            {
                4
            } else {
                2
            };
            Column::new(name.into(), [mean.map(|m| round_to(m, places))])
        } else {
            let text = match name {
                KEY => Some("(company average)"),
                "name" => Some("Company average"),
                _ => None,
            };
            Column::new(name.into(), [text])
                .cast(c.dtype())
                .ctx("average row")?
        };
        cols.push(col);
    }
    let avg = DataFrame::new(1, cols).ctx("average row")?;
    avg.lazy()
        .with_column(lit(false).alias("worked"))
        .collect()
        .ctx("average row")
}
