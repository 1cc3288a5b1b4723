//! `crmstat managers`: every manager KPI against the company average, contacts by kind,
//! handoffs, and the leaderboard and deviation charts.

use crate::cli::ManagersArgs;
use crate::error::Result;
use crate::metrics::snapshot::Snapshot;

pub fn run(args: &ManagersArgs) -> Result<()> {
    let fig = &args.figure;
    super::prepare(&fig.out, &fig.data)?;
    let (config, loaded) =
        super::load_with(&fig.data, Some(&fig.period), super::Contacts::Period, false)?;
    let period = super::period(&fig.period, &loaded.tables)?;
    let snap = Snapshot::build(&loaded.tables, &loaded.stages, &period)?;
    let results = crate::figures::managers::results(&snap, &loaded, &config, args.by.into())?;
    super::emit(&fig.out, results, &loaded.report, config.lang)
}
