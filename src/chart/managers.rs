//! Manager charts: the leaderboard (won amount and win rate side by side, best first) and
//! the deviation grid (each manager's KPIs coloured by how far they sit from the company
//! average: green better, red worse).

use plotters::coord::Shift;
use plotters::prelude::*;
use polars::prelude::DataFrame;

use super::read::{currency_label, floats, row_labels, strings};
use super::{Bars, FONT, bars, compact, grouped, palette, short};
use super::{Chart, Kind};
use crate::i18n::{Lang, percent, pick, tr};
use crate::metrics::managers::ManagerGroup;

impl Chart {
    /// The leaderboard from the managers table (its last row, the company average, gives
    /// the average win rate): best won amount first.
    pub fn leaderboard(
        managers: &DataFrame,
        group: ManagerGroup,
        period: &str,
        currency: &str,
        lang: Lang,
    ) -> crate::error::Result<Chart> {
        let n = managers.height().saturating_sub(1);
        let rows = managers.head(Some(n));
        let labels = row_labels(&rows, group, lang)?;
        let amount = floats(&rows, "won_amount")?;
        let rate = floats(&rows, "win_rate")?;
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|a, b| {
            let (x, y) = (amount[*a].unwrap_or(0.0), amount[*b].unwrap_or(0.0));
            y.total_cmp(&x).then(labels[*a].cmp(&labels[*b]))
        });
        order.truncate(super::MAX_ROWS);
        let avg = floats(managers, "win_rate")?.last().copied().flatten();
        let who = match group {
            ManagerGroup::Manager => "Managers",
            ManagerGroup::Team => "Teams",
        };
        let kind = Kind::Leaderboard(Board {
            title: super::capped_title(
                format!(
                    "{}, {period}: {}",
                    tr(lang, who),
                    tr(lang, "won amount and win rate")
                ),
                order.len(),
                n,
                lang,
                "with the largest won amount",
                "с наибольшей выигранной суммой",
            ),
            names: order.iter().map(|i| labels[*i].clone()).collect(),
            won_amount: order.iter().map(|i| amount[*i].unwrap_or(0.0)).collect(),
            win_rate: order.iter().map(|i| rate[*i]).collect(),
            avg_rate: avg,
            currency: currency_label(currency),
        });
        Ok(Chart { kind, lang })
    }

    /// The deviation grid from the managers table and the long deviations table.
    pub fn deviations(
        managers: &DataFrame,
        deviations: &DataFrame,
        group: ManagerGroup,
        period: &str,
        lang: Lang,
    ) -> crate::error::Result<Chart> {
        const SHOWN: &[(&str, bool)] = &[
            ("open_deals", false),
            ("clients_in_work", false),
            ("deals_created", false),
            ("deals_won", false),
            ("win_rate", false),
            ("won_amount", false),
            ("paid_amount", false),
            ("avg_won_amount", false),
            ("mean_cycle_days", true),
            ("contacts", false),
            ("followup_compliance", false),
            ("overdue_tasks", true),
            ("avg_discount_pct", true),
            ("plan_attainment", false),
        ];
        let n = managers.height().saturating_sub(1);
        let rows = managers.head(Some(n));
        let labels = row_labels(&rows, group, lang)?;
        let kpi_of = strings(deviations, "kpi")?;
        let value = floats(deviations, "value")?;
        let z = floats(deviations, "z_score")?;
        // Rows of the deviations table come KPI by KPI, managers in the managers' order.
        let mut kpis = Vec::new();
        let (mut vals, mut zs) = (vec![Vec::new(); n], vec![Vec::new(); n]);
        let mut lower = Vec::new();
        for (kpi, low) in SHOWN {
            let at: Vec<usize> = (0..kpi_of.len()).filter(|i| kpi_of[*i] == *kpi).collect();
            if at.len() != n || at.iter().all(|i| value[*i].is_none()) {
                continue;
            }
            kpis.push(kpi.to_string());
            lower.push(*low);
            for (r, i) in at.iter().enumerate() {
                vals[r].push(value[*i]);
                zs[r].push(z[*i]);
            }
        }
        // Past MAX_ROWS: the rows furthest from the average (mean |z| over their KPIs).
        let far: Vec<f64> = zs
            .iter()
            .map(|row| {
                let known: Vec<f64> = row.iter().flatten().map(|z| z.abs()).collect();
                known.iter().sum::<f64>() / known.len().max(1) as f64
            })
            .collect();
        let keep = super::top_rows(&far);
        let pick_rows = |v: &[Vec<Option<f64>>]| keep.iter().map(|i| v[*i].clone()).collect();
        let kind = Kind::Deviations(Grid {
            title: super::capped_title(
                format!("{}, {period}", tr(lang, "KPIs against the company average")),
                keep.len(),
                n,
                lang,
                "furthest from the average",
                "дальше всех от среднего",
            ),
            rows: keep.iter().map(|i| labels[*i].clone()).collect(),
            labels: kpis
                .iter()
                .map(|k| crate::i18n::kpi_label(k, lang))
                .collect(),
            kpis,
            values: pick_rows(&vals),
            z: pick_rows(&zs),
            lower_is_better: lower,
        });
        Ok(Chart { kind, lang })
    }
}

/// Leaderboard rows, already sorted best first.
#[derive(Debug, Clone)]
pub struct Board {
    pub title: String,
    pub names: Vec<String>,
    pub won_amount: Vec<f64>,
    pub win_rate: Vec<Option<f64>>,
    pub avg_rate: Option<f64>,
    pub currency: String,
}

