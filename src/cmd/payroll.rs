//! `crmstat payroll`: commission per manager and every line behind it.

use crate::cli::FigureArgs;
use crate::error::Result;
use crate::metrics::snapshot::Snapshot;

pub fn run(args: &FigureArgs) -> Result<()> {
    super::prepare(&args.out, &args.data)?;
    let (config, loaded) = super::load_with(
        &args.data,
        Some(&args.period),
        super::Contacts::Period,
        false,
    )?;
    let period = super::period(&args.period, &loaded.tables)?;
    let snap = Snapshot::build(&loaded.tables, &loaded.stages, &period)?;
    let results = crate::figures::payroll::results(&snap, &loaded, &config)?;
    super::emit(&args.out, results, &loaded.report, config.lang)
}
