//! The forecast's charts: the pipeline waterfall (bars from the start to the end, green in,
//! red out) and the backtest (forecast against what was won, month by month).

use crate::schema::names::MANAGER_ID;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use polars::prelude::DataFrame;

use super::read::{currency_label, floats, money_units, strings};
use super::{Chart, FONT, Kind, compact, palette};
use crate::i18n::{Lang, pick, tr};

/// How a waterfall step moves the running total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A total drawn from 0 (start, end).
    Total,
    /// Adds to the pipeline (created, pulled in, increased).
    In,
    /// Takes from it (decreased, won, lost, pushed out).
    Out,
}

/// What the waterfall shows.
#[derive(Debug, Clone)]
pub struct Waterfall {
    pub title: String,
    pub labels: Vec<String>,
    /// In currency units.
    pub amounts: Vec<f64>,
    pub steps: Vec<Step>,
    pub currency: String,
}

/// The step of each SPEC bucket.
pub fn step_of(bucket: &str) -> Step {
    match bucket {
        "start" | "end" => Step::Total,
        "created" | "pulled_in" | "increased" => Step::In,
        _ => Step::Out,
    }
}

impl Chart {
    /// The pipeline_waterfall table (bucket, deals, amount) as a chart.
    pub fn waterfall(
        frame: &DataFrame,
        window: &str,
        currency: &str,
        lang: Lang,
    ) -> crate::error::Result<Chart> {
        let buckets = strings(frame, "bucket")?;
        let amounts = money_units(frame, "amount")?;
        let kind = Kind::Waterfall(Waterfall {
            title: pick(
                lang,
                format!("Pipeline of {window}: from the start to the end (green in, red out)"),
                format!("Воронка {window}: от начала к концу (зелёным — пришло, красным — ушло)"),
            ),
            labels: buckets
                .iter()
                .map(|b| tr(lang, &b.replace('_', " ")))
                .collect(),
            steps: buckets.iter().map(|b| step_of(b)).collect(),
            amounts,
            currency: currency_label(currency),
        });
        Ok(Chart { kind, lang })
    }

    /// The managers' rows of the pacing table (manager_id, attainment, elapsed_share, and a
    /// `name` column when the caller joined one on; else the id labels the row) as a chart;
    /// managers without a plan are left out.
    pub fn pacing(
        frame: &DataFrame,
        period: &str,
        as_of: &str,
        lang: Lang,
    ) -> crate::error::Result<Chart> {
        let levels = strings(frame, "level")?;
        let ids = strings(frame, MANAGER_ID)?;
        let names = match frame.column("name") {
            Ok(_) => strings(frame, "name")?,
            Err(_) => vec![String::new(); frame.height()],
        };
        let label = |i: usize| {
            if names[i].is_empty() {
                ids[i].clone()
            } else {
                names[i].clone()
            }
        };
        let attainment = floats(frame, "attainment")?;
        let elapsed = floats(frame, "elapsed_share")?
            .first()
            .copied()
            .flatten()
            .unwrap_or(1.0);
        let planned: Vec<usize> = (0..frame.height())
            .filter(|i| levels[*i] == "manager" && attainment[*i].is_some())
            .collect();
        // Past MAX_ROWS: the managers furthest behind (lowest attainment).
        let behind: Vec<f64> = planned
            .iter()
            .map(|i| -attainment[*i].unwrap_or(0.0))
            .collect();
        let keep: Vec<usize> = super::top_rows(&behind)
            .into_iter()
            .map(|k| planned[k])
            .collect();
        let kind = Kind::Pacing(Pacing {
            title: super::capped_title(
                pick(
                    lang,
                    format!("Plan attainment, {period}, as of {as_of}"),
                    format!("Выполнение плана, {period}, на {as_of}"),
                ),
                keep.len(),
                planned.len(),
                lang,
                "furthest behind the plan",
                "дальше всех от плана",
            ),
            names: keep.iter().map(|i| label(*i)).collect(),
            attainment: keep.iter().map(|i| attainment[*i].unwrap_or(0.0)).collect(),
            elapsed,
        });
        Ok(Chart { kind, lang })
    }

