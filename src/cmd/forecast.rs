//! `crmstat forecast`: the projection for the period and the next one, and its backtest over
//! the 12 months before (what forecasts made this way would have said, against what was won).

use crate::cli::FigureArgs;
use crate::error::Result;
use crate::metrics::snapshot::Snapshot;

pub fn run(args: &FigureArgs) -> Result<()> {
    super::prepare(&args.out, &args.data)?;
    let (config, loaded) =
        super::load_with(&args.data, Some(&args.period), super::Contacts::None, false)?;
    let period = super::period(&args.period, &loaded.tables)?;
    let snap = Snapshot::build(&loaded.tables, &loaded.stages, &period)?;
    let results = crate::figures::forecast::results(&snap, &loaded, &config)?;
    super::emit(&args.out, results, &loaded.report, config.lang)
}
