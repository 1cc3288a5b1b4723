//! The figures of `crmstat durations`: the tables, charts and notes the command writes and
//! the report reuses (see [`super`]).

use crate::chart::Chart;
use crate::error::Result;
use crate::i18n::Lang;
use crate::i18n::Note;
use crate::metrics::{durations, snapshot::Snapshot};
use crate::output::NamedTable;

/// The duration tables and charts for a snapshot.
pub fn results(snap: &Snapshot, lang: Lang) -> Result<super::Results> {
    let period = &snap.period;
    let d = durations::durations(snap)?;
    let mut notes = snap.notes.clone();
    if snap.entries.is_none() {
        notes.push(Note::new(
            "no stage_history: time in stage counts each deal's whole life as one visit to its last open stage",
            "нет истории этапов: время на этапе — вся жизнь сделки на её последнем открытом этапе",
        ));
    }
    if d.time_to_close.median_days.is_none() {
        notes.push(Note::new(
            "median time to close: not reached (fewer than half the deals created in the period closed)",
            "медиана времени до закрытия не достигнута: закрыто меньше половины сделок, созданных в периоде",
        ));
    }
    let charts = vec![
        Chart::cycle_histogram(&d.cycle_days.0, &d.cycle_days.1, &period.label, lang),
        Chart::survival(&d.time_to_close, &period.label, lang),
    ];
    Ok(super::Results {
        book: "durations",
        heading: super::heading("Durations", period, ""),
        tables: vec![
            NamedTable::new(
                "cycle",
                "Cycle of deals closed in the period (days)",
                d.cycle,
            ),
            NamedTable::new(
                "time_to_close_summary",
                "Time to close, deals created in the period",
                d.time_to_close.summary()?,
            ),
            NamedTable::detail(
                "time_to_close",
                "Time to close (Kaplan–Meier, open deals censored)",
                d.time_to_close.frame()?,
            ),
            NamedTable::new(
                "stage_durations",
                "Time in stage (visits begun in the period)",
                d.stage_durations,
            ),
            NamedTable::detail(
                "stage_time_per_deal",
                "Time in stage per deal",
                d.stage_time_per_deal,
            ),
        ],
        charts,
        notes,
    })
}
