//! The monthly report for people: the headline figures with their changes, the funnel's
//! leaks in sentences, every section's charts and a curated view of its tables in the
//! reader's language, and the same facts as `summary.json` for machines. The command
//! (`cmd/report.rs`) computes the sections; this module only words and lays them out.

pub mod html;

use polars::prelude::*;
use serde_json::{Map, Value, json};

use crate::error::{PolarsContext, Result};
use crate::i18n::{self, Lang, pick, tr};
use crate::metrics::headline::{Figures, Leak};
use crate::output::NamedTable;
use crate::validate::Report;
use html::{Block, Card, Item, Page, Table};

/// A computed section, ready to be laid out.
pub struct Part {
    /// Anchor and key in summary.json (`funnel`, `managers`…).
    pub key: &'static str,
    /// The section's title in English (the key of its translation).
    pub title: &'static str,
    pub tables: Vec<NamedTable>,
    /// The charts' SVG markup.
    pub svgs: Vec<String>,
    /// Why the section could not be built.
    pub error: Option<String>,
}

impl Part {
    fn table(&self, name: &str) -> Option<&DataFrame> {
        self.tables
            .iter()
            .find(|t| t.name == name)
            .map(|t| &t.frame)
    }
}

/// The headline: the period's figures and those it is compared with.
pub struct Headline {
    pub current: Figures,
    pub previous: Option<Figures>,
    pub year_earlier: Option<Figures>,
    pub notes: Vec<String>,
}

/// Language and currency symbol of the report.
#[derive(Clone)]
pub struct Locale {
    pub lang: Lang,
    pub symbol: String,
}

impl Locale {
    fn money(&self, minor: i128) -> String {
        i18n::money(minor, &self.symbol, self.lang)
    }
    fn int(&self, v: i64) -> String {
        i18n::number(v as f64, 0, self.lang)
    }
    fn pct(&self, v: f64) -> String {
        i18n::percent(v, self.lang)
    }
}

/// How a column's cells are written.
#[derive(Clone, Copy)]
pub enum Fmt {
    Text,
    /// A word the report translates (verdicts, actions, outcomes, segments).
    Word,
    Int,
    Money,
    Percent,
    /// A number with one decimal.
    Num1,
    /// A count: whole, or with one decimal when it is a fraction (linear attribution).
    Count,
    /// A date (the day of a datetime).
    Date,
    /// Money summed over part of the rows it stands for: `(k of n deals)` follows the amount
    /// when the first column (rows with an amount) is below the second (all rows).
    MoneyOf(&'static str, &'static str),
}

/// A column shown on the page: its name in the table, its label (English key), format.
pub struct Col(pub &'static str, pub &'static str, pub Fmt);

