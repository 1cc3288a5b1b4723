//! The headline figures: the cards with their changes and the headline table.

use polars::prelude::*;

use super::*;
use crate::error::{PolarsContext, Result};
use crate::i18n::{self, pick, tr};
use crate::metrics::headline::Figures;
use html::Card;

/// The won amount, unless every won deal lacks one (then it is not recorded, not 0: a
/// period with no win at all is a true 0).
pub(super) fn won_known(f: &Figures) -> Option<i128> {
    (f.deals_won == 0 || f.won_with_amount > 0).then_some(f.won_minor)
}

/// The headline figures: (key, English label, value getter as f64 for changes, text, higher is better).
pub(super) struct Measure {
    pub(super) key: &'static str,
    pub(super) label: &'static str,
    /// +1 higher is better, −1 lower is better, 0 neither.
    better: i8,
    pub(super) value: fn(&Figures) -> Option<f64>,
    text: fn(&Figures, &Locale) -> String,
    /// How a change is written: money, count, rate (percentage points) or days.
    pub(super) change: Change,
}

#[derive(Clone, Copy)]
pub(super) enum Change {
    Count,
    /// Money, with its exact value in minor units.
    Money(fn(&Figures) -> Option<i128>),
    Points,
    Days,
}

pub(super) const MEASURES: &[Measure] = &[
    Measure {
        key: "deals_created",
        label: "Deals created",
        better: 1,
        value: |f| Some(f.deals_created as f64),
        text: |f, l| l.int(f.deals_created),
        change: Change::Count,
    },
    Measure {
        key: "deals_won",
        label: "Deals won",
        better: 1,
        value: |f| Some(f.deals_won as f64),
        text: |f, l| l.int(f.deals_won),
        change: Change::Count,
    },
    Measure {
        key: "won_amount",
        label: "Won amount",
        better: 1,
        value: |f| won_known(f).map(|m| m as f64),
        text: |f, l| match won_known(f) {
            None => tr(l.lang, "not recorded"),
            Some(m) if f.won_with_amount < f.deals_won => format!(
                "{} ({})",
                l.money(m),
                pick(
                    l.lang,
                    format!(
                        "{} of {} deals",
                        l.int(f.won_with_amount),
                        l.int(f.deals_won)
                    ),
                    format!(
                        "{} из {} сделок",
                        l.int(f.won_with_amount),
                        l.int(f.deals_won)
                    ),
                )
            ),
            Some(m) => l.money(m),
        },
        change: Change::Money(|f| won_known(f).filter(|_| f.won_with_amount == f.deals_won)),
    },
    Measure {
        key: "win_rate",
        label: "Win rate",
        better: 1,
        value: |f| f.win_rate,
        text: |f, l| match f.win_rate {
            Some(r) => l.pct(r),
            None if f.no_losses_recorded => tr(l.lang, "no losses recorded"),
            None => tr(l.lang, "no closed deals"),
        },
        change: Change::Points,
    },
    Measure {
        key: "paid_amount",
        label: "Paid",
        better: 1,
        value: |f| f.paid_minor.map(|p| p as f64),
        text: |f, l| {
            f.paid_minor
                .map_or_else(|| tr(l.lang, "no payments table"), |p| l.money(p))
        },
        change: Change::Money(|f| f.paid_minor),
    },
    Measure {
        key: "open_at_end",
        label: "Open deals at the end",
        better: 0,
        value: |f| Some(f.open_at_end as f64),
        text: |f, l| l.int(f.open_at_end),
        change: Change::Count,
    },
    Measure {
        key: "median_cycle_days",
        label: "Median cycle of won deals, days",
        better: -1,
        value: |f| f.median_cycle_days,
        text: |f, l| {
            f.median_cycle_days.map_or_else(
                || tr(l.lang, "no deals won"),
                |d| i18n::number(d, 1, l.lang),
            )
        },
        change: Change::Days,
    },
];

