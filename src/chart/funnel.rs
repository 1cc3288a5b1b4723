//! The funnel chart: a horizontal bar per stage (first stage on top) with the number of
//! deals that reached it and the step conversion to the next stage.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Bars, bars, grouped, palette};
use crate::i18n::{Lang, percent, pick, tr};

pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    stages: &[String],
    reached: &[i64],
    step: &[Option<f64>],
    lang: Lang,
) -> Result<(), String> {
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