pub fn leaderboard<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    b: &Board,
    lang: Lang,
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let root = root.titled(&b.title, (FONT, 24)).map_err(e)?;
    let (left, right) = root.split_horizontally(root.dim_in_pixel().0 * 58 / 100);
    let unit = format!("{}, {}", tr(lang, "won amount"), b.currency);
    bars(
        &left,
        &Bars {
            caption: &tr(lang, "Won amount"),
            caption_size: 18,
            unit: &unit,
            labels: &b.names,
            values: &b.won_amount,
            texts: Some(b.won_amount.iter().map(|v| grouped(*v)).collect()),
            color: palette::GREEN,
            label_chars: 24,
            text_size: 14,
        },
    )
    .map_err(e)?;
    let rates: Vec<f64> = b
        .win_rate
        .iter()
        .map(|r| r.unwrap_or(0.0) * 100.0)
        .collect();
    let texts = b
        .win_rate
        .iter()
        .map(|r| r.map_or(tr(lang, "no closed deals"), |r| percent(r, lang)))
        .collect();
    let caption = match b.avg_rate {
        Some(a) => pick(
            lang,
            format!("Win rate (company average {})", percent(a, lang)),
            format!(
                "Доля выигранных (в среднем по компании {})",
                percent(a, lang)
            ),
        ),
        None => tr(lang, "Win rate"),
    };
    bars(
        &right,
        &Bars {
            caption: &caption,
            caption_size: 18,
            unit: &tr(lang, "won / closed, %"),
            labels: &b.names,
            values: &rates,
            texts: Some(texts),
            color: palette::BLUE,
            label_chars: 24,
            text_size: 14,
        },
    )
    .map_err(e)
}

/// The deviation grid: rows are managers, columns KPIs.
#[derive(Debug, Clone)]
pub struct Grid {
    pub title: String,
    pub rows: Vec<String>,
    pub kpis: Vec<String>,
    /// The KPIs' names as the reader sees them.
    pub labels: Vec<String>,
    /// values[row][kpi]
    pub values: Vec<Vec<Option<f64>>>,
    pub z: Vec<Vec<Option<f64>>>,
    /// Per KPI: a lower value is better (cycle days, overdue tasks, discount).
    pub lower_is_better: Vec<bool>,
}

/// Width of the name column and height of the header, in pixels.
pub const NAME_W: i32 = 210;
pub const HEAD_H: i32 = 120;
pub const CELL_H: i32 = 30;

pub fn grid<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    g: &Grid,
    lang: Lang,
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let root = root.titled(&g.title, (FONT, 22)).map_err(e)?;
    let (w, _) = root.dim_in_pixel();
    let cols = g.kpis.len().max(1) as i32;
    let cell_w = ((w as i32 - NAME_W - 10) / cols).max(40);
    let note = tr(
        lang,
        "green: better than the company average, red: worse (by z-score); blank: no value",
    );
    root.draw(&Text::new(
        note,
        (10, 6),
        (FONT, 14).into_font().color(&palette::GREY),
    ))
    .map_err(e)?;
    for (j, k) in g.labels.iter().enumerate() {
        let x = NAME_W + j as i32 * cell_w + cell_w / 2;
        let style = (FONT, 13)
            .into_font()
            .transform(FontTransform::Rotate270)
            .color(&BLACK);
        root.draw(&Text::new(short(k, 20), (x - 7, HEAD_H - 6), style))
            .map_err(e)?;
    }
    for (i, name) in g.rows.iter().enumerate() {
        let y = HEAD_H + i as i32 * CELL_H;
        root.draw(&Text::new(
            short(name, 26),
            (8, y + 8),
            (FONT, 14).into_font().color(&BLACK),
        ))
        .map_err(e)?;
        for j in 0..g.kpis.len() {
            let x = NAME_W + j as i32 * cell_w;
            let z = g.z[i][j].map(|z| if g.lower_is_better[j] { -z } else { z });
            let fill = shade(z);
            root.draw(&Rectangle::new(
                [(x + 1, y + 1), (x + cell_w - 1, y + CELL_H - 1)],
                fill.filled(),
            ))
            .map_err(e)?;
            if let Some(v) = g.values[i][j] {
                let text = cell(&g.kpis[j], v);
                let tx = x + cell_w / 2 - (text.chars().count() as i32 * 7) / 2;
                root.draw(&Text::new(
                    text,
                    (tx, y + 8),
                    (FONT, 13).into_font().color(&BLACK),
                ))
                .map_err(e)?;
            }
        }
    }
    Ok(())
}

/// A KPI value as cell text: rates in percent, money and counts short.
fn cell(kpi: &str, v: f64) -> String {
    if kpi.contains("rate") || kpi.contains("compliance") || kpi.contains("attainment") {
        format!("{:.0}%", v * 100.0)
    } else if kpi.contains("days") || kpi.contains("pct") {
        format!("{v:.1}")
    } else {
        compact(v)
    }
}

/// Green for better, red for worse, stronger with |z| (capped at 2.5).
fn shade(z: Option<f64>) -> RGBColor {
    let Some(z) = z else {
        return RGBColor(245, 245, 245);
    };
    let t = (z.abs() / 2.5).min(1.0);
    let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * t) as u8;
    let (r, g, b) = if z >= 0.0 {
        (120, 190, 100)
    } else {
        (225, 90, 80)
    };
    RGBColor(mix(255, r), mix(255, g), mix(255, b))
}
