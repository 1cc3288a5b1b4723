//! `crmstat durations`: cycle statistics, Kaplan–Meier time to close, time in stage.

use crate::cli::FigureArgs;
use crate::error::Result;
use crate::metrics::snapshot::Snapshot;

pub fn run(args: &FigureArgs) -> Result<()> {
    super::prepare(&args.out, &args.data)?;
    let (config, loaded) =
        super::load_with(&args.data, Some(&args.period), super::Contacts::None, false)?;
    let period = super::period(&args.period, &loaded.tables)?;
    let snap = Snapshot::build(&loaded.tables, &loaded.stages, &period)?;
    let results = crate::figures::durations::results(&snap, config.lang)?;
    super::emit(&args.out, results, &loaded.report, config.lang)
}
