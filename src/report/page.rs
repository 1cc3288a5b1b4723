//! The page: every section's blocks in order, with its charts and tables.

use polars::prelude::*;

use super::*;
use crate::error::{PolarsContext, Result};
use crate::i18n::{self, Lang, pick, tr};
use crate::metrics::headline::Leak;
use crate::validate::Report;
use html::{Block, Item, Page};

/// The win-back list with each missing client or owner name replaced by its id.
fn with_ids_for_names(r: &DataFrame) -> Result<DataFrame> {
    let mut exprs = Vec::new();
    for (name, id) in [("name", "client_id"), ("manager_name", "manager_id")] {
        if r.column(name).is_ok() && r.column(id).is_ok() {
            exprs.push(
                coalesce(&[
                    col(name).cast(DataType::String),
                    col(id).cast(DataType::String),
                ])
                .alias(name),
            );
        }
    }
    if exprs.is_empty() {
        return Ok(r.clone());
    }
    r.clone()
        .lazy()
        .with_columns(exprs)
        .collect()
        .ctx("win-back names")
}
/// Rejected rows grouped by table, column and reason: table, column, reason, rows.
pub fn rejected_by_reason(report: &Report) -> Result<DataFrame> {
    let mut groups: Vec<((String, String, String), i64)> = Vec::new();
    for p in report.rejections() {
        let key = (p.table.to_string(), p.column.clone(), p.reason.clone());
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => *n += 1,
            None => groups.push((key, 1)),
        }
    }
    groups.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    df!(
        "table" => groups.iter().map(|g| g.0.0.clone()).collect::<Vec<_>>(),
        "column" => groups.iter().map(|g| g.0.1.clone()).collect::<Vec<_>>(),
        "reason" => groups.iter().map(|g| g.0.2.clone()).collect::<Vec<_>>(),
        "rows" => groups.iter().map(|g| g.1).collect::<Vec<_>>(),
    )
    .ctx("rejections by reason")
}

/// Everything the page and summary.json are made of.
pub struct Inputs<'a> {
    pub loc: Locale,
    pub period_label: String,
    /// The last day the report covers.
    pub last_day: String,
    pub headline: &'a Headline,
    pub leaks: &'a [Leak],
    pub followup_days: f64,
    pub trends: &'a DataFrame,
    pub trends_svg: Option<String>,
    pub parts: &'a [Part],
    pub report: &'a Report,
    /// All notes of the run, each once.
    pub notes: Vec<String>,
    /// The buyers' mean lifetime value (minor units) and how many buyers have one.
    pub mean_clv: Option<(i128, usize)>,
}

impl Inputs<'_> {
    /// A computed section.
    pub fn part(&self, section: Section) -> Option<&Part> {
        self.parts.iter().find(|p| p.section == section)
    }
}

/// The share of clients still active `k` periods after their first purchase, pooled over
/// the cohorts followed that long (from the retention section's table).
pub fn retention_after(p: &Part, k: u32) -> Option<f64> {
    let t = p.table("retention")?;
    let (idx, clients, active) = (
        crate::metrics::floats(t, "period_index").ok()?,
        crate::metrics::floats(t, "clients").ok()?,
        crate::metrics::floats(t, "active").ok()?,
    );
    let (mut n, mut a) = (0.0, 0.0);
    for i in 0..t.height() {
        if idx[i] == Some(f64::from(k)) {
            n += clients[i].unwrap_or(0.0);
            a += active[i].unwrap_or(0.0);
        }
    }
    (n > 0.0).then(|| a / n)
}

/// Top rows shown on the page for long tables.
const TOP: usize = 15;

