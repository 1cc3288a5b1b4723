//! `crmstat losses`: losses per stage, reasons, the biggest drop, stalled deals and
//! invoice follow-up breaches.

use crate::cli::LossesArgs;
use crate::error::Result;
use crate::metrics::snapshot::Snapshot;

pub fn run(args: &LossesArgs) -> Result<()> {
    let fig = &args.figure;
    super::prepare(&fig.out, &fig.data)?;
    let (config, loaded) =
        super::load_with(&fig.data, Some(&fig.period), super::Contacts::Period, false)?;
    let period = super::period(&fig.period, &loaded.tables)?;
    let snap = Snapshot::build(&loaded.tables, &loaded.stages, &period)?;
    let results = crate::figures::losses::results(&snap, &loaded, &config, args.mode.into())?;
    super::emit(&fig.out, results, &loaded.report, config.lang)
}
