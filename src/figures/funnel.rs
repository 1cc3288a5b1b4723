//! The figures of `crmstat funnel`: the tables, charts and notes the command writes and
//! the report reuses (see [`super`]).

use crate::chart::Chart;
use crate::error::{PolarsContext, Result};
use crate::i18n::Lang;
use crate::i18n::Note;
use crate::metrics::{GROUP, GroupBy, Mode, funnel, snapshot::Snapshot};
use crate::output::NamedTable;

/// The funnel's tables and chart for a snapshot.
pub fn results(
    snap: &Snapshot,
    mode: Mode,
    by: Option<GroupBy>,
    lang: Lang,
) -> Result<super::Results> {
    snap.require_order()?;
    let period = &snap.period;
    let mut t = funnel::funnel(snap, mode, by)?;
    let mut notes = snap.notes.clone();
    if snap.entries.is_none() {
        notes.push(Note::new(
            "visited needs stage_history (real entries into each stage); left empty",
            "столбец visited требует истории этапов (stage_history); оставлен пустым",
        ));
    }
    let mut charts = Vec::new();
    match by {
        Some(by) => {
            t.funnel
                .rename(GROUP, by.column().into())
                .ctx("naming the group column")?;
            t.win_rate
                .rename(GROUP, by.column().into())
                .ctx("naming the group column")?;
        }
        None => charts.push(Chart::funnel(&t.funnel, &period.label, lang)?),
    }
    let mode = match mode {
        Mode::Cohort => "cohort: deals created in the period; ",
        Mode::Flow => "flow: progress made in the period; ",
    };
    Ok(super::Results {
        book: "funnel",
        heading: super::heading("Funnel", period, mode),
        tables: vec![
            NamedTable::new("funnel", "Funnel", t.funnel),
            NamedTable::new("win_rate", "Win rate (closed deals)", t.win_rate),
        ],
        charts,
        notes,
    })
}