/// "+12 (+4.3%)", "−1 234,00 ₽ (−2,1 %)", "+2.5 pp", "−3.0 days".
fn change_text(m: &Measure, now: &Figures, then: &Figures, loc: &Locale) -> Option<(String, i8)> {
    let (a, b) = ((m.value)(now)?, (m.value)(then)?);
    let d = a - b;
    let sign = |v: f64| if v > 0.0 { "+" } else { "" };
    let rel = || {
        (b != 0.0).then(|| {
            let r = d / b.abs();
            format!(" ({}{})", sign(r), loc.pct(r))
        })
    };
    let text = match m.change {
        Change::Count => format!(
            "{}{}{}",
            sign(d),
            i18n::number(d, 0, loc.lang),
            rel().unwrap_or_default()
        ),
        Change::Money(exact) => {
            let minor = exact(now)? - exact(then)?;
            format!(
                "{}{}{}",
                sign(d),
                loc.money(minor),
                rel().unwrap_or_default()
            )
        }
        Change::Points => format!(
            "{}{} {}",
            sign(d),
            i18n::number(d * 100.0, 1, loc.lang),
            pick(loc.lang, "pp", "п.п.")
        ),
        Change::Days => format!("{}{}", sign(d), i18n::number(d, 1, loc.lang)),
    };
    let tone = if d == 0.0 {
        0
    } else {
        m.better * d.signum() as i8
    };
    Some((text, tone))
}

/// The headline cards.
pub fn cards(h: &Headline, loc: &Locale) -> Vec<Card> {
    MEASURES
        .iter()
        .map(|m| {
            let mut lines = Vec::new();
            for (other, what) in [
                (&h.previous, "vs previous period"),
                (&h.year_earlier, "vs a year earlier"),
            ] {
                if let Some(o) = other {
                    let line = match change_text(m, &h.current, o, loc) {
                        Some((c, tone)) => (
                            format!(
                                "{c} {} ({}: {})",
                                tr(loc.lang, what),
                                o.period.label,
                                (m.text)(o, loc)
                            ),
                            tone,
                        ),
                        None => (
                            format!(
                                "{} ({}): {}",
                                tr(loc.lang, what),
                                o.period.label,
                                (m.text)(o, loc)
                            ),
                            0,
                        ),
                    };
                    lines.push(line);
                }
            }
            Card {
                label: tr(loc.lang, m.label),
                value: (m.text)(&h.current, loc),
                lines,
            }
        })
        .collect()
}

/// The headline as a table: one row per span (current, previous, year_earlier).
pub fn headline_frame(h: &Headline) -> Result<DataFrame> {
    let spans: Vec<(&str, &Figures)> = [
        ("current", Some(&h.current)),
        ("previous", h.previous.as_ref()),
        ("year_earlier", h.year_earlier.as_ref()),
    ]
    .into_iter()
    .filter_map(|(k, f)| f.map(|f| (k, f)))
    .collect();
    let money = |name: &str, get: &dyn Fn(&Figures) -> Option<i128>| {
        crate::money::column(
            name,
            spans
                .iter()
                .map(|(_, f)| get(f).and_then(|v| i64::try_from(v).ok())),
        )
    };
    DataFrame::new(
        spans.len(),
        vec![
            Column::new(
                "span".into(),
                spans.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
            ),
            Column::new(
                "period".into(),
                spans
                    .iter()
                    .map(|(_, f)| f.period.label.clone())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "deals_created".into(),
                spans
                    .iter()
                    .map(|(_, f)| f.deals_created)
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "deals_won".into(),
                spans.iter().map(|(_, f)| f.deals_won).collect::<Vec<_>>(),
            ),
            Column::new(
                "deals_lost".into(),
                spans.iter().map(|(_, f)| f.deals_lost).collect::<Vec<_>>(),
            ),
            money("won_amount", &|f| won_known(f)),
            Column::new(
                "win_rate".into(),
                spans.iter().map(|(_, f)| f.win_rate).collect::<Vec<_>>(),
            ),
            money("paid_amount", &|f| f.paid_minor),
            Column::new(
                "open_at_end".into(),
                spans.iter().map(|(_, f)| f.open_at_end).collect::<Vec<_>>(),
            ),
            Column::new(
                "median_cycle_days".into(),
                spans
                    .iter()
                    .map(|(_, f)| f.median_cycle_days)
                    .collect::<Vec<_>>(),
            ),
        ],
    )
    .ctx("headline table")
}
