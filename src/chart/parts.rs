//! What several chart families draw with: horizontal bars, the legend, number labels and
//! the colours.

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::FONT;

/// The series legend every chart with more than one series uses (upper right).
pub fn legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font((FONT, 16))
        .position(SeriesLabelPosition::UpperRight)
        .draw()
}

/// Thousands with thin spaces: 12345 → "12 345".
pub fn grouped(n: f64) -> String {
    let s = format!("{:.0}", n.abs());
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    if n < 0.0 { format!("-{out}") } else { out }
}

/// Axis ticks in short form: 1 500 000 → "1.5M", 20 000 → "20k".
pub fn compact(n: f64) -> String {
    let a = n.abs();
    let (v, unit) = if a >= 1e9 {
        (n / 1e9, "G")
    } else if a >= 1e6 {
        (n / 1e6, "M")
    } else if a >= 1e4 {
        (n / 1e3, "k")
    } else {
        (n, "")
    };
    let text = format!("{v:.1}");
    format!("{}{unit}", text.trim_end_matches(".0"))
}

/// Shorten a label to `max` characters with an ellipsis.
pub fn short(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_string()
    } else {
        let s: String = label.chars().take(max - 1).collect();
        format!("{s}…")
    }
}

/// The label of a tick on a chart whose rows are drawn top to bottom, row i in
/// [n-1-i, n-i): a row's name at its middle, nothing elsewhere.
pub fn row_label(names: &[String], y: f64) -> String {
    let pos = names.len() as f64 - y - 0.5;
    let i = pos.round();
    if (pos - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < names.len() {
        names[i as usize].clone()
    } else {
        String::new()
    }
}

/// Colours shared by the charts.
pub mod palette {
    use plotters::style::RGBColor;
    pub const BLUE: RGBColor = RGBColor(52, 101, 164);
    pub const GREEN: RGBColor = RGBColor(78, 154, 6);
    pub const RED: RGBColor = RGBColor(204, 0, 0);
    pub const ORANGE: RGBColor = RGBColor(245, 121, 0);
    pub const GREY: RGBColor = RGBColor(120, 120, 120);
}

/// A horizontal bar chart: one bar per label, first label on top, each bar with a text.
pub struct Bars<'a> {
    pub caption: &'a str,
    pub caption_size: u32,
    /// Axis description, with its unit.
    pub unit: &'a str,
    pub labels: &'a [String],
    pub values: &'a [f64],
    /// The text beside each bar (default: the value with thousands grouped).
    pub texts: Option<Vec<String>>,
    pub color: RGBColor,
    /// Labels longer than this are cut with an ellipsis.
    pub label_chars: usize,
    pub text_size: u32,
}

/// Draw [`Bars`] into an area.
pub fn bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    b: &Bars,
) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let n = b.labels.len().max(1);
    let max = b.values.iter().copied().fold(0.0, f64::max).max(1.0);
    let names: Vec<String> = b.labels.iter().map(|s| short(s, b.label_chars)).collect();
    let mut chart = ChartBuilder::on(area)
        .caption(b.caption, (FONT, b.caption_size))
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size((b.label_chars as u32) * (b.text_size / 2 + 1) + 10)
        .build_cartesian_2d(0.0..max * 1.3, 0.0..n as f64)?;
    chart
        .configure_mesh()
        .light_line_style(WHITE)
        .disable_y_mesh()
        .y_labels(n * 2 + 1)
        .y_label_formatter(&|y| row_label(&names, *y))
        .x_labels(6)
        .x_label_formatter(&|x| compact(*x))
        .x_desc(b.unit)
        .label_style((FONT, b.text_size))
        .axis_desc_style((FONT, b.text_size))
        .draw()?;
    for (i, v) in b.values.iter().enumerate() {
        let top = n as f64 - i as f64;
        let bar = Rectangle::new([(0.0, top - 0.15), (*v, top - 0.85)], b.color.filled());
        chart.draw_series(std::iter::once(bar))?;
        let text = b
            .texts
            .as_ref()
            .and_then(|t| t.get(i).cloned())
            .unwrap_or_else(|| grouped(*v));
        let style = (FONT, b.text_size).into_font().color(&BLACK);
        chart.draw_series(std::iter::once(Text::new(
            text,
            (*v + max * 0.01, top - 0.42),
            style,
        )))?;
    }
    Ok(())
}