/// The curated view of a table: the listed columns that exist, in the reader's language.
pub fn table(
    frame: &DataFrame,
    caption: &str,
    cols: &[Col],
    loc: &Locale,
    limit: Option<usize>,
) -> Result<Table> {
    let cols: Vec<&Col> = cols.iter().filter(|c| frame.column(c.0).is_ok()).collect();
    let n = limit.map_or(frame.height(), |l| l.min(frame.height()));
    let mut columns: Vec<Vec<String>> = Vec::new();
    for c in &cols {
        let column = frame.column(c.0).ctx(c.0)?;
        let cells: Vec<String> = match c.2 {
            Fmt::Money => crate::money::minor_units(column)?
                .into_iter()
                .take(n)
                .map(|v| v.map(|m| loc.money(m)).unwrap_or_default())
                .collect(),
            Fmt::MoneyOf(known, all) => {
                let counts = |name: &str| -> Result<Vec<Option<f64>>> {
                    match frame.column(name) {
                        Ok(_) => crate::metrics::floats(frame, name),
                        Err(_) => Ok(vec![None; frame.height()]),
                    }
                };
                let (known, all) = (counts(known)?, counts(all)?);
                crate::money::minor_units(column)?
                    .into_iter()
                    .take(n)
                    .enumerate()
                    .map(|(i, v)| match (v, known[i], all[i]) {
                        (None, ..) => String::new(),
                        (Some(m), Some(k), Some(a))
                            if k < a && k.fract() == 0.0 && a.fract() == 0.0 =>
                        {
                            format!(
                                "{} ({})",
                                loc.money(m),
                                pick(
                                    loc.lang,
                                    format!(
                                        "{} of {}",
                                        i18n::number(k, 0, loc.lang),
                                        i18n::number(a, 0, loc.lang)
                                    ),
                                    format!(
                                        "{} из {}",
                                        i18n::number(k, 0, loc.lang),
                                        i18n::number(a, 0, loc.lang)
                                    ),
                                )
                            )
                        }
                        (Some(m), ..) => loc.money(m),
                    })
                    .collect()
            }
            Fmt::Int | Fmt::Percent | Fmt::Num1 | Fmt::Count => crate::metrics::floats(frame, c.0)?
                .into_iter()
                .take(n)
                .map(|v| match (v, c.2) {
                    (None, _) => String::new(),
                    (Some(v), Fmt::Int) => i18n::number(v, 0, loc.lang),
                    (Some(v), Fmt::Percent) => loc.pct(v),
                    (Some(v), Fmt::Count) if v.fract() == 0.0 => i18n::number(v, 0, loc.lang),
                    (Some(v), _) => i18n::number(v, 1, loc.lang),
                })
                .collect(),
            Fmt::Text | Fmt::Word | Fmt::Date => (0..n)
                .map(|i| {
                    let v = column.get(i).unwrap_or(AnyValue::Null);
                    let text = crate::output::cell_text(&v).unwrap_or_default();
                    match c.2 {
                        Fmt::Word => tr(loc.lang, &text),
                        Fmt::Date => text.chars().take(10).collect(),
                        _ => text,
                    }
                })
                .collect(),
        };
        columns.push(cells);
    }
    let rows = (0..n)
        .map(|i| columns.iter().map(|c| c[i].clone()).collect())
        .collect();
    let footer = (n < frame.height()).then(|| {
        pick(
            loc.lang,
            format!(
                "First {} of {} rows; all of them are in tables/ and report.xlsx.",
                loc.int(n as i64),
                loc.int(frame.height() as i64)
            ),
            format!(
                "Первые {} из {} строк; все — в tables/ и report.xlsx.",
                loc.int(n as i64),
                loc.int(frame.height() as i64)
            ),
        )
    });
    Ok(Table {
        caption: caption.to_string(),
        head: cols.iter().map(|c| tr(loc.lang, c.1)).collect(),
        numeric: cols
            .iter()
            .map(|c| !matches!(c.2, Fmt::Text | Fmt::Word | Fmt::Date))
            .collect(),
        rows,
        footer,
    })
}

/// The columns each section shows (the files keep every column).
pub mod columns {
    use super::{Col, Fmt::*};

