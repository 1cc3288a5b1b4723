//! The losses chart: lost deals per stage (count, amount) on top, the most frequent
//! reasons below.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{FONT, compact, grouped, palette, short};

#[allow(clippy::too_many_arguments)]
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    stages: &[String],
    lost: &[i64],
    amount: &[Option<f64>],
    reasons: &[(String, i64)],
    currency: &str,
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let root = root.titled(title, (FONT, 24)).map_err(e)?;
    let (top, bottom) = root.split_vertically(root.dim_in_pixel().1 * 55 / 100);
    let (left, right) = top.split_horizontally(root.dim_in_pixel().0 / 2);
    let counts: Vec<f64> = lost.iter().map(|v| *v as f64).collect();
    bars(
        &left,
        "Lost deals",
        "deals",
        stages,
        &counts,
        palette::RED,
        22,
    )
    .map_err(e)?;
    if amount.iter().all(Option::is_none) {
        // Say so rather than draw zeros: the export did not record what lost deals were worth.
        let area = right.titled("Lost amount", (FONT, 18)).map_err(e)?;
        let (w, h) = area.dim_in_pixel();
        let note = "not recorded for lost deals in this export";
        let text = Text::new(note, (w as i32 / 8, h as i32 / 2), (FONT, 16).into_font());
        area.draw(&text).map_err(e)?;
    } else {
        let values: Vec<f64> = amount.iter().map(|v| v.unwrap_or(0.0)).collect();
        let unit = format!("amount, {currency}");
        bars(
            &right,
            "Lost amount",
            &unit,
            stages,
            &values,
            palette::ORANGE,
            22,
        )
        .map_err(e)?;
    }
    let (names, values): (Vec<String>, Vec<f64>) =
        reasons.iter().map(|(r, n)| (r.clone(), *n as f64)).unzip();
    bars(
        &bottom,
        "Most frequent loss reasons (all stages)",
        "lost deals",
        &names,
        &values,
        palette::GREY,
        40,
    )
    .map_err(e)?;
    Ok(())
}

/// Horizontal bars, first label on top, each bar labelled with its value.
fn bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    caption: &str,
    unit: &str,
    labels: &[String],
    values: &[f64],
    color: RGBColor,
    label_chars: usize,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let n = labels.len().max(1);
    let max = values.iter().copied().fold(0.0, f64::max).max(1.0);
    let names: Vec<String> = labels.iter().map(|s| short(s, label_chars)).collect();
    let mut chart = ChartBuilder::on(area)
        .caption(caption, (FONT, 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size((label_chars as u32) * 8 + 10)
        .build_cartesian_2d(0.0..max * 1.3, 0.0..n as f64)?;
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .disable_y_mesh()
        .y_labels(n * 2 + 1)
        .y_label_formatter(&|y| {
            let pos = n as f64 - y - 0.5;
            let i = pos.round();
            if (pos - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < names.len() {
                names[i as usize].clone()
            } else {
                String::new()
            }
        })
        .x_labels(5)
        .x_label_formatter(&|x| compact(*x))
        .x_desc(unit)
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 14))
        .draw()?;
    for (i, v) in values.iter().enumerate() {
        let top = n as f64 - i as f64;
        chart.draw_series(std::iter::once(Rectangle::new(
            [(0.0, top - 0.15), (*v, top - 0.85)],
            color.filled(),
        )))?;
        chart.draw_series(std::iter::once(Text::new(
            grouped(*v),
            (*v + max * 0.01, top - 0.42),
            (FONT, 14).into_font().color(&BLACK),
        )))?;
    }
    Ok(())
}
