//! The figures of `crmstat pacing`: the tables, charts and notes the command writes and
//! the report reuses (see [`super`]).

use crate::config::Config;
use crate::error::{Error, Result};
use crate::i18n::Note;
use crate::metrics::{pacing, snapshot::Snapshot};
use crate::output::NamedTable;
use crate::period::Period;
use crate::schema::names::MANAGER_ID;
use crate::validate::Loaded;

/// The as-of moment: the end of `--as-of DAY` (inside the period), else the period's end,
/// or the end of today when today falls inside the period.
pub fn as_of(period: &Period, day: Option<&str>) -> Result<chrono::NaiveDateTime> {
    let end_of = |d: chrono::NaiveDate| {
        d.succ_opt()
            .unwrap_or(d)
            .and_hms_opt(0, 0, 0)
            .unwrap_or(period.end)
    };
    match day {
        Some(text) => {
            let d = crate::dates::parse_date(text, &[]).ok_or_else(|| {
                Error::Usage(format!(
                    "--as-of {text}: not a date (use 2024-03-15 or 15.03.2024)"
                ))
            })?;
            let at = end_of(d);
            if at <= period.start || at > period.end {
                return Err(Error::Usage(format!(
                    "--as-of {text} is outside the period {} (pick a day inside it)",
                    period.label
                )));
            }
            Ok(at)
        }
        None => {
            let today = end_of(chrono::Utc::now().date_naive());
            Ok(if today > period.start && today < period.end {
                today
            } else {
                period.end
            })
        }
    }
}

/// The pacing table as of `as_of` inside `period`.
pub fn results(
    loaded: &Loaded,
    config: &Config,
    period: &Period,
    as_of: chrono::NaiveDateTime,
) -> Result<super::Results> {
    let so_far = Period {
        start: period.start,
        end: as_of,
        label: period.label.clone(),
    };
    let snap = Snapshot::build(&loaded.tables, &loaded.stages, &so_far)?;
    with_snapshot(&snap, loaded, config, period)
}

/// [`results`] from a snapshot whose as-of lies inside `period` (the report's, at its end).
pub fn with_snapshot(
    snap: &Snapshot,
    loaded: &Loaded,
    config: &Config,
    period: &Period,
) -> Result<super::Results> {
    let as_of = snap.period.end;
    let p = pacing::pacing(&loaded.tables, snap, period, config.forecast.probability)?;
    let last_day = (as_of - chrono::Duration::days(1)).date();
    let mut notes = vec![Note::new(
        format!(
            "pacing as of the end of {last_day}: plan = the plans rows (else monthly_plan; a team without its own row: \
             its managers' sum); won from the period start; expected by now = plan × the share of the period elapsed; \
             pipeline = open deals expected to close by the period's end (weighted by p as in the forecast); coverage = \
             pipeline ÷ (plan − won); required coverage = 1 ÷ the win rate of the last 12 months"
        ),
        format!(
            "темп плана на конец {last_day}: план — строки plans (иначе monthly_plan; у команды без своей строки — сумма её \
             менеджеров); выиграно с начала периода; ожидалось к дате = план × прошедшая доля периода; воронка — открытые \
             сделки с ожидаемым закрытием до конца периода (с весом p, как в прогнозе); покрытие = воронка ÷ (план − \
             выиграно); нужное покрытие = 1 ÷ доля выигранных за 12 месяцев"
        ),
    )];
    notes.extend(p.notes);
    let table = super::with_manager_names(&p.pacing, MANAGER_ID, false, &loaded.tables)?;
    let chart =
        crate::chart::Chart::pacing(&table, &period.label, &last_day.to_string(), config.lang)?;
    let charts = if chart.is_empty() {
        Vec::new()
    } else {
        vec![chart]
    };
    Ok(super::Results {
        book: "pacing",
        heading: super::heading("Plan pacing", &snap.period, ""),
        tables: vec![NamedTable::new(
            "pacing",
            "Plan pacing per manager, team and company",
            table,
        )],
        charts,
        notes: [snap.notes.clone(), notes].concat(),
    })
}