    pub const FUNNEL: &[Col] = &[
        Col("stage", "stage", Text),
        Col("reached", "reached", Int),
        Col("lost_here", "lost here", Int),
        Col("step_conversion", "step conversion", Percent),
        Col("cumulative_conversion", "from the first stage", Percent),
    ];
    pub const LOSS_REASONS: &[Col] = &[
        Col("stage", "stage", Text),
        Col("reason", "reason", Text),
        Col("lost", "lost deals", Int),
        Col("lost_amount", "lost amount", Money),
    ];
    pub const FOLLOWUP: &[Col] = &[
        Col("invoice_entries", "invoice entries", Int),
        Col("judged", "judged", Int),
        Col("breaches", "no contact in time", Int),
        Col("breach_rate", "share without contact", Percent),
        Col("window_days", "window, days", Num1),
    ];
    pub const TRENDS: &[Col] = &[
        Col("month", "month", Text),
        Col("deals_created", "Deals created", Int),
        Col("deals_won", "Deals won", Int),
        Col("won_amount", "Won amount", Money),
        Col("win_rate", "Win rate", Percent),
        Col("paid_amount", "Paid", Money),
    ];
    pub const CYCLE: &[Col] = &[
        Col("outcome", "outcome", Word),
        Col("deals", "deals", Int),
        Col("mean_days", "mean days", Num1),
        Col("median_days", "median days", Num1),
        Col("p90_days", "p90 days", Num1),
    ];
    pub const STAGE_DURATIONS: &[Col] = &[
        Col("stage", "stage", Text),
        Col("visits", "visits", Int),
        Col("median_days", "median days", Num1),
        Col("p90_days", "p90 days", Num1),
        Col("open_visits", "still there", Int),
    ];
    pub const MANAGERS: &[Col] = &[
        Col("label", "manager", Text),
        Col("deals_won", "won", Int),
        Col(
            "won_amount",
            "won amount",
            MoneyOf("won_with_amount", "deals_won"),
        ),
        Col("win_rate", "win rate", Percent),
        Col("open_deals", "open deals", Int),
        Col("clients_in_work", "clients in work", Int),
        Col("followup_compliance", "follow-up", Percent),
        Col("plan_attainment", "plan attainment", Percent),
        Col("top_loss_reason", "top loss reason", Text),
    ];
    pub const CAMPAIGNS: &[Col] = &[
        Col("name", "campaign", Word),
        Col("leads", "leads", Count),
        Col("deals", "deals", Count),
        Col("won", "won", Count),
        Col("conversion", "conversion", Percent),
        Col("conversion_ci_low", "95% interval from", Percent),
        Col("conversion_ci_high", "to", Percent),
        Col("verdict", "verdict", Word),
        Col("paid_amount", "paid", Money),
        Col("cost", "cost", Money),
        Col("romi", "ROMI", Percent),
    ];
    pub const REACTIVATION: &[Col] = &[
        Col("name", "client", Text),
        Col("manager_name", "owner", Text),
        Col("last_purchase_at", "last purchase", Date),
        Col("days_overdue", "days overdue", Int),
        Col("typical_amount", "typical amount", Money),
        Col("rfm_segment", "segment", Word),
        Col("p_alive", "P(alive)", Percent),
        Col("expected_value", "expected value", Money),
        Col("action", "action", Word),
    ];
    pub const RFM_SEGMENTS: &[Col] = &[
        Col("segment", "segment", Word),
        Col("clients", "clients", Int),
        Col("candidates", "to win back", Int),
        Col("revenue", "revenue", Money),
    ];
    pub const COUNTS: &[Col] = &[
        Col("table", "table", Text),
        Col("file", "file", Text),
        Col("read", "rows read", Int),
        Col("used", "used", Int),
        Col("rejected", "rejected", Int),
    ];
    pub const REASONS: &[Col] = &[
        Col("table", "table", Text),
        Col("column", "column", Text),
        Col("reason", "reason", Text),
        Col("rows", "rows", Int),
    ];
    /// Every curated column list, for the translation test.
    pub const ALL: &[&[Col]] = &[
        FUNNEL,
        LOSS_REASONS,
        FOLLOWUP,
        TRENDS,
        CYCLE,
        STAGE_DURATIONS,
        MANAGERS,
        CAMPAIGNS,
        REACTIVATION,
        RFM_SEGMENTS,
        COUNTS,
        REASONS,
    ];
}

/// The sentence for one leak: "The stage «Счёт» lost 31.0% of the deals that reached it
/// (37 of 120); 12 of them had no contact within 2 days."
pub fn leak_sentence(leak: &Leak, window_days: f64, loc: &Locale) -> String {
    let pct = loc.pct(leak.rate);
    let (lost, reached) = (loc.int(leak.lost), loc.int(leak.reached));
    let days = i18n::number(
        window_days,
        if window_days.fract() == 0.0 { 0 } else { 1 },
        loc.lang,
    );
    let mut s = pick(
        loc.lang,
        format!(
            "The stage «{}» lost {pct} of the deals that reached it ({lost} of {reached})",
            leak.stage
        ),
        format!(
            "Этап «{}» потерял {pct} дошедших до него сделок ({lost} из {reached})",
            leak.stage
        ),
    );
    if let Some(k) = leak.no_contact {
        s.push_str(&pick(
            loc.lang,
            format!("; {} of them had no contact within {days} days", loc.int(k)),
            format!(
                "; по {} из них не было контакта в течение {days} дн.",
                loc.int(k)
            ),
        ));
    }
    if !s.ends_with('.') {
        s.push('.');
    }
    s
}

