//! The figures of `crmstat losses`: the tables, charts and notes the command writes and
//! the report reuses (see [`super`]).

use crate::chart::Chart;
use crate::config::Config;
use crate::error::Result;
use crate::metrics::{Mode, losses, snapshot::Snapshot};
use crate::output::NamedTable;
use crate::validate::Loaded;

/// The loss tables and chart for a snapshot.
pub fn results(
    snap: &Snapshot,
    loaded: &Loaded,
    config: &Config,
    mode: Mode,
) -> Result<super::Results> {
    snap.require_order()?;
    let period = &snap.period;
    let contacts = loaded.tables.contacts.as_ref();
    let l = losses::losses(
        snap,
        &loaded.stages,
        mode,
        contacts,
        config.funnel.followup_days,
    )?;
    let charts = vec![Chart::losses(
        &l.losses,
        &l.loss_reasons,
        &period.label,
        &config.currency,
        config.lang,
    )?];
    let mut tables = vec![
        NamedTable::new("losses", "Losses by stage", l.losses),
        NamedTable::new("loss_reasons", "Loss reasons by stage", l.loss_reasons),
        NamedTable::new("biggest_drop", "Biggest drop", l.biggest_drop),
        NamedTable::detail(
            "lost_deals",
            "Lost deals and the stage each was lost at",
            l.lost_deals,
        ),
        NamedTable::detail(
            "stalled",
            "Stalled open deals (time in stage above the stage's p90)",
            l.stalled,
        ),
    ];
    if let Some(f) = l.followup {
        tables.push(NamedTable::new("followup", "Invoice follow-up", f.summary));
        tables.push(NamedTable::detail(
            "followup_breaches",
            "Follow-up breaches",
            f.breaches,
        ));
    }
    let mode = match mode {
        Mode::Cohort => "cohort: deals created in the period; ",
        Mode::Flow => "flow: deals lost in the period; ",
    };
    Ok(super::Results {
        book: "losses",
        heading: super::heading("Losses", period, mode),
        tables,
        charts,
        notes: [snap.notes.clone(), l.notes].concat(),
    })
}
