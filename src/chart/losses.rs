//! The losses chart: lost deals per stage (count, amount) on top, the most frequent
//! reasons below.

use plotters::coord::Shift;
use plotters::prelude::*;
use polars::prelude::DataFrame;

use super::read::{currency_label, floats, ints, strings};
use super::{Bars, FONT, bars, palette};
use super::{Chart, Kind};
use crate::i18n::{Lang, pick, tr};

impl Chart {
    /// Describe the losses and loss_reasons tables as a chart.
    pub fn losses(
        losses: &DataFrame,
        reasons: &DataFrame,
        period: &str,
        currency: &str,
        lang: Lang,
    ) -> crate::error::Result<Chart> {
        let amount = floats(losses, "lost_amount")?;
        let by_reason = crate::metrics::losses::top_reasons(reasons, 8)?;
        let reasons = strings(&by_reason, "reason")?
            .into_iter()
            .zip(ints(&by_reason, "lost")?)
            .collect();
        let kind = Kind::Losses(Losses {
            title: pick(
                lang,
                format!("Losses by stage, {period}"),
                format!("Потери по этапам, {period}"),
            ),
            stages: strings(losses, "stage")?,
            lost: ints(losses, "lost")?,
            amount,
            reasons,
            currency: currency_label(currency),
        });
        Ok(Chart { kind, lang })
    }
}

#[derive(Debug, Clone)]
pub struct Losses {
    pub title: String,
    pub stages: Vec<String>,
    pub lost: Vec<i64>,
    pub amount: Vec<Option<f64>>,
    pub reasons: Vec<(String, i64)>,
    pub currency: String,
}

pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    spec: &Losses,
    lang: Lang,
) -> Result<(), String> {
    let Losses {
        title,
        stages,
        lost,
        amount,
        reasons,
        currency,
    } = spec;
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let root = root.titled(title, (FONT, 24)).map_err(e)?;
    let (top, bottom) = root.split_vertically(root.dim_in_pixel().1 * 55 / 100);
    let (left, right) = top.split_horizontally(root.dim_in_pixel().0 / 2);
    let counts: Vec<f64> = lost.iter().map(|v| *v as f64).collect();
    bars(
        &left,
        &Bars {
            caption: &tr(lang, "Lost deals"),
            caption_size: 18,
            unit: &tr(lang, "deals"),
            labels: stages,
            values: &counts,
            texts: None,
            color: palette::RED,
            label_chars: 22,
            text_size: 14,
        },
    )
    .map_err(e)?;
    if amount.iter().all(Option::is_none) {
        // Say so rather than draw zeros: the export did not record what lost deals were worth.
        let area = right
            .titled(&tr(lang, "Lost amount"), (FONT, 18))
            .map_err(e)?;
        let (w, h) = area.dim_in_pixel();
        let note = tr(lang, "not recorded for lost deals in this export");
        let text = Text::new(note, (w as i32 / 8, h as i32 / 2), (FONT, 16).into_font());
        area.draw(&text).map_err(e)?;
    } else {
        let values: Vec<f64> = amount.iter().map(|v| v.unwrap_or(0.0)).collect();
        let unit = format!("{}, {currency}", tr(lang, "amount"));
        bars(
            &right,
            &Bars {
                caption: &tr(lang, "Lost amount"),
                caption_size: 18,
                unit: &unit,
                labels: stages,
                values: &values,
                texts: None,
                color: palette::ORANGE,
                label_chars: 22,
                text_size: 14,
            },
        )
        .map_err(e)?;
    }
    let (names, values): (Vec<String>, Vec<f64>) =
        reasons.iter().map(|(r, n)| (r.clone(), *n as f64)).unzip();
    bars(
        &bottom,
        &Bars {
            caption: &tr(lang, "Most frequent loss reasons (all stages)"),
            caption_size: 18,
            unit: &tr(lang, "lost deals"),
            labels: &names,
            values: &values,
            texts: None,
            color: palette::GREY,
            label_chars: 40,
            text_size: 14,
        },
    )
    .map_err(e)?;
    Ok(())
}