/// The report page.
pub fn page(inp: &Inputs) -> Result<Page> {
    let loc = &inp.loc;
    let lang = loc.lang;
    let t = |s: &str| tr(lang, s);
    let mut blocks = Vec::new();
    // Headline.
    let mut items = vec![Item::Cards(cards(inp.headline, loc))];
    items.push(Item::Notes(inp.headline.notes.clone()));
    blocks.push(Block {
        id: "headline",
        title: t("Headline figures"),
        items,
    });
    // The forecast: the projection, how far off such forecasts were, the backtest.
    if let Some(p) = inp.part(Section::Forecast) {
        let mut items = Vec::new();
        if let Some(e) = &p.error {
            items.push(Item::Missing(format!(
                "{}: {}",
                t("This section could not be built"),
                i18n::note(&e.to_string(), loc.lang)
            )));
        }
        // The backtest chart after the sentence, each other chart beside its table.
        let svg = |name: &str| p.svgs.iter().find(|(n, _)| *n == name).map(|(_, s)| s);
        let (backtest_svg, waterfall_svg, pacing_svg) = (
            svg("forecast_backtest_chart"),
            svg("pipeline_waterfall_chart"),
            svg("pacing_chart"),
        );
        if let Some(f) = p.table("forecast") {
            items.push(Item::Sentences(vec![super::sentences::forecast_sentence(
                f, loc,
            )?]));
            items.push(Item::Table(table(
                f,
                &t("Projection for the period and the next one"),
                columns::FORECAST,
                loc,
                None,
            )?));
        }
        // Each chart before its table.
        let rest: [(Option<&String>, &str, &str, &[Col]); 3] = [
            (
                backtest_svg,
                "forecast_backtest",
                "Backtest: the forecast made at the start of each month against what was won",
                columns::FORECAST_BACKTEST,
            ),
            (
                waterfall_svg,
                "pipeline_waterfall",
                "The period's pipeline: what came in and what went out",
                columns::WATERFALL,
            ),
            (
                pacing_svg,
                "pacing",
                "Plan pacing at the end of the period",
                columns::PACING,
            ),
        ];
        for (svg, name, caption, cols) in rest {
            if let Some(svg) = svg {
                items.push(Item::Svg(svg.clone()));
            }
            if let Some(f) = p.table(name) {
                items.push(Item::Table(table(f, &t(caption), cols, loc, None)?));
            }
        }
        blocks.push(Block {
            id: "forecast",
            title: t("Forecast and plan"),
            items,
        });
    }
    // Leaks and the funnel.
    let mut items = Vec::new();
    let mut sentences = vec![outcome_sentence(&inp.headline.current, loc)];
    sentences.extend(
        inp.leaks
            .iter()
            .map(|l| leak_sentence(l, inp.followup_days, loc)),
    );
    items.push(Item::Sentences(sentences));
    for section in [Section::Funnel, Section::Losses] {
        if let Some(p) = inp.part(section) {
            items.extend(p.svgs.iter().map(|(_, s)| Item::Svg(s.clone())));
        }
    }
    if let Some(p) = inp.part(Section::Funnel) {
        if let Some(f) = p.table("funnel") {
            items.push(Item::Table(table(
                f,
                &t("Sales funnel"),
                columns::FUNNEL,
                loc,
                None,
            )?));
        }
    }
    if let Some(p) = inp.part(Section::Losses) {
        if let Some(f) = p.table("loss_reasons") {
            items.push(Item::Table(table(
                f,
                &t("Loss reasons by stage"),
                columns::LOSS_REASONS,
                loc,
                Some(TOP),
            )?));
        }
        if let Some(f) = p.table("followup") {
            items.push(Item::Table(table(
                f,
                &t("Follow-up after the invoice"),
                columns::FOLLOWUP,
                loc,
                None,
            )?));
        }
    }
    let mut said: Vec<String> = Vec::new();
    for section in [Section::Funnel, Section::Losses] {
        if let Some(p) = inp.part(section) {
            if let Some(e) = &p.error {
                let e = i18n::note(&e.to_string(), loc.lang);
                // The funnel and the losses often fail for one reason: say it once.
                if !said.contains(&e) {
                    items.push(Item::Missing(format!(
                        "{}: {e}",
                        t("This section could not be built")
                    )));
                    said.push(e);
                }
            }
        }
    }
    blocks.push(Block {
        id: "funnel",
        title: t("Where the funnel leaks"),
        items,
    });
    // Trends.
    let mut items = Vec::new();
    if let Some(svg) = &inp.trends_svg {
        items.push(Item::Svg(svg.clone()));
    }
    items.push(Item::Table(table(
        inp.trends,
        &t("The last 12 months"),
        columns::TRENDS,
        loc,
        None,
    )?));
    blocks.push(Block {
        id: "trends",
        title: t("The last 12 months"),
        items,
    });
    // The figure sections.
    for section in [
        Section::Durations,
        Section::Managers,
        Section::Campaigns,
        Section::Reactivation,
        Section::Retention,
    ] {
        let Some(p) = inp.part(section) else {
            continue;
        };
        let mut items = Vec::new();
        if let Some(e) = &p.error {
            items.push(Item::Missing(format!(
                "{}: {}",
                t("This section could not be built"),
                i18n::note(&e.to_string(), loc.lang)
            )));
        }
        items.extend(p.svgs.iter().map(|(_, s)| Item::Svg(s.clone())));
        let add = |items: &mut Vec<Item>,
                   name: &str,
                   caption: &str,
                   cols: &[Col],
                   limit: Option<usize>|
         -> Result<()> {
            if let Some(f) = p.table(name) {
                items.push(Item::Table(table(f, &t(caption), cols, loc, limit)?));
            }
            Ok(())
        };
        match section {
            Section::Durations => {
                add(
                    &mut items,
                    "cycle",
                    "Cycle of deals closed in the period",
                    columns::CYCLE,
                    None,
                )?;
                add(
                    &mut items,
                    "stage_durations",
                    "Time in stage",
                    columns::STAGE_DURATIONS,
                    None,
                )?;
            }
            Section::Managers => {
                if let Some(m) = p.table("managers") {
                    let labelled = manager_labels(m, lang)?;
                    items.push(Item::Table(table(
                        &labelled,
                        &t("Managers"),
                        columns::MANAGERS,
                        loc,
                        None,
                    )?));
                }
                add(
                    &mut items,
                    "velocity",
                    "Sales velocity: what the open pipeline brings per day",
                    columns::VELOCITY,
                    None,
                )?;
                add(
                    &mut items,
                    "speed_to_lead",
                    "Speed to lead: how fast a new lead is answered",
                    columns::SPEED_TO_LEAD,
                    None,
                )?;
                add(
                    &mut items,
                    "speed_to_lead_win_rate",
                    "Win rate of the next deal by how fast the lead was answered",
                    columns::SPEED_TO_LEAD_WIN_RATE,
                    None,
                )?;
            }
            Section::Retention => {
                if let Some(share) = retention_after(p, 12) {
                    items.push(Item::Text(pick(
                        lang,
                        format!(
                            "Of the clients who first bought at least 12 months ago, {} were still buying in the 12th month or later.",
                            i18n::percent(share, lang)
                        ),
                        format!(
                            "Из клиентов, впервые купивших не меньше 12 месяцев назад, {} покупали и на 12-й месяц или позже.",
                            i18n::percent(share, lang)
                        ),
                    )));
                }
                add(
                    &mut items,
                    "retention_fit",
                    "The shifted-beta-geometric fit per cohort",
                    columns::RETENTION_FIT,
                    None,
                )?;
            }
            Section::Campaigns => add(
                &mut items,
                "campaigns",
                "Campaigns",
                columns::CAMPAIGNS,
                None,
            )?,
            _ => {
                if let Some(r) = p.table("reactivation") {
                    if r.height() == 0 {
                        items.push(Item::Text(t("No client is due for reactivation.")));
                    }
                    // Without names, the ids: a row that says who to call.
                    let named = with_ids_for_names(r)?;
                    items.push(Item::Table(table(
                        &named,
                        &t("Top candidates to win back"),
                        columns::REACTIVATION,
                        loc,
                        Some(TOP),
                    )?));
                }
                add(
                    &mut items,
                    "rfm_segments",
                    "Buyers by RFM segment",
                    columns::RFM_SEGMENTS,
                    None,
                )?;
            }
        }
        blocks.push(Block {
            id: section.key(),
            title: t(section.title()),
            items,
        });
    }
    // Data quality.
    let counts = inp.report.counts_frame()?;
    let reasons = rejected_by_reason(inp.report)?;
    let mut items = vec![Item::Text(inp.report.summary_line())];
    items.push(Item::Table(table(
        &counts,
        &t("Rows per table"),
        columns::COUNTS,
        loc,
        None,
    )?));
    if reasons.height() == 0 {
        items.push(Item::Text(t("No row was rejected.")));
    } else {
        items.push(Item::Table(table(
            &reasons,
            &t("Rejected rows by reason"),
            columns::REASONS,
            loc,
            None,
        )?));
        items.push(Item::Text(t(
            "Every rejected row, with its file and line, is in tables/rejects.",
        )));
    }
    blocks.push(Block {
        id: "quality",
        title: t("Data quality"),
        items,
    });
    if !inp.notes.is_empty() {
        blocks.push(Block {
            id: "notes",
            title: t("Notes"),
            items: vec![Item::Notes(
                inp.notes.iter().map(|n| i18n::note(n, lang)).collect(),
            )],
        });
    }
    let title = format!("{} — {}", t("Sales report"), inp.period_label);
    let subtitle = format!(
        "{} {} · {} {}",
        t("as of the end of"),
        inp.last_day,
        t("amounts in"),
        loc.symbol
    );
    Ok(Page {
        lang,
        title,
        subtitle,
        blocks,
    })
}

/// The managers table with a `label` column: the name (or id), marked when they left; the
/// company-average row translated.
fn manager_labels(m: &DataFrame, lang: Lang) -> Result<DataFrame> {
    let ids = crate::metrics::texts(m, "manager_id")?;
    let names = crate::metrics::texts(m, "name")?;
    let active = crate::metrics::texts(m, "active")?;
    let labels: Vec<String> = (0..m.height())
        .map(|i| {
            let id = ids[i].clone().unwrap_or_default();
            let name = names[i].clone().filter(|n| !n.is_empty()).unwrap_or(id);
            if ids[i].as_deref().is_some_and(|s| s.starts_with('(')) {
                tr(lang, &name)
            } else if active[i].as_deref() == Some("false") {
                format!("{name} {}", tr(lang, "(left)"))
            } else {
                name
            }
        })
        .collect();
    let mut out = m.clone();
    out.with_column(Column::new("label".into(), labels))
        .ctx("manager labels")?;
    Ok(out)
}
