//! `crmstat pipeline`: the waterfall of a window's pipeline over the period, and slippage.

use crate::cli::PipelineArgs;
use crate::error::Result;
use crate::metrics::snapshot::Snapshot;
use crate::period::Period;

pub fn run(args: &PipelineArgs) -> Result<()> {
    super::prepare(&args.out, &args.data)?;
    let (config, loaded) =
        super::load_with(&args.data, Some(&args.period), super::Contacts::None, false)?;
    let period = super::period(&args.period, &loaded.tables)?;
    let window = match &args.window {
        Some(w) => Period::resolve(Some(w), None, None, None, None)?,
        None => period.clone(),
    };
    let snap = Snapshot::build(&loaded.tables, &loaded.stages, &period)?;
    let results = crate::figures::pipeline::results(&snap, &loaded, &config, &window)?;
    super::emit(&args.out, results, &loaded.report, config.lang)
}
