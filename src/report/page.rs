//! The page: every section's blocks in order, with its charts and tables.

use crate::i18n::Note;
use crate::schema::names::{CLIENT_ID, MANAGER_ID};
use polars::prelude::*;

use super::*;
use crate::error::{PolarsContext, Result};
use crate::i18n::{self, Lang, pick, tr};
use crate::metrics::headline::Leak;
use crate::validate::Report;
use html::{Block, Item, Page};
use quality::quality_block;

/// The win-back list with each missing client or owner name replaced by its id.
fn with_ids_for_names(r: &DataFrame) -> Result<DataFrame> {
    let mut exprs = Vec::new();
    for (name, id) in [("name", CLIENT_ID), ("manager_name", MANAGER_ID)] {
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
    pub notes: Vec<Note>,
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

/// The report page: the headline, the forecast, the funnel's leaks, the trends, each figure
/// section, data quality and the notes, in that order.
pub fn page(inp: &Inputs) -> Result<Page> {
    let loc = &inp.loc;
    let t = |s: &str| tr(loc.lang, s);
    let mut blocks = vec![headline_block(inp)];
    if let Some(p) = inp.part(Section::Forecast) {
        blocks.push(forecast_block(p, loc)?);
    }
    blocks.push(funnel_block(inp)?);
    blocks.push(trends_block(inp)?);
    for section in [
        Section::Durations,
        Section::Managers,
        Section::Campaigns,
        Section::Reactivation,
        Section::Retention,
    ] {
        if let Some(p) = inp.part(section) {
            blocks.push(section_block(section, p, loc)?);
        }
    }
    blocks.push(quality_block(inp)?);
    if !inp.notes.is_empty() {
        blocks.push(Block {
            id: "notes",
            title: t("Notes"),
            items: vec![Item::Notes(
                inp.notes
                    .iter()
                    .map(|n| n.text(loc.lang).to_string())
                    .collect(),
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
        lang: loc.lang,
        title,
        subtitle,
        blocks,
    })
}

/// "This section could not be built: <why>".
fn missing(e: &str, loc: &Locale) -> Item {
    Item::Missing(format!(
        "{}: {}",
        tr(loc.lang, "This section could not be built"),
        e
    ))
}

/// A part's table under its caption, when the part has it.
fn table_item(
    p: &Part,
    name: &str,
    caption: &str,
    cols: &[Col],
    loc: &Locale,
    limit: Option<usize>,
) -> Result<Option<Item>> {
    p.table(name)
        .map(|f| {
            Ok(Item::Table(table(
                f,
                &tr(loc.lang, caption),
                cols,
                loc,
                limit,
            )?))
        })
        .transpose()
}

fn headline_block(inp: &Inputs) -> Block {
    Block {
        id: "headline",
        title: tr(inp.loc.lang, "Headline figures"),
        items: vec![
            Item::Cards(cards(inp.headline, &inp.loc)),
            Item::Notes(
                inp.headline
                    .notes
                    .iter()
                    .map(|n| n.text(inp.loc.lang).to_string())
                    .collect(),
            ),
        ],
    }
}

/// The projection in one sentence with how far off such forecasts were, its table, then
/// each chart before its table: the backtest, the waterfall, pacing.
fn forecast_block(p: &Part, loc: &Locale) -> Result<Block> {
    let mut items: Vec<Item> = p.error.iter().map(|e| missing(e, loc)).collect();
    if let Some(f) = p.table("forecast") {
        items.push(Item::Sentences(vec![super::sentences::forecast_sentence(
            f, loc,
        )?]));
    }
    items.extend(table_item(
        p,
        "forecast",
        "Projection for the period and the next one",
        columns::FORECAST,
        loc,
        None,
    )?);
    let rest: [(&str, &str, &str, &[Col]); 3] = [
        (
            "forecast_backtest_chart",
            "forecast_backtest",
            "Backtest: the forecast made at the start of each month against what was won",
            columns::FORECAST_BACKTEST,
        ),
        (
            "pipeline_waterfall_chart",
            "pipeline_waterfall",
            "The period's pipeline: what came in and what went out",
            columns::WATERFALL,
        ),
        (
            "pacing_chart",
            "pacing",
            "Plan pacing at the end of the period",
            columns::PACING,
        ),
    ];
    for (chart, name, caption, cols) in rest {
        if let Some((_, svg)) = p.svgs.iter().find(|(n, _)| *n == chart) {
            items.push(Item::Svg(svg.clone()));
        }
        items.extend(table_item(p, name, caption, cols, loc, None)?);
    }
    Ok(Block {
        id: "forecast",
        title: tr(loc.lang, "Forecast and plan"),
        items,
    })
}

/// Where the funnel leaks: the outcome and leak sentences, the funnel's and the losses'
/// charts, then their tables.
fn funnel_block(inp: &Inputs) -> Result<Block> {
    let loc = &inp.loc;
    let mut sentences = vec![outcome_sentence(&inp.headline.current, loc)];
    sentences.extend(
        inp.leaks
            .iter()
            .map(|l| leak_sentence(l, inp.followup_days, loc)),
    );
    let mut items = vec![Item::Sentences(sentences)];
    let parts: Vec<&Part> = [Section::Funnel, Section::Losses]
        .into_iter()
        .filter_map(|s| inp.part(s))
        .collect();
    for p in &parts {
        items.extend(p.svgs.iter().map(|(_, s)| Item::Svg(s.clone())));
    }
    if let Some(p) = inp.part(Section::Funnel) {
        items.extend(table_item(
            p,
            "funnel",
            "Sales funnel",
            columns::FUNNEL,
            loc,
            None,
        )?);
    }
    if let Some(p) = inp.part(Section::Losses) {
        items.extend(table_item(
            p,
            "loss_reasons",
            "Loss reasons by stage",
            columns::LOSS_REASONS,
            loc,
            Some(TOP),
        )?);
        items.extend(table_item(
            p,
            "followup",
            "Follow-up after the invoice",
            columns::FOLLOWUP,
            loc,
            None,
        )?);
    }
    // The funnel and the losses often fail for one reason: say it once.
    let mut said: Vec<String> = Vec::new();
    for e in parts.iter().filter_map(|p| p.error.as_ref()) {
        if let Item::Missing(text) = missing(e, loc) {
            if !said.contains(&text) {
                items.push(Item::Missing(text.clone()));
                said.push(text);
            }
        }
    }
    Ok(Block {
        id: "funnel",
        title: tr(loc.lang, "Where the funnel leaks"),
        items,
    })
}

fn trends_block(inp: &Inputs) -> Result<Block> {
    let t = |s: &str| tr(inp.loc.lang, s);
    let mut items: Vec<Item> = inp
        .trends_svg
        .iter()
        .map(|s| Item::Svg(s.clone()))
        .collect();
    items.push(Item::Table(table(
        inp.trends,
        &t("The last 12 months"),
        columns::TRENDS,
        &inp.loc,
        None,
    )?));
    Ok(Block {
        id: "trends",
        title: t("The last 12 months"),
        items,
    })
}

/// A table a figure section shows: (table, caption, columns, row limit).
type Shown = (&'static str, &'static str, &'static [Col], Option<usize>);

/// The tables a figure section shows after its charts and its own lead items, in order.
fn shown(section: Section) -> &'static [Shown] {
    match section {
        Section::Durations => &[
            (
                "cycle",
                "Cycle of deals closed in the period",
                columns::CYCLE,
                None,
            ),
            (
                "stage_durations",
                "Time in stage",
                columns::STAGE_DURATIONS,
                None,
            ),
        ],
        Section::Managers => &[
            (
                "velocity",
                "Sales velocity: what the open pipeline brings per day",
                columns::VELOCITY,
                None,
            ),
            (
                "speed_to_lead",
                "Speed to lead: how fast a new lead is answered",
                columns::SPEED_TO_LEAD,
                None,
            ),
            (
                "speed_to_lead_win_rate",
                "Win rate of the next deal by how fast the lead was answered",
                columns::SPEED_TO_LEAD_WIN_RATE,
                None,
            ),
        ],
        Section::Retention => &[(
            "retention_fit",
            "The shifted-beta-geometric fit per cohort",
            columns::RETENTION_FIT,
            None,
        )],
        Section::Campaigns => &[("campaigns", "Campaigns", columns::CAMPAIGNS, None)],
        Section::Reactivation => &[(
            "rfm_segments",
            "Buyers by RFM segment",
            columns::RFM_SEGMENTS,
            None,
        )],
        _ => &[],
    }
}

/// What a figure section shows before its [`shown`] tables: the managers with their labels,
/// the retention sentence, the win-back list.
fn lead_items(section: Section, p: &Part, loc: &Locale) -> Result<Vec<Item>> {
    let lang = loc.lang;
    let mut items = Vec::new();
    match section {
        Section::Managers => {
            if let Some(m) = p.table("managers") {
                let labelled = manager_labels(m, lang)?;
                items.push(Item::Table(table(
                    &labelled,
                    &tr(lang, "Managers"),
                    columns::MANAGERS,
                    loc,
                    None,
                )?));
            }
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
        }
        Section::Reactivation => {
            if let Some(r) = p.table("reactivation") {
                if r.height() == 0 {
                    items.push(Item::Text(tr(lang, "No client is due for reactivation.")));
                }
                // Without names, the ids: a row that says who to call.
                let named = with_ids_for_names(r)?;
                items.push(Item::Table(table(
                    &named,
                    &tr(lang, "Top candidates to win back"),
                    columns::REACTIVATION,
                    loc,
                    Some(TOP),
                )?));
            }
        }
        _ => {}
    }
    Ok(items)
}

/// A figure section: why it could not be built, its charts, its lead items and its tables.
fn section_block(section: Section, p: &Part, loc: &Locale) -> Result<Block> {
    let mut items: Vec<Item> = p.error.iter().map(|e| missing(e, loc)).collect();
    items.extend(p.svgs.iter().map(|(_, s)| Item::Svg(s.clone())));
    items.extend(lead_items(section, p, loc)?);
    for (name, caption, cols, limit) in shown(section) {
        items.extend(table_item(p, name, caption, cols, loc, *limit)?);
    }
    Ok(Block {
        id: section.key(),
        title: tr(loc.lang, section.title()),
        items,
    })
}

/// The managers table with a `label` column: the name (or id), marked when they left; the
/// company-average row translated.
fn manager_labels(m: &DataFrame, lang: Lang) -> Result<DataFrame> {
    let ids = crate::metrics::texts(m, MANAGER_ID)?;
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
