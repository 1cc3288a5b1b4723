//! `crmstat campaigns`: what each campaign brought, at what cost, and whether its
//! conversion really differs from the rest.

use crate::cli::CampaignsArgs;
use crate::error::Result;
use crate::metrics::snapshot::Snapshot;

pub fn run(args: &CampaignsArgs) -> Result<()> {
    let fig = &args.figure;
    super::prepare(&fig.out, &fig.data)?;
    let (config, loaded) =
        super::load_with(&fig.data, Some(&fig.period), super::Contacts::Period, false)?;
    let period = super::period(&fig.period, &loaded.tables)?;
    let snap = Snapshot::build(&loaded.tables, &loaded.stages, &period)?;
    let how = args
        .attribution
        .map(Into::into)
        .unwrap_or(config.campaigns.attribution);
    let clv = crate::figures::clv::compute(&snap, &loaded, &config)?;
    let results = crate::figures::campaigns::results(&snap, &loaded, &config, how, &clv, true)?;
    super::emit(&fig.out, results, &loaded.report, config.lang)
}
