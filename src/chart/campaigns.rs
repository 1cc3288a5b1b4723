//! Campaign charts: conversion per campaign with its Wilson interval (coloured by the
//! verdict of the z-test), and ROMI against spend.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use polars::prelude::DataFrame;

use super::read::{currency_label, floats, strings};
use super::{Chart, Kind};
use super::{FONT, compact, palette, row_label, short};
use crate::i18n::{Lang, percent, pick, tr};

impl Chart {
    /// Conversion per campaign from the campaigns table (rows with deals only).
    pub fn campaign_conversion(
        campaigns: &DataFrame,
        period: &str,
        lang: Lang,
    ) -> crate::error::Result<Chart> {
        let names = strings(campaigns, "name")?;
        let deals = floats(campaigns, "deals")?;
        let rate = floats(campaigns, "conversion")?;
        let (low, high) = (
            floats(campaigns, "conversion_ci_low")?,
            floats(campaigns, "conversion_ci_high")?,
        );
        let verdict = strings(campaigns, "verdict")?;
        let won = floats(campaigns, "won")?;
        let keep: Vec<usize> = (0..campaigns.height())
            .filter(|i| deals[*i].unwrap_or(0.0) > 0.0)
            .collect();
        let total: f64 = keep.iter().map(|i| deals[*i].unwrap_or(0.0)).sum();
        let total_won: f64 = keep.iter().map(|i| won[*i].unwrap_or(0.0)).sum();
        let count = |v: f64| {
            if v.fract() == 0.0 {
                format!("{v:.0}")
            } else {
                format!("{v:.1}")
            }
        };
        let kind = Kind::CampaignConversion(Conversion {
            title: format!(
                "{}, {period} ({})",
                tr(lang, "Conversion by campaign"),
                tr(lang, "deals created in the period")
            ),
            names: keep
                .iter()
                .map(|i| {
                    let n = count(deals[*i].unwrap_or(0.0));
                    pick(
                        lang,
                        format!(
                            "{} ({n} {})",
                            names[*i],
                            if n == "1" { "deal" } else { "deals" }
                        ),
                        format!("{} ({n} сд.)", tr(lang, &names[*i])),
                    )
                })
                .collect(),
            rate: keep.iter().map(|i| rate[*i]).collect(),
            low: keep.iter().map(|i| low[*i]).collect(),
            high: keep.iter().map(|i| high[*i]).collect(),
            verdict: keep
                .iter()
                .map(|i| match verdict[*i].as_str() {
                    "better than the rest" => 1,
                    "worse than the rest" => -1,
                    _ => 0,
                })
                .collect(),
            overall: (total > 0.0).then(|| total_won / total),
        });
        Ok(Chart { kind, lang })
    }

    /// ROMI against spend from the campaigns table (campaigns with a cost and a ROMI).
    pub fn campaign_romi(
        campaigns: &DataFrame,
        period: &str,
        currency: &str,
        lang: Lang,
    ) -> crate::error::Result<Chart> {
        let names = strings(campaigns, "name")?;
        let cost = floats(campaigns, "cost")?;
        let romi = floats(campaigns, "romi")?;
        let keep: Vec<usize> = (0..campaigns.height())
            .filter(|i| cost[*i].is_some_and(|c| c > 0.0) && romi[*i].is_some())
            .collect();
        let kind = Kind::CampaignRomi(Romi {
            title: format!(
                "{}, {period}",
                tr(lang, "Return on marketing investment against spend")
            ),
            names: keep.iter().map(|i| tr(lang, &names[*i])).collect(),
            cost: keep.iter().map(|i| cost[*i].unwrap_or(0.0)).collect(),
            romi: keep.iter().map(|i| romi[*i].unwrap_or(0.0)).collect(),
            currency: currency_label(currency),
        });
        Ok(Chart { kind, lang })
    }
}

/// Conversion rows, top to bottom.
#[derive(Debug, Clone)]
pub struct Conversion {
    pub title: String,
    pub names: Vec<String>,
    pub rate: Vec<Option<f64>>,
    pub low: Vec<Option<f64>>,
    pub high: Vec<Option<f64>>,
    /// +1 better than the rest, −1 worse, 0 no real difference or too few deals.
    pub verdict: Vec<i8>,
    /// Conversion over all deals of the period.
    pub overall: Option<f64>,
}

