//! The funnel chart: a horizontal bar per stage (first stage on top) with the number of
//! deals that reached it and the step conversion to the next stage.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{FONT, compact, grouped, palette, short};

pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    stages: &[String],
    reached: &[i64],
    step: &[Option<f64>],
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let n = stages.len().max(1);
    let max = reached.iter().copied().max().unwrap_or(0).max(1) as f64;
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT, 24))
        .margin(16)
        .x_label_area_size(50)
        .y_label_area_size(220)
        .build_cartesian_2d(0.0..max * 1.3, 0.0..n as f64)
        .map_err(e)?;
    let names: Vec<String> = stages.iter().map(|s| short(s, 30)).collect();
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .disable_y_mesh()
        .y_labels(n * 2 + 1)
        .y_label_formatter(&|y| {
            // Label the middle of each bar; bar i sits in [n-1-i, n-i).
            let pos = n as f64 - y - 0.5;
            let i = pos.round();
            if (pos - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < names.len() {
                names[i as usize].clone()
            } else {
                String::new()
            }
        })
        .x_label_formatter(&|x| compact(*x))
        .x_desc("deals that reached the stage")
        .label_style((FONT, 16))
        .axis_desc_style((FONT, 16))
        .draw()
        .map_err(e)?;
    for (i, &r) in reached.iter().enumerate() {
        let top = n as f64 - i as f64;
        let bar = Rectangle::new(
            [(0.0, top - 0.15), (r as f64, top - 0.85)],
            palette::BLUE.filled(),
        );
        chart.draw_series(std::iter::once(bar)).map_err(e)?;
        let conv = match step.get(i).copied().flatten() {
            Some(s) => format!("{}  → next {:.1}%", grouped(r as f64), s * 100.0),
            None => grouped(r as f64),
        };
        let label = Text::new(
            conv,
            (r as f64 + max * 0.01, top - 0.42),
            (FONT, 16).into_font().color(&BLACK),
        );
        chart.draw_series(std::iter::once(label)).map_err(e)?;
    }
    Ok(())
}
