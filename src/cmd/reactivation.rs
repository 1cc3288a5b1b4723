//! `crmstat reactivation`: clients past their usual interval with no open deal, ranked by
//! expected value, with RFM segments and the BG/NBD fit behind P(alive).

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
    let clv = crate::figures::clv::compute(&snap, &loaded, &config)?;
    let results = crate::figures::reactivation::results(&snap, &loaded, &config, &clv)?;
    super::emit(&args.out, results, &loaded.report, config.lang)
}
