//! The Kaplan–Meier chart: share of deals still open by day, as a step curve inside its
//! 95% band, with the median marked (or "not reached").

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Chart, Kind};
use super::{FONT, palette};
use crate::i18n::{Lang, pick, tr};
use crate::metrics::survival::KaplanMeier;

/// The Kaplan–Meier steps and the median.
#[derive(Debug, Clone)]
pub struct Survival {
    pub title: String,
    /// (days, survival, ci_low, ci_high)
    pub steps: Vec<(f64, f64, f64, f64)>,
    pub median: Option<i64>,
}

impl Chart {
    /// The Kaplan–Meier curve with its band.
    pub fn survival(km: &KaplanMeier, period: &str, lang: Lang) -> Chart {
        let kind = Kind::Survival(Survival {
            title: pick(
                lang,
                format!("Time to close, deals created in {period} (open deals censored)"),
                format!("Время до закрытия сделок, созданных в {period} (открытые цензурированы)"),
            ),
            steps: km
                .steps
                .iter()
                .map(|s| (s.days as f64, s.survival, s.ci_low, s.ci_high))
                .collect(),
            median: km.median_days,
        });
        Chart { kind, lang }
    }
}

/// The Kaplan-Meier curve of time to close with its median.
/// Kept whole (it runs over 80 lines) because it is one drawing from top to bottom: the
/// plotters chart context borrows the area, and every series and label is drawn through it.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: &Survival,
    lang: Lang,
) -> Result<(), String> {
    let Survival {
        title,
        steps,
        median,
    } = s;
    let median = *median;
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let max_day = steps.last().map_or(1.0, |s| s.0).max(1.0);
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT, 22))
        .margin(16)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..max_day * 1.05, 0.0..1.05)
        .map_err(e)?;
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .x_desc(tr(lang, "days since the deal was created"))
        .y_desc(tr(lang, "share of deals still open"))
        .y_label_formatter(&|v| format!("{:.0}%", v * 100.0))
        .x_label_formatter(&|v| format!("{v:.0}"))
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 16))
        .draw()
        .map_err(e)?;
    // Step curves start at (0, 1) and hold each value until the next step.
    let stepped = |pick: fn(&(f64, f64, f64, f64)) -> f64| {
        let mut pts = vec![(0.0, 1.0)];
        let mut prev = 1.0;
        for s in steps {
            pts.push((s.0, prev));
            pts.push((s.0, pick(s)));
            prev = pick(s);
        }
        pts.push((max_day, prev));
        pts
    };
    let upper = stepped(|s| s.3);
    let lower = stepped(|s| s.2);
    let band: Vec<(f64, f64)> = upper
        .iter()
        .copied()
        .chain(lower.iter().rev().copied())
        .collect();
    chart
        .draw_series(std::iter::once(Polygon::new(
            band,
            palette::BLUE.mix(0.2).filled(),
        )))
        .map_err(e)?
        .label(tr(lang, "95% interval (Greenwood, log-log)"))
        .legend(|(x, y)| {
            Rectangle::new(
                [(x, y - 6), (x + 14, y + 6)],
                palette::BLUE.mix(0.2).filled(),
            )
        });
    chart
        .draw_series(LineSeries::new(
            stepped(|s| s.1),
            palette::BLUE.stroke_width(2),
        ))
        .map_err(e)?
        .label(tr(lang, "Kaplan–Meier estimate"))
        .legend(|(x, y)| {
            PathElement::new(vec![(x, y), (x + 14, y)], palette::BLUE.stroke_width(2))
        });
    let median_label = match median {
        Some(d) => pick(
            lang,
            format!("median: {d} days"),
            format!("медиана: {d} дн."),
        ),
        None => tr(lang, "median: not reached"),
    };
    chart
        .draw_series(LineSeries::new(
            vec![(0.0, 0.5), (max_day, 0.5)],
            palette::GREY.stroke_width(1),
        ))
        .map_err(e)?
        .label(median_label)
        .legend(|(x, y)| {
            PathElement::new(vec![(x, y), (x + 14, y)], palette::GREY.stroke_width(1))
        });
    super::legend(&mut chart).map_err(e)?;
    Ok(())
}
