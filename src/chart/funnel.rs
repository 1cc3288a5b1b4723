//! The funnel chart: a horizontal bar per stage (first stage on top) with the number of
//! deals that reached it and the step conversion to the next stage.

use plotters::coord::Shift;
use plotters::prelude::*;
use polars::prelude::DataFrame;

use super::read::{floats, ints, strings};
use super::{Bars, bars, grouped, palette};
use super::{Chart, Kind};
use crate::i18n::{Lang, percent, pick, tr};

/// A bar per stage: deals that reached it and the step conversion to the next.
#[derive(Debug, Clone)]
pub struct Funnel {
    pub title: String,
    pub stages: Vec<String>,
    pub reached: Vec<i64>,
    pub step: Vec<Option<f64>>,
}

impl Chart {
    /// Describe the funnel table (stage, reached, step_conversion) as a chart.
    pub fn funnel(frame: &DataFrame, period: &str, lang: Lang) -> crate::error::Result<Chart> {
        let kind = Kind::Funnel(Funnel {
            title: pick(
                lang,
                format!("Funnel, {period}: deals that reached each stage"),
                format!("Воронка, {period}: сделки, дошедшие до каждого этапа"),
            ),
            stages: strings(frame, "stage")?,
            reached: ints(frame, "reached")?,
            step: floats(frame, "step_conversion")?,
        });
        Ok(Chart { kind, lang })
    }
}

pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    f: &Funnel,
    lang: Lang,
) -> Result<(), String> {
    let Funnel {
        title,
        stages,
        reached,
        step,
    } = f;
    let values: Vec<f64> = reached.iter().map(|r| *r as f64).collect();
    let texts = reached
        .iter()
        .zip(step)
        .map(|(r, s)| match s {
            Some(s) => pick(
                lang,
                format!("{}  → next {}", grouped(*r as f64), percent(*s, lang)),
                format!("{}  → дальше {}", grouped(*r as f64), percent(*s, lang)),
            ),
            None => grouped(*r as f64),
        })
        .collect();
    let spec = Bars {
        caption: title,
        caption_size: 24,
        unit: &tr(lang, "deals that reached the stage"),
        labels: stages,
        values: &values,
        texts: Some(texts),
        color: palette::BLUE,
        label_chars: 30,
        text_size: 16,
    };
    bars(root, &spec).map_err(|e| e.to_string())
}
