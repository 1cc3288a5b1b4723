//! `crmstat clv`: every buyer's lifetime value over the `[clv]` horizon, from the
//! Gamma-Gamma spend model and the BG/NBD purchase model, with both fits.

use crate::cli::ReactivationArgs;
use crate::error::Result;
use crate::metrics::snapshot::Snapshot;
use crate::period::Period;

pub fn run(args: &ReactivationArgs) -> Result<()> {
    super::prepare(&args.out, &args.data)?;
    let (config, loaded) =
        super::load_with(&args.data, Some(&args.period), super::Contacts::None, false)?;
    let period = match &args.as_of {
        Some(day) => Period::as_of_date(day)?,
        None => super::period(&args.period, &loaded.tables)?,
    };
    let snap = Snapshot::build(&loaded.tables, &loaded.stages, &period)?;
    let results = crate::figures::clv::results(&snap, &loaded, &config)?;
    super::emit(&args.out, results, &loaded.report, config.lang)
}