/// Each campaign's conversion with its 95 % interval against the overall rate.
/// Kept whole (it runs over 80 lines) because it is one drawing from top to bottom: the
/// plotters chart context borrows the area, and every series and label is drawn through it.
pub fn conversion<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    c: &Conversion,
    lang: Lang,
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let n = c.names.len().max(1);
    let top = c
        .high
        .iter()
        .flatten()
        .copied()
        .fold(0.0f64, f64::max)
        .max(c.overall.unwrap_or(0.0))
        .mul_add(1.15, 0.02)
        .min(1.0)
        * 100.0;
    let names: Vec<String> = c.names.iter().map(|s| short(s, 44)).collect();
    let mut chart = ChartBuilder::on(root)
        .caption(&c.title, (FONT, 22))
        .margin(14)
        .x_label_area_size(50)
        .y_label_area_size(340)
        .build_cartesian_2d(0.0..top, 0.0..n as f64)
        .map_err(e)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(n * 2 + 1)
        .y_label_formatter(&|y| row_label(&names, *y))
        .x_labels(8)
        .x_label_formatter(&|x| format!("{x:.0}%"))
        .x_desc(match c.overall {
            // The dashed line is named here, not in a legend box that could cover an interval.
            Some(o) => format!(
                "{}; {} {}",
                tr(
                    lang,
                    "won / deals created in the period, % (bar: 95% Wilson interval)"
                ),
                tr(lang, "dashed line: all deals"),
                percent(o, lang)
            ),
            None => tr(
                lang,
                "won / deals created in the period, % (bar: 95% Wilson interval)",
            ),
        })
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 14))
        .draw()
        .map_err(e)?;
    if let Some(o) = c.overall {
        let x = o * 100.0;
        chart
            .draw_series(DashedLineSeries::new(
                [(x, 0.0), (x, n as f64)],
                6,
                4,
                palette::GREY.stroke_width(2),
            ))
            .map_err(e)?;
    }
    for (i, rate) in c.rate.iter().enumerate() {
        let y = n as f64 - i as f64 - 0.5;
        let colour = match c.verdict.get(i) {
            Some(1) => palette::GREEN,
            Some(-1) => palette::RED,
            _ => palette::BLUE,
        };
        if let (Some(lo), Some(hi)) = (c.low[i], c.high[i]) {
            let (lo, hi) = (lo * 100.0, hi * 100.0);
            chart
                .draw_series([
                    PathElement::new([(lo, y), (hi, y)], colour.stroke_width(3)),
                    PathElement::new([(lo, y - 0.2), (lo, y + 0.2)], colour.stroke_width(2)),
                    PathElement::new([(hi, y - 0.2), (hi, y + 0.2)], colour.stroke_width(2)),
                ])
                .map_err(e)?;
        }
        if let Some(r) = rate {
            let x = r * 100.0;
            chart
                .draw_series([Circle::new((x, y), 6, colour.filled())])
                .map_err(e)?;
            let text = percent(*r, lang);
            chart
                .draw_series([Text::new(
                    text,
                    (x, y + 0.42),
                    (FONT, 13).into_font().color(&BLACK),
                )])
                .map_err(e)?;
        }
    }
    Ok(())
}

/// ROMI against spend, one point per campaign with cost.
#[derive(Debug, Clone)]
pub struct Romi {
    pub title: String,
    pub names: Vec<String>,
    pub cost: Vec<f64>,
    pub romi: Vec<f64>,
    pub currency: String,
}

pub fn romi<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    r: &Romi,
    lang: Lang,
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let max_cost = r.cost.iter().copied().fold(0.0f64, f64::max).max(1.0) * 1.15;
    let pct: Vec<f64> = r.romi.iter().map(|v| v * 100.0).collect();
    let lo = pct.iter().copied().fold(0.0f64, f64::min);
    let hi = pct.iter().copied().fold(0.0f64, f64::max);
    let pad = ((hi - lo) * 0.12).max(10.0);
    let unit = format!("{}, {}", tr(lang, "cost in the period"), r.currency);
    let mut chart = ChartBuilder::on(root)
        .caption(&r.title, (FONT, 22))
        .margin(14)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(0.0..max_cost, (lo - pad)..(hi + pad))
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_labels(8)
        .x_label_formatter(&|x| compact(*x))
        .y_label_formatter(&|y| format!("{y:.0}%"))
        .x_desc(unit.as_str())
        .y_desc(tr(lang, "ROMI = (paid − cost) / cost, %"))
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 14))
        .draw()
        .map_err(e)?;
    chart
        .draw_series(DashedLineSeries::new(
            [(0.0, 0.0), (max_cost, 0.0)],
            6,
            4,
            palette::GREY.stroke_width(2),
        ))
        .map_err(e)?;
    for (i, name) in r.names.iter().enumerate() {
        let (x, y) = (r.cost[i], pct[i]);
        let colour = if y >= 0.0 {
            palette::GREEN
        } else {
            palette::RED
        };
        chart
            .draw_series([Circle::new((x, y), 7, colour.filled())])
            .map_err(e)?;
        // Labels in the right half of the plot go to the left of their point.
        let anchor = if x > max_cost * 0.55 {
            Pos::new(HPos::Right, VPos::Center)
        } else {
            Pos::new(HPos::Left, VPos::Center)
        };
        let shift = if x > max_cost * 0.55 {
            -max_cost * 0.015
        } else {
            max_cost * 0.015
        };
        chart
            .draw_series([Text::new(
                format!("{} ({y:.0}%)", short(name, 30)),
                (x + shift, y),
                (FONT, 14).into_font().color(&BLACK).pos(anchor),
            )])
            .map_err(e)?;
    }
    Ok(())
}
