//! The cycle histogram: days from creation to close for won and lost deals, side by side
//! in each bin.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Chart, Kind};
use super::{FONT, palette};
use crate::i18n::{Lang, pick, tr};

/// Cycle lengths (days) of the won and the lost deals closed in the period.
#[derive(Debug, Clone)]
pub struct Cycle {
    pub title: String,
    pub won: Vec<f64>,
    pub lost: Vec<f64>,
}

impl Chart {
    /// The cycle histogram of deals closed in the period.
    pub fn cycle_histogram(won: &[f64], lost: &[f64], period: &str, lang: Lang) -> Chart {
        let kind = Kind::Cycle(Cycle {
            title: pick(
                lang,
                format!("Cycle of deals closed in {period}: won vs lost"),
                format!("Цикл сделок, закрытых в {period}: выигранные и проигранные"),
            ),
            won: won.to_vec(),
            lost: lost.to_vec(),
        });
        Chart { kind, lang }
    }
}

/// The histogram of cycle days, won and lost side by side.
/// Kept whole (it runs over 80 lines) because it is one drawing from top to bottom: the
/// plotters chart context borrows the area, and every series and label is drawn through it.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    c: &Cycle,
    lang: Lang,
) -> Result<(), String> {
    let Cycle { title, won, lost } = c;
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    // The range covers 98% of deals; the rare very long cycles go into the last bin.
    let mut all: Vec<f64> = won.iter().chain(lost).copied().collect();
    all.sort_by(f64::total_cmp);
    let max_day = all
        .get((all.len() * 98 / 100).min(all.len().saturating_sub(1)))
        .copied()
        .unwrap_or(0.0);
    let width = bin_width(max_day);
    let bins = ((max_day / width).floor() as usize + 1).max(1);
    let longest = all.last().copied().unwrap_or(0.0);
    let count = |values: &[f64]| {
        let mut c = vec![0u32; bins];
        for v in values {
            let b = ((v.max(0.0) / width).floor() as usize).min(bins - 1);
            c[b] += 1;
        }
        c
    };
    let (cw, cl) = (count(won), count(lost));
    let top = cw.iter().chain(&cl).copied().max().unwrap_or(0).max(1) as f64;
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT, 22))
        .margin(16)
        .x_label_area_size(50)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..bins as f64 * width, 0.0..top * 1.15)
        .map_err(e)?;
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .x_desc(if longest >= bins as f64 * width {
            pick(
                lang,
                format!("days from creation to close (bins of {width} days; the last bin also holds longer ones, up to {longest:.0})"),
                format!("дней от создания до закрытия (интервалы по {width} дн.; последний включает и более долгие, до {longest:.0})"),
            )
        } else {
            pick(
                lang,
                format!("days from creation to close (bins of {width} days)"),
                format!("дней от создания до закрытия (интервалы по {width} дн.)"),
            )
        })
        .y_desc(tr(lang, "deals"))
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .label_style((FONT, 15))
        .axis_desc_style((FONT, 16))
        .draw()
        .map_err(e)?;
    for (series, counts, color, offset) in [
        (tr(lang, "won"), &cw, palette::GREEN, 0.0),
        (tr(lang, "lost"), &cl, palette::RED, 0.5),
    ] {
        let rects = counts.iter().enumerate().map(move |(b, c)| {
            let x0 = b as f64 * width + offset * width;
            Rectangle::new(
                [(x0 + width * 0.05, 0.0), (x0 + width * 0.5, f64::from(*c))],
                color.filled(),
            )
        });
        let total: u32 = counts.iter().sum();
        chart
            .draw_series(rects)
            .map_err(e)?
            .label(format!(
                "{series} ({})",
                crate::i18n::deals(u64::from(total), lang)
            ))
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], color.filled()));
    }
    super::legend(&mut chart).map_err(e)?;
    Ok(())
}

/// A round bin width giving about 20 bins.
fn bin_width(max_day: f64) -> f64 {
    let raw = (max_day / 20.0).max(1.0);
    [
        1.0, 2.0, 5.0, 7.0, 10.0, 14.0, 15.0, 30.0, 60.0, 90.0, 180.0, 365.0,
    ]
    .into_iter()
    .find(|w| *w >= raw)
    .unwrap_or(365.0)
}
