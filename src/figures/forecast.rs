//! The figures of `crmstat forecast`: the tables, charts and notes the command writes and
//! the report reuses (see [`super`]).

use crate::config::{Config, ProbabilitySource};
use crate::error::Result;
use crate::i18n::Note;
use crate::metrics::{forecast, snapshot::Snapshot};
use crate::output::NamedTable;

/// The report's "Forecast and plan" section: the forecast, the period's pipeline waterfall
/// and slippage, and pacing as of the period's end.
pub fn report_section(
    snap: &Snapshot,
    loaded: &crate::validate::Loaded,
    config: &Config,
) -> Result<super::Results> {
    let t = std::time::Instant::now();
    let mut r = results(snap, loaded, config)?;
    crate::validate::trace("forecast: projection and backtest", t);
    let t = std::time::Instant::now();
    let pipeline = super::pipeline::results(snap, loaded, config, &snap.period)?;
    crate::validate::trace("forecast: pipeline", t);
    let t = std::time::Instant::now();
    let pacing = super::pacing::with_snapshot(snap, loaded, config, &snap.period)?;
    crate::validate::trace("forecast: pacing", t);
    for part in [pipeline, pacing] {
        r.tables.extend(part.tables);
        r.charts.extend(part.charts);
        for n in part.notes {
            if !r.notes.contains(&n) {
                r.notes.push(n);
            }
        }
    }
    Ok(r)
}

/// The forecast tables for a snapshot.
pub fn results(
    snap: &Snapshot,
    loaded: &crate::validate::Loaded,
    config: &Config,
) -> Result<super::Results> {
    let source = config.forecast.probability;
    let log = loaded.tables.change_log()?;
    let f = forecast::forecast(snap, source, Some(log.as_ref()))?;
    let lang = config.lang;
    let (how, how_ru) = match source {
        ProbabilitySource::Stages => (
            "the win rate of deals that reached the same stage, closed in the 12 months before",
            "доля выигранных среди сделок, дошедших до того же этапа и закрытых за 12 месяцев до даты",
        ),
        ProbabilitySource::Crm => (
            "the CRM's probability (else the stage's win rate)",
            "вероятность из CRM (иначе доля выигранных по этапу)",
        ),
    };
    let mut notes = vec![Note::new(
        format!(
            "projection = won in the window so far + Σ open deals expected to close in it × amount × p, p = {how}; \
             backtest: the projection made at the start of each of the 12 months before, against what was won in it"
        ),
        format!(
            "прогноз = уже выиграно в окне + Σ открытых сделок с ожидаемым закрытием в нём × сумма × p, p = {how_ru}; \
             проверка на истории: прогноз на начало каждого из 12 предыдущих месяцев против выигранного в нём"
        ),
    )];
    notes.extend(f.notes);
    let chart = crate::chart::Chart::backtest(&f.backtest, &config.currency, lang)?;
    let charts = if chart.is_empty() {
        Vec::new()
    } else {
        vec![chart]
    };
    Ok(super::Results {
        book: "forecast",
        heading: super::heading("Forecast", &snap.period, ""),
        tables: vec![
            NamedTable::new(
                "forecast",
                "Projection for the period and the next one, with the backtest's error",
                f.forecast,
            ),
            NamedTable::new(
                "forecast_backtest",
                "Backtest: the forecast made at the start of each month against what was won",
                f.backtest,
            ),
        ],
        charts,
        notes: [snap.notes.clone(), notes].concat(),
    })
}