/// The sentence on the period's outcome: won, lost and the win rate.
pub fn outcome_sentence(f: &Figures, loc: &Locale) -> String {
    let (won, lost) = (loc.int(f.deals_won), loc.int(f.deals_lost));
    if f.no_losses_recorded {
        let conv = f
            .cohort_conversion
            .map_or_else(|| "—".to_string(), |c| loc.pct(c));
        return pick(
            loc.lang,
            format!(
                "In {} {won} deals were won. The export records no lost deal at all, so no win rate is shown (it would be 100 %); of the deals created in {}, {conv} were won.",
                f.period.label, f.period.label
            ),
            format!(
                "В {} выиграно сделок: {won}. В выгрузке нет ни одной проигранной сделки, поэтому доля выигранных не показана (она была бы 100 %); из сделок, созданных в {}, выиграно {conv}.",
                f.period.label, f.period.label
            ),
        );
    }
    match f.win_rate {
        Some(r) => pick(
            loc.lang,
            format!(
                "In {} {won} deals were won and {lost} lost: {} of the deals closed were won.",
                f.period.label,
                loc.pct(r)
            ),
            format!(
                "В {} выиграно сделок: {won}, проиграно: {lost} — выиграна {} закрытых сделок.",
                f.period.label,
                loc.pct(r)
            ),
        ),
        None => pick(
            loc.lang,
            format!("No deal was closed in {}.", f.period.label),
            format!("В {} не закрыта ни одна сделка.", f.period.label),
        ),
    }
}

/// The won amount, unless every won deal lacks one (then it is not recorded, not 0: a
/// period with no win at all is a true 0).
fn won_known(f: &Figures) -> Option<i128> {
    (f.deals_won == 0 || f.won_with_amount > 0).then_some(f.won_minor)
}

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

/// The headline figures: (key, English label, value getter as f64 for changes, text, higher is better).
struct Measure {
    key: &'static str,
    label: &'static str,
    /// +1 higher is better, −1 lower is better, 0 neither.
    better: i8,
    value: fn(&Figures) -> Option<f64>,
    text: fn(&Figures, &Locale) -> String,
    /// How a change is written: money, count, rate (percentage points) or days.
    change: Change,
}

#[derive(Clone, Copy)]
enum Change {
    Count,
    /// Money, with its exact value in minor units.
    Money(fn(&Figures) -> Option<i128>),
    Points,
    Days,
}

