//! The figures of `crmstat retention`: the tables, charts and notes the command writes and
//! the report reuses (see [`super`]).

use crate::chart::{Chart, Kind, retention::Heatmap};
use crate::config::Config;
use crate::error::Result;
use crate::i18n::Note;
use crate::i18n::tr;
use crate::metrics::retention::{self, Grain};
use crate::metrics::snapshot::Snapshot;
use crate::output::NamedTable;
use crate::validate::Loaded;

/// Cohorts drawn in the heatmap: the latest ones (the table has every cohort).
const DRAWN: usize = 24;

/// The retention tables and heatmap for a snapshot.
pub fn results(
    snap: &Snapshot,
    loaded: &Loaded,
    config: &Config,
    grain: Grain,
) -> Result<super::Results> {
    let lang = config.lang;
    let r = retention::retention(&loaded.tables, snap, grain, config.reactivation.purchases)?;
    let mut notes = vec![method_note(grain)];
    notes.extend(r.notes);
    let drawn: Vec<&retention::Cohort> = r.cohorts.iter().rev().take(DRAWN).rev().collect();
    if r.cohorts.len() > DRAWN {
        let all = r.cohorts.len();
        notes.push(Note::new(
            format!(
                "the heatmap shows the latest {DRAWN} of {all} cohorts; the table has every one"
            ),
            format!("на тепловой карте последние {DRAWN} из {all} когорт; в таблице — все"),
        ));
    }
    let heatmap = heatmap(&drawn, grain, &snap.period.label, lang);
    let charts = if heatmap.is_empty() {
        Vec::new()
    } else {
        vec![heatmap]
    };
    Ok(super::Results {
        book: "retention",
        heading: super::heading("Cohort retention", &snap.period, ""),
        tables: vec![
            NamedTable::new(
                "retention",
                "Clients still active and revenue per period since the first purchase",
                r.table,
            ),
            NamedTable::new(
                "retention_fit",
                "The shifted-beta-geometric fit per cohort",
                r.fit,
            ),
            NamedTable::detail(
                "retention_projection",
                "Observed and projected share still active",
                r.projection,
            ),
        ],
        charts,
        notes: [snap.notes.clone(), notes].concat(),
    })
}

/// How the cohorts are counted and projected.
fn method_note(grain: Grain) -> Note {
    Note::new(
        format!(
            "cohorts by the {} of the first purchase (purchases as in reactivation); active in period k = a purchase \
             in period k or later; revenue share = the period's revenue ÷ the cohort's revenue in period 0; \
             the sBG fit on each cohort's active curve projects it to {} periods",
            grain.word(),
            retention::HORIZON
        ),
        format!(
            "когорты по {} первой покупки (покупки — как в reactivation); активен в периоде k = покупка в периоде k \
             или позже; доля выручки = выручка периода ÷ выручка когорты в периоде 0; модель sBG по кривой \
             активных каждой когорты продлевает её до {} периодов",
            if grain == Grain::Month {
                "месяцу"
            } else {
                "кварталу"
            },
            retention::HORIZON
        ),
    )
}

/// The heatmap of the drawn cohorts: each one's share still active per period.
fn heatmap(
    drawn: &[&retention::Cohort],
    grain: Grain,
    label: &str,
    lang: crate::i18n::Lang,
) -> Chart {
    Chart {
        kind: Kind::Retention(Heatmap {
            title: format!("{}, {}", tr(lang, "Cohort retention"), label),
            cohorts: drawn
                .iter()
                .map(|c| format!("{} ({})", grain.label(c.period), c.clients))
                .collect(),
            shares: drawn
                .iter()
                .map(|c| {
                    c.active
                        .iter()
                        .map(|&a| a as f64 / c.clients as f64)
                        .collect()
                })
                .collect(),
            unit: grain.word().into(),
        }),
        lang,
    }
}
