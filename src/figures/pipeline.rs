//! The figures of `crmstat pipeline`: the tables, charts and notes the command writes and
//! the report reuses (see [`super`]).

use crate::config::Config;
use crate::error::Result;
use crate::i18n::Note;
use crate::metrics::{pipeline, snapshot::Snapshot, texts};
use crate::output::NamedTable;
use crate::period::Period;
use crate::schema::names::{DEAL_ID, MANAGER_ID};
use crate::validate::Loaded;
use std::collections::HashMap;

/// The pipeline tables for a snapshot and a window.
pub fn results(
    snap: &Snapshot,
    loaded: &Loaded,
    config: &Config,
    window: &Period,
) -> Result<super::Results> {
    let lang = config.lang;
    let histories = pipeline::histories(&loaded.tables, snap)?;
    let w = pipeline::waterfall(&histories, &snap.period, window)?;
    let ids = texts(&snap.deals, DEAL_ID)?;
    let managers = texts(&snap.deals, MANAGER_ID)?;
    let owners: HashMap<String, String> = ids
        .into_iter()
        .zip(managers)
        .filter_map(|(d, m)| Some((d?, m?)))
        .collect();
    let s = pipeline::slippage(&histories, &owners, &snap.period)?;
    let chart =
        crate::chart::Chart::waterfall(&w.waterfall, &window.label, &config.currency, lang)?;
    let mut notes = vec![Note::new(
        format!(
            "pipeline of {}: the deals open and expected to close in it at some moment of {} (and every deal won in \
             {}); each enters once (start, created, pulled in) and leaves once (won, lost, pushed out, end), with its \
             amount then; the change in between is increased or decreased; an empty amount counts as 0",
            window.label, snap.period.label, snap.period.label
        ),
        format!(
            "воронка окна {}: сделки, открытые и с ожидаемым закрытием в нём в какой-то момент {} (и все выигранные в \
             {}); каждая входит один раз (на начало, создана, подтянута) и выходит один раз (выиграна, проиграна, \
             сдвинута, на конец) со своей суммой на тот момент; разница между ними — рост или снижение; пустая сумма = 0",
            window.label, snap.period.label, snap.period.label
        ),
    )];
    if loaded.tables.deal_changes.is_none() {
        notes.push(Note::new(
            "no deal_changes table: past amounts and expected close dates are today's values, so a deal counts as in \
             or out of the window by its current expected close, nothing is pushed or pulled by a change (a deal won \
             without an expected close in the window still enters as pulled_in), and no slip is seen",
            "нет таблицы deal_changes: прошлые суммы и ожидаемые даты закрытия — сегодняшние, поэтому сделка в окне \
             или вне его по нынешней ожидаемой дате, изменения ничего не сдвигают (сделка, выигранная без ожидаемого \
             закрытия в окне, всё равно входит как pulled_in), и переносов не видно",
        ));
    }
    Ok(super::Results {
        book: "pipeline",
        heading: super::heading(&format!("Pipeline of {}", window.label), &snap.period, ""),
        tables: vec![
            NamedTable::new(
                "pipeline_waterfall",
                "Pipeline waterfall: from the start of the period to its end",
                w.waterfall,
            ),
            NamedTable::detail(
                "pipeline_deals",
                "Each deal followed: how it entered and left, with its amount then",
                w.deals,
            ),
            NamedTable::new(
                "slippage",
                "Deals whose expected close was pushed out in the period",
                s.deals,
            ),
            NamedTable::new("slippage_by_manager", "Slippage per manager", s.managers),
        ],
        charts: vec![chart],
        notes: [snap.notes.clone(), notes].concat(),
    })
}