const MEASURES: &[Measure] = &[
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
    // Leaks and the funnel.
    let mut items = Vec::new();
    let mut sentences = vec![outcome_sentence(&inp.headline.current, loc)];
    sentences.extend(
        inp.leaks
            .iter()
            .map(|l| leak_sentence(l, inp.followup_days, loc)),
    );
    items.push(Item::Sentences(sentences));
    for key in ["funnel", "losses"] {
        if let Some(p) = inp.parts.iter().find(|p| p.key == key) {
            items.extend(p.svgs.iter().cloned().map(Item::Svg));
        }
    }
    if let Some(p) = inp.parts.iter().find(|p| p.key == "funnel") {
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
    if let Some(p) = inp.parts.iter().find(|p| p.key == "losses") {
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
    for key in ["funnel", "losses"] {
        if let Some(p) = inp.parts.iter().find(|p| p.key == key) {
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
    for (key, id) in [
        ("durations", "durations"),
        ("managers", "managers"),
        ("campaigns", "campaigns"),
        ("reactivation", "reactivation"),
    ] {
        let Some(p) = inp.parts.iter().find(|p| p.key == key) else {
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
        items.extend(p.svgs.iter().cloned().map(Item::Svg));
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
        match key {
            "durations" => {
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
            "managers" => {
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
            }
            "campaigns" => add(
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
            id,
            title: t(p.title),
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

/// summary.json: the headline figures and their changes, the leaks, the trends, each
/// section's state and the data quality, in machine-readable form (see README).
pub fn summary(inp: &Inputs, head_frame: &DataFrame) -> Result<Value> {
    let rows = crate::output::json::rows(head_frame);
    let mut spans = Map::new();
    for r in rows {
        let key = r
            .get("span")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let mut r = r;
        if let Some(o) = r.as_object_mut() {
            o.shift_remove("span");
        }
        spans.insert(key, r);
    }
    let mut changes = Map::new();
    for (key, other) in [
        ("previous", &inp.headline.previous),
        ("year_earlier", &inp.headline.year_earlier),
    ] {
        if let Some(o) = other {
            let mut c = Map::new();
            for m in MEASURES {
                let v = match ((m.value)(&inp.headline.current), (m.value)(o)) {
                    (Some(a), Some(b)) => match m.change {
                        Change::Money(exact) => {
                            let minor = exact(&inp.headline.current)
                                .zip(exact(o))
                                .map(|(x, y)| x - y);
                            json!({"difference": minor.map(crate::output::json::exact), "relative": rel(a, b)})
                        }
                        Change::Points => json!({"difference": round(a - b, 4)}),
                        Change::Count => {
                            json!({"difference": (a - b) as i64, "relative": rel(a, b)})
                        }
                        Change::Days => {
                            json!({"difference": round(a - b, 1), "relative": rel(a, b)})
                        }
                    },
                    _ => Value::Null,
                };
                c.insert(m.key.to_string(), v);
            }
            changes.insert(key.to_string(), Value::Object(c));
        }
    }
    let leaks: Vec<Value> = inp
        .leaks
        .iter()
        .map(|l| {
            json!({
                "stage": l.stage,
                "reached": l.reached,
                "lost": l.lost,
                "loss_rate": round(l.rate, 4),
                "lost_without_contact": l.no_contact,
                "followup_days": l.no_contact.map(|_| inp.followup_days),
                "text": leak_sentence(l, inp.followup_days, &inp.loc),
            })
        })
        .collect();
    let sections: Map<String, Value> = inp
        .parts
        .iter()
        .map(|p| {
            let state = match &p.error {
                None => json!({"built": true}),
                Some(e) => json!({"built": false, "error": e}),
            };
            (p.key.to_string(), state)
        })
        .collect();
    let r = inp.report;
    Ok(json!({
        "period": inp.period_label,
        "last_day": inp.last_day,
        "lang": match inp.loc.lang { Lang::En => "en", Lang::Ru => "ru" },
        "currency": inp.loc.symbol,
        "headline": spans,
        "changes": changes,
        "outcome": outcome_sentence(&inp.headline.current, &inp.loc),
        "leaks": leaks,
        "trends": crate::output::json::rows(inp.trends),
        "sections": sections,
        "data_quality": {
            "rows_read": r.counts.iter().map(|c| c.read).sum::<usize>(),
            "rows_used": r.counts.iter().map(|c| c.used).sum::<usize>(),
            "rows_rejected": r.rejected(),
            "tables": crate::output::json::rows(&r.counts_frame()?),
            "rejected_by_reason": crate::output::json::rows(&rejected_by_reason(r)?),
        },
        "notes": inp.notes.iter().map(|n| i18n::note(n, inp.loc.lang)).collect::<Vec<_>>(),
    }))
}

fn rel(a: f64, b: f64) -> Value {
    if b == 0.0 {
        Value::Null
    } else {
        json!(round((a - b) / b.abs(), 4))
    }
}

fn round(v: f64, places: i32) -> f64 {
    crate::metrics::round_to(v, places)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::has_ru;
    use crate::period::Period;

    fn month(label: &str) -> Period {
        Period::resolve(Some(label), None, None, None, None).unwrap()
    }

    fn figures(label: &str, won: i64, won_minor: i128, rate: Option<f64>) -> Figures {
        Figures {
            period: month(label),
            deals_created: 10,
            deals_won: won,
            deals_lost: 2,
            won_minor,
            won_with_amount: won,
            win_rate: rate,
            no_losses_recorded: false,
            cohort_conversion: None,
            paid_minor: None,
            open_at_end: 4,
            median_cycle_days: Some(12.5),
        }
    }

    #[test]
    fn every_text_of_the_page_has_its_russian() {
        let mut missing: Vec<&str> = Vec::new();
        for cols in columns::ALL {
            missing.extend(cols.iter().map(|c| c.1).filter(|l| !has_ru(l)));
        }
        missing.extend(MEASURES.iter().map(|m| m.label).filter(|l| !has_ru(l)));
        for text in [
            "Headline figures",
            "Where the funnel leaks",
            "The last 12 months",
            "Funnel",
            "Durations",
            "Managers",
            "Campaigns",
            "Whom to win back",
            "Data quality",
            "Notes",
            "Sales report",
            "as of the end of",
            "amounts in",
            "vs previous period",
            "vs a year earlier",
            "Sales funnel",
            "Loss reasons by stage",
            "Follow-up after the invoice",
            "Cycle of deals closed in the period",
            "Time in stage",
            "Top candidates to win back",
            "Buyers by RFM segment",
            "Rows per table",
            "Rejected rows by reason",
            "No row was rejected.",
            "No client is due for reactivation.",
            "This section could not be built",
            "no payments table",
            "no deals won",
            "no closed deals",
            "better than the rest",
            "worse than the rest",
            "no real difference",
            "too few deals to tell",
            "call",
            "reassign: the owner has left",
        ] {
            if !has_ru(text) {
                missing.push(text);
            }
        }
        for segment in crate::metrics::reactivation::SEGMENTS {
            if !has_ru(segment) {
                missing.push(segment);
            }
        }
        assert!(missing.is_empty(), "no Russian for {missing:?}");
    }

    #[test]
    fn leak_sentences_in_both_languages() {
        let leak = Leak {
            stage: "Счёт".into(),
            reached: 120,
            lost: 37,
            rate: 37.0 / 120.0,
            no_contact: Some(12),
        };
        let en = Locale {
            lang: Lang::En,
            symbol: "₽".into(),
        };
        let ru = Locale {
            lang: Lang::Ru,
            symbol: "₽".into(),
        };
        assert_eq!(
            leak_sentence(&leak, 2.0, &en),
            "The stage «Счёт» lost 30.8% of the deals that reached it (37 of 120); \
             12 of them had no contact within 2 days."
        );
        assert_eq!(
            leak_sentence(&leak, 1.5, &ru),
            "Этап «Счёт» потерял 30,8\u{a0}% дошедших до него сделок (37 из 120); \
             по 12 из них не было контакта в течение 1,5 дн."
        );
        let plain = Leak {
            no_contact: None,
            ..leak
        };
        assert_eq!(
            leak_sentence(&plain, 2.0, &en),
            "The stage «Счёт» lost 30.8% of the deals that reached it (37 of 120)."
        );
    }

    #[test]
    fn cards_say_the_change_and_whether_it_is_good() {
        let loc = Locale {
            lang: Lang::En,
            symbol: "₽".into(),
        };
        let h = Headline {
            current: figures("2024-03", 6, 150_050, Some(0.6)),
            previous: Some(figures("2024-02", 4, 200_000, Some(0.5))),
            year_earlier: None,
            notes: Vec::new(),
        };
        let cards = cards(&h, &loc);
        let won = cards.iter().find(|c| c.label == "Deals won").unwrap();
        assert_eq!(won.value, "6");
        // 6 against 4: +2, +50 %, better.
        assert_eq!(
            won.lines,
            vec![("+2 (+50.0%) vs previous period (2024-02: 4)".to_string(), 1)]
        );
        let amount = cards.iter().find(|c| c.label == "Won amount").unwrap();
        assert_eq!(amount.value, "1,500.50\u{a0}₽");
        // 1 500.50 − 2 000.00 = −499.50, −24.975 % → −25.0 %, worse.
        assert_eq!(
            amount.lines[0],
            (
                "−499.50\u{a0}₽ (−25.0%) vs previous period (2024-02: 2,000.00\u{a0}₽)".to_string(),
                -1
            )
        );
        let rate = cards.iter().find(|c| c.label == "Win rate").unwrap();
        assert_eq!(
            rate.lines[0].0,
            "+10.0 pp vs previous period (2024-02: 50.0%)"
        );
        let open = cards
            .iter()
            .find(|c| c.label == "Open deals at the end")
            .unwrap();
        assert_eq!(
            open.lines[0].1, 0,
            "no change, and open deals are neither good nor bad"
        );
        let paid = cards.iter().find(|c| c.label == "Paid").unwrap();
        assert_eq!(paid.value, "no payments table");
    }
}