    /// The forecast_backtest table (month, forecast, actual) as a chart.
    pub fn backtest(frame: &DataFrame, currency: &str, lang: Lang) -> crate::error::Result<Chart> {
        let kind = Kind::Backtest(Backtest {
            title: pick(
                lang,
                "Forecast made at each month's start (line) against what was won (bars)"
                    .to_string(),
                "Прогноз на начало каждого месяца (линия) и выигранное (столбцы)".to_string(),
            ),
            months: strings(frame, "month")?,
            forecast: money_units(frame, "forecast")?,
            actual: money_units(frame, "actual")?,
            currency: currency_label(currency),
        });
        Ok(Chart { kind, lang })
    }
}

/// The label of bar i at its middle (x = i + 0.5), nothing at the other ticks.
fn middle_label(labels: &[String], x: f64) -> String {
    let i = x.floor() as usize;
    if (x - i as f64 - 0.5).abs() < 0.01 && i < labels.len() {
        labels[i].clone()
    } else {
        String::new()
    }
}

/// The pipeline waterfall: start, the steps in and out, end.
/// Kept whole (it runs over 80 lines) because it is one drawing from top to bottom: the
/// plotters chart context borrows the area, and every series and label is drawn through it.
pub fn waterfall<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    w: &Waterfall,
    lang: Lang,
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    // Each bar's bottom and top.
    let mut running = 0.0;
    let mut bars = Vec::new();
    for (a, s) in w.amounts.iter().zip(&w.steps) {
        let (lo, hi) = match s {
            Step::Total => {
                running = *a;
                (0.0, *a)
            }
            Step::In => {
                let lo = running;
                running += a;
                (lo, running)
            }
            Step::Out => {
                let hi = running;
                running -= a;
                (running, hi)
            }
        };
        bars.push((lo.min(hi), lo.max(hi)));
    }
    let top = bars.iter().map(|b| b.1).fold(0.0, f64::max).max(1.0);
    let n = w.labels.len();
    let mut chart = ChartBuilder::on(root)
        .caption(&w.title, (FONT, 22))
        .margin(16)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(0.0..n as f64, 0.0..top * 1.15)
        .map_err(e)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(WHITE)
        .x_labels(n * 2 + 1)
        .x_label_formatter(&|v| middle_label(&w.labels, *v))
        .y_desc(format!("{}, {}", tr(lang, "amount"), w.currency))
        .y_label_formatter(&|v| compact(*v))
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 16))
        .draw()
        .map_err(e)?;
    let colour = |s: Step| match s {
        Step::Total => palette::BLUE,
        Step::In => palette::GREEN,
        Step::Out => palette::RED,
    };
    chart
        .draw_series(
            bars.iter()
                .zip(&w.steps)
                .enumerate()
                .map(|(i, ((lo, hi), s))| {
                    let x = i as f64;
                    Rectangle::new([(x + 0.15, *lo), (x + 0.85, *hi)], colour(*s).filled())
                }),
        )
        .map_err(e)?;
    let value_style = TextStyle::from((FONT, 14).into_font())
        .color(&BLACK)
        .pos(Pos::new(HPos::Center, VPos::Bottom));
    chart
        .draw_series(
            bars.iter()
                .zip(&w.amounts)
                .enumerate()
                .map(|(i, ((_, hi), a))| {
                    Text::new(
                        compact(*a),
                        (i as f64 + 0.5, hi + top * 0.015),
                        value_style.clone(),
                    )
                }),
        )
        .map_err(e)?;
    Ok(())
}

/// What the backtest chart shows (its title says which mark is which: no legend box to
/// cover a bar).
#[derive(Debug, Clone)]
pub struct Backtest {
    pub title: String,
    pub months: Vec<String>,
    pub forecast: Vec<f64>,
    pub actual: Vec<f64>,
    pub currency: String,
}

