//! `crmstat retention`: cohorts by first purchase, the share still active and the revenue per
//! period since, the sBG fit per cohort with its projection, and the heatmap.

use crate::cli::{RetentionArgs, RetentionBy};
use crate::error::Result;
use crate::metrics::retention::Grain;
use crate::metrics::snapshot::Snapshot;
use crate::period::Period;

pub fn run(args: &RetentionArgs) -> Result<()> {
    super::prepare(&args.out, &args.data)?;
    let (config, loaded) =
        super::load_with(&args.data, Some(&args.period), super::Contacts::None, false)?;
    let period = match &args.as_of {
        Some(day) => Period::as_of_date(day)?,
        None => super::period(&args.period, &loaded.tables)?,
    };
    let snap = Snapshot::build(&loaded.tables, &loaded.stages, &period)?;
    let grain = match args.by {
        RetentionBy::Month => Grain::Month,
        RetentionBy::Quarter => Grain::Quarter,
    };
    let results = crate::figures::retention::results(&snap, &loaded, &config, grain)?;
    super::emit(&args.out, results, &loaded.report, config.lang)
}
