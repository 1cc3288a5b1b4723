//! `crmstat funnel`: the funnel and win rate, cohort or flow, optionally split.

use crate::chart::Chart;
use crate::cli::FunnelArgs;
use crate::error::{PolarsContext, Result};
use crate::i18n::Lang;
use crate::metrics::{GROUP, GroupBy, Mode, funnel, snapshot::Snapshot};
use crate::output::NamedTable;

pub fn run(args: &FunnelArgs) -> Result<()> {
    let fig = &args.figure;
    super::prepare(&fig.out, &fig.data)?;
    let (config, loaded) =
        super::load_with(&fig.data, Some(&fig.period), super::Contacts::None, false)?;
    let period = super::period(&fig.period, &loaded.tables)?;
    let snap = Snapshot::build(&loaded.tables, &loaded.stages, &period)?;
    let results = results(
        &snap,
        args.mode.into(),
        args.by.map(Into::into),
        config.lang,
    )?;
    super::emit(&fig.out, results, &loaded.report)
}

/// The funnel's tables and chart for a snapshot.
pub(crate) fn results(
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
        notes.push(
            "visited needs stage_history (real entries into each stage); left empty".to_string(),
        );
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