pub fn backtest<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    b: &Backtest,
    lang: Lang,
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let n = b.months.len();
    let top = b
        .forecast
        .iter()
        .chain(&b.actual)
        .copied()
        .fold(0.0, f64::max)
        .max(1.0);
    let mut chart = ChartBuilder::on(root)
        .caption(&b.title, (FONT, 22))
        .margin(16)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(0.0..n.max(1) as f64, 0.0..top * 1.15)
        .map_err(e)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(WHITE)
        .x_labels(n * 2 + 1)
        .x_label_formatter(&|v| middle_label(&b.months, *v))
        .y_desc(format!("{}, {}", tr(lang, "amount"), b.currency))
        .y_label_formatter(&|v| compact(*v))
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 16))
        .draw()
        .map_err(e)?;
    chart
        .draw_series(b.actual.iter().enumerate().map(|(i, a)| {
            let x = i as f64;
            Rectangle::new(
                [(x + 0.2, 0.0), (x + 0.8, *a)],
                palette::GREEN.mix(0.75).filled(),
            )
        }))
        .map_err(e)?;
    chart
        .draw_series(LineSeries::new(
            b.forecast
                .iter()
                .enumerate()
                .map(|(i, f)| (i as f64 + 0.5, *f)),
            palette::BLUE.stroke_width(3),
        ))
        .map_err(e)?;
    chart
        .draw_series(
            b.forecast
                .iter()
                .enumerate()
                .map(|(i, f)| Circle::new((i as f64 + 0.5, *f), 4, palette::BLUE.filled())),
        )
        .map_err(e)?;
    Ok(())
}

/// What the pacing chart shows: each manager's attainment against the share of the period
/// elapsed (where the plan should be by now) and the plan itself.
#[derive(Debug, Clone)]
pub struct Pacing {
    pub title: String,
    pub names: Vec<String>,
    /// Won ÷ plan; managers without a plan are left out.
    pub attainment: Vec<f64>,
    pub elapsed: f64,
}

pub fn pacing<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    p: &Pacing,
    lang: Lang,
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let n = p.names.len().max(1);
    let top = p.attainment.iter().copied().fold(1.0, f64::max) * 1.2;
    let names: Vec<String> = p.names.iter().map(|s| super::short(s, 22)).collect();
    let mut chart = ChartBuilder::on(root)
        .caption(&p.title, (FONT, 22))
        .margin(16)
        .x_label_area_size(50)
        .y_label_area_size(190)
        .build_cartesian_2d(0.0..top, 0.0..n as f64)
        .map_err(e)?;
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .disable_y_mesh()
        .y_labels(n * 2 + 1)
        .y_label_formatter(&|y| super::row_label(&names, *y))
        .x_label_formatter(&|x| crate::i18n::percent(*x, lang))
        .x_desc(tr(
            lang,
            "won ÷ plan (dashed: the share of the period elapsed; solid: the plan)",
        ))
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 16))
        .draw()
        .map_err(e)?;
    for (i, a) in p.attainment.iter().enumerate() {
        let y = n as f64 - i as f64;
        let colour = if *a >= p.elapsed {
            palette::GREEN
        } else {
            palette::ORANGE
        };
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(0.0, y - 0.2), (*a, y - 0.8)],
                colour.filled(),
            )))
            .map_err(e)?;
        let style = TextStyle::from((FONT, 14).into_font())
            .color(&BLACK)
            .pos(Pos::new(HPos::Left, VPos::Center));
        chart
            .draw_series(std::iter::once(Text::new(
                crate::i18n::percent(*a, lang),
                (*a + top * 0.01, y - 0.5),
                style,
            )))
            .map_err(e)?;
    }
    chart
        .draw_series(DashedLineSeries::new(
            [(p.elapsed, 0.0), (p.elapsed, n as f64)],
            8,
            5,
            palette::GREY.stroke_width(2),
        ))
        .map_err(e)?;
    chart
        .draw_series(LineSeries::new(
            [(1.0, 0.0), (1.0, n as f64)],
            BLACK.stroke_width(2),
        ))
        .map_err(e)?;
    Ok(())
}
