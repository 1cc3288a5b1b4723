//! The last twelve months in three panels sharing the month axis: won amount, deals
//! created, and win rate (won / closed in the month).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use polars::prelude::DataFrame;

use super::read::{currency_label, floats, ints, strings};
use super::{Chart, Kind};
use super::{FONT, compact, grouped, palette};
use crate::i18n::{Lang, percent, tr};

impl Chart {
    /// The monthly trends table (month, deals_created, won_amount, win_rate) as a chart.
    pub fn trends(frame: &DataFrame, currency: &str, lang: Lang) -> crate::error::Result<Chart> {
        let months = strings(frame, "month")?;
        let title = match (months.first(), months.last()) {
            (Some(a), Some(b)) => format!("{}: {a} – {b}", tr(lang, "The last 12 months")),
            _ => tr(lang, "The last 12 months"),
        };
        let kind = Kind::Trends(Trends {
            title,
            months,
            won_amount: floats(frame, "won_amount")?
                .into_iter()
                .map(|v| v.unwrap_or(0.0))
                .collect(),
            created: ints(frame, "deals_created")?,
            win_rate: floats(frame, "win_rate")?,
            currency: currency_label(currency),
        });
        Ok(Chart { kind, lang })
    }
}

#[derive(Debug, Clone)]
pub struct Trends {
    pub title: String,
    pub months: Vec<String>,
    pub won_amount: Vec<f64>,
    pub created: Vec<i64>,
    pub win_rate: Vec<Option<f64>>,
    pub currency: String,
}

pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    t: &Trends,
    lang: Lang,
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let root = root.titled(&t.title, (FONT, 24)).map_err(e)?;
    let panels = root.split_evenly((3, 1));
    let created: Vec<f64> = t.created.iter().map(|c| *c as f64).collect();
    let amount_title = format!("{}, {}", tr(lang, "Won amount by month"), t.currency);
    column_panel(
        &panels[0],
        &amount_title,
        &t.months,
        &t.won_amount,
        palette::GREEN,
        &|v| compact(v),
    )
    .map_err(e)?;
    column_panel(
        &panels[1],
        &tr(lang, "Deals created by month"),
        &t.months,
        &created,
        palette::BLUE,
        &|v| grouped(v),
    )
    .map_err(e)?;
    rate_panel(&panels[2], &tr(lang, "Win rate by month"), t, lang).map_err(e)
}

/// One bar per month with its value above it.
fn column_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    caption: &str,
    months: &[String],
    values: &[f64],
    color: RGBColor,
    text: &dyn Fn(f64) -> String,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let n = months.len().max(1);
    let top = values.iter().copied().fold(0.0, f64::max).max(1.0) * 1.2;
    let mut chart = ChartBuilder::on(area)
        .caption(caption, (FONT, 18))
        .margin(10)
        .x_label_area_size(28)
        .y_label_area_size(64)
        .build_cartesian_2d(0.0..n as f64, 0.0..top)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(WHITE)
        .x_labels(n * 2 + 1)
        .x_label_formatter(&|x| month_at(months, *x))
        .y_labels(5)
        .y_label_formatter(&|y| compact(*y))
        .label_style((FONT, 13))
        .draw()?;
    for (i, v) in values.iter().enumerate() {
        let x = i as f64;
        chart.draw_series([Rectangle::new(
            [(x + 0.15, 0.0), (x + 0.85, *v)],
            color.filled(),
        )])?;
        let label = text(*v);
        let dx = label.chars().count() as f64 * 0.035;
        chart.draw_series([Text::new(
            label,
            (x + 0.5 - dx, *v + top * 0.08),
            (FONT, 12).into_font().color(&BLACK),
        )])?;
    }
    Ok(())
}

/// Win rate per month as a line with its points; months with nothing closed are gaps.
fn rate_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    caption: &str,
    t: &Trends,
    lang: Lang,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let n = t.months.len().max(1);
    let top = t
        .win_rate
        .iter()
        .flatten()
        .copied()
        .fold(0.0, f64::max)
        .mul_add(100.0, 0.0)
        .max(5.0)
        // Headroom above the highest point for its label, also above 100 %.
        * 1.22;
    let mut chart = ChartBuilder::on(area)
        .caption(caption, (FONT, 18))
        .margin(10)
        .x_label_area_size(28)
        .y_label_area_size(64)
        .build_cartesian_2d(0.0..n as f64, 0.0..top)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(WHITE)
        .x_labels(n * 2 + 1)
        .x_label_formatter(&|x| month_at(&t.months, *x))
        .y_labels(5)
        // No tick beyond 100 % (the headroom is for the labels).
        .y_label_formatter(&|y| {
            if *y > 100.0 + 1e-9 {
                String::new()
            } else {
                format!("{y:.0}%")
            }
        })
        .label_style((FONT, 13))
        .draw()?;
    let points: Vec<(f64, f64)> = t
        .win_rate
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.map(|r| (i as f64 + 0.5, r * 100.0)))
        .collect();
    chart.draw_series(LineSeries::new(
        points.clone(),
        palette::ORANGE.stroke_width(2),
    ))?;
    for (x, y) in points {
        chart.draw_series([Circle::new((x, y), 4, palette::ORANGE.filled())])?;
        // Centred just above its point, clear of the line.
        chart.draw_series([Text::new(
            percent(y / 100.0, lang),
            (x, y + top * 0.05),
            (FONT, 12)
                .into_font()
                .color(&BLACK)
                .pos(Pos::new(HPos::Center, VPos::Bottom)),
        )])?;
    }
    Ok(())
}

/// The month label at the middle of its column, nothing elsewhere.
fn month_at(months: &[String], x: f64) -> String {
    let i = x - 0.5;
    let r = i.round();
    if (i - r).abs() < 1e-6 && r >= 0.0 && (r as usize) < months.len() {
        months[r as usize].clone()
    } else {
        String::new()
    }
}
