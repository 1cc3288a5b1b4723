//! The retention heatmap: one row per cohort (first purchase in that month or quarter), one
//! column per period since, the share still active as the colour and the value in each cell.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::FONT;
use crate::i18n::{Lang, percent, tr};

/// What the heatmap shows.
#[derive(Debug, Clone)]
pub struct Heatmap {
    pub title: String,
    /// Row labels: the cohort and its size.
    pub cohorts: Vec<String>,
    /// Per cohort, the share still active in period 0, 1, … (up to as-of).
    pub shares: Vec<Vec<f64>>,
    /// "month" or "quarter".
    pub unit: String,
}

pub const LABEL_W: i32 = 170;
pub const HEAD_H: i32 = 90;
pub const CELL_W: i32 = 56;
pub const CELL_H: i32 = 26;

impl Heatmap {
    /// Periods shown: the longest row.
    pub fn periods(&self) -> usize {
        self.shares.iter().map(Vec::len).max().unwrap_or(0)
    }

    pub fn size(&self) -> (u32, u32) {
        let w = LABEL_W + 20 + CELL_W * self.periods() as i32;
        let h = HEAD_H + 50 + CELL_H * self.cohorts.len() as i32;
        (w.max(700) as u32, h.max(260) as u32)
    }
}

/// White to dark blue with the share.
fn shade(share: f64) -> RGBColor {
    let t = share.clamp(0.0, 1.0);
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
    RGBColor(mix(247, 8), mix(251, 48), mix(255, 107))
}

pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    h: &Heatmap,
    lang: Lang,
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let root = root.titled(&h.title, (FONT, 20)).map_err(e)?;
    let note = tr(
        lang,
        "share of the cohort's clients still active (a purchase in that period or later); darker is more",
    );
    root.draw(&Text::new(
        note,
        (10, 4),
        (FONT, 13).into_font().color(&super::palette::GREY),
    ))
    .map_err(e)?;
    let centre = Pos::new(HPos::Center, VPos::Center);
    root.draw(&Text::new(
        format!(
            "{} →",
            tr(
                lang,
                if h.unit == "quarter" {
                    "quarters since the first purchase"
                } else {
                    "months since the first purchase"
                }
            )
        ),
        (LABEL_W, HEAD_H - 48),
        (FONT, 14).into_font().color(&BLACK),
    ))
    .map_err(e)?;
    for k in 0..h.periods() {
        let x = LABEL_W + k as i32 * CELL_W + CELL_W / 2;
        root.draw(&Text::new(
            k.to_string(),
            (x, HEAD_H - 14),
            (FONT, 13).into_font().color(&BLACK).pos(centre),
        ))
        .map_err(e)?;
    }
    for (i, (label, row)) in h.cohorts.iter().zip(&h.shares).enumerate() {
        let y = HEAD_H + i as i32 * CELL_H;
        root.draw(&Text::new(
            label.clone(),
            (LABEL_W - 8, y + CELL_H / 2),
            (FONT, 13)
                .into_font()
                .color(&BLACK)
                .pos(Pos::new(HPos::Right, VPos::Center)),
        ))
        .map_err(e)?;
        for (k, share) in row.iter().enumerate() {
            let x = LABEL_W + k as i32 * CELL_W;
            root.draw(&Rectangle::new(
                [(x + 1, y + 1), (x + CELL_W - 1, y + CELL_H - 1)],
                shade(*share).filled(),
            ))
            .map_err(e)?;
            let ink = if *share > 0.55 { WHITE } else { BLACK };
            root.draw(&Text::new(
                percent(*share, lang),
                (x + CELL_W / 2, y + CELL_H / 2),
                (FONT, 11).into_font().color(&ink).pos(centre),
            ))
            .map_err(e)?;
        }
    }
    Ok(())
}
