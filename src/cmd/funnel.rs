//! `crmstat funnel`: the funnel and win rate, cohort or flow, optionally split.

use crate::cli::FunnelArgs;
use crate::error::Result;
use crate::metrics::snapshot::Snapshot;

pub fn run(args: &FunnelArgs) -> Result<()> {
    let fig = &args.figure;
    super::prepare(&fig.out, &fig.data)?;
    let (config, loaded) =
        super::load_with(&fig.data, Some(&fig.period), super::Contacts::None, false)?;
    let period = super::period(&fig.period, &loaded.tables)?;
    let snap = Snapshot::build(&loaded.tables, &loaded.stages, &period)?;
    let results = crate::figures::funnel::results(
        &snap,
        args.mode.into(),
        args.by.map(Into::into),
        config.lang,
    )?;
    super::emit(&fig.out, results, &loaded.report, config.lang)
}
